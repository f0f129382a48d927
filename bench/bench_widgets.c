/* bench_widgets: the widget layer. JSON lines, medians of 5 runs. */
#include "bench_util.h"
#include "ui_text_field.h"
#include "ui_widgets.h"

#include <stdio.h>
#include <string.h>

/* ---- A tree of n leaves under one stateful counter leaf ---- */

typedef struct leaf_state {
    int n;
} leaf_state;

static ui_element *hot_leaf;

static ui_widget *leaf_build(ui_build *b, ui_element *e)
{
    hot_leaf = e;
    (void)b;
    return NULL;
}

static const ui_widget_class leaf_class = {
    .name = "Leaf", .state_size = sizeof(leaf_state), .build = leaf_build};

static size_t tree_n;

static ui_widget *wide_tree(ui_build *b, void *ctx)
{
    (void)ctx;
    /* Rows of 100 sized boxes; the stateful leaf sits in the middle. */
    size_t rows = tree_n / 100 ? tree_n / 100 : 1;
    ui_widget **r = ui_alloc(b, rows * sizeof *r);
    for (size_t i = 0; i < rows; i++) {
        ui_widget *kids[100];
        for (int k = 0; k < 100; k++)
            kids[k] = (i == rows / 2 && k == 50) ? ui_widget_new(b, &leaf_class, 0, NULL, NULL, 0)
                                                 : ui_sized(b, 2, 2, NULL);
        r[i] = ui_row(b, NULL, kids, 100);
    }
    return ui_column(b, NULL, r, rows);
}

static void bump(void *s, void *ctx)
{
    (void)ctx;
    ((leaf_state *)s)->n++;
}

static double rebuild_leaf(size_t n)
{
    tree_n = n;
    ui_tree *t = ui_tree_new(1000, 1000, NULL);
    ui_tree_set_root(t, wide_tree, NULL);
    ui_tree_frame(t);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 1000; i++) {
        ui_set_state(hot_leaf, bump, NULL);
        ui_tree_frame(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 1000;
    ui_tree_free(t);
    run_main();
    return us;
}

static double bench_rebuild_100(void)
{
    return rebuild_leaf(100);
}

static double bench_rebuild_10000(void)
{
    return rebuild_leaf(10000);
}

static double bench_build_layout_1000(void)
{
    tree_n = 1000;
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 50; i++) {
        ui_tree *t = ui_tree_new(1000, 1000, NULL);
        ui_tree_set_root(t, wide_tree, NULL);
        ui_tree_frame(t);
        ui_tree_free(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 50;
    run_main();
    return us;
}

/* ---- 1,000 cached labels painted on the software renderer ---- */

static ui_widget *labels(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *rows[40];
    for (int r = 0; r < 40; r++) {
        ui_widget *kids[25];
        for (int k = 0; k < 25; k++) {
            char s[16];
            snprintf(s, sizeof s, "L%d", r * 25 + k);
            kids[k] = ui_text(b, ui_strdup(b, s), 10, (ui_color){0, 0, 0, 255});
        }
        rows[r] = ui_row(b, NULL, kids, 25);
    }
    return ui_column(b, NULL, rows, 40);
}

static double bench_frame_text_1000(void)
{
    ui_canvas *c = ui_canvas_new_offscreen(1200, 800, 1);
    ui_tree *t = ui_tree_new(1200, 800, c);
    ui_tree_set_root(t, labels, NULL);
    ui_tree_frame(t); /* the first frame renders each label once */
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 20; i++) {
        ui_tree_set_root(t, labels, NULL); /* a full rebuild, same strings */
        ui_tree_frame(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 20;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

/* ---- Scrolling a list: cost per frame for 1,000 vs 100,000 items ---- */

static ui_widget *row_item(ui_build *b, size_t i, void *ctx)
{
    (void)ctx;
    (void)i;
    ui_box_props p = {.width = -1, .height = -1, .color = {200, 200, 255, 255}};
    return ui_box(b, &p, NULL);
}

static size_t list_n;

static ui_widget *list_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_list(b, 0, list_n, 24, row_item, NULL);
}

static double scroll_frame(size_t n)
{
    list_n = n;
    ui_canvas *c = ui_canvas_new_offscreen(400, 600, 1);
    ui_tree *t = ui_tree_new(400, 600, c);
    ui_tree_set_root(t, list_app, NULL);
    ui_tree_frame(t);
    ui_element *list = ui_tree_root(t);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 500; i++) {
        ui_list_scroll_by(list, 7);
        ui_tree_frame(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 500;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

static double bench_scroll_1k(void)
{
    return scroll_frame(1000);
}

static double bench_scroll_100k(void)
{
    return scroll_frame(100000);
}

/* ---- A press in a text field: placing the cursor in 4 KiB of text ---- */

static char field_text[UI_TEXT_FIELD_MAX + 1];

static ui_widget *field_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_text_field(b, 0, &(ui_text_field_props){.initial = field_text});
}

static double bench_text_field_press_4k(void)
{
    for (int i = 0; i < UI_TEXT_FIELD_MAX; i++)
        field_text[i] = (char)('a' + i % 26);
    ui_canvas *c = ui_canvas_new_offscreen(400, 60, 1);
    ui_tree *t = ui_tree_new(400, 60, c);
    ui_tree_set_root(t, field_app, NULL);
    ui_tree_frame(t);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 50; i++) { /* presses across the visible end of the text */
        ui_tree_pointer(t, UI_POINTER_DOWN, 20 + (float)(i * 7 % 360), 20);
        ui_tree_pointer(t, UI_POINTER_UP, 20 + (float)(i * 7 % 360), 20);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 50;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

/* A frame that repaints a 4 KiB text field while something else changes
 * (an animation elsewhere repaints the whole screen). */
static ui_widget *field_and_leaf(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {field_app(b, NULL), ui_widget_new(b, &leaf_class, 0, NULL, NULL, 0)};
    return ui_column(b, NULL, kids, 2);
}

static double bench_text_field_frame_4k(void)
{
    for (int i = 0; i < UI_TEXT_FIELD_MAX; i++)
        field_text[i] = (char)('a' + i % 26);
    ui_canvas *c = ui_canvas_new_offscreen(400, 100, 1);
    ui_tree *t = ui_tree_new(400, 100, c);
    ui_tree_set_root(t, field_and_leaf, NULL);
    ui_tree_frame(t);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 100; i++) {
        ui_set_state(hot_leaf, bump, NULL);
        ui_tree_frame(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 100;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

int main(int argc, char **argv)
{
    static const bench_case all[] = {
        {"rebuild_leaf_100", "us", bench_rebuild_100, RUNS},
        {"rebuild_leaf_10000", "us", bench_rebuild_10000, RUNS},
        {"build_layout_1000", "us", bench_build_layout_1000, RUNS},
        {"frame_text_1000", "us", bench_frame_text_1000, RUNS},
        {"scroll_frame_1k", "us", bench_scroll_1k, RUNS},
        {"scroll_frame_100k", "us", bench_scroll_100k, RUNS},
        {"text_field_press_4k", "us", bench_text_field_press_4k, RUNS},
        {"text_field_frame_4k", "us", bench_text_field_frame_4k, RUNS},
    };
    return bench_main("bench_widgets", argc, argv, all, sizeof all / sizeof all[0]);
}
