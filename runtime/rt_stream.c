/* rt_stream.c: stream controllers and subscriptions, Dart's protocol.
 *
 * The state machine is Dart's _BufferingStreamSubscription: a pause count,
 * an "input paused" bit that stays set until buffered events have drained,
 * an "in callback" bit that defers pause/resume hooks until the handler
 * returns (and calls them once the state has really changed), and a done or
 * cancelOnError error that cancels first and waits for the cancel future
 * before running its handler. Controllers follow _StreamController (single
 * subscription, buffering until listened) and _BroadcastStreamController.
 *
 * Each subscription has its own queue of pending events; an event shared by
 * several broadcast listeners is reference counted. A subscription has at
 * most one delivery microtask in flight, which delivers one event and queues
 * the next delivery behind whatever else was queued meanwhile (Dart's order:
 * data 1, other microtask, data 2).
 *
 * References: a listed subscription is held by its stream (dropped when it
 * is cancelled), and every delivery, handler call and pending wait holds
 * one more.
 */
#include "rt_future_private.h"
#include "rt_isolate_private.h"
#include "rt_stream_private.h"

#include <stdarg.h>
#include <string.h>

enum { EV_DATA, EV_ERROR, EV_DONE };

typedef struct sevent sevent;

typedef struct pnode {
    rt_link link;
    sevent *ev;
} pnode;

/* An event carries the queue node of its first queue (the only one unless
 * it goes to several broadcast listeners), so queueing seldom allocates. */
struct sevent {
    uint32_t refs;
    uint8_t kind;
    bool own_queued;
    pnode own;
    rt_value *value;
    rt_error error;
};

typedef struct add_state add_state;

struct rt_stream {
    uint32_t refs;
    rt_isolate *owner;
    rt_stream_options o;
    bool closed;
    bool listened;  /* single: a listener came (Dart's !_isInitialState) */
    bool cancelled; /* single: the listener left */
    bool firing;    /* sync broadcast: delivering an event */
    rt_link subs;
    rt_link buffer; /* single-subscription: events before the listener */
    rt_completer *done;
    add_state *adding; /* rt_stream_add_stream in progress */
    /* rt__stream_multi: every listen is this call */
    rt_subscription *(*multi)(void *ctx, const rt_stream_handlers *h);
    void (*destroy)(void *ctx);
};

struct rt_subscription {
    uint32_t refs;
    rt_stream *s;
    rt_stream_handlers h;
    rt_link link; /* in s->subs while listed */
    rt_link pending;
    int pause_count;
    bool input_paused, canceled, listed, has_pending, in_callback, wait_for_cancel, scheduled;
    bool cancel_called; /* cancel_future is meaningful */
    rt_task delivery;   /* the one delivery microtask, embedded */
    sevent *current;    /* the data event on_data is handling */
    rt_future *cancel_future;
    rt_completer *as_future; /* rt_subscription_as_future */
    rt_value *as_value;
};

static rt_heap *heap_of(rt_stream *s)
{
    return &s->owner->heap;
}

/* ---- Events ---- */

static sevent *event_new(rt_stream *s, uint8_t kind, size_t extra)
{
    sevent *e = rt__heap_alloc(heap_of(s), sizeof *e + extra);
    if (e) memset(e, 0, sizeof *e), e->refs = 1, e->kind = kind;
    return e;
}

static void event_release(rt_stream *s, sevent *e)
{
    if (--e->refs) return;
    rt_value_free(e->value);
    rt__heap_free(heap_of(s), e);
}

static sevent *error_event(rt_stream *s, const rt_error *err)
{
    rt_error v = {err->code, err->domain ? err->domain : "runtime",
                  err->message ? err->message : ""};
    sevent *e = event_new(s, EV_ERROR, rt__error_text_size(&v));
    if (!e) return NULL;
    e->error = rt__error_store(e + 1, &v);
    return e;
}

static int queue_push(rt_stream *s, rt_link *q, sevent *e)
{
    pnode *n = &e->own;
    if (e->own_queued)
        n = rt__heap_alloc(heap_of(s), sizeof *n);
    else
        e->own_queued = true;
    if (!n) return RT_ENOMEM;
    n->ev = e;
    e->refs++;
    rt__list_push_back(q, &n->link);
    return RT_OK;
}

static sevent *queue_pop(rt_stream *s, rt_link *q)
{
    rt_link *l = rt__list_pop_front(q);
    if (!l) return NULL;
    pnode *n = rt__container_of(l, pnode, link);
    sevent *e = n->ev;
    if (n == &e->own)
        e->own_queued = false;
    else
        rt__heap_free(heap_of(s), n);
    return e;
}

static void queue_drop(rt_stream *s, rt_link *q)
{
    sevent *e;
    while ((e = queue_pop(s, q)))
        event_release(s, e);
}

/* ---- Streams ---- */

rt_stream_controller *rt_stream_controller_new(const rt_stream_options *opts)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    rt_stream *s = rt__heap_alloc(&iso->heap, sizeof *s);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    s->refs = 1;
    s->owner = iso;
    if (opts) s->o = *opts;
    rt__list_init(&s->subs);
    rt__list_init(&s->buffer);
    return s;
}

rt_stream *rt_stream_controller_stream(rt_stream_controller *c)
{
    return rt_stream_dup(c);
}

rt_stream *rt_stream_dup(rt_stream *s)
{
    if (s) s->refs++;
    return s;
}

void rt_stream_release(rt_stream *s)
{
    if (!s || --s->refs) return;
    queue_drop(s, &s->buffer);
    if (s->done) rt_completer_release(s->done);
    if (s->destroy) s->destroy(s->o.ctx);
    rt__heap_free(heap_of(s), s);
}

void rt__stream_set_destroy(rt_stream *s, void (*destroy)(void *ctx))
{
    s->destroy = destroy;
}

rt_stream *rt__stream_multi(rt_subscription *(*listen)(void *ctx, const rt_stream_handlers *h),
                            void *ctx, void (*destroy)(void *ctx))
{
    rt_stream *s = rt_stream_controller_new(&(rt_stream_options){.broadcast = true, .ctx = ctx});
    if (!s) return NULL;
    s->multi = listen;
    s->destroy = destroy;
    return s;
}

bool rt_stream_is_broadcast(const rt_stream *s)
{
    return s->o.broadcast;
}

bool rt_stream_is_closed(const rt_stream_controller *c)
{
    return c->closed;
}

bool rt_stream_has_listener(const rt_stream_controller *c)
{
    return !rt__list_empty(&c->subs);
}

static rt_subscription *the_listener(const rt_stream *s)
{
    return rt__list_empty(&s->subs) ? NULL : rt__container_of(s->subs.next, rt_subscription, link);
}

bool rt_stream_is_paused(const rt_stream_controller *c)
{
    if (c->o.broadcast) return false;
    rt_subscription *sub = the_listener(c);
    return sub ? sub->input_paused : !c->cancelled;
}

static rt_completer *done_completer(rt_stream *s)
{
    /* Asynchronous, as Dart's _doneFuture._asyncComplete. */
    if (!s->done) s->done = rt_completer_new(false);
    return s->done;
}

rt_future *rt_stream_done(rt_stream_controller *c)
{
    rt_completer *d = done_completer(c);
    if (!d) return NULL;
    if (!c->o.broadcast && c->cancelled && !rt_completer_is_completed(d))
        rt_completer_complete(d, NULL);
    return rt_completer_future(d);
}

static void complete_done(rt_stream *s)
{
    rt_completer *d = done_completer(s);
    if (d && !rt_completer_is_completed(d)) rt_completer_complete(d, NULL);
}

/* ---- Subscriptions: references ---- */

static void sub_release(rt_subscription *sub)
{
    if (--sub->refs) return;
    rt_stream *s = sub->s;
    queue_drop(s, &sub->pending);
    rt_future_release(sub->cancel_future);
    if (sub->as_future) rt_completer_release(sub->as_future);
    rt_value_free(sub->as_value);
    rt__heap_free(heap_of(s), sub);
    rt_stream_release(s);
}

/* Runs fn(sub, ctx) when f (consumed) completes, whatever its outcome,
 * holding a reference to sub meanwhile. Out of memory, fn runs now. */
typedef struct waiter {
    rt_subscription *sub;
    sevent *ev;
    void (*fn)(rt_subscription *sub, sevent *ev);
} waiter;

static void waiter_free(void *ctx)
{
    waiter *w = ctx;
    rt_stream *s = w->sub->s;
    if (w->ev) event_release(s, w->ev);
    sub_release(w->sub);
    rt__heap_free(heap_of(s), w);
}

static void waiter_run(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    waiter *w = ctx;
    w->fn(w->sub, w->ev);
    waiter_free(w);
}

static void after(rt_future *f, rt_subscription *sub, sevent *ev,
                  void (*fn)(rt_subscription *, sevent *))
{
    waiter *w = rt__heap_alloc(heap_of(sub->s), sizeof *w);
    if (!w) {
        rt_future_release(f);
        fn(sub, ev);
        return;
    }
    *w = (waiter){sub, ev, fn};
    sub->refs++;
    if (ev) ev->refs++;
    rt_future_release(rt_future_then_ctx(f, waiter_run, waiter_run, w, waiter_free));
}

/* next gets src's outcome now (src is complete): a value is copied, so the
 * chain completes in the same task, as Dart's whenComplete does. */
static void pass_outcome(rt_future *src, rt_completer *next)
{
    const rt_value *v = rt_future_get_value(src);
    if (rt_future_is_error(src))
        rt_completer_fail_with(next, rt_future_get_error(src));
    else if (v)
        rt_completer_complete(next, rt_value_copy(v, NULL));
    else if (rt_future_get_ptr(src))
        rt_completer_follow(next, rt_future_dup(src));
}

/* ---- Controller side of a cancel (Dart's _recordCancel) ---- */

static rt_future *add_state_cancel(add_state *a);

static void call_on_cancel_broadcast(rt_stream *s)
{
    if (s->closed) complete_done(s);
    if (s->o.on_cancel) rt_future_release(s->o.on_cancel(s, s->o.ctx));
}

/* Dart's result.whenComplete(onCancel): after `result`, on_cancel runs; the
 * outcome is on_cancel's error if its future fails, else result's. */
static void cancel_outcome(rt_future *g, rt_completer *next, void *ctx)
{
    rt_future *src = ctx;
    if (rt_future_is_error(g))
        rt_completer_fail_with(next, rt_future_get_error(g));
    else
        pass_outcome(src, next);
}

static void cancel_outcome_free(void *ctx)
{
    rt_future_release(ctx);
}

static void then_cancel_run(rt_future *src, rt_completer *next, void *ctx)
{
    rt_stream *s = ctx;
    rt_future *g = s->o.on_cancel(s, s->o.ctx);
    if (g)
        rt_completer_follow(next, rt_future_then_ctx(g, cancel_outcome, cancel_outcome,
                                                     rt_future_dup(src), cancel_outcome_free));
    else
        pass_outcome(src, next);
}

static void then_cancel_free(void *ctx)
{
    rt_stream_release(ctx);
}

/* The cancel future keeps on_cancel's outcome (Dart's whenComplete). */
static void done_after_cancel(rt_future *src, rt_completer *next, void *ctx)
{
    pass_outcome(src, next);
    complete_done(ctx);
}

static rt_future *record_cancel(rt_subscription *sub)
{
    rt_stream *s = sub->s;
    if (!sub->listed) return NULL;
    sub->listed = false;
    rt__list_remove(&sub->link);
    if (s->o.broadcast) {
        if (!s->firing && rt__list_empty(&s->subs)) call_on_cancel_broadcast(s);
        return NULL;
    }
    s->cancelled = true;
    rt_future *result = NULL;
    if (s->adding) result = add_state_cancel(s->adding);
    if (s->o.on_cancel) {
        if (!result)
            result = s->o.on_cancel(s, s->o.ctx);
        else
            result = rt_future_then_ctx(result, then_cancel_run, then_cancel_run, rt_stream_dup(s),
                                        then_cancel_free);
    }
    if (!result) {
        complete_done(s);
        return NULL;
    }
    return rt_future_then_ctx(result, done_after_cancel, done_after_cancel, rt_stream_dup(s),
                              then_cancel_free);
}

/* ---- Subscriptions: the state machine ---- */

static void schedule(rt_subscription *sub);

/* Dart's _cancel: no more events; the stream learns of it. */
static void sub_cancel(rt_subscription *sub)
{
    bool listed = sub->listed;
    sub->canceled = true;
    queue_drop(sub->s, &sub->pending);
    sub->has_pending = false;
    rt_future *f = record_cancel(sub);
    if (!sub->cancel_called) {
        sub->cancel_called = true;
        sub->cancel_future = f;
    } else {
        rt_future_release(f);
    }
    if (listed) sub_release(sub); /* the stream's reference */
}

static void hook_pause(rt_subscription *sub);
static void hook_resume(rt_subscription *sub);

/* Dart's _checkState: after a handler or hook, run the pause/resume hook
 * the state change calls for (repeatedly, until it stops changing). */
static void check_state(rt_subscription *sub, bool was_input_paused)
{
    if (sub->has_pending && rt__list_empty(&sub->pending)) {
        sub->has_pending = false;
        if (sub->input_paused && sub->pause_count == 0) sub->input_paused = false;
    }
    for (;;) {
        if (sub->canceled) {
            queue_drop(sub->s, &sub->pending);
            sub->has_pending = false;
            return;
        }
        bool is = sub->input_paused;
        if (is == was_input_paused) break;
        sub->in_callback = true;
        if (is)
            hook_pause(sub);
        else
            hook_resume(sub);
        sub->in_callback = false;
        was_input_paused = is;
    }
    if (sub->has_pending && sub->pause_count == 0) schedule(sub);
}

static void guard(rt_subscription *sub, void (*fn)(rt_subscription *))
{
    bool was = sub->input_paused;
    sub->refs++;
    sub->in_callback = true;
    fn(sub);
    sub->in_callback = false;
    check_state(sub, was);
    sub_release(sub);
}

static void send_data(rt_subscription *sub, sevent *e)
{
    bool was = sub->input_paused;
    sub->in_callback = true;
    sevent *outer = sub->current;
    sub->current = e;
    if (sub->h.on_data) sub->h.on_data(sub, e->value, sub->h.ctx);
    sub->current = outer;
    sub->in_callback = false;
    check_state(sub, was);
}

static void as_future_fail(rt_subscription *sub, sevent *e)
{
    rt_completer *c = sub->as_future;
    sub->as_future = NULL;
    if (!c) return;
    rt_completer_fail_with(c, &e->error);
    rt_completer_release(c);
}

static void error_to_handler(rt_subscription *sub, sevent *e)
{
    if (sub->canceled && !sub->wait_for_cancel) return;
    sub->in_callback = true;
    if (sub->as_future) {
        /* asFuture: cancel, then fail once the cancel is done. */
        if (!sub->canceled) sub_cancel(sub);
        if (sub->cancel_future)
            after(rt_future_dup(sub->cancel_future), sub, e, as_future_fail);
        else
            as_future_fail(sub, e);
    } else if (sub->h.on_error) {
        sub->h.on_error(sub, &e->error, sub->h.ctx);
    } else {
        rt_report_error(e->error.code, "unhandled stream error (%s): %s", e->error.domain,
                        e->error.message);
    }
    sub->in_callback = false;
}

static void send_error(rt_subscription *sub, sevent *e)
{
    bool was = sub->input_paused;
    if (sub->h.cancel_on_error) {
        /* Dart cancels first: on_cancel runs before on_error, and on_error
         * waits for on_cancel's future. */
        sub->wait_for_cancel = true;
        sub_cancel(sub);
        if (sub->cancel_future)
            after(rt_future_dup(sub->cancel_future), sub, e, error_to_handler);
        else
            error_to_handler(sub, e);
        return;
    }
    error_to_handler(sub, e);
    check_state(sub, was);
}

static void done_to_handler(rt_subscription *sub, sevent *e)
{
    (void)e;
    if (!sub->wait_for_cancel) return;
    sub->wait_for_cancel = false;
    sub->in_callback = true;
    if (sub->as_future) {
        rt_completer *c = sub->as_future;
        rt_value *v = sub->as_value;
        sub->as_future = NULL;
        sub->as_value = NULL;
        rt_completer_complete(c, v);
        rt_completer_release(c);
    } else if (sub->h.on_done) {
        sub->h.on_done(sub, sub->h.ctx);
    }
    sub->in_callback = false;
}

static void send_done(rt_subscription *sub)
{
    sub_cancel(sub);
    sub->wait_for_cancel = true;
    if (sub->cancel_future)
        after(rt_future_dup(sub->cancel_future), sub, NULL, done_to_handler);
    else
        done_to_handler(sub, NULL);
}

static void send(rt_subscription *sub, sevent *e)
{
    switch (e->kind) {
    case EV_DATA:
        send_data(sub, e);
        break;
    case EV_ERROR:
        send_error(sub, e);
        break;
    default:
        send_done(sub);
        break;
    }
}

static void deliver_task(void *ctx)
{
    rt_subscription *sub = ctx;
    sub->scheduled = false;
    if (!sub->canceled && sub->pause_count == 0) {
        sevent *e = queue_pop(sub->s, &sub->pending);
        if (e) {
            rt_stream *s = sub->s;
            send(sub, e);
            event_release(s, e);
        }
    }
    sub_release(sub);
}

static void schedule(rt_subscription *sub)
{
    if (sub->scheduled || sub->canceled || rt__list_empty(&sub->pending)) return;
    sub->delivery.ev.type = RT_EV_EMBEDDED;
    sub->delivery.fn = deliver_task;
    sub->delivery.ctx = sub;
    rt__microtask_push(sub->s->owner, &sub->delivery);
    sub->scheduled = true;
    sub->refs++;
}

static int add_pending(rt_subscription *sub, sevent *e)
{
    int rc = queue_push(sub->s, &sub->pending, e);
    if (rc) return rc;
    if (!sub->has_pending) {
        sub->has_pending = true;
        if (sub->pause_count == 0) schedule(sub);
    }
    return RT_OK;
}

/* One event to one subscription: at once when a sync stream can fire
 * (Dart's _add/_addError/_close), else queued (_addPending). */
static int sub_event(rt_subscription *sub, sevent *e)
{
    if (sub->canceled) return RT_OK;
    if (sub->s->o.sync && !sub->in_callback && !sub->has_pending && sub->pause_count == 0) {
        sub->refs++;
        send(sub, e);
        sub_release(sub);
        return RT_OK;
    }
    return add_pending(sub, e);
}

/* ---- Controllers: sending ---- */

/* Hands an event (reference taken) to the listeners, or buffers it. */
static int fire(rt_stream *s, sevent *e)
{
    if (!e) return RT_ENOMEM;
    int rc = RT_OK;
    rt_stream_dup(s);
    if (!s->o.broadcast) {
        rt_subscription *sub = the_listener(s);
        if (sub)
            rc = sub_event(sub, e);
        else if (!s->listened)
            rc = queue_push(s, &s->buffer, e);
    } else if (rt__list_empty(&s->subs)) {
        if (e->kind == EV_DONE) complete_done(s);
    } else if (!s->o.sync) {
        for (rt_link *l = s->subs.next; l != &s->subs; l = l->next) {
            int r = add_pending(rt__container_of(l, rt_subscription, link), e);
            if (r) rc = r;
        }
    } else {
        /* Sync broadcast: deliver to the listeners present now, each held
         * while its handler runs (a handler may cancel any of them). */
        size_t n = 0;
        for (rt_link *l = s->subs.next; l != &s->subs; l = l->next)
            n++;
        rt_subscription *few[16],
            **subs = n <= 16 ? few : rt__heap_alloc(heap_of(s), n * sizeof *subs);
        if (!subs) {
            rc = RT_ENOMEM;
        } else {
            size_t i = 0;
            for (rt_link *l = s->subs.next; l != &s->subs && i < n; l = l->next) {
                subs[i] = rt__container_of(l, rt_subscription, link);
                subs[i++]->refs++;
            }
            n = i; /* the list is the one just counted; this says so to the analyzer */
            s->firing = true;
            for (i = 0; i < n; i++) {
                int r = sub_event(subs[i], e);
                if (r) rc = r;
            }
            s->firing = false;
            for (i = 0; i < n; i++)
                sub_release(subs[i]);
            if (subs != few) rt__heap_free(heap_of(s), subs);
            if (rt__list_empty(&s->subs)) call_on_cancel_broadcast(s);
        }
    }
    event_release(s, e);
    rt_stream_release(s);
    return rc;
}

static bool may_add(rt_stream_controller *c, const char *func)
{
    (void)func;
    RT_CHECK(!c->closed, "%s: cannot add an event after closing", func);
    RT_CHECK(!c->adding, "%s: cannot add an event while rt_stream_add_stream runs", func);
    RT_CHECK(!(c->firing && c->o.sync),
             "%s: a sync broadcast stream cannot add an event while delivering one", func);
    return !c->closed && !c->adding && !(c->firing && c->o.sync);
}

static int add_value(rt_stream_controller *c, rt_value *value)
{
    sevent *e = event_new(c, EV_DATA, 0);
    if (!e) {
        rt_value_free(value);
        return RT_ENOMEM;
    }
    e->value = value ? value : rt_value_null();
    if (!e->value) {
        event_release(c, e);
        return RT_ENOMEM;
    }
    return fire(c, e);
}

int rt_stream_add(rt_stream_controller *c, rt_value *value)
{
    if (!may_add(c, __func__)) {
        rt_value_free(value);
        return RT_ESTATE;
    }
    return add_value(c, value);
}

int rt_stream_add_error_with(rt_stream_controller *c, const rt_error *error)
{
    if (!may_add(c, __func__)) return RT_ESTATE;
    return fire(c, error_event(c, error));
}

int rt_stream_add_error(rt_stream_controller *c, int code, const char *domain, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rt_stream_add_error_with(c, &(rt_error){code, domain, msg});
}

static void close_unchecked(rt_stream_controller *c)
{
    c->closed = true;
    fire(c, event_new(c, EV_DONE, 0));
}

rt_future *rt_stream_close(rt_stream_controller *c)
{
    if (c->closed) return rt_stream_done(c);
    RT_CHECK(!c->adding, "rt_stream_close: cannot close while rt_stream_add_stream runs");
    if (c->adding)
        return rt_future_error(RT_ESTATE, "runtime", "cannot close while a stream is being added");
    rt_future *f = rt_stream_done(c);
    close_unchecked(c);
    return f;
}

/* ---- add_stream (Dart's _AddStreamState) ---- */

struct add_state {
    rt_stream *c; /* counted */
    rt_subscription *src;
    rt_completer *result;
    bool cancel_on_error;
};

static void add_state_end(rt_stream *c)
{
    add_state *a = c->adding;
    if (!a) return;
    c->adding = NULL;
    rt_completer_complete(a->result, NULL);
    rt_completer_release(a->result);
    rt__heap_free(heap_of(c), a);
    rt_stream_release(c);
}

static void add_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    add_state *a = ctx;
    add_value(a->c, rt_value_copy(v, NULL));
}

static void add_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    add_state *a = ctx;
    rt_stream *c = a->c;
    fire(c, error_event(c, e));
    if (a->cancel_on_error) add_state_end(c);
}

static void add_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    add_state *a = ctx;
    add_state_end(a->c);
}

static void add_cancelled(rt_future *src, rt_completer *next, void *ctx)
{
    pass_outcome(src, next);
    add_state_end(ctx);
    rt_stream_release(ctx);
}

static void add_cancelled_free(void *ctx)
{
    rt_stream *c = ctx;
    add_state_end(c);
    rt_stream_release(c);
}

static rt_future *add_state_cancel(add_state *a)
{
    rt_stream *c = a->c;
    rt_subscription *src = a->src;
    a->src = NULL;
    rt_future *f = src ? rt_subscription_cancel(src) : NULL;
    if (!f) {
        add_state_end(c);
        return NULL;
    }
    return rt_future_then_ctx(f, add_cancelled, add_cancelled, rt_stream_dup(c),
                              add_cancelled_free);
}

rt_future *rt_stream_add_stream(rt_stream_controller *c, rt_stream *source, bool cancel_on_error)
{
    if (!source) return NULL;
    RT_CHECK(!c->closed && !c->adding,
             "rt_stream_add_stream: the controller is closed or already adding a stream");
    if (c->closed || c->adding) {
        rt_stream_release(source);
        return rt_future_error(RT_ESTATE, "runtime",
                               "cannot add a stream to a closed controller or while adding one");
    }
    if (c->cancelled) {
        rt_stream_release(source);
        return rt_future_value(NULL);
    }
    add_state *a = rt__heap_alloc(heap_of(c), sizeof *a);
    rt_completer *r = a ? rt_completer_new(false) : NULL;
    if (!r) {
        rt__heap_free(heap_of(c), a);
        rt_stream_release(source);
        return NULL;
    }
    *a = (add_state){rt_stream_dup(c), NULL, r, cancel_on_error};
    c->adding = a;
    rt_future *f = rt_completer_future(r);
    rt_stream_handlers h = {add_data, add_error, add_done, a, cancel_on_error};
    bool paused = rt_stream_is_paused(c);
    a->src = rt_stream_listen(source, &h);
    rt_stream_release(source);
    if (!a->src) {
        add_state_end(c);
    } else if (paused && !c->o.broadcast) {
        rt_subscription_pause(a->src);
    }
    return f;
}

/* ---- Listening ---- */

static rt_subscription *sub_new(rt_stream *s, const rt_stream_handlers *h)
{
    rt_subscription *sub = rt__heap_alloc(heap_of(s), sizeof *sub);
    if (!sub) return NULL;
    memset(sub, 0, sizeof *sub);
    sub->refs = 1;
    sub->s = rt_stream_dup(s);
    if (h) sub->h = *h;
    rt__list_init(&sub->pending);
    return sub;
}

static void hook_listen(rt_subscription *sub)
{
    rt_stream *s = sub->s;
    if (s->o.on_listen) s->o.on_listen(s, s->o.ctx);
}

static void hook_pause(rt_subscription *sub)
{
    rt_stream *s = sub->s;
    if (s->o.broadcast || !sub->listed) return;
    if (s->adding && s->adding->src) rt_subscription_pause(s->adding->src);
    if (s->o.on_pause) s->o.on_pause(s, s->o.ctx);
}

static void hook_resume(rt_subscription *sub)
{
    rt_stream *s = sub->s;
    if (s->o.broadcast || !sub->listed) return;
    if (s->adding && s->adding->src) rt_subscription_resume(s->adding->src);
    if (s->o.on_resume) s->o.on_resume(s, s->o.ctx);
}

/* A subscription to a private stream holding only `error` (if any) and
 * done: what a second listen, or a listen to a closed broadcast stream,
 * gets. */
static rt_subscription *ended_listen(const rt_stream_handlers *h, const rt_error *error)
{
    rt_stream *e = rt_stream_controller_new(NULL);
    if (!e) return NULL;
    if (error) rt_stream_add_error_with(e, error);
    rt_future_release(rt_stream_close(e));
    rt_subscription *sub = rt_stream_listen(e, h);
    rt_stream_release(e);
    return sub;
}

rt_subscription *rt_stream_listen(rt_stream *s, const rt_stream_handlers *h)
{
    if (!s) return NULL;
    if (s->multi) return s->multi(s->o.ctx, h);
    if (!s->o.broadcast && s->listened)
        return ended_listen(
            h, &(rt_error){RT_ESTATE, "runtime", "stream has already been listened to"});
    if (s->o.broadcast && s->closed) return ended_listen(h, NULL);
    rt_subscription *sub = sub_new(s, h);
    if (!sub) return NULL;
    bool first = rt__list_empty(&s->subs);
    sub->listed = true;
    sub->refs++; /* the stream's */
    rt__list_push_back(&s->subs, &sub->link);
    if (s->o.broadcast) {
        if (first) hook_listen(sub);
        sub_release(sub);
        return sub;
    }
    s->listened = true;
    if (s->adding && s->adding->src) rt_subscription_resume(s->adding->src);
    rt__list_splice(&sub->pending, &s->buffer);
    if (!rt__list_empty(&sub->pending)) {
        sub->has_pending = true;
        schedule(sub);
    }
    guard(sub, hook_listen);
    sub_release(sub);
    return sub;
}

void rt_subscription_pause(rt_subscription *sub)
{
    if (sub->canceled) return;
    bool was_input = sub->input_paused;
    sub->pause_count++;
    sub->input_paused = true;
    if (!was_input && !sub->in_callback) guard(sub, hook_pause);
}

static void resume_on_signal(rt_subscription *sub, sevent *e)
{
    (void)e;
    rt_subscription_resume(sub);
}

void rt_subscription_pause_until(rt_subscription *sub, rt_future *resume_signal)
{
    if (sub->canceled) {
        rt_future_release(resume_signal);
        return;
    }
    rt_subscription_pause(sub);
    if (resume_signal) after(resume_signal, sub, NULL, resume_on_signal);
}

void rt_subscription_resume(rt_subscription *sub)
{
    if (sub->canceled || sub->pause_count == 0) return;
    if (--sub->pause_count > 0) return;
    if (sub->has_pending && !rt__list_empty(&sub->pending)) {
        schedule(sub); /* input stays paused until they have drained */
    } else {
        sub->input_paused = false;
        if (!sub->in_callback) guard(sub, hook_resume);
    }
}

rt_value *rt__subscription_take_value(rt_subscription *sub, const rt_value *v)
{
    sevent *e = sub->current;
    if (e && e->value == v && e->refs == 1 && !sub->s->o.broadcast) {
        e->value = NULL; /* nobody else holds the event: move its value */
        return (rt_value *)v;
    }
    return rt_value_copy(v, NULL);
}

bool rt_subscription_is_paused(const rt_subscription *sub)
{
    return sub->pause_count > 0;
}

void rt_subscription_on_data(rt_subscription *sub,
                             void (*fn)(rt_subscription *, const rt_value *, void *))
{
    sub->h.on_data = fn;
}

void rt_subscription_on_error(rt_subscription *sub,
                              void (*fn)(rt_subscription *, const rt_error *, void *))
{
    sub->h.on_error = fn;
}

void rt_subscription_on_done(rt_subscription *sub, void (*fn)(rt_subscription *, void *))
{
    sub->h.on_done = fn;
}

rt_future *rt_subscription_as_future(rt_subscription *sub, rt_value *value)
{
    if (sub->as_future) rt_completer_release(sub->as_future);
    rt_value_free(sub->as_value);
    sub->as_value = value;
    sub->as_future = rt_completer_new(true);
    if (!sub->as_future) return NULL;
    return rt_completer_future(sub->as_future);
}

rt_future *rt_subscription_cancel(rt_subscription *sub)
{
    sub->refs++;
    sub->wait_for_cancel = false; /* a deferred error or done is dropped */
    if (!sub->canceled) sub_cancel(sub);
    rt_future *f = sub->cancel_future ? rt_future_dup(sub->cancel_future) : rt__future_null();
    sub_release(sub);
    return f;
}

/* ---- Sinks ---- */

rt_event_sink *rt_stream_controller_sink(rt_stream_controller *c)
{
    return (rt_event_sink *)c;
}

int rt_sink_add(rt_event_sink *k, rt_value *value)
{
    return rt_stream_add((rt_stream_controller *)k, value);
}

int rt_sink_add_error(rt_event_sink *k, const rt_error *error)
{
    return rt_stream_add_error_with((rt_stream_controller *)k, error);
}

rt_future *rt_sink_close(rt_event_sink *k)
{
    return rt_stream_close((rt_stream_controller *)k);
}

/* ---- Equality ---- */

bool rt_value_equal(const rt_value *a, const rt_value *b)
{
    if (a == b) return true;
    if (!a || !b || rt_value_kind_of(a) != rt_value_kind_of(b)) return false;
    size_t la, lb;
    switch (rt_value_kind_of(a)) {
    case RT_NULL:
        return true;
    case RT_BOOL:
        return rt_value_as_bool(a) == rt_value_as_bool(b);
    case RT_INT:
        return rt_value_as_int(a) == rt_value_as_int(b);
    case RT_DOUBLE:
        return rt_value_as_double(a) == rt_value_as_double(b);
    case RT_STRING: {
        const char *x = rt_value_as_string(a, &la), *y = rt_value_as_string(b, &lb);
        return la == lb && memcmp(x, y, la) == 0;
    }
    case RT_BYTES: {
        const void *x = rt_value_as_bytes(a, &la), *y = rt_value_as_bytes(b, &lb);
        return la == lb && memcmp(x, y, la) == 0;
    }
    case RT_LIST:
        if (rt_list_len(a) != rt_list_len(b)) return false;
        for (size_t i = 0; i < rt_list_len(a); i++)
            if (!rt_value_equal(rt_list_get(a, i), rt_list_get(b, i))) return false;
        return true;
    case RT_MAP:
        if (rt_map_len(a) != rt_map_len(b)) return false;
        for (size_t i = 0; i < rt_map_len(a); i++)
            if (!rt_value_equal(rt_map_value_at(a, i), rt_map_get(b, rt_map_key_at(a, i))))
                return false;
        return true;
    case RT_SEND_PORT:
        return rt_value_as_send_port(a) == rt_value_as_send_port(b);
    case RT_BUFFER:
        return false; /* buffers are identities, not contents */
    }
    return false;
}
