/* counter.c: Flutter's counter. A tap is an event on the main isolate's
 * queue; its handler calls set_state, and the next frame shows the count. */
#include "panels.h"
#include <islet/ui_devtools.h>

#include <stdio.h>

typedef struct counter_state {
    int taps;
} counter_state;

static void add_tap(void *state, void *ctx)
{
    (void)ctx;
    ((counter_state *)state)->taps++;
}

/* Buttons get their panel as ctx: they exist only while it does. */
static void tap_pressed(void *ctx)
{
    demo_tapped("Tap me");
    ui_set_state(ctx, add_tap, NULL);
}

/* The overlay is the runner's (ui_devtools above the screen). P toggles it
 * too, without this panel knowing: the label names no state. */
static void overlay_pressed(void *ctx)
{
    demo_tapped("overlay");
    ui_devtools_toggle_overlay(ui_element_tree(ctx));
}

static ui_widget *counter_build(ui_build *b, ui_element *e)
{
    counter_state *s = ui_state(e);
    char taps[48];
    snprintf(taps, sizeof taps, "taps: %d", s->taps);
    ui_widget *kids[] = {
        demo_label(b, taps, 18), ui_button(b, ui_key_str("tap"), "Tap me", tap_pressed, e),
        ui_button(b, ui_key_str("overlay"), "Perf overlay (P)", overlay_pressed, e)};
    return ui_row(b, &(ui_flex_props){.cross_align = UI_CENTER, .spacing = 12}, kids, 3);
}

const ui_widget_class counter_panel_class = {
    .name = "CounterPanel", .state_size = sizeof(counter_state), .build = counter_build};

ui_widget *counter_panel(ui_build *b, ui_key key)
{
    return ui_widget_new(b, &counter_panel_class, key, NULL, NULL, 0);
}
