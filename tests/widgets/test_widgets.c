/* test_widgets.c: layout of boxes, rows, columns and center against exact
 * rects; taps and the slop; a counter driven by taps. No canvas: text is
 * measured by the deterministic estimate. */
#include "counter_widget.h"
#include "test_support.h"
#include <islet/ui_widgets.h>

#include <stdio.h>
#include <string.h>

static ui_tree *tree;
static ui_widget *(*root_builder)(ui_build *b);

static ui_widget *root_fn(ui_build *b, void *ctx)
{
    (void)ctx;
    return root_builder(b);
}

static void begin(float w, float h, ui_widget *(*fn)(ui_build *b))
{
    ts_main_enter(NULL);
    tree = ui_tree_new(w, h, NULL);
    root_builder = fn;
    ui_tree_set_root(tree, root_fn, NULL);
    assert_true(ui_tree_frame(tree));
}

static void end(void)
{
    ui_tree_free(tree);
    ts_main_leave();
}

static void expect_rect(ui_element *e, float x, float y, float w, float h)
{
    float ex, ey, ew, eh;
    ui_element_rect(e, &ex, &ey, &ew, &eh);
    if (ex != x || ey != y || ew != w || eh != h)
        fail_msg("%s at (%g,%g %gx%g), expected (%g,%g %gx%g)", ui_element_class(e)->name, ex, ey,
                 ew, eh, x, y, w, h);
}

static ui_element *kid(ui_element *e, size_t i)
{
    return ui_element_child(e, i);
}

/* ---- Column with a flexible child ---- */

static ui_widget *column_tree(ui_build *b)
{
    ui_box_props fill = {.width = -1, .height = -1, .color = {255, 0, 0, 255}};
    ui_widget *kids[] = {ui_sized(b, 100, 50, NULL), ui_expanded(b, 1, ui_box(b, &fill, NULL)),
                         ui_sized(b, 80, 30, NULL)};
    return ui_column(b, NULL, kids, 3);
}

static void test_column_with_expanded(void **state)
{
    (void)state;
    begin(400, 300, column_tree);
    ui_element *col = ui_tree_root(tree);
    expect_rect(col, 0, 0, 400, 300);
    expect_rect(kid(col, 0), 0, 0, 100, 50);
    expect_rect(kid(col, 1), 0, 50, 0, 220); /* the rest of the height */
    expect_rect(kid(col, 2), 0, 270, 80, 30);
    end();
}

/* ---- Row: main and cross alignment ---- */

static ui_widget *row_centered(ui_build *b)
{
    ui_flex_props p = {.main_align = UI_CENTER, .cross_align = UI_CENTER};
    ui_widget *kids[] = {ui_sized(b, 50, 20, NULL), ui_sized(b, 30, 40, NULL)};
    return ui_row(b, &p, kids, 2);
}

static void test_row_centered(void **state)
{
    (void)state;
    begin(400, 100, row_centered);
    ui_element *row = ui_tree_root(tree);
    expect_rect(kid(row, 0), 160, 40, 50, 20);
    expect_rect(kid(row, 1), 210, 30, 30, 40);
    end();
}

static ui_widget *row_between(ui_build *b)
{
    ui_flex_props p = {.main_align = UI_SPACE_BETWEEN, .cross_align = UI_END};
    ui_widget *kids[] = {ui_sized(b, 10, 10, NULL), ui_sized(b, 10, 20, NULL),
                         ui_sized(b, 10, 10, NULL)};
    return ui_row(b, &p, kids, 3);
}

static void test_row_space_between(void **state)
{
    (void)state;
    begin(100, 50, row_between);
    ui_element *row = ui_tree_root(tree);
    expect_rect(kid(row, 0), 0, 40, 10, 10);
    expect_rect(kid(row, 1), 45, 30, 10, 20);
    expect_rect(kid(row, 2), 90, 40, 10, 10);
    end();
}

/* ---- Align, and Flexible next to Expanded ---- */

static ui_widget *aligned(ui_build *b)
{
    ui_widget *kids[] = {ui_flexible(b, 1, ui_sized(b, 30, 10, NULL)),
                         ui_expanded(b, 1, ui_sized(b, -1, 10, NULL))};
    ui_widget *row = ui_sized(b, 200, 10, ui_row(b, NULL, kids, 2));
    return ui_align(b, 1, 0, row);
}

static void test_align_and_flexible(void **state)
{
    (void)state;
    begin(400, 100, aligned);
    ui_element *box = kid(ui_tree_root(tree), 0);
    expect_rect(box, 200, 0, 200, 10); /* right-aligned, top */
    ui_element *row = kid(box, 0);
    expect_rect(kid(kid(row, 0), 0), 200, 0, 30, 10);  /* flexible: its own 30 of a 100 share */
    expect_rect(kid(kid(row, 1), 0), 230, 0, 100, 10); /* expanded: its whole 100, right after */
    end();
}

/* ---- Center and padding ---- */

static ui_widget *centered_padding(ui_build *b)
{
    return ui_center(b, ui_padding(b, 10, ui_sized(b, 50, 20, NULL)));
}

static void test_center_and_padding(void **state)
{
    (void)state;
    begin(400, 300, centered_padding);
    ui_element *pad = kid(ui_tree_root(tree), 0);
    expect_rect(pad, 165, 130, 70, 40);
    expect_rect(kid(pad, 0), 175, 140, 50, 20);
    end();
}

/* ---- Taps and the slop ---- */

static int taps, cancels;

static void on_tap(void *ctx)
{
    (void)ctx;
    taps++;
}

static void on_cancel(void *ctx)
{
    (void)ctx;
    cancels++;
}

static ui_widget *tappable(ui_build *b)
{
    ui_gesture_props g = {.on_tap = on_tap, .on_tap_cancel = on_cancel};
    return ui_center(b, ui_gesture(b, &g, ui_sized(b, 100, 50, NULL)));
}

static void test_tap_and_slop(void **state)
{
    (void)state;
    taps = cancels = 0;
    begin(400, 300, tappable);
    /* The box is at (150,125 100x50). */
    ui_tree_pointer(tree, UI_POINTER_DOWN, 200, 150);
    ui_tree_pointer(tree, UI_POINTER_UP, 200, 150);
    assert_int_equal(taps, 1);
    /* Moving 10 px stays a tap; 30 px cancels it. */
    ui_tree_pointer(tree, UI_POINTER_DOWN, 200, 150);
    ui_tree_pointer(tree, UI_POINTER_MOVE, 210, 150);
    ui_tree_pointer(tree, UI_POINTER_UP, 210, 150);
    assert_int_equal(taps, 2);
    ui_tree_pointer(tree, UI_POINTER_DOWN, 200, 150);
    ui_tree_pointer(tree, UI_POINTER_MOVE, 230, 150);
    ui_tree_pointer(tree, UI_POINTER_UP, 230, 150);
    assert_int_equal(taps, 2);
    assert_int_equal(cancels, 1);
    /* Outside the box: nothing takes the pointer. */
    ui_tree_pointer(tree, UI_POINTER_DOWN, 10, 10);
    ui_tree_pointer(tree, UI_POINTER_UP, 10, 10);
    assert_int_equal(taps, 2);
    end();
}

/* ---- A counter: a tap is an event that calls set_state ---- */

static ui_widget *counter_app(ui_build *b)
{
    return counter_widget(b);
}

typedef struct text_find {
    const char *want;
    ui_element *found;
} text_find;

static void find_text(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    text_find *f = ctx;
    if (ui_element_class(e) == &ui_text_class &&
        strcmp(((const ui_text_props *)ui_props(e))->text, f->want) == 0)
        f->found = e;
}

static ui_element *text(const char *want)
{
    text_find f = {want, NULL};
    ui_tree_visit(tree, find_text, &f);
    return f.found;
}

static void tap(ui_element *e)
{
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    ui_tree_pointer(tree, UI_POINTER_DOWN, x + w / 2, y + h / 2);
    ui_tree_pointer(tree, UI_POINTER_UP, x + w / 2, y + h / 2);
    rt_run(RT_RUN_NOWAIT); /* the frame set_state scheduled */
}

static void test_counter_taps_rebuild(void **state)
{
    (void)state;
    begin(300, 200, counter_app);
    assert_non_null(text("count: 0"));
    tap(text("+"));
    assert_null(text("count: 0"));
    assert_non_null(text("count: 1"));
    tap(text("+"));
    tap(text("+"));
    assert_non_null(text("count: 3"));
    size_t elements = ui_tree_element_count(tree);
    tap(text("+"));
    assert_int_equal(ui_tree_element_count(tree), elements); /* rebuilt in place */
    end();
}

/* ---- Text: wrapping and ellipsis (estimated metrics: 6 px a byte at size 10) ---- */

static ui_widget *texts(ui_build *b)
{
    ui_text_props wrap = {.text = "aaa bbb ccc", .size = 10, .wrap = true};
    ui_text_props cut = {.text = "abcdefghij", .size = 10, .ellipsis = true};
    ui_widget *kids[] = {ui_sized(b, 50, 40, ui_text_ex(b, UI_NO_KEY, &wrap)),
                         ui_sized(b, 40, 20, ui_text_ex(b, UI_NO_KEY, &cut))};
    return ui_column(b, NULL, kids, 2);
}

static void test_text_wrap_and_ellipsis(void **state)
{
    (void)state;
    begin(200, 100, texts);
    ui_element *col = ui_tree_root(tree);
    ui_element *wrap = kid(kid(col, 0), 0), *cut = kid(kid(col, 1), 0);
    size_t len;
    assert_int_equal(ui_text_lines(wrap), 2);
    const char *l0 = ui_text_line(wrap, 0, &len);
    assert_int_equal(len, 7);
    assert_memory_equal(l0, "aaa bbb", 7);
    const char *l1 = ui_text_line(wrap, 1, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(l1, "ccc", 3);
    assert_int_equal(ui_text_lines(cut), 1);
    const char *c0 = ui_text_line(cut, 0, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(c0, "abc\xe2\x80\xa6", 6);
    end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_column_with_expanded), cmocka_unit_test(test_row_centered),
        cmocka_unit_test(test_row_space_between),    cmocka_unit_test(test_center_and_padding),
        cmocka_unit_test(test_align_and_flexible),   cmocka_unit_test(test_tap_and_slop),
        cmocka_unit_test(test_counter_taps_rebuild), cmocka_unit_test(test_text_wrap_and_ellipsis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
