/* counter_widget.h: the counter the widget tests share: a label
 * "count: N" and a "+" button (key "plus") whose tap calls set_state, on a
 * white background. Include it once per test program. */
#ifndef COUNTER_WIDGET_H
#define COUNTER_WIDGET_H

#include <islet/ui_widgets.h>

#include <stdio.h>

typedef struct counter_state {
    int count;
} counter_state;

static void counter_increment(void *state, void *ctx)
{
    (void)ctx;
    ((counter_state *)state)->count++;
}

static void counter_pressed(void *element)
{
    ui_set_state(element, counter_increment, NULL);
}

static ui_widget *counter_build(ui_build *b, ui_element *e)
{
    counter_state *s = ui_state(e);
    char label[32];
    snprintf(label, sizeof label, "count: %d", s->count);
    ui_widget *kids[] = {ui_text(b, ui_strdup(b, label), 20, (ui_color){0, 0, 0, 255}),
                         ui_button(b, ui_key_str("plus"), "+", counter_pressed, e)};
    ui_flex_props p = {.main_align = UI_CENTER, .cross_align = UI_CENTER, .spacing = 8};
    ui_box_props bg = {.width = -1, .height = -1, .color = {255, 255, 255, 255}};
    return ui_box(b, &bg, ui_column(b, &p, kids, 2));
}

static const ui_widget_class counter_class = {
    .name = "Counter", .state_size = sizeof(counter_state), .build = counter_build};

static ui_widget *counter_widget(ui_build *b)
{
    return ui_widget_new(b, &counter_class, UI_NO_KEY, NULL, NULL, 0);
}

#endif
