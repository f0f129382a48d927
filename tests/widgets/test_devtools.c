/* test_devtools.c: the developer tools: the performance overlay (a late
 * frame is a red bar, red bars agree with the janky count, it fits a small
 * window, stays put, lets an idle app idle, shows compute lanes, caches its
 * text), the frame log and its JSON, the debug dump. */
#include "test_support.h"
#include "ui_devtools_private.h"
#include <islet/ui_tester.h>
#include <islet/ui_text_field.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static rt_virtual_clock vclock;

static const ui_color jank_red = {230, 60, 60, 255}, lane_blue = {90, 160, 255, 255};

/* ---- The app under the tools: a line of text that can change ---- */

static char sibling_text[256] = "short";

static ui_widget *app_build(ui_build *b, ui_element *e)
{
    (void)e;
    ui_widget *kids[] = {ui_text(b, ui_strdup(b, sibling_text), 14, (ui_color){0, 0, 0, 255})};
    return ui_column(b, &(ui_flex_props){.cross_align = UI_START}, kids, 1);
}

static const ui_widget_class app_class = {.name = "App", .state_size = 1, .build = app_build};

static bool overlay_at_first = true;

static ui_widget *root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_devtools(b, overlay_at_first, ui_widget_new(b, &app_class, UI_NO_KEY, NULL, NULL, 0));
}

static ui_tester *open_tools(float w, float h, bool shown)
{
    ts_main_enter_virtual(&vclock);
    snprintf(sibling_text, sizeof sibling_text, "short");
    overlay_at_first = shown;
    ui_tester *t = ui_tester_new(w, h, &vclock);
    assert_non_null(t);
    ui_tester_pump_widget(t, root, NULL);
    return t;
}

static void close_tools(ui_tester *t)
{
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* The app rebuilds (a frame is asked for), then a pump. */
static void app_changes(ui_tester *t)
{
    ui_element *a = ui_find_class(t, &app_class);
    assert_non_null(a);
    ui_set_state(a, NULL, NULL);
    ui_tester_pump(t, RT_MS(16));
}

/* The main isolate busy for ms of real time (lateness is real time). */
static void busy_ms(int ms)
{
    int64_t end = rt_monotonic_ns() + RT_MS(ms);
    while (rt_monotonic_ns() < end) {
    }
}

/* A frame is asked for, then the loop is busy for ms before it runs. */
static void late_frame(ui_tester *t, int ms)
{
    ui_element *a = ui_find_class(t, &app_class);
    ui_set_state(a, NULL, NULL);
    busy_ms(ms);
    ui_tester_pump(t, RT_MS(16));
}

static ui_element *overlay_of(ui_tester *t)
{
    return ui_find_class(t, &ui_perf_overlay_class);
}

/* The dump as a string, valid until the next call. */
static const char *dump(ui_tester *t)
{
    static char text[1 << 16];
    memset(text, 0, sizeof text);
    FILE *f = fmemopen(text, sizeof text - 1, "w");
    assert_non_null(f);
    ui_dump_tree(ui_tester_tree(t), f);
    fclose(f);
    return text;
}

/* The dump's line containing needle (copied), or "". */
static const char *line_with(ui_tester *t, const char *needle)
{
    static char line[1024];
    line[0] = 0;
    const char *d = dump(t), *p = strstr(d, needle);
    if (!p) return line;
    while (p > d && p[-1] != '\n')
        p--;
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n >= sizeof line) n = sizeof line - 1;
    memcpy(line, p, n);
    line[n] = 0;
    return line;
}

/* The overlay header's janky count (its first text in the dump). */
static size_t header_janky(ui_tester *t, size_t *of)
{
    const char *p = strstr(dump(t), " fps, janky ");
    assert_non_null(p);
    size_t j = 0, k = 0;
    assert_int_equal(sscanf(p, " fps, janky %zu of %zu", &j, &k), 2);
    if (of) *of = k;
    return j;
}

static bool same(ui_color a, ui_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

static ui_rect part(ui_tester *t, int which)
{
    ui_rect r;
    assert_true(ui__perf_overlay_part(overlay_of(t), which, &r, NULL));
    return r;
}

/* Bars of colour c on the graph's bottom row: each bar is a run. */
static int bars_of(ui_tester *t, int which, ui_color c, int *last_x)
{
    ui_rect r = part(t, which);
    int y = (int)(r.y + r.h) - 1, runs = 0;
    bool in = false;
    for (int x = (int)r.x; x < (int)(r.x + r.w); x++) {
        bool hit = same(ui_canvas_pixel(ui_tester_canvas(t), x, y), c);
        if (hit && !in) {
            runs++;
            if (last_x) *last_x = x;
        }
        in = hit;
    }
    return runs;
}

static long pixels_of(ui_tester *t, ui_rect r, ui_color c)
{
    long n = 0;
    for (int y = (int)r.y; y < (int)(r.y + r.h); y++)
        for (int x = (int)r.x; x < (int)(r.x + r.w); x++)
            n += same(ui_canvas_pixel(ui_tester_canvas(t), x, y), c);
    return n;
}

/* ---- The overlay ---- */

/* A frame the loop started 120 ms late is a red bar in the UI graph, as
 * tall as the graph (clipped), and the header counts it: red bars and the
 * janky count agree. Present was quick: no red in the raster graph. */
static void test_late_frame_is_a_tall_red_bar(void **state)
{
    (void)state;
    ui_tester *t = open_tools(640, 480, true);
    for (int i = 0; i < 5; i++)
        app_changes(t);
    int red_before = bars_of(t, UI__PERF_UI_GRAPH, jank_red, NULL);
    assert_int_equal(red_before, (int)header_janky(t, NULL));
    late_frame(t, 120);
    app_changes(t); /* one more: the late frame is not the newest bar */
    int x = -1;
    int red = bars_of(t, UI__PERF_UI_GRAPH, jank_red, &x);
    assert_true(red > red_before);
    assert_int_equal(red, (int)header_janky(t, NULL));
    /* The late bar reaches the top (the two budget lines blend over it). */
    ui_rect g = part(t, UI__PERF_UI_GRAPH);
    long tall = pixels_of(t, (ui_rect){(float)x, g.y, 1, g.h}, jank_red);
    assert_true(tall >= (long)g.h - 2);
    assert_int_equal(pixels_of(t, part(t, UI__PERF_RASTER_GRAPH), jank_red), 0);
    /* The caption gives the worst, and says it was late. */
    assert_non_null(strstr(dump(t), " ms (late)  avg "));
    close_tools(t);
}

/* Every bar the graph shows matches the header, with many janky frames
 * (some slow, some late) and more frames than bars. */
static void test_red_bars_equal_the_janky_count(void **state)
{
    (void)state;
    ui_tester *t = open_tools(640, 480, true);
    for (int i = 0; i < 140; i++) {
        if (i % 4 == 1)
            late_frame(t, 25);
        else
            app_changes(t);
    }
    size_t k = 0, janky = header_janky(t, &k);
    assert_int_equal(k, 120);
    assert_true(janky >= 10);
    assert_int_equal(bars_of(t, UI__PERF_UI_GRAPH, jank_red, NULL), (int)janky);
    /* Green and red bars together: one per frame. */
    ui_color green = {80, 200, 120, 255};
    assert_int_equal(bars_of(t, UI__PERF_UI_GRAPH, green, NULL) +
                         bars_of(t, UI__PERF_UI_GRAPH, jank_red, NULL),
                     120);
    close_tools(t);
}

static void assert_inside(ui_rect in, float x, float y, float w, float h)
{
    assert_true(in.x >= x && in.y >= y);
    assert_true(in.x + in.w <= x + w && in.y + in.h <= y + h);
}

/* In a 320 x 240 window the overlay shrinks to fit inside the margin, and
 * its graphs inside it; in a tiny one it still never goes past. */
static void test_overlay_fits_a_small_window(void **state)
{
    (void)state;
    ui_tester *t = open_tools(320, 240, true);
    for (int i = 0; i < 3; i++)
        app_changes(t);
    float x, y, w, h;
    ui_element_rect(overlay_of(t), &x, &y, &w, &h);
    assert_inside((ui_rect){x, y, w, h}, 8, 8, 304, 224);
    assert_true(w > 200); /* as wide as it may be */
    assert_inside(part(t, UI__PERF_UI_GRAPH), x, y, w, h);
    assert_inside(part(t, UI__PERF_RASTER_GRAPH), x, y, w, h);
    assert_true(part(t, UI__PERF_UI_GRAPH).h >= 16);
    close_tools(t);

    t = open_tools(100, 60, true);
    app_changes(t);
    ui_element_rect(overlay_of(t), &x, &y, &w, &h);
    assert_inside((ui_rect){x, y, w, h}, 8, 8, 84, 44);
    close_tools(t);

    /* With room it takes its own size: 380 wide, at most 320 high. */
    t = open_tools(1000, 800, true);
    app_changes(t);
    ui_element_rect(overlay_of(t), &x, &y, &w, &h);
    assert_true(w == 380 && h <= 320);
    assert_true(x == 1000 - 8 - 380 && y == 8);
    close_tools(t);
}

/* The overlay's place depends on the window alone: a sibling text that
 * grows past the window moves nothing. */
static void test_overlay_stays_put_when_text_changes(void **state)
{
    (void)state;
    ui_tester *t = open_tools(640, 480, true);
    float x0, y0, w0, h0, x1, y1, w1, h1;
    ui_element_rect(overlay_of(t), &x0, &y0, &w0, &h0);
    memset(sibling_text, 'W', 200);
    sibling_text[200] = 0;
    app_changes(t);
    app_changes(t);
    assert_non_null(ui_find_text(t, sibling_text));
    ui_element_rect(overlay_of(t), &x1, &y1, &w1, &h1);
    assert_true(x0 == x1 && y0 == y1 && w0 == w1 && h0 == h1);
    close_tools(t);
}

static size_t frames_so_far(ui_tester *t)
{
    ui_frame_timing ft;
    return ui_tree_timings(ui_tester_tree(t), &ft, 1) ? (size_t)ft.number : 0;
}

/* The overlay refreshes once after each frame it did not cause, so an idle
 * app with the overlay shown stops producing frames; a change gives the
 * app's frame and the overlay's, which then shows it. */
static void test_idle_app_with_overlay_stays_idle(void **state)
{
    (void)state;
    ui_tester *t = open_tools(640, 480, true);
    for (int i = 0; i < 4; i++)
        ui_tester_pump(t, RT_MS(16));
    assert_false(ui_tree_needs_frame(ui_tester_tree(t)));
    size_t n = frames_so_far(t);
    for (int i = 0; i < 10; i++)
        ui_tester_pump(t, RT_MS(100));
    assert_int_equal(frames_so_far(t), n);
    size_t k0;
    header_janky(t, &k0);
    app_changes(t);
    ui_tester_pump(t, RT_MS(16));
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(frames_so_far(t), n + 2);
    assert_false(ui_tree_needs_frame(ui_tester_tree(t)));
    size_t k1;
    header_janky(t, &k1);
    assert_int_equal(k1, k0 + 2); /* it shows the app's frame and its own last one */
    close_tools(t);
}

/* Real background work for the lanes: busy for 300 ms. */
static rt_value *spin_300ms(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    (void)cx;
    busy_ms(300);
    return rt_value_int(1);
}

/* A compute job running while frames come gets a lane, blue where it ran. */
static void test_compute_job_gets_a_lane(void **state)
{
    (void)state;
    ui_tester *t = open_tools(640, 480, true);
    assert_null(strstr(dump(t), " busy\""));
    rt_future *f = rt_compute(spin_300ms, NULL);
    assert_non_null(f);
    int64_t end = rt_monotonic_ns() + RT_SEC(30);
    while (!rt_future_is_complete(f) && rt_monotonic_ns() < end) {
        app_changes(t);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    assert_true(rt_future_is_complete(f));
    rt_future_release(f);
    app_changes(t);
    const char *lane = line_with(t, "PerformanceOverlay");
    assert_non_null(strstr(lane, "\"compute-"));
    assert_non_null(strstr(lane, " busy\""));
    ui_rect cells;
    assert_true(ui__perf_overlay_part(overlay_of(t), UI__PERF_LANE0, &cells, NULL));
    assert_true(pixels_of(t, cells, lane_blue) > 0);
    close_tools(t);
}

/* Steady frames with changing numbers render (almost) no new text: the
 * numbers are drawn from cached characters, the words from cached strings. */
static void test_overlay_text_comes_from_the_cache(void **state)
{
    (void)state;
    ui_tester *t = open_tools(640, 480, true);
    for (int i = 0; i < 150; i++) {
        busy_ms(i % 7); /* varied timings: new numbers in the captions */
        app_changes(t);
    }
    ui_canvas_stats before, after;
    ui_canvas_get_stats(ui_tester_canvas(t), &before);
    for (int i = 0; i < 60; i++) {
        busy_ms(i % 5);
        app_changes(t);
    }
    ui_canvas_get_stats(ui_tester_canvas(t), &after);
    assert_true(after.text_renders - before.text_renders <= 4);
    assert_true(after.text_hits - before.text_hits > 60 * 10);
    close_tools(t);
}

/* The overlay is toggled by the first DevTools of the tree. */
static void test_toggle_overlay(void **state)
{
    (void)state;
    ui_tester *t = open_tools(640, 480, false);
    ui_tree *tree = ui_tester_tree(t);
    assert_false(ui_devtools_overlay_shown(tree));
    assert_null(overlay_of(t));
    ui_devtools_toggle_overlay(tree);
    ui_tester_pump(t, RT_MS(16));
    assert_true(ui_devtools_overlay_shown(tree));
    assert_non_null(overlay_of(t));
    assert_non_null(strstr(line_with(t, "DevTools"), "DevTools overlay "));
    ui_devtools_toggle_overlay(tree);
    ui_tester_pump(t, RT_MS(16));
    assert_false(ui_devtools_overlay_shown(tree));
    assert_null(overlay_of(t));
    assert_false(ui_tree_needs_frame(tree));
    /* Each overlay's timings listener went with it: the tree's 8 are free. */
    for (int i = 0; i < 20; i++) {
        ui_devtools_toggle_overlay(tree);
        ui_tester_pump(t, RT_MS(16));
    }
    ui_frame_log *logs[8];
    for (int i = 0; i < 8; i++)
        assert_non_null(logs[i] = ui_frame_log_new(tree));
    for (int i = 0; i < 8; i++)
        ui_frame_log_free(logs[i]);
    close_tools(t);
}

static ui_widget *no_tools(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_sized(b, 10, 10, NULL);
}

static void test_toggle_without_devtools_does_nothing(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(100, 100, &vclock);
    ui_tester_pump_widget(t, no_tools, NULL);
    assert_false(ui_devtools_overlay_shown(ui_tester_tree(t)));
    ui_devtools_toggle_overlay(ui_tester_tree(t));
    assert_false(ui_tree_needs_frame(ui_tester_tree(t)));
    close_tools(t);
}

/* ---- The frame log ---- */

static size_t count_janky(const ui_frame_timing *ft, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        j += ui_frame_janky(&ft[i], 0);
    return j;
}

/* It keeps every frame (more than the tree's ring of 240), in order, with
 * the janky ones counted, and writes the statistics as JSON. */
static void test_frame_log_counts_every_frame(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(320, 240, &vclock);
    ui_frame_log *log = ui_frame_log_new(ui_tester_tree(t));
    assert_non_null(log);
    overlay_at_first = false;
    ui_tester_pump_widget(t, root, NULL);
    for (int i = 0; i < 300; i++)
        if (i == 100)
            late_frame(t, 40);
        else
            app_changes(t);
    size_t n;
    const ui_frame_timing *ft = ui_frame_log_frames(log, &n);
    assert_int_equal(n, 301);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ft[i].number, i + 1);
    assert_true(ui_frame_log_janky(log) >= 1);
    assert_int_equal(ui_frame_log_janky(log), count_janky(ft, n));

    char json[1024] = {0};
    FILE *f = fmemopen(json, sizeof json - 1, "w");
    assert_int_equal(ui_frame_log_json(log, f), 0);
    fclose(f);
    size_t frames = 0, janky = 0;
    assert_int_equal(sscanf(json, "{\"frames\": %zu, \"janky_frames\": %zu", &frames, &janky), 2);
    assert_int_equal(frames, 301);
    assert_int_equal(janky, ui_frame_log_janky(log));
    for (const char *k = "build_ms\0raster_ms\0total_ms\0"; *k; k += strlen(k) + 1) {
        char key[32];
        snprintf(key, sizeof key, "\"%s\": {\"p50\": ", k);
        const char *p = strstr(json, key);
        assert_non_null(p);
        double p50, p90, p99, max;
        assert_int_equal(sscanf(p + strlen(key), "%lf, \"p90\": %lf, \"p99\": %lf, \"max\": %lf}",
                                &p50, &p90, &p99, &max),
                         4);
        assert_true(p50 <= p90 && p90 <= p99 && p99 <= max);
    }
    assert_true(strlen(json) > 2 && !strcmp(json + strlen(json) - 2, "}\n"));
    /* The 40 ms late frame is in the total only through its lateness: the
     * build maximum is below it, and the worst is counted janky. */

    /* A stream that fails says so. */
    FILE *ro = fopen("/dev/null", "r");
    assert_non_null(ro);
    assert_int_equal(ui_frame_log_json(log, ro), RT_EIO);
    assert_non_null(strstr(ui_last_error(), "frame statistics"));
    fclose(ro);

    /* Freed after the tree: it only holds what it collected. */
    assert_true(ui_tester_free(t));
    ft = ui_frame_log_frames(log, &n);
    assert_int_equal(n, 301);
    ui_frame_log_free(log);
    ts_main_leave();
}

/* Freed before the tree, it hears no more frames (ASan: touches nothing);
 * with no listener left in the tree it is NULL. */
static void test_frame_log_freed_first(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(320, 240, &vclock);
    ui_frame_log *log = ui_frame_log_new(ui_tester_tree(t));
    overlay_at_first = true;
    ui_tester_pump_widget(t, root, NULL);
    ui_frame_log_free(log);
    for (int i = 0; i < 5; i++)
        app_changes(t);
    /* A tree has 8 timings listeners: the overlay's and 7 logs, then none. */
    ui_frame_log *logs[7];
    for (int i = 0; i < 7; i++)
        assert_non_null(logs[i] = ui_frame_log_new(ui_tester_tree(t)));
    assert_null(ui_frame_log_new(ui_tester_tree(t)));
    app_changes(t);
    for (int i = 0; i < 7; i++) {
        size_t n;
        ui_frame_log_frames(logs[i], &n);
        assert_int_equal(n, 2); /* the app's frame and the overlay's */
        ui_frame_log_free(logs[i]);
    }
    close_tools(t);
}

/* ---- The dump ---- */

static int pressed_count;

static void pressed(void *ctx)
{
    (void)ctx;
    pressed_count++;
}

static ui_widget *dump_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_text_field_props fp = {.initial = "typed \"here\"", .size = 14};
    ui_widget *kids[] = {
        ui_text(b, "say \"hi\" \\ tab\there\nnext", 14, (ui_color){0, 0, 0, 255}),
        ui_button(b, ui_key_str("go"), "Go", pressed, NULL),
        ui_button(b, ui_key_int(7), "Off", NULL, NULL),
        ui_sized(b, 200, -1, ui_text_field(b, ui_key_global("field"), &fp)),
    };
    return ui_column(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 4}, kids, 4);
}

static void centre(ui_element *e, float *x, float *y)
{
    float w, h;
    ui_element_rect(e, x, y, &w, &h);
    *x += w / 2;
    *y += h / 2;
}

/* Texts escaped, keys of each kind, disabled, focused, hovered, pressed,
 * and rects, indented by depth. */
static void test_dump_shows_escapes_keys_and_states(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(400, 300, &vclock);
    ui_tester_pump_widget(t, dump_root, NULL);
    const char *d = dump(t);
    assert_non_null(strstr(d, "Flex "));
    assert_non_null(strstr(d, "\n  Text \"say \\\"hi\\\" \\\\ tab\\x09here\\x0anext\" "));
    assert_non_null(strstr(d, "  Button key='go' \"Go\" 0,"));
    assert_non_null(strstr(d, "  Button key=#7 \"Off\" disabled "));
    assert_non_null(strstr(d, "TextField key='field' \"typed \\\"here\\\"\" "));

    /* Rects: global, x,y,w,h at the end of the line. */
    ui_element *go = ui_find_key(t, ui_key_str("go"));
    float x, y, w, h;
    ui_element_rect(go, &x, &y, &w, &h);
    char rect[64];
    snprintf(rect, sizeof rect, " %.0f,%.0f,%.0f,%.0f", x, y, w, h);
    const char *line = line_with(t, "Button key='go'");
    assert_string_equal(line + strlen(line) - strlen(rect), rect);

    /* Focus. */
    ui_tree_set_focus(ui_tester_tree(t), ui_find_key(t, ui_key_global("field")));
    ui_tester_pump(t, RT_MS(16));
    assert_non_null(strstr(line_with(t, "TextField"), "\" focused "));

    /* Hover: the button looks hovered, and its detector is the tree's. */
    float cx, cy;
    centre(go, &cx, &cy);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_HOVER, cx, cy);
    ui_tester_pump(t, RT_MS(16));
    assert_non_null(strstr(line_with(t, "Button key='go'"), "\"Go\" hovered "));
    assert_non_null(strstr(line_with(t, "GestureDetector"), "GestureDetector hovered "));

    /* Pressed while the pointer is down. */
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_DOWN, cx, cy);
    ui_tester_pump(t, RT_MS(16));
    assert_non_null(strstr(line_with(t, "Button key='go'"), " pressed"));
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_UP, cx, cy);
    ui_tester_pump(t, RT_MS(16));
    assert_null(strstr(line_with(t, "Button key='go'"), " pressed"));
    assert_int_equal(pressed_count, 1);

    /* Indentation: two spaces a level (Flex, Button, its detector...). */
    assert_non_null(strstr(dump(t), "\n  Button key='go' \"Go\" hovered"));
    assert_non_null(strstr(dump(t), "\n    GestureDetector hovered"));
    assert_int_equal(strncmp(dump(t), "Flex ", 5), 0);
    close_tools(t);
}

/* A button under the overlay: taps pass through it (Flutter's overlay does
 * not take pointers). */
static ui_widget *under_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *full = ui_button(b, ui_key_str("under"), "Under", pressed, NULL);
    return ui_devtools(b, true, ui_sized(b, 640, 480, full));
}

static void test_taps_pass_through_the_overlay(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(640, 480, &vclock);
    ui_tester_pump_widget(t, under_root, NULL);
    ui_tester_pump(t, RT_MS(50));
    ui_element *o = overlay_of(t);
    assert_non_null(o);
    float x, y;
    centre(o, &x, &y);
    ui_element *hits[8];
    size_t n = ui_tree_hit_test(ui_tester_tree(t), x, y, hits, 8);
    for (size_t i = 0; i < n; i++)
        assert_ptr_not_equal(hits[i], o);
    pressed_count = 0;
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_DOWN, x, y);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_UP, x, y);
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(pressed_count, 1);
    close_tools(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_frame_is_a_tall_red_bar),
        cmocka_unit_test(test_red_bars_equal_the_janky_count),
        cmocka_unit_test(test_overlay_fits_a_small_window),
        cmocka_unit_test(test_overlay_stays_put_when_text_changes),
        cmocka_unit_test(test_idle_app_with_overlay_stays_idle),
        cmocka_unit_test(test_compute_job_gets_a_lane),
        cmocka_unit_test(test_overlay_text_comes_from_the_cache),
        cmocka_unit_test(test_toggle_overlay),
        cmocka_unit_test(test_toggle_without_devtools_does_nothing),
        cmocka_unit_test(test_frame_log_counts_every_frame),
        cmocka_unit_test(test_frame_log_freed_first),
        cmocka_unit_test(test_dump_shows_escapes_keys_and_states),
        cmocka_unit_test(test_taps_pass_through_the_overlay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
