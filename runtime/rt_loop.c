/* rt_loop.c: the event loop of an isolate.
 *
 * One turn: read the clock once, take the inbox and due timers into the FIFO
 * event queue, then run at most the events that were queued when the turn
 * began, draining all microtasks after each. Kill and pause requests are
 * honoured at event boundaries (kill-immediate also between microtasks).
 */
#include "rt_isolate_private.h"

#include <string.h>

void rt__event_push(rt_isolate *iso, rt_event *ev)
{
    rt__list_push_back(&iso->events, &ev->link);
    iso->nevents++;
}

void rt__event_remove(rt_isolate *iso, rt_event *ev)
{
    rt__list_remove(&ev->link);
    iso->nevents--;
}

/* ---- The inbox: many senders push, the owner takes everything at once ---- */

const rt_link rt__inbox_closed;

bool rt__inbox_post(rt_isolate *to, rt_link *l)
{
    rt_link *old = atomic_load_explicit(&to->inbox, memory_order_relaxed);
    do {
        if (old == RT_INBOX_CLOSED) return false;
        l->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&to->inbox, &old, l, memory_order_release,
                                                    memory_order_relaxed));
    if (old) return true; /* not the first: a wake for the batch is on its way */
    /* Under the lock, so that `to` cannot exit (and release its waiter)
     * between the push and the wake. */
    pthread_mutex_lock(&to->lock);
    if (!to->closed) rt__isolate_notify(to);
    pthread_mutex_unlock(&to->lock);
    return true;
}

/* Appends a taken stack (newest first) to the event queue, oldest first. */
static void inbox_append(rt_isolate *iso, rt_link *top)
{
    rt_link got;
    rt__list_init(&got);
    size_t n = 0;
    for (rt_link *next; top; top = next, n++) {
        next = top->next;
        /* cppcheck-suppress autoVariables ; got is spliced into the queue below */
        top->prev = &got; /* push front: reverses */
        top->next = got.next;
        got.next->prev = top;
        got.next = top;
    }
    iso->nevents += n;
    rt__list_splice(&iso->events, &got);
}

void rt__inbox_take(rt_isolate *iso)
{
    /* Only the owner closes the inbox (rt__inbox_close), so a stack seen
     * here is still one when it is taken. Exchanging a closed inbox and
     * putting CLOSED back would lose a message pushed in between. */
    rt_link *top = atomic_load_explicit(&iso->inbox, memory_order_relaxed);
    if (!top || top == RT_INBOX_CLOSED) return;
    inbox_append(iso, atomic_exchange_explicit(&iso->inbox, NULL, memory_order_acquire));
}

void rt__inbox_close(rt_isolate *iso)
{
    rt_link *top = atomic_exchange_explicit(&iso->inbox, RT_INBOX_CLOSED, memory_order_acquire);
    if (top != RT_INBOX_CLOSED) inbox_append(iso, top);
}

int rt_schedule_microtask(rt_task_fn fn, void *ctx)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(fn != NULL, "fn is NULL");
    rt_task *t = rt__heap_alloc(&iso->heap, sizeof *t);
    if (!t) return RT_ENOMEM;
    t->ev.type = RT_EV_TASK;
    t->fn = fn;
    t->ctx = ctx;
    rt__list_push_back(&iso->microtasks, &t->ev.link);
    return RT_OK;
}

void rt__microtask_push(rt_isolate *iso, rt_task *t)
{
    rt__list_push_back(&iso->microtasks, &t->ev.link);
}

int rt_post(rt_task_fn fn, void *ctx)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(fn != NULL, "fn is NULL");
    rt_task *t = rt__heap_alloc(&iso->heap, sizeof *t);
    if (!t) return RT_ENOMEM;
    t->ev.type = RT_EV_TASK;
    t->fn = fn;
    t->ctx = ctx;
    /* Messages that arrived before this call must run before it. */
    rt__inbox_take(iso);
    rt__event_push(iso, &t->ev);
    return RT_OK;
}

int64_t rt_now(void)
{
    return rt__isolate_check(__func__)->now;
}

static bool killed(rt_isolate *iso, bool immediate_only)
{
    int k = atomic_load_explicit(&iso->kill, memory_order_relaxed);
    if (!k) return false;
    return !immediate_only || k == 1 + RT_KILL_IMMEDIATE;
}

void rt__drain_microtasks(rt_isolate *iso)
{
    rt_link *l;
    for (;;) {
        if (iso->exiting) return;
        /* Immediate control requests: as soon as C code hands control back. */
        rt__control_between_microtasks(iso);
        l = rt__list_pop_front(&iso->microtasks);
        if (!l) {
            /* Out of microtasks: errors still unhandled now are reported. */
            if (rt__list_empty(&iso->unhandled)) return;
            rt__futures_report_unhandled(iso);
            continue;
        }
        rt_task *t = rt__container_of(l, rt_task, ev.link);
        rt_task_fn fn = t->fn;
        void *ctx = t->ctx;
        if (t->ev.type != RT_EV_EMBEDDED) rt__heap_free(&iso->heap, t);
        fn(ctx);
        if (killed(iso, true)) return;
    }
}

/* The sink: one atomic pointer to a (fn, ctx) pair, so a reporter always
 * calls a function with its own context. Two slots: setting fills the one
 * not in use (rt_trace_set is called while no other isolate reports). */
typedef struct trace_sink {
    rt_trace_fn fn;
    void *ctx;
} trace_sink;
static trace_sink trace_slots[2];
static _Atomic(trace_sink *) trace_now;

void rt_trace_set(rt_trace_fn fn, void *ctx)
{
    trace_sink *s = NULL;
    if (fn) {
        s = atomic_load(&trace_now) == &trace_slots[0] ? &trace_slots[1] : &trace_slots[0];
        *s = (trace_sink){fn, ctx};
    }
    atomic_store_explicit(&trace_now, s, memory_order_release);
}

bool rt_tracing(void)
{
    return atomic_load_explicit(&trace_now, memory_order_relaxed) != NULL;
}

void rt_trace(const rt_trace_event *ev)
{
    trace_sink *s = atomic_load_explicit(&trace_now, memory_order_acquire);
    if (!s) return;
    if (ev->isolate) {
        s->fn(s->ctx, ev);
        return;
    }
    rt_trace_event named = *ev;
    named.isolate = rt__current ? rt__current->name : "(no isolate)";
    s->fn(s->ctx, &named);
}

static atomic_uint_fast64_t flow_ids;

uint64_t rt_trace_flow_begin(const char *name)
{
    if (!rt_tracing()) return 0;
    uint64_t id = atomic_fetch_add_explicit(&flow_ids, 1, memory_order_relaxed) + 1;
    rt_trace(&(rt_trace_event){
        .phase = RT_TRACE_FLOW_BEGIN, .name = name, .start_ns = rt_monotonic_ns(), .id = id});
    return id;
}

void rt_trace_flow_end(uint64_t id, const char *name)
{
    if (id)
        rt_trace(&(rt_trace_event){
            .phase = RT_TRACE_FLOW_END, .name = name, .start_ns = rt_monotonic_ns(), .id = id});
}

/* ---- Labels and observers ---- */

void rt_event_label(const char *label)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    /* Only observers and the trace read labels: nothing to keep otherwise. */
    if (iso->in_event && label && (iso->nobservers || rt_tracing()))
        rt_utf8_copy(iso->event_label, sizeof iso->event_label, label);
}

bool rt_event_answer(rt_answer_info *out)
{
    rt_isolate *iso = rt__current;
    if (!iso || !iso->in_event || !iso->answer.sent_ns) return false;
    *out = iso->answer;
    return true;
}

int rt_loop_observe(rt_event_observer_fn fn, void *ctx)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(fn != NULL, "fn is NULL");
    for (size_t i = 0; i < iso->nobservers; i++)
        if (iso->observers[i].fn == fn && iso->observers[i].ctx == ctx) return RT_ESTATE;
    if (iso->nobservers == RT_LOOP_OBSERVERS) return RT_ESTATE;
    iso->observers[iso->nobservers++] = (struct rt__observer){fn, ctx};
    return RT_OK;
}

void rt_loop_unobserve(rt_event_observer_fn fn, void *ctx)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    for (size_t i = 0; i < iso->nobservers; i++)
        if (iso->observers[i].fn == fn && iso->observers[i].ctx == ctx) {
            memmove(&iso->observers[i], &iso->observers[i + 1],
                    (iso->nobservers - i - 1) * sizeof iso->observers[0]);
            iso->nobservers--;
            return;
        }
}

static const char *const event_kinds[] = {[RT_EV_MESSAGE] = "message",
                                          [RT_EV_TIMER] = "timer",
                                          [RT_EV_TASK] = "task",
                                          [RT_EV_START] = "start",
                                          [RT_EV_EMBEDDED] = "task"};
static const rt_event_kind public_kinds[] = {[RT_EV_MESSAGE] = RT_EVENT_MESSAGE,
                                             [RT_EV_TIMER] = RT_EVENT_TIMER,
                                             [RT_EV_TASK] = RT_EVENT_TASK,
                                             [RT_EV_START] = RT_EVENT_START,
                                             [RT_EV_EMBEDDED] = RT_EVENT_TASK};

static void dispatch(rt_isolate *iso, rt_event *ev)
{
    switch (ev->type) {
    case RT_EV_MESSAGE:
        rt__port_deliver(iso, rt__container_of(ev, rt_msg, ev));
        break;
    case RT_EV_TIMER:
        rt__timer_fire(iso, rt__container_of(ev, rt_timer, ev));
        break;
    case RT_EV_TASK: {
        rt_task *t = rt__container_of(ev, rt_task, ev);
        rt_task_fn fn = t->fn;
        void *ctx = t->ctx;
        rt__heap_free(&iso->heap, t);
        fn(ctx);
        break;
    }
    case RT_EV_START:
        rt__loop_run_entry(iso, rt__container_of(ev, rt_msg, ev));
        break;
    }
}

/* Observers, from a copy: one may remove itself (or another). */
static void observe(rt_isolate *iso, const rt_event_info *info)
{
    struct rt__observer obs[RT_LOOP_OBSERVERS];
    size_t n = iso->nobservers;
    memcpy(obs, iso->observers, n * sizeof obs[0]);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < iso->nobservers; k++)
            if (iso->observers[k].fn == obs[i].fn && iso->observers[k].ctx == obs[i].ctx) {
                obs[i].fn(obs[i].ctx, info);
                break;
            }
}

/* One event and the microtasks it queued, as one span of the trace and one
 * record for the observers. */
static void run_event(rt_isolate *iso, rt_event *ev)
{
    bool traced = rt_tracing(), watched = iso->nobservers > 0;
    int type = ev->type; /* ev may be freed by its handler */
    int64_t t0 = traced || watched ? rt_monotonic_ns() : 0;
    if (traced && type == RT_EV_MESSAGE) {
        uint64_t flow = rt__container_of(ev, rt_msg, ev)->flow;
        if (flow)
            rt_trace(&(rt_trace_event){.phase = RT_TRACE_FLOW_END,
                                       .isolate = iso->name,
                                       .name = "message",
                                       .start_ns = t0,
                                       .id = flow});
    }
    iso->in_event = true;
    iso->event_label[0] = 0;
    iso->answer.sent_ns = 0;
    dispatch(iso, ev);
    uint64_t seq = atomic_fetch_add_explicit(&iso->handled, 1, memory_order_relaxed) + 1;
    rt__drain_microtasks(iso);
    iso->in_event = false;
    if (!traced && !watched) return;
    rt_event_info info = {.kind = public_kinds[type],
                          .label = iso->event_label[0] ? iso->event_label : event_kinds[type],
                          .start_ns = t0,
                          .dur_ns = rt_monotonic_ns() - t0,
                          .seq = seq};
    if (traced)
        rt_trace(&(rt_trace_event){.phase = RT_TRACE_SPAN,
                                   .isolate = iso->name,
                                   .name = info.label,
                                   .detail = iso->event_label[0] ? event_kinds[type] : NULL,
                                   .start_ns = t0,
                                   .dur_ns = info.dur_ns});
    if (watched) observe(iso, &info);
}

bool rt__loop_alive(rt_isolate *iso)
{
    return iso->keepalive > 0 || iso->nevents > 0 || !rt__list_empty(&iso->microtasks) ||
           rt__paused(iso);
}

int64_t rt__loop_turn(rt_isolate *iso)
{
    /* Code outside any event (main's own code) may have queued microtasks. */
    rt__drain_microtasks(iso);
    if (killed(iso, false) || iso->exiting) return RT_TURN_EXIT;
    iso->now = iso->clock->now_ns(iso->clock);
    rt__inbox_take(iso);
    /* Control requests are handled while paused, and before queued events. */
    rt__control_boundary(iso);
    if (rt__paused(iso)) return INT64_MAX;
    rt__timers_collect_due(iso);
    atomic_store_explicit(&iso->running, true, memory_order_relaxed);
    for (size_t n = iso->nevents; n > 0 && iso->nevents > 0; n--) {
        rt__control_boundary(iso); /* what came during the last event goes first */
        rt_event *ev = rt__container_of(iso->events.next, rt_event, link);
        rt__event_remove(iso, ev);
        run_event(iso, ev); /* and its microtasks */
        if (killed(iso, false) || iso->exiting) break;
        if (rt__paused(iso)) break;
    }
    rt__port_release_flush(iso);
    atomic_store_explicit(&iso->running, false, memory_order_relaxed);
    atomic_store_explicit(&iso->heap_bytes, iso->heap.footprint, memory_order_relaxed);
    if (killed(iso, false) || iso->exiting) return RT_TURN_EXIT;
    rt__control_boundary(iso); /* pings waiting for the last event to end */
    if (iso->nevents > 0 && !rt__paused(iso)) return 0;
    if (!rt__loop_alive(iso) && !iso->is_main) return RT_TURN_EXIT;
    return rt__timers_next_deadline(iso);
}

void rt__loop_run_entry(rt_isolate *iso, rt_msg *start)
{
    rt_value *msg = NULL;
    if (start->root) {
        rt__msg_adopt(&iso->heap, start);
        msg = start->root;
    } else {
        rt__large_free(start);
    }
    iso->entry(msg);
}

int rt__loop_run_owned(rt_isolate *iso, rt_run_mode mode)
{
    for (;;) {
        atomic_store(&iso->wake_pending, 0);
        int64_t next = rt__loop_turn(iso);
        if (next == RT_TURN_EXIT) return 0;
        rt_waiter *w = iso->waiter;
        if (next == 0) {
            if (w->poll) w->poll(w); /* busy: outside work still comes in */
            if (mode != RT_RUN_DEFAULT) return 1;
            continue;
        }
        if (!rt__loop_alive(iso)) return 0;
        if (mode == RT_RUN_NOWAIT) return 1;
        bool waited = false;
        if (next != INT64_MAX && iso->clock->advance_to && !rt__paused(iso)) {
            /* Virtual time: jump to the deadline unless a message is waiting. */
            if (!atomic_load(&iso->inbox)) iso->clock->advance_to(iso->clock, next);
        } else if (!atomic_load(&iso->wake_pending)) {
            int64_t timeout = next == INT64_MAX ? -1 : next - iso->clock->now_ns(iso->clock);
            if (timeout != 0) {
                w->wait(w, timeout < 0 && next != INT64_MAX ? 0 : timeout);
                waited = true;
            }
        }
        if (!waited && w->poll) w->poll(w);
        if (mode == RT_RUN_ONCE) {
            atomic_store(&iso->wake_pending, 0);
            return rt__loop_turn(iso) == RT_TURN_EXIT ? 0 : rt__loop_alive(iso);
        }
    }
}

int rt_run(rt_run_mode mode)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(iso->waiter != NULL,
             "isolate '%s' runs on the worker pool; only the main isolate runs its own loop",
             iso->name);
    return rt__loop_run_owned(iso, mode);
}
