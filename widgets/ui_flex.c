/* ui_flex.c: rows, columns, Expanded and Flexible (Flutter's Flex). */
#include "ui_widgets_private.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- Rows and columns ---- */

typedef struct expanded_props {
    int flex;
    bool loose; /* Flexible: at most the share */
} expanded_props;

const ui_widget_class ui_expanded_class = {.name = "Expanded",
                                           .props_size = sizeof(expanded_props)};

ui_widget *ui_expanded(ui_build *b, int flex, ui_widget *child)
{
    expanded_props p = {flex > 0 ? flex : 1, false};
    return ui__one(b, &ui_expanded_class, UI_NO_KEY, &p, child);
}

ui_widget *ui_flexible(ui_build *b, int flex, ui_widget *child)
{
    expanded_props p = {flex > 0 ? flex : 1, true};
    return ui__one(b, &ui_expanded_class, UI_NO_KEY, &p, child);
}

static int flex_of(ui_element *e)
{
    return ui_element_class(e) == &ui_expanded_class ? ((const expanded_props *)ui_props(e))->flex
                                                     : 0;
}

/* Main axis and cross axis views of sizes and constraints. */
static float main_of(bool hz, ui_size s)
{
    return hz ? s.w : s.h;
}
static float cross_of(bool hz, ui_size s)
{
    return hz ? s.h : s.w;
}

static ui_constraints axis_constraints(bool hz, float main_min, float main_max, float cross_min,
                                       float cross_max)
{
    return hz ? (ui_constraints){main_min, main_max, cross_min, cross_max}
              : (ui_constraints){cross_min, cross_max, main_min, main_max};
}

static ui_size flex_layout(ui_element *e, ui_constraints c)
{
    const ui_flex_props *p = ui_props(e);
    bool hz = p->horizontal;
    size_t n = ui_element_child_count(e);
    float max_main = hz ? c.max_w : c.max_h, max_cross = hz ? c.max_h : c.max_w;
    float min_cross = p->cross_align == UI_STRETCH ? max_cross : 0;
    float used = p->spacing * (n ? (float)(n - 1) : 0), cross = 0;
    int total_flex = 0;
    /* Fixed children first, with unbounded main axis. */
    for (size_t i = 0; i < n; i++) {
        ui_element *k = ui_element_child(e, i);
        if (flex_of(k)) {
            total_flex += flex_of(k);
            continue;
        }
        ui_size s = ui_layout_child(k, axis_constraints(hz, 0, UI_INF, min_cross, max_cross));
        used += main_of(hz, s);
        cross = fmaxf(cross, cross_of(hz, s));
    }
    /* Then flexible ones share what is left. */
    float left = max_main < UI_INF ? fmaxf(max_main - used, 0) : 0;
    for (size_t i = 0; i < n; i++) {
        ui_element *k = ui_element_child(e, i);
        int f = flex_of(k);
        if (!f) continue;
        float share = total_flex ? floorf(left * (float)f / (float)total_flex) : 0;
        ui_element *inner = ui_element_child(k, 0);
        bool loose = ((const expanded_props *)ui_props(k))->loose;
        ui_constraints kc = axis_constraints(hz, loose ? 0 : share, share, min_cross, max_cross);
        ui_size s = inner ? ui_layout_child(inner, kc) : ui_constrain(kc, (ui_size){0, 0});
        if (inner) ui_position_child(inner, 0, 0);
        ui_set_size(k, s);
        used += main_of(hz, s);
        cross = fmaxf(cross, cross_of(hz, s));
    }
    float main_size = (p->main_align == UI_START || max_main >= UI_INF) ? used : max_main;
    if (p->main_align != UI_START && max_main < UI_INF) main_size = max_main;
    ui_size me = ui_constrain(c, hz ? (ui_size){main_size, cross} : (ui_size){cross, main_size});
    float free_space = fmaxf(main_of(hz, me) - used, 0), pos = 0, gap = p->spacing;
    if (p->main_align == UI_CENTER)
        pos = free_space / 2;
    else if (p->main_align == UI_END)
        pos = free_space;
    else if (p->main_align == UI_SPACE_BETWEEN && n > 1)
        gap += free_space / (float)(n - 1);
    for (size_t i = 0; i < n; i++) {
        ui_element *k = ui_element_child(e, i);
        ui_size ks = ui_element_size(k);
        float cpos = 0, room = cross_of(hz, me) - cross_of(hz, ks);
        if (p->cross_align == UI_CENTER)
            cpos = room / 2;
        else if (p->cross_align == UI_END)
            cpos = room;
        if (hz)
            ui_position_child(k, roundf(pos), roundf(cpos));
        else
            ui_position_child(k, roundf(cpos), roundf(pos));
        pos += main_of(hz, ks) + gap;
    }
    return me;
}

const ui_widget_class ui_flex_class = {
    .name = "Flex", .props_size = sizeof(ui_flex_props), .layout = flex_layout};

static ui_widget *flex(ui_build *b, const ui_flex_props *p, bool hz, ui_widget **kids, size_t n)
{
    ui_flex_props q = p ? *p : (ui_flex_props){0};
    q.horizontal = hz;
    return ui_widget_new(b, &ui_flex_class, UI_NO_KEY, &q, kids, n);
}

ui_widget *ui_column(ui_build *b, const ui_flex_props *p, ui_widget **children, size_t n)
{
    return flex(b, p, false, children, n);
}

ui_widget *ui_row(ui_build *b, const ui_flex_props *p, ui_widget **children, size_t n)
{
    return flex(b, p, true, children, n);
}
