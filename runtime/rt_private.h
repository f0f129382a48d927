/* rt_private.h: internals shared by the runtime's .c files. Not installed. */
#ifndef RT_PRIVATE_H
#define RT_PRIVATE_H

#include <islet/rt_base.h>

#include <stdio.h>
#include <stdlib.h>

#define rt__container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RT_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define RT_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define RT_POISON(p, n) ((void)(p), (void)(n))
#define RT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#ifdef RT_CHECKS
#define RT_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) rt_die(__func__, __VA_ARGS__);                                                \
    } while (0)
#else
#define RT_CHECK(cond, ...) ((void)sizeof(!(cond)))
#endif

/* ---- Allocator under the heaps (thread-safe) ---- */
void *rt__raw_alloc(size_t n);
void *rt__raw_realloc(void *p, size_t old_n, size_t n);
void rt__raw_free(void *p, size_t n);
/* Gives the small blocks kept for messages (rt_block_cache.c) back to the
 * allocator: at rt_main_leave, and before the allocator changes. */
void rt__block_cache_drain(void);

/* ---- Time arithmetic saturates: a time too far to represent is "never"
 * (INT64_MAX), never a wrapped-around past. ---- */
static inline int64_t rt__time_add(int64_t t, int64_t d)
{
    int64_t r;
    if (__builtin_add_overflow(t, d, &r)) return d > 0 ? INT64_MAX : INT64_MIN;
    return r;
}
static inline int64_t rt__time_mul(int64_t n, int64_t d)
{
    int64_t r;
    if (__builtin_mul_overflow(n, d, &r)) return INT64_MAX;
    return r;
}

/* ---- Intrusive doubly linked list (circular, with a sentinel) ---- */
typedef struct rt_link {
    struct rt_link *next, *prev;
} rt_link;

static inline void rt__list_init(rt_link *h)
{
    h->next = h->prev = h;
}
static inline bool rt__list_empty(const rt_link *h)
{
    return h->next == h;
}
static inline void rt__list_push_back(rt_link *h, rt_link *n)
{
    n->prev = h->prev;
    n->next = h;
    h->prev->next = n;
    h->prev = n;
}
static inline void rt__list_remove(rt_link *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = n;
}
static inline rt_link *rt__list_pop_front(rt_link *h)
{
    rt_link *n = h->next;
    if (n == h) return NULL;
    rt__list_remove(n);
    return n;
}
/* Moves every node of `from` to the back of `to`; `from` ends empty. O(1). */
static inline void rt__list_splice(rt_link *to, rt_link *from)
{
    if (rt__list_empty(from)) return;
    from->next->prev = to->prev;
    to->prev->next = from->next;
    from->prev->next = to;
    to->prev = from->prev;
    rt__list_init(from);
}

/* A node of an isolate's FIFO event queue. */
typedef struct rt_event {
    rt_link link;
    int type;
} rt_event;

#endif
