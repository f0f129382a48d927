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

#include <islet/rt_export.h>

#include <islet/rt_future.h>

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
    /* Hooks, all optional. on_listen: the first listener came. on_pause /
     * on_resume (single-subscription only): the listener's input paused or
     * resumed; they run once the state has changed, never re-entrantly, and
     * input resumes only after buffered events have drained. on_cancel: the
     * listener cancelled or got its done event (broadcast: the last listener
     * left); it may return a future (taken) that the cancel waits for, whose
     * error the cancel future carries, or NULL. */
    void (*on_listen)(rt_stream_controller *c, void *ctx);
    void (*on_pause)(rt_stream_controller *c, void *ctx);
    void (*on_resume)(rt_stream_controller *c, void *ctx);
    rt_future *(*on_cancel)(rt_stream_controller *c, void *ctx);
    void *ctx;
} rt_stream_options;

/* ---- Controllers ---- */
ISLET_API rt_stream_controller *rt_stream_controller_new(const rt_stream_options *opts);
/* A new reference to the controller's stream. */
ISLET_API rt_stream *rt_stream_controller_stream(rt_stream_controller *c);
/* Adds a data event (value taken; NULL means null). After close, or while
 * rt_stream_add_stream runs, the value is freed and RT_ESTATE returned
 * (aborting under RT_CHECKS: Dart throws a StateError). */
ISLET_API int rt_stream_add(rt_stream_controller *c, rt_value *value);
ISLET_API int rt_stream_add_error(rt_stream_controller *c, int code, const char *domain,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* As rt_stream_add_error with an error to copy (e.g. one being forwarded). */
ISLET_API int rt_stream_add_error_with(rt_stream_controller *c, const rt_error *error);
/* Closes. The future (a new reference) is the controller's done future:
 * it completes once the listener has cancelled or had its done event and
 * the on_cancel work has finished (broadcast: once no listener is left).
 * Closing a closed controller returns the done future again, as Dart does. */
ISLET_API rt_future *rt_stream_close(rt_stream_controller *c);
/* Dart's StreamController.done: the future close returns (a new reference). */
ISLET_API rt_future *rt_stream_done(rt_stream_controller *c);
/* Feeds every event of `source` (consumed) into the controller until it is
 * done (or, with cancel_on_error, its first error). Meanwhile add, add_error,
 * close and another add_stream are errors; a paused listener pauses the
 * source; a cancelled listener cancels it. The future completes when the
 * source is done or cancelled. */
ISLET_API rt_future *rt_stream_add_stream(rt_stream_controller *c, rt_stream *source,
                                          bool cancel_on_error);
ISLET_API bool rt_stream_is_closed(const rt_stream_controller *c);
ISLET_API bool rt_stream_has_listener(const rt_stream_controller *c);
/* Single-subscription: true until a listener comes and while its input is
 * paused (until buffered events drained); false once it cancelled.
 * Broadcast: always false (as Dart). */
ISLET_API bool rt_stream_is_paused(const rt_stream_controller *c);

/* A sink view of a controller (Dart's StreamSink): it can add and close,
 * nothing more. Borrowed: lives as long as the controller. */
typedef struct rt_event_sink rt_event_sink;
ISLET_API rt_event_sink *rt_stream_controller_sink(rt_stream_controller *c);
ISLET_API int rt_sink_add(rt_event_sink *k, rt_value *value);
ISLET_API int rt_sink_add_error(rt_event_sink *k, const rt_error *error);
ISLET_API rt_future *rt_sink_close(rt_event_sink *k);

ISLET_API rt_stream *rt_stream_dup(rt_stream *s);
ISLET_API void rt_stream_release(rt_stream *s);
ISLET_API bool rt_stream_is_broadcast(const rt_stream *s);

/* ---- Listening ---- */
/* Subscribes (the stream is not consumed). A second listen on a
 * single-subscription stream gets a subscription whose only events are an
 * RT_ESTATE error ("stream has already been listened to") and done. NULL
 * only when out of memory. */
ISLET_API rt_subscription *rt_stream_listen(rt_stream *s, const rt_stream_handlers *h);
/* Counted. Pausing inside a handler defers on_pause until it returns. */
ISLET_API void rt_subscription_pause(rt_subscription *sub);
/* Pauses until resume_signal (consumed) completes, then resumes once. */
ISLET_API void rt_subscription_pause_until(rt_subscription *sub, rt_future *resume_signal);
ISLET_API void rt_subscription_resume(rt_subscription *sub);
ISLET_API bool rt_subscription_is_paused(const rt_subscription *sub);
/* Replace one handler (the context stays), also from inside a handler. */
ISLET_API void rt_subscription_on_data(rt_subscription *sub,
                                       void (*fn)(rt_subscription *, const rt_value *, void *));
ISLET_API void rt_subscription_on_error(rt_subscription *sub,
                                        void (*fn)(rt_subscription *, const rt_error *, void *));
ISLET_API void rt_subscription_on_done(rt_subscription *sub, void (*fn)(rt_subscription *, void *));
/* Dart's asFuture: replaces on_error and on_done; the future (a new
 * reference) completes with `value` (taken) on done, or, on the first
 * error, cancels the subscription and fails with that error. */
ISLET_API rt_future *rt_subscription_as_future(rt_subscription *sub, rt_value *value);
/* Stops delivery at once; the subscription handle is gone once the calling
 * handler (if any) returns. The future (a new reference) completes when the
 * stream's cancel work (on_cancel's future) is done, with its error; calling
 * cancel again from the same handler returns the same outcome. */
ISLET_API rt_future *rt_subscription_cancel(rt_subscription *sub);

/* True when two values are deeply equal. */
ISLET_API bool rt_value_equal(const rt_value *a, const rt_value *b);

/* Sources, reductions and transforms. */
#include <islet/rt_stream_ops.h>

#endif
