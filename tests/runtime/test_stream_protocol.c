/* test_stream_protocol.c: the stream protocol, ported from the Dart SDK.
 *
 * A C counterpart of tests/lib/async/stream_state_helper.dart's
 * StreamProtocolTest: a test lists the events it expects (controller hooks
 * and subscription events, in order), each with an optional action run when
 * it matches, then drives the controller. Any event out of order is a
 * failure; the test ends when an action calls terminate with every
 * expectation met.
 */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

static rt_virtual_clock vclock;

typedef struct proto proto;
typedef void (*action_fn)(proto *t);

enum { X_DATA, X_ERROR, X_DONE, X_PAUSE, X_RESUME, X_LISTEN, X_CANCEL };
static const char *const kind_names[] = {"data",   "error",  "done",  "pause",
                                         "resume", "listen", "cancel"};

typedef struct expect {
    int kind;
    int sub; /* -1: any subscription */
    int64_t data;
    action_fn action;
} expect;

struct proto {
    rt_stream_controller *c;
    expect ex[32];
    int n, next;
    char fail[256];
    bool terminated;
    rt_subscription *subs[8];
    int nsubs, latest;
    rt_completer *comp, *comp2;
};

static proto T;

static void mismatch(proto *t, const char *what)
{
    if (t->fail[0]) return;
    if (t->next < t->n)
        snprintf(t->fail, sizeof t->fail, "expected %s #%d, found %s",
                 kind_names[t->ex[t->next].kind], t->next, what);
    else
        snprintf(t->fail, sizeof t->fail, "no event expected, found %s", what);
}

static void happened(proto *t, int kind, int sub, int64_t data)
{
    char what[64];
    snprintf(what, sizeof what, "%s (sub %d, %lld)", kind_names[kind], sub, (long long)data);
    if (t->terminated || t->next >= t->n) {
        mismatch(t, what);
        return;
    }
    expect *e = &t->ex[t->next];
    bool ok =
        e->kind == kind && (e->sub < 0 || e->sub == sub) && (kind != X_DATA || e->data == data);
    if (!ok) {
        mismatch(t, what);
        t->next = t->n; /* nothing after a mismatch matches */
        return;
    }
    t->next++;
    if (e->action) e->action(t);
}

static void expect_ev(proto *t, int kind, int sub, int64_t data, action_fn action)
{
    assert_true(t->n < 32);
    t->ex[t->n++] = (expect){kind, sub, data, action};
}

static void terminate(proto *t)
{
    if (t->next != t->n) mismatch(t, "early termination");
    t->terminated = true;
}

/* ---- hooks and handlers ---- */

static void h_listen(rt_stream_controller *c, void *ctx)
{
    (void)c;
    happened(ctx, X_LISTEN, -1, 0);
}
static void h_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    happened(ctx, X_PAUSE, -1, 0);
}
static void h_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    happened(ctx, X_RESUME, -1, 0);
}
static rt_future *h_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    happened(ctx, X_CANCEL, -1, 0);
    return NULL;
}

static int sub_id(rt_subscription *sub)
{
    for (int i = 0; i < T.nsubs; i++)
        if (T.subs[i] == sub) return i;
    return -1;
}

static void s_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)ctx;
    happened(&T, X_DATA, sub_id(sub), rt_value_as_int(v));
}
static void s_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)ctx;
    happened(&T, X_ERROR, sub_id(sub), e->code);
}
static void s_done(rt_subscription *sub, void *ctx)
{
    (void)ctx;
    happened(&T, X_DONE, sub_id(sub), 0);
}

static void proto_start(bool broadcast, bool sync)
{
    memset(&T, 0, sizeof T);
    ts_main_enter_virtual(&vclock);
    rt_stream_options o = {.broadcast = broadcast,
                           .sync = sync,
                           .on_listen = h_listen,
                           .on_cancel = h_cancel,
                           .ctx = &T};
    if (!broadcast) o.on_pause = h_pause, o.on_resume = h_resume;
    T.c = rt_stream_controller_new(&o);
    T.comp = rt_completer_new(false);
    T.comp2 = rt_completer_new(false);
}

/* Runs the loop to idle, then checks the test terminated cleanly. */
static void proto_finish(void)
{
    ts_run_main();
    if (!T.fail[0] && !T.terminated) snprintf(T.fail, sizeof T.fail, "never terminated");
    assert_string_equal(T.fail, "");
    rt_completer_release(T.comp);
    rt_completer_release(T.comp2);
    rt_stream_release(T.c);
    ts_main_leave();
}

static int t_listen(proto *t)
{
    rt_stream_handlers h = {s_data, s_error, s_done, NULL, false};
    /* The id is known before listen returns: a sync hook may fire inside. */
    int id = t->nsubs++;
    t->latest = id;
    t->subs[id] = rt_stream_listen(t->c, &h);
    return id;
}

static void t_add(proto *t, int64_t v)
{
    assert_int_equal(rt_stream_add(t->c, rt_value_int(v)), 0);
}

static void t_close(proto *t)
{
    rt_future_release(rt_stream_close(t->c));
}

static void t_cancel_sub(proto *t, int id)
{
    rt_future_release(rt_subscription_cancel(t->subs[id]));
    t->subs[id] = NULL;
}

/* ---- Dart SDK: tests/lib/async/stream_controller_async_test.dart, testPause ---- */

/* Every testPause case expects: listen, data 42 (whose action pauses),
 * pause (whose action arranges the resume), data 43, data 44, cancel,
 * done. With add_rest the test itself adds 43, 44 and closes up front. */
static void run_pause_case(action_fn on_42, action_fn on_pause, bool add_rest)
{
    proto_start(false, false);
    expect_ev(&T, X_LISTEN, -1, 0, NULL);
    expect_ev(&T, X_DATA, -1, 42, on_42);
    expect_ev(&T, X_PAUSE, -1, 0, on_pause);
    expect_ev(&T, X_DATA, -1, 43, NULL);
    expect_ev(&T, X_DATA, -1, 44, NULL);
    expect_ev(&T, X_CANCEL, -1, 0, NULL);
    expect_ev(&T, X_DONE, -1, 0, terminate);
    t_listen(&T);
    t_add(&T, 42);
    if (add_rest) {
        t_add(&T, 43);
        t_add(&T, 44);
        t_close(&T);
    }
    proto_finish();
}

/* "pause event-unpause" */
static void pe_on_42(proto *t)
{
    rt_subscription_pause_until(t->subs[t->latest], rt_completer_future(t->comp));
}
static void pe_on_pause(proto *t)
{
    rt_completer_complete(t->comp, NULL);
}
static void test_pause_event_unpause(void **state)
{
    (void)state;
    run_pause_case(pe_on_42, pe_on_pause, true);
}

/* "pause twice event-unpause" */
static void pte_on_42(proto *t)
{
    rt_subscription_pause_until(t->subs[t->latest], rt_completer_future(t->comp));
    rt_subscription_pause_until(t->subs[t->latest], rt_completer_future(t->comp2));
}
static void complete_comp2(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    rt_completer_complete(((proto *)ctx)->comp2, NULL);
}
static void pte_on_pause(proto *t)
{
    rt_future_release(rt_future_then(rt_completer_future(t->comp), complete_comp2, NULL, t));
    rt_completer_complete(t->comp, NULL);
}
static void test_pause_twice_event_unpause(void **state)
{
    (void)state;
    run_pause_case(pte_on_42, pte_on_pause, true);
}

/* "pause twice direct-unpause": pause, pause inside the handler: one
 * on_pause after it returns; two resumes inside on_pause: input resumes
 * only once the buffered events drained, and no resume hook runs before
 * the done event (Dart's expectations have none). */
static void ptd_on_42(proto *t)
{
    rt_subscription_pause(t->subs[t->latest]);
    rt_subscription_pause(t->subs[t->latest]);
}
static void ptd_on_pause(proto *t)
{
    rt_subscription_resume(t->subs[t->latest]);
    rt_subscription_resume(t->subs[t->latest]);
}
static void test_pause_twice_direct_unpause(void **state)
{
    (void)state;
    run_pause_case(ptd_on_42, ptd_on_pause, true);
}

/* "pause twice direct-event-unpause" */
static void ptde_on_42(proto *t)
{
    rt_subscription_pause(t->subs[t->latest]);
    rt_subscription_pause_until(t->subs[t->latest], rt_completer_future(t->comp));
    t_add(t, 43);
    t_add(t, 44);
    t_close(t);
}
static void resume_latest(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    proto *t = ctx;
    rt_subscription_resume(t->subs[t->latest]);
}
static void ptde_on_pause(proto *t)
{
    rt_future_release(rt_future_then(rt_completer_future(t->comp), resume_latest, NULL, t));
    rt_completer_complete(t->comp, NULL);
}
static void test_pause_twice_direct_event_unpause(void **state)
{
    (void)state;
    run_pause_case(ptde_on_42, ptde_on_pause, false);
}

/* ---- Dart SDK: stream_controller_async_test.dart, testBroadcastController ---- */

/* "broadcast-controller-basic" */
static void test_broadcast_controller_basic(void **state)
{
    (void)state;
    proto_start(true, false);
    expect_ev(&T, X_LISTEN, -1, 0, NULL);
    expect_ev(&T, X_DATA, -1, 42, NULL);
    expect_ev(&T, X_CANCEL, -1, 0, NULL);
    expect_ev(&T, X_DONE, -1, 0, terminate);
    t_listen(&T);
    t_add(&T, 42);
    t_close(&T);
    proto_finish();
}

/* "broadcast-controller-listen-twice" */
static void blt_on_42(proto *t)
{
    t_listen(t);
    t_add(t, 37);
    t_close(t);
}
static void test_broadcast_controller_listen_twice(void **state)
{
    (void)state;
    proto_start(true, false);
    expect_ev(&T, X_LISTEN, -1, 0, NULL);
    expect_ev(&T, X_DATA, -1, 42, blt_on_42);
    expect_ev(&T, X_DATA, -1, 37, NULL);
    expect_ev(&T, X_DATA, -1, 37, NULL);
    expect_ev(&T, X_DONE, -1, 0, NULL);
    expect_ev(&T, X_CANCEL, -1, 0, NULL);
    expect_ev(&T, X_DONE, -1, 0, terminate);
    t_listen(&T);
    t_add(&T, 42);
    proto_finish();
}

/* "broadcast-controller-listen-twice-non-overlap" */
static void bno_add_42(proto *t)
{
    t_add(t, 42);
}
static void bno_cancel(proto *t)
{
    t_cancel_sub(t, t->latest);
}
static void bno_listen(proto *t)
{
    t_listen(t);
}
static void bno_add_37(proto *t)
{
    t_add(t, 37);
}
static void bno_close(proto *t)
{
    t_close(t);
}
static void test_broadcast_controller_listen_twice_non_overlap(void **state)
{
    (void)state;
    proto_start(true, false);
    expect_ev(&T, X_LISTEN, -1, 0, bno_add_42);
    expect_ev(&T, X_DATA, -1, 42, bno_cancel);
    expect_ev(&T, X_CANCEL, -1, 0, bno_listen);
    expect_ev(&T, X_LISTEN, -1, 0, bno_add_37);
    expect_ev(&T, X_DATA, -1, 37, bno_close);
    expect_ev(&T, X_CANCEL, -1, 0, NULL);
    expect_ev(&T, X_DONE, -1, 0, terminate);
    t_listen(&T);
    proto_finish();
}

/* "broadcast-controller-individual-pause" */
static void bip_pause_sub1(proto *t)
{
    rt_subscription_pause(t->subs[0]);
}
static void bip_on_43(proto *t)
{
    t_cancel_sub(t, 0);
    t_listen(t);
    t_add(t, 44);
    expect_ev(t, X_DATA, -1, 44, NULL);
    expect_ev(t, X_DATA, -1, 44, terminate);
}
static void test_broadcast_controller_individual_pause(void **state)
{
    (void)state;
    proto_start(true, false);
    expect_ev(&T, X_LISTEN, -1, 0, NULL);
    expect_ev(&T, X_DATA, -1, 42, NULL);
    expect_ev(&T, X_DATA, -1, 42, bip_pause_sub1);
    expect_ev(&T, X_DATA, -1, 43, bip_on_43);
    t_listen(&T);
    t_listen(&T);
    t_add(&T, 42);
    t_add(&T, 43);
    proto_finish();
    /* the controller is still open: sub 1 and sub 2 are left listening */
}

/* "broadcast-controller-add-in-callback" */
static void bac_on_42(proto *t)
{
    t_add(t, 87);
    t_cancel_sub(t, 0);
}
static void bac_on_cancel(proto *t)
{
    t_add(t, 37);
    terminate(t);
}
static void test_broadcast_controller_add_in_callback(void **state)
{
    (void)state;
    proto_start(true, false);
    expect_ev(&T, X_LISTEN, -1, 0, NULL);
    int sub = t_listen(&T);
    t_add(&T, 42);
    expect_ev(&T, X_DATA, sub, 42, bac_on_42);
    expect_ev(&T, X_CANCEL, -1, 0, bac_on_cancel);
    proto_finish();
}

/* ---- Dart SDK: stream_controller_async_test.dart, testSink ---- */

typedef struct sink_case {
    bool sync, broadcast;
    char log[256];
    rt_stream_controller *c;
    rt_subscription *sub;
    bool cancel_at_3, pause_at_3, finished;
} sink_case;

static void sk_log(sink_case *k, const char *fmt, int64_t v)
{
    size_t n = strlen(k->log);
    snprintf(k->log + n, sizeof k->log - n, n ? ", " : "");
    n = strlen(k->log);
    snprintf(k->log + n, sizeof k->log - n, fmt, (long long)v);
}

static void sk_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    sink_case *k = ctx;
    int64_t i = rt_value_as_int(v);
    if (i == 3 && k->cancel_at_3) rt_future_release(rt_subscription_cancel(sub));
    if (i == 3 && k->pause_at_3)
        rt_subscription_pause_until(sub, rt_future_delayed(RT_MS(15), NULL, NULL));
    sk_log(k, "%lld", i);
}
static void sk_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    sk_log(ctx, "error %lld", e->code);
}
static void sk_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    sk_log(ctx, "done", 0);
}

static rt_stream *ints_1_to_5(void)
{
    rt_stream_controller *src = rt_stream_controller_new(NULL);
    for (int i = 1; i <= 5; i++)
        rt_stream_add(src, rt_value_int(i));
    rt_future_release(rt_stream_close(src));
    return src;
}

static void sk_closed(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    ((sink_case *)ctx)->finished = true;
}

static void sk_added(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    sink_case *k = ctx;
    rt_event_sink *sink = rt_stream_controller_sink(k->c);
    if (k->cancel_at_3) {
        rt_future *done = rt_stream_done(k->c);
        rt_future_release(rt_sink_close(sink));
        rt_future_release(rt_future_then(done, sk_closed, NULL, k));
        return;
    }
    rt_sink_add(sink, rt_value_int(43));
    rt_future_release(rt_future_then(rt_sink_close(sink), sk_closed, NULL, k));
}

static void run_sink_case(sink_case *k, const char *expected)
{
    ts_main_enter_virtual(&vclock);
    k->c =
        rt_stream_controller_new(&(rt_stream_options){.sync = k->sync, .broadcast = k->broadcast});
    k->sub = rt_stream_listen(k->c, &(rt_stream_handlers){sk_data, sk_error, sk_done, k, false});
    rt_event_sink *sink = rt_stream_controller_sink(k->c);
    rt_sink_add(sink, rt_value_int(42));
    rt_sink_add_error(sink, &(rt_error){RT_EUSER - 7, "test", "error"});
    rt_future *added = rt_stream_add_stream(k->c, ints_1_to_5(), false);
    rt_future_release(rt_future_then(added, sk_added, NULL, k));
    ts_run_main();
    assert_true(k->finished);
    assert_string_equal(k->log, expected);
    rt_stream_release(k->c);
    ts_main_leave();
}

/* "$type-controller-sink" for sync/async x single/broadcast */
static void test_controller_sink(void **state)
{
    (void)state;
    for (int m = 0; m < 4; m++) {
        sink_case k = {.sync = m & 1, .broadcast = m & 2};
        run_sink_case(&k, "42, error -107, 1, 2, 3, 4, 5, 43, done");
    }
}

/* "$type-controller-sink-canceled" */
static void test_controller_sink_canceled(void **state)
{
    (void)state;
    for (int m = 0; m < 4; m++) {
        sink_case k = {.sync = m & 1, .broadcast = m & 2, .cancel_at_3 = true};
        run_sink_case(&k, "42, error -107, 1, 2, 3");
    }
}

/* "$type-controller-sink-paused" (single-subscription: the sink's close
 * completes after the done event was delivered) */
static void test_controller_sink_paused(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        sink_case k = {.sync = m & 1, .pause_at_3 = true};
        run_sink_case(&k, "42, error -107, 1, 2, 3, 4, 5, 43, done");
    }
}

/* "$type-controller-addstream-error-forward": with cancel_on_error false
 * every data and error event of the source reaches the controller. */
static void test_controller_addstream_error_forward(void **state)
{
    (void)state;
    for (int m = 0; m < 4; m++) {
        ts_main_enter_virtual(&vclock);
        sink_case k = {.sync = m & 1, .broadcast = m & 2};
        k.c = rt_stream_controller_new(
            &(rt_stream_options){.sync = k.sync, .broadcast = k.broadcast});
        rt_stream_listen(k.c, &(rt_stream_handlers){sk_data, sk_error, sk_done, &k, false});
        rt_stream_controller *src = rt_stream_controller_new(NULL);
        rt_future *added = rt_stream_add_stream(k.c, rt_stream_controller_stream(src), false);
        rt_stream_add(src, rt_value_int(1));
        rt_stream_add(src, rt_value_int(2));
        rt_stream_add_error(src, RT_EUSER - 1, "test", "BAD");
        rt_stream_add(src, rt_value_int(3));
        rt_stream_add_error(src, RT_EUSER - 2, "test", "FAIL");
        rt_future_release(rt_stream_close(src));
        ts_run_main();
        assert_true(rt_future_is_complete(added) && !rt_future_is_error(added));
        rt_future *closed = rt_stream_close(k.c);
        ts_run_main();
        assert_true(rt_future_is_complete(closed));
        assert_string_equal(k.log, "1, 2, error -101, 3, error -102, done");
        rt_future_release(added);
        rt_future_release(closed);
        rt_stream_release(src);
        rt_stream_release(k.c);
        ts_main_leave();
    }
}

/* Misuse while adding a stream (Dart throws a StateError). */
static void child_add_while_adding(void)
{
    rt_main_enter(NULL);
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_future_release(rt_stream_add_stream(c, rt_stream_controller_stream(c), false));
    rt_stream_add(c, NULL);
}

static void test_add_while_adding_stream_is_misuse(void **state)
{
    (void)state;
    ts_expect_check_abort("add-while-adding",
                          "cannot add an event while rt_stream_add_stream runs");
}

/* ---- Dart SDK: tests/lib/async/stream_controller_test.dart ---- */

static int async_ends;
static rt_future *cancel_throws(rt_stream_controller *c, void *ctx)
{
    (void)c;
    async_ends++;
    return rt_future_error(RT_EUSER - 1, "test", "%s", ctx ? (const char *)ctx : "ERROR");
}

static void expect_error_msg(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    assert_true(rt_future_is_error(src));
    assert_string_equal(rt_future_get_error(src)->message, ctx);
    async_ends++;
}

static void must_not_fail(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    assert_false(rt_future_is_error(src));
    async_ends++;
}

static void cancel_in_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    assert_int_equal(rt_value_as_int(v), 1);
    rt_future *f = rt_subscription_cancel(sub);
    rt_future_release(rt_future_then(f, NULL, expect_error_msg, ctx));
}

/* testCancelThrow: the cancel future fails with on_cancel's error; the
 * done future completes without it. */
static void test_cancel_throw(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    async_ends = 0;
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = cancel_throws});
    for (int i = 1; i <= 3; i++)
        rt_stream_add(c, rt_value_int(i));
    rt_future *done = rt_stream_close(c);
    rt_stream_listen(c, &(rt_stream_handlers){.on_data = cancel_in_data, .ctx = "ERROR"});
    rt_future_release(rt_future_then(done, must_not_fail, must_not_fail, NULL));
    ts_run_main();
    assert_int_equal(async_ends, 3);
    rt_stream_release(c);
    ts_main_leave();
}

/* testCancelThrow2: an error from the added stream's on_cancel goes only to
 * the cancel future; add_stream's and the controller's done do not fail. */
static void test_cancel_throw2(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    async_ends = 0;
    rt_stream_controller *c2 =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = cancel_throws});
    rt_stream_add(c2, rt_value_int(1));
    rt_stream_add(c2, rt_value_int(2));
    rt_future *done2 = rt_stream_close(c2);
    rt_future_release(rt_future_then(done2, must_not_fail, must_not_fail, NULL));
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream_listen(c, &(rt_stream_handlers){.on_data = cancel_in_data, .ctx = "ERROR"});
    rt_future *add_done = rt_stream_add_stream(c, rt_stream_controller_stream(c2), false);
    rt_future_release(rt_future_then(add_done, must_not_fail, must_not_fail, NULL));
    rt_future_release(rt_future_then(rt_stream_done(c), must_not_fail, must_not_fail, NULL));
    ts_run_main();
    assert_int_equal(async_ends, 5);
    rt_stream_release(c2);
    rt_stream_release(c);
    ts_main_leave();
}

/* testCancelThrow3: both on_cancel hooks fail; only the last error (the
 * outer controller's) reaches the cancel future. */
static void test_cancel_throw3(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    async_ends = 0;
    rt_stream_controller *c2 =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = cancel_throws, .ctx = "ERROR2"});
    rt_stream_add(c2, rt_value_int(1));
    rt_stream_add(c2, rt_value_int(2));
    rt_future_release(rt_future_then(rt_stream_close(c2), must_not_fail, must_not_fail, NULL));
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = cancel_throws, .ctx = "ERROR1"});
    rt_stream_listen(c, &(rt_stream_handlers){.on_data = cancel_in_data, .ctx = "ERROR1"});
    rt_future *add_done = rt_stream_add_stream(c, rt_stream_controller_stream(c2), false);
    rt_future_release(rt_future_then(add_done, must_not_fail, must_not_fail, NULL));
    rt_future_release(rt_future_then(rt_stream_done(c), must_not_fail, must_not_fail, NULL));
    ts_run_main();
    assert_int_equal(async_ends, 6);
    rt_stream_release(c2);
    rt_stream_release(c);
    ts_main_leave();
}

/* ---- Dart SDK: tests/lib/async/stream_subscription_cancel_test.dart ---- */

static rt_completer *cancel_gate;
static bool gate_done;

static rt_future *cancel_waits_gate(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    return rt_completer_future(cancel_gate);
}

static void open_gate(rt_timer *timer, void *ctx)
{
    (void)timer;
    (void)ctx;
    gate_done = true;
    rt_completer_complete(cancel_gate, NULL);
}

static void check_gate_done(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    assert_true(gate_done); /* the cancel waited for on_cancel's future */
    (*(int *)ctx)++;
}

typedef rt_stream *(*wrap_fn)(rt_stream *s);
static rt_stream *wrap_none(rt_stream *s)
{
    return s;
}
static rt_value *map_id(const rt_value *v, void *ctx)
{
    (void)ctx;
    return rt_value_copy(v, NULL);
}
static bool where_all(const rt_value *v, void *ctx)
{
    (void)v;
    (void)ctx;
    return true;
}
static rt_value *handle_id(const rt_error *e, void *ctx)
{
    (void)e;
    (void)ctx;
    return NULL;
}
static rt_stream *wrap_map(rt_stream *s)
{
    return rt_stream_map(s, map_id, NULL);
}
static rt_stream *wrap_where(rt_stream *s)
{
    return rt_stream_where(s, where_all, NULL);
}
static rt_stream *wrap_skip(rt_stream *s)
{
    return rt_stream_skip(s, 1);
}
static rt_stream *wrap_take(rt_stream *s)
{
    return rt_stream_take(s, 1);
}

/* 'subscription.cancel' and 'subscription.cancel through map/where/skip/
 * take/handleError': the cancel future completes only after on_cancel's
 * future, which a timer completes. */
static void test_cancel_waits_for_on_cancel(void **state)
{
    (void)state;
    wrap_fn wraps[] = {wrap_none, wrap_map, wrap_where, wrap_skip, wrap_take, NULL};
    for (int w = 0; w <= 5; w++) {
        ts_main_enter_virtual(&vclock);
        cancel_gate = rt_completer_new(false);
        gate_done = false;
        int completed = 0;
        rt_stream_controller *c =
            rt_stream_controller_new(&(rt_stream_options){.on_cancel = cancel_waits_gate});
        rt_stream *s = rt_stream_controller_stream(c);
        s = w < 5 ? wraps[w](s) : rt_stream_handle_error(s, handle_id, NULL, NULL);
        rt_subscription *sub = rt_stream_listen(s, NULL);
        rt_future *f = rt_subscription_cancel(sub);
        rt_future_release(rt_future_then(f, check_gate_done, NULL, &completed));
        assert_int_equal(rt_timer_start(NULL, 0, 0, open_gate, NULL, NULL), 0);
        ts_run_main();
        assert_int_equal(completed, 1);
        rt_completer_release(cancel_gate);
        rt_stream_release(s);
        rt_stream_release(c);
        ts_main_leave();
    }
}

/* 'subscription.cancel after close': cancel from on_done completes. */
static rt_completer *after_close;
static rt_future *complete_after_close(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    rt_completer_complete(after_close, NULL);
    return rt_completer_future(after_close);
}
static void count_done(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    (*(int *)ctx)++;
}
static int after_close_done;
static void cancel_on_done(rt_subscription *sub, void *ctx)
{
    (void)ctx;
    rt_future_release(
        rt_future_then(rt_subscription_cancel(sub), count_done, NULL, &after_close_done));
}
static void test_cancel_after_close(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    after_close = rt_completer_new(false);
    after_close_done = 0;
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = complete_after_close});
    rt_future_release(rt_stream_close(c));
    rt_stream_listen(c, &(rt_stream_handlers){.on_done = cancel_on_done});
    ts_run_main();
    assert_true(rt_completer_is_completed(after_close));
    assert_int_equal(after_close_done, 1);
    rt_completer_release(after_close);
    rt_stream_release(c);
    ts_main_leave();
}

/* 'subscription.cancel after error': cancel from on_error waits for the
 * gate, completed after the cancel call in the same handler. */
static int after_error_done;
static void cancel_then_open(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)e;
    (void)ctx;
    rt_future_release(
        rt_future_then(rt_subscription_cancel(sub), check_gate_done, NULL, &after_error_done));
    gate_done = true;
    rt_completer_complete(cancel_gate, NULL);
}
static void test_cancel_after_error(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    cancel_gate = rt_completer_new(false);
    gate_done = false;
    after_error_done = 0;
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = cancel_waits_gate});
    rt_stream_add_error(c, RT_EUSER, "test", "error");
    rt_stream_listen(c, &(rt_stream_handlers){.on_error = cancel_then_open});
    ts_run_main();
    assert_int_equal(after_error_done, 1);
    rt_completer_release(cancel_gate);
    rt_stream_release(c);
    ts_main_leave();
}

/* ---- Dart's _BufferingStreamSubscription details ---- */

/* Pause and resume inside one handler: input never paused, no hooks. */
static void pause_resume_in_handler(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)v;
    (void)ctx;
    rt_subscription_pause(sub);
    rt_subscription_resume(sub);
    rt_subscription_pause(sub);
    rt_subscription_resume(sub);
    ts_log("data");
}
static void log_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    ts_log("on_pause");
}
static void log_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    ts_log("on_resume");
}
static void test_pause_resume_inside_handler_runs_no_hook(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    rt_stream_controller *c = rt_stream_controller_new(
        &(rt_stream_options){.on_pause = log_pause, .on_resume = log_resume});
    rt_stream_listen(c, &(rt_stream_handlers){.on_data = pause_resume_in_handler});
    rt_stream_add(c, rt_value_int(1));
    ts_run_main();
    assert_string_equal(ts_log_text(), "data");
    assert_false(rt_stream_is_paused(c));
    rt_stream_release(c);
    ts_main_leave();
}

/* is_paused follows the input: true before a listener, while paused and
 * until the buffer drained, false once cancelled; broadcast controllers
 * never report paused (Dart's StreamController.isPaused). */
static void test_is_paused_follows_input(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    assert_true(rt_stream_is_paused(c));
    rt_subscription *sub = rt_stream_listen(c, NULL);
    assert_false(rt_stream_is_paused(c));
    rt_subscription_pause(sub);
    rt_stream_add(c, rt_value_int(1));
    assert_true(rt_stream_is_paused(c));
    rt_subscription_resume(sub);
    assert_true(rt_stream_is_paused(c)); /* one event still buffered */
    ts_run_main();
    assert_false(rt_stream_is_paused(c));
    rt_future_release(rt_subscription_cancel(sub));
    assert_false(rt_stream_is_paused(c)); /* Dart: !_isCanceled */
    rt_stream_controller *b = rt_stream_controller_new(&(rt_stream_options){.broadcast = true});
    assert_false(rt_stream_is_paused(b));
    rt_stream_release(b);
    rt_stream_release(c);
    ts_main_leave();
}

/* as_future: the done value, or the first error after cancelling. */
static void test_as_future(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_future *f = rt_subscription_as_future(rt_stream_listen(c, NULL), rt_value_int(7));
    rt_stream_add(c, rt_value_int(1));
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 7);
    rt_future_release(f);
    rt_stream_release(c);

    c = rt_stream_controller_new(NULL);
    f = rt_subscription_as_future(rt_stream_listen(c, NULL), NULL);
    rt_stream_add_error(c, RT_EUSER - 3, "test", "bad");
    rt_stream_add(c, rt_value_int(1));
    ts_run_main();
    assert_true(rt_future_is_error(f));
    assert_int_equal(rt_future_get_error(f)->code, RT_EUSER - 3);
    assert_false(rt_stream_has_listener(c)); /* cancelled */
    rt_future_release(f);
    rt_stream_release(c);
    ts_main_leave();
}

/* Dart's _sendDone / _sendError with cancelOnError: the handler runs only
 * after on_cancel's future completed. */
static void log_done_ev(rt_subscription *sub, void *ctx)
{
    (void)sub;
    (void)ctx;
    ts_log("on_done");
}
static void log_error_ev(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    (void)ctx;
    ts_log("on_error %s", e->message);
}
static rt_future *log_cancel_gate(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    ts_log("on_cancel");
    return rt_completer_future(cancel_gate);
}
static void open_gate_logged(rt_timer *timer, void *ctx)
{
    (void)timer;
    (void)ctx;
    ts_log("gate opens");
    rt_completer_complete(cancel_gate, NULL);
}
static void test_done_and_cancel_on_error_wait_for_on_cancel(void **state)
{
    (void)state;
    for (int with_error = 0; with_error < 2; with_error++) {
        ts_main_enter_virtual(&vclock);
        cancel_gate = rt_completer_new(false);
        rt_stream_controller *c =
            rt_stream_controller_new(&(rt_stream_options){.on_cancel = log_cancel_gate});
        rt_stream_listen(c, &(rt_stream_handlers){.on_error = log_error_ev,
                                                  .on_done = log_done_ev,
                                                  .cancel_on_error = true});
        if (with_error)
            rt_stream_add_error(c, RT_EUSER, "test", "boom");
        else
            rt_future_release(rt_stream_close(c));
        assert_int_equal(rt_timer_start(NULL, RT_MS(5), 0, open_gate_logged, NULL, NULL), 0);
        ts_run_main();
        assert_string_equal(ts_log_text(), with_error ? "on_cancel, gate opens, on_error boom"
                                                      : "on_cancel, gate opens, on_done");
        rt_completer_release(cancel_gate);
        rt_stream_release(c);
        ts_main_leave();
    }
}

/* Handlers replaced while firing take effect for the next event. */
static void second_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    (void)ctx;
    ts_log("second %lld", (long long)rt_value_as_int(v));
}
static void first_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)ctx;
    ts_log("first %lld", (long long)rt_value_as_int(v));
    rt_subscription_on_data(sub, second_data);
    rt_subscription_on_done(sub, log_done_ev);
}
static void test_replace_handlers_while_firing(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    rt_stream_controller *c = rt_stream_controller_new(&(rt_stream_options){.sync = true});
    rt_stream_listen(c, &(rt_stream_handlers){.on_data = first_data});
    rt_stream_add(c, rt_value_int(1));
    rt_stream_add(c, rt_value_int(2));
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_string_equal(ts_log_text(), "first 1, second 2, on_done");
    rt_stream_release(c);
    ts_main_leave();
}

/* Dart's _ForwardingStream: a transform of a broadcast stream keeps its
 * state per listener (B, coming later, skips its own first event), while
 * a shared transform (as_broadcast) is one subscription for all. */
static void who_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    ts_log("%s %lld", (const char *)ctx, (long long)rt_value_as_int(v));
}
static void test_broadcast_transform_state_per_listener(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.broadcast = true, .sync = true});
    rt_stream *s = rt_stream_skip(rt_stream_controller_stream(c), 1);
    assert_true(rt_stream_is_broadcast(s));
    rt_subscription *a =
        rt_stream_listen(s, &(rt_stream_handlers){.on_data = who_data, .ctx = "A"});
    rt_stream_add(c, rt_value_int(1));
    rt_stream_add(c, rt_value_int(2));
    rt_subscription *b =
        rt_stream_listen(s, &(rt_stream_handlers){.on_data = who_data, .ctx = "B"});
    rt_stream_add(c, rt_value_int(3));
    rt_stream_add(c, rt_value_int(4));
    ts_run_main();
    assert_string_equal(ts_log_text(), "A 2, A 3, A 4, B 4");
    rt_future_release(rt_subscription_cancel(a));
    rt_future_release(rt_subscription_cancel(b));
    assert_false(rt_stream_has_listener(c)); /* each listener had its own subscription */
    rt_stream_release(s);
    rt_stream_release(c);
    ts_main_leave();
}

static const ts_child_case cases[] = {
    {"add-while-adding", child_add_while_adding},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pause_event_unpause),
        cmocka_unit_test(test_pause_twice_event_unpause),
        cmocka_unit_test(test_pause_twice_direct_unpause),
        cmocka_unit_test(test_pause_twice_direct_event_unpause),
        cmocka_unit_test(test_broadcast_controller_basic),
        cmocka_unit_test(test_broadcast_controller_listen_twice),
        cmocka_unit_test(test_broadcast_controller_listen_twice_non_overlap),
        cmocka_unit_test(test_broadcast_controller_individual_pause),
        cmocka_unit_test(test_broadcast_controller_add_in_callback),
        cmocka_unit_test(test_controller_sink),
        cmocka_unit_test(test_controller_sink_canceled),
        cmocka_unit_test(test_controller_sink_paused),
        cmocka_unit_test(test_controller_addstream_error_forward),
        cmocka_unit_test(test_add_while_adding_stream_is_misuse),
        cmocka_unit_test(test_cancel_throw),
        cmocka_unit_test(test_cancel_throw2),
        cmocka_unit_test(test_cancel_throw3),
        cmocka_unit_test(test_cancel_waits_for_on_cancel),
        cmocka_unit_test(test_cancel_after_close),
        cmocka_unit_test(test_cancel_after_error),
        cmocka_unit_test(test_pause_resume_inside_handler_runs_no_hook),
        cmocka_unit_test(test_is_paused_follows_input),
        cmocka_unit_test(test_as_future),
        cmocka_unit_test(test_done_and_cancel_on_error_wait_for_on_cancel),
        cmocka_unit_test(test_replace_handlers_while_firing),
        cmocka_unit_test(test_broadcast_transform_state_per_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
