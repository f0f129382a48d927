/* ui_devtools.h: Flutter's developer tools for any Islet app: the
 * performance overlay, frame statistics and the debug dump. The app runner
 * (ui_app.h) wires them to flags and keys; a tester can use them directly.
 * Main isolate only, like the tree.
 */
#ifndef UI_DEVTOOLS_H
#define UI_DEVTOOLS_H

#include <islet/rt_export.h>

#include <islet/ui_tree.h>

#include <stdio.h>

/* ---- Jank ----
 * A frame is janky when its build+layout+paint took longer than budget_ns,
 * or when it started more than budget_ns after it could have (late_ns: the
 * loop was busy with other work and frames were dropped). Raster (present)
 * is not counted: with vsync it includes the wait for the display. An idle
 * pause before a frame is not jank. budget_ns 0: UI_FRAME_NS. */
ISLET_API bool ui_frame_janky(const ui_frame_timing *ft, int64_t budget_ns);
/* A frame's own work: build + layout + paint (raster is not counted). */
static inline int64_t ui_frame_work_ns(const ui_frame_timing *ft)
{
    return ft->build_ns + ft->layout_ns + ft->paint_ns;
}

/* ---- Frame statistics ----
 * A log of every frame of a tree from the moment it is made (a timings
 * listener): count, janky count, and percentiles. The caller owns it and
 * frees it before the tree goes, or after ui_tree_free (it knows the tree
 * is gone, and then only holds what it collected). Frames are kept on the
 * isolate's heap; without memory for more it stops collecting and keeps
 * what it has. Main isolate. */
typedef struct ui_frame_log ui_frame_log;
/* NULL without memory, or when t has its 8 timings listeners already. */
ISLET_API ui_frame_log *ui_frame_log_new(ui_tree *t);
ISLET_API void ui_frame_log_free(ui_frame_log *l);
/* The frames so far, oldest first (valid until the next frame); their
 * `number`s run 1, 2, ... when the log was made before the first frame. */
ISLET_API const ui_frame_timing *ui_frame_log_frames(const ui_frame_log *l, size_t *n);
ISLET_API size_t ui_frame_log_janky(const ui_frame_log *l);
/* The latency records (ui_tree.h) so far, oldest first (valid until the
 * next frame). */
ISLET_API const ui_latency *ui_frame_log_latencies(const ui_frame_log *l, size_t *n);
/* Writes one JSON object and a newline: {"frames": N, "janky_frames": J,
 * "build_ms": {"p50", "p90", "p99", "max"}, "raster_ms": {...},
 * "total_ms": {...}, "taps": T, "tap_to_present_ms": {...}, "results": R,
 * "result_to_present_ms": {...}} ("build" is build+layout+paint; taps are
 * the discrete inputs, presses, releases, keys and text; results the final
 * answers; milliseconds with 3 decimals). RT_OK, or RT_EIO when the stream
 * failed (errno says why), RT_ENOMEM without memory to sort (ui_last_error
 * has the message). */
ISLET_API int ui_frame_log_json(const ui_frame_log *l, FILE *f);
/* Writes one JSON line per latency record: {"kind": "input" or "result",
 * "what": "pointer up", "continuous": false, "frame": N, "latency_ms",
 * "arrival_ms", "dispatch_ms", "present_ms" (each from the event, ms),
 * "event_ns" (rt_monotonic_ns)}. RT_OK, or RT_EIO when the stream failed. */
ISLET_API int ui_frame_log_latency_json(const ui_frame_log *l, FILE *f);

/* ---- The performance overlay ----
 * Flutter's reading: a header (fps, janky frames of the last 120, the
 * budget), a UI graph (build+layout+paint) and a raster graph (present) of
 * the last 120 frames, newest at the right, one bar per frame on a scale of
 * three budgets with a line at each. In the UI graph a janky frame is a red
 * bar as tall as it was slow or late (clipped at the top, where the caption
 * gives the worst), so red bars and the header's janky count agree; raster
 * bars are red only when present itself took over the budget. Below, one
 * lane per background isolate, blue where it was running when a frame
 * ended. It takes the room its parent gives (at most 380 x 320 logical
 * pixels) and shrinks its graphs to fit, never past it. It refreshes after
 * frames it did not cause, so an idle app stays idle: once after each
 * frame of the app, with that frame's timing (the frame after a late one
 * shows it). In the dump it gives the texts it shows (header, captions,
 * lanes) as of its last paint. It takes the pointer presses on its box
 * (the hit test has no see-through element yet). */
ISLET_API ui_widget *ui_perf_overlay(ui_build *b, ui_key key);
ISLET_API extern const ui_widget_class ui_perf_overlay_class;

/* The developer tools around an app's root: child (NULL: an empty space)
 * fills the space; the overlay, when shown, floats over it at the top
 * right, 8 px inside the space (it shrinks to fit a small window), so no
 * other widget moves it. overlay_initially: shown at first (a later
 * widget's value is ignored: the state keeps whether it is shown, as a
 * Flutter State keeps an initial value). In the dump: "overlay" while
 * shown. */
ISLET_API ui_widget *ui_devtools(ui_build *b, bool overlay_initially, ui_widget *child);
ISLET_API extern const ui_widget_class ui_devtools_class;
/* The first ui_devtools of t (depth first from the root): whether its
 * overlay is shown, and toggling it (a rebuild). False / nothing without
 * one. */
ISLET_API bool ui_devtools_overlay_shown(ui_tree *t);
ISLET_API void ui_devtools_toggle_overlay(ui_tree *t);

/* ---- The debug dump (Flutter's debugDumpApp) ----
 * One line per element, depth first: indent (two spaces a level), class
 * name, key (key='name' for string and global keys, key=#N for integer
 * ones), what the class describes (a quoted text with ", \ and control
 * characters escaped, flags such as disabled or pressed), "focused" and
 * "hovered" when it is, then its global rect x,y,w,h in logical pixels
 * (window coordinates, as mouse events and xdotool use). E.g.
 *     Button key='go' "Go" pressed hovered 24,80,52,40
 *       GestureDetector hovered 24,80,52,40
 * (a button's own flags are its looks: disabled, pressed, hovered; the
 * bare "hovered" of its GestureDetector is the tree's ui_tree_hovered).
 * Control characters read \xNN. Flushes f. */
ISLET_API void ui_dump_tree(ui_tree *t, FILE *f);
/* For a class's describe hook: a text (quoted and escaped in the dump) and
 * a flag word. */
ISLET_API void ui_describe_text(ui_describer *d, const char *text);
ISLET_API void ui_describe_flag(ui_describer *d, const char *flag);

#endif
