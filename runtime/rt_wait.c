/* rt_wait.c: blocking without losing wakes, and spinning briefly first.
 *
 * Waking a sleeping thread costs tens of microseconds on a virtual machine
 * (the host must schedule the vCPU). A thread about to sleep therefore spins
 * for a short, bounded time (default 150 us, ISLET_SPIN_US to change, 0 to
 * disable) watching for the wake; only then does it block. An idle loop
 * spins once per wait and then sleeps: it does not burn a core.
 */
#include "rt_isolate_private.h"

#include <sched.h>
#include <time.h>
#include <unistd.h>

static atomic_llong budget = -1;

void rt_set_spin_ns(int64_t ns)
{
    atomic_store(&budget, ns < 0 ? 0 : ns);
}

int64_t rt__spin_budget(void)
{
    long long b = atomic_load_explicit(&budget, memory_order_relaxed);
    if (b < 0) {
        const char *env = getenv("ISLET_SPIN_US");
        b = env ? strtoll(env, NULL, 10) * 1000 : RT_SPIN_DEFAULT_NS;
        if (b < 0) b = 0;
        atomic_store_explicit(&budget, b, memory_order_relaxed);
    }
    return b;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* Spinning helps only while a core is free: with more spinners than cores
 * the thread that would wake us cannot run (measured on 2 vCPUs: a compute
 * round trip went from 2 us to 310 us with three spinners). So at most ncpu
 * threads spin at once, and a spinner yields the core now and then. */
static atomic_int spinners;

static int max_spinners(void)
{
    static atomic_int cached;
    int n = atomic_load_explicit(&cached, memory_order_relaxed);
    if (!n) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 1 ? (int)c : 1;
        atomic_store_explicit(&cached, n, memory_order_relaxed);
    }
    return n;
}

bool rt__spin_for(atomic_bool *flag, int64_t budget_ns)
{
    int64_t b = rt__spin_budget();
    if (budget_ns >= 0 && budget_ns < b) b = budget_ns;
    if (b <= 0) return atomic_load(flag);
    if (atomic_fetch_add(&spinners, 1) >= max_spinners()) {
        atomic_fetch_sub(&spinners, 1);
        return atomic_load(flag);
    }
    bool got = false;
    int64_t end = rt_monotonic_ns() + b;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(flag, memory_order_acquire)) {
            got = true;
            break;
        }
        cpu_relax();
        if ((i & 63) == 0) {
            if (rt_monotonic_ns() >= end) break;
            sched_yield();
        }
    }
    atomic_fetch_sub(&spinners, 1);
    return got || atomic_load(flag);
}

static void cond_wait(rt_waiter *self, int64_t timeout_ns)
{
    rt_cond_waiter *w = (rt_cond_waiter *)self;
    if (timeout_ns != 0 && !rt__spin_for(&w->signaled, timeout_ns)) {
        pthread_mutex_lock(&w->lock);
        struct timespec ts;
        if (timeout_ns > 0) {
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t ns = ts.tv_nsec + timeout_ns % 1000000000;
            ts.tv_sec += (time_t)(timeout_ns / 1000000000 + ns / 1000000000);
            ts.tv_nsec = (long)(ns % 1000000000);
        }
        w->sleeping = true;
        int rc = 0;
        while (!atomic_load(&w->signaled) && rc == 0)
            rc = timeout_ns < 0 ? pthread_cond_wait(&w->cond, &w->lock)
                                : pthread_cond_timedwait(&w->cond, &w->lock, &ts);
        w->sleeping = false;
        pthread_mutex_unlock(&w->lock);
    }
    atomic_store(&w->signaled, false);
}

static void cond_wake(rt_waiter *self)
{
    rt_cond_waiter *w = (rt_cond_waiter *)self;
    atomic_store(&w->signaled, true);
    pthread_mutex_lock(&w->lock);
    if (w->sleeping) pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void rt__cond_waiter_init(rt_cond_waiter *w)
{
    w->waiter.wait = cond_wait;
    w->waiter.wake = cond_wake;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &a);
    pthread_condattr_destroy(&a);
    atomic_init(&w->signaled, false);
    w->sleeping = false;
}

void rt__cond_waiter_destroy(rt_cond_waiter *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}
