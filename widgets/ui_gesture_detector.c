/* ui_gesture_detector.c: the gesture detector. */
#include "ui_widgets_private.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- Gestures: tap = down and up inside, cancelled beyond the slop ---- */

typedef struct gesture_state {
    bool tracking;
    float x0, y0;
} gesture_state;

static bool gesture_pointer(ui_element *e, int kind, float x, float y)
{
    const ui_gesture_props *p = ui_props(e);
    gesture_state *s = ui_state(e);
    switch (kind) {
    case UI_POINTER_DOWN:
        *s = (gesture_state){true, x, y};
        if (p->on_tap_down) p->on_tap_down(p->ctx);
        return true;
    case UI_POINTER_MOVE:
        if (s->tracking && hypotf(x - s->x0, y - s->y0) > UI_TAP_SLOP) {
            s->tracking = false;
            if (p->on_tap_cancel) p->on_tap_cancel(p->ctx);
        }
        return s->tracking;
    case UI_POINTER_UP:
        if (s->tracking) {
            s->tracking = false;
            if (p->on_tap) p->on_tap(p->ctx);
            return true;
        }
        return false;
    case UI_POINTER_HOVER:
    case UI_POINTER_EXIT:
        if (!p->on_hover) return false;
        p->on_hover(p->ctx, kind == UI_POINTER_HOVER);
        return true;
    default:
        if (s->tracking && p->on_tap_cancel) p->on_tap_cancel(p->ctx);
        s->tracking = false;
        return false;
    }
}

const ui_widget_class ui_gesture_class = {.name = "GestureDetector",
                                          .props_size = sizeof(ui_gesture_props),
                                          .state_size = sizeof(gesture_state),
                                          .pointer = gesture_pointer};

ui_widget *ui_gesture(ui_build *b, const ui_gesture_props *p, ui_widget *child)
{
    return ui__one(b, &ui_gesture_class, UI_NO_KEY, p, child);
}
