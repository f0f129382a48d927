/* ui_tree.c: elements, reconciliation, set_state, frames, layout, hits. */
#include "ui_tree.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 65536
#define TIMINGS 240
#define MAX_PATH 64
#define GLOBAL_BIT (1ull << 63)

struct ui_element {
    const ui_widget_class *cls;
    ui_key key;
    void *props;
    void *state;
    ui_element *parent;
    ui_element **kids;
    size_t nkids, kcap;
    int depth;
    bool dirty, mounted, disposed;
    float x, y, w, h; /* x, y relative to the parent */
    ui_tree *tree;
    char *strings[4]; /* owned copies of the props' string fields */
    int refs;         /* the tree's, plus ui_element_retain's */
    bool needs_layout;
    ui_constraints last_c; /* constraints of the last layout */
    /* Inherited data: who depends on this element, and what it depends on. */
    ui_element **dependents;
    size_t ndependents, dep_cap;
    ui_element *depends_on[4];
    unsigned claimed;            /* global keys: the frame that last placed it */
    bool laid_out;               /* has had a layout with real constraints */
    const ui_widget *last_const; /* the const widget it was built from */
    bool in_relayout;            /* in the tree's relayout list */
};

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
} arena_chunk;

struct ui_build {
    ui_tree *tree;
    arena_chunk *chunks;
};

struct ui_tree {
    float w, h;
    void *canvas;
    ui_build b;
    ui_element *root;
    ui_widget *(*root_fn)(ui_build *b, void *ctx);
    void *root_ctx;
    ui_element **dirty;
    size_t ndirty, dcap;
    ui_element **batch; /* the dirty elements being rebuilt now */
    size_t nbatch;
    ui_element *building;
    rt_timer *frame_timer;
    int64_t frame_interval; /* > 0: frames start at least this far apart */
    int64_t last_frame;     /* loop clock at the start of the last frame (frame_no > 0) */
    /* Lateness, on the monotonic clock: when the scheduled frame was due (0:
     * none), when the last frame started and ended, and whether animations
     * ran at its end (then the next frame is due an interval later). */
    int64_t frame_due, last_start, last_end;
    int animations;
    bool animating;
    ui_frame_timing timings[TIMINGS];
    size_t tcount;
    size_t nelements;
    unsigned built;
    ui_element *path[MAX_PATH];
    size_t npath;
    /* Global keys: live keyed elements, and those detached this frame. */
    ui_element **globals, **parked;
    size_t nglobals, nparked, globals_cap, parked_cap;
    bool in_frame;
    unsigned frame_no;
    ui_element *focus;
    ui_element *hovered;
    ui_clipboard clipboard; /* the system's, or the tree's own (in clip) */
    char *clip;
    size_t clip_len;
    void (*paint_begin)(void *ctx), (*paint_end)(void *ctx);
    void *paint_ctx;
    ui_element **relayout; /* elements to lay out again, from their last constraints */
    size_t nrelayout, relayout_cap;
    struct frame_cb {
        void (*fn)(void *ctx, int64_t now);
        void *ctx;
    } * before, *after;
    size_t nbefore, nafter, before_cap, after_cap;
};

/* ---- Keys ---- */

/* When enabled, and while a tree exists, the strings behind string keys are
 * remembered (up to KEY_NAMES_MAX of them) so that dumps can show them; the
 * last tree to go frees them. A hash table keyed by the key itself. */
#define KEY_NAMES_MAX 4096
static struct {
    pthread_mutex_t lock;
    ui_key *keys;
    char **names;
    size_t cap, n;
    int trees;
} key_names = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t key_slot(ui_key k)
{
    size_t i = (size_t)(k * 0x9E3779B97F4A7C15ull >> 20) & (key_names.cap - 1);
    while (key_names.keys[i] && key_names.keys[i] != k)
        i = (i + 1) & (key_names.cap - 1);
    return i;
}

static void key_names_grow(void)
{
    size_t cap = key_names.cap ? key_names.cap * 2 : 64;
    ui_key *keys = calloc(cap, sizeof *keys);
    char **names = calloc(cap, sizeof *names);
    if (!keys || !names) {
        free(keys);
        free(names);
        return;
    }
    ui_key *old_keys = key_names.keys;
    char **old_names = key_names.names;
    size_t old_cap = key_names.cap;
    key_names.keys = keys;
    key_names.names = names;
    key_names.cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old_keys[i]) {
            size_t j = key_slot(old_keys[i]);
            keys[j] = old_keys[i];
            names[j] = old_names[i];
        }
    free(old_keys);
    free(old_names);
}

static void key_remember(ui_key k, const char *s)
{
    pthread_mutex_lock(&key_names.lock);
    if (key_names.trees > 0 && key_names.n < KEY_NAMES_MAX) {
        if (2 * (key_names.n + 1) > key_names.cap) key_names_grow();
        if (2 * (key_names.n + 1) <= key_names.cap) {
            size_t i = key_slot(k);
            if (!key_names.keys[i] && (key_names.names[i] = strdup(s))) {
                key_names.keys[i] = k;
                key_names.n++;
            }
        }
    }
    pthread_mutex_unlock(&key_names.lock);
}

static void key_names_trees(int delta)
{
    pthread_mutex_lock(&key_names.lock);
    key_names.trees += delta;
    if (key_names.trees == 0) {
        for (size_t i = 0; i < key_names.cap; i++)
            free(key_names.names[i]);
        free(key_names.keys);
        free(key_names.names);
        key_names.keys = NULL;
        key_names.names = NULL;
        key_names.cap = key_names.n = 0;
    }
    pthread_mutex_unlock(&key_names.lock);
}

static atomic_bool key_names_on; /* off: ui_key_str is a pure hash */

void ui_key_names_enable(bool on)
{
    atomic_store_explicit(&key_names_on, on, memory_order_relaxed);
}

ui_key ui_key_str(const char *s)
{
    const char *p = s;
    uint64_t h = 1469598103934665603u;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    ui_key k = (h << 1) & ~GLOBAL_BIT; /* even: never equal to an int key */
    if (k && atomic_load_explicit(&key_names_on, memory_order_relaxed)) key_remember(k, s);
    return k;
}

const char *ui_key_name(ui_key k)
{
    k &= ~GLOBAL_BIT;
    const char *name = NULL;
    pthread_mutex_lock(&key_names.lock);
    if (key_names.cap && k) {
        size_t i = key_slot(k);
        if (key_names.keys[i] == k) name = key_names.names[i];
    }
    pthread_mutex_unlock(&key_names.lock);
    return name;
}

/* ---- The build arena ---- */

void *ui_alloc(ui_build *b, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_chunk *c = b->chunks;
    if (!c || c->used + n > c->size) {
        size_t size = n > ARENA_CHUNK - sizeof *c ? n + sizeof *c : ARENA_CHUNK;
        c = rt_malloc(size);
        if (!c) return NULL;
        c->next = b->chunks;
        c->used = (sizeof *c + 15) & ~(size_t)15;
        c->size = size;
        b->chunks = c;
    }
    void *p = (char *)c + c->used;
    c->used += n;
    return p;
}

static void arena_reset(ui_build *b)
{
    for (arena_chunk *c = b->chunks, *n; c; c = n) {
        n = c->next;
        rt_free(c);
    }
    b->chunks = NULL;
}

const char *ui_strdup(ui_build *b, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ui_alloc(b, n);
    if (d) memcpy(d, s, n);
    return d;
}

ui_widget *ui_widget_new(ui_build *b, const ui_widget_class *cls, ui_key key, const void *props,
                         ui_widget **children, size_t nchildren)
{
    ui_widget *w = ui_alloc(b, sizeof *w);
    void *p = cls->props_size ? ui_alloc(b, cls->props_size) : NULL;
    ui_widget **kids = nchildren ? ui_alloc(b, nchildren * sizeof *kids) : NULL;
    if (!w || (cls->props_size && !p) || (nchildren && !kids)) return NULL;
    if (p) memcpy(p, props, cls->props_size);
    if (kids) memcpy(kids, children, nchildren * sizeof *kids);
    *w = (ui_widget){cls, key, p, kids, nchildren, false};
    return w;
}

ui_tree *ui_build_tree(ui_build *b)
{
    return b->tree;
}

/* ---- Element accessors ---- */

void *ui_state(ui_element *e)
{
    return e->state;
}
const void *ui_props(const ui_element *e)
{
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
    return e->mounted;
}

ui_element *ui_element_retain(ui_element *e)
{
    e->refs++;
    return e;
}

void ui_element_release(ui_element *e)
{
    if (--e->refs == 0) rt_free(e);
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
    return (ui_size){e->w, e->h};
}

void ui_element_rect(const ui_element *e, float *x, float *y, float *w, float *h)
{
    float gx = 0, gy = 0;
    for (const ui_element *p = e; p; p = p->parent)
        gx += p->x, gy += p->y;
    *x = gx, *y = gy, *w = e->w, *h = e->h;
}

/* ---- Dirty list and frame scheduling ---- */

static void frame_timer_cb(rt_timer *tm, void *ctx)
{
    ui_tree *t = ctx;
    rt_timer_free(tm);
    t->frame_timer = NULL;
    ui_tree_frame(t);
}

static void schedule_frame(ui_tree *t)
{
    if (t->frame_timer) return;
    int64_t delay = 0;
    if (t->frame_interval > 0 && t->frame_no > 0) {
        delay = t->last_frame + t->frame_interval - rt_now();
        if (delay < 0) delay = 0;
    }
    /* Due now, or an interval after the last frame began (the loop clock may
     * lag the monotonic one while a long callback runs). */
    int64_t now = rt_monotonic_ns();
    t->frame_due = now;
    if (t->frame_interval > 0 && t->frame_no > 0 && t->last_start + t->frame_interval > now)
        t->frame_due = t->last_start + t->frame_interval;
    rt_timer_start(&t->frame_timer, delay, 0, frame_timer_cb, t, NULL);
}

void ui_tree_animation(ui_tree *t, bool running)
{
    t->animations += running ? 1 : -1;
}

/* The pacing interval, or a 60 Hz budget without one. */
static int64_t interval_or_budget(const ui_tree *t)
{
    return t->frame_interval > 0 ? t->frame_interval : UI_FRAME_NS;
}

void ui_tree_set_frame_interval(ui_tree *t, int64_t ns)
{
    t->frame_interval = ns > 0 ? ns : 0;
}

static void mark_dirty(ui_element *e)
{
    if (e->dirty) return;
    ui_tree *t = e->tree;
    if (t->ndirty == t->dcap) {
        size_t cap = t->dcap ? t->dcap * 2 : 32;
        ui_element **n = rt_realloc(t->dirty, cap * sizeof *n);
        if (!n) return;
        t->dirty = n;
        t->dcap = cap;
    }
    e->dirty = true;
    t->dirty[t->ndirty++] = e;
    schedule_frame(t);
}

static bool is_ancestor(const ui_element *a, const ui_element *e)
{
    for (const ui_element *p = e; p; p = p->parent)
        if (p == a) return true;
    return false;
}

void ui_set_state(ui_element *e, void (*fn)(void *state, void *ctx), void *ctx)
{
    if (e->disposed || !e->mounted) {
        fprintf(stderr, "islet: ui_set_state: called on '%s' after it was disposed\n",
                e->cls->name);
        abort();
    }
    ui_element *b = e->tree->building;
    if (b && b != e && is_ancestor(e, b)) {
        fprintf(stderr,
                "islet: ui_set_state: called on '%s' while its descendant '%s' is building\n",
                e->cls->name, b->cls->name);
        abort();
    }
    if (fn) fn(e->state, ctx);
    mark_dirty(e);
}

/* ---- Reconciliation ---- */

static void unmount(ui_element *e);
static ui_element *inflate(ui_element *parent, const ui_widget *w);
static void mark_needs_layout(ui_element *e);
static void rebuild(ui_element *e, const ui_widget *w);

static bool can_update(const ui_element *e, const ui_widget *w)
{
    return e && w && e->cls == w->cls && e->key == w->key;
}

static void forget_path(ui_tree *t, ui_element *e)
{
    for (size_t i = 0; i < t->npath; i++)
        if (t->path[i] == e) t->path[i] = NULL;
}

static bool push_ptr(ui_element ***arr, size_t *n, size_t *cap, ui_element *e)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        ui_element **a = rt_realloc(*arr, c * sizeof *a);
        if (!a) return false;
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = e;
    return true;
}

static void drop_ptr(ui_element **arr, size_t *n, ui_element *e)
{
    for (size_t i = 0; i < *n; i++)
        if (arr[i] == e) {
            arr[i] = arr[--*n];
            return;
        }
}

static void drop_dependent(ui_element *inh, ui_element *e)
{
    for (size_t i = 0; i < inh->ndependents; i++)
        if (inh->dependents[i] == e) inh->dependents[i] = inh->dependents[--inh->ndependents];
}

ui_element *ui_depend_on(ui_element *e, const ui_widget_class *cls)
{
    ui_element *a = e->parent;
    while (a && a->cls != cls)
        a = a->parent;
    if (!a) return NULL;
    int slot = -1;
    for (int i = 0; i < 4; i++) {
        if (e->depends_on[i] == a) return a;
        if (!e->depends_on[i] && slot < 0) slot = i;
    }
    if (slot < 0) return a; /* at most 4 kinds of inherited data per element */
    if (a->ndependents == a->dep_cap) {
        size_t cap = a->dep_cap ? a->dep_cap * 2 : 8;
        ui_element **n = rt_realloc(a->dependents, cap * sizeof *n);
        if (!n) return a;
        a->dependents = n;
        a->dep_cap = cap;
    }
    a->dependents[a->ndependents++] = e;
    e->depends_on[slot] = a;
    return a;
}

static void dispose_tree(ui_element *e);

/* Leaving the tree: a globally keyed element waits, whole, until the end of
 * the frame in case it reappears under another parent. */
static void unmount(ui_element *e)
{
    ui_tree *t = e->tree;
    if ((e->key & GLOBAL_BIT) && t->in_frame && e->mounted &&
        push_ptr(&t->parked, &t->nparked, &t->parked_cap, e)) {
        e->parent = NULL;
        if (e->cls->deactivate) e->cls->deactivate(e);
        return;
    }
    if (e->cls->deactivate && e->mounted) e->cls->deactivate(e);
    dispose_tree(e);
}

static void dispose_tree(ui_element *e)
{
    ui_tree *t = e->tree;
    if (t->focus == e) t->focus = NULL;
    if (t->hovered == e) t->hovered = NULL;
    if (e->in_relayout)
        for (size_t i = 0; i < t->nrelayout; i++)
            if (t->relayout[i] == e) t->relayout[i] = NULL;
    if (e->key & GLOBAL_BIT) drop_ptr(t->globals, &t->nglobals, e);
    for (int i = 0; i < 4; i++)
        if (e->depends_on[i]) drop_dependent(e->depends_on[i], e);
    /* Dependents below are unmounted with us; others forget us. */
    for (size_t i = 0; i < e->ndependents; i++)
        for (int k = 0; k < 4; k++)
            if (e->dependents[i]->depends_on[k] == e) e->dependents[i]->depends_on[k] = NULL;
    rt_free(e->dependents);
    e->dependents = NULL;
    e->ndependents = 0;
    for (size_t i = 0; i < e->nkids; i++)
        unmount(e->kids[i]);
    if (e->cls->dispose) e->cls->dispose(e);
    e->disposed = true;
    e->mounted = false;
    /* A dirty element unmounted before its rebuild leaves both lists (an
     * ancestor's rebuild earlier in the batch may remove it). */
    if (e->dirty) {
        for (size_t i = 0; i < t->ndirty; i++)
            if (t->dirty[i] == e) t->dirty[i] = NULL;
        for (size_t i = 0; i < t->nbatch; i++)
            if (t->batch[i] == e) t->batch[i] = NULL;
        e->dirty = false;
    }
    forget_path(t, e);
    rt_free(e->kids);
    rt_free(e->state);
    rt_free(e->props);
    for (int i = 0; i < 4; i++)
        rt_free(e->strings[i]);
    e->kids = NULL;
    e->state = e->props = NULL;
    e->nkids = 0;
    memset(e->strings, 0, sizeof e->strings);
    t->nelements--;
    ui_element_release(e);
}

static const char **string_field(const ui_widget_class *c, const void *props, int i)
{
    return (const char **)((char *)props + c->string_fields[i]);
}

/* Props equal, comparing string fields by content. */
static bool props_equal(const ui_widget_class *c, const void *a, const void *b)
{
    for (int i = 0; i < c->nstring_fields; i++) {
        const char *x = *string_field(c, a, i), *y = *string_field(c, b, i);
        if (x != y && (!x || !y || strcmp(x, y) != 0)) return false;
    }
    /* Compare the rest with the string pointers masked out. */
    size_t n = c->props_size;
    unsigned char ta[256], tb[256];
    if (n > sizeof ta) return memcmp(a, b, n) == 0 && c->nstring_fields == 0;
    memcpy(ta, a, n);
    memcpy(tb, b, n);
    for (int i = 0; i < c->nstring_fields; i++) {
        memset(ta + c->string_fields[i], 0, sizeof(char *));
        memset(tb + c->string_fields[i], 0, sizeof(char *));
    }
    return memcmp(ta, tb, n) == 0;
}

static bool set_props(ui_element *e, const ui_widget *w)
{
    const ui_widget_class *c = e->cls;
    size_t n = c->props_size;
    if (!n) return true;
    if (!e->props && !(e->props = rt_malloc(n))) return false;
    memcpy(e->props, w->props, n);
    for (int i = 0; i < c->nstring_fields; i++) {
        const char **f = string_field(c, e->props, i);
        char *copy = *f ? rt_malloc(strlen(*f) + 1) : NULL;
        if (copy) strcpy(copy, *f);
        rt_free(e->strings[i]);
        e->strings[i] = copy;
        *f = copy ? copy : "";
    }
    return true;
}

static void set_depth(ui_element *e, int depth)
{
    e->depth = depth;
    for (size_t i = 0; i < e->nkids; i++)
        set_depth(e->kids[i], depth + 1);
}

static ui_element *inflate(ui_element *parent, const ui_widget *w)
{
    ui_tree *t = parent->tree;
    if (w->key & GLOBAL_BIT) {
        /* Moved here from elsewhere in this frame: same element, same state. */
        for (size_t i = 0; i < t->nparked; i++) {
            ui_element *p = t->parked[i];
            if (p->key == w->key && p->cls == w->cls) {
                t->parked[i] = t->parked[--t->nparked];
                p->claimed = t->frame_no;
                if (p->cls->activate) p->cls->activate(p);
                p->parent = parent;
                set_depth(p, parent->depth + 1);
                p->needs_layout = true;
                set_props(p, w);
                rebuild(p, w);
                return p;
            }
        }
        /* Still mounted elsewhere: take it from its old parent (Flutter's
         * reparenting), unless this frame already placed it: a duplicate. */
        for (size_t i = 0; i < t->nglobals; i++) {
            ui_element *g = t->globals[i];
            if (g->key != w->key) continue;
            if (g->claimed == t->frame_no || g->cls != w->cls) {
                fprintf(stderr, "islet: duplicate global key: two '%s' widgets share one\n",
                        w->cls->name);
                abort();
            }
            ui_element *old = g->parent;
            if (old) {
                for (size_t k = 0; k < old->nkids; k++)
                    if (old->kids[k] == g) {
                        memmove(old->kids + k, old->kids + k + 1,
                                (old->nkids - k - 1) * sizeof *old->kids);
                        old->nkids--;
                        break;
                    }
                mark_needs_layout(old);
            }
            g->claimed = t->frame_no;
            g->parent = parent;
            set_depth(g, parent->depth + 1);
            mark_needs_layout(g);
            set_props(g, w);
            rebuild(g, w);
            return g;
        }
    }
    ui_element *e = rt_calloc(1, sizeof *e);
    if (!e) return NULL;
    e->cls = w->cls;
    e->key = w->key;
    e->parent = parent;
    e->depth = parent->depth + 1;
    e->tree = t;
    e->mounted = true;
    e->refs = 1;
    t->nelements++;
    e->claimed = t->frame_no;
    if ((w->key & GLOBAL_BIT) && !push_ptr(&t->globals, &t->nglobals, &t->globals_cap, e)) {
        dispose_tree(e);
        return NULL;
    }
    if (!set_props(e, w) ||
        (w->cls->state_size && !(e->state = rt_calloc(1, w->cls->state_size)))) {
        unmount(e);
        return NULL;
    }
    if (w->cls->init_state) w->cls->init_state(e);
    e->last_const = w->is_const ? w : NULL;
    rebuild(e, w);
    return e;
}

/* Flutter's updateChild: reuse, replace, add or remove one child. */
static ui_element *update_child(ui_element *parent, ui_element *old, const ui_widget *w)
{
    if (!w) {
        if (old) unmount(old);
        return NULL;
    }
    /* The same const widget as last time: nothing below can differ. */
    if (old && w->is_const && old->last_const == w && !old->dirty) return old;
    if (can_update(old, w)) {
        if (old->key & GLOBAL_BIT) {
            if (old->claimed == old->tree->frame_no) {
                fprintf(stderr, "islet: duplicate global key: two '%s' widgets share one\n",
                        w->cls->name);
                abort();
            }
            old->claimed = old->tree->frame_no;
        }
        bool same = old->cls->props_size == 0 || props_equal(old->cls, old->props, w->props);
        /* An unchanged component that nobody dirtied keeps its subtree. */
        if (same && old->cls->build && !old->dirty) return old;
        /* The old props (strings included) stay readable during did_update_widget. */
        void *prev = NULL;
        char *prev_strings[4] = {0};
        if (old->cls->did_update_widget && old->cls->props_size) {
            prev = rt_malloc(old->cls->props_size);
            if (prev) memcpy(prev, old->props, old->cls->props_size);
            for (int i = 0; prev && i < old->cls->nstring_fields; i++) {
                prev_strings[i] = old->strings[i];
                old->strings[i] = NULL;
            }
        }
        set_props(old, w);
        old->last_const = w->is_const ? w : NULL;
        if (!same && old->cls->inherited)
            for (size_t i = 0; i < old->ndependents; i++)
                mark_dirty(old->dependents[i]);
        if (prev) old->cls->did_update_widget(old, prev);
        for (int i = 0; i < 4; i++)
            rt_free(prev_strings[i]);
        rt_free(prev);
        rebuild(old, w);
        return old;
    }
    if (old) unmount(old);
    return inflate(parent, w);
}

static bool reserve_kids(ui_element *e, size_t n)
{
    if (n <= e->kcap) return true;
    ui_element **k = rt_realloc(e->kids, n * sizeof *k);
    if (!k) return false;
    e->kids = k;
    e->kcap = n;
    return true;
}

/* Flutter's updateChildren: top, bottom, keyed middle. */
static void update_children(ui_element *parent, ui_widget **ws, size_t n)
{
    size_t nold = parent->nkids;
    ui_element **old = parent->kids;
    ui_element **res = n ? rt_calloc(n, sizeof *res) : NULL;
    if (n && !res) return;
    size_t top = 0;
    while (top < n && top < nold && can_update(old[top], ws[top])) {
        res[top] = update_child(parent, old[top], ws[top]);
        top++;
    }
    size_t oe = nold, ne = n;
    while (oe > top && ne > top && can_update(old[oe - 1], ws[ne - 1]))
        oe--, ne--;
    /* Middle: keyed old children may be matched; unkeyed ones go. */
    for (size_t i = top; i < oe; i++)
        if (!old[i]->key) {
            unmount(old[i]);
            old[i] = NULL;
        }
    for (size_t j = top; j < ne; j++) {
        ui_element *match = NULL;
        if (ws[j] && ws[j]->key) {
            for (size_t i = top; i < oe; i++) {
                if (old[i] && old[i]->key == ws[j]->key) {
                    if (can_update(old[i], ws[j])) {
                        match = old[i];
                        old[i] = NULL;
                    }
                    break;
                }
            }
        }
        res[j] = update_child(parent, match, ws[j]);
    }
    for (size_t i = top; i < oe; i++)
        if (old[i]) unmount(old[i]);
    for (size_t k = 0; ne + k < n; k++)
        res[ne + k] = update_child(parent, old[oe + k], ws[ne + k]);
    /* Drop children that could not be made (out of memory). */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (res[i]) res[m++] = res[i];
    if (reserve_kids(parent, m)) {
        if (m) memcpy(parent->kids, res, m * sizeof *res);
        parent->nkids = m;
    }
    rt_free(res);
}

/* e changed: it and its ancestors lay out again (their sizes may follow). */
/* e changed: it lays out again at the next frame, from its own last
 * constraints; its parent follows only if its size changes (a relayout
 * boundary wherever sizes are stable). */
static void mark_needs_layout(ui_element *e)
{
    e->needs_layout = true;
    if (e->in_relayout) return;
    ui_tree *t = e->tree;
    if (push_ptr(&t->relayout, &t->nrelayout, &t->relayout_cap, e))
        e->in_relayout = true;
    else
        for (; e; e = e->parent)
            e->needs_layout = true; /* no memory: the old way */
}

static int deepest_first(const void *a, const void *b)
{
    const ui_element *x = *(ui_element *const *)a, *y = *(ui_element *const *)b;
    int dx = x ? x->depth : -1, dy = y ? y->depth : -1;
    return (dy > dx) - (dy < dx);
}

/* Lays out what changed, deepest first; a size change moves up a level.
 * With a full layout coming anyway (the root changed), just forgets. */
static void relayout(ui_tree *t, bool full)
{
    size_t done = 0;
    while (done < t->nrelayout) {
        /* Sort what is not processed yet: parents queued meanwhile join in. */
        qsort(t->relayout + done, t->nrelayout - done, sizeof *t->relayout, deepest_first);
        size_t end = t->nrelayout;
        for (; done < end; done++) {
            ui_element *e = t->relayout[done];
            if (!e) continue;
            e->in_relayout = false;
            if (full || !e->mounted || !e->needs_layout) continue;
            if (!e->laid_out || !e->parent || e->parent == t->root) {
                /* Never laid out, or the top: its parent (or the frame) does it. */
                if (e->parent && e->parent != t->root)
                    mark_needs_layout(e->parent);
                else
                    t->root->needs_layout = true;
                continue;
            }
            float w = e->w, h = e->h;
            ui_layout_child(e, e->last_c);
            if (e->w != w || e->h != h) mark_needs_layout(e->parent);
        }
    }
    t->nrelayout = 0;
}

static void rebuild(ui_element *e, const ui_widget *w)
{
    ui_tree *t = e->tree;
    e->dirty = false;
    t->built++;
    mark_needs_layout(e);
    if (e->cls->build) {
        ui_element *saved = t->building;
        t->building = e;
        ui_widget *child = e->cls->build(&t->b, e);
        t->building = saved;
        update_children(e, child ? &child : NULL, child ? 1 : 0);
    } else if (w) {
        update_children(e, w->children, w->nchildren);
    }
}

/* ---- The root ---- */

typedef struct root_props {
    ui_widget *(*fn)(ui_build *b, void *ctx);
    void *ctx;
} root_props;

static ui_widget *root_build(ui_build *b, ui_element *e)
{
    const root_props *p = ui_props(e);
    return p->fn ? p->fn(b, p->ctx) : NULL;
}

static const ui_widget_class root_class = {
    .name = "Root", .props_size = sizeof(root_props), .build = root_build};

ui_tree *ui_tree_new(float w, float h, void *canvas)
{
    ui_tree *t = rt_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->w = w;
    t->h = h;
    t->canvas = canvas;
    t->b.tree = t;
    t->root = rt_calloc(1, sizeof *t->root);
    void *props = t->root ? rt_calloc(1, sizeof(root_props)) : NULL;
    if (!props) {
        rt_free(t->root);
        rt_free(t);
        return NULL;
    }
    t->root->cls = &root_class;
    t->root->tree = t;
    t->root->mounted = true;
    t->root->refs = 1;
    t->root->props = props;
    t->nelements = 1;
    ui_tree_set_clipboard(t, NULL);
    key_names_trees(+1);
    return t;
}

void ui_tree_free(ui_tree *t)
{
    if (!t) return;
    if (t->frame_timer) rt_timer_free(t->frame_timer);
    unmount(t->root);
    arena_reset(&t->b);
    rt_free(t->dirty);
    rt_free(t->globals);
    rt_free(t->parked);
    rt_free(t->before);
    rt_free(t->after);
    rt_free(t->relayout);
    rt_free(t->clip);
    rt_free(t);
    key_names_trees(-1);
}

void ui_tree_set_root(ui_tree *t, ui_widget *(*root_fn)(ui_build *b, void *ctx), void *ctx)
{
    root_props *p = t->root->props;
    p->fn = root_fn;
    p->ctx = ctx;
    mark_dirty(t->root);
}

ui_element *ui_tree_root(ui_tree *t)
{
    return t->root->nkids ? t->root->kids[0] : NULL;
}

void *ui_tree_canvas(ui_tree *t)
{
    return t->canvas;
}

void ui_tree_size(const ui_tree *t, float *w, float *h)
{
    *w = t->w;
    *h = t->h;
}

bool ui_tree_needs_frame(const ui_tree *t)
{
    return t->ndirty > 0;
}

size_t ui_tree_element_count(const ui_tree *t)
{
    return t->nelements;
}

/* ---- Layout ---- */

ui_size ui_constrain(ui_constraints c, ui_size s)
{
    s.w = s.w < c.min_w ? c.min_w : (s.w > c.max_w ? c.max_w : s.w);
    s.h = s.h < c.min_h ? c.min_h : (s.h > c.max_h ? c.max_h : s.h);
    return s;
}

ui_constraints ui_tight(float w, float h)
{
    return (ui_constraints){w, w, h, h};
}

ui_constraints ui_loosen(ui_constraints c)
{
    return (ui_constraints){0, c.max_w, 0, c.max_h};
}

static bool same_constraints(ui_constraints a, ui_constraints b)
{
    return a.min_w == b.min_w && a.max_w == b.max_w && a.min_h == b.min_h && a.max_h == b.max_h;
}

ui_size ui_layout_child(ui_element *e, ui_constraints c)
{
    /* Unchanged element, same constraints: same size, children in place. */
    if (!e->needs_layout && same_constraints(c, e->last_c)) return (ui_size){e->w, e->h};
    e->needs_layout = false;
    e->last_c = c;
    e->laid_out = true;
    ui_size s;
    if (e->cls->layout) {
        s = e->cls->layout(e, c);
    } else if (e->nkids) {
        /* A component is as big as its child. */
        s = ui_layout_child(e->kids[0], c);
        e->kids[0]->x = e->kids[0]->y = 0;
    } else {
        s = ui_constrain(c, (ui_size){0, 0});
    }
    e->w = s.w;
    e->h = s.h;
    return s;
}

void ui_position_child(ui_element *child, float x, float y)
{
    child->x = x;
    child->y = y;
}

/* ---- Paint and hit testing ---- */

static void paint(ui_element *e, void *canvas, float ox, float oy)
{
    float x = ox + e->x, y = oy + e->y;
    if (e->cls->paint) e->cls->paint(e, canvas, x, y);
    for (size_t i = 0; i < e->nkids; i++)
        paint(e->kids[i], canvas, x, y);
    if (e->cls->paint_after) e->cls->paint_after(e, canvas);
}

static void hit(ui_element *e, float px, float py, float ox, float oy, ui_element **out, size_t cap,
                size_t *n)
{
    float x = ox + e->x, y = oy + e->y;
    if (px < x || py < y || px >= x + e->w || py >= y + e->h) return;
    for (size_t i = e->nkids; i-- > 0;) {
        size_t before = *n;
        hit(e->kids[i], px, py, x, y, out, cap, n);
        if (*n > before) break; /* the topmost child that was hit */
    }
    if (*n < cap) out[(*n)++] = e;
}

size_t ui_tree_hit_test(ui_tree *t, float x, float y, ui_element **out, size_t cap)
{
    size_t n = 0;
    ui_element *r = ui_tree_root(t);
    if (r) hit(r, x, y, 0, 0, out, cap, &n);
    return n;
}

static void hover(ui_tree *t, float x, float y)
{
    ui_element *path[MAX_PATH], *taker = NULL;
    size_t n = ui_tree_hit_test(t, x, y, path, MAX_PATH);
    for (size_t i = 0; i < n && !taker; i++)
        if (path[i]->cls->pointer && path[i]->cls->pointer(path[i], UI_POINTER_HOVER, x, y))
            taker = path[i];
    if (taker == t->hovered) return;
    if (t->hovered) t->hovered->cls->pointer(t->hovered, UI_POINTER_EXIT, x, y);
    t->hovered = taker;
}

ui_element *ui_tree_hovered(ui_tree *t)
{
    return t->hovered;
}

void ui_tree_pointer(ui_tree *t, int kind, float x, float y)
{
    if (kind == UI_POINTER_HOVER) {
        hover(t, x, y);
        return;
    }
    if (kind == UI_POINTER_DOWN) {
        ui_element *path[MAX_PATH];
        size_t n = ui_tree_hit_test(t, x, y, path, MAX_PATH);
        t->npath = 0;
        if (t->focus && t->focus->cls->text) { /* a press elsewhere ends text editing */
            size_t i = 0;
            while (i < n && path[i] != t->focus)
                i++;
            if (i == n) ui_tree_set_focus(t, NULL);
        }
        for (size_t i = 0; i < n; i++) {
            if (path[i]->cls->pointer && path[i]->cls->pointer(path[i], kind, x, y)) {
                t->path[0] = path[i]; /* the innermost taker handles the gesture */
                t->npath = 1;
                break;
            }
        }
        return;
    }
    ui_element *h = t->npath ? t->path[0] : NULL;
    if (h && h->cls->pointer) h->cls->pointer(h, kind, x, y);
    if (kind == UI_POINTER_UP || kind == UI_POINTER_CANCEL) t->npath = 0;
}

/* ---- Frames ---- */

static int by_depth(const void *a, const void *b)
{
    const ui_element *x = *(ui_element *const *)a, *y = *(ui_element *const *)b;
    int dx = x ? x->depth : 1 << 30, dy = y ? y->depth : 1 << 30;
    return (dx > dy) - (dx < dy);
}

static int add_cb(struct frame_cb **arr, size_t *n, size_t *cap, void (*fn)(void *, int64_t),
                  void *ctx)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        struct frame_cb *a = rt_realloc(*arr, c * sizeof *a);
        if (!a) return RT_ENOMEM;
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = (struct frame_cb){fn, ctx};
    return RT_OK;
}

/* Runs and forgets the callbacks queued so far (new ones wait a frame).
 * A callback may queue another, which may move the array: index it afresh. */
static void run_cbs(struct frame_cb **arr, size_t *n, int64_t now)
{
    size_t k = *n;
    for (size_t i = 0; i < k; i++) {
        struct frame_cb cb = (*arr)[i];
        cb.fn(cb.ctx, now);
    }
    memmove(*arr, *arr + k, (*n - k) * sizeof **arr);
    *n -= k;
}

int ui_tree_on_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx)
{
    int rc = add_cb(&t->before, &t->nbefore, &t->before_cap, fn, ctx);
    if (!rc) schedule_frame(t);
    return rc;
}

int ui_tree_after_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx)
{
    return add_cb(&t->after, &t->nafter, &t->after_cap, fn, ctx);
}

bool ui_tree_frame(ui_tree *t)
{
    int64_t due = t->frame_due;
    if (t->animating) {
        int64_t next = t->last_start + interval_or_budget(t);
        if (!due || next < due) due = next;
    }
    t->frame_due = 0;
    if (t->nbefore) run_cbs(&t->before, &t->nbefore, rt_now());
    if (t->ndirty == 0) return false;
    ui_frame_timing ft = {.start_ns = rt_monotonic_ns()};
    int64_t could = due > t->last_end ? due : t->last_end;
    if (due && ft.start_ns > could) ft.late_ns = ft.start_ns - could;
    t->last_frame = rt_now();
    t->built = 0;
    t->in_frame = true;
    t->frame_no++;
    /* Parents first: a parent's rebuild may rebuild (and clean) its children. */
    while (t->ndirty > 0) {
        qsort(t->dirty, t->ndirty, sizeof *t->dirty, by_depth);
        size_t n = t->ndirty;
        ui_element **batch = rt_malloc(n * sizeof *batch);
        if (!batch) break;
        memcpy(batch, t->dirty, n * sizeof *batch);
        t->ndirty = 0;
        t->batch = batch;
        t->nbatch = n;
        for (size_t i = 0; i < n; i++)
            if (batch[i] && batch[i]->dirty) rebuild(batch[i], NULL);
        t->batch = NULL;
        t->nbatch = 0;
        rt_free(batch);
    }
    /* Globally keyed elements that did not reappear are disposed now. */
    t->in_frame = false;
    while (t->nparked > 0)
        dispose_tree(t->parked[--t->nparked]);
    int64_t t1 = rt_monotonic_ns();
    ui_element *r = ui_tree_root(t);
    bool full = r && (t->root->needs_layout || !r->laid_out);
    relayout(t, full);
    if (r && (full || t->root->needs_layout || r->needs_layout)) {
        t->root->needs_layout = false;
        ui_layout_child(r, ui_tight(t->w, t->h));
        r->x = r->y = 0;
    }
    int64_t t2 = rt_monotonic_ns();
    if (t->paint_begin) t->paint_begin(t->paint_ctx);
    if (r && t->canvas) paint(r, t->canvas, 0, 0);
    int64_t t3 = rt_monotonic_ns();
    if (t->paint_end) t->paint_end(t->paint_ctx);
    int64_t t4 = rt_monotonic_ns();
    arena_reset(&t->b);
    ft.build_ns = t1 - ft.start_ns;
    ft.layout_ns = t2 - t1;
    ft.paint_ns = t3 - t2;
    ft.raster_ns = t4 - t3;
    ft.total_ns = t4 - ft.start_ns;
    t->last_start = ft.start_ns;
    t->last_end = t4;
    t->animating = t->animations > 0;
    ft.built = t->built;
    t->timings[t->tcount++ % TIMINGS] = ft;
    if (t->nafter) run_cbs(&t->after, &t->nafter, ft.start_ns);
    return true;
}

size_t ui_tree_timings(const ui_tree *t, ui_frame_timing *out, size_t n)
{
    size_t have = t->tcount < TIMINGS ? t->tcount : TIMINGS;
    if (n > have) n = have;
    for (size_t i = 0; i < n; i++)
        out[i] = t->timings[(t->tcount - 1 - i) % TIMINGS];
    return n;
}

static void visit(ui_element *e, int depth, void (*fn)(ui_element *, int, void *), void *ctx)
{
    fn(e, depth, ctx);
    for (size_t i = 0; i < e->nkids; i++)
        visit(e->kids[i], depth + 1, fn, ctx);
}

void ui_tree_set_paint_hooks(ui_tree *t, void (*begin)(void *ctx), void (*end)(void *ctx),
                             void *ctx)
{
    t->paint_begin = begin;
    t->paint_end = end;
    t->paint_ctx = ctx;
}

void ui_tree_set_size(ui_tree *t, float w, float h)
{
    t->w = w;
    t->h = h;
    t->root->needs_layout = true;
    mark_dirty(t->root);
}

ui_element *ui_tree_get_focus(ui_tree *t)
{
    return t->focus;
}

void ui_tree_set_focus(ui_tree *t, ui_element *e)
{
    if (e == t->focus) return;
    if (e && (e->tree != t || !e->mounted || e->disposed)) {
        fprintf(stderr, "islet: ui_tree_set_focus: '%s' is not mounted in this tree\n",
                e->cls->name);
        abort();
    }
    if (t->focus) ui_set_state(t->focus, NULL, NULL); /* repaint without the focus look */
    t->focus = e;
    if (e) ui_set_state(e, NULL, NULL);
}

bool ui_tree_wants_text(ui_tree *t)
{
    return t->focus && t->focus->cls->text;
}

int ui_tree_text_input(ui_tree *t, const char *utf8, size_t len)
{
    if (!ui_tree_wants_text(t)) return RT_ESTATE;
    return t->focus->cls->text(t->focus, utf8, len); /* it refuses invalid UTF-8 itself */
}

/* The tree's own clipboard, until a window installs the system's. */
static char *own_clip_get(void *ctx)
{
    ui_tree *t = ctx;
    if (!t->clip) return NULL;
    char *s = rt_malloc(t->clip_len + 1);
    if (s) memcpy(s, t->clip, t->clip_len + 1);
    return s;
}

static void own_clip_set(void *ctx, const char *utf8, size_t len)
{
    ui_tree *t = ctx;
    char *s = rt_malloc(len + 1);
    if (!s) return;
    memcpy(s, utf8, len);
    s[len] = 0;
    rt_free(t->clip);
    t->clip = s;
    t->clip_len = len;
}

void ui_tree_set_clipboard(ui_tree *t, const ui_clipboard *cb)
{
    t->clipboard = cb ? *cb : (ui_clipboard){own_clip_get, own_clip_set, t};
}

char *ui_tree_clipboard_get(ui_tree *t)
{
    return t->clipboard.get(t->clipboard.ctx);
}

void ui_tree_clipboard_set(ui_tree *t, const char *utf8, size_t len)
{
    t->clipboard.set(t->clipboard.ctx, utf8, len);
}

void ui_tree_visit(ui_tree *t, void (*fn)(ui_element *e, int depth, void *ctx), void *ctx)
{
    ui_element *r = ui_tree_root(t);
    if (r) visit(r, 0, fn, ctx);
}
