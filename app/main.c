/* The Islet demo: taps become queue events that call set_state; compute()
 * keeps the spinner smooth where the same work on the main isolate freezes
 * it; an HTTP request on the network isolate comes back as a future that
 * rebuilds the screen; a line of frame timings watches it all. */
#include "rt_http.h"
#include "ui_anim.h"
#include "ui_window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_VERSION "0.1.0"

typedef struct demo {
    int taps;
    const char *url;
    /* Heavy work */
    rt_compute_task *task;
    rt_future *primes;
    rt_subscription *progress_sub;
    float progress;
    char work[96];
    /* Network */
    rt_future *fetch;
    char net[160];
    ui_element *screen; /* the stateful screen, to rebuild */
} demo;

static demo app = {.url = "https://example.com"};

static void rebuild(void)
{
    if (app.screen) ui_set_state(app.screen, NULL, NULL);
}

/* ---- Counter ---- */

static void tapped(void *ctx)
{
    (void)ctx;
    app.taps++; /* a tap is an event on the main isolate's queue */
    rebuild();
}

/* ---- Heavy work: counting primes ---- */

#define PRIME_LIMIT 4000000

static int64_t count_primes(int64_t limit, rt_compute_ctx *cx)
{
    int64_t found = 0;
    for (int64_t n = 2; n < limit; n++) {
        if (cx && (n & 0x3fff) == 0) {
            if (rt_compute_cancelled(cx)) return -1;
            rt_compute_progress(cx, rt_value_int(n * 100 / limit));
        }
        bool prime = true;
        for (int64_t d = 2; d * d <= n; d++)
            if (n % d == 0) {
                prime = false;
                break;
            }
        found += prime;
    }
    return found;
}

static rt_value *primes_fn(rt_value *msg, rt_compute_ctx *cx)
{
    int64_t r = count_primes(rt_value_as_int(msg), cx);
    if (r < 0) {
        rt_compute_fail(cx, RT_ECANCELLED, "demo", "cancelled");
        return NULL;
    }
    return rt_value_int(r);
}

static void on_progress(rt_subscription *s, const rt_value *v, void *ctx)
{
    (void)s;
    (void)ctx;
    app.progress = (float)rt_value_as_int(v) / 100.0f;
    rebuild();
}

static void primes_done(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    const rt_error *e = rt_future_get_error(src);
    if (e)
        snprintf(app.work, sizeof app.work, "compute: %s", e->message);
    else
        snprintf(app.work, sizeof app.work, "compute(): %lld primes below %d",
                 (long long)rt_value_as_int(rt_future_get_value(src)), PRIME_LIMIT);
    app.progress = e ? 0 : 1;
    rt_compute_task_release(app.task);
    app.task = NULL;
    rebuild();
}

static void start_compute(void *ctx)
{
    (void)ctx;
    if (app.task) return;
    rt_value *limit = rt_value_int(PRIME_LIMIT);
    rt_future *f = rt_compute_start(primes_fn, limit, &app.task);
    rt_value_free(limit);
    if (!f) return;
    rt_stream *p = rt_compute_task_progress(app.task);
    rt_stream_handlers h = {.on_data = on_progress};
    rt_stream_listen(p, &h);
    rt_stream_release(p);
    snprintf(app.work, sizeof app.work, "compute(): counting on a background isolate...");
    app.progress = 0;
    rt_future_release(rt_future_then(f, primes_done, primes_done, NULL));
    rebuild();
}

static void cancel_compute(void *ctx)
{
    (void)ctx;
    if (app.task) rt_compute_task_cancel(app.task, false);
}

static void on_main(void *ctx)
{
    (void)ctx;
    /* The same work on the main isolate: no frames until it is done. */
    int64_t n = count_primes(PRIME_LIMIT, NULL);
    snprintf(app.work, sizeof app.work, "main isolate: %lld primes (the spinner froze)",
             (long long)n);
    rebuild();
}

/* ---- Network ---- */

static void fetched(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    const rt_error *e = rt_future_get_error(src);
    if (e) {
        snprintf(app.net, sizeof app.net, "error: %s", e->message);
    } else {
        const rt_value *r = rt_future_get_value(src);
        size_t len;
        rt_http_body(r, &len);
        snprintf(app.net, sizeof app.net, "HTTP %d, %zu bytes, %.1f ms", rt_http_status(r), len,
                 (double)rt_http_timing_us(r, "total") / 1000.0);
    }
    rt_future_release(app.fetch);
    app.fetch = NULL;
    rebuild();
}

static void fetch(void *ctx)
{
    (void)ctx;
    if (app.fetch) return;
    app.fetch = rt_http_get(app.url, NULL);
    snprintf(app.net, sizeof app.net, "fetching %s ...", app.url);
    rt_future_release(rt_future_then(rt_future_dup(app.fetch), fetched, fetched, NULL));
    rebuild();
}

/* ---- Frame timing line ---- */

static void frame_line(ui_tree *t, char *out, size_t n)
{
    ui_frame_timing ft[120];
    size_t k = ui_tree_timings(t, ft, 120);
    double worst = 0, sum = 0;
    int janky = 0;
    for (size_t i = 0; i < k; i++) {
        double ms = (double)ft[i].total_ns / 1e6;
        sum += ms;
        if (ms > worst) worst = ms;
        if (ms > 16.7) janky++;
    }
    snprintf(out, n, "frames: avg %.2f ms, max %.2f ms, janky %d of %zu", k ? sum / (double)k : 0,
             worst, janky, k);
}

/* ---- The screen ---- */

static ui_color ink = {20, 20, 30, 255};

static ui_widget *label(ui_build *b, const char *s, float size)
{
    return ui_text(b, ui_strdup(b, s), size, ink);
}

static ui_widget *screen_build(ui_build *b, ui_element *e)
{
    app.screen = e;
    char taps[48], frames[96];
    snprintf(taps, sizeof taps, "taps: %d", app.taps);
    frame_line(ui_element_tree(e), frames, sizeof frames);
    ui_widget *counter[] = {label(b, taps, 18),
                            ui_button(b, ui_key_str("tap"), "Tap me", tapped, NULL)};
    ui_widget *work_buttons[] = {
        ui_button(b, ui_key_str("compute"), "Count primes with compute()", start_compute, NULL),
        ui_button(b, ui_key_str("main"), "...on the main isolate", on_main, NULL),
        ui_button(b, ui_key_str("cancel"), "Cancel", app.task ? cancel_compute : NULL, NULL)};
    ui_flex_props row = {.cross_align = UI_CENTER, .spacing = 12};
    ui_widget *net_row[] = {
        ui_button(b, ui_key_str("fetch"), "Fetch", fetch, NULL),
        app.fetch ? ui_spinner(b, ui_key_str("netspin"), 24, (ui_color){50, 120, 240, 255})
                  : ui_sized(b, 24, 24, NULL),
        label(b, app.net[0] ? app.net : app.url, 14)};
    ui_widget *kids[] = {
        label(b, "Islet: isolates, an event loop, and a widget tree", 22),
        ui_row(b, &row, counter, 2),
        ui_row(b, &row,
               (ui_widget *[]){ui_spinner(b, ui_key_str("spin"), 48, (ui_color){50, 120, 240, 255}),
                               label(b, "this spinner animates every frame", 14)},
               2),
        ui_row(b, &row, work_buttons, 3),
        ui_progress_bar(b, app.progress, 420, 10, (ui_color){0, 160, 80, 255}),
        label(b, app.work[0] ? app.work : "press a button: same work, two isolates", 14),
        ui_row(b, &row, net_row, 3),
        label(b, frames, 12),
    };
    ui_flex_props col = {.main_align = UI_START, .cross_align = UI_START, .spacing = 16};
    return ui_padding(b, 24, ui_column(b, &col, kids, sizeof kids / sizeof kids[0]));
}

static const ui_widget_class screen_class = {.name = "DemoScreen", .build = screen_build};

static ui_widget *root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &screen_class, 0, NULL, NULL, 0);
}

/* The frame line refreshes four times a second. */
static void refresh(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    rebuild();
}

static void on_start(ui_tree *t, void *ctx)
{
    (void)t;
    (void)ctx;
    rt_timer_start(NULL, RT_MS(250), RT_MS(250), refresh, NULL, NULL);
}

/* ---- Command line ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: islet_demo [options]\n"
               "  --headless           no window: render offscreen\n"
               "  --size WxH           window size in logical pixels (default 900x640)\n"
               "  --exit-after-ms N    quit after N milliseconds\n"
               "  --screenshot FILE    write a BMP of the last frame at exit\n"
               "  --url URL            what Fetch requests (default https://example.com)\n"
               "  --version            print the version\n"
               "  --help               this text\n"
               "keys: Tab/Shift+Tab focus, Enter/Space press, Escape or Ctrl+Q quit\n");
}

int main(int argc, char **argv)
{
    ui_window_options o = {
        .title = "Islet demo", .width = 900, .height = 640, .on_start = on_start};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("islet_demo %s\n", DEMO_VERSION);
            return 0;
        } else if (!strcmp(a, "--headless")) {
            o.headless = true;
        } else if (!strcmp(a, "--size") && v && sscanf(v, "%dx%d", &o.width, &o.height) == 2 &&
                   o.width > 0 && o.height > 0) {
            i++;
        } else if (!strcmp(a, "--exit-after-ms") && v && atol(v) > 0) {
            o.exit_after_ns = RT_MS(atol(v));
            i++;
        } else if (!strcmp(a, "--screenshot") && v) {
            o.screenshot = v;
            i++;
        } else if (!strcmp(a, "--url") && v) {
            app.url = v;
            i++;
        } else {
            fprintf(stderr, "islet_demo: bad option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    int rc = ui_window_run(&o, root, NULL);
    return rc;
}
