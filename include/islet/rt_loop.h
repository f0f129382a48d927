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

#include <islet/rt_export.h>

#include <islet/rt_port.h>

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
ISLET_API int rt_run(rt_run_mode mode);

typedef void (*rt_task_fn)(void *ctx);

/* Queues fn(ctx) to run right after the current event, before the next one.
 * RT_ENOMEM when the node cannot be allocated. */
ISLET_API int rt_schedule_microtask(rt_task_fn fn, void *ctx);
/* Queues fn(ctx) as an event at the tail of the event queue. */
ISLET_API int rt_post(rt_task_fn fn, void *ctx);

/* The current isolate's time, read once per loop turn (ns). */
ISLET_API int64_t rt_now(void);

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
ISLET_API int rt_timer_start(rt_timer **out, int64_t delay_ns, int64_t period_ns, rt_timer_fn fn,
                             void *ctx, rt_destroy_fn destroy);
/* Stops the timer if pending. Safe inside its own callback. */
ISLET_API void rt_timer_cancel(rt_timer *t);
/* True until a one-shot timer fires (false already inside its callback, as
 * Dart's Timer.isActive) or any timer is cancelled. */
ISLET_API bool rt_timer_is_active(const rt_timer *t);
/* Number of periods elapsed at the last firing (skipped ticks included);
 * 1 after a one-shot timer fired. */
ISLET_API uint64_t rt_timer_tick(const rt_timer *t);
/* Cancels and frees an owned handle. */
ISLET_API void rt_timer_free(rt_timer *t);
/* Timers of the current isolate that can still fire (tests check that none
 * is left behind). */
ISLET_API size_t rt_timers_pending(void);

/* ---- Event labels and observers ---- */

/* Names the event now running, for observers and the trace: "tap",
 * "compute result", "frame". Copied (31 bytes at most, cut at a character
 * boundary); a later call in the same event replaces it. Without one an
 * event is named by its kind ("message", "timer", "task", "start"). Code
 * running outside an event (main's own code) labels nothing. */
ISLET_API void rt_event_label(const char *label);

/* The event now running (and the microtasks it queued), when it brings an
 * answer from work done on another isolate (a compute result or progress,
 * an HTTP response): when the doer sent it and when this isolate began to
 * handle it, both on the monotonic clock (rt_monotonic_ns, any thread), its
 * label ("compute result", static), and whether it is final (a result, an
 * error or a cancellation; progress is not). Lets a UI measure result to
 * pixels. False, *out untouched, for any other event and outside events. */
typedef struct rt_answer_info {
    int64_t sent_ns, received_ns;
    const char *label;
    bool final;
} rt_answer_info;
ISLET_API bool rt_event_answer(rt_answer_info *out);

typedef enum rt_event_kind {
    RT_EVENT_MESSAGE,
    RT_EVENT_TIMER,
    RT_EVENT_TASK,
    RT_EVENT_START
} rt_event_kind;
typedef struct rt_event_info {
    rt_event_kind kind;
    const char *label;        /* its label, or its kind's name; valid during the call */
    int64_t start_ns, dur_ns; /* monotonic; dur_ns includes the microtasks it queued */
    uint64_t seq;             /* 1 for the isolate's first event, then one more each */
} rt_event_info;
typedef void (*rt_event_observer_fn)(void *ctx, const rt_event_info *ev);
/* Calls fn(ctx, ...) on the current isolate after each event it runs and
 * the microtasks that event queued (Dart's timeline of the loop). fn may
 * post, start timers or rebuild; what it does is not an event of its own.
 * At most RT_LOOP_OBSERVERS per isolate: RT_ESTATE beyond (and for one
 * already there). Returns RT_OK. Remove with rt_loop_unobserve (same fn and ctx) before ctx goes;
 * an isolate's observers go with it. */
#define RT_LOOP_OBSERVERS 4
ISLET_API int rt_loop_observe(rt_event_observer_fn fn, void *ctx);
ISLET_API void rt_loop_unobserve(rt_event_observer_fn fn, void *ctx);

/* ---- Tracing ----
 * With a sink set, the runtime reports what happens as events:
 * - each event an isolate runs, with the microtasks it queued: a span on
 *   that isolate named by its label (rt_event_label) or its kind;
 * - "spawn" (on the spawner, detail: the new isolate's name) and "exit" (on
 *   the isolate that ends): instants;
 * - each compute job: a "compute" span on the pool isolate running it;
 * - each HTTP request: an async span ("HTTP GET", ...) on the network
 *   isolate, from the transfer's start to its end, detail the URL at the
 *   begin and the outcome at the end; begin and end share an id;
 * - each message: a flow from the event that sent it (FLOW_BEGIN on the
 *   sender) to the event that handled it (FLOW_END on the receiver), with
 *   one id, so a viewer draws an arrow between the two.
 * Strings are valid during the call only. The sink runs on the reporting
 * isolate's thread, so it must be thread-safe and quick. Set it (or NULL to
 * stop) while no other isolate runs, e.g. before spawning and after
 * rt_main_leave. rt_trace.h has a sink that records and writes JSON. */
typedef enum rt_trace_phase {
    RT_TRACE_SPAN,
    RT_TRACE_INSTANT,
    RT_TRACE_ASYNC_BEGIN,
    RT_TRACE_ASYNC_END,
    RT_TRACE_FLOW_BEGIN, /* at start_ns, inside the span that causes something */
    RT_TRACE_FLOW_END    /* at start_ns, inside the span it caused */
} rt_trace_phase;
typedef struct rt_trace_event {
    rt_trace_phase phase;
    const char *isolate; /* where it happened */
    const char *name;
    const char *detail;       /* NULL, or a few words */
    int64_t start_ns, dur_ns; /* monotonic clock; dur_ns for spans only */
    uint64_t id;              /* pairs an async begin with its end, a flow's ends */
} rt_trace_event;
typedef void (*rt_trace_fn)(void *ctx, const rt_trace_event *ev);
ISLET_API void rt_trace_set(rt_trace_fn fn, void *ctx);
/* True while a sink is set (cheap: check it before building an event). */
ISLET_API bool rt_tracing(void);
/* Gives ev to the sink, if any. Any thread; libraries on the runtime may
 * report their own spans this way (isolate NULL: the current one's name). */
ISLET_API void rt_trace(const rt_trace_event *ev);
/* A flow of one's own (a set_state that will rebuild in a later frame):
 * rt_trace_flow_begin reports its start now, on the current isolate, and
 * returns its id (0 when not tracing); rt_trace_flow_end(id) reports its
 * end now (nothing for id 0). Any isolate. */
ISLET_API uint64_t rt_trace_flow_begin(const char *name);
ISLET_API void rt_trace_flow_end(uint64_t id, const char *name);

#endif
