/* rt_heap_private.h: the per-isolate heap. Single-threaded by construction:
 * only the thread running the owning isolate touches it. */
#ifndef RT_HEAP_PRIVATE_H
#define RT_HEAP_PRIVATE_H

#include "rt_private.h"

#define RT_HEAP_CLASSES 20
#define RT_HEAP_SMALL_MAX 512
#define RT_CLS_LARGE 0xffff

typedef struct rt_heap rt_heap;

/* 16 bytes in front of every allocation. */
typedef struct rt_blockhdr {
    union {
        rt_heap *heap;                 /* owning heap, while live */
        struct rt_blockhdr *next_free; /* free-list link, while free */
    };
    uint32_t size;  /* usable bytes */
    uint16_t cls;   /* size class, or RT_CLS_LARGE */
    uint16_t magic; /* RT_MAGIC_LIVE or RT_MAGIC_FREE */
} rt_blockhdr;

/* In front of the header of a large block: links it into its heap so the
 * heap can release it, and so it can move to another heap in O(1). */
typedef struct rt_large {
    rt_link link;
    size_t bytes; /* whole allocation, this struct included */
    size_t pad;
} rt_large;

/* Runs when the heap is released with the object still alive: lets objects
 * that hold shared references (send ports) give them back even when user
 * code forgot to free them. Must not allocate. */
typedef struct rt_finalizer {
    rt_link link;
    void (*fn)(struct rt_finalizer *self);
} rt_finalizer;

typedef struct rt_chunk {
    struct rt_chunk *next;
    size_t bytes;
    size_t used; /* bytes bumped out (header included), once it is not the bump chunk */
    size_t pad;  /* keeps blocks after the header 16-byte aligned */
} rt_chunk;

struct rt_heap {
    rt_blockhdr *free[RT_HEAP_CLASSES];
    char *bump, *bump_end;
    rt_chunk *chunks;
    rt_link large;
    rt_link finalizers;
    size_t footprint;  /* bytes from the allocator */
    size_t live;       /* bytes in live blocks */
    size_t next_chunk; /* size of the next chunk */
    size_t small_free; /* bytes of the blocks in the free lists */
    size_t trim_at;    /* small_free that starts the next trim */
    const char *owner; /* name of the owning isolate, for messages */
};

void rt__heap_init(rt_heap *h, const char *owner);
void rt__heap_add_finalizer(rt_heap *h, rt_finalizer *f);
void rt__heap_remove_finalizer(rt_finalizer *f);
/* Runs the finalizers still registered, then frees every chunk and large
 * block: the heap's whole memory. */
void rt__heap_release(rt_heap *h);
void *rt__heap_alloc(rt_heap *h, size_t n);
/* Always a large block of h, whatever n (a payload that may move heaps). */
void *rt__heap_alloc_large(rt_heap *h, size_t n);
void *rt__heap_realloc(rt_heap *h, void *p, size_t n);
void rt__heap_free(rt_heap *h, void *p);
/* The heap owning a live block (checked under RT_CHECKS). */
rt_heap *rt__heap_of(const void *p);

/* Large blocks allocated outside any heap (e.g. by a sending thread) and
 * adopted later: rt__large_alloc returns a payload whose header says no heap;
 * rt__heap_adopt links it into h. rt__heap_disown unlinks a large block of h
 * so it can travel; both O(1). */
void *rt__large_alloc(size_t n);
/* Small blocks recycled across threads (rt_block_cache.c): the size a block
 * of `bytes` is allocated with; a kept block of exactly that size, or NULL;
 * keeps a freed one (false: give it back to the allocator yourself). */
size_t rt__block_cache_round(size_t bytes);
void *rt__block_cache_get(size_t bytes);
bool rt__block_cache_put(void *p, size_t bytes);
void rt__large_free(void *p);
bool rt__heap_is_large(const void *p);
void rt__heap_adopt(rt_heap *h, void *p);
void rt__heap_disown(rt_heap *h, void *p);

/* The list link of a large block while it belongs to no heap (to carry it). */
rt_link *rt__large_link(void *p);
void *rt__large_from_link(rt_link *l);
size_t rt__large_size(const void *p);

/* The heap of the calling thread's current isolate; aborts outside one. */
rt_heap *rt__current_heap(const char *func);

#endif
