/* rt_stream_private.h: what the stream operators need beyond rt_stream.h. */
#ifndef RT_STREAM_PRIVATE_H
#define RT_STREAM_PRIVATE_H

#include <islet/rt_stream.h>

/* destroy(ctx of the options) runs when the stream's last reference goes. */
void rt__stream_set_destroy(rt_stream *s, void (*destroy)(void *ctx));

/* A broadcast stream whose every listen is listen(ctx, h): each listener
 * gets a subscription of its own making (Dart's _ForwardingStream over a
 * broadcast source: per-listener transform state). destroy(ctx) runs with
 * the stream's last reference. NULL when out of memory. */
rt_stream *rt__stream_multi(rt_subscription *(*listen)(void *ctx, const rt_stream_handlers *h),
                            void *ctx, void (*destroy)(void *ctx));

/* Inside on_data: the value being handled (v, borrowed), as the caller's
 * own: moved out of the event when nobody else holds it, else copied. NULL
 * when out of memory. */
rt_value *rt__subscription_take_value(rt_subscription *sub, const rt_value *v);

#endif
