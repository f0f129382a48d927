/* isolates.c: the isolates alive, each with its state, events and heap.
 * Other isolates change without telling the main one, so the panel looks
 * again after frames it did not cause (at most every 100 ms; without an
 * animation to bring the next frame, a timer takes the look that was too
 * soon) and, while what it shows keeps changing, 100 ms later. Once it is
 * steady it looks no more, so an idle app sleeps. */
#include "panels.h"
#include <islet/ui_anim.h>

#include <stdio.h>
#include <string.h>

#define MAX_SHOWN 10
#define RECHECK_NS RT_MS(100)

typedef struct isolates_state {
    uint64_t sig;       /* of what the last build showed */
    int64_t last_check; /* loop time of the last look */
    bool built;         /* built in the frame now ending */
    rt_timer *again;    /* the next look, or NULL */
    ui_ref *self;       /* the context of the listener and the timer */
} isolates_state;

/* A summary of the isolates: names, states and the other isolates' event
 * counts (the main isolate's own count moves with every look). */
static uint64_t signature(const rt_isolate_info *info, size_t alive, size_t shown)
{
    uint64_t h = 1469598103934665603ull ^ alive;
    for (size_t i = 0; i < shown; i++) {
        bool is_main = !strcmp(info[i].name, "main");
        for (const char *c = info[i].name; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ull;
        h = (h ^ (is_main ? 0 : info[i].stats.events_handled)) * 1099511628211ull;
        h = (h ^ (is_main ? 0 : info[i].stats.running)) * 1099511628211ull;
    }
    return h;
}

static void look_again_in(ui_element *e, int64_t delay);

/* Rebuilds when the isolates changed, and then looks again soon. */
static void look(ui_element *e)
{
    isolates_state *s = ui_state(e);
    rt_isolate_info info[MAX_SHOWN];
    size_t n = rt_isolate_snapshot(info, MAX_SHOWN);
    s->last_check = rt_now();
    if (signature(info, n, n < MAX_SHOWN ? n : MAX_SHOWN) == s->sig) return;
    ui_set_state(e, NULL, NULL);
    if (!ui_anim_active()) look_again_in(e, RECHECK_NS); /* else frames bring the next look */
}

static void timer_fired(rt_timer *tm, void *ctx)
{
    (void)tm;
    ui_element *e = ui_ref_get(*(ui_ref *)ctx);
    if (!e) return;
    isolates_state *s = ui_state(e);
    rt_timer_free(s->again);
    s->again = NULL;
    rt_event_label("isolates check");
    look(e);
}

static void look_again_in(ui_element *e, int64_t delay)
{
    isolates_state *s = ui_state(e);
    if (!s->again) rt_timer_start(&s->again, delay, 0, timer_fired, s->self, NULL);
}

/* A timings listener: after each frame the panel did not build. */
static void frame_ended(void *ctx, const ui_frame_timing *ft)
{
    (void)ft;
    ui_element *e = ui_ref_get(*(ui_ref *)ctx);
    if (!e) return;
    isolates_state *s = ui_state(e);
    if (s->built) {
        s->built = false;
        return;
    }
    int64_t since = rt_now() - s->last_check;
    if (since >= RECHECK_NS)
        look(e);
    else if (!ui_anim_active()) /* no frame may come to look after: a timer will */
        look_again_in(e, RECHECK_NS - since);
}

static void isolates_init(ui_element *e)
{
    isolates_state *s = ui_state(e);
    s->self = demo_ref_new(e);
    if (s->self) ui_tree_add_timings_listener(ui_element_tree(e), frame_ended, s->self);
}

static void isolates_dispose(ui_element *e)
{
    isolates_state *s = ui_state(e);
    if (s->again) rt_timer_free(s->again);
    if (s->self) ui_tree_remove_timings_listener(ui_element_tree(e), frame_ended, s->self);
    rt_free(s->self);
}

/* One line per isolate alive: name, running or idle, events handled, heap. */
static ui_widget *isolates_build(ui_build *b, ui_element *e)
{
    isolates_state *s = ui_state(e);
    rt_isolate_info info[MAX_SHOWN];
    size_t n = rt_isolate_snapshot(info, MAX_SHOWN), shown = n < MAX_SHOWN ? n : MAX_SHOWN;
    s->sig = signature(info, n, shown);
    s->last_check = rt_now();
    s->built = true;
    ui_widget **lines = ui_alloc(b, (shown + 1) * sizeof *lines);
    char line[160];
    snprintf(line, sizeof line, "isolates alive: %zu", n);
    lines[0] = demo_label(b, line, 13);
    for (size_t i = 0; i < shown; i++) {
        double kib = (double)info[i].stats.heap_bytes / 1024.0;
        if (!strcmp(info[i].name, "main")) /* its events are in the log, live */
            snprintf(line, sizeof line, "main: this one (the UI), heap %.1f KiB", kib);
        else
            snprintf(line, sizeof line, "%.47s: %s, %llu events, heap %.1f KiB", info[i].name,
                     info[i].stats.running ? "running" : "idle",
                     (unsigned long long)info[i].stats.events_handled, kib);
        lines[i + 1] = demo_label(b, line, 12);
    }
    ui_flex_props col = {.cross_align = UI_START, .spacing = 2};
    return ui_sized(b, 300, -1, ui_column(b, &col, lines, shown + 1));
}

const ui_widget_class isolates_panel_class = {.name = "IsolatesPanel",
                                              .state_size = sizeof(isolates_state),
                                              .build = isolates_build,
                                              .init_state = isolates_init,
                                              .dispose = isolates_dispose};

ui_widget *isolates_panel(ui_build *b, ui_key key)
{
    return ui_widget_new(b, &isolates_panel_class, key, NULL, NULL, 0);
}
