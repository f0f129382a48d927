/* rt_block_cache.c: small blocks that cross threads, recycled.
 *
 * A message is built in a block by the sender's thread and freed by the
 * receiver's. With malloc that makes every message a remote free: the
 * receiver's thread returns the chunk to the sender's arena under the arena
 * lock, and the sender's next malloc misses its thread cache (measured: a
 * third of a one-way flood's instructions, and lock waits in the profile).
 * Blocks of up to 512 bytes are kept instead: a freed block goes to the
 * freeing thread's cache; a full cache moves half of itself, as one batch, to
 * a shared depot; an empty one takes a batch back. One lock per batch, none
 * per message. Threads flush their cache when they end; rt_main_leave gives
 * everything back to the allocator. AddressSanitizer builds keep no blocks,
 * so that a use after free is still caught.
 */
#include "rt_heap_private.h"

#include <pthread.h>
#include <stdatomic.h>

/* 64 to 512 bytes: a message of one int takes 256 (its header, the
 * message's and the value's), a list of a send port and an int 320. */
#define CLASSES 8
#define BATCH 32
#define DEPOT_MAX 16 /* batches per class: at most 1.1 MiB in the depot */

typedef struct cached {
    struct cached *next;
} cached;

typedef struct tcache {
    cached *list[CLASSES];
    unsigned n[CLASSES];
    bool registered;
} tcache;

static _Thread_local tcache tc;
static pthread_mutex_t depot_lock = PTHREAD_MUTEX_INITIALIZER;
static cached *depot[CLASSES][DEPOT_MAX]; /* each a list of BATCH blocks */
/* Changed under depot_lock; read without it to skip an empty depot. */
static _Atomic unsigned ndepot[CLASSES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;

#if defined(__SANITIZE_ADDRESS__)
#define CACHE_ON 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CACHE_ON 0
#endif
#endif
#ifndef CACHE_ON
#define CACHE_ON 1
#endif

static size_t class_bytes(unsigned c)
{
    return (size_t)(c + 1) * 64;
}

size_t rt__block_cache_round(size_t bytes)
{
    return CACHE_ON && bytes <= class_bytes(CLASSES - 1) ? (bytes + 63) & ~(size_t)63 : bytes;
}

/* Gives a list of blocks back to the allocator. */
static void free_list(cached *l, size_t bytes)
{
    for (cached *next; l; l = next) {
        next = l->next;
        rt__raw_free(l, bytes);
    }
}

static void flush(void *arg)
{
    (void)arg;
    for (unsigned c = 0; c < CLASSES; c++) {
        free_list(tc.list[c], class_bytes(c));
        tc.list[c] = NULL;
        tc.n[c] = 0;
    }
}

static void make_key(void)
{
    pthread_key_create(&key, flush);
}

/* A thread that will hold blocks has its cache flushed when it ends. */
static void hold(void)
{
    if (tc.registered) return;
    pthread_once(&key_once, make_key);
    pthread_setspecific(key, &tc); /* non-NULL: flush runs at thread exit */
    tc.registered = true;
}

void *rt__block_cache_get(size_t bytes)
{
    if (!CACHE_ON || bytes > class_bytes(CLASSES - 1)) return NULL;
    unsigned c = (unsigned)(bytes / 64) - 1;
    if (!tc.list[c]) {
        /* A thread that only sends finds the depot empty until its peer has
         * freed a batch: no lock for that. */
        if (!atomic_load_explicit(&ndepot[c], memory_order_relaxed)) return NULL;
        hold(); /* a thread that only sends holds the rest of a batch */
        pthread_mutex_lock(&depot_lock);
        if (ndepot[c] > 0) {
            tc.list[c] = depot[c][--ndepot[c]];
            tc.n[c] = BATCH;
        }
        pthread_mutex_unlock(&depot_lock);
        if (!tc.list[c]) return NULL;
    }
    cached *b = tc.list[c];
    tc.list[c] = b->next;
    tc.n[c]--;
    return b;
}

bool rt__block_cache_put(void *p, size_t bytes)
{
    if (!CACHE_ON || bytes > class_bytes(CLASSES - 1) || (bytes & 63)) return false;
    unsigned c = (unsigned)(bytes / 64) - 1;
    hold();
    if (tc.n[c] == 2 * BATCH) {
        /* Full: the older half goes to the depot, or back to the allocator. */
        cached *batch = tc.list[c], *l = batch;
        for (unsigned i = 1; i < BATCH; i++)
            l = l->next;
        tc.list[c] = l->next;
        l->next = NULL;
        tc.n[c] -= BATCH;
        pthread_mutex_lock(&depot_lock);
        bool kept = ndepot[c] < DEPOT_MAX;
        if (kept) depot[c][ndepot[c]++] = batch;
        pthread_mutex_unlock(&depot_lock);
        if (!kept) free_list(batch, class_bytes(c));
    }
    cached *b = p;
    b->next = tc.list[c];
    tc.list[c] = b;
    tc.n[c]++;
    return true;
}

void rt__block_cache_drain(void)
{
    flush(NULL);
    pthread_mutex_lock(&depot_lock);
    for (unsigned c = 0; c < CLASSES; c++) {
        while (ndepot[c] > 0)
            free_list(depot[c][--ndepot[c]], class_bytes(c));
    }
    pthread_mutex_unlock(&depot_lock);
}
