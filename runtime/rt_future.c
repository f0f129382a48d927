/* rt_future.c: futures, completers and their combinators.
 *
 * A future's outcome is a small reference-counted result, so passing an
 * outcome down a chain (then without a handler, follow, timeout) shares it
 * in O(1) instead of copying values. Completing a future runs its listeners
 * from an explicit stack: a listener that completes another future pushes it
 * and it is handled next (depth first, as the Dart VM does), so a chain of a
 * million thens propagates in constant C stack depth.
 */
#include <islet/rt_async.h>
#include <islet/rt_future.h>
#include "rt_future_private.h"
#include "rt_isolate_private.h"

#include <stdarg.h>
#include <string.h>

enum { F_PENDING, F_FOLLOWING, F_SCHEDULED, F_DONE };

typedef struct rt_result {
    uint32_t refs;
    bool is_static; /* the shared out-of-memory outcome: never counted or freed */
    bool is_error;
    rt_value *value;
    rt_value *whole; /* owns value when value is part of a received message */
    void *ptr;
    rt_destroy_fn destroy;
    rt_finalizer fin; /* runs destroy(ptr) if the isolate exits first */
    rt_error error;
} rt_result;

struct rt_future {
    uint32_t refs;
    uint8_t state;
    bool sync;         /* completer mode */
    bool had_listener; /* someone handles its outcome */
    bool unhandled;    /* in owner->unhandled */
    rt_isolate *owner;
    rt_result *result;
    rt_link listeners;
    rt_link unhandled_link;
    rt_future *settle_next;
    rt_task settle_task; /* the async completion microtask: no allocation */
};

typedef struct rt_listener rt_listener;
typedef void (*listener_fn)(rt_future *src, rt_listener *l);

struct rt_listener {
    rt_link link;
    listener_fn fn;
    rt_future *src;  /* while queued as a microtask */
    rt_future *next; /* the future this listener completes, if any */
    rt_future_fn on_value, on_error;
    rt_error_test_fn test;                  /* catch_if */
    rt_task_fn task;                        /* when_complete */
    rt_future_action_fn action;             /* when_complete_async */
    void (*efn)(rt_future *src, void *ctx); /* embedded listeners */
    void *ctx;
    int code;
    bool embedded;         /* lives in the caller's storage: never freed here */
    rt_destroy_fn destroy; /* rt_future_then_ctx: frees ctx if it never runs */
    rt_task mt;            /* the microtask that runs it on a completed future */
};

_Static_assert(sizeof(rt_listener) <= sizeof(((rt_async *)0)->await_storage),
               "rt_async's await storage holds a listener");

static rt_isolate *me(const char *func)
{
    return rt__isolate_check(func);
}

static void check_owner(const rt_future *f, const char *func)
{
    (void)f;
    (void)func;
    RT_CHECK(f->owner == rt__current, "%s: future of isolate '%s' used from isolate '%s'", func,
             f->owner->name, rt__current ? rt__current->name : "(none)");
}

/* ---- Results ---- */

static void result_finalize(rt_finalizer *fin)
{
    rt_result *r = rt__container_of(fin, rt_result, fin);
    if (r->destroy) r->destroy(r->ptr);
}

static rt_result *result_new(rt_isolate *iso, size_t extra)
{
    rt_result *r = rt__heap_alloc(&iso->heap, sizeof *r + extra);
    if (r) memset(r, 0, sizeof *r);
    if (r) r->refs = 1;
    return r;
}

/* What a future completes with when its own outcome cannot be stored: a
 * future settles exactly once, whatever fails. Shared by every isolate and
 * never written, so it needs no count. */
static rt_result oom_result = {
    .is_static = true,
    .is_error = true,
    .error = {RT_ENOMEM, "runtime", "out of memory: the outcome could not be stored"}};

static rt_result *result_dup(rt_result *r)
{
    if (!r->is_static) r->refs++;
    return r;
}

static void result_release(rt_isolate *iso, rt_result *r)
{
    if (!r || r->is_static || --r->refs) return;
    if (r->destroy) {
        rt__heap_remove_finalizer(&r->fin);
        r->destroy(r->ptr);
    }
    rt_value_free(r->whole ? r->whole : r->value);
    rt__heap_free(&iso->heap, r);
}

static rt_result *error_result(rt_isolate *iso, int code, const char *domain, const char *msg)
{
    rt_error e = {code, domain, msg};
    rt_result *r = result_new(iso, rt__error_text_size(&e));
    if (!r) return NULL;
    r->is_error = true;
    r->error = rt__error_store(r + 1, &e);
    return r;
}

static rt_result *error_resultv(rt_isolate *iso, int code, const char *domain, const char *fmt,
                                va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return error_result(iso, code, domain ? domain : "runtime", msg);
}

/* ---- Futures ---- */

static rt_future *future_new(rt_isolate *iso, bool sync)
{
    rt_future *f = rt__heap_alloc(&iso->heap, sizeof *f);
    if (!f) return NULL;
    memset(f, 0, sizeof *f);
    f->refs = 1;
    f->sync = sync;
    f->owner = iso;
    rt__list_init(&f->listeners);
    rt__list_init(&f->unhandled_link);
    return f;
}

rt_future *rt_future_dup(rt_future *f)
{
    if (f) f->refs++;
    return f;
}

static void free_listener(rt_isolate *iso, rt_listener *l)
{
    if (l->destroy) l->destroy(l->ctx); /* dropped without running */
    rt_future_release(l->next);
    if (!l->embedded) rt__heap_free(&iso->heap, l);
}

void rt_future_release(rt_future *f)
{
    if (!f) return;
    check_owner(f, __func__);
    if (--f->refs) return;
    rt_isolate *iso = f->owner;
    rt_link *l;
    /* Listeners of a future nobody can complete any more never run. */
    while ((l = rt__list_pop_front(&f->listeners)))
        free_listener(iso, rt__container_of(l, rt_listener, link));
    result_release(iso, f->result);
    rt__heap_free(&iso->heap, f);
}

bool rt_future_is_complete(const rt_future *f)
{
    return f->state == F_DONE;
}

bool rt_future_is_error(const rt_future *f)
{
    return f->state == F_DONE && f->result->is_error;
}

const rt_value *rt_future_get_value(const rt_future *f)
{
    return f->state == F_DONE && !f->result->is_error ? f->result->value : NULL;
}

void *rt_future_get_ptr(const rt_future *f)
{
    return f->state == F_DONE && !f->result->is_error ? f->result->ptr : NULL;
}

const rt_error *rt_future_get_error(const rt_future *f)
{
    return rt_future_is_error(f) ? &f->result->error : NULL;
}

/* ---- Completing and propagating ---- */

static void mark_unhandled(rt_future *f)
{
    f->unhandled = true;
    rt__list_push_back(&f->owner->unhandled, &f->unhandled_link);
    rt_future_dup(f);
}

/* f's result is set: run its listeners, and those of every future they
 * complete in turn, depth first, without recursion. */
static void settle(rt_future *f)
{
    rt_isolate *iso = f->owner;
    f->state = F_DONE;
    f->settle_next = iso->settling;
    iso->settling = rt_future_dup(f);
    if (iso->propagating) return;
    iso->propagating = true;
    rt_future *top;
    while ((top = iso->settling)) {
        rt_link *l = rt__list_pop_front(&top->listeners);
        if (!l) {
            iso->settling = top->settle_next;
            if (top->result->is_error && !top->had_listener && !top->unhandled) mark_unhandled(top);
            rt_future_release(top);
            continue;
        }
        rt_listener *li = rt__container_of(l, rt_listener, link);
        li->fn(top, li);
    }
    iso->propagating = false;
}

static void settle_task(void *ctx)
{
    rt_future *f = ctx;
    settle(f);
    rt_future_release(f);
}

/* Gives f its outcome (taking the reference to r): now if sync, else in a
 * microtask. Without r (no memory for it), the shared out-of-memory error:
 * the future settles all the same, and RT_ENOMEM tells the caller. */
static int complete(rt_future *f, rt_result *r)
{
    int rc = r ? RT_OK : RT_ENOMEM;
    f->result = r ? r : &oom_result;
    if (f->sync) {
        settle(f);
        return rc;
    }
    f->state = F_SCHEDULED;
    f->settle_task.ev.type = RT_EV_EMBEDDED;
    f->settle_task.fn = settle_task;
    f->settle_task.ctx = rt_future_dup(f);
    rt__microtask_push(f->owner, &f->settle_task);
    return rc;
}

static rt_future *fut_of(rt_completer *c)
{
    return (rt_future *)c;
}

static int check_pending(rt_future *f, const char *func)
{
    check_owner(f, func);
    RT_CHECK(f->state == F_PENDING, "%s: the future was already completed", func);
    return f->state == F_PENDING ? RT_OK : RT_ESTATE;
}

rt_completer *rt_completer_new(bool sync)
{
    return (rt_completer *)future_new(me(__func__), sync);
}

void rt_completer_release(rt_completer *c)
{
    rt_future_release(fut_of(c));
}

void rt__completer_set_sync(rt_completer *c, bool sync)
{
    fut_of(c)->sync = sync;
}

rt_future *rt_completer_future(rt_completer *c)
{
    return rt_future_dup(fut_of(c));
}

bool rt_completer_is_completed(const rt_completer *c)
{
    return ((const rt_future *)c)->state != F_PENDING;
}

int rt_completer_complete(rt_completer *c, rt_value *value)
{
    rt_future *f = fut_of(c);
    int rc = check_pending(f, __func__);
    if (rc) return rc;
    rt_result *r = result_new(f->owner, 0);
    if (r)
        r->value = value;
    else
        rt_value_free(value); /* taken all the same */
    return complete(f, r);
}

int rt__completer_complete_part(rt_completer *c, rt_value *whole, const rt_value *part)
{
    rt_future *f = fut_of(c);
    int rc = check_pending(f, __func__);
    if (rc) return rc;
    rt_result *r = result_new(f->owner, 0);
    if (!r) {
        rt_value_free(whole);
        return complete(f, NULL);
    }
    r->whole = whole;
    r->value = (rt_value *)part;
    return complete(f, r);
}

int rt_completer_complete_ptr(rt_completer *c, void *ptr, rt_destroy_fn destroy)
{
    rt_future *f = fut_of(c);
    int rc = check_pending(f, __func__);
    if (rc) return rc;
    rt_result *r = result_new(f->owner, 0);
    if (!r) {
        if (destroy) destroy(ptr); /* taken all the same */
        return complete(f, NULL);
    }
    r->ptr = ptr;
    r->destroy = destroy;
    if (destroy) {
        r->fin.fn = result_finalize;
        rt__heap_add_finalizer(&f->owner->heap, &r->fin);
    }
    return complete(f, r);
}

int rt_completer_fail(rt_completer *c, int code, const char *domain, const char *fmt, ...)
{
    rt_future *f = fut_of(c);
    int rc = check_pending(f, __func__);
    if (rc) return rc;
    va_list ap;
    va_start(ap, fmt);
    rt_result *r = error_resultv(f->owner, code, domain, fmt, ap);
    va_end(ap);
    return complete(f, r);
}

int rt_completer_fail_with(rt_completer *c, const rt_error *e)
{
    rt_future *f = fut_of(c);
    int rc = check_pending(f, __func__);
    if (rc) return rc;
    return complete(f, error_result(f->owner, e->code, e->domain, e->message));
}

/* ---- Listeners ---- */

static void listener_task(void *ctx)
{
    rt_listener *l = ctx;
    rt_future *src = l->src;
    l->src = NULL;
    l->fn(src, l);
    rt_future_release(src);
}

/* Someone listens: an error of f is handled, so it leaves the unhandled
 * list (and the list's reference goes; the caller still holds one). */
static void mark_handled(rt_future *f)
{
    f->had_listener = true;
    if (f->unhandled) {
        f->unhandled = false;
        rt__list_remove(&f->unhandled_link);
        f->refs--;
    }
}

/* Adds l to f: it runs when f completes, or in a microtask queued now if f
 * is already complete. Never fails: the microtask node is inside l. */
static int add_listener(rt_future *f, rt_listener *l)
{
    mark_handled(f);
    if (f->state != F_DONE) {
        rt__list_push_back(&f->listeners, &l->link);
        return RT_OK;
    }
    l->src = rt_future_dup(f);
    l->mt.ev.type = RT_EV_EMBEDDED;
    l->mt.fn = listener_task;
    l->mt.ctx = l;
    rt__microtask_push(f->owner, &l->mt);
    return RT_OK;
}

bool rt__future_when_done(rt_future *f, rt_task *t)
{
    check_owner(f, __func__);
    if (f->state != F_DONE) return false;
    mark_handled(f);
    rt__microtask_push(f->owner, t);
    return true;
}

static void run_embedded(rt_future *src, rt_listener *l)
{
    /* The storage may be reused by fn (the next await): read it first. */
    void (*fn)(rt_future *, void *) = l->efn;
    void *ctx = l->ctx;
    fn(src, ctx);
}

void rt__future_listen_in(rt_future *f, void *storage, void (*fn)(rt_future *src, void *ctx),
                          void *ctx)
{
    check_owner(f, __func__);
    rt_listener *l = storage;
    memset(l, 0, sizeof *l);
    rt__list_init(&l->link);
    l->fn = run_embedded;
    l->efn = fn;
    l->ctx = ctx;
    l->embedded = true;
    add_listener(f, l);
    rt_future_release(f);
}

static rt_listener *listener_new(rt_isolate *iso, listener_fn fn, bool with_next)
{
    rt_listener *l = rt__heap_alloc(&iso->heap, sizeof *l);
    if (!l) return NULL;
    memset(l, 0, sizeof *l);
    rt__list_init(&l->link);
    l->fn = fn;
    if (with_next && !(l->next = future_new(iso, true))) {
        rt__heap_free(&iso->heap, l);
        return NULL;
    }
    return l;
}

/* Completes `to` with the outcome of `from` (shared, O(1)). */
static void pass_on(rt_future *to, rt_future *from)
{
    if (to->state == F_PENDING || to->state == F_FOLLOWING) {
        to->state = F_PENDING;
        complete(to, result_dup(from->result));
    }
}

static void run_then(rt_future *src, rt_listener *l)
{
    rt_isolate *iso = src->owner;
    bool err = src->result->is_error;
    rt_future_fn cb = err ? l->on_error : l->on_value;
    if (err && cb && l->code && l->code != src->result->error.code) cb = NULL;
    if (err && cb && l->test && !l->test(&src->result->error, l->ctx)) cb = NULL;
    rt_future *next = l->next;
    l->destroy = NULL; /* it runs: the callback owns ctx from here */
    if (!cb) {
        pass_on(next, src);
    } else {
        cb(src, (rt_completer *)next, l->ctx);
        if (next->state == F_PENDING) rt_completer_complete((rt_completer *)next, NULL);
    }
    free_listener(iso, l);
}

/* Registers l on f (consumed) and returns l's future, or NULL. */
static rt_future *chain(rt_future *f, rt_listener *l)
{
    rt_future *out = l ? rt_future_dup(l->next) : NULL;
    int rc = l ? add_listener(f, l) : RT_ENOMEM;
    rt_future_release(f);
    if (rc) {
        rt_future_release(out);
        return NULL;
    }
    return out;
}

rt_future *rt_future_then(rt_future *f, rt_future_fn on_value, rt_future_fn on_error, void *ctx)
{
    if (!f) return NULL;
    check_owner(f, __func__);
    rt_listener *l = listener_new(f->owner, run_then, true);
    if (l) {
        l->on_value = on_value;
        l->on_error = on_error;
        l->ctx = ctx;
    }
    return chain(f, l);
}

rt_future *rt_future_then_ctx(rt_future *f, rt_future_fn on_value, rt_future_fn on_error, void *ctx,
                              rt_destroy_fn destroy)
{
    if (!f) {
        if (destroy) destroy(ctx);
        return NULL;
    }
    check_owner(f, __func__);
    rt_listener *l = listener_new(f->owner, run_then, true);
    if (!l) {
        rt_future_release(f);
        if (destroy) destroy(ctx);
        return NULL;
    }
    l->on_value = on_value;
    l->on_error = on_error;
    l->ctx = ctx;
    l->destroy = destroy;
    return chain(f, l);
}

rt_future *rt_future_catch(rt_future *f, int code, rt_future_fn on_error, void *ctx)
{
    if (!f) return NULL;
    check_owner(f, __func__);
    rt_listener *l = listener_new(f->owner, run_then, true);
    if (l) {
        l->on_error = on_error;
        l->code = code;
        l->ctx = ctx;
    }
    return chain(f, l);
}

rt_future *rt_future_catch_if(rt_future *f, rt_error_test_fn test, rt_future_fn on_error, void *ctx)
{
    if (!f) return NULL;
    check_owner(f, __func__);
    rt_listener *l = listener_new(f->owner, run_then, true);
    if (l) {
        l->on_error = on_error;
        l->test = test;
        l->ctx = ctx;
    }
    return chain(f, l);
}

static void run_when_complete(rt_future *src, rt_listener *l)
{
    l->task(l->ctx);
    pass_on(l->next, src);
    free_listener(src->owner, l);
}

rt_future *rt_future_when_complete(rt_future *f, rt_task_fn fn, void *ctx)
{
    if (!f) return NULL;
    check_owner(f, __func__);
    rt_listener *l = listener_new(f->owner, run_when_complete, true);
    if (l) {
        l->task = fn;
        l->ctx = ctx;
    }
    return chain(f, l);
}

static void release_future_ctx(void *f)
{
    rt_future_release(f);
}

/* The action's future completed: its error, else the original outcome
 * (kept in ctx), goes on. */
static void run_when_complete_after(rt_future *src, rt_listener *l)
{
    pass_on(l->next, src->result->is_error ? src : (rt_future *)l->ctx);
    free_listener(src->owner, l);
}

static void run_when_complete_async(rt_future *src, rt_listener *l)
{
    rt_isolate *iso = src->owner;
    rt_future *action = l->action(l->ctx);
    rt_listener *w = NULL;
    if (action && action->state != F_DONE) {
        w = listener_new(iso, run_when_complete_after, false);
        if (!w) {
            rt_future_release(action);
            action = NULL;
            rt_completer_fail((rt_completer *)l->next, RT_ENOMEM, "runtime", "out of memory");
        }
    }
    if (w) { /* Dart: result = action.then((_) => original) */
        w->next = rt_future_dup(l->next);
        w->ctx = rt_future_dup(src);
        w->destroy = release_future_ctx;
        add_listener(action, w);
    } else if (l->next->state == F_PENDING) {
        /* A synchronous action, or one whose future is already complete. */
        pass_on(l->next, action && action->result->is_error ? action : src);
    }
    rt_future_release(action);
    free_listener(iso, l);
}

rt_future *rt_future_when_complete_async(rt_future *f, rt_future_action_fn fn, void *ctx)
{
    if (!f) return NULL;
    check_owner(f, __func__);
    rt_listener *l = listener_new(f->owner, run_when_complete_async, true);
    if (l) {
        l->action = fn;
        l->ctx = ctx;
    }
    return chain(f, l);
}

static void run_follow(rt_future *src, rt_listener *l)
{
    pass_on(l->next, src);
    free_listener(src->owner, l);
}

int rt_completer_follow(rt_completer *c, rt_future *other)
{
    rt_future *f = fut_of(c);
    int rc = check_pending(f, __func__);
    if (rc) {
        rt_future_release(other);
        return rc;
    }
    rt_listener *l = other ? listener_new(f->owner, run_follow, false) : NULL;
    if (!l) { /* no future to follow (out of memory making it), or no listener */
        rt_future_release(other);
        return complete(f, NULL);
    }
    l->next = rt_future_dup(f);
    f->state = F_FOLLOWING;
    rc = add_listener(other, l);
    rt_future_release(other);
    if (rc) f->state = F_PENDING;
    return rc;
}

/* ---- Constructors ---- */

static rt_future *completed(rt_result *r)
{
    rt_isolate *iso = me("rt_future_value");
    rt_future *f = r ? future_new(iso, false) : NULL;
    if (!f) {
        result_release(iso, r);
        return NULL;
    }
    complete(f, r);
    return f;
}

rt_future *rt__future_null(void)
{
    rt_isolate *iso = me(__func__);
    rt_result *r = result_new(iso, 0);
    rt_future *f = r ? future_new(iso, true) : NULL;
    if (!f) {
        if (r) result_release(iso, r);
        return NULL;
    }
    complete(f, r); /* sync: settled now, no listener yet */
    return f;
}

rt_future *rt_future_value(rt_value *value)
{
    rt_result *r = result_new(me(__func__), 0);
    if (r)
        r->value = value;
    else
        rt_value_free(value);
    return completed(r);
}

rt_future *rt_future_error(int code, const char *domain, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_result *r = error_resultv(me(__func__), code, domain, fmt, ap);
    va_end(ap);
    return completed(r);
}

static void run_body(rt_future *f, rt_future_body body, void *ctx)
{
    if (body) body((rt_completer *)f, ctx);
    if (f->state == F_PENDING) rt_completer_complete((rt_completer *)f, NULL);
}

rt_future *rt_future_sync(rt_future_body body, void *ctx)
{
    rt_future *f = future_new(me(__func__), false);
    if (f) run_body(f, body, ctx);
    return f;
}

typedef struct deferred {
    rt_future *f;
    rt_future_body body;
    void *ctx;
} deferred;

static deferred *deferred_new(rt_isolate *iso, rt_future *f, rt_future_body body, void *ctx)
{
    deferred *d = rt__heap_alloc(&iso->heap, sizeof *d);
    if (d) *d = (deferred){rt_future_dup(f), body, ctx};
    return d;
}

static void deferred_run(deferred *d)
{
    rt_future *f = d->f;
    run_body(f, d->body, d->ctx);
    rt__heap_free(&f->owner->heap, d);
    rt_future_release(f);
}

static void deferred_task(void *ctx)
{
    deferred_run(ctx);
}

static void deferred_timer(rt_timer *t, void *ctx)
{
    (void)t;
    deferred_run(ctx);
}

static rt_future *deferred_future(int64_t delay, bool microtask, rt_future_body body, void *ctx)
{
    rt_isolate *iso = me("rt_future_delayed");
    rt_future *f = future_new(iso, true);
    deferred *d = f ? deferred_new(iso, f, body, ctx) : NULL;
    int rc = !d          ? RT_ENOMEM
             : microtask ? rt_schedule_microtask(deferred_task, d)
                         : rt_timer_start(NULL, delay, 0, deferred_timer, d, NULL);
    if (rc == RT_OK) return f;
    if (d) {
        rt_future_release(d->f);
        rt__heap_free(&iso->heap, d);
    }
    rt_future_release(f);
    return NULL;
}

rt_future *rt_future_microtask(rt_future_body body, void *ctx)
{
    return deferred_future(0, true, body, ctx);
}

rt_future *rt_future_run(rt_future_body body, void *ctx)
{
    return deferred_future(0, false, body, ctx);
}

rt_future *rt_future_delayed(int64_t delay_ns, rt_future_body body, void *ctx)
{
    return deferred_future(delay_ns, false, body, ctx);
}

/* ---- timeout ---- */

typedef struct timeout_state {
    rt_future *out;
    rt_timer *timer;
    rt_future_body on_timeout;
    void *ctx;
    int64_t ns;
    int refs; /* the listener and the timer */
} timeout_state;

static void timeout_unref(rt_isolate *iso, timeout_state *s)
{
    if (--s->refs) return;
    rt_future_release(s->out);
    rt__heap_free(&iso->heap, s);
}

static void timeout_fired(rt_timer *t, void *ctx)
{
    timeout_state *s = ctx;
    rt_isolate *iso = s->out->owner;
    rt_timer_free(t); /* safe in its own callback: freed once it returns */
    s->timer = NULL;
    if (s->out->state == F_PENDING) {
        if (s->on_timeout)
            run_body(s->out, s->on_timeout, s->ctx);
        else
            rt_completer_fail((rt_completer *)s->out, RT_ETIMEOUT, "runtime",
                              "timed out after %lld ms", (long long)(s->ns / 1000000));
    }
    timeout_unref(iso, s);
}

static void timeout_source_done(rt_future *src, rt_listener *l)
{
    timeout_state *s = l->ctx;
    rt_isolate *iso = src->owner;
    if (s->out->state == F_PENDING) {
        pass_on(s->out, src);
        if (s->timer) {
            rt_timer_cancel(s->timer);
            rt_timer_free(s->timer);
            s->timer = NULL;
            timeout_unref(iso, s);
        }
    }
    free_listener(iso, l);
    timeout_unref(iso, s);
}

rt_future *rt_future_timeout(rt_future *f, int64_t timeout_ns, rt_future_body on_timeout, void *ctx)
{
    if (!f) return NULL;
    check_owner(f, __func__);
    rt_isolate *iso = f->owner;
    timeout_state *s = rt__heap_alloc(&iso->heap, sizeof *s);
    rt_listener *l = s ? listener_new(iso, timeout_source_done, false) : NULL;
    rt_future *out = l ? future_new(iso, true) : NULL;
    if (!out || rt_timer_start(&s->timer, timeout_ns, 0, timeout_fired, s, NULL) != RT_OK) {
        if (l) rt__heap_free(&iso->heap, l);
        if (s) rt__heap_free(&iso->heap, s);
        rt_future_release(out);
        rt_future_release(f);
        return NULL;
    }
    *s = (timeout_state){out, s->timer, on_timeout, ctx, timeout_ns, 2};
    l->ctx = s;
    if (add_listener(f, l) != RT_OK) timeout_unref(iso, s);
    rt_future_release(f);
    return rt_future_dup(out);
}

/* ---- wait and any ---- */

typedef struct group {
    rt_future *out;
    size_t n, left;
    bool eager, any;
    rt_future *first_error;
    rt_future **done; /* wait: each input, kept until all are in */
} group;

static void group_unref(rt_isolate *iso, group *g)
{
    if (--g->left) return;
    if (g->out->state == F_PENDING) {
        if (g->first_error) {
            pass_on(g->out, g->first_error);
        } else if (!g->any) {
            rt_value *list = rt_value_list();
            for (size_t i = 0; list && i < g->n; i++) {
                const rt_value *v = rt_future_get_value(g->done[i]);
                rt_value *item = v ? rt_value_copy(v, NULL) : rt_value_null();
                if (!item || rt_list_push(list, item)) {
                    rt_value_free(item);
                    rt_value_free(list);
                    list = NULL;
                }
            }
            if (list)
                rt_completer_complete((rt_completer *)g->out, list);
            else
                rt_completer_fail((rt_completer *)g->out, RT_ENOMEM, "runtime", "out of memory");
        }
    }
    for (size_t i = 0; g->done && i < g->n; i++)
        rt_future_release(g->done[i]);
    rt__heap_free(&iso->heap, g->done);
    rt_future_release(g->first_error);
    rt_future_release(g->out);
    rt__heap_free(&iso->heap, g);
}

static void group_member_done(rt_future *src, rt_listener *l)
{
    group *g = l->ctx;
    rt_isolate *iso = src->owner;
    if (g->any) {
        pass_on(g->out, src);
    } else {
        g->done[l->code] = rt_future_dup(src);
        if (src->result->is_error) {
            if (!g->first_error) g->first_error = rt_future_dup(src);
            if (g->eager) pass_on(g->out, src);
        }
    }
    free_listener(iso, l);
    group_unref(iso, g);
}

static rt_future *group_start(rt_future **fs, size_t n, bool eager, bool any)
{
    rt_isolate *iso = me(any ? "rt_future_any" : "rt_future_wait");
    group *g = rt__heap_alloc(&iso->heap, sizeof *g);
    rt_future *out = g ? future_new(iso, true) : NULL;
    rt_future **done = out && !any ? rt__heap_alloc(&iso->heap, (n ? n : 1) * sizeof *done) : NULL;
    bool ok = out && (any || done);
    for (size_t i = 0; ok && i < n; i++)
        ok = fs[i] != NULL;
    if (!ok) {
        for (size_t i = 0; i < n; i++)
            rt_future_release(fs[i]);
        rt__heap_free(&iso->heap, done);
        rt_future_release(out);
        rt__heap_free(&iso->heap, g);
        return NULL;
    }
    if (done) memset(done, 0, n * sizeof *done);
    /* One count per member plus one for this call, dropped at the end. */
    *g = (group){rt_future_dup(out), n, n + 1, eager, any, NULL, done};
    for (size_t i = 0; i < n; i++) {
        rt_listener *l = listener_new(iso, group_member_done, false);
        if (l) {
            l->ctx = g;
            l->code = (int)i;
        }
        if (!l || add_listener(fs[i], l) != RT_OK) {
            /* Out of memory: fail rather than hang. */
            if (out->state == F_PENDING)
                rt_completer_fail((rt_completer *)out, RT_ENOMEM, "runtime", "out of memory");
            g->left--;
        }
        rt_future_release(fs[i]);
    }
    if (n == 0 && any) rt_completer_complete((rt_completer *)out, NULL);
    group_unref(iso, g);
    return out;
}

rt_future *rt_future_wait(rt_future **fs, size_t n, bool eager_error)
{
    return group_start(fs, n, eager_error, false);
}

rt_future *rt_future_any(rt_future **fs, size_t n)
{
    return group_start(fs, n, false, true);
}

/* ---- do_while and for_each ---- */

typedef struct loop_state {
    rt_listener l; /* embedded: one step is awaited at a time */
    rt_future *out;
    rt_future_while_fn fn;
    void *ctx;
    rt_value *list; /* for_each */
    size_t index;
    rt_future_each_fn each;
    void *each_ctx;
} loop_state;

static void loop_free(rt_isolate *iso, loop_state *s)
{
    rt_future_release(s->out);
    rt_value_free(s->list);
    rt__heap_free(&iso->heap, s);
}

static void loop_step_done(rt_future *src, rt_listener *l);

/* Dart's nextIteration: steps while they answer synchronously, then either
 * waits for a step's future or completes the loop. */
static void loop_run(rt_isolate *iso, loop_state *s, bool more)
{
    while (more) {
        more = false;
        rt_future *f = s->fn(&more, s->ctx);
        if (f) {
            memset(&s->l, 0, sizeof s->l);
            rt__list_init(&s->l.link);
            s->l.fn = loop_step_done;
            s->l.embedded = true;
            add_listener(f, &s->l);
            rt_future_release(f);
            return;
        }
    }
    rt_completer_complete((rt_completer *)s->out, NULL);
    loop_free(iso, s);
}

static void loop_step_done(rt_future *src, rt_listener *l)
{
    loop_state *s = rt__container_of(l, loop_state, l);
    rt_isolate *iso = src->owner;
    if (src->result->is_error) {
        pass_on(s->out, src);
        loop_free(iso, s);
        return;
    }
    const rt_value *v = src->result->value;
    bool more = s->each || (v && rt_value_kind_of(v) == RT_BOOL && rt_value_as_bool(v));
    loop_run(iso, s, more);
}

static loop_state *loop_new(rt_isolate *iso, rt_value *list)
{
    loop_state *s = rt__heap_alloc(&iso->heap, sizeof *s);
    rt_future *out = s ? future_new(iso, true) : NULL;
    if (!out) {
        rt__heap_free(&iso->heap, s);
        rt_value_free(list);
        return NULL;
    }
    memset(s, 0, sizeof *s);
    s->out = out;
    s->list = list;
    return s;
}

/* Starts the loop; returns its future (a new reference). */
static rt_future *loop_start(rt_isolate *iso, loop_state *s)
{
    rt_future *out = rt_future_dup(s->out);
    loop_run(iso, s, true);
    return out;
}

rt_future *rt_future_do_while(rt_future_while_fn fn, void *ctx)
{
    rt_isolate *iso = me(__func__);
    loop_state *s = loop_new(iso, NULL);
    if (!s) return NULL;
    s->fn = fn;
    s->ctx = ctx;
    return loop_start(iso, s);
}

/* Dart's forEach is doWhile over the iterator; each action's future is
 * followed by a continue. */
static rt_future *each_step(bool *more, void *ctx)
{
    loop_state *s = ctx;
    if (!s->list || s->index >= rt_list_len(s->list)) return NULL;
    *more = true;
    return s->each(rt_list_get(s->list, s->index++), s->each_ctx);
}

rt_future *rt_future_for_each(rt_value *list, rt_future_each_fn fn, void *ctx)
{
    rt_isolate *iso = me(__func__);
    loop_state *s = loop_new(iso, list);
    if (!s) return NULL;
    s->fn = each_step;
    s->ctx = s;
    s->each = fn;
    s->each_ctx = ctx;
    return loop_start(iso, s);
}

/* ---- Unhandled errors ---- */

void rt__futures_report_unhandled(rt_isolate *iso)
{
    rt_link *l;
    while ((l = rt__list_pop_front(&iso->unhandled))) {
        rt_future *f = rt__container_of(l, rt_future, unhandled_link);
        f->unhandled = false;
        const rt_error *e = &f->result->error;
        rt_report_error(e->code, "unhandled future error (%s): %s", e->domain, e->message);
        rt_future_release(f);
    }
}
