/* ui_latency.c: input to pixels and results to pixels. An input call or an
 * answer's event that changes the tree leaves a record; the next frame,
 * after its present, stamps the records it showed, counts them in its
 * timing, draws them in the trace and hands them to the listeners. */
#include "ui_tree_private.h"

#include <stdio.h>
#include <string.h>

/* ---- Records waiting for their frame ---- */

static void add_record(ui_tree *t, const ui_latency *l)
{
    int k = l->kind;
    t->lat_count[k]++;
    if (!t->lat_oldest[k] || l->event_ns < t->lat_oldest[k]) t->lat_oldest[k] = l->event_ns;
    if (t->nlatency == UI_LATENCY_PENDING) return; /* counted in the frame, not delivered */
    struct ui__pending_latency *p = &t->latency[t->nlatency++];
    p->l = *l;
    p->flow = rt_tracing() ? rt_trace_flow_begin(k == UI_LATENCY_INPUT ? "input" : "result") : 0;
}

void ui__note_change(ui_tree *t)
{
    t->changes++;
    rt_answer_info a;
    if (t->phase != UI_PHASE_IDLE || t->input_depth || !rt_event_answer(&a)) return;
    if (a.sent_ns == t->noted_sent && a.received_ns == t->noted_received) return;
    t->noted_sent = a.sent_ns;
    t->noted_received = a.received_ns;
    ui_latency l = {.kind = UI_LATENCY_RESULT,
                    .continuous = !a.final,
                    .what = a.label,
                    .event_ns = a.sent_ns,
                    .arrival_ns = a.received_ns,
                    .dispatch_ns = rt_monotonic_ns()};
    add_record(t, &l);
    /* The change is marked after this note; a final answer's frame, as a
     * press's, does not wait for the pacing slot. */
    if (a.final) ui__schedule_frame_now(t);
}

/* ---- Inputs ---- */

void ui_tree_input_time(ui_tree *t, int64_t event_ns, int64_t arrival_ns)
{
    t->input_event = event_ns;
    t->input_arrival = arrival_ns ? arrival_ns : event_ns;
}

void ui__input_enter(ui_tree *t)
{
    if (t->input_depth++) return;
    t->input_changes = t->changes;
    t->input_start = rt_monotonic_ns();
}

void ui__input_leave(ui_tree *t, const char *what, bool continuous)
{
    if (--t->input_depth || t->changes == t->input_changes) return;
    int64_t event = t->input_event ? t->input_event : t->input_start;
    ui_latency l = {.kind = UI_LATENCY_INPUT,
                    .continuous = continuous,
                    .what = what,
                    .event_ns = event,
                    .arrival_ns = t->input_event ? t->input_arrival : event,
                    .dispatch_ns = rt_monotonic_ns()};
    add_record(t, &l);
    /* A press is what a user waits for: its frame does not wait for the
     * pacing slot (at most one early frame per press); a stream of moves
     * keeps to the display's rate. */
    if (!continuous) ui__schedule_frame_now(t);
}

/* ---- The frame that shows them ---- */

static void trace_record(const struct ui__pending_latency *p, int64_t flow_at)
{
    const ui_latency *l = &p->l;
    if (p->flow)
        rt_trace(&(rt_trace_event){.phase = RT_TRACE_FLOW_END,
                                   .name = l->kind == UI_LATENCY_INPUT ? "input" : "result",
                                   .start_ns = flow_at,
                                   .id = p->flow});
    /* An async span from the event to the present, named by what it
     * measures and saying what it was and how long it took. */
    char detail[64];
    snprintf(detail, sizeof detail, "%s %.2f ms", l->what ? l->what : "?",
             (double)ui_latency_ns(l) / 1e6);
    const char *name = l->kind == UI_LATENCY_INPUT ? "input to pixels" : "result to pixels";
    uint64_t id = p->flow ? p->flow : (uint64_t)(uintptr_t)p;
    rt_trace(&(rt_trace_event){.phase = RT_TRACE_ASYNC_BEGIN,
                               .name = name,
                               .detail = detail,
                               .start_ns = l->event_ns,
                               .id = id});
    rt_trace(&(rt_trace_event){
        .phase = RT_TRACE_ASYNC_END, .name = name, .start_ns = l->present_ns, .id = id});
}

void ui__latency_frame(ui_tree *t, ui_frame_timing *ft, int64_t t3, int64_t t4)
{
    for (int k = 0; k < 2; k++) {
        unsigned *count = k == UI_LATENCY_INPUT ? &ft->inputs : &ft->results;
        int64_t *worst =
            k == UI_LATENCY_INPUT ? &ft->input_to_present_ns : &ft->result_to_present_ns;
        *count = t->lat_count[k];
        *worst = t->lat_count[k] ? t4 - t->lat_oldest[k] : 0;
        t->lat_count[k] = 0;
        t->lat_oldest[k] = 0;
    }
    bool traced = rt_tracing();
    t->nshown = t->nlatency; /* post-frame callbacks may note more, for the next */
    for (size_t i = 0; i < t->nshown; i++) {
        t->latency[i].l.present_ns = t4;
        t->latency[i].l.frame = ft->number;
        /* The flow ends inside the frame's raster span: the present. */
        if (traced) trace_record(&t->latency[i], t3 + (t4 - t3) / 2);
    }
}

static bool has_listener(const ui_tree *t, void (*fn)(void *, const ui_latency *), void *ctx)
{
    for (size_t i = 0; i < t->nlat_listeners; i++)
        if (t->lat_listeners[i].fn == fn && t->lat_listeners[i].ctx == ctx) return true;
    return false;
}

void ui__latency_deliver(ui_tree *t)
{
    /* From copies: a listener may remove itself, or a new frame's records
     * may be noted while it runs. */
    struct ui__pending_latency recs[UI_LATENCY_PENDING];
    size_t n = t->nshown;
    memcpy(recs, t->latency, n * sizeof recs[0]);
    memmove(t->latency, t->latency + n, (t->nlatency - n) * sizeof recs[0]);
    t->nlatency -= n;
    t->nshown = 0;
    struct ui_latency_listener ls[UI_TIMINGS_LISTENERS];
    size_t nl = t->nlat_listeners;
    memcpy(ls, t->lat_listeners, nl * sizeof ls[0]);
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < nl; i++)
            if (has_listener(t, ls[i].fn, ls[i].ctx)) ls[i].fn(ls[i].ctx, &recs[r].l);
}

void ui__latency_drop(ui_tree *t)
{
    t->nlatency = 0; /* their flows stay without an end: nothing showed them */
    t->lat_count[0] = t->lat_count[1] = 0;
    t->lat_oldest[0] = t->lat_oldest[1] = 0;
}

int ui_tree_add_latency_listener(ui_tree *t, void (*fn)(void *ctx, const ui_latency *l), void *ctx)
{
    if (has_listener(t, fn, ctx) || t->nlat_listeners == UI_TIMINGS_LISTENERS) return RT_ESTATE;
    t->lat_listeners[t->nlat_listeners++] = (struct ui_latency_listener){fn, ctx};
    return RT_OK;
}

void ui_tree_remove_latency_listener(ui_tree *t, void (*fn)(void *ctx, const ui_latency *l),
                                     void *ctx)
{
    for (size_t i = 0; i < t->nlat_listeners; i++)
        if (t->lat_listeners[i].fn == fn && t->lat_listeners[i].ctx == ctx) {
            memmove(&t->lat_listeners[i], &t->lat_listeners[i + 1],
                    (t->nlat_listeners - i - 1) * sizeof t->lat_listeners[0]);
            t->nlat_listeners--;
            return;
        }
}
