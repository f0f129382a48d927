/* test_support.c: tracking allocator, order log, child-process misuse runner. */
#include "test_support.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_long live_blocks, live_bytes, count, fail_at = -1;

static void *tracking_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    if (new_size == 0) {
        if (ptr) {
            atomic_fetch_sub(&live_blocks, 1);
            atomic_fetch_sub(&live_bytes, (long)old_size);
        }
        free(ptr);
        return NULL;
    }
    long n = atomic_fetch_add(&count, 1) + 1;
    long f = atomic_load(&fail_at);
    if (f >= 0 && n >= f) return NULL;
    void *p = realloc(ptr, new_size);
    if (!p) return NULL;
    if (!ptr) atomic_fetch_add(&live_blocks, 1);
    atomic_fetch_add(&live_bytes, (long)new_size - (long)old_size);
    return p;
}

void ts_alloc_install(void)
{
    atomic_store(&fail_at, -1);
    rt_set_allocator(tracking_alloc, NULL);
}

void ts_alloc_uninstall(void)
{
    rt_set_allocator(NULL, NULL);
}

void ts_alloc_fail_after(long n)
{
    atomic_store(&fail_at, atomic_load(&count) + n);
}

void ts_alloc_fail_never(void)
{
    atomic_store(&fail_at, -1);
}

long ts_alloc_live_blocks(void)
{
    return atomic_load(&live_blocks);
}

long ts_alloc_live_bytes(void)
{
    return atomic_load(&live_bytes);
}

long ts_alloc_count(void)
{
    return atomic_load(&count);
}

void ts_main_enter(const rt_isolate_options *opts)
{
    /* A failed test may have left its main isolate behind. */
    if (rt_isolate_current()) rt_main_leave();
    ts_alloc_install();
    assert_int_equal(rt_main_enter(opts), 0);
}

void ts_main_enter_virtual(rt_virtual_clock *vc)
{
    rt_virtual_clock_init(vc);
    ts_main_enter(&(rt_isolate_options){.clock = &vc->clock});
    ts_log_reset();
}

void ts_main_leave(void)
{
    rt_main_leave();
    assert_int_equal(rt_isolate_count(), 0);
    assert_int_equal(ts_alloc_live_blocks(), 0);
    assert_int_equal(ts_alloc_live_bytes(), 0);
    ts_alloc_uninstall();
}

void ts_run_main(void)
{
    while (rt_run(RT_RUN_DEFAULT)) {
    }
}

/* ---- Order log ---- */

static char log_buf[8192];
static size_t log_len;

void ts_log_reset(void)
{
    log_len = 0;
    log_buf[0] = 0;
}

void ts_log(const char *fmt, ...)
{
    if (log_len && log_len < sizeof log_buf - 2) {
        log_buf[log_len++] = ',';
        log_buf[log_len++] = ' ';
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(log_buf + log_len, sizeof log_buf - log_len, fmt, ap);
    va_end(ap);
    if (n > 0) log_len += (size_t)n;
    if (log_len >= sizeof log_buf) log_len = sizeof log_buf - 1;
}

const char *ts_log_text(void)
{
    return log_buf;
}

/* ---- Children ---- */

int ts_child_dispatch(int argc, char **argv, const ts_child_case *cases)
{
    if (argc != 3 || strcmp(argv[1], "--child") != 0) return -1;
    for (const ts_child_case *c = cases; c->name; c++) {
        if (strcmp(c->name, argv[2]) == 0) {
            c->fn();
            return 0; /* the case should have aborted */
        }
    }
    fprintf(stderr, "unknown child case %s\n", argv[2]);
    return 3;
}

int ts_run_child(const char *name, char *out, size_t out_size)
{
    char cmd[4200], exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = 0;
    /* Sanitizers print their own report on abort; keep it out of the way. */
    snprintf(cmd, sizeof cmd,
             "ASAN_OPTIONS=detect_leaks=0:handle_abort=0 TSAN_OPTIONS=report_bugs=0 '%s' --child "
             "'%s' 2>&1",
             exe, name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, out_size - 1, p);
    out[len] = 0;
    return pclose(p);
}

void ts_expect_abort(const char *name, const char *expect)
{
    char out[8192];
    int status = ts_run_child(name, out, sizeof out);
    if (!strstr(out, expect)) fail_msg("child '%s' printed:\n%s\nexpected: %s", name, out, expect);
    /* Aborted: killed by SIGABRT (or a sanitizer's non-zero exit on abort). */
    if (!(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)))
        fail_msg("child '%s' exited normally; expected an abort", name);
}

void ts_expect_check_abort(const char *name, const char *expect)
{
#ifdef RT_CHECKS
    ts_expect_abort(name, expect);
#else
    (void)name;
    (void)expect;
    skip();
#endif
}
