/* ui_paint.c: painting the tree, parents before children, each at its
 * global origin; paint_after lets a class close what it opened (a clip).
 *
 * A frame repaints only what changed when the binding keeps its pixels
 * between frames (ui_tree_set_partial_paint): the places elements were
 * relaid out from, before and after, are the damage; each damaged
 * rectangle is cleared and the elements that meet it are painted again,
 * clipped to it. Subtrees outside it are skipped whole: children paint
 * within their parent's box (the rule hit testing uses too). */
#include <islet/ui_canvas.h>
#include "ui_tree_private.h"

#include <math.h>

/* The layers of the repaint boundaries around e (and its own) are stale. */
static void layers_stale(ui_element *e)
{
    for (; e; e = e->parent)
        if (e->layer) e->layer_dirty = true;
}

void ui__damage_element(ui_element *e)
{
    ui_tree *t = e->tree;
    layers_stale(e);
    if (t->damage_all || !t->paint_clear) return;
    /* Under a transform (a class with hit_map) it is painted elsewhere than
     * its box says: all of it is painted again. */
    for (const ui_element *a = e; a; a = a->parent)
        if (a->cls->hit_map) {
            t->damage_all = true;
            return;
        }
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    if (w <= 0 || h <= 0) return;
    /* Whole pixels (a neighbour that only touches it is not repainted). */
    struct ui_damage d = {{floorf(x), floorf(y), ceilf(x + w), ceilf(y + h)}};
    if (t->ndamage == UI_DAMAGE_LIST ||
        !ui__push(&t->damage, &t->ndamage, &t->damage_cap, sizeof d, &d))
        t->damage_all = true;
}

static bool inside(const float *a, const float *b)
{
    return a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3];
}

/* The rectangles to paint: those inside another dropped, and all of them
 * joined into one when more than UI_DAMAGE_MAX are left. */
static size_t damage_rects(ui_tree *t)
{
    struct ui_damage *d = t->damage;
    size_t n = t->ndamage;
    for (size_t i = 0; i < n;) {
        bool drop = false;
        for (size_t k = 0; k < n && !drop; k++)
            drop = k != i && inside(d[i].r, d[k].r) && (!inside(d[k].r, d[i].r) || k < i);
        if (drop)
            d[i] = d[--n];
        else
            i++;
    }
    if (n > UI_DAMAGE_MAX) {
        for (size_t i = 1; i < n; i++)
            for (int k = 0; k < 4; k++)
                d[0].r[k] = k < 2 ? fminf(d[0].r[k], d[i].r[k]) : fmaxf(d[0].r[k], d[i].r[k]);
        n = 1;
    }
    return n;
}

static bool meets(const float *d, float x, float y, float w, float h)
{
    return x < d[2] && y < d[3] && x + w > d[0] && y + h > d[1];
}

/* The first child of e (at x, y) that may meet the band [lo, hi) of its
 * axis: a binary search when the children are in order along it. */
static size_t first_in_band(const ui_element *e, bool down, float origin, float lo)
{
    size_t a = 0, b = e->nkids;
    while (a < b) {
        size_t m = (a + b) / 2;
        const ui_element *k = e->kids[m];
        float end = origin + (down ? k->y + k->h : k->x + k->w);
        if (end <= lo)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

static bool paint_layer(ui_tree *t, ui_element *e, void *canvas, float x, float y);

/* Paints e at (x, y); children that miss the damage d (if any) are skipped
 * before the call, the walk's hot path. A repaint boundary composites its
 * layer instead. */
static void paint(ui_tree *t, ui_element *e, void *canvas, float x, float y, const float *d)
{
    if (e->cls->repaint_boundary && paint_layer(t, e, canvas, x, y)) return;
    t->painted++;
    if (e->cls->paint) e->cls->paint(e, canvas, x, y);
    size_t i = 0;
    bool down = d && e->kids_down, across = d && !down && e->kids_across;
    if (down) i = first_in_band(e, true, y, d[1]);
    if (across) i = first_in_band(e, false, x, d[0]);
    for (; i < e->nkids; i++) {
        const ui_element *k = e->kids[i];
        float kx = x + k->x, ky = y + k->y;
        if ((down && ky >= d[3]) || (across && kx >= d[2])) break; /* past the band */
        if (!d || meets(d, kx, ky, k->w, k->h)) paint(t, e->kids[i], canvas, kx, ky, d);
    }
    if (e->cls->paint_after) e->cls->paint_after(e, canvas);
}

/* A repaint boundary: its subtree painted into its layer when that is
 * stale (Flutter's PaintingContext.repaintCompositedChild), then the layer
 * composited. False when there is no layer to be had: paint directly. */
static bool paint_layer(ui_tree *t, ui_element *e, void *canvas, float x, float y)
{
    ui_rect r = {x, y, e->w, e->h};
    ui_canvas_layer **l = (ui_canvas_layer **)&e->layer;
    if (e->layer_dirty || e->layer_epoch != t->layout_epoch ||
        !ui_canvas_layer_fits(canvas, *l, r)) {
        if (!ui_canvas_layer_begin(canvas, l, r)) return false;
        e->layer_dirty = false;
        e->layer_epoch = t->layout_epoch;
        const ui_widget_class *c = e->cls;
        if (c->paint) c->paint(e, canvas, x, y);
        t->painted++;
        for (size_t i = 0; i < e->nkids; i++)
            paint(t, e->kids[i], canvas, x + e->kids[i]->x, y + e->kids[i]->y, NULL);
        if (c->paint_after) c->paint_after(e, canvas);
        ui_canvas_layer_end(canvas, *l);
    }
    ui_canvas_layer_draw(canvas, *l, r);
    return true;
}

void ui__paint_forget(ui_element *e)
{
    ui_canvas_layer_free(e->layer);
    e->layer = NULL;
}

static void subtree_layers_stale(ui_element *e)
{
    if (e->layer) e->layer_dirty = true;
    for (size_t i = 0; i < e->nkids; i++)
        subtree_layers_stale(e->kids[i]);
}

void ui_mark_needs_paint(ui_element *e)
{
    if (e->life != UI_ACTIVE || !e->laid_out) return;
    ui_tree *t = e->tree;
    UI_CHECK(t->phase != UI_PHASE_LAYOUT && t->phase != UI_PHASE_PAINT,
             "called on '%s' during layout or paint", e->cls->name);
    ui__note_change(t);
    subtree_layers_stale(e);
    ui__damage_element(e);
    t->needs_paint = true;
    ui__schedule_frame(t);
}

void ui__paint_frame(ui_tree *t)
{
    ui_element *r = ui_tree_root(t);
    t->painted = 0;
    t->needs_paint = false;
    bool full = t->damage_all || !t->paint_clear;
    if (full) {
        if (t->paint_begin) t->paint_begin(t->paint_ctx);
        if (r && t->canvas) paint(t, r, t->canvas, r->x, r->y, NULL);
    } else if (t->canvas) {
        size_t n = damage_rects(t);
        for (size_t i = 0; i < n; i++) {
            const float *d = t->damage[i].r;
            ui_rect clip = {d[0], d[1], d[2] - d[0], d[3] - d[1]};
            ui_canvas_push_clip(t->canvas, clip);
            t->paint_clear(t->paint_ctx, clip.x, clip.y, clip.w, clip.h);
            if (r && meets(d, r->x, r->y, r->w, r->h)) paint(t, r, t->canvas, r->x, r->y, d);
            ui_canvas_pop_clip(t->canvas);
        }
    }
    t->damage_all = false;
    t->ndamage = 0;
}

/* ---- RepaintBoundary ---- */

const ui_widget_class ui_repaint_boundary_class = {.name = "RepaintBoundary",
                                                   .repaint_boundary = true};

ui_widget *ui_repaint_boundary(ui_build *b, ui_widget *child)
{
    return ui_widget_new(b, &ui_repaint_boundary_class, UI_NO_KEY, NULL, &child, child ? 1 : 0);
}
