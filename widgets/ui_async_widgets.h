/* ui_async_widgets.h: FutureBuilder and StreamBuilder (Flutter's async.dart).
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

#include "ui_tree.h"

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
const rt_value *ui_snapshot_require_data(const ui_snapshot *s);
/* "none", "waiting", "active", "done". */
const char *ui_conn_state_name(ui_conn_state state);

/* Builds the child from the snapshot (s and what it points to are valid for
 * the call). e is the builder's element (for ui_alloc, ui_theme_of, ...). */
typedef ui_widget *(*ui_async_builder)(ui_build *b, ui_element *e, const ui_snapshot *s, void *ctx);

/* A FutureBuilder. future (may be NULL) is borrowed: the element dups it
 * when it subscribes. initial_data (may be NULL) is borrowed and copied at
 * the first build only. builder is called with ctx at every build. */
ui_widget *ui_future_builder(ui_build *b, ui_key key, rt_future *future,
                             const rt_value *initial_data, ui_async_builder builder, void *ctx);
/* A StreamBuilder. stream (may be NULL) is borrowed: the element dups it and
 * listens until done, until a build gives another stream (the subscription
 * is cancelled), or until it is disposed (cancelled too). Each data event is
 * copied (rt_value_copy), each error too. A single-subscription stream can
 * be given to one builder only. initial_data and builder as above. */
ui_widget *ui_stream_builder(ui_build *b, ui_key key, rt_stream *stream,
                             const rt_value *initial_data, ui_async_builder builder, void *ctx);

/* The classes, for finders (ui_find_class). */
extern const ui_widget_class ui_future_builder_class, ui_stream_builder_class;

#endif
