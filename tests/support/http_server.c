/* http_server.c: a small HTTP/1.1 test server, one poll() thread (see header). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HDR_MAX (64 * 1024)
#define BODY_MAX ((size_t)64 * 1024 * 1024)
#define LARGE_MAX ((uint64_t)256 * 1024 * 1024)
#define SLOW_MAX_MS 600000L
#define PATTERN_SPAN (256 * 1024)
#define DRAIN_MS 1000
#define IN_CHUNK (16 * 1024)
#define KEEP_CAP (64 * 1024)

typedef struct tbuf {
    char *p;
    size_t len, off, cap; /* off: bytes of p already sent (output buffers) */
} tbuf;

enum { ST_READ, ST_WRITE, ST_DRAIN, ST_DEAD };

typedef struct conn {
    int fd;
    int state;
    tbuf in;
    size_t scan;     /* where to resume searching for the end of headers */
    size_t hdr_len;  /* header section length incl. final CRLFCRLF; 0 unknown */
    size_t body_len; /* Content-Length of the parsed request */
    size_t m_off, m_len, t_off, t_len, lines_off, lines_end;
    bool http10, conn_close, keepalive, expect, te, cont_sent;
    tbuf out;
    uint64_t gen_pos, gen_end; /* pattern bytes still to send for /large */
    tbuf later;                /* sent once deadline passes */
    int64_t deadline;          /* ms (monotonic); -1 none */
    bool close_after;
} conn;

struct ts_http_server {
    int lfd, wfd, port;
    pthread_t thread;
    atomic_int stop;
    atomic_long connections, requests;
    unsigned char *pattern; /* PATTERN_SPAN + 256 bytes */
    conn **conns;
    size_t nconns, capconns;
    struct pollfd *pfds;
    size_t cappfds;
    int64_t listen_pause_until;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- buffers ---- */

static int buf_reserve(tbuf *b, size_t extra)
{
    if (b->cap - b->len >= extra) return 0;
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < want)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_append(tbuf *b, const void *data, size_t n)
{
    if (buf_reserve(b, n)) return -1;
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

__attribute__((format(printf, 2, 3))) static int buf_printf(tbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n < sizeof tmp) return buf_append(b, tmp, (size_t)n);
    if (buf_reserve(b, (size_t)n + 1)) return -1;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

static void buf_free(tbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Empties an output buffer, releasing it when it grew large. */
static void buf_reset(tbuf *b)
{
    b->len = b->off = 0;
    if (b->cap > KEEP_CAP) buf_free(b);
}

/* ---- connections ---- */

static void conn_kill(conn *c)
{
    if (c->state == ST_DEAD) return;
    close(c->fd);
    c->fd = -1;
    c->state = ST_DEAD;
}

static void conn_free(conn *c)
{
    if (c->fd >= 0) close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    buf_free(&c->later);
    free(c);
}

/* Closes gracefully: FIN, then discards input until the peer closes (or
 * DRAIN_MS), so unread request bytes don't turn our close into a reset. */
static void conn_drain(conn *c, int64_t now)
{
    shutdown(c->fd, SHUT_WR);
    c->state = ST_DRAIN;
    c->deadline = now + DRAIN_MS;
    c->in.len = 0;
    c->hdr_len = c->scan = 0;
    buf_reset(&c->out);
    buf_free(&c->later);
    c->gen_pos = c->gen_end = 0;
}

/* Drops the request just handled (and the parse state) from the input. */
static void conn_consume(conn *c, size_t n)
{
    if (n > c->in.len) n = c->in.len;
    memmove(c->in.p, c->in.p + n, c->in.len - n);
    c->in.len -= n;
    c->hdr_len = c->scan = 0;
    c->cont_sent = false;
    if (c->in.cap > 4 * KEEP_CAP && c->in.len <= KEEP_CAP) {
        char *p = realloc(c->in.p, KEEP_CAP);
        if (p) {
            c->in.p = p;
            c->in.cap = KEEP_CAP;
        }
    }
}

/* One send: > 0 bytes sent, 0 would block, -1 error (EINTR retried). */
static ssize_t send_some(int fd, const void *p, size_t len)
{
    for (;;) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) return n;
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

/* Sends pending output; 1 all sent, 0 would block, -1 error. */
static int flush_out(conn *c)
{
    while (c->out.off < c->out.len) {
        ssize_t n = send_some(c->fd, c->out.p + c->out.off, c->out.len - c->out.off);
        if (n <= 0) return (int)n;
        c->out.off += (size_t)n;
    }
    buf_reset(&c->out);
    return 1;
}

static int flush_gen(ts_http_server *s, conn *c)
{
    while (c->gen_pos < c->gen_end) {
        uint64_t rem = c->gen_end - c->gen_pos;
        size_t len = rem < PATTERN_SPAN ? (size_t)rem : PATTERN_SPAN;
        ssize_t n = send_some(c->fd, s->pattern + (c->gen_pos & 255), len);
        if (n <= 0) return (int)n;
        c->gen_pos += (uint64_t)n;
    }
    c->gen_pos = c->gen_end = 0;
    return 1;
}

/* ---- responses ---- */

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 418:
        return "I'm a teapot";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

static bool is_head(const conn *c)
{
    return c->m_len == 4 && memcmp(c->in.p + c->m_off, "HEAD", 4) == 0;
}

/* Status line and headers; content_length < 0 omits Content-Length. `extra`
 * is zero or more complete "Name: value\r\n" lines. */
static int put_head(conn *c, tbuf *dst, int status, const char *ctype, const char *extra,
                    long long content_length)
{
    int r = buf_printf(dst, "HTTP/1.1 %d %s\r\nServer: islet-test\r\n", status, reason(status));
    if (!r && ctype) r = buf_printf(dst, "Content-Type: %s\r\n", ctype);
    if (!r && content_length >= 0) r = buf_printf(dst, "Content-Length: %lld\r\n", content_length);
    if (!r && extra) r = buf_printf(dst, "%s", extra);
    if (!r && c->close_after) r = buf_printf(dst, "Connection: close\r\n");
    if (!r && !c->close_after && c->http10) r = buf_printf(dst, "Connection: keep-alive\r\n");
    if (!r) r = buf_append(dst, "\r\n", 2);
    return r;
}

static int respond(conn *c, int status, const char *ctype, const char *extra, const void *body,
                   size_t len)
{
    if (status == 204 || status == 304) return put_head(c, &c->out, status, NULL, extra, -1);
    if (put_head(c, &c->out, status, ctype, extra, (long long)len)) return -1;
    return is_head(c) ? 0 : buf_append(&c->out, body, len);
}

static int respond_str(conn *c, int status, const char *body)
{
    return respond(c, status, "text/plain", NULL, body, strlen(body));
}

/* An error that ends the connection after the response. */
static int respond_fatal(conn *c, int status, const char *body)
{
    c->close_after = true;
    return respond_str(c, status, body);
}

/* ---- request parsing ---- */

static bool ieq(const char *a, size_t alen, const char *b)
{
    return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

/* Parses a decimal number in [p, p+n); false unless it is all digits and <= max. */
static bool parse_num(const char *p, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Finds query parameter `name` in q (len n) and parses it as a number. */
static bool query_num(const char *q, size_t n, const char *name, uint64_t max, uint64_t *out)
{
    size_t nl = strlen(name);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && q[j] != '&')
            j++;
        if (j - i > nl && memcmp(q + i, name, nl) == 0 && q[i + nl] == '=')
            return parse_num(q + i + nl + 1, j - i - nl - 1, max, out);
        i = j + 1;
    }
    return false;
}

static void connection_tokens(conn *c, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        size_t e = j;
        while (e > i && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (ieq(v + i, e - i, "close")) c->conn_close = true;
        if (ieq(v + i, e - i, "keep-alive")) c->keepalive = true;
        i = j;
    }
}

/* Parses the request line and headers of in[0, hdr_len). 0 ok, else an HTTP
 * status to fail with. */
static int parse_head(conn *c)
{
    const char *p = c->in.p;
    const char *end = p + c->hdr_len - 2; /* the final empty line's CRLF */
    const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (!sp1 || sp1 == p) return 400;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (!sp2 || sp2 == sp1 + 1) return 400;
    const char *ver = sp2 + 1;
    size_t vlen = (size_t)(eol - ver);
    if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0) return vlen >= 5 ? 505 : 400;
    if (ver[7] != '0' && ver[7] != '1') return 505;
    c->http10 = ver[7] == '0';
    c->m_off = 0;
    c->m_len = (size_t)(sp1 - p);
    const char *t = sp1 + 1;
    size_t tl = (size_t)(sp2 - t);
    if (tl > 7 && (strncasecmp(t, "http://", 7) == 0)) { /* absolute-form */
        const char *slash = memchr(t + 7, '/', tl - 7);
        if (!slash) return 400;
        tl -= (size_t)(slash - t);
        t = slash;
    }
    if (t[0] != '/') return 400;
    c->t_off = (size_t)(t - p);
    c->t_len = tl;
    c->conn_close = c->keepalive = c->expect = c->te = false;
    c->body_len = 0;
    bool have_cl = false;
    c->lines_off = (size_t)(eol + 2 - p);
    c->lines_end = (size_t)(end - p);
    for (const char *line = eol + 2; line < end;) {
        const char *le = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
        const char *colon = memchr(line, ':', (size_t)(le - line));
        if (!colon) {
            if (line[0] != ' ' && line[0] != '\t') return 400;
            line = le + 2;
            continue;
        }
        size_t nl = (size_t)(colon - line);
        const char *v = colon + 1;
        const char *ve = le;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        size_t vl = (size_t)(ve - v);
        if (ieq(line, nl, "content-length")) {
            uint64_t n;
            if (!parse_num(v, vl, UINT64_MAX / 2, &n)) return 400;
            if (have_cl && n != c->body_len) return 400;
            if (n > BODY_MAX) return 413;
            have_cl = true;
            c->body_len = (size_t)n;
        } else if (ieq(line, nl, "transfer-encoding")) {
            c->te = true;
        } else if (ieq(line, nl, "connection")) {
            connection_tokens(c, v, vl);
        } else if (ieq(line, nl, "expect")) {
            if (ieq(v, vl, "100-continue")) c->expect = true;
        }
        line = le + 2;
    }
    if (c->te) return 501;
    return 0;
}

/* ---- routes ---- */

static bool path_is(const char *path, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(path, want, n) == 0;
}

static bool path_prefix(const char *path, size_t n, const char *pre)
{
    size_t l = strlen(pre);
    return n >= l && memcmp(path, pre, l) == 0;
}

static int route_echo(conn *c)
{
    const char *p = c->in.p;
    size_t lines = 0;
    for (size_t i = c->lines_off; i + 1 < c->lines_end; i++)
        if (p[i] == '\r' && p[i + 1] == '\n') lines++;
    size_t hl = c->lines_end - c->lines_off; /* lines incl. their CRLFs */
    size_t len = c->m_len + 1 + (hl - lines) + 1 + c->body_len;
    if (put_head(c, &c->out, 200, "text/plain", NULL, (long long)len)) return -1;
    if (is_head(c)) return 0;
    if (buf_reserve(&c->out, len)) return -1;
    buf_append(&c->out, p + c->m_off, c->m_len);
    buf_append(&c->out, "\n", 1);
    for (size_t i = c->lines_off; i < c->lines_end;) {
        const char *le = memmem(p + i, c->lines_end + 2 - i, "\r\n", 2);
        size_t ll = (size_t)(le - (p + i));
        buf_append(&c->out, p + i, ll);
        buf_append(&c->out, "\n", 1);
        i += ll + 2;
    }
    buf_append(&c->out, "\n", 1);
    buf_append(&c->out, p + c->hdr_len, c->body_len);
    return 0;
}

/* Builds the response to the parsed request. -1 on allocation failure. */
static int dispatch(conn *c, int64_t now)
{
    const char *t = c->in.p + c->t_off;
    size_t tl = c->t_len;
    const char *q = memchr(t, '?', tl);
    size_t pl = q ? (size_t)(q - t) : tl;
    size_t ql = q ? tl - pl - 1 : 0;
    if (q) q++;
    const char *m = c->in.p + c->m_off;
    bool get = (c->m_len == 3 && memcmp(m, "GET", 3) == 0) || is_head(c);
    bool head = is_head(c);
    char tmp[128];
    uint64_t n;

    c->close_after = c->conn_close || (c->http10 && !c->keepalive);
    c->state = ST_WRITE;
    c->deadline = -1;

    if (path_is(t, pl, "/echo")) return route_echo(c);
    if (path_is(t, pl, "/close-no-reply")) {
        conn_drain(c, now);
        return 0;
    }
    bool known = path_is(t, pl, "/ok") || path_prefix(t, pl, "/status/") ||
                 path_is(t, pl, "/slow") || path_is(t, pl, "/slow-body") ||
                 path_is(t, pl, "/chunked") || path_is(t, pl, "/large") ||
                 path_prefix(t, pl, "/redirect/") || path_is(t, pl, "/loop") ||
                 path_is(t, pl, "/close-mid-body") || path_is(t, pl, "/binary");
    if (known && !get)
        return respond(c, 405, "text/plain", "Allow: GET, HEAD\r\n", "method not allowed\n", 19);

    if (path_is(t, pl, "/ok")) return respond_str(c, 200, "hello from islet\n");
    if (path_prefix(t, pl, "/status/")) {
        if (!parse_num(t + 8, pl - 8, 599, &n) || n < 200)
            return respond_str(c, 400, "bad status\n");
        snprintf(tmp, sizeof tmp, "status %d\n", (int)n);
        return respond_str(c, (int)n, tmp);
    }
    if (path_is(t, pl, "/slow")) {
        if (!query_num(q, ql, "ms", SLOW_MAX_MS, &n)) return respond_str(c, 400, "bad ms\n");
        c->deadline = now + (int64_t)n;
        if (put_head(c, &c->later, 200, "text/plain", NULL, 5)) return -1;
        return head ? 0 : buf_append(&c->later, "slow\n", 5);
    }
    if (path_is(t, pl, "/slow-body")) {
        if (!query_num(q, ql, "ms", SLOW_MAX_MS, &n)) return respond_str(c, 400, "bad ms\n");
        if (put_head(c, &c->out, 200, "text/plain", NULL, 10)) return -1;
        if (head) return 0;
        c->deadline = now + (int64_t)n;
        if (buf_append(&c->out, "slow-", 5)) return -1;
        return buf_append(&c->later, "body\n", 5);
    }
    if (path_is(t, pl, "/chunked")) {
        if (c->http10) return respond_str(c, 200, "chunk one,chunk two,chunk three");
        if (put_head(c, &c->out, 200, "text/plain", "Transfer-Encoding: chunked\r\n", -1))
            return -1;
        if (head) return 0;
        static const char chunks[] =
            "a\r\nchunk one,\r\na\r\nchunk two,\r\nb\r\nchunk three\r\n0\r\n\r\n";
        return buf_append(&c->out, chunks, sizeof chunks - 1);
    }
    if (path_is(t, pl, "/large")) {
        if (!query_num(q, ql, "bytes", LARGE_MAX, &n)) return respond_str(c, 400, "bad bytes\n");
        if (put_head(c, &c->out, 200, "application/octet-stream", NULL, (long long)n)) return -1;
        if (!head) {
            c->gen_pos = 0;
            c->gen_end = n;
        }
        return 0;
    }
    if (path_prefix(t, pl, "/redirect/")) {
        if (!parse_num(t + 10, pl - 10, 1000000000, &n))
            return respond_str(c, 400, "bad redirect\n");
        if (n == 0)
            snprintf(tmp, sizeof tmp, "Location: /ok\r\n");
        else
            snprintf(tmp, sizeof tmp, "Location: /redirect/%llu\r\n", (unsigned long long)n - 1);
        return respond(c, 302, "text/plain", tmp, "redirect\n", 9);
    }
    if (path_is(t, pl, "/loop"))
        return respond(c, 302, "text/plain", "Location: /loop\r\n", "redirect\n", 9);
    if (path_is(t, pl, "/close-mid-body")) {
        char body[100];
        memset(body, 'x', sizeof body);
        if (put_head(c, &c->out, 200, "text/plain", NULL, 1000)) return -1;
        c->close_after = true;
        return head ? 0 : buf_append(&c->out, body, sizeof body);
    }
    if (path_is(t, pl, "/binary")) {
        static const unsigned char bin[6] = {0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80};
        return respond(c, 200, "application/octet-stream", NULL, bin, sizeof bin);
    }
    return respond_str(c, 404, "not found\n");
}

/* Tries to parse and dispatch one request. 1 dispatched (state changed),
 * 0 incomplete, -1 fatal. */
static int try_request(ts_http_server *s, conn *c, int64_t now)
{
    if (c->hdr_len == 0) {
        c->m_len = 0;
        size_t skip = 0; /* tolerate empty lines before the request line */
        while (skip < c->in.len && (c->in.p[skip] == '\r' || c->in.p[skip] == '\n'))
            skip++;
        if (skip) conn_consume(c, skip);
        if (c->in.len < 4) return 0;
        const char *e = memmem(c->in.p + c->scan, c->in.len - c->scan, "\r\n\r\n", 4);
        if (!e) {
            c->scan = c->in.len - 3;
            if (c->in.len <= HDR_MAX) return 0;
            atomic_fetch_add(&s->requests, 1);
            c->state = ST_WRITE;
            return respond_fatal(c, 431, "request headers too large\n") ? -1 : 1;
        }
        c->hdr_len = (size_t)(e - c->in.p) + 4;
        if (c->hdr_len > HDR_MAX) {
            atomic_fetch_add(&s->requests, 1);
            c->state = ST_WRITE;
            return respond_fatal(c, 431, "request headers too large\n") ? -1 : 1;
        }
        int err = parse_head(c);
        if (err) {
            atomic_fetch_add(&s->requests, 1);
            c->state = ST_WRITE;
            c->http10 = false;
            return respond_fatal(c, err, "bad request\n") ? -1 : 1;
        }
    }
    size_t total = c->hdr_len + c->body_len;
    if (c->in.len < total) {
        if (c->expect && !c->cont_sent && !c->http10) {
            c->cont_sent = true;
            if (buf_append(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25)) return -1;
        }
        return 0;
    }
    atomic_fetch_add(&s->requests, 1);
    if (dispatch(c, now)) return -1;
    if (c->state == ST_WRITE) conn_consume(c, total);
    return 1;
}

/* Reads what is available. 1 got data, 0 would block, -1 EOF or error. */
static int read_some(conn *c)
{
    for (;;) {
        size_t want = IN_CHUNK;
        if (c->hdr_len && c->hdr_len + c->body_len > c->in.len) {
            size_t need = c->hdr_len + c->body_len - c->in.len;
            if (need > want) want = need < (size_t)1 << 20 ? need : (size_t)1 << 20;
        }
        if (buf_reserve(&c->in, want)) return -1;
        ssize_t n = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            return 1;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;
    }
}

/* Runs the connection's state machine as far as it can go without blocking. */
static void conn_advance(ts_http_server *s, conn *c, int64_t now)
{
    for (;;) {
        if (c->state == ST_DEAD) return;
        if (c->state == ST_DRAIN) {
            char sink[4096];
            for (;;) {
                ssize_t n = recv(c->fd, sink, sizeof sink, 0);
                if (n > 0) continue;
                if (n < 0 && errno == EINTR) continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && now < c->deadline) return;
                conn_kill(c);
                return;
            }
        }
        if (c->out.len > c->out.off) {
            int r = flush_out(c);
            if (r < 0) {
                conn_kill(c);
                return;
            }
            if (r == 0) return;
        }
        if (c->state == ST_WRITE) {
            if (c->gen_pos < c->gen_end) {
                int r = flush_gen(s, c);
                if (r < 0) {
                    conn_kill(c);
                    return;
                }
                if (r == 0) return;
            }
            if (c->later.len) {
                if (now < c->deadline) return;
                tbuf tmp = c->out;
                c->out = c->later;
                c->later = tmp;
                buf_reset(&c->later);
                c->deadline = -1;
                continue;
            }
            if (c->close_after) {
                conn_drain(c, now);
                continue;
            }
            c->state = ST_READ;
            continue;
        }
        /* ST_READ */
        int r = try_request(s, c, now);
        if (r < 0) {
            conn_kill(c);
            return;
        }
        if (r > 0) continue;
        if (c->out.len > c->out.off) continue; /* 100 Continue queued */
        r = read_some(c);
        if (r < 0) {
            conn_kill(c);
            return;
        }
        if (r == 0) return;
    }
}

static short conn_events(const conn *c)
{
    switch (c->state) {
    case ST_READ:
        return (short)(POLLIN | (c->out.len > c->out.off ? POLLOUT : 0));
    case ST_WRITE:
        return (c->out.len > c->out.off || c->gen_pos < c->gen_end) ? POLLOUT : 0;
    case ST_DRAIN:
        return POLLIN;
    default:
        return 0;
    }
}

/* ---- the loop ---- */

static void accept_all(ts_http_server *s, int64_t now)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                s->listen_pause_until = now + 50;
            return;
        }
        if (s->nconns == s->capconns) {
            size_t cap = s->capconns ? s->capconns * 2 : 64;
            conn **cs = realloc(s->conns, cap * sizeof *cs);
            if (!cs) {
                close(fd);
                return;
            }
            s->conns = cs;
            s->capconns = cap;
        }
        conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->state = ST_READ;
        c->deadline = -1;
        s->conns[s->nconns++] = c;
        atomic_fetch_add(&s->connections, 1);
        conn_advance(s, c, now); /* the request often arrives with the connection */
    }
}

static void *server_main(void *arg)
{
    ts_http_server *s = arg;
    while (!atomic_load(&s->stop)) {
        size_t need = s->nconns + 2;
        if (need > s->cappfds) {
            size_t cap = s->cappfds ? s->cappfds : 64;
            while (cap < need)
                cap *= 2;
            struct pollfd *p = realloc(s->pfds, cap * sizeof *p);
            if (!p) {
                usleep(1000);
                continue;
            }
            s->pfds = p;
            s->cappfds = cap;
        }
        int64_t now = now_ms();
        int64_t wake = -1;
        s->pfds[0] = (struct pollfd){.fd = s->wfd, .events = POLLIN};
        bool listening = now >= s->listen_pause_until;
        s->pfds[1] = (struct pollfd){.fd = listening ? s->lfd : -1, .events = POLLIN};
        if (!listening) wake = s->listen_pause_until;
        size_t n = s->nconns;
        for (size_t i = 0; i < n; i++) {
            conn *c = s->conns[i];
            s->pfds[i + 2] = (struct pollfd){.fd = c->fd, .events = conn_events(c)};
            if (c->deadline >= 0 && (wake < 0 || c->deadline < wake)) wake = c->deadline;
        }
        int timeout = -1;
        if (wake >= 0) timeout = wake <= now ? 0 : (int)(wake - now > 60000 ? 60000 : wake - now);
        int r = poll(s->pfds, (nfds_t)(n + 2), timeout);
        if (r < 0 && errno != EINTR) break;
        if (atomic_load(&s->stop)) break;
        now = now_ms();
        for (size_t i = 0; i < n; i++) {
            conn *c = s->conns[i];
            short re = r > 0 ? s->pfds[i + 2].revents : 0;
            if (re & (POLLERR | POLLNVAL)) {
                conn_kill(c);
            } else if (re & POLLHUP && c->state != ST_READ) {
                conn_kill(c);
            } else if (re || (c->deadline >= 0 && now >= c->deadline)) {
                conn_advance(s, c, now);
            }
        }
        if (r > 0 && (s->pfds[1].revents & POLLIN)) accept_all(s, now);
        size_t j = 0;
        for (size_t i = 0; i < s->nconns; i++) {
            if (s->conns[i]->state == ST_DEAD)
                conn_free(s->conns[i]);
            else
                s->conns[j++] = s->conns[i];
        }
        s->nconns = j;
    }
    return NULL;
}

/* ---- public API ---- */

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
    rlim_t want = rl.rlim_max;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && want > 1048576) {
        rl.rlim_cur = 1048576; /* the hard limit may be RLIM_INFINITY */
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

ts_http_server *ts_http_start(void)
{
    raise_nofile();
    ts_http_server *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->lfd = s->wfd = -1;
    atomic_init(&s->stop, 0);
    atomic_init(&s->connections, 0);
    atomic_init(&s->requests, 0);
    s->pattern = malloc(PATTERN_SPAN + 256);
    if (!s->pattern) goto fail;
    for (size_t i = 0; i < PATTERN_SPAN + 256; i++)
        s->pattern[i] = (unsigned char)((i * 31 + 7) & 0xff);

    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->lfd < 0) goto fail;
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) != 0) goto fail;
    if (listen(s->lfd, 4096) != 0) goto fail;
    socklen_t sl = sizeof sa;
    if (getsockname(s->lfd, (struct sockaddr *)&sa, &sl) != 0) goto fail;
    s->port = ntohs(sa.sin_port);
    s->wfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->wfd < 0) goto fail;

    /* The server thread takes no asynchronous signals. */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    sigdelset(&all, SIGABRT);
    sigdelset(&all, SIGTRAP);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = pthread_create(&s->thread, NULL, server_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) goto fail;
    return s;

fail:
    if (s->lfd >= 0) close(s->lfd);
    if (s->wfd >= 0) close(s->wfd);
    free(s->pattern);
    free(s);
    return NULL;
}

int ts_http_port(const ts_http_server *s)
{
    return s->port;
}

void ts_http_url(const ts_http_server *s, const char *path, char *buf, size_t size)
{
    if (!buf || size == 0) return;
    snprintf(buf, size, "http://127.0.0.1:%d%s", s->port, path ? path : "");
}

long ts_http_connections(const ts_http_server *s)
{
    return atomic_load(&((ts_http_server *)s)->connections);
}

long ts_http_requests(const ts_http_server *s)
{
    return atomic_load(&((ts_http_server *)s)->requests);
}

void ts_http_stop(ts_http_server *s)
{
    if (!s) return;
    atomic_store(&s->stop, 1);
    uint64_t one = 1;
    while (write(s->wfd, &one, sizeof one) < 0 && errno == EINTR) {
    }
    pthread_join(s->thread, NULL);
    for (size_t i = 0; i < s->nconns; i++)
        conn_free(s->conns[i]);
    free(s->conns);
    free(s->pfds);
    close(s->lfd);
    close(s->wfd);
    free(s->pattern);
    free(s);
}
