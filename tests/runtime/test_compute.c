/* test_compute.c: compute(), its pool, cancellation, progress, Isolate.run. */
#include "test_support.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void enter(void)
{
    ts_main_enter(NULL);
    ts_log_reset();
}

static void run_until(rt_future *f)
{
    while (!rt_future_is_complete(f))
        rt_run(RT_RUN_ONCE);
}

static rt_value *square(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    int64_t x = rt_value_as_int(msg);
    return rt_value_int(x * x);
}

static rt_future *compute_int(rt_compute_fn fn, int64_t x)
{
    rt_value *v = rt_value_int(x);
    rt_future *f = rt_compute(fn, v);
    rt_value_free(v);
    assert_non_null(f);
    return f;
}

static void test_compute_value(void **state)
{
    (void)state;
    enter();
    rt_future *f = compute_int(square, 7);
    run_until(f);
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 49);
    rt_future_release(f);
    ts_run_main(); /* nothing pending: returns at once */
    ts_main_leave();
}

/* Tracing: each job is a "compute" span on the pool isolate that ran it. */
typedef struct compute_trace {
    pthread_mutex_t lock;
    int spans, failed;
    char isolate[32];
    int64_t dur;
} compute_trace;

static void compute_sink(void *ctx, const rt_trace_event *e)
{
    compute_trace *t = ctx;
    if (e->phase != RT_TRACE_SPAN || strcmp(e->name, "compute") != 0) return;
    pthread_mutex_lock(&t->lock);
    t->spans++;
    if (e->detail && !strcmp(e->detail, "failed")) t->failed++;
    snprintf(t->isolate, sizeof t->isolate, "%s", e->isolate);
    t->dur = e->dur_ns;
    pthread_mutex_unlock(&t->lock);
}

static rt_value *failing(rt_value *msg, rt_compute_ctx *cx);

static void test_jobs_are_traced(void **state)
{
    (void)state;
    static compute_trace tr = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rt_trace_set(compute_sink, &tr);
    enter();
    rt_future *f = compute_int(square, 3), *g = compute_int(failing, 1);
    run_until(f);
    run_until(g);
    rt_future_release(f);
    rt_future_release(g);
    ts_main_leave();
    rt_trace_set(NULL, NULL);
    assert_int_equal(tr.spans, 2);
    assert_int_equal(tr.failed, 1);
    assert_memory_equal(tr.isolate, "compute", 7);
    assert_true(tr.dur >= 0);
}

static rt_value *failing(rt_value *msg, rt_compute_ctx *cx)
{
    rt_compute_fail(cx, RT_EUSER - 42, "math", "bad input %lld", (long long)rt_value_as_int(msg));
    return NULL;
}

/* fn's error arrives with its code, domain and message intact. */
static void test_compute_error_keeps_code(void **state)
{
    (void)state;
    enter();
    rt_future *f = rt_future_catch(compute_int(failing, 7), RT_EUSER - 42, NULL, NULL);
    rt_future *g = compute_int(failing, 8);
    run_until(g);
    const rt_error *e = rt_future_get_error(g);
    assert_non_null(e);
    assert_int_equal(e->code, RT_EUSER - 42);
    assert_string_equal(e->domain, "math");
    assert_string_equal(e->message, "bad input 8");
    rt_future_release(g);
    rt_future_release(f);
    ts_run_main();
    ts_main_leave();
}

/* ---- Cancellation ---- */

static atomic_int polls;

static rt_value *polite(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    while (!rt_compute_cancelled(cx)) {
        atomic_fetch_add(&polls, 1);
        nanosleep(&(struct timespec){0, 100000}, NULL);
    }
    return rt_value_string("stopped");
}

static void test_cooperative_cancel(void **state)
{
    (void)state;
    enter();
    atomic_store(&polls, 0);
    rt_compute_task *t;
    rt_future *f = rt_compute_start(polite, NULL, &t);
    while (atomic_load(&polls) == 0)
        rt_run(RT_RUN_NOWAIT); /* running now */
    rt_compute_task_cancel(t, false);
    assert_true(rt_future_is_complete(f)); /* at once, not when fn notices */
    assert_int_equal(rt_future_get_error(f)->code, RT_ECANCELLED);
    rt_future_release(f);
    /* fn saw the flag and returned: the pool serves the next job. */
    rt_future *g = compute_int(square, 3);
    run_until(g);
    assert_int_equal(rt_value_as_int(rt_future_get_value(g)), 9);
    rt_future_release(g);
    rt_compute_task_release(t);
    ts_run_main();
    ts_main_leave();
}

static atomic_bool release_runaways;
static atomic_int runaways_running;

static rt_value *runaway(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    (void)cx;
    atomic_fetch_add(&runaways_running, 1);
    while (!atomic_load(&release_runaways))
        nanosleep(&(struct timespec){0, 200000}, NULL);
    atomic_fetch_sub(&runaways_running, 1);
    return rt_value_int(-1);
}

/* Hard cancel: fn never polls. The future fails at once, and fresh pool
 * isolates take the place of the stuck ones, so other work goes on. */
static void test_hard_cancel_replaces_stuck_isolates(void **state)
{
    (void)state;
    enter();
    atomic_store(&release_runaways, false);
    atomic_store(&runaways_running, 0);
    size_t n = rt_compute_pool_size();
    rt_compute_task *tasks[64];
    rt_future *fs[64];
    for (size_t i = 0; i < n; i++)
        fs[i] = rt_compute_start(runaway, NULL, &tasks[i]);
    while ((size_t)atomic_load(&runaways_running) < n)
        rt_run(RT_RUN_NOWAIT);
    /* Every pool isolate is stuck: a new job would wait. Cancel hard. */
    for (size_t i = 0; i < n; i++) {
        rt_compute_task_cancel(tasks[i], true);
        assert_int_equal(rt_future_get_error(fs[i])->code, RT_ECANCELLED);
        rt_future_release(fs[i]);
    }
    rt_future *g = compute_int(square, 5);
    run_until(g);
    assert_int_equal(rt_value_as_int(rt_future_get_value(g)), 25);
    assert_int_equal(atomic_load(&runaways_running), (int)n); /* still stuck */
    rt_future_release(g);
    atomic_store(&release_runaways, true);
    for (size_t i = 0; i < n; i++)
        rt_compute_task_release(tasks[i]);
    ts_run_main();
    ts_main_leave();
}

/* ---- A hard cancel that races the end of the job ---- */

static atomic_bool racer_started, racer_release;
static bool racer_parked;

static rt_value *finish_when_told(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    (void)cx;
    atomic_store(&racer_started, true);
    while (!atomic_load(&racer_release))
        nanosleep(&(struct timespec){0, 100000}, NULL);
    return rt_value_int(1);
}

/* Waits (10 s at most) until the isolate named `name` has run `n` events. */
static bool wait_handled(const char *name, uint64_t n)
{
    for (int i = 0; i < 100000; i++) {
        rt_isolate_info info[80];
        size_t k = rt_isolate_snapshot(info, 80);
        for (size_t j = 0; j < k && j < 80; j++)
            if (!strcmp(info[j].name, name) && info[j].stats.events_handled >= n) return true;
        nanosleep(&(struct timespec){0, 100000}, NULL);
    }
    return false;
}

/* Runs inside the hard cancel, after the pool chose its victim and before
 * the kill: the job ends and its worker takes the next-job event (its
 * second), finds the queue empty and parks. */
static void let_the_worker_park(void *ctx)
{
    (void)ctx;
    atomic_store(&racer_release, true);
    racer_parked = wait_handled("compute-1", 2);
}

/* Issue 11.5: the hard-cancelled worker had already finished and parked
 * when the kill reached it; the pool must not hand the next job to it. */
static void test_hard_cancel_of_a_parked_worker_loses_no_job(void **state)
{
    (void)state;
    enter();
    atomic_store(&racer_started, false);
    atomic_store(&racer_release, false);
    racer_parked = false;
    rt_compute_task *t;
    rt_future *f = rt_compute_start(finish_when_told, NULL, &t);
    while (!atomic_load(&racer_started))
        rt_run(RT_RUN_NOWAIT);
    rt_future *w = rt_future_when_complete(rt_future_dup(f), let_the_worker_park, NULL);
    rt_future_release(rt_future_catch(w, 0, NULL, NULL));
    rt_compute_task_cancel(t, true);
    assert_true(racer_parked);
    assert_int_equal(rt_future_get_error(f)->code, RT_ECANCELLED);
    /* A hang guard, not a timing assertion. */
    rt_future *g = rt_future_timeout(compute_int(square, 6), RT_SEC(10), NULL, NULL);
    run_until(g);
    assert_false(rt_future_is_error(g));
    assert_int_equal(rt_value_as_int(rt_future_get_value(g)), 36);
    rt_future_release(g);
    rt_future_release(f);
    rt_compute_task_release(t);
    ts_run_main();
    ts_main_leave();
}

static rt_value *queued_never_runs(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    (void)cx;
    fail_msg("a job cancelled while queued ran");
    return NULL;
}

static void test_cancel_queued_job_never_starts(void **state)
{
    (void)state;
    enter();
    atomic_store(&release_runaways, false);
    atomic_store(&runaways_running, 0);
    size_t n = rt_compute_pool_size();
    rt_future *busy[64];
    for (size_t i = 0; i < n; i++)
        busy[i] = rt_compute(runaway, NULL);
    rt_compute_task *t;
    rt_future *f = rt_compute_start(queued_never_runs, NULL, &t);
    rt_compute_task_cancel(t, false);
    assert_int_equal(rt_future_get_error(f)->code, RT_ECANCELLED);
    atomic_store(&release_runaways, true);
    for (size_t i = 0; i < n; i++) {
        run_until(busy[i]);
        rt_future_release(busy[i]);
    }
    rt_future_release(f);
    rt_compute_task_release(t);
    ts_run_main();
    ts_main_leave();
}

/* ---- Out of memory: every future settles ---- */

static rt_value *answer_out_of_memory(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    (void)cx;
    ts_alloc_fail_after(1); /* the answer cannot be built, nor an error */
    return rt_value_int(5);
}

/* Issue 11.6: the result cannot be sent and neither can an error: the
 * reserve made with the job still fails the future. */
static void test_undeliverable_result_fails_the_future(void **state)
{
    (void)state;
    enter();
    rt_future *f = compute_int(answer_out_of_memory, 0);
    rt_future *g = rt_future_timeout(rt_future_dup(f), RT_SEC(10), NULL, NULL);
    assert_true(wait_handled("compute-1", 1)); /* it answered, or tried to */
    ts_alloc_fail_never();
    run_until(g);
    const rt_error *e = rt_future_get_error(f);
    assert_non_null(e);
    assert_int_equal(e->code, RT_ENOMEM);
    assert_string_equal(e->domain, "compute");
    assert_non_null(strstr(e->message, "could not be sent"));
    rt_future_release(g);
    rt_future_release(f);
    ts_run_main();
    ts_main_leave();
}

/* Issue 11.6: rt_compute out of memory at each allocation in turn: NULL,
 * or a future that settles (the worker may fail to start: then the job
 * fails instead of waiting for ever). Nothing is left behind. */
static void test_compute_out_of_memory_settles(void **state)
{
    (void)state;
    int worker_failures = 0;
    bool ok = false;
    for (long n = 1; !ok; n++) {
        enter();
        long before = ts_alloc_count();
        rt_value *v = rt_value_int(4);
        ts_alloc_fail_after(n);
        rt_future *f = rt_compute(square, v);
        bool failed = ts_alloc_count() - before >= n;
        ts_alloc_fail_never();
        rt_value_free(v);
        if (f) {
            rt_future *g = rt_future_timeout(rt_future_dup(f), RT_SEC(10), NULL, NULL);
            run_until(g);
            rt_future_release(g);
            const rt_error *e = rt_future_get_error(f);
            if (e) {
                assert_int_not_equal(e->code, RT_ETIMEOUT);
                assert_string_equal(e->domain, "compute");
                worker_failures++;
            } else {
                assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 16);
                ok = !failed;
            }
            rt_future_release(f);
        }
        ts_run_main();
        ts_main_leave();
    }
    assert_true(worker_failures > 0); /* the sweep reached the worker's start */
}

/* ---- Progress ---- */

static rt_value *with_progress(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    for (int i = 1; i <= 5; i++)
        rt_compute_progress(cx, rt_value_int(i * 20));
    return rt_value_string("finished");
}

static void on_progress(rt_subscription *s, const rt_value *v, void *ctx)
{
    (void)s;
    (void)ctx;
    ts_log("%lld%%", (long long)rt_value_as_int(v));
}

static void on_progress_done(rt_subscription *s, void *ctx)
{
    (void)s;
    (void)ctx;
    ts_log("progress done");
}

static void test_progress_stream(void **state)
{
    (void)state;
    enter();
    rt_compute_task *t;
    rt_future *f = rt_compute_start(with_progress, NULL, &t);
    rt_stream *p = rt_compute_task_progress(t);
    rt_stream_handlers h = {on_progress, NULL, on_progress_done, NULL, false};
    rt_stream_listen(p, &h);
    run_until(f);
    ts_run_main();
    assert_string_equal(ts_log_text(), "20%, 40%, 60%, 80%, 100%, progress done");
    assert_string_equal(rt_value_as_string(rt_future_get_value(f), NULL), "finished");
    rt_stream_release(p);
    rt_future_release(f);
    rt_compute_task_release(t);
    ts_main_leave();
}

/* ---- Many at once ---- */

#define MANY 10000

static int seen[MANY];
static int completions;

static void count_result(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    intptr_t i = (intptr_t)ctx;
    assert_int_equal(rt_value_as_int(rt_future_get_value(src)), (int64_t)i * i);
    seen[i]++;
    completions++;
}

static void test_ten_thousand_in_flight(void **state)
{
    (void)state;
    enter();
    memset(seen, 0, sizeof seen);
    completions = 0;
    for (intptr_t i = 0; i < MANY; i++)
        rt_future_release(rt_future_then(compute_int(square, i), count_result, NULL, (void *)i));
    ts_run_main();
    assert_int_equal(completions, MANY);
    for (int i = 0; i < MANY; i++)
        assert_int_equal(seen[i], 1);
    ts_main_leave(); /* and every byte came back */
}

/* ---- A 64 MiB result moves, it is not copied ---- */

static atomic_intptr_t big_addr;

static rt_value *big_result(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    (void)cx;
    size_t n = 64u << 20;
    rt_value *v = rt_value_bytes(NULL, n);
    unsigned char *d = (unsigned char *)rt_value_as_bytes(v, NULL);
    d[0] = 1;
    d[n - 1] = 2;
    atomic_store(&big_addr, (intptr_t)d);
    return v;
}

static void test_large_result_moves(void **state)
{
    (void)state;
    enter();
    rt_future *f = rt_compute(big_result, NULL);
    run_until(f);
    size_t len;
    const unsigned char *d = rt_value_as_bytes(rt_future_get_value(f), &len);
    assert_int_equal(len, 64u << 20);
    assert_int_equal(d[0], 1);
    assert_int_equal(d[len - 1], 2);
    assert_true((intptr_t)d == atomic_load(&big_addr));
    rt_future_release(f);
    ts_run_main();
    ts_main_leave();
}

/* ---- Isolate.run ---- */

static void answer_later(rt_timer *t, void *ctx)
{
    (void)t;
    rt_run_reply(rt_value_int((int64_t)(intptr_t)ctx * 2));
}

static void run_entry(rt_value *msg)
{
    /* Its own loop: a timer before answering. */
    rt_timer_start(NULL, RT_MS(5), 0, answer_later, (void *)(intptr_t)rt_value_as_int(msg), NULL);
    rt_value_free(msg);
}

static void run_fail_entry(rt_value *msg)
{
    rt_value_free(msg);
    rt_run_fail(RT_EUSER - 7, "parser", "line %d: unexpected token", 3);
}

static void run_silent_entry(rt_value *msg)
{
    rt_value_free(msg);
}

static void run_crash_entry(rt_value *msg)
{
    rt_value_free(msg);
    rt_report_error(RT_EUSER - 8, "nobody caught this");
}

static void test_isolate_run(void **state)
{
    (void)state;
    enter();
    rt_value *v = rt_value_int(21);
    rt_future *ok = rt_isolate_run(run_entry, v);
    rt_future *bad = rt_isolate_run(run_fail_entry, v);
    rt_future *silent = rt_isolate_run(run_silent_entry, v);
    rt_future *crash = rt_isolate_run(run_crash_entry, v);
    rt_value_free(v);
    rt_future *all[4] = {rt_future_dup(ok), rt_future_dup(bad), rt_future_dup(silent),
                         rt_future_dup(crash)};
    rt_future *w = rt_future_catch(rt_future_wait(all, 4, false), 0, NULL, NULL);
    ts_run_main();
    assert_int_equal(rt_value_as_int(rt_future_get_value(ok)), 42);
    assert_int_equal(rt_future_get_error(bad)->code, RT_EUSER - 7);
    assert_string_equal(rt_future_get_error(bad)->domain, "parser");
    assert_string_equal(rt_future_get_error(bad)->message, "line 3: unexpected token");
    assert_int_equal(rt_future_get_error(silent)->code, RT_ESTATE);
    assert_int_equal(rt_future_get_error(crash)->code, RT_EUSER - 8);
    rt_future_release(ok);
    rt_future_release(bad);
    rt_future_release(silent);
    rt_future_release(crash);
    rt_future_release(w);
    ts_main_leave();
}

static rt_value *spin_until_cancelled(rt_value *m, rt_compute_ctx *cx)
{
    (void)m;
    long n = 0;
    while (!rt_compute_cancelled(cx))
        if ((++n & 0xfff) == 0) rt_compute_progress(cx, rt_value_int(n));
    rt_compute_fail(cx, RT_ECANCELLED, "test", "cancelled");
    return NULL;
}

static void ignore_data(rt_subscription *s, const rt_value *v, void *c)
{
    (void)s;
    (void)v;
    (void)c;
}

/* The main isolate leaves while a cancelled job's answer is still on its
 * way: the job and its reply port are freed all the same (ts_main_leave
 * checks that no allocation is left). */
static void test_leave_with_a_cancelled_job_pending(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++) {
        ts_main_enter(NULL);
        rt_compute_task *task;
        rt_value *in = rt_value_int(1);
        rt_future *f = rt_compute_start(spin_until_cancelled, in, &task);
        rt_value_free(in);
        assert_non_null(f);
        rt_stream *p = rt_compute_task_progress(task);
        rt_stream_handlers h = {.on_data = ignore_data};
        assert_non_null(rt_stream_listen(p, &h));
        rt_stream_release(p);
        for (int k = 0; k < 3; k++)
            rt_run(RT_RUN_NOWAIT);
        rt_compute_task_cancel(task, false);
        rt_run(RT_RUN_NOWAIT);
        assert_true(rt_future_is_error(f));
        rt_future_release(f);
        rt_compute_task_release(task);
        ts_main_leave();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: with no worker started yet the job is still queued. */
        cmocka_unit_test(test_leave_with_a_cancelled_job_pending),
        cmocka_unit_test(test_compute_value),
        cmocka_unit_test(test_jobs_are_traced),
        cmocka_unit_test(test_compute_error_keeps_code),
        cmocka_unit_test(test_cooperative_cancel),
        cmocka_unit_test(test_hard_cancel_replaces_stuck_isolates),
        cmocka_unit_test(test_cancel_queued_job_never_starts),
        cmocka_unit_test(test_hard_cancel_of_a_parked_worker_loses_no_job),
        cmocka_unit_test(test_undeliverable_result_fails_the_future),
        cmocka_unit_test(test_compute_out_of_memory_settles),
        cmocka_unit_test(test_progress_stream),
        cmocka_unit_test(test_ten_thousand_in_flight),
        cmocka_unit_test(test_large_result_moves),
        cmocka_unit_test(test_isolate_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
