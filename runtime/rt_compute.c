/* rt_compute.c: the compute pool, compute tasks, and Isolate.run.
 *
 * A job is the one shared object: the caller builds its input message, the
 * pool's FIFO queue holds it, a pool isolate runs it and answers on the
 * caller's compute port with [kind, id, ...] lists:
 *   [0, id, result]  [1, id, code, domain, message]  [2, id, progress]
 *   [3, id] (cancelled before it started)
 * Kinds 0, 1 and 3 are final; the caller's task stays alive until then.
 */
#include <islet/rt_compute.h>
#include <islet/rt_heap.h>
#include "rt_task_private.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* Isolate.run's own answers, on a port of its own. */
enum { R_RESULT, R_ERROR };

/* The reserve's text capacities: room for a domain and a one-line message. */
enum { RESERVE_DOMAIN = 31, RESERVE_TEXT = 160 };

typedef struct worker worker;

typedef struct job {
    rt_link link;
    atomic_int refs;
    atomic_bool cancelled;
    rt_compute_fn fn;
    rt_msg *input;
    rt_send_port *reply;
    /* A final error answer built with the job, so that a failure to answer
     * (out of memory, a result that cannot be sent, no worker) is still
     * reported; whoever holds the job fills it in and posts it. */
    rt_msg *reserve;
    int64_t id;
    uint64_t flow;  /* traced: from the event that started it to the job */
    worker *runner; /* pool.lock */
    bool queued;    /* pool.lock */
} job;

/* A pool isolate's record, kept by the pool. Waking a parked worker posts
 * its embedded wake message: it never allocates, so no wake is ever lost. */
struct worker {
    rt_link link;       /* pool.all */
    rt_link idle_link;  /* pool.idle while parked */
    rt_isolate *iso;    /* borrowed; valid while the record is in pool.all */
    rt_send_port *port; /* the worker's default port, where wakes go */
    rt_msg wake;
    rt_finalizer fin; /* in the worker's heap: drops the record at its exit */
    bool idle;
    bool abandoned; /* hard-cancelled: it takes no more jobs and is killed */
};

static struct {
    pthread_mutex_t lock;
    rt_link queue;
    rt_link idle;   /* parked workers, most recent last */
    rt_link all;    /* every worker record */
    size_t workers; /* started and not abandoned */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .queue = {&pool.queue, &pool.queue},
          .idle = {&pool.idle, &pool.idle},
          .all = {&pool.all, &pool.all}};

static void job_release(job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) != 1) return;
    if (j->input) rt__msg_discard(j->input);
    if (j->reserve) rt__msg_discard(j->reserve);
    rt_send_port_release(j->reply);
    rt__raw_free(j, sizeof *j);
}

size_t rt_compute_pool_size(void)
{
    const char *env = getenv("ISLET_COMPUTE_WORKERS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 2 ? 2 : (n > 64 ? 64 : (size_t)n);
}

/* ---- The reserve: a job's last-resort answer ---- */

/* [RT__TASK_ERROR, id, code, domain, message] with blank text of full
 * capacity, built in the caller's heap; its port is the caller's. */
static rt_msg *reserve_new(rt_heap *h, rt_send_port *to, int64_t id)
{
    char blank[RESERVE_TEXT];
    memset(blank, ' ', sizeof blank);
    rt_value *items[5] = {rt_value_int(RT__TASK_ERROR), rt_value_int(id), rt_value_int(0),
                          rt_value_string_n(blank, RESERVE_DOMAIN),
                          rt_value_string_n(blank, RESERVE_TEXT)};
    rt_value *list = rt_value_list();
    int rc = list ? RT_OK : RT_ENOMEM;
    for (int i = 0; i < 5; i++) {
        if (!rc && !items[i]) rc = RT_ENOMEM;
        if (!rc) rc = rt_list_push(list, items[i]);
        if (rc) rt_value_free(items[i]);
    }
    rt_msg *m = NULL;
    if (!rc && rt__msg_new(h, list, RT_MSG_SEND, &m) == RT_OK) m->port = rt_send_port_dup(to);
    rt_value_free(list);
    return m;
}

/* Writes text over a blank string of the reserve, cut to its capacity;
 * bytes outside ASCII become '?' so that the text stays valid UTF-8. */
static void reserve_text(rt_value *s, const char *text)
{
    size_t n = 0;
    for (; n < s->u.str.len && text[n]; n++)
        s->u.str.data[n] = (char)((unsigned char)text[n] < 0x80 ? text[n] : '?');
    s->u.str.data[n] = 0;
    s->u.str.len = n;
}

/* Fails the job's future with this error, whatever memory is left. The
 * caller holds the job (the queue's or the runner's reference). */
static void reserve_post(job *j, int code, const char *domain, const char *msg)
{
    rt_msg *m = j->reserve;
    j->reserve = NULL;
    rt_value **items = m->root->u.items;
    items[2]->u.i = code;
    reserve_text(items[3], domain);
    reserve_text(items[4], msg);
    rt__msg_post(m);
}

/* ---- Worker side ---- */

struct rt_compute_ctx {
    job *job;
    bool failed;
    int code;
    char domain[32];
    char message[480];
};

void rt_compute_fail(rt_compute_ctx *cx, int code, const char *domain, const char *fmt, ...)
{
    cx->failed = true;
    cx->code = code;
    snprintf(cx->domain, sizeof cx->domain, "%s", domain ? domain : "compute");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cx->message, sizeof cx->message, fmt, ap);
    va_end(ap);
}

bool rt_compute_cancelled(const rt_compute_ctx *cx)
{
    return atomic_load_explicit(&cx->job->cancelled, memory_order_relaxed);
}

int rt_compute_progress(rt_compute_ctx *cx, rt_value *value)
{
    job *j = cx->job;
    return rt__task_reply(j->reply, j->id, RT__TASK_PROGRESS, &value, 1, RT_MSG_SEND);
}

/* Sends an error answer; falls back on the reserve when it cannot. */
static void reply_error(job *j, int code, const char *domain, const char *msg)
{
    rt_value *items[3] = {rt_value_int(code), rt_value_string(domain), rt_value_string(msg)};
    if (rt__task_reply(j->reply, j->id, RT__TASK_ERROR, items, 3, RT_MSG_SEND) != RT_OK)
        reserve_post(j, code, domain, msg);
}

/* The result is given up: large payloads move instead of being copied. A
 * result that cannot be sent fails the future with the reason. */
static void reply_result(job *j, rt_value *result)
{
    int rc = rt__task_reply(j->reply, j->id, RT__TASK_RESULT, &result, 1, RT_MSG_EXIT);
    if (!rc) return;
    char msg[RESERVE_TEXT];
    snprintf(msg, sizeof msg, "the result could not be sent: %s", rt_strerror(rc));
    reply_error(j, rc, "compute", msg);
}

static void run_job(job *j)
{
    if (atomic_load(&j->cancelled)) {
        if (rt__task_reply(j->reply, j->id, RT__TASK_CANCELLED, NULL, 0, RT_MSG_SEND))
            reserve_post(j, RT_ECANCELLED, "compute", "cancelled");
        return;
    }
    rt_isolate *iso = rt__current;
    rt_value *in = NULL;
    if (j->input) {
        rt__msg_adopt(&iso->heap, j->input);
        in = j->input->root;
        j->input = NULL;
    }
    rt_compute_ctx cx = {.job = j};
    int64_t t0 = rt_tracing() ? rt_monotonic_ns() : 0;
    rt_trace_flow_end(j->flow, "compute");
    rt_value *result = j->fn(in, &cx);
    if (t0)
        rt_trace(&(rt_trace_event){.phase = RT_TRACE_SPAN,
                                   .isolate = iso->name,
                                   .name = "compute",
                                   .detail = cx.failed ? "failed" : NULL,
                                   .start_ns = t0,
                                   .dur_ns = rt_monotonic_ns() - t0});
    rt_value_free(in);
    if (cx.failed) {
        rt_value_free(result);
        reply_error(j, cx.code, cx.domain, cx.message);
        return;
    }
    reply_result(j, result);
}

/* Takes the queue's head for w, or parks w. NULL when w must stop. */
static job *take_job_locked(worker *w)
{
    if (w->abandoned) return NULL; /* its kill is on the way */
    rt_link *l = rt__list_pop_front(&pool.queue);
    if (!l) {
        w->idle = true;
        rt__list_push_back(&pool.idle, &w->idle_link);
        return NULL;
    }
    job *j = rt__container_of(l, job, link);
    j->queued = false;
    j->runner = w;
    return j;
}

static void run_next(void *ctx)
{
    worker *w = ctx;
    for (;;) {
        pthread_mutex_lock(&pool.lock);
        job *j = take_job_locked(w);
        pthread_mutex_unlock(&pool.lock);
        if (!j) return;
        run_job(j);
        pthread_mutex_lock(&pool.lock);
        if (j->runner == w) j->runner = NULL;
        pthread_mutex_unlock(&pool.lock);
        job_release(j);
        /* The next job in a later event, so kill and pause act between
         * jobs; without memory for the event, at once. */
        if (rt_post(run_next, w) == RT_OK) return;
    }
}

static void worker_woken(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    rt_value_free(v); /* NULL: the wake carries nothing */
    run_next(ctx);
}

/* Runs as the worker's heap goes (its exit): the pool forgets it. */
static void worker_gone(rt_finalizer *fin)
{
    worker *w = rt__container_of(fin, worker, fin);
    pthread_mutex_lock(&pool.lock);
    if (w->idle) rt__list_remove(&w->idle_link);
    if (!w->abandoned) pool.workers--;
    rt__list_remove(&w->link);
    pthread_mutex_unlock(&pool.lock);
    rt_send_port_release(w->port);
    rt__raw_free(w, sizeof *w);
}

static void worker_entry(rt_value *msg)
{
    worker *w = (worker *)(intptr_t)rt_value_as_int(msg);
    rt_value_free(msg);
    rt_isolate *me = rt__current;
    rt_receive_port *rp = rt_default_port();
    rt_receive_port_listen(rp, worker_woken, w, NULL);
    w->fin.fn = worker_gone;
    rt__heap_add_finalizer(&me->heap, &w->fin);
    pthread_mutex_lock(&pool.lock);
    w->iso = me;
    w->port = rt_send_port_dup(rt_receive_port_send_port(rp));
    pthread_mutex_unlock(&pool.lock);
    run_next(w);
}

/* Pops the queued jobs (to fail them: no worker is left to run them). */
static void take_queue_locked(rt_link *out)
{
    rt_link *l;
    while ((l = rt__list_pop_front(&pool.queue))) {
        rt__container_of(l, job, link)->queued = false;
        rt__list_push_back(out, l);
    }
}

/* Wakes a parked worker if one is left; under pool.lock, which keeps the
 * record alive while its wake is posted. */
static bool wake_idle_locked(void)
{
    while (!rt__list_empty(&pool.idle)) {
        worker *w = rt__container_of(pool.idle.prev, worker, idle_link);
        rt__list_remove(&w->idle_link);
        w->idle = false;
        if (rt__wake_post(&w->wake, w->port)) return true;
    }
    return false;
}

/* Starts a worker isolate; 0, or the error that stopped it (the record is
 * then gone again). */
static int start_worker(size_t number)
{
    worker *w = rt__raw_alloc(sizeof *w);
    if (!w) return RT_ENOMEM;
    memset(w, 0, sizeof *w);
    rt__wake_init(&w->wake);
    rt__list_init(&w->idle_link);
    pthread_mutex_lock(&pool.lock);
    rt__list_push_back(&pool.all, &w->link);
    pthread_mutex_unlock(&pool.lock);
    char name[32];
    snprintf(name, sizeof name, "compute-%zu", number);
    rt_isolate_options o = {.name = name, .dedicated_thread = true, .errors_nonfatal = true};
    rt_value *msg = rt_value_int((int64_t)(intptr_t)w);
    int rc = msg ? rt_isolate_spawn(worker_entry, msg, &o, NULL) : RT_ENOMEM;
    rt_value_free(msg);
    if (rc) {
        pthread_mutex_lock(&pool.lock);
        rt__list_remove(&w->link);
        pthread_mutex_unlock(&pool.lock);
        rt__raw_free(w, sizeof *w);
    }
    return rc;
}

/* Makes sure someone will take the queue's head: wake a parked worker, or
 * start one if the pool is not full. If no worker can be started and none
 * is left, the queued jobs fail: nobody would ever run them. Any isolate. */
static void pool_kick(void)
{
    pthread_mutex_lock(&pool.lock);
    size_t start = 0; /* the number of the worker to start, if any */
    if (!rt__list_empty(&pool.queue) && !wake_idle_locked() &&
        pool.workers < rt_compute_pool_size())
        start = ++pool.workers;
    pthread_mutex_unlock(&pool.lock);
    int rc = start ? start_worker(start) : RT_OK;
    if (!rc) return;
    rt_link failed;
    rt__list_init(&failed);
    pthread_mutex_lock(&pool.lock);
    if (--pool.workers == 0) take_queue_locked(&failed);
    pthread_mutex_unlock(&pool.lock);
    char msg[RESERVE_TEXT];
    snprintf(msg, sizeof msg, "could not start a compute isolate: %s", rt_strerror(rc));
    rt_link *l;
    while ((l = rt__list_pop_front(&failed))) {
        job *j = rt__container_of(l, job, link);
        reserve_post(j, rc, "compute", msg);
        job_release(j);
    }
}

void rt__compute_shutdown(void)
{
    pthread_mutex_lock(&pool.lock);
    rt_link *l;
    while ((l = rt__list_pop_front(&pool.queue))) {
        job *j = rt__container_of(l, job, link);
        j->queued = false;
        job_release(j);
    }
    /* Every isolate is gone: what is left are records of workers killed
     * before their entry ran. */
    while ((l = rt__list_pop_front(&pool.all))) {
        worker *w = rt__container_of(l, worker, link);
        rt_send_port_release(w->port);
        rt__raw_free(w, sizeof *w);
    }
    rt__list_init(&pool.idle);
    pool.workers = 0;
    pthread_mutex_unlock(&pool.lock);
}

/* ---- Caller side: a task per job ---- */

static void release_job(void *j)
{
    job_release(j);
}

/* A job for fn, its input copied from message; NULL when out of memory or
 * the message cannot be sent (*rc says which). */
static job *job_new(rt_isolate *iso, rt__task *t, rt_compute_fn fn, rt_value *message, int *rc)
{
    job *j = rt__raw_alloc(sizeof *j);
    *rc = j ? RT_OK : RT_ENOMEM;
    if (!j) return NULL;
    memset(j, 0, sizeof *j);
    atomic_init(&j->refs, 2); /* the queue (then the runner), and the task */
    j->fn = fn;
    j->reply = rt_send_port_dup(rt__task_port(iso));
    j->id = rt__task_id(t);
    j->reserve = reserve_new(&iso->heap, j->reply, j->id);
    if (!j->reserve) *rc = RT_ENOMEM;
    if (!*rc && message) *rc = rt__msg_new(&iso->heap, message, RT_MSG_SEND, &j->input);
    if (*rc) {
        atomic_store(&j->refs, 1);
        job_release(j);
        return NULL;
    }
    return j;
}

rt_future *rt_compute_start(rt_compute_fn fn, rt_value *message, rt_compute_task **task)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(fn != NULL, "fn is NULL");
    if (task) *task = NULL;
    rt_future *f;
    rt__task *t = rt__task_new(task != NULL, &f);
    static const char *const labels[] = {[RT__TASK_RESULT] = "compute result",
                                         [RT__TASK_ERROR] = "compute error",
                                         [RT__TASK_PROGRESS] = "compute progress",
                                         [RT__TASK_CANCELLED] = "compute cancelled"};
    if (t) t->labels = labels;
    int rc = RT_ENOMEM;
    job *j = t ? job_new(iso, t, fn, message, &rc) : NULL;
    if (j) j->flow = rt_trace_flow_begin("compute");
    if (!j) {
        if (t && task) rt__task_unref(t);
        if (t) rt__task_unref(t);
        rt_future_release(f);
        return NULL;
    }
    t->payload = j;
    t->release_payload = release_job;
    rt__task_started(t);
    pthread_mutex_lock(&pool.lock);
    j->queued = true;
    rt__list_push_back(&pool.queue, &j->link);
    pthread_mutex_unlock(&pool.lock);
    pool_kick();
    if (task) *task = (rt_compute_task *)t;
    return f;
}

rt_future *rt_compute(rt_compute_fn fn, rt_value *message)
{
    return rt_compute_start(fn, message, NULL);
}

rt_stream *rt_compute_task_progress(rt_compute_task *task)
{
    rt__task *t = (rt__task *)task;
    return t->progress ? rt_stream_controller_stream(t->progress) : NULL;
}

void rt_compute_task_cancel(rt_compute_task *task, bool hard)
{
    rt__task *t = (rt__task *)task;
    if (t->done) return;
    job *j = t->payload;
    atomic_store(&j->cancelled, true);
    rt_isolate *victim = NULL;
    bool unqueued = false;
    pthread_mutex_lock(&pool.lock);
    if (j->queued) {
        rt__list_remove(&j->link);
        j->queued = false;
        unqueued = true;
    } else if (hard && j->runner) {
        /* Abandoned under the lock: whatever it does before the kill lands,
         * it never parks nor takes another job. */
        j->runner->abandoned = true;
        victim = rt_isolate_dup(j->runner->iso);
        j->runner = NULL;
        pool.workers--; /* a fresh one may take its place */
    }
    pthread_mutex_unlock(&pool.lock);
    rt__task_fail(t, RT_ECANCELLED, "compute", hard ? "cancelled (hard)" : "cancelled");
    if (unqueued) {
        job_release(j); /* the queue's reference: no worker will answer */
        rt__task_settle(t);
    }
    if (victim) {
        rt_isolate_kill(victim, RT_KILL_IMMEDIATE);
        rt_isolate_release(victim);
        pool_kick();
    }
}

void rt_compute_task_release(rt_compute_task *task)
{
    if (task) rt__task_unref((rt__task *)task);
}

/* ---- Isolate.run ---- */

/* Appends v (taken, freed on failure) to list. */
static int push_new(rt_value *list, rt_value *v)
{
    if (!v) return RT_ENOMEM;
    int rc = rt_list_push(list, v);
    if (rc) rt_value_free(v);
    return rc;
}

typedef struct run_state {
    rt_completer *c;
} run_state;

static void run_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    run_state *rs = ctx;
    rt_value_kind k = rt_value_kind_of(v);
    bool pending = !rt_completer_is_completed(rs->c);
    if (k == RT_NULL) { /* on-exit: the isolate is gone */
        if (pending)
            rt_completer_fail(rs->c, RT_ESTATE, "isolate", "the isolate exited without a result");
        rt_value_free(v);
        rt_receive_port_close(p);
        rt_completer_release(rs->c);
        rt_free(rs);
        return;
    }
    if (!pending) {
        rt_value_free(v);
    } else if (k == RT_MAP) { /* on-error report */
        rt_error e = {(int)rt_value_as_int(rt_map_get(v, "code")), "isolate",
                      rt_value_as_string(rt_map_get(v, "message"), NULL)};
        rt_completer_fail_with(rs->c, &e);
        rt_value_free(v);
    } else if (rt_value_as_int(rt_list_get(v, 0)) == R_RESULT) {
        rt__completer_complete_part((struct rt_completer *)rs->c, v, rt_list_get(v, 1));
    } else {
        rt_error e = {(int)rt_value_as_int(rt_list_get(v, 1)),
                      rt_value_as_string(rt_list_get(v, 2), NULL),
                      rt_value_as_string(rt_list_get(v, 3), NULL)};
        rt_completer_fail_with(rs->c, &e);
        rt_value_free(v);
    }
}

static void run_trampoline(rt_value *wrapped)
{
    rt_isolate *iso = rt__current;
    iso->run_reply = rt_send_port_dup(rt_value_as_send_port(rt_list_get(wrapped, 0)));
    rt_entry_fn entry = (rt_entry_fn)(intptr_t)rt_value_as_int(rt_list_get(wrapped, 1));
    const rt_value *msg = rt_list_get(wrapped, 2);
    bool none = rt_value_kind_of(msg) == RT_NULL;
    rt_value *copy = none ? NULL : rt_value_copy(msg, NULL);
    rt_value_free(wrapped);
    if (!none && !copy) {
        rt_run_fail(RT_ENOMEM, "isolate", "out of memory copying the message");
        return;
    }
    entry(copy);
}

rt_future *rt_isolate_run(rt_entry_fn entry, rt_value *message)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    run_state *rs = rt_malloc(sizeof *rs);
    rt_completer *c = rs ? rt_completer_new(true) : NULL;
    rt_receive_port *p = c ? rt_receive_port_open(run_on_msg, rs, NULL) : NULL;
    rt_value *w = p ? rt_value_list() : NULL;
    rt_future *f = NULL;
    if (w) {
        rs->c = c;
        rt_send_port *sp = rt_receive_port_send_port(p);
        rt_value *items[3] = {rt_value_send_port(sp), rt_value_int((int64_t)(intptr_t)entry),
                              message ? rt_value_copy(message, NULL) : rt_value_null()};
        int rc = RT_OK;
        for (int i = 0; i < 3; i++) {
            if (!rc && items[i])
                rc = rt_list_push(w, items[i]);
            else
                rc = rc ? rc : RT_ENOMEM;
            if (rc) rt_value_free(items[i]);
        }
        rt_isolate_options o = {.name = "run", .on_exit = sp, .on_error = sp};
        if (!rc) rc = rt_isolate_spawn(run_trampoline, w, &o, NULL);
        if (!rc) f = rt_completer_future(c);
    }
    rt_value_free(w);
    if (!f) {
        if (p) rt_receive_port_close(p);
        rt_completer_release(c);
        rt_free(rs);
    }
    (void)iso;
    return f;
}

static rt_isolate *run_isolate(const char *func)
{
    rt_isolate *iso = rt__isolate_check(func);
    RT_CHECK(iso->run_reply != NULL, "isolate '%s' was not started by rt_isolate_run", iso->name);
    RT_CHECK(!iso->exiting, "isolate '%s' is already exiting", iso->name);
    return iso;
}

/* Sends the answer (given up: its payloads move); 0 or why it could not. */
static int run_send(rt_isolate *iso, rt_value *list)
{
    return list ? rt__port_send_mode(iso->run_reply, list, RT_MSG_EXIT) : RT_ENOMEM;
}

void rt_run_reply(rt_value *value)
{
    rt_isolate *iso = run_isolate(__func__);
    rt_value *list = rt_value_list();
    int rc = list ? push_new(list, rt_value_int(R_RESULT)) : RT_ENOMEM;
    if (!rc)
        rc = push_new(list, value ? value : rt_value_null());
    else
        rt_value_free(value);
    if (!rc) rc = run_send(iso, list);
    rt_value_free(list);
    if (rc) {
        rt_run_fail(rc, "isolate", "the result could not be sent: %s", rt_strerror(rc));
        return;
    }
    rt_isolate_exit(NULL, NULL);
}

void rt_run_fail(int code, const char *domain, const char *fmt, ...)
{
    rt_isolate *iso = run_isolate(__func__);
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_value *list = rt_value_list();
    rt_value *items[4] = {rt_value_int(R_ERROR), rt_value_int(code),
                          rt_value_string(domain ? domain : "isolate"), rt_value_string(msg)};
    int rc = list ? RT_OK : RT_ENOMEM;
    for (int i = 0; i < 4; i++) {
        if (rc)
            rt_value_free(items[i]);
        else
            rc = push_new(list, items[i]);
    }
    /* Unanswered, the isolate's on-exit message (built at spawn) still fails
     * the future. */
    if (!rc) run_send(iso, list);
    rt_value_free(list);
    rt_isolate_exit(NULL, NULL);
}
