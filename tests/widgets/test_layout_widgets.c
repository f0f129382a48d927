/* test_layout_widgets.c: ConstrainedBox, AspectRatio, Wrap and
 * LayoutBuilder, ported from Flutter's packages/flutter/test/widgets/
 * aspect_ratio_test.dart, wrap_test.dart, layout_builder_test.dart and
 * rendering/box_test.dart (an 800x600 screen, as flutter_test's). */
#include "test_support.h"
#include <islet/ui_layout_widgets.h>
#include <islet/ui_tester.h>

#include <math.h>

static rt_virtual_clock vclock;

static void rect_of(ui_tester *t, ui_key k, float *r)
{
    ui_element *e = ui_find_key(t, k);
    assert_non_null(e);
    ui_element_rect(e, &r[0], &r[1], &r[2], &r[3]);
}

static void assert_rect(ui_tester *t, ui_key k, float x, float y, float w, float h)
{
    float r[4];
    rect_of(t, k, r);
    if (fabsf(r[0] - x) > 1e-3f || fabsf(r[1] - y) > 1e-3f || fabsf(r[2] - w) > 1e-3f ||
        fabsf(r[3] - h) > 1e-3f)
        fail_msg("rect %g,%g %gx%g, expected %g,%g %gx%g", r[0], r[1], r[2], r[3], x, y, w, h);
}

static ui_tester *start(ui_widget *(*root)(ui_build *, void *), void *ctx)
{
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(800, 600, &vclock);
    assert_non_null(t);
    ui_tester_pump_widget(t, root, ctx);
    return t;
}

static void done(ui_tester *t)
{
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *box(ui_build *b, int key, float w, float h)
{
    return ui_keyed(ui_sized(b, w, h, NULL), ui_key_int(key));
}

/* ---- ConstrainedBox ---- */

static ui_constraints cbox;

static ui_widget *constrained_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_center(b,
                     ui_keyed(ui_constrained_box(b, cbox, box(b, 1, 10, 500)), ui_key_str("cb")));
}

/* rendering/box_test.dart: 'BoxConstraints enforce' via ConstrainedBox:
 * the additional constraints are clamped into the incoming ones */
static void test_constrained_box(void **state)
{
    (void)state;
    cbox = (ui_constraints){100, 200, 0, 300};
    ui_tester *t = start(constrained_root, NULL);
    assert_rect(t, ui_key_str("cb"), 350, 150, 100, 300); /* the child: min width, max height */
    cbox = (ui_constraints){900, 1000, 700, 800};         /* beyond the screen: the screen wins */
    ui_tester_pump_widget(t, constrained_root, NULL);
    assert_rect(t, ui_key_str("cb"), 0, 0, 800, 600);
    done(t);
}

/* ---- AspectRatio ---- */

static float ratio;
static ui_constraints outer;

static ui_widget *aspect_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *a = ui_keyed(ui_aspect_ratio(b, ratio, ui_sized(b, -1, -1, NULL)), ui_key_str("a"));
    return ui_center(b, ui_constrained_box(b, outer, a));
}

/* aspect_ratio_test.dart: 'Aspect ratio control test' */
static void test_aspect_ratio_control(void **state)
{
    (void)state;
    outer = (ui_constraints){0, 500, 0, 500}; /* BoxConstraints.loose(Size(500, 500)) */
    ratio = 2;
    ui_tester *t = start(aspect_root, NULL);
    float r[4];
    rect_of(t, ui_key_str("a"), r);
    assert_true(r[2] == 500 && r[3] == 250);
    ratio = 0.5f;
    ui_tester_pump_widget(t, aspect_root, NULL);
    rect_of(t, ui_key_str("a"), r);
    assert_true(r[2] == 250 && r[3] == 500);
    done(t);
}

static ui_widget *aspect_in_row(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {
        ui_keyed(ui_aspect_ratio(b, 2, ui_sized(b, -1, -1, NULL)), ui_key_str("a"))};
    ui_flex_props p = {.main_size = UI_MAIN_MIN};
    return ui_align(b, 0, 0, ui_row(b, &p, kids, 1));
}

/* aspect_ratio_test.dart: 'Aspect ratio infinite width' (unbounded width:
 * the height decides; Flutter's test uses a horizontal scroll view, here a
 * row, which then overflows the screen by 400 pixels and says so) */
static void test_aspect_ratio_infinite_width(void **state)
{
    (void)state;
    ui_tester *t = start(aspect_in_row, NULL);
    float r[4];
    rect_of(t, ui_key_str("a"), r);
    assert_true(r[2] == 1200 && r[3] == 600);
    done(t);
}

/* ---- Wrap ---- */

static ui_wrap_props wrap_props;
static float child_w = 300, child_h = 100;
static int nchildren = 4;

static ui_widget *wrap_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget **kids = ui_alloc(b, sizeof *kids * 8);
    for (int i = 0; i < nchildren; i++)
        kids[i] = box(b, i, child_w, child_h);
    return ui_keyed(ui_wrap(b, &wrap_props, kids, (size_t)nchildren), ui_key_str("wrap"));
}

static void assert_positions(ui_tester *t, const float (*xy)[2], int n)
{
    for (int i = 0; i < n; i++)
        assert_rect(t, ui_key_int(i), xy[i][0], xy[i][1], child_w, child_h);
}

/* wrap_test.dart: 'Basic Wrap test (LTR)' (start, center, end) */
static void test_wrap_basic(void **state)
{
    (void)state;
    wrap_props = (ui_wrap_props){0};
    ui_tester *t = start(wrap_root, NULL);
    const float start_xy[][2] = {{0, 0}, {300, 0}, {0, 100}, {300, 100}};
    assert_positions(t, start_xy, 4);
    wrap_props.align = UI_CENTER;
    ui_tester_pump_widget(t, wrap_root, NULL);
    const float center_xy[][2] = {{100, 0}, {400, 0}, {100, 100}, {400, 100}};
    assert_positions(t, center_xy, 4);
    wrap_props.align = UI_END;
    ui_tester_pump_widget(t, wrap_root, NULL);
    const float end_xy[][2] = {{200, 0}, {500, 0}, {200, 100}, {500, 100}};
    assert_positions(t, end_xy, 4);
    done(t);
}

/* wrap_test.dart: 'Basic Wrap test (LTR)', the runAlignment and
 * crossAxisAlignment cases (runs at the end; a shorter child at the run's
 * centre) */
static void test_wrap_run_alignment(void **state)
{
    (void)state;
    wrap_props = (ui_wrap_props){.run_align = UI_END};
    ui_tester *t = start(wrap_root, NULL);
    const float xy[][2] = {{0, 400}, {300, 400}, {0, 500}, {300, 500}};
    assert_positions(t, xy, 4);
    wrap_props = (ui_wrap_props){.run_align = UI_SPACE_BETWEEN};
    ui_tester_pump_widget(t, wrap_root, NULL);
    const float between[][2] = {{0, 0}, {300, 0}, {0, 500}, {300, 500}};
    assert_positions(t, between, 4);
    done(t);
}

/* wrap_test.dart: 'Wrap spacing test' (spacing between children, run
 * spacing between runs; 3 x 250 + 2 x 10 fits in 800, a fourth does not) */
static void test_wrap_spacing(void **state)
{
    (void)state;
    wrap_props = (ui_wrap_props){.spacing = 10, .run_spacing = 15};
    child_w = 250;
    child_h = 20;
    ui_tester *t = start(wrap_root, NULL);
    const float xy[][2] = {{0, 0}, {260, 0}, {520, 0}, {0, 35}};
    assert_positions(t, xy, 4);
    child_w = 300;
    child_h = 100;
    done(t);
}

/* wrap_test.dart: 'Vertical Wrap test' (runs are columns) */
static void test_wrap_vertical(void **state)
{
    (void)state;
    wrap_props = (ui_wrap_props){.vertical = true};
    child_w = 100;
    child_h = 250;
    ui_tester *t = start(wrap_root, NULL);
    const float xy[][2] = {{0, 0}, {0, 250}, {100, 0}, {100, 250}};
    assert_positions(t, xy, 4);
    child_w = 300;
    child_h = 100;
    done(t);
}

/* ---- LayoutBuilder ---- */

static int builds;
static ui_constraints built_with;
static float parent_w = 100, parent_h = 200;

static ui_widget *half(ui_build *b, ui_element *e, ui_constraints c, void *ctx)
{
    (void)e, (void)ctx;
    builds++;
    built_with = c;
    /* Centred: under the builder's tight constraints a sized box would be
     * forced to them (Flutter's box rules, here as there). */
    return ui_center(b, box(b, 7, c.max_w / 2, c.max_h / 2));
}

static ui_widget *builder_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_center(b, ui_sized(b, parent_w, parent_h, ui_layout_builder(b, half, NULL)));
}

/* layout_builder_test.dart: 'LayoutBuilder parent size' */
static void test_layout_builder_parent_size(void **state)
{
    (void)state;
    builds = 0;
    ui_tester *t = start(builder_root, NULL);
    assert_int_equal(builds, 1);
    assert_true(built_with.max_w == 100 && built_with.max_h == 200);
    assert_true(built_with.min_w == 100 && built_with.min_h == 200);
    float r[4];
    rect_of(t, ui_key_int(7), r);
    assert_true(r[2] == 50 && r[3] == 100);
    done(t);
}

/* layout_builder_test.dart: 'LayoutBuilder stateful parent' (new
 * constraints rebuild the child; a rebuild of the builder, with the same
 * constraints, builds once more) */
static void test_layout_builder_rebuilds_on_new_constraints(void **state)
{
    (void)state;
    builds = 0;
    parent_w = 100;
    ui_tester *t = start(builder_root, NULL);
    parent_w = 300;
    ui_tester_pump_widget(t, builder_root, NULL);
    assert_int_equal(builds, 2);
    float r[4];
    rect_of(t, ui_key_int(7), r);
    assert_true(r[2] == 150 && r[3] == 100);
    ui_tester_pump(t, 0); /* nothing changed: no build */
    assert_int_equal(builds, 2);
    parent_w = 100;
    done(t);
}

/* layout_builder_test.dart: 'LayoutBuilder stateful child': ui_set_state
 * on the builder (no new constraints) builds it again in the next frame's
 * layout, and only that */
static void test_layout_builder_set_state(void **state)
{
    (void)state;
    builds = 0;
    ui_tester *t = start(builder_root, NULL);
    ui_element *lb = ui_find_class(t, &ui_layout_builder_class);
    assert_non_null(lb);
    ui_set_state(lb, NULL, NULL);
    ui_tester_pump(t, 0);
    assert_int_equal(builds, 2);
    float r[4];
    rect_of(t, ui_key_int(7), r);
    assert_true(r[2] == 50 && r[3] == 100);
    ui_tester_pump(t, 0);
    assert_int_equal(builds, 2);
    done(t);
}

static bool show_child = true;

static ui_widget *maybe(ui_build *b, ui_element *e, ui_constraints c, void *ctx)
{
    (void)e, (void)c, (void)ctx;
    builds++;
    return show_child ? ui_button(b, ui_key_str("btn"), "hi", NULL, NULL) : NULL;
}

typedef struct holder_state {
    int n;
} holder_state;

static ui_element *holder;

static ui_widget *holder_build(ui_build *b, ui_element *e)
{
    holder = e;
    return ui_layout_builder(b, maybe, NULL);
}

static const ui_widget_class holder_class = {
    .name = "Holder", .state_size = sizeof(holder_state), .build = holder_build};

static ui_widget *holder_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &holder_class, UI_NO_KEY, NULL, NULL, 0);
}

static void bump(void *st, void *ctx)
{
    (void)ctx;
    ((holder_state *)st)->n++;
}

/* layout_builder_test.dart: 'LayoutBuilder stateful child' in reverse: a
 * rebuild above the builder rebuilds it (in layout), and a child it stops
 * building is disposed in that frame (nothing leaks) */
static void test_layout_builder_drops_child(void **state)
{
    (void)state;
    builds = 0;
    show_child = true;
    ui_tester *t = start(holder_root, NULL);
    assert_non_null(ui_find_key(t, ui_key_str("btn")));
    size_t before = ui_tree_element_count(ui_tester_tree(t));
    show_child = false;
    ui_set_state(holder, bump, NULL);
    ui_tester_pump(t, 0);
    assert_int_equal(builds, 2);
    assert_null(ui_find_key(t, ui_key_str("btn")));
    assert_int_equal(ui_count_class(t, &ui_button_class), 0);
    /* Disposed in the frame that dropped it, not left inactive. */
    assert_true(ui_tree_element_count(ui_tester_tree(t)) < before);
    done(t);
}

static int inner_builds;

static ui_widget *inner(ui_build *b, ui_element *e, ui_constraints c, void *ctx)
{
    (void)e, (void)ctx;
    inner_builds++;
    built_with = c;
    return ui_sized(b, c.max_w, c.max_h, NULL);
}

static ui_widget *outer_builder(ui_build *b, ui_element *e, ui_constraints c, void *ctx)
{
    (void)e, (void)ctx;
    builds++;
    return ui_center(b, ui_sized(b, c.max_w / 4, c.max_h / 4, ui_layout_builder(b, inner, NULL)));
}

static ui_widget *nested_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_sized(b, parent_w, parent_h, ui_layout_builder(b, outer_builder, NULL));
}

/* layout_builder_test.dart: 'Nested LayoutBuilders' style: a builder made
 * in another's layout builds in its own layout, with its own constraints */
static void test_layout_builder_nested(void **state)
{
    (void)state;
    builds = inner_builds = 0;
    parent_w = 800;
    parent_h = 600;
    ui_tester *t = start(nested_root, NULL);
    assert_int_equal(builds, 1);
    assert_int_equal(inner_builds, 1);
    assert_true(built_with.max_w == 200 && built_with.max_h == 150);
    parent_w = 100;
    parent_h = 200;
    done(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constrained_box),
        cmocka_unit_test(test_aspect_ratio_control),
        cmocka_unit_test(test_aspect_ratio_infinite_width),
        cmocka_unit_test(test_wrap_basic),
        cmocka_unit_test(test_wrap_run_alignment),
        cmocka_unit_test(test_wrap_spacing),
        cmocka_unit_test(test_wrap_vertical),
        cmocka_unit_test(test_layout_builder_parent_size),
        cmocka_unit_test(test_layout_builder_rebuilds_on_new_constraints),
        cmocka_unit_test(test_layout_builder_set_state),
        cmocka_unit_test(test_layout_builder_drops_child),
        cmocka_unit_test(test_layout_builder_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
