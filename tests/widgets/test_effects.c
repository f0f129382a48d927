/* test_effects.c: Opacity, ClipRect, ClipRRect and Transform, painted and
 * hit tested; after Flutter's packages/flutter/test/widgets/opacity_test.dart,
 * clip_test.dart and transform_test.dart. */
#include "test_support.h"
#include <islet/ui_effects.h>
#include <islet/ui_tester.h>

#include <math.h>

static rt_virtual_clock vclock;
static const ui_color red = {255, 0, 0, 255};

static ui_widget *red_box(ui_build *b, float w, float h)
{
    ui_box_props p = {.width = w, .height = h, .color = red};
    return ui_box(b, &p, NULL);
}

/* The scene: `fx` applied to a red w x h box at (x, y) of a 200x200 screen,
 * `outer` to the whole screen (a transform's hit testing, as Flutter's,
 * reaches only what lies inside its ancestors' boxes). */
static ui_widget *(*fx)(ui_build *b, ui_widget *child);
static ui_widget *(*outer)(ui_build *b, ui_widget *child);
static float at_x, at_y, box_w = 20, box_h = 20;
static int taps;

static void tapped(void *ctx)
{
    (void)ctx;
    taps++;
}

static ui_widget *scene(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {.on_tap = tapped};
    ui_widget *k = ui_gesture(b, &g, red_box(b, box_w, box_h));
    ui_widget *kids[] = {ui_positioned(b, at_x, at_y, fx ? fx(b, k) : k)};
    ui_widget *s = ui_stack(b, kids, 1);
    return outer ? outer(b, s) : s;
}

static ui_tester *start(void)
{
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    assert_non_null(t);
    taps = 0;
    ui_tester_pump_widget(t, scene, NULL);
    return t;
}

static void done(ui_tester *t)
{
    fx = outer = NULL;
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_color px(ui_tester *t, int x, int y)
{
    return ui_canvas_pixel(ui_tester_canvas(t), x, y);
}

static bool is_red(ui_color c)
{
    return c.r > 240 && c.g < 20 && c.b < 20;
}

static bool is_background(ui_color c)
{
    return c.r == UI_BACKGROUND.r && c.g == UI_BACKGROUND.g && c.b == UI_BACKGROUND.b;
}

static void tap_at(ui_tester *t, float x, float y)
{
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_DOWN, x, y);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_UP, x, y);
    ui_tester_pump(t, 0);
}

/* ---- Opacity ---- */

static float alpha;
static ui_widget *with_opacity(ui_build *b, ui_widget *child)
{
    return ui_opacity(b, alpha, child);
}

/* opacity_test.dart: 'Opacity' (half: blended with what is under; zero:
 * nothing painted; the child still takes taps, as Flutter's) */
static void test_opacity(void **state)
{
    (void)state;
    fx = with_opacity;
    at_x = at_y = 10;
    alpha = 0.5f;
    ui_tester *t = start();
    ui_color c = px(t, 20, 20);
    assert_true(c.r >= 248 && c.g > 110 && c.g < 135 && c.b > 115 && c.b < 135);
    assert_true(is_background(px(t, 40, 40)));
    alpha = 0;
    ui_tester_pump_widget(t, scene, NULL);
    assert_true(is_background(px(t, 20, 20)));
    tap_at(t, 20, 20);
    assert_int_equal(taps, 1);
    alpha = 1;
    ui_tester_pump_widget(t, scene, NULL);
    assert_true(is_red(px(t, 20, 20)));
    done(t);
}

/* ---- Clips ---- */

static float radius;
static ui_widget *clipped_translated(ui_build *b, ui_widget *child)
{
    /* The child painted 10 to the right of its box: the clip cuts it. */
    ui_widget *moved = ui_translate(b, 10, 0, child);
    return radius > 0 ? ui_clip_rrect(b, radius, moved) : ui_clip_rect(b, moved);
}
static ui_widget *translated(ui_build *b, ui_widget *child)
{
    return ui_translate(b, 10, 0, child);
}

/* clip_test.dart: 'ClipRect' (painting outside the box is cut) */
static void test_clip_rect(void **state)
{
    (void)state;
    at_x = at_y = 0;
    radius = 0;
    fx = translated;
    ui_tester *t = start();
    assert_true(is_red(px(t, 25, 10))); /* unclipped: painted beyond its box */
    fx = clipped_translated;
    ui_tester_pump_widget(t, scene, NULL);
    assert_true(is_background(px(t, 25, 10)));
    assert_true(is_red(px(t, 15, 10)));
    assert_true(is_background(px(t, 5, 10))); /* moved away from there */
    done(t);
}

static ui_widget *rrect(ui_build *b, ui_widget *child)
{
    return ui_clip_rrect(b, radius, child);
}

/* clip_test.dart: 'ClipRRect' (corners cut round, edges and middle kept;
 * the anti-aliased edge is Islet's) */
static void test_clip_rrect(void **state)
{
    (void)state;
    at_x = at_y = 10;
    box_w = box_h = 40;
    radius = 10;
    fx = rrect;
    ui_tester *t = start();
    assert_true(is_background(px(t, 10, 10)));
    assert_true(is_background(px(t, 12, 12)));
    assert_true(is_background(px(t, 49, 49)));
    assert_true(is_red(px(t, 30, 10)));
    assert_true(is_red(px(t, 10, 30)));
    assert_true(is_red(px(t, 30, 30)));
    assert_true(is_red(px(t, 14, 14))); /* inside the arc */
    /* On the arc the edge is anti-aliased: (12, 13) is about half inside
     * the corner's circle (centre 20,20, radius 10), neither red nor the
     * background. */
    ui_color edge = px(t, 12, 13);
    assert_true(!is_red(edge) && !is_background(edge) && edge.r > edge.g);
    box_w = box_h = 20;
    done(t);
}

/* ---- Transform ---- */

static ui_transform_props transform;
static ui_widget *transformed(ui_build *b, ui_widget *child)
{
    return ui_transform(b, &transform, child);
}

/* transform_test.dart: 'Transform.translate' and 'Translated child
 * responds to taps' (painted and hit where it is moved to) */
static void test_transform_translate(void **state)
{
    (void)state;
    at_x = at_y = 0;
    transform = (ui_transform_props){.tx = 50, .ty = 30};
    outer = transformed;
    ui_tester *t = start();
    assert_true(is_red(px(t, 60, 40)));
    assert_true(is_background(px(t, 10, 10)));
    tap_at(t, 10, 10);
    assert_int_equal(taps, 0);
    tap_at(t, 60, 40);
    assert_int_equal(taps, 1);
    done(t);
}

/* transform_test.dart: 'Transform.scale' about the centre (a 20x20 box at
 * 40,40 doubled covers 30..70) */
static void test_transform_scale(void **state)
{
    (void)state;
    at_x = at_y = 40;
    /* About 50,50, the box's centre: a quarter of the 200x200 screen. */
    transform = (ui_transform_props){.sx = 2, .sy = 2, .align_x = 0.25f, .align_y = 0.25f};
    outer = transformed;
    ui_tester *t = start();
    assert_true(is_red(px(t, 32, 32)));
    assert_true(is_red(px(t, 67, 67)));
    assert_true(is_background(px(t, 28, 50)));
    tap_at(t, 32, 32);
    assert_int_equal(taps, 1);
    tap_at(t, 28, 50);
    assert_int_equal(taps, 1);
    done(t);
}

/* transform_test.dart: 'Transform.rotate' and 'Rotated child responds to
 * taps' (a 40x10 bar turned a quarter about its centre is upright) */
static void test_transform_rotate(void **state)
{
    (void)state;
    at_x = 50;
    at_y = 50;
    box_w = 40;
    box_h = 10;
    /* Around 70,55, the bar's centre. */
    transform =
        (ui_transform_props){.angle_rad = 3.14159265f / 2, .align_x = 0.35f, .align_y = 0.275f};
    outer = transformed;
    ui_tester *t = start();
    assert_true(is_red(px(t, 70, 38)));
    assert_true(is_red(px(t, 70, 72)));
    assert_true(is_background(px(t, 52, 55)));
    tap_at(t, 52, 55); /* where the unrotated bar would be */
    assert_int_equal(taps, 0);
    tap_at(t, 70, 38);
    assert_int_equal(taps, 1);
    box_w = box_h = 20;
    done(t);
}

typedef struct mover_state {
    float dx;
} mover_state;

static ui_element *mover;

static ui_widget *mover_build(ui_build *b, ui_element *e)
{
    mover = e;
    const mover_state *st = ui_state(e);
    return ui_translate(b, st->dx, 0, red_box(b, 20, 20));
}

static const ui_widget_class mover_class = {
    .name = "Mover", .state_size = sizeof(mover_state), .build = mover_build};

static ui_widget *mover_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {ui_widget_new(b, &mover_class, UI_NO_KEY, NULL, NULL, 0)};
    return ui_stack(b, kids, 1);
}

static void move_far(void *st, void *ctx)
{
    (void)ctx;
    ((mover_state *)st)->dx = 100;
}

/* A transform that changes repaints where its subtree was painted, not only
 * its (untransformed) box: the tester paints only what changed. */
static void test_transform_change_repaints(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    ui_tester_pump_widget(t, mover_root, NULL);
    assert_true(is_red(px(t, 10, 10)));
    ui_set_state(mover, move_far, NULL);
    ui_tester_pump(t, 0);
    assert_true(is_red(px(t, 110, 10)));
    assert_true(is_background(px(t, 10, 10)));
    done(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opacity),
        cmocka_unit_test(test_clip_rect),
        cmocka_unit_test(test_clip_rrect),
        cmocka_unit_test(test_transform_translate),
        cmocka_unit_test(test_transform_scale),
        cmocka_unit_test(test_transform_rotate),
        cmocka_unit_test(test_transform_change_repaints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
