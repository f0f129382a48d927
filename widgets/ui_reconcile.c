/* ui_reconcile.c: Flutter's reconciliation and element lifecycle.
 *
 * update_child is Flutter's Element.updateChild, update_children its
 * updateChildren (top, bottom, keyed middle). A removed element is
 * deactivated at once and parked in the tree's inactive list; only when
 * the frame's builds are done (ui__finalize) is what is still inactive
 * unmounted and disposed. Nothing is freed while builds run, so a child
 * list being walked can never hold freed memory.
 *
 * A global key brings its element back from anywhere: from the inactive
 * list, or straight from its current parent (which forgets it; if that
 * parent is updating its own children right now, its walk skips the
 * element because the element's parent is no longer it). */
#include "ui_tree_private.h"

#include <string.h>

static ui_element *update_child(ui_element *p, ui_element *old, const ui_widget *w);

static bool is_global(ui_key k)
{
    return k.kind == UI_KEY_KIND_GLOBAL;
}

static bool can_update(const ui_element *e, const ui_widget *w)
{
    return e->cls == w->cls && ui_key_eq(e->key, w->key);
}

/* For messages: the key's string, or its integer (in a static buffer). */
static const char *key_text(ui_key k)
{
    static char num[32];
    const char *s = ui_key_name(k);
    if (s) return s;
    snprintf(num, sizeof num, "%lld", (long long)k.v);
    return num;
}

_Noreturn static void duplicate(const ui_widget_class *a, const ui_widget_class *b, ui_key k)
{
    rt_die("ui_tree_frame",
           "duplicate global key '%s': a '%s' and a '%s' widget use it in one frame (a global "
           "key must be unique in the tree)",
           key_text(k), a->name, b->name);
}

/* ---- Global keys: key -> element, open addressing ---- */

static size_t gslot(const ui_gkey_map *m, ui_key k)
{
    size_t i = ui__key_hash(k) & (m->cap - 1);
    while (m->slots[i] && !ui_key_eq(m->slots[i]->key, k))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static ui_element *gkey_get(ui_tree *t, ui_key k)
{
    if (!t->globals.cap) return NULL;
    return t->globals.slots[gslot(&t->globals, k)];
}

static bool gkey_put(ui_tree *t, ui_element *e)
{
    ui_gkey_map *m = &t->globals;
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        ui_element **s = rt_calloc(cap, sizeof *s);
        if (!s) return false;
        ui_gkey_map g = {s, cap, m->n};
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i]) s[gslot(&g, m->slots[i]->key)] = m->slots[i];
        rt_free(m->slots);
        *m = g;
    }
    size_t i = gslot(m, e->key);
    if (!m->slots[i]) m->n++;
    m->slots[i] = e;
    return true;
}

static void gkey_remove(ui_tree *t, ui_element *e)
{
    ui_gkey_map *m = &t->globals;
    if (!m->cap) return;
    size_t i = gslot(m, e->key);
    if (m->slots[i] != e) return; /* another element took the key over */
    m->slots[i] = NULL;
    m->n--;
    /* Backward shift: re-place the run after the hole. */
    for (size_t j = (i + 1) & (m->cap - 1); m->slots[j]; j = (j + 1) & (m->cap - 1)) {
        ui_element *x = m->slots[j];
        m->slots[j] = NULL;
        m->slots[gslot(m, x->key)] = x;
    }
    if (m->n == 0) {
        rt_free(m->slots);
        *m = (ui_gkey_map){0};
    }
}

/* ---- Props ---- */

static void free_props(const ui_widget_class *c, void *props)
{
    if (!props) return;
    ui__props_release(c, props);
    rt_free(props);
}

/* A copy of w's props that the element owns (strings copied, widget fields
 * held). NULL when out of memory (*ok false), or when the class has none. */
static void *copy_props(const ui_widget_class *c, const ui_widget *w, bool *ok)
{
    *ok = true;
    if (!c->props_size) return NULL;
    void *p = rt_malloc(c->props_size);
    if (p && ui__props_copy(c, p, w->props)) return p;
    rt_free(p);
    return *ok = false, NULL;
}

static void set_widget(ui_element *e, const ui_widget *w)
{
    const ui_widget *old = e->widget;
    bool held = ui__widget_durable(w);
    if (held) ui__widget_hold(w);
    if (e->widget_held) ui__widget_drop(old);
    e->widget = w;
    e->widget_held = held;
    e->widget_frame = e->tree->frame_no;
}

/* The very widget it was configured with (Flutter's identical check). */
static bool is_identical(const ui_element *e, const ui_widget *w)
{
    return e->widget == w && (e->widget_held || e->widget_frame == e->tree->frame_no);
}

/* ---- Deactivation and activation ---- */

static void set_depth(ui_element *e, int depth)
{
    e->depth = depth;
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->parent == e) set_depth(e->kids[i], depth + 1);
}

static void deactivate_tree(ui_element *e)
{
    if (e->cls->deactivate) e->cls->deactivate(e); /* still active, as Flutter's State.deactivate */
    e->life = UI_INACTIVE;
    e->claimed = 0;
    e->had_deps = e->ndeps > 0 || e->unsatisfied;
    ui__deps_drop(e);
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->parent == e) deactivate_tree(e->kids[i]);
}

static void inactive_remove(ui_tree *t, ui_element *e)
{
    ui_element *last = t->inactive[--t->ninactive];
    t->inactive[e->inactive_idx] = last;
    last->inactive_idx = e->inactive_idx;
}

/* Flutter's deactivateChild: out of its parent, into the inactive list. */
static void deactivate_child(ui_element *c)
{
    ui_tree *t = c->tree;
    ui__damage_element(c); /* where it was painted */
    c->parent = NULL;
    c->inactive_idx = t->ninactive;
    if (!ui__push(&t->inactive, &t->ninactive, &t->inactive_cap, sizeof c, &c)) {
        /* No memory to park it: it cannot come back, but it is freed safely
         * at the end of the frame all the same. */
        rt_die("ui_tree_frame", "out of memory deactivating '%s'", c->cls->name);
    }
    deactivate_tree(c);
}

static void activate_tree(ui_element *e)
{
    e->life = UI_ACTIVE;
    bool rebuild = e->had_deps || e->dirty || e->cls->state_size > 0;
    if (e->had_deps) e->deps_changed = true;
    e->had_deps = e->unsatisfied = false;
    e->dirty = false;
    if (e->cls->activate) e->cls->activate(e);
    if (rebuild) ui__mark_dirty(e);
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->parent == e) activate_tree(e->kids[i]);
}

static void drop_kid(ui_element *p, ui_element *g)
{
    for (size_t k = 0; k < p->nkids; k++)
        if (p->kids[k] == g) {
            memmove(p->kids + k, p->kids + k + 1, (p->nkids - k - 1) * sizeof *p->kids);
            p->nkids--;
            return;
        }
}

/* Takes g from its current parent, which must be updated later in this
 * frame (or removed): otherwise its configuration still holds the key. */
static void take_from_parent(ui_element *g)
{
    ui_tree *t = g->tree;
    ui_element *old = g->parent;
    if (!old->updating) {
        drop_kid(old, g);
        ui__mark_needs_layout(old);
        struct ui_robbed r = {old, NULL, g->key, t->update_seq};
        if (!ui__push(&t->robbed, &t->nrobbed, &t->robbed_cap, sizeof r, &r))
            rt_die("ui_tree_frame", "out of memory moving global key '%s'", key_text(g->key));
    }
    deactivate_child(g);
    inactive_remove(t, g);
}

/* Flutter's _retakeInactiveElement: the element with w's global key, from
 * wherever it is, or NULL to make a new one. */
static ui_element *retake(ui_element *parent, const ui_widget *w)
{
    ui_tree *t = parent->tree;
    ui_element *g = gkey_get(t, w->key);
    if (!g) return NULL;
    if (g->life == UI_ACTIVE && g->claimed == t->frame_no) duplicate(g->cls, w->cls, w->key);
    if (g->cls != w->cls) return NULL; /* a new element; the old one must go this frame */
#ifdef RT_CHECKS
    for (const ui_element *a = parent; a; a = a->parent)
        if (a == g)
            rt_die("ui_tree_frame",
                   "global key '%s' of '%s' is used again below itself: a widget cannot be "
                   "its own descendant",
                   key_text(w->key), w->cls->name);
#endif
    if (g->life == UI_ACTIVE) {
        take_from_parent(g);
    } else if (g->parent) {
        /* Inside a removed subtree: out of it (its parent is going away). */
        drop_kid(g->parent, g);
        g->parent = NULL;
    } else {
        inactive_remove(t, g);
    }
    g->parent = parent;
    g->moved_frame = t->frame_no;
    set_depth(g, parent->depth + 1);
    activate_tree(g);
    t->dirty_resort = true;
    return g;
}

/* ---- Building ---- */

static ui_element *old_child(const ui_element *p, ui_element *e)
{
    return e && e->parent == p && e->life == UI_ACTIVE ? e : NULL;
}

/* A small map of keyed old children for the middle of update_children. */
typedef struct keyed {
    ui_element **slots;
    size_t cap;
} keyed;

/* A matched entry leaves a tombstone, so keys further along its probe run
 * are still found. */
static ui_element tombstone;
#define TOMB (&tombstone)

static size_t kslot(const keyed *m, ui_key k)
{
    size_t i = ui__key_hash(k) & (m->cap - 1);
    while (m->slots[i] && (m->slots[i] == TOMB || !ui_key_eq(m->slots[i]->key, k)))
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* True when p's children are other elements now (added, removed, moved or
 * replaced); false also when out of memory (the old children stay). */
static bool update_children(ui_element *p, ui_widget *const *ws_in, size_t n_in)
{
    bool changed = false;
    ui_tree *t = p->tree;
    bool was_updating = p->updating;
    p->updating = true;
    p->updated_seq = ++t->update_seq;
    /* Children that could not be made (NULL) are left out: copied only then. */
    bool holes = false;
    for (size_t i = 0; i < n_in; i++)
        holes |= !ws_in[i];
    ui_widget **copy = holes ? rt_malloc(n_in * sizeof *copy) : NULL;
    size_t n = holes ? 0 : n_in;
    for (size_t i = 0; copy && i < n_in; i++)
        if (ws_in[i]) copy[n++] = ws_in[i];
    ui_widget *const *ws = holes ? copy : ws_in;
    ui_element **res = n ? rt_calloc(n, sizeof *res) : NULL;
    ui_element **old = p->kids;
    size_t nold = p->nkids;
    keyed map = {0};
    if ((holes && !copy) || (n && !res)) goto out; /* no memory: keep the old children */
    size_t nt = 0, ot = 0, nb = n, ob = nold;
    for (; nt < nb && ot < ob; nt++, ot++) {
        ui_element *oc = old_child(p, old[ot]);
        if (!oc || !can_update(oc, ws[nt])) break;
        res[nt] = update_child(p, oc, ws[nt]);
    }
    for (; nt < nb && ot < ob; nb--, ob--) {
        ui_element *oc = old_child(p, old[ob - 1]);
        if (!oc || !can_update(oc, ws[nb - 1])) break;
    }
    /* The middle: keyed old children may be matched, unkeyed ones go. */
    if (ot < ob) {
        for (map.cap = 8; map.cap < 2 * (ob - ot); map.cap *= 2) {
        }
        map.slots = rt_calloc(map.cap, sizeof *map.slots);
        for (size_t i = ot; i < ob; i++) {
            ui_element *oc = old_child(p, old[i]);
            if (!oc) continue;
            ui_element **slot =
                map.slots && !ui_key_is_none(oc->key) ? &map.slots[kslot(&map, oc->key)] : NULL;
            if (slot && *slot) {
                UI_CHECK_AT("ui_tree_frame", false,
                            "duplicate key %s among the children of '%s': siblings need "
                            "distinct keys",
                            key_text(oc->key), p->cls->name);
                deactivate_child(oc); /* unchecked builds: the second one goes */
            } else if (slot) {
                *slot = oc;
            } else {
                deactivate_child(oc);
            }
        }
    }
    for (; nt < nb; nt++) {
        ui_element *oc = NULL;
        if (map.slots && !ui_key_is_none(ws[nt]->key)) {
            size_t i = kslot(&map, ws[nt]->key);
            oc = old_child(p, map.slots[i]);
            if (oc && can_update(oc, ws[nt]))
                map.slots[i] = TOMB;
            else
                oc = NULL;
        }
        res[nt] = update_child(p, oc, ws[nt]);
    }
    for (size_t k = 0; nb + k < n; k++)
        res[nb + k] = update_child(p, old_child(p, old[ob + k]), ws[nb + k]);
    for (size_t i = 0; map.slots && i < map.cap; i++) {
        ui_element *oc = map.slots[i] == TOMB ? NULL : old_child(p, map.slots[i]);
        if (oc) deactivate_child(oc);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (res[i]) res[m++] = res[i];
    changed = m != nold || (m && memcmp(res, old, m * sizeof *res) != 0);
    rt_free(p->kids);
    p->kids = res;
    p->nkids = m;
    p->kcap = n;
    res = NULL;
out:
    rt_free(map.slots);
    rt_free(res);
    rt_free(copy);
    p->updating = was_updating;
    return changed;
}

/* A component's one child goes through update_child alone, as Flutter's
 * ComponentElement does: a replaced child is deactivated before its
 * successor is made. */
static void update_single(ui_element *p, const ui_widget *w)
{
    ui_tree *t = p->tree;
    bool was_updating = p->updating;
    p->updating = true;
    p->updated_seq = ++t->update_seq;
    ui_element *old = p->nkids ? old_child(p, p->kids[0]) : NULL;
    ui_element *now = w ? update_child(p, old, w) : NULL;
    if (!w && old) deactivate_child(old);
    if (now && !p->kcap) {
        p->kids = rt_malloc(sizeof *p->kids);
        p->kcap = p->kids ? 1 : 0;
    }
    if (now && p->kcap) {
        p->kids[0] = now;
        p->nkids = 1;
    } else {
        p->nkids = 0; /* no child, or no memory to keep it (it is inactive, then disposed) */
        if (now) deactivate_child(now);
    }
    p->updating = was_updating;
}

/* A render element updated with its old configuration (settled): it lays
 * out again only if its children are other elements now, or a pass-through
 * child changed (no build, no layout: Positioned, Expanded, whose props are
 * their parent's data). Another child that changed lays out itself in
 * place and moves its parent only if its size changes. */
static bool lays_out_again(const ui_element *e, bool others)
{
    for (size_t i = 0; i < e->nkids && !others; i++) {
        const ui_element *k = e->kids[i];
        others = k->needs_layout && !k->cls->build && !k->cls->layout;
    }
    return others;
}

static void rebuild(ui_element *e, const ui_widget *w, bool settled)
{
    ui_tree *t = e->tree;
    const ui_widget_class *c = e->cls;
    if (c->build_in_layout && t->layout_building != e) {
        /* Its build needs the constraints: its layout runs it. */
        e->dirty = false;
        e->layout_rebuild = true;
        ui__mark_needs_layout(e);
        return;
    }
    e->dirty = true; /* set_state from here on asks for nothing more */
    if (e->deps_changed) {
        e->deps_changed = false;
        if (c->did_change_dependencies) c->did_change_dependencies(e);
    }
    t->built++;
    if (!c->build && !settled) ui__mark_needs_layout(e);
    ui_element *saved = t->target;
    t->target = e;
    if (c->build) {
        ui_element *had = e->nkids ? e->kids[0] : NULL;
        ui_widget *child = c->build(&t->b, e);
        e->dirty = false;
        update_single(e, child);
        /* A component is its child's size: it lays out again only when the
         * child is another element or needs it (a StatelessElement's
         * rebuild marks no render object either). */
        ui_element *now = e->nkids ? e->kids[0] : NULL;
        if (now != had || !e->laid_out || (now && now->needs_layout)) ui__mark_needs_layout(e);
    } else {
        e->dirty = false;
        bool others = w && update_children(e, w->children, w->nchildren);
        if (settled && lays_out_again(e, others)) ui__mark_needs_layout(e);
    }
    t->target = saved;
}

void ui__rebuild(ui_element *e, const ui_widget *w)
{
    rebuild(e, w, false);
}

static void claim(ui_element *e)
{
    if (!is_global(e->key)) return;
    if (e->claimed == e->tree->frame_no) duplicate(e->cls, e->cls, e->key);
    e->claimed = e->tree->frame_no;
}

/* A render class updated with props equal to its old ones, as a
 * RenderObject's setters mark nothing for an equal value. Its
 * did_update_widget has run: what it marked stays marked. */
static bool settles(const ui_element *e, const void *prev)
{
    const ui_widget_class *c = e->cls;
    return !c->build && !c->build_in_layout && !c->inherited && e->laid_out && !e->needs_layout &&
           !e->deps_changed && ui__props_equal(c, prev, e->props);
}

/* Flutter's Element.update: new props, did_update_widget, build. */
static void update(ui_element *e, const ui_widget *w)
{
    const ui_widget_class *c = e->cls;
    bool ok;
    void *props = copy_props(c, w, &ok);
    if (!ok) return; /* no memory: it keeps its old configuration */
    void *prev = e->props;
    e->props = props;
    set_widget(e, w);
    if (c->inherited && (!c->update_should_notify || c->update_should_notify(e, prev)))
        ui__notify_dependents(e);
    e->dirty = true;
    if (c->did_update_widget) c->did_update_widget(e, prev);
    bool same = settles(e, prev);
    free_props(c, prev);
    rebuild(e, w, same);
}

static void destroy(ui_element *e);

static ui_element *inflate(ui_element *p, const ui_widget *w)
{
    ui_tree *t = p->tree;
    if (is_global(w->key)) {
        ui_element *g = retake(p, w);
        if (g) return update_child(p, g, w);
    }
    ui_element *e = ui__element_alloc(t);
    if (!e) return NULL;
    e->cls = w->cls;
    e->key = w->key;
    e->parent = p;
    e->depth = p->depth + 1;
    e->life = UI_ACTIVE;
    e->claimed = t->frame_no;
    bool ok;
    e->props = copy_props(w->cls, w, &ok);
    if (ok && w->cls->state_size && !(e->state = rt_calloc(1, w->cls->state_size))) ok = false;
    if (ok && is_global(w->key)) {
        ui_element *prev = gkey_get(t, w->key);
        if (prev && prev->life == UI_ACTIVE) {
            /* Another class holds the key and is still placed: it must leave
             * in this frame, which finalize checks. */
            struct ui_robbed r = {NULL, prev, w->key, 0};
            ok = ui__push(&t->robbed, &t->nrobbed, &t->robbed_cap, sizeof r, &r);
        }
        ok = ok && gkey_put(t, e);
    }
    if (!ok) {
        destroy(e);
        return NULL;
    }
    set_widget(e, w);
    e->dirty = true;
    if (w->cls->init_state) {
        ui_element *saved = t->initing;
        t->initing = e;
        w->cls->init_state(e);
        t->initing = saved;
    }
    if (w->cls->did_change_dependencies) w->cls->did_change_dependencies(e);
    ui__rebuild(e, w);
    return e;
}

/* Flutter's Element.updateChild. */
static ui_element *update_child(ui_element *p, ui_element *old, const ui_widget *w)
{
    if (old) {
        if (is_identical(old, w)) {
            claim(old);
            return old;
        }
        if (can_update(old, w)) {
            claim(old);
            update(old, w);
            return old;
        }
        deactivate_child(old);
    }
    return inflate(p, w);
}

/* ---- The end of the builds: unmount what stayed inactive ---- */

static void destroy(ui_element *e)
{
    ui_tree *t = e->tree;
    if (is_global(e->key)) gkey_remove(t, e);
    ui__forget(t, e);
    ui__deps_drop(e);
    ui__dependents_release(e);
    free_props(e->cls, e->props);
    rt_free(e->state);
    rt_free(e->kids);
    rt_free(e->deps);
    if (e->widget_held) ui__widget_drop(e->widget);
    ui__element_free(t, e);
}

static void unmount_tree(ui_element *e)
{
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->parent == e) unmount_tree(e->kids[i]);
    if (e->cls->dispose) { /* first: dispose may end its own bindings (Flutter's order) */
        e->disposing = true;
        e->cls->dispose(e);
        e->disposing = false;
    }
    ui__bindings_detach(e);
    destroy(e);
}

static int deepest_first(const void *a, const void *b)
{
    const ui_element *x = *(ui_element *const *)a, *y = *(ui_element *const *)b;
    return (y->depth > x->depth) - (y->depth < x->depth);
}

void ui__finalize(ui_tree *t)
{
    t->phase = UI_PHASE_FINALIZE;
    for (size_t i = 0; i < t->nrobbed; i++) {
        const struct ui_robbed *r = &t->robbed[i];
        bool stale = r->parent && r->parent->life == UI_ACTIVE && r->parent->updated_seq <= r->seq;
        if (stale || (r->other && r->other->life == UI_ACTIVE)) {
            /* The key's holder now; it may have gone (no parent then if
             * another class held the key). */
            ui_element *g = gkey_get(t, r->key);
            ui_element *holder = g ? g : r->parent ? r->parent : r->other;
            const ui_widget_class *c = holder->cls;
            duplicate(r->other ? r->other->cls : c, c, r->key);
        }
    }
    t->nrobbed = 0;
    if (t->ninactive > 1) qsort(t->inactive, t->ninactive, sizeof *t->inactive, deepest_first);
    for (size_t i = 0; i < t->ninactive; i++)
        unmount_tree(t->inactive[i]);
    t->ninactive = 0;
    t->phase = UI_PHASE_IDLE;
}

void ui__unmount_all(ui_tree *t)
{
    t->phase = UI_PHASE_FINALIZE;
    ui_element *r = t->root;
    if (r->life == UI_ACTIVE) {
        deactivate_tree(r);
        unmount_tree(r);
    }
    for (size_t i = 0; i < t->ninactive; i++)
        unmount_tree(t->inactive[i]);
    t->ninactive = 0;
    t->phase = UI_PHASE_IDLE;
}

/* Flutter's invokeLayoutCallback with BuildOwner.buildScope: a build inside
 * layout, under the build phase's rules, scoped to e. */
bool ui_build_in_layout(ui_element *e, bool force)
{
    ui_tree *t = e->tree;
    UI_CHECK(e->cls->build_in_layout && t->phase == UI_PHASE_LAYOUT,
             "'%s' is not a build_in_layout class in its layout", e->cls->name);
    if (!force && !e->layout_rebuild) return false;
    e->layout_rebuild = false;
    int phase = t->phase;
    ui_element *saved = t->layout_building;
    t->phase = UI_PHASE_BUILD;
    t->layout_building = e;
    ui__rebuild(e, NULL);
    t->layout_building = saved;
    t->phase = phase;
    /* It is being laid out now: what the build marked is done by its hook. */
    e->needs_layout = false;
    return true;
}
