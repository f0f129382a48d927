/* test_isolate.c: spawning, messaging, exit, kill, pause, errors, threads. */
#include "test_support.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Helpers: a main-isolate port that logs what it receives ---- */

typedef struct collector {
    rt_receive_port *port;
    int expected, got;
} collector;

static void log_value(const rt_value *v)
{
    switch (rt_value_kind_of(v)) {
    case RT_NULL:
        ts_log("exit");
        break;
    case RT_STRING:
        ts_log("%s", rt_value_as_string(v, NULL));
        break;
    case RT_INT:
        ts_log("%lld", (long long)rt_value_as_int(v));
        break;
    default:
        ts_log("<%s>", rt_value_kind_name(rt_value_kind_of(v)));
        break;
    }
}

static void on_collect(rt_receive_port *p, rt_value *v, void *ctx)
{
    collector *c = ctx;
    log_value(v);
    rt_value_free(v);
    if (++c->got == c->expected) rt_receive_port_close(p);
    (void)p;
}

/* Opens a port on main that logs `expected` messages, then closes. */
static rt_send_port *collect(collector *c, int expected)
{
    c->expected = expected;
    c->got = 0;
    c->port = rt_receive_port_open(on_collect, c, NULL);
    assert_non_null(c->port);
    return rt_receive_port_send_port(c->port);
}

static void send_str(rt_send_port *sp, const char *s)
{
    rt_value *v = rt_value_string(s);
    assert_int_equal(rt_port_send(sp, v), 0);
    rt_value_free(v);
}

static void send_int(rt_send_port *sp, int64_t i)
{
    rt_value *v = rt_value_int(i);
    assert_int_equal(rt_port_send(sp, v), 0);
    rt_value_free(v);
}

static rt_value *port_value(rt_send_port *sp)
{
    return rt_value_send_port(sp);
}

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static void enter(void)
{
    ts_main_enter(NULL);
    ts_log_reset();
}

/* ---- Spawn and talk: ping-pong over ports both ways ---- */

static void echo_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    rt_send_port *reply = ctx;
    const char *s = rt_value_as_string(v, NULL);
    send_str(reply, strcmp(s, "ping") == 0 ? "pong" : "?");
    rt_value_free(v);
    rt_receive_port_close(p); /* nothing keeps the isolate alive now: it exits */
}

static void echo_release(void *ctx)
{
    rt_send_port_release(ctx);
}

static void echo_entry(rt_value *msg)
{
    rt_send_port *reply = rt_send_port_dup(rt_value_as_send_port(rt_list_get(msg, 0)));
    assert_string_equal(rt_value_as_string(rt_list_get(msg, 1), NULL), "hello");
    rt_value_free(msg);
    rt_receive_port *rp = rt_receive_port_open(echo_on_msg, reply, echo_release);
    rt_value *mine = port_value(rt_receive_port_send_port(rp));
    rt_port_send(reply, mine);
    rt_value_free(mine);
}

static void on_echo_port(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    if (rt_value_kind_of(v) == RT_SEND_PORT) {
        ts_log("got port");
        send_str(rt_value_as_send_port(v), "ping");
    } else {
        log_value(v);
    }
    rt_value_free(v);
    if (strstr(ts_log_text(), "exit")) rt_receive_port_close(p);
}

static void test_spawn_and_ping_pong(void **state)
{
    (void)state;
    enter();
    rt_receive_port *rp = rt_receive_port_open(on_echo_port, NULL, NULL);
    rt_send_port *sp = rt_receive_port_send_port(rp);
    rt_value *msg = rt_value_list();
    rt_list_push(msg, port_value(sp));
    rt_list_push(msg, rt_value_string("hello"));
    rt_isolate *h;
    assert_int_equal(
        rt_isolate_spawn(echo_entry, msg, &(rt_isolate_options){.name = "echo", .on_exit = sp}, &h),
        0);
    /* The caller keeps its message: spawn sent a copy. */
    assert_string_equal(rt_value_as_string(rt_list_get(msg, 1), NULL), "hello");
    rt_value_free(msg);
    assert_string_equal(rt_isolate_name(h), "echo");
    ts_run_main();
    assert_string_equal(ts_log_text(), "got port, pong, exit");
    assert_false(rt_isolate_is_alive(h));
    rt_isolate_release(h);
    ts_main_leave();
}

/* ---- The handle's send port reaches the child's default port ---- */

static void default_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    send_str(rt_value_as_send_port(rt_list_get(v, 0)), rt_value_as_string(rt_list_get(v, 1), NULL));
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void default_entry(rt_value *msg)
{
    (void)msg;
    rt_receive_port_listen(rt_default_port(), default_on_msg, NULL, NULL);
}

static void test_handle_port_reaches_default_port(void **state)
{
    (void)state;
    enter();
    collector c;
    rt_send_port *sp = collect(&c, 2);
    rt_isolate *h;
    assert_int_equal(
        rt_isolate_spawn(default_entry, NULL, &(rt_isolate_options){.on_exit = sp}, &h), 0);
    /* Sent before the child listens: the default port buffers it. */
    rt_value *m = rt_value_list();
    rt_list_push(m, port_value(sp));
    rt_list_push(m, rt_value_string("via handle"));
    assert_int_equal(rt_isolate_send(h, m), 0);
    rt_value_free(m);
    ts_run_main();
    assert_string_equal(ts_log_text(), "via handle, exit");
    rt_isolate_release(h);
    ts_main_leave();
}

/* ---- A pending timer keeps an isolate alive; then it exits ---- */

static rt_send_port *g_reply;

static void late_timer(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    send_str(g_reply, "timer fired");
    rt_send_port_release(g_reply);
}

static void timer_entry(rt_value *msg)
{
    g_reply = rt_send_port_dup(rt_value_as_send_port(msg));
    rt_value_free(msg);
    rt_timer_start(NULL, RT_MS(30), 0, late_timer, NULL, NULL);
}

static void test_timer_keeps_isolate_alive(void **state)
{
    (void)state;
    enter();
    collector c;
    rt_send_port *sp = collect(&c, 2);
    rt_value *pv = port_value(sp);
    assert_int_equal(rt_isolate_spawn(timer_entry, pv, &(rt_isolate_options){.on_exit = sp}, NULL),
                     0);
    rt_value_free(pv);
    ts_run_main();
    assert_string_equal(ts_log_text(), "timer fired, exit");
    ts_main_leave();
}

/* ---- Closing a port lets its isolate exit; sends to it are dropped ---- */

static void close_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_send_port *sp = rt_send_port_dup(rt_receive_port_send_port(p));
    rt_value_free(v);
    rt_receive_port_close(p);
    assert_false(rt_send_port_is_open(sp));
    /* Dart's rule: sending to a closed port is not an error; it is dropped. */
    rt_value *x = rt_value_string("dropped");
    assert_int_equal(rt_port_send(sp, x), 0);
    rt_value_free(x);
    rt_send_port_release(sp);
}

static void close_entry(rt_value *msg)
{
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), close_on_msg, NULL, NULL);
}

static void test_closed_port_drops_and_isolate_exits(void **state)
{
    (void)state;
    enter();
    collector c;
    rt_send_port *sp = collect(&c, 1);
    rt_isolate *h;
    assert_int_equal(rt_isolate_spawn(close_entry, NULL, &(rt_isolate_options){.on_exit = sp}, &h),
                     0);
    rt_value *cmd = rt_value_string("close yourself");
    assert_int_equal(rt_isolate_send(h, cmd), 0);
    rt_value_free(cmd);
    ts_run_main();
    assert_string_equal(ts_log_text(), "exit");
    /* After exit, the handle's port is closed and sending is a silent drop. */
    rt_send_port *late = rt_isolate_port(h);
    assert_false(rt_send_port_is_open(late));
    send_str(late, "too late");
    rt_send_port_release(late);
    rt_isolate_release(h);
    ts_main_leave();
}

/* ---- Kill ---- */

static rt_send_port *g_log;

static void log_in_child_mt(void *ctx)
{
    send_str(g_log, ctx);
}

static void kill_self_mt(void *ctx)
{
    send_str(g_log, "mt1");
    rt_isolate_kill(rt_isolate_current(), RT_KILL_IMMEDIATE);
    rt_schedule_microtask(log_in_child_mt, "mt2 (must not run)");
    (void)ctx;
}

static void kill_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    bool immediate = ctx != NULL;
    send_str(g_log, rt_value_as_string(v, NULL));
    rt_value_free(v);
    if (immediate) {
        rt_schedule_microtask(kill_self_mt, NULL);
    } else {
        rt_isolate_kill(rt_isolate_current(), RT_KILL_BEFORE_NEXT_EVENT);
        rt_schedule_microtask(log_in_child_mt, "mt (same event)");
    }
}

static void kill_entry(rt_value *msg)
{
    g_log = rt_send_port_dup(rt_value_as_send_port(rt_list_get(msg, 0)));
    bool immediate = rt_value_as_bool(rt_list_get(msg, 1));
    rt_value_free(msg);
    rt_receive_port *rp = rt_receive_port_open(kill_on_msg, immediate ? (void *)1 : NULL, NULL);
    for (int i = 1; i <= 3; i++) {
        char s[8];
        snprintf(s, sizeof s, "m%d", i);
        send_str(rt_receive_port_send_port(rp), s);
    }
}

static void run_kill(bool immediate, const char *expect)
{
    enter();
    collector c;
    rt_send_port *sp = collect(&c, 0);
    c.expected = -1;
    rt_value *m = rt_value_list();
    rt_list_push(m, port_value(sp));
    rt_list_push(m, rt_value_bool(immediate));
    rt_isolate *h;
    assert_int_equal(rt_isolate_spawn(kill_entry, m, &(rt_isolate_options){.on_exit = sp}, &h), 0);
    rt_value_free(m);
    while (!strstr(ts_log_text(), "exit"))
        rt_run(RT_RUN_ONCE);
    assert_string_equal(ts_log_text(), expect);
    rt_receive_port_close(c.port);
    rt_send_port_release(g_log);
    rt_isolate_release(h);
    ts_main_leave();
}

/* Before-next-event: the current event's microtasks still run; no further event does. */
static void test_kill_before_next_event(void **state)
{
    (void)state;
    run_kill(false, "m1, mt (same event), exit");
}

/* Immediate: not even the microtasks still queued. */
static void test_kill_immediate(void **state)
{
    (void)state;
    run_kill(true, "m1, mt1, exit");
}

static atomic_bool g_kill_sent;

static void busy_timer(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    send_str(g_log, "timer (must not run)");
}

static void busy_entry(rt_value *msg)
{
    rt_send_port *log = rt_value_as_send_port(msg);
    rt_timer_start(NULL, 0, 0, busy_timer, NULL, NULL);
    send_str(log, "started");
    /* A long synchronous function: kill cannot interrupt it. */
    while (!atomic_load(&g_kill_sent))
        sleep_ms(1);
    send_str(log, "sync done");
    rt_value_free(msg);
}

static void test_kill_busy_isolate_at_event_boundary(void **state)
{
    (void)state;
    enter();
    atomic_store(&g_kill_sent, false);
    collector c;
    rt_send_port *sp = collect(&c, 3);
    g_log = NULL;
    rt_value *pv = port_value(sp);
    rt_isolate *h;
    assert_int_equal(rt_isolate_spawn(busy_entry, pv, &(rt_isolate_options){.on_exit = sp}, &h), 0);
    rt_value_free(pv);
    while (!strstr(ts_log_text(), "started"))
        rt_run(RT_RUN_ONCE);
    rt_isolate_kill(h, RT_KILL_IMMEDIATE);
    atomic_store(&g_kill_sent, true);
    ts_run_main();
    assert_string_equal(ts_log_text(), "started, sync done, exit");
    rt_isolate_release(h);
    ts_main_leave();
}

/* ---- Pause and resume ---- */

static void reply_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_send_port *reply = rt_value_as_send_port(rt_list_get(v, 0));
    send_int(reply, rt_value_as_int(rt_list_get(v, 1)));
    rt_value_free(v);
}

static void reply_entry(rt_value *msg)
{
    send_str(rt_value_as_send_port(msg), "entry ran");
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), reply_on_msg, NULL, NULL);
}

static void send_numbered(rt_isolate *h, rt_send_port *reply, int i)
{
    rt_value *m = rt_value_list();
    rt_list_push(m, port_value(reply));
    rt_list_push(m, rt_value_int(i));
    assert_int_equal(rt_isolate_send(h, m), 0);
    rt_value_free(m);
}

static void run_for_ms(int ms)
{
    int64_t end = rt_monotonic_ns() + RT_MS(ms);
    while (rt_monotonic_ns() < end) {
        rt_run(RT_RUN_NOWAIT);
        sleep_ms(2);
    }
}

static void test_pause_resume(void **state)
{
    (void)state;
    enter();
    collector c;
    rt_send_port *sp = collect(&c, 7);
    rt_value *pv = port_value(sp);
    rt_isolate *h;
    /* Start paused: the entry does not run until resumed. */
    assert_int_equal(
        rt_isolate_spawn(reply_entry, pv, &(rt_isolate_options){.paused = true, .on_exit = sp}, &h),
        0);
    rt_value_free(pv);
    run_for_ms(50);
    assert_string_equal(ts_log_text(), "");
    rt_isolate_resume(h);
    while (c.got < 1)
        rt_run(RT_RUN_ONCE);
    assert_string_equal(ts_log_text(), "entry ran");
    /* Paused again: messages queue up and are handled, in order, after resume. */
    rt_isolate_pause(h);
    rt_isolate_pause(h); /* counted */
    for (int i = 1; i <= 5; i++)
        send_numbered(h, sp, i);
    run_for_ms(50);
    assert_string_equal(ts_log_text(), "entry ran");
    rt_isolate_resume(h);
    run_for_ms(30);
    assert_string_equal(ts_log_text(), "entry ran");
    rt_isolate_resume(h);
    while (c.got < 6)
        rt_run(RT_RUN_ONCE);
    assert_string_equal(ts_log_text(), "entry ran, 1, 2, 3, 4, 5");
    rt_isolate_kill(h, RT_KILL_BEFORE_NEXT_EVENT);
    ts_run_main();
    assert_string_equal(ts_log_text(), "entry ran, 1, 2, 3, 4, 5, exit");
    rt_isolate_release(h);
    ts_main_leave();
}

/* ---- Unhandled errors ---- */

static void error_second(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    send_str(g_log, "after error");
    rt_send_port_release(g_log);
}

static void error_entry(rt_value *msg)
{
    g_log = rt_send_port_dup(rt_value_as_send_port(msg));
    rt_value_free(msg);
    rt_timer_start(NULL, RT_MS(1), 0, error_second, NULL, NULL);
    rt_report_error(RT_EUSER - 7, "bad thing %d", 42);
}

static void on_error_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    ts_log("error from %s: %s (%lld)", rt_value_as_string(rt_map_get(v, "isolate"), NULL),
           rt_value_as_string(rt_map_get(v, "message"), NULL),
           (long long)rt_value_as_int(rt_map_get(v, "code")));
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void run_error(bool nonfatal, const char *expect)
{
    enter();
    collector c;
    rt_send_port *sp = collect(&c, nonfatal ? 2 : 1);
    rt_receive_port *errp = rt_receive_port_open(on_error_msg, NULL, NULL);
    rt_value *pv = port_value(sp);
    rt_isolate_options o = {.name = "failing",
                            .on_exit = sp,
                            .on_error = rt_receive_port_send_port(errp),
                            .errors_nonfatal = nonfatal};
    assert_int_equal(rt_isolate_spawn(error_entry, pv, &o, NULL), 0);
    rt_value_free(pv);
    ts_run_main();
    assert_string_equal(ts_log_text(), expect);
    if (!nonfatal) rt_send_port_release(g_log); /* its timer never ran */
    ts_main_leave();
}

/* An unhandled error goes to the on-error port and, by default, kills. */
static void test_error_to_port_is_fatal(void **state)
{
    (void)state;
    run_error(false, "error from failing: bad thing 42 (-107), exit");
}

static void test_error_nonfatal_continues(void **state)
{
    (void)state;
    run_error(true, "error from failing: bad thing 42 (-107), after error, exit");
}

static void stderr_error_entry(rt_value *msg)
{
    (void)msg;
    rt_report_error(RT_EINVAL, "nobody listens");
}

static void child_error_to_stderr(void)
{
    rt_main_enter(NULL);
    rt_isolate_spawn(stderr_error_entry, NULL, &(rt_isolate_options){.name = "lonely"}, NULL);
    while (rt_isolate_count() > 1)
        sleep_ms(1);
    rt_main_leave();
    exit(0);
}

/* With no on-error port, the error is printed with the isolate's name. */
static void test_error_without_port_goes_to_stderr(void **state)
{
    (void)state;
    char out[4096];
    int status = ts_run_child("error-to-stderr", out, sizeof out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_non_null(strstr(out, "unhandled error in isolate 'lonely': nobody listens"));
}

/* ---- Exit hands over its message without copying ---- */

static void exit_entry(rt_value *msg)
{
    rt_send_port *to = rt_value_as_send_port(msg);
    size_t size = 64u << 20;
    rt_value *big = rt_value_bytes(NULL, size);
    size_t len;
    const unsigned char *d = rt_value_as_bytes(big, &len);
    ((unsigned char *)d)[0] = 0xAB;
    ((unsigned char *)d)[size - 1] = 0xCD;
    send_int(to, (int64_t)(intptr_t)d);
    rt_isolate_exit(to, big);
    rt_value_free(msg);
}

static intptr_t g_addr;
static int g_exit_step;

static void on_exit_msgs(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    if (g_exit_step == 0) {
        g_addr = (intptr_t)rt_value_as_int(v);
    } else if (g_exit_step == 1) {
        size_t len;
        const unsigned char *d = rt_value_as_bytes(v, &len);
        assert_int_equal(len, 64u << 20);
        assert_int_equal(d[0], 0xAB);
        assert_int_equal(d[len - 1], 0xCD);
        /* Same address: the 64 MiB moved between heaps, nothing was copied. */
        assert_true((intptr_t)d == g_addr);
    } else {
        assert_int_equal(rt_value_kind_of(v), RT_NULL); /* on-exit, after the exit message */
        rt_receive_port_close(p);
    }
    g_exit_step++;
    rt_value_free(v);
}

static void test_exit_moves_message(void **state)
{
    (void)state;
    enter();
    g_exit_step = 0;
    rt_receive_port *rp = rt_receive_port_open(on_exit_msgs, NULL, NULL);
    rt_value *pv = port_value(rt_receive_port_send_port(rp));
    assert_int_equal(
        rt_isolate_spawn(exit_entry, pv,
                         &(rt_isolate_options){.on_exit = rt_receive_port_send_port(rp)}, NULL),
        0);
    rt_value_free(pv);
    ts_run_main();
    assert_int_equal(g_exit_step, 3);
    ts_main_leave();
}

/* ---- Order per sender ---- */

#define SEQ_N 20000

static void seq_entry(rt_value *msg)
{
    rt_send_port *to = rt_value_as_send_port(rt_list_get(msg, 0));
    int64_t id = rt_value_as_int(rt_list_get(msg, 1));
    for (int64_t i = 0; i < SEQ_N; i++)
        send_int(to, id * SEQ_N + i);
    rt_value_free(msg);
}

static int64_t g_next[2];

static void on_seq(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    int64_t x = rt_value_as_int(v);
    int64_t id = x / SEQ_N, i = x % SEQ_N;
    assert_int_equal(i, g_next[id]);
    g_next[id]++;
    rt_value_free(v);
    if (g_next[0] == SEQ_N && g_next[1] == SEQ_N) rt_receive_port_close(p);
}

static void test_send_order_per_sender(void **state)
{
    (void)state;
    enter();
    g_next[0] = g_next[1] = 0;
    rt_receive_port *rp = rt_receive_port_open(on_seq, NULL, NULL);
    for (int id = 0; id < 2; id++) {
        rt_value *m = rt_value_list();
        rt_list_push(m, port_value(rt_receive_port_send_port(rp)));
        rt_list_push(m, rt_value_int(id));
        assert_int_equal(rt_isolate_spawn(seq_entry, m, NULL, NULL), 0);
        rt_value_free(m);
    }
    ts_run_main();
    assert_int_equal(g_next[0], SEQ_N);
    assert_int_equal(g_next[1], SEQ_N);
    ts_main_leave();
}

/* ---- Threads: idle isolates hold no thread ---- */

static int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    if (f) fclose(f);
    return n;
}

static long vm_size_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long n = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %ld", &n) == 1) break;
    if (f) fclose(f);
    return n;
}

static void idle_entry(rt_value *msg)
{
    send_str(rt_value_as_send_port(msg), "ready");
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), reply_on_msg, NULL, NULL);
}

static void test_idle_isolates_hold_no_thread(void **state)
{
    (void)state;
    enter();
    enum { N = 300 };
    int base = thread_count(); /* this thread, plus any a sanitizer runs */
    collector c;
    rt_send_port *sp = collect(&c, 2 * N + 1);
    rt_value *pv = port_value(sp);
    rt_isolate *hs[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(
            rt_isolate_spawn(idle_entry, pv, &(rt_isolate_options){.on_exit = sp}, &hs[i]), 0);
    rt_value_free(pv);
    while (c.got < N)
        rt_run(RT_RUN_ONCE);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = cpus < 2 ? 2 : (int)cpus;
    /* N isolates alive and waiting: the pool's threads, no more. */
    assert_true(thread_count() <= base + workers);
    assert_int_equal(rt_isolate_count(), N + 1);
    /* A dedicated isolate adds exactly one thread. */
    rt_isolate *d;
    rt_value *pv2 = port_value(sp);
    assert_int_equal(
        rt_isolate_spawn(idle_entry, pv2, &(rt_isolate_options){.dedicated_thread = true}, &d), 0);
    rt_value_free(pv2);
    while (c.got < N + 1)
        rt_run(RT_RUN_ONCE);
    assert_true(thread_count() <= base + workers + 1);
    assert_true(thread_count() >= base + 1);
    for (int i = 0; i < N; i++) {
        rt_isolate_kill(hs[i], RT_KILL_BEFORE_NEXT_EVENT);
        rt_isolate_release(hs[i]);
    }
    ts_run_main();
    assert_int_equal(c.got, 2 * N + 1);
    rt_isolate_release(d); /* still alive: rt_main_leave kills it */
    ts_main_leave();
}

/* Dedicated isolates that come and go do not leave threads behind. */
static void quick_entry(rt_value *msg)
{
    send_str(rt_value_as_send_port(msg), "done");
    rt_value_free(msg);
}

static void test_dedicated_threads_are_reaped(void **state)
{
    (void)state;
    enter();
    collector c;
    rt_send_port *sp = collect(&c, 40);
    long vm0 = -1;
    rt_value *pv = port_value(sp);
    for (int i = 0; i < 20; i++) {
        int before = c.got;
        assert_int_equal(
            rt_isolate_spawn(quick_entry, pv,
                             &(rt_isolate_options){.dedicated_thread = true, .on_exit = sp}, NULL),
            0);
        while (c.got < before + 2)
            rt_run(RT_RUN_ONCE);
        if (i == 1) vm0 = vm_size_kib();
    }
    rt_value_free(pv);
    assert_int_equal(c.got, 40);
    /* An exited thread that nobody joins keeps its stack mapped (8 MiB here):
     * 18 of them would add 144 MiB. Joined ones are reused. */
    assert_true(vm_size_kib() - vm0 < 32 * 1024);
    ts_main_leave();
}

/* ---- Misuse ---- */

static void child_run_from_pool_entry(rt_value *msg)
{
    (void)msg;
    rt_run(RT_RUN_DEFAULT);
}

static void child_run_from_pool(void)
{
    rt_main_enter(NULL);
    rt_isolate_spawn(child_run_from_pool_entry, NULL, &(rt_isolate_options){.name = "pooled"},
                     NULL);
    rt_receive_port_open(NULL, NULL, NULL);
    rt_run(RT_RUN_DEFAULT);
}

static rt_receive_port *g_main_port;

static void foreign_port_entry(rt_value *msg)
{
    (void)msg;
    rt_receive_port_close(g_main_port);
}

static void child_foreign_port(void)
{
    rt_main_enter(NULL);
    g_main_port = rt_receive_port_open(NULL, NULL, NULL);
    rt_isolate_spawn(foreign_port_entry, NULL, &(rt_isolate_options){.name = "thief"}, NULL);
    rt_run(RT_RUN_DEFAULT);
}

static void child_exit_twice(void)
{
    rt_main_enter(NULL);
    rt_isolate_exit(NULL, NULL);
    rt_isolate_exit(NULL, NULL);
}

static void nothing(void *ctx)
{
    (void)ctx;
}

static void child_no_isolate(void)
{
    rt_schedule_microtask(nothing, NULL);
}

static void test_misuse_aborts_with_message(void **state)
{
    (void)state;
    ts_expect_abort("no-isolate", "rt_schedule_microtask: called outside any isolate");
    ts_expect_check_abort("run-from-pool", "isolate 'pooled' runs on the worker pool");
    ts_expect_check_abort("foreign-port",
                          "receive port of isolate 'main' used from isolate 'thief'");
    ts_expect_check_abort("exit-twice", "isolate 'main' is already exiting");
}

/* ---- Out of memory: no notification is lost, leaving always returns ---- */

static void drop_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
}

static void stay_entry(rt_value *msg)
{
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), drop_msg, NULL, NULL); /* keeps it alive */
}

static void child_leave_out_of_memory(void)
{
    alarm(20); /* a hang dies of SIGALRM: the parent sees a signal */
    ts_alloc_install();
    if (rt_main_enter(NULL) != RT_OK) exit(3);
    for (int i = 0; i < 4; i++)
        if (rt_isolate_spawn(stay_entry, NULL, NULL, NULL) != RT_OK) exit(4);
    ts_alloc_fail_after(1); /* nothing more can be allocated */
    rt_main_leave();
    printf("left: %zu isolates, %ld blocks\n", rt_isolate_count(), ts_alloc_live_blocks());
    exit(0);
}

/* Issue 11.6: rt_main_leave kills the others without allocating. */
static void test_leave_returns_when_out_of_memory(void **state)
{
    (void)state;
    char out[4096];
    int status = ts_run_child("leave-oom", out, sizeof out);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail_msg("child: %s", out);
    assert_non_null(strstr(out, "left: 0 isolates, 0 blocks"));
}

static rt_timer *g_guard;

static void on_bye(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    ts_alloc_fail_never();
    log_value(v);
    rt_value_free(v);
    rt_receive_port_close(p);
    rt_timer_cancel(g_guard);
}

static void bye_guard(rt_timer *t, void *ctx)
{
    (void)t;
    ts_alloc_fail_never();
    ts_log("no on-exit message");
    rt_receive_port_close(ctx);
}

static void exit_out_of_memory_entry(rt_value *msg)
{
    rt_value_free(msg);
    ts_alloc_fail_after(1); /* the isolate exits with nothing left to allocate */
}

/* Issue 11.6: the on-exit message is built at spawn, not at exit. */
static void test_on_exit_arrives_when_exit_is_out_of_memory(void **state)
{
    (void)state;
    enter();
    rt_receive_port *p = rt_receive_port_open(on_bye, NULL, NULL);
    /* A hang guard (nothing is timed): 10 s without the message fails. */
    assert_int_equal(rt_timer_start(&g_guard, RT_SEC(10), 0, bye_guard, p, NULL), 0);
    rt_isolate_options o = {.on_exit = rt_receive_port_send_port(p)};
    assert_int_equal(rt_isolate_spawn(exit_out_of_memory_entry, NULL, &o, NULL), 0);
    ts_run_main();
    assert_string_equal(ts_log_text(), "exit");
    rt_timer_free(g_guard);
    ts_main_leave();
}

/* Spawning out of memory fails cleanly at every step: an error, nothing
 * started, nothing held (ts_main_leave checks). */
static void test_spawn_out_of_memory_is_clean(void **state)
{
    (void)state;
    int rc = RT_ENOMEM;
    for (long n = 1; rc != RT_OK; n++) {
        enter();
        collector c;
        rt_send_port *sp = collect(&c, 1);
        rt_isolate_options o = {.on_exit = sp};
        long before = ts_alloc_count();
        ts_alloc_fail_after(n);
        rc = rt_isolate_spawn(stay_entry, NULL, &o, NULL);
        bool failed = ts_alloc_count() - before >= n;
        ts_alloc_fail_never();
        if (rc == RT_OK) {
            assert_false(failed);
            rt_receive_port_close(c.port);
        } else {
            assert_int_equal(rc, RT_ENOMEM);
            assert_int_equal(rt_isolate_count(), 1);
            rt_receive_port_close(c.port);
        }
        ts_run_main();
        ts_main_leave();
    }
}

static const ts_child_case cases[] = {
    {"error-to-stderr", child_error_to_stderr},
    {"run-from-pool", child_run_from_pool},
    {"foreign-port", child_foreign_port},
    {"exit-twice", child_exit_twice},
    {"no-isolate", child_no_isolate},
    {"leave-oom", child_leave_out_of_memory},
    {NULL, NULL},
};

static void linger_tick(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
}

static void linger(rt_value *msg)
{
    rt_value_free(msg);
    rt_timer_start(NULL, RT_SEC(60), 0, linger_tick, NULL, NULL);
}

static const rt_isolate_info *find_info(const rt_isolate_info *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name)) return &v[i];
    return NULL;
}

/* The snapshot lists every isolate alive, with its name and counters, and
 * reports the true count when the array is too small. */
static void test_isolate_snapshot_lists_live_isolates(void **state)
{
    (void)state;
    ts_main_enter(&(rt_isolate_options){.name = "main"});
    rt_isolate *a, *b;
    assert_int_equal(rt_isolate_spawn(linger, NULL, &(rt_isolate_options){.name = "snap-a"}, &a),
                     0);
    assert_int_equal(rt_isolate_spawn(linger, NULL, &(rt_isolate_options){.name = "snap-b"}, &b),
                     0);
    /* Wait until both ran their entry event. */
    rt_isolate_stats sa = {0}, sb = {0};
    for (int i = 0; i < 5000 && (sa.events_handled == 0 || sb.events_handled == 0); i++) {
        rt_isolate_get_stats(a, &sa);
        rt_isolate_get_stats(b, &sb);
        sleep_ms(1);
    }
    rt_isolate_info info[8];
    size_t n = rt_isolate_snapshot(info, 8);
    assert_int_equal(n, 3);
    assert_non_null(find_info(info, n, "main"));
    const rt_isolate_info *ia = find_info(info, n, "snap-a");
    assert_non_null(ia);
    assert_true(ia->stats.alive);
    assert_true(ia->stats.events_handled >= 1);
    assert_true(ia->stats.heap_bytes > 0);
    assert_non_null(find_info(info, n, "snap-b"));
    assert_int_equal(rt_isolate_snapshot(info, 1), 3); /* too small: still counts */
    rt_isolate_release(a);
    rt_isolate_release(b);
    ts_main_leave();
}

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_and_ping_pong),
        cmocka_unit_test(test_isolate_snapshot_lists_live_isolates),
        cmocka_unit_test(test_handle_port_reaches_default_port),
        cmocka_unit_test(test_timer_keeps_isolate_alive),
        cmocka_unit_test(test_closed_port_drops_and_isolate_exits),
        cmocka_unit_test(test_kill_before_next_event),
        cmocka_unit_test(test_kill_immediate),
        cmocka_unit_test(test_kill_busy_isolate_at_event_boundary),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_error_to_port_is_fatal),
        cmocka_unit_test(test_error_nonfatal_continues),
        cmocka_unit_test(test_error_without_port_goes_to_stderr),
        cmocka_unit_test(test_exit_moves_message),
        cmocka_unit_test(test_send_order_per_sender),
        cmocka_unit_test(test_idle_isolates_hold_no_thread),
        cmocka_unit_test(test_dedicated_threads_are_reaped),
        cmocka_unit_test(test_misuse_aborts_with_message),
        cmocka_unit_test(test_leave_returns_when_out_of_memory),
        cmocka_unit_test(test_on_exit_arrives_when_exit_is_out_of_memory),
        cmocka_unit_test(test_spawn_out_of_memory_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
