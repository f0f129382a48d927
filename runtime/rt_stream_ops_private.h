/* rt_stream_ops_private.h: what the files behind rt_stream_ops.h share
 * (rt_stream_xform.c, rt_stream_sources.c, rt_stream_reduce.c,
 * rt_stream_iter.c), all on the public core stream API. Every handler that
 * may run user code holds a reference to its output stream while it runs:
 * a listener that cancels and lets go of the stream inside a callback must
 * not free the operator under our feet. */
#ifndef RT_STREAM_OPS_PRIVATE_H
#define RT_STREAM_OPS_PRIVATE_H

#include <islet/rt_heap.h>
#include "rt_stream_private.h"

#define OPS_DOMAIN "runtime"

/* Adds to a controller unless it was closed meanwhile (the value is freed). */
static inline void add_open(rt_stream *out, rt_value *v)
{
    if (rt_stream_is_closed(out))
        rt_value_free(v);
    else
        rt_stream_add(out, v);
}

static inline void add_error_open(rt_stream *out, const rt_error *e)
{
    if (!rt_stream_is_closed(out)) rt_stream_add_error_with(out, e);
}

static inline void close_open(rt_stream *out)
{
    if (!rt_stream_is_closed(out)) rt_future_release(rt_stream_close(out));
}

static inline void cancel_quietly(rt_subscription **sub)
{
    rt_subscription *s = *sub;
    *sub = NULL;
    if (s) rt_future_release(rt_subscription_cancel(s));
}

#endif
