/* test_list.c: a 100,000-item list builds only what is visible and scrolls;
 * a scroll builds and paints only the items that come into view. */
#include "test_support.h"
#include <islet/ui_tester.h>

#include <stdio.h>

static rt_virtual_clock vclock;
static size_t item_builds;

typedef struct item_state {
    int born; /* which build created this state */
} item_state;

static int births;

static void item_init(ui_element *e)
{
    ((item_state *)ui_state(e))->born = ++births;
}

typedef struct item_props {
    size_t index;
} item_props;

static ui_size item_layout(ui_element *e, ui_constraints c)
{
    (void)e;
    return ui_constrain(c, (ui_size){c.max_w, c.max_h});
}

static const ui_widget_class item_class = {.name = "Item",
                                           .props_size = sizeof(item_props),
                                           .state_size = sizeof(item_state),
                                           .init_state = item_init,
                                           .layout = item_layout};

static ui_widget *build_item(ui_build *b, size_t index, void *ctx)
{
    (void)ctx;
    item_builds++;
    item_props p = {index};
    return ui_widget_new(b, &item_class, UI_NO_KEY, &p, NULL, 0);
}

static ui_widget *app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_list(b, ui_key_str("list"), 100000, 20, build_item, NULL);
}

static size_t first_index(ui_tester *t)
{
    ui_element *item = ui_find_class(t, &item_class);
    return ((const item_props *)ui_props(item))->index;
}

static void test_hundred_thousand_items(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 100, &vclock);
    item_builds = 0;
    births = 0;
    ui_tester_pump_widget(t, app, NULL);
    /* 100 px of 20 px items: 5 visible, plus the one partly below. */
    assert_int_equal(ui_count_class(t, &item_class), 6);
    assert_int_equal(item_builds, 6);
    ui_element *list = ui_find_class(t, &ui_list_class);

    /* Scroll by 30 px: items 1..6 are built; item 1..5 keep their state. */
    ui_element *second = NULL;
    for (size_t i = 0; i < ui_element_child_count(ui_element_child(list, 0)); i++) {
        ui_element *k = ui_element_child(ui_element_child(ui_element_child(list, 0), i), 0);
        if (((const item_props *)ui_props(k))->index == 1) second = k;
    }
    int born = ((item_state *)ui_state(second))->born;
    ui_list_scroll_by(list, 30);
    ui_tester_pump(t, 0);
    assert_int_equal(first_index(t), 1);
    float x, y, w, h;
    ui_element_rect(ui_find_class(t, &item_class), &x, &y, &w, &h);
    assert_true(y == -10 && h == 20); /* item 1 at 20 - 30 */
    assert_int_equal(((item_state *)ui_state(ui_find_class(t, &item_class)))->born, born);

    /* The wheel and a drag scroll too; the end clamps. */
    ui_tester_scroll(t, ui_find_class(t, &item_class), 1e9f);
    assert_true(ui_list_offset(list) == 100000 * 20 - 100);
    assert_int_equal(first_index(t), 99995);
    ui_tester_drag(t, ui_find_class(t, &item_class), 0, 40); /* drag down: scroll back 40 */
    assert_true(ui_list_offset(list) == 100000 * 20 - 140);
    /* Never more than the visible items alive, whatever the count. */
    assert_true(ui_count_class(t, &item_class) <= 6);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* ---- Scrolling builds and paints only what comes into view ---- */

static size_t built[64];
static size_t nbuilt;
static ui_color item_color = {200, 200, 255, 255};

static ui_widget *tracked_item(ui_build *b, size_t index, void *ctx)
{
    (void)ctx;
    if (nbuilt < 64) built[nbuilt++] = index;
    ui_box_props p = {.width = -1, .height = -1, .color = item_color};
    return ui_box(b, &p, NULL);
}

static size_t ten_count = 10;

static ui_widget *ten_items(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_list(b, UI_NO_KEY, ten_count, 300, tracked_item, NULL);
}

static void expect_built(const size_t *want, size_t n)
{
    assert_int_equal(nbuilt, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(built[i], want[i]);
    nbuilt = 0;
}

static void jump_to(ui_tester *t, float offset)
{
    ui_element *list = ui_find_class(t, &ui_list_class);
    ui_list_scroll_by(list, offset - ui_list_offset(list));
    ui_tester_pump(t, 0);
}

/* list_view_builder_test.dart: 'ListView.builder 10 items, 2-3 items
 * visible': a scroll builds the items that come into view and no other.
 * Islet keeps no cache area beyond the viewport, so the indices are those
 * in view plus the one starting at its bottom edge. */
static void test_a_scroll_builds_only_the_items_coming_into_view(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(800, 600, &vclock);
    nbuilt = 0;
    ten_count = 10;
    ui_tester_pump_widget(t, ten_items, NULL);
    expect_built((size_t[]){0, 1, 2}, 3);
    jump_to(t, 150); /* 0 to 2 still */
    expect_built(NULL, 0);
    jump_to(t, 600); /* 2 to 4 */
    expect_built((size_t[]){3, 4}, 2);
    jump_to(t, 750);
    expect_built(NULL, 0);
    jump_to(t, 2400); /* the end: 8 and 9 */
    expect_built((size_t[]){8, 9}, 2);
    /* A new list widget (list_view_builder_test.dart's mount/dismount
     * flip): every item in view builds again. */
    ten_count = 11;
    ui_tester_pump_widget(t, ten_items, NULL);
    expect_built((size_t[]){8, 9, 10}, 3);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *many_items(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_list(b, UI_NO_KEY, 1000, 20, tracked_item, NULL);
}

/* Each item is a repaint boundary: its picture is painted when it comes
 * into view and composited, not painted again, while it stays (also when
 * the list is the tree's root, whose relayout stays in place). */
static void test_a_scroll_paints_only_the_items_coming_into_view(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 100, &vclock);
    ui_canvas *c = ui_tester_canvas(t);
    nbuilt = 0;
    ui_tester_pump_widget(t, many_items, NULL);
    ui_canvas_stats s0;
    ui_canvas_get_stats(c, &s0);
    assert_int_equal(s0.layer_paints, 6);
    size_t builds = 0;
    ui_element *list = ui_find_class(t, &ui_list_class);
    for (int i = 0; i < 30; i++) {
        nbuilt = 0;
        ui_list_scroll_by(list, 7);
        ui_tester_pump(t, 0);
        builds += nbuilt;
    }
    ui_canvas_stats s1;
    ui_canvas_get_stats(c, &s1);
    assert_int_equal(builds, 10); /* 210 px: items 6 to 15 came into view */
    assert_int_equal(s1.layer_paints - s0.layer_paints, builds);
    assert_true(s1.layer_draws - s0.layer_draws >= 30 * 6);
    /* What the frame shows: item 10 (at 200 - 210) at the top. */
    ui_color top = ui_canvas_pixel(c, 100, 5);
    assert_int_equal(top.b, 255);
    assert_int_equal(top.r, 200);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* An item's layer with see-through pixels is blended over what is under
 * it; an opaque one is copied (the software renderer's fast path), and both
 * show the colours they were painted with. */
static void test_item_layers_blend_unless_opaque(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 100, &vclock);
    ui_canvas *c = ui_tester_canvas(t);
    item_color = (ui_color){0, 0, 255, 128};
    ui_tester_pump_widget(t, many_items, NULL);
    ui_color half = ui_canvas_pixel(c, 100, 10);
    ui_color bg = UI_BACKGROUND;
    /* src * a + under * (1 - a), a = 128/255 */
    assert_in_range(half.r, bg.r * 127 / 255 - 2, bg.r * 127 / 255 + 2);
    assert_in_range(half.g, bg.g * 127 / 255 - 2, bg.g * 127 / 255 + 2);
    assert_in_range(half.b, (255 * 128 + bg.b * 127) / 255 - 2, (255 * 128 + bg.b * 127) / 255 + 2);
    item_color = (ui_color){10, 200, 30, 255};
    ui_tester_pump_widget(t, many_items, NULL);
    ui_color solid = ui_canvas_pixel(c, 100, 10);
    assert_int_equal(solid.r, 10);
    assert_int_equal(solid.g, 200);
    assert_int_equal(solid.b, 30);
    item_color = (ui_color){200, 200, 255, 255};
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hundred_thousand_items),
        cmocka_unit_test(test_a_scroll_builds_only_the_items_coming_into_view),
        cmocka_unit_test(test_a_scroll_paints_only_the_items_coming_into_view),
        cmocka_unit_test(test_item_layers_blend_unless_opaque),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
