/* rt_base.c: error names, the injectable allocator, clocks, the default waiter. */
#include "rt_private.h"

#include <stdarg.h>
#include <time.h>

const char *rt_strerror(int code)
{
    switch (code) {
    case RT_OK:
        return "RT_OK: success";
    case RT_ENOMEM:
        return "RT_ENOMEM: out of memory";
    case RT_EINVAL:
        return "RT_EINVAL: invalid argument";
    case RT_EILSEQ:
        return "RT_EILSEQ: string is not valid UTF-8";
    case RT_ECYCLE:
        return "RT_ECYCLE: value would contain itself";
    case RT_ECLOSED:
        return "RT_ECLOSED: port or isolate is closed";
    case RT_EDETACHED:
        return "RT_EDETACHED: buffer was transferred away";
    case RT_ESTATE:
        return "RT_ESTATE: operation not allowed in this state";
    case RT_EAGAIN:
        return "RT_EAGAIN: resource temporarily unavailable";
    case RT_EDEPTH:
        return "RT_EDEPTH: value nested too deeply";
    case RT_ETIMEOUT:
        return "RT_ETIMEOUT: timed out";
    case RT_ECANCELLED:
        return "RT_ECANCELLED: cancelled";
    case RT_E2BIG:
        return "RT_E2BIG: larger than the limit allows";
    /* rt_http.h */
    case -30:
        return "RT_EHTTP_URL: malformed URL";
    case -31:
        return "RT_EHTTP_SCHEME: unsupported URL scheme";
    case -32:
        return "RT_EHTTP_RESOLVE: host not found";
    case -33:
        return "RT_EHTTP_CONNECT: could not connect";
    case -34:
        return "RT_EHTTP_TIMEOUT: timed out";
    case -35:
        return "RT_EHTTP_TLS: TLS failure";
    case -36:
        return "RT_EHTTP_REDIRECTS: too many redirects";
    case -37:
        return "RT_EHTTP_TOO_LARGE: body over the cap";
    case -38:
        return "RT_EHTTP_RECEIVE: connection closed mid-response";
    case -39:
        return "RT_EHTTP_OTHER: HTTP transfer failed";
    case -40:
        return "RT_EHTTP_HEADER: request header or method cannot be sent as given";
    case -41:
        return "RT_EHTTP_HEADERS_TOO_LARGE: response headers over the cap";
    case -42:
        return "RT_EHTTP_PROTOCOL: the answer is not valid HTTP";
    default:
        return code <= RT_EUSER ? "application error" : "unknown error";
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
