/* test_future.c: futures and completers: Dart's ordering, chains, errors. */
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

static void log_then(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    ts_log("%s", (const char *)ctx);
}

static void log_body(rt_completer *c, void *ctx)
{
    (void)c;
    ts_log("%s", (const char *)ctx);
}

static void then_log(rt_future *f, const char *label)
{
    rt_future_release(rt_future_then(f, log_then, log_then, (void *)label));
}

/* A callback on an incomplete future runs inside the task that completes it
 * (sync completer); with an async completer, in a microtask after it. */
static void test_sync_and_async_completers(void **state)
{
    (void)state;
    enter();
    for (int sync = 1; sync >= 0; sync--) {
        rt_completer *c = rt_completer_new(sync);
        then_log(rt_completer_future(c), sync ? "sync then" : "async then");
        ts_log("before complete");
        rt_completer_complete(c, NULL);
        ts_log("after complete");
        rt_completer_release(c);
        ts_run_main();
    }
    assert_string_equal(ts_log_text(), "before complete, sync then, after complete, "
                                       "before complete, after complete, async then");
    ts_main_leave();
}

/* A whole chain propagates within the completing task. */
static void test_chain_propagates_in_one_task(void **state)
{
    (void)state;
    enter();
    rt_completer *c = rt_completer_new(true);
    rt_future *f = rt_completer_future(c);
    f = rt_future_then(f, log_then, NULL, "then 1");
    f = rt_future_then(f, log_then, NULL, "then 2");
    then_log(f, "then 3");
    rt_schedule_microtask(log_task, "microtask");
    rt_completer_complete(c, NULL);
    ts_log("completed");
    rt_completer_release(c);
    ts_run_main();
    assert_string_equal(ts_log_text(), "then 1, then 2, then 3, completed, microtask");
    ts_main_leave();
}

static void body_b(rt_completer *c, void *ctx)
{
    (void)ctx;
    ts_log("B (microtask body)");
    rt_completer_complete(c, rt_value_int(1));
}

/* scheduleMicrotask(A); Future.microtask(B).then(C); scheduleMicrotask(D):
 * the then runs inside B's microtask, before D. */
static void test_microtask_vs_future_microtask_then(void **state)
{
    (void)state;
    enter();
    rt_schedule_microtask(log_task, "A");
    then_log(rt_future_microtask(body_b, NULL), "C (then)");
    rt_schedule_microtask(log_task, "D");
    ts_run_main();
    assert_string_equal(ts_log_text(), "A, B (microtask body), C (then), D");
    ts_main_leave();
}

/* Future.value(v).then().then() vs a microtask scheduled after it: both
 * thens run first, since the value's completion microtask was queued when
 * the future was made. */
static void test_future_value_then_then_vs_microtask(void **state)
{
    (void)state;
    enter();
    rt_future *f = rt_future_value(rt_value_int(7));
    f = rt_future_then(f, log_then, NULL, "then 1");
    then_log(f, "then 2");
    rt_schedule_microtask(log_task, "microtask");
    ts_run_main();
    assert_string_equal(ts_log_text(), "then 1, then 2, microtask");
    ts_main_leave();
}

/* A callback added to a completed future is queued as one microtask at the
 * moment it is added. */
static void test_then_on_completed_future_is_a_microtask(void **state)
{
    (void)state;
    enter();
    rt_future *f = rt_future_value(rt_value_int(1));
    ts_run_main();
    assert_true(rt_future_is_complete(f));
    rt_schedule_microtask(log_task, "X");
    then_log(f, "Y (then)");
    rt_schedule_microtask(log_task, "Z");
    ts_run_main();
    assert_string_equal(ts_log_text(), "X, Y (then), Z");
    ts_main_leave();
}

/* Future.sync runs its body now; Future(f) runs behind queued events;
 * Future.delayed after its delay. */
static void test_constructors_order(void **state)
{
    (void)state;
    enter();
    rt_future *d = rt_future_delayed(RT_MS(5), log_body, "delayed body");
    rt_future *r = rt_future_run(log_body, "run body (zero timer)");
    rt_future *m = rt_future_microtask(log_body, "microtask body");
    rt_future *s = rt_future_sync(log_body, "sync body");
    then_log(s, "sync then");
    ts_log("main");
    ts_run_main();
    assert_string_equal(ts_log_text(), "sync body, main, microtask body, sync then, "
                                       "run body (zero timer), delayed body");
    assert_int_equal(vclock.now, RT_MS(5));
    rt_future_release(d);
    rt_future_release(r);
    rt_future_release(m);
    ts_main_leave();
}

/* ---- Values and errors down a chain ---- */

static void add_one(rt_future *src, rt_completer *next, void *ctx)
{
    (void)ctx;
    rt_completer_complete(next, rt_value_int(rt_value_as_int(rt_future_get_value(src)) + 1));
}

static void fail_with_5(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)ctx;
    rt_completer_fail(next, RT_EUSER - 5, "test", "five");
}

static void recover(rt_future *src, rt_completer *next, void *ctx)
{
    const rt_error *e = rt_future_get_error(src);
    ts_log("caught %s: %s (%d) by %s", e->domain, e->message, e->code, (const char *)ctx);
    rt_completer_complete(next, rt_value_int(100));
}

static void test_errors_propagate_and_catch_filters(void **state)
{
    (void)state;
    enter();
    rt_future *f = rt_future_value(rt_value_int(1));
    f = rt_future_then(f, add_one, NULL, NULL);               /* 2 */
    f = rt_future_then(f, fail_with_5, NULL, NULL);           /* error 5 */
    f = rt_future_then(f, add_one, NULL, NULL);               /* skipped: the error passes */
    f = rt_future_catch(f, RT_EUSER - 6, recover, "catch 6"); /* other code: passes */
    f = rt_future_catch(f, RT_EUSER - 5, recover, "catch 5");
    f = rt_future_then(f, add_one, NULL, NULL); /* 101 */
    ts_run_main();
    assert_string_equal(ts_log_text(), "caught test: five (-105) by catch 5");
    assert_false(rt_future_is_error(f));
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 101);
    rt_future_release(f);
    ts_main_leave();
}

static void count_task(void *ctx)
{
    ++*(int *)ctx;
}

/* rt_future_then_ctx: the context is freed exactly once, by the callback
 * when it runs, or by destroy when the future goes without completing. */
static int ctx_ran, ctx_destroyed;

static void ctx_then(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    ctx_ran++;
    rt_free(ctx);
}

static void ctx_destroy(void *ctx)
{
    ctx_destroyed++;
    rt_free(ctx);
}

static void test_then_ctx_frees_its_context_once(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ctx_ran = ctx_destroyed = 0;
    /* Dropped pending: destroy runs, the callback never. */
    rt_completer *c = rt_completer_new(false);
    rt_future_release(
        rt_future_then_ctx(rt_completer_future(c), ctx_then, ctx_then, rt_malloc(8), ctx_destroy));
    rt_completer_release(c);
    rt_run(RT_RUN_NOWAIT);
    assert_int_equal(ctx_ran, 0);
    assert_int_equal(ctx_destroyed, 1);
    /* Completed: the callback runs and owns ctx; destroy does not run. */
    c = rt_completer_new(false);
    rt_future_release(
        rt_future_then_ctx(rt_completer_future(c), ctx_then, ctx_then, rt_malloc(8), ctx_destroy));
    rt_completer_complete(c, rt_value_int(1));
    rt_completer_release(c);
    rt_run(RT_RUN_NOWAIT);
    assert_int_equal(ctx_ran, 1);
    assert_int_equal(ctx_destroyed, 1);
    /* No future: destroy at once. */
    assert_null(rt_future_then_ctx(NULL, ctx_then, ctx_then, rt_malloc(8), ctx_destroy));
    assert_int_equal(ctx_destroyed, 2);
    ts_main_leave();
}

/* Completing a future whose outcome cannot be stored (no memory left)
 * still settles it, with an RT_ENOMEM error; it used to stay pending. */
static void test_completion_without_memory_still_settles(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    enum { N = 2000 };
    rt_completer **c = malloc(N * sizeof *c);
    rt_future **f = malloc(N * sizeof *f);
    assert_non_null(c);
    assert_non_null(f);
    for (int i = 0; i < N; i++) {
        c[i] = rt_completer_new(i % 2 == 0);
        f[i] = rt_completer_future(c[i]);
        assert_non_null(f[i]);
    }
    ts_alloc_fail_after(1); /* from now on the heap cannot grow */
    int failed = 0;
    for (int i = 0; i < N; i++) {
        int rc = i % 3 == 0   ? rt_completer_complete(c[i], NULL)
                 : i % 3 == 1 ? rt_completer_fail(c[i], RT_EUSER, "test", "job %d failed", i)
                              : rt_completer_complete_ptr(c[i], NULL, NULL);
        assert_true(rc == RT_OK || rc == RT_ENOMEM);
        failed += rc == RT_ENOMEM;
    }
    rt_run(RT_RUN_NOWAIT); /* the async ones settle in their microtasks */
    ts_alloc_fail_never();
    assert_true(failed > 0); /* the heap did run out */
    for (int i = 0; i < N; i++) {
        assert_true(rt_future_is_complete(f[i]));
        const rt_error *e = rt_future_get_error(f[i]);
        if (e && e->code == RT_ENOMEM) assert_string_equal(e->domain, "runtime");
        rt_future_release(f[i]);
        rt_completer_release(c[i]);
    }
    free(c);
    free(f);
    rt_run(RT_RUN_NOWAIT);
    ts_main_leave();
}

static void test_when_complete_keeps_outcome(void **state)
{
    (void)state;
    enter();
    int runs = 0;
    rt_future *a = rt_future_when_complete(rt_future_value(rt_value_int(3)), count_task, &runs);
    rt_future *b =
        rt_future_when_complete(rt_future_error(RT_EUSER - 1, "test", "no"), count_task, &runs);
    b = rt_future_catch(b, 0, recover, "catch");
    ts_run_main();
    assert_int_equal(runs, 2);
    assert_int_equal(rt_value_as_int(rt_future_get_value(a)), 3);
    assert_int_equal(rt_value_as_int(rt_future_get_value(b)), 100);
    rt_future_release(a);
    rt_future_release(b);
    ts_main_leave();
}

/* ---- Future.forEach and Future.doWhile (Dart tests/lib/async/futures_test.dart) ---- */

static rt_value *int_list(int n)
{
    rt_value *l = rt_value_list();
    for (int i = 1; i <= n; i++)
        rt_list_push(l, rt_value_int(i));
    return l;
}

static rt_future *each_never(const rt_value *item, void *ctx)
{
    (void)item;
    (void)ctx;
    fail_msg("should not be called");
    return NULL;
}

static rt_future *each_seen_future(const rt_value *item, void *ctx)
{
    (void)ctx;
    ts_log("%lld", (long long)rt_value_as_int(item));
    return rt_future_value(NULL);
}

static rt_future *each_seen_sync(const rt_value *item, void *ctx)
{
    (void)ctx;
    ts_log("%lld", (long long)rt_value_as_int(item));
    return NULL; /* Dart: seen.add returns a non-future */
}

static rt_future *each_throw_at_4(const rt_value *item, void *ctx)
{
    (void)ctx;
    if (rt_value_as_int(item) == 4)
        return rt_future_error(RT_EUSER - 4, "test", "correct exception");
    ts_log("%lld", (long long)rt_value_as_int(item));
    return rt_future_value(NULL);
}

/* testForEachEmpty, testForEach, testForEachSync, testForEachWithException */
static void test_for_each(void **state)
{
    (void)state;
    enter();
    rt_future *empty = rt_future_for_each(rt_value_list(), each_never, NULL);
    ts_run_main();
    assert_true(rt_future_is_complete(empty) && !rt_future_is_error(empty));
    rt_future *each = rt_future_for_each(int_list(5), each_seen_future, NULL);
    ts_run_main();
    assert_string_equal(ts_log_text(), "1, 2, 3, 4, 5");
    assert_true(rt_future_is_complete(each) && !rt_future_is_error(each));
    ts_log_reset();
    /* Synchronous actions: the whole loop runs inside the call. */
    rt_future *sync = rt_future_for_each(int_list(5), each_seen_sync, NULL);
    assert_string_equal(ts_log_text(), "1, 2, 3, 4, 5");
    assert_true(rt_future_is_complete(sync) && !rt_future_is_error(sync));
    ts_log_reset();
    rt_future *thrown = rt_future_for_each(int_list(5), each_throw_at_4, NULL);
    ts_run_main();
    assert_string_equal(ts_log_text(), "1, 2, 3");
    assert_string_equal(rt_future_get_error(thrown)->message, "correct exception");
    rt_future_release(empty);
    rt_future_release(each);
    rt_future_release(sync);
    rt_future_release(thrown);
    ts_main_leave();
}

static void less_than_10(rt_completer *c, void *ctx)
{
    rt_completer_complete(c, rt_value_bool(*(int *)ctx < 10));
}

static rt_future *while_future(bool *more, void *ctx)
{
    (void)more;
    ++*(int *)ctx;
    return rt_future_run(less_than_10, ctx); /* new Future(() => count < 10) */
}

static rt_future *while_sync(bool *more, void *ctx)
{
    *more = ++*(int *)ctx < 10;
    return NULL;
}

static void yes(rt_completer *c, void *ctx)
{
    (void)ctx;
    rt_completer_complete(c, rt_value_bool(true));
}

static rt_future *while_throw_at_4(bool *more, void *ctx)
{
    (void)more;
    if (++*(int *)ctx == 4) return rt_future_error(RT_EUSER - 4, "test", "correct exception");
    return rt_future_run(yes, NULL);
}

/* testDoWhile, testDoWhileSync, testDoWhileWithException */
static void test_do_while(void **state)
{
    (void)state;
    enter();
    int count = 0;
    rt_future *f = rt_future_do_while(while_future, &count);
    ts_run_main();
    assert_int_equal(count, 10);
    assert_true(rt_future_is_complete(f) && !rt_future_is_error(f));
    rt_future_release(f);
    count = 0;
    f = rt_future_do_while(while_sync, &count);
    assert_int_equal(count, 10); /* synchronous steps: done within the call */
    assert_true(rt_future_is_complete(f) && !rt_future_is_error(f));
    rt_future_release(f);
    count = 0;
    f = rt_future_do_while(while_throw_at_4, &count);
    ts_run_main();
    assert_int_equal(count, 4);
    assert_string_equal(rt_future_get_error(f)->message, "correct exception");
    rt_future_release(f);
    ts_main_leave();
}

/* ---- whenComplete with a future (Dart tests/lib/async/future_test.dart) ---- */

typedef struct when_case {
    int counter;
    bool second_fails;
} when_case;

static void count_down(when_case *w, int expect)
{
    assert_int_equal(w->counter, expect);
    w->counter--;
}

static void second_done(rt_completer *c, void *ctx)
{
    when_case *w = ctx;
    count_down(w, 2);
    if (w->second_fails)
        rt_completer_fail(c, RT_EUSER - 2, "test", "Fail");
    else
        rt_completer_complete(c, rt_value_int(37));
}

static rt_future *when_action(void *ctx)
{
    when_case *w = ctx;
    count_down(w, 3);
    return rt_future_delayed(RT_MS(10), second_done, w); /* new Timer(MS * 10, ...) */
}

static void on_value_expect(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    when_case *w = ctx;
    assert_int_equal(rt_value_as_int(rt_future_get_value(src)), 42);
    count_down(w, 1);
}

static void on_error_expect(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    when_case *w = ctx;
    ts_log("error %s", rt_future_get_error(src)->message);
    count_down(w, 1);
}

static void on_value_unexpected(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    (void)ctx;
    fail_msg("should fail async");
}

/* testFutureWhenValueFutureValue, testFutureWhenValueFutureError,
 * testFutureWhenErrorFutureValue, testFutureWhenErrorFutureError */
static void test_when_complete_waits_for_action_future(void **state)
{
    (void)state;
    enter();
    for (int first_fails = 0; first_fails <= 1; first_fails++) {
        for (int second_fails = 0; second_fails <= 1; second_fails++) {
            when_case w = {3, second_fails};
            rt_completer *c = rt_completer_new(false);
            rt_future *f = rt_future_when_complete_async(rt_completer_future(c), when_action, &w);
            bool expect_value = !first_fails && !second_fails;
            f = rt_future_then(f, expect_value ? on_value_expect : on_value_unexpected,
                               on_error_expect, &w);
            if (first_fails)
                rt_completer_fail(c, RT_EUSER - 1, "test", "Error");
            else
                rt_completer_complete(c, rt_value_int(42));
            rt_completer_release(c);
            ts_run_main();
            assert_int_equal(w.counter, 0);
            rt_future_release(f);
        }
    }
    /* The action's error replaces the outcome; else the original stays. */
    assert_string_equal(ts_log_text(), "error Fail, error Error, error Fail");
    ts_main_leave();
}

static rt_future *action_throws(void *ctx)
{
    (void)ctx;
    return rt_future_error(RT_EUSER - 3, "test", "new error");
}

static rt_future *action_sync(void *ctx)
{
    ts_log("%s", (const char *)ctx);
    return NULL;
}

/* testFutureWhenCompleteValueNewError, testFutureWhenCompleteErrorNewError;
 * a synchronous action keeps the outcome and adds no microtask. */
static void test_when_complete_action_error_replaces(void **state)
{
    (void)state;
    enter();
    rt_future *a =
        rt_future_when_complete_async(rt_future_value(rt_value_int(42)), action_throws, NULL);
    rt_future *b = rt_future_when_complete_async(rt_future_error(RT_EUSER - 1, "test", "Error"),
                                                 action_throws, NULL);
    a = rt_future_catch(a, 0, recover, "catch a");
    b = rt_future_catch(b, RT_EUSER - 3, recover, "catch b");
    rt_completer *c = rt_completer_new(true);
    rt_future *s = rt_future_when_complete_async(rt_completer_future(c), action_sync, "action");
    then_log(rt_future_dup(s), "then");
    rt_completer_complete(c, rt_value_int(7));
    rt_completer_release(c);
    assert_string_equal(ts_log_text(), "action, then"); /* all inside complete */
    ts_run_main();
    assert_int_equal(rt_value_as_int(rt_future_get_value(a)), 100);
    assert_int_equal(rt_value_as_int(rt_future_get_value(b)), 100);
    assert_int_equal(rt_value_as_int(rt_future_get_value(s)), 7);
    rt_future_release(a);
    rt_future_release(b);
    rt_future_release(s);
    ts_main_leave();
}

/* ---- catchError(test:) (Dart future.dart catchError docs; future_test.dart
 * testFutureCatchError* with a test function) ---- */

static bool is_400s(const rt_error *e, void *ctx)
{
    (void)ctx;
    ts_log("test %d", e->code);
    return e->code <= RT_EUSER - 400 && e->code > RT_EUSER - 500;
}

static void test_catch_if(void **state)
{
    (void)state;
    enter();
    rt_future *hit = rt_future_catch_if(rt_future_error(RT_EUSER - 401, "test", "401"), is_400s,
                                        recover, "catch");
    rt_future *miss = rt_future_catch_if(rt_future_error(RT_EUSER - 1, "test", "other"), is_400s,
                                         recover, "catch");
    rt_future *value =
        rt_future_catch_if(rt_future_value(rt_value_int(5)), is_400s, recover, "catch");
    miss = rt_future_catch(miss, 0, recover, "outer");
    ts_run_main();
    assert_int_equal(rt_value_as_int(rt_future_get_value(hit)), 100);
    assert_int_equal(rt_value_as_int(rt_future_get_value(miss)), 100);
    assert_int_equal(rt_value_as_int(rt_future_get_value(value)), 5); /* test not called */
    assert_string_equal(ts_log_text(), "test -501, caught test: 401 (-501) by catch, test -101, "
                                       "caught test: other (-101) by outer");
    rt_future_release(hit);
    rt_future_release(miss);
    rt_future_release(value);
    ts_main_leave();
}

/* ---- timeout, wait, any ---- */

static void fallback(rt_completer *c, void *ctx)
{
    (void)ctx;
    rt_completer_complete(c, rt_value_string("fallback"));
}

static void test_timeout(void **state)
{
    (void)state;
    enter();
    rt_future *slow =
        rt_future_timeout(rt_future_delayed(RT_MS(100), NULL, NULL), RT_MS(10), NULL, NULL);
    rt_future *fb =
        rt_future_timeout(rt_future_delayed(RT_MS(100), NULL, NULL), RT_MS(10), fallback, NULL);
    rt_future *fast = rt_future_timeout(rt_future_value(rt_value_int(9)), RT_MS(10), NULL, NULL);
    rt_future *fast_timer_gone = rt_future_dup(fast);
    rt_run(RT_RUN_NOWAIT);
    assert_int_equal(rt_value_as_int(rt_future_get_value(fast)), 9);
    ts_run_main();
    assert_int_equal(rt_future_get_error(slow)->code, RT_ETIMEOUT);
    assert_non_null(strstr(rt_future_get_error(slow)->message, "timed out after 10 ms"));
    assert_string_equal(rt_value_as_string(rt_future_get_value(fb), NULL), "fallback");
    /* The delayed futures still ran to the end: 100 ms of virtual time. */
    assert_int_equal(vclock.now, RT_MS(100));
    rt_future_release(slow);
    rt_future_release(fb);
    rt_future_release(fast);
    rt_future_release(fast_timer_gone);
    ts_main_leave();
}

static void value_body(rt_completer *c, void *ctx)
{
    rt_completer_complete(c, rt_value_int((int64_t)(intptr_t)ctx));
}

static void fail_body(rt_completer *c, void *ctx)
{
    rt_completer_fail(c, (int)(intptr_t)ctx, "test", "failed %d", (int)(intptr_t)ctx);
}

static void test_wait_values_in_input_order(void **state)
{
    (void)state;
    enter();
    rt_future *fs[3] = {rt_future_delayed(RT_MS(30), value_body, (void *)1),
                        rt_future_delayed(RT_MS(10), value_body, (void *)2),
                        rt_future_delayed(RT_MS(20), value_body, (void *)3)};
    rt_future *all = rt_future_wait(fs, 3, false);
    ts_run_main();
    const rt_value *list = rt_future_get_value(all);
    assert_int_equal(rt_list_len(list), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rt_value_as_int(rt_list_get(list, (size_t)i)), i + 1);
    rt_future_release(all);
    ts_main_leave();
}

static void test_wait_errors_eager_and_not(void **state)
{
    (void)state;
    enter();
    for (int eager = 0; eager <= 1; eager++) {
        rt_future *fs[3] = {
            rt_future_delayed(RT_MS(30), value_body, (void *)1),
            rt_future_delayed(RT_MS(10), fail_body, (void *)(intptr_t)(RT_EUSER - 1)),
            rt_future_delayed(RT_MS(20), fail_body, (void *)(intptr_t)(RT_EUSER - 2))};
        int64_t t0 = vclock.now;
        rt_future *all = rt_future_wait(fs, 3, eager);
        while (!rt_future_is_complete(all))
            rt_run(RT_RUN_ONCE);
        /* Eager: done at the first error (10 ms); otherwise after all (30 ms). */
        assert_int_equal(vclock.now - t0, eager ? RT_MS(10) : RT_MS(30));
        assert_int_equal(rt_future_get_error(all)->code, RT_EUSER - 1);
        rt_future_release(all);
        ts_run_main();
    }
    ts_main_leave();
}

static void test_any_first_wins(void **state)
{
    (void)state;
    enter();
    rt_future *fs[3] = {rt_future_delayed(RT_MS(30), value_body, (void *)1),
                        rt_future_delayed(RT_MS(10), value_body, (void *)2),
                        rt_future_delayed(RT_MS(20), fail_body, (void *)(intptr_t)(RT_EUSER - 2))};
    rt_future *first = rt_future_any(fs, 3);
    ts_run_main();
    assert_int_equal(rt_value_as_int(rt_future_get_value(first)), 2);
    rt_future_release(first);
    ts_main_leave();
}

/* ---- Unhandled errors ---- */

static void on_error_report(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    ts_log("reported: %s", rt_value_as_string(rt_map_get(v, "message"), NULL));
    rt_value_free(v);
}

static void late_catch(void *ctx)
{
    rt_future_release(rt_future_catch(ctx, 0, recover, "late catch"));
}

static void unhandled_entry(rt_value *msg)
{
    rt_value_free(msg);
    /* Handled later, but within the same microtask drain: not reported. */
    rt_future *handled = rt_future_error(RT_EUSER - 3, "test", "caught later");
    rt_schedule_microtask(late_catch, handled);
    rt_future_release(rt_future_error(RT_EUSER - 4, "test", "nobody catches this"));
}

static void on_exit_close(rt_receive_port *p, rt_value *v, void *ctx)
{
    rt_value_free(v);
    rt_receive_port_close(p);
    rt_receive_port_close(ctx);
}

/* An error future nobody handled by the end of the microtask drain goes to
 * the isolate's on-error port (and, errors being fatal, ends the isolate). */
static void test_unhandled_error_reported_not_lost(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ts_log_reset();
    rt_receive_port *reports = rt_receive_port_open(on_error_report, NULL, NULL);
    rt_receive_port *exits = rt_receive_port_open(on_exit_close, reports, NULL);
    rt_isolate_options o = {.name = "sloppy",
                            .on_error = rt_receive_port_send_port(reports),
                            .on_exit = rt_receive_port_send_port(exits)};
    assert_int_equal(rt_isolate_spawn(unhandled_entry, NULL, &o, NULL), 0);
    ts_run_main();
    assert_string_equal(ts_log_text(),
                        "caught test: caught later (-103) by late catch, "
                        "reported: unhandled future error (test): nobody catches this");
    ts_main_leave();
}

static void test_unhandled_error_goes_to_stderr(void **state)
{
    (void)state;
    char out[4096];
    int status = ts_run_child("unhandled", out, sizeof out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_non_null(strstr(out, "unhandled error in isolate 'main': unhandled future error (test): "
                                "nobody catches this"));
    assert_null(strstr(out, "caught later"));
}

static void child_unhandled(void)
{
    rt_main_enter(NULL);
    /* Handled later, but within the same microtask drain: not reported. */
    rt_future *handled = rt_future_error(RT_EUSER - 3, "test", "caught later");
    rt_schedule_microtask(late_catch, handled);
    rt_future *lost = rt_future_error(RT_EUSER - 4, "test", "nobody catches this");
    rt_future_release(lost);
    while (rt_run(RT_RUN_DEFAULT)) {
    }
    rt_main_leave();
    exit(0);
}

static void child_double_complete(void)
{
    rt_main_enter(NULL);
    rt_completer *c = rt_completer_new(false);
    rt_completer_complete(c, NULL);
    rt_completer_complete(c, NULL);
}

static void test_double_completion_is_an_error(void **state)
{
    (void)state;
    ts_expect_check_abort("double-complete",
                          "rt_completer_complete: the future was already completed");
}

/* ---- A million thens: constant stack, memory back ---- */

static void pass_int(rt_future *src, rt_completer *next, void *ctx)
{
    (void)ctx;
    int64_t v = rt_value_as_int(rt_future_get_value(src));
    rt_completer_complete(next, rt_value_int(v + 1));
}

static void test_million_thens(void **state)
{
    (void)state;
    enter();
    size_t base = rt_heap_live_bytes();
    rt_completer *c = rt_completer_new(true);
    rt_future *f = rt_completer_future(c);
    for (int i = 0; i < 1000000; i++)
        f = rt_future_then(f, pass_int, NULL, NULL);
    rt_completer_complete(c, rt_value_int(0)); /* the whole chain runs here */
    rt_completer_release(c);
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 1000000);
    rt_future_release(f);
    ts_run_main();
    assert_int_equal(rt_heap_live_bytes(), base);
    ts_main_leave();
}

/* ---- Pointer outcomes: destroyed once, when the outcome goes ---- */

static int destroyed;

static void count_destroy(void *p)
{
    assert_string_equal(p, "payload");
    destroyed++;
}

static void test_pointer_outcome_destroyed_once(void **state)
{
    (void)state;
    enter();
    destroyed = 0;
    static char payload[] = "payload";
    rt_completer *c = rt_completer_new(false);
    rt_future *f = rt_completer_future(c);
    rt_future *g = rt_future_then(rt_future_dup(f), NULL, NULL, NULL); /* shares the outcome */
    rt_completer_complete_ptr(c, payload, count_destroy);
    rt_completer_release(c);
    ts_run_main();
    assert_ptr_equal(rt_future_get_ptr(f), payload);
    assert_ptr_equal(rt_future_get_ptr(g), payload);
    rt_future_release(f);
    assert_int_equal(destroyed, 0);
    rt_future_release(g);
    assert_int_equal(destroyed, 1);
    /* Forgotten until the isolate ends: destroyed then, still once. */
    rt_completer *d = rt_completer_new(true);
    rt_completer_complete_ptr(d, payload, count_destroy);
    (void)d;
    ts_main_leave();
    assert_int_equal(destroyed, 2);
}

static const ts_child_case cases[] = {
    {"unhandled", child_unhandled},
    {"double-complete", child_double_complete},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_and_async_completers),
        cmocka_unit_test(test_chain_propagates_in_one_task),
        cmocka_unit_test(test_microtask_vs_future_microtask_then),
        cmocka_unit_test(test_future_value_then_then_vs_microtask),
        cmocka_unit_test(test_then_on_completed_future_is_a_microtask),
        cmocka_unit_test(test_constructors_order),
        cmocka_unit_test(test_errors_propagate_and_catch_filters),
        cmocka_unit_test(test_when_complete_keeps_outcome),
        cmocka_unit_test(test_for_each),
        cmocka_unit_test(test_do_while),
        cmocka_unit_test(test_when_complete_waits_for_action_future),
        cmocka_unit_test(test_when_complete_action_error_replaces),
        cmocka_unit_test(test_catch_if),
        cmocka_unit_test(test_then_ctx_frees_its_context_once),
        cmocka_unit_test(test_completion_without_memory_still_settles),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_wait_values_in_input_order),
        cmocka_unit_test(test_wait_errors_eager_and_not),
        cmocka_unit_test(test_any_first_wins),
        cmocka_unit_test(test_unhandled_error_reported_not_lost),
        cmocka_unit_test(test_unhandled_error_goes_to_stderr),
        cmocka_unit_test(test_double_completion_is_an_error),
        cmocka_unit_test(test_million_thens),
        cmocka_unit_test(test_pointer_outcome_destroyed_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
