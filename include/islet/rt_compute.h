/* rt_compute.h: compute() and Isolate.run: heavy work off the calling isolate.
 *
 * rt_compute(fn, message) runs fn(copy of message) on a warm background
 * isolate and completes the returned future on the caller's loop with fn's
 * result or fn's error, code and message intact. The result moves to the
 * caller without a copy when its payloads are large (bytes, strings,
 * transferable buffers), whatever their size.
 *
 * Every future settles exactly once. A result that cannot be sent (invalid
 * UTF-8, out of memory) fails it with that code; when no compute isolate
 * can be started and none is left, queued jobs fail with RT_ENOMEM or
 * RT_EAGAIN. The memory to report such a failure is taken when the job is
 * made, so reporting it never fails.
 *
 * The compute pool: as many isolates as CPUs (at least 2), each on a
 * dedicated thread, started on first use. They never run on the worker pool
 * that serves ordinary isolates, so compute jobs cannot starve I/O isolates.
 * Jobs beyond the pool's size wait in a FIFO queue.
 *
 * Cancellation: a cancelled task's future fails at once with RT_ECANCELLED.
 * A queued job never starts. A running fn sees rt_compute_cancelled() become
 * true (cooperative). A hard cancel also kills the isolate running it and
 * starts a fresh one in its place, so the pool keeps its capacity. C cannot
 * preempt a function: a hard-cancelled fn that never polls keeps its thread
 * until it returns; its result is dropped.
 */
#ifndef RT_COMPUTE_H
#define RT_COMPUTE_H

#include <islet/rt_export.h>

#include <islet/rt_async.h>

typedef struct rt_compute_ctx rt_compute_ctx;
typedef struct rt_compute_task rt_compute_task;

/* Runs on a compute isolate. `message` (NULL if none was sent) is borrowed:
 * the runtime frees it after fn returns. Returns the result, which the
 * runtime takes (NULL: null), or calls rt_compute_fail and returns NULL.
 * Free what else you allocate: pool isolates live on between jobs. */
typedef rt_value *(*rt_compute_fn)(rt_value *message, rt_compute_ctx *cx);

/* From fn: fail the computation with this error (code kept as given). */
ISLET_API void rt_compute_fail(rt_compute_ctx *cx, int code, const char *domain, const char *fmt,
                               ...) __attribute__((format(printf, 4, 5)));
/* From fn: true once the caller cancelled. Cheap (an atomic load). */
ISLET_API bool rt_compute_cancelled(const rt_compute_ctx *cx);
/* From fn: sends value to the task's progress stream. The value is taken
 * (freed whatever happens), so `rt_compute_progress(cx, rt_value_int(n))`
 * leaks nothing. Progress is best effort: 0, or the error that dropped this
 * one (as rt_port_send; RT_ENOMEM when value is NULL). */
ISLET_API int rt_compute_progress(rt_compute_ctx *cx, rt_value *value);

/* Runs fn(copy of message) in the compute pool. The caller keeps message. A
 * new future reference; NULL when out of memory or the message cannot be
 * sent (invalid UTF-8, detached buffer: see rt_port_send). */
ISLET_API rt_future *rt_compute(rt_compute_fn fn, rt_value *message);
/* As rt_compute, and *task gets a handle (release it) for cancel and
 * progress. */
ISLET_API rt_future *rt_compute_start(rt_compute_fn fn, rt_value *message, rt_compute_task **task);
/* The task's progress messages as a single-subscription stream (a new
 * reference), closed when the task ends. */
ISLET_API rt_stream *rt_compute_task_progress(rt_compute_task *task);
ISLET_API void rt_compute_task_cancel(rt_compute_task *task, bool hard);
ISLET_API void rt_compute_task_release(rt_compute_task *task);
/* Isolates in the compute pool once started. */
ISLET_API size_t rt_compute_pool_size(void);

/* Dart's Isolate.run: spawns a fresh isolate running entry(copy of message)
 * with its own loop (timers, ports). It answers with rt_run_reply or
 * rt_run_fail, which end it; if it exits without answering (also when its
 * answer could not be sent), or dies of an unhandled error, the future
 * fails. NULL when out of memory or the isolate cannot be spawned. */
ISLET_API rt_future *rt_isolate_run(rt_entry_fn entry, rt_value *message);
/* In an isolate started by rt_isolate_run: answer with value (given up and
 * moved, not copied) and exit. A value that cannot be sent fails the future
 * with the reason instead. */
ISLET_API void rt_run_reply(rt_value *value);
ISLET_API void rt_run_fail(int code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
