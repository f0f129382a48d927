/* test_latency.c: input to pixels and results to pixels: the records, the
 * frame timings that carry them, the frame log, the trace's flows, the
 * unpaced frame of a press, and the overlay riding an animation's frames. */
#include "test_support.h"
#include "counter_widget.h"
#include <islet/rt_trace.h>
#include <islet/ui_anim.h>
#include <islet/ui_devtools.h>
#include <islet/ui_tester.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static rt_virtual_clock vclock;

static ui_widget *counter_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return counter_widget(b);
}

/* What the listener heard. */
typedef struct heard {
    ui_latency v[16];
    size_t n;
} heard;

static void listen(void *ctx, const ui_latency *l)
{
    heard *h = ctx;
    if (h->n < 16) h->v[h->n++] = *l;
}

static ui_frame_timing newest(ui_tester *t)
{
    ui_frame_timing ft;
    assert_int_equal(ui_tree_timings(ui_tester_tree(t), &ft, 1), 1);
    return ft;
}

static void centre(ui_element *e, float *x, float *y)
{
    float w, h;
    ui_element_rect(e, x, y, &w, &h);
    *x += w / 2;
    *y += h / 2;
}

/* A record's times run in order: it happened, arrived, was handled, shown. */
static void assert_ordered(const ui_latency *l)
{
    assert_true(l->event_ns <= l->arrival_ns);
    assert_true(l->arrival_ns <= l->dispatch_ns);
    assert_true(l->dispatch_ns <= l->present_ns);
}

/* A tap through the tester: the frame after it carries both its press and
 * its release, within the wall time from the injection to after the pump. */
static void test_a_tap_is_measured_to_the_frame_that_shows_it(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(240, 160, &vclock);
    ui_tree *tree = ui_tester_tree(t);
    heard h = {0};
    assert_int_equal(ui_tree_add_latency_listener(tree, listen, &h), RT_OK);
    ui_frame_log *log = ui_frame_log_new(tree);
    ui_tester_pump_widget(t, counter_app, NULL);
    assert_int_equal(newest(t).inputs, 0);
    assert_int_equal(h.n, 0);

    int64_t t0 = rt_monotonic_ns();
    ui_tester_tap(t, ui_find_text(t, "+"));
    int64_t t1 = rt_monotonic_ns();
    assert_int_equal(ui_count_text(t, "count: 1"), 1);
    ui_frame_timing ft = newest(t);
    assert_int_equal(ft.inputs, 2);
    assert_int_equal(ft.results, 0);
    assert_true(ft.input_to_present_ns >= 0);
    assert_true(ft.input_to_present_ns <= t1 - t0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].what, "pointer down");
    assert_string_equal(h.v[1].what, "pointer up");
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(h.v[i].kind, UI_LATENCY_INPUT);
        assert_false(h.v[i].continuous);
        assert_int_equal(h.v[i].frame, ft.number);
        assert_true(h.v[i].event_ns >= t0 && h.v[i].present_ns <= t1);
        assert_ordered(&h.v[i]);
    }
    /* The frame's figure is its oldest input's: the press. */
    assert_int_equal(ft.input_to_present_ns, ui_latency_ns(&h.v[0]));

    size_t n;
    assert_non_null(ui_frame_log_latencies(log, &n));
    assert_int_equal(n, 2);
    char buf[1024] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    assert_int_equal(ui_frame_log_json(log, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"taps\": 2"));
    assert_non_null(strstr(buf, "\"results\": 0"));

    ui_frame_log_free(log);
    ui_tree_remove_latency_listener(tree, listen, &h);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* A press that changes nothing leaves no record: the next frame, asked for
 * by something else, shows no input. */
static void test_an_input_that_changes_nothing_is_not_counted(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(240, 160, &vclock);
    ui_tree *tree = ui_tester_tree(t);
    heard h = {0};
    assert_int_equal(ui_tree_add_latency_listener(tree, listen, &h), RT_OK);
    ui_tester_pump_widget(t, counter_app, NULL);
    ui_tree_pointer(tree, UI_POINTER_DOWN, 2, 2); /* the white background */
    ui_tree_pointer(tree, UI_POINTER_UP, 2, 2);
    ui_set_state(ui_find_class(t, &counter_class), NULL, NULL);
    ui_tester_pump(t, 0);
    assert_int_equal(newest(t).inputs, 0);
    assert_int_equal(h.n, 0);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* A window binding's times (SDL's timestamp, the arrival) are the record's. */
static void test_a_bindings_input_times_are_kept(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(240, 160, &vclock);
    ui_tree *tree = ui_tester_tree(t);
    heard h = {0};
    assert_int_equal(ui_tree_add_latency_listener(tree, listen, &h), RT_OK);
    ui_tester_pump_widget(t, counter_app, NULL);
    float x, y;
    centre(ui_find_text(t, "+"), &x, &y);
    int64_t now = rt_monotonic_ns();
    ui_tree_input_time(tree, now - RT_MS(5), now - RT_MS(2));
    ui_tree_pointer(tree, UI_POINTER_DOWN, x, y);
    ui_tree_pointer(tree, UI_POINTER_UP, x, y);
    ui_tree_input_time(tree, 0, 0);
    ui_tester_pump(t, 0);
    assert_int_equal(h.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(h.v[i].event_ns, now - RT_MS(5));
        assert_int_equal(h.v[i].arrival_ns, now - RT_MS(2));
        assert_true(ui_latency_ns(&h.v[i]) >= RT_MS(5));
        assert_ordered(&h.v[i]);
    }
    assert_true(newest(t).input_to_present_ns >= RT_MS(5));
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static size_t frames_so_far(ui_tester *t)
{
    return (size_t)newest(t).number;
}

/* Paced frames (a window without vsync): a hover waits for its slot, a
 * press does not wait, on a clock that does not move. */
static void test_a_press_gets_its_frame_without_waiting_for_the_pacing(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(240, 160, &vclock);
    ui_tree *tree = ui_tester_tree(t);
    ui_tree_set_frame_interval(tree, UI_FRAME_NS);
    ui_tester_pump_widget(t, counter_app, NULL);
    size_t n0 = frames_so_far(t);
    float x, y;
    centre(ui_find_text(t, "+"), &x, &y);
    ui_tree_pointer(tree, UI_POINTER_HOVER, x, y); /* the button lightens */
    assert_true(ui_tree_needs_frame(tree));
    rt_run(RT_RUN_NOWAIT);
    rt_run(RT_RUN_NOWAIT);
    assert_int_equal(frames_so_far(t), n0); /* paced: an interval after the last */
    ui_tree_pointer(tree, UI_POINTER_DOWN, x, y);
    rt_run(RT_RUN_NOWAIT);
    rt_run(RT_RUN_NOWAIT);
    assert_int_equal(frames_so_far(t), n0 + 1); /* at once, the hover's change too */
    assert_int_equal(newest(t).inputs, 2);
    ui_tree_pointer(tree, UI_POINTER_UP, x, y);
    ui_tester_pump(t, RT_MS(20));
    assert_int_equal(ui_count_text(t, "count: 1"), 1);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* ---- A compute result that rebuilds ---- */

static rt_value *square(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    struct timespec ts = {0, 5000000}; /* 5 ms of real work */
    nanosleep(&ts, NULL);
    int64_t x = rt_value_as_int(msg);
    return rt_value_int(x * x);
}

typedef struct result_state {
    long long value;
} result_state;

static rt_future *job;

static void got(ui_element *e, rt_future *f, void *ctx)
{
    (void)ctx;
    ((result_state *)ui_state(e))->value = (long long)rt_value_as_int(rt_future_get_value(f));
}

static void result_init(ui_element *e)
{
    rt_value *v = rt_value_int(12);
    job = rt_compute(square, v);
    rt_value_free(v);
    ui_bind_future(e, rt_future_dup(job), got, NULL);
}

static ui_widget *result_build(ui_build *b, ui_element *e)
{
    char label[32];
    snprintf(label, sizeof label, "result: %lld", ((result_state *)ui_state(e))->value);
    return ui_text(b, ui_strdup(b, label), 14, (ui_color){0, 0, 0, 255});
}

static const ui_widget_class result_class = {.name = "Result",
                                             .state_size = sizeof(result_state),
                                             .init_state = result_init,
                                             .build = result_build};

static ui_widget *result_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &result_class, UI_NO_KEY, NULL, NULL, 0);
}

static void test_a_compute_result_is_measured_to_the_frame_that_shows_it(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ui_tester *t = ui_tester_new(200, 100, NULL);
    ui_tree *tree = ui_tester_tree(t);
    heard h = {0};
    assert_int_equal(ui_tree_add_latency_listener(tree, listen, &h), RT_OK);
    int64_t t0 = rt_monotonic_ns();
    ui_tester_pump_widget(t, result_app, NULL);
    assert_true(ui_tester_wait_for(t, job, RT_SEC(10)));
    int64_t t1 = rt_monotonic_ns();
    assert_int_equal(ui_count_text(t, "result: 144"), 1);
    assert_int_equal(h.n, 1);
    const ui_latency *l = &h.v[0];
    assert_int_equal(l->kind, UI_LATENCY_RESULT);
    assert_string_equal(l->what, "compute result");
    assert_false(l->continuous);
    assert_true(l->event_ns >= t0 + RT_MS(5) && l->present_ns <= t1); /* sent after the work */
    assert_ordered(l);
    /* The frame that shows it carries it. */
    ui_frame_timing ft[8];
    size_t n = ui_tree_timings(tree, ft, 8), shown = n;
    for (size_t i = 0; i < n; i++)
        if (ft[i].number == l->frame) shown = i;
    assert_true(shown < n);
    assert_int_equal(ft[shown].results, 1);
    assert_int_equal(ft[shown].result_to_present_ns, ui_latency_ns(l));
    assert_true(ui_tester_free(t));
    rt_future_release(job);
    ts_main_leave();
}

/* ---- The trace: flows from the input and the answer to the present ---- */

static int check_trace(const char *path, const char *opts)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 %s/../../scripts/check_trace.py %s %s", ISLET_TEST_DIR, path,
             opts);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void tap_task(void *ctx)
{
    ui_tester *t = ctx;
    float x, y;
    centre(ui_find_text(t, "+"), &x, &y);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_DOWN, x, y);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_UP, x, y);
}

static ui_widget *both_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {counter_widget(b), result_app(b, NULL)};
    return ui_column(b, NULL, kids, 2);
}

static void test_the_trace_has_flows_from_input_and_result_to_the_present(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    assert_int_equal(rt_trace_record_start("test_latency", 0), RT_OK);
    ui_tester *t = ui_tester_new(240, 200, NULL);
    ui_tester_pump_widget(t, both_app, NULL);
    assert_true(ui_tester_wait_for(t, job, RT_SEC(10)));
    assert_int_equal(rt_post(tap_task, t), RT_OK); /* a tap as an event, as a window's */
    ui_tester_pump(t, 0);
    assert_int_equal(ui_count_text(t, "count: 1"), 1);
    assert_true(ui_tester_free(t));
    rt_future_release(job);
    ts_main_leave();
    char path[] = "/tmp/test_latency_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(rt_trace_json(path), 0);
    rt_trace_record_stop();
    assert_int_equal(check_trace(path, "--flow input 'tap: +' raster --flow-to-main "
                                       "--flow result 'compute result' raster"),
                     0);
    /* The check can fail: the flows end in the present, not in the build. */
    assert_int_equal(check_trace(path, "--flow input 'tap: +' build"), 1);
    remove(path);
}

/* ---- The overlay rides an animation's frames ---- */

static bool spinning = true;

static ui_widget *overlay_app(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *child =
        spinning ? ui_spinner(b, UI_NO_KEY, 40, (ui_color){40, 100, 220, 255}) : NULL;
    return ui_devtools(b, true, child);
}

static void test_the_overlay_refresh_rides_the_animations_frames(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(600, 400, &vclock);
    spinning = true;
    ui_tester_pump_widget(t, overlay_app, NULL);
    size_t n0 = frames_so_far(t);
    for (int i = 0; i < 30; i++)
        ui_tester_pump(t, UI_FRAME_NS);
    /* One frame per tick: a refresh of its own between them would double
     * the count. */
    size_t frames = frames_so_far(t) - n0;
    assert_true(frames >= 29 && frames <= 31);
    assert_non_null(ui_find_class(t, &ui_perf_overlay_class));
    spinning = false;
    ui_tester_pump_widget(t, overlay_app, NULL);
    assert_true(ui_tester_pump_and_settle(t, RT_SEC(1)));
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* The overlay's latency line: "-" before any tap, a figure after one. */
static ui_widget *overlay_counter_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_devtools(b, true, counter_widget(b));
}

static char dumped[8192];

static const char *dump(ui_tester *t)
{
    memset(dumped, 0, sizeof dumped);
    FILE *f = fmemopen(dumped, sizeof dumped - 1, "w");
    ui_dump_tree(ui_tester_tree(t), f);
    fclose(f);
    return dumped;
}

static void test_the_overlay_shows_the_latest_tap_latency(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(600, 400, &vclock);
    ui_tester_pump_widget(t, overlay_counter_app, NULL);
    ui_tester_pump(t, RT_MS(16));
    assert_non_null(strstr(dump(t), "\"tap to pixels -, result -\""));
    ui_tester_tap(t, ui_find_text(t, "+"));
    ui_tester_pump(t, RT_MS(16));
    const char *p = strstr(dump(t), "\"tap to pixels ");
    assert_non_null(p);
    double last, worst;
    assert_int_equal(sscanf(p, "\"tap to pixels %lf ms (max %lf)", &last, &worst), 2);
    assert_true(last >= 0 && worst >= last);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_tap_is_measured_to_the_frame_that_shows_it),
        cmocka_unit_test(test_an_input_that_changes_nothing_is_not_counted),
        cmocka_unit_test(test_a_bindings_input_times_are_kept),
        cmocka_unit_test(test_a_press_gets_its_frame_without_waiting_for_the_pacing),
        cmocka_unit_test(test_a_compute_result_is_measured_to_the_frame_that_shows_it),
        cmocka_unit_test(test_the_trace_has_flows_from_input_and_result_to_the_present),
        cmocka_unit_test(test_the_overlay_refresh_rides_the_animations_frames),
        cmocka_unit_test(test_the_overlay_shows_the_latest_tap_latency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
