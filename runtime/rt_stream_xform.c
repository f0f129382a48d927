/* rt_stream_xform.c: the stream transforms of rt_stream_ops.h (map, where,
 * expand, take, skip, distinct, handle_error, async_map, async_expand,
 * timeout, transform, merge). Transforms are sync controllers fed by a
 * subscription to their source, so they add no extra hops (Dart's
 * _ForwardingStream). */
#include "rt_stream_ops_private.h"

#include <string.h>

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
        rt_stream_add_error(x->out, RT_EINVAL, OPS_DOMAIN, "expand: the function gave no list");
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
    if (!x->sub) rt_stream_add_error(x->out, RT_ENOMEM, OPS_DOMAIN, "listen: out of memory");
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
        rt_stream_add_error(x->out, RT_ENOMEM, OPS_DOMAIN, "async_map: out of memory");
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
        rt_stream_add_error(x->out, RT_ENOMEM, OPS_DOMAIN, "async_expand: out of memory");
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
        rt_stream_add_error(x->out, RT_ETIMEOUT, OPS_DOMAIN, "No stream event");
    }
    rt_stream_release(hold);
}

static void x_timer_start(xform *x)
{
    rt_timer_free(x->timer);
    x->timer = NULL;
    if (rt_timer_start(&x->timer, x->limit, 0, x_timer_fired, x, NULL))
        rt_stream_add_error(x->out, RT_ENOMEM, OPS_DOMAIN, "timeout: out of memory");
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
        if (!sub) rt_stream_add_error(m->out, RT_ENOMEM, OPS_DOMAIN, "merge: out of memory");
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
