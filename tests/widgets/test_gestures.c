/* test_gestures.c: the gesture arena, the recognizers, hit-test behaviour
 * and the list's drags, ported from Flutter's tests where they can be
 * expressed (each names its source file and test). */
#include "test_support.h"
#include <islet/ui_tester.h>
#include <islet/ui_window.h>

#include <math.h>
#include <string.h>

static rt_virtual_clock vclock;

#define MS 1000000LL

/* What the callbacks saw. */
typedef struct counts {
    int tap, tap_down, tap_up, tap_cancel, secondary, double_tap, long_press, long_press_up;
    int vstart, vupdate, vend, hstart, hupdate, hend, pstart, pupdate, pend;
    float vdelta, pdx, pdy, end_x, end_y, vx, vy;
    int listener_downs;
} counts;

static counts c, c2;

static void on_tap(void *ctx)
{
    ((counts *)ctx)->tap++;
}
static void on_tap_down(void *ctx)
{
    ((counts *)ctx)->tap_down++;
}
static void on_tap_up(void *ctx)
{
    ((counts *)ctx)->tap_up++;
}
static void on_tap_cancel(void *ctx)
{
    ((counts *)ctx)->tap_cancel++;
}
static void on_secondary(void *ctx)
{
    ((counts *)ctx)->secondary++;
}
static void on_double(void *ctx)
{
    ((counts *)ctx)->double_tap++;
}
static void on_long(void *ctx)
{
    ((counts *)ctx)->long_press++;
}
static void on_long_up(void *ctx)
{
    ((counts *)ctx)->long_press_up++;
}
static void on_vstart(void *ctx, const ui_drag_details *d)
{
    (void)d;
    ((counts *)ctx)->vstart++;
}
static void on_vupdate(void *ctx, const ui_drag_details *d)
{
    ((counts *)ctx)->vupdate++;
    ((counts *)ctx)->vdelta += d->primary_delta;
}
static void on_vend(void *ctx, const ui_drag_details *d)
{
    ((counts *)ctx)->vend++;
    ((counts *)ctx)->vy = d->primary_velocity;
}
static void on_hupdate(void *ctx, const ui_drag_details *d)
{
    (void)d;
    ((counts *)ctx)->hupdate++;
}
static void on_hend(void *ctx, const ui_drag_details *d)
{
    (void)d;
    ((counts *)ctx)->hend++;
}
static void on_pstart(void *ctx, const ui_drag_details *d)
{
    (void)d;
    ((counts *)ctx)->pstart++;
}
static void on_pupdate(void *ctx, const ui_drag_details *d)
{
    counts *k = ctx;
    k->pupdate++;
    k->pdx += d->dx;
    k->pdy += d->dy;
}
static void on_pend(void *ctx, const ui_drag_details *d)
{
    counts *k = ctx;
    k->pend++;
    k->end_x = d->x;
    k->end_y = d->y;
    k->vx = d->vx;
    k->vy = d->vy;
}

/* Flutter's Listener: sees the down, takes nothing. */
static bool listener_pointer(ui_element *e, int kind, float x, float y)
{
    (void)e, (void)x, (void)y;
    if (kind == UI_POINTER_DOWN) c.listener_downs++;
    return false;
}
static const ui_widget_class listener_class = {.name = "Listener", .pointer = listener_pointer};

static ui_tester *start(ui_widget *(*root)(ui_build *b, void *ctx), void *ctx)
{
    memset(&c, 0, sizeof c);
    memset(&c2, 0, sizeof c2);
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(400, 300, &vclock);
    ui_tester_pump_widget(t, root, ctx);
    return t;
}

static void finish(ui_tester *t)
{
    assert_int_equal(ui_tree_gesture_arenas(ui_tester_tree(t)), 0);
    assert_int_equal(ui_tree_pointers_down(ui_tester_tree(t)), 0);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static void finger(ui_tester *t, int id, int kind, float x, float y)
{
    ui_tree_pointer_id(ui_tester_tree(t), id, kind, UI_DEVICE_TOUCH, x, y, UI_BUTTON_PRIMARY);
}

/* ---- Drags ---- */

static ui_widget *vdrag_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {.on_vertical_drag_start = on_vstart,
                          .on_vertical_drag_update = on_vupdate,
                          .on_vertical_drag_end = on_vend,
                          .ctx = &c};
    return ui_gesture(b, &g, ui_sized(b, -1, -1, NULL));
}

/* gesture_detector_test.dart: 'Uncontested scrolls start immediately' */
static void test_uncontested_scrolls_start_immediately(void **state)
{
    (void)state;
    ui_tester *t = start(vdrag_app, NULL);
    finger(t, 7, UI_POINTER_DOWN, 10, 10);
    assert_int_equal(c.vstart, 1);
    assert_int_equal(c.vupdate, 0);
    finger(t, 7, UI_POINTER_MOVE, 10, 9);
    assert_int_equal(c.vupdate, 1);
    assert_true(c.vdelta == -1.0f);
    assert_int_equal(c.vend, 0);
    finger(t, 7, UI_POINTER_UP, 10, 9);
    assert_int_equal(c.vend, 1);
    assert_int_equal(c.vstart, 1);
    finish(t);
}

static ui_widget *two_axes_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {.on_vertical_drag_update = on_vupdate,
                          .on_vertical_drag_end = on_vend,
                          .on_horizontal_drag_update = on_hupdate,
                          .on_horizontal_drag_end = on_hend,
                          .ctx = &c};
    return ui_gesture(b, &g, ui_sized(b, -1, -1, NULL));
}

/* gesture_detector_test.dart: 'Match two scroll gestures in succession'
 * (DragStartBehavior.down: the whole delta is reported) */
static void test_match_two_scroll_gestures_in_succession(void **state)
{
    (void)state;
    ui_tester *t = start(two_axes_app, NULL);
    for (int i = 0; i < 2; i++) {
        finger(t, 7, UI_POINTER_DOWN, 10, 10);
        finger(t, 7, UI_POINTER_MOVE, 10, 50);
        finger(t, 7, UI_POINTER_UP, 10, 50);
    }
    assert_int_equal(c.vend, 2);
    assert_true(c.vdelta == 80.0f);
    assert_int_equal(c.hupdate + c.hend, 0);
    finish(t);
}

static ui_widget *pan_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {
        .on_pan_start = on_pstart, .on_pan_update = on_pupdate, .on_pan_end = on_pend, .ctx = &c};
    return ui_padding(b, 10, ui_gesture(b, &g, ui_sized(b, -1, -1, NULL)));
}

/* gesture_detector_test.dart: "Pan doesn't crash" and 'DragEndDetails
 * returns the last known position' */
static void test_pan(void **state)
{
    (void)state;
    ui_tester *t = start(pan_app, NULL);
    finger(t, 1, UI_POINTER_DOWN, 20, 20);
    finger(t, 1, UI_POINTER_MOVE, 50, 60);
    finger(t, 1, UI_POINTER_UP, 50, 60);
    assert_int_equal(c.pstart, 1);
    assert_true(c.pdx == 30.0f && c.pdy == 40.0f);
    assert_int_equal(c.pend, 1);
    assert_true(c.end_x == 50.0f && c.end_y == 60.0f);
    finish(t);
}

/* drag_test.dart: 'Should recognize pan' (velocity at the end of a fling) */
static void test_pan_velocity(void **state)
{
    (void)state;
    ui_tester *t = start(pan_app, NULL);
    ui_tester_drag_for(t, ui_find_class(t, &ui_gesture_class), 0, -200, 96 * MS);
    assert_int_equal(c.pend, 1);
    assert_true(fabsf(c.vy + 200.0f / 0.096f) < 0.1f * 200.0f / 0.096f);
    assert_true(fabsf(c.vx) < 1);
    /* Resting 50 ms before lifting: no velocity. */
    float x, y, w, h;
    ui_element_rect(ui_find_class(t, &ui_gesture_class), &x, &y, &w, &h);
    finger(t, 1, UI_POINTER_DOWN, 100, 100);
    ui_tester_pump(t, 16 * MS);
    finger(t, 1, UI_POINTER_MOVE, 100, 200);
    ui_tester_pump(t, 50 * MS);
    finger(t, 1, UI_POINTER_UP, 100, 200);
    assert_int_equal(c.pend, 2);
    assert_true(c.vy == 0);
    finish(t);
}

/* ---- Hit testing ---- */

static int behavior, button;

static ui_widget *translucent_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {.behavior = behavior, .ctx = &c};
    if (button == UI_BUTTON_PRIMARY) g.on_tap = on_tap;
    if (button == UI_BUTTON_SECONDARY) g.on_secondary_tap = on_tap;
    ui_widget *box = ui_sized(b, 100, 100, NULL);
    /* The detector sits straight in the stack: here a sized box takes hits
     * of its own (Flutter's SizedBox does not), so it cannot wrap it. */
    ui_widget *kids[] = {ui_widget_new(b, &listener_class, UI_NO_KEY, NULL, &box, 1),
                         ui_gesture(b, &g, NULL)};
    return ui_stack(b, kids, 2);
}

static void tap_at(ui_tester *t, float x, float y, int buttons)
{
    ui_tree_pointer_id(ui_tester_tree(t), 3, UI_POINTER_DOWN, UI_DEVICE_MOUSE, x, y, buttons);
    ui_tree_pointer_id(ui_tester_tree(t), 3, UI_POINTER_UP, UI_DEVICE_MOUSE, x, y, buttons);
    ui_tester_pump(t, 0);
}

/* gesture_detector_test.dart: group 'Tap', 'Translucent' (primary and
 * secondary variants) */
static void test_translucent(void **state)
{
    (void)state;
    static const int buttons[] = {UI_BUTTON_PRIMARY, UI_BUTTON_SECONDARY};
    static const struct {
        int behavior;
        int listener, tap;
    } cases[] = {{UI_HIT_DEFAULT, 1, 1},
                 {UI_HIT_DEFER_TO_CHILD, 1, 0},
                 {UI_HIT_OPAQUE, 0, 1},
                 {UI_HIT_TRANSLUCENT, 1, 1}};
    for (size_t bi = 0; bi < 2; bi++) {
        for (size_t i = 0; i < 4; i++) {
            behavior = cases[i].behavior;
            button = buttons[bi];
            ui_tester *t = start(translucent_app, NULL);
            tap_at(t, 10, 10, button);
            assert_int_equal(c.listener_downs, cases[i].listener);
            assert_int_equal(c.tap, cases[i].tap);
            finish(t);
        }
    }
}

static ui_widget *empty_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {.ctx = &c};
    if (button == UI_BUTTON_PRIMARY) g.on_tap = on_tap;
    if (button == UI_BUTTON_SECONDARY) g.on_secondary_tap = on_secondary;
    return ui_center(b, ui_gesture(b, &g, NULL));
}

/* gesture_detector_test.dart: group 'Tap', 'Empty': a detector without a
 * child fills its constraints; the secondary tap needs the secondary
 * button. */
static void test_empty_detector_fills_and_taps(void **state)
{
    (void)state;
    button = UI_BUTTON_PRIMARY;
    ui_tester *t = start(empty_app, NULL);
    ui_size s = ui_element_size(ui_find_class(t, &ui_gesture_class));
    assert_true(s.w == 400 && s.h == 300);
    tap_at(t, 10, 10, UI_BUTTON_PRIMARY);
    assert_int_equal(c.tap, 1);
    tap_at(t, 10, 10, UI_BUTTON_SECONDARY); /* no secondary callback */
    assert_int_equal(c.tap, 1);
    finish(t);
    button = UI_BUTTON_SECONDARY;
    t = start(empty_app, NULL);
    tap_at(t, 10, 10, UI_BUTTON_PRIMARY);
    assert_int_equal(c.secondary, 0);
    tap_at(t, 10, 10, UI_BUTTON_SECONDARY);
    assert_int_equal(c.secondary, 1);
    finish(t);
}

/* ---- The arena ---- */

static ui_widget *press_timeout_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props inner = {
        .on_tap_down = on_tap_down, .on_tap = on_tap, .on_tap_cancel = on_tap_cancel, .ctx = &c};
    ui_gesture_props outer = {.on_long_press = on_long, .behavior = UI_HIT_TRANSLUCENT, .ctx = &c};
    return ui_gesture(b, &outer, ui_gesture(b, &inner, ui_sized(b, 100, 100, NULL)));
}

/* gesture_detector_test.dart: group 'Tap', 'Tap down occurs after
 * kPressTimeout' (primary variant) */
static void test_tap_down_after_press_timeout(void **state)
{
    (void)state;
    ui_tester *t = start(press_timeout_app, NULL);
    finger(t, 1, UI_POINTER_DOWN, 10, 10);
    ui_tester_pump(t, UI_PRESS_TIMEOUT_NS / 2);
    assert_int_equal(c.tap_down, 0);
    ui_tester_pump(t, UI_PRESS_TIMEOUT_NS);
    assert_int_equal(c.tap_down, 1);
    finger(t, 1, UI_POINTER_UP, 10, 10);
    ui_tester_pump(t, 0);
    assert_int_equal(c.tap, 1);
    assert_int_equal(c.tap_cancel + c.long_press, 0);
    /* Held past the long press timeout: the long press wins, the tap is
     * cancelled. */
    finger(t, 1, UI_POINTER_DOWN, 10, 10);
    ui_tester_pump(t, UI_PRESS_TIMEOUT_NS * 2);
    assert_int_equal(c.tap_down, 2);
    ui_tester_pump(t, UI_LONG_PRESS_TIMEOUT_NS);
    assert_int_equal(c.long_press, 1);
    assert_int_equal(c.tap_cancel, 1);
    finger(t, 1, UI_POINTER_UP, 10, 10);
    ui_tester_pump(t, 0);
    assert_int_equal(c.tap, 1);
    finish(t);
}

static ui_widget *nested_taps_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props inner = {.on_tap = on_tap, .ctx = &c};
    ui_gesture_props outer = {.on_tap = on_tap, .ctx = &c2};
    return ui_gesture(b, &outer,
                      ui_padding(b, 50, ui_gesture(b, &inner, ui_sized(b, -1, -1, NULL))));
}

/* arena_test.dart: 'Should win by sweep': with two members and nobody
 * accepting, the pointer-up gives the arena to the first (innermost). */
static void test_arena_sweep_innermost_wins(void **state)
{
    (void)state;
    ui_tester *t = start(nested_taps_app, NULL);
    tap_at(t, 200, 150, UI_BUTTON_PRIMARY);
    assert_int_equal(c.tap, 1);
    assert_int_equal(c2.tap, 0);
    tap_at(t, 10, 10, UI_BUTTON_PRIMARY); /* outside the inner one */
    assert_int_equal(c.tap, 1);
    assert_int_equal(c2.tap, 1);
    finish(t);
}

static bool inner_has_drag;

static ui_widget *tap_through_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props inner = {.on_hover = NULL, .ctx = &c};
    if (inner_has_drag) inner.on_vertical_drag_update = on_vupdate;
    ui_gesture_props outer = {.on_tap = on_tap, .ctx = &c2};
    return ui_gesture(b, &outer, ui_gesture(b, &inner, ui_sized(b, -1, -1, NULL)));
}

/* arena_test.dart: 'Should win by accepting' / issue 13: an outer detector
 * taps through an inner one that has no tap callbacks; an inner drag that
 * never passed its slop gives up at the up. */
static void test_outer_taps_through_inner(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        inner_has_drag = i;
        ui_tester *t = start(tap_through_app, NULL);
        finger(t, 1, UI_POINTER_DOWN, 100, 100);
        finger(t, 1, UI_POINTER_MOVE, 100, 105);
        finger(t, 1, UI_POINTER_UP, 100, 105);
        ui_tester_pump(t, 0);
        assert_int_equal(c2.tap, 1);
        assert_int_equal(c.vupdate, 0);
        /* Beyond the slop the drag accepts, and the tap is rejected. */
        finger(t, 1, UI_POINTER_DOWN, 100, 100);
        finger(t, 1, UI_POINTER_MOVE, 100, 140);
        finger(t, 1, UI_POINTER_UP, 100, 140);
        ui_tester_pump(t, 0);
        assert_int_equal(c2.tap, 1); /* moved beyond the slop: no second tap */
        assert_int_equal(c.vupdate, i ? 1 : 0);
        finish(t);
    }
}

static ui_widget *double_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {
        .on_tap = on_tap, .on_tap_up = on_tap_up, .on_double_tap = on_double, .ctx = &c};
    return ui_center(b, ui_gesture(b, &g, ui_sized(b, 100, 100, NULL)));
}

/* gesture_detector_test.dart / double_tap_test.dart: 'Should recognize
 * double tap' and 'Single tap fires after the double tap timeout' (the
 * arena is held: arena_test.dart 'Should win on release after hold sweep
 * release') */
static void test_double_tap(void **state)
{
    (void)state;
    ui_tester *t = start(double_app, NULL);
    ui_element *d = ui_find_class(t, &ui_gesture_class);
    ui_tester_double_tap(t, d);
    assert_int_equal(c.double_tap, 1);
    assert_int_equal(c.tap + c.tap_up, 0);
    ui_tester_pump(t, UI_DOUBLE_TAP_TIMEOUT_NS * 2);
    assert_int_equal(c.tap, 0);
    /* One tap: nothing until the double tap gives up. */
    finger(t, 1, UI_POINTER_DOWN, 200, 150);
    finger(t, 1, UI_POINTER_UP, 200, 150);
    ui_tester_pump(t, UI_DOUBLE_TAP_TIMEOUT_NS / 2);
    assert_int_equal(c.tap, 0);
    assert_int_equal(ui_tree_gesture_arenas(ui_tester_tree(t)), 1); /* held */
    ui_tester_pump(t, UI_DOUBLE_TAP_TIMEOUT_NS);
    assert_int_equal(c.tap, 1);
    assert_int_equal(c.double_tap, 1);
    /* Two taps too slow: two taps. */
    finger(t, 1, UI_POINTER_DOWN, 200, 150);
    finger(t, 1, UI_POINTER_UP, 200, 150);
    ui_tester_pump(t, UI_DOUBLE_TAP_TIMEOUT_NS + 10 * MS);
    finger(t, 1, UI_POINTER_DOWN, 200, 150);
    finger(t, 1, UI_POINTER_UP, 200, 150);
    ui_tester_pump(t, UI_DOUBLE_TAP_TIMEOUT_NS + 10 * MS);
    assert_int_equal(c.tap, 3);
    assert_int_equal(c.double_tap, 1);
    finish(t);
}

/* double_tap_test.dart: 'Inter-tap distance cancels double tap' */
static void test_double_tap_far_apart(void **state)
{
    (void)state;
    ui_tester *t = start(double_app, NULL);
    finger(t, 1, UI_POINTER_DOWN, 155, 105);
    finger(t, 1, UI_POINTER_UP, 155, 105);
    ui_tester_pump(t, 50 * MS);
    finger(t, 1, UI_POINTER_DOWN, 245, 195); /* 127 px away: beyond the slop */
    finger(t, 1, UI_POINTER_UP, 245, 195);
    ui_tester_pump(t, UI_DOUBLE_TAP_TIMEOUT_NS * 2);
    assert_int_equal(c.double_tap, 0);
    assert_true(c.tap >= 1);
    finish(t);
}

static ui_widget *long_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {.on_tap = on_tap,
                          .on_tap_cancel = on_tap_cancel,
                          .on_long_press = on_long,
                          .on_long_press_up = on_long_up,
                          .ctx = &c};
    return ui_center(b, ui_gesture(b, &g, ui_sized(b, 100, 100, NULL)));
}

/* long_press_test.dart: 'Should recognize long press', 'Up cancels long
 * press', 'Should cancel long press when moved beyond slop' */
static void test_long_press(void **state)
{
    (void)state;
    ui_tester *t = start(long_app, NULL);
    ui_element *d = ui_find_class(t, &ui_gesture_class);
    ui_tester_long_press(t, d);
    assert_int_equal(c.long_press, 1);
    assert_int_equal(c.long_press_up, 1);
    assert_int_equal(c.tap, 0);
    assert_int_equal(c.tap_cancel, 1);
    ui_tester_tap(t, d);
    assert_int_equal(c.tap, 1);
    ui_tester_pump(t, UI_LONG_PRESS_TIMEOUT_NS * 2);
    assert_int_equal(c.long_press, 1);
    finger(t, 1, UI_POINTER_DOWN, 200, 150);
    finger(t, 1, UI_POINTER_MOVE, 200, 190);
    ui_tester_pump(t, UI_LONG_PRESS_TIMEOUT_NS * 2);
    finger(t, 1, UI_POINTER_UP, 200, 190);
    assert_int_equal(c.long_press, 1);
    assert_int_equal(c.tap, 1);
    finish(t);
}

/* A detector removed while its long press is pending leaves no timer and
 * no arena behind. */
static bool shown = true;
static ui_widget *removable_app(ui_build *b, void *ctx)
{
    (void)ctx;
    if (!shown) return ui_sized(b, -1, -1, NULL);
    return long_app(b, ctx);
}

static void test_detector_removed_mid_gesture(void **state)
{
    (void)state;
    shown = true;
    ui_tester *t = start(removable_app, NULL);
    finger(t, 1, UI_POINTER_DOWN, 200, 150);
    shown = false;
    ui_tree_set_root(ui_tester_tree(t), removable_app, NULL);
    ui_tester_pump(t, 0);
    assert_null(ui_find_class(t, &ui_gesture_class));
    ui_tester_pump(t, UI_LONG_PRESS_TIMEOUT_NS * 2);
    assert_int_equal(c.long_press, 0);
    finger(t, 1, UI_POINTER_UP, 200, 150);
    assert_int_equal(c.tap, 0);
    finish(t);
}

/* ---- Two pointers ---- */

static ui_widget *two_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props ga = {.on_tap = on_tap, .ctx = &c};
    ui_gesture_props gb = {.on_tap = on_tap, .ctx = &c2};
    ui_widget *kids[] = {ui_gesture(b, &ga, ui_sized(b, 100, 100, NULL)),
                         ui_gesture(b, &gb, ui_sized(b, 100, 100, NULL))};
    return ui_row(b, &(ui_flex_props){.horizontal = true}, kids, 2);
}

/* Each pointer has its own arena: two fingers tap two detectors at once. */
static void test_two_pointers_two_arenas(void **state)
{
    (void)state;
    ui_tester *t = start(two_app, NULL);
    finger(t, 11, UI_POINTER_DOWN, 50, 50);
    finger(t, 12, UI_POINTER_DOWN, 150, 50);
    assert_int_equal(ui_tree_pointers_down(ui_tester_tree(t)), 2);
    finger(t, 11, UI_POINTER_UP, 50, 50);
    assert_int_equal(c.tap, 1);
    assert_int_equal(c2.tap, 0);
    finger(t, 12, UI_POINTER_MOVE, 150, 60);
    finger(t, 12, UI_POINTER_UP, 150, 60);
    assert_int_equal(c2.tap, 1);
    assert_int_equal(c.tap, 1);
    finish(t);
}

/* ---- gesture_disambiguation_test.dart ---- */

static int detector1_taps, detector2_taps;

static void count_tap(void *ctx)
{
    ++*(int *)ctx;
}

static ui_widget *disambiguation_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props d1 = {.on_tap = count_tap, .ctx = &detector1_taps, .behavior = UI_HIT_OPAQUE};
    ui_gesture_props d2 = {.on_tap = count_tap, .ctx = &detector2_taps, .behavior = UI_HIT_OPAQUE};
    ui_widget *kids[] = {ui_gesture(b, &d1, ui_sized(b, 200, 200, NULL)),
                         ui_gesture(b, &d2, ui_sized(b, 200, 200, NULL))};
    ui_flex_props col = {.main_align = UI_START, .cross_align = UI_CENTER}; /* Flutter's default */
    return ui_gesture(b, &(ui_gesture_props){0}, ui_column(b, &col, kids, 2));
}

/* Flutter: packages/flutter/test/widgets/gesture_disambiguation_test.dart,
 * 'onTap detection with canceled pointer and a drag listener' (flutter#12470:
 * this sequence once tapped the second detector twice). */
static void test_tap_with_a_cancelled_pointer(void **state)
{
    (void)state;
    detector1_taps = detector2_taps = 0;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(800, 600, &vclock);
    ui_tester_pump_widget(t, disambiguation_app, NULL);
    finger(t, 1, UI_POINTER_DOWN, 400, 10);  /* gesture1 */
    finger(t, 2, UI_POINTER_DOWN, 400, 210); /* gesture2 */
    finger(t, 1, UI_POINTER_UP, 400, 10);
    finger(t, 2, UI_POINTER_CANCEL, 400, 210);
    finger(t, 3, UI_POINTER_DOWN, 400, 250); /* gesture3 */
    finger(t, 3, UI_POINTER_UP, 400, 250);
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(detector1_taps, 1);
    assert_int_equal(detector2_taps, 1);
    finish(t);
}

/* SDL's finger events, as the window gets them: positions in [0, 1], one
 * pointer per finger; the mouse events SDL makes from touches are not a
 * second pointer. */
static void sdl_finger(ui_tester *t, Uint32 type, SDL_FingerID id, float x, float y)
{
    SDL_Event e = {.type = type};
    e.tfinger.fingerId = id;
    e.tfinger.x = x / 400; /* the tester is 400 x 300 */
    e.tfinger.y = y / 300;
    assert_true(ui_window_input(ui_tester_tree(t), &e));
}

static void test_sdl_fingers_are_pointers_of_their_own(void **state)
{
    (void)state;
    ui_tester *t = start(two_app, NULL);
    sdl_finger(t, SDL_FINGERDOWN, 0, 50, 50); /* finger 0 is not the mouse */
    sdl_finger(t, SDL_FINGERDOWN, 7, 150, 50);
    assert_int_equal(ui_tree_pointers_down(ui_tester_tree(t)), 2);
    SDL_Event m = {.type = SDL_MOUSEBUTTONDOWN};
    m.button.which = SDL_TOUCH_MOUSEID;
    m.button.button = SDL_BUTTON_LEFT;
    m.button.x = 50;
    m.button.y = 50;
    assert_true(ui_window_input(ui_tester_tree(t), &m)); /* taken, and dropped */
    assert_int_equal(ui_tree_pointers_down(ui_tester_tree(t)), 2);
    sdl_finger(t, SDL_FINGERUP, 7, 150, 50);
    assert_int_equal(c2.tap, 1);
    assert_int_equal(c.tap, 0);
    sdl_finger(t, SDL_FINGERUP, 0, 50, 50);
    assert_int_equal(c.tap, 1);
    ui_tester_pump(t, RT_MS(16));
    finish(t);
}

/* ---- The list: drags against its items' taps ---- */

static int tapped_index = -1, item_cancels;

static void item_tap(void *ctx)
{
    tapped_index = (int)(intptr_t)ctx;
}
static void item_cancel(void *ctx)
{
    (void)ctx;
    item_cancels++;
}

static ui_widget *list_item(ui_build *b, size_t i, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {
        .on_tap = item_tap, .on_tap_cancel = item_cancel, .ctx = (void *)(intptr_t)i};
    return ui_gesture(b, &g, ui_sized(b, -1, -1, NULL));
}

static ui_widget *list_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_list(b, ui_key_str("l"), 60, 50, list_item, NULL);
}

/* Flutter's list_view_test / scrollable tests: a short press on an item
 * taps it; a drag beyond the slop scrolls and the item's tap is
 * cancelled; a fling goes on with friction and stops at the end. */
static void test_list_tap_versus_drag(void **state)
{
    (void)state;
    tapped_index = -1;
    item_cancels = 0;
    ui_tester *t = start(list_app, NULL);
    ui_element *list = ui_find_class(t, &ui_list_class);
    ui_element *items = ui_element_child(list, 0);
    ui_tester_tap(t, ui_element_child(items, 2));
    assert_int_equal(tapped_index, 2);
    assert_true(ui_list_offset(list) == 0);
    tapped_index = -1;
    ui_tester_drag_for(t, ui_element_child(items, 2), 0, -100, 200 * MS);
    assert_int_equal(tapped_index, -1);
    assert_true(ui_list_offset(list) == 100);
    assert_int_equal(item_cancels, 0); /* past the slop before its tap-down was due */
    /* 500 px/s at the release: a fling goes on with friction, then stops. */
    assert_true(ui_tester_pump_and_settle(t, 10000 * MS));
    float flung = ui_list_offset(list);
    assert_true(flung > 300 && flung < 400); /* v / ln(1 / 0.135): 250 px */
    assert_int_equal(tapped_index, -1);
    /* Held past the press timeout, then dragged and held still: the
     * tap-down went out, so the item hears the cancel; no fling. */
    finger(t, 1, UI_POINTER_DOWN, 200, 100);
    ui_tester_pump(t, 2 * UI_PRESS_TIMEOUT_NS);
    finger(t, 1, UI_POINTER_MOVE, 200, 130);
    ui_tester_pump(t, 50 * MS);
    finger(t, 1, UI_POINTER_UP, 200, 130);
    assert_true(ui_tester_pump_and_settle(t, 10000 * MS));
    assert_int_equal(item_cancels, 1);
    assert_int_equal(tapped_index, -1);
    assert_true(ui_list_offset(list) == flung - 30);
    /* A hard fling stops at the end. */
    ui_tester_fling(t, ui_element_child(ui_element_child(list, 0), 1), 0, -150, 8000);
    assert_true(ui_tester_pump_and_settle(t, 10000 * MS));
    assert_true(ui_list_offset(list) == 60 * 50 - 300);
    /* A tap stops nothing and still taps. */
    ui_tester_tap(t, ui_element_child(ui_element_child(list, 0), 0));
    assert_true(tapped_index >= 54);
    finish(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uncontested_scrolls_start_immediately),
        cmocka_unit_test(test_match_two_scroll_gestures_in_succession),
        cmocka_unit_test(test_pan),
        cmocka_unit_test(test_pan_velocity),
        cmocka_unit_test(test_translucent),
        cmocka_unit_test(test_empty_detector_fills_and_taps),
        cmocka_unit_test(test_tap_down_after_press_timeout),
        cmocka_unit_test(test_arena_sweep_innermost_wins),
        cmocka_unit_test(test_outer_taps_through_inner),
        cmocka_unit_test(test_double_tap),
        cmocka_unit_test(test_double_tap_far_apart),
        cmocka_unit_test(test_long_press),
        cmocka_unit_test(test_detector_removed_mid_gesture),
        cmocka_unit_test(test_two_pointers_two_arenas),
        cmocka_unit_test(test_sdl_fingers_are_pointers_of_their_own),
        cmocka_unit_test(test_tap_with_a_cancelled_pointer),
        cmocka_unit_test(test_list_tap_versus_drag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
