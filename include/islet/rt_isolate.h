/* rt_isolate.h: isolates, each a private heap plus an event loop run by one
 * thread at a time. Isolates share nothing and talk only through ports.
 *
 * Threads: the main isolate runs on the thread that called rt_main_enter.
 * Spawned isolates run on a pool of worker threads (as many as CPUs, at
 * least 2, created on first spawn): an isolate with work to do is queued and
 * a worker runs it until it has none, then it parks and costs no thread. An
 * isolate spawned with `dedicated_thread` gets a thread of its own (for I/O
 * isolates that must never wait behind compute work). A long synchronous
 * function holds its worker until it returns.
 */
#ifndef RT_ISOLATE_H
#define RT_ISOLATE_H

#include <islet/rt_export.h>

#include <islet/rt_loop.h>

/* A handle to an isolate, reference counted, usable from any thread. It
 * outlives the isolate: after exit its operations do nothing. */
typedef struct rt_isolate rt_isolate;

/* Runs in the new isolate. `message` is a copy owned by the entry (NULL when
 * spawned with no message). */
typedef void (*rt_entry_fn)(rt_value *message);

typedef struct rt_isolate_options {
    const char *name;       /* debug name, copied; default "isolate-<n>" */
    rt_send_port *on_exit;  /* receives null when the isolate exits (never lost:
                             * the message is made at spawn) */
    rt_send_port *on_error; /* receives {isolate, code, message} per unhandled error */
    bool paused;            /* start paused: entry runs after rt_isolate_resume */
    bool errors_nonfatal;   /* unhandled errors do not kill it (default: they do) */
    bool dedicated_thread;  /* a thread of its own instead of the pool */
    rt_clock *clock;        /* main / dedicated only; default monotonic */
    rt_waiter *waiter;      /* main or dedicated; default a condition variable */
} rt_isolate_options;

typedef enum rt_kill_priority {
    /* Exits after the current event and its microtasks, before the next event. */
    RT_KILL_BEFORE_NEXT_EVENT,
    /* Exits as soon as control returns to the loop, even between microtasks. */
    RT_KILL_IMMEDIATE
} rt_kill_priority;

/* Makes the calling thread the main isolate: a heap, an event loop, and the
 * default name "main". Errors in main are not fatal unless asked. 0, or
 * RT_ESTATE when this thread is already an isolate, RT_ENOMEM. */
ISLET_API int rt_main_enter(const rt_isolate_options *opts);
/* Ends the main isolate: kills every other isolate, waits for them and for
 * the worker threads, closes ports, cancels timers and frees the heap. It
 * needs no memory, so it returns even when none is left (once every other
 * isolate's current event has ended: C code cannot be interrupted). */
ISLET_API void rt_main_leave(void);

/* Spawns an isolate that runs entry(copy of message) on its own heap and
 * loop, and stays alive while it has open ports or pending timers. The caller
 * keeps `message`. On success *out (if not NULL) gets a handle the caller must
 * rt_isolate_release. Call from an isolate. 0 or an error (message errors as
 * rt_port_send, RT_ENOMEM, RT_EAGAIN when no thread can be started). */
ISLET_API int rt_isolate_spawn(rt_entry_fn entry, rt_value *message, const rt_isolate_options *opts,
                               rt_isolate **out);
ISLET_API rt_isolate *rt_isolate_dup(rt_isolate *iso);
ISLET_API void rt_isolate_release(rt_isolate *iso);
/* The debug name; lives as long as the handle. */
ISLET_API const char *rt_isolate_name(const rt_isolate *iso);
/* A new reference to the send port of the isolate's default receive port
 * (see rt_default_port); release it with rt_send_port_release. After the
 * isolate has exited it is a closed port. Thread-safe. */
ISLET_API rt_send_port *rt_isolate_port(rt_isolate *iso);
/* Sends a copy of message to the isolate's default port (as rt_port_send). */
ISLET_API int rt_isolate_send(rt_isolate *iso, rt_value *message);
/* Asks the isolate to exit. It takes effect at the next event boundary (or,
 * immediate, the next microtask boundary): C code cannot be interrupted, so a
 * long synchronous function runs to its end first. Thread-safe. */
ISLET_API void rt_isolate_kill(rt_isolate *iso, rt_kill_priority priority);
/* Pauses event processing (counted: each pause needs one resume). Messages
 * queue up meanwhile. Takes effect at the next event boundary. Thread-safe. */
ISLET_API void rt_isolate_pause(rt_isolate *iso);
ISLET_API void rt_isolate_resume(rt_isolate *iso);
ISLET_API bool rt_isolate_is_alive(const rt_isolate *iso);

/* The calling thread's current isolate (borrowed), NULL outside any. */
ISLET_API rt_isolate *rt_isolate_current(void);
/* The current isolate's default receive port. It buffers messages sent to
 * rt_isolate_port until a handler is set with rt_receive_port_listen; it keeps
 * the isolate alive only once it has a handler. */
ISLET_API rt_receive_port *rt_default_port(void);

/* Ends the current isolate: `message` (which the isolate gives up) goes to
 * `port` without being copied, its payloads moved in O(1) whatever their
 * size, and nothing else runs in the isolate: no further microtasks, events
 * or timers. C cannot unwind the caller, so the function returns; the caller
 * should return promptly. In the main isolate it ends rt_run. */
ISLET_API void rt_isolate_exit(rt_send_port *port, rt_value *message);

/* Reports an error nobody handled: to the isolate's on_error port, else to
 * stderr with the isolate's name. Kills the isolate (before the next event)
 * unless it was spawned with errors_nonfatal. */
ISLET_API void rt_report_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Control after spawn (Dart's Isolate control messages) ----
 *
 * Requests travel as control messages: they queue apart from events and the
 * target handles them even while paused, in the order they were made, at
 * the first point its thread gets control: between two microtasks, before
 * the next event, or at once when idle or paused (C code cannot be
 * interrupted, so never inside a running callback). To a dead isolate they
 * do nothing, except where a function says otherwise. A request that
 * returns 0 was queued (or answered); RT_ENOMEM means nothing was queued. */

typedef enum rt_ping_priority {
    /* Answered when the request is handled: possibly between two microtasks
     * of the current event, always before the next event. */
    RT_PING_IMMEDIATE,
    /* Answered after the current event and all its microtasks, before the
     * next event (also while paused or idle). */
    RT_PING_BEFORE_NEXT_EVENT
} rt_ping_priority;

/* Dart's Isolate.ping: asks iso to send a copy of `response` (NULL: null;
 * the caller keeps it) to `port` at the time `priority` says, ahead of any
 * queued events. A dead isolate never answers. Call from an isolate (the
 * response is one of its values) on any thread; message errors as
 * rt_port_send. */
ISLET_API int rt_isolate_ping(rt_isolate *iso, rt_send_port *port, rt_value *response,
                              rt_ping_priority priority);

/* Dart's addErrorListener: each unhandled error of iso (rt_report_error) is
 * also sent to `port` as {isolate, code, message}. Adding a port that is
 * already listening (the spawn-time on_error included) does nothing. The
 * isolate keeps its own reference to port. Any thread. */
ISLET_API int rt_isolate_add_error_listener(rt_isolate *iso, rt_send_port *port);
/* Stops sending errors to port (also the spawn-time on_error); errors
 * reported before iso handles this request may still arrive. Any thread. */
ISLET_API int rt_isolate_remove_error_listener(rt_isolate *iso, rt_send_port *port);

/* Dart's addOnExitListener: a copy of `response` (NULL: null; the caller
 * keeps it) goes to `port` when iso exits, after everything else it sent.
 * The copy is made now, so exiting never needs memory. Adding a port again
 * replaces its response (one message per port; the spawn-time on_exit
 * included). Unlike Dart, where a dead isolate sends nothing, an isolate
 * that has already exited answers at once: every added listener hears
 * exactly once. Call from an isolate (any thread); message errors as
 * rt_port_send. */
ISLET_API int rt_isolate_add_on_exit_listener(rt_isolate *iso, rt_send_port *port,
                                              rt_value *response);
/* Forgets port's exit response (the spawn-time on_exit included); an exit
 * that happens before iso handles the request still sends it. Any thread. */
ISLET_API int rt_isolate_remove_on_exit_listener(rt_isolate *iso, rt_send_port *port);

/* Dart's setErrorsFatal: whether an unhandled error ends iso (as the
 * spawn option errors_nonfatal, changed later). Any thread. */
ISLET_API int rt_isolate_set_errors_fatal(rt_isolate *iso, bool fatal);

/* Dart's Isolate.errors: a broadcast stream, in the CALLING isolate, with
 * one error event (code, domain "isolate", message) per unhandled error of
 * iso while someone listens, and done once iso has exited (Dart's stream
 * never ends; here it ends so that its port does not keep the caller alive
 * for ever). Built on a receive port, an error listener and an exit
 * listener, made on the first listen and dropped when the last listener
 * cancels. The caller gets a reference (rt_stream_release); NULL when out of
 * memory. Call from an isolate; the stream belongs to it. */
struct rt_stream;
ISLET_API struct rt_stream *rt_isolate_errors(rt_isolate *iso);

/* Dart's Capability: an unguessable token (a random 64-bit id, never 0).
 * Treat it as opaque: copy it, compare it with rt_capability_equal. Any
 * thread. */
typedef struct rt_capability {
    uint64_t id;
} rt_capability;
ISLET_API rt_capability rt_capability_new(void);
ISLET_API bool rt_capability_equal(rt_capability a, rt_capability b);
/* A capability crosses isolates as an int value holding its id (no value
 * kind of its own: that would touch every switch over rt_value_kind). The
 * value belongs to the current isolate; NULL when out of memory. */
ISLET_API rt_value *rt_value_capability(rt_capability cap);
/* The capability in an int value made by rt_value_capability (a zero id,
 * which matches nothing, for any other value). */
ISLET_API rt_capability rt_value_as_capability(const rt_value *v);

/* Dart's pause(): pauses iso until rt_isolate_resume_with(iso, *out). The
 * pause is made at once (events stop at the next event boundary); control
 * requests are still handled. Pauses add up with each other and with
 * rt_isolate_pause, but rt_isolate_resume never ends a capability pause.
 * A dead isolate still gives a capability (which resumes nothing). 0 or
 * RT_ENOMEM. Any thread. */
ISLET_API int rt_isolate_pause_with(rt_isolate *iso, rt_capability *out);
/* Ends the pause made with cap. A capability that paused nothing here, or
 * was already used, does nothing (Dart's rule). Any thread. */
ISLET_API void rt_isolate_resume_with(rt_isolate *iso, rt_capability cap);

/* A snapshot of an isolate, for tools such as an isolates panel. */
typedef struct rt_isolate_stats {
    bool alive;
    bool running;            /* a thread is in its loop right now */
    uint64_t events_handled; /* events run so far */
    size_t heap_bytes;       /* heap footprint at the end of its last turn */
} rt_isolate_stats;
ISLET_API void rt_isolate_get_stats(const rt_isolate *iso, rt_isolate_stats *out);
/* One line of an isolates panel. */
typedef struct rt_isolate_info {
    char name[48];
    rt_isolate_stats stats;
} rt_isolate_info;
/* Fills out[0..n) with the isolates alive now, oldest first, and returns
 * how many are alive (may exceed n). Any thread; a snapshot, stale at once. */
ISLET_API size_t rt_isolate_snapshot(rt_isolate_info *out, size_t n);
/* Number of isolates alive in the process, main included. Thread-safe. */
ISLET_API size_t rt_isolate_count(void);

#endif
