/* rt_heap.c: per-isolate heaps.
 *
 * Small blocks (<= 512 bytes) come from size-class free lists over chunks that
 * grow from 4 KiB to 64 KiB; large blocks come straight from the allocator and
 * are linked into the heap so that releasing the heap frees them too, and so
 * that a large block can move to another heap in O(1) (message transfer).
 * No locks: a heap is touched only by the thread running its isolate.
 * Memory comes back: when the free lists hold twice what the last trim left
 * plus a megabyte, chunks whose every block is free go back to the
 * allocator, all but a small reserve for the next burst.
 */
#include "rt_heap_private.h"
#include <islet/rt_heap.h>

#include <pthread.h>
#include <string.h>

#define RT_MAGIC_LIVE 0x15a7
#define RT_MAGIC_FREE 0xf4ee
#define FIRST_CHUNK 4096
#define MAX_CHUNK 65536
#define HDR sizeof(rt_blockhdr)
#define TRIM_SLACK (1u << 20)  /* free bytes in chunks that start a trim */
#define TRIM_KEEP (256u << 10) /* bytes of empty chunks a trim keeps */
#define LARGE_HDR (sizeof(rt_large) + sizeof(rt_blockhdr))

_Static_assert(sizeof(rt_blockhdr) == 16, "block header keeps 16-byte alignment");
_Static_assert(sizeof(rt_large) == 32, "large header keeps 16-byte alignment");
_Static_assert(sizeof(rt_chunk) % 16 == 0, "chunk header keeps 16-byte alignment");

static unsigned class_of(size_t n)
{
    if (n <= 256) return n == 0 ? 0 : (unsigned)((n + 15) / 16 - 1);
    return 16 + (unsigned)((n - 257) / 64);
}

static uint32_t class_size(unsigned c)
{
    return c < 16 ? (c + 1) * 16 : 256 + (c - 15) * 64;
}

static rt_blockhdr *hdr_of(const void *p)
{
    return (rt_blockhdr *)((char *)p - HDR);
}

static rt_large *large_of(const void *p)
{
    return (rt_large *)((char *)p - LARGE_HDR);
}

#ifdef RT_CHECKS
/* Checked builds keep a process-wide set of live large blocks: a freed large
 * block went back to the allocator, so its header cannot be read to tell a
 * double free. Open addressing with tombstones, under one mutex; freed when
 * it empties so it never outlives the blocks. */
#define TOMB ((const void *)1)
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static const void **live_set;
static size_t live_cap, live_used, live_count;

static size_t slot_of(const void *p, size_t cap)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15u) & (cap - 1);
}

static void live_rehash(size_t cap)
{
    const void **old = live_set;
    size_t old_cap = live_cap;
    live_set = cap ? calloc(cap, sizeof *live_set) : NULL;
    live_cap = live_set ? cap : 0;
    live_used = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i] || old[i] == TOMB || !live_set) continue;
        size_t j = slot_of(old[i], live_cap);
        while (live_set[j])
            j = (j + 1) & (live_cap - 1);
        live_set[j] = old[i];
        live_used++;
    }
    free(old);
}

static void live_add(const void *p)
{
    pthread_mutex_lock(&live_lock);
    if ((live_used + 1) * 2 > live_cap) live_rehash(live_cap ? live_cap * 2 : 64);
    if (live_set) {
        size_t j = slot_of(p, live_cap);
        while (live_set[j] && live_set[j] != TOMB)
            j = (j + 1) & (live_cap - 1);
        if (!live_set[j]) live_used++;
        live_set[j] = p;
        live_count++;
    }
    pthread_mutex_unlock(&live_lock);
}

static size_t live_find(const void *p)
{
    if (!live_set) return SIZE_MAX;
    for (size_t j = slot_of(p, live_cap);; j = (j + 1) & (live_cap - 1)) {
        if (!live_set[j]) return SIZE_MAX;
        if (live_set[j] == p) return j;
    }
}

static bool live_has(const void *p)
{
    pthread_mutex_lock(&live_lock);
    bool found = live_find(p) != SIZE_MAX;
    pthread_mutex_unlock(&live_lock);
    return found;
}

static void live_remove(const void *p)
{
    pthread_mutex_lock(&live_lock);
    size_t j = live_find(p);
    if (j != SIZE_MAX) {
        live_set[j] = TOMB;
        if (--live_count == 0) live_rehash(0);
    }
    pthread_mutex_unlock(&live_lock);
}
/* Pages of small-block chunks are in the set too, tagged with bit 1 (block
 * pointers are 16-byte aligned, the tombstone is 1). */
static const void *page_key(const void *p)
{
    return (const void *)((((uintptr_t)p >> 12) << 12) | 2);
}

static void chunk_pages(const rt_chunk *c, void (*fn)(const void *))
{
    uintptr_t first = (uintptr_t)c >> 12, last = ((uintptr_t)c + c->bytes - 1) >> 12;
    for (uintptr_t pg = first; pg <= last; pg++)
        fn((const void *)((pg << 12) | 2));
}
#else
#define live_add(p) ((void)(p))
#define live_remove(p) ((void)(p))
#define chunk_pages(c, fn) ((void)(c))
#endif

void rt__heap_init(rt_heap *h, const char *owner)
{
    memset(h, 0, sizeof *h);
    rt__list_init(&h->large);
    rt__list_init(&h->finalizers);
    h->next_chunk = FIRST_CHUNK;
    h->owner = owner;
}

void rt__heap_add_finalizer(rt_heap *h, rt_finalizer *f)
{
    rt__list_push_back(&h->finalizers, &f->link);
}

void rt__heap_remove_finalizer(rt_finalizer *f)
{
    rt__list_remove(&f->link);
}

void rt__heap_release(rt_heap *h)
{
    rt_link *l;
    while ((l = rt__list_pop_front(&h->finalizers))) {
        rt_finalizer *f = rt__container_of(l, rt_finalizer, link);
        f->fn(f);
    }
    while ((l = rt__list_pop_front(&h->large))) {
        rt_large *lg = rt__container_of(l, rt_large, link);
        RT_UNPOISON(lg, lg->bytes);
        live_remove((char *)lg + LARGE_HDR);
        rt__raw_free(lg, lg->bytes);
    }
    for (rt_chunk *c = h->chunks, *next; c; c = next) {
        RT_UNPOISON(c, c->bytes);
        chunk_pages(c, live_remove);
        next = c->next;
        rt__raw_free(c, c->bytes);
    }
    h->chunks = NULL;
    h->footprint = h->live = h->small_free = h->trim_at = 0;
    memset(h->free, 0, sizeof h->free);
    h->bump = h->bump_end = NULL;
}

static bool grow(rt_heap *h, size_t need)
{
    size_t bytes = h->next_chunk;
    while (bytes < need + sizeof(rt_chunk))
        bytes *= 2;
    rt_chunk *c = rt__raw_alloc(bytes);
    if (!c) return false;
    if (h->chunks) h->chunks->used = (size_t)(h->bump - (char *)h->chunks);
    c->bytes = bytes;
    c->used = 0;
    chunk_pages(c, live_add);
    c->next = h->chunks;
    h->chunks = c;
    h->footprint += bytes;
    /* The tail of the old chunk stays unused: at most one small block. */
    h->bump = (char *)c + sizeof(rt_chunk);
    h->bump_end = (char *)c + bytes;
    RT_POISON(h->bump, (size_t)(h->bump_end - h->bump));
    if (h->next_chunk < MAX_CHUNK) h->next_chunk *= 2;
    return true;
}

static void *alloc_large(rt_heap *h, size_t n)
{
    void *p = rt__large_alloc(n);
    if (p) rt__heap_adopt(h, p);
    return p;
}

void *rt__heap_alloc_large(rt_heap *h, size_t n)
{
    return alloc_large(h, n);
}

void *rt__heap_alloc(rt_heap *h, size_t n)
{
    if (n > RT_HEAP_SMALL_MAX) return alloc_large(h, n);
    unsigned c = class_of(n);
    rt_blockhdr *b = h->free[c];
    if (b) {
        h->free[c] = b->next_free;
        h->small_free -= HDR + class_size(c);
    } else {
        size_t sz = HDR + class_size(c);
        if ((size_t)(h->bump_end - h->bump) < sz && !grow(h, sz)) return NULL;
        b = (rt_blockhdr *)h->bump;
        h->bump += sz;
        RT_UNPOISON(b, HDR);
    }
    b->heap = h;
    b->size = class_size(c);
    b->cls = (uint16_t)c;
    b->magic = RT_MAGIC_LIVE;
    RT_UNPOISON(b + 1, b->size);
    h->live += HDR + b->size;
    return b + 1;
}

static size_t usable(const rt_blockhdr *b)
{
    return b->cls == RT_CLS_LARGE ? large_of(b + 1)->bytes - LARGE_HDR : b->size;
}

static void check_block(const rt_heap *h, const rt_blockhdr *b, const char *what)
{
    (void)h;
    (void)what;
#ifdef RT_CHECKS
    /* Read the header only where memory is known to be live: a freed large
     * block went back to the allocator, and so did an exited heap's chunks. */
    RT_CHECK(live_has(b + 1) || live_has(page_key(b)),
             "%s: %p is not a live block (freed twice, or not from rt_malloc)", what,
             (const void *)(b + 1));
#endif
    RT_CHECK(b->magic == RT_MAGIC_LIVE,
             "%s: %p is not a live block (freed twice, or not from rt_malloc)", what,
             (const void *)(b + 1));
    RT_CHECK(b->heap == h, "%s: block %p belongs to isolate '%s' but is used from isolate '%s'",
             what, (const void *)(b + 1), b->heap ? b->heap->owner : "(none)", h->owner);
}

/* ---- Giving empty chunks back ---- */

typedef struct span {
    char *lo, *hi;
    size_t free, used;
    rt_chunk *c;
    bool drop;
} span;

static int by_address(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}

static span *span_of(span *s, size_t n, const void *p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if ((const char *)p < s[m].lo)
            hi = m;
        else if ((const char *)p >= s[m].hi)
            lo = m + 1;
        else
            return &s[m];
    }
    return NULL;
}

/* Counts the free bytes of each chunk; those whose every block is free
 * (the bump chunk aside) go, but for TRIM_KEEP bytes of them; the free
 * lists are rebuilt without their blocks. O(free blocks * log chunks). */
static void trim(rt_heap *h)
{
    size_t n = 0;
    for (rt_chunk *c = h->chunks; c; c = c->next)
        n++;
    span *s = n > 1 ? rt__raw_alloc(n * sizeof *s) : NULL;
    h->trim_at = h->small_free; /* even when nothing can go: wait for more */
    if (!s) return;
    size_t i = 0;
    for (rt_chunk *c = h->chunks; c; c = c->next, i++)
        s[i] = (span){(char *)c, (char *)c + c->bytes,
                      0,         c == h->chunks ? SIZE_MAX : c->used - sizeof(rt_chunk),
                      c,         false};
    qsort(s, n, sizeof *s, by_address);
    for (unsigned cls = 0; cls < RT_HEAP_CLASSES; cls++)
        for (rt_blockhdr *b = h->free[cls]; b; b = b->next_free) {
            RT_UNPOISON(b, HDR);
            span *sp = span_of(s, n, b);
            if (sp) sp->free += HDR + class_size(cls);
        }
    size_t kept = 0, dropped = 0;
    for (i = 0; i < n; i++) {
        if (s[i].free != s[i].used) continue; /* the bump chunk never matches */
        if (kept + s[i].c->bytes <= TRIM_KEEP)
            kept += s[i].c->bytes;
        else
            s[i].drop = true, dropped++;
    }
    if (dropped) {
        for (unsigned cls = 0; cls < RT_HEAP_CLASSES; cls++)
            for (rt_blockhdr **pb = &h->free[cls]; *pb;) {
                span *sp = span_of(s, n, *pb);
                if (sp && sp->drop) {
                    *pb = (*pb)->next_free;
                    h->small_free -= HDR + class_size(cls);
                } else {
                    pb = &(*pb)->next_free;
                }
            }
        for (rt_chunk **pc = &h->chunks; *pc;) {
            rt_chunk *c = *pc;
            span *sp = span_of(s, n, c);
            if (!sp || !sp->drop) {
                pc = &c->next;
                continue;
            }
            *pc = c->next;
            h->footprint -= c->bytes;
            RT_UNPOISON(c, c->bytes);
            chunk_pages(c, live_remove);
            rt__raw_free(c, c->bytes);
        }
    }
    h->trim_at = h->small_free;
    rt__raw_free(s, n * sizeof *s);
}

void rt__heap_free(rt_heap *h, void *p)
{
    if (!p) return;
    rt_blockhdr *b = hdr_of(p);
    check_block(h, b, "free");
    if (b->cls == RT_CLS_LARGE) {
        rt__heap_disown(h, p);
        rt__large_free(p);
        return;
    }
    h->live -= HDR + b->size;
    b->magic = RT_MAGIC_FREE;
    b->next_free = h->free[b->cls];
    h->free[b->cls] = b;
    RT_POISON(p, b->size);
    h->small_free += HDR + b->size;
    /* A trim walks every free block, so the free bytes it could not give
     * back must double before the next: amortised O(1) per free even when
     * nothing can go (millions of freed stream values in live chunks). */
    if (h->small_free >= 2 * h->trim_at + TRIM_SLACK) trim(h);
}

void *rt__heap_realloc(rt_heap *h, void *p, size_t n)
{
    if (!p) return rt__heap_alloc(h, n);
    rt_blockhdr *b = hdr_of(p);
    check_block(h, b, "realloc");
    size_t have = usable(b);
    if (n <= have && (b->cls != RT_CLS_LARGE || n > RT_HEAP_SMALL_MAX)) return p;
    if (b->cls == RT_CLS_LARGE && n > RT_HEAP_SMALL_MAX) {
        if (n > SIZE_MAX - LARGE_HDR) return NULL;
        rt_large *lg = large_of(p);
        size_t old = lg->bytes;
        rt__list_remove(&lg->link);
        live_remove(p);
        rt_large *nl = rt__raw_realloc(lg, old, LARGE_HDR + n);
        if (!nl) {
            live_add(p);
            rt__list_push_back(&h->large, &lg->link);
            return NULL;
        }
        nl->bytes = LARGE_HDR + n;
        rt__list_init(&nl->link);
        rt__list_push_back(&h->large, &nl->link);
        rt_blockhdr *nb = (rt_blockhdr *)(nl + 1);
        live_add(nb + 1);
        nb->size = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
        h->footprint += nl->bytes - old;
        h->live += nl->bytes - old;
        return nb + 1;
    }
    void *q = rt__heap_alloc(h, n);
    if (!q) return NULL;
    memcpy(q, p, have < n ? have : n);
    rt__heap_free(h, p);
    return q;
}

rt_heap *rt__heap_of(const void *p)
{
    const rt_blockhdr *b = hdr_of(p);
    RT_CHECK(b->magic == RT_MAGIC_LIVE, "%p is not a live heap block", p);
    return b->heap;
}

/* ---- Large blocks ---- */

void *rt__large_alloc(size_t n)
{
    if (n > SIZE_MAX - LARGE_HDR) return NULL;
    size_t bytes = rt__block_cache_round(LARGE_HDR + n);
    rt_large *lg = rt__block_cache_get(bytes);
    if (!lg) lg = rt__raw_alloc(bytes);
    if (!lg) return NULL;
    lg->bytes = bytes;
    rt__list_init(&lg->link);
    rt_blockhdr *b = (rt_blockhdr *)(lg + 1);
    b->heap = NULL;
    b->size = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
    b->cls = RT_CLS_LARGE;
    b->magic = RT_MAGIC_LIVE;
    live_add(b + 1);
    return b + 1;
}

void rt__large_free(void *p)
{
    rt_large *lg = large_of(p);
    live_remove(p);
    hdr_of(p)->magic = RT_MAGIC_FREE;
    if (!rt__block_cache_put(lg, lg->bytes)) rt__raw_free(lg, lg->bytes);
}

bool rt__heap_is_large(const void *p)
{
    return hdr_of(p)->cls == RT_CLS_LARGE;
}

rt_link *rt__large_link(void *p)
{
    return &large_of(p)->link;
}

void *rt__large_from_link(rt_link *l)
{
    return (char *)rt__container_of(l, rt_large, link) + LARGE_HDR;
}

size_t rt__large_size(const void *p)
{
    return large_of(p)->bytes - LARGE_HDR;
}

void rt__heap_adopt(rt_heap *h, void *p)
{
    rt_large *lg = large_of(p);
    hdr_of(p)->heap = h;
    rt__list_push_back(&h->large, &lg->link);
    h->footprint += lg->bytes;
    h->live += lg->bytes;
}

void rt__heap_disown(rt_heap *h, void *p)
{
    rt_large *lg = large_of(p);
    rt__list_remove(&lg->link);
    hdr_of(p)->heap = NULL;
    h->footprint -= lg->bytes;
    h->live -= lg->bytes;
}

/* ---- Public API: the current isolate's heap ---- */

void *rt_malloc(size_t n)
{
    return rt__heap_alloc(rt__current_heap(__func__), n);
}

void *rt_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = rt_malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *rt_realloc(void *p, size_t n)
{
    return rt__heap_realloc(rt__current_heap(__func__), p, n);
}

void rt_free(void *p)
{
    if (p) rt__heap_free(rt__current_heap(__func__), p);
}

size_t rt_heap_bytes(void)
{
    return rt__current_heap(__func__)->footprint;
}

size_t rt_heap_live_bytes(void)
{
    return rt__current_heap(__func__)->live;
}
