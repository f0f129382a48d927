/* rt_heap.h: the current isolate's private memory.
 *
 * Each isolate has its own heap. Allocating from it takes no lock, and when
 * the isolate exits its whole heap is released, including whatever was never
 * freed. Memory from one isolate's heap must not be used by another isolate:
 * to share data, send a message. All functions act on the calling thread's
 * current isolate and must be called from inside one.
 */
#ifndef RT_HEAP_H
#define RT_HEAP_H

#include <islet/rt_export.h>

#include <stddef.h>

/* Allocates n bytes (16-byte aligned) from the current isolate's heap; NULL
 * when the allocator fails. Free with rt_free, or let the isolate's exit. */
ISLET_API void *rt_malloc(size_t n);
/* As rt_malloc, zero-filled; NULL also when count * size overflows. */
ISLET_API void *rt_calloc(size_t count, size_t size);
/* Resizes a block from this isolate's heap; NULL (and p untouched) on failure. */
ISLET_API void *rt_realloc(void *p, size_t n);
/* Frees a block of the current isolate's heap. NULL is ignored. Freeing a
 * block of another isolate, or twice, aborts under RT_CHECKS. */
ISLET_API void rt_free(void *p);
/* Bytes the current isolate's heap holds from the allocator (chunks and
 * large blocks), i.e. its footprint. */
ISLET_API size_t rt_heap_bytes(void);
/* Bytes in live allocations of the current isolate's heap (headers included). */
ISLET_API size_t rt_heap_live_bytes(void);

#endif
