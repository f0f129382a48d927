/* test_loop.c: the event loop's ordering rules, timers, run modes, waiting. */
#include "test_support.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

static rt_virtual_clock vclock;

static void enter_virtual(void)
{
    ts_main_enter_virtual(&vclock);
}

static void log_task(void *ctx)
{
    ts_log("%s", (const char *)ctx);
}

static void log_timer(rt_timer *t, void *ctx)
{
    (void)t;
    ts_log("%s", (const char *)ctx);
}

static void timer(int64_t delay, const char *label)
{
    assert_int_equal(rt_timer_start(NULL, delay, 0, log_timer, (void *)label, NULL), 0);
}

/* Dart's classic: main code, then microtasks, then zero timers in order,
 * then the delayed timer. */
static void test_dart_classic_order(void **state)
{
    (void)state;
    enter_virtual();
    ts_log("main #1");
    rt_schedule_microtask(log_task, "microtask #1");
    timer(RT_SEC(1), "future #1 (delayed)");
    timer(0, "future #2");
    timer(0, "future #3");
    rt_schedule_microtask(log_task, "microtask #2");
    ts_log("main #2");
    ts_run_main();
    assert_string_equal(ts_log_text(), "main #1, main #2, microtask #1, microtask #2, future #2, "
                                       "future #3, future #1 (delayed)");
    assert_int_equal(vclock.now, RT_SEC(1));
    ts_main_leave();
}

static void on_log_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    int *left = ctx;
    ts_log("msg %lld", (long long)rt_value_as_int(v));
    rt_value_free(v);
    if (--*left == 0) rt_receive_port_close(p);
}

static void send_int(rt_send_port *sp, int64_t i)
{
    rt_value *v = rt_value_int(i);
    assert_int_equal(rt_port_send(sp, v), 0);
    rt_value_free(v);
}

/* A zero timer queues behind events already queued (here: messages). */
static void test_zero_timer_behind_queued_messages(void **state)
{
    (void)state;
    enter_virtual();
    int left = 3;
    rt_receive_port *rp = rt_receive_port_open(on_log_msg, &left, NULL);
    send_int(rt_receive_port_send_port(rp), 1);
    send_int(rt_receive_port_send_port(rp), 2);
    timer(0, "timer");
    send_int(rt_receive_port_send_port(rp), 3);
    ts_run_main();
    assert_string_equal(ts_log_text(), "msg 1, msg 2, timer, msg 3");
    ts_main_leave();
}

/* Non-zero timers fire by deadline, by creation order on equal deadlines;
 * a negative delay counts as zero. */
static void test_timer_deadline_order(void **state)
{
    (void)state;
    enter_virtual();
    timer(RT_MS(30), "A30");
    timer(RT_MS(10), "B10");
    timer(RT_MS(20), "C20");
    timer(RT_MS(10), "D10");
    timer(0, "Z0");
    timer(-RT_MS(5), "N-5");
    ts_run_main();
    assert_string_equal(ts_log_text(), "Z0, N-5, B10, D10, C20, A30");
    ts_main_leave();
}

static void chain_second(void *ctx)
{
    (void)ctx;
    ts_log("m2 (added during drain)");
}

static void chain_first(void *ctx)
{
    (void)ctx;
    ts_log("m1");
    rt_schedule_microtask(chain_second, NULL);
}

static void timer_with_microtask(rt_timer *t, void *ctx)
{
    (void)t;
    ts_log("%s", (const char *)ctx);
    rt_schedule_microtask(chain_first, NULL);
}

/* After each timer callback, the whole microtask queue drains, including
 * microtasks added during the drain, before the next timer, even one due at
 * the same instant. */
static void test_microtasks_drain_after_each_timer(void **state)
{
    (void)state;
    enter_virtual();
    rt_timer_start(NULL, RT_MS(10), 0, timer_with_microtask, "T1", NULL);
    rt_timer_start(NULL, RT_MS(10), 0, timer_with_microtask, "T2", NULL);
    ts_run_main();
    assert_string_equal(ts_log_text(),
                        "T1, m1, m2 (added during drain), T2, m1, m2 (added during drain)");
    ts_main_leave();
}

/* Microtask before zero timer before a 1 ms timer, whatever the order made. */
static void test_zero_vs_deadline_vs_microtask(void **state)
{
    (void)state;
    enter_virtual();
    timer(RT_MS(1), "timer 1ms");
    timer(0, "timer 0");
    rt_schedule_microtask(log_task, "microtask");
    ts_run_main();
    assert_string_equal(ts_log_text(), "microtask, timer 0, timer 1ms");
    ts_main_leave();
}

typedef struct periodic_state {
    int destroyed;
    uint64_t ticks[8];
    int n;
} periodic_state;

static void periodic_cb(rt_timer *t, void *ctx)
{
    periodic_state *s = ctx;
    s->ticks[s->n++] = rt_timer_tick(t);
    /* The first callback is slow: 35 ms pass while it runs. */
    if (s->n == 1) rt_virtual_clock_advance(&vclock, RT_MS(35));
    if (s->n == 3) rt_timer_cancel(t);
}

static void count_destroy(void *ctx)
{
    ((periodic_state *)ctx)->destroyed++;
}

/* A periodic timer that falls behind skips the missed ticks (the tick count
 * jumps) rather than firing them in a burst. */
static void test_periodic_skips_missed_ticks(void **state)
{
    (void)state;
    enter_virtual();
    periodic_state s = {0};
    rt_timer *t;
    assert_int_equal(rt_timer_start(&t, RT_MS(10), RT_MS(10), periodic_cb, &s, count_destroy), 0);
    ts_run_main();
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ticks[0], 1);
    /* Due at 20 ms, run at 45 ms: one firing with tick 4, not ticks 2, 3, 4 in a burst. */
    assert_int_equal(s.ticks[1], 4);
    assert_int_equal(s.ticks[2], 5); /* back on the 10 ms grid: 50 ms */
    assert_false(rt_timer_is_active(t));
    assert_int_equal(rt_timer_tick(t), 5);
    assert_int_equal(s.destroyed, 1);
    assert_int_equal(vclock.now, RT_MS(50));
    rt_timer_free(t);
    ts_main_leave();
}

/* ---- Extreme delays (libuv's habit): 0, negative, INT64_MAX ---- */

static int fired;

static void count_fire(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    fired++;
}

/* Runs what is due, moving virtual time forward by `ns` first. */
static void run_after(int64_t ns)
{
    rt_virtual_clock_advance(&vclock, ns);
    for (int i = 0; i < 4; i++)
        rt_run(RT_RUN_NOWAIT);
}

static void test_timer_extremes(void **state)
{
    (void)state;
    enter_virtual();
    run_after(RT_SEC(5)); /* the loop's now > 0: now + INT64_MAX overflows */
    ts_log_reset();
    timer(-5, "negative");
    timer(0, "zero");
    rt_timer *never, *near_never, *huge_period;
    fired = 0;
    /* "Never": it used to fire at once (signed overflow of now + delay). */
    assert_int_equal(rt_timer_start(&never, INT64_MAX, 0, count_fire, NULL, NULL), 0);
    assert_int_equal(rt_timer_start(&near_never, INT64_MAX - RT_SEC(1), 0, count_fire, NULL, NULL),
                     0);
    /* A period too long to represent: one firing, not one every turn. */
    assert_int_equal(rt_timer_start(&huge_period, 0, INT64_MAX, count_fire, NULL, NULL), 0);
    run_after(0);
    assert_string_equal(ts_log_text(), "negative, zero"); /* negative counts as zero, in order */
    assert_int_equal(fired, 1);
    run_after(RT_SEC(3600 * 24 * 365)); /* a year later */
    assert_int_equal(fired, 1);
    assert_true(rt_timer_is_active(never));
    assert_true(rt_timer_is_active(near_never));
    assert_true(rt_timer_is_active(huge_period));
    rt_timer_cancel(never);
    rt_timer_cancel(near_never);
    rt_timer_cancel(huge_period);
    rt_timer_free(never);
    rt_timer_free(near_never);
    rt_timer_free(huge_period);
    ts_main_leave();
}

/* A timeout too long to represent never times out. */
static void test_future_timeout_of_int64_max_never_fires(void **state)
{
    (void)state;
    enter_virtual();
    run_after(RT_SEC(5)); /* the loop's now > 0: now + INT64_MAX overflows */
    rt_completer *c = rt_completer_new(false);
    rt_future *f = rt_future_timeout(rt_completer_future(c), INT64_MAX, NULL, NULL);
    run_after(RT_SEC(3600));
    assert_false(rt_future_is_complete(f));
    rt_completer_complete(c, rt_value_int(7));
    run_after(0);
    assert_true(rt_future_is_complete(f));
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 7);
    rt_future_release(f);
    rt_completer_release(c);
    ts_main_leave();
}

static void must_not_fire(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    fail_msg("a cancelled timer fired");
}

static void test_cancel_and_is_active(void **state)
{
    (void)state;
    enter_virtual();
    periodic_state s = {0};
    rt_timer *a, *b;
    assert_int_equal(rt_timer_start(&a, RT_MS(5), 0, must_not_fire, &s, count_destroy), 0);
    assert_int_equal(rt_timer_start(&b, 0, 0, must_not_fire, &s, count_destroy), 0);
    timer(RT_MS(1), "one-shot");
    assert_true(rt_timer_is_active(a));
    rt_timer_cancel(a);
    rt_timer_cancel(b);
    rt_timer_cancel(b); /* twice is harmless */
    assert_false(rt_timer_is_active(a));
    assert_int_equal(s.destroyed, 2);
    ts_run_main();
    assert_string_equal(ts_log_text(), "one-shot");
    rt_timer_free(a);
    rt_timer_free(b);
    /* A fired one-shot handle stays queryable. */
    rt_timer *c;
    assert_int_equal(rt_timer_start(&c, RT_MS(1), 0, log_timer, "c", NULL), 0);
    ts_run_main();
    assert_false(rt_timer_is_active(c));
    assert_int_equal(rt_timer_tick(c), 1);
    rt_timer_free(c);
    ts_main_leave();
}

/* ---- Starvation: a zero timer re-armed from its own callback must not keep
 * port messages out. ---- */

static long rearms;
static bool stop_seen;

static void rearm_forever(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    rearms++;
    if (!stop_seen) rt_timer_start(NULL, 0, 0, rearm_forever, NULL, NULL);
}

static void on_stop(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    stop_seen = true;
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void send_stop_entry(rt_value *msg)
{
    rt_value *v = rt_value_string("stop");
    rt_port_send(rt_value_as_send_port(msg), v);
    rt_value_free(v);
    rt_value_free(msg);
}

static void test_rearming_zero_timer_does_not_starve_messages(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rearms = 0;
    stop_seen = false;
    rt_receive_port *rp = rt_receive_port_open(on_stop, NULL, NULL);
    rt_timer_start(NULL, 0, 0, rearm_forever, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    assert_int_equal(rt_isolate_spawn(send_stop_entry, sp, NULL, NULL), 0);
    rt_value_free(sp);
    ts_run_main();
    assert_true(stop_seen);
    assert_true(rearms > 0);
    ts_main_leave();
}

/* One turn runs only what was queued when it began. */
static void test_nowait_turn_is_bounded(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rearms = 0;
    stop_seen = false;
    rt_timer_start(NULL, 0, 0, rearm_forever, NULL, NULL);
    assert_int_equal(rt_run(RT_RUN_NOWAIT), 1);
    assert_int_equal(rearms, 1);
    assert_int_equal(rt_run(RT_RUN_NOWAIT), 1);
    assert_int_equal(rearms, 2);
    stop_seen = true;
    assert_int_equal(rt_run(RT_RUN_NOWAIT), 0);
    assert_int_equal(rearms, 3);
    ts_main_leave();
}

static void test_run_once_waits_for_timer(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ts_log_reset();
    timer(RT_MS(20), "fired");
    rt_timer *far;
    rt_timer_start(&far, RT_SEC(3600), 0, must_not_fire, NULL, NULL);
    /* NOWAIT never blocks, even with an hour-long timer pending. */
    assert_int_equal(rt_run(RT_RUN_NOWAIT), 1);
    assert_string_equal(ts_log_text(), "");
    /* ONCE blocks until the 20 ms timer, runs it, returns. */
    assert_int_equal(rt_run(RT_RUN_ONCE), 1);
    assert_string_equal(ts_log_text(), "fired");
    rt_timer_free(far);
    assert_int_equal(rt_run(RT_RUN_NOWAIT), 0);
    ts_main_leave();
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Waiting for a timer blocks the thread: it burns no CPU while idle. */
static void test_idle_wait_blocks(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ts_log_reset();
    timer(RT_MS(300), "late");
    int64_t cpu0 = thread_cpu_ns(), t0 = rt_monotonic_ns();
    ts_run_main();
    int64_t cpu = thread_cpu_ns() - cpu0, wall = rt_monotonic_ns() - t0;
    assert_true(wall >= RT_MS(300));
    assert_true(cpu < RT_MS(30)); /* a polling or spinning loop would use ~300 ms */
    ts_main_leave();
}

/* ---- Wakes coalesce: many messages while the loop is busy cost one wake. ---- */

typedef struct counting_waiter {
    rt_waiter w;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool signaled;
    int wakes;
} counting_waiter;

static void cw_wait(rt_waiter *self, int64_t timeout)
{
    counting_waiter *c = (counting_waiter *)self;
    pthread_mutex_lock(&c->lock);
    if (!c->signaled && timeout != 0) pthread_cond_wait(&c->cond, &c->lock);
    c->signaled = false;
    pthread_mutex_unlock(&c->lock);
}

static void cw_wake(rt_waiter *self)
{
    counting_waiter *c = (counting_waiter *)self;
    pthread_mutex_lock(&c->lock);
    c->wakes++;
    c->signaled = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static int received;

static void count_msgs(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    if (++received == 1000) rt_receive_port_close(p);
}

static void flood_entry(rt_value *msg)
{
    for (int i = 0; i < 1000; i++)
        send_int(rt_value_as_send_port(msg), i);
    rt_value_free(msg);
}

static void test_wakes_coalesce(void **state)
{
    (void)state;
    counting_waiter cw = {.w = {cw_wait, cw_wake},
                          .lock = PTHREAD_MUTEX_INITIALIZER,
                          .cond = PTHREAD_COND_INITIALIZER};
    ts_main_enter(&(rt_isolate_options){.waiter = &cw.w});
    received = 0;
    rt_receive_port *rp = rt_receive_port_open(count_msgs, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_isolate *child;
    assert_int_equal(rt_isolate_spawn(flood_entry, sp, NULL, &child), 0);
    rt_value_free(sp);
    /* Stay out of the loop until the child has sent everything and gone. */
    while (rt_isolate_is_alive(child))
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    ts_run_main();
    assert_int_equal(received, 1000);
    assert_int_equal(cw.wakes, 1); /* 1000 sends while main was away: one wake */
    rt_isolate_release(child);
    ts_main_leave();
}

/* ---- A loop that never runs out of work still polls its waiter ---- */

typedef struct polling_waiter {
    rt_waiter w;
    int waits, polls;
} polling_waiter;

static polling_waiter pw;

static void pw_wait(rt_waiter *self, int64_t timeout)
{
    (void)self;
    (void)timeout;
    pw.waits++;
}

static void pw_wake(rt_waiter *self)
{
    (void)self;
}

static void pw_poll(rt_waiter *self)
{
    (void)self;
    pw.polls++;
}

static int busy_left;

static void busy_task(void *ctx)
{
    (void)ctx;
    if (--busy_left > 0) rt_post(busy_task, NULL); /* always something ready */
}

static void test_busy_loop_polls_its_waiter(void **state)
{
    (void)state;
    pw = (polling_waiter){.w = {.wait = pw_wait, .wake = pw_wake, .poll = pw_poll}};
    ts_main_enter(&(rt_isolate_options){.waiter = &pw.w});
    busy_left = 100;
    rt_post(busy_task, NULL);
    rt_run(RT_RUN_DEFAULT);
    assert_int_equal(busy_left, 0);
    assert_int_equal(pw.waits, 0); /* never idle */
    assert_true(pw.polls >= 99);   /* yet outside work was looked at every turn */
    ts_main_leave();
}

typedef struct trace_log {
    pthread_mutex_t lock;
    int main_timers, worker_starts, spawns, exits, bad;
    int64_t spawn_at, start_at, exit_at;
} trace_log;

static void record(void *ctx, const rt_trace_event *ev)
{
    trace_log *l = ctx;
    const char *iso = ev->isolate, *name = ev->name;
    pthread_mutex_lock(&l->lock);
    if (ev->start_ns <= 0 || ev->dur_ns < 0) l->bad++;
    if (ev->phase == RT_TRACE_SPAN && !strcmp(iso, "main") && !strcmp(name, "timer"))
        l->main_timers++;
    if (ev->phase == RT_TRACE_SPAN && !strcmp(iso, "traced") && !strcmp(name, "start")) {
        l->worker_starts++;
        l->start_at = ev->start_ns;
    }
    if (ev->phase == RT_TRACE_INSTANT && !strcmp(iso, "main") && !strcmp(name, "spawn") &&
        ev->detail && !strcmp(ev->detail, "traced")) {
        l->spawns++;
        l->spawn_at = ev->start_ns;
    }
    if (ev->phase == RT_TRACE_INSTANT && !strcmp(iso, "traced") && !strcmp(name, "exit")) {
        l->exits++;
        l->exit_at = ev->start_ns;
    }
    pthread_mutex_unlock(&l->lock);
}

static void trace_tick(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
}

static void traced_entry(rt_value *msg)
{
    rt_value_free(msg);
}

/* A trace sink sees each event with its isolate, kind and timing, from the
 * main isolate and from a spawned one, the spawn and the exit; none once it
 * is cleared. */
static void test_trace_sink_sees_events(void **state)
{
    (void)state;
    trace_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rt_trace_set(record, &log);
    ts_main_enter(&(rt_isolate_options){.name = "main"});
    for (int i = 0; i < 3; i++)
        rt_timer_start(NULL, RT_MS(1), 0, trace_tick, NULL, NULL);
    rt_isolate *iso;
    assert_int_equal(
        rt_isolate_spawn(traced_entry, NULL, &(rt_isolate_options){.name = "traced"}, &iso), 0);
    rt_run(RT_RUN_DEFAULT);
    /* The worker has nothing to do after its entry: wait for it to end. */
    for (int i = 0; i < 5000 && rt_isolate_is_alive(iso); i++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    rt_isolate_release(iso);
    ts_main_leave();
    rt_trace_set(NULL, NULL);
    assert_int_equal(log.main_timers, 3);
    assert_int_equal(log.worker_starts, 1);
    /* Spawn (on the spawner) and exit (on the isolate) instants, in order. */
    assert_int_equal(log.spawns, 1);
    assert_int_equal(log.exits, 1);
    assert_true(log.spawn_at <= log.start_at && log.start_at <= log.exit_at);
    assert_int_equal(log.bad, 0);
    /* Cleared: nothing more is recorded. */
    ts_main_enter(&(rt_isolate_options){.name = "main"});
    rt_timer_start(NULL, RT_MS(1), 0, trace_tick, NULL, NULL);
    rt_run(RT_RUN_DEFAULT);
    ts_main_leave();
    assert_int_equal(log.main_timers, 3);
}

/* ---- Dart SDK: tests/lib/async/timer_isActive_test.dart ---- */

static rt_timer *dart_t;
static int dart_calls;
static bool dart_active_inside;

static void one_shot_checks(rt_timer *t, void *ctx)
{
    (void)ctx;
    dart_calls++;
    dart_active_inside = rt_timer_is_active(t);
}

/* "timer isActive test": active until it fires, inactive inside its own
 * callback (Dart marks a one-shot timer done before calling it). */
static void test_dart_timer_is_active(void **state)
{
    (void)state;
    enter_virtual();
    dart_calls = 0;
    dart_active_inside = true;
    assert_int_equal(rt_timer_start(&dart_t, RT_SEC(1), 0, one_shot_checks, NULL, NULL), 0);
    assert_true(rt_timer_is_active(dart_t));
    ts_run_main();
    assert_int_equal(dart_calls, 1);
    assert_false(dart_active_inside);
    assert_false(rt_timer_is_active(dart_t));
    rt_timer_free(dart_t);
    ts_main_leave();
}

static void periodic_checks(rt_timer *t, void *ctx)
{
    (void)ctx;
    assert_true(rt_timer_is_active(t));
    if (dart_calls == 2) {
        rt_timer_cancel(t);
        assert_false(rt_timer_is_active(t));
    }
    dart_calls++;
}

/* "periodic timer cancel test": a periodic timer is active in each of its
 * callbacks until one cancels it; it then runs no more (3 calls). */
static void test_dart_periodic_timer_cancel(void **state)
{
    (void)state;
    enter_virtual();
    dart_calls = 0;
    assert_int_equal(rt_timer_start(&dart_t, RT_MS(1), RT_MS(1), periodic_checks, NULL, NULL), 0);
    assert_true(rt_timer_is_active(dart_t));
    ts_run_main();
    assert_int_equal(dart_calls, 3);
    rt_timer_free(dart_t);
    ts_main_leave();
}

static void never_reached(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    fail_msg("Should not be reached.");
}

static void cancel_other(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    assert_true(rt_timer_is_active(dart_t));
    rt_timer_cancel(dart_t);
    assert_false(rt_timer_is_active(dart_t));
    dart_calls++;
}

/* "timer cancel test": Timer.run (a zero-delay timer) cancels a pending
 * one-second timer, which then never fires. */
static void test_dart_timer_cancel(void **state)
{
    (void)state;
    enter_virtual();
    dart_calls = 0;
    assert_int_equal(rt_timer_start(&dart_t, RT_SEC(1), 0, never_reached, NULL, NULL), 0);
    assert_int_equal(rt_timer_start(NULL, 0, 0, cancel_other, NULL, NULL), 0);
    ts_run_main();
    assert_int_equal(dart_calls, 1);
    rt_timer_free(dart_t);
    ts_main_leave();
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dart_classic_order),
        cmocka_unit_test(test_dart_timer_is_active),
        cmocka_unit_test(test_dart_periodic_timer_cancel),
        cmocka_unit_test(test_dart_timer_cancel),
        cmocka_unit_test(test_trace_sink_sees_events),
        cmocka_unit_test(test_zero_timer_behind_queued_messages),
        cmocka_unit_test(test_timer_deadline_order),
        cmocka_unit_test(test_microtasks_drain_after_each_timer),
        cmocka_unit_test(test_zero_vs_deadline_vs_microtask),
        cmocka_unit_test(test_periodic_skips_missed_ticks),
        cmocka_unit_test(test_cancel_and_is_active),
        cmocka_unit_test(test_rearming_zero_timer_does_not_starve_messages),
        cmocka_unit_test(test_nowait_turn_is_bounded),
        cmocka_unit_test(test_run_once_waits_for_timer),
        cmocka_unit_test(test_idle_wait_blocks),
        cmocka_unit_test(test_timer_extremes),
        cmocka_unit_test(test_future_timeout_of_int64_max_never_fires),
        cmocka_unit_test(test_wakes_coalesce),
        cmocka_unit_test(test_busy_loop_polls_its_waiter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
