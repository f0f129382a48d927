/* test_async_star.c: async* generators (RT_YIELD, RT_YIELD_ALL, cancel,
 * pause, await and await-for inside), ported from the Dart SDK's
 * tests/language/async_star/. Each test names its Dart file and case. */
#include "test_support.h"

#include <string.h>

static rt_virtual_clock vclock;

static void enter(void)
{
    ts_main_enter_virtual(&vclock);
}

/* ---- A listener that logs what it gets ---- */

typedef struct collector {
    rt_subscription *sub;
    bool done;
    const char *pause_on; /* "timer": pause until a zero timer, per event */
    bool cancel_on_first;
    bool pause_first;  /* pause (by hand) in the first data event */
    rt_future *cancel; /* what cancel returned */
} collector;

static void co_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    collector *co = ctx;
    ts_log("+%lld", (long long)rt_value_as_int(v));
    if (co->cancel_on_first) {
        co->cancel = rt_subscription_cancel(sub);
        co->cancel_on_first = false;
        return;
    }
    if (co->pause_first) {
        co->pause_first = false;
        rt_subscription_pause(sub);
    }
    if (co->pause_on) {
        rt_subscription_pause_until(sub, rt_future_run(NULL, NULL)); /* s.pause(Future(() {})) */
        ts_log("++%lld", (long long)rt_value_as_int(v));
    }
}

static void co_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    (void)ctx;
    ts_log("error %s", e->message);
}

static void co_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    collector *co = ctx;
    co->done = true;
    ts_log("done");
}

static void collect(collector *co, rt_stream *s)
{
    rt_stream_handlers h = {co_data, co_error, co_done, co, false};
    co->sub = rt_stream_listen(s, &h);
    rt_stream_release(s);
}

/* ---- Generators used below ---- */

typedef struct gen_frame {
    rt_async a;
    int i, n;
    bool await_between; /* await Future(() {}) between yields */
    bool finally_x;     /* cleanup logs "x" (a finally block) */
    bool throw_at_end;
} gen_frame;

/* Stream<int> f() async* { log("-1"); yield 1; ... log("-n"); yield n; } */
static void counting(rt_async *a)
{
    gen_frame *f = (gen_frame *)a;
    RT_ASYNC_BEGIN(a);
    for (f->i = 1; f->i <= f->n; f->i++) {
        ts_log("-%d", f->i);
        RT_YIELD(a, rt_value_int(f->i));
        if (f->await_between) RT_AWAIT(a, rt_future_run(NULL, NULL));
    }
    if (f->throw_at_end) RT_FAIL(a, RT_EUSER - 1, "test", "error");
    RT_ASYNC_END(a);
}

static void log_x(rt_async *a)
{
    (void)a;
    ts_log("x");
}

static rt_stream *counting_stream(int n, bool await_between, bool finally_x)
{
    gen_frame *f = (gen_frame *)rt_async_new(counting, sizeof *f);
    f->n = n;
    f->await_between = await_between;
    if (finally_x) f->a.cleanup = log_x;
    return rt_async_star_run(&f->a);
}

/* async_star_test.dart "basic1"/"basic2"/"basic3": events in order, the body
 * interleaved with the listener (the body starts after listen, in a
 * microtask; each yield delivers synchronously). */
static void test_basic(void **state)
{
    (void)state;
    enter();
    collector co = {0};
    rt_stream *s = counting_stream(2, false, false);
    assert_string_equal(ts_log_text(), ""); /* not started before listen */
    collect(&co, s);
    assert_string_equal(ts_log_text(), ""); /* nor synchronously by listen */
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, -2, +2, done");
    ts_main_leave();
}

/* async_star_test.dart "async": awaits between yields. */
static void test_await_between_yields(void **state)
{
    (void)state;
    enter();
    collector co = {0};
    collect(&co, counting_stream(3, true, false));
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, -2, +2, -3, +3, done");
    ts_main_leave();
}

/* async_star_test.dart "error": yield 1; throw "error" -> [1, "error"], done. */
static void test_error_then_done(void **state)
{
    (void)state;
    enter();
    gen_frame *f = (gen_frame *)rt_async_new(counting, sizeof *f);
    f->n = 1;
    f->throw_at_end = true;
    collector co = {0};
    collect(&co, rt_async_star_run(&f->a));
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, error error, done");
    ts_main_leave();
}

/* ---- yield* ---- */

typedef struct rec_frame {
    rt_async a;
    int n;
} rec_frame;

static rt_stream *rec_stream(int n);

/* Stream<int> f(int n) async* { yield n; if (n == 0) return; yield* f(n - 1); yield n; } */
static void recursive(rt_async *a)
{
    rec_frame *f = (rec_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_YIELD(a, rt_value_int(f->n));
    if (f->n == 0) RT_RETURN(a, NULL);
    RT_YIELD_ALL(a, rec_stream(f->n - 1));
    RT_YIELD(a, rt_value_int(f->n));
    RT_ASYNC_END(a);
}

static rt_stream *rec_stream(int n)
{
    rec_frame *f = (rec_frame *)rt_async_new(recursive, sizeof *f);
    f->n = n;
    return rt_async_star_run(&f->a);
}

/* async_star_test.dart "yield*": [3, 2, 1, 0, 1, 2, 3]. */
static void test_yield_star_recursive(void **state)
{
    (void)state;
    enter();
    collector co = {0};
    collect(&co, rec_stream(3));
    ts_run_main();
    assert_string_equal(ts_log_text(), "+3, +2, +1, +0, +1, +2, +3, done");
    ts_main_leave();
}

static void error_stream_gen(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    RT_YIELD(a, rt_value_int(1));
    {
        /* Future<int>.error("error").asStream(): one error event, then done. */
        rt_stream_controller *c = rt_stream_controller_new(NULL);
        rt_stream_add_error(c, RT_EUSER - 1, "test", "error");
        rt_future_release(rt_stream_close(c));
        RT_YIELD_ALL(a, c);
    }
    RT_YIELD(a, rt_value_int(3));
    RT_ASYNC_END(a);
}

/* async_star_test.dart "error2": yield* forwards an error as an error and
 * goes on: [1, "error", 3]. */
static void test_yield_star_forwards_errors(void **state)
{
    (void)state;
    enter();
    collector co = {0};
    collect(&co, RT_ASYNC_STAR(error_stream_gen, rt_async));
    ts_run_main();
    assert_string_equal(ts_log_text(), "+1, error error, +3, done");
    ts_main_leave();
}

/* ---- pausing ---- */

/* async_star_test.dart "pause": pause is checked after delivering the
 * event; the generator waits while paused. Uses pause_until (the Dart
 * pause(resumeSignal)). */
static void test_pause_checked_after_event(void **state)
{
    (void)state;
    enter();
    collector co = {.pause_on = "timer"};
    collect(&co, counting_stream(2, false, false));
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, ++1, -2, +2, ++2, done");
    ts_main_leave();
}

/* The same with pause/resume by hand: nothing runs while paused (the VM's
 * scheduleGenerator does nothing while the controller is paused, and
 * onResume schedules it again). */
static void test_paused_generator_waits(void **state)
{
    (void)state;
    enter();
    collector co = {.pause_first = true};
    collect(&co, counting_stream(3, false, false));
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1");
    rt_subscription_resume(co.sub);
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, -2, +2, -3, +3, done");
    ts_main_leave();
}

/* ---- await for over a generator ---- */

typedef struct loop_frame {
    rt_async a;
    rt_stream *s;
    int break_at;
    bool microtask; /* the body awaits a microtask, else a timer */
} loop_frame;

static void loop_fn(rt_async *a)
{
    loop_frame *f = (loop_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s);
    {
        int64_t e = rt_value_as_int(rt_async_item(a));
        ts_log("+%lld", (long long)e);
    }
    if (f->microtask)
        RT_AWAIT(a, rt_future_microtask(NULL, NULL));
    else
        RT_AWAIT(a, rt_future_run(NULL, NULL));
    ts_log("++%lld", (long long)rt_value_as_int(rt_async_item(a)));
    if (rt_value_as_int(rt_async_item(a)) == f->break_at) RT_AWAIT_FOR_BREAK(a);
    RT_AWAIT_FOR_END(a);
    f->s = NULL;
    ts_log("loop end");
    RT_ASYNC_END(a);
}

static rt_future *run_loop(rt_stream *s, int break_at, bool microtask)
{
    loop_frame *f = (loop_frame *)rt_async_new(loop_fn, sizeof *f);
    f->s = s;
    f->break_at = break_at;
    f->microtask = microtask;
    return rt_async_run(&f->a);
}

/* async_star_test.dart "looppause": the await-for pauses the generator while
 * its body awaits. */
static void test_await_for_pauses_generator(void **state)
{
    (void)state;
    enter();
    rt_future *f = run_loop(counting_stream(2, false, false), 0, false);
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, ++1, -2, +2, ++2, loop end");
    assert_true(rt_future_is_complete(f) && !rt_future_is_error(f));
    rt_future_release(f);
    ts_main_leave();
}

/* async_star_test.dart "loop-pause-break": break cancels the generator at
 * its yield; its finally runs before the loop goes on. */
static void test_await_for_break_runs_generator_finally(void **state)
{
    (void)state;
    enter();
    rt_future *f = run_loop(counting_stream(3, false, true), 2, false);
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, ++1, -2, +2, ++2, x, loop end");
    assert_true(rt_future_is_complete(f) && !rt_future_is_error(f));
    rt_future_release(f);
    ts_main_leave();
}

/* pause_test.dart "await for pauses stream during body": the generator
 * continues after its yield only when the loop asks for the next event. */
static void pause_gen(rt_async *a)
{
    gen_frame *f = (gen_frame *)a;
    RT_ASYNC_BEGIN(a);
    for (f->i = 0; f->i < 3; f->i++) {
        ts_log("%d-", f->i);
        RT_YIELD(a, rt_value_int(f->i));
        ts_log("%d+", f->i);
    }
    RT_ASYNC_END(a);
}

typedef struct pause_loop_frame {
    rt_async a;
    rt_stream *s;
} pause_loop_frame;

static void pause_loop(rt_async *a)
{
    pause_loop_frame *f = (pause_loop_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->s);
    ts_log("%lld?", (long long)rt_value_as_int(rt_async_item(a)));
    RT_AWAIT(a, rt_future_microtask(NULL, NULL));
    ts_log("%lld!", (long long)rt_value_as_int(rt_async_item(a)));
    RT_AWAIT_FOR_END(a);
    f->s = NULL;
    RT_ASYNC_END(a);
}

static void test_await_for_pauses_during_body(void **state)
{
    (void)state;
    enter();
    pause_loop_frame *f = (pause_loop_frame *)rt_async_new(pause_loop, sizeof *f);
    f->s = rt_async_star_run(rt_async_new(pause_gen, sizeof(gen_frame)));
    rt_future *r = rt_async_run(&f->a);
    ts_run_main();
    assert_string_equal(ts_log_text(), "0-, 0?, 0!, 0+, 1-, 1?, 1!, 1+, 2-, 2?, 2!, 2+");
    assert_true(rt_future_is_complete(r) && !rt_future_is_error(r));
    rt_future_release(r);
    ts_main_leave();
}

/* ---- cancel ---- */

static void log_then(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    ts_log("%s", (const char *)ctx);
}

/* async_star_cancel_test.dart: cancel in the data handler makes the yield
 * act as a return: the finally ("x") runs, nothing else; the cancel future
 * completes after it. */
static void test_cancel_in_handler_returns_at_yield(void **state)
{
    (void)state;
    enter();
    collector co = {.cancel_on_first = true};
    collect(&co, counting_stream(2, false, true));
    ts_run_main();
    assert_non_null(co.cancel);
    rt_future_release(rt_future_then(co.cancel, log_then, log_then, "cancel done"));
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +1, x, cancel done");
    ts_main_leave();
}

typedef struct exits_frame {
    rt_async a;
    int i;
    rt_completer *exits;
} exits_frame;

static void exits_cleanup(rt_async *a)
{
    exits_frame *f = (exits_frame *)a;
    ts_log("finally %d", f->i);
    rt_completer_complete(f->exits, rt_value_int(f->i));
    rt_completer_release(f->exits);
}

/* cancel_test.dart 'cancels at yield': f() { list.add(0); list.add(1); yield
 * null; list.add(2); } finally { exits.complete(3) }: listened and at once
 * cancelled, no event is delivered, the body runs to its first yield and
 * stops there. */
static void cancels_at_yield_gen(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    ts_log("0");
    ts_log("1");
    RT_YIELD(a, NULL);
    ts_log("2");
    RT_ASYNC_END(a);
}

static void fail_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    (void)v;
    (void)ctx;
    fail_msg("received an event after cancel");
}

static void fail_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    (void)ctx;
    fail_msg("received done after cancel");
}

static void set_three(rt_async *a)
{
    ((exits_frame *)a)->i = 3;
    exits_cleanup(a);
}

static void test_cancels_at_yield(void **state)
{
    (void)state;
    enter();
    exits_frame *f = (exits_frame *)rt_async_new(cancels_at_yield_gen, sizeof *f);
    f->exits = rt_completer_new(true);
    f->a.cleanup = set_three;
    rt_future *exits = rt_completer_future(f->exits);
    rt_stream *s = rt_async_star_run(&f->a);
    rt_stream_handlers h = {fail_data, NULL, fail_done, NULL, false};
    rt_subscription *sub = rt_stream_listen(s, &h);
    rt_stream_release(s);
    rt_future *cancel = rt_subscription_cancel(sub);
    ts_run_main();
    assert_int_equal(rt_value_as_int(rt_future_get_value(exits)), 3);
    assert_string_equal(ts_log_text(), "0, 1, finally 3");
    assert_true(rt_future_is_complete(cancel) && !rt_future_is_error(cancel));
    rt_future_release(cancel);
    rt_future_release(exits);
    ts_main_leave();
}

/* cancel_test.dart 'does cancel eventually': while (true) yield i++; with
 * take(5): [0..4], then the finally runs with i > 4. */
static void forever_gen(rt_async *a)
{
    exits_frame *f = (exits_frame *)a;
    RT_ASYNC_BEGIN(a);
    for (;;)
        RT_YIELD(a, rt_value_int(f->i++));
    RT_ASYNC_END(a);
}

static void test_does_cancel_eventually(void **state)
{
    (void)state;
    enter();
    exits_frame *f = (exits_frame *)rt_async_new(forever_gen, sizeof *f);
    f->exits = rt_completer_new(true);
    f->a.cleanup = exits_cleanup;
    rt_future *exits = rt_completer_future(f->exits);
    collector co = {0};
    collect(&co, rt_stream_take(rt_async_star_run(&f->a), 5));
    ts_run_main();
    assert_true(co.done);
    assert_true(rt_future_is_complete(exits));
    assert_true(rt_value_as_int(rt_future_get_value(exits)) > 4);
    /* take waits for the cancel, so the finally runs before done (as in
     * regression-fugl/fisk). */
    assert_string_equal(ts_log_text(), "+0, +1, +2, +3, +4, finally 5, done");
    rt_future_release(exits);
    ts_main_leave();
}

/* cancel_while_paused_at_yield_test.dart: cancelled while paused at a yield,
 * the generator neither yields 2 nor logs *3. */
typedef struct sync_frame {
    rt_async a;
    rt_completer *gate;
} sync_frame;

static void paused_yield_gen(rt_async *a)
{
    sync_frame *f = (sync_frame *)a;
    RT_ASYNC_BEGIN(a);
    ts_log("*1");
    RT_YIELD(a, rt_value_int(1));
    RT_AWAIT(a, rt_completer_future(f->gate));
    ts_log("*2");
    RT_YIELD(a, rt_value_int(2));
    ts_log("*3");
    RT_ASYNC_END(a);
}

static void sync_cleanup(rt_async *a)
{
    rt_completer_release(((sync_frame *)a)->gate);
}

static void test_cancel_while_paused_at_yield(void **state)
{
    (void)state;
    enter();
    sync_frame *f = (sync_frame *)rt_async_new(paused_yield_gen, sizeof *f);
    f->gate = rt_completer_new(true);
    f->a.cleanup = sync_cleanup;
    rt_completer *gate = f->gate;
    collector co = {0};
    collect(&co, rt_async_star_run(&f->a));
    ts_run_main();
    assert_string_equal(ts_log_text(), "*1, +1");
    rt_subscription_pause(co.sub);
    rt_completer_complete(gate, NULL);
    ts_run_main();
    assert_string_equal(ts_log_text(), "*1, +1, *2");
    rt_future *cancel = rt_subscription_cancel(co.sub);
    rt_future *later = rt_future_delayed(RT_MS(200), NULL, NULL); /* Future.delayed(ms * 200) */
    ts_run_main();
    rt_future_release(later);
    assert_string_equal(ts_log_text(), "*1, +1, *2");
    assert_true(rt_future_is_complete(cancel));
    rt_future_release(cancel);
    ts_main_leave();
}

/* cancel_test.dart group 'at index' (all, after end, at end, before end,
 * early, at start): `yield await Future.microtask(() => k)` three times,
 * take(n) cancelling at each position. Dart yields 2 and 3 from nested
 * finally blocks; a C cleanup cannot yield, so here they are plain
 * sequential yields: the observable lists are the same. */
typedef struct idx_frame {
    rt_async a;
} idx_frame;

static void at_index_gen(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    RT_AWAIT(a, rt_future_microtask(NULL, NULL));
    RT_YIELD(a, rt_value_int(1));
    RT_AWAIT(a, rt_future_microtask(NULL, NULL));
    RT_YIELD(a, rt_value_int(2));
    RT_AWAIT(a, rt_future_microtask(NULL, NULL));
    RT_YIELD(a, rt_value_int(3));
    RT_ASYNC_END(a);
}

static void test_cancel_at_index(void **state)
{
    (void)state;
    enter();
    const char *expect[] = {"done", "+1, done", "+1, +2, done", "+1, +2, +3, done",
                            "+1, +2, +3, done"};
    for (size_t n = 0; n <= 4; n++) {
        ts_log_reset();
        collector co = {0};
        collect(&co, rt_stream_take(
                         rt_async_star_run(rt_async_new(at_index_gen, sizeof(idx_frame))), n));
        ts_run_main();
        assert_string_equal(ts_log_text(), expect[n]);
    }
    ts_main_leave();
}

/* cancel_test.dart 'regression-fugl/fisk': an async function await-fors over
 * fisk().take(count); fisk's finally runs before the loop's function goes
 * on. */
static void fisk(rt_async *a)
{
    gen_frame *f = (gen_frame *)a;
    RT_ASYNC_BEGIN(a);
    ts_log("+fisk");
    for (f->i = 0; f->i < 2; f->i++) {
        RT_AWAIT(a, rt_future_microtask(NULL, NULL));
        RT_YIELD(a, rt_value_int(f->i));
    }
    RT_ASYNC_END(a);
}

static void fisk_finally(rt_async *a)
{
    (void)a;
    ts_log("-fisk");
}

typedef struct fugl_frame {
    rt_async a;
    int count;
} fugl_frame;

static void fugl(rt_async *a)
{
    fugl_frame *f = (fugl_frame *)a;
    RT_ASYNC_BEGIN(a);
    ts_log("fisk %d", f->count);
    {
        gen_frame *g = (gen_frame *)rt_async_new(fisk, sizeof *g);
        g->a.cleanup = fisk_finally;
        RT_AWAIT_FOR(a, rt_stream_take(rt_async_star_run(&g->a), (size_t)f->count));
        ts_log("%lld", (long long)rt_value_as_int(rt_async_item(a)));
        RT_AWAIT_FOR_END(a);
    }
    ts_log("done");
    RT_ASYNC_END(a);
}

static void test_fugl_fisk(void **state)
{
    (void)state;
    enter();
    for (int count = 3; count >= 1; count--) {
        fugl_frame *f = (fugl_frame *)rt_async_new(fugl, sizeof *f);
        f->count = count;
        rt_future *r = rt_async_run(&f->a);
        ts_run_main();
        assert_true(rt_future_is_complete(r) && !rt_future_is_error(r));
        rt_future_release(r);
    }
    assert_string_equal(ts_log_text(), "fisk 3, +fisk, 0, 1, -fisk, done, "
                                       "fisk 2, +fisk, 0, 1, -fisk, done, "
                                       "fisk 1, +fisk, 0, -fisk, done");
    ts_main_leave();
}

/* ---- await and await-for inside async* ---- */

typedef struct double_frame {
    rt_async a;
    rt_stream *src;
} double_frame;

/* Stream<int> doubled(src) async* { await for (var e in src) yield e * 2; } */
static void doubled(rt_async *a)
{
    double_frame *f = (double_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, f->src);
    RT_YIELD(a, rt_value_int(2 * rt_value_as_int(rt_async_item(a))));
    RT_AWAIT_FOR_END(a);
    f->src = NULL;
    RT_ASYNC_END(a);
}

static rt_stream *doubled_stream(rt_stream *src, bool finally_x)
{
    double_frame *f = (double_frame *)rt_async_new(doubled, sizeof *f);
    f->src = src;
    if (finally_x) f->a.cleanup = log_x;
    return rt_async_star_run(&f->a);
}

/* async_star_await_for_test.dart style: generators nest through await-for. */
static void test_await_for_inside_generator(void **state)
{
    (void)state;
    enter();
    collector co = {0};
    collect(&co, doubled_stream(doubled_stream(counting_stream(3, true, false), false), false));
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +4, -2, +8, -3, +12, done");
    ts_main_leave();
}

/* A cancel reaches through the nesting: the inner generator's finally runs
 * before the outer's (Dart: the outer's await-for awaits the inner cancel
 * in its finally). */
static void test_cancel_through_nested_generators(void **state)
{
    (void)state;
    enter();
    collector co = {.cancel_on_first = true};
    collect(&co, doubled_stream(counting_stream(3, false, true), true));
    ts_run_main();
    rt_future_release(rt_future_then(co.cancel, log_then, log_then, "cancel done"));
    ts_run_main();
    assert_string_equal(ts_log_text(), "-1, +2, x, x, cancel done");
    ts_main_leave();
}

/* An awaited error fails the generator: an error event, then done. */
static void await_error_gen(rt_async *a)
{
    RT_ASYNC_BEGIN(a);
    RT_YIELD(a, rt_value_int(1));
    RT_AWAIT(a, rt_future_error(RT_EUSER - 5, "test", "awaited"));
    RT_YIELD(a, rt_value_int(2));
    RT_ASYNC_END(a);
}

static void test_awaited_error_becomes_error_event(void **state)
{
    (void)state;
    enter();
    collector co = {0};
    collect(&co, rt_async_star_run(rt_async_new(await_error_gen, sizeof(rt_async))));
    ts_run_main();
    assert_string_equal(ts_log_text(), "+1, error awaited, done");
    ts_main_leave();
}

/* A generator never listened to goes with its stream, cleanup run, body
 * never started (ts_main_leave checks that nothing leaked). */
static void test_never_listened(void **state)
{
    (void)state;
    enter();
    rt_stream_release(counting_stream(3, false, true));
    ts_run_main();
    assert_string_equal(ts_log_text(), "x");
    ts_main_leave();
}

/* rt_async_cancelled tells the body, after an await, that it was cancelled. */
typedef struct flag_frame {
    rt_async a;
    rt_completer *gate;
} flag_frame;

static void cancelled_flag_gen(rt_async *a)
{
    flag_frame *f = (flag_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_YIELD(a, rt_value_int(1));
    RT_AWAIT(a, rt_completer_future(f->gate));
    ts_log("cancelled %d", rt_async_cancelled(a));
    RT_YIELD(a, rt_value_int(2)); /* acts as a return */
    ts_log("not reached");
    RT_ASYNC_END(a);
}

static void flag_cleanup(rt_async *a)
{
    rt_completer_release(((flag_frame *)a)->gate);
}

static void test_cancel_during_await_ends_at_next_yield(void **state)
{
    (void)state;
    enter();
    flag_frame *f = (flag_frame *)rt_async_new(cancelled_flag_gen, sizeof *f);
    f->gate = rt_completer_new(true);
    f->a.cleanup = flag_cleanup;
    rt_completer *gate = f->gate;
    collector co = {0};
    collect(&co, rt_async_star_run(&f->a));
    ts_run_main();
    rt_future *cancel = rt_subscription_cancel(co.sub);
    ts_run_main();
    assert_false(rt_future_is_complete(cancel)); /* the body is still at its await */
    rt_completer_complete(gate, NULL);
    assert_true(rt_future_is_complete(cancel));
    assert_string_equal(ts_log_text(), "+1, cancelled 1");
    rt_future_release(cancel);
    ts_run_main();
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_await_between_yields),
        cmocka_unit_test(test_error_then_done),
        cmocka_unit_test(test_yield_star_recursive),
        cmocka_unit_test(test_yield_star_forwards_errors),
        cmocka_unit_test(test_pause_checked_after_event),
        cmocka_unit_test(test_paused_generator_waits),
        cmocka_unit_test(test_await_for_pauses_generator),
        cmocka_unit_test(test_await_for_break_runs_generator_finally),
        cmocka_unit_test(test_await_for_pauses_during_body),
        cmocka_unit_test(test_cancel_in_handler_returns_at_yield),
        cmocka_unit_test(test_cancels_at_yield),
        cmocka_unit_test(test_does_cancel_eventually),
        cmocka_unit_test(test_cancel_while_paused_at_yield),
        cmocka_unit_test(test_cancel_at_index),
        cmocka_unit_test(test_fugl_fisk),
        cmocka_unit_test(test_await_for_inside_generator),
        cmocka_unit_test(test_cancel_through_nested_generators),
        cmocka_unit_test(test_awaited_error_becomes_error_event),
        cmocka_unit_test(test_never_listened),
        cmocka_unit_test(test_cancel_during_await_ends_at_next_yield),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
