/* test_golden.c: a small screen against its golden image. */
#include "test_support.h"
#include <islet/ui_anim.h>
#include <islet/ui_golden.h>

#include <SDL_image.h>
#include <islet/ui_tester.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rt_virtual_clock vclock;

static ui_widget *screen(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_box_props card = {.width = 80,
                         .height = 40,
                         .color = {50, 120, 240, 255},
                         .radius = 8,
                         .border_width = 2,
                         .border_color = {20, 20, 20, 255}};
    ui_widget *kids[] = {ui_box(b, &card, NULL),
                         ui_progress_bar(b, 0.6f, 80, 8, (ui_color){0, 160, 0, 255})};
    ui_flex_props p = {.main_align = UI_CENTER, .cross_align = UI_CENTER, .spacing = 6};
    ui_box_props bg = {.width = -1, .height = -1, .color = {255, 255, 255, 255}};
    return ui_box(b, &bg, ui_column(b, &p, kids, 2));
}

static void test_small_screen_matches_golden(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(100, 70, &vclock);
    ui_tester_pump_widget(t, screen, NULL);
    long diff = ui_golden_check(ui_canvas_surface(ui_tester_canvas(t)),
                                ISLET_TEST_DIR "/goldens/small_screen.png", 8);
    assert_int_equal(diff, 0);
    /* The check can fail: move the bar and count the difference. */
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *moved(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_padding(b, 3, screen(b, NULL));
}

static void test_changed_screen_differs(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(100, 70, &vclock);
    ui_tester_pump_widget(t, moved, NULL);
    unsetenv("ISLET_UPDATE_GOLDENS"); /* this test compares, whatever the mode */
    char path[1024];
    snprintf(path, sizeof path, "%s/golden_copy.png", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    /* Copy the stored golden, compare the changed screen against it. */
    SDL_Surface *g = IMG_Load(ISLET_TEST_DIR "/goldens/small_screen.png");
    assert_non_null(g);
    assert_int_equal(ui_image_save(g, path), 0);
    SDL_FreeSurface(g);
    long diff = ui_golden_check(ui_canvas_surface(ui_tester_canvas(t)), path, 8);
    assert_true(diff > 50);
    char side[1100];
    snprintf(side, sizeof side, "%.*s.diff.png", (int)strlen(path) - 4, path);
    SDL_Surface *d = IMG_Load(side);
    assert_non_null(d); /* the diff image was written, as PNG */
    SDL_FreeSurface(d);
    remove(side);
    snprintf(side, sizeof side, "%.*s.actual.png", (int)strlen(path) - 4, path);
    remove(side);
    remove(path);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* Failures are RT_E* codes, with the path and SDL's reason kept. */
static void test_io_failures_are_rt_codes(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(20, 20, &vclock);
    ui_tester_pump_widget(t, moved, NULL);
    SDL_Surface *s = ui_canvas_surface(ui_tester_canvas(t));
    const char *nowhere = "/nonexistent-islet-dir/x.png";
    assert_int_equal(ui_image_save(s, nowhere), RT_EIO);
    assert_non_null(strstr(ui_last_error(), nowhere));
    assert_int_equal(ui_image_save(s, "/nonexistent-islet-dir/x.bmp"), RT_EIO);
    unsetenv("ISLET_UPDATE_GOLDENS");
    assert_int_equal(ui_golden_check(s, nowhere, 0), RT_EIO);
    assert_non_null(strstr(ui_last_error(), "cannot read"));
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_screen_matches_golden),
        cmocka_unit_test(test_changed_screen_differs),
        cmocka_unit_test(test_io_failures_are_rt_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
