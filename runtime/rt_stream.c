/* rt_stream.c: stream controllers, subscriptions, transforms, sources.
 *
 * Each subscription has its own queue of pending events; an event shared by
 * several broadcast listeners is reference counted. An asynchronous
 * subscription has at most one delivery microtask in flight, which delivers
 * one event and queues the next delivery behind whatever else was queued
 * meanwhile (Dart's order: data 1, other microtask, data 2). Transforms are
 * sync controllers fed by a subscription to their source, so they add no
 * extra hops.
 */
#include "rt_stream_private.h"
#include "rt_isolate_private.h"

#include <stdarg.h>
#include <string.h>

enum { EV_DATA, EV_ERROR, EV_DONE };

typedef struct sevent {
    uint32_t refs;
    uint8_t kind;
    rt_value *value;
    rt_error error;
} sevent;

typedef struct pnode {
    rt_link link;
    sevent *ev;
} pnode;

struct rt_stream {
    uint32_t refs;
    rt_isolate *owner;
    rt_stream_options o;
    bool closed, listened;
    rt_link subs;
    rt_link buffer; /* single-subscription: events before the listener */
    rt_completer *done;
    size_t done_left;           /* subscriptions that still owe a done delivery */
    void (*destroy)(void *ctx); /* frees o.ctx when the stream goes */
};

struct rt_subscription {
    uint32_t refs;
    rt_stream *s;
    rt_stream_handlers h;
    rt_link link;
    rt_link pending;
    int paused;
    bool scheduled, dispatching, ended;
    rt_future *cancel_future;
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

static void drop_queue(rt_stream *s, rt_link *q)
{
    rt_link *l;
    while ((l = rt__list_pop_front(q))) {
        pnode *n = rt__container_of(l, pnode, link);
        event_release(s, n->ev);
        rt__heap_free(heap_of(s), n);
    }
}

void rt_stream_release(rt_stream *s)
{
    if (!s || --s->refs) return;
    drop_queue(s, &s->buffer);
    if (s->done) rt_completer_release(s->done);
    if (s->destroy) s->destroy(s->o.ctx);
    rt__heap_free(heap_of(s), s);
}

void rt__stream_set_destroy(rt_stream *s, void (*destroy)(void *ctx))
{
    s->destroy = destroy;
}

bool rt_stream_is_broadcast(const rt_stream *s)
{
    return s->o.broadcast;
}

bool rt_stream_has_listener(const rt_stream_controller *c)
{
    return !rt__list_empty(&c->subs);
}

bool rt_stream_is_paused(const rt_stream_controller *c)
{
    if (rt__list_empty(&c->subs)) return !c->o.broadcast;
    for (const rt_link *l = c->subs.next; l != &c->subs; l = l->next)
        if (!rt__container_of(l, rt_subscription, link)->paused) return false;
    return true;
}

/* ---- Subscriptions ---- */

static void sub_release(rt_subscription *sub)
{
    if (--sub->refs) return;
    rt_stream *s = sub->s;
    drop_queue(s, &sub->pending);
    rt_future_release(sub->cancel_future);
    rt__heap_free(heap_of(s), sub);
    rt_stream_release(s);
}

static void owe_done(rt_stream *s)
{
    if (s->done_left && --s->done_left == 0 && s->done && !rt_completer_is_completed(s->done))
        rt_completer_complete(s->done, NULL);
}

/* The subscription leaves its stream: no more events. */
static void sub_end(rt_subscription *sub, bool cancelled)
{
    if (sub->ended) return;
    sub->ended = true;
    rt_stream *s = sub->s;
    rt__list_remove(&sub->link);
    drop_queue(s, &sub->pending);
    if (s->closed) owe_done(s);
    if (cancelled && s->o.on_cancel && (!s->o.broadcast || rt__list_empty(&s->subs)))
        sub->cancel_future = s->o.on_cancel(s, s->o.ctx);
    sub_release(sub);
}

static void dispatch(rt_subscription *sub, sevent *e)
{
    rt_stream_handlers *h = &sub->h;
    sub->dispatching = true;
    switch (e->kind) {
    case EV_DATA:
        if (h->on_data) h->on_data(sub, e->value, h->ctx);
        break;
    case EV_ERROR:
        /* cancelOnError cancels first, as Dart does: onCancel runs before
         * onError (the delivery holds its own reference to sub). */
        if (h->cancel_on_error) sub_end(sub, true);
        if (h->on_error)
            h->on_error(sub, &e->error, h->ctx);
        else
            rt_report_error(e->error.code, "unhandled stream error (%s): %s", e->error.domain,
                            e->error.message);
        break;
    case EV_DONE:
        if (h->on_done) h->on_done(sub, h->ctx);
        sub_end(sub, false);
        break;
    }
    sub->dispatching = false;
}

static void schedule(rt_subscription *sub);

static void deliver_task(void *ctx)
{
    rt_subscription *sub = ctx;
    sub->scheduled = false;
    rt_link *l = sub->ended || sub->paused ? NULL : rt__list_pop_front(&sub->pending);
    if (l) {
        pnode *n = rt__container_of(l, pnode, link);
        sevent *e = n->ev;
        rt__heap_free(heap_of(sub->s), n);
        rt_stream *s = rt_stream_dup(sub->s);
        dispatch(sub, e);
        event_release(s, e);
        rt_stream_release(s);
        schedule(sub);
    }
    sub_release(sub);
}

static void schedule(rt_subscription *sub)
{
    if (sub->scheduled || sub->paused || sub->ended || rt__list_empty(&sub->pending)) return;
    if (rt_schedule_microtask(deliver_task, sub) != RT_OK) {
        rt_report_error(RT_ENOMEM, "stream delivery could not be scheduled: out of memory");
        return;
    }
    sub->scheduled = true;
    sub->refs++;
}

static int enqueue(rt_subscription *sub, sevent *e)
{
    rt_stream *s = sub->s;
    if (s->o.sync && !sub->paused && !sub->dispatching && rt__list_empty(&sub->pending)) {
        sub->refs++;
        dispatch(sub, e);
        sub_release(sub);
        return RT_OK;
    }
    pnode *n = rt__heap_alloc(heap_of(s), sizeof *n);
    if (!n) return RT_ENOMEM;
    n->ev = e;
    e->refs++;
    rt__list_push_back(&sub->pending, &n->link);
    schedule(sub);
    return RT_OK;
}

/* Hands an event (reference taken) to the listeners, or buffers it. */
static int emit(rt_stream *s, sevent *e)
{
    if (!e) return RT_ENOMEM;
    int rc = RT_OK;
    rt_stream_dup(s);
    if (!s->o.broadcast && !s->listened) {
        pnode *n = rt__heap_alloc(heap_of(s), sizeof *n);
        if (n) {
            n->ev = e;
            e->refs++;
            rt__list_push_back(&s->buffer, &n->link);
        } else {
            rc = RT_ENOMEM;
        }
    } else {
        for (rt_link *l = s->subs.next, *next; l != &s->subs; l = next) {
            next = l->next;
            int r = enqueue(rt__container_of(l, rt_subscription, link), e);
            if (r) rc = r;
        }
    }
    event_release(s, e);
    rt_stream_release(s);
    return rc;
}

int rt_stream_add(rt_stream_controller *c, rt_value *value)
{
    RT_CHECK(!c->closed, "rt_stream_add: the stream was closed");
    if (c->closed) {
        rt_value_free(value);
        return RT_ESTATE;
    }
    sevent *e = event_new(c, EV_DATA, 0);
    if (!e) {
        rt_value_free(value);
        return RT_ENOMEM;
    }
    e->value = value ? value : rt_value_null();
    return emit(c, e);
}

static sevent *error_event(rt_stream *s, const rt_error *err)
{
    size_t dl = strlen(err->domain) + 1, ml = strlen(err->message) + 1;
    sevent *e = event_new(s, EV_ERROR, dl + ml);
    if (!e) return NULL;
    char *d = (char *)(e + 1), *m = d + dl;
    memcpy(d, err->domain, dl);
    memcpy(m, err->message, ml);
    e->error = (rt_error){err->code, d, m};
    return e;
}

int rt_stream_add_error(rt_stream_controller *c, int code, const char *domain, const char *fmt, ...)
{
    RT_CHECK(!c->closed, "rt_stream_add_error: the stream was closed");
    if (c->closed) return RT_ESTATE;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_error err = {code, domain ? domain : "runtime", msg};
    return emit(c, error_event(c, &err));
}

int rt_stream_add_error_with(rt_stream_controller *c, const rt_error *error)
{
    RT_CHECK(!c->closed, "rt_stream_add_error: the stream was closed");
    if (c->closed) return RT_ESTATE;
    return emit(c, error_event(c, error));
}

rt_future *rt_stream_close(rt_stream_controller *c)
{
    if (!c->done && !(c->done = rt_completer_new(true))) return NULL;
    if (c->closed) return rt_completer_future(c->done);
    c->closed = true;
    size_t n = 0;
    for (rt_link *l = c->subs.next; l != &c->subs; l = l->next)
        n++;
    c->done_left = n;
    rt_future *f = rt_completer_future(c->done);
    if (n == 0 && c->o.broadcast)
        rt_completer_complete(c->done, NULL);
    else if (n == 0 && !c->listened)
        c->done_left = 1; /* owed to the future listener */
    emit(c, event_new(c, EV_DONE, 0));
    return f;
}

/* ---- Listening ---- */

rt_subscription *rt_stream_listen(rt_stream *s, const rt_stream_handlers *h)
{
    RT_CHECK(s->o.broadcast || !s->listened,
             "rt_stream_listen: the single-subscription stream has already been listened to");
    if (!s->o.broadcast && s->listened) return NULL;
    rt_subscription *sub = rt__heap_alloc(heap_of(s), sizeof *sub);
    if (!sub) return NULL;
    memset(sub, 0, sizeof *sub);
    sub->refs = 1;
    sub->s = rt_stream_dup(s);
    if (h) sub->h = *h;
    rt__list_init(&sub->pending);
    bool first = rt__list_empty(&s->subs);
    rt__list_push_back(&s->subs, &sub->link);
    if (!s->o.broadcast) {
        s->listened = true;
        rt__list_splice(&sub->pending, &s->buffer);
    } else if (s->closed) {
        /* Listening to a closed broadcast stream: just done. */
        sevent *e = event_new(s, EV_DONE, 0);
        if (e) {
            s->done_left++;
            enqueue(sub, e);
            event_release(s, e);
        }
    }
    schedule(sub);
    if (first && s->o.on_listen) s->o.on_listen(s, s->o.ctx);
    return sub;
}

void rt_subscription_pause(rt_subscription *sub)
{
    if (sub->ended) return;
    rt_stream *s = sub->s;
    if (sub->paused++ == 0 && !s->o.broadcast && s->o.on_pause) s->o.on_pause(s, s->o.ctx);
}

void rt_subscription_resume(rt_subscription *sub)
{
    if (sub->ended || sub->paused == 0) return;
    rt_stream *s = sub->s;
    if (--sub->paused == 0) {
        if (!s->o.broadcast && s->o.on_resume) s->o.on_resume(s, s->o.ctx);
        schedule(sub);
    }
}

bool rt_subscription_is_paused(const rt_subscription *sub)
{
    return sub->paused > 0;
}

rt_future *rt_subscription_cancel(rt_subscription *sub)
{
    sub->refs++;
    sub_end(sub, true);
    rt_future *f = sub->cancel_future ? rt_future_dup(sub->cancel_future) : rt_future_value(NULL);
    sub_release(sub);
    return f;
}

void rt_subscription_pause_until(rt_subscription *sub, rt_future *resume_signal)
{
    (void)sub;
    (void)resume_signal;
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
    (void)sub;
    return rt_future_value(value);
}

rt_future *rt_stream_done(rt_stream_controller *c)
{
    if (!c->done && !(c->done = rt_completer_new(true))) return NULL;
    return rt_completer_future(c->done);
}

bool rt_stream_is_closed(const rt_stream_controller *c)
{
    return c->closed;
}

rt_future *rt_stream_add_stream(rt_stream_controller *c, rt_stream *source, bool cancel_on_error)
{
    (void)c;
    (void)cancel_on_error;
    rt_stream_release(source);
    return rt_future_error(RT_ESTATE, "runtime", "not yet");
}

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
