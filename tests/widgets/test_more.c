/* test_more.c: stack/positioned, image, keyboard focus, invalid UTF-8 text. */
#include "test_support.h"
#include <islet/ui_tester.h>

#include <math.h>

static rt_virtual_clock vclock;
static int pressed_a, pressed_b;
static uint32_t pixels[4 * 4];

static void press_a(void *ctx)
{
    (void)ctx;
    pressed_a++;
}

static void press_b(void *ctx)
{
    (void)ctx;
    pressed_b++;
}

static ui_widget *app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *buttons[] = {ui_button(b, ui_key_str("a"), "A", press_a, NULL),
                            ui_button(b, ui_key_str("off"), "off", NULL, NULL), /* disabled */
                            ui_button(b, ui_key_str("b"), "B", press_b, NULL)};
    ui_widget *layers[] = {
        ui_positioned(b, 10, 20, ui_sized(b, 30, 40, NULL)),
        ui_positioned(b, 100, 10, ui_image(b, pixels, 4, 4, 16, 16)),
        ui_positioned(b, 0, 100, ui_row(b, NULL, buttons, 3)),
        ui_positioned(b, 0, 180,
                      ui_text(b, "bad \xff\xfe utf-8 \xe2\x82", 14, (ui_color){0, 0, 0, 255})),
    };
    return ui_stack(b, layers, 4);
}

static void test_stack_image_focus_and_bad_text(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    for (int i = 0; i < 16; i++)
        pixels[i] = 0xff0000ffu; /* opaque red */
    ui_tester *t = ui_tester_new(300, 220, &vclock);
    ui_tester_pump_widget(t, app, NULL);

    /* Positioned children sit at their offsets. */
    ui_element *stack = ui_tree_root(ui_tester_tree(t));
    float x, y, w, h;
    ui_element_rect(ui_element_child(stack, 0), &x, &y, &w, &h);
    assert_true(x == 10 && y == 20 && w == 30 && h == 40);
    /* The image is drawn, scaled to 16x16. */
    ui_color c = ui_canvas_pixel(ui_tester_canvas(t), 100 + 8, 10 + 8);
    assert_int_equal(c.r, 255);
    assert_int_equal(c.g, 0);
    /* Invalid UTF-8 in a label: laid out and painted, no crash. */
    ui_element *bad = ui_find_class(t, &ui_text_class);
    assert_non_null(bad);

    /* Tab focuses A, Tab skips the disabled button to B, Enter presses B. */
    ui_tree *tree = ui_tester_tree(t);
    assert_null(ui_tree_get_focus(tree));
    ui_tree_key(tree, UI_KEY_TAB, 0);
    ui_tester_pump(t, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("a")));
    ui_tree_key(tree, UI_KEY_TAB, 0);
    ui_tester_pump(t, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("b")));
    ui_tree_key(tree, UI_KEY_ENTER, 0);
    ui_tree_key(tree, UI_KEY_SPACE, 0);
    ui_tester_pump(t, 0);
    assert_int_equal(pressed_b, 2);
    assert_int_equal(pressed_a, 0);
    /* Tab wraps around; Shift+Tab goes back. */
    ui_tree_key(tree, UI_KEY_TAB, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("a")));
    ui_tree_key(tree, UI_KEY_BACKTAB, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("b")));
    /* The focused button shows a ring: its border is the focus amber. */
    ui_tester_pump(t, 0);
    ui_element_rect(ui_find_key(t, ui_key_str("b")), &x, &y, &w, &h);
    c = ui_canvas_pixel(ui_tester_canvas(t), (int)(x + w / 2), (int)y + 1);
    assert_int_equal(c.r, 255);
    assert_int_equal(c.g, 200);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *centered_text(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_text_props p = {.text = "ab", .size = 16, .color = {0, 0, 0, 255}, .align = UI_CENTER};
    ui_box_props bg = {.width = -1, .height = -1, .color = {255, 255, 255, 255}};
    return ui_box(b, &bg, ui_sized(b, 200, 30, ui_text_ex(b, UI_NO_KEY, &p)));
}

/* Centred text: its ink sits in the middle of the line, not at the left. */
static void test_text_alignment(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 30, &vclock);
    ui_tester_pump_widget(t, centered_text, NULL);
    int left = 200, right = -1;
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 200; x++)
            if (ui_canvas_pixel(ui_tester_canvas(t), x, y).r < 128) {
                if (x < left) left = x;
                if (x > right) right = x;
            }
    assert_true(right > left);
    assert_true(left > 80 && right < 120);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *dpi_screen(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_box_props red = {.width = 10, .height = 10, .color = {255, 0, 0, 255}};
    ui_widget *kids[] = {ui_box(b, &red, NULL), ui_text(b, "Hi", 16, (ui_color){0, 0, 0, 255})};
    return ui_column(b, NULL, kids, 2);
}

/* High-DPI: layout in logical pixels, drawing at twice the pixels. */
static void test_high_dpi(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *one = ui_tester_new(50, 50, &vclock),
              *two = ui_tester_new_scaled(50, 50, 2, &vclock);
    ui_tester_pump_widget(one, dpi_screen, NULL);
    ui_tester_pump_widget(two, dpi_screen, NULL);
    assert_int_equal(ui_canvas_surface(ui_tester_canvas(two))->w, 100);
    /* The 10x10 box covers 20x20 device pixels at scale 2. */
    assert_int_equal(ui_canvas_pixel(ui_tester_canvas(two), 19, 19).r, 255);
    assert_int_not_equal(ui_canvas_pixel(ui_tester_canvas(two), 21, 5).r, 255);
    /* Same logical layout at both scales: the text sits at the same place. */
    float x1, y1, w1, h1, x2, y2, w2, h2;
    ui_element_rect(ui_find_text(one, "Hi"), &x1, &y1, &w1, &h1);
    ui_element_rect(ui_find_text(two, "Hi"), &x2, &y2, &w2, &h2);
    assert_true(x1 == x2 && y1 == y2);
    assert_true(fabsf(w1 - w2) <= 1 && fabsf(h1 - h2) <= 1);
    assert_true(ui_tester_free(one));
    assert_true(ui_tester_free(two));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stack_image_focus_and_bad_text),
        cmocka_unit_test(test_text_alignment),
        cmocka_unit_test(test_high_dpi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
