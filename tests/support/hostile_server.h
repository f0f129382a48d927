/* hostile_server.h: a misbehaving HTTP server on 127.0.0.1 for Islet's tests
 * (curl's habit: test the client against servers that lie, stall and break
 * the protocol). Each connection gets a thread that reads one request,
 * records its exact bytes, answers with the canned or malformed response its
 * path names, and closes. Paths (any method):
 *   /ok                  200, Content-Length 3, "ok\n"
 *   /capture             200 "ok\n": for checking the recorded request bytes
 *   /http09              "hello\n" with no status line (an HTTP/0.9 answer)
 *   /bad-status          "HTTP/1.1 2x0 OK" status line
 *   /bad-version         "HTTP/7.5 200 OK" status line
 *   /latin1              200, X-Name: "caf\xe9" and a header name with \xe9
 *   /binary-header       200, X-Bin: bytes 01 7f 80 ff fe c3 28
 *   /nul-header          200, X-Nul: "a\0b"
 *   /long-value?n=N      200, X-Long: N times 'x' (N <= 1 MiB)
 *   /huge-headers?kb=N   200 after N KiB of distinct 100-byte X-Pad-i lines
 *   /distinct?n=N        200 after N lines "X-i: d", i = 0..N-1
 *   /repeat?n=N          200 after N lines "X-Rep: v" (N <= 10,000,000)
 *   /endless-headers     "X-Endless: more i" lines forever (until the peer goes away)
 *   /bad-chunk           200 chunked with chunk size "zz"
 *   /huge-chunk          200 chunked with chunk size "fffffffffffffffffff"
 *   /mid-body-close      200, Content-Length 1000, 10 bytes, close
 *   /slow-drip?ms=N      a complete 200 "ok\n" reply, one byte every N ms
 *   /early-close         "HTTP/1.1 200 OK\r\nContent-", then closes
 *   /no-reply            closes without answering
 *   /reset               closes with a TCP reset instead of answering
 *   /oversized?bytes=N   200 with Content-Length N and N bytes
 *   /oversized-chunked?bytes=N   the same, chunked (no length known ahead)
 *   anything else        404
 * Needs -pthread. */
#ifndef TS_HOSTILE_SERVER_H
#define TS_HOSTILE_SERVER_H

#include <stddef.h>

typedef struct ts_hostile ts_hostile;

/* Binds 127.0.0.1 on an ephemeral port and starts accepting. NULL on
 * failure. Release with ts_hostile_stop. */
ts_hostile *ts_hostile_start(void);

/* "http://127.0.0.1:PORT" + path into buf (truncated, NUL-terminated). */
void ts_hostile_url(const ts_hostile *s, const char *path, char *buf, size_t size);

/* Requests received so far (counted once a request's head is complete).
 * Thread-safe. */
long ts_hostile_requests(ts_hostile *s);

/* Copies the bytes of the last request received (head and body, as they
 * came off the wire, plus whatever else the client sent on that connection
 * before the reply went out) into buf, NUL-terminated and truncated to size;
 * returns the full length. Thread-safe. */
size_t ts_hostile_last_request(ts_hostile *s, char *buf, size_t size);

/* Stops accepting, breaks every open connection, joins every thread and
 * frees s. NULL is a no-op. */
void ts_hostile_stop(ts_hostile *s);

#endif
