/* rt_stream_ops.c: stream sources, reductions and transforms (see
 * rt_stream_ops.h). Transforms are sync controllers fed by a subscription to
 * their source, so they add no extra hops.
 */
#include "rt_heap.h"
#include "rt_stream_private.h"

#include <string.h>

/* ---- Transforms ---- */

enum { T_MAP, T_WHERE, T_TAKE, T_SKIP, T_DISTINCT, T_HANDLE_ERROR, T_IDENTITY };

typedef struct xform {
    int kind;
    rt_stream *src;
    rt_subscription *sub;
    rt_stream *out; /* not counted: out owns this */
    size_t n;
    rt_value *last; /* distinct */
    void *fn;
    void *ctx;
} xform;

static void x_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    xform *x = ctx;
    rt_stream *out = x->out;
    rt_value *emit_v = NULL;
    switch (x->kind) {
    case T_MAP:
        emit_v = ((rt_map_fn)x->fn)(v, x->ctx);
        break;
    case T_WHERE:
        if (!((rt_where_fn)x->fn)(v, x->ctx)) return;
        break;
    case T_SKIP:
        if (x->n > 0) {
            x->n--;
            return;
        }
        break;
    case T_DISTINCT:
        if (x->last && rt_value_equal(x->last, v)) return;
        rt_value_free(x->last);
        x->last = rt_value_copy(v, NULL);
        break;
    default:
        break;
    }
    if (x->kind != T_MAP) emit_v = rt_value_copy(v, NULL);
    rt_stream_add(out, emit_v);
    if (x->kind == T_TAKE && --x->n == 0) {
        x->sub = NULL;
        rt_future_release(rt_subscription_cancel(sub));
        rt_future_release(rt_stream_close(out));
    }
}

static void x_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    if (x->kind == T_HANDLE_ERROR) {
        rt_value *v = ((rt_handle_error_fn)x->fn)(e, x->ctx);
        if (v) rt_stream_add(x->out, v);
        return;
    }
    rt_stream_add_error_with(x->out, e);
}

static void x_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    xform *x = ctx;
    x->sub = NULL;
    if (!rt_stream_is_closed(x->out)) rt_future_release(rt_stream_close(x->out));
}

static void x_listen(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    rt_stream_handlers h = {x_data, x_error, x_done, x, false};
    if (x->kind == T_TAKE && x->n == 0) {
        rt_future_release(rt_stream_close(x->out));
        return;
    }
    x->sub = rt_stream_listen(x->src, &h);
}

static void x_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    if (x->sub) rt_subscription_pause(x->sub);
}

static void x_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    if (x->sub) rt_subscription_resume(x->sub);
}

static rt_future *x_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    xform *x = ctx;
    rt_subscription *sub = x->sub;
    x->sub = NULL;
    return sub ? rt_subscription_cancel(sub) : NULL;
}

static void x_destroy(void *ctx)
{
    xform *x = ctx;
    if (x->sub) rt_future_release(rt_subscription_cancel(x->sub));
    rt_value_free(x->last);
    rt_stream_release(x->src);
    rt_free(x);
}

static rt_stream *transform(rt_stream *src, int kind, bool broadcast, size_t n, void *fn, void *ctx)
{
    if (!src) return NULL;
    xform *x = rt_malloc(sizeof *x);
    rt_stream_options o = {.broadcast = broadcast,
                           .sync = true,
                           .on_listen = x_listen,
                           .on_pause = x_pause,
                           .on_resume = x_resume,
                           .on_cancel = x_cancel,
                           .ctx = x};
    rt_stream *out = x ? rt_stream_controller_new(&o) : NULL;
    if (!out) {
        if (x) rt_free(x);
        rt_stream_release(src);
        return NULL;
    }
    *x = (xform){kind, src, NULL, out, n, NULL, fn, ctx};
    rt__stream_set_destroy(out, x_destroy);
    return out;
}

rt_stream *rt_stream_map(rt_stream *s, rt_map_fn fn, void *ctx)
{
    return transform(s, T_MAP, s && rt_stream_is_broadcast(s), 0, (void *)fn, ctx);
}

rt_stream *rt_stream_where(rt_stream *s, rt_where_fn fn, void *ctx)
{
    return transform(s, T_WHERE, s && rt_stream_is_broadcast(s), 0, (void *)fn, ctx);
}

rt_stream *rt_stream_take(rt_stream *s, size_t n)
{
    return transform(s, T_TAKE, s && rt_stream_is_broadcast(s), n, NULL, NULL);
}

rt_stream *rt_stream_skip(rt_stream *s, size_t n)
{
    return transform(s, T_SKIP, s && rt_stream_is_broadcast(s), n, NULL, NULL);
}

rt_stream *rt_stream_distinct(rt_stream *s)
{
    return transform(s, T_DISTINCT, s && rt_stream_is_broadcast(s), 0, NULL, NULL);
}

rt_stream *rt_stream_handle_error(rt_stream *s, rt_handle_error_fn fn, void *ctx)
{
    return transform(s, T_HANDLE_ERROR, s && rt_stream_is_broadcast(s), 0, (void *)fn, ctx);
}

rt_stream *rt_stream_as_broadcast(rt_stream *s)
{
    return transform(s, T_IDENTITY, true, 0, NULL, NULL);
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

typedef struct periodic {
    rt_timer *timer;
    int64_t period;
    rt_stream *out; /* not counted */
} periodic;

static void periodic_tick(rt_timer *t, void *ctx)
{
    periodic *p = ctx;
    rt_stream_add(p->out, rt_value_int((int64_t)rt_timer_tick(t)));
}

static void periodic_stop(periodic *p)
{
    rt_timer_free(p->timer);
    p->timer = NULL;
}

static void periodic_start(rt_stream_controller *c, void *ctx)
{
    (void)c;
    periodic *p = ctx;
    if (!p->timer && rt_timer_start(&p->timer, p->period, p->period, periodic_tick, p, NULL))
        rt_stream_add_error(p->out, RT_ENOMEM, "runtime", "periodic timer: out of memory");
}

static void periodic_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    periodic_stop(ctx);
}

static rt_future *periodic_cancel(rt_stream_controller *c, void *ctx)
{
    periodic_pause(c, ctx);
    return NULL;
}

static void periodic_destroy(void *ctx)
{
    periodic *p = ctx;
    periodic_stop(p);
    rt_free(p);
}

rt_stream *rt_stream_periodic(int64_t period_ns)
{
    periodic *p = rt_malloc(sizeof *p);
    rt_stream_options o = {.on_listen = periodic_start,
                           .on_pause = periodic_pause,
                           .on_resume = periodic_start,
                           .on_cancel = periodic_cancel,
                           .ctx = p};
    rt_stream *out = p ? rt_stream_controller_new(&o) : NULL;
    if (!out) {
        rt_free(p);
        return NULL;
    }
    *p = (periodic){NULL, period_ns > 0 ? period_ns : 1, out};
    rt__stream_set_destroy(out, periodic_destroy);
    return out;
}
