/* ui_list.c: a lazily built scrolling list (Flutter's ListView.builder with
 * a fixed item extent): only the items in view exist; items are keyed by
 * index, so their state follows them. */
#include "ui_widgets.h"

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
    bool dragging;
    float last_y;
} list_state;

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
    ui_size me = ui_constrain(c, (ui_size){c.max_w, c.max_h});
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *k = ui_element_child(e, i);
        ui_layout_child(k, ui_tight(me.w, p->extent));
        ui_position_child(k, 0, roundf((float)(p->first + i) * p->extent - p->offset));
    }
    /* Remember the viewport height for the next build of the list. */
    ui_element *list = ui_element_parent(e);
    list_state *s = ui_state(list);
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
    if (s->offset > max) s->offset = max;
    if (s->offset < 0) s->offset = 0;
    size_t first = p->extent > 0 ? (size_t)(s->offset / p->extent) : 0;
    size_t last = p->extent > 0 ? (size_t)((s->offset + s->viewport) / p->extent) + 1 : 0;
    if (last > p->count) last = p->count;
    if (first > last) first = last;
    size_t n = last - first;
    ui_widget **kids = n ? ui_alloc(b, n * sizeof *kids) : NULL;
    for (size_t i = 0; i < n; i++) {
        kids[i] = p->fn(b, first + i, p->ctx);
        if (kids[i]) kids[i]->key = ui_key_int((int64_t)(first + i));
    }
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
    float target = s->offset + dy, max = list_max_offset(p, s);
    if (target < 0) target = 0;
    if (target > max) target = max;
    float delta = target - s->offset;
    if (delta != 0) ui_set_state(list, scroll_to, &delta);
}

float ui_list_offset(const ui_element *list)
{
    return ((const list_state *)ui_state((ui_element *)list))->offset;
}

/* Dragging scrolls when nothing inside took the pointer. */
static bool list_pointer(ui_element *e, int kind, float x, float y)
{
    (void)x;
    list_state *s = ui_state(e);
    if (kind == UI_POINTER_DOWN) {
        s->dragging = true;
        s->last_y = y;
        return true;
    }
    if (kind == UI_POINTER_MOVE && s->dragging) {
        ui_list_scroll_by(e, s->last_y - y);
        s->last_y = y;
        return true;
    }
    s->dragging = false;
    return false;
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
                                       .pointer = list_pointer,
                                       .wheel = list_wheel};

ui_widget *ui_list(ui_build *b, ui_key key, size_t count, float item_extent, ui_item_builder fn,
                   void *ctx)
{
    list_props p = {count, item_extent, fn, ctx};
    return ui_widget_new(b, &ui_list_class, key, &p, NULL, 0);
}
