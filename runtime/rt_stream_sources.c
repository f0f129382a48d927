/* rt_stream_sources.c: the stream sources of rt_stream_ops.h (a receive
 * port, periodic, from values and lists, value, error, empty, a future). */
#include "rt_stream_ops_private.h"

#include <stdarg.h>
#include <stdio.h>

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
        rt_stream_add_error(p->out, RT_ENOMEM, OPS_DOMAIN, "periodic timer: out of memory");
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
    rt_error e = {code, domain ? domain : OPS_DOMAIN, msg};
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
