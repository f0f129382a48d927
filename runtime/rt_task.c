/* rt_task.c: tasks answered on the caller's loop (see rt_task_private.h). */
#include <islet/rt_heap.h>
#include "rt_task_private.h"

typedef struct rt__task_inbox {
    rt_receive_port *port;
    size_t pending;
} rt__task_inbox;

static void task_finish(rt__task *t)
{
    t->done = true;
    if (t->progress) rt_future_release(rt_stream_close(t->progress));
}

void rt__task_unref(rt__task *t)
{
    if (--t->refs) return;
    rt__heap_remove_finalizer(&t->fin);
    rt_completer_release(t->c);
    rt_stream_release(t->progress);
    if (t->release_payload) t->release_payload(t->payload);
    rt_free(t);
}

void rt__task_settle(rt__task *t)
{
    rt__task_inbox *tp = t->owner->tasks;
    if (tp && --tp->pending == 0) rt__receive_port_set_keepalive(tp->port, false);
    rt__task_unref(t);
}

/* What a trace or an event log shows for the event that took the answer. */
static void label_answer(const rt__task *t, int kind)
{
    rt_event_label(t->labels ? t->labels[kind] : "task answer");
}

/* The items an answer of each kind has before the send time that
 * rt__task_reply appends (a reserve, built ahead, has none). */
static const size_t answer_len[] = {
    [RT__TASK_RESULT] = 3, [RT__TASK_ERROR] = 5, [RT__TASK_PROGRESS] = 3, [RT__TASK_CANCELLED] = 2};

/* rt_event_answer's record for the event (and its microtasks). */
static void note_answer(const rt__task *t, int kind, const rt_value *v)
{
    size_t n = rt_list_len(v);
    if (kind < 0 || kind > RT__TASK_CANCELLED || n != answer_len[kind] + 1) return;
    rt_answer_info *a = &t->owner->answer;
    a->received_ns = rt_monotonic_ns();
    a->sent_ns = rt_value_as_int(rt_list_get(v, n - 1));
    a->label = t->labels ? t->labels[kind] : "task answer";
    a->final = kind != RT__TASK_PROGRESS;
}

static void on_answer(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    int kind = (int)rt_value_as_int(rt_list_get(v, 0));
    rt__task *t = (rt__task *)(intptr_t)rt_value_as_int(rt_list_get(v, 1));
    label_answer(t, kind);
    note_answer(t, kind, v);
    if (kind == RT__TASK_PROGRESS) {
        if (!t->done && t->progress)
            rt_stream_add(t->progress, rt_value_copy(rt_list_get(v, 2), NULL));
        rt_value_free(v);
        return;
    }
    if (t->done) {
        rt_value_free(v);
    } else if (kind == RT__TASK_RESULT) {
        /* The future owns the whole message; the value moved, no copy. */
        rt__completer_complete_part((struct rt_completer *)t->c, v, rt_list_get(v, 2));
    } else {
        bool err = kind == RT__TASK_ERROR;
        rt_error e = {err ? (int)rt_value_as_int(rt_list_get(v, 2)) : RT_ECANCELLED,
                      err ? rt_value_as_string(rt_list_get(v, 3), NULL) : "runtime",
                      err ? rt_value_as_string(rt_list_get(v, 4), NULL) : "cancelled"};
        rt_completer_fail_with(t->c, &e);
        rt_value_free(v);
    }
    if (!t->done) task_finish(t);
    rt__task_settle(t);
}

static rt__task_inbox *task_inbox(rt_isolate *iso)
{
    if (iso->tasks) return iso->tasks;
    rt__task_inbox *tp = rt_malloc(sizeof *tp);
    if (!tp) return NULL;
    tp->pending = 0;
    tp->port = rt_receive_port_open(on_answer, NULL, NULL);
    if (!tp->port) {
        rt_free(tp);
        return NULL;
    }
    rt__receive_port_set_keepalive(tp->port, false);
    iso->tasks = tp;
    return tp;
}

rt_send_port *rt__task_port(rt_isolate *iso)
{
    rt__task_inbox *tp = task_inbox(iso);
    return tp ? rt_receive_port_send_port(tp->port) : NULL;
}

static void task_finalize(rt_finalizer *fin)
{
    rt__task *t = rt__container_of(fin, rt__task, fin);
    if (t->release_payload) t->release_payload(t->payload);
}

rt__task *rt__task_new(bool handle, rt_future **f)
{
    rt_isolate *iso = rt__isolate_check("rt__task_new");
    *f = NULL;
    rt__task *t = task_inbox(iso) ? rt_calloc(1, sizeof *t) : NULL;
    rt_completer *c = t ? rt_completer_new(true) : NULL;
    if (!c) {
        rt_free(t);
        return NULL;
    }
    t->refs = handle ? 2 : 1;
    t->owner = iso;
    t->fin.fn = task_finalize;
    rt__heap_add_finalizer(&iso->heap, &t->fin);
    t->c = c;
    /* With a handle, progress is kept from the start (buffered until listened). */
    t->progress = handle ? rt_stream_controller_new(NULL) : NULL;
    *f = rt_completer_future(c);
    return t;
}

int64_t rt__task_id(const rt__task *t)
{
    return (int64_t)(intptr_t)t;
}

void rt__task_started(rt__task *t)
{
    rt__task_inbox *tp = t->owner->tasks;
    if (tp->pending++ == 0) rt__receive_port_set_keepalive(tp->port, true);
}

void rt__task_fail(rt__task *t, int code, const char *domain, const char *message)
{
    if (t->done) return;
    rt_completer_fail(t->c, code, domain, "%s", message);
    task_finish(t);
}

int rt__task_reply(rt_send_port *to, int64_t id, int kind, rt_value **items, size_t n, int mode)
{
    rt_value *list = rt_value_list();
    int rc = list ? RT_OK : RT_ENOMEM;
    rt_value *head[2] = {rt_value_int(kind), rt_value_int(id)};
    for (size_t i = 0; i < 2 + n + 1; i++) {
        /* Last, the send time: the receiver measures an answer's way to
         * the screen from it (rt_event_answer). */
        rt_value *v = i < 2 ? head[i] : i < 2 + n ? items[i - 2] : rt_value_int(rt_monotonic_ns());
        if (i >= 2 && i < 2 + n) items[i - 2] = NULL;
        if (!rc && !v) rc = RT_ENOMEM;
        if (!rc) rc = rt_list_push(list, v);
        if (rc) rt_value_free(v);
    }
    if (!rc) rc = rt__port_send_mode(to, list, mode);
    rt_value_free(list);
    return rc;
}

void rt__task_reply_error(rt_send_port *to, int64_t id, int code, const char *domain,
                          const char *message)
{
    rt_value *items[3] = {rt_value_int(code), rt_value_string(domain), rt_value_string(message)};
    if (rt__task_reply(to, id, RT__TASK_ERROR, items, 3, RT_MSG_SEND) != RT_OK)
        fprintf(stderr, "islet: %s error could not be reported: %s\n", domain, message);
}
