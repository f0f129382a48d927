/* event_log.c: the seed made visible. The events the main isolate handled
 * (rt_loop_observe), newest first, with the time each started and how long
 * it ran: a tap, the port message that completed a future (an HTTP
 * response, a compute result), the frame that rebuilt.
 *
 * Showing an event takes a frame, and a frame is an event: so the panel
 * refreshes after a frame it was not built in, and never after its own (or
 * it would keep the loop busy forever). An event that asked for no frame is
 * shown at the next refresh, so an idle app stays asleep. While animations
 * run, frames come anyway: the panel rides along instead of adding its own.
 * The rows of the refresh frames themselves are real frames, so they count.
 * Repeats are merged (event_rows.h). */
#include "event_rows.h"
#include "panels.h"
#include <islet/ui_anim.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ROW_H 18
#define RIDE_NS RT_MS(250) /* while animations run: refreshes at most this often */

/* A row's tap: which panel, which row (by id: rows move as events come). */
typedef struct row_tap {
    ui_ref *self;
    uint64_t row;
} row_tap;

typedef struct log_state {
    event_rows log;
    row_tap taps[EVENT_ROWS];
    uint64_t selected; /* the id of the row shown in full below the list, or 0 */
    bool built;        /* built in the frame now running */
    bool rode;         /* ... because a frame was coming anyway */
    int64_t rode_at;   /* when it last did (monotonic) */
    bool observing;
    int64_t wall_offset; /* CLOCK_REALTIME - monotonic, for times of day */
    ui_ref *self;        /* the observer's and listener's context */
} log_state;

/* ---- Watching the loop ---- */

/* After each event: ride along when a frame is coming anyway for an
 * animation (the panel never adds frames while they flow). */
static void on_event(void *ctx, const rt_event_info *ev)
{
    ui_element *e = ui_ref_get(*(ui_ref *)ctx);
    if (!e) return;
    log_state *s = ui_state(e);
    event_rows_add(&s->log, ev);
    /* Four times a second is enough to read; every frame would repaint the
     * whole list 60 times a second for one spinner. */
    if (ui_anim_active() && ui_tree_needs_frame(ui_element_tree(e)) &&
        rt_now() - s->rode_at >= RIDE_NS) {
        s->rode = true;
        s->rode_at = rt_now();
        ui_set_state(e, NULL, NULL);
    }
}

/* After each frame (a timings listener, in the frame's event, so that event
 * is in before the refresh builds): refresh unless an animation brings the
 * next frame, or the panel was built in it as a refresh. A frame it rode
 * that ended the last animation gets one refresh, or it would not show. A
 * frame that built one element or none is another watcher's refresh (the
 * performance overlay's, which refreshes after frames it did not cause) or
 * a repaint: answering it, the two would refresh each other forever. */
static void on_frame(void *ctx, const ui_frame_timing *ft)
{
    ui_element *e = ui_ref_get(*(ui_ref *)ctx);
    if (!e) return;
    log_state *s = ui_state(e);
    bool refreshed = s->built && !s->rode;
    s->built = s->rode = false;
    if (!refreshed && !ui_anim_active() && ft->built > 1) ui_set_state(e, NULL, NULL);
}

static void log_init(ui_element *e)
{
    log_state *s = ui_state(e);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->wall_offset = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - rt_monotonic_ns();
    s->self = demo_ref_new(e);
    if (!s->self) return;
    s->observing = rt_loop_observe(on_event, s->self) == RT_OK;
    ui_tree_add_timings_listener(ui_element_tree(e), on_frame, s->self);
}

static void log_dispose(ui_element *e)
{
    log_state *s = ui_state(e);
    if (!s->self) return;
    if (s->observing) rt_loop_unobserve(on_event, s->self);
    ui_tree_remove_timings_listener(ui_element_tree(e), on_frame, s->self);
    rt_free(s->self);
}

/* ---- Building ---- */

static ui_widget *cell(ui_build *b, const char *text, float w, int align, ui_color c)
{
    ui_text_props p = {
        .text = ui_strdup(b, text), .size = 12, .color = c, .ellipsis = true, .align = align};
    return ui_sized(b, w, ROW_H, ui_text_ex(b, UI_NO_KEY, &p));
}

static ui_color kind_color(const event_row *r)
{
    if (!strncmp(r->label, "frame", 5)) return (ui_color){0, 120, 60, 255};
    if (r->kind == RT_EVENT_MESSAGE) return (ui_color){30, 80, 200, 255};
    if (r->kind == RT_EVENT_TIMER) return (ui_color){150, 90, 0, 255};
    return demo_ink;
}

static void time_of_day(const log_state *s, int64_t mono_ns, char *out, size_t cap)
{
    int64_t wall = mono_ns + s->wall_offset;
    time_t sec = (time_t)(wall / 1000000000);
    struct tm tm;
    localtime_r(&sec, &tm);
    snprintf(out, cap, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(wall / 1000000 % 1000));
}

/* A tap on a row selects it (a drag on it scrolls the list instead). */
static void row_tapped(void *ctx)
{
    row_tap *t = ctx;
    ui_element *e = ui_ref_get(*t->self);
    if (!e) return;
    log_state *s = ui_state(e);
    s->selected = t->row;
    ui_set_state(e, NULL, NULL);
}

static const event_row *selected_row(const log_state *s)
{
    for (size_t i = 0; s->selected && i < s->log.n; i++)
        if (s->log.rows[i].id == s->selected) return &s->log.rows[i];
    return NULL;
}

/* One row: the time of day it started, what it was, how long it ran. */
static ui_widget *row_item(ui_build *b, size_t i, void *ctx)
{
    log_state *s = ctx;
    s->built = true; /* a scrolled list builds its rows: the panel's frame too */
    const event_row *r = &s->log.rows[i];
    char when[32], what[48], took[40];
    time_of_day(s, r->start_ns, when, sizeof when);
    if (r->count > 1)
        snprintf(what, sizeof what, "%s \xc3\x97%u", r->label, r->count);
    else
        snprintf(what, sizeof what, "%s", r->label);
    double ms = (double)(r->count > 1 ? r->max_ns : r->dur_ns) / 1e6;
    snprintf(took, sizeof took, "%s%.*f ms", r->count > 1 ? "max " : "", ms < 10 ? 2 : 0, ms);
    ui_widget *kids[] = {cell(b, when, 96, UI_START, demo_ink),
                         cell(b, what, 250, UI_START, kind_color(r)),
                         cell(b, took, 100, UI_END, demo_ink)};
    ui_widget *line = ui_row(b, &(ui_flex_props){.cross_align = UI_CENTER, .spacing = 8}, kids, 3);
    bool picked = r == selected_row(s);
    ui_box_props bg = {.width = -1, .height = -1, .color = {220, 230, 250, picked ? 255 : 0}};
    s->taps[i] = (row_tap){s->self, r->id};
    ui_gesture_props tap = {.on_tap = row_tapped, .ctx = &s->taps[i]};
    return ui_keyed(ui_gesture(b, &tap, ui_box(b, &bg, line)), ui_key_int((int64_t)r->id));
}

/* The selected row in full, under the list. */
static ui_widget *details(ui_build *b, const log_state *s)
{
    const event_row *r = selected_row(s);
    char line[160] = "tap a row to see it in full; drag the list to scroll it";
    if (r) {
        char when[32];
        time_of_day(s, r->start_ns, when, sizeof when);
        static const char *const kinds[] = {"port message", "timer", "task", "isolate start"};
        snprintf(line, sizeof line, "%s: a %s at %s, ran %.3f ms%s", r->label, kinds[r->kind], when,
                 (double)r->dur_ns / 1e6, r->count > 1 ? " (the newest of the row)" : "");
    }
    return ui_keyed(demo_label(b, line, 12), ui_key_str("event-details"));
}

static ui_widget *log_build(ui_build *b, ui_element *e)
{
    log_state *s = ui_state(e);
    s->built = true;
    ui_widget *body;
    if (s->log.n)
        body = ui_list(b, ui_key_str("event-list"), s->log.n, ROW_H, row_item, s);
    else
        body = ui_align(b, 0, 0,
                        demo_label(b,
                                   s->observing ? "the events the main isolate handles appear "
                                                  "here, newest first"
                                                : "cannot observe the loop",
                                   12));
    ui_box_props frame = {.width = 480,
                          .height = 9 * ROW_H + 8,
                          .padding = 4,
                          .color = {255, 255, 255, 255},
                          .radius = 4,
                          .border_width = 1,
                          .border_color = {200, 204, 214, 255}};
    ui_widget *kids[] = {ui_box(b, &frame, body), details(b, s)};
    return demo_titled(
        b, "the main isolate's event loop (newest first)",
        ui_column(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 4}, kids, 2));
}

const ui_widget_class event_log_panel_class = {.name = "EventLogPanel",
                                               .state_size = sizeof(log_state),
                                               .build = log_build,
                                               .init_state = log_init,
                                               .dispose = log_dispose};

ui_widget *event_log_panel(ui_build *b, ui_key key)
{
    return ui_widget_new(b, &event_log_panel_class, key, NULL, NULL, 0);
}
