/* rt_stream_ops.c: stream transforms, sources, reductions and the stream
 * iterator (see rt_stream_ops.h), on the public core API only.
 *
 * Transforms are sync controllers fed by a subscription to their source,
 * so they add no extra hops (Dart's _ForwardingStream). Every handler that
 * may run user code holds a reference to its output stream while it runs:
 * a listener that cancels and lets go of the stream inside a callback must
 * not free the transform under our feet.
 */
#include <islet/rt_heap.h>
#include "rt_stream_private.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DOMAIN[] = "runtime";

/* Adds to a controller unless it was closed meanwhile (the value is freed). */
static void add_open(rt_stream *out, rt_value *v)
{
    if (rt_stream_is_closed(out))
        rt_value_free(v);
    else
        rt_stream_add(out, v);
}

static void add_error_open(rt_stream *out, const rt_error *e)
{
    if (!rt_stream_is_closed(out)) rt_stream_add_error_with(out, e);
}

static void close_open(rt_stream *out)
{
    if (!rt_stream_is_closed(out)) rt_future_release(rt_stream_close(out));
}

static void cancel_quietly(rt_subscription **sub)
{
    rt_subscription *s = *sub;
    *sub = NULL;
    if (s) rt_future_release(rt_subscription_cancel(s));
}

/* ---- Transforms ---- */

enum {
    T_MAP,
    T_WHERE,
    T_TAKE,
    T_SKIP,
    T_TAKE_WHILE,
    T_SKIP_WHILE,
    T_EXPAND,
    T_DISTINCT,
    T_HANDLE_ERROR,
    T_IDENTITY,
    T_HANDLERS,
    T_ASYNC_MAP,
    T_ASYNC_EXPAND,
    T_TIMEOUT
};

typedef struct xform {
    int kind;
    rt_stream *src;
    rt_subscription *sub;
    rt_stream *out; /* not counted: out owns this */
    size_t n, n0;   /* take, skip: left, and as made */
    bool passed;    /* skip_while: the test failed once */
    rt_value *last; /* distinct: the last value emitted */
    void *fn, *fn2;
    void *ctx;
    rt_transformer_handlers h;
    rt_subscription *inner; /* async_expand: the stream being forwarded */
    bool inner_active;      /* async_expand: holds a reference to out */
    rt_timer *timer;        /* timeout */
    int64_t limit;
} xform;

/* take / takeWhile are done: closing the output delivers its done event,
 * which cancels it and so the source, and waits for that cancel first
 * (Dart's sink._close()). Later source events find the output closed. */
static void x_finish(xform *x)
{
    close_open(x->out);
}

/* A handler closed the output through its sink: the source is not needed. */
static void x_after_handler(xform *x)
{
    if (rt_stream_is_closed(x->out)) cancel_quietly(&x->sub);
}

static void x_emit_list(xform *x, rt_value *list)
{
    if (!list || rt_value_kind_of(list) != RT_LIST) {
        rt_value_free(list);
        rt_stream_add_error(x->out, RT_EINVAL, DOMAIN, "expand: the function gave no list");
        return;
    }
    for (size_t i = 0; i < rt_list_len(list) && !rt_stream_is_closed(x->out); i++)
        rt_stream_add(x->out, rt_value_copy(rt_list_get(list, i), NULL));
    rt_value_free(list);
}

static bool x_distinct_drop(xform *x, const rt_value *v)
{
    if (x->last) {
        rt_equals_fn eq = (rt_equals_fn)x->fn;
        if (eq ? eq(x->last, v, x->ctx) : rt_value_equal(x->last, v)) return true;
    }
    rt_value *copy = rt_value_copy(v, NULL);
    if (!copy) return false; /* emit anyway; the next compare sees the older one */
    rt_value_free(x->last);
    x->last = copy;
    return false;
}

static void x_timer_restart(xform *x);
static void x_async_map(xform *x, const rt_value *v);
static void x_async_expand(xform *x, const rt_value *v);
static void ae_end(xform *x);

/* Handles a data event; false when it is not to be forwarded as it is. */
static bool x_filter(xform *x, const rt_value *v)
{
    switch (x->kind) {
    case T_WHERE:
        return ((rt_where_fn)x->fn)(v, x->ctx);
    case T_SKIP:
        if (x->n == 0) return true;
        x->n--;
        return false;
    case T_SKIP_WHILE:
        if (!x->passed && ((rt_where_fn)x->fn)(v, x->ctx)) return false;
        x->passed = true;
        return true;
    case T_TAKE_WHILE:
        if (((rt_where_fn)x->fn)(v, x->ctx)) return true;
        x_finish(x);
        return false;
    case T_DISTINCT:
        return !x_distinct_drop(x, v);
    case T_TIMEOUT:
        x_timer_restart(x);
        return true;
    default:
        return true;
    }
}

static void x_data_body(xform *x, const rt_value *v)
{
    switch (x->kind) {
    case T_MAP:
        add_open(x->out, ((rt_map_fn)x->fn)(v, x->ctx));
        return;
    case T_EXPAND:
        x_emit_list(x, ((rt_map_fn)x->fn)(v, x->ctx));
        return;
    case T_HANDLERS:
        if (x->h.handle_data)
            x->h.handle_data(v, rt_stream_controller_sink(x->out), x->h.ctx);
        else
            add_open(x->out, rt_value_copy(v, NULL));
        x_after_handler(x);
        return;
    case T_ASYNC_MAP:
        x_async_map(x, v);
        return;
    case T_ASYNC_EXPAND:
        x_async_expand(x, v);
        return;
    default:
        break;
    }
    if (!x_filter(x, v)) return;
    add_open(x->out, rt_value_copy(v, NULL));
    if (x->kind == T_TAKE && x->n > 0 && --x->n == 0) x_finish(x);
}

static void x_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    rt_stream *hold = rt_stream_dup(x->out);
    x_data_body(x, v);
    rt_stream_release(hold);
}

static void x_error_body(xform *x, const rt_error *e)
{
    if (x->kind == T_HANDLE_ERROR) {
        rt_error_test_fn test = (rt_error_test_fn)x->fn2;
        if (!test || test(e, x->ctx)) {
            rt_handle_error_fn fn = (rt_handle_error_fn)x->fn;
            rt_value *v = fn ? fn(e, x->ctx) : NULL;
            if (v) add_open(x->out, v);
            return;
        }
    } else if (x->kind == T_HANDLERS && x->h.handle_error) {
        x->h.handle_error(e, rt_stream_controller_sink(x->out), x->h.ctx);
        x_after_handler(x);
        return;
    } else if (x->kind == T_TIMEOUT) {
        x_timer_restart(x);
    }
    add_error_open(x->out, e);
}

static void x_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    rt_stream *hold = rt_stream_dup(x->out);
    x_error_body(x, e);
    rt_stream_release(hold);
}

static void x_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    rt_stream *hold = rt_stream_dup(x->out);
    x->sub = NULL;
    rt_timer_free(x->timer);
    x->timer = NULL;
    if (x->kind == T_HANDLERS && x->h.handle_done)
        x->h.handle_done(rt_stream_controller_sink(x->out), x->h.ctx);
    else
        close_open(x->out);
    rt_stream_release(hold);
}

static void x_timer_start(xform *x);

static void x_listen(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    rt_stream_handlers h = {x_data, x_error, x_done, x, false};
    x->n = x->n0; /* a broadcast output listened to again starts over */
    x->passed = false;
    if (x->kind == T_TAKE && x->n == 0) {
        close_open(x->out);
        return;
    }
    if (x->kind == T_TIMEOUT) x_timer_start(x);
    x->sub = rt_stream_listen(x->src, &h);
    if (!x->sub) rt_stream_add_error(x->out, RT_ENOMEM, DOMAIN, "listen: out of memory");
}

static void x_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    if (x->kind == T_TIMEOUT) {
        rt_timer_free(x->timer);
        x->timer = NULL;
    }
    if (x->inner) rt_subscription_pause(x->inner);
    if (x->sub) rt_subscription_pause(x->sub);
}

static void x_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    if (x->inner) rt_subscription_resume(x->inner);
    if (x->sub) rt_subscription_resume(x->sub);
    if (x->kind == T_TIMEOUT && x->sub) x_timer_start(x);
}

/* Waits for several cancels; completes with null (Dart's cancel futures
 * carry no value) or the first error. */
static void to_null(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    (void)ctx;
}

static rt_future *all_null(rt_future *all)
{
    return rt_future_then(all, to_null, NULL, NULL);
}

static rt_future *x_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    rt_timer_free(x->timer);
    x->timer = NULL;
    rt_future *fs[2];
    size_t n = 0;
    if (x->inner) {
        fs[n++] = rt_subscription_cancel(x->inner);
        ae_end(x);
    }
    rt_subscription *sub = x->sub;
    x->sub = NULL;
    if (sub) fs[n++] = rt_subscription_cancel(sub);
    if (n < 2) return n ? fs[0] : NULL;
    return all_null(rt_future_wait(fs, n, false));
}

static void x_destroy(void *ctx)
{
    xform *x = ctx;
    rt_timer_free(x->timer);
    cancel_quietly(&x->inner);
    cancel_quietly(&x->sub);
    rt_value_free(x->last);
    rt_stream_release(x->src);
    rt_free(x);
}

/* Dart's _ForwardingStream transforms (and fromHandlers) over a broadcast
 * source give each listener its own state over its own subscription; the
 * others (asyncMap, asyncExpand, timeout, asBroadcastStream) share one. */
static bool per_listener(int kind)
{
    switch (kind) {
    case T_ASYNC_MAP:
    case T_ASYNC_EXPAND:
    case T_TIMEOUT:
    case T_IDENTITY:
        return false;
    default:
        return true;
    }
}

static xform *transform_new(rt_stream *src, int kind, bool broadcast, rt_stream **out);

/* A listen on a per-listener broadcast transform: a fresh single-listener
 * transform, configured as the template, over a new subscription. */
static rt_subscription *x_multi_listen(void *ctx, const rt_stream_handlers *h)
{
    xform *t = ctx, *x;
    rt_stream *out;
    if (!(x = transform_new(rt_stream_dup(t->src), t->kind, false, &out))) return NULL;
    x->n = x->n0 = t->n0;
    x->fn = t->fn;
    x->fn2 = t->fn2;
    x->ctx = t->ctx;
    x->h = t->h;
    x->limit = t->limit;
    rt_subscription *sub = rt_stream_listen(out, h);
    rt_stream_release(out); /* the subscription holds it */
    return sub;
}

static void x_template_free(void *ctx)
{
    xform *t = ctx;
    rt_stream_release(t->src);
    rt_free(t);
}

static xform *transform_new(rt_stream *src, int kind, bool broadcast, rt_stream **out)
{
    *out = NULL;
    if (!src) return NULL;
    if (broadcast && per_listener(kind)) {
        xform *t = rt_calloc(1, sizeof *t);
        *out = t ? rt__stream_multi(x_multi_listen, t, x_template_free) : NULL;
        if (!*out) {
            rt_free(t);
            rt_stream_release(src);
            return NULL;
        }
        t->kind = kind;
        t->src = src;
        return t; /* configured by the caller, copied at each listen */
    }
    xform *x = rt_calloc(1, sizeof *x);
    rt_stream_options o = {.broadcast = broadcast,
                           .sync = true,
                           .on_listen = x_listen,
                           .on_pause = x_pause,
                           .on_resume = x_resume,
                           .on_cancel = x_cancel,
                           .ctx = x};
    *out = x ? rt_stream_controller_new(&o) : NULL;
    if (!*out) {
        rt_free(x);
        rt_stream_release(src);
        return NULL;
    }
    x->kind = kind;
    x->src = src;
    x->out = *out;
    rt__stream_set_destroy(*out, x_destroy);
    return x;
}

static rt_stream *transform(rt_stream *src, int kind, size_t n, void *fn, void *fn2, void *ctx)
{
    rt_stream *out;
    xform *x = transform_new(src, kind, src && rt_stream_is_broadcast(src), &out);
    if (!x) return NULL;
    x->n = x->n0 = n;
    x->fn = fn;
    x->fn2 = fn2;
    x->ctx = ctx;
    return out;
}

rt_stream *rt_stream_map(rt_stream *s, rt_map_fn fn, void *ctx)
{
    return transform(s, T_MAP, 0, (void *)fn, NULL, ctx);
}

rt_stream *rt_stream_where(rt_stream *s, rt_where_fn fn, void *ctx)
{
    return transform(s, T_WHERE, 0, (void *)fn, NULL, ctx);
}

rt_stream *rt_stream_take(rt_stream *s, size_t n)
{
    return transform(s, T_TAKE, n, NULL, NULL, NULL);
}

rt_stream *rt_stream_skip(rt_stream *s, size_t n)
{
    return transform(s, T_SKIP, n, NULL, NULL, NULL);
}

rt_stream *rt_stream_take_while(rt_stream *s, rt_where_fn fn, void *ctx)
{
    return transform(s, T_TAKE_WHILE, 0, (void *)fn, NULL, ctx);
}

rt_stream *rt_stream_skip_while(rt_stream *s, rt_where_fn fn, void *ctx)
{
    return transform(s, T_SKIP_WHILE, 0, (void *)fn, NULL, ctx);
}

rt_stream *rt_stream_expand(rt_stream *s, rt_map_fn fn, void *ctx)
{
    return transform(s, T_EXPAND, 0, (void *)fn, NULL, ctx);
}

rt_stream *rt_stream_distinct(rt_stream *s, rt_equals_fn equals, void *ctx)
{
    return transform(s, T_DISTINCT, 0, (void *)equals, NULL, ctx);
}

rt_stream *rt_stream_handle_error(rt_stream *s, rt_handle_error_fn fn, rt_error_test_fn test,
                                  void *ctx)
{
    return transform(s, T_HANDLE_ERROR, 0, (void *)fn, (void *)test, ctx);
}

rt_stream *rt_stream_as_broadcast(rt_stream *s)
{
    rt_stream *out;
    transform_new(s, T_IDENTITY, true, &out);
    return out;
}

rt_stream *rt_stream_transform(rt_stream *s, rt_bind_fn bind, void *ctx)
{
    if (!s) return NULL;
    return bind(s, ctx);
}

rt_stream *rt_stream_transform_handlers(rt_stream *s, const rt_transformer_handlers *h)
{
    rt_stream *out;
    xform *x = transform_new(s, T_HANDLERS, s && rt_stream_is_broadcast(s), &out);
    if (x && h) x->h = *h;
    return out;
}

/* ---- async_map: the source pauses while the future is pending ---- */

static void am_settled(xform *x)
{
    if (x->sub) rt_subscription_resume(x->sub);
    rt_stream_release(x->out); /* the reference held while waiting */
}

static void am_value(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    xform *x = ctx;
    const rt_value *v = rt_future_get_value(src);
    add_open(x->out, v ? rt_value_copy(v, NULL) : NULL);
    am_settled(x);
}

static void am_error(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    xform *x = ctx;
    add_error_open(x->out, rt_future_get_error(src));
    am_settled(x);
}

static void am_dropped(void *ctx)
{
    am_settled(ctx); /* the future can never complete: go on without it */
}

static void x_async_map(xform *x, const rt_value *v)
{
    rt_future *f = ((rt_async_map_fn)x->fn)(v, x->ctx);
    if (!f) {
        rt_stream_add_error(x->out, RT_ENOMEM, DOMAIN, "async_map: out of memory");
        return;
    }
    if (x->sub) rt_subscription_pause(x->sub);
    rt_stream_dup(x->out);
    rt_future_release(rt_future_then_ctx(f, am_value, am_error, x, am_dropped));
}

/* ---- async_expand: the source pauses while the inner stream runs ---- */

static void ae_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    add_open(x->out, rt_value_copy(v, NULL));
}

static void ae_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    add_error_open(x->out, e);
}

static void ae_end(xform *x)
{
    x->inner = NULL;
    x->inner_active = false;
    rt_stream_release(x->out); /* the reference held while forwarding */
}

static void ae_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    rt_stream *hold = rt_stream_dup(x->out);
    ae_end(x);
    if (x->sub) rt_subscription_resume(x->sub);
    rt_stream_release(hold);
}

static void x_async_expand(xform *x, const rt_value *v)
{
    rt_stream *inner = ((rt_async_expand_fn)x->fn)(v, x->ctx);
    if (!inner) return;
    rt_stream_handlers h = {ae_data, ae_error, ae_done, x, false};
    if (x->sub) rt_subscription_pause(x->sub);
    rt_stream_dup(x->out);
    x->inner_active = true;
    rt_subscription *sub = rt_stream_listen(inner, &h);
    rt_stream_release(inner);
    if (!sub) {
        rt_stream_add_error(x->out, RT_ENOMEM, DOMAIN, "async_expand: out of memory");
        ae_done(NULL, x);
    } else if (x->inner_active && !x->sub) { /* cancelled during the listen */
        rt_future_release(rt_subscription_cancel(sub));
        ae_end(x);
    } else if (x->inner_active) {
        x->inner = sub;
    }
}

rt_stream *rt_stream_async_map(rt_stream *s, rt_async_map_fn fn, void *ctx)
{
    return transform(s, T_ASYNC_MAP, 0, (void *)fn, NULL, ctx);
}

rt_stream *rt_stream_async_expand(rt_stream *s, rt_async_expand_fn fn, void *ctx)
{
    return transform(s, T_ASYNC_EXPAND, 0, (void *)fn, NULL, ctx);
}

/* ---- timeout: a one-shot timer restarted by every event ---- */

static void x_timer_fired(rt_timer *t, void *ctx)
{
    (void)t;
    xform *x = ctx;
    rt_stream *hold = rt_stream_dup(x->out);
    rt_timeout_fn fn = (rt_timeout_fn)x->fn;
    if (fn) {
        fn(rt_stream_controller_sink(x->out), x->ctx);
        if (rt_stream_is_closed(x->out)) {
            rt_timer_free(x->timer);
            x->timer = NULL;
            cancel_quietly(&x->sub);
        }
    } else {
        rt_stream_add_error(x->out, RT_ETIMEOUT, DOMAIN, "No stream event");
    }
    rt_stream_release(hold);
}

static void x_timer_start(xform *x)
{
    rt_timer_free(x->timer);
    x->timer = NULL;
    if (rt_timer_start(&x->timer, x->limit, 0, x_timer_fired, x, NULL))
        rt_stream_add_error(x->out, RT_ENOMEM, DOMAIN, "timeout: out of memory");
}

static void x_timer_restart(xform *x)
{
    if (x->kind == T_TIMEOUT) x_timer_start(x);
}

rt_stream *rt_stream_timeout(rt_stream *s, int64_t limit_ns, rt_timeout_fn on_timeout, void *ctx)
{
    rt_stream *out;
    xform *x = transform_new(s, T_TIMEOUT, s && rt_stream_is_broadcast(s), &out);
    if (!x) return NULL;
    x->fn = (void *)on_timeout;
    x->ctx = ctx;
    x->limit = limit_ns > 0 ? limit_ns : 0;
    return out;
}

/* ---- merge ---- */

typedef struct merger {
    rt_stream *out; /* not counted */
    size_t n, left;
    bool in_listen, done_in_listen;
    rt_stream **srcs;
    rt_subscription **subs;
} merger;

static void mg_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    merger *m = ctx;
    add_open(m->out, rt_value_copy(v, NULL));
}

static void mg_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    merger *m = ctx;
    add_error_open(m->out, e);
}

static void mg_done(rt_subscription *sub, void *ctx)
{
    merger *m = ctx;
    rt_stream *hold = rt_stream_dup(m->out);
    bool found = false;
    for (size_t i = 0; i < m->n; i++)
        if (m->subs[i] == sub) m->subs[i] = NULL, found = true;
    if (!found && m->in_listen) m->done_in_listen = true;
    if (m->left && --m->left == 0) close_open(m->out);
    rt_stream_release(hold);
}

static void mg_listen(rt_stream_controller *c, void *ctx)
{
    (void)c;
    merger *m = ctx;
    rt_stream_handlers h = {mg_data, mg_error, mg_done, m, false};
    m->left = m->n;
    rt_stream *hold = rt_stream_dup(m->out);
    for (size_t i = 0; i < m->n && !rt_stream_is_closed(m->out); i++) {
        m->in_listen = true;
        m->done_in_listen = false;
        rt_subscription *sub = rt_stream_listen(m->srcs[i], &h);
        m->in_listen = false;
        if (sub && !m->done_in_listen) m->subs[i] = sub;
        if (!sub) rt_stream_add_error(m->out, RT_ENOMEM, DOMAIN, "merge: out of memory");
    }
    rt_stream_release(hold);
}

static void mg_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    merger *m = ctx;
    for (size_t i = 0; i < m->n; i++)
        if (m->subs[i]) rt_subscription_pause(m->subs[i]);
}

static void mg_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    merger *m = ctx;
    for (size_t i = 0; i < m->n; i++)
        if (m->subs[i]) rt_subscription_resume(m->subs[i]);
}

static rt_future *mg_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    merger *m = ctx;
    rt_future **fs = rt_calloc(m->n ? m->n : 1, sizeof *fs);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        rt_subscription *sub = m->subs[i];
        m->subs[i] = NULL;
        if (!sub) continue;
        rt_future *f = rt_subscription_cancel(sub);
        if (fs)
            fs[k++] = f;
        else
            rt_future_release(f);
    }
    rt_future *all = k ? all_null(rt_future_wait(fs, k, false)) : NULL;
    rt_free(fs);
    return all;
}

static void mg_destroy(void *ctx)
{
    merger *m = ctx;
    for (size_t i = 0; i < m->n; i++) {
        cancel_quietly(&m->subs[i]);
        rt_stream_release(m->srcs[i]);
    }
    rt_free(m->srcs);
    rt_free(m->subs);
    rt_free(m);
}

static void release_all(rt_stream **ss, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rt_stream_release(ss[i]);
}

rt_stream *rt_stream_merge(rt_stream **ss, size_t n)
{
    if (n && !ss) return NULL;
    bool broadcast = n > 0, ok = true;
    for (size_t i = 0; i < n; i++) {
        if (!ss[i])
            ok = false;
        else if (!rt_stream_is_broadcast(ss[i]))
            broadcast = false;
    }
    merger *m = ok ? rt_calloc(1, sizeof *m) : NULL;
    if (m) {
        m->srcs = rt_calloc(n ? n : 1, sizeof *m->srcs);
        m->subs = rt_calloc(n ? n : 1, sizeof *m->subs);
    }
    rt_stream_options o = {.broadcast = broadcast,
                           .sync = true,
                           .on_listen = mg_listen,
                           .on_pause = mg_pause,
                           .on_resume = mg_resume,
                           .on_cancel = mg_cancel,
                           .ctx = m};
    rt_stream *out = m && m->srcs && m->subs ? rt_stream_controller_new(&o) : NULL;
    if (!out) {
        if (m) rt_free(m->srcs), rt_free(m->subs);
        rt_free(m);
        release_all(ss, n);
        return NULL;
    }
    if (n) memcpy(m->srcs, ss, n * sizeof *ss);
    m->n = n;
    m->out = out;
    rt__stream_set_destroy(out, mg_destroy);
    if (n == 0) rt_future_release(rt_stream_close(out));
    return out;
}

/* ---- Sources ---- */

typedef struct port_src {
    rt_receive_port *port;
    rt_stream *out; /* not counted */
} port_src;

static void port_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    port_src *ps = ctx;
    rt_stream_add(ps->out, v);
}

static void port_close(port_src *ps)
{
    if (!ps->port) return;
    rt_receive_port_close(ps->port);
    ps->port = NULL;
}

static rt_future *port_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    port_close(ctx);
    return NULL;
}

static void port_destroy(void *ctx)
{
    port_src *ps = ctx;
    port_close(ps);
    rt_free(ps);
}

rt_stream *rt_receive_port_stream(rt_receive_port *port)
{
    if (!port) return NULL;
    port_src *ps = rt_malloc(sizeof *ps);
    rt_stream_options o = {.on_cancel = port_cancel, .ctx = ps};
    rt_stream *out = ps ? rt_stream_controller_new(&o) : NULL;
    if (!out) {
        rt_free(ps);
        return NULL;
    }
    *ps = (port_src){port, out};
    rt__stream_set_destroy(out, port_destroy);
    rt_receive_port_listen(port, port_msg, ps, NULL);
    return out;
}

/* Dart's Stream.periodic: a sync controller; a resume waits out what was
 * left of the period interrupted by the pause, then ticks again. */
typedef struct periodic {
    rt_timer *timer;
    int64_t period;
    int64_t started;   /* when the current period began */
    int64_t remaining; /* after a pause: what was left of the period */
    int64_t count;     /* events sent */
    bool ticks;        /* rt_stream_periodic: 1, 2, 3 ... */
    rt_periodic_fn fn;
    void *ctx;
    rt_stream *out; /* not counted */
} periodic;

static void periodic_send(periodic *p)
{
    p->started = rt_now();
    int64_t tick = p->count++;
    rt_value *v = p->ticks ? rt_value_int(tick + 1) : p->fn ? p->fn(tick, p->ctx) : NULL;
    add_open(p->out, v);
}

static void periodic_tick(rt_timer *t, void *ctx)
{
    (void)t;
    periodic *p = ctx;
    rt_stream *hold = rt_stream_dup(p->out);
    periodic_send(p);
    rt_stream_release(hold);
}

static void periodic_arm(periodic *p, int64_t first)
{
    rt_timer_free(p->timer);
    p->timer = NULL;
    p->started = rt_now() - (p->period - first);
    if (rt_timer_start(&p->timer, first, p->period, periodic_tick, p, NULL))
        rt_stream_add_error(p->out, RT_ENOMEM, DOMAIN, "periodic timer: out of memory");
}

static void periodic_listen(rt_stream_controller *c, void *ctx)
{
    (void)c;
    periodic *p = ctx;
    p->count = 0;
    periodic_arm(p, p->period);
}

static void periodic_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    periodic *p = ctx;
    if (!p->timer) return;
    int64_t left = p->period - (rt_now() - p->started);
    p->remaining = left > 0 ? left : 0;
    rt_timer_free(p->timer);
    p->timer = NULL;
}

static void periodic_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    periodic *p = ctx;
    periodic_arm(p, p->remaining);
}

static rt_future *periodic_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    periodic *p = ctx;
    rt_timer_free(p->timer);
    p->timer = NULL;
    return NULL;
}

static void periodic_destroy(void *ctx)
{
    periodic *p = ctx;
    rt_timer_free(p->timer);
    rt_free(p);
}

static rt_stream *periodic_new(int64_t period_ns, bool ticks, rt_periodic_fn fn, void *ctx)
{
    periodic *p = rt_calloc(1, sizeof *p);
    rt_stream_options o = {.sync = true,
                           .on_listen = periodic_listen,
                           .on_pause = periodic_pause,
                           .on_resume = periodic_resume,
                           .on_cancel = periodic_cancel,
                           .ctx = p};
    rt_stream *out = p ? rt_stream_controller_new(&o) : NULL;
    if (!out) {
        rt_free(p);
        return NULL;
    }
    p->period = period_ns > 0 ? period_ns : 1;
    p->ticks = ticks;
    p->fn = fn;
    p->ctx = ctx;
    p->out = out;
    rt__stream_set_destroy(out, periodic_destroy);
    return out;
}

rt_stream *rt_stream_periodic(int64_t period_ns)
{
    return periodic_new(period_ns, true, NULL, NULL);
}

rt_stream *rt_stream_periodic_with(int64_t period_ns, rt_periodic_fn fn, void *ctx)
{
    return periodic_new(period_ns, false, fn, ctx);
}

/* Values are added up front to an async single-subscription controller,
 * which buffers them until the listener comes (Dart's Stream.value). */
static rt_stream *buffered_new(bool broadcast)
{
    return rt_stream_controller_new(&(rt_stream_options){.broadcast = broadcast});
}

static rt_stream *buffered_close(rt_stream *c)
{
    rt_future *f = rt_stream_close(c);
    if (!f) {
        rt_stream_release(c);
        return NULL;
    }
    rt_future_release(f);
    return c;
}

rt_stream *rt_stream_from_values(rt_value **vs, size_t n)
{
    if (n && !vs) return NULL;
    rt_stream *c = buffered_new(false);
    size_t i = 0;
    while (c && i < n) {
        rt_value *v = vs[i++];
        if (rt_stream_add(c, v) != RT_OK) {
            rt_stream_release(c);
            c = NULL;
        }
    }
    for (; i < n; i++)
        rt_value_free(vs[i]);
    return c ? buffered_close(c) : NULL;
}

rt_stream *rt_stream_from_list(const rt_value *list)
{
    if (!list || rt_value_kind_of(list) != RT_LIST) return NULL;
    rt_stream *c = buffered_new(false);
    for (size_t i = 0; c && i < rt_list_len(list); i++) {
        int err = 0;
        rt_value *v = rt_value_copy(rt_list_get(list, i), &err);
        if (err || rt_stream_add(c, v) != RT_OK) {
            rt_stream_release(c);
            c = NULL;
        }
    }
    return c ? buffered_close(c) : NULL;
}

rt_stream *rt_stream_value(rt_value *value)
{
    return rt_stream_from_values(&value, 1);
}

rt_stream *rt_stream_error(int code, const char *domain, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_stream *c = buffered_new(false);
    rt_error e = {code, domain ? domain : DOMAIN, msg};
    if (c && rt_stream_add_error_with(c, &e) != RT_OK) {
        rt_stream_release(c);
        return NULL;
    }
    return c ? buffered_close(c) : NULL;
}

rt_stream *rt_stream_empty(void)
{
    rt_stream *c = buffered_new(true);
    return c ? buffered_close(c) : NULL;
}

/* Future.asStream: a sync controller fed by the future's outcome. */
static void fas_value(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    rt_stream *c = ctx;
    const rt_value *v = rt_future_get_value(src);
    add_open(c, v ? rt_value_copy(v, NULL) : NULL);
    close_open(c);
    rt_stream_release(c);
}

static void fas_error(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    rt_stream *c = ctx;
    add_error_open(c, rt_future_get_error(src));
    close_open(c);
    rt_stream_release(c);
}

static void fas_dropped(void *ctx)
{
    rt_stream_release(ctx);
}

rt_stream *rt_future_as_stream(rt_future *f)
{
    if (!f) return NULL;
    rt_stream *c = rt_stream_controller_new(&(rt_stream_options){.sync = true});
    if (!c) {
        rt_future_release(f);
        return NULL;
    }
    rt_future *t = rt_future_then_ctx(f, fas_value, fas_error, rt_stream_dup(c), fas_dropped);
    if (!t) {
        rt_stream_release(c);
        return NULL;
    }
    rt_future_release(t);
    return c;
}

/* ---- Rendering values as Dart's toString (for join) ---- */

typedef struct strbuf {
    char *p;
    size_t len, cap;
    bool oom;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = rt_realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_puts(strbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* Dart's double.toString: the shortest digits that read back the same,
 * in decimal notation for exponents -7 < e < 21, else as 1.5e+21. */
static void dart_double(strbuf *b, double d)
{
    if (isnan(d)) return sb_puts(b, "NaN");
    if (isinf(d)) return sb_puts(b, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0) return sb_puts(b, signbit(d) ? "-0.0" : "0.0");
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d) break;
    }
    char digits[24];
    size_t nd = 0;
    const char *q = tmp;
    if (*q == '-') sb_puts(b, "-"), q++;
    for (; *q && *q != 'e'; q++)
        if (*q != '.') digits[nd++] = *q;
    digits[nd] = 0;
    int e = (int)strtol(q + 1, NULL, 10);
    char out[64];
    if (e >= 21 || e < -6) {
        snprintf(out, sizeof out, "%c%s%s%se%c%d", digits[0], nd > 1 ? "." : "", digits + 1, "",
                 e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e >= 0) {
        size_t whole = (size_t)e + 1, k = 0;
        for (size_t i = 0; i < whole; i++)
            out[k++] = (char)(i < nd ? digits[i] : '0');
        out[k++] = '.';
        if (nd > whole)
            for (size_t i = whole; i < nd; i++)
                out[k++] = digits[i];
        else
            out[k++] = '0';
        out[k] = 0;
    } else {
        snprintf(out, sizeof out, "0.%.*s%s", -e - 1, "000000", digits);
    }
    sb_puts(b, out);
}

static void render(strbuf *b, const rt_value *v)
{
    char num[32];
    size_t n;
    switch (rt_value_kind_of(v)) {
    case RT_NULL:
        return sb_puts(b, "null");
    case RT_BOOL:
        return sb_puts(b, rt_value_as_bool(v) ? "true" : "false");
    case RT_INT:
        snprintf(num, sizeof num, "%" PRId64, rt_value_as_int(v));
        return sb_puts(b, num);
    case RT_DOUBLE:
        return dart_double(b, rt_value_as_double(v));
    case RT_STRING: {
        const char *s = rt_value_as_string(v, &n);
        return sb_put(b, s, n);
    }
    case RT_BYTES: {
        const unsigned char *p = rt_value_as_bytes(v, &n);
        sb_puts(b, "[");
        for (size_t i = 0; i < n; i++) {
            snprintf(num, sizeof num, "%s%u", i ? ", " : "", p[i]);
            sb_puts(b, num);
        }
        return sb_puts(b, "]");
    }
    case RT_LIST:
        sb_puts(b, "[");
        for (size_t i = 0; i < rt_list_len(v); i++) {
            if (i) sb_puts(b, ", ");
            render(b, rt_list_get(v, i));
        }
        return sb_puts(b, "]");
    case RT_MAP:
        sb_puts(b, "{");
        for (size_t i = 0; i < rt_map_len(v); i++) {
            if (i) sb_puts(b, ", ");
            sb_puts(b, rt_map_key_at(v, i));
            sb_puts(b, ": ");
            render(b, rt_map_value_at(v, i));
        }
        return sb_puts(b, "}");
    case RT_SEND_PORT:
        return sb_puts(b, "SendPort");
    case RT_BUFFER:
        return sb_puts(b, "Instance of 'TransferableTypedData'");
    }
}

/* ---- Reductions ---- */

enum {
    R_FIRST,
    R_LAST,
    R_SINGLE,
    R_ELEMENT_AT,
    R_FIRST_WHERE,
    R_LAST_WHERE,
    R_SINGLE_WHERE,
    R_FOLD,
    R_REDUCE,
    R_FOR_EACH,
    R_DRAIN,
    R_TO_LIST,
    R_CONTAINS,
    R_EVERY,
    R_ANY,
    R_IS_EMPTY,
    R_LENGTH,
    R_JOIN
};

typedef struct reducer {
    int kind;
    rt_completer *done;
    rt_value *acc; /* the element found, the accumulator, the list, drain's value */
    rt_value *needle;
    bool found;
    int64_t index, count;
    void *fn, *or_else;
    void *ctx;
    /* The outcome to give once the cancel future has completed. */
    rt_value *answer;
    int fail_code;
    const char *fail_msg;
    strbuf text;
    char *sep;
} reducer;

static void r_free(reducer *r)
{
    rt_value_free(r->acc);
    rt_value_free(r->needle);
    rt_value_free(r->answer);
    rt_completer_release(r->done);
    rt_free(r->text.p);
    rt_free(r->sep);
    rt_free(r);
}

static void r_complete(reducer *r, rt_value *v)
{
    rt_completer_complete(r->done, v);
    r_free(r);
}

static void r_fail(reducer *r, int code, const char *msg)
{
    rt_completer_fail(r->done, code, DOMAIN, "%s", msg);
    r_free(r);
}

static void r_settle(reducer *r)
{
    if (r->fail_msg) return r_fail(r, r->fail_code, r->fail_msg);
    rt_value *v = r->answer;
    r->answer = NULL;
    r_complete(r, v);
}

static void r_after_cancel(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    r_settle(ctx);
}

static void r_after_cancel_dropped(void *ctx)
{
    r_settle(ctx);
}

/* Dart's _cancelAndValue / _cancelAndError: the outcome waits for the
 * cancel future, unless that is complete already. */
static void r_cancel_then(reducer *r, rt_subscription *sub)
{
    rt_future *f = rt_subscription_cancel(sub);
    if (!f || (rt_future_is_complete(f) && !rt_future_is_error(f))) {
        rt_future_release(f);
        return r_settle(r);
    }
    rt_future_release(
        rt_future_then_ctx(f, r_after_cancel, r_after_cancel, r, r_after_cancel_dropped));
}

static void r_cancel_value(reducer *r, rt_subscription *sub, rt_value *v)
{
    r->answer = v;
    r_cancel_then(r, sub);
}

static void r_cancel_error(reducer *r, rt_subscription *sub, int code, const char *msg)
{
    r->fail_code = code;
    r->fail_msg = msg;
    r_cancel_then(r, sub);
}

static void r_keep(reducer *r, const rt_value *v)
{
    rt_value_free(r->acc);
    r->acc = rt_value_copy(v, NULL);
    r->found = true;
}

static bool r_test(reducer *r, const rt_value *v)
{
    return ((rt_where_fn)r->fn)(v, r->ctx);
}

static void r_fold(reducer *r, const rt_value *v)
{
    if (r->kind == R_REDUCE && !r->found) return r_keep(r, v);
    rt_value *next = ((rt_fold_fn)r->fn)(r->acc, v, r->ctx);
    rt_value_free(r->acc);
    r->acc = next ? next : rt_value_null();
    r->found = true;
}

static void r_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    reducer *r = ctx;
    switch (r->kind) {
    case R_FIRST_WHERE:
        if (!r_test(r, v)) return;
        __attribute__((fallthrough));
    case R_FIRST:
        return r_cancel_value(r, sub, rt_value_copy(v, NULL));
    case R_LAST_WHERE:
        if (!r_test(r, v)) return;
        __attribute__((fallthrough));
    case R_LAST:
        return r_keep(r, v);
    case R_SINGLE_WHERE:
        if (!r_test(r, v)) return;
        __attribute__((fallthrough));
    case R_SINGLE:
        if (r->found) return r_cancel_error(r, sub, RT_ESTATE, "Too many elements");
        return r_keep(r, v);
    case R_ELEMENT_AT:
        if (r->count++ == r->index) r_cancel_value(r, sub, rt_value_copy(v, NULL));
        return;
    case R_FOLD:
    case R_REDUCE:
        return r_fold(r, v);
    case R_FOR_EACH:
        return ((rt_each_fn)r->fn)(v, r->ctx);
    case R_TO_LIST: {
        rt_value *item = rt_value_copy(v, NULL);
        if (!item || rt_list_push(r->acc, item) != RT_OK) {
            rt_value_free(item);
            r_cancel_error(r, sub, RT_ENOMEM, "to_list: out of memory");
        }
        return;
    }
    case R_CONTAINS:
        if (rt_value_equal(r->needle, v)) r_cancel_value(r, sub, rt_value_bool(true));
        return;
    case R_EVERY:
        if (!r_test(r, v)) r_cancel_value(r, sub, rt_value_bool(false));
        return;
    case R_ANY:
        if (r_test(r, v)) r_cancel_value(r, sub, rt_value_bool(true));
        return;
    case R_IS_EMPTY:
        return r_cancel_value(r, sub, rt_value_bool(false));
    case R_JOIN:
        if (r->count++ && r->sep) sb_puts(&r->text, r->sep);
        render(&r->text, v);
        return;
    default: /* R_DRAIN, R_LENGTH */
        r->count++;
        return;
    }
}

static void r_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub; /* cancel_on_error: already cancelled */
    reducer *r = ctx;
    rt_completer_fail_with(r->done, e);
    r_free(r);
}

static void r_done_element(reducer *r)
{
    if (r->found) {
        rt_value *v = r->acc;
        r->acc = NULL;
        return r_complete(r, v);
    }
    if (r->or_else) return r_complete(r, ((rt_or_else_fn)r->or_else)(r->ctx));
    r_fail(r, RT_ESTATE, "No element");
}

static void r_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    reducer *r = ctx;
    rt_value *v = NULL;
    switch (r->kind) {
    case R_FIRST:
    case R_LAST:
    case R_SINGLE:
    case R_FIRST_WHERE:
    case R_LAST_WHERE:
    case R_SINGLE_WHERE:
    case R_REDUCE:
        return r_done_element(r);
    case R_ELEMENT_AT:
        rt_completer_fail(r->done, RT_EINVAL, DOMAIN,
                          "RangeError (index): Index out of range: index should be less than "
                          "%" PRId64 ": %" PRId64,
                          r->count, r->index);
        return r_free(r);
    case R_FOLD:
    case R_DRAIN:
    case R_TO_LIST:
        v = r->acc;
        r->acc = NULL;
        break;
    case R_CONTAINS:
    case R_ANY:
        v = rt_value_bool(false);
        break;
    case R_EVERY:
    case R_IS_EMPTY:
        v = rt_value_bool(true);
        break;
    case R_LENGTH:
        v = rt_value_int(r->count);
        break;
    case R_JOIN:
        if (r->text.oom) return r_fail(r, RT_ENOMEM, "join: out of memory");
        v = rt_value_string(r->text.p ? r->text.p : "");
        break;
    default: /* R_FOR_EACH */
        break;
    }
    r_complete(r, v);
}

static reducer *r_new(int kind)
{
    reducer *r = rt_calloc(1, sizeof *r);
    if (r) r->kind = kind;
    return r;
}

/* Listens to s (consumed) for r (taken); NULL only out of memory. */
static rt_future *r_start(rt_stream *s, reducer *r)
{
    if (!s || !r || !(r->done = rt_completer_new(true))) {
        if (r) r_free(r);
        rt_stream_release(s);
        return NULL;
    }
    rt_future *f = rt_completer_future(r->done);
    if (!f) {
        r_free(r);
        rt_stream_release(s);
        return NULL;
    }
    rt_stream_handlers h = {r_data, r_error, r_done, r, true};
    rt_subscription *sub = rt_stream_listen(s, &h);
    rt_stream_release(s);
    if (!sub) r_fail(r, RT_ENOMEM, "listen: out of memory");
    return f;
}

static rt_future *r_simple(rt_stream *s, int kind)
{
    return s ? r_start(s, r_new(kind)) : NULL;
}

static rt_future *r_with(rt_stream *s, int kind, void *fn, void *or_else, void *ctx)
{
    if (!s) return NULL;
    reducer *r = r_new(kind);
    if (r) r->fn = fn, r->or_else = or_else, r->ctx = ctx;
    return r_start(s, r);
}

rt_future *rt_stream_first(rt_stream *s)
{
    return r_simple(s, R_FIRST);
}

rt_future *rt_stream_last(rt_stream *s)
{
    return r_simple(s, R_LAST);
}

rt_future *rt_stream_single(rt_stream *s)
{
    return r_simple(s, R_SINGLE);
}

rt_future *rt_stream_element_at(rt_stream *s, int64_t index)
{
    if (!s) return NULL;
    if (index < 0) {
        rt_stream_release(s);
        return rt_future_error(RT_EINVAL, DOMAIN,
                               "RangeError (index): Invalid value: Not in inclusive range 0..: "
                               "%" PRId64,
                               index);
    }
    reducer *r = r_new(R_ELEMENT_AT);
    if (r) r->index = index;
    return r_start(s, r);
}

rt_future *rt_stream_first_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else, void *ctx)
{
    return r_with(s, R_FIRST_WHERE, (void *)test, (void *)or_else, ctx);
}

rt_future *rt_stream_last_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else, void *ctx)
{
    return r_with(s, R_LAST_WHERE, (void *)test, (void *)or_else, ctx);
}

rt_future *rt_stream_single_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else, void *ctx)
{
    return r_with(s, R_SINGLE_WHERE, (void *)test, (void *)or_else, ctx);
}

rt_future *rt_stream_fold(rt_stream *s, rt_value *initial, rt_fold_fn fn, void *ctx)
{
    if (!s) {
        rt_value_free(initial);
        return NULL;
    }
    reducer *r = r_new(R_FOLD);
    if (r) {
        r->fn = (void *)fn;
        r->ctx = ctx;
        r->acc = initial ? initial : rt_value_null();
    } else {
        rt_value_free(initial);
    }
    return r_start(s, r);
}

rt_future *rt_stream_reduce(rt_stream *s, rt_fold_fn fn, void *ctx)
{
    return r_with(s, R_REDUCE, (void *)fn, NULL, ctx);
}

rt_future *rt_stream_for_each(rt_stream *s, rt_each_fn fn, void *ctx)
{
    return r_with(s, R_FOR_EACH, (void *)fn, NULL, ctx);
}

rt_future *rt_stream_drain(rt_stream *s, rt_value *value)
{
    reducer *r = s ? r_new(R_DRAIN) : NULL;
    if (r)
        r->acc = value;
    else
        rt_value_free(value);
    return s ? r_start(s, r) : NULL;
}

rt_future *rt_stream_to_list(rt_stream *s)
{
    reducer *r = s ? r_new(R_TO_LIST) : NULL;
    if (r && !(r->acc = rt_value_list())) {
        r_free(r);
        r = NULL;
    }
    return s ? r_start(s, r) : NULL;
}

rt_future *rt_stream_contains(rt_stream *s, const rt_value *needle)
{
    reducer *r = s ? r_new(R_CONTAINS) : NULL;
    if (r && !(r->needle = needle ? rt_value_copy(needle, NULL) : rt_value_null())) {
        r_free(r);
        r = NULL;
    }
    return s ? r_start(s, r) : NULL;
}

rt_future *rt_stream_every(rt_stream *s, rt_where_fn test, void *ctx)
{
    return r_with(s, R_EVERY, (void *)test, NULL, ctx);
}

rt_future *rt_stream_any(rt_stream *s, rt_where_fn test, void *ctx)
{
    return r_with(s, R_ANY, (void *)test, NULL, ctx);
}

rt_future *rt_stream_is_empty(rt_stream *s)
{
    return r_simple(s, R_IS_EMPTY);
}

rt_future *rt_stream_length(rt_stream *s)
{
    return r_simple(s, R_LENGTH);
}

rt_future *rt_stream_join(rt_stream *s, const char *separator)
{
    reducer *r = s ? r_new(R_JOIN) : NULL;
    if (r && separator && *separator) {
        size_t n = strlen(separator) + 1;
        if ((r->sep = rt_malloc(n)))
            memcpy(r->sep, separator, n);
        else
            r_free(r), r = NULL;
    }
    return s ? r_start(s, r) : NULL;
}

/* ---- Stream iterator (Dart's _StreamIterator) ---- */

struct rt_stream_iterator {
    rt_stream *stream; /* until the first move_next listens */
    rt_subscription *sub;
    rt_completer *next; /* the pending move_next */
    rt_value *current;
    bool has_value; /* current is valid and the subscription paused */
    bool ended;     /* done, failed or cancelled */
    int busy;       /* inside one of our handlers */
    bool freed;     /* rt_stream_iterator_free came while busy */
};

static void it_really_free(rt_stream_iterator *it)
{
    rt_value_free(it->current);
    rt_stream_release(it->stream);
    rt_completer_release(it->next);
    rt_free(it);
}

static void it_leave(rt_stream_iterator *it)
{
    if (--it->busy == 0 && it->freed) it_really_free(it);
}

static void it_answer(rt_stream_iterator *it, bool b)
{
    rt_completer *c = it->next;
    it->next = NULL;
    if (!c) return;
    rt_completer_complete(c, rt_value_bool(b));
    rt_completer_release(c);
}

static void it_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    rt_stream_iterator *it = ctx;
    it->busy++;
    if (!it->ended) {
        it->sub = sub;
        rt_value_free(it->current);
        it->current = rt_value_copy(v, NULL);
        it->has_value = true;
        it_answer(it, true);
        if (it->has_value && it->sub) rt_subscription_pause(it->sub);
    }
    it_leave(it);
}

static void it_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub; /* cancel_on_error: already cancelled */
    rt_stream_iterator *it = ctx;
    it->busy++;
    it->sub = NULL;
    it->ended = true;
    rt_completer *c = it->next;
    it->next = NULL;
    if (c) rt_completer_fail_with(c, e), rt_completer_release(c);
    it_leave(it);
}

static void it_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    rt_stream_iterator *it = ctx;
    it->busy++;
    it->sub = NULL;
    it->ended = true;
    it_answer(it, false);
    it_leave(it);
}

rt_stream_iterator *rt_stream_iterator_new(rt_stream *s)
{
    if (!s) return NULL;
    rt_stream_iterator *it = rt_calloc(1, sizeof *it);
    if (!it) {
        rt_stream_release(s);
        return NULL;
    }
    it->stream = s;
    return it;
}

rt_future *rt_stream_iterator_move_next(rt_stream_iterator *it)
{
    if (!it) return NULL;
    if (it->next)
        return rt_future_error(RT_ESTATE, DOMAIN, "StreamIterator: Already waiting for next");
    if (it->ended || (!it->sub && !it->stream)) return rt_future_value(rt_value_bool(false));
    if (!(it->next = rt_completer_new(true))) return NULL;
    rt_future *f = rt_completer_future(it->next);
    rt_value_free(it->current);
    it->current = NULL;
    if (it->sub) {
        it->has_value = false;
        rt_subscription_resume(it->sub);
        return f;
    }
    rt_stream *s = it->stream;
    it->stream = NULL;
    rt_stream_handlers h = {it_data, it_error, it_done, it, true};
    it->busy++;
    rt_subscription *sub = rt_stream_listen(s, &h);
    rt_stream_release(s);
    if (!sub) {
        it->ended = true;
        rt_completer *c = it->next;
        it->next = NULL;
        if (c) rt_completer_fail(c, RT_ENOMEM, DOMAIN, "listen: out of memory");
        rt_completer_release(c);
    } else if (!it->ended) {
        it->sub = sub;
    }
    it_leave(it);
    return f;
}

const rt_value *rt_stream_iterator_current(const rt_stream_iterator *it)
{
    return it && it->has_value ? it->current : NULL;
}

rt_future *rt_stream_iterator_cancel(rt_stream_iterator *it)
{
    if (!it) return NULL;
    rt_subscription *sub = it->sub;
    rt_stream_release(it->stream);
    it->stream = NULL;
    if (!sub) return rt_future_value(NULL);
    it->sub = NULL;
    it->ended = true;
    if (it->has_value) {
        it->has_value = false;
    } else if (it->next) {
        /* Dart completes the waiting move_next with false, asynchronously,
         * before it cancels. */
        rt_completer *c = it->next;
        it->next = NULL;
        rt_completer_follow(c, rt_future_value(rt_value_bool(false)));
        rt_completer_release(c);
    }
    rt_value_free(it->current);
    it->current = NULL;
    return rt_subscription_cancel(sub);
}

void rt_stream_iterator_free(rt_stream_iterator *it)
{
    if (!it) return;
    rt_future_release(rt_stream_iterator_cancel(it));
    it->freed = true;
    if (it->busy == 0) it_really_free(it);
}
