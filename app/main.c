/* islet_demo: the demo screen (demo.c) in an SDL window, with flags. */
#include "demo.h"
#include "ui_text_field.h"
#include "ui_window.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_VERSION "0.2.0"

static struct {
    bool frame_stats, dump_tree;
    const char *trace;
    int exit_code;
} flags;

static void usage(FILE *f)
{
    fprintf(f, "usage: islet_demo [options]\n"
               "  --headless           no window: render offscreen\n"
               "  --size WxH           window size in logical pixels (default 900x760)\n"
               "  --scale S            with --headless: render at S device pixels per\n"
               "                       logical pixel, 1 to 4 (a high-DPI screen)\n"
               "  --exit-after-ms N    quit after N milliseconds\n"
               "  --screenshot FILE    write the last frame at exit (PNG; BMP if FILE ends .bmp)\n"
               "  --frame-stats        print frame statistics as one JSON object at exit\n"
               "  --dump-tree          print the widget tree after the first frame\n"
               "  --trace FILE         write a Chrome trace (Perfetto, chrome://tracing) at exit\n"
               "  --perf-overlay       start with the frame timing overlay shown\n"
               "  --press KEY          press the button with this key after the first\n"
               "                       frame (tap, compute, main, fetch, picture, overlay)\n"
               "  --url URL            what Fetch requests (default https://example.com)\n"
               "  --version            print the version\n"
               "  --help               this text\n"
               "keys: P overlay, S pause the spinner, D dump the tree, Tab/Shift+Tab focus,\n"
               "      Enter/Space press, Escape or Ctrl+Q quit; in the URL field: typing,\n"
               "      arrows, Home/End, Backspace/Delete, Ctrl+A/C/X/V, Enter fetches,\n"
               "      Escape ends the editing\n");
}

static const char *press_key;

static void first_frame(void *ctx, int64_t now)
{
    (void)now;
    ui_tree *t = ctx;
    if (flags.dump_tree) demo_dump_tree(t, stdout);
    if (press_key && !demo_press(t, press_key))
        fprintf(stderr, "islet_demo: no enabled button with key '%s'\n", press_key);
}

static void on_start(ui_tree *t, void *ctx)
{
    demo_start(t, ctx);
    ui_tree_after_frame(t, first_frame, t);
}

static void finish(ui_tree *t, void *ctx)
{
    (void)ctx;
    demo_collect(t);
    if (flags.frame_stats) demo_frame_stats(t, stdout);
    demo_stop();
}

int main(int argc, char **argv)
{
    ui_window_options o = {.title = "Islet demo",
                           .width = 900,
                           .height = 760,
                           .on_start = on_start,
                           .on_key = demo_key,
                           .on_exit = finish};
    demo_options d = {0};
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
        } else if (!strcmp(a, "--frame-stats")) {
            flags.frame_stats = true;
        } else if (!strcmp(a, "--dump-tree")) {
            flags.dump_tree = true;
        } else if (!strcmp(a, "--perf-overlay")) {
            d.perf_overlay = true;
        } else if (!strcmp(a, "--size") && v && sscanf(v, "%dx%d", &o.width, &o.height) == 2 &&
                   o.width > 0 && o.height > 0) {
            i++;
        } else if (!strcmp(a, "--scale") && v && atof(v) >= 1 && atof(v) <= 4) {
            o.scale = (float)atof(v);
            i++;
        } else if (!strcmp(a, "--exit-after-ms") && v && atol(v) > 0) {
            o.exit_after_ns = RT_MS(atol(v));
            i++;
        } else if (!strcmp(a, "--screenshot") && v) {
            o.screenshot = v;
            i++;
        } else if (!strcmp(a, "--trace") && v) {
            flags.trace = v;
            i++;
        } else if (!strcmp(a, "--press") && v) {
            press_key = v;
            i++;
        } else if (!strcmp(a, "--url") && v) {
            if (!rt_utf8_valid(v, strlen(v)) || strlen(v) > UI_TEXT_FIELD_MAX) {
                fprintf(stderr, "islet_demo: --url must be UTF-8 of at most %d bytes\n",
                        UI_TEXT_FIELD_MAX);
                return 2;
            }
            d.url = v;
            i++;
        } else {
            fprintf(stderr, "islet_demo: bad option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    demo_init(&d);
    if (flags.trace) demo_trace_start();
    int rc = ui_window_run(&o, demo_root, NULL);
    /* Written after the main isolate left: every isolate's exit is in. */
    if (flags.trace && demo_trace_write(flags.trace) != 0) {
        fprintf(stderr, "islet_demo: cannot write the trace to '%s': %s\n", flags.trace,
                strerror(errno));
        flags.exit_code = 1;
    }
    demo_trace_stop();
    if (rc == 0) rc = flags.exit_code;
    demo_init(NULL); /* frees the collected statistics */
    return rc;
}
