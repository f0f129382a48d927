/* ui_bind.c: futures and streams bound to an element. A binding sits in
 * its element's list; disposal detaches every one, so a late completion
 * finds no element and only frees the binding, and a stream's
 * subscription is cancelled. Bindings live on the isolate's heap. */
#include "ui_tree_private.h"

enum { BIND_FUTURE, BIND_STREAM };

struct ui_binding {
    ui_binding *next, **pprev; /* in e->bindings while attached */
    ui_element *e;             /* NULL once detached */
    int kind;
    ui_future_cb fn;
    void *ctx;
    rt_subscription *sub;
    ui_stream_cbs cbs;
};

static ui_binding *attach(ui_element *e, int kind)
{
    ui__check_live(e, kind == BIND_FUTURE ? "ui_bind_future" : "ui_bind_stream");
    ui_binding *b = rt_calloc(1, sizeof *b);
    if (!b) return NULL;
    b->e = e;
    b->kind = kind;
    b->next = e->bindings;
    if (b->next) b->next->pprev = &b->next;
    b->pprev = &e->bindings;
    e->bindings = b;
    return b;
}

static void unlink_binding(ui_binding *b)
{
    if (!b->e) return;
    *b->pprev = b->next;
    if (b->next) b->next->pprev = b->pprev;
    b->e = NULL;
}

/* The element, if it may still hear of its binding. */
static ui_element *target(ui_binding *b)
{
    return b->e && ui_element_mounted(b->e) ? b->e : NULL;
}

static void future_done(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    ui_binding *b = ctx;
    ui_element *e = target(b);
    unlink_binding(b);
    if (e) {
        b->fn(e, src, b->ctx);
        ui__mark_dirty(e);
    }
    rt_free(b);
}

/* The future was freed without completing: its callback never runs. */
static void future_dropped(void *ctx)
{
    ui_binding *b = ctx;
    unlink_binding(b);
    rt_free(b);
}

ui_binding *ui_bind_future(ui_element *e, rt_future *f, ui_future_cb fn, void *ctx)
{
    if (!f) return NULL;
    ui_binding *b = attach(e, BIND_FUTURE);
    if (!b) {
        rt_future_release(f);
        return NULL;
    }
    b->fn = fn;
    b->ctx = ctx;
    rt_future *chain = rt_future_then_ctx(f, future_done, future_done, b, future_dropped);
    if (!chain) return NULL; /* future_dropped freed the binding */
    rt_future_release(chain);
    return b;
}

static void stream_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    ui_binding *b = ctx;
    ui_element *e = target(b);
    if (!e) return;
    if (b->cbs.on_data) b->cbs.on_data(e, v, b->cbs.ctx);
    ui__mark_dirty(e);
}

static void stream_error(rt_subscription *sub, const rt_error *err, void *ctx)
{
    (void)sub;
    ui_binding *b = ctx;
    ui_element *e = target(b);
    if (!e) return;
    if (b->cbs.on_error) b->cbs.on_error(e, err, b->cbs.ctx);
    ui__mark_dirty(e);
}

static void stream_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    ui_binding *b = ctx;
    ui_element *e = target(b);
    unlink_binding(b);
    if (e) {
        if (b->cbs.on_done) b->cbs.on_done(e, b->cbs.ctx);
        ui__mark_dirty(e);
    }
    rt_free(b);
}

ui_binding *ui_bind_stream(ui_element *e, rt_stream *s, const ui_stream_cbs *cbs)
{
    ui_binding *b = attach(e, BIND_STREAM);
    if (!b) return NULL;
    b->cbs = *cbs;
    /* Errors go to the element; with no on_error they still count as handled. */
    rt_stream_handlers h = {stream_data, stream_error, stream_done, b, false};
    b->sub = rt_stream_listen(s, &h);
    if (!b->sub) {
        unlink_binding(b);
        rt_free(b);
        return NULL;
    }
    return b;
}

void ui_unbind(ui_binding *b)
{
    if (!b || !b->e) return;
    unlink_binding(b);
    if (b->kind == BIND_STREAM) {
        rt_future_release(rt_subscription_cancel(b->sub));
        rt_free(b);
    }
    /* A future binding is freed by its callback, which now finds no element,
     * or when its future is freed without completing. */
}

void ui__bindings_detach(ui_element *e)
{
    while (e->bindings)
        ui_unbind(e->bindings);
}
