/* test_heap.c: per-isolate heaps: sizes, alignment, resizing, reuse, release
 * at isolate exit, isolation between 1,000 isolates, per-isolate stats,
 * allocation failure injection, and misuse that must abort.
 *
 * Code running in spawned isolates (worker threads) never calls cmocka's
 * assertions: it reports what it saw in messages, and main asserts. */
#include "test_support.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

/* ---- Helpers ---- */

/* Byte i of a block filled with `seed`: neighbours and other seeds differ. */
static unsigned char pat(unsigned seed, size_t i)
{
    return (unsigned char)(seed * 131u + i * 7u + (i >> 8) * 13u + 1u);
}

static void fill(void *p, size_t from, size_t to, unsigned seed)
{
    unsigned char *b = p;
    for (size_t i = from; i < to; i++)
        b[i] = pat(seed, i);
}

static bool holds(const void *p, size_t n, unsigned seed)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != pat(seed, i)) return false;
    return true;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return false;
    return true;
}

static bool aligned16(const void *p)
{
    return ((uintptr_t)p & 15) == 0;
}

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static void send_int(rt_send_port *sp, int64_t i)
{
    rt_value *v = rt_value_int(i);
    assert_non_null(v);
    assert_int_equal(rt_port_send(sp, v), 0);
    rt_value_free(v);
}

/* Checks in child processes, outside cmocka: print and exit(1). */
#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static void watchdog_fired(rt_timer *t, void *ctx)
{
    (void)t;
    *(bool *)ctx = true;
}

/* Runs main's loop a turn at a time until *done or 30 s have passed. */
static bool run_until_or_timeout(const bool *done)
{
    bool expired = false;
    rt_timer *dog;
    assert_int_equal(rt_timer_start(&dog, RT_SEC(30), 0, watchdog_fired, &expired, NULL), 0);
    while (!*done && !expired)
        rt_run(RT_RUN_ONCE);
    rt_timer_free(dog);
    return *done;
}

static void run_until(const bool *done)
{
    if (!run_until_or_timeout(done))
        fail_msg("timed out waiting for the isolates (%zu alive)", rt_isolate_count());
}

/* ---- 1. rt_malloc / rt_free / rt_calloc / rt_realloc on main ---- */

#define MAX_SMALL_TEST 2048

static const size_t big_sizes[] = {(size_t)1 << 20, ((size_t)3 << 20) + 5, (size_t)8 << 20};
#define NBIG (sizeof big_sizes / sizeof big_sizes[0])

/* Every size from 0 to 2048 and a few MiB: 16-byte aligned, every byte
 * writable, no two blocks overlapping, and the live count back to where it
 * started once all are freed. */
static void test_sizes_alignment_and_content(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    static unsigned char *blocks[MAX_SMALL_TEST + 1 + NBIG];
    static size_t sizes[MAX_SMALL_TEST + 1 + NBIG], deltas[MAX_SMALL_TEST + 1 + NBIG];
    size_t nblocks = 0, total = 0;
    for (size_t n = 0; n <= MAX_SMALL_TEST + NBIG; n++) {
        size_t size = n <= MAX_SMALL_TEST ? n : big_sizes[n - MAX_SMALL_TEST - 1];
        size_t before = rt_heap_live_bytes();
        unsigned char *p = rt_malloc(size);
        assert_non_null(p);
        assert_true(aligned16(p));
        deltas[nblocks] = rt_heap_live_bytes() - before;
        assert_true(deltas[nblocks] >= size); /* counted, headers included */
        fill(p, 0, size, (unsigned)n);
        blocks[nblocks] = p;
        sizes[nblocks++] = size;
        total += size;
    }
    assert_true(rt_heap_live_bytes() >= live0 + total);
    assert_true(rt_heap_bytes() >= rt_heap_live_bytes());
    /* Written all at once, read back after: overlapping blocks would show. */
    for (size_t i = 0; i < nblocks; i++)
        if (!holds(blocks[i], sizes[i], (unsigned)i))
            fail_msg("block %zu of %zu bytes was overwritten", i, sizes[i]);
    /* Free in an interleaved order; each free gives back what malloc took. */
    for (size_t parity = 0; parity < 2; parity++) {
        for (size_t i = parity; i < nblocks; i += 2) {
            size_t before = rt_heap_live_bytes();
            rt_free(blocks[i]);
            assert_int_equal(before - rt_heap_live_bytes(), deltas[i]);
        }
    }
    assert_int_equal(rt_heap_live_bytes(), live0);
    rt_free(NULL); /* ignored */
    assert_int_equal(rt_heap_live_bytes(), live0);
    ts_main_leave();
}

/* Growing and shrinking across the small/large boundary (512 bytes) and up
 * to MiBs keeps the content up to the smaller size. */
static void test_realloc_keeps_content(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    static const size_t steps[] = {1,   16,   17,   100,   256,      257,      511,  512, 513,
                                   600, 1000, 4096, 70000, 3u << 20, 200000,   5000, 513, 512,
                                   300, 64,   1,    700,   16,       2u << 20, 100};
    unsigned char *p = rt_realloc(NULL, 0); /* realloc(NULL) allocates */
    assert_non_null(p);
    size_t cur = 0;
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        size_t n = steps[s];
        unsigned char *q = rt_realloc(p, n);
        assert_non_null(q);
        assert_true(aligned16(q));
        size_t keep = cur < n ? cur : n;
        if (!holds(q, keep, 42))
            fail_msg("realloc %zu -> %zu lost the first %zu bytes", cur, n, keep);
        fill(q, keep, n, 42); /* the new tail, so the whole block holds the pattern */
        p = q;
        cur = n;
    }
    rt_free(p);
    assert_int_equal(rt_heap_live_bytes(), live0);
    ts_main_leave();
}

/* rt_calloc zero-fills even recycled (dirty) blocks, and returns NULL on
 * count * size overflow without asking the allocator for anything. */
static void test_calloc_zero_fills_and_checks_overflow(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    static const size_t sizes[] = {1, 24, 100, 320, 512, 513, 4000, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        unsigned char *dirty = rt_malloc(n);
        assert_non_null(dirty);
        memset(dirty, 0xab, n);
        rt_free(dirty);
        unsigned char *a = rt_calloc(n, 1), *b = rt_calloc(1, n);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(aligned16(a) && aligned16(b));
        assert_true(all_zero(a, n));
        assert_true(all_zero(b, n));
        rt_free(a);
        rt_free(b);
    }
    unsigned char *c = rt_calloc(7, 13);
    assert_non_null(c);
    assert_true(all_zero(c, 91));
    rt_free(c);

    long allocs = ts_alloc_count();
    size_t live = rt_heap_live_bytes();
    assert_null(rt_calloc(SIZE_MAX / 2 + 1, 2));
    assert_null(rt_calloc(2, SIZE_MAX / 2 + 1));
    assert_null(rt_calloc((size_t)1 << 32, (size_t)1 << 32)); /* wraps to 0 */
    assert_null(rt_calloc(((size_t)1 << 32) + 1, ((size_t)1 << 32) + 1));
    assert_null(rt_calloc(SIZE_MAX, SIZE_MAX));
    assert_null(rt_calloc(3, SIZE_MAX / 3 + 1));
    assert_int_equal(ts_alloc_count(), allocs);
    assert_int_equal(rt_heap_live_bytes(), live);
    assert_int_equal(rt_heap_live_bytes(), live0);
    ts_main_leave();
}

/* A freed small block is the next one handed out for its size, so a loop of
 * alloc/free does not grow the heap; a freed large block goes back to the
 * allocator at once. */
static void test_freed_blocks_reused(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    static const size_t sizes[] = {0, 1, 15, 16, 17, 100, 255, 256, 257, 320, 321, 500, 512};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *p = rt_malloc(sizes[i]);
        assert_non_null(p);
        rt_free(p);
        void *q = rt_malloc(sizes[i]);
        assert_ptr_equal(p, q);
        rt_free(q);
    }
    void *warm_a = rt_malloc(100), *warm_b = rt_malloc(300);
    rt_free(warm_a);
    rt_free(warm_b);
    size_t footprint = rt_heap_bytes(), live = rt_heap_live_bytes();
    long raw = ts_alloc_live_bytes();
    for (int i = 0; i < 10000; i++) {
        void *a = rt_malloc(100), *b = rt_malloc(300);
        assert_non_null(a);
        assert_non_null(b);
        rt_free(a);
        rt_free(b);
    }
    assert_int_equal(rt_heap_bytes(), footprint);
    assert_int_equal(rt_heap_live_bytes(), live);
    for (int i = 0; i < 100; i++) {
        void *big = rt_malloc((size_t)1 << 20);
        assert_non_null(big);
        assert_true(rt_heap_bytes() >= footprint + ((size_t)1 << 20));
        assert_true(ts_alloc_live_bytes() >= raw + (1L << 20));
        rt_free(big);
        assert_int_equal(rt_heap_bytes(), footprint);
        assert_int_equal(ts_alloc_live_bytes(), raw);
    }
    ts_main_leave();
}

/* Requests that cannot be represented fail with NULL and leave the block as
 * it was. (Sizes that reach the allocator are avoided: ASan aborts on them.) */
static void test_huge_requests_fail_cleanly(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    assert_null(rt_malloc(SIZE_MAX));
    assert_null(rt_malloc(SIZE_MAX - 16));
    unsigned char *small = rt_malloc(100);
    assert_non_null(small);
    fill(small, 0, 100, 5);
    assert_null(rt_realloc(small, SIZE_MAX));
    assert_true(holds(small, 100, 5));
    rt_free(small);
    unsigned char *large = rt_malloc(1000);
    assert_non_null(large);
    fill(large, 0, 1000, 6);
    size_t footprint = rt_heap_bytes();
    /* LARGE_HDR + SIZE_MAX wraps: the block must not be shrunk to 47 bytes. */
    assert_null(rt_realloc(large, SIZE_MAX));
    assert_int_equal(rt_heap_bytes(), footprint);
    assert_true(holds(large, 1000, 6));
    rt_free(large);
    assert_int_equal(rt_heap_live_bytes(), live0);
    ts_main_leave();
}

/* ---- 2. The heap is released at isolate exit, including what was never freed ---- */

#define FORGET_SMALL 1000
#define FORGET_SMALL_SIZE 100
#define FORGET_LARGE 10
#define FORGET_LARGE_SIZE (100 * 1024)

static void forgetful_entry(rt_value *msg)
{
    rt_send_port *main_port = rt_value_as_send_port(msg);
    size_t live0 = rt_heap_live_bytes();
    bool ok = true;
    for (int i = 0; i < FORGET_SMALL; i++) {
        unsigned char *p = rt_malloc(FORGET_SMALL_SIZE);
        if (p)
            memset(p, i, FORGET_SMALL_SIZE);
        else
            ok = false;
    }
    for (int i = 0; i < FORGET_LARGE; i++) {
        unsigned char *p = rt_malloc(FORGET_LARGE_SIZE);
        if (p)
            memset(p, i, FORGET_LARGE_SIZE);
        else
            ok = false;
    }
    /* How much this isolate now holds and will never free; -1 on failure. */
    rt_value *r = rt_value_int(ok ? (int64_t)(rt_heap_live_bytes() - live0) : -1);
    rt_port_send(main_port, r);
    /* r and every block above are left for the exit to free. (The message
     * holds a send port: forgetting it is tested on its own below.) */
    rt_value_free(msg);
}

typedef struct forget_state {
    bool got_report, exited, done;
    int64_t report;
} forget_state;

static void forget_on_report(rt_receive_port *p, rt_value *v, void *ctx)
{
    forget_state *s = ctx;
    s->report = rt_value_kind_of(v) == RT_INT ? rt_value_as_int(v) : -2;
    s->got_report = true;
    s->done = s->got_report && s->exited;
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void forget_on_exit(rt_receive_port *p, rt_value *v, void *ctx)
{
    forget_state *s = ctx;
    s->exited = true;
    s->done = s->got_report && s->exited;
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void test_heap_released_at_exit(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    forget_state s = {0};
    rt_receive_port *rp = rt_receive_port_open(forget_on_report, &s, NULL);
    rt_receive_port *ep = rt_receive_port_open(forget_on_exit, &s, NULL);
    assert_non_null(rp);
    assert_non_null(ep);
    long raw0 = ts_alloc_live_bytes();
    rt_value *msg = rt_value_send_port(rt_receive_port_send_port(rp));
    assert_int_equal(
        rt_isolate_spawn(
            forgetful_entry, msg,
            &(rt_isolate_options){.name = "forgetful", .on_exit = rt_receive_port_send_port(ep)},
            NULL),
        0);
    rt_value_free(msg);
    run_until(&s.done);
    assert_true(s.report >= (int64_t)FORGET_SMALL * FORGET_SMALL_SIZE +
                                (int64_t)FORGET_LARGE * FORGET_LARGE_SIZE);
    /* Once it is gone, the megabyte it held is back with the allocator,
     * before main leaves. */
    int64_t deadline = rt_monotonic_ns() + RT_SEC(30);
    while (rt_isolate_count() > 1 && rt_monotonic_ns() < deadline)
        sleep_ms(1);
    assert_int_equal(rt_isolate_count(), 1);
    assert_true(ts_alloc_live_bytes() < raw0 + 64 * 1024);
    ts_run_main();
    ts_main_leave(); /* every byte came back */
}

/* A forgotten value holding a send port (the entry's message, or one it
 * made) is freed at exit like any other, and so is its port reference: a
 * leaked reference would keep the port, and the isolate it names, allocated.
 * In a child process, since a leak would break the byte count of every later
 * test in this process. */
static void forget_port_entry(rt_value *msg)
{
    rt_send_port *main_port = rt_value_as_send_port(msg);
    rt_value *mine = rt_value_send_port(main_port); /* never freed either */
    rt_value *r = rt_value_int(mine ? 1 : 0);
    rt_port_send(main_port, r);
    /* msg, mine and r are all left for the exit. */
}

static void count_and_close(rt_receive_port *p, rt_value *v, void *ctx)
{
    int *left = ctx;
    rt_value_free(v);
    if (--*left == 0) rt_receive_port_close(p);
}

static void child_forget_port_value(void)
{
    ts_alloc_install();
    CHILD_CHECK(rt_main_enter(NULL) == 0);
    int left = 2; /* the report and the exit notice */
    rt_receive_port *rp = rt_receive_port_open(count_and_close, &left, NULL);
    CHILD_CHECK(rp != NULL);
    rt_value *msg = rt_value_send_port(rt_receive_port_send_port(rp));
    CHILD_CHECK(rt_isolate_spawn(forget_port_entry, msg,
                                 &(rt_isolate_options){.on_exit = rt_receive_port_send_port(rp)},
                                 NULL) == 0);
    rt_value_free(msg);
    while (rt_run(RT_RUN_DEFAULT)) {
    }
    CHILD_CHECK(left == 0);
    rt_main_leave();
    if (ts_alloc_live_blocks() != 0 || ts_alloc_live_bytes() != 0) {
        fprintf(stderr, "leaked %ld blocks, %ld bytes\n", ts_alloc_live_blocks(),
                ts_alloc_live_bytes());
        exit(1);
    }
    printf("child ok\n");
}

/* An isolate killed before it ever started (spawned paused) still gives
 * back its heap and its start message, whether or not it had one. Run in a
 * child process: a crash on a worker thread must fail this test only. */
static void noop_entry(rt_value *msg)
{
    rt_value_free(msg);
}

static void child_kill_unstarted(void)
{
    ts_alloc_install();
    CHILD_CHECK(rt_main_enter(NULL) == 0);
    rt_isolate *with_msg, *without_msg;
    rt_value *m = rt_value_int(7);
    CHILD_CHECK(m != NULL);
    CHILD_CHECK(rt_isolate_spawn(noop_entry, m, &(rt_isolate_options){.paused = true}, &with_msg) ==
                0);
    rt_value_free(m);
    CHILD_CHECK(rt_isolate_spawn(noop_entry, NULL, &(rt_isolate_options){.paused = true},
                                 &without_msg) == 0);
    rt_isolate_kill(with_msg, RT_KILL_IMMEDIATE);
    rt_isolate_kill(without_msg, RT_KILL_IMMEDIATE);
    int64_t deadline = rt_monotonic_ns() + RT_SEC(20);
    while ((rt_isolate_is_alive(with_msg) || rt_isolate_is_alive(without_msg)) &&
           rt_monotonic_ns() < deadline)
        sleep_ms(1);
    CHILD_CHECK(!rt_isolate_is_alive(with_msg));
    CHILD_CHECK(!rt_isolate_is_alive(without_msg));
    rt_isolate_release(with_msg);
    rt_isolate_release(without_msg);
    rt_main_leave();
    CHILD_CHECK(ts_alloc_live_blocks() == 0);
    CHILD_CHECK(ts_alloc_live_bytes() == 0);
    printf("child ok\n");
}

/* Spawning with no message while allocations fail: RT_ENOMEM, no crash, no
 * leak, at every failure point. */
static void child_spawn_null_message_oom(void)
{
    ts_alloc_install();
    for (long n = 1; n <= 40; n++) {
        CHILD_CHECK(rt_main_enter(NULL) == 0);
        rt_isolate *h = NULL;
        ts_alloc_fail_after(n);
        int rc = rt_isolate_spawn(noop_entry, NULL, NULL, &h);
        ts_alloc_fail_never();
        CHILD_CHECK(rc == 0 || rc == RT_ENOMEM || rc == RT_EAGAIN);
        if (rc == 0) rt_isolate_release(h);
        rt_main_leave();
        CHILD_CHECK(ts_alloc_live_blocks() == 0);
        CHILD_CHECK(ts_alloc_live_bytes() == 0);
    }
    printf("child ok\n");
}

/* Runs this binary with --child NAME and asserts that it exited 0 after
 * printing "child ok" (the counterpart of ts_expect_abort). */
static void expect_child_ok(const char *name)
{
    char exe[4096], cmd[4300];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = 0;
    snprintf(cmd, sizeof cmd, "'%s' --child '%s' 2>&1", exe, name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char out[16384];
    char scratch[4096];
    size_t len = 0, got;
    while ((got = fread(scratch, 1, sizeof scratch, p)) > 0) {
        size_t room = sizeof out - 1 - len;
        memcpy(out + len, scratch, got < room ? got : room);
        len += got < room ? got : room;
    }
    out[len] = 0;
    int status = pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(out, "child ok")) {
        /* popen's shell reports a child killed by signal N as status 128 + N. */
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code > 128)
            fail_msg("child '%s' was killed by signal %d; it printed:\n%s", name, code - 128, out);
        fail_msg("child '%s' exited with status %d; it printed:\n%s", name, code, out);
    }
}

static void test_forgotten_send_port_value_released(void **state)
{
    (void)state;
    expect_child_ok("forget-port-value");
}

static void test_unstarted_isolate_released(void **state)
{
    (void)state;
    expect_child_ok("kill-unstarted");
}

static void test_spawn_without_message_under_oom(void **state)
{
    (void)state;
    expect_child_ok("spawn-null-message-oom");
}

/* ---- 3. Isolation: 1,000 isolates, each on its own heap ---- */

#define NISO 1000
#define MANY_BLOCKS 16
#define MANY_ROUNDS 4

static size_t many_size(int64_t index, int k)
{
    if (k == 0) return 600 + (size_t)index; /* one large block */
    return 1 + (size_t)((index * 37 + k * 101) % 512);
}

/* The pattern of block k in a given round: each round rewrites the blocks. */
static unsigned many_seed(int64_t index, int k, int round)
{
    return (unsigned)((index * MANY_BLOCKS + k) * MANY_ROUNDS + round);
}

static int64_t many_expected_sum(int64_t index)
{
    int64_t sum = 0;
    for (int k = 0; k < MANY_BLOCKS; k++)
        for (size_t i = 0; i < many_size(index, k); i++)
            sum += pat(many_seed(index, k, MANY_ROUNDS - 1), i);
    return sum;
}

typedef struct many_child {
    /* The entry's message [reply port, index], kept as a value rather than a
     * duplicated rt_send_port: if the isolate is killed before it reports,
     * its exit frees the value and gives back the port reference with it. */
    rt_value *msg;
    int64_t index;
    int64_t start_live; /* live bytes of the fresh heap, as the entry began */
    size_t live_with_blocks, block_live;
    int round;
    bool ok;
    unsigned char *blocks[MANY_BLOCKS];
} many_child;

/* Sums and frees the blocks, then reports [index, sum, start, ok]. */
static void many_finish(many_child *c)
{
    int64_t sum = 0;
    for (int k = 0; k < MANY_BLOCKS; k++) {
        for (size_t i = 0; c->blocks[k] && i < many_size(c->index, k); i++)
            sum += c->blocks[k][i];
        rt_free(c->blocks[k]);
    }
    if (rt_heap_live_bytes() != c->live_with_blocks - c->block_live) c->ok = false;
    rt_value *r = rt_value_list();
    if (r) {
        rt_list_push(r, rt_value_int(c->index));
        rt_list_push(r, rt_value_int(sum));
        rt_list_push(r, rt_value_int(c->start_live));
        rt_list_push(r, rt_value_bool(c->ok));
        rt_port_send(rt_value_as_send_port(rt_list_get(c->msg, 0)), r);
        rt_value_free(r);
    }
    rt_value_free(c->msg);
    rt_free(c);
}

/* One round, on a later turn, after other isolates had the workers: the
 * blocks must still hold this isolate's last pattern; then a new pattern
 * and the next round. The timer is due after a microsecond, so it has
 * usually expired by the time the isolate parks: a parked isolate whose
 * timer is already due must still be woken. */
static void many_round(rt_timer *t, void *ctx)
{
    (void)t;
    many_child *c = ctx;
    if (rt_heap_live_bytes() != c->live_with_blocks) c->ok = false;
    for (int k = 0; k < MANY_BLOCKS; k++)
        if (!c->blocks[k] ||
            !holds(c->blocks[k], many_size(c->index, k), many_seed(c->index, k, c->round)))
            c->ok = false;
    if (c->round + 1 == MANY_ROUNDS) {
        many_finish(c);
        return;
    }
    c->round++;
    for (int k = 0; k < MANY_BLOCKS; k++)
        if (c->blocks[k])
            fill(c->blocks[k], 0, many_size(c->index, k), many_seed(c->index, k, c->round));
    if (rt_timer_start(NULL, RT_US(1), 0, many_round, c, NULL) != 0) {
        c->ok = false;
        many_finish(c);
    }
}

static void many_entry(rt_value *msg)
{
    int64_t start_live = (int64_t)rt_heap_live_bytes();
    many_child *c = rt_malloc(sizeof *c);
    if (!c) return;
    memset(c, 0, sizeof *c);
    c->msg = msg;
    c->index = rt_value_as_int(rt_list_get(msg, 1));
    c->start_live = start_live;
    c->ok = true;
    for (int k = 0; k < MANY_BLOCKS; k++) {
        size_t n = many_size(c->index, k), before = rt_heap_live_bytes();
        c->blocks[k] = rt_malloc(n);
        if (!c->blocks[k] || !aligned16(c->blocks[k])) {
            c->ok = false;
            continue;
        }
        c->block_live += rt_heap_live_bytes() - before;
        fill(c->blocks[k], 0, n, many_seed(c->index, k, 0));
    }
    if (rt_timer_start(NULL, RT_US(1), 0, many_round, c, NULL) != 0) {
        c->ok = false;
        many_finish(c);
        return;
    }
    c->live_with_blocks = rt_heap_live_bytes();
}

static struct {
    rt_receive_port *results, *exits;
    int seen[NISO];
    int64_t sums[NISO], start_live[NISO];
    bool ok[NISO];
    int nresults, nexits, malformed;
    size_t count_at_last_exit;
    bool done;
} many;

static void many_maybe_done(void)
{
    if (many.nresults < NISO || many.nexits < NISO || many.done) return;
    many.done = true;
    rt_receive_port_close(many.results);
    rt_receive_port_close(many.exits);
}

static void many_on_result(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    if (rt_value_kind_of(v) == RT_LIST && rt_list_len(v) == 4 &&
        rt_value_kind_of(rt_list_get(v, 0)) == RT_INT) {
        int64_t idx = rt_value_as_int(rt_list_get(v, 0));
        if (idx >= 0 && idx < NISO) {
            many.seen[idx]++;
            many.sums[idx] = rt_value_as_int(rt_list_get(v, 1));
            many.start_live[idx] = rt_value_as_int(rt_list_get(v, 2));
            many.ok[idx] = rt_value_as_bool(rt_list_get(v, 3));
        } else {
            many.malformed++;
        }
    } else {
        many.malformed++;
    }
    rt_value_free(v);
    many.nresults++;
    many_maybe_done();
}

static void many_on_exit(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
    /* Every isolate has announced its exit: none but main may be left. */
    if (++many.nexits == NISO) many.count_at_last_exit = rt_isolate_count();
    many_maybe_done();
}

static void test_thousand_isolates_private_heaps(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&many, 0, sizeof many);
    many.results = rt_receive_port_open(many_on_result, NULL, NULL);
    many.exits = rt_receive_port_open(many_on_exit, NULL, NULL);
    assert_non_null(many.results);
    assert_non_null(many.exits);
    rt_isolate_options opts = {.on_exit = rt_receive_port_send_port(many.exits)};
    for (int i = 0; i < NISO; i++) {
        rt_value *msg = rt_value_list();
        assert_non_null(msg);
        assert_int_equal(
            rt_list_push(msg, rt_value_send_port(rt_receive_port_send_port(many.results))), 0);
        assert_int_equal(rt_list_push(msg, rt_value_int(i)), 0);
        assert_int_equal(rt_isolate_spawn(many_entry, msg, &opts, NULL), 0);
        rt_value_free(msg);
    }
    if (!run_until_or_timeout(&many.done)) {
        int missing = -1;
        for (int i = 0; i < NISO; i++)
            if (!many.seen[i] && missing < 0) missing = i;
        fail_msg("timed out: %d results, %d exits, %zu isolates alive; first missing result: "
                 "isolate %d",
                 many.nresults, many.nexits, rt_isolate_count(), missing);
    }
    assert_int_equal(many.malformed, 0);
    assert_int_equal(many.nresults, NISO);
    assert_int_equal(many.nexits, NISO);
    for (int i = 0; i < NISO; i++) {
        if (many.seen[i] != 1) fail_msg("isolate %d answered %d times", i, many.seen[i]);
        if (!many.ok[i]) fail_msg("isolate %d found its heap blocks changed or miscounted", i);
        assert_int_equal(many.sums[i], many_expected_sum(i));
        /* Each began on a fresh heap of its own: same start for all, and
         * none of the others' blocks in it. */
        assert_int_equal(many.start_live[i], many.start_live[0]);
    }
    assert_true(many.start_live[0] > 0 && many.start_live[0] < 4096);
    assert_int_equal(many.count_at_last_exit, 1);
    assert_int_equal(rt_isolate_count(), 1);
    ts_main_leave();
}

/* ---- 4. Per-isolate stats ---- */

#define STATS_BLOCKS 20000
#define STATS_BLOCK 1024
#define STATS_PINGS 20

typedef struct stats_child {
    rt_value *main_port; /* the entry's message: a value, so a kill cannot leak it */
    void **keep;
} stats_child;

static void stats_child_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    stats_child *c = ctx;
    int64_t i = rt_value_as_int(v);
    rt_value_free(v);
    if (i < 0) { /* quit: nothing keeps it alive any more */
        rt_value_free(c->main_port);
        rt_receive_port_close(p);
        return;
    }
    rt_value *r = rt_value_int(i);
    rt_port_send(rt_value_as_send_port(c->main_port), r);
    rt_value_free(r);
}

/* Holds ~20 MB in 20,000 blocks (never freed: the exit releases them), then
 * waits on a port and answers pings. Releasing that many blocks takes a
 * while, so an on-exit notice posted before the release would be seen with
 * the isolate still alive and its heap still counted. */
static void stats_entry(rt_value *msg)
{
    stats_child *c = rt_malloc(sizeof *c);
    if (!c) return;
    c->main_port = msg;
    c->keep = rt_malloc(STATS_BLOCKS * sizeof *c->keep);
    for (int i = 0; c->keep && i < STATS_BLOCKS; i++) {
        c->keep[i] = rt_malloc(STATS_BLOCK);
        if (c->keep[i]) memset(c->keep[i], i, STATS_BLOCK);
    }
    rt_receive_port *rp = rt_receive_port_open(stats_child_on_msg, c, NULL);
    if (!rp) return;
    rt_value *hello = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_port_send(rt_value_as_send_port(c->main_port), hello);
    rt_value_free(hello);
}

static struct {
    rt_isolate *child;
    rt_send_port *child_port;
    int pongs;
    bool ready, pongs_done, exited, alive_at_exit;
    rt_isolate_stats at_exit;
} st;

static void stats_main_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    if (rt_value_kind_of(v) == RT_SEND_PORT) {
        st.child_port = rt_send_port_dup(rt_value_as_send_port(v));
        st.ready = true;
    } else if (++st.pongs == STATS_PINGS) {
        st.pongs_done = true;
    }
    rt_value_free(v);
}

static void stats_on_exit(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
    /* The isolate says it has exited: a snapshot now must agree. */
    rt_isolate_get_stats(st.child, &st.at_exit);
    st.alive_at_exit = rt_isolate_is_alive(st.child);
    st.exited = true;
}

static void test_isolate_stats(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&st, 0, sizeof st);
    rt_receive_port *rp = rt_receive_port_open(stats_main_on_msg, NULL, NULL);
    rt_receive_port *ep = rt_receive_port_open(stats_on_exit, NULL, NULL);
    assert_non_null(rp);
    assert_non_null(ep);
    rt_value *msg = rt_value_send_port(rt_receive_port_send_port(rp));
    assert_int_equal(
        rt_isolate_spawn(
            stats_entry, msg,
            &(rt_isolate_options){.name = "stats-child", .on_exit = rt_receive_port_send_port(ep)},
            &st.child),
        0);
    rt_value_free(msg);
    rt_isolate_stats s;
    rt_isolate_get_stats(st.child, &s);
    assert_true(s.alive);
    run_until(&st.ready);

    /* heap_bytes is taken at the end of a turn: wait for the entry's turn. */
    size_t want = (size_t)STATS_BLOCKS * STATS_BLOCK;
    int64_t deadline = rt_monotonic_ns() + RT_SEC(30);
    for (;;) {
        rt_isolate_get_stats(st.child, &s);
        if (s.heap_bytes >= want || rt_monotonic_ns() > deadline) break;
        sleep_ms(1);
    }
    assert_true(s.alive);
    if (s.heap_bytes < want) fail_msg("heap_bytes %zu while holding %zu bytes", s.heap_bytes, want);
    assert_true(s.events_handled >= 1); /* the entry */
    uint64_t e0 = s.events_handled;

    for (int i = 0; i < STATS_PINGS; i++)
        send_int(st.child_port, i);
    run_until(&st.pongs_done);
    deadline = rt_monotonic_ns() + RT_SEC(30);
    for (;;) {
        rt_isolate_get_stats(st.child, &s);
        if (s.events_handled >= e0 + STATS_PINGS || rt_monotonic_ns() > deadline) break;
        sleep_ms(1);
    }
    assert_true(s.events_handled >= e0 + STATS_PINGS);
    assert_true(s.alive);
    assert_true(s.heap_bytes >= want);

    send_int(st.child_port, -1);
    run_until(&st.exited);
    /* Received on_exit: the isolate is gone, and so is its heap. */
    assert_false(st.alive_at_exit);
    assert_false(st.at_exit.alive);
    assert_int_equal(st.at_exit.heap_bytes, 0);
    rt_isolate_get_stats(st.child, &s);
    assert_false(s.alive);
    assert_false(s.running);
    assert_int_equal(s.heap_bytes, 0);
    assert_true(s.events_handled >= e0 + STATS_PINGS + 1);

    rt_send_port_release(st.child_port);
    rt_isolate_release(st.child);
    st.child_port = NULL;
    st.child = NULL;
    rt_receive_port_close(rp);
    rt_receive_port_close(ep);
    ts_run_main();
    ts_main_leave();
}

/* After a failed assertion: drop the references the test held, so that the
 * leak does not show up in the byte count of every later test. */
static int stats_teardown(void **state)
{
    (void)state;
    if (!rt_isolate_current()) return 0;
    if (st.child_port) rt_send_port_release(st.child_port);
    if (st.child) rt_isolate_release(st.child);
    st.child_port = NULL;
    st.child = NULL;
    rt_main_leave();
    ts_alloc_uninstall();
    return 0;
}

/* ---- 5. Allocation failure injection ---- */

static struct {
    int micro, posted, fired, timer_destroyed, port_destroyed, exits, exits_expected;
} fi;

static void fi_micro(void *ctx)
{
    (void)ctx;
    fi.micro++;
}

static void fi_post(void *ctx)
{
    (void)ctx;
    fi.posted++;
}

static void fi_timer(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    fi.fired++;
}

static void fi_timer_destroy(void *ctx)
{
    (void)ctx;
    fi.timer_destroyed++;
}

static void fi_port_destroy(void *ctx)
{
    (void)ctx;
    fi.port_destroyed++;
}

static void fi_never(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
}

static void fi_on_exit(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    if (++fi.exits == fi.exits_expected) rt_receive_port_close(p);
}

/* A trivial child. The unpaused one runs while allocations may still fail:
 * it must cope, and its exit must still release everything. */
static void fi_child(rt_value *msg)
{
    void *a = rt_malloc(64), *b = rt_malloc(4000);
    if (a) memset(a, 1, 64);
    if (b) memset(b, 2, 4000);
    rt_receive_port *rp = rt_receive_port_open(NULL, NULL, NULL);
    if (rp) rt_receive_port_close(rp);
    rt_free(a);
    rt_value_free(msg);
    /* b is left for the exit. */
}

static bool rc_ok(int rc)
{
    return rc == RT_OK || rc == RT_ENOMEM;
}

static const size_t fi_sizes[] = {0, 24, 100, 512, 513, 5000, 200000};
#define FI_NSIZES (sizeof fi_sizes / sizeof fi_sizes[0])
#define FI_NSMALL 64

static size_t fi_timer_array_bytes;

/* One run with the n-th allocation from now failing, and all after it.
 * Returns how many operations failed. */
static int fi_scenario(long n)
{
    ts_main_enter(NULL);
    memset(&fi, 0, sizeof fi);
    int failed = 0;
    unsigned char *blocks[FI_NSIZES], *smalls[FI_NSMALL];
    size_t live0 = rt_heap_live_bytes();

    ts_alloc_fail_after(n);
    for (size_t i = 0; i < FI_NSIZES; i++) {
        blocks[i] = rt_malloc(fi_sizes[i]);
        if (blocks[i])
            fill(blocks[i], 0, fi_sizes[i], (unsigned)i);
        else
            failed++;
    }
    for (int i = 0; i < FI_NSMALL; i++) { /* enough to need new chunks */
        smalls[i] = rt_malloc(300);
        if (smalls[i])
            fill(smalls[i], 0, 300, 100u + (unsigned)i);
        else
            failed++;
    }
    /* No cmocka assertion until ts_alloc_fail_never(): record instead. */
    bool intact = true;
    unsigned char *z = rt_calloc(10, 30);
    if (z)
        intact &= all_zero(z, 300);
    else
        failed++;
    /* Resizing: on failure the block stays as it was. */
    unsigned char *r = rt_malloc(100);
    size_t rsize = 100;
    if (r) {
        fill(r, 0, 100, 77);
        static const size_t grow[] = {3000, 300000, 400};
        for (size_t i = 0; i < sizeof grow / sizeof grow[0]; i++) {
            unsigned char *q = rt_realloc(r, grow[i]);
            if (!q) {
                failed++;
                intact &= holds(r, rsize, 77);
                continue;
            }
            size_t keep = rsize < grow[i] ? rsize : grow[i];
            intact &= holds(q, keep, 77);
            fill(q, keep, grow[i], 77);
            r = q;
            rsize = grow[i];
        }
    } else {
        failed++;
    }
    rt_receive_port *port = rt_receive_port_open(fi_never, NULL, fi_port_destroy);
    rt_receive_port *exit_port = rt_receive_port_open(fi_on_exit, NULL, NULL);
    failed += !port + !exit_port;
    rt_timer *owned = NULL;
    int trc = rt_timer_start(&owned, RT_MS(1), 0, fi_timer, NULL, fi_timer_destroy);
    int trc0 = rt_timer_start(NULL, 0, 0, fi_timer, NULL, fi_timer_destroy);
    int mrc = rt_schedule_microtask(fi_micro, NULL);
    int prc = rt_post(fi_post, NULL);
    rt_value *m = rt_value_int(n);
    rt_isolate *paused = NULL;
    int src = RT_ENOMEM, src2 = RT_ENOMEM;
    if (m) {
        rt_isolate_options o = {.paused = true,
                                .on_exit = exit_port ? rt_receive_port_send_port(exit_port) : NULL};
        src = rt_isolate_spawn(fi_child, m, &o, &paused);
        src2 = rt_isolate_spawn(fi_child, m, NULL, NULL);
    }
    ts_alloc_fail_never();
    /* Let the paused child go and drop the handle before any assertion. */
    fi.exits_expected = src == 0 && exit_port ? 1 : 0;
    if (src == 0) {
        rt_isolate_resume(paused);
        rt_isolate_release(paused);
    }

    if (!intact) fail_msg("n=%ld: a block changed (calloc not zeroed, or realloc lost data)", n);
    assert_true(rc_ok(trc));
    assert_true(rc_ok(trc0));
    assert_true(rc_ok(mrc));
    assert_true(rc_ok(prc));
    assert_true(rc_ok(src) || src == RT_EAGAIN);
    assert_true(rc_ok(src2) || src2 == RT_EAGAIN);
    failed += (trc != 0) + (trc0 != 0) + (mrc != 0) + (prc != 0) + !m + (src != 0) + (src2 != 0);
    assert_int_equal(fi.timer_destroyed, 0); /* a failed start kept no context */

    /* Clean up what succeeded, checking it was intact. */
    for (size_t i = 0; i < FI_NSIZES; i++) {
        if (blocks[i] && !holds(blocks[i], fi_sizes[i], (unsigned)i))
            fail_msg("n=%ld: block of %zu bytes changed", n, fi_sizes[i]);
        rt_free(blocks[i]);
    }
    for (int i = 0; i < FI_NSMALL; i++) {
        if (smalls[i]) assert_true(holds(smalls[i], 300, 100u + (unsigned)i));
        rt_free(smalls[i]);
    }
    rt_free(z);
    if (r) assert_true(holds(r, rsize, 77));
    rt_free(r);
    rt_value_free(m);
    if (port) rt_receive_port_close(port);
    if (exit_port && fi.exits_expected == 0) rt_receive_port_close(exit_port);
    ts_run_main();

    assert_int_equal(fi.micro, mrc == 0);
    assert_int_equal(fi.posted, prc == 0);
    assert_int_equal(fi.fired, (trc == 0) + (trc0 == 0));
    assert_int_equal(fi.timer_destroyed, (trc == 0) + (trc0 == 0));
    assert_int_equal(fi.port_destroyed, port != NULL);
    assert_int_equal(fi.exits, fi.exits_expected);
    if (trc == 0) {
        assert_false(rt_timer_is_active(owned));
        assert_int_equal(rt_timer_tick(owned), 1);
        rt_timer_free(owned);
    }
    /* Everything was freed: main's heap holds what it held before, plus the
     * timer array if a delayed timer was ever armed (the same every time).
     * A failure path that forgets a heap block shows here. */
    size_t extra = rt_heap_live_bytes() - live0;
    if (trc != 0 && extra != 0)
        fail_msg("n=%ld: main's heap kept %zu bytes after the scenario", n, extra);
    if (trc == 0 && fi_timer_array_bytes == 0) fi_timer_array_bytes = extra;
    if (trc == 0 && extra != fi_timer_array_bytes)
        fail_msg("n=%ld: main's heap kept %zu bytes after the scenario, %zu in another run", n,
                 extra, fi_timer_array_bytes);
    ts_main_leave(); /* not one byte leaked */
    return failed;
}

static void test_allocation_failure_injection(void **state)
{
    (void)state;
    int first = -1, last = -1, failing_runs = 0;
    fi_timer_array_bytes = 0;
    for (long n = 1; n <= 150; n++) {
        int failed = fi_scenario(n);
        if (n == 1) first = failed;
        last = failed;
        failing_runs += failed > 0;
    }
    assert_true(first > 0);    /* the injection did bite */
    assert_int_equal(last, 0); /* and 150 covers every allocation of the scenario */
    assert_true(failing_runs >= 10);
}

/* ---- 6. Misuse aborts with a message (child processes) ---- */

static void child_double_free(void)
{
    rt_main_enter(NULL);
    void *p = rt_malloc(40);
    rt_free(p);
    rt_free(p);
}

static void child_double_free_large(void)
{
    rt_main_enter(NULL);
    void *p = rt_malloc((size_t)1 << 20);
    rt_free(p);
    rt_free(p);
}

static void child_realloc_freed(void)
{
    rt_main_enter(NULL);
    void *p = rt_malloc(40);
    rt_free(p);
    rt_realloc(p, 80);
}

static void *stolen;

static void thief_free_entry(rt_value *msg)
{
    rt_free(stolen); /* main's block: must abort */
    /* Not aborted: let main finish instead of hanging. */
    rt_port_send(rt_value_as_send_port(msg), msg);
    rt_value_free(msg);
}

static void thief_realloc_entry(rt_value *msg)
{
    rt_realloc(stolen, 10); /* main's block: must abort */
    rt_port_send(rt_value_as_send_port(msg), msg);
    rt_value_free(msg);
}

static void close_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void run_thief(rt_entry_fn entry, size_t size)
{
    rt_main_enter(NULL);
    stolen = rt_malloc(size);
    rt_receive_port *rp = rt_receive_port_open(close_on_msg, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_isolate_spawn(entry, sp, &(rt_isolate_options){.name = "thief"}, NULL);
    rt_value_free(sp);
    while (rt_run(RT_RUN_DEFAULT)) {
    }
    rt_main_leave();
}

static void child_cross_free(void)
{
    run_thief(thief_free_entry, 64);
}

static void child_cross_realloc_large(void)
{
    run_thief(thief_realloc_entry, 5000);
}

static void child_malloc_outside(void)
{
    rt_malloc(16);
}

static void child_free_after_leave(void)
{
    rt_main_enter(NULL);
    void *p = rt_malloc(16);
    rt_main_leave();
    rt_free(p);
}

static void child_calloc_outside(void)
{
    rt_calloc(2, 8);
}

static void test_double_free_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("double-free", "not a live block");
    ts_expect_check_abort("realloc-freed", "not a live block");
}

/* A large block goes back to the allocator when freed: freeing it again
 * must still be caught, not read unmapped memory. */
static void test_double_free_large_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("double-free-large", "not a live block");
}

static void test_free_from_other_isolate_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("cross-free", "belongs to isolate 'main'");
    ts_expect_check_abort("cross-free", "isolate 'thief'");
    ts_expect_check_abort("cross-realloc-large",
                          "belongs to isolate 'main' but is used from isolate 'thief'");
}

static void test_heap_outside_isolate_aborts(void **state)
{
    (void)state;
    ts_expect_abort("malloc-outside", "rt_malloc: called outside any isolate");
    ts_expect_abort("calloc-outside", "outside any isolate");
    ts_expect_abort("free-after-leave", "rt_free: called outside any isolate");
}

/* Under ASan a freed block and the unused rest of a chunk are poisoned. */
static void child_read_freed(void)
{
    rt_main_enter(NULL);
    volatile unsigned char *p = rt_malloc(64);
    p[8] = 1;
    rt_free((void *)p);
    printf("read %d\n", p[8]);
}

static void child_read_past_block(void)
{
    rt_main_enter(NULL);
    volatile unsigned char *p = rt_malloc(32);
    p[0] = 1;
    printf("read %d\n", p[40]); /* the chunk's unused space after the block */
}

static void test_asan_poisons_free_memory(void **state)
{
    (void)state;
#ifdef HAVE_ASAN
    ts_expect_abort("read-freed", "use-after-poison");
    ts_expect_abort("read-past-block", "use-after-poison");
#else
    skip();
#endif
}

static const ts_child_case cases[] = {
    {"forget-port-value", child_forget_port_value},
    {"kill-unstarted", child_kill_unstarted},
    {"spawn-null-message-oom", child_spawn_null_message_oom},
    {"double-free", child_double_free},
    {"double-free-large", child_double_free_large},
    {"realloc-freed", child_realloc_freed},
    {"cross-free", child_cross_free},
    {"cross-realloc-large", child_cross_realloc_large},
    {"malloc-outside", child_malloc_outside},
    {"calloc-outside", child_calloc_outside},
    {"free-after-leave", child_free_after_leave},
    {"read-freed", child_read_freed},
    {"read-past-block", child_read_past_block},
    {NULL, NULL},
};

/* After a burst, a long-running isolate's heap gives its memory back:
 * chunks whose every block is free return to the allocator beyond a small
 * reserve (the main isolate once kept 5.5 MiB after 10,000 futures). */
static void test_heap_returns_empty_chunks_after_a_burst(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t before = rt_heap_bytes();
    enum { N = 40000 };
    void **p = malloc(N * sizeof *p);
    assert_non_null(p);
    for (int i = 0; i < N; i++)
        assert_non_null(p[i] = rt_malloc(16 + (size_t)(i % 20) * 24)); /* 16..472 bytes */
    size_t peak = rt_heap_bytes();
    assert_true(peak > before + 4 * 1024 * 1024);
    for (int i = 0; i < N; i++)
        rt_free(p[i]);
    size_t after = rt_heap_bytes();
    assert_true(after < before + 2 * 1024 * 1024); /* the reserve, the bump chunk, slack */
    /* The heap still works, from its reserve and from new chunks. */
    for (int i = 0; i < N; i++)
        assert_non_null(p[i] = rt_malloc(48));
    for (int i = 0; i < N; i++)
        rt_free(p[i]);
    free(p);
    /* And with real objects: 10,000 futures made and dropped. */
    size_t base = rt_heap_bytes();
    rt_future **f = malloc(10000 * sizeof *f);
    assert_non_null(f);
    for (int i = 0; i < 10000; i++)
        f[i] = rt_future_value(rt_value_int(i));
    rt_run(RT_RUN_NOWAIT);
    for (int i = 0; i < 10000; i++)
        rt_future_release(f[i]);
    free(f);
    rt_run(RT_RUN_NOWAIT);
    assert_true(rt_heap_bytes() < base + 2 * 1024 * 1024);
    ts_main_leave();
}

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_returns_empty_chunks_after_a_burst),
        cmocka_unit_test(test_sizes_alignment_and_content),
        cmocka_unit_test(test_realloc_keeps_content),
        cmocka_unit_test(test_calloc_zero_fills_and_checks_overflow),
        cmocka_unit_test(test_freed_blocks_reused),
        cmocka_unit_test(test_huge_requests_fail_cleanly),
        cmocka_unit_test(test_heap_released_at_exit),
        cmocka_unit_test(test_forgotten_send_port_value_released),
        cmocka_unit_test(test_unstarted_isolate_released),
        cmocka_unit_test(test_spawn_without_message_under_oom),
        cmocka_unit_test(test_thousand_isolates_private_heaps),
        cmocka_unit_test_teardown(test_isolate_stats, stats_teardown),
        cmocka_unit_test(test_allocation_failure_injection),
        cmocka_unit_test(test_double_free_aborts),
        cmocka_unit_test(test_double_free_large_aborts),
        cmocka_unit_test(test_free_from_other_isolate_aborts),
        cmocka_unit_test(test_heap_outside_isolate_aborts),
        cmocka_unit_test(test_asan_poisons_free_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
