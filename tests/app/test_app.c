/* test_app.c: the demo's screen driven headless, as a user would: taps,
 * compute with frames still coming, a fetch from a real loopback server and
 * from a refused port, the overlay, and a golden of the home screen. */
#include "demo.h"
#include "http_server.h"
#include "test_support.h"
#include "ui_anim.h"
#include "ui_golden.h"
#include "ui_tester.h"
#include "ui_text_field.h"
#include "ui_window.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static rt_virtual_clock vclock;

static ui_tester *open_demo_scaled(const char *url, int64_t prime_limit, float scale)
{
    ts_main_enter_virtual(&vclock);
    demo_options o = {.url = url, .prime_limit = prime_limit};
    demo_init(&o);
    ui_tester *t = ui_tester_new_scaled(640, 520, scale, &vclock);
    ui_tester_pump_widget(t, demo_root, NULL);
    demo_start(ui_tester_tree(t), NULL);
    return t;
}

static ui_tester *open_demo(const char *url, int64_t prime_limit)
{
    return open_demo_scaled(url, prime_limit, 1);
}

static ui_widget *nothing(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_sized(b, 0, 0, NULL);
}

static void close_demo(ui_tester *t)
{
    demo_stop();
    ui_tester_pump_widget(t, nothing, NULL); /* unmounts the spinners */
    ui_tester_pump(t, RT_MS(16));
    assert_true(ui_tester_free(t));
    ts_main_leave();
    demo_init(NULL);
}

static void tap(ui_tester *t, const char *key)
{
    ui_element *e = ui_find_key(t, ui_key_str(key));
    assert_non_null(e);
    ui_tester_tap(t, e);
    ui_tester_pump(t, RT_MS(16));
}

/* Waits for pending work, if any (a refused connection or a small job can
 * finish before the tap's frame is over), then pumps a frame. */
static void wait_pending(ui_tester *t, rt_future *f)
{
    if (f) {
        f = rt_future_dup(f);
        assert_true(ui_tester_wait_for(t, f, RT_SEC(30)));
        rt_future_release(f);
    }
    ui_tester_pump(t, RT_MS(16));
}

/* The tree dump (demo_dump_tree) as a string, valid until the next call. */
static const char *dump(ui_tester *t)
{
    static char text[1 << 18];
    memset(text, 0, sizeof text);
    FILE *f = fmemopen(text, sizeof text - 1, "w");
    assert_non_null(f);
    demo_dump_tree(ui_tester_tree(t), f);
    fclose(f);
    return text;
}

static const char *text_starting(ui_tester *t, const char *prefix)
{
    static char out[256];
    out[0] = 0;
    const char *buf = dump(t);
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s", prefix);
    const char *p = strstr(buf, pat);
    if (p) {
        const char *end = strchr(p + 1, '"');
        size_t n = (size_t)(end - p - 1);
        if (n >= sizeof out) n = sizeof out - 1;
        memcpy(out, p + 1, n);
        out[n] = 0;
    }
    return out;
}

static void test_tapping_the_counter_rebuilds_the_label(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    assert_int_equal(ui_count_text(t, "taps: 0"), 1);
    tap(t, "tap");
    tap(t, "tap");
    tap(t, "tap");
    assert_int_equal(ui_count_text(t, "taps: 0"), 0);
    assert_int_equal(ui_count_text(t, "taps: 3"), 1);
    close_demo(t);
}

static void count_frame(void *ctx, int64_t now)
{
    (void)now;
    ++*(int *)ctx;
}

/* compute() runs on a background isolate: its progress and result arrive
 * as events while the main isolate keeps producing frames. */
static void test_compute_result_arrives_while_frames_continue(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 300000);
    tap(t, "compute");
    rt_future *f = rt_future_dup(demo_compute_future());
    assert_non_null(f);
    assert_non_null(ui_find_text(t, "compute(): counting on a background isolate..."));
    /* The buttons that would start a second job are disabled meanwhile. */
    assert_false(demo_press(ui_tester_tree(t), "compute"));
    int frames = 0;
    ui_tree_on_frame(ui_tester_tree(t), count_frame, &frames);
    assert_true(ui_tester_wait_for(t, f, RT_SEC(30)));
    ui_tester_pump(t, RT_MS(16));
    assert_null(rt_future_get_error(f));
    char want[96];
    snprintf(want, sizeof want, "compute(): %lld primes below 300000",
             (long long)rt_value_as_int(rt_future_get_value(f)));
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 25997); /* pi(300000) */
    assert_int_equal(ui_count_text(t, want), 1);
    assert_true(frames >= 1);
    rt_future_release(f);
    close_demo(t);
}

static void test_cancel_stops_the_compute_job(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 400000000); /* minutes of work unless cancelled */
    tap(t, "compute");
    rt_future *f = rt_future_dup(demo_compute_future());
    assert_non_null(f);
    tap(t, "cancel");
    assert_true(ui_tester_wait_for(t, f, RT_SEC(30)));
    ui_tester_pump(t, RT_MS(16));
    const rt_error *e = rt_future_get_error(f);
    assert_non_null(e);
    assert_int_equal(e->code, RT_ECANCELLED);
    assert_string_equal(text_starting(t, "compute(): "), "compute(): cancelled");
    /* Enabled again. */
    ui_element *again = ui_find_key(t, ui_key_str("compute"));
    assert_non_null(again);
    assert_non_null(((const ui_button_props *)ui_props(again))->on_pressed);
    rt_future_release(f);
    close_demo(t);
}

static void test_fetch_from_a_loopback_server_shows_status_and_size(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/slow?ms=300", url, sizeof url); /* slow enough to see it in flight */
    ui_tester *t = open_demo(url, 0);
    tap(t, "fetch");
    rt_future *f = rt_future_dup(demo_fetch_future());
    assert_non_null(f);
    /* While in flight: a spinner and a Cancel button instead of Fetch. */
    assert_non_null(ui_find_key(t, ui_key_str("netspin")));
    assert_non_null(ui_find_key(t, ui_key_str("cancel-fetch")));
    assert_true(ui_tester_wait_for(t, f, RT_SEC(20)));
    ui_tester_pump(t, RT_MS(16));
    /* "slow\n" is 5 bytes. */
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, 5 bytes, ", 19);
    assert_null(ui_find_key(t, ui_key_str("netspin")));
    assert_non_null(ui_find_key(t, ui_key_str("fetch")));
    assert_int_equal(ts_http_requests(srv), 1);
    rt_future_release(f);
    close_demo(t);
    ts_http_stop(srv);
}

/* Buttons never swap under the pointer: a double click on Fetch fetches
 * once (its second click finds Fetch disabled, not a Cancel in its place),
 * and a double click on Cancel cancels once and reads "cancelled" (not an
 * error, and no Retry that a second click would start). */
static void test_double_clicks_do_what_the_user_means(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/slow?ms=300", url, sizeof url);
    ui_tester *t = open_demo(url, 0);
    tap(t, "fetch");
    tap(t, "fetch");
    rt_future *f = rt_future_dup(demo_fetch_future());
    assert_non_null(f);
    assert_true(ui_tester_wait_for(t, f, RT_SEC(20)));
    rt_future_release(f);
    ui_tester_pump(t, RT_MS(16));
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, 5 bytes, ", 19);
    assert_int_equal(ts_http_requests(srv), 1);
    tap(t, "fetch");
    f = rt_future_dup(demo_fetch_future());
    assert_non_null(f);
    tap(t, "cancel-fetch");
    tap(t, "cancel-fetch");
    assert_true(ui_tester_wait_for(t, f, RT_SEC(20)));
    rt_future_release(f);
    ui_tester_pump(t, RT_MS(16));
    assert_string_equal(text_starting(t, "cancelled"), "cancelled");
    assert_null(demo_fetch_future()); /* nothing started again */
    assert_null(ui_find_key(t, ui_key_str("retry")));
    assert_non_null(ui_find_key(t, ui_key_str("fetch")));
    close_demo(t);
    ts_http_stop(srv);
}

/* A key as the window delivers it: to the tree, else to the demo's shortcuts. */
static void press_key(ui_tester *t, SDL_Keycode k, Uint16 mod)
{
    if (!ui_tester_key(t, k, mod)) demo_key(ui_tester_tree(t), k, ui_window_mods(mod), NULL);
    ui_tester_pump(t, RT_MS(16));
}

static void type_text(ui_tester *t, const char *s)
{
    assert_true(ui_tester_type(t, s));
    ui_tester_pump(t, RT_MS(16));
}

static void test_typed_url_is_fetched_on_enter(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/ok", url, sizeof url);
    ui_tester *t = open_demo(NULL, 0);
    ui_element *field = ui_find_key(t, ui_key_str("url"));
    assert_non_null(field);
    assert_string_equal(ui_text_field_text(field, NULL), "https://example.com");
    ui_tester_tap(t, field);
    press_key(t, SDLK_a, KMOD_LCTRL); /* select all, then type over it */
    press_key(t, SDLK_p, 0);          /* typed, not the overlay shortcut */
    press_key(t, SDLK_p, KMOD_LCTRL); /* nor is Ctrl+P */
    type_text(t, url);
    assert_false(demo_overlay_shown());
    assert_string_equal(ui_text_field_text(field, NULL), url);
    press_key(t, SDLK_RETURN, 0); /* the request may be answered within this pump */
    wait_pending(t, demo_fetch_future());
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, ", 10);
    assert_int_equal(ts_http_requests(srv), 1);
    /* Invalid UTF-8 pasted into the field: refused, URL kept, said so. */
    ui_tree_clipboard_set(ui_tester_tree(t), "\xff", 1);
    press_key(t, SDLK_v, KMOD_LCTRL);
    assert_string_equal(ui_text_field_text(field, NULL), url);
    assert_string_equal(text_starting(t, "URL unchanged"),
                        "URL unchanged: the text is not valid UTF-8");
    /* Outside the field, P is the overlay shortcut again. */
    ui_tree_set_focus(ui_tester_tree(t), NULL);
    press_key(t, SDLK_p, 0);
    assert_true(demo_overlay_shown());
    close_demo(t);
    ts_http_stop(srv);
}

/* Enter with a new URL while a fetch runs: that fetch is cancelled and the
 * new URL fetched. */
static void test_enter_during_a_fetch_fetches_the_new_url(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char slow[256], ok[256];
    ts_http_url(srv, "/slow?ms=2000", slow, sizeof slow);
    ts_http_url(srv, "/ok", ok, sizeof ok);
    ui_tester *t = open_demo(slow, 0);
    tap(t, "fetch");
    assert_non_null(demo_fetch_future()); /* 2 s: still in flight */
    ui_tester_tap(t, ui_find_key(t, ui_key_str("url")));
    press_key(t, SDLK_a, KMOD_LCTRL);
    type_text(t, ok);
    press_key(t, SDLK_RETURN, 0);
    for (int i = 0; i < 3 && demo_fetch_future(); i++) /* the cancelled one, then /ok */
        wait_pending(t, demo_fetch_future());
    /* /ok's 17 bytes, not /slow's 5 (the slow request may have been
     * cancelled before the server read it). */
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, 17 bytes", 18);
    close_demo(t);
    ts_http_stop(srv);
}

/* Tab after the focused button became disabled goes to the next control
 * after it, not back to the first. */
static void test_tab_goes_on_from_a_button_that_got_disabled(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    ui_tree *tree = ui_tester_tree(t);
    for (int i = 0; i < 3; i++) /* Tap me, Show overlay, Count primes */
        press_key(t, SDLK_TAB, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("compute")));
    press_key(t, SDLK_RETURN, 0); /* starts the job: this button is disabled now */
    assert_non_null(demo_compute_future());
    press_key(t, SDLK_TAB, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("cancel")));
    press_key(t, SDLK_RETURN, 0);
    wait_pending(t, demo_compute_future());
    close_demo(t);
}

static void test_fetch_from_a_refused_port_shows_the_error_and_retry(void **state)
{
    (void)state;
    /* Start and stop a server: its port is now closed. */
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/ok", url, sizeof url);
    ts_http_stop(srv);
    ui_tester *t = open_demo(url, 0);
    tap(t, "fetch");
    wait_pending(t, demo_fetch_future());
    char err[256];
    snprintf(err, sizeof err, "%s", text_starting(t, "error: "));
    assert_true(strlen(err) > strlen("error: "));
    assert_null(ui_find_key(t, ui_key_str("fetch")));
    /* Retry runs the request again, and fails the same way. */
    tap(t, "retry");
    wait_pending(t, demo_fetch_future());
    assert_string_equal(text_starting(t, "error: "), err);
    assert_non_null(ui_find_key(t, ui_key_str("retry")));
    close_demo(t);
}

/* --trace: frames, isolate spawns and exits, the compute job and the HTTP
 * request, each on its isolate's track. */
static void test_trace_records_frames_isolates_compute_and_http(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/ok", url, sizeof url);
    demo_trace_start(); /* before the main isolate exists */
    ui_tester *t = open_demo(url, 20000);
    tap(t, "compute");
    wait_pending(t, demo_compute_future());
    tap(t, "fetch");
    wait_pending(t, demo_fetch_future());
    /* A URL of 2-byte characters, longer than the trace keeps: cut whole. */
    char wide[300] = "http://127.0.0.1:1/a"; /* 20 bytes: the cut falls mid-character */
    for (int i = 0; i < 70; i++)
        strcat(wide, "\xc3\xa9");
    ui_tester_tap(t, ui_find_key(t, ui_key_str("url")));
    press_key(t, SDLK_a, KMOD_LCTRL);
    type_text(t, wide);
    press_key(t, SDLK_RETURN, 0);
    wait_pending(t, demo_fetch_future());
    demo_collect(ui_tester_tree(t));
    demo_stop();
    ui_tester_pump_widget(t, nothing, NULL);
    ui_tester_pump(t, RT_MS(16));
    assert_true(ui_tester_free(t));
    ts_main_leave();

    char path[] = "/tmp/islet-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(demo_trace_write(path), 0);
    demo_trace_stop();
    demo_init(NULL);
    static char json[1 << 22];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    unlink(path);
    json[n] = 0;
    assert_true(rt_utf8_valid(json, n));
    char want_url[300];
    snprintf(want_url, sizeof want_url, "\"args\":{\"detail\":\"%s\"}", url);
    const char *needles[] = {
        "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[",
        "{\"name\":\"frame\",\"ph\":\"X\",\"pid\":1,\"tid\":1,",
        "{\"name\":\"spawn\",\"ph\":\"i\"",
        "{\"name\":\"exit\",\"ph\":\"i\"",
        "{\"name\":\"compute\",\"ph\":\"X\"",
        "{\"name\":\"HTTP GET\",\"ph\":\"b\"",
        "{\"name\":\"HTTP GET\",\"ph\":\"e\"",
        want_url,
        "\"args\":{\"detail\":\"done\"}",
        "\"args\":{\"name\":\"network\"}",
        "\"args\":{\"name\":\"main (frames)\"}",
        "\"dropped_events\":0}}\n",
    };
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        if (!strstr(json, needles[i])) fail_msg("the trace lacks %s", needles[i]);
    ts_http_stop(srv);
}

/* The D dump: one line per element with its key's string, its text and
 * its rect in window coordinates. */
static void test_dump_shows_keys_texts_and_rects(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    float x, y, w, h;
    ui_element_rect(ui_find_key(t, ui_key_str("tap")), &x, &y, &w, &h);
    char want[128];
    snprintf(want, sizeof want, "\n        Button key='tap' \"Tap me\" %.0f,%.0f,%.0f,%.0f\n", x, y,
             w, h);
    const char *d = dump(t);
    if (!strstr(d, want)) fail_msg("no line %s in:\n%s", want, d);
    assert_non_null(strstr(d, "TextField key='url' \"https://example.com\" "));
    assert_int_equal(strncmp(d, "DemoScreen 0,0,640,520\n", 23), 0);
    /* Strings are escaped, so every line parses the same way; the focused
     * element says so, whatever its class. */
    ui_element *url = ui_find_key(t, ui_key_str("url"));
    const char *odd = "a \"quoted\" \\path";
    assert_int_equal(ui_text_field_set_text(url, odd, strlen(odd)), RT_OK);
    ui_tree_set_focus(ui_tester_tree(t), ui_find_key(t, ui_key_str("tap")));
    ui_tester_pump(t, RT_MS(16));
    d = dump(t);
    assert_non_null(strstr(d, "TextField key='url' \"a \\\"quoted\\\" \\\\path\" "));
    assert_non_null(strstr(d, "Button key='tap' \"Tap me\" focused "));
    close_demo(t);
}

/* On a high-DPI screen (scale 2) the layout is the same in logical pixels
 * (to a pixel: glyph advances are measured at the device size) and
 * everything is drawn at twice the pixels: the same button covers its
 * rect doubled, and its label has twice as many ink pixels across. */
static int ink_run(ui_tester *t, ui_element *e, int scale)
{
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    int first = -1, last = -1;
    for (int px = (int)(x * scale); px < (int)((x + w) * scale); px++)
        for (int py = (int)(y * scale); py < (int)((y + h) * scale); py++)
            if (ui_canvas_pixel(ui_tester_canvas(t), px, py).r > 200) {
                if (first < 0) first = px;
                last = px;
            }
    return last - first;
}

static void test_high_dpi_draws_at_device_pixels(void **state)
{
    (void)state;
    ui_tester *t1 = open_demo(NULL, 0);
    float x1, y1, w1, h1;
    ui_element *b1 = ui_find_key(t1, ui_key_str("tap"));
    ui_element_rect(b1, &x1, &y1, &w1, &h1);
    int run1 = ink_run(t1, ui_find_text_in(b1, "Tap me"), 1);
    close_demo(t1);

    ui_tester *t2 = open_demo_scaled(NULL, 0, 2);
    float x2, y2, w2, h2;
    ui_element *b2 = ui_find_key(t2, ui_key_str("tap"));
    ui_element_rect(b2, &x2, &y2, &w2, &h2);
    /* Text measured at twice the size rounds differently: within a pixel. */
    assert_true(fabsf(x1 - x2) <= 1.5f && y1 == y2 && fabsf(w1 - w2) <= 1.5f && h1 == h2);
    ui_color c = ui_canvas_pixel(ui_tester_canvas(t2), (int)(2 * x2 + 6), (int)(2 * (y2 + h2) - 4));
    assert_int_equal(c.b, 240); /* the button's blue near its bottom-left corner, doubled */
    int run2 = ink_run(t2, ui_find_text_in(b2, "Tap me"), 2);
    assert_true(run2 >= 2 * run1 - 3 && run2 <= 2 * run1 + 3);
    close_demo(t2);
}

/* The overlay's graph under the caption starting with `prefix`. */
typedef struct caption_find {
    const char *prefix;
    ui_element *found;
} caption_find;

static void find_caption(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    caption_find *f = ctx;
    if (f->found || ui_element_class(e) != &ui_text_class) return;
    const ui_text_props *p = ui_props(e);
    if (p->text && !strncmp(p->text, f->prefix, strlen(f->prefix))) f->found = e;
}

/* Pixels of the overlay's jank red in the graph under `prefix`. */
static long red_in_graph(ui_tester *t, const char *prefix)
{
    caption_find f = {prefix, NULL};
    ui_tree_visit(ui_tester_tree(t), find_caption, &f);
    assert_non_null(f.found);
    ui_element *graph = ui_element_child(ui_element_parent(f.found), 1);
    float x, y, w, hh;
    ui_element_rect(graph, &x, &y, &w, &hh);
    float cw, ch;
    ui_canvas_size(ui_tester_canvas(t), &cw, &ch);
    long red = 0;
    for (int py = (int)y; py < (int)(y + hh) && py < (int)ch; py++)
        for (int px = (int)x; px < (int)(x + w) && px < (int)cw; px++) {
            ui_color c = ui_canvas_pixel(ui_tester_canvas(t), px, py);
            red += c.r == 230 && c.g == 60 && c.b == 60;
        }
    return red;
}

/* Without a display the demo says so and exits 1 (SDL would otherwise pick
 * an invisible driver and run forever with no window). */
static void test_no_display_exits_1_with_a_message(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        unsetenv("DISPLAY");
        unsetenv("WAYLAND_DISPLAY");
        unsetenv("SDL_VIDEODRIVER");
        alarm(20); /* a hang fails the test instead of blocking it */
        execl(ISLET_DEMO_BIN, ISLET_DEMO_BIN, "--exit-after-ms", "2000", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char out[2048];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 && (r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    assert_non_null(strstr(out, "no display"));
    assert_non_null(strstr(out, "--headless"));
}

/* "...on the main isolate" shows that it starts before it freezes the
 * loop: the frame painted just before the job says so. */
static char painted_status[128];

static void note_status(void *ctx, int64_t now)
{
    (void)now;
    snprintf(painted_status, sizeof painted_status, "%s", text_starting(ctx, "counting on"));
}

static void test_main_isolate_job_shows_it_starts(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 300000);
    painted_status[0] = 0;
    /* Queued before the tap: runs after the next frame, before the job. */
    ui_tree_after_frame(ui_tester_tree(t), note_status, t);
    tap(t, "main");
    assert_string_equal(painted_status, "counting on the main isolate (the UI is frozen)...");
    ui_tester_pump(t, RT_MS(16));
    assert_string_equal(text_starting(t, "main isolate: "),
                        "main isolate: 25997 primes (the spinner froze)");
    close_demo(t);
}

/* The overlay shows the jank it counts: the frame after the main isolate
 * was frozen is late, so its UI bar is red (and tall), while the raster
 * graph stays green (present itself was fast). */
static void test_overlay_draws_a_late_frame_as_a_red_bar(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 1500000); /* some 100 ms of real work */
    tap(t, "overlay");
    ui_tester_pump(t, RT_MS(200));
    assert_int_equal(red_in_graph(t, "UI (build"), 0);
    tap(t, "main"); /* the job runs after that frame: the loop is frozen */
    for (int i = 0; i < 3; i++)
        ui_tester_pump(t, RT_MS(100)); /* the overlay refreshes */
    assert_true(red_in_graph(t, "UI (build") > 10);
    assert_int_equal(red_in_graph(t, "raster"), 0);
    assert_string_not_equal(text_starting(t, "60 fps, janky 0"), "60 fps, janky 0");
    close_demo(t);
}

static void test_overlay_toggles_with_its_button(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    ui_tester_pump(t, RT_MS(500)); /* frames to graph */
    assert_false(demo_overlay_shown());
    assert_string_equal(text_starting(t, "raster"), "");
    assert_int_equal(ui_count_text(t, "Show overlay (P)"), 1);
    tap(t, "overlay");
    assert_true(demo_overlay_shown());
    assert_int_equal(ui_count_text(t, "Hide overlay (P)"), 1);
    assert_memory_equal(text_starting(t, "UI (build"), "UI (build+layout+paint)", 23);
    assert_memory_equal(text_starting(t, "raster"), "raster (present)", 16);
    /* The P key does the same. */
    demo_key(ui_tester_tree(t), 'p', 0, NULL);
    ui_tester_pump(t, RT_MS(16));
    assert_false(demo_overlay_shown());
    assert_string_equal(text_starting(t, "raster"), "");
    close_demo(t);
}

/* The isolates panel lists the isolates alive; a compute worker appears
 * once compute has run. */
static void test_isolates_panel_lists_isolates(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 1000);
    assert_memory_equal(text_starting(t, "main: "), "main: ", 6);
    assert_string_equal(text_starting(t, "isolates alive: "), "isolates alive: 1");
    tap(t, "compute");
    wait_pending(t, demo_compute_future());
    ui_tester_pump(t, RT_MS(100)); /* the panel refreshes every 100 ms */
    assert_memory_equal(text_starting(t, "compute-"), "compute-", 8);
    assert_string_equal(text_starting(t, "isolates alive: "), "isolates alive: 2");
    close_demo(t);
}

/* Whether any text on screen contains needle. */
static bool screen_contains(ui_tester *t, const char *needle)
{
    return strstr(dump(t), needle) != NULL;
}

/* With the overlay shown, a compute worker gets a lane while it runs. */
static void test_overlay_shows_a_lane_for_the_compute_worker(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 1500000);
    tap(t, "overlay");
    assert_false(screen_contains(t, " busy\""));
    tap(t, "compute");
    wait_pending(t, demo_compute_future());
    ui_tester_pump(t, RT_MS(100)); /* the overlay refreshes every 100 ms */
    assert_true(screen_contains(t, " busy\""));
    assert_true(screen_contains(t, "\"compute-"));
    close_demo(t);
}

/* The picture is computed in a background isolate and its pixel buffer is
 * moved to the main isolate, then shown as an image. */
static void test_picture_arrives_by_transfer_and_is_shown(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    assert_null(ui_find_class(t, &ui_image_class));
    tap(t, "picture");
    assert_non_null(demo_picture_future());
    wait_pending(t, demo_picture_future());
    const rt_value *v = rt_future_get_value(demo_picture_future());
    assert_non_null(v);
    size_t len;
    const uint32_t *px = rt_value_buffer_data((rt_value *)v, &len);
    assert_int_equal(len, 240 * 120 * 4);
    assert_int_equal(px[60 * 240 + 165], 0x141428ffu); /* c = 0: inside the set */
    assert_int_not_equal(px[0], 0x141428ffu);          /* c = -2.2-1.2i: outside */
    assert_non_null(ui_find_class(t, &ui_image_class));
    assert_true(screen_contains(t, "moved here without a copy"));
    close_demo(t);
}

/* The screen goes while a compute job, its progress and a picture are in
 * flight: the work is the screen's, so its dispose cancels the job and lets
 * go of everything; the completions are bound to the screen, so when they
 * arrive they run nothing and rebuild nothing (ASan: touch nothing). */
static void test_results_after_the_screen_is_gone_do_nothing(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0); /* about a second of work: cancelled long before */
    tap(t, "compute");
    tap(t, "picture");
    rt_future *primes = rt_future_dup(demo_compute_future());
    rt_future *picture = rt_future_dup(demo_picture_future());
    assert_non_null(primes);
    assert_non_null(picture);
    ui_tester_pump_widget(t, nothing, NULL); /* the screen is disposed */
    ui_tester_pump(t, RT_MS(16));
    size_t elements = ui_tree_element_count(ui_tester_tree(t));
    assert_true(ui_tester_wait_for(t, primes, RT_SEC(30)));
    assert_true(ui_tester_wait_for(t, picture, RT_SEC(30)));
    ui_tester_pump(t, RT_MS(16));
    assert_false(ui_tree_needs_frame(ui_tester_tree(t))); /* nothing was marked */
    assert_int_equal(ui_tree_element_count(ui_tester_tree(t)), elements);
    assert_null(demo_compute_future()); /* it went with the screen */
    assert_null(demo_picture_future());
    const rt_error *err = rt_future_get_error(primes);
    assert_non_null(err); /* the screen's dispose cancelled the job */
    assert_int_equal(err->code, RT_ECANCELLED);
    rt_future_release(primes);
    rt_future_release(picture);
    close_demo(t);
}

/* S pauses the spinner: nothing animates, and after a frame nothing asks
 * for another, so the loop can sleep. */
static void test_pausing_the_spinner_stops_frames(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 1);
    demo_key(ui_tester_tree(t), 's', 0, NULL);
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 0);
    assert_int_equal(ui_anim_active(), 0);
    ui_tester_pump(t, RT_MS(250)); /* refreshes of an unchanged panel */
    assert_false(ui_tree_needs_frame(ui_tester_tree(t)));
    demo_key(ui_tester_tree(t), 's', 0, NULL);
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 1);
    close_demo(t);
}

static void test_home_screen_matches_golden(void **state)
{
    (void)state;
    ui_tester *t = open_demo("https://example.com", 0);
    ui_tester_pump(t, RT_MS(16));
    long diff = ui_golden_check(ui_canvas_surface(ui_tester_canvas(t)),
                                ISLET_TEST_DIR "/goldens/home.png", 8);
    assert_int_equal(diff, 0);
    close_demo(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tapping_the_counter_rebuilds_the_label),
        cmocka_unit_test(test_compute_result_arrives_while_frames_continue),
        cmocka_unit_test(test_cancel_stops_the_compute_job),
        cmocka_unit_test(test_fetch_from_a_loopback_server_shows_status_and_size),
        cmocka_unit_test(test_typed_url_is_fetched_on_enter),
        cmocka_unit_test(test_enter_during_a_fetch_fetches_the_new_url),
        cmocka_unit_test(test_tab_goes_on_from_a_button_that_got_disabled),
        cmocka_unit_test(test_fetch_from_a_refused_port_shows_the_error_and_retry),
        cmocka_unit_test(test_trace_records_frames_isolates_compute_and_http),
        cmocka_unit_test(test_dump_shows_keys_texts_and_rects),
        cmocka_unit_test(test_high_dpi_draws_at_device_pixels),
        cmocka_unit_test(test_overlay_toggles_with_its_button),
        cmocka_unit_test(test_double_clicks_do_what_the_user_means),
        cmocka_unit_test(test_main_isolate_job_shows_it_starts),
        cmocka_unit_test(test_no_display_exits_1_with_a_message),
        cmocka_unit_test(test_overlay_draws_a_late_frame_as_a_red_bar),
        cmocka_unit_test(test_isolates_panel_lists_isolates),
        cmocka_unit_test(test_overlay_shows_a_lane_for_the_compute_worker),
        cmocka_unit_test(test_picture_arrives_by_transfer_and_is_shown),
        cmocka_unit_test(test_results_after_the_screen_is_gone_do_nothing),
        cmocka_unit_test(test_pausing_the_spinner_stops_frames),
        cmocka_unit_test(test_home_screen_matches_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
