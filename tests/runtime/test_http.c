/* test_http.c: HTTP on the network isolate, against a real loopback server. */
#include "http_server.h"
#include <islet/rt_http.h>
#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static ts_http_server *srv;

static int setup(void **state)
{
    (void)state;
    srv = ts_http_start();
    return srv ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ts_http_stop(srv);
    return 0;
}

static char *url(const char *path)
{
    static char buf[8][256];
    static int next;
    char *b = buf[next++ & 7];
    ts_http_url(srv, path, b, 256);
    return b;
}

static void run_until(rt_future *f)
{
    while (!rt_future_is_complete(f))
        rt_run(RT_RUN_ONCE);
}

static rt_future *get(const char *u, const rt_http_options *o)
{
    rt_future *f = rt_http_get(u, o);
    assert_non_null(f);
    run_until(f);
    return f;
}

static const rt_value *ok_response(rt_future *f)
{
    if (rt_future_is_error(f)) fail_msg("unexpected error: %s", rt_future_get_error(f)->message);
    return rt_future_get_value(f);
}

static void expect_error(rt_future *f, int code, const char *words)
{
    const rt_error *e = rt_future_get_error(f);
    if (!e)
        fail_msg("expected error %d, got status %d", code, rt_http_status(rt_future_get_value(f)));
    if (e->code != code || !strstr(e->message, words) || !strstr(e->message, "curl error"))
        fail_msg("expected %d '%s', got %d '%s'", code, words, e->code, e->message);
    assert_string_equal(e->domain, "http");
}

static void test_get_ok(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *f = get(url("/ok"), NULL);
    const rt_value *r = ok_response(f);
    assert_int_equal(rt_http_status(r), 200);
    size_t len;
    const char *body = rt_http_body(r, &len);
    assert_int_equal(len, strlen("hello from islet\n"));
    assert_memory_equal(body, "hello from islet\n", len);
    assert_string_equal(rt_http_header(r, "content-type"), "text/plain");
    assert_string_equal(rt_http_effective_url(r), url("/ok"));
    assert_true(rt_http_timing_us(r, "total") > 0);
    assert_true(rt_http_timing_us(r, "first_byte") <= rt_http_timing_us(r, "total"));
    rt_future_release(f);
    ts_main_leave();
}

/* Limits too large to represent mean "none": they used to overflow (a
 * timeout of INT64_MAX ns) or be refused as out of memory (SIZE_MAX). */
static void test_extreme_limits_mean_none(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_http_options o = {.timeout_ns = INT64_MAX,
                         .connect_timeout_ns = INT64_MAX,
                         .max_body = SIZE_MAX,
                         .max_header_bytes = SIZE_MAX};
    rt_future *f = get(url("/ok"), &o);
    assert_int_equal(rt_http_status(ok_response(f)), 200);
    rt_future_release(f);
    o = (rt_http_options){.timeout_ns = INT64_MAX - 1, .max_body = (size_t)INT64_MAX + 1};
    f = get(url("/ok"), &o);
    assert_int_equal(rt_http_status(ok_response(f)), 200);
    rt_future_release(f);
    ts_main_leave();
}

/* 4xx and 5xx are responses, not errors. */
static void test_error_statuses_are_responses(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *a = get(url("/status/404"), NULL), *b = get(url("/status/500"), NULL);
    assert_int_equal(rt_http_status(ok_response(a)), 404);
    assert_int_equal(rt_http_status(ok_response(b)), 500);
    rt_future_release(a);
    rt_future_release(b);
    ts_main_leave();
}

static void test_chunked_and_binary_bodies(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *c = get(url("/chunked"), NULL), *b = get(url("/binary"), NULL);
    size_t len;
    const char *body = rt_http_body(ok_response(c), &len);
    assert_int_equal(len, strlen("chunk one,chunk two,chunk three"));
    assert_memory_equal(body, "chunk one,chunk two,chunk three", len);
    const unsigned char *bin = rt_http_body(ok_response(b), &len);
    const unsigned char want[] = {0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(bin, want, sizeof want);
    rt_future_release(c);
    rt_future_release(b);
    ts_main_leave();
}

static void test_large_body_and_cap(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t n = 8u << 20;
    char path[64];
    snprintf(path, sizeof path, "/large?bytes=%zu", n);
    rt_future *f = get(url(path), NULL);
    size_t len;
    const unsigned char *body = rt_http_body(ok_response(f), &len);
    assert_int_equal(len, n);
    for (size_t i = 0; i < n; i += 4099)
        assert_int_equal(body[i], (i * 31 + 7) & 0xff);
    rt_future_release(f);
    rt_future *capped = get(url(path), &(rt_http_options){.max_body = 1u << 20});
    expect_error(capped, RT_EHTTP_TOO_LARGE, "larger than the 1048576-byte cap");
    rt_future_release(capped);
    ts_main_leave();
}

static void test_redirects(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *f = get(url("/redirect/3"), NULL);
    assert_int_equal(rt_http_status(ok_response(f)), 200);
    assert_string_equal(rt_http_effective_url(ok_response(f)), url("/ok"));
    rt_future *loop = get(url("/loop"), NULL);
    expect_error(loop, RT_EHTTP_REDIRECTS, "too many redirects (more than 5)");
    rt_future *capped = get(url("/redirect/3"), &(rt_http_options){.max_redirects = 2});
    expect_error(capped, RT_EHTTP_REDIRECTS, "more than 2");
    rt_future_release(f);
    rt_future_release(loop);
    rt_future_release(capped);
    ts_main_leave();
}

static void test_connection_closed_mid_body(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *a = get(url("/close-mid-body"), NULL), *b = get(url("/close-no-reply"), NULL);
    expect_error(a, RT_EHTTP_RECEIVE, "closed before the response was complete");
    expect_error(b, RT_EHTTP_RECEIVE, "closed before the response was complete");
    rt_future_release(a);
    rt_future_release(b);
    ts_main_leave();
}

static void test_echo_post_with_headers(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    const char *hdrs[] = {"X-Islet: yes", NULL};
    rt_future *f =
        rt_http_post(url("/echo"), "payload\0bytes", 13, &(rt_http_options){.headers = hdrs});
    run_until(f);
    size_t len;
    const char *body = rt_http_body(ok_response(f), &len);
    assert_true(len > 13);
    assert_memory_equal(body, "POST\n", 5);
    assert_non_null(memmem(body, len, "X-Islet: yes\n", 13));
    assert_memory_equal(body + len - 13, "payload\0bytes", 13);
    rt_future_release(f);
    ts_main_leave();
}

static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s); /* nothing listens there now */
    return ntohs(a.sin_port);
}

static void test_bad_urls_and_unreachable_servers(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    char refused[64];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/", closed_port());
    struct {
        const char *url;
        int code;
        const char *words;
    } cases[] = {
        {"http://[::1", RT_EHTTP_URL, "malformed"},
        {"file:///etc/passwd", RT_EHTTP_SCHEME, "only http and https"},
        {"ftp://127.0.0.1/x", RT_EHTTP_SCHEME, "only http and https"},
        {"http://no-such-host.invalid/", RT_EHTTP_RESOLVE, "could not be resolved"},
        {refused, RT_EHTTP_CONNECT, "refused the connection"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_future *f = get(cases[i].url, NULL);
        expect_error(f, cases[i].code, cases[i].words);
        rt_future_release(f);
    }
    rt_future *bad = rt_http_get("http://\xff\xfe/", NULL);
    run_until(bad);
    assert_int_equal(rt_future_get_error(bad)->code, RT_EHTTP_URL);
    rt_future_release(bad);
    ts_main_leave();
}

/* A peer that answers a TLS hello with plain HTTP, once. */
static void *plain_answer(void *arg)
{
    int ls = (int)(intptr_t)arg;
    int c = accept(ls, NULL, NULL);
    char buf[1024];
    if (c >= 0) {
        if (read(c, buf, sizeof buf) > 0) {
            const char *r = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
            if (write(c, r, strlen(r)) < 0) perror("write");
        }
        close(c);
    }
    return NULL;
}

/* TLS is checked: https to a peer that does not speak TLS fails the handshake. */
static void test_tls_failure(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 4), 0);
    getsockname(ls, (struct sockaddr *)&a, &l);
    pthread_t th;
    pthread_create(&th, NULL, plain_answer, (void *)(intptr_t)ls);
    char u[64];
    snprintf(u, sizeof u, "https://127.0.0.1:%d/ok", ntohs(a.sin_port));
    rt_future *f = get(u, NULL);
    expect_error(f, RT_EHTTP_TLS, "secure (TLS) connection failed");
    rt_future_release(f);
    pthread_join(th, NULL);
    close(ls);
    ts_main_leave();
}

static void test_total_timeout(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *f = get(url("/slow?ms=3000"), &(rt_http_options){.timeout_ns = RT_MS(200)});
    expect_error(f, RT_EHTTP_TIMEOUT, "timed out");
    rt_future_release(f);
    ts_main_leave();
}

/* A listener that never accepts, with its backlog full: SYNs go
 * unanswered, so connecting hangs until the connect timeout. */
static void test_connect_timeout(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 0), 0);
    getsockname(ls, (struct sockaddr *)&a, &l);
    int fill[4];
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    rt_future *f = get(u, &(rt_http_options){.connect_timeout_ns = RT_MS(300)});
    expect_error(f, RT_EHTTP_TIMEOUT, "connecting timed out (after 300 ms)");
    rt_future_release(f);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(ls);
    ts_main_leave();
}

static void test_cancel_in_flight(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_http_task *t;
    rt_future *f = rt_http_request("GET", url("/slow?ms=3000"), NULL, 0, NULL, &t);
    rt_run(RT_RUN_NOWAIT);
    rt_http_task_cancel(t);
    assert_true(rt_future_is_complete(f)); /* at once */
    assert_int_equal(rt_future_get_error(f)->code, RT_ECANCELLED);
    rt_future_release(f);
    rt_http_task_release(t);
    /* The network isolate confirms; then nothing keeps main waiting. */
    ts_run_main();
    ts_main_leave();
}

/* Tracing: each request is an async span on the network isolate, from
 * its start (detail: the URL) to its end (detail: the outcome). */
typedef struct http_trace {
    pthread_mutex_t lock;
    int n;
    struct {
        rt_trace_phase phase;
        char name[24], isolate[32], detail[256];
        uint64_t id;
    } ev[16];
} http_trace;

static void http_sink(void *ctx, const rt_trace_event *e)
{
    http_trace *t = ctx;
    if (e->phase != RT_TRACE_ASYNC_BEGIN && e->phase != RT_TRACE_ASYNC_END) return;
    pthread_mutex_lock(&t->lock);
    if (t->n < 16) {
        t->ev[t->n].phase = e->phase;
        snprintf(t->ev[t->n].name, sizeof t->ev[0].name, "%s", e->name);
        snprintf(t->ev[t->n].isolate, sizeof t->ev[0].isolate, "%s", e->isolate);
        snprintf(t->ev[t->n].detail, sizeof t->ev[0].detail, "%s", e->detail ? e->detail : "");
        t->ev[t->n].id = e->id;
        t->n++;
    }
    pthread_mutex_unlock(&t->lock);
}

static void test_requests_are_traced(void **state)
{
    (void)state;
    static http_trace tr = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rt_trace_set(http_sink, &tr);
    ts_main_enter(NULL);
    rt_future_release(get(url("/ok"), NULL));
    rt_http_task *t;
    rt_future *f = rt_http_request("GET", url("/slow?ms=3000"), NULL, 0, NULL, &t);
    for (int begun = 0; !begun;) { /* until the slow request has begun */
        pthread_mutex_lock(&tr.lock);
        begun = tr.n >= 3;
        pthread_mutex_unlock(&tr.lock);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    rt_http_task_cancel(t);
    rt_future_release(f);
    rt_http_task_release(t);
    ts_run_main();
    ts_main_leave();
    rt_trace_set(NULL, NULL);
    assert_int_equal(tr.n, 4);
    const char *want[4][2] = {
        {"b", url("/ok")}, {"e", "done"}, {"b", url("/slow?ms=3000")}, {"e", "cancelled"}};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tr.ev[i].phase,
                         want[i][0][0] == 'b' ? RT_TRACE_ASYNC_BEGIN : RT_TRACE_ASYNC_END);
        assert_string_equal(tr.ev[i].name, "HTTP GET");
        assert_string_equal(tr.ev[i].isolate, "network");
        assert_string_equal(tr.ev[i].detail, want[i][1]);
    }
    assert_true(tr.ev[0].id == tr.ev[1].id && tr.ev[2].id == tr.ev[3].id);
}

static void on_progress(rt_subscription *s, const rt_value *v, void *ctx)
{
    (void)s;
    int64_t *last = ctx;
    int64_t got = rt_value_as_int(rt_map_get(v, "received"));
    assert_true(got >= last[0]);
    last[0] = got;
    last[1]++;
}

static void test_progress_stream(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_http_task *t;
    rt_future *f = rt_http_request("GET", url("/large?bytes=4194304"), NULL, 0, NULL, &t);
    int64_t seen[2] = {0, 0};
    rt_stream *p = rt_http_task_progress(t);
    rt_stream_handlers h = {on_progress, NULL, NULL, seen, false};
    rt_stream_listen(p, &h);
    run_until(f);
    ts_run_main();
    assert_int_equal(rt_http_status(ok_response(f)), 200);
    assert_true(seen[1] >= 2);
    assert_true(seen[0] > 0 && seen[0] <= 4194304);
    rt_stream_release(p);
    rt_future_release(f);
    rt_http_task_release(t);
    ts_main_leave();
}

#define CONCURRENT 1000

static int done_count, seen_idx[CONCURRENT];

static void count_done(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    assert_int_equal(rt_http_status(rt_future_get_value(src)), 200);
    seen_idx[(intptr_t)ctx]++;
    done_count++;
}

static void test_thousand_concurrent_requests(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    done_count = 0;
    memset(seen_idx, 0, sizeof seen_idx);
    long conns0 = ts_http_connections(srv);
    for (intptr_t i = 0; i < CONCURRENT; i++)
        rt_future_release(
            rt_future_then(rt_http_get(url("/ok"), NULL), count_done, NULL, (void *)i));
    ts_run_main();
    assert_int_equal(done_count, CONCURRENT);
    for (int i = 0; i < CONCURRENT; i++)
        assert_int_equal(seen_idx[i], 1);
    /* Sequential requests reuse one connection. */
    long conns1 = ts_http_connections(srv);
    for (int i = 0; i < 20; i++)
        rt_future_release(get(url("/ok"), NULL));
    assert_true(ts_http_connections(srv) - conns1 <= 1);
    assert_true(conns1 > conns0);
    ts_main_leave();
}

static void forward_status(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    rt_value *v = rt_value_int(rt_http_status(rt_future_get_value(src)));
    rt_port_send(ctx, v);
    rt_value_free(v);
    rt_send_port_release(ctx);
}

static void bg_entry_reply(rt_value *msg)
{
    rt_send_port *back = rt_send_port_dup(rt_value_as_send_port(rt_list_get(msg, 0)));
    rt_future *f = rt_http_get(rt_value_as_string(rt_list_get(msg, 1), NULL), NULL);
    rt_value_free(msg);
    rt_future_release(rt_future_then(f, forward_status, NULL, back));
}

static void on_status(rt_receive_port *p, rt_value *v, void *ctx)
{
    *(int64_t *)ctx = rt_value_as_int(v);
    rt_value_free(v);
    rt_receive_port_close(p);
}

/* From a background isolate too: its own loop gets the future. */
static void test_request_from_background_isolate(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    int64_t status = 0;
    rt_receive_port *rp = rt_receive_port_open(on_status, &status, NULL);
    rt_value *m = rt_value_list();
    rt_list_push(m, rt_value_send_port(rt_receive_port_send_port(rp)));
    rt_list_push(m, rt_value_string(url("/status/404")));
    assert_int_equal(rt_isolate_spawn(bg_entry_reply, m, NULL, NULL), 0);
    rt_value_free(m);
    ts_run_main();
    assert_int_equal(status, 404);
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_ok),
        cmocka_unit_test(test_extreme_limits_mean_none),
        cmocka_unit_test(test_error_statuses_are_responses),
        cmocka_unit_test(test_chunked_and_binary_bodies),
        cmocka_unit_test(test_large_body_and_cap),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_connection_closed_mid_body),
        cmocka_unit_test(test_echo_post_with_headers),
        cmocka_unit_test(test_bad_urls_and_unreachable_servers),
        cmocka_unit_test(test_tls_failure),
        cmocka_unit_test(test_total_timeout),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_cancel_in_flight),
        cmocka_unit_test(test_requests_are_traced),
        cmocka_unit_test(test_progress_stream),
        cmocka_unit_test(test_thousand_concurrent_requests),
        cmocka_unit_test(test_request_from_background_isolate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
