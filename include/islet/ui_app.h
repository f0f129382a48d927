/* ui_app.h: the app runner (Flutter's runApp with its developer tools).
 * ui_app_run opens the window (or runs headless), parses the standard
 * flags, wires the standard keys, wraps the root in ui_devtools, and writes
 * the frame statistics, the trace and the screenshot at exit. The app gives
 * only its root, its own flags and its callbacks.
 *
 * Standard flags (getopt_long): --headless, --size WxH, --scale S,
 * --exit-after-ms N, --screenshot FILE (PNG; BMP if it ends .bmp),
 * --frame-stats (JSON on stdout at exit), --dump-tree (after the first
 * frame), --trace FILE (Chrome Trace Event JSON), --perf-overlay,
 * --latency-log FILE (a JSON line per input and result shown, with its
 * latency to the present: ui_frame_log_latency_json, at exit), --help,
 * --version. --size is 1 to 16384 each way, --scale 1 to 4 and only with
 * --headless, --exit-after-ms > 0. A bad flag or value (or a stray
 * argument) prints what was wrong and the usage on stderr: exit 2.
 * Standard keys (when the tree does not use them): P toggles the overlay,
 * D dumps the tree to stdout (both without Ctrl or Alt), Escape or Ctrl+Q
 * quits.
 * At exit, in order: the screenshot, the app's on_exit, the latency log,
 * the frame statistics; after the main isolate left, the trace.
 * No display: a message suggesting --headless, exit 1, nothing written. A
 * window destroyed from outside (a window manager, xdotool windowclose)
 * ends the app as closing it does: exit 0, statistics and trace written;
 * but a --screenshot then cannot be taken (its pixels went with the
 * window): said on stderr, exit 1, as for any screenshot not written.
 * Main thread; one app at a time per process.
 */
#ifndef UI_APP_H
#define UI_APP_H

#include <islet/rt_export.h>

#include <islet/ui_tree.h>

#include <getopt.h>

#define UI_APP_MAX_OPTIONS 32

typedef struct ui_app {
    const char *name;    /* in usage, --version, the trace (NULL: argv[0]'s base name) */
    const char *version; /* --version prints "name version" (NULL: Islet's version) */
    const char *title;   /* the window's (NULL: name) */
    int width, height;   /* logical pixels (0: 800 x 600) */
    ui_widget *(*root)(ui_build *b, void *ctx); /* the screen (inside ui_devtools) */
    void *ctx;                                  /* given to root and every callback */
    /* The app's own long options (getopt_long's, ended by a zero entry; at
     * most UI_APP_MAX_OPTIONS, each `val` >= 256 and `flag` NULL, no name
     * of a standard flag). on_option gets val and optarg (NULL for
     * no_argument) and returns RT_OK, or an error (RT_EINVAL) for a bad
     * value (it may say why on stderr; then the usage, exit 2). usage: the
     * lines --help prints for them (and for the app's keys), after the
     * standard flags. */
    const struct option *options;
    int (*on_option)(int val, const char *arg, void *ctx);
    const char *usage;
    /* Once the window and tree exist, before the first frame. */
    void (*on_start)(ui_tree *t, void *ctx);
    /* After the first frame has painted (--dump-tree has run). */
    void (*on_first_frame)(ui_tree *t, void *ctx);
    /* Keys nobody used (neither the tree nor the standard keys): the SDL
     * keycode and UI_MOD_* bits. */
    void (*on_key)(ui_tree *t, int sdl_keycode, unsigned mods, void *ctx);
    /* After the loop stopped, before the tree is freed (release futures,
     * cancel work). */
    void (*on_exit)(ui_tree *t, void *ctx);
} ui_app;

/* Runs app until it quits; returns the process's exit code: 0, 1 (cannot
 * start: no display, no SDL; or the screenshot, the statistics or the
 * trace could not be written: each says so on stderr), 2 (usage). --help
 * and --version print to stdout and return 0 without running. getopt's
 * state is reset first, so a process may run apps one after another. */
ISLET_API int ui_app_run(int argc, char **argv, const ui_app *app);
/* Asks the running app to quit (any callback on the main isolate). */
ISLET_API void ui_app_quit(void);

#endif
