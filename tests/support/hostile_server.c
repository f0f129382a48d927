/* hostile_server.c: canned and malformed HTTP answers, a thread per
 * connection (see the header for the paths). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostile_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX (1 << 20)

typedef struct hconn {
    struct hconn *next;
    ts_hostile *s;
    pthread_t thread;
    int fd; /* under s->lock: stop may shut it down while the thread runs */
    atomic_bool done;
} hconn;

struct ts_hostile {
    int lfd, wfd, port;
    pthread_t thread;
    atomic_bool stop;
    atomic_long requests;
    pthread_mutex_t lock;
    hconn *conns;
    char *last;
    size_t last_len;
};

/* ---- Sending ---- */

static bool send_all(hconn *c, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0 && !atomic_load(&c->s->stop)) {
        ssize_t k = send(c->fd, b, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        b += k;
        n -= (size_t)k;
    }
    return n == 0;
}

static bool send_str(hconn *c, const char *str)
{
    return send_all(c, str, strlen(str));
}

/* Sleeps ms, or less if the server stops. */
static void nap(ts_hostile *s, int ms)
{
    struct pollfd p = {.fd = s->wfd, .events = POLLIN};
    poll(&p, 1, ms);
}

/* ---- The request ---- */

static long query(const char *target, const char *name, long dflt, long max)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", name);
    const char *q = strchr(target, '?');
    const char *k = q ? strstr(q, key) : NULL;
    long v = k ? strtol(k + strlen(key), NULL, 10) : dflt;
    return v < 0 ? 0 : v > max ? max : v;
}

static void record(ts_hostile *s, const char *p, size_t n)
{
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, p, n);
        copy[n] = 0;
    }
    pthread_mutex_lock(&s->lock);
    free(s->last);
    s->last = copy;
    s->last_len = copy ? n : 0;
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(&s->requests, 1);
}

/* Content-Length of the head in [p, p + n), 0 if none. */
static size_t content_length(const char *p, size_t n)
{
    const char *end = p + n;
    for (const char *l = p; l < end;) {
        if ((size_t)(end - l) > 15 && strncasecmp(l, "content-length:", 15) == 0)
            return strtoul(l + 15, NULL, 10);
        const char *eol = memmem(l, (size_t)(end - l), "\r\n", 2);
        l = eol ? eol + 2 : end;
    }
    return 0;
}

/* Reads the head and body, records them with any bytes already queued
 * behind them, and puts the target in target. False if the client left. */
static bool read_request(hconn *c, char *target, size_t tsize)
{
    char *buf = malloc(HEAD_MAX + 1);
    size_t len = 0, want = 0;
    while (buf && (want == 0 || len < want) && len < HEAD_MAX) {
        ssize_t k = recv(c->fd, buf + len, HEAD_MAX - len, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        len += (size_t)k;
        buf[len] = 0;
        char *end = want ? NULL : memmem(buf, len, "\r\n\r\n", 4);
        if (end) want = (size_t)(end + 4 - buf) + content_length(buf, (size_t)(end - buf));
    }
    bool ok = buf && want && len >= want;
    if (ok) {
        ssize_t k;
        while (len < HEAD_MAX && (k = recv(c->fd, buf + len, HEAD_MAX - len, MSG_DONTWAIT)) > 0)
            len += (size_t)k;
        record(c->s, buf, len);
        const char *sp = memchr(buf, ' ', len);
        size_t i = 0;
        for (sp = sp ? sp + 1 : buf + len; sp < buf + len && *sp != ' ' && i + 1 < tsize; sp++)
            target[i++] = *sp;
        target[i] = 0;
    }
    free(buf);
    return ok;
}

/* ---- The answers ---- */

static void answer_ok(hconn *c)
{
    send_str(c, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
}

static bool head_ok(hconn *c)
{
    return send_str(c, "HTTP/1.1 200 OK\r\nConnection: close\r\n");
}

static void end_ok(hconn *c)
{
    send_str(c, "Content-Length: 3\r\n\r\nok\n");
}

enum { LINES_PAD, LINES_DISTINCT, LINES_REPEAT };

/* One header line of a run: 100-byte padding, short distinct names, or the
 * same name again. */
static size_t make_line(char *line, size_t size, int kind, long i)
{
    if (kind == LINES_REPEAT) return (size_t)snprintf(line, size, "X-Rep: v\r\n");
    if (kind == LINES_DISTINCT) return (size_t)snprintf(line, size, "X-%ld: d\r\n", i);
    int k = snprintf(line, size, "X-Pad-%06ld: ", i);
    memset(line + k, 'p', 100 - 2 - (size_t)k);
    memcpy(line + 98, "\r\n", 2);
    return 100;
}

static void answer_lines(hconn *c, long n, int kind)
{
    char line[128];
    bool ok = head_ok(c);
    for (long i = 0; ok && i < n; i++)
        ok = send_all(c, line, make_line(line, sizeof line, kind, i));
    if (ok) end_ok(c);
}

static void answer_long_value(hconn *c, long n)
{
    char *v = malloc((size_t)n + 16);
    if (!v) return;
    memcpy(v, "X-Long: ", 8);
    memset(v + 8, 'x', (size_t)n);
    memcpy(v + 8 + n, "\r\n", 2);
    if (head_ok(c) && send_all(c, v, (size_t)n + 10)) end_ok(c);
    free(v);
}

static void answer_endless(hconn *c)
{
    char line[64];
    bool ok = head_ok(c);
    for (long i = 0; ok; i++)
        ok = send_all(c, line, (size_t)snprintf(line, sizeof line, "X-Endless: more %ld\r\n", i));
}

static void answer_drip(hconn *c, int ms)
{
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
    for (const char *p = r; *p && send_all(c, p, 1); p++)
        nap(c->s, ms);
}

static void answer_body(hconn *c, long n, bool chunked)
{
    char head[160], chunk[4096], size[32];
    memset(chunk, 'b', sizeof chunk);
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nConnection: close\r\n%s%ld\r\n\r\n",
             chunked ? "Transfer-Encoding: chunked\r\nX-Chunked: " : "Content-Length: ", n);
    bool ok = send_str(c, head);
    for (long left = n; ok && left > 0;) {
        size_t k = left < (long)sizeof chunk ? (size_t)left : sizeof chunk;
        if (chunked) ok = send_all(c, size, (size_t)snprintf(size, sizeof size, "%zx\r\n", k));
        ok = ok && send_all(c, chunk, k) && (!chunked || send_str(c, "\r\n"));
        left -= (long)k;
    }
    if (ok && chunked) send_str(c, "0\r\n\r\n");
}

static void answer_reset(hconn *c)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

static bool path_is(const char *target, const char *path)
{
    size_t n = strlen(path);
    return strncmp(target, path, n) == 0 && (target[n] == 0 || target[n] == '?');
}

/* Holds a NUL byte, so its length cannot come from strlen. */
#define NUL_HEADER "HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nContent-Length: 3\r\n\r\nok\n"

static const struct canned {
    const char *path, *bytes;
    size_t len; /* 0: strlen */
} canned[] = {
    {"/http09", "hello\n", 0},
    {"/bad-status", "HTTP/1.1 2x0 OK\r\nContent-Length: 3\r\n\r\nok\n", 0},
    {"/bad-version", "HTTP/7.5 200 OK\r\nContent-Length: 3\r\n\r\nok\n", 0},
    {"/latin1",
     "HTTP/1.1 200 OK\r\nX-Name: caf\xe9\r\nX-\xe9t\xe9: d\xe9j\xe0\r\nContent-Length: "
     "3\r\n\r\nok\n",
     0},
    {"/binary-header",
     "HTTP/1.1 200 OK\r\nX-Bin: \x01\x7f\x80\xff\xfe\xc3\x28\r\nContent-Length: 3\r\n\r\nok\n", 0},
    {"/nul-header", NUL_HEADER, sizeof NUL_HEADER - 1},
    {"/bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n", 0},
    {"/huge-chunk",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nok\r\n", 0},
    {"/mid-body-close", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", 0},
};

static void answer(hconn *c, const char *t)
{
    for (size_t i = 0; i < sizeof canned / sizeof canned[0]; i++)
        if (path_is(t, canned[i].path)) {
            const struct canned *k = &canned[i];
            send_all(c, k->bytes, k->len ? k->len : strlen(k->bytes));
            return;
        }
    if (path_is(t, "/ok") || path_is(t, "/capture"))
        answer_ok(c);
    else if (path_is(t, "/long-value"))
        answer_long_value(c, query(t, "n", 480, 1 << 20));
    else if (path_is(t, "/huge-headers"))
        answer_lines(c, query(t, "kb", 300, 1 << 20) * 1024 / 100, LINES_PAD);
    else if (path_is(t, "/distinct"))
        answer_lines(c, query(t, "n", 1000, 10000000), LINES_DISTINCT);
    else if (path_is(t, "/repeat"))
        answer_lines(c, query(t, "n", 20000, 10000000), LINES_REPEAT);
    else if (path_is(t, "/endless-headers"))
        answer_endless(c);
    else if (path_is(t, "/slow-drip"))
        answer_drip(c, (int)query(t, "ms", 10, 10000));
    else if (path_is(t, "/reset"))
        answer_reset(c);
    else if (path_is(t, "/early-close"))
        send_str(c, "HTTP/1.1 200 OK\r\nContent-");
    else if (path_is(t, "/no-reply"))
        return;
    else if (path_is(t, "/oversized"))
        answer_body(c, query(t, "bytes", 1 << 20, 1L << 30), false);
    else if (path_is(t, "/oversized-chunked"))
        answer_body(c, query(t, "bytes", 1 << 20, 1L << 30), true);
    else
        send_str(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

/* ---- Connections ---- */

static void *conn_main(void *arg)
{
    hconn *c = arg;
    char target[512];
    if (read_request(c, target, sizeof target)) answer(c, target);
    pthread_mutex_lock(&c->s->lock);
    close(c->fd);
    c->fd = -1;
    pthread_mutex_unlock(&c->s->lock);
    atomic_store(&c->done, true);
    return NULL;
}

static void reap(ts_hostile *s, bool all)
{
    pthread_mutex_lock(&s->lock);
    hconn **pp = &s->conns;
    while (*pp) {
        hconn *c = *pp;
        if (all && c->fd >= 0) shutdown(c->fd, SHUT_RDWR);
        if (!all && !atomic_load(&c->done)) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        pthread_mutex_unlock(&s->lock);
        pthread_join(c->thread, NULL);
        free(c);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
}

static void start_conn(ts_hostile *s, int fd)
{
    hconn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->s = s;
    c->fd = fd;
    pthread_mutex_lock(&s->lock);
    if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
        pthread_mutex_unlock(&s->lock);
        close(fd);
        free(c);
        return;
    }
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
}

static void *accept_main(void *arg)
{
    ts_hostile *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p[2] = {{.fd = s->wfd, .events = POLLIN}, {.fd = s->lfd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (atomic_load(&s->stop)) break;
        if (!(p[1].revents & POLLIN)) continue;
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        reap(s, false);
        start_conn(s, fd);
    }
    return NULL;
}

/* ---- Public ---- */

ts_hostile *ts_hostile_start(void)
{
    ts_hostile *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    s->wfd = eventfd(0, EFD_CLOEXEC);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (s->lfd < 0 || s->wfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->lfd, 128) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0 ||
        pthread_create(&s->thread, NULL, accept_main, s) != 0) {
        if (s->lfd >= 0) close(s->lfd);
        if (s->wfd >= 0) close(s->wfd);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    return s;
}

void ts_hostile_url(const ts_hostile *s, const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "http://127.0.0.1:%d%s", s->port, path ? path : "");
}

long ts_hostile_requests(ts_hostile *s)
{
    return atomic_load(&s->requests);
}

size_t ts_hostile_last_request(ts_hostile *s, char *buf, size_t size)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->last_len;
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        if (k) memcpy(buf, s->last, k);
        buf[k] = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

void ts_hostile_stop(ts_hostile *s)
{
    if (!s) return;
    atomic_store(&s->stop, true);
    uint64_t one = 1;
    while (write(s->wfd, &one, sizeof one) < 0 && errno == EINTR) {
    }
    pthread_join(s->thread, NULL);
    reap(s, true);
    close(s->lfd);
    close(s->wfd);
    free(s->last);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
