/* test_anim.c: controllers on virtual frame time; spinner; progress bar. */
#include "test_support.h"
#include <islet/ui_anim.h>
#include <islet/ui_tester.h>

static rt_virtual_clock vclock;

static void nothing(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
}
#define NULL_TIMER_FN nothing
static bool show_spinner;

static ui_widget *app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[2] = {ui_progress_bar(b, 0.5f, 100, 8, (ui_color){0, 160, 0, 255}), NULL};
    size_t n = 1;
    if (show_spinner) kids[n++] = ui_spinner(b, ui_key_str("spin"), 40, (ui_color){0, 0, 255, 255});
    return ui_center(b, ui_column(b, NULL, kids, n));
}

/* A spinner animates every frame while it exists, and stops with it. */
static void test_spinner_ticks_and_stops_with_its_widget(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    show_spinner = true;
    ui_tester_pump_widget(t, app, NULL);
    assert_int_equal(ui_anim_active(), 1);
    char why[128];
    assert_false(ui_tester_idle(t, why, sizeof why));
    assert_string_equal(why, "1 ticker still running (Spinner); 0 timers pending");
    ui_frame_timing ft[4];
    size_t before = ui_tree_timings(ui_tester_tree(t), ft, 4);
    for (int i = 0; i < 3; i++)
        ui_tester_pump(t, UI_FRAME_NS);
    size_t after = ui_tree_timings(ui_tester_tree(t), ft, 4);
    assert_true(after > before); /* it keeps producing frames */
    /* Painted: some spinner blue inside its box. */
    ui_element *sp = ui_find_class(t, &ui_spinner_class);
    float x, y, w, h;
    ui_element_rect(sp, &x, &y, &w, &h);
    int blue = 0;
    for (int py = (int)y; py < (int)(y + h); py++)
        for (int px = (int)x; px < (int)(x + w); px++) {
            ui_color c = ui_canvas_pixel(ui_tester_canvas(t), px, py);
            if (c.b > 200 && c.r < 50) blue++;
        }
    assert_true(blue > 20);
    /* Gone: no ticker, and then no frames at all. */
    show_spinner = false;
    ui_tester_pump_widget(t, app, NULL);
    assert_int_equal(ui_anim_active(), 0);
    assert_true(ui_tester_pump_and_settle(t, RT_SEC(1)));
    assert_true(ui_tester_idle(t, why, sizeof why));
    /* A stray timer is reported too. */
    rt_timer *stray;
    rt_timer_start(&stray, RT_SEC(60), 0, NULL_TIMER_FN, NULL, NULL);
    assert_false(ui_tester_idle(t, why, sizeof why));
    assert_string_equal(why, "0 tickers still running; 1 timer pending");
    rt_timer_free(stray);
    assert_true(ui_tester_idle(t, why, sizeof why));
    size_t settled = ui_tree_timings(ui_tester_tree(t), ft, 4);
    ui_tester_pump(t, RT_SEC(1));
    assert_int_equal(ui_tree_timings(ui_tester_tree(t), ft, 4), settled);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* ---- A one-shot controller follows (virtual) time through its curve ---- */

typedef struct probe_state {
    ui_anim *anim;
    int builds;
} probe_state;

static ui_element *probe_el;

static void probe_init(ui_element *e)
{
    probe_state *s = ui_state(e);
    s->anim = ui_anim_new(e, RT_MS(500), ui_curve_linear, false);
    probe_el = e;
}

static void probe_dispose(ui_element *e)
{
    ui_anim_free(((probe_state *)ui_state(e))->anim);
}

static ui_widget *probe_build(ui_build *b, ui_element *e)
{
    ((probe_state *)ui_state(e))->builds++;
    return ui_sized(b, 10, 10, NULL);
}

static const ui_widget_class probe_class = {.name = "Probe",
                                            .state_size = sizeof(probe_state),
                                            .init_state = probe_init,
                                            .dispose = probe_dispose,
                                            .build = probe_build};

static ui_widget *probe_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &probe_class, UI_NO_KEY, NULL, NULL, 0);
}

static void test_controller_follows_time(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(100, 100, &vclock);
    ui_tester_pump_widget(t, probe_app, NULL);
    probe_state *s = ui_state(probe_el);
    ui_anim_start(s->anim);
    for (int i = 0; i < 15; i++)
        ui_tester_pump(t, UI_FRAME_NS); /* 250 ms */
    float v = ui_anim_value(s->anim);
    assert_true(v > 0.45f && v < 0.55f);
    assert_true(s->builds >= 10); /* rebuilt each frame */
    for (int i = 0; i < 30; i++)
        ui_tester_pump(t, UI_FRAME_NS);
    assert_true(ui_anim_value(s->anim) == 1.0f);
    assert_false(ui_anim_running(s->anim));
    assert_int_equal(ui_anim_active(), 0);
    assert_true(ui_curve_ease_in_out(0.5f) == 0.5f && ui_curve_ease_in_out(0.25f) < 0.25f);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spinner_ticks_and_stops_with_its_widget),
        cmocka_unit_test(test_controller_follows_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
