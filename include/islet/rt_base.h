/* rt_base.h: error codes, the allocator under all heaps, clocks and waiters.
 *
 * Errors are values: functions that can fail return 0 or a negative RT_E*
 * code; rt_strerror() names it. Misuse of the API (a bug in the caller, not a
 * runtime condition) aborts with a message in builds with RT_CHECKS.
 */
#ifndef RT_BASE_H
#define RT_BASE_H

#include <islet/rt_export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every error code, one row each: XX(name, value, message). The enum below,
 * rt_strerror and rt_err_name are generated from it (libuv's UV_ERRNO_MAP),
 * so a new code is one new row. Values are part of the ABI: never reuse one. */
#define RT_ERRNO_MAP(XX)                                                                           \
    XX(ENOMEM, -1, "out of memory")                                                                \
    XX(EINVAL, -2, "invalid argument")                                                             \
    XX(EILSEQ, -3, "string is not valid UTF-8")                                                    \
    XX(ECYCLE, -4, "value would contain itself")                                                   \
    XX(ECLOSED, -5, "port or isolate is closed")                                                   \
    XX(EDETACHED, -6, "buffer was transferred away")                                               \
    XX(ESTATE, -7, "operation not allowed in this state")                                          \
    XX(EAGAIN, -8, "resource temporarily unavailable")                                             \
    XX(EDEPTH, -9, "value nested too deeply")                                                      \
    XX(ETIMEOUT, -10, "timed out")                                                                 \
    XX(ECANCELLED, -11, "cancelled")                                                               \
    XX(E2BIG, -12, "larger than the limit allows")                                                 \
    XX(EIO, -13, "a file could not be read or written")                                            \
    XX(EDISPLAY, -14, "no display, or SDL could not open a window or renderer")

/* The HTTP library's codes (rt_http.h declares them and says when each
 * occurs); listed here so that rt_strerror names them without the library. */
#define RT_HTTP_ERRNO_MAP(XX)                                                                      \
    XX(EHTTP_URL, -30, "malformed URL")                                                            \
    XX(EHTTP_SCHEME, -31, "unsupported URL scheme")                                                \
    XX(EHTTP_RESOLVE, -32, "host not found")                                                       \
    XX(EHTTP_CONNECT, -33, "could not connect")                                                    \
    XX(EHTTP_TIMEOUT, -34, "timed out")                                                            \
    XX(EHTTP_TLS, -35, "TLS failure")                                                              \
    XX(EHTTP_REDIRECTS, -36, "too many redirects")                                                 \
    XX(EHTTP_TOO_LARGE, -37, "body over the cap")                                                  \
    XX(EHTTP_RECEIVE, -38, "connection closed mid-response")                                       \
    XX(EHTTP_OTHER, -39, "HTTP transfer failed")                                                   \
    XX(EHTTP_HEADER, -40, "request header or method cannot be sent as given")                      \
    XX(EHTTP_HEADERS_TOO_LARGE, -41, "response headers over the cap")                              \
    XX(EHTTP_PROTOCOL, -42, "the answer is not valid HTTP")

/* One enumerator per row: RT_ENOMEM = -1, ... */
#define RT__ERRNO_ENUM(name, value, message) RT_##name = (value),

/* (clang-format would join the generated rows and the last one.) */
/* clang-format off */
enum {
    RT_OK = 0,
    RT_ERRNO_MAP(RT__ERRNO_ENUM)
    RT_EUSER = -100 /* first code free for applications: RT_EUSER, RT_EUSER - 1, ... */
};
/* clang-format on */

/* The code and its message, e.g. "RT_ENOMEM: out of memory"; "RT_OK:
 * success"; "application error" for codes <= RT_EUSER and "unknown error"
 * for the rest. A static string. Thread-safe. */
ISLET_API const char *rt_strerror(int code);
/* The code's name alone, e.g. "RT_ENOMEM" (and "RT_OK"); "RT_EUSER" for
 * every code <= RT_EUSER (the application's own, which it names) and
 * "RT_E?" for a code no table has. A static string. Thread-safe. */
ISLET_API const char *rt_err_name(int code);

/* Prints "islet: <function>: <message>" on stderr and aborts: the one
 * report of API misuse, for the runtime and the libraries built on it.
 * Thread-safe. */
ISLET_API _Noreturn void rt_die(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Allocator ---------------------------------------------------------
 * Every byte the runtime holds comes from one allocator, Lua-style:
 * alloc(ud, ptr, old_size, new_size) with new_size == 0 frees and returns
 * NULL; otherwise it (re)allocates and returns NULL on failure. It is called
 * from many threads at once and must be thread-safe. */
typedef void *(*rt_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

/* Replaces the allocator; NULL restores the default (malloc). Call only when
 * no isolate exists (before the first rt_main_enter or after rt_main_leave). */
ISLET_API void rt_set_allocator(rt_alloc_fn fn, void *ud);

/* ---- Clock -------------------------------------------------------------
 * Monotonic time in nanoseconds. An isolate reads its clock once per loop
 * turn. A virtual clock lets tests run timers without waiting. */
typedef struct rt_clock rt_clock;
struct rt_clock {
    int64_t (*now_ns)(rt_clock *self);
    /* Optional. When set, the loop calls it instead of sleeping until a
     * timer deadline: a virtual clock jumps to `deadline_ns`. */
    void (*advance_to)(rt_clock *self, int64_t deadline_ns);
};

/* The real monotonic clock (CLOCK_MONOTONIC). */
ISLET_API rt_clock *rt_clock_monotonic(void);
ISLET_API int64_t rt_monotonic_ns(void);

/* A virtual clock starting at 0 that moves only when told to, or when the
 * loop would otherwise sleep until a timer (it jumps to that deadline).
 * Owned by the caller (embed it anywhere); use from the owning isolate only. */
typedef struct rt_virtual_clock {
    rt_clock clock;
    int64_t now;
} rt_virtual_clock;
ISLET_API void rt_virtual_clock_init(rt_virtual_clock *vc);
ISLET_API void rt_virtual_clock_advance(rt_virtual_clock *vc, int64_t delta_ns);

/* ---- Waiter ------------------------------------------------------------
 * How an isolate's own thread blocks when it has nothing to do. The runtime
 * coalesces wakes (an atomic flag; wake is called only on 0 -> 1), so wake()
 * runs at most once per wait. A wake that arrives before wait() must make
 * that wait() return at once. */
typedef struct rt_waiter rt_waiter;
struct rt_waiter {
    /* Blocks the owner thread until woken or timeout_ns passes (< 0: forever). */
    void (*wait)(rt_waiter *self, int64_t timeout_ns);
    /* Wakes the owner; called from any thread. */
    void (*wake)(rt_waiter *self);
    /* Optional: called once the isolate has exited and will never use the
     * waiter again (the place to free it). */
    void (*release)(rt_waiter *self);
    /* Optional: takes in outside work without blocking (window input, for
     * one). Called when the loop goes on without waiting because work is
     * ready, so that a loop that never runs out of work still sees it. */
    void (*poll)(rt_waiter *self);
};

/* How long a thread about to block spins first, watching for a wake (default
 * 150 us, or ISLET_SPIN_US from the environment). Waking a sleeping thread
 * costs tens of microseconds on virtual machines; a reply that comes within
 * the spin costs about one. 0 disables spinning. Thread-safe. */
ISLET_API void rt_set_spin_ns(int64_t ns);
/* The default spin: long enough to cover a loopback request/response (a
 * 2-vCPU VM measured 35-90 us), so a reply rarely pays a wake-up. */
#define RT_SPIN_DEFAULT_NS 150000

#define RT_US(n) ((int64_t)(n)*1000)
#define RT_MS(n) ((int64_t)(n)*1000000)
#define RT_SEC(n) ((int64_t)(n)*1000000000)

#endif
