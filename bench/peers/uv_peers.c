/*
 * Peer benchmarks for Islet: the same shapes measured with libuv and plain pthreads.
 *
 * Prints one JSON line per benchmark:
 *   {"bench": "NAME", "unit": "UNIT", "value": V, "runs": 5}
 * where V is the median over REPS repetitions (each preceded by one untimed warm-up run).
 *
 *   uv_async_pingpong        ns per round trip, two threads each running a uv_loop_t,
 *                            ping-ponging with uv_async_send
 *   condvar_pingpong         ns per round trip, two pthreads, one mutex + one condvar
 *   atomic_pingpong          ns per round trip, two pthreads spinning on one atomic word
 *                            (the cache-line floor: a line moves to the other core and back)
 *   uv_queue_work_roundtrip  us per sequential uv_queue_work round trip (trivial work)
 *   uv_timers_1m             ms to start 1,000,000 timers (timeouts i % 100 ms) and run
 *                            the loop until all have fired
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <uv.h>

/* Overridable with -D for quick runs (e.g. under valgrind). */
#ifndef REPS
#define REPS 5
#endif
#ifndef PINGPONG_ROUNDS
#define PINGPONG_ROUNDS 20000
#endif
#ifndef QUEUE_WORK_ROUNDS
#define QUEUE_WORK_ROUNDS 20000
#endif
#ifndef NUM_TIMERS
#define NUM_TIMERS 1000000
#endif

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void uv_check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "uv_peers: %s failed: %s\n", what, uv_strerror(rc));
        exit(1);
    }
}

static void pt_check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "uv_peers: %s failed (error %d)\n", what, rc);
        exit(1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void report(const char *bench, const char *unit, double *samples, int n)
{
    printf("{\"bench\": \"%s\", \"unit\": \"%s\", \"value\": %.3f, \"runs\": %d}\n", bench, unit,
           median(samples, n), n);
    fflush(stdout);
}

/* ---------------------------------------------------------------------------------------- */
/* uv_async_pingpong                                                                        */

struct async_pp {
    uv_loop_t loop_a, loop_b;
    uv_async_t async_a, async_b; /* async_a lives on loop_a (main thread), async_b on loop_b */
    atomic_int stop;
    int rounds;
    int target;
    uint64_t t_end;
};

static void async_b_cb(uv_async_t *h)
{
    struct async_pp *pp = h->data;
    if (atomic_load_explicit(&pp->stop, memory_order_acquire)) {
        uv_close((uv_handle_t *)h, NULL);
        return;
    }
    uv_check(uv_async_send(&pp->async_a), "uv_async_send(a)");
}

static void async_a_cb(uv_async_t *h)
{
    struct async_pp *pp = h->data;
    if (++pp->rounds < pp->target) {
        uv_check(uv_async_send(&pp->async_b), "uv_async_send(b)");
        return;
    }
    pp->t_end = now_ns();
    atomic_store_explicit(&pp->stop, 1, memory_order_release);
    uv_check(uv_async_send(&pp->async_b), "uv_async_send(b)");
    uv_close((uv_handle_t *)h, NULL);
}

static void *async_b_thread(void *arg)
{
    struct async_pp *pp = arg;
    uv_check(uv_run(&pp->loop_b, UV_RUN_DEFAULT), "uv_run(b)");
    return NULL;
}

static double run_async_pingpong(int rounds)
{
    struct async_pp pp = {0};
    pthread_t tb;

    pp.target = rounds;
    atomic_init(&pp.stop, 0);
    uv_check(uv_loop_init(&pp.loop_a), "uv_loop_init(a)");
    uv_check(uv_loop_init(&pp.loop_b), "uv_loop_init(b)");
    uv_check(uv_async_init(&pp.loop_a, &pp.async_a, async_a_cb), "uv_async_init(a)");
    uv_check(uv_async_init(&pp.loop_b, &pp.async_b, async_b_cb), "uv_async_init(b)");
    pp.async_a.data = &pp;
    pp.async_b.data = &pp;
    pt_check(pthread_create(&tb, NULL, async_b_thread, &pp), "pthread_create");

    uint64_t t0 = now_ns();
    uv_check(uv_async_send(&pp.async_b), "uv_async_send(b)");
    uv_check(uv_run(&pp.loop_a, UV_RUN_DEFAULT), "uv_run(a)");

    pt_check(pthread_join(tb, NULL), "pthread_join");
    uv_check(uv_loop_close(&pp.loop_a), "uv_loop_close(a)");
    uv_check(uv_loop_close(&pp.loop_b), "uv_loop_close(b)");
    return (double)(pp.t_end - t0) / rounds;
}

/* ---------------------------------------------------------------------------------------- */
/* condvar_pingpong                                                                         */

struct cv_pp {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int turn; /* 0: A's turn, 1: B's turn */
    int rounds;
};

static void *cv_b_thread(void *arg)
{
    struct cv_pp *pp = arg;
    pthread_mutex_lock(&pp->mu);
    for (int i = 0; i < pp->rounds; i++) {
        while (pp->turn != 1)
            pthread_cond_wait(&pp->cv, &pp->mu);
        pp->turn = 0;
        pthread_cond_signal(&pp->cv);
    }
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

static double run_condvar_pingpong(int rounds)
{
    struct cv_pp pp = {.turn = 0, .rounds = rounds};
    pthread_t tb;

    pt_check(pthread_mutex_init(&pp.mu, NULL), "pthread_mutex_init");
    pt_check(pthread_cond_init(&pp.cv, NULL), "pthread_cond_init");
    pt_check(pthread_create(&tb, NULL, cv_b_thread, &pp), "pthread_create");

    uint64_t t0 = now_ns();
    pthread_mutex_lock(&pp.mu);
    for (int i = 0; i < rounds; i++) {
        pp.turn = 1;
        pthread_cond_signal(&pp.cv);
        while (pp.turn != 0)
            pthread_cond_wait(&pp.cv, &pp.mu);
    }
    pthread_mutex_unlock(&pp.mu);
    uint64_t t1 = now_ns();

    pt_check(pthread_join(tb, NULL), "pthread_join");
    pthread_cond_destroy(&pp.cv);
    pthread_mutex_destroy(&pp.mu);
    return (double)(t1 - t0) / rounds;
}

/* ---------------------------------------------------------------------------------------- */
/* atomic_pingpong                                                                          */

struct at_pp {
    _Alignas(64) atomic_int turn; /* odd: B's turn, even: A's */
    int rounds;
};

static void *at_b_thread(void *arg)
{
    struct at_pp *pp = arg;
    for (int i = 0; i < pp->rounds; i++) {
        while (atomic_load_explicit(&pp->turn, memory_order_acquire) != 2 * i + 1)
            ;
        atomic_store_explicit(&pp->turn, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static double run_atomic_pingpong(int rounds)
{
    struct at_pp pp = {.rounds = rounds};
    atomic_init(&pp.turn, 0);
    pthread_t tb;
    pt_check(pthread_create(&tb, NULL, at_b_thread, &pp), "pthread_create");
    uint64_t t0 = now_ns();
    for (int i = 0; i < rounds; i++) {
        atomic_store_explicit(&pp.turn, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit(&pp.turn, memory_order_acquire) != 2 * i + 2)
            ;
    }
    uint64_t t1 = now_ns();
    pt_check(pthread_join(tb, NULL), "pthread_join");
    return (double)(t1 - t0) / rounds;
}

/* ---------------------------------------------------------------------------------------- */
/* uv_queue_work_roundtrip                                                                  */

struct qw {
    uv_loop_t loop;
    uv_work_t req;
    int done;
    int target;
    atomic_int sink;
};

static void qw_work(uv_work_t *req)
{
    struct qw *q = req->data;
    atomic_fetch_add_explicit(&q->sink, 1, memory_order_relaxed);
}

static void qw_after(uv_work_t *req, int status)
{
    struct qw *q = req->data;
    uv_check(status, "uv_queue_work (after)");
    if (++q->done < q->target)
        uv_check(uv_queue_work(&q->loop, &q->req, qw_work, qw_after), "uv_queue_work");
}

static double run_queue_work(int rounds)
{
    struct qw q = {.target = rounds};

    atomic_init(&q.sink, 0);
    uv_check(uv_loop_init(&q.loop), "uv_loop_init");
    q.req.data = &q;

    uint64_t t0 = now_ns();
    uv_check(uv_queue_work(&q.loop, &q.req, qw_work, qw_after), "uv_queue_work");
    uv_check(uv_run(&q.loop, UV_RUN_DEFAULT), "uv_run");
    uint64_t t1 = now_ns();

    if (q.done != rounds || atomic_load(&q.sink) != rounds) {
        fprintf(stderr, "uv_peers: uv_queue_work ran %d/%d\n", q.done, rounds);
        exit(1);
    }
    uv_check(uv_loop_close(&q.loop), "uv_loop_close");
    return (double)(t1 - t0) / rounds / 1000.0;
}

/* ---------------------------------------------------------------------------------------- */
/* uv_timers_1m                                                                             */

static int timers_fired;

static void timer_cb(uv_timer_t *t)
{
    (void)t;
    timers_fired++;
}

static double run_timers(uv_timer_t *timers, int n)
{
    uv_loop_t loop;

    timers_fired = 0;
    uv_check(uv_loop_init(&loop), "uv_loop_init");
    uv_update_time(&loop);

    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
        uv_check(uv_timer_init(&loop, &timers[i]), "uv_timer_init");
        uv_check(uv_timer_start(&timers[i], timer_cb, (uint64_t)(i % 100), 0), "uv_timer_start");
    }
    uv_check(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
    uint64_t t1 = now_ns();

    if (timers_fired != n) {
        fprintf(stderr, "uv_peers: %d/%d timers fired\n", timers_fired, n);
        exit(1);
    }
    for (int i = 0; i < n; i++)
        uv_close((uv_handle_t *)&timers[i], NULL);
    uv_check(uv_run(&loop, UV_RUN_DEFAULT), "uv_run (close)");
    uv_check(uv_loop_close(&loop), "uv_loop_close");
    return (double)(t1 - t0) / 1e6;
}

/* ---------------------------------------------------------------------------------------- */

int main(void)
{
    double s[REPS];

    run_async_pingpong(PINGPONG_ROUNDS / 10);
    for (int r = 0; r < REPS; r++)
        s[r] = run_async_pingpong(PINGPONG_ROUNDS);
    report("uv_async_pingpong", "ns", s, REPS);

    run_condvar_pingpong(PINGPONG_ROUNDS / 10);
    for (int r = 0; r < REPS; r++)
        s[r] = run_condvar_pingpong(PINGPONG_ROUNDS);
    report("condvar_pingpong", "ns", s, REPS);

    run_atomic_pingpong(PINGPONG_ROUNDS / 10);
    for (int r = 0; r < REPS; r++)
        s[r] = run_atomic_pingpong(PINGPONG_ROUNDS * 10);
    report("atomic_pingpong", "ns", s, REPS);

    run_queue_work(QUEUE_WORK_ROUNDS / 10); /* also starts libuv's thread pool */
    for (int r = 0; r < REPS; r++)
        s[r] = run_queue_work(QUEUE_WORK_ROUNDS);
    report("uv_queue_work_roundtrip", "us", s, REPS);

    uv_timer_t *timers = malloc(sizeof *timers * NUM_TIMERS);
    if (!timers) {
        fprintf(stderr, "uv_peers: out of memory\n");
        return 1;
    }
    run_timers(timers, NUM_TIMERS / 10);
    for (int r = 0; r < REPS; r++)
        s[r] = run_timers(timers, NUM_TIMERS);
    free(timers);
    report("uv_timers_1m", "ms", s, REPS);

    uv_library_shutdown();
    return 0;
}
