/* ui_key.c: keys. String keys are interned: each distinct string gets one
 * id, so keys compare in O(1) and two strings never share a key (a hash
 * alone could collide). The table is process-wide, behind a lock (keys are
 * made on any thread), and freed at exit. */
#include "ui_tree_private.h"

#include <pthread.h>
#include <string.h>

static struct {
    pthread_mutex_t lock;
    char **names; /* by id - 1 */
    size_t n, names_cap;
    uint32_t *slots; /* hash -> id (0: empty) */
    size_t cap;
    bool atexit_done;
} interned = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void free_interned(void)
{
    for (size_t i = 0; i < interned.n; i++)
        free(interned.names[i]);
    free(interned.names);
    free(interned.slots);
    interned.names = NULL;
    interned.slots = NULL;
    interned.n = interned.cap = interned.names_cap = 0;
}

static size_t find_slot(const uint32_t *slots, size_t cap, const char *s, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i] && strcmp(interned.names[slots[i] - 1], s) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static bool grow(void)
{
    size_t cap = interned.cap ? interned.cap * 2 : 256;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t id = 1; id <= interned.n; id++) {
        const char *s = interned.names[id - 1];
        slots[find_slot(slots, cap, s, hash_str(s))] = (uint32_t)id;
    }
    free(interned.slots);
    interned.slots = slots;
    interned.cap = cap;
    return true;
}

/* The id of s, interning it; 0 when out of memory. */
static int64_t intern(const char *s)
{
    uint64_t h = hash_str(s);
    int64_t id = 0;
    pthread_mutex_lock(&interned.lock);
    if (!interned.atexit_done) interned.atexit_done = atexit(free_interned) == 0;
    if (2 * (interned.n + 1) > interned.cap && !grow()) goto out;
    size_t i = find_slot(interned.slots, interned.cap, s, h);
    if (interned.slots[i]) {
        id = interned.slots[i];
        goto out;
    }
    if (interned.n == interned.names_cap) {
        size_t c = interned.names_cap ? interned.names_cap * 2 : 256;
        char **names = realloc(interned.names, c * sizeof *names);
        if (!names) goto out;
        interned.names = names;
        interned.names_cap = c;
    }
    char *copy = strdup(s);
    if (!copy) goto out;
    interned.names[interned.n++] = copy;
    id = (int64_t)interned.n;
    interned.slots[i] = (uint32_t)id;
out:
    pthread_mutex_unlock(&interned.lock);
    return id;
}

ui_key ui_key_str(const char *s)
{
    int64_t id = intern(s);
    return id ? (ui_key){id, UI_KEY_KIND_STRING} : UI_NO_KEY;
}

ui_key ui_key_global(const char *s)
{
    int64_t id = intern(s);
    UI_CHECK(id, "out of memory interning the global key '%s'", s);
    return (ui_key){id, UI_KEY_KIND_GLOBAL};
}

const char *ui_key_name(ui_key k)
{
    if (k.kind != UI_KEY_KIND_STRING && k.kind != UI_KEY_KIND_GLOBAL) return NULL;
    const char *name = NULL;
    pthread_mutex_lock(&interned.lock);
    if (k.v >= 1 && (size_t)k.v <= interned.n) name = interned.names[k.v - 1];
    pthread_mutex_unlock(&interned.lock);
    return name;
}

size_t ui__key_hash(ui_key k)
{
    uint64_t h = ((uint64_t)k.v ^ ((uint64_t)k.kind << 61)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}
