/* rt_compute.c: the compute pool, compute tasks, and Isolate.run.
 *
 * A job is the one shared object: the caller builds its input message, the
 * pool's FIFO queue holds it, a pool isolate runs it and answers on the
 * caller's compute port with [kind, id, ...] lists:
 *   [0, id, result]  [1, id, code, domain, message]  [2, id, progress]
 *   [3, id] (cancelled before it started)
 * Kinds 0, 1 and 3 are final; the caller's task stays alive until then.
 */
#include "rt_compute.h"
#include "rt_heap.h"
#include "rt_task_private.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* Isolate.run's own answers, on a port of its own. */
enum { R_RESULT, R_ERROR };

typedef struct job {
    rt_link link;
    atomic_int refs;
    atomic_bool cancelled;
    rt_compute_fn fn;
    rt_msg *input;
    rt_send_port *reply;
    int64_t id;
    rt_isolate *runner; /* pool.lock */
    bool queued;        /* pool.lock */
} job;

static struct {
    pthread_mutex_t lock;
    rt_link queue;
    rt_isolate **idle;
    size_t nidle, idle_cap;
    size_t workers; /* started and not abandoned */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .queue = {&pool.queue, &pool.queue}};

static void job_release(job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) != 1) return;
    if (j->input) rt__msg_discard(j->input);
    rt_send_port_release(j->reply);
    rt__raw_free(j, sizeof *j);
}

size_t rt_compute_pool_size(void)
{
    const char *env = getenv("ISLET_COMPUTE_WORKERS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 2 ? 2 : (n > 64 ? 64 : (size_t)n);
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

static void reply_error(job *j, int code, const char *domain, const char *msg)
{
    rt__task_reply_error(j->reply, j->id, code, domain, msg);
}

static void run_job(job *j)
{
    if (atomic_load(&j->cancelled)) {
        rt__task_reply(j->reply, j->id, RT__TASK_CANCELLED, NULL, 0, RT_MSG_SEND);
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
    /* The result is given up: large payloads move instead of being copied. */
    int rc = rt__task_reply(j->reply, j->id, RT__TASK_RESULT, &result, 1, RT_MSG_EXIT);
    if (rc) reply_error(j, rc, "compute", rt_strerror(rc));
}

static void run_next(void *unused);

static void worker_poke(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
    run_next(NULL);
}

static void run_next(void *unused)
{
    (void)unused;
    rt_isolate *me = rt__current;
    pthread_mutex_lock(&pool.lock);
    rt_link *l = rt__list_pop_front(&pool.queue);
    job *j = l ? rt__container_of(l, job, link) : NULL;
    if (j) {
        j->queued = false;
        j->runner = me;
    } else if (pool.nidle < pool.idle_cap) {
        pool.idle[pool.nidle++] = rt_isolate_dup(me);
    }
    pthread_mutex_unlock(&pool.lock);
    if (!j) return;
    run_job(j);
    pthread_mutex_lock(&pool.lock);
    j->runner = NULL;
    pthread_mutex_unlock(&pool.lock);
    job_release(j);
    /* The next job in a later event, so kill and pause act between jobs. */
    if (rt_post(run_next, NULL) != RT_OK) run_next(NULL);
}

static void worker_entry(rt_value *msg)
{
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), worker_poke, NULL, NULL);
    run_next(NULL);
}

/* Makes sure someone will take the queue's head: poke an idle worker, or
 * start one if the pool is not full. Called from any isolate. */
static void pool_kick(void)
{
    pthread_mutex_lock(&pool.lock);
    if (!pool.idle) {
        pool.idle_cap = rt_compute_pool_size();
        pool.idle = rt__raw_alloc(pool.idle_cap * sizeof *pool.idle);
        if (!pool.idle) pool.idle_cap = 0;
    }
    rt_isolate *idle = NULL;
    size_t start = 0; /* the number of the worker to start, if any */
    if (!rt__list_empty(&pool.queue)) {
        if (pool.nidle > 0)
            idle = pool.idle[--pool.nidle];
        else if (pool.workers < rt_compute_pool_size())
            start = ++pool.workers;
    }
    pthread_mutex_unlock(&pool.lock);
    if (idle) {
        rt_value *poke = rt_value_null();
        if (!poke || rt_isolate_send(idle, poke) != RT_OK)
            rt_report_error(RT_ENOMEM, "compute pool: could not wake a worker");
        rt_value_free(poke);
        rt_isolate_release(idle);
    }
    if (start) {
        char name[32];
        snprintf(name, sizeof name, "compute-%zu", start);
        rt_isolate_options o = {.name = name, .dedicated_thread = true, .errors_nonfatal = true};
        if (rt_isolate_spawn(worker_entry, NULL, &o, NULL) != RT_OK) {
            pthread_mutex_lock(&pool.lock);
            pool.workers--;
            pthread_mutex_unlock(&pool.lock);
            rt_report_error(RT_EAGAIN, "compute pool: could not start a worker isolate");
        }
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
    for (size_t i = 0; i < pool.nidle; i++)
        rt_isolate_release(pool.idle[i]);
    rt__raw_free(pool.idle, pool.idle_cap * sizeof *pool.idle);
    pool.idle = NULL;
    pool.nidle = pool.idle_cap = pool.workers = 0;
    pthread_mutex_unlock(&pool.lock);
}

/* ---- Caller side: a task per job ---- */

static void release_job(void *j)
{
    job_release(j);
}

rt_future *rt_compute_start(rt_compute_fn fn, rt_value *message, rt_compute_task **out)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(fn != NULL, "fn is NULL");
    if (out) *out = NULL;
    rt_future *f;
    rt__task *t = rt__task_new(out != NULL, &f);
    job *j = t ? rt__raw_alloc(sizeof *j) : NULL;
    rt_msg *input = NULL;
    int rc = j ? RT_OK : RT_ENOMEM;
    if (!rc && message) rc = rt__msg_new(&iso->heap, message, RT_MSG_SEND, &input);
    if (rc) {
        rt__raw_free(j, sizeof *j);
        if (t && out) rt__task_unref(t);
        if (t) rt__task_unref(t);
        rt_future_release(f);
        return NULL;
    }
    memset(j, 0, sizeof *j);
    atomic_init(&j->refs, 2); /* the queue (then the runner), and the task */
    j->fn = fn;
    j->input = input;
    j->reply = rt_send_port_dup(rt__task_port(iso));
    j->id = rt__task_id(t);
    t->payload = j;
    t->release_payload = release_job;
    rt__task_started(t);
    pthread_mutex_lock(&pool.lock);
    j->queued = true;
    rt__list_push_back(&pool.queue, &j->link);
    pthread_mutex_unlock(&pool.lock);
    pool_kick();
    if (out) *out = (rt_compute_task *)t;
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
        victim = rt_isolate_dup(j->runner);
        j->runner = NULL;
        pool.workers--; /* abandoned: a fresh one may take its place */
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
    rt_value *copy = rt_value_kind_of(msg) == RT_NULL ? NULL : rt_value_copy(msg, NULL);
    rt_value_free(wrapped);
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

static void run_exit_with(rt_value *list)
{
    rt_isolate *iso = rt__isolate_check("rt_run_reply");
    RT_CHECK(iso->run_reply != NULL, "isolate '%s' was not started by rt_isolate_run", iso->name);
    rt_isolate_exit(list ? iso->run_reply : NULL, list);
}

void rt_run_reply(rt_value *value)
{
    rt_value *list = rt_value_list();
    int rc = list ? push_new(list, rt_value_int(R_RESULT)) : RT_ENOMEM;
    if (!rc)
        rc = push_new(list, value ? value : rt_value_null());
    else
        rt_value_free(value);
    if (rc) {
        rt_value_free(list);
        rt_run_fail(RT_ENOMEM, "isolate", "out of memory building the result");
        return;
    }
    run_exit_with(list);
}

void rt_run_fail(int code, const char *domain, const char *fmt, ...)
{
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
    /* Without memory for the answer, exiting unanswered still fails the future. */
    run_exit_with(rc ? NULL : list);
}
