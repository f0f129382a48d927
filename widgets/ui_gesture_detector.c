/* ui_gesture_detector.c: the gesture detector (Flutter's GestureDetector):
 * recognizers for the callbacks it has, entered in each press's arena;
 * hover for the mouse. */
#include "ui_widgets_private.h"

#include <stddef.h>
#include <string.h>

enum { R_TAP, R_SECONDARY, R_DOUBLE, R_LONG, R_VDRAG, R_HDRAG, R_PAN, R_COUNT };

typedef struct gesture_state {
    ui_recognizer r[R_COUNT];
} gesture_state;

static int which_of(ui_element *e, ui_recognizer *r)
{
    gesture_state *s = ui_state(e);
    return (int)(r - s->r);
}

static void call(void (*fn)(void *), void *ctx)
{
    if (fn) fn(ctx);
}

static void call_drag(ui_drag_cb fn, void *ctx, const ui_drag_details *d)
{
    if (fn) fn(ctx, d);
}

static void emit_tap(const ui_gesture_props *p, int which, int what)
{
    if (which == R_SECONDARY) {
        if (what == UI_G_TAP) call(p->on_secondary_tap, p->ctx);
        return;
    }
    switch (what) {
    case UI_G_TAP_DOWN:
        call(p->on_tap_down, p->ctx);
        break;
    case UI_G_TAP_UP:
        call(p->on_tap_up, p->ctx);
        break;
    case UI_G_TAP:
        call(p->on_tap, p->ctx);
        break;
    case UI_G_TAP_CANCEL:
        call(p->on_tap_cancel, p->ctx);
        break;
    default:
        break;
    }
}

static void emit_drag(const ui_gesture_props *p, int which, int what, const ui_drag_details *d)
{
    const ui_drag_cb *cbs = which == R_VDRAG   ? &p->on_vertical_drag_start
                            : which == R_HDRAG ? &p->on_horizontal_drag_start
                                               : &p->on_pan_start;
    if (what == UI_G_DRAG_START) call_drag(cbs[0], p->ctx, d);
    if (what == UI_G_DRAG_UPDATE) call_drag(cbs[1], p->ctx, d);
    if (what == UI_G_DRAG_END) call_drag(cbs[2], p->ctx, d);
    if (what == UI_G_DRAG_CANCEL) call_drag(cbs[2], p->ctx, &(ui_drag_details){0});
}

static void gesture_emit(ui_recognizer *r, int what, const ui_drag_details *d)
{
    ui_element *e = r->owner;
    const ui_gesture_props *p = ui_props(e);
    int which = which_of(e, r);
    if (which <= R_SECONDARY)
        emit_tap(p, which, what);
    else if (which == R_DOUBLE && what == UI_G_DOUBLE_TAP)
        call(p->on_double_tap, p->ctx);
    else if (which == R_LONG && what == UI_G_LONG_PRESS)
        call(p->on_long_press, p->ctx);
    else if (which == R_LONG && what == UI_G_LONG_PRESS_UP)
        call(p->on_long_press_up, p->ctx);
    else if (which >= R_VDRAG)
        emit_drag(p, which, what, d);
}

static void gesture_init(ui_element *e)
{
    static const int types[R_COUNT] = {
        UI_REC_TAP,        UI_REC_TAP,           UI_REC_DOUBLE_TAP,
        UI_REC_LONG_PRESS, UI_REC_VERTICAL_DRAG, UI_REC_HORIZONTAL_DRAG,
        UI_REC_PAN};
    gesture_state *s = ui_state(e);
    for (int i = 0; i < R_COUNT; i++)
        ui_recognizer_init(&s->r[i], types[i],
                           i == R_SECONDARY ? UI_BUTTON_SECONDARY : UI_BUTTON_PRIMARY, e,
                           gesture_emit);
}

static void gesture_dispose(ui_element *e)
{
    gesture_state *s = ui_state(e);
    for (int i = 0; i < R_COUNT; i++)
        ui_recognizer_dispose(&s->r[i]);
}

/* Which recognizers the callbacks ask for. */
static bool wants(const ui_gesture_props *p, int which)
{
    switch (which) {
    case R_TAP:
        return p->on_tap || p->on_tap_down || p->on_tap_up || p->on_tap_cancel;
    case R_SECONDARY:
        return p->on_secondary_tap;
    case R_DOUBLE:
        return p->on_double_tap;
    case R_LONG:
        return p->on_long_press || p->on_long_press_up;
    case R_VDRAG:
        return p->on_vertical_drag_start || p->on_vertical_drag_update || p->on_vertical_drag_end;
    case R_HDRAG:
        return p->on_horizontal_drag_start || p->on_horizontal_drag_update ||
               p->on_horizontal_drag_end;
    default:
        return p->on_pan_start || p->on_pan_update || p->on_pan_end;
    }
}

static void gesture_down(ui_element *e, const ui_pointer_event *ev)
{
    const ui_gesture_props *p = ui_props(e);
    gesture_state *s = ui_state(e);
    for (int i = 0; i < R_COUNT; i++)
        if (wants(p, i)) ui_recognizer_add_pointer(&s->r[i], ev);
}

static bool gesture_pointer(ui_element *e, int kind, float x, float y)
{
    (void)x;
    (void)y;
    const ui_gesture_props *p = ui_props(e);
    if ((kind != UI_POINTER_HOVER && kind != UI_POINTER_EXIT) || !p->on_hover) return false;
    p->on_hover(p->ctx, kind == UI_POINTER_HOVER);
    return true;
}

static int gesture_hit_behavior(const ui_element *e)
{
    const ui_gesture_props *p = ui_props(e);
    if (p->behavior != UI_HIT_DEFAULT) return p->behavior;
    return ui_element_child_count(e) ? UI_HIT_DEFER_TO_CHILD : UI_HIT_TRANSLUCENT;
}

/* Without a child it fills the constraints (0 where they are unbounded). */
static ui_size gesture_layout(ui_element *e, ui_constraints c)
{
    if (ui_element_child_count(e)) return ui__layout_only_child(e, c);
    ui_size s = {c.max_w >= UI_INF ? 0 : c.max_w, c.max_h >= UI_INF ? 0 : c.max_h};
    return ui_constrain(c, s);
}

const ui_widget_class ui_gesture_class = {.name = "GestureDetector",
                                          .props_size = sizeof(ui_gesture_props),
                                          .state_size = sizeof(gesture_state),
                                          .init_state = gesture_init,
                                          .dispose = gesture_dispose,
                                          .layout = gesture_layout,
                                          .pointer = gesture_pointer,
                                          .hit_behavior = gesture_hit_behavior,
                                          .gesture_down = gesture_down};

ui_widget *ui_gesture(ui_build *b, const ui_gesture_props *p, ui_widget *child)
{
    return ui__one(b, &ui_gesture_class, UI_NO_KEY, p, child);
}
