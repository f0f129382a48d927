/* ui_stack.c: Stack and Positioned. */
#include "ui_widgets_private.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- Stack and positioned ---- */

typedef struct positioned_props {
    float left, top;
} positioned_props;

const ui_widget_class ui_positioned_class = {.name = "Positioned",
                                             .props_size = sizeof(positioned_props)};

ui_widget *ui_positioned(ui_build *b, float left, float top, ui_widget *child)
{
    positioned_props p = {left, top};
    return ui__one(b, &ui_positioned_class, UI_NO_KEY, &p, child);
}

static ui_size stack_layout(ui_element *e, ui_constraints c)
{
    ui_size me =
        ui_constrain(c, (ui_size){c.max_w < UI_INF ? c.max_w : 0, c.max_h < UI_INF ? c.max_h : 0});
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *k = ui_element_child(e, i);
        ui_layout_child(k, ui_loosen(c));
        float x = 0, y = 0;
        if (ui_element_class(k) == &ui_positioned_class) {
            const positioned_props *p = ui_props(k);
            x = p->left;
            y = p->top;
        }
        ui_position_child(k, x, y);
    }
    return me;
}

const ui_widget_class ui_stack_class = {.name = "Stack", .layout = stack_layout};

ui_widget *ui_stack(ui_build *b, ui_widget **children, size_t n)
{
    return ui_widget_new(b, &ui_stack_class, UI_NO_KEY, NULL, children, n);
}
