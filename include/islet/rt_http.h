/* rt_http.h: HTTP requests on a background network isolate (libcurl).
 *
 * A request returns a future at once; the caller's loop is never blocked.
 * One network isolate, on a thread of its own (never the worker pool, so
 * compute jobs cannot starve it), started on first use and gone after 2 s
 * with nothing to do, drives libcurl's multi interface: many transfers at
 * once, connection reuse, event-driven waiting (curl_multi_poll, woken by
 * curl_multi_wakeup when a request or a cancel arrives).
 *
 * The response is a message value (a map) owned by the future:
 *   status (int), url (effective URL after redirects), headers (map of
 *   lower-case names; repeated headers joined with ", "), body (bytes, moved
 *   from the network isolate without a copy), timings (map of microseconds:
 *   dns, connect, tls, first_byte, total).
 * An HTTP 4xx/5xx is a response, not an error. A body that is not UTF-8 is
 * delivered as bytes all the same.
 *
 * Header bytes are decoded as Latin-1, as browsers do: each byte becomes the
 * code point of the same number (so "caf\xe9" reads "café" in UTF-8, ASCII is
 * unchanged, and every byte can be recovered by encoding back to Latin-1).
 * Only ASCII letters in names are lower-cased. Whatever the bytes, the reply
 * arrives; a NUL byte in a header makes the answer RT_EHTTP_PROTOCOL.
 * One response's status line and headers are capped (max_header_bytes,
 * default 64 KiB; libcurl itself stops at 300 KiB in all and 100 KiB a line),
 * as are its distinct header names (1,000; repeats of a name are joined and
 * cost nothing more). Header work is linear in the bytes received.
 *
 * Requests go on the wire as given or not at all: a method that is not an
 * HTTP token, an extra header that is not "Name: value" with a token name,
 * or that holds CR, LF or another control character (NUL cannot be passed in
 * a C string), fail the future at once with RT_EHTTP_HEADER; a URL with a
 * space or control character with RT_EHTTP_URL. Nothing is sent.
 *
 * Safe defaults: only http and https (redirects included), TLS verification
 * on, at most 5 redirects, a 64 MiB body cap, 10 s to connect, 30 s in all.
 * Errors fail the future once, with a code below, domain "http", and a
 * message in plain words followed by "(curl error N: ...)" when libcurl
 * reported it. Every request's future settles: what is needed to report a
 * failure to allocate the answer is allocated before the request is sent.
 *
 * Callable from any isolate; futures, tasks and streams belong to the caller.
 */
#ifndef RT_HTTP_H
#define RT_HTTP_H

#include <islet/rt_export.h>

#include <islet/rt_compute.h>

/* The HTTP error codes, generated from RT_HTTP_ERRNO_MAP in rt_base.h:
 *   RT_EHTTP_URL               -30  malformed URL
 *   RT_EHTTP_SCHEME            -31  not http or https
 *   RT_EHTTP_RESOLVE           -32  host name not found
 *   RT_EHTTP_CONNECT           -33  connection refused or unreachable
 *   RT_EHTTP_TIMEOUT           -34  connect or total timeout
 *   RT_EHTTP_TLS               -35  TLS handshake or certificate failure
 *   RT_EHTTP_REDIRECTS         -36  more redirects than allowed
 *   RT_EHTTP_TOO_LARGE         -37  body over the cap
 *   RT_EHTTP_RECEIVE           -38  connection reset or closed mid-response
 *   RT_EHTTP_OTHER             -39  anything else libcurl reports
 *   RT_EHTTP_HEADER            -40  a request header or method that cannot go on the wire
 *   RT_EHTTP_HEADERS_TOO_LARGE -41  response headers over the cap
 *   RT_EHTTP_PROTOCOL          -42  the answer is not valid HTTP (HTTP/0.9, bad framing) */
enum { RT_HTTP_ERRNO_MAP(RT__ERRNO_ENUM) };

typedef struct rt_http_options {
    int64_t connect_timeout_ns; /* 0: 10 s */
    int64_t timeout_ns;         /* whole transfer; 0: 30 s */
    size_t max_body;            /* bytes; 0: 64 MiB */
    int max_redirects;          /* 0: 5; negative: none followed */
    size_t max_header_bytes;    /* one response's status line and headers; 0: 64 KiB */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated */
} rt_http_options;

typedef struct rt_http_task rt_http_task;

/* GET and POST; opts may be NULL. A new future reference; NULL when out of
 * memory. The body is copied. */
ISLET_API rt_future *rt_http_get(const char *url, const rt_http_options *opts);
ISLET_API rt_future *rt_http_post(const char *url, const void *body, size_t len,
                                  const rt_http_options *opts);
/* Any method. With task != NULL, *task gets a handle for cancel and
 * progress (release it with rt_http_task_release). */
ISLET_API rt_future *rt_http_request(const char *method, const char *url, const void *body,
                                     size_t len, const rt_http_options *opts, rt_http_task **task);
/* Fails the future at once with RT_ECANCELLED and stops the transfer. */
ISLET_API void rt_http_task_cancel(rt_http_task *task);
/* Progress as a single-subscription stream (new reference) of maps
 * {received, expected} (expected 0 when unknown), closed at the end. */
ISLET_API rt_stream *rt_http_task_progress(rt_http_task *task);
ISLET_API void rt_http_task_release(rt_http_task *task);

/* Response accessors (borrowed from the response value). */
ISLET_API int rt_http_status(const rt_value *response);
ISLET_API const void *rt_http_body(const rt_value *response, size_t *len);
/* A header by lower-case name, or NULL. */
ISLET_API const char *rt_http_header(const rt_value *response, const char *name);
ISLET_API const char *rt_http_effective_url(const rt_value *response);
/* A timing in microseconds: "dns", "connect", "tls", "first_byte", "total". */
ISLET_API int64_t rt_http_timing_us(const rt_value *response, const char *which);

#endif
