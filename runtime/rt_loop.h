/* rt_loop.h: the current isolate's event loop, microtasks and timers.
 *
 * The loop, Dart-style: take the oldest event (port message, due timer,
 * posted task), run it, then drain the microtask queue to empty (including
 * microtasks added during the drain); repeat. With nothing to do, the thread
 * blocks in its waiter, or, for a pooled isolate, gives its thread back.
 * Everything here acts on the calling thread's current isolate and may be
 * called only from it.
 */
#ifndef RT_LOOP_H
#define RT_LOOP_H

#include "rt_port.h"

typedef enum rt_run_mode {
    RT_RUN_DEFAULT, /* run until the isolate has nothing left to wait for */
    RT_RUN_ONCE,    /* wait for work if there is none, run one turn */
    RT_RUN_NOWAIT   /* run one turn of what is ready now, never block */
} rt_run_mode;

/* Runs the loop of the current isolate, which must own its thread (the main
 * isolate). Returns 1 while the isolate still has open ports, pending timers
 * or queued work, 0 when it has nothing left or was asked to exit. A turn
 * runs at most the events queued when it began, so work that keeps queueing
 * more (a zero-delay timer re-armed from its callback) cannot starve
 * messages or input. */
int rt_run(rt_run_mode mode);

typedef void (*rt_task_fn)(void *ctx);

/* Queues fn(ctx) to run right after the current event, before the next one.
 * RT_ENOMEM when the node cannot be allocated. */
int rt_schedule_microtask(rt_task_fn fn, void *ctx);
/* Queues fn(ctx) as an event at the tail of the event queue. */
int rt_post(rt_task_fn fn, void *ctx);

/* The current isolate's time, read once per loop turn (ns). */
int64_t rt_now(void);

/* ---- Timers ---- */
typedef struct rt_timer rt_timer;
typedef void (*rt_timer_fn)(rt_timer *timer, void *ctx);

/* Starts a timer firing after delay_ns (negative counts as zero), then every
 * period_ns if period_ns > 0. Zero-delay timers queue behind events already
 * queued, FIFO among themselves; others fire in deadline order, creation order
 * on equal deadlines. A periodic timer that falls behind skips the missed
 * ticks. A pending timer keeps the isolate alive.
 * With out != NULL the caller owns the handle and must rt_timer_free it (it
 * stays queryable after firing); with out == NULL the timer is freed when it
 * is done. destroy(ctx), if given, runs once the timer can no longer fire:
 * after a one-shot's callback, on cancel, or at isolate exit.
 * Returns 0 or RT_ENOMEM. */
int rt_timer_start(rt_timer **out, int64_t delay_ns, int64_t period_ns, rt_timer_fn fn, void *ctx,
                   rt_destroy_fn destroy);
/* Stops the timer if pending. Safe inside its own callback. */
void rt_timer_cancel(rt_timer *t);
/* True until a one-shot timer has fired or any timer is cancelled. */
bool rt_timer_is_active(const rt_timer *t);
/* Number of periods elapsed at the last firing (skipped ticks included);
 * 1 after a one-shot timer fired. */
uint64_t rt_timer_tick(const rt_timer *t);
/* Cancels and frees an owned handle. */
void rt_timer_free(rt_timer *t);
/* Timers of the current isolate that can still fire (tests check that none
 * is left behind). */
size_t rt_timers_pending(void);

/* Tracing: with a sink set, the runtime reports what happens as events:
 * - each event an isolate runs: a span named "message", "timer", "task" or
 *   "start" on that isolate;
 * - "spawn" (on the spawner, detail: the new isolate's name) and "exit" (on
 *   the isolate that ends): instants;
 * - each compute job: a "compute" span on the pool isolate running it;
 * - each HTTP request: an async span ("HTTP GET", ...) on the network
 *   isolate, from the transfer's start to its end, detail the URL at the
 *   begin and the outcome at the end; begin and end share an id.
 * Strings are valid during the call only. The sink runs on the reporting
 * isolate's thread, so it must be thread-safe and quick. Set it (or NULL to
 * stop) while no other isolate runs, e.g. before spawning and after
 * rt_main_leave. */
typedef enum rt_trace_phase {
    RT_TRACE_SPAN,
    RT_TRACE_INSTANT,
    RT_TRACE_ASYNC_BEGIN,
    RT_TRACE_ASYNC_END
} rt_trace_phase;
typedef struct rt_trace_event {
    rt_trace_phase phase;
    const char *isolate; /* where it happened */
    const char *name;
    const char *detail;       /* NULL, or a few words */
    int64_t start_ns, dur_ns; /* monotonic clock; dur_ns for spans only */
    uint64_t id;              /* pairs an async begin with its end */
} rt_trace_event;
typedef void (*rt_trace_fn)(void *ctx, const rt_trace_event *ev);
void rt_trace_set(rt_trace_fn fn, void *ctx);
/* True while a sink is set (cheap: check it before building an event). */
bool rt_tracing(void);
/* Gives ev to the sink, if any. Any thread; libraries on the runtime may
 * report their own spans this way. */
void rt_trace(const rt_trace_event *ev);

#endif
