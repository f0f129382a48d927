/* islet_counter: a counter on the app runner, which gives it the standard
 * flags (--help), the keys, the performance overlay (P), the tree dump (D),
 * frame statistics, the trace and screenshots. */
#include <islet/ui_app.h>
#include <islet/ui_widgets.h>

#include <stdio.h>

static void increment(void *count, void *ctx)
{
    (void)ctx;
    ++*(int *)count;
}

static void pressed(void *element)
{
    ui_set_state(element, increment, NULL);
}

/* The state of a Counter element is its count. */
static ui_widget *build(ui_build *b, ui_element *e)
{
    char label[32];
    snprintf(label, sizeof label, "count: %d", *(int *)ui_state(e));
    ui_widget *kids[] = {ui_text(b, ui_strdup(b, label), 24, (ui_color){0, 0, 0, 255}),
                         ui_button(b, ui_key_str("plus"), "+", pressed, e)};
    ui_flex_props p = {.main_align = UI_CENTER, .cross_align = UI_CENTER, .spacing = 12};
    return ui_column(b, &p, kids, 2);
}

static const ui_widget_class counter = {
    .name = "Counter", .state_size = sizeof(int), .build = build};

static ui_widget *root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &counter, UI_NO_KEY, NULL, NULL, 0);
}

int main(int argc, char **argv)
{
    return ui_app_run(argc, argv, &(ui_app){.name = "islet_counter", .root = root});
}
