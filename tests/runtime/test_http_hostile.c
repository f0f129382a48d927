/* test_http_hostile.c: HTTP against a hostile server (tests/support/
 * hostile_server.h): each malformed, huge, slow or broken answer gets its
 * exact error, every future settles, and a normal request to another server
 * meanwhile completes. Plus the exact bytes a request puts on the wire. */
#include "hostile_server.h"
#include "http_server.h"
#include <islet/rt_http.h>
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#define SETTLE_NS RT_SEC(20)   /* a hang, not slowness: generous for sanitizers */
#define BYSTANDER_NS RT_SEC(2) /* a normal request while a hostile one runs */

static ts_hostile *hs;
static ts_http_server *srv;

static int setup(void **state)
{
    (void)state;
    hs = ts_hostile_start();
    srv = ts_http_start();
    return hs && srv ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ts_hostile_stop(hs);
    ts_http_stop(srv);
    return 0;
}

static char *hurl(const char *path)
{
    static char buf[8][256];
    static int next;
    char *b = buf[next++ & 7];
    ts_hostile_url(hs, path, b, 256);
    return b;
}

static void tick(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
}

/* Runs the loop until f settles; fails (instead of hanging) if it never
 * does. A ticking timer keeps RT_RUN_ONCE from blocking for good. */
static void settle(rt_future *f, int64_t limit_ns, const char *what)
{
    rt_timer *t;
    assert_int_equal(rt_timer_start(&t, RT_MS(20), RT_MS(20), tick, NULL, NULL), 0);
    int64_t end = rt_monotonic_ns() + limit_ns;
    while (!rt_future_is_complete(f) && rt_monotonic_ns() < end)
        rt_run(RT_RUN_ONCE);
    rt_timer_free(t);
    if (!rt_future_is_complete(f)) fail_msg("%s: the future did not settle", what);
}

static const rt_value *ok_response(rt_future *f, const char *what)
{
    if (rt_future_is_error(f))
        fail_msg("%s: unexpected error %d: %s", what, rt_future_get_error(f)->code,
                 rt_future_get_error(f)->message);
    return rt_future_get_value(f);
}

/* NULL if f failed with code and a message containing words, else what
 * happened instead (in a static buffer). */
static const char *error_mismatch(rt_future *f, int code, const char *words)
{
    static char why[1024];
    const rt_error *e = rt_future_get_error(f);
    if (!rt_future_is_complete(f))
        snprintf(why, sizeof why, "expected %d '%s', never settled", code, words);
    else if (!e)
        snprintf(why, sizeof why, "expected %d '%s', got status %d", code, words,
                 rt_http_status(rt_future_get_value(f)));
    else if (e->code != code || !strstr(e->message, words) || strcmp(e->domain, "http") != 0)
        snprintf(why, sizeof why, "expected %d '%s', got %d '%s' (%s)", code, words, e->code,
                 e->message, e->domain);
    else
        return NULL;
    return why;
}

static void expect_error(rt_future *f, int code, const char *words, const char *what)
{
    const char *why = error_mismatch(f, code, words);
    if (why) fail_msg("%s: %s", what, why);
}

/* A GET to the hostile server; once the server has its request, a normal
 * GET to the other server, which must finish within BYSTANDER_NS whatever
 * the hostile answer does. Returns the hostile future, settled or not after
 * SETTLE_NS. */
static rt_future *with_bystander(const char *path, const rt_http_options *o)
{
    long before = ts_hostile_requests(hs);
    rt_future *f = rt_http_get(hurl(path), o);
    assert_non_null(f);
    int64_t end = rt_monotonic_ns() + SETTLE_NS;
    while (ts_hostile_requests(hs) == before && !rt_future_is_complete(f) &&
           rt_monotonic_ns() < end)
        rt_run(RT_RUN_NOWAIT);
    char ok[128];
    ts_http_url(srv, "/ok", ok, sizeof ok);
    rt_future *normal = rt_http_get(ok, NULL);
    settle(normal, BYSTANDER_NS, path);
    assert_int_equal(rt_http_status(ok_response(normal, path)), 200);
    rt_future_release(normal);
    while (!rt_future_is_complete(f) && rt_monotonic_ns() < end)
        rt_run(RT_RUN_NOWAIT);
    return f;
}

static rt_future *hostile_get(const char *path, const rt_http_options *o)
{
    rt_future *f = with_bystander(path, o);
    if (!rt_future_is_complete(f)) fail_msg("%s: the future did not settle", path);
    return f;
}

/* ---- Answers that fail, each with its own code and words ---- */

static const struct hostile_case {
    const char *path;
    int code;
    const char *words;
    size_t max_body, max_header_bytes;
} cases[] = {
    {"/http09", RT_EHTTP_PROTOCOL, "not valid HTTP (curl error 1: Received HTTP/0.9", 0, 0},
    {"/bad-status", RT_EHTTP_PROTOCOL, "not valid HTTP", 0, 0},
    {"/bad-version", RT_EHTTP_PROTOCOL, "not valid HTTP", 0, 0},
    {"/nul-header", RT_EHTTP_PROTOCOL, "not valid HTTP", 0, 0},
    {"/bad-chunk", RT_EHTTP_PROTOCOL, "chunked body is not valid HTTP", 0, 0},
    {"/huge-chunk", RT_EHTTP_PROTOCOL, "chunked body is not valid HTTP", 0, 0},
    {"/mid-body-close", RT_EHTTP_RECEIVE, "closed before the response was complete", 0, 0},
    {"/early-close", RT_EHTTP_RECEIVE, "closed before the response headers were complete", 0, 0},
    {"/no-reply", RT_EHTTP_RECEIVE, "closed before the response was complete", 0, 0},
    {"/reset", RT_EHTTP_RECEIVE, "closed before the response was complete", 0, 0},
    {"/oversized?bytes=2097152", RT_EHTTP_TOO_LARGE, "larger than the 1048576-byte cap", 1 << 20,
     0},
    {"/oversized-chunked?bytes=2097152", RT_EHTTP_TOO_LARGE, "larger than the 1048576-byte cap",
     1 << 20, 0},
    {"/huge-headers?kb=300", RT_EHTTP_HEADERS_TOO_LARGE,
     "response headers are larger than the 65536-byte cap", 0, 0},
    {"/huge-headers?kb=2", RT_EHTTP_HEADERS_TOO_LARGE,
     "response headers are larger than the 1000-byte cap", 0, 1000},
    {"/endless-headers", RT_EHTTP_HEADERS_TOO_LARGE, "larger than the 65536-byte cap", 0, 0},
    {"/repeat?n=20000", RT_EHTTP_HEADERS_TOO_LARGE, "larger than the 65536-byte cap", 0, 0},
    {"/distinct?n=999", RT_EHTTP_HEADERS_TOO_LARGE, "more than 1000 distinct header names", 0, 0},
    {"/long-value?n=200000", RT_EHTTP_HEADERS_TOO_LARGE, "header line is longer than", 0, 1 << 20},
};

/* Every case runs, then the test fails listing those that went wrong. */
static void test_hostile_answers_fail_with_their_error(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    int wrong = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct hostile_case *c = &cases[i];
        rt_http_options o = {.max_body = c->max_body, .max_header_bytes = c->max_header_bytes};
        rt_future *f = with_bystander(c->path, &o);
        const char *why = error_mismatch(f, c->code, c->words);
        if (why) {
            print_error("%s: %s\n", c->path, why);
            wrong++;
        }
        rt_future_release(f);
    }
    if (wrong)
        fail_msg("%d of %zu hostile answers went wrong", wrong, sizeof cases / sizeof cases[0]);
    ts_main_leave();
}

/* ---- Answers that are odd but valid ---- */

/* Header bytes are decoded as Latin-1 (each byte one code point), so no
 * byte sequence can lose the reply and every byte can be recovered. */
static void test_latin1_and_binary_header_bytes(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *f = hostile_get("/latin1", NULL);
    const rt_value *r = ok_response(f, "/latin1");
    assert_int_equal(rt_http_status(r), 200);
    assert_string_equal(rt_http_header(r, "x-name"), "caf\xc3\xa9");
    assert_string_equal(rt_http_header(r, "x-\xc3\xa9t\xc3\xa9"), "d\xc3\xa9j\xc3\xa0");
    size_t len;
    const char *body = rt_http_body(r, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(body, "ok\n", 3);
    rt_future_release(f);
    f = hostile_get("/binary-header", NULL);
    assert_string_equal(rt_http_header(ok_response(f, "/binary-header"), "x-bin"),
                        "\x01\x7f\xc2\x80\xc3\xbf\xc3\xbe\xc3\x83\x28");
    rt_future_release(f);
    ts_main_leave();
}

/* Repeats are joined in linear time; a raised cap lets 20,000 through. */
static void test_repeated_and_distinct_headers(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *f =
        hostile_get("/repeat?n=20000", &(rt_http_options){.max_header_bytes = 256 << 10});
    const char *v = rt_http_header(ok_response(f, "/repeat"), "x-rep");
    assert_non_null(v);
    assert_int_equal(strlen(v), 20000 * 3 - 2);
    assert_memory_equal(v, "v, v, v", 7);
    rt_future_release(f);
    /* 998 names + Connection + Content-Length: the 1,000 allowed. */
    f = hostile_get("/distinct?n=998", NULL);
    const rt_value *r = ok_response(f, "/distinct");
    assert_string_equal(rt_http_header(r, "x-0"), "d");
    assert_string_equal(rt_http_header(r, "x-997"), "d");
    rt_future_release(f);
    f = hostile_get("/huge-headers?kb=60", NULL); /* just under the default cap */
    assert_int_equal(rt_http_status(ok_response(f, "/huge-headers?kb=60")), 200);
    rt_future_release(f);
    f = hostile_get("/long-value?n=5000", NULL);
    assert_int_equal(strlen(rt_http_header(ok_response(f, "/long-value"), "x-long")), 5000);
    rt_future_release(f);
    ts_main_leave();
}

static void test_slow_drip(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_future *f = hostile_get("/slow-drip?ms=2", NULL);
    size_t len;
    const char *body = rt_http_body(ok_response(f, "/slow-drip"), &len);
    assert_int_equal(len, 3);
    assert_memory_equal(body, "ok\n", 3);
    rt_future_release(f);
    f = hostile_get("/slow-drip?ms=50", &(rt_http_options){.timeout_ns = RT_MS(300)});
    expect_error(f, RT_EHTTP_TIMEOUT, "the request timed out", "/slow-drip?ms=50");
    rt_future_release(f);
    ts_main_leave();
}

/* ---- What goes on the wire ---- */

static void expect_request(const char *want_fmt)
{
    char want[1024], got[2048];
    snprintf(want, sizeof want, want_fmt, hurl("") + strlen("http://"));
    ts_hostile_last_request(hs, got, sizeof got);
    assert_string_equal(got, want);
}

static rt_future *request(const char *method, const char *path, const char *body,
                          const char *const *headers)
{
    rt_future *f = rt_http_request(method, hurl(path), body, body ? strlen(body) : 0,
                                   &(rt_http_options){.headers = headers}, NULL);
    assert_non_null(f);
    settle(f, SETTLE_NS, path);
    return f;
}

static void test_exact_request_bytes(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    const char *hdrs[] = {"X-A: 1", "X-B:  spaced  value", NULL};
    rt_future *f = request("GET", "/capture", NULL, hdrs);
    assert_int_equal(rt_http_status(ok_response(f, "GET")), 200);
    expect_request("GET /capture HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\nX-A: 1\r\n"
                   "X-B:  spaced  value\r\n\r\n");
    rt_future_release(f);
    f = request("PUT", "/capture?x=1", "body", hdrs);
    assert_int_equal(rt_http_status(ok_response(f, "PUT")), 200);
    expect_request("PUT /capture?x=1 HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\nX-A: 1\r\n"
                   "X-B:  spaced  value\r\nContent-Length: 4\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n\r\nbody");
    rt_future_release(f);
    ts_main_leave();
}

/* CR, LF (or a line that is not "Name: value") would let a caller's value
 * add headers or a whole second request: refused before anything is sent. */
static void test_injection_refused(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    const char *bad_headers[] = {
        "X-Test: a\r\nX-Injected: yes",
        "X-Test: a\nX-Injected: yes",
        "X-Test: a\rX-Injected: yes",
        "X-Test: x\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x",
        "X-Injected\r\n: yes",
        "NoColon",
        ": no name",
        "X Space: v",
        "X-Tab\t: v",
    };
    long before = ts_hostile_requests(hs);
    for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
        const char *hdrs[] = {"X-Fine: 1", bad_headers[i], NULL};
        rt_future *f = request("GET", "/capture", NULL, hdrs);
        expect_error(f, RT_EHTTP_HEADER, "extra header 2", bad_headers[i]);
        rt_future_release(f);
    }
    const char *bad_methods[] = {
        "GET /smuggled HTTP/1.1\r\nX:", "PO\nST", "PO\rST", "", "G T", "GET\t"};
    for (size_t i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; i++) {
        rt_future *f = request(bad_methods[i], "/capture", NULL, NULL);
        expect_error(f, RT_EHTTP_HEADER, "the method", bad_methods[i]);
        rt_future_release(f);
    }
    const char *bad_urls[] = {"/capture\r\nX-Injected: yes", "/capture\nX-Injected: yes",
                              "/cap ture"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        rt_future *f = request("GET", bad_urls[i], NULL, NULL);
        expect_error(f, RT_EHTTP_URL, "", bad_urls[i]);
        rt_future_release(f);
    }
    assert_int_equal(ts_hostile_requests(hs), before); /* nothing reached the server */
    ts_main_leave();
}

/* ---- Allocation failure: every request settles ---- */

/* Fails allocation N (and all after it, until the request settles) for
 * each N until a request succeeds: each attempt settles, with the
 * response or a clear error, and nothing leaks. 60 KiB of headers make the
 * network isolate allocate from the allocator (not only from its heap's
 * free blocks), so the later N fail it while it builds the reply. */
static void test_allocation_failure_settles(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    bool succeeded = false;
    int reserve_used = 0;
    for (long n = 1; !succeeded && n < 100000; n++) {
        ts_alloc_fail_after(n);
        rt_future *f = rt_http_get(hurl("/huge-headers?kb=60"), NULL);
        if (f) {
            rt_timer *t = NULL;
            int64_t end = rt_monotonic_ns() + SETTLE_NS;
            while (!rt_future_is_complete(f) && rt_monotonic_ns() < end) {
                if (!t && rt_timer_start(&t, RT_MS(20), RT_MS(20), tick, NULL, NULL) != 0) t = NULL;
                rt_run(t ? RT_RUN_ONCE : RT_RUN_NOWAIT);
            }
            ts_alloc_fail_never();
            rt_timer_free(t);
            if (!rt_future_is_complete(f)) fail_msg("allocation %ld: the future hangs", n);
            const rt_error *e = rt_future_get_error(f);
            if (e) assert_true(e->code != 0 && e->message[0]);
            reserve_used += e && strstr(e->message, "the response could not be delivered");
            succeeded = !e;
            rt_future_release(f);
        }
        ts_alloc_fail_never();
    }
    assert_true(succeeded);
    assert_true(reserve_used > 0); /* the reply itself failed, and was reported */
    ts_run_main();
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_answers_fail_with_their_error),
        cmocka_unit_test(test_latin1_and_binary_header_bytes),
        cmocka_unit_test(test_repeated_and_distinct_headers),
        cmocka_unit_test(test_slow_drip),
        cmocka_unit_test(test_exact_request_bytes),
        cmocka_unit_test(test_injection_refused),
        cmocka_unit_test(test_allocation_failure_settles),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
