/* test_list.c: a 100,000-item list builds only what is visible and scrolls. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hundred_thousand_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
