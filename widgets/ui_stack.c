/* ui_stack.c: Stack and Positioned (Flutter's RenderStack).
 *
 * A stack is as big as its biggest non-positioned child (within its
 * constraints; with none, as big as they allow), which it places by its
 * alignment. Positioned children are then laid out against the stack's
 * size: two opposite edges, or an edge and a size, make them tight on that
 * axis. */
#include "ui_widgets_private.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- Positioned ---- */

const ui_widget_class ui_positioned_class = {.name = "Positioned",
                                             .props_size = sizeof(ui_positioned_props)};

ui_widget *ui_positioned(ui_build *b, float left, float top, ui_widget *child)
{
    ui_positioned_props p = {.left = left, .top = top, .set = UI_POS_LEFT | UI_POS_TOP};
    return ui__one(b, &ui_positioned_class, UI_NO_KEY, &p, child);
}

ui_widget *ui_positioned_ex(ui_build *b, const ui_positioned_props *p, ui_widget *child)
{
    ui_positioned_props none = {0}; /* NULL: placed by the stack's alignment */
    return ui__one(b, &ui_positioned_class, UI_NO_KEY, p ? p : &none, child);
}

ui_widget *ui_positioned_fill(ui_build *b, ui_widget *child)
{
    ui_positioned_props p = {.set = UI_POS_LEFT | UI_POS_TOP | UI_POS_RIGHT | UI_POS_BOTTOM};
    return ui__one(b, &ui_positioned_class, UI_NO_KEY, &p, child);
}

static bool is_positioned(ui_element *k)
{
    return ui_element_class(k) == &ui_positioned_class;
}

/* ---- Stack ---- */

static const ui_stack_props default_props = {0};

static const ui_stack_props *props_of(ui_element *e)
{
    const ui_stack_props *p = ui_props(e);
    return p ? p : &default_props;
}

static ui_constraints child_constraints(const ui_stack_props *p, ui_constraints c)
{
    if (p->fit == UI_STACK_EXPAND) {
        float w = c.max_w < UI_INF ? c.max_w : c.min_w, h = c.max_h < UI_INF ? c.max_h : c.min_h;
        return ui_tight(w, h);
    }
    return p->fit == UI_STACK_PASSTHROUGH ? c : ui_loosen(c);
}

/* Flutter's layoutPositionedChild, one axis: the child's min and max, then
 * its offset once its size is known. */
static void positioned_axis(unsigned set, unsigned lo_bit, unsigned hi_bit, unsigned size_bit,
                            float lo, float hi, float size, float room, float *min, float *max)
{
    *min = 0;
    *max = UI_INF;
    if ((set & lo_bit) && (set & hi_bit))
        *min = *max = fmaxf(room - hi - lo, 0);
    else if (set & size_bit)
        *min = *max = fmaxf(size, 0);
}

static float positioned_offset(unsigned set, unsigned lo_bit, unsigned hi_bit, float lo, float hi,
                               float room, float child, float align)
{
    if (set & lo_bit) return lo;
    if (set & hi_bit) return room - hi - child;
    return (room - child) * align;
}

static void lay_positioned(const ui_stack_props *sp, ui_element *k, ui_size me)
{
    const ui_positioned_props *p = ui_props(k);
    unsigned s = p->set;
    ui_constraints kc;
    positioned_axis(s, UI_POS_LEFT, UI_POS_RIGHT, UI_POS_WIDTH, p->left, p->right, p->width, me.w,
                    &kc.min_w, &kc.max_w);
    positioned_axis(s, UI_POS_TOP, UI_POS_BOTTOM, UI_POS_HEIGHT, p->top, p->bottom, p->height, me.h,
                    &kc.min_h, &kc.max_h);
    ui_element *inner = ui_element_child(k, 0);
    ui_size ks = inner ? ui_layout_child(inner, kc) : ui_constrain(kc, (ui_size){0, 0});
    if (inner) ui_position_child(inner, 0, 0);
    ui_set_size(k, ks);
    float x =
        positioned_offset(s, UI_POS_LEFT, UI_POS_RIGHT, p->left, p->right, me.w, ks.w, sp->align_x);
    float y =
        positioned_offset(s, UI_POS_TOP, UI_POS_BOTTOM, p->top, p->bottom, me.h, ks.h, sp->align_y);
    ui_position_child(k, x, y);
}

static ui_size stack_size(const ui_stack_props *p, ui_element *e, ui_constraints c)
{
    size_t n = ui_element_child_count(e);
    ui_constraints kc = child_constraints(p, c);
    bool any = false;
    ui_size me = {c.min_w, c.min_h};
    for (size_t i = 0; i < n; i++) {
        ui_element *k = ui_element_child(e, i);
        if (is_positioned(k)) continue;
        ui_size s = ui_layout_child(k, kc);
        me.w = fmaxf(me.w, s.w);
        me.h = fmaxf(me.h, s.h);
        any = true;
    }
    if (!any) /* only positioned children: as big as allowed (Flutter's biggest) */
        me = (ui_size){c.max_w < UI_INF ? c.max_w : c.min_w, c.max_h < UI_INF ? c.max_h : c.min_h};
    return ui_constrain(c, me);
}

static ui_size stack_layout(ui_element *e, ui_constraints c)
{
    const ui_stack_props *p = props_of(e);
    ui_size me = stack_size(p, e, c);
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *k = ui_element_child(e, i);
        if (is_positioned(k)) {
            lay_positioned(p, k, me);
            continue;
        }
        ui_size s = ui_element_size(k);
        ui_position_child(k, (me.w - s.w) * p->align_x, (me.h - s.h) * p->align_y);
    }
    return me;
}

/* Flutter's Clip.hardEdge, a Stack's default: children are cut to its box. */
static void stack_paint(ui_element *e, void *canvas, float x, float y)
{
    ui_size s = ui_element_size(e);
    if (!props_of(e)->no_clip) ui_canvas_push_clip(canvas, (ui_rect){x, y, s.w, s.h});
}

static void stack_paint_after(ui_element *e, void *canvas)
{
    if (!props_of(e)->no_clip) ui_canvas_pop_clip(canvas);
}

const ui_widget_class ui_stack_class = {.name = "Stack",
                                        .props_size = sizeof(ui_stack_props),
                                        .layout = stack_layout,
                                        .paint = stack_paint,
                                        .paint_after = stack_paint_after};

ui_widget *ui_stack(ui_build *b, ui_widget **children, size_t n)
{
    return ui_widget_new(b, &ui_stack_class, UI_NO_KEY, &default_props, children, n);
}

ui_widget *ui_stack_ex(ui_build *b, const ui_stack_props *p, ui_widget **children, size_t n)
{
    return ui_widget_new(b, &ui_stack_class, UI_NO_KEY, p ? p : &default_props, children, n);
}
