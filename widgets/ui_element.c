/* ui_element.c: element memory, accessors and weak handles.
 *
 * Elements live in a per-tree pool of mapped 64 KiB blocks. A block whose
 * elements are all gone is returned to the system (MADV_DONTNEED) and reads
 * as zeros (UI_DEAD) from then on; it is given out again only after
 * QUARANTINE blocks released later than it, that is after at least
 * QUARANTINE * SLOTS_PER_BLOCK (16,384) other elements came and went. So a
 * stale pointer reads as a dead element (for the misuse checks and
 * ui_element_mounted) instead of as whatever took the memory, while the
 * address space stays bounded by what is alive plus the quarantine. Weak
 * handles (ui_ref) compare generations, unique in the process, so they are
 * exact whatever is reused. */
#include "ui_tree_private.h"

#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CHUNK_BYTES (1u << 20)
#define BLOCK_BYTES (1u << 16)
#define BLOCKS (CHUNK_BYTES / BLOCK_BYTES)
#define SLOT ((sizeof(ui_element) + 63) & ~(size_t)63)
#define SLOTS_PER_BLOCK (BLOCK_BYTES / SLOT)

/* Blocks released later than a block before it is reused: 16,384 slots. */
#define QUARANTINE ((16384 + SLOTS_PER_BLOCK - 1) / SLOTS_PER_BLOCK)

typedef struct chunk {
    char *base;
    uint32_t live[BLOCKS];
    uint32_t fresh; /* blocks never used yet start here */
} chunk;

struct ui_pool {
    chunk *chunks;
    size_t n, cap;
    bool closing; /* the tree is being freed: keep pages for the cache */
    /* Where elements are handed out: one block at a time. */
    bool have_block;
    uint32_t cur, cur_block, cur_slot;
    /* Released blocks (chunk << 4 | block), oldest first, a ring. */
    uint32_t *released;
    size_t rel_head, rel_n, rel_cap;
};

_Static_assert(BLOCKS <= 16, "a block reference keeps the block in 4 bits");

/* Every live chunk of every tree, sorted by address, for ui_ref_get. Trees
 * belong to the main isolate, so one thread uses this. */
static struct {
    char **bases;
    size_t n, cap;
} registry;

static uint64_t next_gen = 1;

/* Chunks of freed trees, kept mapped (and faulted in) for the next tree: a
 * tree made and freed per test or per screen costs no page faults. Safe to
 * reuse across trees because ui_ref compares generations, which are unique
 * in the process. Unmapped at exit. */
#define CACHE_MAX 4
static struct {
    char *chunks[CACHE_MAX];
    int n;
    bool atexit_done;
} cache;

static void cache_drain(void)
{
    while (cache.n > 0)
        munmap(cache.chunks[--cache.n], CHUNK_BYTES);
}

bool ui__push(void *arrp, size_t *n, size_t *cap, size_t elem, const void *item)
{
    char **arr = arrp;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        char *a = rt_realloc(*arr, c * elem);
        if (!a) return false;
        *arr = a;
        *cap = c;
    }
    memcpy(*arr + *n * elem, item, elem);
    (*n)++;
    return true;
}

/* ---- The registry of chunks ---- */

static size_t registry_lower(const char *p)
{
    size_t lo = 0, hi = registry.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (registry.bases[mid] < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool registry_add(char *base)
{
    if (registry.n == registry.cap) {
        size_t c = registry.cap ? registry.cap * 2 : 16;
        char **b = realloc(registry.bases, c * sizeof *b);
        if (!b) return false;
        registry.bases = b;
        registry.cap = c;
    }
    size_t i = registry_lower(base);
    memmove(registry.bases + i + 1, registry.bases + i, (registry.n - i) * sizeof *registry.bases);
    registry.bases[i] = base;
    registry.n++;
    return true;
}

static void registry_remove(char *base)
{
    size_t i = registry_lower(base);
    if (i < registry.n && registry.bases[i] == base) {
        memmove(registry.bases + i, registry.bases + i + 1,
                (registry.n - i - 1) * sizeof *registry.bases);
        registry.n--;
    }
    if (registry.n == 0) {
        free(registry.bases);
        registry.bases = NULL;
        registry.cap = 0;
    }
}

/* True when p points at a slot of a live tree's pool. */
static bool in_pool(const void *p)
{
    const char *c = p;
    size_t i = registry_lower(c + 1);
    if (i == 0) return false;
    const char *base = registry.bases[i - 1];
    return c >= base && c < base + CHUNK_BYTES && (size_t)(c - base) % BLOCK_BYTES % SLOT == 0 &&
           (size_t)(c - base) % BLOCK_BYTES / SLOT < SLOTS_PER_BLOCK;
}

/* ---- The pool ---- */

ui_pool *ui__pool_new(void)
{
    return rt_calloc(1, sizeof(ui_pool));
}

void ui__pool_close(ui_pool *p)
{
    p->closing = true;
}

void ui__pool_free(ui_pool *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        char *base = p->chunks[i].base;
        registry_remove(base);
        UNPOISON(base, CHUNK_BYTES); /* the next use of this memory starts clean */
        if (!cache.atexit_done) cache.atexit_done = atexit(cache_drain) == 0;
        if (cache.n < CACHE_MAX && cache.atexit_done)
            cache.chunks[cache.n++] = base;
        else
            munmap(base, CHUNK_BYTES);
    }
    rt_free(p->chunks);
    rt_free(p->released);
    rt_free(p);
}

static bool release_push(ui_pool *p, uint32_t ref)
{
    if (p->rel_n == p->rel_cap) {
        size_t cap = p->rel_cap ? p->rel_cap * 2 : 2 * QUARANTINE;
        uint32_t *r = rt_malloc(cap * sizeof *r);
        if (!r) return false;
        for (size_t i = 0; i < p->rel_n; i++)
            r[i] = p->released[(p->rel_head + i) % p->rel_cap];
        rt_free(p->released);
        p->released = r;
        p->rel_cap = cap;
        p->rel_head = 0;
    }
    p->released[(p->rel_head + p->rel_n++) % p->rel_cap] = ref;
    return true;
}

/* A block with nothing alive goes back to the system and into the ring. */
static void release_block(ui_pool *p, uint32_t ci, uint32_t bi)
{
    if (p->closing) return;
    char *b = p->chunks[ci].base + (size_t)bi * BLOCK_BYTES;
    UNPOISON(b, BLOCK_BYTES);
    madvise(b, BLOCK_BYTES, MADV_DONTNEED); /* reads as zeros: UI_DEAD */
    release_push(p, ci << 4 | bi);          /* no memory: the block is simply not reused */
}

static chunk *new_chunk(ui_pool *p)
{
    void *m = cache.n ? cache.chunks[--cache.n] : NULL;
    if (!m) m = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    chunk c = {.base = m};
    if (!registry_add(c.base)) {
        munmap(m, CHUNK_BYTES);
        return NULL;
    }
    if (!ui__push(&p->chunks, &p->n, &p->cap, sizeof c, &c)) {
        registry_remove(c.base);
        munmap(m, CHUNK_BYTES);
        return NULL;
    }
    return &p->chunks[p->n - 1];
}

/* Moves the cursor to a block: the oldest released one past the quarantine,
 * else a fresh one, else one of a new chunk. */
static bool next_block(ui_pool *p)
{
    if (p->have_block && p->chunks[p->cur].live[p->cur_block] == 0)
        release_block(p, p->cur, p->cur_block); /* all it held went meanwhile */
    p->have_block = false;
    if (p->rel_n > QUARANTINE) {
        uint32_t ref = p->released[p->rel_head];
        p->rel_head = (p->rel_head + 1) % p->rel_cap;
        p->rel_n--;
        p->cur = ref >> 4;
        p->cur_block = ref & 15;
    } else {
        chunk *c = p->n ? &p->chunks[p->n - 1] : NULL;
        if (!c || c->fresh == BLOCKS) c = new_chunk(p);
        if (!c) return false;
        p->cur = (uint32_t)(c - p->chunks);
        p->cur_block = c->fresh++;
    }
    p->cur_slot = 0;
    p->have_block = true;
    return true;
}

ui_element *ui__element_alloc(ui_tree *t)
{
    ui_pool *p = t->pool;
    if ((!p->have_block || p->cur_slot == SLOTS_PER_BLOCK) && !next_block(p)) return NULL;
    chunk *c = &p->chunks[p->cur];
    c->live[p->cur_block]++;
    ui_element *e =
        (ui_element *)(c->base + (size_t)p->cur_block * BLOCK_BYTES + (size_t)p->cur_slot++ * SLOT);
    memset(e, 0, sizeof *e);
    e->gen = next_gen++;
    e->pool_ref = p->cur << 4 | p->cur_block;
    e->tree = t;
    t->nelements++;
    return e;
}

void ui__element_free(ui_tree *t, ui_element *e)
{
    ui_pool *p = t->pool;
    uint32_t ci = e->pool_ref >> 4, bi = e->pool_ref & 15;
    e->life = UI_DEFUNCT; /* gen and cls stay readable for the checks */
    size_t head = offsetof(ui_element, dirty);
    POISON((char *)e + head, sizeof *e - head);
    t->nelements--;
    bool current = p->have_block && p->cur == ci && p->cur_block == bi;
    if (--p->chunks[ci].live[bi] == 0 && !current) release_block(p, ci, bi);
}

void ui__check_live(const ui_element *e, const char *func)
{
    if (!e) rt_die(func, "called with no element (NULL)");
    if (e->life == UI_DEAD) rt_die(func, "called on an element that was unmounted and disposed");
    if (e->life == UI_DEFUNCT)
        rt_die(func, "called on '%s' after it was disposed (its element is unmounted)",
               e->cls->name);
}

/* ---- Accessors ---- */

/* Reading a disposed element's state or props is reading freed memory. */
#define CHECK_NOT_DISPOSED(e, func)                                                                \
    UI_CHECK_AT(func, (e)->life == UI_ACTIVE || (e)->life == UI_INACTIVE,                          \
                "called on %s%s%s after it was disposed (its element is unmounted)",               \
                (e)->life == UI_DEAD ? "an element" : "'",                                         \
                (e)->life == UI_DEAD ? "" : (e)->cls->name, (e)->life == UI_DEAD ? "" : "'")

/* Flutter: "Cannot get renderObject of inactive element." */
#define CHECK_IN_TREE(e, func)                                                                     \
    UI_CHECK_AT(func, (e)->life == UI_ACTIVE,                                                      \
                "cannot get the layout box of an element that is not in the tree ('%s' is %s)",    \
                (e)->life == UI_DEAD ? "?" : (e)->cls->name,                                       \
                (e)->life == UI_INACTIVE ? "inactive" : "disposed")

void *ui_state(ui_element *e)
{
    CHECK_NOT_DISPOSED(e, "ui_state");
    return e->state;
}
const void *ui_props(const ui_element *e)
{
    CHECK_NOT_DISPOSED(e, "ui_props");
    return e->props;
}
const ui_widget_class *ui_element_class(const ui_element *e)
{
    return e->cls;
}
ui_key ui_element_key(const ui_element *e)
{
    return e->key;
}
ui_element *ui_element_parent(const ui_element *e)
{
    return e->parent;
}
size_t ui_element_child_count(const ui_element *e)
{
    return e->nkids;
}
ui_element *ui_element_child(const ui_element *e, size_t i)
{
    return i < e->nkids ? e->kids[i] : NULL;
}
bool ui_element_mounted(const ui_element *e)
{
    return e->life == UI_ACTIVE || e->life == UI_INACTIVE;
}
ui_tree *ui_element_tree(const ui_element *e)
{
    return e->tree;
}

void ui_set_size(ui_element *e, ui_size s)
{
    e->w = s.w;
    e->h = s.h;
}

ui_size ui_element_size(const ui_element *e)
{
    CHECK_IN_TREE(e, "ui_element_size");
    return (ui_size){e->w, e->h};
}

void ui_element_rect(const ui_element *e, float *x, float *y, float *w, float *h)
{
    CHECK_IN_TREE(e, "ui_element_rect");
    float gx = 0, gy = 0;
    for (const ui_element *p = e; p; p = p->parent)
        gx += p->x, gy += p->y;
    *x = gx, *y = gy, *w = e->w, *h = e->h;
}

/* ---- Weak handles ---- */

ui_ref ui_ref_of(ui_element *e)
{
    ui__check_live(e, "ui_ref_of");
    return (ui_ref){e, e->gen};
}

ui_element *ui_ref_get(ui_ref r)
{
    if (!r.e || !in_pool(r.e)) return NULL;
    if (r.e->gen != r.gen || !ui_element_mounted(r.e)) return NULL;
    return r.e;
}

bool ui_ref_set_state(ui_ref r, void (*fn)(void *state, void *ctx), void *ctx)
{
    ui_element *e = ui_ref_get(r);
    if (!e) return false;
    ui_set_state(e, fn, ctx);
    return true;
}
