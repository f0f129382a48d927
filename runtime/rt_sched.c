/* rt_sched.c: running isolates on threads.
 *
 * Pooled isolates are multiplexed on a fixed pool of worker threads. An
 * isolate is IDLE (parked, no thread), QUEUED (in the run queue) or RUNNING
 * (one worker is in its loop). A wake moves IDLE -> QUEUED with one CAS, so
 * exactly one worker ever runs an isolate at a time. A parked isolate with a
 * timer sits in a min-heap of sleepers by deadline; idle workers sleep until
 * the earliest one. Dedicated isolates get their own thread and block in a
 * waiter, like the main isolate.
 *
 * Wakes are what cost (a futex wake, then a vCPU to start: tens of us on a
 * VM), so the pool avoids them:
 *   - a worker whose isolate ran out of work lingers on it for a moment
 *     (an adaptive spin, rt_wait.c) while its messages have been coming
 *     quickly: a reply then costs no scheduling at all;
 *   - an idle worker watches the run queue briefly before sleeping, and
 *     queueing signals a sleeping worker only when nobody watches;
 *   - a worker that takes work and leaves more behind wakes the next one.
 */
#include "rt_isolate_private.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Turns one worker gives an isolate before letting others run. */
#define TURN_BUDGET 16

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work; /* workers wait here */
    pthread_cond_t gone; /* rt_main_leave waits here for isolates to exit */
    rt_link runq;
    int spinning;      /* idle workers spinning now (at most one) */
    bool signal;       /* unlock() signals a sleeping worker */
    int64_t signal_ns; /* when a sleeping worker was last signalled */
    rt_link all;
    size_t count;
    pthread_t *workers;
    int nworkers, idle;
    bool stopping, inited;
    bool leaving;          /* rt_main_leave is killing every isolate */
    rt_isolate **sleepers; /* min-heap by sleep_deadline */
    size_t nsleep, sleep_cap;
    struct dedicated {
        pthread_t thread;
        rt_isolate *iso;
        bool done; /* the thread has finished: join it */
    } * dedicated;
    size_t ndedicated, dedicated_cap;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .runq = {&g.runq, &g.runq}, .all = {&g.all, &g.all}};

/* What spinners watch, each on its own cache line: runq is not empty; and
 * the number of workers lingering on an isolate (idle workers then give
 * way: the lingering worker takes new work itself). */
static _Alignas(64) atomic_int has_work;
static _Alignas(64) atomic_int lingering;
/* The earliest sleeper's deadline (INT64_MAX: none), for lingering workers,
 * which must not sit on a timer another isolate waits for. */
static atomic_llong first_deadline = INT64_MAX;

static void init_conds(void)
{
    if (g.inited) return;
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&g.work, &a);
    pthread_cond_init(&g.gone, &a);
    pthread_condattr_destroy(&a);
    g.inited = true;
}

void rt__sched_register(rt_isolate *iso)
{
    pthread_mutex_lock(&g.lock);
    init_conds();
    rt__list_push_back(&g.all, &iso->all);
    g.count++;
    /* Spawned while main leaves (by an isolate not yet gone): born killed, so
     * it exits before its entry runs and leaving never waits for it. */
    if (g.leaving) atomic_store(&iso->kill, 1 + RT_KILL_IMMEDIATE);
    pthread_mutex_unlock(&g.lock);
}

/* ---- Sleepers: a min-heap of parked isolates by their next timer ---- */

static void sleep_place(size_t i, rt_isolate *iso)
{
    g.sleepers[i] = iso;
    iso->sleep_index = i;
    if (i == 0) atomic_store_explicit(&first_deadline, iso->sleep_deadline, memory_order_relaxed);
}

static void sleep_fix(size_t i)
{
    rt_isolate *iso = g.sleepers[i];
    while (i > 0 && g.sleepers[(i - 1) / 2]->sleep_deadline > iso->sleep_deadline) {
        sleep_place(i, g.sleepers[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= g.nsleep) break;
        if (c + 1 < g.nsleep && g.sleepers[c + 1]->sleep_deadline < g.sleepers[c]->sleep_deadline)
            c++;
        if (g.sleepers[c]->sleep_deadline >= iso->sleep_deadline) break;
        sleep_place(i, g.sleepers[c]);
        i = c;
    }
    sleep_place(i, iso);
}

static void sleep_remove_locked(rt_isolate *iso)
{
    size_t i = iso->sleep_index;
    if (i == SIZE_MAX) return;
    iso->sleep_index = SIZE_MAX;
    rt_isolate *last = g.sleepers[--g.nsleep];
    if (last != iso) {
        sleep_place(i, last);
        sleep_fix(i);
    }
    if (g.nsleep == 0) atomic_store_explicit(&first_deadline, INT64_MAX, memory_order_relaxed);
}

/* Records when a parked isolate must run again; false if out of memory. */
static bool sleep_set_locked(rt_isolate *iso, int64_t deadline)
{
    if (deadline == INT64_MAX) {
        sleep_remove_locked(iso);
        return true;
    }
    iso->sleep_deadline = deadline;
    if (iso->sleep_index != SIZE_MAX) {
        sleep_fix(iso->sleep_index);
        return true;
    }
    if (g.nsleep == g.sleep_cap) {
        size_t cap = g.sleep_cap ? g.sleep_cap * 2 : 64;
        rt_isolate **n = rt__raw_realloc(g.sleepers, g.sleep_cap * sizeof *n, cap * sizeof *n);
        if (!n) return false;
        g.sleepers = n;
        g.sleep_cap = cap;
    }
    sleep_place(g.nsleep++, iso);
    sleep_fix(iso->sleep_index);
    return true;
}

/* ---- Run queue ---- */

/* Asks for a sleeping worker unless one is watching the run queue already.
 * The signal itself goes out in unlock(), after the lock is released:
 * signalled under the lock, the worker would wake only to block on it. */
static void signal_worker_locked(void)
{
    if (g.idle == 0 || g.spinning > 0 || atomic_load(&lingering) > 0) return;
    g.signal_ns = rt_monotonic_ns();
    g.signal = true;
}

static void unlock(void)
{
    bool sig = g.signal;
    g.signal = false;
    pthread_mutex_unlock(&g.lock);
    if (sig) pthread_cond_signal(&g.work);
}

static void enqueue_locked(rt_isolate *iso)
{
    rt__list_push_back(&g.runq, &iso->runq);
    atomic_store_explicit(&has_work, 1, memory_order_release);
    signal_worker_locked();
}

void rt__sched_schedule(rt_isolate *iso)
{
    int expect = RT_SCHED_IDLE;
    if (!atomic_compare_exchange_strong(&iso->sched, &expect, RT_SCHED_QUEUED)) return;
    pthread_mutex_lock(&g.lock);
    enqueue_locked(iso);
    unlock();
}

static void wake_sleepers_locked(int64_t now)
{
    while (g.nsleep > 0 && g.sleepers[0]->sleep_deadline <= now) {
        rt_isolate *iso = g.sleepers[0];
        sleep_remove_locked(iso);
        /* A wake like any other: if the isolate is still being parked
         * (RUNNING), the pending flag makes park() queue it itself. */
        if (atomic_exchange(&iso->wake_pending, 1)) continue;
        int expect = RT_SCHED_IDLE;
        if (atomic_compare_exchange_strong(&iso->sched, &expect, RT_SCHED_QUEUED))
            enqueue_locked(iso);
    }
}

void rt__sched_unregister(rt_isolate *iso)
{
    pthread_mutex_lock(&g.lock);
    sleep_remove_locked(iso);
    rt__list_remove(&iso->all);
    g.count--;
    pthread_cond_broadcast(&g.gone);
    pthread_mutex_unlock(&g.lock);
}

/* Gives the worker back: the isolate has nothing ready until `next`. */
static void park(rt_isolate *iso, int64_t next)
{
    iso->parked_ns = rt_monotonic_ns();
    pthread_mutex_lock(&g.lock);
    bool ok = sleep_set_locked(iso, rt__paused(iso) ? INT64_MAX : next);
    pthread_mutex_unlock(&g.lock);
    if (!ok) {
        /* Cannot record the deadline: stay runnable rather than lose the timer. */
        pthread_mutex_lock(&g.lock);
        enqueue_locked(iso);
        unlock();
        return;
    }
    /* Once IDLE is published another worker may run the isolate to its
     * exit and drop the last reference: hold one while we still look. */
    rt_isolate_dup(iso);
    atomic_store(&iso->sched, RT_SCHED_IDLE);
    /* A wake that came while we ran saw RUNNING and left it to us. */
    if (atomic_load(&iso->wake_pending)) {
        int expect = RT_SCHED_IDLE;
        if (atomic_compare_exchange_strong(&iso->sched, &expect, RT_SCHED_QUEUED)) {
            pthread_mutex_lock(&g.lock);
            enqueue_locked(iso);
            unlock();
        }
    }
    rt__isolate_unref(iso);
}

/* With nothing to do until `next`, keeps the worker on the isolate for a
 * moment if its wakes have been coming quickly, unless other isolates wait:
 * true if the isolate has work again. The isolate stays RUNNING meanwhile,
 * so a sender's wake is only the wake_pending flag. */
static bool linger(rt_isolate *iso, int64_t next)
{
    if (rt__paused(iso) || atomic_load_explicit(&has_work, memory_order_relaxed)) return false;
    int64_t now = rt_monotonic_ns();
    int64_t other = atomic_load_explicit(&first_deadline, memory_order_relaxed);
    if (other <= now) return false;                    /* a parked isolate's timer is due */
    if (next != INT64_MAX && next <= now) return true; /* our own is */
    int64_t until = next < other ? next : other;
    int64_t limit = until == INT64_MAX ? -1 : until - now;
    atomic_fetch_add(&lingering, 1);
    bool got = rt__spin_wait(&iso->spin, &iso->wake_pending, &has_work, limit, true);
    atomic_fetch_sub(&lingering, 1);
    if (atomic_load_explicit(&has_work, memory_order_relaxed)) return false;
    now = rt_monotonic_ns();
    if (atomic_load_explicit(&first_deadline, memory_order_relaxed) <= now) return false;
    return got || (next != INT64_MAX && now >= next);
}

static void run_pooled(rt_isolate *iso)
{
    atomic_store(&iso->sched, RT_SCHED_RUNNING);
    rt__current = iso;
    if (iso->parked_ns) {
        /* Parked a short while ago and wanted again: lingering would pay. */
        rt__spin_slept(&iso->spin, rt_monotonic_ns() - iso->parked_ns, true);
        iso->parked_ns = 0;
    }
    for (int turn = 0;; turn++) {
        atomic_store(&iso->wake_pending, 0);
        int64_t next = rt__loop_turn(iso);
        if (next == RT_TURN_EXIT) {
            rt__isolate_exit_now(iso);
            atomic_store(&iso->sched, RT_SCHED_DONE);
            rt__current = NULL;
            rt__isolate_unref(iso);
            return;
        }
        if (next == 0 && turn < TURN_BUDGET) continue;
        if (next != 0 && linger(iso, next)) {
            turn = 0;
            continue;
        }
        rt__current = NULL;
        if (next == 0) {
            atomic_store(&iso->sched, RT_SCHED_QUEUED);
            pthread_mutex_lock(&g.lock);
            enqueue_locked(iso);
            unlock();
        } else {
            park(iso, next);
        }
        return;
    }
}

/* Sleeps until signalled or the earliest sleeper is due; under g.lock.
 * Learns from how soon and how late the signal came. */
static void worker_sleep(rt__spin *spin)
{
    g.idle++;
    int64_t t0 = rt_monotonic_ns();
    int rc;
    if (g.nsleep > 0) {
        int64_t d = g.sleepers[0]->sleep_deadline;
        struct timespec ts = {(time_t)(d / 1000000000), (long)(d % 1000000000)};
        rc = pthread_cond_timedwait(&g.work, &g.lock, &ts);
    } else {
        rc = pthread_cond_wait(&g.work, &g.lock);
    }
    g.idle--;
    if (rc != 0) return;
    int64_t t = rt_monotonic_ns();
    rt__spin_slept(spin, t - t0, true);
    if (g.signal_ns > t0) rt__woke_after(t - g.signal_ns);
}

static void *worker_main(void *arg)
{
    (void)arg;
    bool spun = false;
    rt__spin spin = {0};
    pthread_mutex_lock(&g.lock);
    while (!g.stopping) {
        wake_sleepers_locked(rt_monotonic_ns());
        rt_link *l = rt__list_pop_front(&g.runq);
        if (rt__list_empty(&g.runq)) {
            atomic_store(&has_work, 0);
            g.signal = false; /* what was queued, this worker takes */
        } else if (l) {
            signal_worker_locked(); /* more than we take: wake the next worker */
        }
        if (l) {
            unlock();
            run_pooled(rt__container_of(l, rt_isolate, runq));
            pthread_mutex_lock(&g.lock);
            spun = false;
            continue;
        }
        /* Out of work: one worker at a time watches briefly before sleeping,
         * since a reply is often only microseconds away; none while a worker
         * lingers on its isolate (it takes new work itself). */
        if (!spun && g.spinning == 0 && !atomic_load(&lingering)) {
            spun = true;
            g.spinning++;
            unlock();
            rt__spin_wait(&spin, &has_work, &lingering, -1, false);
            pthread_mutex_lock(&g.lock);
            g.spinning--;
            continue;
        }
        spun = false;
        worker_sleep(&spin);
    }
    pthread_mutex_unlock(&g.lock);
    return NULL;
}

static int worker_count(void)
{
    const char *env = getenv("ISLET_WORKERS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 2 ? 2 : (n > 256 ? 256 : (int)n);
}

/* Starts the pool on first use; under g.lock. */
static int start_workers_locked(void)
{
    if (g.workers) return RT_OK;
    int n = worker_count();
    g.workers = rt__raw_alloc((size_t)n * sizeof *g.workers);
    if (!g.workers) return RT_ENOMEM;
    for (g.nworkers = 0; g.nworkers < n; g.nworkers++)
        if (pthread_create(&g.workers[g.nworkers], NULL, worker_main, NULL) != 0) break;
    return g.nworkers > 0 ? RT_OK : RT_EAGAIN;
}

int rt__sched_start_pooled(rt_isolate *iso)
{
    pthread_mutex_lock(&g.lock);
    int rc = start_workers_locked();
    if (rc == RT_OK) {
        atomic_store(&iso->sched, RT_SCHED_QUEUED);
        enqueue_locked(iso);
    }
    unlock();
    return rc;
}

static void *dedicated_main(void *arg)
{
    rt_isolate *iso = arg;
    rt__current = iso;
    rt__loop_run_owned(iso, RT_RUN_DEFAULT);
    rt__isolate_exit_now(iso);
    rt__current = NULL;
    pthread_mutex_lock(&g.lock);
    for (size_t i = 0; i < g.ndedicated; i++)
        if (g.dedicated[i].iso == iso) g.dedicated[i].done = true;
    pthread_mutex_unlock(&g.lock);
    rt__isolate_unref(iso);
    return NULL;
}

/* Joins dedicated threads that have finished, so that isolates started and
 * ended over a long run do not pile up threads. Under g.lock. */
static void reap_dedicated_locked(void)
{
    size_t k = 0;
    for (size_t i = 0; i < g.ndedicated; i++) {
        if (g.dedicated[i].done)
            pthread_join(g.dedicated[i].thread, NULL);
        else
            g.dedicated[k++] = g.dedicated[i];
    }
    g.ndedicated = k;
}

int rt__sched_start_dedicated(rt_isolate *iso)
{
    pthread_mutex_lock(&g.lock);
    reap_dedicated_locked();
    int rc = RT_OK;
    if (g.ndedicated == g.dedicated_cap) {
        size_t cap = g.dedicated_cap ? g.dedicated_cap * 2 : 8;
        struct dedicated *n =
            rt__raw_realloc(g.dedicated, g.dedicated_cap * sizeof *n, cap * sizeof *n);
        if (!n)
            rc = RT_ENOMEM;
        else
            g.dedicated = n, g.dedicated_cap = cap;
    }
    if (rc == RT_OK) {
        struct dedicated *d = &g.dedicated[g.ndedicated];
        d->iso = iso;
        d->done = false;
        if (pthread_create(&d->thread, NULL, dedicated_main, iso) != 0)
            rc = RT_EAGAIN;
        else
            g.ndedicated++;
    }
    pthread_mutex_unlock(&g.lock);
    return rc;
}

size_t rt_isolate_count(void)
{
    pthread_mutex_lock(&g.lock);
    size_t n = g.count;
    pthread_mutex_unlock(&g.lock);
    return n;
}

size_t rt_isolate_snapshot(rt_isolate_info *out, size_t n)
{
    size_t k = 0;
    pthread_mutex_lock(&g.lock);
    for (rt_link *l = g.all.next; l != &g.all; l = l->next, k++) {
        if (k >= n) continue;
        rt_isolate *iso = rt__container_of(l, rt_isolate, all);
        snprintf(out[k].name, sizeof out[k].name, "%s", iso->name);
        rt_isolate_get_stats(iso, &out[k].stats);
    }
    pthread_mutex_unlock(&g.lock);
    return k;
}

/* Kills every isolate but the caller and waits until they have exited. It
 * allocates nothing, so that leaving always works: the victims are linked
 * through their own `doomed` nodes, each held by a reference, and killed
 * outside g.lock (a kill takes the victim's lock, which nests outside g's).
 * Isolates spawned meanwhile are born killed (rt__sched_register). */
static void kill_others(rt_isolate *self)
{
    rt_link doomed;
    rt__list_init(&doomed);
    pthread_mutex_lock(&g.lock);
    g.leaving = true;
    for (rt_link *l = g.all.next; l != &g.all; l = l->next) {
        rt_isolate *iso = rt__container_of(l, rt_isolate, all);
        if (iso != self) rt__list_push_back(&doomed, &rt_isolate_dup(iso)->doomed);
    }
    pthread_mutex_unlock(&g.lock);
    rt_link *l;
    while ((l = rt__list_pop_front(&doomed))) {
        rt_isolate *iso = rt__container_of(l, rt_isolate, doomed);
        rt_isolate_kill(iso, RT_KILL_IMMEDIATE);
        rt__isolate_unref(iso);
    }
    pthread_mutex_lock(&g.lock);
    while (g.count > 1)
        pthread_cond_wait(&g.gone, &g.lock);
    pthread_mutex_unlock(&g.lock);
}

void rt__sched_shutdown(void)
{
    kill_others(rt__current);
    pthread_mutex_lock(&g.lock);
    g.stopping = true;
    pthread_cond_broadcast(&g.work);
    pthread_mutex_unlock(&g.lock);
    for (int i = 0; i < g.nworkers; i++)
        pthread_join(g.workers[i], NULL);
    for (size_t i = 0; i < g.ndedicated; i++)
        pthread_join(g.dedicated[i].thread, NULL);
    pthread_mutex_lock(&g.lock);
    rt__raw_free(g.workers, (size_t)g.nworkers * sizeof *g.workers);
    rt__raw_free(g.dedicated, g.dedicated_cap * sizeof *g.dedicated);
    rt__raw_free(g.sleepers, g.sleep_cap * sizeof *g.sleepers);
    g.workers = NULL;
    g.dedicated = NULL;
    g.sleepers = NULL;
    g.nworkers = 0;
    g.ndedicated = g.dedicated_cap = g.nsleep = g.sleep_cap = 0;
    g.stopping = g.leaving = false;
    pthread_mutex_unlock(&g.lock);
}
