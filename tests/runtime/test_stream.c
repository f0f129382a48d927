/* test_stream.c: controllers, subscriptions, delivery order, transforms. */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static rt_virtual_clock vclock;

static void enter(void)
{
    ts_main_enter_virtual(&vclock);
}

static void log_task(void *ctx)
{
    ts_log("%s", (const char *)ctx);
}

static void on_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    const char *who = ctx ? ctx : "data";
    if (rt_value_kind_of(v) == RT_INT)
        ts_log("%s %lld", who, (long long)rt_value_as_int(v));
    else
        ts_log("%s <%s>", who, rt_value_kind_name(rt_value_kind_of(v)));
}

static void on_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    (void)ctx;
    ts_log("error %s", e->message);
}

static void on_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    ts_log("%s done", ctx ? (const char *)ctx : "stream");
}

static const rt_stream_handlers logging = {on_data, on_error, on_done, NULL, false};

static rt_subscription *listen_logging(rt_stream *s, const char *who)
{
    rt_stream_handlers h = logging;
    h.ctx = (void *)who;
    return rt_stream_listen(s, &h);
}

static void add_int(rt_stream_controller *c, int64_t i)
{
    assert_int_equal(rt_stream_add(c, rt_value_int(i)), 0);
}

/* Two adds, a microtask and a close: data 1, micro, data 2, done. */
static void test_async_delivery_one_event_per_microtask(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_subscription *sub = rt_stream_listen(c, &logging);
    assert_non_null(sub);
    add_int(c, 1);
    add_int(c, 2);
    rt_schedule_microtask(log_task, "micro");
    rt_future *done = rt_stream_close(c);
    ts_log("main");
    ts_run_main();
    assert_string_equal(ts_log_text(), "main, data 1, micro, data 2, stream done");
    assert_true(rt_future_is_complete(done));
    rt_future_release(done);
    rt_stream_release(c);
    ts_main_leave();
}

static void test_sync_controller_delivers_inside_add(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(&(rt_stream_options){.sync = true});
    rt_stream_listen(c, &logging);
    ts_log("before");
    add_int(c, 1);
    ts_log("after");
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_string_equal(ts_log_text(), "before, data 1, after, stream done");
    rt_stream_release(c);
    ts_main_leave();
}

static void hook(rt_stream_controller *c, void *ctx)
{
    (void)c;
    ts_log("%s", (const char *)ctx);
}

static void hook_listen(rt_stream_controller *c, void *ctx)
{
    (void)ctx;
    hook(c, "on_listen");
}
static void hook_pause(rt_stream_controller *c, void *ctx)
{
    (void)ctx;
    hook(c, "on_pause");
}
static void hook_resume(rt_stream_controller *c, void *ctx)
{
    (void)ctx;
    hook(c, "on_resume");
}
static rt_future *hook_cancel(rt_stream_controller *c, void *ctx)
{
    (void)ctx;
    hook(c, "on_cancel");
    return NULL;
}

/* Single subscription: buffers until listened; pause buffers; hooks fire. */
static void test_single_subscription_buffers_pauses_and_hooks(void **state)
{
    (void)state;
    enter();
    rt_stream_options o = {.on_listen = hook_listen,
                           .on_pause = hook_pause,
                           .on_resume = hook_resume,
                           .on_cancel = hook_cancel};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    add_int(c, 1); /* nobody listens yet: kept */
    ts_run_main();
    rt_subscription *sub = rt_stream_listen(c, &logging);
    ts_run_main();
    rt_subscription_pause(sub);
    add_int(c, 2);
    add_int(c, 3);
    ts_run_main();
    ts_log("paused");
    rt_subscription_resume(sub);
    ts_run_main();
    rt_future_release(rt_subscription_cancel(sub));
    add_int(c, 4); /* after cancel: dropped */
    ts_run_main();
    /* Input resumes only once the buffered events have drained (Dart). */
    assert_string_equal(ts_log_text(), "on_listen, data 1, on_pause, paused, data 2, data 3, "
                                       "on_resume, on_cancel");
    rt_future_release(rt_stream_close(c));
    rt_stream_release(c);
    ts_main_leave();
}

/* A second listen on a single-subscription stream: the caller gets a
 * subscription whose only events are an RT_ESTATE error and done (Dart's
 * StateError), and the first listener is untouched. */
static void test_listen_twice_is_an_error(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream_listen(c, &logging);
    rt_subscription *second = rt_stream_listen(c, &logging);
    assert_non_null(second);
    add_int(c, 1);
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_string_equal(ts_log_text(), "error stream has already been listened to, data 1, "
                                       "stream done, stream done");
    rt_stream_release(c);
    ts_main_leave();
}

/* Broadcast: every listener gets each event; with none, events are dropped. */
static void test_broadcast(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(&(rt_stream_options){.broadcast = true});
    add_int(c, 0); /* no listener: dropped */
    rt_subscription *a = listen_logging(c, "a");
    listen_logging(c, "b");
    add_int(c, 1);
    ts_run_main();
    rt_future_release(rt_subscription_cancel(a));
    add_int(c, 2);
    rt_future *done = rt_stream_close(c);
    ts_run_main();
    assert_string_equal(ts_log_text(), "a 1, b 1, b 2, b done");
    assert_true(rt_future_is_complete(done));
    rt_future_release(done);
    rt_stream_release(c);
    ts_main_leave();
}

/* Errors: delivered to on_error; cancel_on_error stops the subscription. */
static void test_errors_and_cancel_on_error(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream_handlers h = logging;
    h.cancel_on_error = true;
    rt_stream_listen(c, &h);
    add_int(c, 1);
    rt_stream_add_error(c, RT_EUSER - 1, "test", "bad %d", 2);
    add_int(c, 3);
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_string_equal(ts_log_text(), "data 1, error bad 2");
    rt_stream_release(c);
    ts_main_leave();
}

/* ---- Transforms ---- */

static bool is_even(const rt_value *v, void *ctx)
{
    (void)ctx;
    return rt_value_as_int(v) % 2 == 0;
}

static rt_value *times_ten(const rt_value *v, void *ctx)
{
    (void)ctx;
    return rt_value_int(rt_value_as_int(v) * 10);
}

static rt_value *error_to_minus_one(const rt_error *e, void *ctx)
{
    (void)ctx;
    return e->code == RT_EUSER - 9 ? rt_value_int(-1) : NULL;
}

static void test_transforms_compose(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    s = rt_stream_where(s, is_even, NULL); /* 2 4 6 8 10 */
    s = rt_stream_map(s, times_ten, NULL); /* 20 40 60 80 100 */
    s = rt_stream_skip(s, 1);              /* 40 60 80 100 */
    s = rt_stream_take(s, 2);              /* 40 60 */
    listen_logging(s, "out");
    for (int i = 1; i <= 10; i++)
        add_int(c, i);
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_string_equal(ts_log_text(), "out 40, out 60, out done");
    rt_stream_release(s);
    rt_stream_release(c);
    ts_main_leave();
}

static void test_distinct_and_handle_error(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s =
        rt_stream_handle_error(rt_stream_distinct(rt_stream_controller_stream(c), NULL, NULL),
                               error_to_minus_one, NULL, NULL);
    listen_logging(s, "out");
    int xs[] = {1, 1, 2, 2, 2, 1};
    for (int i = 0; i < 6; i++)
        add_int(c, xs[i]);
    rt_stream_add_error(c, RT_EUSER - 9, "test", "nine");
    rt_stream_add_error(c, RT_EUSER - 8, "test", "eight (dropped)");
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_string_equal(ts_log_text(), "out 1, out 2, out 1, out -1, out done");
    rt_stream_release(s);
    rt_stream_release(c);
    ts_main_leave();
}

static void test_as_broadcast(void **state)
{
    (void)state;
    enter();
    rt_stream_options o = {.on_listen = hook_listen, .on_cancel = hook_cancel};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    rt_stream *b = rt_stream_as_broadcast(rt_stream_controller_stream(c));
    assert_true(rt_stream_is_broadcast(b));
    rt_subscription *x = listen_logging(b, "x");
    rt_subscription *y = listen_logging(b, "y");
    add_int(c, 1);
    ts_run_main();
    rt_future_release(rt_subscription_cancel(x));
    rt_future_release(rt_subscription_cancel(y)); /* the last one: source cancelled */
    ts_run_main();
    assert_string_equal(ts_log_text(), "on_listen, x 1, y 1, on_cancel");
    rt_stream_release(b);
    rt_future_release(rt_stream_close(c));
    rt_stream_release(c);
    ts_main_leave();
}

/* ---- Sources ---- */

static void periodic_test_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    (void)ctx;
    ts_log("done at %lld ms", (long long)(vclock.now / 1000000));
}

static void test_periodic_stream(void **state)
{
    (void)state;
    enter();
    rt_stream *s = rt_stream_take(rt_stream_periodic(RT_MS(10)), 3);
    rt_stream_handlers h = {on_data, NULL, periodic_test_done, "tick", false};
    rt_stream_listen(s, &h);
    ts_run_main();
    assert_string_equal(ts_log_text(), "tick 1, tick 2, tick 3, done at 30 ms");
    rt_stream_release(s);
    ts_main_leave();
}

static void sender_entry(rt_value *msg)
{
    rt_send_port *to = rt_value_as_send_port(msg);
    for (int i = 1; i <= 5; i++) {
        rt_value *v = rt_value_int(i);
        rt_port_send(to, v);
        rt_value_free(v);
    }
    rt_value_free(msg);
}

/* A receive port as a stream: take(3) cancels, which closes the port, so the
 * main loop has nothing left to wait for. */
static void test_receive_port_stream(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ts_log_reset();
    rt_receive_port *rp = rt_receive_port_open(NULL, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_stream *s = rt_stream_take(rt_receive_port_stream(rp), 3);
    listen_logging(s, "msg");
    assert_int_equal(rt_isolate_spawn(sender_entry, sp, NULL, NULL), 0);
    rt_value_free(sp);
    ts_run_main();
    assert_string_equal(ts_log_text(), "msg 1, msg 2, msg 3, msg done");
    rt_stream_release(s);
    ts_main_leave();
}

static void child_add_after_close(void)
{
    rt_main_enter(NULL);
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_future_release(rt_stream_close(c));
    rt_stream_add(c, NULL);
}

/* Dart: add after close throws a StateError; under RT_CHECKS it aborts. */
static void test_add_after_close_is_misuse(void **state)
{
    (void)state;
    ts_expect_check_abort("add-after-close", "cannot add an event after closing");
}

static const ts_child_case cases[] = {
    {"add-after-close", child_add_after_close},
    {NULL, NULL},
};

/* ---- Dart SDK: tests/lib/async/stream_subscription_cancel_test.dart ---- */

static bool cancel_called;
static int cancel_calls, errors_seen;
static rt_subscription *dart_sub;

static rt_future *count_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    cancel_called = true;
    cancel_calls++;
    return NULL;
}

static void error_sees_cancel(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    (void)e;
    (void)ctx;
    assert_true(cancel_called); /* onCancel ran first */
    errors_seen++;
}

static void error_cancels_again(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)e;
    (void)ctx;
    assert_true(cancel_called);
    rt_future_release(rt_subscription_cancel(sub)); /* already cancelled: nothing */
    errors_seen++;
}

static void error_unexpected(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    (void)e;
    (void)ctx;
    fail_msg("onError is unexpected");
}

static void done_unexpected(rt_subscription *sub, void *ctx)
{
    (void)sub;
    (void)ctx;
    fail_msg("onDone is unexpected");
}

static rt_stream_controller *cancel_counting_controller(void)
{
    cancel_called = false;
    cancel_calls = errors_seen = 0;
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = count_cancel});
    assert_non_null(c);
    return c;
}

/* 'subscription.cancel after error (cancelOnError)': with cancelOnError the
 * subscription is cancelled (onCancel runs) before onError is called. */
static void test_dart_cancel_on_error_cancels_before_on_error(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = cancel_counting_controller();
    assert_int_equal(rt_stream_add_error(c, RT_EUSER, "test", "error"), RT_OK);
    rt_stream *s = rt_stream_controller_stream(c);
    dart_sub = rt_stream_listen(
        s, &(rt_stream_handlers){.on_error = error_sees_cancel, .cancel_on_error = true});
    assert_non_null(dart_sub);
    ts_run_main();
    assert_int_equal(errors_seen, 1);
    assert_int_equal(cancel_calls, 1);
    rt_stream_release(s);
    rt_future_release(rt_stream_close(c));
    rt_stream_release((rt_stream *)c);
    ts_main_leave();
}

/* 'subscription.cancel on error (cancelOnError)': onCancel runs once, before
 * onError; cancelling again inside onError does nothing more. */
static void test_dart_cancel_inside_on_error_after_cancel_on_error(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = cancel_counting_controller();
    assert_int_equal(rt_stream_add_error(c, RT_EUSER, "test", "error"), RT_OK);
    rt_stream *s = rt_stream_controller_stream(c);
    dart_sub = rt_stream_listen(
        s, &(rt_stream_handlers){.on_error = error_cancels_again, .cancel_on_error = true});
    ts_run_main();
    assert_int_equal(errors_seen, 1);
    assert_int_equal(cancel_calls, 1);
    rt_stream_release(s);
    rt_future_release(rt_stream_close(c));
    rt_stream_release((rt_stream *)c);
    ts_main_leave();
}

/* 'subscription.cancel before error (cancelOnError)' and 'subscription.cancel
 * before done': cancelled before the buffered event is delivered, the
 * subscription never sees it, and onCancel runs. */
static void test_dart_cancel_before_error_and_before_done(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = cancel_counting_controller();
    assert_int_equal(rt_stream_add_error(c, RT_EUSER, "test", "error"), RT_OK);
    rt_stream *s = rt_stream_controller_stream(c);
    rt_subscription *sub = rt_stream_listen(
        s, &(rt_stream_handlers){.on_error = error_unexpected, .cancel_on_error = true});
    rt_future_release(rt_subscription_cancel(sub));
    ts_run_main();
    assert_int_equal(cancel_calls, 1);
    rt_stream_release(s);
    rt_future_release(rt_stream_close(c));
    rt_stream_release((rt_stream *)c);

    c = cancel_counting_controller();
    rt_future_release(rt_stream_close(c));
    s = rt_stream_controller_stream(c);
    sub = rt_stream_listen(s, &(rt_stream_handlers){.on_done = done_unexpected});
    rt_future_release(rt_subscription_cancel(sub));
    ts_run_main();
    assert_int_equal(cancel_calls, 1);
    rt_stream_release(s);
    rt_stream_release((rt_stream *)c);
    ts_main_leave();
}

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_async_delivery_one_event_per_microtask),
        cmocka_unit_test(test_sync_controller_delivers_inside_add),
        cmocka_unit_test(test_single_subscription_buffers_pauses_and_hooks),
        cmocka_unit_test(test_listen_twice_is_an_error),
        cmocka_unit_test(test_add_after_close_is_misuse),
        cmocka_unit_test(test_broadcast),
        cmocka_unit_test(test_errors_and_cancel_on_error),
        cmocka_unit_test(test_dart_cancel_on_error_cancels_before_on_error),
        cmocka_unit_test(test_dart_cancel_inside_on_error_after_cancel_on_error),
        cmocka_unit_test(test_dart_cancel_before_error_and_before_done),
        cmocka_unit_test(test_transforms_compose),
        cmocka_unit_test(test_distinct_and_handle_error),
        cmocka_unit_test(test_as_broadcast),
        cmocka_unit_test(test_periodic_stream),
        cmocka_unit_test(test_receive_port_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
