/* rt_stream.h: streams, Dart's Stream and StreamController on the loop.
 *
 * A controller feeds a stream. Single-subscription streams buffer events
 * until their one listener comes (a second listen is an error); broadcast
 * streams deliver to every current listener and drop events nobody listens
 * to. Delivery is asynchronous by default, one event per microtask, in
 * order; a sync controller delivers inside add. A paused subscription
 * buffers. Data events carry message values (borrowed by the handler for
 * the call); errors carry an rt_error.
 *
 * Ownership: streams are reference counted. rt_stream_controller_new and
 * every function returning rt_stream * give the caller a reference; the
 * transforms (map, where, ...) CONSUME the stream passed in, like the future
 * combinators. A subscription is valid until its on_done has run or it is
 * cancelled. Everything belongs to one isolate and is not thread-safe.
 */
#ifndef RT_STREAM_H
#define RT_STREAM_H

#include "rt_future.h"

typedef struct rt_stream rt_stream;
typedef struct rt_stream rt_stream_controller; /* the writing side of the same object */
typedef struct rt_subscription rt_subscription;

typedef struct rt_stream_handlers {
    void (*on_data)(rt_subscription *sub, const rt_value *value, void *ctx);
    void (*on_error)(rt_subscription *sub, const rt_error *error, void *ctx); /* NULL: unhandled */
    void (*on_done)(rt_subscription *sub, void *ctx);
    void *ctx;
    bool cancel_on_error;
} rt_stream_handlers;

typedef struct rt_stream_options {
    bool broadcast;
    bool sync; /* deliver inside rt_stream_add instead of in microtasks */
    /* Hooks, all optional: first listener, pause, resume, cancel (for a
     * broadcast stream: when its last listener leaves). */
    void (*on_listen)(rt_stream_controller *c, void *ctx);
    void (*on_pause)(rt_stream_controller *c, void *ctx);
    void (*on_resume)(rt_stream_controller *c, void *ctx);
    void (*on_cancel)(rt_stream_controller *c, void *ctx);
    void *ctx;
} rt_stream_options;

/* ---- Controllers ---- */
rt_stream_controller *rt_stream_controller_new(const rt_stream_options *opts);
/* A new reference to the controller's stream. */
rt_stream *rt_stream_controller_stream(rt_stream_controller *c);
/* Adds a data event (value taken; NULL means null). RT_ESTATE after close. */
int rt_stream_add(rt_stream_controller *c, rt_value *value);
int rt_stream_add_error(rt_stream_controller *c, int code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Closes; the future (new reference) completes once the done event has been
 * delivered (at once for a broadcast stream nobody listens to). */
rt_future *rt_stream_close(rt_stream_controller *c);
bool rt_stream_has_listener(const rt_stream_controller *c);
bool rt_stream_is_paused(const rt_stream_controller *c);

rt_stream *rt_stream_dup(rt_stream *s);
void rt_stream_release(rt_stream *s);
bool rt_stream_is_broadcast(const rt_stream *s);

/* ---- Listening ---- */
/* Subscribes (the stream is not consumed). A second listen on a
 * single-subscription stream aborts under RT_CHECKS, else returns NULL. */
rt_subscription *rt_stream_listen(rt_stream *s, const rt_stream_handlers *h);
void rt_subscription_pause(rt_subscription *sub); /* counted */
void rt_subscription_resume(rt_subscription *sub);
bool rt_subscription_is_paused(const rt_subscription *sub);
/* Stops delivery at once; the subscription is gone. The future (new
 * reference) completes when the stream's cancel work is done. */
rt_future *rt_subscription_cancel(rt_subscription *sub);

/* ---- Transforms: each consumes `s` and returns a stream of the same kind
 * (broadcast or not). Functions get borrowed values and return new ones. */
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

/* True when two values are deeply equal. */
bool rt_value_equal(const rt_value *a, const rt_value *b);

#endif
