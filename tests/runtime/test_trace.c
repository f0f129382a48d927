/* test_trace.c: the loop's event labels and observers, and the trace
 * recorder's Chrome Trace Event JSON (read back by scripts/check_trace.py,
 * as a viewer would). */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Observers ---- */

typedef struct seen {
    char log[512];
    int64_t dur[16];
    uint64_t seq[16];
    int n;
} seen;

static void observer(void *ctx, const rt_event_info *ev)
{
    seen *s = ctx;
    static const char *const kinds[] = {"message", "timer", "task", "start"};
    size_t used = strlen(s->log);
    snprintf(s->log + used, sizeof s->log - used, "%s%s:%s", used ? " " : "", kinds[ev->kind],
             ev->label);
    if (s->n < 16) {
        s->dur[s->n] = ev->dur_ns;
        s->seq[s->n] = ev->seq;
    }
    s->n++;
}

static void busy(int64_t ns)
{
    int64_t end = rt_monotonic_ns() + ns;
    while (rt_monotonic_ns() < end) {
    }
}

static void slow_microtask(void *ctx)
{
    (void)ctx;
    busy(RT_MS(3));
}

static void labelled_task(void *ctx)
{
    (void)ctx;
    rt_event_label("first words");
    rt_event_label("hello"); /* the later label wins */
    assert_int_equal(rt_schedule_microtask(slow_microtask, NULL), RT_OK);
}

static void plain_task(void *ctx)
{
    (void)ctx;
}

static void on_timer(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    rt_event_label("tick");
}

static void on_message(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    rt_receive_port_close(p);
}

static void test_observer_sees_each_event_with_its_label(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    seen s = {0};
    assert_int_equal(rt_loop_observe(observer, &s), RT_OK);
    rt_event_label("outside any event"); /* labels nothing */
    assert_int_equal(rt_post(labelled_task, NULL), RT_OK);
    assert_int_equal(rt_post(plain_task, NULL), RT_OK);
    assert_int_equal(rt_timer_start(NULL, RT_MS(1), 0, on_timer, NULL, NULL), RT_OK);
    rt_receive_port *p = rt_receive_port_open(on_message, NULL, NULL);
    assert_non_null(p);
    rt_value *v = rt_value_int(7);
    assert_int_equal(rt_port_send(rt_receive_port_send_port(p), v), RT_OK);
    rt_value_free(v);
    ts_run_main();
    assert_string_equal(s.log, "task:hello task:task message:message timer:tick");
    /* The span of an event holds the microtasks it queued. */
    assert_true(s.dur[0] >= RT_MS(3));
    assert_true(s.dur[1] < RT_MS(3));
    assert_true(s.seq[0] > 0 && s.seq[1] == s.seq[0] + 1 && s.seq[3] == s.seq[0] + 3);
    rt_loop_unobserve(observer, &s);
    assert_int_equal(rt_post(plain_task, NULL), RT_OK);
    ts_run_main();
    assert_int_equal(s.n, 4);
    ts_main_leave();
}

static int removals;

static void remove_self(void *ctx, const rt_event_info *ev)
{
    (void)ev;
    removals++;
    rt_loop_unobserve(remove_self, ctx);
}

static void test_observers_are_limited_and_can_leave_during_a_call(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    seen s[RT_LOOP_OBSERVERS] = {0};
    for (int i = 0; i < RT_LOOP_OBSERVERS - 1; i++)
        assert_int_equal(rt_loop_observe(observer, &s[i]), RT_OK);
    assert_int_equal(rt_loop_observe(observer, &s[0]), RT_ESTATE); /* already there */
    assert_int_equal(rt_loop_observe(remove_self, NULL), RT_OK);
    assert_int_equal(rt_loop_observe(observer, &s[RT_LOOP_OBSERVERS - 1]), RT_ESTATE); /* full */
    removals = 0;
    assert_int_equal(rt_post(plain_task, NULL), RT_OK);
    assert_int_equal(rt_post(plain_task, NULL), RT_OK);
    ts_run_main();
    assert_int_equal(removals, 1);
    for (int i = 0; i < RT_LOOP_OBSERVERS - 1; i++) {
        assert_int_equal(s[i].n, 2);
        rt_loop_unobserve(observer, &s[i]);
    }
    ts_main_leave();
}

static char long_label[64];

static void long_label_task(void *ctx)
{
    (void)ctx;
    rt_event_label(long_label);
}

static void test_a_long_label_is_cut_between_characters(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    /* 15 two-byte characters and one more: byte 31 would split it. */
    long_label[0] = 'x';
    for (int i = 0; i < 16; i++)
        memcpy(long_label + 1 + 2 * i, "\xc3\xa9", 2);
    seen s = {0};
    assert_int_equal(rt_loop_observe(observer, &s), RT_OK);
    assert_int_equal(rt_post(long_label_task, NULL), RT_OK);
    ts_run_main();
    const char *got = strchr(s.log, ':') + 1;
    assert_int_equal(strlen(got), 31);
    assert_true(rt_utf8_valid(got, strlen(got)));
    assert_memory_equal(got, long_label, 31);
    rt_loop_unobserve(observer, &s);
    ts_main_leave();
}

/* ---- The recorder ---- */

static rt_value *square(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    int64_t n = rt_value_as_int(msg);
    busy(RT_MS(2));
    return rt_value_int(n * n);
}

static int64_t squared;

static void got_square(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    squared = rt_value_as_int(rt_future_get_value(src));
}

static void start_job(void *ctx)
{
    (void)ctx;
    rt_event_label("start job");
    rt_value *n = rt_value_int(12);
    rt_future *f = rt_compute(square, n);
    rt_value_free(n);
    assert_non_null(f);
    rt_future_release(rt_future_then(f, got_square, NULL, NULL));
}

static const char *trace_path(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/islet-test-trace-%d.json", (int)getpid());
    return path;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

/* scripts/check_trace.py's verdict on path, with its options. */
static int check_trace(const char *path, const char *opts)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 %s/scripts/check_trace.py %s %s", ISLET_SOURCE_DIR, path,
             opts);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_trace_json_has_named_tracks_spans_and_flows(void **state)
{
    (void)state;
    assert_int_equal(rt_trace_record_start("test_trace", 0), RT_OK);
    assert_int_equal(rt_trace_record_start("again", 0), RT_ESTATE);
    ts_main_enter(NULL);
    squared = 0;
    assert_int_equal(rt_post(start_job, NULL), RT_OK);
    ts_run_main();
    assert_int_equal(squared, 144);
    ts_main_leave();
    size_t dropped = 1;
    assert_true(rt_trace_recorded(&dropped) > 5);
    assert_int_equal(dropped, 0);
    const char *path = trace_path();
    assert_int_equal(rt_trace_json(path), 0);
    rt_trace_record_stop();
    const char *text = read_file(path);
    assert_non_null(strstr(text, "\"name\":\"process_name\""));
    assert_non_null(strstr(text, "\"test_trace\""));
    assert_non_null(strstr(text, "\"name\":\"start job\",\"ph\":\"X\",\"pid\":1,\"tid\":1"));
    assert_non_null(strstr(text, "\"name\":\"compute result\",\"ph\":\"X\",\"pid\":1,\"tid\":1"));
    assert_non_null(strstr(text, "\"name\":\"compute\",\"ph\":\"X\""));
    assert_non_null(strstr(text, "\"ph\":\"s\""));
    assert_non_null(strstr(text, "\"bp\":\"e\""));
    /* A viewer's reading: valid JSON, every track named, every flow end
     * has its begin, and a flow reaches main from the worker. */
    assert_int_equal(check_trace(path, "--flow-to-main --span compute --span 'compute result'"), 0);
    /* The checker can fail: a span that is not there. */
    assert_int_equal(check_trace(path, "--span 'no such span'"), 1);
    unlink(path);
    /* Not recording: no flows, nothing kept. */
    assert_int_equal(rt_trace_flow_begin("x"), 0);
    assert_int_equal(rt_trace_recorded(NULL), 0);
}

static void test_trace_keeps_at_most_max_events(void **state)
{
    (void)state;
    assert_int_equal(rt_trace_record_start(NULL, 10), RT_OK);
    ts_main_enter(NULL);
    for (int i = 0; i < 20; i++)
        assert_int_equal(rt_post(plain_task, NULL), RT_OK);
    ts_run_main();
    ts_main_leave();
    size_t dropped = 0;
    assert_int_equal(rt_trace_recorded(&dropped), 10);
    assert_true(dropped >= 10);
    const char *path = trace_path();
    assert_int_equal(rt_trace_json(path), 0);
    rt_trace_record_stop();
    assert_non_null(strstr(read_file(path), "\"dropped_events\":"));
    assert_int_equal(check_trace(path, ""), 0);
    unlink(path);
    assert_int_equal(rt_trace_json("/nonexistent-dir/trace.json"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_observer_sees_each_event_with_its_label),
        cmocka_unit_test(test_observers_are_limited_and_can_leave_during_a_call),
        cmocka_unit_test(test_a_long_label_is_cut_between_characters),
        cmocka_unit_test(test_trace_json_has_named_tracks_spans_and_flows),
        cmocka_unit_test(test_trace_keeps_at_most_max_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
