/* test_stack.c: Stack and Positioned, ported from Flutter's
 * packages/flutter/test/widgets/stack_test.dart and
 * rendering/stack_test.dart (an 800x600 screen, as flutter_test's). */
#include "test_support.h"
#include <islet/ui_layout_widgets.h>
#include <islet/ui_tester.h>

#include <math.h>

static rt_virtual_clock vclock;

static void assert_rect(ui_tester *t, ui_key k, float x, float y, float w, float h)
{
    ui_element *e = ui_find_key(t, k);
    assert_non_null(e);
    float rx, ry, rw, rh;
    ui_element_rect(e, &rx, &ry, &rw, &rh);
    if (fabsf(rx - x) > 1e-3f || fabsf(ry - y) > 1e-3f || fabsf(rw - w) > 1e-3f ||
        fabsf(rh - h) > 1e-3f)
        fail_msg("rect %g,%g %gx%g, expected %g,%g %gx%g", rx, ry, rw, rh, x, y, w, h);
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

static ui_widget *box(ui_build *b, const char *key, float w, float h)
{
    return ui_keyed(ui_sized(b, w, h, NULL), ui_key_str(key));
}

/* ---- Positioned ---- */

static ui_positioned_props positioned;

static ui_widget *one_positioned(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {ui_positioned_ex(b, &positioned, box(b, "c", 10, 10))};
    return ui_keyed(ui_stack(b, kids, 1), ui_key_str("stack"));
}

/* stack_test.dart: 'Can change position data' (left, then right: the child
 * follows; the stack, with only positioned children, is as big as allowed) */
static void test_change_position_data(void **state)
{
    (void)state;
    positioned = (ui_positioned_props){.left = 10, .set = UI_POS_LEFT};
    ui_tester *t = start(one_positioned, NULL);
    assert_rect(t, ui_key_str("stack"), 0, 0, 800, 600);
    assert_rect(t, ui_key_str("c"), 10, 0, 10, 10);
    positioned = (ui_positioned_props){.right = 10, .set = UI_POS_RIGHT};
    ui_tester_pump_widget(t, one_positioned, NULL);
    assert_rect(t, ui_key_str("c"), 780, 0, 10, 10);
    done(t);
}

/* rendering/stack_test.dart: 'Stack can layout with top, right, bottom,
 * left 0.0' (the child is tight to the stack) */
static void test_positioned_all_edges_zero(void **state)
{
    (void)state;
    positioned =
        (ui_positioned_props){.set = UI_POS_LEFT | UI_POS_TOP | UI_POS_RIGHT | UI_POS_BOTTOM};
    ui_tester *t = start(one_positioned, NULL);
    assert_rect(t, ui_key_str("c"), 0, 0, 800, 600);
    done(t);
}

/* stack_test.dart: 'Positioned.fill' and edges with sizes: left + width,
 * right + bottom, top + bottom (tight height) */
static void test_positioned_edges_and_sizes(void **state)
{
    (void)state;
    positioned =
        (ui_positioned_props){.left = 5,
                              .width = 50,
                              .top = 20,
                              .bottom = 30,
                              .set = UI_POS_LEFT | UI_POS_WIDTH | UI_POS_TOP | UI_POS_BOTTOM};
    ui_tester *t = start(one_positioned, NULL);
    assert_rect(t, ui_key_str("c"), 5, 20, 50, 550);
    positioned =
        (ui_positioned_props){.right = 7, .bottom = 9, .set = UI_POS_RIGHT | UI_POS_BOTTOM};
    ui_tester_pump_widget(t, one_positioned, NULL);
    assert_rect(t, ui_key_str("c"), 783, 581, 10, 10);
    done(t);
}

/* ---- Sizing ---- */

static ui_stack_props stack_props;

static ui_widget *sized_by_children(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {box(b, "a", 100, 50), box(b, "b", 40, 80),
                         ui_positioned(b, 300, 300, box(b, "p", 10, 10))};
    return ui_center(b, ui_keyed(ui_stack_ex(b, &stack_props, kids, 3), ui_key_str("stack")));
}

/* stack_test.dart: 'Stack sizing: default' (sized by the non-positioned
 * children: 100x80 centred; positioned children do not count) */
static void test_sized_by_non_positioned(void **state)
{
    (void)state;
    stack_props = (ui_stack_props){0};
    ui_tester *t = start(sized_by_children, NULL);
    assert_rect(t, ui_key_str("stack"), 350, 260, 100, 80);
    assert_rect(t, ui_key_str("a"), 350, 260, 100, 50);
    assert_rect(t, ui_key_str("p"), 650, 560, 10, 10);
    done(t);
}

/* stack_test.dart: 'Stack with alignment' (AlignmentDirectional.center and
 * bottomEnd place the non-positioned children) */
static void test_alignment(void **state)
{
    (void)state;
    stack_props = (ui_stack_props){.align_x = 0.5f, .align_y = 0.5f};
    ui_tester *t = start(sized_by_children, NULL);
    assert_rect(t, ui_key_str("a"), 350, 275, 100, 50);
    assert_rect(t, ui_key_str("b"), 380, 260, 40, 80);
    stack_props = (ui_stack_props){.align_x = 1, .align_y = 1};
    ui_tester_pump_widget(t, sized_by_children, NULL);
    assert_rect(t, ui_key_str("a"), 350, 290, 100, 50);
    assert_rect(t, ui_key_str("b"), 410, 260, 40, 80);
    done(t);
}

/* The constraints a LayoutBuilder in the stack saw. */
static ui_constraints seen;
static int fit;

static ui_widget *record(ui_build *b, ui_element *e, ui_constraints c, void *ctx)
{
    (void)e, (void)ctx;
    seen = c;
    return ui_sized(b, -1, -1, NULL);
}

static ui_widget *sizing_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {ui_layout_builder(b, record, NULL)};
    ui_stack_props p = {.fit = fit};
    ui_constraints c = {2, 3, 5, 7};
    return ui_center(b, ui_constrained_box(b, c, ui_stack_ex(b, &p, kids, 1)));
}

static void assert_seen(float min_w, float max_w, float min_h, float max_h)
{
    if (seen.min_w != min_w || seen.max_w != max_w || seen.min_h != min_h || seen.max_h != max_h)
        fail_msg("constraints %g<=w<=%g %g<=h<=%g", seen.min_w, seen.max_w, seen.min_h, seen.max_h);
}

/* stack_test.dart: 'Stack sizing: default' (loose: 0<=w<=3, 0<=h<=7) */
static void test_sizing_default_loose(void **state)
{
    (void)state;
    fit = UI_STACK_LOOSE;
    ui_tester *t = start(sizing_root, NULL);
    assert_seen(0, 3, 0, 7);
    done(t);
}

/* stack_test.dart: 'Stack sizing: explicit' (expand: w=3, h=7;
 * passthrough: 2<=w<=3, 5<=h<=7) */
static void test_sizing_explicit(void **state)
{
    (void)state;
    fit = UI_STACK_EXPAND;
    ui_tester *t = start(sizing_root, NULL);
    assert_seen(3, 3, 7, 7);
    fit = UI_STACK_PASSTHROUGH;
    ui_tester_pump_widget(t, sizing_root, NULL);
    assert_seen(2, 3, 5, 7);
    done(t);
}

static ui_widget *empty_stack(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_center(b, ui_keyed(ui_stack(b, NULL, 0), ui_key_str("stack")));
}

/* stack_test.dart: 'Can construct an empty Stack' (as big as allowed) */
static void test_empty_stack(void **state)
{
    (void)state;
    ui_tester *t = start(empty_stack, NULL);
    assert_rect(t, ui_key_str("stack"), 0, 0, 800, 600);
    done(t);
}

static ui_widget *edge(ui_build *b, const char *key, unsigned set)
{
    ui_positioned_props p = {.set = set}; /* that edge at 0 */
    return ui_positioned_ex(b, &p, box(b, key, 10, 10));
}

static ui_widget *partially_positioned(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {box(b, "big", 100, 100),
                         edge(b, "l", UI_POS_LEFT),
                         edge(b, "t", UI_POS_TOP),
                         edge(b, "r", UI_POS_RIGHT),
                         edge(b, "b", UI_POS_BOTTOM),
                         edge(b, "lt", UI_POS_LEFT | UI_POS_TOP),
                         edge(b, "rb", UI_POS_RIGHT | UI_POS_BOTTOM)};
    ui_stack_props p = {.align_x = 0.5f, .align_y = 0.5f};
    return ui_stack_ex(b, &p, kids, 7);
}

/* stack_test.dart: 'Alignment with partially-positioned children' (an axis
 * with no edge set follows the stack's alignment) */
static void test_partially_positioned(void **state)
{
    (void)state;
    ui_tester *t = start(partially_positioned, NULL);
    assert_rect(t, ui_key_str("big"), 350, 250, 100, 100);
    assert_rect(t, ui_key_str("l"), 0, 295, 10, 10);
    assert_rect(t, ui_key_str("t"), 395, 0, 10, 10);
    assert_rect(t, ui_key_str("r"), 790, 295, 10, 10);
    assert_rect(t, ui_key_str("b"), 395, 590, 10, 10);
    assert_rect(t, ui_key_str("lt"), 0, 0, 10, 10);
    assert_rect(t, ui_key_str("rb"), 790, 590, 10, 10);
    done(t);
}

static bool no_clip;
static ui_widget *overflowing_child(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_box_props red = {.width = 40, .height = 40, .color = {255, 0, 0, 255}};
    ui_widget *kids[] = {ui_sized(b, 20, 20, NULL),
                         ui_positioned(b, 10, 10, ui_box(b, &red, NULL))};
    ui_stack_props p = {.no_clip = no_clip};
    return ui_align(b, 0, 0, ui_stack_ex(b, &p, kids, 2));
}

/* stack_test.dart: 'Stack clip test' (Clip.hardEdge by default: a child
 * beyond the stack is cut; with Clip.none it shows) */
static void test_clip(void **state)
{
    (void)state;
    no_clip = false;
    ui_tester *t = start(overflowing_child, NULL);
    assert_int_equal(ui_canvas_pixel(ui_tester_canvas(t), 15, 15).r, 255);
    assert_int_not_equal(ui_canvas_pixel(ui_tester_canvas(t), 30, 30).g, 0);
    no_clip = true;
    ui_tester_pump_widget(t, overflowing_child, NULL);
    ui_color c = ui_canvas_pixel(ui_tester_canvas(t), 30, 30);
    assert_true(c.r == 255 && c.g == 0);
    done(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_position_data),
        cmocka_unit_test(test_positioned_all_edges_zero),
        cmocka_unit_test(test_positioned_edges_and_sizes),
        cmocka_unit_test(test_sized_by_non_positioned),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_sizing_default_loose),
        cmocka_unit_test(test_sizing_explicit),
        cmocka_unit_test(test_empty_stack),
        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_partially_positioned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
