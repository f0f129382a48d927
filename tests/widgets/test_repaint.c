/* test_repaint.c: needs-paint apart from build and layout, repaint
 * boundaries and their cached layers, anti-aliased edges; Flutter's
 * packages/flutter/test/rendering/repaint_boundary_test.dart where it can
 * be expressed (its two tests of render objects that make layers of their
 * own cannot: an Islet class never sets its layer). */
#include "test_support.h"
#include <islet/ui_anim.h>
#include <islet/ui_effects.h>
#include <islet/ui_tester.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CELLS 100

static rt_virtual_clock vclock;

/* A hundred boxes, a static box in a repaint boundary, and a spinner. */
static ui_widget *screen(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[CELLS + 2];
    for (int i = 0; i < CELLS; i++) {
        ui_box_props p = {.width = 180, .height = 1, .color = {(uint8_t)i, 90, 200, 255}};
        kids[i] = ui_box(b, &p, NULL);
    }
    ui_box_props q = {.width = 30, .height = 30, .color = {200, 40, 40, 128}, .radius = 8};
    kids[CELLS] = ui_repaint_boundary(b, ui_box(b, &q, NULL));
    /* A spinner in a boundary of its own: a picture that changes every tick. */
    kids[CELLS + 1] =
        ui_repaint_boundary(b, ui_spinner(b, UI_NO_KEY, 36, (ui_color){40, 100, 220, 255}));
    ui_flex_props f = {.horizontal = false};
    return ui_column(b, &f, kids, CELLS + 2);
}

static ui_frame_timing last_frame(ui_tester *t)
{
    ui_frame_timing ft;
    assert_int_equal(ui_tree_timings(ui_tester_tree(t), &ft, 1), 1);
    return ft;
}

static ui_canvas_stats stats(ui_tester *t)
{
    ui_canvas_stats s;
    ui_canvas_get_stats(ui_tester_canvas(t), &s);
    return s;
}

static ui_tester *start(void)
{
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    ui_tester_pump_widget(t, screen, NULL);
    return t;
}

static void finish(ui_tester *t)
{
    ui_tester_pump_widget(t, NULL, NULL); /* the spinner's ticker goes with it */
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* A tick of the spinner rebuilds nothing and paints only around it. */
static void test_spinner_tick_paints_only_its_boundary(void **state)
{
    (void)state;
    ui_tester *t = start();
    unsigned all = last_frame(t).painted;
    assert_true(all > CELLS);
    uint64_t n = last_frame(t).number;
    ui_tester_pump(t, UI_FRAME_NS);
    ui_frame_timing ft = last_frame(t);
    assert_true(ft.number > n); /* a frame happened */
    assert_int_equal(ft.built, 0);
    assert_true(ft.painted <= 6); /* root, column, spinner, boundary, arc */
    finish(t);
}

static SDL_Surface *snapshot(ui_tester *t)
{
    SDL_Surface *s = ui_canvas_surface(ui_tester_canvas(t));
    return SDL_ConvertSurface(s, s->format, 0);
}

static long differing_rows(SDL_Surface *a, SDL_Surface *b)
{
    long differ = 0;
    for (int y = 0; y < a->h; y++)
        differ += memcmp((char *)a->pixels + y * a->pitch, (char *)b->pixels + y * b->pitch,
                         (size_t)a->w * 4) != 0;
    return differ;
}

/* Full repaint of the same state, for comparison: a frame for a box with
 * no layer in it, and partial paint off. */
static void repaint_all(ui_tester *t)
{
    ui_tree *tree = ui_tester_tree(t);
    ui_tree_set_partial_paint(tree, NULL);
    ui_mark_needs_paint(ui_find_class(t, &ui_box_class));
    ui_tester_pump(t, 0);
}

/* The pixels after a few partial repaints are those of a full repaint. */
static void test_partial_repaint_equals_full(void **state)
{
    (void)state;
    ui_tester *t = start();
    SDL_Surface *first = snapshot(t);
    for (int i = 0; i < 7; i++)
        ui_tester_pump(t, UI_FRAME_NS);
    SDL_Surface *partial = snapshot(t);
    assert_true(differing_rows(first, partial) > 0); /* the spinner turned */
    repaint_all(t);
    SDL_Surface *full = snapshot(t);
    assert_int_equal(differing_rows(partial, full), 0);
    SDL_FreeSurface(first);
    SDL_FreeSurface(partial);
    SDL_FreeSurface(full);
    finish(t);
}

/* A boundary whose content did not change keeps its layer: a tick repaints
 * only the spinner's, and a full repaint composites both without painting. */
static void test_unchanged_boundary_reuses_its_layer(void **state)
{
    (void)state;
    ui_tester *t = start();
    ui_canvas_stats s0 = stats(t);
    assert_int_equal(s0.layer_paints, 2);
    ui_tester_pump(t, UI_FRAME_NS);
    ui_canvas_stats s1 = stats(t);
    assert_int_equal(s1.layer_paints - s0.layer_paints, 1);
    repaint_all(t);
    ui_canvas_stats s2 = stats(t);
    assert_int_equal(s2.layer_paints - s1.layer_paints, 0);
    assert_int_equal(s2.layer_draws - s1.layer_draws, 2);
    finish(t);
}

/* ui_mark_needs_paint schedules a frame that builds and lays out nothing. */
static void test_mark_needs_paint_does_not_rebuild(void **state)
{
    (void)state;
    ui_tester *t = start();
    ui_element *spin = ui_find_class(t, &ui_spinner_class);
    ui_element *box = ui_find_class(t, &ui_repaint_boundary_class);
    assert_non_null(box);
    assert_non_null(spin);
    ui_mark_needs_paint(box);
    assert_true(ui_tree_needs_frame(ui_tester_tree(t)));
    ui_tester_pump(t, 0);
    ui_frame_timing ft = last_frame(t);
    assert_int_equal(ft.built, 0);
    assert_true(ft.painted < 10);
    finish(t);
}

/* Anti-aliasing: the curved edge of a rounded rectangle on a transparent
 * canvas has pixels of intermediate alpha; a straight edge has none. */
static void test_rounded_rect_edges_are_antialiased(void **state)
{
    (void)state;
    ui_canvas *c = ui_canvas_new_offscreen(40, 40, 1);
    assert_non_null(c);
    ui_canvas_fill_rounded_rect(c, (ui_rect){5, 5, 30, 30}, 10, (ui_color){0, 0, 0, 255});
    int partial = 0;
    for (int y = 0; y < 40; y++)
        for (int x = 0; x < 40; x++) {
            ui_color k = ui_canvas_pixel(c, x, y);
            partial += k.a > 0 && k.a < 255;
        }
    assert_true(partial >= 16); /* four corners, several edge pixels each */
    assert_int_equal(ui_canvas_pixel(c, 20, 5).a, 255);
    assert_int_equal(ui_canvas_pixel(c, 20, 4).a, 0);
    /* Round caps reach beyond the arc's ends; butt caps do not. */
    ui_canvas_clear(c, (ui_color){0, 0, 0, 0});
    ui_canvas_arc_capped(c, 20, 20, 10, 4, 0, 1.5f, UI_CAP_BUTT, (ui_color){0, 0, 0, 255});
    ui_color below = ui_canvas_pixel(c, 30, 18); /* just before angle 0 */
    ui_canvas_clear(c, (ui_color){0, 0, 0, 0});
    ui_canvas_arc_capped(c, 20, 20, 10, 4, 0, 1.5f, UI_CAP_ROUND, (ui_color){0, 0, 0, 255});
    ui_color capped = ui_canvas_pixel(c, 30, 18);
    assert_int_equal(below.a, 0);
    assert_true(capped.a > 128);
    /* A butt end is anti-aliased too: a pixel whose centre lies on the end
     * line (angle atan2(1.5, 9.5) from the centre) is half covered. */
    ui_canvas_clear(c, (ui_color){0, 0, 0, 0});
    ui_canvas_arc_capped(c, 20, 20, 10, 4, atan2f(1.5f, 9.5f), 1.5f, UI_CAP_BUTT,
                         (ui_color){0, 0, 0, 255});
    ui_color half = ui_canvas_pixel(c, 29, 21);
    assert_true(half.a > 60 && half.a < 200);
    ui_canvas_free(c);
}

/* ---- List items are repaint boundaries ---- */

static ui_widget *label_item(ui_build *b, size_t i, void *ctx)
{
    (void)ctx;
    char s[32];
    snprintf(s, sizeof s, "item %zu", i);
    return ui_text(b, ui_strdup(b, s), 12, (ui_color){0, 0, 0, 255});
}

static ui_widget *list_screen(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_list(b, ui_key_str("list"), 1000, 20, label_item, NULL);
}

/* Scrolling composites the pictures the items have: only an item scrolled
 * into view paints its layer, and what is shown equals a full repaint. */
static void test_scrolling_a_list_reuses_its_items_pictures(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    ui_tester_pump_widget(t, list_screen, NULL);
    ui_canvas_stats s0 = stats(t);
    assert_true(s0.layer_paints >= 10); /* one per visible item */
    ui_element *list = ui_find_key(t, ui_key_str("list"));
    ui_list_scroll_by(list, 7);
    ui_tester_pump(t, RT_MS(16));
    ui_canvas_stats s1 = stats(t);
    assert_true(s1.layer_paints - s0.layer_paints <= 1); /* the item coming in */
    assert_true(s1.layer_draws - s0.layer_draws >= 10);
    assert_non_null(ui_find_text(t, "item 0"));
    ui_tester_pump_widget(t, NULL, NULL);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* ---- Flutter's packages/flutter/test/rendering/repaint_boundary_test.dart ---- */

static float op_a = 1, op_b = 1, op_c = 1;
static int nest_step;

/* opacity a > boundary > opacity b > boundary > opacity c > a red box. */
static ui_widget *nested(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_box_props red = {.width = 40, .height = 40, .color = {220, 30, 30, 255}};
    ui_widget *inner = ui_opacity(b, op_c, ui_box(b, &red, NULL));
    ui_widget *mid = ui_opacity(b, op_b, ui_repaint_boundary(b, inner));
    return ui_align(b, 0, 0, ui_opacity(b, op_a, ui_repaint_boundary(b, mid)));
}

/* The centre pixel of the box, drawn by this tester or by a fresh one. */
static ui_color box_pixel(ui_tester *t)
{
    return ui_canvas_pixel(ui_tester_canvas(t), 20, 20);
}

static ui_color fresh_pixel(void)
{
    ui_tester *f = ui_tester_new(100, 100, &vclock);
    ui_tester_pump_widget(f, nested, NULL);
    ui_color c = box_pixel(f);
    assert_true(ui_tester_free(f));
    return c;
}

static bool near(ui_color x, ui_color y)
{
    return abs(x.r - y.r) <= 2 && abs(x.g - y.g) <= 2 && abs(x.b - y.b) <= 2;
}

/* 'nested repaint boundaries - smoke test': opacities inside and around
 * nested boundaries change frame after frame; each frame shows what a
 * fresh paint shows (no stale picture). */
static void test_nested_repaint_boundaries_smoke(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    op_a = op_b = op_c = 1;
    ui_tester *t = ui_tester_new(100, 100, &vclock);
    ui_tester_pump_widget(t, nested, NULL);
    const float steps[][3] = {{1, 1, 0.9f}, {0.8f, 1, 0.8f}, {0.7f, 0.7f, 0.7f}};
    for (int i = 0; i < 3; i++) {
        op_a = steps[i][0], op_b = steps[i][1], op_c = steps[i][2];
        ui_tester_pump_widget(t, nested, NULL);
        ui_color got = box_pixel(t), want = fresh_pixel();
        assert_true(near(got, want));
    }
    assert_true(box_pixel(t).g > 30); /* translucent: the background shows */
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *moving_boundary(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_box_props blue = {.width = 20, .height = 20, .color = {30, 30, 220, 255}};
    ui_widget *rb = ui_keyed(ui_repaint_boundary(b, ui_box(b, &blue, NULL)), ui_key_global("rb"));
    return ui_align(b, 0, 0, nest_step ? ui_padding(b, 50, rb) : rb);
}

/* 'Repaint boundary can get new parent after markNeedsCompositingBitsUpdate'
 * (flutter#24029): a boundary moves under a new parent (a padding of 50)
 * and is painted there, and nowhere else. */
static void test_repaint_boundary_gets_a_new_parent(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    nest_step = 0;
    ui_tester *t = ui_tester_new(200, 200, &vclock); /* room for the padding */
    ui_tester_pump_widget(t, moving_boundary, NULL);
    assert_int_equal(ui_canvas_pixel(ui_tester_canvas(t), 10, 10).b, 220);
    nest_step = 1;
    ui_tester_pump_widget(t, moving_boundary, NULL);
    assert_int_equal(ui_canvas_pixel(ui_tester_canvas(t), 60, 60).b, 220);
    assert_int_not_equal(ui_canvas_pixel(ui_tester_canvas(t), 10, 10).b, 220);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *under_opacity(ui_build *b, void *ctx)
{
    ui_box_props box = {.width = 20, .height = 20, .color = {30, 160, 30, 255}};
    ui_widget *w = ui_box(b, &box, NULL);
    return ui_align(b, 0, 0, ui_opacity(b, 1, ctx ? ui_repaint_boundary(b, w) : w));
}

/* 'Framework creates an OffsetLayer for a repaint boundary' and 'Framework
 * does not create an OffsetLayer for a non-repaint boundary': a boundary
 * gets a picture of its own (a layer painted), a plain box does not. */
static void test_only_a_repaint_boundary_gets_a_layer(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(100, 100, &vclock);
    ui_tester_pump_widget(t, under_opacity, NULL);
    assert_int_equal(stats(t).layer_paints, 0);
    assert_true(ui_tester_free(t));
    t = ui_tester_new(100, 100, &vclock);
    ui_tester_pump_widget(t, under_opacity, (void *)1);
    assert_int_equal(stats(t).layer_paints, 1);
    assert_int_equal(stats(t).layer_draws, 1);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* ---- Updates that change nothing ---- */

static int shaded = -1; /* the box painted another colour, -1: none */
static uint32_t pixels[4] = {0xff0000ffu, 0xff0000ffu, 0xff0000ffu, 0xff0000ffu};

/* Thirty boxes (more than fit a snapshot on the stack), a label and an
 * unversioned image of 2 x 2 pixels, in a column. */
static ui_widget *calm(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[32];
    for (int i = 0; i < 30; i++) {
        ui_color c = i == shaded ? (ui_color){250, 20, 20, 255} : (ui_color){20, 90, 200, 255};
        ui_box_props p = {.width = 180, .height = 4, .color = c};
        kids[i] = ui_box(b, &p, NULL);
    }
    kids[30] = ui_text(b, "calm", 12, (ui_color){0, 0, 0, 255});
    kids[31] = ui_image(b, pixels, 2, 2, 20, 20);
    ui_flex_props f = {.horizontal = false};
    return ui_column(b, &f, kids, 32);
}

/* A component at the top that builds `calm`: its set_state rebuilds it. */
static ui_widget *calm_build(ui_build *b, ui_element *e)
{
    (void)e;
    return calm(b, NULL);
}

static const ui_widget_class calm_root_class = {.name = "CalmRoot", .build = calm_build};

static ui_widget *calm_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &calm_root_class, UI_NO_KEY, NULL, NULL, 0);
}

/* Flutter's RenderObject setters return early for an equal value: a
 * rebuild that gives every render element its configuration again lays out
 * and paints nothing but what may have changed behind a pointer (the
 * unversioned image); a box given another colour is painted again, and so
 * are pixels changed behind an unversioned image's pointer. */
static void test_an_update_that_changes_nothing_paints_nothing(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    shaded = -1;
    ui_tester_pump_widget(t, calm_app, NULL);
    ui_element *root = ui_find_class(t, &calm_root_class);
    ui_set_state(root, NULL, NULL); /* the root builds the same tree again */
    ui_tester_pump(t, 0);
    ui_frame_timing ft = last_frame(t);
    assert_true(ft.built >= 33); /* the root, the column and its children updated */
    /* The image, and what it lies on: the component at the top, the column
     * (before: all 34, the update relaid out and repainted everything). */
    assert_int_equal(ft.painted, 3);

    shaded = 7;
    ui_set_state(root, NULL, NULL);
    ui_tester_pump(t, 0);
    /* The box and the image, what they lie on (the column, the component)
     * and what the box's damage meets; not the column's 34 (a changed child
     * that is not a pass-through lays out itself, not its parent). */
    assert_true(last_frame(t).painted <= 6);
    ui_color c = ui_canvas_pixel(ui_tester_canvas(t), 90, 7 * 4 + 2);
    assert_int_equal(c.r, 250);

    /* The image's pixels changed behind the same pointer: shown. */
    for (int i = 0; i < 4; i++)
        pixels[i] = 0x00ff00ffu;
    ui_set_state(root, NULL, NULL);
    ui_tester_pump(t, 0);
    float x, y, w, h;
    ui_element_rect(ui_find_class(t, &ui_image_class), &x, &y, &w, &h);
    c = ui_canvas_pixel(ui_tester_canvas(t), (int)(x + w / 2), (int)(y + h / 2));
    assert_int_equal(c.g, 255);
    assert_int_equal(c.r, 0);
    for (int i = 0; i < 4; i++)
        pixels[i] = 0xff0000ffu;
    shaded = -1;
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_update_that_changes_nothing_paints_nothing),
        cmocka_unit_test(test_spinner_tick_paints_only_its_boundary),
        cmocka_unit_test(test_partial_repaint_equals_full),
        cmocka_unit_test(test_unchanged_boundary_reuses_its_layer),
        cmocka_unit_test(test_mark_needs_paint_does_not_rebuild),
        cmocka_unit_test(test_rounded_rect_edges_are_antialiased),
        cmocka_unit_test(test_scrolling_a_list_reuses_its_items_pictures),
        cmocka_unit_test(test_nested_repaint_boundaries_smoke),
        cmocka_unit_test(test_repaint_boundary_gets_a_new_parent),
        cmocka_unit_test(test_only_a_repaint_boundary_gets_a_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
