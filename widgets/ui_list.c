/* ui_list.c: a lazily built scrolling list (Flutter's ListView.builder with
 * a fixed item extent): only the items in view exist; items are keyed by
 * index, so their state follows them. A vertical drag recognizer in the
 * press's arena scrolls it (against its items' taps), and a fling goes on
 * with friction on the frame clock. */
#include <islet/ui_anim.h>
#include "ui_tree_private.h"
#include <islet/ui_widgets.h>

#include <math.h>
#include <stddef.h>

typedef struct list_props {
    size_t count;
    float extent;
    ui_item_builder fn;
    void *ctx;
} list_props;

typedef struct list_state {
    float offset;   /* pixels scrolled */
    float viewport; /* height at the last layout */
    size_t first;   /* index of the first built item */
    ui_recognizer drag;
    /* A fling: offset fling_x0 + v (d^t - 1) / ln d at t s, d = FRICTION. */
    ui_anim *fling;
    float fling_x0, fling_v;
    int64_t fling_ns;
    /* The items' widgets of the last build (held copies, for indices
     * held_first on), given again while only the offset changed: Flutter's
     * sliver list builds the items that come into view and leaves the others
     * alone, so they keep their pictures. */
    ui_widget **held;
    size_t held_first, held_n;
} list_state;

/* Flutter's FrictionSimulation drag coefficient for scrolling, and the
 * speed (px/s) under which a fling stops. */
#define FRICTION 0.135
#define FLING_STOP 10.0

static float list_max_offset(const list_props *p, const list_state *s)
{
    float content = p->extent * (float)p->count;
    return content > s->viewport ? content - s->viewport : 0;
}

/* The list is a component (it builds the visible items) wrapped around a
 * viewport render class that places them at their offset. */
typedef struct viewport_props {
    float extent, offset;
    size_t first;
} viewport_props;

static ui_size viewport_layout(ui_element *e, ui_constraints c)
{
    const viewport_props *p = ui_props(e);
    ui_element *list = ui_element_parent(e);
    list_state *s = ui_state(list);
    ui_size me = ui_constrain(c, (ui_size){c.max_w, c.max_h});
    /* The list's offset, not the one it was built with: a scroll within the
     * items it has only lays them out again (their pictures are kept). */
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *k = ui_element_child(e, i);
        ui_layout_child(k, ui_tight(me.w, p->extent));
        ui_position_child(k, 0, roundf((float)(p->first + i) * p->extent - s->offset));
    }
    /* Remember the viewport height for the next build of the list. */
    s->viewport = me.h;
    return me;
}

static void viewport_paint(ui_element *e, void *canvas, float x, float y)
{
    ui_size sz = ui_element_size(e);
    ui_canvas_push_clip(canvas, (ui_rect){x, y, sz.w, sz.h});
}

static void viewport_paint_after(ui_element *e, void *canvas)
{
    (void)e;
    ui_canvas_pop_clip(canvas);
}

static const ui_widget_class viewport_class = {.name = "Viewport",
                                               .props_size = sizeof(viewport_props),
                                               .layout = viewport_layout,
                                               .paint = viewport_paint,
                                               .paint_after = viewport_paint_after};

static void fling_step(list_state *s, float max)
{
    if (!s->fling) return;
    bool running = ui_anim_running(s->fling);
    double t = (double)ui_anim_value(s->fling) * (double)s->fling_ns / 1e9;
    s->offset = s->fling_x0 + (float)(s->fling_v * (pow(FRICTION, t) - 1) / log(FRICTION));
    if (s->offset <= 0 || s->offset >= max) running = false; /* clamped at an end */
    if (!running) {
        ui_anim_free(s->fling);
        s->fling = NULL;
    }
}

static void fling_stop(list_state *s)
{
    ui_anim_free(s->fling);
    s->fling = NULL;
}

/* v in px/s of offset; runs until the speed falls under FLING_STOP. */
static void fling_start(ui_element *e, float v)
{
    list_state *s = ui_state(e);
    fling_stop(s);
    if (fabsf(v) <= FLING_STOP) return;
    double secs = log(FLING_STOP / fabs((double)v)) / log(FRICTION);
    s->fling_ns = (int64_t)(secs * 1e9);
    s->fling_x0 = s->offset;
    s->fling_v = v;
    if ((s->fling = ui_anim_new(e, s->fling_ns, ui_curve_linear, false))) ui_anim_start(s->fling);
}

static void drop_held(list_state *s)
{
    for (size_t i = 0; i < s->held_n; i++)
        ui__widget_drop(s->held[i]);
    rt_free(s->held);
    s->held = NULL;
    s->held_n = 0;
}

static ui_widget *list_build(ui_build *b, ui_element *e)
{
    const list_props *p = ui_props(e);
    list_state *s = ui_state(e);
    if (s->viewport <= 0) {
        float w, h;
        ui_tree_size(ui_element_tree(e), &w, &h);
        s->viewport = h;
    }
    float max = list_max_offset(p, s);
    fling_step(s, max);
    if (s->offset > max) s->offset = max;
    if (s->offset < 0) s->offset = 0;
    size_t first = p->extent > 0 ? (size_t)(s->offset / p->extent) : 0;
    size_t last = p->extent > 0 ? (size_t)((s->offset + s->viewport) / p->extent) + 1 : 0;
    if (last > p->count) last = p->count;
    if (first > last) first = last;
    size_t n = last - first;
    ui_widget **kids = n ? ui_alloc(b, n * sizeof *kids) : NULL;
    ui_widget **held = n ? rt_calloc(n, sizeof *held) : NULL; /* NULL: hold none */
    for (size_t i = 0; i < n; i++) {
        size_t at = first + i;
        ui_widget **had = held && at >= s->held_first && at - s->held_first < s->held_n
                              ? &s->held[at - s->held_first]
                              : NULL;
        if (had && *had) { /* in view before, unchanged: the same widget */
            kids[i] = held[i] = *had;
            *had = NULL;
            continue;
        }
        /* Each item is a repaint boundary (Flutter's ListView adds one per
         * item): scrolling composites the pictures it has. */
        ui_widget *item = p->fn(b, at, p->ctx);
        kids[i] = item ? ui_repaint_boundary(b, item) : NULL;
        if (kids[i]) kids[i]->key = ui_key_int((int64_t)at);
        if (held && kids[i] && (held[i] = ui__widget_hold(kids[i]))) kids[i] = held[i];
    }
    drop_held(s);
    s->held = held;
    s->held_first = first;
    s->held_n = held ? n : 0;
    s->first = first;
    viewport_props vp = {p->extent, s->offset, first};
    return ui_widget_new(b, &viewport_class, UI_NO_KEY, &vp, kids, n);
}

static void scroll_to(void *state, void *ctx)
{
    list_state *s = state;
    s->offset += *(float *)ctx;
}

void ui_list_scroll_by(ui_element *list, float dy)
{
    const list_props *p = ui_props(list);
    list_state *s = ui_state(list);
    fling_stop(s);
    float target = s->offset + dy, max = list_max_offset(p, s);
    if (target < 0) target = 0;
    if (target > max) target = max;
    float delta = target - s->offset;
    if (delta == 0) return;
    /* The same items in view: move them (a relayout), build nothing. */
    ui_element *vp = ui_element_child_count(list) ? ui_element_child(list, 0) : NULL;
    size_t built = vp ? ui_element_child_count(vp) : 0;
    if (vp && p->extent > 0 && !s->fling) {
        size_t first = (size_t)(target / p->extent);
        size_t last = (size_t)((target + s->viewport) / p->extent) + 1;
        if (last > p->count) last = p->count;
        if (first == s->first && last - first == built) {
            s->offset = target;
            ui__mark_needs_layout(vp);
            ui__schedule_frame(ui_element_tree(list));
            return;
        }
    }
    ui_set_state(list, scroll_to, &delta);
}

float ui_list_offset(const ui_element *list)
{
    return ((const list_state *)ui_state((ui_element *)list))->offset;
}

static void list_emit(ui_recognizer *r, int what, const ui_drag_details *d)
{
    ui_element *e = r->owner;
    list_state *s = ui_state(e);
    if (what == UI_G_DRAG_START) fling_stop(s);
    if (what == UI_G_DRAG_UPDATE) ui_list_scroll_by(e, -d->dy);
    if (what == UI_G_DRAG_END) fling_start(e, -d->vy);
}

static void list_init(ui_element *e)
{
    list_state *s = ui_state(e);
    ui_recognizer_init(&s->drag, UI_REC_VERTICAL_DRAG, UI_BUTTON_PRIMARY, e, list_emit);
}

static void list_dispose(ui_element *e)
{
    list_state *s = ui_state(e);
    ui_recognizer_dispose(&s->drag);
    fling_stop(s);
    drop_held(s);
}

/* A new widget or new dependencies: every item builds again. */
static void list_did_update(ui_element *e, const void *old)
{
    (void)old;
    drop_held(ui_state(e));
}

static void list_deps_changed(ui_element *e)
{
    drop_held(ui_state(e));
}

static void list_gesture_down(ui_element *e, const ui_pointer_event *ev)
{
    list_state *s = ui_state(e);
    ui_recognizer_add_pointer(&s->drag, ev);
}

static bool list_wheel(ui_element *e, float dy)
{
    ui_list_scroll_by(e, dy);
    return true;
}

const ui_widget_class ui_list_class = {.name = "ListView",
                                       .props_size = sizeof(list_props),
                                       .state_size = sizeof(list_state),
                                       .build = list_build,
                                       .init_state = list_init,
                                       .did_update_widget = list_did_update,
                                       .did_change_dependencies = list_deps_changed,
                                       .dispose = list_dispose,
                                       .gesture_down = list_gesture_down,
                                       .wheel = list_wheel};

ui_widget *ui_list(ui_build *b, ui_key key, size_t count, float item_extent, ui_item_builder fn,
                   void *ctx)
{
    list_props p = {count, item_extent, fn, ctx};
    return ui_widget_new(b, &ui_list_class, key, &p, NULL, 0);
}
