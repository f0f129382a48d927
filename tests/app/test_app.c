/* test_app.c: the demo's screen driven headless, as a user would: taps,
 * compute with frames still coming, a fetch from a real loopback server and
 * from a refused port, the event loop panel, and a golden of the home
 * screen. The screen sits under ui_devtools, as the runner puts it. */
#include "demo.h"
#include "event_rows.h"
#include "http_server.h"
#include <islet/rt_trace.h>
#include "test_support.h"
#include <islet/ui_anim.h>
#include <islet/ui_devtools.h>
#include <islet/ui_golden.h>
#include <islet/ui_tester.h>
#include <islet/ui_text_field.h>
#include <islet/ui_window.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static rt_virtual_clock vclock;
static demo_options options;

/* What ui_app_run builds around the app's root. */
static ui_widget *app_root(ui_build *b, void *ctx)
{
    return ui_devtools(b, false, demo_root(b, ctx));
}

static ui_tester *open_demo_scaled(const char *url, int64_t prime_limit, float scale)
{
    ts_main_enter_virtual(&vclock);
    options = (demo_options){.url = url, .prime_limit = prime_limit};
    ui_tester *t = ui_tester_new_scaled(900, 760, scale, &vclock); /* the app's window */
    ui_tester_pump_widget(t, app_root, &options);
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
    ui_tester_pump_widget(t, nothing, NULL); /* the panels stop what they started */
    ui_tester_pump(t, RT_MS(16));
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static rt_future *future_of(ui_tester *t, const char *panel)
{
    return demo_future(ui_tester_tree(t), panel);
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

/* The tree dump as a string, valid until the next call. */
static const char *dump(ui_tester *t)
{
    static char text[1 << 18];
    memset(text, 0, sizeof text);
    FILE *f = fmemopen(text, sizeof text - 1, "w");
    assert_non_null(f);
    ui_dump_tree(ui_tester_tree(t), f);
    fclose(f);
    return text;
}

/* The first text on screen starting with prefix ("" when none). */
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

static bool screen_contains(ui_tester *t, const char *needle)
{
    return strstr(dump(t), needle) != NULL;
}

static bool enabled(ui_tester *t, const char *key)
{
    ui_element *e = ui_find_key(t, ui_key_str(key));
    return e && ((const ui_button_props *)ui_props(e))->on_pressed != NULL;
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
    rt_future *f = rt_future_dup(future_of(t, "work"));
    assert_non_null(f);
    assert_non_null(ui_find_text(t, "compute(): counting on a background isolate..."));
    /* The buttons that would start a second job are disabled meanwhile. */
    assert_false(demo_press(ui_tester_tree(t), "compute"));
    assert_false(demo_press(ui_tester_tree(t), "main"));
    int frames = 0;
    ui_tree_on_frame(ui_tester_tree(t), count_frame, &frames);
    assert_true(ui_tester_wait_for(t, f, RT_SEC(30)));
    ui_tester_pump(t, RT_MS(16));
    assert_null(rt_future_get_error(f));
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 25997); /* pi(300000) */
    assert_int_equal(ui_count_text(t, "compute(): 25997 primes below 300000"), 1);
    assert_true(frames >= 1);
    assert_null(future_of(t, "work")); /* done: nothing pending */
    rt_future_release(f);
    close_demo(t);
}

static void test_cancel_stops_the_compute_job(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 400000000); /* minutes of work unless cancelled */
    tap(t, "compute");
    rt_future *f = rt_future_dup(future_of(t, "work"));
    assert_non_null(f);
    tap(t, "cancel");
    assert_true(ui_tester_wait_for(t, f, RT_SEC(30)));
    ui_tester_pump(t, RT_MS(16));
    const rt_error *e = rt_future_get_error(f);
    assert_non_null(e);
    assert_int_equal(e->code, RT_ECANCELLED);
    assert_string_equal(text_starting(t, "compute(): "), "compute(): cancelled");
    assert_true(enabled(t, "compute")); /* enabled again */
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
    rt_future *f = rt_future_dup(future_of(t, "network"));
    assert_non_null(f);
    /* While in flight: a spinner, Fetch disabled, Cancel beside it. */
    assert_non_null(ui_find_key(t, ui_key_str("netspin")));
    assert_false(enabled(t, "fetch"));
    assert_true(enabled(t, "cancel-fetch"));
    assert_true(ui_tester_wait_for(t, f, RT_SEC(20)));
    ui_tester_pump(t, RT_MS(16));
    /* "slow\n" is 5 bytes. */
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, 5 bytes, ", 19);
    assert_null(ui_find_key(t, ui_key_str("netspin")));
    assert_true(enabled(t, "fetch"));
    assert_false(enabled(t, "cancel-fetch"));
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
    wait_pending(t, future_of(t, "network"));
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, 5 bytes, ", 19);
    assert_int_equal(ts_http_requests(srv), 1);
    ui_tester_pump(t, RT_MS(400)); /* past the double click */
    tap(t, "fetch");
    rt_future *f = rt_future_dup(future_of(t, "network"));
    assert_non_null(f);
    tap(t, "cancel-fetch");
    tap(t, "cancel-fetch");
    assert_true(ui_tester_wait_for(t, f, RT_SEC(20)));
    rt_future_release(f);
    ui_tester_pump(t, RT_MS(16));
    assert_string_equal(text_starting(t, "cancelled"), "cancelled");
    ui_element *status = ui_find_key(t, ui_key_str("net-status"));
    assert_int_equal(((const ui_text_props *)ui_props(status))->color.r, 20); /* ink, not red */
    assert_null(future_of(t, "network")); /* nothing started again */
    assert_null(ui_find_key(t, ui_key_str("retry")));
    assert_true(enabled(t, "fetch"));
    close_demo(t);
    ts_http_stop(srv);
}

/* A fetch that fails at once puts Retry where Fetch was before the second
 * click of a double click lands: that click is not a new request. */
static void test_double_click_on_a_fetch_that_fails_at_once_fetches_once(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/close-no-reply", url, sizeof url); /* a failure, counted */
    ui_tester *t = open_demo(url, 0);
    ui_tester_pump(t, RT_MS(500));
    ui_element *e = ui_find_key(t, ui_key_str("fetch"));
    assert_non_null(e);
    ui_tester_tap(t, e);
    wait_pending(t, future_of(t, "network")); /* failed: Retry in its place */
    ui_element *retry = ui_find_key(t, ui_key_str("retry"));
    assert_non_null(retry);
    ui_tester_tap(t, retry); /* the second click, 16 ms later */
    wait_pending(t, future_of(t, "network"));
    assert_int_equal(ts_http_requests(srv), 1);
    assert_non_null(ui_find_key(t, ui_key_str("retry")));
    ui_tester_pump(t, RT_MS(400)); /* a click of its own: a new request */
    tap(t, "retry");
    wait_pending(t, future_of(t, "network"));
    assert_int_equal(ts_http_requests(srv), 2);
    close_demo(t);
    ts_http_stop(srv);
}

/* A key as the window delivers it: to the tree, else to the app (the
 * runner keeps P and D for itself). */
static bool press_key(ui_tester *t, SDL_Keycode k, Uint16 mod)
{
    bool used = ui_tester_key(t, k, mod);
    if (!used) demo_key(ui_tester_tree(t), k, ui_window_mods(mod), NULL);
    ui_tester_pump(t, RT_MS(16));
    return used;
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
    press_key(t, SDLK_a, KMOD_LCTRL);               /* select all, then type over it */
    assert_true(press_key(t, SDLK_p, 0));           /* typed: not the runner's overlay key */
    assert_true(press_key(t, SDLK_s, 0));           /* nor the spinner's */
    assert_false(press_key(t, SDLK_p, KMOD_LCTRL)); /* Ctrl+P is nobody's */
    type_text(t, url);
    assert_string_equal(ui_text_field_text(field, NULL), url);
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 1);
    press_key(t, SDLK_RETURN, 0); /* the request may be answered within this pump */
    wait_pending(t, future_of(t, "network"));
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, ", 10);
    assert_int_equal(ts_http_requests(srv), 1);
    /* Invalid UTF-8 pasted into the field: refused, URL kept, said so. */
    ui_tree_clipboard_set(ui_tester_tree(t), "\xff", 1);
    press_key(t, SDLK_v, KMOD_LCTRL);
    assert_string_equal(ui_text_field_text(field, NULL), url);
    assert_string_equal(text_starting(t, "URL unchanged"),
                        "URL unchanged: the text is not valid UTF-8");
    /* Outside the field, P goes to the runner (the overlay). */
    ui_tree_set_focus(ui_tester_tree(t), NULL);
    assert_false(press_key(t, SDLK_p, 0));
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
    assert_non_null(future_of(t, "network")); /* 2 s: still in flight */
    ui_tester_tap(t, ui_find_key(t, ui_key_str("url")));
    press_key(t, SDLK_a, KMOD_LCTRL);
    type_text(t, ok);
    press_key(t, SDLK_RETURN, 0);
    for (int i = 0; i < 3 && future_of(t, "network"); i++) /* the cancelled one, then /ok */
        wait_pending(t, future_of(t, "network"));
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
    for (int i = 0; i < 3; i++) /* Tap me, Perf overlay, Count primes */
        press_key(t, SDLK_TAB, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("compute")));
    press_key(t, SDLK_RETURN, 0); /* starts the job: this button is disabled now */
    assert_non_null(future_of(t, "work"));
    press_key(t, SDLK_TAB, 0);
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(t, ui_key_str("cancel")));
    press_key(t, SDLK_RETURN, 0);
    wait_pending(t, future_of(t, "work"));
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
    assert_null(ui_find_key(t, ui_key_str("retry"))); /* Retry only after a failure */
    tap(t, "fetch");
    wait_pending(t, future_of(t, "network"));
    char err[256];
    snprintf(err, sizeof err, "%s", text_starting(t, "error: "));
    assert_true(strlen(err) > strlen("error: "));
    ui_element *status = ui_find_key(t, ui_key_str("net-status"));
    assert_int_equal(((const ui_text_props *)ui_props(status))->color.r, 190); /* an error */
    assert_null(ui_find_key(t, ui_key_str("fetch")));
    /* Retry runs the request again, and fails the same way. */
    tap(t, "retry");
    wait_pending(t, future_of(t, "network"));
    assert_string_equal(text_starting(t, "error: "), err);
    assert_non_null(ui_find_key(t, ui_key_str("retry")));
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

/* The overlay button toggles the runner's overlay (ui_devtools above). */
static void test_overlay_button_toggles_the_runners_overlay(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    ui_tree *tree = ui_tester_tree(t);
    assert_false(ui_devtools_overlay_shown(tree));
    assert_null(ui_find_class(t, &ui_perf_overlay_class));
    tap(t, "overlay");
    assert_true(ui_devtools_overlay_shown(tree));
    assert_non_null(ui_find_class(t, &ui_perf_overlay_class));
    tap(t, "overlay");
    assert_false(ui_devtools_overlay_shown(tree));
    assert_null(ui_find_class(t, &ui_perf_overlay_class));
    close_demo(t);
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
    assert_true(enabled(t, "main") && enabled(t, "compute"));
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
    wait_pending(t, future_of(t, "work"));
    ui_tester_pump(t, RT_MS(100)); /* the panel looks at most every 100 ms */
    ui_tester_pump(t, RT_MS(16));
    assert_memory_equal(text_starting(t, "compute-"), "compute-", 8);
    assert_string_equal(text_starting(t, "isolates alive: "), "isolates alive: 2");
    close_demo(t);
}

/* The picture is computed in a background isolate and its pixel buffer is
 * moved to the main isolate, then shown as an image at its resolution. */
static void test_picture_arrives_by_transfer_and_is_shown(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    assert_null(ui_find_class(t, &ui_image_class));
    tap(t, "picture");
    assert_non_null(future_of(t, "picture"));
    assert_false(enabled(t, "picture"));
    wait_pending(t, future_of(t, "picture"));
    const rt_value *v = rt_future_get_value(future_of(t, "picture"));
    assert_non_null(v);
    size_t len;
    const uint32_t *px = rt_value_buffer_data((rt_value *)v, &len);
    assert_int_equal(len, 240 * 120 * 4);
    assert_int_equal(px[60 * 240 + 165], 0x141428ffu); /* c = 0: inside the set */
    assert_int_not_equal(px[0], 0x141428ffu);          /* c = -2.2-1.2i: outside */
    ui_element *img = ui_find_class(t, &ui_image_class);
    assert_non_null(img);
    ui_size sz = ui_element_size(img);
    assert_true(sz.w >= 240 && sz.h >= 120); /* at its real resolution, not a thumbnail */
    assert_true(screen_contains(t, "moved here without a copy"));
    assert_true(enabled(t, "picture")); /* again */
    close_demo(t);
}

/* The screen goes while a compute job, its progress and a picture are in
 * flight: the work is the panels', so their dispose cancels the job and
 * lets go of everything; the completions are bound to the panels, so when
 * they arrive they run nothing and rebuild nothing (ASan: touch nothing). */
static void test_results_after_the_screen_is_gone_do_nothing(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0); /* about a second of work: cancelled long before */
    tap(t, "compute");
    tap(t, "picture");
    rt_future *primes = rt_future_dup(future_of(t, "work"));
    rt_future *picture = rt_future_dup(future_of(t, "picture"));
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
    assert_null(future_of(t, "work")); /* it went with the screen */
    assert_null(future_of(t, "picture"));
    const rt_error *err = rt_future_get_error(primes);
    assert_non_null(err); /* the panel's dispose cancelled the job */
    assert_int_equal(err->code, RT_ECANCELLED);
    rt_future_release(primes);
    rt_future_release(picture);
    close_demo(t);
}

/* One step of a window's loop: time moves on, then the loop runs what is
 * due, frames included, as the events they are in a window (the tester's
 * pump runs its frame directly, outside any event). */
static void window_step(int64_t ns)
{
    rt_virtual_clock_advance(&vclock, ns);
    for (int i = 0; i < 6; i++)
        rt_run(RT_RUN_NOWAIT);
}

/* Waits in real time for f as a window's loop would, then a step. */
static void window_wait(rt_future *f)
{
    int64_t end = rt_monotonic_ns() + RT_SEC(20);
    while (!rt_future_is_complete(f) && rt_monotonic_ns() < end) {
        rt_run(RT_RUN_NOWAIT);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    assert_true(rt_future_is_complete(f));
    window_step(0);
}

/* Frames produced in ms of virtual time, 16 ms a step. */
static int frames_in(ui_tester *t, int ms)
{
    ui_frame_timing ft = {.number = 0};
    ui_tree_timings(ui_tester_tree(t), &ft, 1);
    uint64_t before = ft.number;
    for (int i = 0; i < ms / 16; i++)
        window_step(RT_MS(16));
    ui_tree_timings(ui_tester_tree(t), &ft, 1);
    return (int)(ft.number - before);
}

/* S pauses the spinner: nothing animates, and after a frame or two nothing
 * asks for another (not the isolates panel, not the event log), so the
 * loop can sleep. */
static void test_pausing_the_spinner_stops_frames(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 1);
    assert_true(frames_in(t, 320) >= 10);
    demo_key(ui_tester_tree(t), 's', 0, NULL);
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 0);
    assert_int_equal(ui_anim_active(), 0);
    frames_in(t, 320); /* the last looks of the panels */
    assert_int_equal(frames_in(t, 1000), 0);
    assert_false(ui_tree_needs_frame(ui_tester_tree(t)));
    assert_int_equal(rt_timers_pending(), 0); /* no timer either: asleep */
    demo_key(ui_tester_tree(t), 's', ui_window_mods(KMOD_LCTRL), NULL); /* Ctrl+S: nothing */
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 0);
    demo_key(ui_tester_tree(t), 's', 0, NULL);
    ui_tester_pump(t, RT_MS(16));
    assert_int_equal(ui_count_class(t, &ui_spinner_class), 1);
    close_demo(t);
}

/* ---- The event loop panel ---- */

/* A tap as the window delivers it: pointer down and up, each an event of
 * the main isolate's queue (ui_window posts SDL events so). */
typedef struct pointer_ev {
    ui_tree *tree;
    int kind;
    float x, y;
} pointer_ev;

static void run_pointer(void *ctx)
{
    pointer_ev *p = ctx;
    ui_tree_pointer(p->tree, p->kind, p->x, p->y);
}

static void tap_as_events(ui_tester *t, const char *key)
{
    static pointer_ev ev[2];
    ui_element *e = ui_find_key(t, ui_key_str(key));
    assert_non_null(e);
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    ev[0] = (pointer_ev){ui_tester_tree(t), UI_POINTER_DOWN, x + w / 2, y + h / 2};
    ev[1] = ev[0];
    ev[1].kind = UI_POINTER_UP;
    assert_int_equal(rt_post(run_pointer, &ev[0]), RT_OK);
    assert_int_equal(rt_post(run_pointer, &ev[1]), RT_OK);
    window_step(0);
}

typedef struct log_rows {
    char text[64][64]; /* each row's label, newest first */
    size_t n;
} log_rows;

/* The n-th text at or below e, depth first (counting down *n), or NULL. */
static ui_element *nth_text(ui_element *e, int *n)
{
    if (ui_element_class(e) == &ui_text_class && (*n)-- == 0) return e;
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *t = nth_text(ui_element_child(e, i), n);
        if (t) return t;
    }
    return NULL;
}

/* A row holds three texts (time, label, duration) in the list. */
static void visit_rows(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    log_rows *r = ctx;
    if (ui_element_class(e) != &ui_list_class || r->n) return;
    ui_element *viewport = ui_element_child(e, 0);
    for (size_t i = 0; i < ui_element_child_count(viewport) && r->n < 64; i++) {
        int second = 1;
        ui_element *label = nth_text(ui_element_child(viewport, i), &second);
        assert_non_null(label);
        snprintf(r->text[r->n++], 64, "%s", ((const ui_text_props *)ui_props(label))->text);
    }
}

static log_rows rows_of(ui_tester *t)
{
    log_rows r = {.n = 0};
    ui_element *panel = ui_find_key(t, ui_key_str("events-panel"));
    assert_non_null(panel);
    ui_tree_visit(ui_tester_tree(t), visit_rows, &r);
    return r;
}

/* The index of the newest row whose label starts with prefix, or -1. */
static int row_index(const log_rows *r, const char *prefix)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strncmp(r->text[i], prefix, strlen(prefix))) return (int)i;
    return -1;
}

static void print_rows(const log_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  row %zu: %s\n", i, r->text[i]);
}

/* The seed's story: the tap, later the HTTP response that completed the
 * future, then the frame that rebuilt the panel, newest first. */
static void test_event_log_shows_tap_then_response_then_frame(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/slow?ms=100", url, sizeof url);
    ui_tester *t = open_demo(url, 0);
    demo_key(ui_tester_tree(t), 's', 0, NULL); /* no spinner: the story alone */
    frames_in(t, 320);
    tap_as_events(t, "fetch");
    rt_future *f = rt_future_dup(future_of(t, "network"));
    assert_non_null(f);
    log_rows r = rows_of(t);
    if (row_index(&r, "tap: Fetch") != 1 || row_index(&r, "frame") != 0) print_rows(&r);
    assert_int_equal(row_index(&r, "frame"), 0); /* the frame that showed "fetching" */
    assert_int_equal(row_index(&r, "tap: Fetch"), 1);
    window_wait(f);
    rt_future_release(f);
    r = rows_of(t);
    int frame = row_index(&r, "frame"), response = row_index(&r, "HTTP response"),
        tapped = row_index(&r, "tap: Fetch");
    if (frame != 0 || response != 1 || tapped <= response) print_rows(&r);
    assert_int_equal(frame, 0);
    assert_int_equal(response, 1);
    assert_true(tapped > response);
    assert_memory_equal(text_starting(t, "HTTP "), "HTTP 200, 5 bytes, ", 19);
    close_demo(t);
    ts_http_stop(srv);
}

/* The list's row element (its tappable item) whose label starts with prefix. */
static ui_element *row_item_of(ui_tester *t, const char *prefix)
{
    ui_element *list = ui_find_key(t, ui_key_str("event-list"));
    assert_non_null(list);
    ui_element *viewport = ui_element_child(list, 0);
    for (size_t i = 0; i < ui_element_child_count(viewport); i++) {
        int second = 1;
        ui_element *label = nth_text(ui_element_child(viewport, i), &second);
        if (label &&
            !strncmp(((const ui_text_props *)ui_props(label))->text, prefix, strlen(prefix)))
            return ui_element_child(viewport, i);
    }
    return NULL;
}

/* A tap on a row shows it in full under the list, and the row is marked. */
static void test_tapping_an_event_row_shows_it_in_full(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    demo_key(ui_tester_tree(t), 's', 0, NULL);
    frames_in(t, 100);
    tap_as_events(t, "tap");
    frames_in(t, 100);
    ui_element *row = row_item_of(t, "tap: Tap me");
    assert_non_null(row);
    assert_non_null(ui_find_text(t, "tap a row to see it in full; drag the list to scroll it"));
    ui_tester_tap(t, row);
    ui_tester_pump(t, RT_MS(16));
    ui_element *d = ui_find_key(t, ui_key_str("event-details"));
    assert_non_null(d);
    const char *text = ((const ui_text_props *)ui_props(d))->text;
    assert_memory_equal(text, "tap: Tap me: a task at ", 23);
    assert_non_null(strstr(text, " ms"));
    close_demo(t);
}

/* A compute result is an event too, and floods are merged: the spinner's
 * ticks and frames, alternating, are two rows however long it runs. */
static void test_event_log_merges_floods_and_shows_compute_results(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 20000);
    frames_in(t, 1000); /* 60 ticks and 60 frames */
    log_rows r = rows_of(t);
    if (r.n > 4) print_rows(&r);
    assert_true(r.n <= 4);
    assert_true(row_index(&r, "frame \xc3\x97") >= 0);
    tap_as_events(t, "compute");
    rt_future *f = future_of(t, "work"); /* NULL: done already */
    if (f) {
        f = rt_future_dup(f);
        window_wait(f);
        rt_future_release(f);
    }
    frames_in(t, 64);
    r = rows_of(t);
    if (row_index(&r, "compute result") < 0) print_rows(&r);
    assert_true(row_index(&r, "compute result") >= 0);
    assert_true(row_index(&r, "compute result") < row_index(&r, "tap: compute()"));
    close_demo(t);
}

/* The same story in the trace (rt_trace.h, as --trace writes it): the tap
 * and the response on the main isolate's track, the request on the
 * network's, the frame, and arrows between them. */
static void test_trace_of_a_fetch_shows_tap_request_response_and_frame(void **state)
{
    (void)state;
    ts_http_server *srv = ts_http_start();
    char url[256];
    ts_http_url(srv, "/ok", url, sizeof url);
    assert_int_equal(rt_trace_record_start("islet_demo", 0), RT_OK); /* before main */
    ui_tester *t = open_demo(url, 0);
    demo_key(ui_tester_tree(t), 's', 0, NULL);
    tap_as_events(t, "fetch");
    rt_future *f = future_of(t, "network");
    if (f) {
        f = rt_future_dup(f);
        window_wait(f);
        rt_future_release(f);
    }
    window_step(RT_MS(16));
    close_demo(t);
    ts_http_stop(srv);
    char path[] = "/tmp/islet-demo-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(rt_trace_json(path), 0);
    rt_trace_record_stop();
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 %s/../../scripts/check_trace.py %s --flow-to-main --span 'tap: Fetch' "
             "--span 'HTTP response' --span frame --span 'HTTP request'",
             ISLET_TEST_DIR, path);
    int rc = system(cmd);
    unlink(path);
    assert_true(WIFEXITED(rc));
    assert_int_equal(WEXITSTATUS(rc), 0);
}

/* The log and the performance overlay both refresh after frames they did
 * not cause: with the spinner paused they must not answer each other's
 * refreshes forever. */
static void test_event_log_and_overlay_leave_an_idle_app_idle(void **state)
{
    (void)state;
    ui_tester *t = open_demo(NULL, 0);
    demo_key(ui_tester_tree(t), 's', 0, NULL);
    tap_as_events(t, "overlay");
    assert_true(ui_devtools_overlay_shown(ui_tester_tree(t)));
    tap_as_events(t, "tap");
    frames_in(t, 320);
    assert_int_equal(frames_in(t, 1000), 0);
    assert_int_equal(rt_timers_pending(), 0);
    log_rows r = rows_of(t);
    assert_true(row_index(&r, "tap: Tap me") >= 0);
    close_demo(t);
}

/* The rows' merging, event by event. */
static void add_events(event_rows *r, const char *labels)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", labels);
    for (char *l = strtok(copy, ","); l; l = strtok(NULL, ","))
        event_rows_add(r, &(rt_event_info){.kind = RT_EVENT_TIMER, .label = l, .dur_ns = 1});
}

static void expect_rows(const event_rows *r, const char *want)
{
    char got[512] = "";
    for (size_t i = 0; i < r->n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s x%u", i ? ", " : "",
                 r->rows[i].label, r->rows[i].count);
    assert_string_equal(got, want);
}

static void test_event_rows_merge_repeats_and_turns(void **state)
{
    (void)state;
    static event_rows r;
    memset(&r, 0, sizeof r);
    add_events(&r, "tap,frame,frame,frame");
    expect_rows(&r, "frame x3, tap x1");
    /* Two taking turns: two rows, whatever how long. */
    memset(&r, 0, sizeof r);
    add_events(&r, "tap,timer,frame,timer,frame,timer,frame,timer");
    expect_rows(&r, "timer x4, frame x3, tap x1");
    /* Something else ends the turns; three taking turns merge too. */
    add_events(&r, "result,p,timer,frame,p,timer,frame,p,timer,frame");
    expect_rows(&r, "frame x3, timer x3, p x3, result x1, timer x4, frame x3, tap x1");
    /* Never past a row outside the turns: the response stays between. */
    memset(&r, 0, sizeof r);
    add_events(&r, "tap,timer,frame,timer,frame,HTTP response,timer,frame");
    expect_rows(&r, "frame x1, timer x1, HTTP response x1, frame x2, timer x2, tap x1");
    /* Taps and frames taking turns are a flood too. */
    memset(&r, 0, sizeof r);
    add_events(&r, "frame,tap,frame,tap,frame");
    expect_rows(&r, "frame x3, tap x2");
    /* The oldest fall off. */
    memset(&r, 0, sizeof r);
    for (int i = 0; i < EVENT_ROWS + 10; i++) {
        char l[16];
        snprintf(l, sizeof l, "e%d", i);
        add_events(&r, l);
    }
    assert_int_equal(r.n, EVENT_ROWS);
    assert_string_equal(r.rows[0].label, "e73");
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
        cmocka_unit_test(test_high_dpi_draws_at_device_pixels),
        cmocka_unit_test(test_overlay_button_toggles_the_runners_overlay),
        cmocka_unit_test(test_double_clicks_do_what_the_user_means),
        cmocka_unit_test(test_double_click_on_a_fetch_that_fails_at_once_fetches_once),
        cmocka_unit_test(test_main_isolate_job_shows_it_starts),
        cmocka_unit_test(test_no_display_exits_1_with_a_message),
        cmocka_unit_test(test_isolates_panel_lists_isolates),
        cmocka_unit_test(test_picture_arrives_by_transfer_and_is_shown),
        cmocka_unit_test(test_results_after_the_screen_is_gone_do_nothing),
        cmocka_unit_test(test_pausing_the_spinner_stops_frames),
        cmocka_unit_test(test_event_log_shows_tap_then_response_then_frame),
        cmocka_unit_test(test_tapping_an_event_row_shows_it_in_full),
        cmocka_unit_test(test_event_log_merges_floods_and_shows_compute_results),
        cmocka_unit_test(test_trace_of_a_fetch_shows_tap_request_response_and_frame),
        cmocka_unit_test(test_event_log_and_overlay_leave_an_idle_app_idle),
        cmocka_unit_test(test_event_rows_merge_repeats_and_turns),
        cmocka_unit_test(test_home_screen_matches_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
