/* test_flex.c: rows and columns, ported from Flutter's
 * packages/flutter/test/widgets/row_test.dart, column_test.dart,
 * flex_test.dart and rendering/flex_test.dart (an 800x600 screen, as
 * flutter_test's). Container(width, height) is ui_sized; Center is
 * ui_center; Flutter's rows centre across by default, ours start, which the
 * 100-high children of these tests do not see. */
#include "test_support.h"
#include <islet/ui_layout_widgets.h>
#include <islet/ui_tester.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static rt_virtual_clock vclock;

/* What the root builds: a flex of up to 8 children, centred or not. */
typedef struct scene {
    bool column, center;
    ui_flex_props p;
    float w[8], h[8];
    int flex[8]; /* > 0: Expanded; < 0: Flexible */
    size_t n;
    float outer_w, outer_h; /* > 0: inside a box of this size (no Center) */
} scene;

static ui_widget *child_of(ui_build *b, const scene *s, size_t i)
{
    ui_widget *c = ui_keyed(ui_sized(b, s->w[i], s->h[i], NULL), ui_key_int((int64_t)i));
    if (s->flex[i] > 0) return ui_expanded(b, s->flex[i], c);
    if (s->flex[i] < 0) return ui_flexible(b, -s->flex[i], c);
    return c;
}

static ui_widget *scene_root(ui_build *b, void *ctx)
{
    const scene *s = ctx;
    ui_widget **kids = ui_alloc(b, sizeof *kids * 8);
    for (size_t i = 0; i < s->n; i++)
        kids[i] = child_of(b, s, i);
    ui_widget *f = s->column ? ui_column(b, &s->p, kids, s->n) : ui_row(b, &s->p, kids, s->n);
    f = ui_keyed(f, ui_key_str("flex"));
    if (s->outer_w > 0) return ui_align(b, 0, 0, ui_sized(b, s->outer_w, s->outer_h, f));
    return s->center ? ui_center(b, f) : f;
}

typedef struct rect {
    float x, y, w, h;
} rect;

static rect rect_of(ui_tester *t, ui_key k)
{
    ui_element *e = ui_find_key(t, k);
    assert_non_null(e);
    rect r;
    ui_element_rect(e, &r.x, &r.y, &r.w, &r.h);
    return r;
}

static void assert_rect(ui_tester *t, ui_key k, float x, float y, float w, float h)
{
    rect r = rect_of(t, k);
    if (fabsf(r.x - x) > 1e-3f || fabsf(r.y - y) > 1e-3f || fabsf(r.w - w) > 1e-3f ||
        fabsf(r.h - h) > 1e-3f)
        fail_msg("rect %g,%g %gx%g, expected %g,%g %gx%g", r.x, r.y, r.w, r.h, x, y, w, h);
}

static ui_tester *pump(scene *s)
{
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(800, 600, &vclock);
    assert_non_null(t);
    ui_tester_pump_widget(t, scene_root, s);
    return t;
}

static void done(ui_tester *t)
{
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static scene boxes(bool column, size_t n, float w, float h)
{
    scene s = {.column = column, .center = true, .n = n};
    for (size_t i = 0; i < n; i++) {
        s.w[i] = w;
        s.h[i] = h;
    }
    return s;
}

/* row_test.dart: 'Row with one flexible child' */
static void test_row_one_flexible_child(void **state)
{
    (void)state;
    scene s = boxes(false, 3, 100, 100);
    s.flex[1] = 1;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_str("flex"), 0, 250, 800, 100);
    assert_rect(t, ui_key_int(0), 0, 250, 100, 100);
    assert_rect(t, ui_key_int(1), 100, 250, 600, 100);
    assert_rect(t, ui_key_int(2), 700, 250, 100, 100);
    done(t);
}

/* row_test.dart: 'Row with default main axis parameters' (MainAxisSize.max:
 * the row is as wide as the screen) */
static void test_row_default_main_axis(void **state)
{
    (void)state;
    scene s = boxes(false, 3, 100, 100);
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_str("flex"), 0, 250, 800, 100);
    for (int i = 0; i < 3; i++)
        assert_rect(t, ui_key_int(i), 100.0f * (float)i, 250, 100, 100);
    done(t);
}

/* row_test.dart: 'Row with MainAxisAlignment.center' */
static void test_row_center(void **state)
{
    (void)state;
    scene s = boxes(false, 2, 100, 100);
    s.p.main_align = UI_CENTER;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_str("flex"), 0, 250, 800, 100);
    assert_rect(t, ui_key_int(0), 300, 250, 100, 100);
    assert_rect(t, ui_key_int(1), 400, 250, 100, 100);
    done(t);
}

/* row_test.dart: 'Row with MainAxisAlignment.end' */
static void test_row_end(void **state)
{
    (void)state;
    scene s = boxes(false, 3, 100, 100);
    s.p.main_align = UI_END;
    ui_tester *t = pump(&s);
    for (int i = 0; i < 3; i++)
        assert_rect(t, ui_key_int(i), 500 + 100.0f * (float)i, 250, 100, 100);
    done(t);
}

/* row_test.dart: 'Row with MainAxisAlignment.spaceBetween' */
static void test_row_space_between(void **state)
{
    (void)state;
    scene s = boxes(false, 3, 100, 100);
    s.p.main_align = UI_SPACE_BETWEEN;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_int(0), 0, 250, 100, 100);
    assert_rect(t, ui_key_int(1), 350, 250, 100, 100);
    assert_rect(t, ui_key_int(2), 700, 250, 100, 100);
    done(t);
}

/* row_test.dart: 'Row with MainAxisAlignment.spaceAround' */
static void test_row_space_around(void **state)
{
    (void)state;
    scene s = boxes(false, 4, 100, 100);
    s.p.main_align = UI_SPACE_AROUND;
    ui_tester *t = pump(&s);
    for (int i = 0; i < 4; i++)
        assert_rect(t, ui_key_int(i), 50 + 200.0f * (float)i, 250, 100, 100);
    done(t);
}

/* row_test.dart: 'Row with MainAxisAlignment.spaceEvenly' */
static void test_row_space_evenly(void **state)
{
    (void)state;
    scene s = boxes(false, 3, 200, 100);
    s.p.main_align = UI_SPACE_EVENLY;
    ui_tester *t = pump(&s);
    for (int i = 0; i < 3; i++)
        assert_rect(t, ui_key_int(i), 50 + 250.0f * (float)i, 250, 200, 100);
    done(t);
}

/* row_test.dart: 'Row and MainAxisSize.min' */
static void test_row_main_size_min(void **state)
{
    (void)state;
    scene s = boxes(false, 2, 100, 100);
    s.w[1] = 150;
    s.p.main_size = UI_MAIN_MIN;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_str("flex"), 275, 250, 250, 100);
    assert_rect(t, ui_key_int(0), 275, 250, 100, 100);
    assert_rect(t, ui_key_int(1), 375, 250, 150, 100);
    done(t);
}

/* row_test.dart: 'Row MainAxisSize.min layout at zero size' */
static void test_row_min_at_zero_size(void **state)
{
    (void)state;
    scene s = boxes(false, 1, 100, 100);
    s.p.main_size = UI_MAIN_MIN;
    s.outer_w = 0.001f; /* a zero-size box: ui_sized(0, 0) */
    s.outer_h = 0.001f;
    ui_tester *t = pump(&s);
    rect r = rect_of(t, ui_key_str("flex"));
    assert_true(r.w < 0.01f && r.h < 0.01f);
    rect k = rect_of(t, ui_key_int(0));
    assert_true(fabsf(k.w - 100) < 1e-3f && k.h < 0.01f);
    done(t);
}

/* column_test.dart: 'Column with one flexible child' */
static void test_column_one_flexible_child(void **state)
{
    (void)state;
    scene s = boxes(true, 3, 100, 100);
    s.flex[1] = 1;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_str("flex"), 350, 0, 100, 600);
    assert_rect(t, ui_key_int(0), 350, 0, 100, 100);
    assert_rect(t, ui_key_int(1), 350, 100, 100, 400);
    assert_rect(t, ui_key_int(2), 350, 500, 100, 100);
    done(t);
}

/* column_test.dart: 'Column with default main axis parameters' */
static void test_column_default_main_axis(void **state)
{
    (void)state;
    scene s = boxes(true, 3, 100, 100);
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_str("flex"), 350, 0, 100, 600);
    for (int i = 0; i < 3; i++)
        assert_rect(t, ui_key_int(i), 350, 100.0f * (float)i, 100, 100);
    done(t);
}

/* column_test.dart: 'Column with MainAxisAlignment.spaceEvenly' */
static void test_column_space_evenly(void **state)
{
    (void)state;
    scene s = boxes(true, 3, 100, 100);
    s.p.main_align = UI_SPACE_EVENLY;
    ui_tester *t = pump(&s);
    for (int i = 0; i < 3; i++)
        assert_rect(t, ui_key_int(i), 350, 75 + 175.0f * (float)i, 100, 100);
    done(t);
}

/* column_test.dart: 'Column and MainAxisSize.min' */
static void test_column_main_size_min(void **state)
{
    (void)state;
    scene s = boxes(true, 2, 100, 100);
    s.h[1] = 150;
    s.p.main_size = UI_MAIN_MIN;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_str("flex"), 350, 175, 100, 250);
    assert_rect(t, ui_key_int(1), 350, 275, 100, 150);
    done(t);
}

/* flex_test.dart: "Doesn't overflow because of floating point accumulated
 * error" (six Expanded in a 400 px column end exactly at 400; floored
 * shares ended at 396, issue 13) */
static void test_six_expanded_lose_no_pixel(void **state)
{
    (void)state;
    scene s = boxes(true, 6, 50, 10);
    for (int i = 0; i < 6; i++)
        s.flex[i] = 1;
    s.outer_w = 50;
    s.outer_h = 400;
    ui_tester *t = pump(&s);
    float sum = 0, end = 0;
    for (int i = 0; i < 6; i++) {
        rect r = rect_of(t, ui_key_int(i));
        assert_true(fabsf(r.y - end) < 1e-3f); /* no gap, no overlap */
        sum += r.h;
        end = r.y + r.h;
        assert_true(fabsf(r.h - 400.0f / 6) < 1e-3f);
    }
    assert_true(fabsf(sum - 400) < 1e-3f);
    assert_true(end == 400);
    done(t);
}

/* flex_test.dart: 'Flexible defaults to loose' */
static void test_flexible_defaults_to_loose(void **state)
{
    (void)state;
    scene s = boxes(false, 1, 100, 200);
    s.flex[0] = -1;
    s.center = false;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_int(0), 0, 0, 100, 200);
    done(t);
}

/* rendering/flex_test.dart: 'Stretch' (cross-axis stretch gives the
 * children the flex's cross extent) */
static void test_cross_stretch(void **state)
{
    (void)state;
    scene s = boxes(false, 2, 100, 100);
    s.center = false;
    s.p.cross_align = UI_STRETCH;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_int(0), 0, 0, 100, 600);
    assert_rect(t, ui_key_int(1), 100, 0, 100, 600);
    done(t);
}

/* rendering/flex_test.dart: 'Parent data is reset when flex changes' (here:
 * cross alignment center and end, and a flex factor of 2 against 1) */
static void test_flex_factors_and_cross_alignment(void **state)
{
    (void)state;
    scene s = boxes(false, 2, 10, 100);
    s.h[1] = 50;
    s.flex[0] = 2;
    s.flex[1] = 1;
    s.center = false;
    s.outer_w = 300;
    s.outer_h = 100;
    s.p.cross_align = UI_END;
    ui_tester *t = pump(&s);
    assert_rect(t, ui_key_int(0), 0, 0, 200, 100);
    assert_rect(t, ui_key_int(1), 200, 50, 100, 50);
    done(t);
}

/* Runs fn with stderr going to a file; returns what was written. */
static void capture_stderr(void (*fn)(void *), void *ctx, char *out, size_t n)
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(fileno(stderr));
    dup2(fileno(tmp), fileno(stderr));
    fn(ctx);
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    rewind(tmp);
    size_t got = fread(out, 1, n - 1, tmp);
    out[got] = 0;
    fclose(tmp);
}

/* rendering/flex_test.dart: 'Overflow indicator' / widgets: "A RenderFlex
 * overflowed by 42 pixels on the right.", reported once; the band is painted
 * on the overflowing edge. */
static scene overflowing;
static void overflow_pump(void *ctx)
{
    ui_tester *t = ctx;
    ui_tester_pump_widget(t, scene_root, &overflowing);
    overflowing.w[0] = 143; /* a new widget: relaid out, still overflowing */
    ui_tester_pump_widget(t, scene_root, &overflowing);
}

static void test_overflow_band_and_report_once(void **state)
{
    (void)state;
    overflowing = boxes(false, 1, 142, 200);
    overflowing.center = false;
    overflowing.outer_w = 100;
    overflowing.outer_h = 200;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    char err[1024];
    capture_stderr(overflow_pump, t, err, sizeof err);
    ui_element *f = ui_find_key(t, ui_key_str("flex"));
    assert_true(fabsf(ui_flex_overflow(f) - 43) < 1e-3f);
#ifdef RT_CHECKS
    const char *first = strstr(err, "overflowed by 42 pixels on the right");
    assert_non_null(first);
    assert_null(strstr(first + 1, "overflowed")); /* once */
    /* The band's stripes at the right edge, a tenth of the row deep:
     * yellow or black over the box's (transparent) pixels, not the
     * background; the label along the edge in the middle. */
    ui_canvas *cv = ui_tester_canvas(t);
    ui_color c = ui_canvas_pixel(cv, 95, 2), d = ui_canvas_pixel(cv, 89, 2);
    assert_true((c.r > 200 && c.g > 200 && c.b < 100) || (c.r < 80 && c.g < 80 && c.b < 80));
    assert_true(d.b > 200); /* left of the band: the background */
    int dark_red = 0;       /* label text pixels */
    for (int yy = 40; yy < 160; yy++)
        for (int xx = 80; xx < 100; xx++) {
            ui_color k = ui_canvas_pixel(cv, xx, yy);
            dark_red += k.r > 100 && k.r < 200 && k.g < 60 && k.b < 60;
        }
    assert_true(dark_red > 20);
#endif
    /* A flex that fits has no overflow. */
    overflowing.w[0] = 100;
    ui_tester_pump_widget(t, scene_root, &overflowing);
    assert_true(ui_flex_overflow(f) == 0);
    done(t);
}

static bool vertical_overflow;

static ui_widget *overflow_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *fixed = vertical_overflow ? ui_sized(b, -1, 200, NULL) : ui_sized(b, 200, -1, NULL);
    ui_widget *kids[] = {
        fixed, ui_expanded(b, 1, ui_keyed(ui_sized(b, -1, -1, NULL), ui_key_str("flexible")))};
    ui_widget *f = vertical_overflow ? ui_column(b, NULL, kids, 2) : ui_row(b, NULL, kids, 2);
    ui_constraints viewport = {0, 100, 0, 100};
    return ui_align(b, 0, 0, ui_constrained_box(b, viewport, ui_keyed(f, ui_key_str("flex"))));
}

/* rendering/flex_test.dart: 'Vertical Overflow' and 'Horizontal Overflow'
 * (a 200 px child in a 100 px viewport: the flexible one gets nothing, the
 * flex stays in the viewport and overflows by 100) */
static void test_vertical_and_horizontal_overflow(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        vertical_overflow = v;
        ts_main_enter_virtual(&vclock);
        ui_tester *t = ui_tester_new(800, 600, &vclock);
        ui_tester_pump_widget(t, overflow_root, NULL);
        rect k = rect_of(t, ui_key_str("flexible"));
        assert_true((v ? k.h : k.w) == 0);
        rect f = rect_of(t, ui_key_str("flex"));
        assert_true((v ? f.h : f.w) == 100);
        assert_true(ui_flex_overflow(ui_find_key(t, ui_key_str("flex"))) == 100);
        done(t);
    }
}

static bool did_tap;
static void on_tap(void *ctx)
{
    (void)ctx;
    did_tap = true;
}

static ui_widget *flex_in_stack(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_gesture_props g = {.on_tap = on_tap};
    ui_box_props blue = {.width = 100, .height = 100, .color = {0, 0, 255, 255}};
    ui_widget *x = ui_text(b, "X", 14, (ui_color){0, 0, 0, 255});
    ui_widget *col[] = {ui_gesture(b, &g, ui_box(b, &blue, ui_center(b, x)))};
    ui_widget *kids[] = {ui_positioned(b, 10, 10, ui_column(b, NULL, col, 1))};
    return ui_stack(b, kids, 1);
}

/* flex_test.dart: 'Can hit test flex children of stacks' (a column in a
 * Positioned: unbounded height, so it shrink-wraps, and its child is hit) */
static void test_hit_flex_children_of_stacks(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(800, 600, &vclock);
    did_tap = false;
    ui_tester_pump_widget(t, flex_in_stack, NULL);
    ui_element *x = ui_find_text(t, "X");
    assert_non_null(x);
    ui_tester_tap(t, x);
    assert_true(did_tap);
    ui_element *col = ui_find_class(t, &ui_flex_class);
    float cx, cy, cw, ch;
    ui_element_rect(col, &cx, &cy, &cw, &ch);
    assert_true(cx == 10 && cy == 10 && cw == 100 && ch == 100);
    done(t);
}

/* A component above the flex, so a set_state rebuilds it without the root
 * being set again (which lays out everything anyway). */
static scene held_scene;

static ui_widget *holder_build(ui_build *b, ui_element *e)
{
    (void)e;
    return scene_root(b, &held_scene);
}

static const ui_widget_class holder_class = {.name = "FlexHolder", .build = holder_build};

static ui_widget *holder_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &holder_class, UI_NO_KEY, NULL, NULL, 0);
}

/* An Expanded's flex is its row's data: changing it alone, everything else
 * given the same configuration again, lays the row out again. */
static void test_changed_flex_factor_relays_out_the_row(void **state)
{
    (void)state;
    held_scene = boxes(false, 2, 100, 100);
    held_scene.center = false;
    held_scene.flex[0] = held_scene.flex[1] = 1;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(800, 600, &vclock);
    ui_tester_pump_widget(t, holder_app, NULL);
    assert_rect(t, ui_key_int(0), 0, 0, 400, 100);
    assert_rect(t, ui_key_int(1), 400, 0, 400, 100);
    held_scene.flex[1] = 3;
    ui_set_state(ui_find_class(t, &holder_class), NULL, NULL);
    ui_tester_pump(t, 0);
    assert_rect(t, ui_key_int(0), 0, 0, 200, 100);
    assert_rect(t, ui_key_int(1), 200, 0, 600, 100);
    done(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changed_flex_factor_relays_out_the_row),
        cmocka_unit_test(test_row_one_flexible_child),
        cmocka_unit_test(test_row_default_main_axis),
        cmocka_unit_test(test_row_center),
        cmocka_unit_test(test_row_end),
        cmocka_unit_test(test_row_space_between),
        cmocka_unit_test(test_row_space_around),
        cmocka_unit_test(test_row_space_evenly),
        cmocka_unit_test(test_row_main_size_min),
        cmocka_unit_test(test_row_min_at_zero_size),
        cmocka_unit_test(test_column_one_flexible_child),
        cmocka_unit_test(test_column_default_main_axis),
        cmocka_unit_test(test_column_space_evenly),
        cmocka_unit_test(test_column_main_size_min),
        cmocka_unit_test(test_six_expanded_lose_no_pixel),
        cmocka_unit_test(test_flexible_defaults_to_loose),
        cmocka_unit_test(test_cross_stretch),
        cmocka_unit_test(test_flex_factors_and_cross_alignment),
        cmocka_unit_test(test_overflow_band_and_report_once),
        cmocka_unit_test(test_hit_flex_children_of_stacks),
        cmocka_unit_test(test_vertical_and_horizontal_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
