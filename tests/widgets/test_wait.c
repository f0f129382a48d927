/* test_wait.c: real background work in a UI test; frame callbacks. */
#include "test_support.h"
#include <islet/ui_tester.h>

#include <stdio.h>
#include <time.h>

static rt_virtual_clock vclock;

static rt_value *slow_square(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    struct timespec ts = {0, 30000000}; /* 30 ms of real work */
    nanosleep(&ts, NULL);
    int64_t x = rt_value_as_int(msg);
    return rt_value_int(x * x);
}

typedef struct app_state {
    rt_future *result;
    int frames_seen;
} app_state;

static app_state app_st;

static void got_result(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    ui_set_state(ctx, NULL, NULL); /* the completion triggers a rebuild */
}

static void result_init(ui_element *e)
{
    rt_value *v = rt_value_int(12);
    app_st.result = rt_compute(slow_square, v);
    rt_value_free(v);
    rt_future_release(rt_future_then(rt_future_dup(app_st.result), got_result, NULL, e));
}

static ui_widget *result_build(ui_build *b, ui_element *e)
{
    (void)e;
    char label[32];
    const rt_value *v = rt_future_get_value(app_st.result);
    snprintf(label, sizeof label, v ? "result: %lld" : "waiting",
             v ? (long long)rt_value_as_int(v) : 0LL);
    return ui_text(b, ui_strdup(b, label), 14, (ui_color){0, 0, 0, 255});
}

static const ui_widget_class result_class = {
    .name = "Result", .init_state = result_init, .build = result_build};

static ui_widget *app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &result_class, UI_NO_KEY, NULL, NULL, 0);
}

static void count_frame(void *ctx, int64_t now)
{
    (void)now;
    ++*(int *)ctx;
}

/* A future from real background work completes while the tree keeps
 * pumping; its completion rebuilds the screen. */
static void test_wait_for_compute_in_a_ui_test(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 100, &vclock);
    ui_tester_pump_widget(t, app, NULL);
    assert_int_equal(ui_count_text(t, "waiting"), 1);
    assert_true(ui_tester_wait_for(t, app_st.result, RT_SEC(10)));
    assert_int_equal(ui_count_text(t, "result: 144"), 1);

    /* Frame callbacks: one before the next frame, one after it painted. */
    int before = 0, after = 0;
    ui_tree_on_frame(ui_tester_tree(t), count_frame, &before);
    ui_tree_after_frame(ui_tester_tree(t), count_frame, &after);
    ui_element *r = ui_find_class(t, &result_class);
    ui_set_state(r, NULL, NULL);
    ui_tester_pump(t, 0);
    assert_int_equal(before, 1);
    assert_int_equal(after, 1);
    ui_set_state(r, NULL, NULL);
    ui_tester_pump(t, 0);
    assert_int_equal(before + after, 2); /* once each */
    assert_true(ui_tester_free(t));
    rt_future_release(app_st.result);
    ts_main_leave();
}

static ui_element *ticked;

static void ticked_init(ui_element *e)
{
    ticked = e;
}

static ui_widget *ticked_build(ui_build *b, ui_element *e)
{
    (void)e;
    return ui_sized(b, 10, 10, NULL);
}

static const ui_widget_class ticked_class = {
    .name = "Ticked", .init_state = ticked_init, .build = ticked_build};

static ui_widget *ticked_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &ticked_class, UI_NO_KEY, NULL, NULL, 0);
}

static size_t frames_so_far(ui_tree *t)
{
    ui_frame_timing ft[240];
    return ui_tree_timings(t, ft, 240);
}

static void advance(int64_t ns)
{
    rt_virtual_clock_advance(&vclock, ns);
    rt_run(RT_RUN_NOWAIT);
}

/* A paced tree starts frames at least one interval apart: a rebuild asked
 * for right after a frame waits for the interval; one asked for later runs
 * at once. Only the loop's frame timer produces frames here. */
static void test_frame_interval_paces_frames(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tree *t = ui_tree_new(100, 100, NULL);
    ui_tree_set_frame_interval(t, RT_MS(16));
    ui_tree_set_root(t, ticked_app, NULL);
    advance(0);
    assert_int_equal(frames_so_far(t), 1);
    ui_set_state(ticked, NULL, NULL);
    advance(RT_MS(10));
    assert_int_equal(frames_so_far(t), 1); /* 10 ms after the last frame */
    advance(RT_MS(6));
    assert_int_equal(frames_so_far(t), 2); /* 16 ms: due */
    advance(RT_MS(40));
    ui_set_state(ticked, NULL, NULL);
    advance(0);
    assert_int_equal(frames_so_far(t), 3); /* long after: at once */
    /* Unpaced (the default), a rebuild right after a frame runs at once. */
    ui_tree_set_frame_interval(t, 0);
    ui_set_state(ticked, NULL, NULL);
    advance(0);
    assert_int_equal(frames_so_far(t), 4);
    ui_tree_free(t);
    ts_main_leave();
}

typedef struct rearm {
    ui_tree *tree;
    int runs;
} rearm;

static void rearm_once(void *ctx, int64_t now)
{
    (void)now;
    rearm *r = ctx;
    if (r->runs++ == 0) ui_tree_after_frame(r->tree, rearm_once, r);
}

/* Frame callbacks that queue another while the queue is being run: the
 * queue grows (moves) under the runner, and each runs once per frame. */
static void test_frame_callbacks_may_queue_more(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(100, 100, &vclock);
    ui_tester_pump_widget(t, ticked_app, NULL);
    rearm r[20];
    for (int i = 0; i < 20; i++) {
        r[i] = (rearm){.tree = ui_tester_tree(t)};
        ui_tree_after_frame(r[i].tree, rearm_once, &r[i]);
    }
    ui_set_state(ticked, NULL, NULL);
    ui_tester_pump(t, RT_MS(16));
    for (int i = 0; i < 20; i++)
        assert_int_equal(r[i].runs, 1);
    ui_set_state(ticked, NULL, NULL);
    ui_tester_pump(t, RT_MS(16));
    for (int i = 0; i < 20; i++)
        assert_int_equal(r[i].runs, 2);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait_for_compute_in_a_ui_test),
        cmocka_unit_test(test_frame_interval_paces_frames),
        cmocka_unit_test(test_frame_callbacks_may_queue_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
