/* ui_build_owner.c: Flutter's BuildOwner and the frame: the dirty list,
 * set_state and its rules, frame scheduling and pacing, the phases of a
 * frame (build, finalize, layout, paint) and their timings; trees. */
#include "ui_tree_private.h"

#include <string.h>

/* ---- Scheduling ---- */

static void frame_timer_cb(rt_timer *tm, void *ctx)
{
    ui_tree *t = ctx;
    rt_timer_free(tm);
    t->frame_timer = NULL;
    rt_event_label("frame");
    ui_tree_frame(t);
}

/* The least time between two paced frames: an eighth under the interval.
 * The animation ticks on a timer of its own and the loop's waits round up
 * to the millisecond: with the whole interval, a frame that ran a little
 * late made the next tick wait for it, and that lag stayed (or grew until a
 * tick was dropped). With the slack a frame follows its tick at once, and
 * a lag (after an early frame, say) shrinks by the slack each frame. A
 * flood of changes still gets no more than 8/7 of the display's rate. */
static int64_t pacing_gap(const ui_tree *t)
{
    return t->frame_interval - t->frame_interval / 8;
}

void ui__schedule_frame(ui_tree *t)
{
    if (t->frame_timer || t->phase != UI_PHASE_IDLE) return; /* a running frame builds it */
    int64_t delay = 0;
    if (t->frame_interval > 0 && t->frame_no > 0) {
        delay = t->last_frame + pacing_gap(t) - rt_now();
        if (delay < 0) delay = 0;
    }
    /* Due now, or an interval after the last frame began (the loop clock may
     * lag the monotonic one while a long callback runs). */
    int64_t now = rt_monotonic_ns();
    t->frame_due = now;
    if (t->frame_interval > 0 && t->frame_no > 0 && t->last_start + t->frame_interval > now)
        t->frame_due = t->last_start + t->frame_interval;
    t->frame_at = rt_now() + delay;
    rt_timer_start(&t->frame_timer, delay, 0, frame_timer_cb, t, NULL);
}

void ui__schedule_frame_now(ui_tree *t)
{
    if (t->phase != UI_PHASE_IDLE || (t->frame_timer && t->frame_at <= rt_now())) return;
    if (t->frame_timer) { /* a paced one: this frame replaces it */
        rt_timer_free(t->frame_timer);
        t->frame_timer = NULL;
    }
    t->frame_due = rt_monotonic_ns();
    t->frame_at = rt_now();
    t->frame_urgent = true;
    rt_timer_start(&t->frame_timer, 0, 0, frame_timer_cb, t, NULL);
}

bool ui__frame_coming(const ui_tree *t)
{
    return t->frame_timer || t->animations > 0;
}

void ui_tree_animation(ui_tree *t, bool running)
{
    t->animations += running ? 1 : -1;
    /* What waited for the animation's next frame gets one. */
    if (!t->animations && t->nriders) ui__schedule_frame(t);
}

static int64_t interval_or_budget(const ui_tree *t)
{
    return t->frame_interval > 0 ? t->frame_interval : UI_FRAME_NS;
}

void ui_tree_set_frame_interval(ui_tree *t, int64_t ns)
{
    t->frame_interval = ns > 0 ? ns : 0;
}

/* ---- The dirty list ---- */

/* Into the dirty list; false when it is already there or cannot be. */
static bool push_dirty(ui_element *e)
{
    ui_tree *t = e->tree;
    if (e->life != UI_ACTIVE || e->dirty) return false;
    if (!e->in_dirty && !ui__push(&t->dirty, &t->ndirty, &t->dcap, sizeof e, &e)) return false;
    e->dirty = e->in_dirty = true;
    return true;
}

bool ui__ride_next_frame(ui_element *e)
{
    ui_tree *t = e->tree;
    for (size_t i = 0; i < t->nriders; i++)
        if (ui_ref_get(t->riders[i]) == e) return true;
    if (t->nriders == UI_RIDERS) return false;
    t->riders[t->nriders++] = ui_ref_of(e);
    return true;
}

/* At the start of a frame: the riders join its dirty list. */
static void board_riders(ui_tree *t)
{
    for (size_t i = 0; i < t->nriders; i++) {
        ui_element *e = ui_ref_get(t->riders[i]);
        if (e) push_dirty(e);
    }
    t->nriders = 0;
}

void ui__mark_dirty(ui_element *e)
{
    if (e->life != UI_ACTIVE) return;
    ui_tree *t = e->tree;
    ui__note_change(t);
    if (!push_dirty(e)) return;
    /* Traced: an arrow from the event that asked for the rebuild to the
     * frame that does it. */
    if (t->phase == UI_PHASE_IDLE && t->nflows < UI_TRACE_FLOWS && rt_tracing())
        t->flows[t->nflows++] = rt_trace_flow_begin("rebuild");
    if (t->phase == UI_PHASE_BUILD)
        t->dirty_resort = true;
    else
        ui__schedule_frame(t);
}

void ui__forget(ui_tree *t, ui_element *e)
{
    if (e->in_dirty)
        for (size_t i = 0; i < t->ndirty; i++)
            if (t->dirty[i] == e) t->dirty[i] = NULL;
    if (e->in_relayout)
        for (size_t i = 0; i < t->nrelayout; i++)
            if (t->relayout[i] == e) t->relayout[i] = NULL;
    e->in_dirty = e->in_relayout = false;
    ui__paint_forget(e);
    ui__focus_forget(t, e);
    ui__pointer_forget(t, e);
}

static bool in_scope(const ui_element *e, const ui_element *target)
{
    for (const ui_element *p = e; p; p = p->parent)
        if (p == target) return true;
    return false;
}

static const char *const phase_names[] = {"", "build", "finalize", "layout", "paint"};

/* Flutter's rules for setState/markNeedsBuild, each with its message. */
static bool may_mark(ui_element *e)
{
    if (e->life == UI_DEAD || e->life == UI_DEFUNCT) {
#ifdef RT_CHECKS
        ui__check_live(e, "ui_set_state");
#endif
        return false;
    }
    ui_tree *t = e->tree;
    const char *name = e->cls->name;
    UI_CHECK_AT("ui_set_state", !e->disposing,
                "called on '%s' during dispose (it is being unmounted)", name);
    if (e->disposing) return false;
    UI_CHECK_AT("ui_set_state", t->phase != UI_PHASE_LAYOUT && t->phase != UI_PHASE_PAINT,
                "called on '%s' during %s: a build cannot be scheduled while the tree is in its "
                "%s phase",
                name, phase_names[t->phase], phase_names[t->phase]);
    UI_CHECK_AT("ui_set_state", t->phase != UI_PHASE_FINALIZE,
                "called on '%s' during finalize: the tree is disposing removed elements", name);
    UI_CHECK_AT("ui_set_state", t->phase != UI_PHASE_BUILD || !t->target || in_scope(e, t->target),
                "called on '%s' while '%s' is building: during a build only the element being "
                "built and its descendants may be marked dirty",
                name, t->target ? t->target->cls->name : "");
    return true;
}

void ui_set_state(ui_element *e, void (*fn)(void *state, void *ctx), void *ctx)
{
    if (e->life == UI_INACTIVE && !e->disposing) { /* Flutter: it is rebuilt if it comes back */
        if (fn) fn(e->state, ctx);
        return;
    }
    if (!may_mark(e)) return;
    if (fn) fn(e->state, ctx);
    ui__mark_dirty(e); /* an inactive element is updated when it comes back */
}

static int by_depth(const void *a, const void *b)
{
    const ui_element *x = *(ui_element *const *)a, *y = *(ui_element *const *)b;
    int dx = x ? x->depth : 1 << 30, dy = y ? y->depth : 1 << 30;
    return (dx > dy) - (dx < dy);
}

/* Flutter's buildScope: parents first; elements dirtied meanwhile (or
 * moved to another depth) are sorted into what is left. */
static void build_scope(ui_tree *t)
{
    t->phase = UI_PHASE_BUILD;
    if (t->ndirty > 1) qsort(t->dirty, t->ndirty, sizeof *t->dirty, by_depth);
    t->dirty_resort = false;
    for (size_t i = 0; i < t->ndirty; i++) {
        ui_element *e = t->dirty[i];
        if (e) {
            e->in_dirty = false;
            t->dirty[i] = NULL;
            if (e->life == UI_ACTIVE && e->dirty) ui__rebuild(e, NULL);
        }
        if (t->dirty_resort && i + 2 < t->ndirty) {
            qsort(t->dirty + i + 1, t->ndirty - i - 1, sizeof *t->dirty, by_depth);
            t->dirty_resort = false;
        }
    }
    t->ndirty = 0;
}

/* ---- Frames ---- */

static int add_cb(ui_frame_cb **arr, size_t *n, size_t *cap, void (*fn)(void *, int64_t), void *ctx)
{
    ui_frame_cb cb = {fn, ctx};
    return ui__push(arr, n, cap, sizeof cb, &cb) ? RT_OK : RT_ENOMEM;
}

/* Runs and forgets the callbacks queued so far (new ones wait a frame).
 * A callback may queue another, which may move the array: index it afresh. */
static void run_cbs(ui_frame_cb **arr, size_t *n, int64_t now)
{
    size_t k = *n;
    for (size_t i = 0; i < k; i++) {
        ui_frame_cb cb = (*arr)[i];
        cb.fn(cb.ctx, now);
    }
    memmove(*arr, *arr + k, (*n - k) * sizeof **arr);
    *n -= k;
}

int ui_tree_on_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx)
{
    int rc = add_cb(&t->before, &t->nbefore, &t->before_cap, fn, ctx);
    if (!rc) ui__schedule_frame(t);
    return rc;
}

int ui_tree_after_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx)
{
    return add_cb(&t->after, &t->nafter, &t->after_cap, fn, ctx);
}

static void trace_span(const char *name, int64_t start, int64_t dur)
{
    rt_trace(
        &(rt_trace_event){.phase = RT_TRACE_SPAN, .name = name, .start_ns = start, .dur_ns = dur});
}

/* The frame and its phases, nested in the event that ran it. */
static void trace_frame(const ui_frame_timing *ft)
{
    int64_t s0 = ft->start_ns, s1 = s0 + ft->build_ns, s2 = s1 + ft->layout_ns,
            s3 = s2 + ft->paint_ns;
    trace_span("frame", s0, ft->total_ns);
    trace_span("build", s0, ft->build_ns);
    trace_span("layout", s1, ft->layout_ns);
    trace_span("paint", s2, ft->paint_ns);
    trace_span("raster", s3, ft->raster_ns);
}

/* When this frame counts as having started, for the pacing of the next.
 * An early frame (a press's) leaves the pacing alone while frames flow, so
 * the animation keeps its cadence (one frame more per press); after a
 * pause it starts it. */
static void pace(ui_tree *t)
{
    int64_t now = rt_now();
    if (!t->frame_urgent || t->last_frame + interval_or_budget(t) < now) t->last_frame = now;
    t->frame_urgent = false;
}

static bool has_listener(const ui_tree *t, void (*fn)(void *, const ui_frame_timing *), void *ctx)
{
    for (size_t i = 0; i < t->nlisteners; i++)
        if (t->listeners[i].fn == fn && t->listeners[i].ctx == ctx) return true;
    return false;
}

int ui_tree_add_timings_listener(ui_tree *t, void (*fn)(void *ctx, const ui_frame_timing *ft),
                                 void *ctx)
{
    if (has_listener(t, fn, ctx) || t->nlisteners == UI_TIMINGS_LISTENERS) return RT_ESTATE;
    t->listeners[t->nlisteners++] = (struct ui_timings_listener){fn, ctx};
    return RT_OK;
}

void ui_tree_remove_timings_listener(ui_tree *t, void (*fn)(void *ctx, const ui_frame_timing *ft),
                                     void *ctx)
{
    for (size_t i = 0; i < t->nlisteners; i++)
        if (t->listeners[i].fn == fn && t->listeners[i].ctx == ctx) {
            memmove(&t->listeners[i], &t->listeners[i + 1],
                    (t->nlisteners - i - 1) * sizeof t->listeners[0]);
            t->nlisteners--;
            return;
        }
}

bool ui_tree_frame(ui_tree *t)
{
    UI_CHECK(t->phase == UI_PHASE_IDLE, "called during the %s phase of a frame of the same tree",
             phase_names[t->phase]);
    int64_t due = t->frame_due;
    if (t->animating) {
        int64_t next = t->last_start + interval_or_budget(t);
        if (!due || next < due) due = next;
    }
    t->frame_due = 0;
    if (t->frame_timer) { /* called directly: this is the frame the timer was for */
        rt_timer_cancel(t->frame_timer);
        rt_timer_free(t->frame_timer);
        t->frame_timer = NULL;
    }
    if (t->nbefore) run_cbs(&t->before, &t->nbefore, rt_now());
    if (t->ndirty == 0 && !t->needs_paint && t->nrelayout == 0 && !t->nriders) {
        ui__latency_drop(t);
        return false;
    }
    board_riders(t);
    ui_frame_timing ft = {.start_ns = rt_monotonic_ns()};
    for (size_t i = 0; i < t->nflows; i++)
        rt_trace_flow_end(t->flows[i], "rebuild");
    t->nflows = 0;
    int64_t could = due > t->last_end ? due : t->last_end;
    if (due && ft.start_ns > could) ft.late_ns = ft.start_ns - could;
    pace(t);
    t->built = 0;
    t->frame_no++;
    build_scope(t);
    ui__finalize(t);
    int64_t t1 = rt_monotonic_ns();
    t->phase = UI_PHASE_LAYOUT;
    ui__layout_frame(t);
    /* Builds in layout (LayoutBuilder) may have removed elements. */
    if (t->ninactive || t->nrobbed) ui__finalize(t);
    int64_t t2 = rt_monotonic_ns();
    t->phase = UI_PHASE_PAINT;
    ui__paint_frame(t);
    t->phase = UI_PHASE_IDLE;
    int64_t t3 = rt_monotonic_ns();
    if (t->paint_end) t->paint_end(t->paint_ctx);
    int64_t t4 = rt_monotonic_ns();
    ui__arena_reset(&t->b);
    ft.build_ns = t1 - ft.start_ns;
    ft.layout_ns = t2 - t1;
    ft.paint_ns = t3 - t2;
    ft.raster_ns = t4 - t3;
    ft.total_ns = t4 - ft.start_ns;
    t->last_start = ft.start_ns;
    t->last_end = t4;
    t->animating = t->animations > 0;
    ft.built = t->built;
    ft.painted = t->painted;
    ft.number = t->frame_no;
    ui__latency_frame(t, &ft, t3, t4);
    t->timings[t->tcount++ % UI_TIMINGS] = ft;
    if (rt_tracing()) trace_frame(&ft);
    if (t->nafter) run_cbs(&t->after, &t->nafter, ft.start_ns);
    ui__latency_deliver(t);
    if (t->nlisteners) { /* from a copy: one may remove itself (or another) */
        struct ui_timings_listener ls[UI_TIMINGS_LISTENERS];
        size_t n = t->nlisteners;
        memcpy(ls, t->listeners, n * sizeof ls[0]);
        for (size_t i = 0; i < n; i++)
            if (has_listener(t, ls[i].fn, ls[i].ctx)) ls[i].fn(ls[i].ctx, &ft);
    }
    if (t->ndirty || t->needs_paint || t->nrelayout)
        ui__schedule_frame(t); /* marked while the frame could not take it */
    return true;
}

size_t ui_tree_timings(const ui_tree *t, ui_frame_timing *out, size_t n)
{
    size_t have = t->tcount < UI_TIMINGS ? t->tcount : UI_TIMINGS;
    if (n > have) n = have;
    for (size_t i = 0; i < n; i++)
        out[i] = t->timings[(t->tcount - 1 - i) % UI_TIMINGS];
    return n;
}

/* ---- The root and trees ---- */

typedef struct root_props {
    ui_widget *(*fn)(ui_build *b, void *ctx);
    void *ctx;
} root_props;

static ui_widget *root_build(ui_build *b, ui_element *e)
{
    const root_props *p = ui_props(e);
    return p->fn ? p->fn(b, p->ctx) : NULL;
}

static const ui_widget_class root_class = {
    .name = "Root", .props_size = sizeof(root_props), .build = root_build};

ui_tree *ui_tree_new(float w, float h, void *canvas)
{
    ui_tree *t = rt_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->w = w;
    t->h = h;
    t->canvas = canvas;
    t->b.tree = t;
    t->pool = ui__pool_new();
    t->root = t->pool ? ui__element_alloc(t) : NULL;
    void *props = t->root ? rt_calloc(1, sizeof(root_props)) : NULL;
    if (!props) {
        ui__pool_free(t->pool);
        rt_free(t);
        return NULL;
    }
    t->root->cls = &root_class;
    t->root->life = UI_ACTIVE;
    t->root->props = props;
    t->damage_all = true;
    ui__clipboard_init(t);
    return t;
}

void ui_tree_free(ui_tree *t)
{
    if (!t) return;
    UI_CHECK(t->phase == UI_PHASE_IDLE, "called during the %s phase of a frame",
             phase_names[t->phase]);
    if (t->frame_timer) rt_timer_free(t->frame_timer);
    ui__pool_close(t->pool);
    ui__unmount_all(t);
    ui__arena_reset(&t->b);
    ui__pool_free(t->pool);
    rt_free(t->dirty);
    rt_free(t->inactive);
    rt_free(t->robbed);
    rt_free(t->globals.slots);
    rt_free(t->before);
    rt_free(t->after);
    rt_free(t->relayout);
    rt_free(t->damage);
    rt_free(t->clip);
    rt_free(t);
}

void ui_tree_set_root(ui_tree *t, ui_widget *(*root_fn)(ui_build *b, void *ctx), void *ctx)
{
    root_props *p = t->root->props;
    p->fn = root_fn;
    p->ctx = ctx;
    ui__mark_dirty(t->root);
}

ui_element *ui_tree_root(ui_tree *t)
{
    return t->root->nkids ? t->root->kids[0] : NULL;
}

void *ui_tree_canvas(ui_tree *t)
{
    return t->canvas;
}

void ui_tree_size(const ui_tree *t, float *w, float *h)
{
    *w = t->w;
    *h = t->h;
}

bool ui_tree_needs_frame(const ui_tree *t)
{
    return t->ndirty > 0 || t->needs_paint || t->nrelayout > 0;
}

size_t ui_tree_element_count(const ui_tree *t)
{
    return t->nelements;
}

void ui_tree_set_paint_hooks(ui_tree *t, void (*begin)(void *ctx), void (*end)(void *ctx),
                             void *ctx)
{
    t->paint_begin = begin;
    t->paint_end = end;
    t->paint_ctx = ctx;
}

void ui_tree_set_partial_paint(ui_tree *t,
                               void (*clear)(void *ctx, float x, float y, float w, float h))
{
    t->paint_clear = clear;
    t->damage_all = true;
}

void ui_tree_set_size(ui_tree *t, float w, float h)
{
    t->w = w;
    t->h = h;
    t->damage_all = true;
    t->root->needs_layout = true;
    ui__mark_dirty(t->root);
}

static void visit(ui_element *e, int depth, void (*fn)(ui_element *, int, void *), void *ctx)
{
    fn(e, depth, ctx);
    for (size_t i = 0; i < e->nkids; i++)
        visit(e->kids[i], depth + 1, fn, ctx);
}

void ui_tree_visit(ui_tree *t, void (*fn)(ui_element *e, int depth, void *ctx), void *ctx)
{
    ui_element *r = ui_tree_root(t);
    if (r) visit(r, 0, fn, ctx);
}
