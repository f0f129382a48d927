/* rt_async.h: async functions in C: await a future, await-for a stream.
 *
 * An async function is a stackless coroutine: its locals live in a frame
 * struct whose first member is rt_async, and RT_AWAIT returns from the C
 * function, which is re-entered at the same point when the future completes.
 * Dart's semantics: the function runs synchronously up to its first await;
 * awaiting a completed future resumes it in one microtask; awaiting an
 * incomplete one resumes it synchronously when that future completes.
 *
 *   typedef struct { rt_async a; int i; } my_frame;
 *   static void my_fn(rt_async *a) {
 *       my_frame *f = (my_frame *)a;
 *       RT_ASYNC_BEGIN(a);
 *       RT_AWAIT(a, rt_compute(work, NULL));         // an error returns it to the caller
 *       f->i = (int)rt_value_as_int(rt_async_value(a));
 *       RT_AWAIT_TRY(a, rt_future_delayed(RT_MS(10), NULL, NULL));
 *       if (rt_async_error(a)) { ... handle it ... }  // try/catch
 *       RT_AWAIT_FOR(a, stream)
 *           f->i += (int)rt_value_as_int(rt_async_item(a));
 *       RT_AWAIT_FOR_END(a);
 *       RT_RETURN(a, rt_value_int(f->i));
 *       RT_ASYNC_END(a);
 *   }
 *   rt_future *fut = rt_async_run(rt_async_new(my_fn, sizeof(my_frame)));
 *
 * Locals that must survive an await belong in the frame, not on the C stack.
 * A switch statement cannot enclose an await (the macros use one). The frame
 * is freed when the function ends (cleanup, if set, runs first).
 */
#ifndef RT_ASYNC_H
#define RT_ASYNC_H

#include "rt_stream.h"

typedef struct rt_async rt_async;
typedef void (*rt_async_fn)(rt_async *a);

struct rt_async {
    rt_async_fn fn;
    void (*cleanup)(rt_async *a); /* optional: frees what the frame holds */
    int state;                    /* where to resume */
    bool finished;
    rt_completer *result;
    rt_future *awaited;
    /* await-for */
    rt_stream *stream;
    rt_subscription *sub;
    rt_value *item;
    rt_error *for_error;
    bool for_done;
    int for_line;
    size_t size;
    void *await_storage[20]; /* the listener of the current await: no allocation */
};

/* A zeroed frame of frame_size bytes (>= sizeof(rt_async)) in the current
 * isolate's heap; NULL when out of memory. */
rt_async *rt_async_new(rt_async_fn fn, size_t frame_size);
/* Runs the function up to its first await; returns its future (a new
 * reference), completed by RT_RETURN / RT_FAIL / an awaited error. */
rt_future *rt_async_run(rt_async *a);

/* After an await: the awaited future's value or error (borrowed until the
 * next await). In an await-for body: the current item. */
const rt_value *rt_async_value(const rt_async *a);
void *rt_async_ptr(const rt_async *a);
const rt_error *rt_async_error(const rt_async *a);
const rt_value *rt_async_item(const rt_async *a);

#define RT_ASYNC_BEGIN(a)                                                                          \
    switch ((a)->state) {                                                                          \
    case 0:

#define RT_ASYNC_END(a)                                                                            \
    }                                                                                              \
    rt__async_return((a), NULL)

/* Await; on error the async function fails with that error (like a throw). */
#define RT_AWAIT(a, future)                                                                        \
    do {                                                                                           \
        RT_AWAIT_TRY(a, future);                                                                   \
        if (rt_async_error(a)) {                                                                   \
            rt__async_fail_with((a), rt_async_error(a));                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Await; the outcome is left to inspect (rt_async_error): try/catch. */
#define RT_AWAIT_TRY(a, future)                                                                    \
    do {                                                                                           \
        (a)->state = __LINE__;                                                                     \
        rt__async_await((a), (future));                                                            \
        return;                                                                                    \
    case __LINE__:;                                                                                \
    } while (0)

/* For each event of the stream (consumed), between RT_AWAIT_FOR and
 * RT_AWAIT_FOR_END: the body runs with the subscription paused and may
 * await; an error event fails the function. Leave the body only by reaching
 * its end (no break, continue or return inside). */
#define RT_AWAIT_FOR(a, stream)                                                                    \
    rt__async_for_begin((a), (stream));                                                            \
    (a)->state = (a)->for_line = __LINE__;                                                         \
    if (rt__async_for_wait(a)) return;                                                             \
    __attribute__((fallthrough));                                                                  \
    case __LINE__:                                                                                 \
        while (!rt__async_for_stop(a)) {

#define RT_AWAIT_FOR_END(a)                                                                        \
    (a)->state = (a)->for_line;                                                                    \
    if (rt__async_for_wait(a)) return;                                                             \
    }                                                                                              \
    if ((a)->finished) return

#define RT_RETURN(a, value)                                                                        \
    do {                                                                                           \
        rt__async_return((a), (value));                                                            \
        return;                                                                                    \
    } while (0)

#define RT_FAIL(a, code, domain, ...)                                                              \
    do {                                                                                           \
        rt__async_fail((a), (code), (domain), __VA_ARGS__);                                        \
        return;                                                                                    \
    } while (0)

/* Internals used by the macros. */
void rt__async_await(rt_async *a, rt_future *f);
void rt__async_return(rt_async *a, rt_value *value);
void rt__async_fail(rt_async *a, int code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void rt__async_fail_with(rt_async *a, const rt_error *e);
void rt__async_for_begin(rt_async *a, rt_stream *s);
int rt__async_for_wait(rt_async *a);
int rt__async_for_stop(rt_async *a);

#endif
