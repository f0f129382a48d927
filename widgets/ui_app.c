/* ui_app.c: the app runner: flags, the window, the developer tools' keys,
 * and what is written at exit. */
#include <islet/ui_app.h>

#include "ui_check.h"
#include <islet/ui_devtools.h>
#include <islet/ui_window.h>
#include <islet/version.h>

#include <SDL.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The standard flags' getopt_long values: below 256, which apps use. */
enum {
    OPT_HEADLESS = 1,
    OPT_SIZE,
    OPT_SCALE,
    OPT_EXIT_AFTER,
    OPT_SCREENSHOT,
    OPT_FRAME_STATS,
    OPT_DUMP_TREE,
    OPT_TRACE,
    OPT_PERF_OVERLAY,
    OPT_LATENCY_LOG,
    OPT_HELP,
    OPT_VERSION
};

static const struct option std_options[] = {
    {"headless", no_argument, NULL, OPT_HEADLESS},
    {"size", required_argument, NULL, OPT_SIZE},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"exit-after-ms", required_argument, NULL, OPT_EXIT_AFTER},
    {"screenshot", required_argument, NULL, OPT_SCREENSHOT},
    {"frame-stats", no_argument, NULL, OPT_FRAME_STATS},
    {"dump-tree", no_argument, NULL, OPT_DUMP_TREE},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"perf-overlay", no_argument, NULL, OPT_PERF_OVERLAY},
    {"latency-log", required_argument, NULL, OPT_LATENCY_LOG},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
};
#define STD_OPTIONS (sizeof std_options / sizeof std_options[0])

#define DEFAULT_W 800
#define DEFAULT_H 600
#define MAX_SIDE 16384 /* logical pixels */

/* One run: the app, its flags, and what the runner holds for it. */
typedef struct app_run {
    const ui_app *app;
    const char *name;
    ui_window_options o;
    bool frame_stats, dump_tree, perf_overlay;
    const char *trace;
    const char *latency_log;
    ui_tree *tree; /* from on_start to on_exit */
    ui_frame_log *log;
    bool started; /* the window opened (no trace is written when it did not) */
    int rc;       /* 1 once something failed */
} app_run;

/* ---- Flags ---- */

static void usage(const app_run *r, FILE *f)
{
    fprintf(f,
            "usage: %s [options]\n"
            "  --headless           no window: render offscreen\n"
            "  --size WxH           window size in logical pixels (default %dx%d)\n"
            "  --scale S            with --headless: S device pixels per logical pixel,\n"
            "                       1 to 4 (a high-DPI screen)\n"
            "  --exit-after-ms N    quit after N milliseconds\n"
            "  --screenshot FILE    write the last frame at exit (PNG; BMP if FILE ends .bmp)\n"
            "  --frame-stats        print frame statistics as one JSON object at exit\n"
            "  --dump-tree          print the widget tree after the first frame\n"
            "  --trace FILE         write a Chrome trace (Perfetto, chrome://tracing) at exit\n"
            "  --perf-overlay       start with the performance overlay shown\n"
            "  --latency-log FILE   write a JSON line per input and result shown, with its\n"
            "                       latency to the present, at exit\n"
            "  --version            print the version\n"
            "  --help               this text\n",
            r->name, r->app->width > 0 ? r->app->width : DEFAULT_W,
            r->app->height > 0 ? r->app->height : DEFAULT_H);
    if (r->app->usage) {
        fputs(r->app->usage, f);
        size_t n = strlen(r->app->usage);
        if (n && r->app->usage[n - 1] != '\n') fputc('\n', f);
    }
    fputs("keys: P performance overlay, D dump the tree, Escape or Ctrl+Q quit\n", f);
}

/* A whole decimal number in [lo, hi]. */
static bool parse_long(const char *s, long lo, long hi, long *out, char **end)
{
    errno = 0;
    char *e;
    long v = strtol(s, &e, 10);
    if (e == s || errno || v < lo || v > hi) return false;
    if (end)
        *end = e;
    else if (*e)
        return false;
    *out = v;
    return true;
}

static bool parse_size(const char *s, int *w, int *h)
{
    long a, b;
    char *e;
    if (!parse_long(s, 1, MAX_SIDE, &a, &e) || (*e != 'x' && *e != 'X')) return false;
    if (!parse_long(e + 1, 1, MAX_SIDE, &b, NULL)) return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static bool parse_scale(const char *s, float *out)
{
    errno = 0;
    char *e;
    double v = strtod(s, &e);
    if (e == s || *e || errno || !(v >= 1 && v <= 4)) return false;
    *out = (float)v;
    return true;
}

static int bad_value(const app_run *r, const char *flag, const char *arg, const char *want)
{
    fprintf(stderr, "%s: %s wants %s, not '%s'\n", r->name, flag, want, arg);
    usage(r, stderr);
    return 2;
}

/* A standard flag: -1 to go on, or the exit code. */
static int std_option(app_run *r, int val, const char *arg)
{
    long ms;
    switch (val) {
    case OPT_HEADLESS:
        r->o.headless = true;
        return -1;
    case OPT_SIZE:
        if (!parse_size(arg, &r->o.width, &r->o.height))
            return bad_value(r, "--size", arg, "WxH, each 1 to 16384");
        return -1;
    case OPT_SCALE:
        if (!parse_scale(arg, &r->o.scale)) return bad_value(r, "--scale", arg, "1 to 4");
        return -1;
    case OPT_EXIT_AFTER:
        if (!parse_long(arg, 1, LONG_MAX / 1000000, &ms, NULL))
            return bad_value(r, "--exit-after-ms", arg, "a whole number of milliseconds > 0");
        r->o.exit_after_ns = RT_MS((int64_t)ms);
        return -1;
    case OPT_SCREENSHOT:
        r->o.screenshot = arg;
        return -1;
    case OPT_FRAME_STATS:
        r->frame_stats = true;
        return -1;
    case OPT_DUMP_TREE:
        r->dump_tree = true;
        return -1;
    case OPT_TRACE:
        r->trace = arg;
        return -1;
    case OPT_PERF_OVERLAY:
        r->perf_overlay = true;
        return -1;
    case OPT_LATENCY_LOG:
        r->latency_log = arg;
        return -1;
    case OPT_HELP:
        usage(r, stdout);
        return 0;
    case OPT_VERSION:
        printf("%s %s\n", r->name, r->app->version ? r->app->version : islet_version());
        return 0;
    default:
        usage(r, stderr); /* getopt_long said what was wrong */
        return 2;
    }
}

static size_t count_options(const struct option *o)
{
    size_t n = 0;
    while (o && o[n].name)
        n++;
    return n;
}

/* The standard flags, then the app's, then the zero entry, in t (no
 * allocation: this runs before the runtime exists). */
static void option_table(const ui_app *app, struct option *t)
{
    size_t n = count_options(app->options);
    UI_CHECK(n <= UI_APP_MAX_OPTIONS, "the app has %zu options, more than %d", n,
             UI_APP_MAX_OPTIONS);
    UI_CHECK(!n || app->on_option, "the app has options but no on_option");
    memcpy(t, std_options, sizeof std_options);
    for (size_t i = 0; i < n; i++) {
        const struct option *o = &app->options[i];
        UI_CHECK(o->val >= 256 && !o->flag,
                 "the app's option '--%s' needs val >= 256 and flag NULL", o->name);
        for (size_t k = 0; k < STD_OPTIONS; k++)
            UI_CHECK(strcmp(o->name, std_options[k].name), "the app's option '--%s' is standard",
                     o->name);
        t[STD_OPTIONS + i] = *o;
    }
    memset(&t[STD_OPTIONS + n], 0, sizeof *t);
}

static int check_flags(const app_run *r, int argc, char **argv)
{
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", r->name, argv[optind]);
        usage(r, stderr);
        return 2;
    }
    if (r->o.scale > 0 && !r->o.headless) {
        fprintf(stderr, "%s: --scale needs --headless (a window takes its display's)\n", r->name);
        usage(r, stderr);
        return 2;
    }
    return -1;
}

/* Parses argv: -1 to run, or the exit code (--help, --version, usage). */
static int parse_flags(app_run *r, int argc, char **argv)
{
    struct option table[STD_OPTIONS + UI_APP_MAX_OPTIONS + 1];
    option_table(r->app, table);
    /* glibc's getopt starts afresh only from optind 0: a second run in the
     * same process (a test) parses its own argv from the start. */
#ifdef __GLIBC__
    optind = 0;
#else
    optind = 1;
#endif
    opterr = 1;
    int rc = -1, val;
    while (rc < 0 && (val = getopt_long(argc, argv, "", table, NULL)) != -1) {
        if (val < 256) {
            rc = std_option(r, val, optarg);
        } else if (r->app->on_option(val, optarg, r->app->ctx) != 0) {
            usage(r, stderr);
            rc = 2;
        }
    }
    return rc < 0 ? check_flags(r, argc, argv) : rc;
}

/* ---- The window's hooks ---- */

static ui_widget *run_root(ui_build *b, void *ctx)
{
    app_run *r = ctx;
    return ui_devtools(b, r->perf_overlay, r->app->root(b, r->app->ctx));
}

static void first_frame(void *ctx, int64_t now)
{
    (void)now;
    app_run *r = ctx;
    if (r->dump_tree) {
        ui_dump_tree(r->tree, stdout);
        fflush(stdout);
    }
    if (r->app->on_first_frame) r->app->on_first_frame(r->tree, r->app->ctx);
}

static void run_start(ui_tree *t, void *ctx)
{
    app_run *r = ctx;
    r->tree = t;
    r->started = true;
    /* Before the first frame, so every frame is counted. */
    if ((r->frame_stats || r->latency_log) && !(r->log = ui_frame_log_new(t))) {
        fprintf(stderr, "%s: --frame-stats: out of memory\n", r->name);
        r->rc = 1;
    }
    if (ui_tree_after_frame(t, first_frame, r) != RT_OK) {
        fprintf(stderr, "%s: out of memory\n", r->name);
        r->rc = 1;
        ui_window_quit();
        return;
    }
    if (r->app->on_start) r->app->on_start(t, r->app->ctx);
}

static void run_key(ui_tree *t, int key, unsigned mods, void *ctx)
{
    app_run *r = ctx;
    bool plain = !(mods & (UI_MOD_CTRL | UI_MOD_ALT));
    if (plain && key == SDLK_p) {
        ui_devtools_toggle_overlay(t);
    } else if (plain && key == SDLK_d) {
        ui_dump_tree(t, stdout);
        fflush(stdout);
    } else if (r->app->on_key) {
        r->app->on_key(t, key, mods, r->app->ctx);
    }
}

static void write_frame_stats(app_run *r)
{
    if (ui_frame_log_json(r->log, stdout) != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "%s: cannot write the frame statistics: %s\n", r->name, strerror(errno));
        r->rc = 1;
    }
}

static void write_latency_log(app_run *r)
{
    FILE *f = fopen(r->latency_log, "w");
    int rc = f ? ui_frame_log_latency_json(r->log, f) : RT_EIO;
    if (f && fclose(f) != 0) rc = RT_EIO;
    if (rc != 0) {
        fprintf(stderr, "%s: cannot write the latency log to '%s': %s\n", r->name, r->latency_log,
                strerror(errno));
        r->rc = 1;
    }
}

static void run_exit(ui_tree *t, void *ctx)
{
    app_run *r = ctx;
    if (r->app->on_exit) r->app->on_exit(t, r->app->ctx);
    if (r->log && r->latency_log) write_latency_log(r);
    if (r->log) {
        if (r->frame_stats) write_frame_stats(r);
        ui_frame_log_free(r->log);
        r->log = NULL;
    }
    r->tree = NULL;
}

/* ---- Running ---- */

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path && *path ? path : "islet";
}

/* Written after the main isolate left, so every isolate's exit is in. */
static void write_trace(app_run *r, bool ran)
{
    if (ran && rt_trace_json(r->trace) != 0) {
        fprintf(stderr, "%s: cannot write the trace to '%s': %s\n", r->name, r->trace,
                strerror(errno));
        r->rc = 1;
    }
    rt_trace_record_stop();
}

int ui_app_run(int argc, char **argv, const ui_app *app)
{
    UI_CHECK(app && app->root, "needs an app with a root");
    app_run r = {.app = app, .name = app->name ? app->name : base_name(argc > 0 ? argv[0] : NULL)};
    r.o = (ui_window_options){.title = app->title ? app->title : r.name,
                              .width = app->width > 0 ? app->width : DEFAULT_W,
                              .height = app->height > 0 ? app->height : DEFAULT_H,
                              .on_start = run_start,
                              .on_key = run_key,
                              .on_exit = run_exit};
    int rc = parse_flags(&r, argc, argv);
    if (rc >= 0) return rc;
    if (r.trace && rt_trace_record_start(r.name, 0) != RT_OK) {
        fprintf(stderr, "%s: --trace: a trace is already being recorded\n", r.name);
        return 1;
    }
    rc = ui_window_run(&r.o, run_root, &r); /* an RT_E* code: it said why on stderr */
    if (r.trace) write_trace(&r, r.started);
    return rc != RT_OK ? 1 : r.rc;
}

void ui_app_quit(void)
{
    ui_window_quit();
}
