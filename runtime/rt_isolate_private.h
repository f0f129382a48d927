/* rt_isolate_private.h: isolates, ports, events and timers inside. */
#ifndef RT_ISOLATE_PRIVATE_H
#define RT_ISOLATE_PRIVATE_H

#include <islet/rt_isolate.h>
#include <islet/rt_loop.h>
#include "rt_value_private.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct rt_future rt_future;

/* ---- Events: intrusive nodes in an isolate's FIFO event queue ---- */
/* RT_EV_EMBEDDED marks a microtask node that lives inside another object
 * (a future, a listener) and is not freed after it runs. */
enum { RT_EV_MESSAGE, RT_EV_TIMER, RT_EV_TASK, RT_EV_START, RT_EV_EMBEDDED };

typedef struct rt_task {
    rt_event ev; /* also used (link only) as a microtask node */
    rt_task_fn fn;
    void *ctx;
} rt_task;

/* ---- Timers ---- */
enum { RT_TIMER_IDLE, RT_TIMER_ARMED, RT_TIMER_QUEUED, RT_TIMER_FIRING };

struct rt_timer {
    rt_event ev;
    rt_isolate *owner;
    int64_t start, deadline, period;
    uint64_t seq, ticks;
    size_t heap_index;
    rt_timer_fn fn;
    void *ctx;
    rt_destroy_fn destroy;
    uint8_t state;
    bool owned;     /* the user holds the handle */
    bool cancelled; /* cancelled or done: never fires again */
};

/* ---- Ports ---- */
struct rt_send_port {
    atomic_int refs;
    atomic_bool open;
    rt_isolate *iso;     /* counted reference */
    rt_receive_port *rp; /* touched only by iso's thread */
};

struct rt_receive_port {
    rt_link link; /* in iso->ports */
    rt_send_port *sp;
    rt_message_fn fn;
    void *ctx;
    rt_destroy_fn destroy;
    rt_link buffered; /* adopted messages waiting for a handler */
    bool keepalive;
};

/* ---- Isolates ---- */
enum { RT_SCHED_IDLE, RT_SCHED_QUEUED, RT_SCHED_RUNNING, RT_SCHED_DONE };

/* A spinner's adaptive budget (rt_wait.c): the budget is rt__spin_budget()
 * >> shift; off from a large shift. Owned by the spinning thread. */
typedef struct rt__spin {
    unsigned shift, fails;
} rt__spin;

/* The default waiter (rt_wait.c): a word and a futex (mutex and condition
 * variable elsewhere). */
typedef struct rt_cond_waiter {
    rt_waiter waiter;
    atomic_int word;      /* W_AWAKE, W_SIGNALED, W_SLEEPING */
    atomic_llong wake_ns; /* when a wake found the owner asleep */
    rt__spin spin;        /* the owner's */
    pthread_mutex_t lock; /* without futexes */
    pthread_cond_t cond;
} rt_cond_waiter;

struct rt_isolate { /* NOLINT(clang-analyzer-optin.performance.Padding): cache-line inbox */
    /* Shared: any thread. */
    atomic_int refs;
    /* Messages in: a lock-free stack (newest first, linked through next),
     * NULL when empty, RT_INBOX_CLOSED once the isolate has exited. The
     * owner takes it whole with one exchange. Senders write it for every
     * message: it has a cache line to itself (the struct comes from malloc,
     * hence padding rather than _Alignas). */
    char inbox_before[64];
    _Atomic(rt_link *) inbox;
    char inbox_after[64 - sizeof(rt_link *)];
    pthread_mutex_t lock; /* guards closed and controls */
    bool closed;
    atomic_int wake_pending;
    atomic_int kill;   /* 0, or 1 + rt_kill_priority */
    atomic_int paused; /* pause count */
    atomic_int sched;  /* RT_SCHED_*: pooled isolates */
    atomic_bool alive;
    atomic_bool running;
    atomic_uint_fast64_t handled;
    atomic_size_t heap_bytes;
    /* Control requests (rt_isolate_control.c), under lock: queued requests,
     * and the capabilities of the pauses in force. */
    rt_link controls;
    rt_link pause_caps;
    atomic_bool ctl_pending; /* controls is not empty: a hint to look */
    atomic_int cap_paused;   /* pauses made with a capability */
    rt_waiter *waiter;       /* NULL: pooled */
    rt_send_port *port;      /* default port's send port, owned */
    char name[48];
    /* Scheduler bookkeeping: under the scheduler's lock. */
    rt_link all;
    rt_link runq;
    rt_link doomed; /* rt_main_leave's list of isolates to kill */
    size_t sleep_index;
    int64_t sleep_deadline;

    pthread_t thread;
    bool dedicated;

    /* Private: only the thread running the isolate. */
    rt_heap heap;
    /* Pooled: the record of lingering on this isolate (rt_sched.c), and when
     * it last gave its worker back. */
    rt__spin spin;
    int64_t parked_ns;
    /* Delivered messages' port references not yet given back (rt_port.c). */
    rt_send_port *release_port;
    int release_n;
    rt_link events;
    size_t nevents;
    rt_link microtasks;
    rt_timer **timers; /* min-heap by (deadline, seq) */
    size_t ntimers, timers_cap;
    uint64_t timer_seq;
    rt_link ports;
    size_t keepalive;   /* open listening ports + pending timers */
    size_t timers_live; /* pending timers */
    rt_clock *clock;
    int64_t now;
    rt_receive_port *default_port;
    rt_send_port *on_exit, *on_error;
    /* Listeners added after spawn and pings waiting for the event boundary
     * (rt_isolate_control.c). */
    rt_link error_listeners, exit_listeners, deferred_pings;
    /* The on-exit message, built at spawn so that exiting never needs memory
     * to tell on_exit (its port holds the on_exit reference). */
    rt_msg *bye;
    rt_entry_fn entry;
    struct rt__task_inbox *tasks; /* rt_task.c: where compute/HTTP answers arrive */
    rt_send_port *run_reply;      /* rt_isolate_run: where the answer goes */
    /* Futures (rt_future.c). */
    rt_link unhandled;          /* error futures nobody has handled yet */
    struct rt_future *settling; /* futures whose listeners are running */
    bool propagating;
    bool errors_fatal;
    bool exiting;
    bool is_main;
    rt_cond_waiter cond_waiter;
    /* The loop's observers and the running event's label (rt_loop.c). */
    struct rt__observer {
        rt_event_observer_fn fn;
        void *ctx;
    } observers[RT_LOOP_OBSERVERS];
    size_t nobservers;
    bool in_event;
    char event_label[32];
    /* The running event's task answer (rt_task.c sets it, rt_loop.c clears
     * it around each event): sent_ns 0 when it is none. */
    rt_answer_info answer;
};

/* ---- Cross-module internals ---- */
extern _Thread_local rt_isolate *rt__current;

rt_isolate *rt__isolate_check(const char *func);
/* Wakes the isolate after something was queued for it; under iso->lock. */
void rt__isolate_notify(rt_isolate *iso);
/* Queues an embedded microtask node (type RT_EV_EMBEDDED, fn and ctx set);
 * never allocates. */
void rt__microtask_push(rt_isolate *iso, rt_task *t);
/* Futures: listens to f (consumed) with a listener stored in `storage`
 * (RT_AWAIT_STORAGE bytes, owned by the caller, one listen at a time): fn
 * runs inside the completing task, or in one microtask if f is complete. */
void rt__future_listen_in(rt_future *f, void *storage, void (*fn)(rt_future *src, void *ctx),
                          void *ctx);
/* If f is complete: marks its outcome handled (as a listener would), queues
 * t as a microtask and returns true; f stays the caller's. The short way to
 * await a completed future (no listener, no reference traffic). */
bool rt__future_when_done(rt_future *f, rt_task *t);
/* Appends to the current isolate's event queue. */
void rt__event_push(rt_isolate *iso, rt_event *ev);
void rt__event_remove(rt_isolate *iso, rt_event *ev);
/* Queues a message for its port's isolate, or discards it; any thread. */
void rt__msg_post(rt_msg *m);
/* A wake-up that its sender keeps and posts again and again: an embedded
 * message with no value (the handler receives NULL), so posting it never
 * allocates. Post it again only once it has been delivered. */
void rt__wake_init(rt_msg *m);
/* Queues m for sp's isolate; false (nothing queued) if that isolate has
 * exited. Any thread. */
bool rt__wake_post(rt_msg *m, rt_send_port *sp);
/* Gives back the port references that deliveries gathered (end of a turn,
 * exit). Isolate's thread. */
void rt__port_release_flush(rt_isolate *iso);
/* Delivers an adopted message to its receive port (isolate's thread). */
void rt__port_deliver(rt_isolate *iso, rt_msg *m);
void rt__ports_close_all(rt_isolate *iso);
/* Whether an open port keeps its isolate alive. */
void rt__receive_port_set_keepalive(rt_receive_port *rp, bool on);
/* rt_port_send with a rt_msg_mode (RT_MSG_EXIT: the caller gives the value up
 * and large payloads move instead of being copied). */
int rt__port_send_mode(rt_send_port *sp, rt_value *message, int mode);
/* Runs fn in rt_main_leave once every other isolate is gone (at most 8). */
void rt__at_main_leave(void (*fn)(void));
/* Compute pool (rt_compute.c): forgets queued jobs once every isolate is gone. */
void rt__compute_shutdown(void);
/* Futures: completes with `part`, a value inside `whole`; the outcome owns
 * `whole` (a received message), so nothing is copied. */
struct rt_completer;
int rt__completer_complete_part(struct rt_completer *c, rt_value *whole, const rt_value *part);
rt_send_port *rt__send_port_new(rt_isolate *iso);

/* Loop internals. A turn returns the absolute deadline of the next timer,
 * 0 when work is ready now, INT64_MAX when there is nothing to wait for;
 * RT_TURN_EXIT when the isolate must exit. */
#define RT_TURN_EXIT INT64_MIN
int64_t rt__loop_turn(rt_isolate *iso);
/* True while the isolate has ports, timers or work that keep it alive. */
bool rt__loop_alive(rt_isolate *iso);
void rt__loop_run_entry(rt_isolate *iso, rt_msg *start);
void rt__drain_microtasks(rt_isolate *iso);
/* Splices the inbox into the event queue, oldest first. */
void rt__inbox_take(rt_isolate *iso);
#define RT_INBOX_CLOSED ((rt_link *)&rt__inbox_closed)
extern const rt_link rt__inbox_closed;
/* Pushes l onto to's inbox and wakes `to` if the inbox was empty (the first
 * message of a batch); false, nothing queued, once `to` has exited. */
bool rt__inbox_post(rt_isolate *to, rt_link *l);
/* At exit, under iso->lock: closes the inbox and moves what it held to the
 * event queue (to be dropped). */
void rt__inbox_close(rt_isolate *iso);

/* Futures: reports errors nobody handled; called when microtasks run out. */
void rt__futures_report_unhandled(rt_isolate *iso);

/* Timers. */
void rt__timers_collect_due(rt_isolate *iso);
int64_t rt__timers_next_deadline(rt_isolate *iso);
void rt__timer_fire(rt_isolate *iso, rt_timer *t);
void rt__timers_drop_all(rt_isolate *iso);

/* Control requests (rt_isolate_control.c). */
void rt__control_init(rt_isolate *iso);
/* Handles the queued requests; at an event boundary, also answers the
 * pings that wait for one. Isolate's thread. */
void rt__control_run(rt_isolate *iso, bool boundary);
static inline void rt__control_boundary(rt_isolate *iso)
{
    if (atomic_load_explicit(&iso->ctl_pending, memory_order_relaxed) ||
        !rt__list_empty(&iso->deferred_pings))
        rt__control_run(iso, true);
}
static inline void rt__control_between_microtasks(rt_isolate *iso)
{
    if (atomic_load_explicit(&iso->ctl_pending, memory_order_relaxed)) rt__control_run(iso, false);
}
/* At exit, once closed: applies queued exit-listener requests, drops the
 * rest and the pause capabilities. */
void rt__control_close(rt_isolate *iso);
/* At exit, last: sends every exit listener its response (needs no memory). */
void rt__control_say_bye(rt_isolate *iso);
/* Sends an error value to every error listener. */
void rt__control_report(rt_isolate *iso, rt_value *error);
/* Paused by a count or a capability. */
static inline bool rt__paused(rt_isolate *iso)
{
    return atomic_load(&iso->paused) > 0 || atomic_load(&iso->cap_paused) > 0;
}

/* Isolate lifecycle. */
void rt__isolate_exit_now(rt_isolate *iso);
void rt__isolate_unref(rt_isolate *iso);

/* Scheduler (rt_sched.c). */
int rt__sched_start_pooled(rt_isolate *iso);
int rt__sched_start_dedicated(rt_isolate *iso);
void rt__sched_schedule(rt_isolate *iso);
void rt__sched_register(rt_isolate *iso);
void rt__sched_unregister(rt_isolate *iso);
void rt__sched_shutdown(void);
/* Runs a dedicated or main isolate's loop on this thread. */
int rt__loop_run_owned(rt_isolate *iso, rt_run_mode mode);

void rt__cond_waiter_init(rt_cond_waiter *w);
/* Spins (with pause instructions) until *flag is true or about budget_ns
 * pass; returns *flag. The budget is rt__spin_budget() unless smaller. */
bool rt__spin_for(atomic_int *flag, int64_t budget_ns);
int64_t rt__spin_budget(void);
/* Spins while s's record says it pays, at most limit_ns (< 0: no limit),
 * until *a or *b (b may be NULL) is non-zero; true if one is. Learns from
 * the outcome. At most ncpu threads spin at once, unless `reserved` (the
 * caller makes other spinners give way). */
bool rt__spin_wait(rt__spin *s, atomic_int *a, atomic_int *b, int64_t limit_ns, bool reserved);
/* After a sleep that followed a failed (or skipped) spin: slept_ns long,
 * ended by a wake (not a timeout). A quick wake turns spinning back on. */
void rt__spin_slept(rt__spin *s, int64_t slept_ns, bool woken);
/* A woken thread got its core latency_ns after the wake: long means busy. */
void rt__woke_after(int64_t latency_ns);
void rt__cond_waiter_destroy(rt_cond_waiter *w);

#endif
