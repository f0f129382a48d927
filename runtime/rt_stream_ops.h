/* rt_stream_ops.h: stream sources, reductions and transforms (Dart's Stream
 * methods), built on the controllers and subscriptions of rt_stream.h.
 *
 * Ownership: transforms CONSUME the stream passed in and return a stream of
 * the same kind (broadcast or not); functions get borrowed values and return
 * new ones. Everything belongs to one isolate and is not thread-safe.
 * Included by rt_stream.h.
 */
#ifndef RT_STREAM_OPS_H
#define RT_STREAM_OPS_H

#include "rt_stream.h"

/* ---- Transforms ---- */
typedef rt_value *(*rt_map_fn)(const rt_value *value, void *ctx);
typedef bool (*rt_where_fn)(const rt_value *value, void *ctx);
/* Returns a value to emit instead of the error, or NULL to drop it. */
typedef rt_value *(*rt_handle_error_fn)(const rt_error *error, void *ctx);
rt_stream *rt_stream_map(rt_stream *s, rt_map_fn fn, void *ctx);
rt_stream *rt_stream_where(rt_stream *s, rt_where_fn fn, void *ctx);
rt_stream *rt_stream_take(rt_stream *s, size_t n);
rt_stream *rt_stream_skip(rt_stream *s, size_t n);
/* Drops a data event equal (deeply) to the one before it. */
rt_stream *rt_stream_distinct(rt_stream *s);
rt_stream *rt_stream_handle_error(rt_stream *s, rt_handle_error_fn fn, void *ctx);
/* A broadcast stream fed by one subscription to s, made when the first
 * listener comes and cancelled when the last leaves. */
rt_stream *rt_stream_as_broadcast(rt_stream *s);

/* ---- Sources ---- */
/* Messages arriving on `port` as a single-subscription stream (the stream
 * takes the port over: cancelling the subscription closes the port). */
rt_stream *rt_receive_port_stream(rt_receive_port *port);
/* Ticks 1, 2, 3, ... every period_ns while listened to and not paused. */
rt_stream *rt_stream_periodic(int64_t period_ns);

#endif
