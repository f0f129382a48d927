/* rt_wait.c: blocking without losing wakes, and spinning first only when
 * it pays.
 *
 * Waking a sleeping thread costs tens of microseconds on a virtual machine
 * (a futex wake, then the host must run the halted vCPU). A thread about to
 * sleep therefore watches for the wake for a while first, but only as long
 * as that has been paying (rt__spin below):
 *   - a spin that saw its wake keeps (or regains) its budget;
 *   - a spin that saw nothing halves it, and three in a row turn it off;
 *   - a spin that is off comes back only once a sleep ended soon enough that
 *     a spin would have caught the wake;
 *   - a busy machine stops every spinner of the process: while more threads
 *     are runnable than there are cores (/proc/loadavg, sampled every 5 ms
 *     by would-be spinners, two samples in a row; a wake that took long to
 *     arrive asks for a sample at once), and for a while (2 ms, doubling up
 *     to 200 ms while it stays busy) after a spinner lost its core for long
 *     (a yield or a preemption that lasted).
 *     Successful spins do not count against it: they are many and cheap, a
 *     lost time slice is one and dear.
 * An idle thread therefore spins at most a few times and then sleeps: it
 * does not burn a core.
 *
 * The default waiter is one atomic word and, on Linux, a futex: waking a
 * waiter that is not asleep is one atomic exchange and no system call.
 */
#include "rt_isolate_private.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

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

/* ---- The machine is busy: nobody spins for a while ---- */

/* A thread off its core this long ran behind another thread's time slice
 * (a vCPU wake or a short peer task costs far less). */
#define BUSY_GAP_NS 200000
/* The quiet period after busy was seen: doubling while the evidence keeps
 * coming, back to the least once it has stopped for two periods. */
#define BUSY_QUIET_MIN_NS RT_MS(2)
#define BUSY_QUIET_MAX_NS RT_MS(200)

static atomic_llong busy_until, busy_seen, busy_quiet;

static void machine_busy(int64_t now)
{
    long long q = atomic_load_explicit(&busy_quiet, memory_order_relaxed);
    long long seen = atomic_load_explicit(&busy_seen, memory_order_relaxed);
    if (q && now - seen < 2 * q)
        q = q * 2 > BUSY_QUIET_MAX_NS ? BUSY_QUIET_MAX_NS : q * 2;
    else
        q = BUSY_QUIET_MIN_NS;
    atomic_store_explicit(&busy_quiet, q, memory_order_relaxed);
    atomic_store_explicit(&busy_seen, now, memory_order_relaxed);
    atomic_store_explicit(&busy_until, now + q, memory_order_relaxed);
}

static int max_spinners(void);

/* Threads runnable in the whole machine now: the fourth field of
 * /proc/loadavg ("R/T"); -1 where there is none. */
static int runnable_now(void)
{
    char buf[128];
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    const char *p = buf;
    for (int i = 0; i < 3 && p; i++)
        if ((p = strchr(p, ' '))) p++;
    return p ? (int)strtol(p, NULL, 10) : -1;
}

/* More threads want a core than there are cores (others' as well as ours):
 * a spinner would only take a core from one of them. Sampled at most every
 * RUNNABLE_EVERY_NS, and only by threads about to spin. */
#define RUNNABLE_EVERY_NS RT_MS(5)
static atomic_llong runnable_at;
static atomic_bool oversubscribed;
/* Samples in a row that saw too many runnable: a single one is often a
 * passing thread (a kworker, an ssh session, the reader's own peer). */
static atomic_int over_streak;
#define OVER_SAMPLES 2

static bool machine_oversubscribed(int64_t now)
{
    long long at = atomic_load_explicit(&runnable_at, memory_order_relaxed);
    if (now - at >= RUNNABLE_EVERY_NS && atomic_compare_exchange_strong(&runnable_at, &at, now)) {
        int r = runnable_now();
        int streak =
            r > max_spinners() ? atomic_load_explicit(&over_streak, memory_order_relaxed) + 1 : 0;
        atomic_store_explicit(&over_streak, streak, memory_order_relaxed);
        atomic_store_explicit(&oversubscribed, streak >= OVER_SAMPLES, memory_order_relaxed);
    }
    return atomic_load_explicit(&oversubscribed, memory_order_relaxed);
}

static bool machine_quiet(int64_t now)
{
    return now >= atomic_load_explicit(&busy_until, memory_order_relaxed) &&
           !machine_oversubscribed(now);
}

/* A wake that took long to reach its thread: perhaps the cores are taken,
 * perhaps the host was slow to run a halted vCPU (on a VM that happens on an
 * idle machine too, and a thread that no longer spins is woken every time,
 * so treating it as load kept spinning off for good: spawn_roundtrip stuck
 * at 35-65 us instead of 2-4). The next would-be spinner looks at the run
 * queue length at once instead. */
void rt__woke_after(int64_t latency_ns)
{
    if (latency_ns > BUSY_GAP_NS) atomic_store_explicit(&runnable_at, 0, memory_order_relaxed);
}

/* Spinning helps only while a core is free: with more spinners than cores
 * the thread that would wake us cannot run (measured on 2 vCPUs: a compute
 * round trip went from 2 us to 310 us with three spinners). So at most ncpu
 * threads spin at once. */
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

/* ---- Spinning ---- */

enum { SPIN_OUT, SPIN_GOT, SPIN_BUSY };

/* Below this a spin is not worth starting. */
#define SPIN_MIN_NS 2000
/* Failed spins in a row that turn spinning off. */
#define SPIN_FAILS_OFF 3
#define SPIN_SHIFT_OFF 30

static inline bool watched(atomic_int *a, atomic_int *b)
{
    return atomic_load_explicit(a, memory_order_acquire) ||
           (b && atomic_load_explicit(b, memory_order_acquire));
}

/* Spins up to ns watching *a (and *b): SPIN_GOT when one became non-zero,
 * SPIN_BUSY when the core was taken from us for long, else SPIN_OUT. */
static int spin_raw(atomic_int *a, atomic_int *b, int64_t ns)
{
    int64_t last = rt_monotonic_ns(), end = last + ns;
    for (unsigned i = 1;; i++) {
        if (watched(a, b)) return SPIN_GOT;
        cpu_relax();
        if (i & 63) continue;
        /* Now and then let a thread that shares our core run (perhaps the
         * one we wait for); if that took long, the core is in demand. */
        if ((i & 1023) == 0) sched_yield();
        int64_t t = rt_monotonic_ns();
        if (t - last > BUSY_GAP_NS) {
            machine_busy(t);
            return watched(a, b) ? SPIN_GOT : SPIN_BUSY;
        }
        if (t >= end) return watched(a, b) ? SPIN_GOT : SPIN_OUT;
        last = t;
    }
}

bool rt__spin_wait(rt__spin *s, atomic_int *a, atomic_int *b, int64_t limit_ns, bool reserved)
{
    if (watched(a, b)) return true;
    int64_t max = rt__spin_budget();
    if (limit_ns >= 0 && limit_ns < max) max = limit_ns;
    int64_t ns = s->shift >= SPIN_SHIFT_OFF ? 0 : max >> s->shift;
    if (ns < SPIN_MIN_NS || !machine_quiet(rt_monotonic_ns())) return false;
    if (atomic_fetch_add(&spinners, 1) >= max_spinners() && !reserved) {
        atomic_fetch_sub(&spinners, 1);
        return false;
    }
    int r = spin_raw(a, b, ns);
    atomic_fetch_sub(&spinners, 1);
    if (r == SPIN_GOT) {
        s->fails = 0;
        if (s->shift > 0) s->shift--;
        return true;
    }
    if (++s->fails >= SPIN_FAILS_OFF)
        s->shift = SPIN_SHIFT_OFF;
    else
        s->shift++;
    return false;
}

void rt__spin_slept(rt__spin *s, int64_t slept_ns, bool woken)
{
    int64_t max = rt__spin_budget();
    if (!woken || slept_ns <= 0 || slept_ns >= max) return;
    /* The wake came soon after we slept: a spin of twice that would have
     * caught it. */
    unsigned shift = 0;
    while (shift < 16 && (max >> (shift + 1)) >= 2 * slept_ns)
        shift++;
    s->shift = shift;
    s->fails = 0;
}

/* The old fixed-budget spin on a flag (the network isolate's waiter). */
bool rt__spin_for(atomic_int *flag, int64_t budget_ns)
{
    int64_t b = rt__spin_budget();
    if (budget_ns >= 0 && budget_ns < b) b = budget_ns;
    if (b <= 0 || !machine_quiet(rt_monotonic_ns())) return atomic_load(flag);
    bool got = false;
    if (atomic_fetch_add(&spinners, 1) < max_spinners()) got = spin_raw(flag, NULL, b) == SPIN_GOT;
    atomic_fetch_sub(&spinners, 1);
    return got || atomic_load(flag);
}

/* ---- Sleeping on a word ---- */

#ifdef __linux__
static void word_sleep(rt_cond_waiter *w, int expect, int64_t timeout_ns)
{
    struct timespec ts, *tp = NULL;
    if (timeout_ns > 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tp = &ts;
    }
    syscall(SYS_futex, &w->word, FUTEX_WAIT_PRIVATE, expect, tp, NULL, 0);
}

static void word_wake(rt_cond_waiter *w)
{
    syscall(SYS_futex, &w->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
#else
static void word_sleep(rt_cond_waiter *w, int expect, int64_t timeout_ns)
{
    pthread_mutex_lock(&w->lock);
    if (atomic_load(&w->word) == expect) {
        if (timeout_ns > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t ns = ts.tv_nsec + timeout_ns % 1000000000;
            ts.tv_sec += (time_t)(timeout_ns / 1000000000 + ns / 1000000000);
            ts.tv_nsec = (long)(ns % 1000000000);
            pthread_cond_timedwait(&w->cond, &w->lock, &ts);
        } else {
            pthread_cond_wait(&w->cond, &w->lock);
        }
    }
    pthread_mutex_unlock(&w->lock);
}

static void word_wake(rt_cond_waiter *w)
{
    pthread_mutex_lock(&w->lock);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}
#endif

/* The word: AWAKE (owner running), SIGNALED (a wake came), SLEEPING (the
 * owner is, or is about to be, in word_sleep). Only a wake that finds
 * SLEEPING needs the system call. */
enum { W_AWAKE, W_SIGNALED, W_SLEEPING };

static void cond_wait(rt_waiter *self, int64_t timeout_ns)
{
    rt_cond_waiter *w = (rt_cond_waiter *)self;
    if (timeout_ns == 0 || rt__spin_wait(&w->spin, &w->word, NULL, timeout_ns, false)) {
        atomic_store(&w->word, W_AWAKE);
        return;
    }
    int expect = W_AWAKE;
    if (!atomic_compare_exchange_strong(&w->word, &expect, W_SLEEPING)) {
        atomic_store(&w->word, W_AWAKE); /* SIGNALED meanwhile */
        return;
    }
    int64_t t0 = rt_monotonic_ns(), end = timeout_ns > 0 ? t0 + timeout_ns : INT64_MAX, t = t0;
    while (atomic_load(&w->word) == W_SLEEPING) {
        word_sleep(w, W_SLEEPING, timeout_ns > 0 ? end - t : -1);
        t = rt_monotonic_ns();
        if (t >= end) break;
    }
    bool woken = atomic_exchange(&w->word, W_AWAKE) == W_SIGNALED;
    rt__spin_slept(&w->spin, t - t0, woken);
    int64_t sent = atomic_exchange_explicit(&w->wake_ns, 0, memory_order_relaxed);
    if (woken && sent) rt__woke_after(t - sent);
}

static void cond_wake(rt_waiter *self)
{
    rt_cond_waiter *w = (rt_cond_waiter *)self;
    if (atomic_load_explicit(&w->word, memory_order_relaxed) == W_SIGNALED) return;
    if (atomic_exchange(&w->word, W_SIGNALED) != W_SLEEPING) return;
    /* Asleep: the owner will see how long the wake took to reach it. */
    atomic_store_explicit(&w->wake_ns, rt_monotonic_ns(), memory_order_relaxed);
    word_wake(w);
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
    atomic_init(&w->word, W_AWAKE);
    atomic_init(&w->wake_ns, 0);
    w->spin = (rt__spin){0};
}

void rt__cond_waiter_destroy(rt_cond_waiter *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}
