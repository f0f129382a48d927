/* http_server.h: a small real HTTP/1.1 server on 127.0.0.1 for Islet's tests
 * and benchmarks. One pthread runs a poll() loop over non-blocking sockets;
 * keep-alive, pipelining, Content-Length request bodies and Expect:
 * 100-continue are supported; chunked request bodies are refused with 501.
 *
 * Routes (GET or HEAD unless noted; other methods get 405; unknown paths 404):
 *   /ok                 200 text/plain "hello from islet\n"
 *   /status/N           status N (200..599), body "status N\n" (none for 204/304)
 *   /slow?ms=N          200 "slow\n" after N ms (other connections keep going)
 *   /slow-body?ms=N     200, Content-Length 10: headers + "slow-" now, "body\n" N ms later
 *   /chunked            200 chunked: "chunk one," "chunk two," "chunk three"
 *   /large?bytes=N      200, N bytes (N <= 256 MiB), byte i = (i * 31 + 7) & 0xff
 *   /redirect/N         302 to /redirect/N-1; /redirect/0 -> 302 to /ok
 *   /loop               302 to /loop
 *   /close-mid-body     200, Content-Length 1000, sends 100 bytes then closes
 *   /binary             200 application/octet-stream, bytes ff fe 00 c3 28 80
 *   /echo (any method)  200 text/plain: method "\n", each header line as
 *                       received ("Name: value\n"), "\n", then the body verbatim
 *   /close-no-reply     reads the request, closes without sending anything
 * Limits: request headers <= 64 KiB (else 431), bodies <= 64 MiB (else 413),
 * ms <= 600000; connections are limited only by RLIMIT_NOFILE. Idle
 * connections stay open until the peer closes or ts_http_stop. Needs -pthread. */
#ifndef TS_HTTP_SERVER_H
#define TS_HTTP_SERVER_H

#include <stddef.h>

typedef struct ts_http_server ts_http_server;

/* Binds 127.0.0.1 on an ephemeral port and starts the server thread; raises the
 * process's RLIMIT_NOFILE soft limit to the hard limit. NULL on failure. The
 * caller owns the result and must release it with ts_http_stop. */
ts_http_server *ts_http_start(void);

/* The bound port. Safe from any thread while the server is alive. */
int ts_http_port(const ts_http_server *s);

/* Writes "http://127.0.0.1:PORT" followed by path (may be NULL) into buf,
 * truncated and NUL-terminated to size bytes. Safe from any thread. */
void ts_http_url(const ts_http_server *s, const char *path, char *buf, size_t size);

/* Connections accepted so far. Atomic; safe from any thread. A connection is
 * counted before any of its requests is read. */
long ts_http_connections(const ts_http_server *s);

/* Complete requests received so far (including ones answered with an error).
 * Atomic; safe from any thread. Counted before any response byte is sent. */
long ts_http_requests(const ts_http_server *s);

/* Stops the thread promptly, closes the listening socket and every
 * connection, and frees s. NULL is a no-op. Call once, from one thread, with
 * no concurrent use of s. */
void ts_http_stop(ts_http_server *s);

#endif
