/* ui_async_widgets.c: FutureBuilder and StreamBuilder, as Flutter's
 * _FutureBuilderState and StreamBuilder (StreamBuilderBase's state). */
#include "ui_async_widgets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a builder widget carries. source is the future or the stream,
 * borrowed from the caller for the frame; initial is read at mount only. */
typedef struct async_props {
    void *source;
    const rt_value *initial;
    ui_async_builder builder;
    void *ctx;
} async_props;

/* The element's state: the snapshot's pieces, and what it is connected to.
 * The snapshot shows `result` (a completed future, held) when set, else
 * `data` / `err` (owned copies). */
typedef struct async_state {
    ui_conn_state conn;
    rt_future *result;
    rt_value *data;
    rt_error err;
    bool has_err;
    char *err_buf; /* the copied strings err points into, or NULL */
    /* The future or stream subscribed to (held), NULL for none: Flutter's
     * _activeCallbackIdentity / _subscription being non-null. */
    rt_future *future;
    rt_stream *stream;
    ui_binding *binding; /* live binding, NULL once it ended by itself */
} async_state;

static const rt_error oom_error = {RT_ENOMEM, "ui", "out of memory"};

const char *ui_conn_state_name(ui_conn_state state)
{
    switch (state) {
    case UI_CONN_NONE:
        return "none";
    case UI_CONN_WAITING:
        return "waiting";
    case UI_CONN_ACTIVE:
        return "active";
    case UI_CONN_DONE:
        return "done";
    }
    return "?";
}

const rt_value *ui_snapshot_require_data(const ui_snapshot *s)
{
    if (ui_snapshot_has_data(s)) return s->data;
    if (ui_snapshot_has_error(s))
        fprintf(stderr, "islet: ui_snapshot_require_data: the snapshot has an error: %s\n",
                s->error->message ? s->error->message : "(no message)");
    else
        fprintf(stderr, "islet: ui_snapshot_require_data: Snapshot has neither data nor error\n");
    abort();
}

/* ---- The snapshot's data and error ---- */

static void clear_error(async_state *st)
{
    rt_free(st->err_buf);
    st->err_buf = NULL;
    st->has_err = false;
    st->err = (rt_error){0};
}

/* Drops data and error: a new result comes in. */
static void clear_outcome(async_state *st)
{
    if (st->result) rt_future_release(st->result);
    st->result = NULL;
    rt_value_free(st->data);
    st->data = NULL;
    clear_error(st);
}

static void set_error_copy(async_state *st, const rt_error *err)
{
    clear_error(st);
    const char *dom = err->domain ? err->domain : "";
    const char *msg = err->message ? err->message : "";
    size_t nd = strlen(dom) + 1, nm = strlen(msg) + 1;
    st->has_err = true;
    st->err_buf = rt_malloc(nd + nm);
    if (!st->err_buf) {
        st->err = oom_error;
        return;
    }
    memcpy(st->err_buf, dom, nd);
    memcpy(st->err_buf + nd, msg, nm);
    st->err = (rt_error){err->code, st->err_buf, st->err_buf + nd};
}

/* A copy of v, NULL for no data (NULL or an RT_NULL value); on failure
 * *failed is set. */
static rt_value *copy_data(const rt_value *v, bool *failed)
{
    *failed = false;
    if (!v || rt_value_kind_of(v) == RT_NULL) return NULL;
    int err = 0;
    rt_value *c = rt_value_copy(v, &err);
    if (!c) *failed = true;
    return c;
}

static void set_data_copy(async_state *st, const rt_value *v)
{
    clear_outcome(st);
    bool failed;
    st->data = copy_data(v, &failed);
    if (failed) set_error_copy(st, &oom_error);
}

static ui_snapshot snapshot_of(const async_state *st)
{
    ui_snapshot s = {.state = st->conn};
    if (st->result) {
        if (rt_future_is_error(st->result)) {
            s.error = rt_future_get_error(st->result);
        } else {
            s.data = rt_future_get_value(st->result);
            if (s.data && rt_value_kind_of(s.data) == RT_NULL) s.data = NULL;
            s.ptr = rt_future_get_ptr(st->result);
        }
    } else {
        s.data = st->data;
        s.error = st->has_err ? &st->err : NULL;
    }
    return s;
}

/* Flutter's initial snapshot: none, with the initial data if any. */
static void async_init(ui_element *e)
{
    async_state *st = ui_state(e);
    const async_props *p = ui_props(e);
    st->conn = UI_CONN_NONE;
    set_data_copy(st, p->initial);
}

static ui_widget *async_build(ui_build *b, ui_element *e)
{
    const async_props *p = ui_props(e);
    ui_snapshot s = snapshot_of(ui_state(e));
    return p->builder(b, e, &s, p->ctx);
}

static void async_dispose(ui_element *e)
{
    async_state *st = ui_state(e);
    /* The binding is detached by the framework when e is disposed (the
     * stream's subscription cancelled); only our own references go here. */
    st->binding = NULL;
    clear_outcome(st);
    if (st->future) rt_future_release(st->future);
    st->future = NULL;
    if (st->stream) rt_stream_release(st->stream);
    st->stream = NULL;
}

/* ---- FutureBuilder ---- */

static void future_done(ui_element *e, rt_future *f, void *ctx)
{
    (void)ctx;
    async_state *st = ui_state(e);
    st->binding = NULL;          /* gone by itself once this returns */
    if (f != st->future) return; /* a stale completion (cannot happen: unbound) */
    clear_outcome(st);
    st->result = rt_future_dup(f);
    st->conn = UI_CONN_DONE; /* the binding rebuilds e */
}

static void future_subscribe(ui_element *e)
{
    async_state *st = ui_state(e);
    const async_props *p = ui_props(e);
    if (!p->source) return;
    st->future = rt_future_dup(p->source);
    st->binding = ui_bind_future(e, rt_future_dup(st->future), future_done, NULL);
    if (!st->binding) {
        set_error_copy(st, &oom_error);
        st->conn = UI_CONN_DONE;
        return;
    }
    /* As Flutter: a completion that already ran is not overwritten. */
    if (st->conn != UI_CONN_DONE) st->conn = UI_CONN_WAITING;
}

static void future_unsubscribe(async_state *st)
{
    if (st->binding) ui_unbind(st->binding);
    st->binding = NULL;
    if (st->future) rt_future_release(st->future);
    st->future = NULL;
}

static void future_init(ui_element *e)
{
    async_init(e);
    future_subscribe(e);
}

static void future_update(ui_element *e, const void *old_props)
{
    (void)old_props; /* st->future is the old widget's future, held */
    async_state *st = ui_state(e);
    const async_props *p = ui_props(e);
    if (p->source == (void *)st->future) return;
    if (st->future) {
        future_unsubscribe(st);
        st->conn = UI_CONN_NONE;
    }
    future_subscribe(e);
}

const ui_widget_class ui_future_builder_class = {.name = "FutureBuilder",
                                                 .props_size = sizeof(async_props),
                                                 .state_size = sizeof(async_state),
                                                 .init_state = future_init,
                                                 .did_update_widget = future_update,
                                                 .dispose = async_dispose,
                                                 .build = async_build};

/* ---- StreamBuilder ---- */

static void stream_data(ui_element *e, const rt_value *v, void *ctx)
{
    (void)ctx;
    async_state *st = ui_state(e);
    set_data_copy(st, v); /* v is borrowed for this call only */
    st->conn = UI_CONN_ACTIVE;
}

static void stream_error(ui_element *e, const rt_error *err, void *ctx)
{
    (void)ctx;
    async_state *st = ui_state(e);
    clear_outcome(st);
    set_error_copy(st, err);
    st->conn = UI_CONN_ACTIVE;
}

static void stream_done(ui_element *e, void *ctx)
{
    (void)ctx;
    async_state *st = ui_state(e);
    st->binding = NULL; /* gone by itself after done */
    st->conn = UI_CONN_DONE;
}

static const ui_stream_cbs stream_cbs = {
    .on_data = stream_data, .on_error = stream_error, .on_done = stream_done};

static void stream_subscribe(ui_element *e)
{
    async_state *st = ui_state(e);
    const async_props *p = ui_props(e);
    if (!p->source) return;
    st->stream = rt_stream_dup(p->source);
    st->conn = UI_CONN_WAITING; /* afterConnected: inState(waiting) */
    st->binding = ui_bind_stream(e, st->stream, &stream_cbs);
    if (!st->binding) {
        set_error_copy(st, &oom_error);
        st->conn = UI_CONN_DONE;
    }
}

static void stream_init(ui_element *e)
{
    async_init(e);
    stream_subscribe(e);
}

static void stream_update(ui_element *e, const void *old_props)
{
    (void)old_props;
    async_state *st = ui_state(e);
    const async_props *p = ui_props(e);
    if (p->source == (void *)st->stream) return;
    if (st->stream) {
        if (st->binding) ui_unbind(st->binding); /* cancels the subscription */
        st->binding = NULL;
        rt_stream_release(st->stream);
        st->stream = NULL;
        st->conn = UI_CONN_NONE; /* afterDisconnected: inState(none) */
    }
    stream_subscribe(e);
}

const ui_widget_class ui_stream_builder_class = {.name = "StreamBuilder",
                                                 .props_size = sizeof(async_props),
                                                 .state_size = sizeof(async_state),
                                                 .init_state = stream_init,
                                                 .did_update_widget = stream_update,
                                                 .dispose = async_dispose,
                                                 .build = async_build};

/* ---- Constructors ---- */

static ui_widget *async_widget(ui_build *b, const ui_widget_class *cls, ui_key key, void *source,
                               const rt_value *initial_data, ui_async_builder builder, void *ctx)
{
    if (!builder) {
        fprintf(stderr, "islet: %s: builder is required\n", cls->name);
        abort();
    }
    async_props p = {source, initial_data, builder, ctx};
    return ui_widget_new(b, cls, key, &p, NULL, 0);
}

ui_widget *ui_future_builder(ui_build *b, ui_key key, rt_future *future,
                             const rt_value *initial_data, ui_async_builder builder, void *ctx)
{
    return async_widget(b, &ui_future_builder_class, key, future, initial_data, builder, ctx);
}

ui_widget *ui_stream_builder(ui_build *b, ui_key key, rt_stream *stream,
                             const rt_value *initial_data, ui_async_builder builder, void *ctx)
{
    return async_widget(b, &ui_stream_builder_class, key, stream, initial_data, builder, ctx);
}
