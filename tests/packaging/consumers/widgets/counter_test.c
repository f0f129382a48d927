/* counter_test.c: an out-of-tree program's headless UI test, built against
 * an installed Islet (CMake's find_package and pkg-config both build it):
 * a counter widget, driven by islet-testing's tester on virtual time. It
 * taps "+" twice and checks the text. Exit status 0 when all is well. */
#include <islet.h>

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void increment(void *count, void *ctx)
{
    (void)ctx;
    ++*(int *)count;
}

static void pressed(void *element)
{
    ui_set_state(element, increment, NULL);
}

static ui_widget *build(ui_build *b, ui_element *e)
{
    char label[32];
    snprintf(label, sizeof label, "count: %d", *(int *)ui_state(e));
    ui_widget *kids[] = {ui_text(b, ui_strdup(b, label), 20, (ui_color){0, 0, 0, 255}),
                         ui_button(b, ui_key_str("plus"), "+", pressed, e)};
    ui_flex_props p = {.main_align = UI_CENTER, .cross_align = UI_CENTER, .spacing = 8};
    return ui_column(b, &p, kids, 2);
}

static const ui_widget_class counter = {
    .name = "Counter", .state_size = sizeof(int), .build = build};

static ui_widget *root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &counter, UI_NO_KEY, NULL, NULL, 0);
}

int main(void)
{
    printf("compiled against Islet %s (%d.%d.%d), running %s\n", ISLET_VERSION_STRING,
           ISLET_VERSION_MAJOR, ISLET_VERSION_MINOR, ISLET_VERSION_PATCH, islet_version());
    CHECK(strcmp(islet_version(), ISLET_VERSION_STRING) == 0);
    CHECK(ISLET_VERSION >= ISLET_VERSION_NUM(0, 3, 0));

    rt_virtual_clock vc;
    rt_virtual_clock_init(&vc);
    rt_main_enter(&(rt_isolate_options){.clock = &vc.clock});
    ui_tester *t = ui_tester_new(240, 160, &vc);
    CHECK(t != NULL);
    ui_tester_pump_widget(t, root, NULL);
    CHECK(ui_count_text(t, "count: 0") == 1);
    ui_tester_tap(t, ui_find_key(t, ui_key_str("plus")));
    ui_tester_tap(t, ui_find_text(t, "+"));
    CHECK(ui_count_text(t, "count: 2") == 1);
    CHECK(ui_tester_pump_and_settle(t, RT_SEC(1)));
    CHECK(ui_tester_free(t));
    rt_main_leave();
    CHECK(rt_isolate_count() == 0);

    printf("%s\n", failures ? "counter_test: FAILED" : "counter_test: tapped + twice, count: 2");
    return failures != 0;
}
