/* test_alloc_sweep.c: an allocation-failure sweep (curl's -t habit).
 *
 * One whole operation of the runtime: spawn an isolate and echo a nested
 * message (with an on-exit notice), a future chain, a compute round trip,
 * Isolate.run, an HTTP request to a loopback server, then shutdown. It runs with allocation N
 * failing (and every later one) for N = 1, 2, 3, ... until it succeeds without any failure. For
 * every N: each step either reports a clean error or succeeds, every future that was made settles
 * exactly once, an isolate that started tells its on-exit port, nothing leaks (ts_main_leave) and
 * rt_main_leave returns (an alarm turns a hang into a failure).
 */
#include "http_server.h"
#include <islet/rt_http.h>
#include "test_support.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What one run of the operation saw. */
typedef struct op {
    rt_receive_port *port;
    bool spawned;      /* the echo isolate started */
    int echoes, exits; /* messages back from it */
    int chain_made, chain_settled, chain_value;
    int compute_made, compute_settled, compute_value;
    int run_made, run_settled, run_value;
    int http_made, http_settled, http_status;
    int errors; /* clean errors: a call refused, or a future failed */
} op;

static op g_op;
static volatile sig_atomic_t g_n;

static void on_alarm(int sig)
{
    (void)sig;
    char msg[80];
    int len =
        snprintf(msg, sizeof msg, "alloc sweep: hang with allocation %ld failing\n", (long)g_n);
    if (write(2, msg, (size_t)len) < 0) _exit(2);
    _exit(1);
}

/* A future outcome: a value (kept in *value) or a clean error. */
static void record(rt_future *src, int *settled, int *value)
{
    (*settled)++;
    const rt_error *e = rt_future_get_error(src);
    if (e) {
        assert_true(e->code < 0);
        assert_int_not_equal(e->code, RT_ETIMEOUT);
        assert_non_null(e->message);
        g_op.errors++;
    } else {
        *value = (int)rt_value_as_int(rt_future_get_value(src));
    }
}

/* ---- Spawn + nested message + on-exit ---- */

/* A payload big enough to have a block of its own. */
#define BLOB 4096

static void echo_entry(rt_value *msg)
{
    rt_send_port *to = rt_value_as_send_port(rt_list_get(msg, 0));
    rt_port_send(to, msg); /* a copy of the whole nested message back */
    rt_value_free(msg);    /* no port open: the isolate exits now */
}

static void check_echo(const rt_value *v)
{
    const rt_value *m = rt_list_get(v, 1);
    const rt_value *list = rt_map_get(m, "list");
    assert_int_equal(rt_list_len(list), 3);
    assert_string_equal(rt_value_as_string(rt_list_get(list, 1), NULL), "bb");
    assert_int_equal(rt_value_as_int(rt_map_get(rt_list_get(list, 2), "n")), 7);
    size_t len;
    assert_non_null(rt_value_as_bytes(rt_map_get(m, "blob"), &len));
    assert_int_equal(len, BLOB);
}

static void on_echo(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    if (rt_value_kind_of(v) == RT_NULL) {
        g_op.exits++;
        rt_receive_port_close(p);
    } else {
        check_echo(v);
        g_op.echoes++;
    }
    rt_value_free(v);
}

/* [port, {"list": ["a", "bb", {"n": 7}], "blob": BLOB bytes}], or NULL when
 * out of memory. */
static rt_value *nested_message(rt_send_port *sp)
{
    rt_value *msg = rt_value_list(), *map = rt_value_map(), *list = rt_value_list();
    rt_value *inner = rt_value_map();
    rt_value *items[5] = {rt_value_send_port(sp), rt_value_string("a"), rt_value_string("bb"),
                          rt_value_int(7), rt_value_bytes(NULL, BLOB)};
    int rc = msg && map && list && inner ? RT_OK : RT_ENOMEM;
    for (int i = 0; i < 5; i++)
        if (!items[i]) rc = RT_ENOMEM;
    if (!rc) rc = rt_map_set(inner, "n", items[3]);
    if (!rc) items[3] = NULL;
    if (!rc && !(rc = rt_map_set(map, "blob", items[4]))) items[4] = NULL;
    for (int i = 1; i < 3 && !rc; i++)
        if (!(rc = rt_list_push(list, items[i]))) items[i] = NULL;
    if (!rc && !(rc = rt_list_push(list, inner))) inner = NULL;
    if (!rc && !(rc = rt_map_set(map, "list", list))) list = NULL;
    if (!rc && !(rc = rt_list_push(msg, items[0]))) items[0] = NULL;
    if (!rc && !(rc = rt_list_push(msg, map))) map = NULL;
    for (int i = 0; i < 5; i++)
        rt_value_free(items[i]);
    rt_value_free(inner);
    rt_value_free(list);
    rt_value_free(map);
    if (rc) {
        rt_value_free(msg);
        return NULL;
    }
    return msg;
}

static void start_echo(void)
{
    g_op.port = rt_receive_port_open(on_echo, NULL, NULL);
    if (!g_op.port) {
        g_op.errors++;
        return;
    }
    rt_send_port *sp = rt_receive_port_send_port(g_op.port);
    rt_value *msg = nested_message(sp);
    rt_isolate_options o = {.name = "echo", .on_exit = sp};
    int rc = msg ? rt_isolate_spawn(echo_entry, msg, &o, NULL) : RT_ENOMEM;
    rt_value_free(msg);
    if (rc == RT_OK) {
        g_op.spawned = true;
        return;
    }
    assert_true(rc == RT_ENOMEM || rc == RT_EAGAIN);
    g_op.errors++;
    rt_receive_port_close(g_op.port);
}

/* ---- A future chain ---- */

static void add_one(rt_future *src, rt_completer *next, void *ctx)
{
    (void)ctx;
    if (rt_completer_complete(next, rt_value_int(rt_value_as_int(rt_future_get_value(src)) + 1)))
        rt_completer_fail(next, RT_ENOMEM, "test", "out of memory");
}

static void on_chain(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    record(src, &g_op.chain_settled, &g_op.chain_value);
}

static void start_chain(void)
{
    rt_completer *c = rt_completer_new(false);
    if (!c) {
        g_op.errors++;
        return;
    }
    rt_future *f = rt_future_then(rt_completer_future(c), add_one, NULL, NULL);
    f = rt_future_then(f, add_one, NULL, NULL);
    f = rt_future_then(f, on_chain, on_chain, NULL);
    if (f) g_op.chain_made++;
    rt_future_release(f);
    if (rt_completer_complete(c, rt_value_int(40)) != RT_OK &&
        rt_completer_fail(c, RT_ENOMEM, "test", "out of memory") != RT_OK)
        g_op.errors++;
    rt_completer_release(c);
}

/* ---- A compute round trip and Isolate.run ---- */

static rt_value *square(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    int64_t x = rt_value_as_int(msg);
    return rt_value_int(x * x);
}

static void on_compute(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    record(src, &g_op.compute_settled, &g_op.compute_value);
}

static void run_entry(rt_value *msg)
{
    int64_t x = rt_value_as_int(msg);
    rt_value_free(msg);
    rt_run_reply(rt_value_int(x + 1));
}

static void on_run(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    record(src, &g_op.run_settled, &g_op.run_value);
}

/* Starts f's listener, or counts the error that prevented it. */
static void listen_to(rt_future *f, rt_future_fn fn, int *made)
{
    if (!f) {
        g_op.errors++;
        return;
    }
    f = rt_future_then(f, fn, fn, NULL);
    if (f)
        (*made)++;
    else
        g_op.errors++;
    rt_future_release(f);
}

static void start_compute(void)
{
    rt_value *v = rt_value_int(9);
    listen_to(v ? rt_compute(square, v) : NULL, on_compute, &g_op.compute_made);
    rt_value_free(v);
}

static void start_run(void)
{
    rt_value *v = rt_value_int(6);
    listen_to(v ? rt_isolate_run(run_entry, v) : NULL, on_run, &g_op.run_made);
    rt_value_free(v);
}

/* ---- An HTTP request ---- */

static ts_http_server *g_srv;

static void on_http(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    g_op.http_settled++;
    const rt_error *e = rt_future_get_error(src);
    if (e) {
        assert_true(e->code < 0);
        assert_non_null(e->message);
        g_op.errors++;
    } else {
        g_op.http_status = rt_http_status(rt_future_get_value(src));
    }
}

static void start_http(void)
{
    char url[256];
    ts_http_url(g_srv, "/ok", url, sizeof url);
    listen_to(rt_http_get(url, NULL), on_http, &g_op.http_made);
}

/* ---- The sweep ---- */

/* The operation with allocation n failing; true when nothing failed. */
static bool run_once(long n)
{
    memset(&g_op, 0, sizeof g_op);
    g_n = n;
    alarm(30);
    ts_main_enter(NULL);
    long before = ts_alloc_count();
    ts_alloc_fail_after(n);
    start_echo();
    start_chain();
    start_compute();
    start_run();
    start_http();
    ts_run_main();
    /* Every future made settled exactly once; a started isolate said bye. */
    assert_int_equal(g_op.chain_settled, g_op.chain_made);
    assert_int_equal(g_op.compute_settled, g_op.compute_made);
    assert_int_equal(g_op.run_settled, g_op.run_made);
    assert_int_equal(g_op.http_settled, g_op.http_made);
    assert_int_equal(g_op.exits, g_op.spawned ? 1 : 0);
    assert_true(g_op.echoes <= 1);
    ts_main_leave(); /* shutdown under the same failure; nothing leaked */
    bool clean = ts_alloc_count() - before < n;
    ts_alloc_fail_never();
    alarm(0);
    if (!clean) return false;
    assert_int_equal(g_op.errors, 0);
    assert_int_equal(g_op.echoes, 1);
    assert_int_equal(g_op.chain_value, 42);
    assert_int_equal(g_op.compute_value, 81);
    assert_int_equal(g_op.run_value, 7);
    assert_int_equal(g_op.http_status, 200);
    return true;
}

static void test_alloc_failure_sweep(void **state)
{
    (void)state;
    signal(SIGALRM, on_alarm);
    g_srv = ts_http_start();
    assert_non_null(g_srv);
    long n = 1;
    while (!run_once(n))
        n++;
    ts_http_stop(g_srv);
    printf("alloc sweep: %ld allocations, each failed in turn\n", n - 1);
    assert_true(n > 20); /* the operation really allocates */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_failure_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
