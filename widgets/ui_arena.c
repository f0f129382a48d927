/* ui_arena.c: the per-frame build arena, and widgets held past their frame.
 *
 * Widgets are made in the arena and die with it at the end of the frame;
 * that is the fast path. A widget an element holds (a `ui_widget *` props
 * field listed in widget_fields) is copied to the heap once, with the
 * widgets it reaches, and reference counted; the arena original forwards to
 * the copy for the rest of the frame, so holding it twice gives one
 * instance and identity (the skip rule) is kept. */
#include "ui_tree_private.h"

#include <string.h>

#define ARENA_CHUNK 65536

struct ui_arena_chunk {
    ui_arena_chunk *next;
    size_t used, size;
};

void *ui_alloc(ui_build *b, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    ui_arena_chunk *c = b->chunks;
    if (!c || c->used + n > c->size) {
        size_t size = n > ARENA_CHUNK - sizeof *c ? n + sizeof *c + 16 : ARENA_CHUNK;
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

/* Counts arena resets (frame ends, in any tree: frames never interleave),
 * so a held copy knows whether its arena original still exists. */
static uint32_t arena_epoch;

void ui__arena_reset(ui_build *b)
{
    arena_epoch++;
    for (ui_arena_chunk *c = b->chunks, *n; c; c = n) {
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
    *w = (ui_widget){.cls = cls, .key = key, .props = p, .children = kids, .nchildren = nchildren};
    return w;
}

ui_tree *ui_build_tree(ui_build *b)
{
    return b->tree;
}

/* ---- Held widgets ---- */

bool ui__widget_durable(const ui_widget *w)
{
    return w && (w->is_const || w->refs_ > 0);
}

static const char **str_field(const ui_widget_class *c, const void *props, int i)
{
    return (const char **)((const char *)props + c->string_fields[i]);
}

static ui_widget **widget_field(const ui_widget_class *c, const void *props, int i)
{
    return (ui_widget **)((const char *)props + c->widget_fields[i]);
}

bool ui__props_copy(const ui_widget_class *c, void *dst, const void *src)
{
    memcpy(dst, src, c->props_size);
    /* Own nothing yet, so a failure midway releases only what was taken. */
    for (int i = 0; i < c->nstring_fields; i++)
        *str_field(c, dst, i) = NULL;
    for (int i = 0; i < c->nwidget_fields; i++)
        *widget_field(c, dst, i) = NULL;
    for (int i = 0; i < c->nstring_fields; i++) {
        const char *s = *str_field(c, src, i);
        size_t n = s ? strlen(s) : 0;
        char *d = rt_malloc(n + 1);
        if (!d) goto fail;
        if (n) memcpy(d, s, n);
        d[n] = 0;
        *str_field(c, dst, i) = d;
    }
    for (int i = 0; i < c->nwidget_fields; i++) {
        ui_widget *k = *widget_field(c, src, i);
        ui_widget *held = ui__widget_hold(k);
        if (k && !held) goto fail;
        *widget_field(c, dst, i) = held;
    }
    return true;
fail:
    ui__props_release(c, dst);
    return false;
}

void ui__props_release(const ui_widget_class *c, void *props)
{
    for (int i = 0; i < c->nstring_fields; i++) {
        rt_free((void *)*str_field(c, props, i));
        *str_field(c, props, i) = NULL;
    }
    for (int i = 0; i < c->nwidget_fields; i++) {
        ui__widget_drop(*widget_field(c, props, i));
        *widget_field(c, props, i) = NULL;
    }
}

bool ui__props_equal(const ui_widget_class *c, const void *a, const void *b)
{
    if (!c->props_size) return true;
    if (!a || !b || c->nwidget_fields) return false;
    /* The bytes around the string fields, in offset order, then the texts. */
    size_t at[4] = {0};
    int n = c->nstring_fields;
    for (int i = 0; i < n; i++) {
        size_t o = c->string_fields[i];
        int k = i;
        for (; k > 0 && at[k - 1] > o; k--)
            at[k] = at[k - 1];
        at[k] = o;
    }
    size_t from = 0;
    for (int i = 0; i <= n; i++) {
        size_t to = i < n ? at[i] : c->props_size;
        if (memcmp((const char *)a + from, (const char *)b + from, to - from) != 0) return false;
        from = to + sizeof(const char *);
    }
    for (int i = 0; i < n; i++) {
        const char *x = *str_field(c, a, i), *y = *str_field(c, b, i);
        if (x != y && (!x || !y || strcmp(x, y) != 0)) return false;
    }
    return true;
}

/* Releases what a held copy owns (not the block itself). */
static void drop_contents(ui_widget *w)
{
    if (w->props) ui__props_release(w->cls, (void *)w->props);
    for (size_t i = 0; i < w->nchildren; i++)
        ui__widget_drop(w->children[i]);
}

static ui_widget *copy_widget(ui_widget *src)
{
    const ui_widget_class *c = src->cls;
    size_t head = (sizeof *src + 15) & ~(size_t)15, props = (c->props_size + 15) & ~(size_t)15;
    ui_widget *w = rt_malloc(head + props + src->nchildren * sizeof *w->children);
    if (!w) return NULL;
    *w = *src;
    w->refs_ = 1;
    w->epoch_ = arena_epoch;
    w->forward_ = src; /* cleared in src if w goes within this frame */
    w->is_const = false;
    w->props = c->props_size ? (char *)w + head : NULL;
    w->children = src->nchildren ? (ui_widget **)((char *)w + head + props) : NULL;
    w->nchildren = 0;
    if (w->props && !ui__props_copy(c, (void *)w->props, src->props)) {
        rt_free(w);
        return NULL;
    }
    bool ok = true;
    for (size_t i = 0; i < src->nchildren; i++) {
        ui_widget *held = src->children[i] ? ui__widget_hold(src->children[i]) : NULL;
        if (src->children[i] && !held) ok = false;
        w->children[w->nchildren++] = held;
    }
    if (!ok) {
        drop_contents(w);
        rt_free(w);
        return NULL;
    }
    return w;
}

ui_widget *ui__widget_hold(const ui_widget *cw)
{
    ui_widget *w = (ui_widget *)cw;
    if (!w || w->is_const) return w;
    if (w->refs_ > 0) {
        w->refs_++;
        return w;
    }
    if (w->forward_) return ui__widget_hold(w->forward_);
    ui_widget *h = copy_widget(w);
    w->forward_ = h; /* the arena original: valid until the frame ends */
    return h;
}

void ui__widget_drop(const ui_widget *cw)
{
    ui_widget *w = (ui_widget *)cw;
    if (!w || w->is_const || w->refs_ == 0) return;
    if (--w->refs_ > 0) return;
    /* Gone within the frame that made it: its original must not forward to it. */
    if (w->epoch_ == arena_epoch && w->forward_) w->forward_->forward_ = NULL;
    drop_contents(w);
    rt_free(w);
}
