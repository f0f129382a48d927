/* fuzz_http.c: rt_http_get against a loopback server that answers with the
 * fuzz bytes. Whatever comes back, the future must settle, once, with a
 * response or an "http" error, within the transfer's timeout; and an extra
 * request header with CR or LF in it must never reach the wire.
 *
 * Input: a flags byte, then (flag 0x10) an extra header (len byte, bytes)
 * and (flag 0x04) a split offset (2 bytes), then the response.
 *   0x03  max_body: default, 16, 1024 or 65536 bytes
 *   0x04  send the response in two writes 2 ms apart, split at the offset
 *   0x08  put "HTTP/1.1 200 OK\r\n" in front (so mutations go to headers)
 *   0x10  send the extra header
 * The server is a thread with a blocking loop: accept, read the request up
 * to its blank line, write the answer, close. Each input runs in a main
 * isolate of its own, so libFuzzer's leak check covers the runtime.
 */
#include "fuzz_common.h"
#include <islet/rt.h>
#include <islet/rt_http.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#define TIMEOUT_NS RT_SEC(5) /* the transfer's own bound */
#define GUARD_NS RT_SEC(15)  /* longer: a future still pending then is lost */
#define REQ_MAX 65536

/* ---- The server ---- */

static struct server {
    int fd, port;
    pthread_t thread;
    pthread_mutex_t lock;
    const uint8_t *answer; /* this input's response, valid while it runs */
    size_t len, split;
    char request[REQ_MAX]; /* what this input's requests sent */
    size_t request_len;
    long connections;
} srv = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static void send_all(int c, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = send(c, p, n, MSG_NOSIGNAL);
        if (k <= 0) return; /* the client went away: its side reports it */
        p += k;
        n -= (size_t)k;
    }
}

/* Reads the request head (a GET has no body) into the log. */
static void read_request(int c)
{
    char buf[4096];
    size_t got = 0;
    struct pollfd p = {c, POLLIN, 0};
    while (got < sizeof buf && poll(&p, 1, 2000) == 1) {
        ssize_t k = recv(c, buf + got, sizeof buf - got, 0);
        if (k <= 0) break;
        got += (size_t)k;
        if (memmem(buf, got, "\r\n\r\n", 4)) break;
    }
    pthread_mutex_lock(&srv.lock);
    size_t room = REQ_MAX - srv.request_len;
    size_t n = got < room ? got : room;
    memcpy(srv.request + srv.request_len, buf, n);
    srv.request_len += n;
    srv.connections++;
    pthread_mutex_unlock(&srv.lock);
}

static void serve(int c)
{
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    read_request(c);
    /* A copy: the input may settle (and free its answer) mid-send. */
    pthread_mutex_lock(&srv.lock);
    size_t n = srv.len, split = srv.split;
    uint8_t *a = srv.answer ? malloc(n ? n : 1) : NULL;
    if (a) memcpy(a, srv.answer, n);
    pthread_mutex_unlock(&srv.lock);
    if (!a) return;
    send_all(c, a, split);
    if (split) usleep(2000);
    send_all(c, a + split, n - split);
    free(a);
}

static void *server_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0) return NULL; /* the listening socket was shut down */
        serve(c);
        close(c);
    }
}

static void server_stop(void)
{
    shutdown(srv.fd, SHUT_RDWR);
    pthread_join(srv.thread, NULL);
    close(srv.fd);
}

static void server_start(void)
{
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    FZ_CHECK(srv.fd >= 0, "socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    FZ_CHECK(bind(srv.fd, (struct sockaddr *)&a, sizeof a) == 0, "bind");
    FZ_CHECK(listen(srv.fd, 64) == 0, "listen");
    FZ_CHECK(getsockname(srv.fd, (struct sockaddr *)&a, &len) == 0, "getsockname");
    srv.port = ntohs(a.sin_port);
    FZ_CHECK(pthread_create(&srv.thread, NULL, server_main, NULL) == 0, "pthread_create");
    atexit(server_stop);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    server_start();
    return 0;
}

/* ---- The request ---- */

typedef struct outcome {
    rt_future *f;
    rt_timer *guard;
    int settled;
} outcome;

/* Both outcomes are handled here, so no error is left unhandled. */
static void settled(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    outcome *o = ctx;
    o->settled++;
    rt_timer_cancel(o->guard);
}

static void stuck(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    FZ_CHECK(false, "the request did not settle in %d s (its timeout is %d s)",
             (int)(GUARD_NS / RT_SEC(1)), (int)(TIMEOUT_NS / RT_SEC(1)));
}

static void check_string(const rt_value *v, const char *what)
{
    size_t n;
    const char *s = rt_value_as_string(v, &n);
    FZ_CHECK(fz_utf8_valid((const uint8_t *)s, n), "the %s is not UTF-8", what);
}

static void check_headers(const rt_value *h)
{
    FZ_CHECK(rt_value_kind_of(h) == RT_MAP, "headers are a %s",
             rt_value_kind_name(rt_value_kind_of(h)));
    for (size_t i = 0; i < rt_map_len(h); i++) {
        const char *k = rt_map_key_at(h, i);
        for (const char *c = k; *c; c++)
            FZ_CHECK(*c < 'A' || *c > 'Z', "header name '%s' is not lower-case", k);
        const rt_value *v = rt_map_value_at(h, i);
        rt_value_kind kind = rt_value_kind_of(v);
        FZ_CHECK(kind == RT_STRING || kind == RT_BYTES, "header '%s' is a %s", k,
                 rt_value_kind_name(kind));
        if (kind == RT_STRING) check_string(v, "header value");
    }
}

static void check_response(const rt_value *r, size_t max_body)
{
    FZ_CHECK(rt_value_kind_of(r) == RT_MAP, "the response is a %s",
             rt_value_kind_name(rt_value_kind_of(r)));
    int status = rt_http_status(r);
    FZ_CHECK(status >= 0 && status <= 999, "status %d", status);
    size_t n = 0;
    rt_http_body(r, &n);
    FZ_CHECK(n <= max_body, "a body of %zu bytes passed max_body %zu", n, max_body);
    const rt_value *h = rt_map_get(r, "headers");
    if (h) check_headers(h);
    const rt_value *url = rt_map_get(r, "url");
    if (url) check_string(url, "effective URL");
}

static void check_error(const rt_error *e)
{
    FZ_CHECK(e->code < 0, "error code %d", e->code);
    FZ_CHECK(e->domain && strcmp(e->domain, "http") == 0, "error domain '%s'",
             e->domain ? e->domain : "(null)");
    FZ_CHECK(e->message && *e->message, "an error (%d) without words", e->code);
}

/* A request that reached the server must hold no line ending but CRLF. */
static void check_wire(bool header_has_crlf, int code)
{
    pthread_mutex_lock(&srv.lock);
    size_t n = srv.request_len;
    for (size_t i = 0; i < n; i++)
        if (srv.request[i] == '\n')
            FZ_CHECK(i > 0 && srv.request[i - 1] == '\r', "a bare LF went on the wire");
        else if (srv.request[i] == '\r')
            FZ_CHECK(i + 1 < n && srv.request[i + 1] == '\n', "a bare CR went on the wire");
    pthread_mutex_unlock(&srv.lock);
    if (header_has_crlf)
        FZ_CHECK(n == 0 && code != 0, "a header with CR or LF was sent (%zu request bytes)", n);
}

static const size_t max_bodies[4] = {64u << 20, 16, 1024, 65536};

static void run_request(const rt_http_options *o, bool header_has_crlf)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/fuzz", srv.port);
    outcome out = {rt_http_get(url, o), NULL, 0};
    FZ_CHECK(out.f != NULL, "rt_http_get returned NULL");
    rt_future *w = rt_future_then(rt_future_dup(out.f), settled, settled, &out);
    FZ_CHECK(rt_timer_start(&out.guard, GUARD_NS, 0, stuck, &out, NULL) == RT_OK, "timer");
    while (!out.settled && rt_run(RT_RUN_ONCE))
        ;
    FZ_CHECK(out.settled == 1, "settled %d times", out.settled);
    int code = 0;
    if (rt_future_is_error(out.f)) {
        check_error(rt_future_get_error(out.f));
        code = rt_future_get_error(out.f)->code;
    } else {
        check_response(rt_future_get_value(out.f), o->max_body ? o->max_body : max_bodies[0]);
    }
    check_wire(header_has_crlf, code);
    rt_timer_free(out.guard);
    rt_future_release(w);
    rt_future_release(out.f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader in = {data, size};
    uint8_t flags = fz_u8(&in);
    char header[256] = "";
    const char *headers[2] = {header, NULL};
    if (flags & 0x10) {
        size_t got;
        const uint8_t *h = fz_bytes(&in, fz_u8(&in), &got);
        memcpy(header, h, got);
        header[got] = 0; /* a C string: cut at the first NUL */
    }
    size_t split = flags & 0x04 ? fz_u16(&in) : 0;
    static const char status[] = "HTTP/1.1 200 OK\r\n";
    size_t pre = flags & 0x08 ? sizeof status - 1 : 0;
    uint8_t *answer = malloc(pre + in.left + 1);
    FZ_CHECK(answer != NULL, "malloc");
    memcpy(answer, status, pre);
    memcpy(answer + pre, in.p, in.left);

    pthread_mutex_lock(&srv.lock);
    srv.answer = answer;
    srv.len = pre + in.left;
    srv.split = split < srv.len ? split : 0;
    srv.request_len = 0;
    pthread_mutex_unlock(&srv.lock);

    rt_http_options o = {.connect_timeout_ns = RT_SEC(2),
                         .timeout_ns = TIMEOUT_NS,
                         .max_body = (flags & 3) ? max_bodies[flags & 3] : 0,
                         .headers = (flags & 0x10) ? headers : NULL};
    bool crlf = strchr(header, '\r') || strchr(header, '\n');
    FZ_CHECK(rt_main_enter(NULL) == RT_OK, "rt_main_enter");
    run_request(&o, (flags & 0x10) && crlf);
    rt_main_leave();

    pthread_mutex_lock(&srv.lock);
    srv.answer = NULL;
    pthread_mutex_unlock(&srv.lock);
    free(answer);
    return 0;
}
