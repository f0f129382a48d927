/* test_theme.c: inherited data: dependents rebuild when it changes, others not. */
#include "test_support.h"
#include <islet/ui_widgets.h>

static ui_tree *tree;
static ui_theme_props theme;
static int themed_builds, plain_builds;
static ui_color seen;

static ui_widget *themed_build(ui_build *b, ui_element *e)
{
    themed_builds++;
    seen = ui_theme_of(e)->text_color;
    return ui_sized(b, 10, 10, NULL);
}

static const ui_widget_class themed_class = {.name = "Themed", .build = themed_build};

static ui_widget *plain_build(ui_build *b, ui_element *e)
{
    (void)e;
    plain_builds++;
    return ui_sized(b, 10, 10, NULL);
}

static const ui_widget_class plain_class = {.name = "Plain", .build = plain_build};

/* Identical widgets each frame (Flutter's const children): only a change of
 * the theme they depend on can rebuild them. */
static ui_widget themed_w = UI_CONST_WIDGET(&themed_class, NULL);
static ui_widget plain_w = UI_CONST_WIDGET(&plain_class, NULL);

static ui_widget *root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {&themed_w, &plain_w};
    return ui_theme(b, &theme, ui_column(b, NULL, kids, 2));
}

static void test_theme_change_rebuilds_dependents_only(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    theme = (ui_theme_props){{1, 2, 3, 255}, {0, 0, 0, 255}, 12};
    themed_builds = plain_builds = 0;
    ui_tree_set_root(tree, root, NULL);
    ui_tree_frame(tree);
    assert_int_equal(seen.r, 1);
    assert_int_equal(themed_builds, 1);
    assert_int_equal(plain_builds, 1);
    /* An equal theme (update_should_notify says no): nothing below rebuilds. */
    ui_tree_set_root(tree, root, NULL);
    ui_tree_frame(tree);
    assert_int_equal(themed_builds, 1);
    assert_int_equal(plain_builds, 1);
    /* A new colour: the dependent rebuilds in the same frame, the other not. */
    theme.text_color = (ui_color){9, 8, 7, 255};
    ui_tree_set_root(tree, root, NULL);
    ui_tree_frame(tree);
    assert_int_equal(seen.r, 9);
    assert_int_equal(themed_builds, 2);
    assert_int_equal(plain_builds, 1);
    assert_false(ui_tree_needs_frame(tree));
    ui_tree_free(tree);
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_theme_change_rebuilds_dependents_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
