/* rt_internals_private.h: the runtime internals islet-http uses, reached
 * through one table.
 *
 * islet-http is its own library (the only one that links libcurl) but is
 * built on the runtime's tasks and messages. A shared runtime exports only
 * public names, so its rt__ functions are out of reach from another shared
 * library; the runtime hands them out instead through one exported function
 * (GLib's glib__private__ habit for gio). Include this header after the
 * other private headers, in islet-http's sources only: it redirects the
 * names below to the table, the same in static and shared builds.
 */
#ifndef RT_INTERNALS_PRIVATE_H
#define RT_INTERNALS_PRIVATE_H

#include "rt_heap_private.h"
#include "rt_isolate_private.h"
#include "rt_task_private.h"
#include "rt_value_private.h"

/* Bumped whenever the table changes: islet-http checks it. */
#define RT_INTERNALS_VERSION 1

typedef struct rt__internals {
    int version;
    void *(*raw_alloc)(size_t n);
    void (*raw_free)(void *p, size_t n);
    rt_heap *(*current_heap)(const char *func);
    rt_isolate *(*isolate_check)(const char *func);
    void (*at_main_leave)(void (*fn)(void));
    bool (*spin_for)(atomic_int *flag, int64_t budget_ns);
    int (*msg_new)(rt_heap *sender, rt_value *v, rt_msg_mode mode, rt_msg **out);
    void (*msg_post)(rt_msg *m);
    void (*msg_discard)(rt_msg *m);
    rt_value *(*value_bytes_adopt)(rt_heap *h, char *data, size_t len);
    rt__task *(*task_new)(bool handle, rt_future **f);
    rt_send_port *(*task_port)(rt_isolate *iso);
    int64_t (*task_id)(const rt__task *t);
    void (*task_started)(rt__task *t);
    void (*task_fail)(rt__task *t, int code, const char *domain, const char *message);
    void (*task_settle)(rt__task *t);
    void (*task_unref)(rt__task *t);
    int (*task_reply)(rt_send_port *to, int64_t id, int kind, rt_value **items, size_t n, int mode);
} rt__internals;

/* The table (static storage). Exported, and not API: its layout changes with
 * any release. */
ISLET_API const rt__internals *islet_runtime_internals(int version);

#ifndef RT_INTERNALS_DEFINE
/* The table, checked against this header's version (a compare and a return). */
static inline const rt__internals *rt__http_internals(void)
{
    return islet_runtime_internals(RT_INTERNALS_VERSION);
}
#define RT__I(name) (rt__http_internals()->name)
#define rt__raw_alloc RT__I(raw_alloc)
#define rt__raw_free RT__I(raw_free)
#define rt__current_heap RT__I(current_heap)
#define rt__isolate_check RT__I(isolate_check)
#define rt__at_main_leave RT__I(at_main_leave)
#define rt__spin_for RT__I(spin_for)
#define rt__msg_new RT__I(msg_new)
#define rt__msg_post RT__I(msg_post)
#define rt__msg_discard RT__I(msg_discard)
#define rt__value_bytes_adopt RT__I(value_bytes_adopt)
#define rt__task_new RT__I(task_new)
#define rt__task_port RT__I(task_port)
#define rt__task_id RT__I(task_id)
#define rt__task_started RT__I(task_started)
#define rt__task_fail RT__I(task_fail)
#define rt__task_settle RT__I(task_settle)
#define rt__task_unref RT__I(task_unref)
#define rt__task_reply RT__I(task_reply)
#endif

#endif
