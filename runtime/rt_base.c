/* rt_base.c: error names, the injectable allocator, clocks, the default waiter. */
#include "rt_private.h"

#include <stdarg.h>
#include <time.h>

/* Both tables in one switch, by value (the HTTP enum is rt_http.h's):
 * each row gives its "RT_<name>: <message>", or its name. */
#define RT__ERRNO_STR(name, value, message)                                                        \
    case (value):                                                                                  \
        return "RT_" #name ": " message;
#define RT__ERRNO_NAME(name, value, message)                                                       \
    case (value):                                                                                  \
        return "RT_" #name;

const char *rt_strerror(int code)
{
    switch (code) {
    case RT_OK:
        return "RT_OK: success";
        RT_ERRNO_MAP(RT__ERRNO_STR)
        RT_HTTP_ERRNO_MAP(RT__ERRNO_STR)
    default:
        return code <= RT_EUSER ? "application error" : "unknown error";
    }
}

const char *rt_err_name(int code)
{
    switch (code) {
    case RT_OK:
        return "RT_OK";
        RT_ERRNO_MAP(RT__ERRNO_NAME)
        RT_HTTP_ERRNO_MAP(RT__ERRNO_NAME)
    default:
        return code <= RT_EUSER ? "RT_EUSER" : "RT_E?";
    }
}

_Noreturn void rt_die(const char *func, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "islet: %s: ", func);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    abort();
}

/* ---- Allocator ---- */

static void *default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return ptr ? realloc(ptr, new_size) : malloc(new_size);
}

static rt_alloc_fn g_alloc = default_alloc;
static void *g_alloc_ud;

void rt_set_allocator(rt_alloc_fn fn, void *ud)
{
    rt__block_cache_drain(); /* kept blocks belong to the old allocator */
    g_alloc = fn ? fn : default_alloc;
    g_alloc_ud = fn ? ud : NULL;
}

void *rt__raw_alloc(size_t n)
{
    return g_alloc(g_alloc_ud, NULL, 0, n);
}

void *rt__raw_realloc(void *p, size_t old_n, size_t n)
{
    return g_alloc(g_alloc_ud, p, old_n, n);
}

void rt__raw_free(void *p, size_t n)
{
    if (p) g_alloc(g_alloc_ud, p, n, 0);
}

/* ---- Clocks ---- */

int64_t rt_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t monotonic_now(rt_clock *self)
{
    (void)self;
    return rt_monotonic_ns();
}

static rt_clock g_monotonic = {monotonic_now, NULL};

rt_clock *rt_clock_monotonic(void)
{
    return &g_monotonic;
}

static int64_t virtual_now(rt_clock *self)
{
    return ((rt_virtual_clock *)self)->now;
}

static void virtual_advance_to(rt_clock *self, int64_t deadline)
{
    rt_virtual_clock *vc = (rt_virtual_clock *)self;
    if (deadline > vc->now) vc->now = deadline;
}

void rt_virtual_clock_init(rt_virtual_clock *vc)
{
    vc->clock.now_ns = virtual_now;
    vc->clock.advance_to = virtual_advance_to;
    vc->now = 0;
}

void rt_virtual_clock_advance(rt_virtual_clock *vc, int64_t delta_ns)
{
    if (delta_ns > 0) vc->now = rt__time_add(vc->now, delta_ns);
}
