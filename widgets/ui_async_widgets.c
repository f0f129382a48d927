/* ui_async_widgets.c: FutureBuilder, StreamBuilderBase and StreamBuilder,
 * as Flutter's _FutureBuilderState, _StreamBuilderBaseState and
 * StreamBuilder (a StreamBuilderBase whose summary is the snapshot). */
#include <islet/ui_async_widgets.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The snapshot's pieces: a FutureBuilder's state holds them, and they are
 * a StreamBuilder's summary. The snapshot shows `result` (a completed
 * future, held) when set, else `data` / `err` (owned copies). */
typedef struct snap_state {
    ui_conn_state conn;
    bool has_err;
    rt_future *result;
    rt_value *data;
    rt_error err;
    char *err_buf; /* the copied strings err points into, or NULL */
} snap_state;

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

static void clear_error(snap_state *st)
{
    rt_free(st->err_buf);
    st->err_buf = NULL;
    st->has_err = false;
    st->err = (rt_error){0};
}

/* Drops data and error: a new result comes in. */
static void clear_outcome(snap_state *st)
{
    if (st->result) rt_future_release(st->result);
    st->result = NULL;
    rt_value_free(st->data);
    st->data = NULL;
    clear_error(st);
}

static void set_error_copy(snap_state *st, const rt_error *err)
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

static void set_data_copy(snap_state *st, const rt_value *v)
{
    clear_outcome(st);
    bool failed;
    st->data = copy_data(v, &failed);
    if (failed) set_error_copy(st, &oom_error);
}

static ui_snapshot snapshot_of(const snap_state *st)
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

/* ---- FutureBuilder ---- */

/* What a FutureBuilder carries. future is borrowed from the caller for the
 * frame; initial is read at mount only. */
typedef struct future_props {
    rt_future *future;
    const rt_value *initial;
    ui_async_builder builder;
    void *ctx;
} future_props;

/* Its state: the snapshot, and the future subscribed to (held; NULL for
 * none: Flutter's _activeCallbackIdentity being non-null). */
typedef struct future_state {
    snap_state snap;
    rt_future *future;
    ui_binding *binding; /* live binding, NULL once it ended by itself */
} future_state;

static void future_done(ui_element *e, rt_future *f, void *ctx)
{
    (void)ctx;
    future_state *st = ui_state(e);
    st->binding = NULL;          /* gone by itself once this returns */
    if (f != st->future) return; /* a stale completion (cannot happen: unbound) */
    clear_outcome(&st->snap);
    st->snap.result = rt_future_dup(f);
    st->snap.conn = UI_CONN_DONE; /* the binding rebuilds e */
}

static void future_subscribe(ui_element *e)
{
    future_state *st = ui_state(e);
    const future_props *p = ui_props(e);
    if (!p->future) return;
    st->future = rt_future_dup(p->future);
    st->binding = ui_bind_future(e, rt_future_dup(st->future), future_done, NULL);
    if (!st->binding) {
        set_error_copy(&st->snap, &oom_error);
        st->snap.conn = UI_CONN_DONE;
        return;
    }
    /* As Flutter: a completion that already ran is not overwritten. */
    if (st->snap.conn != UI_CONN_DONE) st->snap.conn = UI_CONN_WAITING;
}

static void future_unsubscribe(future_state *st)
{
    if (st->binding) ui_unbind(st->binding);
    st->binding = NULL;
    if (st->future) rt_future_release(st->future);
    st->future = NULL;
}

/* Flutter's initial snapshot: none, with the initial data if any. */
static void future_init(ui_element *e)
{
    future_state *st = ui_state(e);
    const future_props *p = ui_props(e);
    st->snap.conn = UI_CONN_NONE;
    set_data_copy(&st->snap, p->initial);
    future_subscribe(e);
}

static void future_update(ui_element *e, const void *old_props)
{
    (void)old_props; /* st->future is the old widget's future, held */
    future_state *st = ui_state(e);
    const future_props *p = ui_props(e);
    if (p->future == st->future) return;
    if (st->future) {
        future_unsubscribe(st);
        st->snap.conn = UI_CONN_NONE;
    }
    future_subscribe(e);
}

static ui_widget *future_build(ui_build *b, ui_element *e)
{
    const future_props *p = ui_props(e);
    ui_snapshot s = snapshot_of(&((future_state *)ui_state(e))->snap);
    /* cppcheck-suppress returnDanglingLifetime ; the builder only reads s during the call */
    return p->builder(b, e, &s, p->ctx);
}

static void future_dispose(ui_element *e)
{
    future_state *st = ui_state(e);
    future_unsubscribe(st);
    clear_outcome(&st->snap);
}

const ui_widget_class ui_future_builder_class = {.name = "FutureBuilder",
                                                 .props_size = sizeof(future_props),
                                                 .state_size = sizeof(future_state),
                                                 .init_state = future_init,
                                                 .did_update_widget = future_update,
                                                 .dispose = future_dispose,
                                                 .build = future_build};

/* ---- StreamBuilderBase ---- */

/* What a StreamBuilderBase carries (first in a StreamBuilder's props too).
 * stream is borrowed from the caller for the frame. */
typedef struct fold_props {
    rt_stream *stream;
    const ui_stream_fold *fold;
    void *ctx;
} fold_props;

/* Summaries up to this size live in the state itself. */
enum { FOLD_INLINE = 64 };

/* Its state (Flutter's _StreamBuilderBaseState): the summary and the
 * stream subscribed to (held; non-NULL from subscribing until the stream
 * changes, done included: Flutter's _subscription). */
typedef struct fold_state {
    const ui_stream_fold *fold; /* the fold that made the summary */
    bool has_summary;           /* false: out of memory for it */
    void *heap;                 /* the summary when over FOLD_INLINE, else NULL */
    rt_stream *stream;
    ui_binding *binding; /* live binding, NULL once done came */
    union {
        max_align_t align;
        unsigned char bytes[FOLD_INLINE];
    } inl;
} fold_state;

static void *summary_of(fold_state *st)
{
    return st->heap ? st->heap : st->inl.bytes;
}

/* A zeroed summary for fold, then its initial(). */
static void summary_make(fold_state *st, const ui_stream_fold *fold, void *ctx)
{
    st->fold = fold;
    memset(st->inl.bytes, 0, sizeof st->inl.bytes);
    st->heap = NULL;
    if (fold->summary_size > FOLD_INLINE && !(st->heap = rt_calloc(1, fold->summary_size))) {
        st->has_summary = false;
        return;
    }
    st->has_summary = true;
    if (fold->initial) fold->initial(summary_of(st), ctx);
}

static void summary_drop(fold_state *st, void *ctx)
{
    if (st->has_summary && st->fold->destroy) st->fold->destroy(summary_of(st), ctx);
    rt_free(st->heap);
    st->heap = NULL;
    st->has_summary = false;
}

static void fold_data(ui_element *e, const rt_value *v, void *ctx)
{
    (void)ctx;
    fold_state *st = ui_state(e);
    const fold_props *p = ui_props(e);
    if (st->fold->after_data) st->fold->after_data(summary_of(st), v, p->ctx);
}

static void fold_error(ui_element *e, const rt_error *err, void *ctx)
{
    (void)ctx;
    fold_state *st = ui_state(e);
    const fold_props *p = ui_props(e);
    if (st->fold->after_error) st->fold->after_error(summary_of(st), err, p->ctx);
}

static void fold_done(ui_element *e, void *ctx)
{
    (void)ctx;
    fold_state *st = ui_state(e);
    const fold_props *p = ui_props(e);
    st->binding = NULL; /* gone by itself after done; st->stream stays */
    if (st->fold->after_done) st->fold->after_done(summary_of(st), p->ctx);
}

static const ui_stream_cbs fold_cbs = {
    .on_data = fold_data, .on_error = fold_error, .on_done = fold_done};

/* Flutter's _subscribe: listen, then afterConnected. */
static void fold_subscribe(ui_element *e)
{
    fold_state *st = ui_state(e);
    const fold_props *p = ui_props(e);
    if (!p->stream || !st->has_summary) return;
    const ui_stream_fold *f = st->fold;
    void *sum = summary_of(st);
    st->stream = rt_stream_dup(p->stream);
    st->binding = ui_bind_stream(e, st->stream, &fold_cbs);
    if (f->after_connected) f->after_connected(sum, p->ctx);
    if (!st->binding) {
        if (f->after_error) f->after_error(sum, &oom_error, p->ctx);
        if (f->after_done) f->after_done(sum, p->ctx);
    }
}

/* Flutter's _unsubscribe (cancels the subscription). */
static void fold_unsubscribe(fold_state *st)
{
    if (st->binding) ui_unbind(st->binding);
    st->binding = NULL;
    if (st->stream) rt_stream_release(st->stream);
    st->stream = NULL;
}

static void fold_init(ui_element *e)
{
    const fold_props *p = ui_props(e);
    summary_make(ui_state(e), p->fold, p->ctx);
    fold_subscribe(e);
}

static void fold_update(ui_element *e, const void *old_props)
{
    fold_state *st = ui_state(e);
    const fold_props *p = ui_props(e), *old = old_props;
    if (p->fold != st->fold || !st->has_summary) {
        /* Another fold (or a summary still to make): a new state, as a new
         * Flutter widget type would get. */
        fold_unsubscribe(st);
        summary_drop(st, old->ctx);
        fold_init(e);
        return;
    }
    if (p->stream == st->stream) return;
    if (st->stream) {
        fold_unsubscribe(st);
        if (st->fold->after_disconnected) st->fold->after_disconnected(summary_of(st), p->ctx);
    }
    fold_subscribe(e);
}

static ui_widget *fold_build(ui_build *b, ui_element *e)
{
    fold_state *st = ui_state(e);
    const fold_props *p = ui_props(e);
    if (!st->has_summary) return NULL;
    return st->fold->build(b, e, summary_of(st), p->ctx);
}

static void fold_dispose(ui_element *e)
{
    fold_state *st = ui_state(e);
    fold_unsubscribe(st);
    summary_drop(st, ((const fold_props *)ui_props(e))->ctx);
}

const ui_widget_class ui_stream_builder_base_class = {.name = "StreamBuilderBase",
                                                      .props_size = sizeof(fold_props),
                                                      .state_size = sizeof(fold_state),
                                                      .init_state = fold_init,
                                                      .did_update_widget = fold_update,
                                                      .dispose = fold_dispose,
                                                      .build = fold_build};

/* ---- StreamBuilder: the fold whose summary is the snapshot ----
 * Its fold_props.ctx is the widget's initial data (read by initial() only,
 * at the first build, while the widget's frame lives); the builder and its
 * ctx follow in the props, where build finds them. */

typedef struct stream_builder_props {
    fold_props base; /* first: the fold engine reads it */
    ui_async_builder builder;
    void *builder_ctx;
} stream_builder_props;

_Static_assert(sizeof(snap_state) <= FOLD_INLINE, "a StreamBuilder's summary lives inline");

static void snap_initial(void *summary, void *ctx)
{
    snap_state *st = summary;
    st->conn = UI_CONN_NONE;
    set_data_copy(st, ctx); /* initialData, or NULL */
}

static void snap_connected(void *summary, void *ctx)
{
    (void)ctx;
    ((snap_state *)summary)->conn = UI_CONN_WAITING; /* inState(waiting) */
}

static void snap_data(void *summary, const rt_value *v, void *ctx)
{
    (void)ctx;
    snap_state *st = summary;
    set_data_copy(st, v); /* v is borrowed for this call only */
    st->conn = UI_CONN_ACTIVE;
}

static void snap_error(void *summary, const rt_error *err, void *ctx)
{
    (void)ctx;
    snap_state *st = summary;
    clear_outcome(st);
    set_error_copy(st, err);
    st->conn = UI_CONN_ACTIVE;
}

static void snap_done(void *summary, void *ctx)
{
    (void)ctx;
    ((snap_state *)summary)->conn = UI_CONN_DONE;
}

static void snap_disconnected(void *summary, void *ctx)
{
    (void)ctx;
    ((snap_state *)summary)->conn = UI_CONN_NONE; /* inState(none) */
}

static ui_widget *snap_build(ui_build *b, ui_element *e, const void *summary, void *ctx)
{
    (void)ctx;
    const stream_builder_props *p = ui_props(e);
    ui_snapshot s = snapshot_of(summary);
    /* cppcheck-suppress returnDanglingLifetime ; the builder only reads s during the call */
    return p->builder(b, e, &s, p->builder_ctx);
}

static void snap_destroy(void *summary, void *ctx)
{
    (void)ctx;
    clear_outcome(summary);
}

static const ui_stream_fold snapshot_fold = {.summary_size = sizeof(snap_state),
                                             .initial = snap_initial,
                                             .after_connected = snap_connected,
                                             .after_data = snap_data,
                                             .after_error = snap_error,
                                             .after_done = snap_done,
                                             .after_disconnected = snap_disconnected,
                                             .build = snap_build,
                                             .destroy = snap_destroy};

const ui_widget_class ui_stream_builder_class = {.name = "StreamBuilder",
                                                 .props_size = sizeof(stream_builder_props),
                                                 .state_size = sizeof(fold_state),
                                                 .init_state = fold_init,
                                                 .did_update_widget = fold_update,
                                                 .dispose = fold_dispose,
                                                 .build = fold_build};

/* ---- Constructors ---- */

static void require(bool ok, const char *cls, const char *what)
{
    if (ok) return;
    fprintf(stderr, "islet: %s: %s is required\n", cls, what);
    abort();
}

ui_widget *ui_future_builder(ui_build *b, ui_key key, rt_future *future,
                             const rt_value *initial_data, ui_async_builder builder, void *ctx)
{
    require(builder, "FutureBuilder", "builder");
    future_props p = {future, initial_data, builder, ctx};
    return ui_widget_new(b, &ui_future_builder_class, key, &p, NULL, 0);
}

ui_widget *ui_stream_builder_base(ui_build *b, ui_key key, rt_stream *stream,
                                  const ui_stream_fold *fold, void *ctx)
{
    require(fold && fold->build, "StreamBuilderBase", "fold->build");
    fold_props p = {stream, fold, ctx};
    return ui_widget_new(b, &ui_stream_builder_base_class, key, &p, NULL, 0);
}

ui_widget *ui_stream_builder(ui_build *b, ui_key key, rt_stream *stream,
                             const rt_value *initial_data, ui_async_builder builder, void *ctx)
{
    require(builder, "StreamBuilder", "builder");
    stream_builder_props p = {{stream, &snapshot_fold, (void *)initial_data}, builder, ctx};
    return ui_widget_new(b, &ui_stream_builder_class, key, &p, NULL, 0);
}
