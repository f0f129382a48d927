/* work.c: the same heavy job two ways. compute() runs it on a background
 * isolate, whose progress and result arrive as events while frames go on;
 * on the main isolate it freezes the loop (no frames, no input) until done. */
#include "panels.h"
#include <islet/ui_anim.h>

#include <stdio.h>

typedef struct work_props {
    int64_t prime_limit;
} work_props;

typedef struct work_state {
    rt_compute_task *task; /* the running compute job, or NULL */
    rt_future *primes;     /* its result (a reference for demo_future) */
    bool main_pending;     /* the main-isolate job waits for its frame */
    float progress;
    bool failed;
    char status[128];
} work_state;

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

/* Runs on a pool isolate: only the message and the result cross. */
static rt_value *primes_fn(rt_value *msg, rt_compute_ctx *cx)
{
    int64_t r = count_primes(rt_value_as_int(msg), cx);
    if (r < 0) {
        rt_compute_fail(cx, RT_ECANCELLED, "demo", "cancelled");
        return NULL;
    }
    return rt_value_int(r);
}

static int64_t limit_of(ui_element *e)
{
    return ((const work_props *)ui_props(e))->prime_limit;
}

/* Bound to the panel (ui_bind_stream, ui_bind_future): they run only while
 * it is mounted, and it rebuilds after each. */
static void on_progress(ui_element *e, const rt_value *v, void *ctx)
{
    (void)ctx;
    ((work_state *)ui_state(e))->progress = (float)rt_value_as_int(v) / 100.0f;
}

static void primes_done(ui_element *e, rt_future *f, void *ctx)
{
    (void)ctx;
    work_state *s = ui_state(e);
    const rt_error *err = rt_future_get_error(f);
    bool cancelled = err && err->code == RT_ECANCELLED; /* asked for: not a failure */
    s->failed = err && !cancelled;
    if (err)
        snprintf(s->status, sizeof s->status, "compute(): %s", err->message);
    else
        snprintf(s->status, sizeof s->status, "compute(): %lld primes below %lld",
                 (long long)rt_value_as_int(rt_future_get_value(f)), (long long)limit_of(e));
    s->progress = err ? 0 : 1;
    rt_compute_task_release(s->task);
    s->task = NULL;
    rt_future_release(s->primes);
    s->primes = NULL;
}

static void start_compute(void *ctx)
{
    demo_tapped("compute()");
    ui_element *e = ctx;
    work_state *s = ui_state(e);
    rt_value *limit = rt_value_int(limit_of(e));
    rt_future *f = limit ? rt_compute_start(primes_fn, limit, &s->task) : NULL;
    rt_value_free(limit);
    s->failed = !f;
    s->progress = 0;
    if (f) {
        rt_stream *p = rt_compute_task_progress(s->task);
        ui_bind_stream(e, p, &(ui_stream_cbs){.on_data = on_progress});
        rt_stream_release(p);
        s->primes = rt_future_dup(f);
        ui_bind_future(e, f, primes_done, NULL);
    }
    snprintf(s->status, sizeof s->status, "%s",
             f ? "compute(): counting on a background isolate..."
               : "compute(): could not start (out of memory)");
    ui_set_state(e, NULL, NULL);
}

static void cancel_compute(void *ctx)
{
    demo_tapped("Cancel compute");
    work_state *s = ui_state(ctx);
    if (s->task) rt_compute_task_cancel(s->task, false);
}

/* Post-frame: the frame that says the job starts has been painted. The
 * job then runs inside that frame's event, which the log names for it. */
static void main_job(void *ctx, int64_t now)
{
    (void)now;
    ui_element *e = ui_ref_get(*(ui_ref *)ctx);
    rt_free(ctx);
    work_state *s = e ? ui_state(e) : NULL;
    if (!s || !s->main_pending) return;
    rt_event_label("frame + main job");
    int64_t n = count_primes(limit_of(e), NULL);
    snprintf(s->status, sizeof s->status, "main isolate: %lld primes (the spinner froze)",
             (long long)n);
    s->progress = 1;
    s->main_pending = false;
    ui_set_state(e, NULL, NULL);
}

static void start_main(void *ctx)
{
    demo_tapped("...on the main isolate");
    ui_element *e = ctx;
    work_state *s = ui_state(e);
    ui_ref *r = demo_ref_new(e);
    if (!r || ui_tree_after_frame(ui_element_tree(e), main_job, r) != RT_OK) {
        rt_free(r);
        s->failed = true;
        snprintf(s->status, sizeof s->status, "main isolate: could not start (out of memory)");
    } else {
        s->failed = false;
        s->main_pending = true;
        s->progress = 0;
        snprintf(s->status, sizeof s->status, "counting on the main isolate (the UI is frozen)...");
    }
    ui_set_state(e, NULL, NULL);
}

static ui_widget *work_build(ui_build *b, ui_element *e)
{
    work_state *s = ui_state(e);
    bool busy = s->task || s->main_pending;
    /* Cancel sits beside the buttons it cancels for, never in their place. */
    ui_widget *buttons[] = {
        ui_button(b, ui_key_str("compute"), "Primes with compute()", busy ? NULL : start_compute,
                  e),
        ui_button(b, ui_key_str("main"), "...on the main isolate", busy ? NULL : start_main, e),
        ui_button(b, ui_key_str("cancel"), "Cancel", s->task ? cancel_compute : NULL, e)};
    ui_widget *kids[] = {
        ui_row(b, &(ui_flex_props){.cross_align = UI_CENTER, .spacing = 12}, buttons, 3),
        ui_progress_bar(b, s->progress, 420, 10, demo_green),
        demo_status(b, ui_key_str("work-status"),
                    s->status[0] ? s->status : "press a button: same work, two isolates",
                    s->failed)};
    return ui_column(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 10}, kids, 3);
}

/* The panel goes: its job is cancelled; a late result finds no element. */
static void work_dispose(ui_element *e)
{
    work_state *s = ui_state(e);
    if (s->task) {
        rt_compute_task_cancel(s->task, false);
        rt_compute_task_release(s->task);
    }
    rt_future_release(s->primes);
}

const ui_widget_class work_panel_class = {.name = "WorkPanel",
                                          .props_size = sizeof(work_props),
                                          .state_size = sizeof(work_state),
                                          .build = work_build,
                                          .dispose = work_dispose};

ui_widget *work_panel(ui_build *b, ui_key key, int64_t prime_limit)
{
    work_props p = {prime_limit > 0 ? prime_limit : 4000000};
    return ui_widget_new(b, &work_panel_class, key, &p, NULL, 0);
}

rt_future *work_panel_future(ui_element *panel)
{
    return ((work_state *)ui_state(panel))->primes;
}
