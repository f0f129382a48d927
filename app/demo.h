/* demo.h: the Islet demo's screen, usable from a window (main.c) or from a
 * headless tester (tests/app). All functions run on the main isolate. The
 * settings, counters and frame statistics are one global state, so one demo
 * runs at a time; the work the screen starts (compute, picture, fetch) is
 * the screen element's own state, bound to it, and goes with it. */
#ifndef ISLET_DEMO_H
#define ISLET_DEMO_H

#include "rt_future.h"
#include "ui_tree.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct demo_options {
    const char *url;     /* what Fetch requests first; NULL: https://example.com */
    int64_t prime_limit; /* size of the heavy job; 0: 4,000,000 (about 1 s) */
    bool perf_overlay;   /* start with the frame timing overlay shown */
} demo_options;

/* Resets the demo's state. The strings in o must outlive the demo. */
void demo_init(const demo_options *o);
/* The root widget (for ui_window_run or ui_tester_pump_widget). */
ui_widget *demo_root(ui_build *b, void *ctx);
/* Starts the refresh timer that feeds the timing line and overlay. */
void demo_start(ui_tree *t, void *ctx);
/* Keys (ui_window_options.on_key): P toggles the overlay, S pauses the
 * spinner, D dumps the tree to stdout; with Ctrl or Alt they are nothing. */
void demo_key(ui_tree *t, int sdl_keycode, unsigned mods, void *ctx);
/* Stops the timer and cancels work in flight; call before the main isolate
 * leaves (or before a tester is freed). Safe to call twice. */
void demo_stop(void);

/* The pending compute job and HTTP request (borrowed; NULL when none, or
 * when no screen is mounted). */
rt_future *demo_compute_future(void);
rt_future *demo_fetch_future(void);
/* The picture job (borrowed; NULL before the first render or without a
 * mounted screen). */
rt_future *demo_picture_future(void);
bool demo_overlay_shown(void);
void demo_toggle_overlay(void);

/* Presses the enabled button whose key is ui_key_str(key), as a tap would;
 * false if there is none. */
bool demo_press(ui_tree *t, const char *key);
/* Writes the tree, one line per element: indent, type, key (its string,
 * 'tap', when made by ui_key_str), text, and its global rect x,y,w,h in
 * window coordinates (logical pixels, as mouse events and xdotool use; on a
 * high-DPI display each is `scale` device pixels). */
void demo_dump_tree(ui_tree *t, FILE *f);
/* Frame statistics of every frame so far (collected by the refresh timer)
 * as one JSON object: frames, janky_frames, p50/p90/p99/max of build,
 * raster (present, including any wait for vsync) and total ms. A frame is
 * janky when its build+layout+paint exceeded the 16.7 ms budget or when it
 * started more than a budget after it could have (ui_frame_timing.late_ns:
 * the loop was busy with other work and frames were dropped); an idle pause
 * before a frame is not jank. */
void demo_frame_stats(ui_tree *t, FILE *f);

/* Takes the frame timings the tree has not yet reported (the refresh
 * timer does it every 100 ms; call it once more before the tree goes). */
void demo_collect(ui_tree *t);

/* Tracing (--trace): demo_trace_start installs a runtime trace sink (call
 * it before the main isolate is entered) that records every isolate's
 * events, spawns and exits, compute jobs and HTTP requests. After the main
 * isolate left (so every exit is in), demo_trace_write writes them with the
 * collected frames as Chrome Trace Event JSON (Perfetto, chrome://tracing):
 * one track per isolate, frame phases on "main (frames)". Returns 0, or -1
 * with errno. demo_trace_stop clears the sink and frees the records. */
void demo_trace_start(void);
int demo_trace_write(const char *path);
void demo_trace_stop(void);

#endif
