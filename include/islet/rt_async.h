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
 *           if (f->i > 100) RT_AWAIT_FOR_BREAK(a);       // cancels, awaits the cancel
 *       RT_AWAIT_FOR_END(a);
 *       RT_RETURN(a, rt_value_int(f->i));
 *       RT_ASYNC_END(a);
 *   }
 *   rt_future *fut = rt_async_run(rt_async_new(my_fn, sizeof(my_frame)));
 *
 * Locals that must survive an await belong in the frame, not on the C stack.
 * A switch statement cannot enclose an await (the macros use one). The frame
 * is freed when the function ends (cleanup, if set, runs first).
 *
 * Completion, as the Dart VM: a function that returns or fails before its
 * first suspension completes its future in one microtask queued then (its
 * caller gets a pending future); after a suspension, RT_RETURN / RT_FAIL
 * complete it synchronously, inside the task that resumed it.
 *
 * async* generators: rt_async_star_run gives a single-subscription stream;
 * the body starts in a microtask after the stream is listened to. RT_YIELD
 * adds an event (delivered synchronously to the listener) and suspends the
 * generator: it continues in a microtask, or, while the subscription is
 * paused, once it resumes (the VM's _AsyncStarStreamController). A cancel
 * makes the next yield (or the one the generator waits at) act as a return:
 * open await-for loops are cancelled, cleanup runs (the `finally`), and the
 * cancel future completes. A failure becomes an error event, then done.
 */
#ifndef RT_ASYNC_H
#define RT_ASYNC_H

#include <islet/rt_export.h>

#include <islet/rt_stream.h>

typedef struct rt_async rt_async;
typedef void (*rt_async_fn)(rt_async *a);

/* One open await-for loop; the runtime's, kept in the frame. */
typedef struct rt__await_for {
    rt_async *a;
    rt_stream *stream;
    rt_subscription *sub;
    rt_value *item;
    rt_error *error;
    rt_future *cancel; /* after RT_AWAIT_FOR_BREAK: the cancel to await */
    int line;          /* where the loop resumes */
    unsigned gen;      /* tells a reused slot from the loop that had it */
    uint8_t state;
    bool fresh, paused, listening, late;
} rt__await_for;

/* How deep await-for loops nest in one function. */
#define RT_AWAIT_FOR_DEPTH 4

struct rt__async_gen;

struct rt_async {
    rt_async_fn fn;
    void (*cleanup)(rt_async *a); /* optional: frees what the frame holds (`finally`) */
    int state;                    /* where to resume */
    bool finished;
    bool suspended;  /* has returned to the loop once: completions are synchronous */
    bool unwinding;  /* ending: awaiting the cancels of open await-for loops */
    bool for_cancel; /* awaiting a cancel after RT_AWAIT_FOR_BREAK */
    bool rt__suspend;
    int depth; /* entries of fn on the C stack */
    rt_completer *result;
    rt_future *awaited;
    struct rt__async_gen *gen; /* async* only */
    /* the outcome kept while unwinding */
    rt_value *end_value;
    rt_future *end_future;
    rt_error *end_error;
    unsigned for_gen;
    int nfor;
    rt__await_for loops[RT_AWAIT_FOR_DEPTH];
    size_t size;
    void *await_storage[20]; /* the listener of the current await: no allocation */
};

/* A zeroed frame of frame_size bytes (>= sizeof(rt_async)) in the current
 * isolate's heap; NULL when out of memory. */
ISLET_API rt_async *rt_async_new(rt_async_fn fn, size_t frame_size);
/* Runs the function up to its first await; returns its future (a new
 * reference), completed by RT_RETURN / RT_FAIL / an awaited error. */
ISLET_API rt_future *rt_async_run(rt_async *a);
/* Makes the function an async* generator and returns its stream (a new
 * reference, single-subscription); the body starts once it is listened to.
 * Never listened to, the frame goes (cleanup run) with the stream's last
 * reference. NULL when out of memory (the frame is freed). */
ISLET_API rt_stream *rt_async_star_run(rt_async *a);

/* After an await: the awaited future's value or error (borrowed until the
 * next await). In an await-for body: the current item of the innermost
 * loop (copy it into the frame to use it inside a nested loop). */
ISLET_API const rt_value *rt_async_value(const rt_async *a);
ISLET_API void *rt_async_ptr(const rt_async *a);
ISLET_API const rt_error *rt_async_error(const rt_async *a);
ISLET_API const rt_value *rt_async_item(const rt_async *a);
/* async*: true once the stream's subscription was cancelled (the next
 * RT_YIELD will end the generator). */
ISLET_API bool rt_async_cancelled(const rt_async *a);

#define RT_ASYNC_BEGIN(a)                                                                          \
    switch ((a)->state) {                                                                          \
    case 0:

#define RT_ASYNC_END(a)                                                                            \
    }                                                                                              \
    rt_async__return((a), NULL)

/* Await; on error the async function fails with that error (like a throw). */
#define RT_AWAIT(a, future)                                                                        \
    do {                                                                                           \
        RT_AWAIT_TRY(a, future);                                                                   \
        if (rt_async_error(a)) {                                                                   \
            rt_async__fail_with((a), rt_async_error(a));                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Await; the outcome is left to inspect (rt_async_error): try/catch. */
#define RT_AWAIT_TRY(a, future)                                                                    \
    do {                                                                                           \
        (a)->state = __LINE__;                                                                     \
        rt_async__await((a), (future));                                                            \
        return;                                                                                    \
    case __LINE__:;                                                                                \
    } while (0)

/* Dart's `await value` of a plain value (taken): resumes in one microtask
 * with it (rt_async_value). */
#define RT_AWAIT_VALUE(a, value) RT_AWAIT(a, rt_future_value(value))

/* For each event of the stream (consumed), between RT_AWAIT_FOR and
 * RT_AWAIT_FOR_END, as Dart's await-for (a StreamIterator): it listens
 * (cancel_on_error), runs the body inside the data event, pauses the
 * subscription only if the body suspends (an await, a yield) and resumes it
 * when the body ends. An error event fails the function (the subscription
 * is already cancelled). Loops nest up to RT_AWAIT_FOR_DEPTH. `continue`
 * works; leave early only with RT_AWAIT_FOR_BREAK (cancels the subscription,
 * awaits the cancel future, whose error fails the function, then goes on
 * after RT_AWAIT_FOR_END) or RT_RETURN / RT_FAIL (they cancel every open
 * loop, innermost first, awaiting each cancel, before completing). A plain
 * `break` or `return` is misuse: `break` aborts at RT_AWAIT_FOR_END under
 * RT_CHECKS (without them it acts as RT_AWAIT_FOR_BREAK). */
#define RT_AWAIT_FOR(a, stream)                                                                    \
    (a)->state = __LINE__;                                                                         \
    rt_async__for_begin((a), (stream), __LINE__);                                                  \
    __attribute__((fallthrough));                                                                  \
    case __LINE__:                                                                                 \
        while (rt_async__for_next(a)) {                                                            \
            if ((a)->rt__suspend) return;

#define RT_AWAIT_FOR_END(a)                                                                        \
    }                                                                                              \
    (a)->state = __LINE__;                                                                         \
    if (rt_async__for_exit(a)) return;                                                             \
    __attribute__((fallthrough));                                                                  \
    case __LINE__:                                                                                 \
        if (rt_async__for_after(a)) return

#define RT_AWAIT_FOR_BREAK(a)                                                                      \
    do {                                                                                           \
        rt_async__for_break(a);                                                                    \
        return;                                                                                    \
    } while (0)

#define RT_RETURN(a, value)                                                                        \
    do {                                                                                           \
        rt_async__return((a), (value));                                                            \
        return;                                                                                    \
    } while (0)

/* Dart's `return future;` in an async function: the result adopts f's
 * outcome (f consumed): synchronously when f completes, or in one microtask
 * if f is already complete. */
#define RT_RETURN_FUTURE(a, f)                                                                     \
    do {                                                                                           \
        rt_async__return_future((a), (f));                                                         \
        return;                                                                                    \
    } while (0)

#define RT_FAIL(a, code, domain, ...)                                                              \
    do {                                                                                           \
        rt_async__fail((a), (code), (domain), __VA_ARGS__);                                        \
        return;                                                                                    \
    } while (0)

/* async*: a new generator of fn with a zeroed frame of frame_type, as its
 * stream (a new reference; NULL when out of memory), e.g.
 * rt_stream *s = RT_ASYNC_STAR(count_to_3, count_frame); */
#define RT_ASYNC_STAR(fn, frame_type) rt_async_star_run(rt_async_new((fn), sizeof(frame_type)))

/* async*: adds value (taken) to the stream and suspends (see above). */
#define RT_YIELD(a, value)                                                                         \
    do {                                                                                           \
        (a)->state = __LINE__;                                                                     \
        rt_async__yield((a), (value));                                                             \
        return;                                                                                    \
    case __LINE__:                                                                                 \
        if (rt_async__yield_resumed(a)) return;                                                    \
    } while (0)

/* async*: Dart's yield*: forwards every event of stream (consumed), errors
 * included, pausing and cancelling it with the generator's subscription;
 * the generator goes on once it is done. */
#define RT_YIELD_ALL(a, stream)                                                                    \
    do {                                                                                           \
        (a)->state = __LINE__;                                                                     \
        rt_async__yield_all((a), (stream));                                                        \
        return;                                                                                    \
    case __LINE__:                                                                                 \
        if (rt_async__yield_resumed(a)) return;                                                    \
    } while (0)

/* The macros' entry points. They are exported (the macros expand into the
 * caller's code, which may be outside the runtime's shared library), hence
 * the single prefix; they are not API: use the macros. */
ISLET_API void rt_async__await(rt_async *a, rt_future *f);
ISLET_API void rt_async__return(rt_async *a, rt_value *value);
ISLET_API void rt_async__return_future(rt_async *a, rt_future *f);
ISLET_API void rt_async__fail(rt_async *a, int code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
ISLET_API void rt_async__fail_with(rt_async *a, const rt_error *e);
ISLET_API void rt_async__for_begin(rt_async *a, rt_stream *s, int line);
ISLET_API int rt_async__for_next(rt_async *a);
ISLET_API int rt_async__for_exit(rt_async *a);
ISLET_API int rt_async__for_after(rt_async *a);
ISLET_API void rt_async__for_break(rt_async *a);
ISLET_API void rt_async__yield(rt_async *a, rt_value *value);
ISLET_API void rt_async__yield_all(rt_async *a, rt_stream *s);
ISLET_API int rt_async__yield_resumed(rt_async *a);

#endif
