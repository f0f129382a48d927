/* rt_internals.c: the table of runtime internals islet-http calls
 * (rt_internals_private.h explains why a table). */
#define RT_INTERNALS_DEFINE
#include "rt_internals_private.h"

static const rt__internals table = {
    .version = RT_INTERNALS_VERSION,
    .raw_alloc = rt__raw_alloc,
    .raw_free = rt__raw_free,
    .current_heap = rt__current_heap,
    .isolate_check = rt__isolate_check,
    .at_main_leave = rt__at_main_leave,
    .spin_for = rt__spin_for,
    .msg_new = rt__msg_new,
    .msg_post = rt__msg_post,
    .msg_discard = rt__msg_discard,
    .value_bytes_adopt = rt__value_bytes_adopt,
    .task_new = rt__task_new,
    .task_port = rt__task_port,
    .task_id = rt__task_id,
    .task_started = rt__task_started,
    .task_fail = rt__task_fail,
    .task_settle = rt__task_settle,
    .task_unref = rt__task_unref,
    .task_reply = rt__task_reply,
};

const rt__internals *islet_runtime_internals(int version)
{
    if (version != RT_INTERNALS_VERSION)
        rt_die(__func__,
               "islet-http and islet-runtime come from different builds "
               "(internals version %d, runtime has %d)",
               version, RT_INTERNALS_VERSION);
    return &table;
}
