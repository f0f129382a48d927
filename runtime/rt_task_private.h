/* rt_task_private.h: work done elsewhere, answered on the caller's loop.
 *
 * compute() and HTTP share this: the caller makes a task (a future, maybe a
 * progress stream) and gets an id; whoever does the work answers on the
 * caller isolate's one task port with [kind, id, ...] lists:
 *   [RT__TASK_RESULT, id, value]  [RT__TASK_ERROR, id, code, domain, message]
 *   [RT__TASK_PROGRESS, id, value]  [RT__TASK_CANCELLED, id]
 * each followed by the doer's send time (rt_monotonic_ns; a reserve answer,
 * built ahead, has none), which rt_event_answer gives the receiving event.
 * Results, errors and cancellations are final: the task lives, and keeps
 * its isolate alive, until the final answer arrives (rt__task_settle when
 * none will). Main-thread (owning isolate) only, except rt__task_reply.
 */
#ifndef RT_TASK_PRIVATE_H
#define RT_TASK_PRIVATE_H

#include "rt_heap_private.h"
#include "rt_isolate_private.h"
#include <islet/rt_stream.h>

enum { RT__TASK_RESULT, RT__TASK_ERROR, RT__TASK_PROGRESS, RT__TASK_CANCELLED };

typedef struct rt__task {
    int refs;
    rt_isolate *owner;
    rt_completer *c;
    rt_stream_controller *progress; /* NULL unless asked for */
    bool done;                      /* the future has its outcome */
    /* Its answers' event names, by RT__TASK_* kind ("compute result", "HTTP
     * response", ...; static strings); NULL: "task answer". */
    const char *const *labels;
    void *payload; /* the doer's data (a job) */
    void (*release_payload)(void *payload);
    /* Releases the payload if the isolate exits with the answer still
     * pending (the task's memory goes with the heap). */
    rt_finalizer fin;
} rt__task;

/* A task of the current isolate and its future (*f, a new reference). With
 * a handle the caller holds a second reference and gets a progress stream.
 * NULL when out of memory. */
rt__task *rt__task_new(bool handle, rt_future **f);
/* The current isolate's task port, where answers go (borrowed). */
rt_send_port *rt__task_port(rt_isolate *iso);
int64_t rt__task_id(const rt__task *t);
/* The work was handed over: the task now waits for its final answer. */
void rt__task_started(rt__task *t);
/* Fails the future now, if it has no outcome yet (a cancel: RT_ECANCELLED);
 * a final answer may still come and is then dropped. */
void rt__task_fail(rt__task *t, int code, const char *domain, const char *message);
/* No final answer will come: let go of the task. */
void rt__task_settle(rt__task *t);
void rt__task_unref(rt__task *t);

/* Doer side (any isolate): sends [kind, id, items...]; the items are taken.
 * mode RT_MSG_EXIT moves large payloads. */
int rt__task_reply(rt_send_port *to, int64_t id, int kind, rt_value **items, size_t n, int mode);
void rt__task_reply_error(rt_send_port *to, int64_t id, int code, const char *domain,
                          const char *message);

#endif
