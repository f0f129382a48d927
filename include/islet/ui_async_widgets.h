/* ui_async_widgets.h: FutureBuilder, StreamBuilder and StreamBuilderBase
 * (Flutter's async.dart).
 *
 * A builder widget shows the latest snapshot of its interaction with a future
 * or a stream: a connection state and either data or an error. Its builder
 * callback runs at each build with the current snapshot; a completion or an
 * event rebuilds it (through ui_bind_future / ui_bind_stream, so nothing
 * arrives after the element is gone).
 *
 * States, as Flutter's ConnectionState:
 *   none     no future/stream (NULL), or just disconnected from one;
 *   waiting  connected, nothing received yet;
 *   active   (streams) at least one event received, not done;
 *   done     the future completed, or the stream closed.
 * Data and error change only when a result arrives: a future's value or
 * error (state done), a stream's data or error event (state active; data
 * replaces the error and vice versa). A new future or stream in a later
 * build (compared by pointer) disconnects the old one (its late results are
 * ignored) and keeps the previous data or error: the snapshot goes to none,
 * then waiting (Flutter's inState). initial_data is read only when the
 * element is first built (Flutter ignores initialData when reconfiguring).
 * A null value (RT_NULL, or a future completed with NULL) is no data.
 *
 * Ownership: the element takes its own references (rt_future_dup,
 * rt_stream_dup) and copies (initial data and stream data with
 * rt_value_copy, stream errors), all released when it is disposed; callers
 * keep theirs. Everything here is main-isolate only, and the future or
 * stream must belong to the main isolate (results of other isolates arrive
 * as messages, e.g. through rt_compute).
 */
#ifndef UI_ASYNC_WIDGETS_H
#define UI_ASYNC_WIDGETS_H

#include <islet/rt_export.h>

#include <islet/ui_tree.h>

typedef enum { UI_CONN_NONE, UI_CONN_WAITING, UI_CONN_ACTIVE, UI_CONN_DONE } ui_conn_state;

/* A snapshot (Flutter's AsyncSnapshot). data, ptr and error are borrowed:
 * valid during the builder call only (copy what you keep). ptr is a
 * future's pointer outcome (rt_completer_complete_ptr); data and ptr are
 * never both set, and never set with error. */
typedef struct ui_snapshot {
    ui_conn_state state;
    const rt_value *data;
    void *ptr;
    const rt_error *error;
} ui_snapshot;

/* Flutter's AsyncSnapshot.nothing(), .waiting(), .withData(), .withError()
 * and inState(): plain values, nothing to free. */
static inline ui_snapshot ui_snapshot_nothing(void)
{
    return (ui_snapshot){UI_CONN_NONE, NULL, NULL, NULL};
}
static inline ui_snapshot ui_snapshot_waiting(void)
{
    return (ui_snapshot){UI_CONN_WAITING, NULL, NULL, NULL};
}
static inline ui_snapshot ui_snapshot_with_data(ui_conn_state state, const rt_value *data)
{
    return (ui_snapshot){state, data, NULL, NULL};
}
static inline ui_snapshot ui_snapshot_with_error(ui_conn_state state, const rt_error *error)
{
    return (ui_snapshot){state, NULL, NULL, error};
}
static inline ui_snapshot ui_snapshot_in_state(ui_snapshot s, ui_conn_state state)
{
    s.state = state;
    return s;
}
/* True when the snapshot holds data (a value or a pointer). */
static inline bool ui_snapshot_has_data(const ui_snapshot *s)
{
    return s->data != NULL || s->ptr != NULL;
}
static inline bool ui_snapshot_has_error(const ui_snapshot *s)
{
    return s->error != NULL;
}
/* Flutter's requireData: s->data (NULL for a pointer outcome: read s->ptr)
 * when it has data; otherwise aborts, printing the error's message, or
 * "Snapshot has neither data nor error". */
ISLET_API const rt_value *ui_snapshot_require_data(const ui_snapshot *s);
/* "none", "waiting", "active", "done". */
ISLET_API const char *ui_conn_state_name(ui_conn_state state);

/* Builds the child from the snapshot (s and what it points to are valid for
 * the call). e is the builder's element (for ui_alloc, ui_theme_of, ...). */
typedef ui_widget *(*ui_async_builder)(ui_build *b, ui_element *e, const ui_snapshot *s, void *ctx);

/* A FutureBuilder. future (may be NULL) is borrowed: the element dups it
 * when it subscribes. initial_data (may be NULL) is borrowed and copied at
 * the first build only. builder is called with ctx at every build. */
ISLET_API ui_widget *ui_future_builder(ui_build *b, ui_key key, rt_future *future,
                                       const rt_value *initial_data, ui_async_builder builder,
                                       void *ctx);
/* A StreamBuilder. stream (may be NULL) is borrowed: the element dups it and
 * listens until done, until a build gives another stream (the subscription
 * is cancelled), or until it is disposed (cancelled too). Each data event is
 * copied (rt_value_copy), each error too. A single-subscription stream can
 * be given to one builder only. initial_data and builder as above. */
ISLET_API ui_widget *ui_stream_builder(ui_build *b, ui_key key, rt_stream *stream,
                                       const rt_value *initial_data, ui_async_builder builder,
                                       void *ctx);

/* ---- StreamBuilderBase: a stream folded into a summary ----
 *
 * Flutter's StreamBuilderBase<T, S>: the element keeps a summary S of its
 * interaction with a stream, which each event folds (initial, afterData,
 * ...), and builds from it. A StreamBuilder is one such fold (its summary
 * is the snapshot). Here S is summary_size bytes in the element's state,
 * zeroed, then given to `initial`; each callback updates it in place
 * (Flutter's return value). The life of a summary, as Flutter's:
 *   first build:        initial; then, if there is a stream, after_connected
 *   data / error event: after_data / after_error      (then a rebuild)
 *   the stream closes:  after_done                    (then a rebuild)
 *   a build giving another stream (by pointer, NULL included): if it was
 *                       connected (done too), after_disconnected; then, for
 *                       a stream, after_connected
 *   disposal:           destroy (no after_disconnected, as Flutter)
 * A build giving another fold (by pointer) at the same element restarts:
 * the subscription is cancelled, the old summary destroyed (old fold, old
 * ctx), a new one made by the new fold (initial, after_connected) - as
 * Flutter, where another subclass is another widget with a new state (the
 * subtree, though, is updated in place here, not replaced).
 * Callbacks other than build may be NULL (Flutter's defaults: unchanged).
 * Each gets the ctx of the latest build's widget; ctx (and what it points
 * to) must stay valid until a later build gives another or the element is
 * disposed: callbacks run from stream events, between frames.
 * Everything runs on the main isolate. The element rebuilds after each
 * event's callback (no ui_set_state needed); build must not change the
 * summary. */
typedef struct ui_stream_fold {
    size_t summary_size; /* bytes (0 allowed); up to 64 live in the state */
    /* Fills the zeroed summary (Flutter's initial()). */
    void (*initial)(void *summary, void *ctx);
    void (*after_connected)(void *summary, void *ctx);
    /* data is borrowed for the call (copy what you keep); NULL or an
     * RT_NULL value for a null event. */
    void (*after_data)(void *summary, const rt_value *data, void *ctx);
    /* error (and its strings) is borrowed for the call. Also called, with
     * RT_ENOMEM, when the element cannot listen (then after_done). */
    void (*after_error)(void *summary, const rt_error *error, void *ctx);
    void (*after_done)(void *summary, void *ctx);
    void (*after_disconnected)(void *summary, void *ctx);
    /* Required. Builds the child from the summary (read-only here); e is the
     * element (for ui_alloc, ui_theme_of, ...). */
    ui_widget *(*build)(ui_build *b, ui_element *e, const void *summary, void *ctx);
    /* Frees what the summary owns (not the summary itself), once, when the
     * element is disposed or restarts with another fold. */
    void (*destroy)(void *summary, void *ctx);
} ui_stream_fold;

/* A StreamBuilderBase folding stream with fold. stream (may be NULL) is
 * borrowed: the element dups it and listens, as ui_stream_builder.
 * fold is borrowed and must outlive every element built with it (static
 * storage, typically); ctx as said above. A summary over 64 bytes is on the
 * isolate's heap; without memory for it the element builds nothing and
 * listens to nothing (a later build tries again). */
ISLET_API ui_widget *ui_stream_builder_base(ui_build *b, ui_key key, rt_stream *stream,
                                            const ui_stream_fold *fold, void *ctx);

/* The classes, for finders (ui_find_class). A StreamBuilder is a
 * StreamBuilderBase with a class of its own. */
ISLET_API extern const ui_widget_class ui_future_builder_class, ui_stream_builder_class,
    ui_stream_builder_base_class;

#endif
