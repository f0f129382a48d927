/* bench_runtime: the runtime's benchmarks. Prints one JSON object per line:
 * {"bench": NAME, "unit": U, "value": MEDIAN, "runs": N}. Not a test: run it
 * with `make bench` on a quiet machine and compare medians, not single runs. */
#include "bench_util.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    return (double)rt_monotonic_ns() / 1e3;
}

/* ---- isolate_pingpong: round trips between main and a pooled isolate ---- */

#ifndef PING_N
#define PING_N 20000
#endif

static void pong_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_send_port *back = rt_value_as_send_port(rt_list_get(v, 0));
    int64_t n = rt_value_as_int(rt_list_get(v, 1));
    rt_value *r = rt_value_int(n);
    rt_port_send(back, r);
    rt_value_free(r);
    rt_value_free(v);
    if (n < 0) rt_receive_port_close(p);
}

static void pong_entry(rt_value *msg)
{
    rt_receive_port *rp = rt_receive_port_open(pong_on, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_port_send(rt_value_as_send_port(msg), sp);
    rt_value_free(sp);
    rt_value_free(msg);
}

typedef struct ping_state {
    rt_send_port *peer;
    rt_receive_port *mine;
    int64_t n, t0, t1;
    int64_t until;           /* > 0: stop at this time instead of after PING_N */
    int64_t pace;            /* > 0: one round trip per pace ns (a timer between) */
    int64_t sent, in_flight; /* paced: when the last ping left; round trips' sum */
    int64_t next;            /* paced: the next ping's number */
    rt_send_port *report;    /* pooled pinger: where the ns per round trip go */
} ping_state;

static void ping_send(ping_state *s, int64_t n)
{
    if (s->pace) s->sent = rt_monotonic_ns();
    rt_value *m = rt_value_list();
    rt_list_push(m, rt_value_send_port(rt_receive_port_send_port(s->mine)));
    rt_list_push(m, rt_value_int(n));
    rt_port_send(s->peer, m);
    rt_value_free(m);
}

static void ping_paced(rt_timer *t, void *ctx)
{
    (void)t;
    ping_state *s = ctx;
    ping_send(s, s->next);
}

/* The last ping carries -1, which makes the ponger close after answering. */
static void ping_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    ping_state *s = ctx;
    if (rt_value_kind_of(v) == RT_SEND_PORT) {
        s->peer = rt_send_port_dup(rt_value_as_send_port(v));
        s->t0 = rt_monotonic_ns();
        rt_value_free(v);
        ping_send(s, 0);
        return;
    }
    bool was_last = rt_value_as_int(v) < 0;
    rt_value_free(v);
    s->n++;
    if (s->pace) s->in_flight += rt_monotonic_ns() - s->sent;
    if (!was_last) {
        bool end = s->until ? (s->pace || (s->n & 15) == 0) && rt_monotonic_ns() >= s->until
                            : s->n == PING_N - 1;
        s->next = end ? -1 : s->n;
        if (s->pace)
            rt_timer_start(NULL, s->pace, 0, ping_paced, s, NULL);
        else
            ping_send(s, s->next);
        return;
    }
    s->t1 = rt_monotonic_ns();
    if (s->pace) s->t1 = s->t0 + s->in_flight; /* time in flight only */
    rt_send_port_release(s->peer);
    rt_receive_port_close(p);
    if (s->report) {
        rt_value *r = rt_value_double((double)(s->t1 - s->t0) / (double)s->n);
        rt_port_send(s->report, r);
        rt_value_free(r);
        rt_send_port_release(s->report);
        rt_free(s);
    }
}

/* Opens the pinger's port in the current isolate and spawns the ponger. */
static void ping_start(ping_state *s)
{
    s->mine = rt_receive_port_open(ping_on, s, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(s->mine));
    rt_isolate_spawn(pong_entry, sp, NULL, NULL);
    rt_value_free(sp);
}

/* ns per round trip between main and a pooled isolate; until > 0: for a
 * time instead of PING_N round trips; pace > 0: one round trip per pace ns. */
static double pingpong_main(int64_t until, int64_t pace)
{
    ping_state s = {.until = until, .pace = pace};
    ping_start(&s);
    run_main();
    return (double)(s.t1 - s.t0) / (double)s.n;
}

static double bench_pingpong(void)
{
    return pingpong_main(0, 0);
}

/* ---- pooled_pingpong: round trips between two pooled isolates ---- */

static void pooled_ping_entry(rt_value *msg)
{
    ping_state *s = rt_calloc(1, sizeof *s);
    s->report = rt_send_port_dup(rt_value_as_send_port(msg));
    rt_value_free(msg);
    ping_start(s);
}

static double pooled_result;

static void pooled_result_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    pooled_result = rt_value_as_double(v);
    rt_value_free(v);
    rt_receive_port_close(p);
}

static double bench_pooled_pingpong(void)
{
    rt_receive_port *rp = rt_receive_port_open(pooled_result_on, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_isolate_spawn(pooled_ping_entry, sp, NULL, NULL);
    rt_value_free(sp);
    run_main();
    while (rt_isolate_count() > 1) /* the ponger may still be exiting */
        rt_run(RT_RUN_ONCE);
    return pooled_result;
}

/* ---- pingpong_loaded: main <-> pooled ping-pong while nproc busy loops run.
 * Each round measures the busy loops' throughput alone for a window, beside
 * a paced ping-pong (one round trip a millisecond: a peer that is active,
 * but whose waits would be long to spin through) and beside a flat-out one.
 * Their throughput is the CPU time they got (each child's CPU clock): the
 * iterations they counted move by up to 30% from one window to the next on
 * a shared VM (the host's other guests), their CPU time by 1 to 4%; the
 * iteration figure is kept as busy_ratio_loaded_iters.
 * busy_ratio_loaded is the paced figure over alone: 1 when the runtime
 * takes nothing but its work from them, lower when it spins. The flat-out
 * ratio (busy_ratio_flat_out) is the cost of the ping-pong's own work and
 * wake-ups. The paced ping-pong runs again with spinning off:
 * busy_ratio_spin_vs_nospin is the busy loops' throughput with spinning on
 * over off, the spin's own cost (1: it gave way entirely), and
 * pingpong_paced_cpu(_nospin) this process's CPU time over the window, in
 * cores. pingpong_loaded is the flat-out round trip under that load,
 * pingpong_paced_loaded the paced one (time in flight only). ---- */

#define LOAD_WINDOW_NS RT_MS(200)
/* Rounds of windows: many short ones, interleaved, so that the machine's
 * other load moves the medians less than the 5% the ratio looks for. */
#define LOAD_ROUNDS 11
#define LOAD_MAX_CHILDREN 64

typedef struct busy_slot {
    volatile long count;
    char pad[64 - sizeof(long)];
} busy_slot;

static void busy_loop(busy_slot *slot)
{
    for (long i = 1;; i++) {
        for (int k = 0; k < 256; k++)
            __asm__ volatile("" ::: "memory");
        slot->count = i;
    }
}

static long busy_total(busy_slot *slots, int n)
{
    long sum = 0;
    for (int i = 0; i < n; i++)
        sum += slots[i].count;
    return sum;
}

static int64_t clock_ns(clockid_t clk)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* What the busy loops and this process did over one window. */
typedef struct load_window {
    double iters;    /* the busy loops' iterations per second */
    double busy_cpu; /* the CPU time they got, in cores */
    double self_cpu; /* the CPU time this process took, in cores */
} load_window;

static int64_t kids_cpu_ns(const clockid_t *clk, int n)
{
    int64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += clock_ns(clk[i]);
    return sum;
}

/* One window of fn (NULL: sleep) beside the busy loops. */
static load_window busy_window(busy_slot *slots, const clockid_t *clk, int n, void (*fn)(void))
{
    long c0 = busy_total(slots, n);
    int64_t t0 = rt_monotonic_ns(), self0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t kids0 = kids_cpu_ns(clk, n);
    if (fn) {
        fn();
    } else {
        struct timespec ts = {0, LOAD_WINDOW_NS};
        nanosleep(&ts, NULL);
    }
    long c1 = busy_total(slots, n);
    double wall = (double)(rt_monotonic_ns() - t0);
    return (load_window){
        .iters = (double)(c1 - c0) / (wall / 1e9),
        .busy_cpu = (double)(kids_cpu_ns(clk, n) - kids0) / wall,
        .self_cpu = (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - self0) / wall,
    };
}

#define LOAD_PACE_NS RT_MS(1)

static double loaded_rtt;

static void loaded_run(int64_t pace)
{
    loaded_rtt = pingpong_main(rt_monotonic_ns() + LOAD_WINDOW_NS, pace);
    while (rt_isolate_count() > 1)
        rt_run(RT_RUN_ONCE);
}

static void loaded_flat(void)
{
    loaded_run(0);
}

static void loaded_paced(void)
{
    loaded_run(LOAD_PACE_NS);
}

static double bench_loaded(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int n = ncpu < 1 ? 1 : (ncpu > LOAD_MAX_CHILDREN ? LOAD_MAX_CHILDREN : (int)ncpu);
    size_t bytes = sizeof(busy_slot) * (size_t)n;
    busy_slot *slots = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (slots == MAP_FAILED) return 0;
    memset(slots, 0, bytes);
    pid_t kids[LOAD_MAX_CHILDREN];
    clockid_t clk[LOAD_MAX_CHILDREN];
    for (int i = 0; i < n; i++) {
        kids[i] = fork();
        if (kids[i] == 0) busy_loop(&slots[i]);
        if (kids[i] < 0 || clock_getcpuclockid(kids[i], &clk[i]) != 0) clk[i] = CLOCK_MONOTONIC;
    }
    struct timespec warm = {0, RT_MS(50)};
    nanosleep(&warm, NULL);
    double paced[LOAD_ROUNDS], iters[LOAD_ROUNDS], nospin[LOAD_ROUNDS], spin_cost[LOAD_ROUNDS],
        flat[LOAD_ROUNDS];
    double rtt[LOAD_ROUNDS], prtt[LOAD_ROUNDS], pcpu[LOAD_ROUNDS], ncpu_[LOAD_ROUNDS];
    loaded_flat(); /* warm-up */
    for (int r = 0; r < LOAD_ROUNDS; r++) {
        /* Alone between the others, so that a drift in the machine's other
         * load weighs on every ratio alike. */
        load_window p = busy_window(slots, clk, n, loaded_paced);
        prtt[r] = loaded_rtt;
        load_window alone = busy_window(slots, clk, n, NULL);
        rt_set_spin_ns(0);
        load_window q = busy_window(slots, clk, n, loaded_paced);
        rt_set_spin_ns(RT_SPIN_DEFAULT_NS);
        load_window f = busy_window(slots, clk, n, loaded_flat);
        rtt[r] = loaded_rtt;
        paced[r] = p.busy_cpu / alone.busy_cpu;
        iters[r] = p.iters / alone.iters;
        nospin[r] = q.busy_cpu / alone.busy_cpu;
        spin_cost[r] = p.busy_cpu / q.busy_cpu;
        flat[r] = f.busy_cpu / alone.busy_cpu;
        pcpu[r] = p.self_cpu;
        ncpu_[r] = q.self_cpu;
    }
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < n; i++)
        waitpid(kids[i], NULL, 0);
    munmap(slots, bytes);
    report_samples("busy_ratio_loaded", "x", paced, LOAD_ROUNDS);
    report_samples("busy_ratio_loaded_iters", "x", iters, LOAD_ROUNDS);
    report_samples("busy_ratio_loaded_nospin", "x", nospin, LOAD_ROUNDS);
    report_samples("busy_ratio_spin_vs_nospin", "x", spin_cost, LOAD_ROUNDS);
    report_samples("pingpong_paced_cpu", "cores", pcpu, LOAD_ROUNDS);
    report_samples("pingpong_paced_cpu_nospin", "cores", ncpu_, LOAD_ROUNDS);
    report_samples("busy_ratio_flat_out", "x", flat, LOAD_ROUNDS);
    report_samples("pingpong_loaded", "ns", rtt, LOAD_ROUNDS);
    report_samples("pingpong_paced_loaded", "ns", prtt, LOAD_ROUNDS);
    return 0;
}

/* ---- idle_cpu: process CPU time over 1 s with main waiting on a timer and a
 * pooled isolate waiting on its port (no spinning while idle: about 0) ---- */

static int idle_ready;

static void ready_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
    idle_ready++;
}

static void idle_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void idle_entry(rt_value *msg)
{
    rt_port_send(rt_value_as_send_port(msg), msg);
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), idle_on, NULL, NULL);
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void idle_timer_cb(rt_timer *t, void *ctx)
{
    (void)t;
    *(bool *)ctx = true;
}

static double bench_idle_cpu(void)
{
    idle_ready = 0;
    rt_receive_port *rp = rt_receive_port_open(ready_on, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_isolate *h;
    rt_isolate_spawn(idle_entry, sp, NULL, &h);
    rt_value_free(sp);
    while (idle_ready < 1)
        rt_run(RT_RUN_ONCE);
    bool fired = false;
    double c0 = cpu_ms();
    rt_timer_start(NULL, RT_MS(1000), 0, idle_timer_cb, &fired, NULL);
    while (!fired)
        rt_run(RT_RUN_ONCE);
    double used = cpu_ms() - c0;
    rt_value *bye = rt_value_null();
    rt_isolate_send(h, bye);
    rt_value_free(bye);
    rt_isolate_release(h);
    rt_receive_port_close(rp);
    while (rt_isolate_count() > 1)
        rt_run(RT_RUN_ONCE);
    return used;
}

/* ---- port_throughput: 1 M small messages one way ---- */

#ifndef THRU_N
#define THRU_N 1000000
#endif

static void flood_entry(rt_value *msg)
{
    rt_send_port *to = rt_value_as_send_port(msg);
    rt_value *v = rt_value_int(7);
    for (int i = 0; i < THRU_N; i++)
        rt_port_send(to, v);
    rt_value_free(v);
    rt_value_free(msg);
}

static long thru_got;

static void thru_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    if (++thru_got == THRU_N) rt_receive_port_close(p);
}

static double bench_throughput(void)
{
    thru_got = 0;
    rt_receive_port *rp = rt_receive_port_open(thru_on, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    double t0 = now_us();
    rt_isolate_spawn(flood_entry, sp, NULL, NULL);
    rt_value_free(sp);
    run_main();
    return THRU_N / ((now_us() - t0) / 1e6);
}

/* ---- spawn_roundtrip: spawn, trivial entry, result back, exit ---- */

#ifndef SPAWN_N
#define SPAWN_N 2000
#endif

static void trivial_entry(rt_value *msg)
{
    rt_value *r = rt_value_int(42);
    rt_isolate_exit(rt_value_as_send_port(msg), r);
    rt_value_free(msg);
}

static int spawn_left;
static rt_value *spawn_msg;

static void spawn_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    if (--spawn_left == 0) {
        rt_receive_port_close(p);
        return;
    }
    rt_isolate_spawn(trivial_entry, spawn_msg, NULL, NULL);
}

static double bench_pingpong_nospin(void)
{
    rt_set_spin_ns(0);
    double v = bench_pingpong();
    rt_set_spin_ns(RT_SPIN_DEFAULT_NS);
    return v;
}

static double bench_spawn(void)
{
    spawn_left = SPAWN_N;
    rt_receive_port *rp = rt_receive_port_open(spawn_on, NULL, NULL);
    spawn_msg = rt_value_send_port(rt_receive_port_send_port(rp));
    double t0 = now_us();
    rt_isolate_spawn(trivial_entry, spawn_msg, NULL, NULL);
    run_main();
    double us = (now_us() - t0) / SPAWN_N;
    rt_value_free(spawn_msg);
    return us;
}

static double bench_spawn_nospin(void)
{
    rt_set_spin_ns(0);
    double v = bench_spawn();
    rt_set_spin_ns(RT_SPIN_DEFAULT_NS);
    return v;
}

/* ---- timers_1m: a million timers spread over 0..99 ms ---- */

static long timers_fired;

static void timer_cb(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    timers_fired++;
}

static double bench_timers(void)
{
    timers_fired = 0;
    double t0 = now_us();
    for (int i = 0; i < 1000000; i++)
        rt_timer_start(NULL, RT_MS(i % 100), 0, timer_cb, NULL, NULL);
    run_main();
    if (timers_fired != 1000000) fprintf(stderr, "timers: only %ld fired\n", timers_fired);
    return (now_us() - t0) / 1e3;
}

/* ---- microtask: ns per microtask, a million queued then drained ---- */

static long mt_count;

static void mt_cb(void *ctx)
{
    (void)ctx;
    mt_count++;
}

static double bench_microtask(void)
{
    mt_count = 0;
    double t0 = now_us();
    for (int i = 0; i < 1000000; i++)
        rt_schedule_microtask(mt_cb, NULL);
    run_main();
    return (now_us() - t0) * 1e3 / 1e6;
}

/* ---- copy_1mib / memcpy_1mib / transfer: a main-isolate port to itself ---- */

#define MIB (1u << 20)

static rt_value *received;

static void keep_on(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    received = v;
}

static double send_self(rt_value *v, int reps, bool resend_received)
{
    rt_receive_port *rp = rt_receive_port_open(keep_on, NULL, NULL);
    rt_send_port *sp = rt_receive_port_send_port(rp);
    double t0 = now_us();
    for (int i = 0; i < reps; i++) {
        received = NULL;
        rt_port_send(sp, v);
        while (!received)
            rt_run(RT_RUN_NOWAIT);
        if (resend_received) {
            rt_value_free(v);
            v = received; /* the buffer came back: send it again */
        } else {
            rt_value_free(received);
        }
    }
    double us = (now_us() - t0) / reps;
    rt_value_free(v);
    rt_receive_port_close(rp);
    return us;
}

static double bench_copy_1mib(void)
{
    rt_value *v = rt_value_bytes(NULL, MIB);
    memset((void *)rt_value_as_bytes(v, NULL), 1, MIB);
    return send_self(v, 200, false);
}

static double bench_memcpy_1mib(void)
{
    static char *a, *b;
    if (!a) {
        a = malloc(MIB);
        b = malloc(MIB);
        memset(a, 1, MIB);
        memset(b, 2, MIB);
    }
    double t0 = now_us();
    for (int i = 0; i < 200; i++) {
        memcpy(b, a, MIB);
        __asm__ volatile("" ::"r"(b) : "memory");
    }
    return (now_us() - t0) / 200;
}

static double bench_transfer(size_t size)
{
    rt_value *v = rt_value_buffer(size);
    memset(rt_value_buffer_data(v, NULL), 1, size);
    return send_self(v, 1000, true);
}

static double bench_transfer_64mib(void)
{
    return bench_transfer(64u * MIB);
}

static double bench_transfer_1kib(void)
{
    return bench_transfer(1024);
}

/* ---- idle_isolate_bytes: RSS growth per idle isolate, 10,000 alive ---- */

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    if (f) fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

#define IDLE_N 10000

static double bench_idle_isolate(void)
{
    static rt_isolate *hs[IDLE_N];
    idle_ready = 0;
    rt_receive_port *rp = rt_receive_port_open(ready_on, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    malloc_trim(0); /* give back what earlier runs freed, so growth is real */
    long before = rss_bytes();
    for (int i = 0; i < IDLE_N; i++)
        rt_isolate_spawn(idle_entry, sp, NULL, &hs[i]);
    while (idle_ready < IDLE_N)
        rt_run(RT_RUN_ONCE);
    long after = rss_bytes();
    rt_value *bye = rt_value_null();
    for (int i = 0; i < IDLE_N; i++) {
        rt_isolate_send(hs[i], bye);
        rt_isolate_release(hs[i]);
    }
    rt_value_free(bye);
    rt_value_free(sp);
    rt_receive_port_close(rp);
    while (rt_isolate_count() > 1)
        rt_run(RT_RUN_ONCE);
    return (double)(after - before) / IDLE_N;
}

int main(int argc, char **argv)
{
    static const bench_case all[] = {
        {"isolate_pingpong", "ns", bench_pingpong, RUNS},
        {"pooled_pingpong", "ns", bench_pooled_pingpong, RUNS},
        {"port_throughput", "msg/s", bench_throughput, RUNS},
        {"spawn_roundtrip", "us", bench_spawn, RUNS},
        {"isolate_pingpong_nospin", "ns", bench_pingpong_nospin, RUNS},
        {"spawn_roundtrip_nospin", "us", bench_spawn_nospin, RUNS},
        {"timers_1m", "ms", bench_timers, RUNS},
        {"microtask", "ns", bench_microtask, RUNS},
        {"copy_1mib", "us", bench_copy_1mib, RUNS},
        {"memcpy_1mib", "us", bench_memcpy_1mib, RUNS},
        {"transfer_64mib", "us", bench_transfer_64mib, RUNS},
        {"transfer_1kib", "us", bench_transfer_1kib, RUNS},
        {"idle_isolate_bytes", "bytes", bench_idle_isolate, 3},
        {"idle_cpu", "ms", bench_idle_cpu, 3},
        {"pingpong_loaded", "ns", bench_loaded, -1},
    };
    return bench_main("bench_runtime", argc, argv, all, sizeof all / sizeof all[0]);
}
