/* test_tester.c: the headless tester: pump, find, tap, pixels, text cache. */
#include "test_support.h"
#include "counter_widget.h"
#include <islet/ui_tester.h>

#include <stdio.h>

static rt_virtual_clock vclock;

static ui_widget *app(ui_build *b, void *ctx)
{
    (void)ctx;
    return counter_widget(b);
}

static void test_counter_through_the_tester(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(240, 160, &vclock);
    assert_non_null(t);
    ui_tester_pump_widget(t, app, NULL);
    assert_int_equal(ui_count_text(t, "count: 0"), 1);
    assert_int_equal(ui_count_class(t, &ui_button_class), 1);
    assert_non_null(ui_find_key(t, ui_key_str("plus")));

    /* The button is painted: its left edge, mid-height, is the button blue. */
    float x, y, w, h;
    ui_element_rect(ui_find_class(t, &ui_button_class), &x, &y, &w, &h);
    ui_color c = ui_canvas_pixel(ui_tester_canvas(t), (int)x + 3, (int)(y + h / 2));
    assert_int_equal(c.r, 50);
    assert_int_equal(c.g, 120);
    assert_int_equal(c.b, 240);

    ui_canvas_stats before;
    ui_canvas_get_stats(ui_tester_canvas(t), &before);
    ui_tester_tap(t, ui_find_text(t, "+"));
    assert_int_equal(ui_count_text(t, "count: 0"), 0);
    assert_int_equal(ui_count_text(t, "count: 1"), 1);
    /* The new label was rendered once; the unchanged "+" was not rendered
     * again (nothing about it changed: it is not even painted again). */
    ui_canvas_stats after;
    ui_canvas_get_stats(ui_tester_canvas(t), &after);
    assert_int_equal(after.text_renders - before.text_renders, 1);

    /* Nothing dirty: pumping produces no frame. */
    ui_frame_timing ft[8];
    size_t frames = ui_tree_timings(ui_tester_tree(t), ft, 8);
    ui_tester_pump(t, RT_MS(100));
    assert_int_equal(ui_tree_timings(ui_tester_tree(t), ft, 8), frames);
    assert_true(ft[0].total_ns >= ft[0].build_ns);

    /* Hovering lightens the button; leaving restores it. */
    ui_element_rect(ui_find_class(t, &ui_button_class), &x, &y, &w, &h);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_HOVER, x + w / 2, y + h / 2);
    ui_tester_pump(t, 0);
    c = ui_canvas_pixel(ui_tester_canvas(t), (int)x + 3, (int)(y + h / 2));
    assert_int_equal(c.r, 80);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_HOVER, 1, 1);
    ui_tester_pump(t, 0);
    c = ui_canvas_pixel(ui_tester_canvas(t), (int)x + 3, (int)(y + h / 2));
    assert_int_equal(c.r, 50);

    /* A drag beyond the slop is not a tap. */
    ui_tester_drag(t, ui_find_text(t, "+"), 40, 0);
    assert_int_equal(ui_count_text(t, "count: 1"), 1);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* A button disabled while hovered, left, then enabled again looks as it
 * should: not hovered (its gesture detector went away without an exit,
 * as Flutter's MouseRegion does when unmounted). */
static bool enabled = true;

static void noop(void *ctx)
{
    (void)ctx;
}

static ui_widget *toggled_button(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_center(b, ui_button(b, ui_key_str("b"), "Go", enabled ? noop : NULL, NULL));
}

static void test_button_disabled_while_hovered_forgets_hover(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(240, 160, &vclock);
    enabled = true;
    ui_tester_pump_widget(t, toggled_button, NULL);
    float x, y, w, h;
    ui_element_rect(ui_find_class(t, &ui_button_class), &x, &y, &w, &h);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_HOVER, x + w / 2, y + h / 2);
    ui_tester_pump(t, 0);
    assert_int_equal(ui_canvas_pixel(ui_tester_canvas(t), (int)x + 3, (int)(y + h / 2)).r, 80);
    enabled = false;
    ui_tester_pump_widget(t, toggled_button, NULL);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_HOVER, 1, 1);
    enabled = true;
    ui_tester_pump_widget(t, toggled_button, NULL);
    assert_int_equal(ui_canvas_pixel(ui_tester_canvas(t), (int)x + 3, (int)(y + h / 2)).r, 50);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_through_the_tester),
        cmocka_unit_test(test_button_disabled_while_hovered_forgets_hover),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
