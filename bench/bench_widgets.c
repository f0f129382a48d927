/* bench_widgets: the widget layer. JSON lines, medians of 5 runs. */
#include "bench_util.h"
#include <islet/ui_anim.h>
#include <islet/ui_tester.h>
#include <islet/ui_text_field.h>
#include <islet/ui_widgets.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- Per-run samples, for the ratio lines printed after the table ----
 * report() runs a case once to warm up, then RUNS times, and prints the
 * median; the cases that feed a ratio also record every value here, so the
 * ratio is of the same medians (the warm-up, sample 0, left out). */

#define MAX_SAMPLES (RUNS + 1)

typedef struct samples {
    double v[MAX_SAMPLES];
    int n;
} samples;

static double record(samples *s, double v)
{
    if (s->n < MAX_SAMPLES) s->v[s->n++] = v;
    return v;
}

/* The median of the timed runs (after the warm-up); false when none ran. */
static bool samples_median(const samples *s, double *out)
{
    double v[MAX_SAMPLES];
    int n = s->n - 1;
    if (n < 1) return false;
    memcpy(v, s->v + 1, (size_t)n * sizeof v[0]);
    qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
    *out = v[n / 2];
    return true;
}

/* A ratio or goal line, as bench_http and scripts/bench-compare print them. */
static void goal_line(const char *name, const char *unit, double v, const char *text, bool met)
{
    printf("{\"bench\": \"%s\", \"unit\": \"%s\", \"value\": %.3f, \"goal\": \"%s\", "
           "\"met\": %s}\n",
           name, unit, v, text, met ? "true" : "false");
    fflush(stdout);
}

/* Frame loops run at least MIN_FRAMES and at most their cap, and stop once
 * FRAME_BUDGET_NS have passed: a case stays well under a second a run,
 * whatever a frame costs. */
#define MIN_FRAMES 20
#define FRAME_BUDGET_NS RT_MS(400)

static bool frames_done(int frames, int cap, int64_t t0)
{
    return frames >= cap || (frames >= MIN_FRAMES && rt_monotonic_ns() - t0 >= FRAME_BUDGET_NS);
}

/* ---- A stateful leaf with no child (for the text field frame) ---- */

typedef struct leaf_state {
    int n;
} leaf_state;

static ui_element *hot_leaf;

static ui_widget *leaf_build(ui_build *b, ui_element *e)
{
    hot_leaf = e;
    (void)b;
    return NULL;
}

static const ui_widget_class leaf_class = {
    .name = "Leaf", .state_size = sizeof(leaf_state), .build = leaf_build};

static void bump(void *s, void *ctx)
{
    (void)ctx;
    ((leaf_state *)s)->n++;
}

/* ---- rebuild_leaf_N: one leaf of N changes, on a real canvas ----
 * N colored 4 x 4 boxes in rows of 100 under a column (10,000 fill the
 * 400 x 400 canvas); the one in the middle is a stateful leaf whose color
 * follows its state. Each frame it alone calls ui_set_state; the frame is
 * measured whole: build, layout, paint (the tester's clear to the
 * background first) and present, on the tester's offscreen SDL software
 * canvas, as a window would run it. */

#define CELL 4
#define ROW_N 100
#define GRID_W (CELL * ROW_N)
#define GRID_H (CELL * ROW_N)

static ui_widget *paint_leaf_build(ui_build *b, ui_element *e)
{
    hot_leaf = e;
    int n = ((leaf_state *)ui_state(e))->n;
    ui_box_props p = {
        .width = CELL, .height = CELL, .color = {(uint8_t)(n * 37), (uint8_t)(n * 11), 200, 255}};
    return ui_box(b, &p, NULL);
}

static const ui_widget_class paint_leaf_class = {
    .name = "PaintLeaf", .state_size = sizeof(leaf_state), .build = paint_leaf_build};

static size_t tree_n;

static ui_widget *wide_tree(ui_build *b, void *ctx)
{
    (void)ctx;
    /* Rows of 100 boxes; the stateful leaf sits in the middle. */
    size_t rows = tree_n / ROW_N ? tree_n / ROW_N : 1;
    ui_widget **r = ui_alloc(b, rows * sizeof *r);
    for (size_t i = 0; i < rows; i++) {
        ui_widget *kids[ROW_N];
        for (int k = 0; k < ROW_N; k++) {
            ui_box_props p = {
                .width = CELL,
                .height = CELL,
                .color = {(uint8_t)(40 + (i * 7 + (size_t)k) % 3 * 60), 120, 90, 255}};
            kids[k] = (i == rows / 2 && k == ROW_N / 2)
                          ? ui_widget_new(b, &paint_leaf_class, UI_NO_KEY, NULL, NULL, 0)
                          : ui_box(b, &p, NULL);
        }
        r[i] = ui_row(b, NULL, kids, ROW_N);
    }
    return ui_column(b, NULL, r, rows);
}

/* The tester's hooks, plus a present at the end of each frame (on an
 * offscreen canvas: everything queued is drawn), as a window's frame. */
static void clear_background(void *ctx)
{
    ui_canvas_clear(ctx, UI_BACKGROUND);
}

static void present(void *ctx)
{
    ui_canvas_present(ctx);
}

/* Per-phase means of the timed frames of one run, in us. */
typedef struct phases {
    double build, layout, paint, raster, total, built, painted;
} phases;

static phases phase_runs[2][MAX_SAMPLES];
static int phase_n[2];
static samples rebuild_samples[2];

static void record_phases(int which, ui_tree *t, int frames)
{
    ui_frame_timing ft[240];
    size_t n = ui_tree_timings(t, ft, (size_t)frames < 240 ? (size_t)frames : 240);
    phases p = {0};
    for (size_t i = 0; i < n; i++) {
        p.build += (double)ft[i].build_ns / 1e3;
        p.layout += (double)ft[i].layout_ns / 1e3;
        p.paint += (double)ft[i].paint_ns / 1e3;
        p.raster += (double)ft[i].raster_ns / 1e3;
        p.total += (double)ft[i].total_ns / 1e3;
        p.built += ft[i].built;
        p.painted += ft[i].painted;
    }
    if (n) {
        p.build /= (double)n;
        p.layout /= (double)n;
        p.paint /= (double)n;
        p.raster /= (double)n;
        p.total /= (double)n;
        p.built /= (double)n;
        p.painted /= (double)n;
    }
    if (phase_n[which] < MAX_SAMPLES) phase_runs[which][phase_n[which]++] = p;
}

static double rebuild_leaf(int which, size_t n)
{
    tree_n = n;
    ui_tester *ts = ui_tester_new(GRID_W, GRID_H, NULL);
    if (!ts) {
        fprintf(stderr, "bench_widgets: no offscreen canvas: %s\n", SDL_GetError());
        exit(1);
    }
    ui_tree *t = ui_tester_tree(ts);
    ui_tree_set_paint_hooks(t, clear_background, present, ui_tester_canvas(ts));
    ui_tester_pump_widget(ts, wide_tree, NULL);
    int frames = 0;
    int64_t t0 = rt_monotonic_ns();
    do {
        ui_set_state(hot_leaf, bump, NULL);
        ui_tree_frame(t);
        frames++;
    } while (!frames_done(frames, 1000, t0));
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / frames;
    record_phases(which, t, frames);
    run_main(); /* the frame ui_set_state scheduled (already run by hand) */
    ui_tester_free(ts);
    return record(&rebuild_samples[which], us);
}

static double bench_rebuild_100(void)
{
    return rebuild_leaf(0, 100);
}

static double bench_rebuild_10000(void)
{
    return rebuild_leaf(1, 10000);
}

static double phase_median(int which, size_t off)
{
    double v[MAX_SAMPLES];
    int n = phase_n[which] - 1; /* without the warm-up */
    if (n < 1) return 0;
    for (int i = 0; i < n; i++)
        memcpy(&v[i], (const char *)&phase_runs[which][i + 1] + off, sizeof v[i]);
    qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
    return v[n / 2];
}

/* An info line per size: where the frame's time goes (medians of per-run
 * means from ui_tree_timings; "built" and "painted" are elements built and
 * painted per frame). */
static void print_phases(int which, const char *name)
{
    if (phase_n[which] < 2) return;
    printf(
        "{\"bench\": \"%s\", \"unit\": \"us\", \"value\": %.3f, \"build\": %.3f, "
        "\"layout\": %.3f, \"paint\": %.3f, \"raster\": %.3f, \"built\": %.1f, "
        "\"painted\": %.1f, \"goal\": \"info\"}\n",
        name, phase_median(which, offsetof(phases, total)),
        phase_median(which, offsetof(phases, build)), phase_median(which, offsetof(phases, layout)),
        phase_median(which, offsetof(phases, paint)), phase_median(which, offsetof(phases, raster)),
        phase_median(which, offsetof(phases, built)),
        phase_median(which, offsetof(phases, painted)));
    fflush(stdout);
}

/* ---- build_layout_1000: a whole tree from scratch, no canvas ---- */

static ui_widget *plain_tree(ui_build *b, void *ctx)
{
    (void)ctx;
    size_t rows = tree_n / 100 ? tree_n / 100 : 1;
    ui_widget **r = ui_alloc(b, rows * sizeof *r);
    for (size_t i = 0; i < rows; i++) {
        ui_widget *kids[100];
        for (int k = 0; k < 100; k++)
            kids[k] = (i == rows / 2 && k == 50)
                          ? ui_widget_new(b, &leaf_class, UI_NO_KEY, NULL, NULL, 0)
                          : ui_sized(b, 2, 2, NULL);
        r[i] = ui_row(b, NULL, kids, 100);
    }
    return ui_column(b, NULL, r, rows);
}

static double bench_build_layout_1000(void)
{
    tree_n = 1000;
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 50; i++) {
        ui_tree *t = ui_tree_new(1000, 1000, NULL);
        ui_tree_set_root(t, plain_tree, NULL);
        ui_tree_frame(t);
        ui_tree_free(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 50;
    run_main();
    return us;
}

/* ---- 1,000 cached labels painted on the software renderer ---- */

static ui_widget *labels(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *rows[40];
    for (int r = 0; r < 40; r++) {
        ui_widget *kids[25];
        for (int k = 0; k < 25; k++) {
            char s[16];
            snprintf(s, sizeof s, "L%d", r * 25 + k);
            kids[k] = ui_text(b, ui_strdup(b, s), 10, (ui_color){0, 0, 0, 255});
        }
        rows[r] = ui_row(b, NULL, kids, 25);
    }
    return ui_column(b, NULL, rows, 40);
}

static double bench_frame_text_1000(void)
{
    ui_canvas *c = ui_canvas_new_offscreen(1200, 800, 1);
    ui_tree *t = ui_tree_new(1200, 800, c);
    ui_tree_set_root(t, labels, NULL);
    ui_tree_frame(t); /* the first frame renders each label once */
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 20; i++) {
        ui_tree_set_root(t, labels, NULL); /* a full rebuild, same strings */
        ui_tree_frame(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 20;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

/* ---- Scrolling a list: cost per frame for 1,000 vs 100,000 items ---- */

static ui_widget *row_item(ui_build *b, size_t i, void *ctx)
{
    (void)ctx;
    (void)i;
    ui_box_props p = {.width = -1, .height = -1, .color = {200, 200, 255, 255}};
    return ui_box(b, &p, NULL);
}

static size_t list_n;

static ui_widget *list_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_list(b, UI_NO_KEY, list_n, 24, row_item, NULL);
}

static double scroll_frame(size_t n)
{
    list_n = n;
    ui_canvas *c = ui_canvas_new_offscreen(400, 600, 1);
    ui_tree *t = ui_tree_new(400, 600, c);
    ui_tree_set_root(t, list_app, NULL);
    ui_tree_frame(t);
    ui_element *list = ui_tree_root(t);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 500; i++) {
        ui_list_scroll_by(list, 7);
        ui_tree_frame(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 500;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

static double bench_scroll_1k(void)
{
    return scroll_frame(1000);
}

static double bench_scroll_100k(void)
{
    return scroll_frame(100000);
}

/* ---- A press in a text field: placing the cursor in 4 KiB of text ---- */

static char field_text[UI_TEXT_FIELD_MAX + 1];

static ui_widget *field_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_text_field(b, UI_NO_KEY, &(ui_text_field_props){.initial = field_text});
}

static double bench_text_field_press_4k(void)
{
    for (int i = 0; i < UI_TEXT_FIELD_MAX; i++)
        field_text[i] = (char)('a' + i % 26);
    ui_canvas *c = ui_canvas_new_offscreen(400, 60, 1);
    ui_tree *t = ui_tree_new(400, 60, c);
    ui_tree_set_root(t, field_app, NULL);
    ui_tree_frame(t);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 50; i++) { /* presses across the visible end of the text */
        ui_tree_pointer(t, UI_POINTER_DOWN, 20 + (float)(i * 7 % 360), 20);
        ui_tree_pointer(t, UI_POINTER_UP, 20 + (float)(i * 7 % 360), 20);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 50;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

/* A frame that repaints a 4 KiB text field while something else changes
 * (an animation elsewhere repaints the whole screen). */
static ui_widget *field_and_leaf(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {field_app(b, NULL),
                         ui_widget_new(b, &leaf_class, UI_NO_KEY, NULL, NULL, 0)};
    return ui_column(b, NULL, kids, 2);
}

static double bench_text_field_frame_4k(void)
{
    for (int i = 0; i < UI_TEXT_FIELD_MAX; i++)
        field_text[i] = (char)('a' + i % 26);
    ui_canvas *c = ui_canvas_new_offscreen(400, 100, 1);
    ui_tree *t = ui_tree_new(400, 100, c);
    ui_tree_set_root(t, field_and_leaf, NULL);
    ui_tree_frame(t);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < 100; i++) {
        ui_set_state(hot_leaf, bump, NULL);
        ui_tree_frame(t);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / 100;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

/* ---- Moving 1,000 stateful children ----
 * reparent_1000: each has a global key and all of them move between two
 * columns (A <-> B) every frame, state and all. keyed_reorder_1000: the
 * same children with integer keys under one column, reversed every frame.
 * Both rebuild every child (a new widget each frame) and lay them out; no
 * canvas, so the figure is reconciliation, build and layout. Reported per
 * moved element. */

#define MOVE_N 1000

typedef struct cell_state {
    int builds;
} cell_state;

static ui_widget *cell_build(ui_build *b, ui_element *e)
{
    cell_state *s = ui_state(e);
    s->builds++;
    return ui_sized(b, 2, 2, NULL);
}

static const ui_widget_class cell_class = {
    .name = "Cell", .state_size = sizeof(cell_state), .build = cell_build};

typedef struct mover_state {
    bool flip;
} mover_state;

static ui_element *mover;
static bool mover_global; /* reparent (global keys, two parents) or reorder */
static ui_key move_keys[MOVE_N];

static ui_widget *mover_build(ui_build *b, ui_element *e)
{
    mover = e;
    bool flip = ((mover_state *)ui_state(e))->flip;
    ui_widget **cells = ui_alloc(b, MOVE_N * sizeof *cells);
    for (size_t j = 0; j < MOVE_N; j++) {
        size_t i = !mover_global && flip ? MOVE_N - 1 - j : j;
        cells[j] = ui_widget_new(b, &cell_class, move_keys[i], NULL, NULL, 0);
    }
    if (!mover_global) return ui_column(b, NULL, cells, MOVE_N);
    ui_widget *none[1] = {NULL};
    ui_widget *two[2] = {ui_column(b, NULL, flip ? none : cells, flip ? 0 : MOVE_N),
                         ui_column(b, NULL, flip ? cells : none, flip ? MOVE_N : 0)};
    return ui_row(b, NULL, two, 2);
}

static const ui_widget_class mover_class = {
    .name = "Mover", .state_size = sizeof(mover_state), .build = mover_build};

static ui_widget *mover_app(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &mover_class, UI_NO_KEY, NULL, NULL, 0);
}

static void toggle(void *s, void *ctx)
{
    (void)ctx;
    ((mover_state *)s)->flip = !((mover_state *)s)->flip;
}

static samples move_samples[2];

static double move_children(bool global)
{
    mover_global = global;
    for (int i = 0; i < MOVE_N; i++) {
        char name[32];
        snprintf(name, sizeof name, "cell-%d", i);
        move_keys[i] = global ? ui_key_global(name) : ui_key_int(i);
    }
    ui_tree *t = ui_tree_new(200, 2 * MOVE_N + 100, NULL);
    ui_tree_set_root(t, mover_app, NULL);
    ui_tree_frame(t);
    ui_element *parent = ui_element_child(mover, 0);  /* the column, or the row of two */
    if (global) parent = ui_element_child(parent, 0); /* column A */
    ui_element *first = ui_element_child(parent, 0);
    int frames = 0;
    int64_t t0 = rt_monotonic_ns();
    do {
        ui_set_state(mover, toggle, NULL);
        ui_tree_frame(t);
        frames++;
    } while (!frames_done(frames, 500, t0));
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / frames / MOVE_N;
    /* The children moved, state and all: the first one is the same element
     * (disposed and made anew, it would read as unmounted), built at mount
     * and once a frame. */
    const char *name = global ? "reparent_1000" : "keyed_reorder_1000";
    if (!ui_element_mounted(first)) {
        fprintf(stderr, "bench_widgets: %s: a moved child lost its element and state\n", name);
        exit(1);
    }
    int builds = ((cell_state *)ui_state(first))->builds;
    if (builds != frames + 1)
        fprintf(stderr, "bench_widgets: %s: a child built %d times in %d frames (expected %d)\n",
                name, builds, frames, frames + 1);
    ui_tree_free(t);
    run_main();
    return record(&move_samples[global ? 0 : 1], us);
}

static double bench_reparent_1000(void)
{
    return move_children(true);
}

static double bench_keyed_reorder_1000(void)
{
    return move_children(false);
}

/* ---- Ratios of the medians above ---- */

typedef struct ratio_line {
    const char *name, *num, *den;
    samples *snum, *sden;
    double limit; /* goal: value <= limit */
} ratio_line;

static const ratio_line ratios[] = {
    {"rebuild_leaf_ratio", "rebuild_leaf_10000", "rebuild_leaf_100", &rebuild_samples[1],
     &rebuild_samples[0], 1.5},
    {"reparent_vs_reorder", "reparent_1000", "keyed_reorder_1000", &move_samples[0],
     &move_samples[1], 2.0},
};

static void print_ratios(void)
{
    print_phases(0, "rebuild_leaf_100_phases");
    print_phases(1, "rebuild_leaf_10000_phases");
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
        double num, den;
        if (!samples_median(ratios[i].snum, &num) || !samples_median(ratios[i].sden, &den) ||
            den <= 0)
            continue;
        char text[32];
        snprintf(text, sizeof text, "<= %g", ratios[i].limit);
        double r = num / den;
        goal_line(ratios[i].name, "x", r, text, r <= ratios[i].limit);
    }
}

static double bench_gesture_arena_100(void);
/* ---- Painting only what changed: a spinner among 1,000 widgets ---- */

static ui_widget *spinner_screen(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *rows[41];
    for (int r = 0; r < 40; r++) {
        ui_widget *kids[25];
        for (int k = 0; k < 25; k++) {
            ui_box_props p = {.width = 40,
                              .height = 16,
                              .color = {(uint8_t)(r * 6), (uint8_t)(k * 10), 200, 255},
                              .radius = 4};
            kids[k] = ui_box(b, &p, NULL);
        }
        rows[r] = ui_row(b, NULL, kids, 25);
    }
    rows[40] = ui_spinner(b, UI_NO_KEY, 36, (ui_color){40, 100, 220, 255});
    return ui_column(b, NULL, rows, 41);
}

static void find_spinner(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    if (ui_element_class(e) == &ui_spinner_class) *(ui_element **)ctx = e;
}

static void clear_rect(void *ctx, float x, float y, float w, float h)
{
    ui_canvas_fill_rect(ctx, (ui_rect){x, y, w, h}, UI_BACKGROUND);
}

/* us per frame with the spinner's angle the only change: partial repaint
 * into pixels kept from the last frame, or everything repainted. */
static double spinner_frames(bool partial)
{
    ui_canvas *c = ui_canvas_new_offscreen(1200, 800, 1);
    ui_tree *t = ui_tree_new(1200, 800, c);
    ui_tree_set_paint_hooks(t, clear_background, present, c);
    if (partial) ui_tree_set_partial_paint(t, clear_rect);
    ui_tree_set_root(t, spinner_screen, NULL);
    ui_tree_frame(t);
    ui_element *spin = NULL;
    ui_tree_visit(t, find_spinner, &spin);
    int frames = 0;
    int64_t t0 = rt_monotonic_ns();
    while (spin && !frames_done(frames, 2000, t0)) {
        ui_mark_needs_paint(spin); /* what a tick does */
        ui_tree_frame(t);
        frames++;
    }
    double us = frames ? (double)(rt_monotonic_ns() - t0) / 1e3 / frames : -1;
    ui_tree_free(t);
    ui_canvas_free(c);
    run_main();
    return us;
}

static double bench_frame_spinner_1000(void)
{
    return spinner_frames(true);
}

static double bench_frame_full_1000(void)
{
    return spinner_frames(false);
}

/* ---- Tap to pixels, result to pixels ----
 * The headless window's setup: the tester's tree on the software canvas,
 * a present at the end of each frame, frames paced at 60 Hz, and a spinner
 * turning, so a tap or a result lands anywhere between two frames. Each run
 * injects LAT_N taps (press and release on a button, at the time the
 * records take as the event) or starts LAT_N trivial compute jobs whose
 * results rebuild a label, each 0 to 20 ms after the last was shown (a
 * fixed sequence), and takes the p50 or p99 of the latencies the tree
 * records (ui_latency: the injection or the send to the end of the
 * present). */

#define LAT_N 60

typedef struct lat_run {
    double v[2 * LAT_N];
    int n;
    double wake[LAT_N]; /* result: received - sent */
    int nwake;
} lat_run;

static lat_run lat;
static ui_element *lat_label;
static unsigned lat_seed;

static void lat_heard(void *ctx, const ui_latency *l)
{
    (void)ctx;
    if (l->continuous || lat.n == 2 * LAT_N) return;
    lat.v[lat.n++] = (double)ui_latency_ns(l) / 1e3;
    if (l->kind == UI_LATENCY_RESULT && lat.nwake < LAT_N)
        lat.wake[lat.nwake++] = (double)(l->arrival_ns - l->event_ns) / 1e3;
}

static void lat_bump(ui_element *e, rt_future *f, void *ctx)
{
    (void)f;
    (void)ctx;
    ((leaf_state *)ui_state(e))->n++;
}

static ui_widget *lat_label_build(ui_build *b, ui_element *e)
{
    lat_label = e;
    char s[32];
    snprintf(s, sizeof s, "results: %d", ((leaf_state *)ui_state(e))->n);
    return ui_text(b, ui_strdup(b, s), 14, (ui_color){0, 0, 0, 255});
}

static const ui_widget_class lat_label_class = {
    .name = "Results", .state_size = sizeof(leaf_state), .build = lat_label_build};

static void lat_tapped(void *ctx)
{
    ui_set_state(ctx, bump, NULL);
}

static bool lat_spinning;

static ui_widget *lat_screen(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {ui_button(b, ui_key_str("go"), "Go", lat_tapped, hot_leaf),
                         ui_widget_new(b, &leaf_class, UI_NO_KEY, NULL, NULL, 0),
                         ui_widget_new(b, &lat_label_class, UI_NO_KEY, NULL, NULL, 0),
                         lat_spinning ? ui_spinner(b, UI_NO_KEY, 40, (ui_color){40, 100, 220, 255})
                                      : ui_sized(b, 40, 40, NULL)};
    return ui_column(b, NULL, kids, 4);
}

static void lat_wake(rt_timer *tm, void *ctx)
{
    (void)tm;
    *(bool *)ctx = true;
}

/* Runs the loop (frames keep coming) for ns. */
static void lat_wait(int64_t ns)
{
    bool done = false;
    rt_timer_start(NULL, ns, 0, lat_wake, &done, NULL);
    while (!done)
        rt_run(RT_RUN_ONCE);
}

static rt_value *lat_job_fn(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    return rt_value_int(rt_value_as_int(msg) + 1);
}

static double lat_percentile(double *v, int n, int p)
{
    if (n < 1) return -1;
    qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
    return v[n * p / 100 < n ? n * p / 100 : n - 1];
}

/* One run: LAT_N taps (or results); the p-th percentile in us. */
static double lat_run_once(bool results, int p, double *wake_p50)
{
    memset(&lat, 0, sizeof lat);
    ui_tester *ts = ui_tester_new(300, 240, NULL);
    ui_tree *t = ui_tester_tree(ts);
    ui_tree_set_paint_hooks(t, clear_background, present, ui_tester_canvas(ts));
    ui_tree_set_frame_interval(t, UI_FRAME_NS);
    ui_tree_add_latency_listener(t, lat_heard, NULL);
    lat_spinning = true;
    ui_tester_pump_widget(ts, lat_screen, NULL);
    ui_tester_pump_widget(ts, lat_screen, NULL); /* the button's ctx: the leaf */
    float x, y, w, h;
    ui_element_rect(ui_find_key(ts, ui_key_str("go")), &x, &y, &w, &h);
    for (int i = 0; i < LAT_N; i++) {
        lat_seed = lat_seed * 1103515245u + 12345u;
        lat_wait(RT_US((int64_t)(lat_seed >> 8) % 20000));
        int want = lat.n + (results ? 1 : 2);
        if (results) {
            rt_value *v = rt_value_int(i);
            rt_future *job = rt_compute(lat_job_fn, v);
            rt_value_free(v);
            ui_bind_future(lat_label, job, lat_bump, NULL);
        } else {
            ui_tree_pointer(t, UI_POINTER_DOWN, x + w / 2, y + h / 2);
            ui_tree_pointer(t, UI_POINTER_UP, x + w / 2, y + h / 2);
        }
        while (lat.n < want)
            rt_run(RT_RUN_ONCE);
    }
    ui_tree_remove_latency_listener(t, lat_heard, NULL);
    lat_spinning = false;
    ui_tester_pump_widget(ts, lat_screen, NULL);
    ui_tester_free(ts);
    run_main();
    if (wake_p50) *wake_p50 = lat_percentile(lat.wake, lat.nwake, 50);
    return lat_percentile(lat.v, lat.n, p);
}

static samples wake_samples;

static double bench_tap_to_pixels(void)
{
    return lat_run_once(false, 50, NULL);
}

static double bench_tap_to_pixels_p99(void)
{
    return lat_run_once(false, 99, NULL);
}

static double bench_result_to_pixels(void)
{
    double wake;
    double v = lat_run_once(true, 50, &wake);
    record(&wake_samples, wake);
    return v;
}

static double bench_result_to_pixels_p99(void)
{
    return lat_run_once(true, 99, NULL);
}

/* The wake latency the result goal allows for: the median of the
 * results' send-to-handling time. */
static void print_wake(void)
{
    double m;
    if (!samples_median(&wake_samples, &m)) return;
    printf("{\"bench\": \"result_wake\", \"unit\": \"us\", \"value\": %.3f, \"goal\": \"info\"}\n",
           m);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static const bench_case all[] = {
        {"rebuild_leaf_100", "us", bench_rebuild_100, RUNS},
        {"rebuild_leaf_10000", "us", bench_rebuild_10000, RUNS},
        {"build_layout_1000", "us", bench_build_layout_1000, RUNS},
        {"frame_text_1000", "us", bench_frame_text_1000, RUNS},
        {"scroll_frame_1k", "us", bench_scroll_1k, RUNS},
        {"scroll_frame_100k", "us", bench_scroll_100k, RUNS},
        {"text_field_press_4k", "us", bench_text_field_press_4k, RUNS},
        {"text_field_frame_4k", "us", bench_text_field_frame_4k, RUNS},
        {"reparent_1000", "us", bench_reparent_1000, RUNS},
        {"keyed_reorder_1000", "us", bench_keyed_reorder_1000, RUNS},
        {"gesture_arena_100", "us", bench_gesture_arena_100, RUNS},
        {"frame_spinner_1000", "us", bench_frame_spinner_1000, RUNS},
        {"frame_full_1000", "us", bench_frame_full_1000, RUNS},
        {"tap_to_pixels", "us", bench_tap_to_pixels, RUNS},
        {"tap_to_pixels_p99", "us", bench_tap_to_pixels_p99, RUNS},
        {"result_to_pixels", "us", bench_result_to_pixels, RUNS},
        {"result_to_pixels_p99", "us", bench_result_to_pixels_p99, RUNS},
    };
    size_t n = sizeof all / sizeof all[0];
    /* A ratio's name runs the two cases it divides. */
    for (size_t i = 0; argc > 1 && i < sizeof ratios / sizeof ratios[0]; i++)
        if (strcmp(argv[1], ratios[i].name) == 0) {
            bench_case two[2];
            size_t k = 0;
            for (size_t j = 0; j < n; j++)
                if (strcmp(all[j].name, ratios[i].num) == 0 ||
                    strcmp(all[j].name, ratios[i].den) == 0)
                    two[k++] = all[j];
            int rc = bench_main("bench_widgets", 1, argv, two, k);
            print_ratios();
            return rc;
        }
    int rc = bench_main("bench_widgets", argc, argv, all, n);
    print_ratios();
    print_wake();
    return rc;
}

/* ---- A gesture through 100 nested detectors: hit test, 100 taps and 100
 * vertical drags in one arena, a drag past the slop wins ---- */

static int arena_updates;

static void arena_tap(void *ctx)
{
    (void)ctx;
}

static void arena_drag(void *ctx, const ui_drag_details *d)
{
    (void)ctx;
    (void)d;
    arena_updates++;
}

static ui_widget *nested_detectors(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *w = ui_sized(b, -1, -1, NULL);
    for (int i = 0; i < 100; i++) {
        ui_gesture_props g = {.on_tap = arena_tap, .on_vertical_drag_update = arena_drag};
        w = ui_gesture(b, &g, w);
    }
    return w;
}

static double bench_gesture_arena_100(void)
{
    ui_tree *t = ui_tree_new(400, 300, NULL);
    ui_tree_set_root(t, nested_detectors, NULL);
    ui_tree_frame(t);
    enum { GESTURES = 200 };
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < GESTURES; i++) {
        ui_tree_pointer_id(t, 1, UI_POINTER_DOWN, UI_DEVICE_TOUCH, 200, 100, UI_BUTTON_PRIMARY);
        ui_tree_pointer_id(t, 1, UI_POINTER_MOVE, UI_DEVICE_TOUCH, 200, 140, UI_BUTTON_PRIMARY);
        ui_tree_pointer_id(t, 1, UI_POINTER_UP, UI_DEVICE_TOUCH, 200, 140, UI_BUTTON_PRIMARY);
    }
    double us = (double)(rt_monotonic_ns() - t0) / 1e3 / GESTURES;
    if (arena_updates < GESTURES) fprintf(stderr, "gesture_arena_100: no drag won\n");
    ui_tree_free(t);
    run_main();
    return us;
}
