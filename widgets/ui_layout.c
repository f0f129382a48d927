/* ui_layout.c: layout (constraints down, sizes up), and relayout of just
 * what changed: an element laid out again from its own last constraints
 * passes the change to its parent only if its size changed. */
#include "ui_tree_private.h"

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

static void note_order(ui_element *e)
{
    bool down = e->nkids > 1, across = e->nkids > 1;
    for (size_t i = 1; i < e->nkids && (down || across); i++) {
        const ui_element *a = e->kids[i - 1], *b = e->kids[i];
        down = down && b->y >= a->y + a->h;
        across = across && b->x >= a->x + a->w;
    }
    e->kids_down = down;
    e->kids_across = across;
}

ui_size ui_layout_child(ui_element *child, ui_constraints c)
{
    /* Unchanged element, same constraints: same size, children in place. */
    if (!child->needs_layout && same_constraints(c, child->last_c))
        return (ui_size){child->w, child->h};
    child->needs_layout = false;
    child->last_c = c;
    child->laid_out = true;
    ui_size s;
    if (child->cls->layout) {
        s = child->cls->layout(child, c);
        note_order(child);
    } else if (child->nkids) {
        /* A component is as big as its child. */
        s = ui_layout_child(child->kids[0], c);
        child->kids[0]->x = child->kids[0]->y = 0;
    } else {
        s = ui_constrain(c, (ui_size){0, 0});
    }
    child->w = s.w;
    child->h = s.h;
    return s;
}

void ui_position_child(ui_element *child, float x, float y)
{
    child->x = x;
    child->y = y;
}

void ui__mark_needs_layout(ui_element *e)
{
    if (!e->laid_out) {
        /* Never laid out: its parent lays it out, so the parent is marked
         * (once: a new subtree marks only the laid-out element above it). */
        bool was = e->needs_layout;
        e->needs_layout = true;
        if (!was && e->parent) ui__mark_needs_layout(e->parent);
        return;
    }
    e->needs_layout = true;
    if (e->in_relayout) return;
    ui_tree *t = e->tree;
    if (ui__push(&t->relayout, &t->nrelayout, &t->relayout_cap, sizeof e, &e))
        e->in_relayout = true;
    else
        for (; e; e = e->parent)
            e->needs_layout = true; /* no memory: the whole path lays out again */
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
    if (full) {
        /* The root lays out again: what changed below must not be skipped by
         * an unchanged ancestor on the way, so the paths to it are marked. */
        for (size_t i = 0; i < t->nrelayout; i++) {
            ui_element *e = t->relayout[i];
            if (!e) continue;
            e->in_relayout = false;
            if (e->life != UI_ACTIVE || !e->needs_layout) continue;
            for (ui_element *a = e->parent; a && !a->needs_layout; a = a->parent)
                a->needs_layout = true;
        }
        t->nrelayout = 0;
        return;
    }
    size_t done = 0;
    while (done < t->nrelayout) {
        /* Sort what is not processed yet: parents queued meanwhile join in. */
        qsort(t->relayout + done, t->nrelayout - done, sizeof *t->relayout, deepest_first);
        size_t end = t->nrelayout;
        for (; done < end; done++) {
            ui_element *e = t->relayout[done];
            if (!e) continue;
            e->in_relayout = false;
            if (e->life != UI_ACTIVE || !e->needs_layout) continue;
            bool top = e->parent && e->parent == t->root;
            if (!e->laid_out || !e->parent || (top && t->root->needs_layout)) {
                /* Never laid out, or the top while the frame lays out the
                 * root anyway: its parent (or the frame) does it. */
                if (e->parent && !top)
                    ui__mark_needs_layout(e->parent);
                else
                    t->root->needs_layout = true;
                continue;
            }
            /* The top element laid out before keeps its tight constraints
             * (the tree's size): it lays out again in place, as the others
             * do, so the layers below it that nothing touched are kept. */
            float w = e->w, h = e->h;
            if (e->moved_frame != t->frame_no) ui__damage_element(e); /* where it was */
            ui_layout_child(e, e->last_c);
            ui__damage_element(e); /* where it is */
            if ((e->w != w || e->h != h) && !top) ui__mark_needs_layout(e->parent);
        }
    }
    t->nrelayout = 0;
}

void ui__layout_frame(ui_tree *t)
{
    ui_element *r = ui_tree_root(t);
    bool full = r && (t->root->needs_layout || !r->laid_out);
    relayout(t, full);
    if (r && (full || t->root->needs_layout || r->needs_layout)) {
        t->root->needs_layout = false;
        t->damage_all = true;
        t->layout_epoch++; /* what moved is not noted: layers paint again */
        ui_layout_child(r, ui_tight(t->w, t->h));
        r->x = r->y = 0;
    }
}
