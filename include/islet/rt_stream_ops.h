/* rt_stream_ops.h: stream sources, reductions, transforms and the stream
 * iterator (Dart's Stream methods), built on the controllers and
 * subscriptions of rt_stream.h.
 *
 * Ownership: sources return a new stream reference. Transforms and
 * reductions CONSUME the stream passed in (dup first to keep one); a
 * transform returns a stream of the same kind (broadcast or not), a
 * reduction a new future reference. Callbacks get borrowed values and
 * return new ones (taken; NULL means null). Given a NULL stream, every
 * function returns NULL; out of memory, NULL or an RT_ENOMEM error. C
 * callbacks cannot throw: to fail, use async_map (an error future) or a
 * handlers transform (rt_sink_add_error). Everything belongs to one
 * isolate and is not thread-safe. Included by rt_stream.h.
 */
#ifndef RT_STREAM_OPS_H
#define RT_STREAM_OPS_H

#include <islet/rt_export.h>

#include <islet/rt_stream.h>

typedef rt_value *(*rt_map_fn)(const rt_value *value, void *ctx);
typedef bool (*rt_where_fn)(const rt_value *value, void *ctx);

/* ---- Sources (each returns a new reference) ---- */

/* A single-subscription stream of vs[0..n) (the values are taken, the array
 * stays the caller's; NULL items mean null), then done. Out of memory, the
 * values are freed and NULL returned. */
ISLET_API rt_stream *rt_stream_from_values(rt_value **vs, size_t n);
/* The same for the items of an RT_LIST value (copied; the list stays the
 * caller's). NULL for anything but a list. */
ISLET_API rt_stream *rt_stream_from_list(const rt_value *list);
/* Dart's Stream.value: one data event (value taken), then done. */
ISLET_API rt_stream *rt_stream_value(rt_value *value);
/* Dart's Stream.error: one error event, then done. */
ISLET_API rt_stream *rt_stream_error(int code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Dart's Stream.empty: a broadcast stream that is done as soon as listened. */
ISLET_API rt_stream *rt_stream_empty(void);
/* Dart's Future.asStream: f's value or error, then done (f consumed). */
ISLET_API rt_stream *rt_future_as_stream(rt_future *f);
/* Messages arriving on `port` as a single-subscription stream (the stream
 * takes the port over: cancelling the subscription closes the port). */
ISLET_API rt_stream *rt_receive_port_stream(rt_receive_port *port);
/* Dart's Stream.periodic: every period_ns while listened to and not paused
 * (a resume waits out the rest of the interrupted period), fn(tick, ctx)'s
 * value, tick counting events from 0; fn NULL: null. */
typedef rt_value *(*rt_periodic_fn)(int64_t tick, void *ctx);
ISLET_API rt_stream *rt_stream_periodic_with(int64_t period_ns, rt_periodic_fn fn, void *ctx);
/* Ticks 1, 2, 3, ... every period_ns while listened to and not paused. */
ISLET_API rt_stream *rt_stream_periodic(int64_t period_ns);

/* ---- Reductions (consume s; return a new future reference) ----
 * Each listens with cancel_on_error: the first error event fails the
 * future. Once a reduction has its answer early it cancels the
 * subscription and completes after the cancel future, as Dart does. A
 * missing element is RT_ESTATE "No element"; a second one for single,
 * RT_ESTATE "Too many elements". */
ISLET_API rt_future *rt_stream_first(rt_stream *s);
ISLET_API rt_future *rt_stream_last(rt_stream *s);
ISLET_API rt_future *rt_stream_single(rt_stream *s);
/* RT_EINVAL (Dart's RangeError) for index < 0 or past the end. */
ISLET_API rt_future *rt_stream_element_at(rt_stream *s, int64_t index);
/* The value when no element matched; NULL or_else: RT_ESTATE "No element". */
typedef rt_value *(*rt_or_else_fn)(void *ctx);
ISLET_API rt_future *rt_stream_first_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else,
                                           void *ctx);
ISLET_API rt_future *rt_stream_last_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else,
                                          void *ctx);
ISLET_API rt_future *rt_stream_single_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else,
                                            void *ctx);
/* Returns the new accumulator (taken); acc is borrowed. */
typedef rt_value *(*rt_fold_fn)(const rt_value *acc, const rt_value *value, void *ctx);
/* fold: initial (taken) combined with each value. reduce: the first value
 * combined with the rest; RT_ESTATE "No element" on an empty stream. */
ISLET_API rt_future *rt_stream_fold(rt_stream *s, rt_value *initial, rt_fold_fn fn, void *ctx);
ISLET_API rt_future *rt_stream_reduce(rt_stream *s, rt_fold_fn fn, void *ctx);
typedef void (*rt_each_fn)(const rt_value *value, void *ctx);
/* Completes with null after fn ran on every value. */
ISLET_API rt_future *rt_stream_for_each(rt_stream *s, rt_each_fn fn, void *ctx);
/* Discards the data; completes with `value` (taken) on done. */
ISLET_API rt_future *rt_stream_drain(rt_stream *s, rt_value *value);
/* An RT_LIST value of copies of the data, in order. */
ISLET_API rt_future *rt_stream_to_list(rt_stream *s);
/* Bool futures. contains: a value deeply equal to needle (borrowed; copied). */
ISLET_API rt_future *rt_stream_contains(rt_stream *s, const rt_value *needle);
ISLET_API rt_future *rt_stream_every(rt_stream *s, rt_where_fn test, void *ctx);
ISLET_API rt_future *rt_stream_any(rt_stream *s, rt_where_fn test, void *ctx);
ISLET_API rt_future *rt_stream_is_empty(rt_stream *s);
/* An int future: the number of data events. */
ISLET_API rt_future *rt_stream_length(rt_stream *s);
/* A string future: the values as Dart's toString renders them (strings as
 * they are; ints, doubles, bools, null, lists and maps as Dart prints
 * them), separated by `separator` (copied; NULL: ""). */
ISLET_API rt_future *rt_stream_join(rt_stream *s, const char *separator);

/* ---- Transforms (consume s; same kind out) ----
 * Each is a sync controller fed by a subscription to s, made when the
 * first listener comes; pause, resume and cancel go through to s, and a
 * cancel waits for s's cancel future. */
ISLET_API rt_stream *rt_stream_map(rt_stream *s, rt_map_fn fn, void *ctx);
ISLET_API rt_stream *rt_stream_where(rt_stream *s, rt_where_fn fn, void *ctx);
/* take cancels s once it has its n values (or at once for 0). */
ISLET_API rt_stream *rt_stream_take(rt_stream *s, size_t n);
ISLET_API rt_stream *rt_stream_skip(rt_stream *s, size_t n);
ISLET_API rt_stream *rt_stream_take_while(rt_stream *s, rt_where_fn fn, void *ctx);
ISLET_API rt_stream *rt_stream_skip_while(rt_stream *s, rt_where_fn fn, void *ctx);
/* fn returns an RT_LIST value (taken) whose items are emitted in order; NULL
 * or a non-list gives an RT_EINVAL error event. */
ISLET_API rt_stream *rt_stream_expand(rt_stream *s, rt_map_fn fn, void *ctx);
/* fn returns a future (taken) whose value is emitted (its error as an error
 * event); s stays paused meanwhile, so order is kept. NULL: RT_ENOMEM. */
typedef rt_future *(*rt_async_map_fn)(const rt_value *value, void *ctx);
ISLET_API rt_stream *rt_stream_async_map(rt_stream *s, rt_async_map_fn fn, void *ctx);
/* fn returns a stream (taken; NULL: nothing) whose events are forwarded
 * until it is done; s stays paused meanwhile. */
typedef rt_stream *(*rt_async_expand_fn)(const rt_value *value, void *ctx);
ISLET_API rt_stream *rt_stream_async_expand(rt_stream *s, rt_async_expand_fn fn, void *ctx);
/* Drops a data event equal to the last one emitted: equals(previous, value,
 * ctx), or deep equality (rt_value_equal) when equals is NULL. */
typedef bool (*rt_equals_fn)(const rt_value *previous, const rt_value *value, void *ctx);
ISLET_API rt_stream *rt_stream_distinct(rt_stream *s, rt_equals_fn equals, void *ctx);
/* Errors that pass test (NULL: all) go to fn, which returns a value to emit
 * instead, or NULL to drop the error (fn NULL: drop); others pass on. */
typedef rt_value *(*rt_handle_error_fn)(const rt_error *error, void *ctx);
typedef bool (*rt_error_test_fn)(const rt_error *error, void *ctx);
ISLET_API rt_stream *rt_stream_handle_error(rt_stream *s, rt_handle_error_fn fn,
                                            rt_error_test_fn test, void *ctx);
/* Dart's Stream.timeout: when no event comes within limit_ns of the listen
 * or of the last event (time paused not counted), on_timeout(sink, ctx)
 * runs with the output's sink (valid during the call; closing it cancels
 * s), or, on_timeout NULL, an RT_ETIMEOUT error event is added. */
typedef void (*rt_timeout_fn)(rt_event_sink *sink, void *ctx);
ISLET_API rt_stream *rt_stream_timeout(rt_stream *s, int64_t limit_ns, rt_timeout_fn on_timeout,
                                       void *ctx);
/* A broadcast stream fed by one subscription to s, made when the first
 * listener comes and cancelled when the last leaves. */
ISLET_API rt_stream *rt_stream_as_broadcast(rt_stream *s);
/* Dart's Stream.transform: bind(s, ctx) (s consumed by bind). */
typedef rt_stream *(*rt_bind_fn)(rt_stream *s, void *ctx);
ISLET_API rt_stream *rt_stream_transform(rt_stream *s, rt_bind_fn bind, void *ctx);
/* Dart's StreamTransformer.fromHandlers: each handler gets the output's sink
 * (borrowed, valid while the stream lives); a NULL handler forwards the
 * event (data copied, error, close). Closing the sink cancels s. */
typedef struct rt_transformer_handlers {
    void (*handle_data)(const rt_value *value, rt_event_sink *sink, void *ctx);
    void (*handle_error)(const rt_error *error, rt_event_sink *sink, void *ctx);
    void (*handle_done)(rt_event_sink *sink, void *ctx);
    void *ctx;
} rt_transformer_handlers;
ISLET_API rt_stream *rt_stream_transform_handlers(rt_stream *s, const rt_transformer_handlers *h);
/* The events of ss[0..n) (all consumed) as they come; done when all are
 * done; pause, resume and cancel go to all. Broadcast when all are. */
ISLET_API rt_stream *rt_stream_merge(rt_stream **ss, size_t n);

/* ---- Stream iterator (Dart's StreamIterator) ----
 * Pulls one value at a time: the subscription is paused between values.
 * The iterator owns s (consumed) and is freed with rt_stream_iterator_free
 * (which cancels what still runs); its futures are new references. */
typedef struct rt_stream_iterator rt_stream_iterator;
ISLET_API rt_stream_iterator *rt_stream_iterator_new(rt_stream *s);
/* A bool future: true with a value in current, false when done; the
 * stream's error fails it (and ends the iteration). Called while one is
 * pending: an RT_ESTATE error future ("Already waiting for next"). */
ISLET_API rt_future *rt_stream_iterator_move_next(rt_stream_iterator *it);
/* The value of the last move_next that completed true (borrowed until the
 * next move_next or cancel), else NULL. */
ISLET_API const rt_value *rt_stream_iterator_current(const rt_stream_iterator *it);
/* Cancels the subscription (a pending move_next completes false); the
 * future is the subscription's cancel future. */
ISLET_API rt_future *rt_stream_iterator_cancel(rt_stream_iterator *it);
ISLET_API void rt_stream_iterator_free(rt_stream_iterator *it);

#endif
