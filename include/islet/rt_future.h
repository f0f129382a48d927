/* rt_future.h: futures and completers, Dart's Future on the event loop.
 *
 * A future completes once, with a value (a message value, or an opaque
 * pointer with a destructor) or an error (code, domain, message). Ordering
 * is the Dart VM's:
 *  - a callback added to an incomplete future runs synchronously inside the
 *    task that completes it, and a whole chain propagates within that task;
 *  - a callback added to a completed future is queued as one microtask when
 *    it is added;
 *  - rt_future_value / rt_future_error queue their completion microtask when
 *    they are made.
 * An error future that nobody handled when the microtask queue runs empty is
 * reported with rt_report_error (on-error port or stderr), never lost.
 *
 * Ownership: every function returning rt_future * gives the caller one
 * reference, released with rt_future_release. Combinators (then, catch,
 * when_complete, timeout, wait, any, rt_completer_follow) CONSUME the
 * reference passed in, so chains read `f = rt_future_then(f, ...)`; dup first
 * to keep one. NULL means out of memory; a combinator given NULL returns NULL.
 * Futures belong to the isolate that made them and are not thread-safe:
 * results cross isolates only as messages (see rt_compute).
 */
#ifndef RT_FUTURE_H
#define RT_FUTURE_H

#include <islet/rt_export.h>

#include <islet/rt_isolate.h>

typedef struct rt_future rt_future;
typedef struct rt_completer rt_completer;

/* An error outcome. Strings live as long as the future holding it. */
typedef struct rt_error {
    int code;            /* RT_E* or an application code (<= RT_EUSER) */
    const char *domain;  /* who raised it: "runtime", "compute", "http", ... */
    const char *message; /* for people */
} rt_error;

/* Runs when a future completes: `src` is the completed future (borrowed),
 * `next` the completer of the future that rt_future_then returned. Complete
 * `next` (value, error, or follow another future); left alone, it completes
 * with null. */
typedef void (*rt_future_fn)(rt_future *src, rt_completer *next, void *ctx);
/* Computes a future's outcome into `c`; left alone, c completes with null. */
typedef void (*rt_future_body)(rt_completer *c, void *ctx);

/* ---- Completers ---- */

/* A completer and its pending future. Sync: listeners run inside complete.
 * Async (Dart's default): listeners run in a microtask queued by complete.
 * Release the completer with rt_completer_release once done with it. */
ISLET_API rt_completer *rt_completer_new(bool sync);
ISLET_API void rt_completer_release(rt_completer *c);
/* A new reference to the completer's future. */
ISLET_API rt_future *rt_completer_future(rt_completer *c);
ISLET_API bool rt_completer_is_completed(const rt_completer *c);
/* Complete with a value (taken; NULL means null), an opaque pointer freed by
 * destroy (may be NULL) when the outcome goes, an error, or another future's
 * outcome (other, consumed). Completing twice aborts under RT_CHECKS with a
 * message, else returns RT_ESTATE. Out of memory, the future still settles,
 * with an RT_ENOMEM error (the value is freed, destroy run), and RT_ENOMEM
 * is returned. */
ISLET_API int rt_completer_complete(rt_completer *c, rt_value *value);
ISLET_API int rt_completer_complete_ptr(rt_completer *c, void *ptr, rt_destroy_fn destroy);
ISLET_API int rt_completer_fail(rt_completer *c, int code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
ISLET_API int rt_completer_fail_with(rt_completer *c, const rt_error *error);
ISLET_API int rt_completer_follow(rt_completer *c, rt_future *other);

/* ---- Constructors ---- */

/* Completed futures (their completion is a microtask queued now). */
ISLET_API rt_future *rt_future_value(rt_value *value);
ISLET_API rt_future *rt_future_error(int code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Dart's Future.sync: runs body now; the future completes in a microtask. */
ISLET_API rt_future *rt_future_sync(rt_future_body body, void *ctx);
/* Dart's Future.microtask: runs body in a microtask. */
ISLET_API rt_future *rt_future_microtask(rt_future_body body, void *ctx);
/* Dart's Future(f): runs body in a zero-delay timer (behind queued events). */
ISLET_API rt_future *rt_future_run(rt_future_body body, void *ctx);
/* Dart's Future.delayed: after delay_ns, runs body (NULL: completes null). */
ISLET_API rt_future *rt_future_delayed(int64_t delay_ns, rt_future_body body, void *ctx);

/* ---- Combinators (consume f) ---- */

/* on_value runs on a value, on_error on an error; NULL passes the outcome
 * through unchanged (errors propagate down a chain). */
ISLET_API rt_future *rt_future_then(rt_future *f, rt_future_fn on_value, rt_future_fn on_error,
                                    void *ctx);
/* rt_future_then for a context the runtime keeps: destroy(ctx) runs, once,
 * if the callback never will (f freed while still pending, or out of memory:
 * then NULL is returned); once the callback has run, it owns ctx. */
ISLET_API rt_future *rt_future_then_ctx(rt_future *f, rt_future_fn on_value, rt_future_fn on_error,
                                        void *ctx, rt_destroy_fn destroy);
/* Handles errors whose code is `code` (0: any error); values pass through. */
ISLET_API rt_future *rt_future_catch(rt_future *f, int code, rt_future_fn on_error, void *ctx);
/* Dart's catchError(onError, test:): handles the errors for which
 * test(error, ctx) returns true (test runs first); others and values pass
 * through. */
typedef bool (*rt_error_test_fn)(const rt_error *error, void *ctx);
ISLET_API rt_future *rt_future_catch_if(rt_future *f, rt_error_test_fn test, rt_future_fn on_error,
                                        void *ctx);
/* fn(ctx) runs on any outcome; the result future has f's outcome. */
ISLET_API rt_future *rt_future_when_complete(rt_future *f, rt_task_fn fn, void *ctx);
/* Dart's whenComplete with an action that may return a future: fn(ctx) runs
 * on any outcome; NULL from it is a synchronous action (the result gets f's
 * outcome at once). A returned future (consumed) delays the result until it
 * completes: its error replaces f's outcome, its value is ignored. */
typedef rt_future *(*rt_future_action_fn)(void *ctx);
ISLET_API rt_future *rt_future_when_complete_async(rt_future *f, rt_future_action_fn fn, void *ctx);
/* f's outcome if it comes within timeout_ns; else on_timeout's (NULL: an
 * RT_ETIMEOUT error). */
ISLET_API rt_future *rt_future_timeout(rt_future *f, int64_t timeout_ns, rt_future_body on_timeout,
                                       void *ctx);
/* A list of the futures' values, in input order (pointer outcomes appear as
 * null). With eager_error the first error completes it at once; otherwise
 * it waits for all and fails with the first error. Consumes fs[0..n). */
ISLET_API rt_future *rt_future_wait(rt_future **fs, size_t n, bool eager_error);
/* The outcome of whichever future completes first. Consumes fs[0..n). */
ISLET_API rt_future *rt_future_any(rt_future **fs, size_t n);

/* ---- Loops (Dart's Future.doWhile and Future.forEach) ----
 * The step functions answer as Dart's FutureOr does: return a future
 * (consumed) and the loop waits for it, or return NULL for a synchronous
 * answer, and the loop goes on at once, in the same call. NULL is therefore
 * not "out of memory" here: a step that cannot allocate should set *more to
 * false (do_while) or return an error future. An error future ends the loop
 * and fails its result; the loop's future completes with null. */

/* Calls fn while it answers true: *more (preset to false) for a synchronous
 * answer, else the bool value of the returned future. */
typedef rt_future *(*rt_future_while_fn)(bool *more, void *ctx);
ISLET_API rt_future *rt_future_do_while(rt_future_while_fn fn, void *ctx);
/* Calls fn with each item of `list` (taken; NULL is empty) in order, each
 * after the previous one's future completed; the futures' values are
 * ignored. */
typedef rt_future *(*rt_future_each_fn)(const rt_value *item, void *ctx);
ISLET_API rt_future *rt_future_for_each(rt_value *list, rt_future_each_fn fn, void *ctx);

/* ---- Inspecting ---- */

ISLET_API rt_future *rt_future_dup(rt_future *f);
ISLET_API void rt_future_release(rt_future *f);
ISLET_API bool rt_future_is_complete(const rt_future *f);
ISLET_API bool rt_future_is_error(const rt_future *f);
/* Borrowed, valid while f lives; NULL when f is pending, failed, or holds a
 * pointer (or null). */
ISLET_API const rt_value *rt_future_get_value(const rt_future *f);
ISLET_API void *rt_future_get_ptr(const rt_future *f);
ISLET_API const rt_error *rt_future_get_error(const rt_future *f);

#endif
