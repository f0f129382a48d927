/* test_async.c: async functions: await semantics, try/catch, await-for. */
#include "test_support.h"

#include <string.h>

static rt_virtual_clock vclock;

static void enter(void)
{
    ts_main_enter_virtual(&vclock);
}

static void log_task(void *ctx)
{
    ts_log("%s", (const char *)ctx);
}

static void run_until(rt_future *f)
{
    while (!rt_future_is_complete(f))
        rt_run(RT_RUN_ONCE);
}

/* ---- await of a completed future: resumes in one microtask ---- */

typedef struct await_frame {
    rt_async a;
    rt_future *f;
} await_frame;

static void await_fn(rt_async *a)
{
    await_frame *fr = (await_frame *)a;
    RT_ASYNC_BEGIN(a);
    ts_log("fn start");
    RT_AWAIT(a, fr->f);
    ts_log("fn resumed with %lld", (long long)rt_value_as_int(rt_async_value(a)));
    RT_RETURN(a, rt_value_int(rt_value_as_int(rt_async_value(a)) + 1));
    RT_ASYNC_END(a);
}

static void test_await_completed_resumes_in_one_microtask(void **state)
{
    (void)state;
    enter();
    rt_future *done = rt_future_value(rt_value_int(41));
    ts_run_main();
    rt_schedule_microtask(log_task, "m1");
    await_frame *fr = (await_frame *)rt_async_new(await_fn, sizeof *fr);
    fr->f = done;
    rt_future *result = rt_async_run(&fr->a);
    rt_schedule_microtask(log_task, "m2");
    ts_log("main");
    ts_run_main();
    assert_string_equal(ts_log_text(), "fn start, main, m1, fn resumed with 41, m2");
    assert_int_equal(rt_value_as_int(rt_future_get_value(result)), 42);
    rt_future_release(result);
    ts_main_leave();
}

/* ---- await of an incomplete future: resumes inside the completing task ---- */

static void test_await_incomplete_resumes_synchronously(void **state)
{
    (void)state;
    enter();
    rt_completer *c = rt_completer_new(true);
    await_frame *fr = (await_frame *)rt_async_new(await_fn, sizeof *fr);
    fr->f = rt_completer_future(c);
    rt_future *result = rt_async_run(&fr->a);
    ts_log("before complete");
    rt_completer_complete(c, rt_value_int(1));
    ts_log("after complete");
    rt_completer_release(c);
    ts_run_main();
    assert_string_equal(ts_log_text(),
                        "fn start, before complete, fn resumed with 1, after complete");
    assert_int_equal(rt_value_as_int(rt_future_get_value(result)), 2);
    rt_future_release(result);
    ts_main_leave();
}

/* ---- The README's example: compute, then a delay, then three events ---- */

static rt_value *square(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    int64_t x = rt_value_as_int(msg);
    return rt_value_int(x * x);
}

/* Emits 1, 2, 3 on a periodic timer, counting its own firings: a loaded
 * machine can make the timer skip ticks, and its tick count with them. */
static int emitted;

static void emit_three(rt_timer *t, void *ctx)
{
    rt_stream_controller *c = ctx;
    rt_stream_add(c, rt_value_int(++emitted));
    if (emitted == 3) {
        rt_timer_cancel(t);
        rt_future_release(rt_stream_close(c));
    }
}

typedef struct story_frame {
    rt_async a;
    rt_stream_controller *events;
    int64_t total;
} story_frame;

static void story(rt_async *a)
{
    story_frame *f = (story_frame *)a;
    RT_ASYNC_BEGIN(a);
    rt_value *seven = rt_value_int(7);
    rt_future *sq = rt_compute(square, seven);
    rt_value_free(seven);
    RT_AWAIT(a, sq);
    f->total = rt_value_as_int(rt_async_value(a)); /* 49 */
    ts_log("computed %lld", (long long)f->total);
    RT_AWAIT(a, rt_future_delayed(RT_MS(50), NULL, NULL));
    ts_log("delayed");
    RT_AWAIT_FOR(a, rt_stream_controller_stream(f->events));
    f->total += rt_value_as_int(rt_async_item(a)); /* 1 + 2 + 3 */
    ts_log("event %lld", (long long)rt_value_as_int(rt_async_item(a)));
    RT_AWAIT_FOR_END(a);
    RT_RETURN(a, rt_value_int(f->total));
    RT_ASYNC_END(a);
}

static void story_cleanup(rt_async *a)
{
    rt_stream_release(((story_frame *)a)->events);
}

static void test_compute_delay_stream_story(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ts_log_reset();
    story_frame *f = (story_frame *)rt_async_new(story, sizeof *f);
    f->a.cleanup = story_cleanup;
    f->events = rt_stream_controller_new(NULL);
    emitted = 0;
    rt_timer_start(NULL, RT_MS(10), RT_MS(10), emit_three, f->events, NULL);
    rt_future *result = rt_async_run(&f->a);
    run_until(result);
    assert_false(rt_future_is_error(result));
    assert_int_equal(rt_value_as_int(rt_future_get_value(result)), 49 + 1 + 2 + 3);
    assert_string_equal(ts_log_text(), "computed 49, delayed, event 1, event 2, event 3");
    rt_future_release(result);
    ts_run_main();
    ts_main_leave();
}

/* ---- try/catch ---- */

typedef struct catch_frame {
    rt_async a;
} catch_frame;

static void catcher(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_TRY(a, rt_future_error(RT_EUSER - 1, "test", "first"));
    if (rt_async_error(a))
        ts_log("caught %s (%d)", rt_async_error(a)->message, rt_async_error(a)->code);
    RT_AWAIT(a, rt_future_error(RT_EUSER - 2, "test", "second")); /* not caught: fails */
    ts_log("not reached");
    RT_ASYNC_END(a);
}

static void test_try_catch_and_propagation(void **state)
{
    (void)state;
    enter();
    rt_future *result = rt_async_run(rt_async_new(catcher, sizeof(catch_frame)));
    ts_run_main();
    assert_string_equal(ts_log_text(), "caught first (-101)");
    const rt_error *e = rt_future_get_error(result);
    assert_non_null(e);
    assert_int_equal(e->code, RT_EUSER - 2);
    assert_string_equal(e->domain, "test");
    assert_string_equal(e->message, "second");
    rt_future_release(result);
    ts_main_leave();
}

/* ---- await-for pauses the subscription while the body runs ---- */

static void hook_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    ts_log("paused");
}

static void hook_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    ts_log("resumed");
}

typedef struct slow_frame {
    rt_async a;
    rt_stream *s;
} slow_frame;

static void slow_body(rt_async *a)
{
    slow_frame *f = (slow_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s);
    ts_log("item %lld", (long long)rt_value_as_int(rt_async_item(a)));
    RT_AWAIT(a, rt_future_delayed(RT_MS(5), NULL, NULL));
    ts_log("body done");
    RT_AWAIT_FOR_END(a);
    f->s = NULL;
    RT_ASYNC_END(a);
}

static void test_await_for_pauses_while_body_runs(void **state)
{
    (void)state;
    enter();
    rt_stream_options o = {.on_pause = hook_pause, .on_resume = hook_resume};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    slow_frame *f = (slow_frame *)rt_async_new(slow_body, sizeof *f);
    f->s = rt_stream_controller_stream(c);
    rt_future *result = rt_async_run(&f->a);
    rt_stream_add(c, rt_value_int(1));
    rt_stream_add(c, rt_value_int(2));
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_true(rt_future_is_complete(result));
    assert_false(rt_future_is_error(result));
    /* Dart's await-for (a StreamIterator) listens without pausing, runs the
     * body inside the data event and pauses only once the body suspends;
     * moveNext resumes, and input resumes (on_resume) only once the buffered
     * 2 and done have drained, so no "resumed" and no second "paused" (the
     * old expectation, "paused, resumed, paused, item 1, ...", had an extra
     * pause/resume before the first item). */
    assert_string_equal(ts_log_text(), "item 1, paused, body done, item 2, body done");
    rt_future_release(result);
    rt_stream_release(c);
    ts_main_leave();
}

/* An error event ends the loop and fails the function. */
static void test_await_for_error_fails_function(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    slow_frame *f = (slow_frame *)rt_async_new(slow_body, sizeof *f);
    f->s = rt_stream_controller_stream(c);
    rt_future *result = rt_async_run(&f->a);
    rt_stream_add_error(c, RT_EUSER - 3, "test", "stream broke");
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_int_equal(rt_future_get_error(result)->code, RT_EUSER - 3);
    assert_string_equal(rt_future_get_error(result)->message, "stream broke");
    rt_future_release(result);
    rt_stream_release(c);
    ts_main_leave();
}

/* ---- Completion before the first suspension (Dart
 * tests/language/async/async_no_await_zones_test.dart, dartbug 33330: exactly
 * one microtask is scheduled, by the async function itself) ---- */

static void no_await_fn(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    ts_log("doEvent()");
    RT_RETURN(a, rt_value_int(1));
    RT_ASYNC_END(a);
}

static void no_await_fail_fn(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    ts_log("throws");
    RT_FAIL(a, RT_EUSER - 1, "test", "thrown");
    RT_ASYNC_END(a);
}

static void log_then(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    ts_log("%s", (const char *)ctx);
}

static void test_return_before_first_await_is_one_microtask(void **state)
{
    (void)state;
    enter();
    rt_future *f = rt_async_run(rt_async_new(no_await_fn, sizeof(rt_async)));
    rt_future *g = rt_async_run(rt_async_new(no_await_fail_fn, sizeof(rt_async)));
    /* Pending: its completion is the one microtask queued at the return. */
    assert_false(rt_future_is_complete(f));
    assert_false(rt_future_is_complete(g));
    rt_schedule_microtask(log_task, "later microtask");
    rt_future_release(rt_future_then(f, log_then, NULL, "then"));
    rt_future_release(rt_future_then(g, NULL, log_then, "catch"));
    ts_run_main();
    assert_string_equal(ts_log_text(), "doEvent(), throws, then, catch, later microtask");
    ts_main_leave();
}

/* ---- await of a plain value (Dart's `await 5`) ---- */

static void await_value_fn(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    ts_log("before");
    RT_AWAIT_VALUE(a, rt_value_int(5));
    ts_log("resumed with %lld", (long long)rt_value_as_int(rt_async_value(a)));
    RT_RETURN(a, rt_value_int(rt_value_as_int(rt_async_value(a))));
    RT_ASYNC_END(a);
}

static void test_await_value_resumes_in_one_microtask(void **state)
{
    (void)state;
    enter();
    rt_schedule_microtask(log_task, "m1");
    rt_future *f = rt_async_run(rt_async_new(await_value_fn, sizeof(rt_async)));
    rt_schedule_microtask(log_task, "m2");
    ts_run_main();
    assert_string_equal(ts_log_text(), "before, m1, resumed with 5, m2");
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 5);
    rt_future_release(f);
    ts_main_leave();
}

/* ---- return of a future (Dart `return future;` in async) ---- */

typedef struct ret_frame {
    rt_async a;
    rt_future *f;
} ret_frame;

static void return_future_fn(rt_async *a)
{
    ret_frame *fr = (ret_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_VALUE(a, NULL);
    RT_RETURN_FUTURE(a, fr->f);
    RT_ASYNC_END(a);
}

static void test_return_future_adopts_outcome(void **state)
{
    (void)state;
    enter();
    rt_completer *c = rt_completer_new(true);
    ret_frame *fr = (ret_frame *)rt_async_new(return_future_fn, sizeof *fr);
    fr->f = rt_completer_future(c);
    rt_future *f = rt_async_run(&fr->a);
    rt_future_release(rt_future_then(rt_future_dup(f), log_then, log_then, "adopted"));
    ts_run_main();
    assert_false(rt_future_is_complete(f));
    ts_log("complete");
    rt_completer_fail(c, RT_EUSER - 7, "test", "inner");
    ts_log("after");
    rt_completer_release(c);
    assert_string_equal(ts_log_text(), "complete, adopted, after"); /* synchronous */
    assert_string_equal(rt_future_get_error(f)->message, "inner");
    rt_future_release(f);
    ts_main_leave();
}

/* ---- await-for: the hook sequence of Dart's StreamIterator ---- */

typedef struct hooks_frame {
    rt_async a;
    rt_stream *s;
    rt_completer *gate; /* the body awaits it when set */
} hooks_frame;

static void hooks_body(rt_async *a)
{
    hooks_frame *f = (hooks_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s);
    ts_log("item %lld", (long long)rt_value_as_int(rt_async_item(a)));
    if (f->gate) {
        RT_AWAIT(a, rt_completer_future(f->gate));
        ts_log("body done");
    }
    RT_AWAIT_FOR_END(a);
    f->s = NULL;
    ts_log("loop done");
    RT_ASYNC_END(a);
}

static void hooks_cleanup(rt_async *a)
{
    hooks_frame *f = (hooks_frame *)a;
    if (f->gate) rt_completer_release(f->gate);
}

static void test_await_for_hooks_one_event_at_a_time(void **state)
{
    (void)state;
    enter();
    rt_stream_options o = {.on_pause = hook_pause, .on_resume = hook_resume};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    hooks_frame *f = (hooks_frame *)rt_async_new(hooks_body, sizeof *f);
    f->a.cleanup = hooks_cleanup;
    f->s = rt_stream_controller_stream(c);
    rt_future *result = rt_async_run(&f->a);
    for (int i = 1; i <= 2; i++) {
        rt_completer *gate = rt_completer_new(true);
        f->gate = gate;
        rt_stream_add(c, rt_value_int(i));
        ts_run_main();
        f->gate = NULL;
        rt_completer_complete(gate, NULL);
        rt_completer_release(gate);
        ts_run_main();
    }
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_true(rt_future_is_complete(result) && !rt_future_is_error(result));
    assert_string_equal(ts_log_text(), "item 1, paused, body done, resumed, "
                                       "item 2, paused, body done, resumed, loop done");
    rt_future_release(result);
    rt_stream_release(c);
    ts_main_leave();
}

/* A body that never suspends never pauses the subscription. */
static void test_await_for_sync_body_does_not_pause(void **state)
{
    (void)state;
    enter();
    rt_stream_options o = {.on_pause = hook_pause, .on_resume = hook_resume};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    hooks_frame *f = (hooks_frame *)rt_async_new(hooks_body, sizeof *f);
    f->s = rt_stream_controller_stream(c);
    rt_future *result = rt_async_run(&f->a);
    rt_stream_add(c, rt_value_int(1));
    rt_stream_add(c, rt_value_int(2));
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    assert_string_equal(ts_log_text(), "item 1, item 2, loop done");
    assert_true(rt_future_is_complete(result) && !rt_future_is_error(result));
    rt_future_release(result);
    rt_stream_release(c);
    ts_main_leave();
}

/* ---- await-for nests ---- */

typedef struct nest_frame {
    rt_async a;
    rt_stream_controller *outer;
    int64_t outer_item;
    int64_t sum;
} nest_frame;

static rt_stream *count_stream(int from, int n)
{
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    for (int i = 0; i < n; i++)
        rt_stream_add(c, rt_value_int(from + i));
    rt_future_release(rt_stream_close(c));
    return c;
}

static void nest_body(rt_async *a)
{
    nest_frame *f = (nest_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, count_stream(1, 3));
    f->outer_item = rt_value_as_int(rt_async_item(a));
    RT_AWAIT_FOR(a, count_stream(10 * (int)f->outer_item, 2));
    ts_log("%lld/%lld", (long long)f->outer_item, (long long)rt_value_as_int(rt_async_item(a)));
    f->sum += rt_value_as_int(rt_async_item(a));
    RT_AWAIT_VALUE(a, NULL);
    RT_AWAIT_FOR_END(a);
    ts_log("outer %lld", (long long)rt_value_as_int(rt_async_item(a)));
    RT_AWAIT_FOR_END(a);
    RT_RETURN(a, rt_value_int(f->sum));
    RT_ASYNC_END(a);
}

static void test_await_for_nests(void **state)
{
    (void)state;
    enter();
    rt_future *result = rt_async_run(rt_async_new(nest_body, sizeof(nest_frame)));
    ts_run_main();
    assert_string_equal(ts_log_text(),
                        "1/10, 1/11, outer 1, 2/20, 2/21, outer 2, 3/30, 3/31, outer 3");
    assert_int_equal(rt_value_as_int(rt_future_get_value(result)), 10 + 11 + 20 + 21 + 30 + 31);
    rt_future_release(result);
    ts_main_leave();
}

/* ---- await-for break: cancel, await the cancel future, go on ---- */

static void cancel_done(rt_completer *c, void *ctx)
{
    (void)c;
    ts_log("cancel work done (%s)", (const char *)ctx);
    if (strcmp(ctx, "fails") == 0) rt_completer_fail(c, RT_EUSER - 9, "test", "cancel failed");
}

static rt_future *slow_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    ts_log("on_cancel");
    return rt_future_delayed(RT_MS(5), cancel_done, ctx);
}

typedef struct break_frame {
    rt_async a;
    rt_stream *s;
} break_frame;

static void break_body(rt_async *a)
{
    break_frame *f = (break_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s);
    ts_log("item %lld", (long long)rt_value_as_int(rt_async_item(a)));
    if (rt_value_as_int(rt_async_item(a)) == 2) {
        for (int i = 0; i < 3; i++) /* from inside a nested C loop, too */
            if (i == 1) RT_AWAIT_FOR_BREAK(a);
    }
    RT_AWAIT_FOR_END(a);
    f->s = NULL;
    ts_log("after loop");
    RT_RETURN(a, rt_value_int(1));
    RT_ASYNC_END(a);
}

static void run_break_case(const char *cancel_outcome)
{
    rt_stream_options o = {.on_cancel = slow_cancel, .ctx = (void *)cancel_outcome};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    for (int i = 1; i <= 3; i++)
        rt_stream_add(c, rt_value_int(i));
    break_frame *f = (break_frame *)rt_async_new(break_body, sizeof *f);
    f->s = rt_stream_controller_stream(c);
    rt_future *result = rt_async_run(&f->a);
    ts_run_main();
    if (strcmp(cancel_outcome, "fails") == 0)
        assert_string_equal(rt_future_get_error(result)->message, "cancel failed");
    else
        assert_int_equal(rt_value_as_int(rt_future_get_value(result)), 1);
    rt_future_release(result);
    rt_stream_release(c);
}

static void test_await_for_break_awaits_cancel(void **state)
{
    (void)state;
    enter();
    run_break_case("ok");
    assert_string_equal(ts_log_text(),
                        "item 1, item 2, on_cancel, cancel work done (ok), after loop");
    ts_log_reset();
    /* Dart: `await it.cancel()` throws: the error fails the function. */
    run_break_case("fails");
    assert_string_equal(ts_log_text(), "item 1, item 2, on_cancel, cancel work done (fails)");
    ts_main_leave();
}

/* RT_RETURN inside the body cancels the loop and awaits that first (Dart's
 * finally { await it.cancel(); }). */
static void return_in_loop_body(rt_async *a)
{
    break_frame *f = (break_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s);
    ts_log("item %lld", (long long)rt_value_as_int(rt_async_item(a)));
    RT_RETURN(a, rt_value_int(rt_value_as_int(rt_async_item(a))));
    RT_AWAIT_FOR_END(a);
    RT_ASYNC_END(a);
}

static void test_return_inside_await_for_awaits_cancel(void **state)
{
    (void)state;
    enter();
    rt_stream_options o = {.on_cancel = slow_cancel, .ctx = "ok"};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    rt_stream_add(c, rt_value_int(7));
    break_frame *f = (break_frame *)rt_async_new(return_in_loop_body, sizeof *f);
    f->s = rt_stream_controller_stream(c);
    rt_future *result = rt_async_run(&f->a);
    rt_future_release(rt_future_then(rt_future_dup(result), log_then, NULL, "returned"));
    ts_run_main();
    assert_string_equal(ts_log_text(), "item 7, on_cancel, cancel work done (ok), returned");
    assert_int_equal(rt_value_as_int(rt_future_get_value(result)), 7);
    rt_future_release(result);
    rt_stream_release(c);
    ts_main_leave();
}

/* An error event: the subscription is cancelled (on_cancel runs), then the
 * function fails with the error (Dart: await-for throws it). */
static rt_future *cancel_log(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    ts_log("on_cancel");
    return NULL;
}

static void test_await_for_error_cancels_then_fails(void **state)
{
    (void)state;
    enter();
    rt_stream_options o = {.on_cancel = cancel_log};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    hooks_frame *f = (hooks_frame *)rt_async_new(hooks_body, sizeof *f);
    f->s = rt_stream_controller_stream(c);
    rt_future *result = rt_async_run(&f->a);
    rt_future_release(rt_future_then(rt_future_dup(result), NULL, log_then, "failed"));
    rt_stream_add(c, rt_value_int(1));
    rt_stream_add_error(c, RT_EUSER - 3, "test", "stream broke");
    rt_stream_add(c, rt_value_int(2));
    ts_run_main();
    assert_string_equal(ts_log_text(), "item 1, on_cancel, failed");
    assert_string_equal(rt_future_get_error(result)->message, "stream broke");
    rt_future_release(result);
    rt_stream_release(c);
    ts_main_leave();
}

/* A plain break out of an await-for is misuse, caught under RT_CHECKS. */
static void plain_break_body(rt_async *a)
{
    break_frame *f = (break_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s);
    break;
    RT_AWAIT_FOR_END(a);
    RT_ASYNC_END(a);
}

static void child_plain_break(void)
{
    ts_main_enter(NULL);
    rt_stream *s = count_stream(1, 2);
    break_frame *f = (break_frame *)rt_async_new(plain_break_body, sizeof *f);
    f->s = s;
    rt_future_release(rt_async_run(&f->a));
    ts_run_main();
}

static void test_plain_break_is_caught(void **state)
{
    (void)state;
    ts_expect_check_abort("plain-break", "use RT_AWAIT_FOR_BREAK");
}

static const ts_child_case cases[] = {
    {"plain-break", child_plain_break},
    {NULL, NULL},
};

/* Two await-for loops on one sync broadcast stream each see every item:
 * an item is moved out of its event only when no other listener shares it. */
typedef struct sum_frame {
    rt_async a;
    rt_stream *s;
    int64_t sum;
} sum_frame;

static void sum_items(rt_async *a)
{
    sum_frame *f = (sum_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s)
    f->sum += rt_value_as_int(rt_async_item(a));
    RT_AWAIT_FOR_END(a);
    RT_RETURN(a, rt_value_int(f->sum));
    RT_ASYNC_END(a);
}

static void test_await_for_on_shared_broadcast_items(void **state)
{
    (void)state;
    enter();
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.broadcast = true, .sync = true});
    rt_future *fs[2];
    for (int i = 0; i < 2; i++) {
        sum_frame *f = (sum_frame *)rt_async_new(sum_items, sizeof *f);
        f->s = rt_stream_controller_stream(c);
        fs[i] = rt_async_run(&f->a);
    }
    for (int i = 1; i <= 4; i++)
        rt_stream_add(c, rt_value_int(i));
    rt_future_release(rt_stream_close(c));
    ts_run_main();
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rt_value_as_int(rt_future_get_value(fs[i])), 10);
        rt_future_release(fs[i]);
    }
    rt_stream_release(c);
    ts_main_leave();
}

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_await_completed_resumes_in_one_microtask),
        cmocka_unit_test(test_await_incomplete_resumes_synchronously),
        cmocka_unit_test(test_compute_delay_stream_story),
        cmocka_unit_test(test_try_catch_and_propagation),
        cmocka_unit_test(test_await_for_pauses_while_body_runs),
        cmocka_unit_test(test_await_for_error_fails_function),
        cmocka_unit_test(test_return_before_first_await_is_one_microtask),
        cmocka_unit_test(test_await_value_resumes_in_one_microtask),
        cmocka_unit_test(test_return_future_adopts_outcome),
        cmocka_unit_test(test_await_for_hooks_one_event_at_a_time),
        cmocka_unit_test(test_await_for_sync_body_does_not_pause),
        cmocka_unit_test(test_await_for_nests),
        cmocka_unit_test(test_await_for_break_awaits_cancel),
        cmocka_unit_test(test_return_inside_await_for_awaits_cancel),
        cmocka_unit_test(test_await_for_error_cancels_then_fails),
        cmocka_unit_test(test_plain_break_is_caught),
        cmocka_unit_test(test_await_for_on_shared_broadcast_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
