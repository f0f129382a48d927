/* ui_frame_log.c: jank, and the log of every frame of a tree with its
 * statistics as JSON (the runner's --frame-stats). */
#include <islet/ui_devtools.h>
#include "ui_tree_private.h"

#include <stdlib.h>
#include <string.h>

bool ui_frame_janky(const ui_frame_timing *ft, int64_t budget_ns)
{
    if (budget_ns <= 0) budget_ns = UI_FRAME_NS;
    /* Raster is not counted: with vsync, present includes the wait for the
     * display. */
    if (ui_frame_work_ns(ft) > budget_ns) return true;
    /* Started more than a budget after it could have: the loop was busy
     * with other work and at least one frame was dropped. */
    return ft->late_ns > budget_ns;
}

struct ui_frame_log {
    ui_tree *tree;
    ui_ref alive; /* the tree's own root element: NULL once the tree is freed */
    ui_frame_timing *v;
    size_t n, cap, janky;
    bool full; /* out of memory once: collection stopped */
    ui_latency *lat;
    size_t nlat, lat_cap;
    bool lat_full;
    bool lat_listening;
};

static void log_latency(void *ctx, const ui_latency *lat)
{
    ui_frame_log *l = ctx;
    if (!l->lat_full && !ui__push(&l->lat, &l->nlat, &l->lat_cap, sizeof *lat, lat))
        l->lat_full = true; /* best effort, as the frames */
}

static void log_frame(void *ctx, const ui_frame_timing *ft)
{
    ui_frame_log *l = ctx;
    if (l->full) return;
    if (!ui__push(&l->v, &l->n, &l->cap, sizeof *ft, ft)) {
        l->full = true; /* statistics are best effort: keep what we have */
        return;
    }
    l->janky += ui_frame_janky(ft, 0);
}

ui_frame_log *ui_frame_log_new(ui_tree *t)
{
    ui_frame_log *l = rt_calloc(1, sizeof *l);
    if (!l) return NULL;
    l->tree = t;
    l->alive = ui_ref_of(t->root);
    if (ui_tree_add_timings_listener(t, log_frame, l) != RT_OK) {
        rt_free(l);
        return NULL;
    }
    /* Without a slot for it the log has frames but no latency records. */
    l->lat_listening = ui_tree_add_latency_listener(t, log_latency, l) == RT_OK;
    return l;
}

void ui_frame_log_free(ui_frame_log *l)
{
    if (!l) return;
    /* A freed tree took its listeners with it. */
    if (ui_ref_get(l->alive)) {
        ui_tree_remove_timings_listener(l->tree, log_frame, l);
        if (l->lat_listening) ui_tree_remove_latency_listener(l->tree, log_latency, l);
    }
    rt_free(l->lat);
    rt_free(l->v);
    rt_free(l);
}

const ui_frame_timing *ui_frame_log_frames(const ui_frame_log *l, size_t *n)
{
    *n = l->n;
    return l->v;
}

size_t ui_frame_log_janky(const ui_frame_log *l)
{
    return l->janky;
}

const ui_latency *ui_frame_log_latencies(const ui_frame_log *l, size_t *n)
{
    *n = l->nlat;
    return l->lat;
}

/* ---- JSON ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

enum { BUILD, RASTER, TOTAL };

static int64_t metric(const ui_frame_timing *ft, int which)
{
    return which == BUILD ? ui_frame_work_ns(ft) : which == RASTER ? ft->raster_ns : ft->total_ns;
}

/* `"name_ms": {"p50": .., "p90": .., "p99": .., "max": ..}` of v's n
 * values (sorted in place). */
static void put_percentiles(FILE *f, const char *name, int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_i64);
    double p[4] = {0, 0, 0, 0};
    if (n) {
        const size_t at[4] = {n / 2, n * 9 / 10, n * 99 / 100, n - 1}; /* ranks, rounded down */
        for (size_t k = 0; k < 4; k++)
            p[k] = (double)v[at[k]] / 1e6;
    }
    fprintf(f, ", \"%s_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}", name,
            p[0], p[1], p[2], p[3]);
}

static void percentiles(FILE *f, const ui_frame_log *l, int which, const char *name, int64_t *v)
{
    for (size_t i = 0; i < l->n; i++)
        v[i] = metric(&l->v[i], which);
    put_percentiles(f, name, v, l->n);
}

/* The discrete records of a kind (presses, keys, final answers): how many,
 * and their latencies' percentiles, into v. */
static void latency_percentiles(FILE *f, const ui_frame_log *l, int kind, const char *name,
                                int64_t *v)
{
    size_t n = 0;
    for (size_t i = 0; i < l->nlat; i++)
        if (l->lat[i].kind == kind && !l->lat[i].continuous) v[n++] = ui_latency_ns(&l->lat[i]);
    fprintf(f, ", \"%s\": %zu", kind == UI_LATENCY_INPUT ? "taps" : "results", n);
    put_percentiles(f, name, v, n);
}

int ui_frame_log_json(const ui_frame_log *l, FILE *f)
{
    size_t most = l->n > l->nlat ? l->n : l->nlat;
    int64_t *v = rt_malloc((most ? most : 1) * sizeof *v);
    if (!v) return ui_set_error(RT_ENOMEM, "no memory to sort %zu frame timings", most);
    fprintf(f, "{\"frames\": %zu, \"janky_frames\": %zu", l->n, l->janky);
    percentiles(f, l, BUILD, "build", v);
    percentiles(f, l, RASTER, "raster", v);
    percentiles(f, l, TOTAL, "total", v);
    latency_percentiles(f, l, UI_LATENCY_INPUT, "tap_to_present", v);
    latency_percentiles(f, l, UI_LATENCY_RESULT, "result_to_present", v);
    fprintf(f, "}\n");
    rt_free(v);
    if (fflush(f) == 0 && !ferror(f)) return RT_OK;
    return ui_set_error(RT_EIO, "cannot write the frame statistics (errno says why)");
}

/* Milliseconds, 3 decimals, from `base`. */
static double ms_from(int64_t ns, int64_t base)
{
    return (double)(ns - base) / 1e6;
}

int ui_frame_log_latency_json(const ui_frame_log *l, FILE *f)
{
    for (size_t i = 0; i < l->nlat; i++) {
        const ui_latency *r = &l->lat[i];
        fprintf(f,
                "{\"kind\": \"%s\", \"what\": \"%s\", \"continuous\": %s, \"frame\": %llu, "
                "\"latency_ms\": %.3f, \"arrival_ms\": %.3f, \"dispatch_ms\": %.3f, "
                "\"present_ms\": %.3f, \"event_ns\": %lld}\n",
                r->kind == UI_LATENCY_INPUT ? "input" : "result", r->what ? r->what : "",
                r->continuous ? "true" : "false", (unsigned long long)r->frame,
                ms_from(r->present_ns, r->event_ns), ms_from(r->arrival_ns, r->event_ns),
                ms_from(r->dispatch_ns, r->event_ns), ms_from(r->present_ns, r->event_ns),
                (long long)r->event_ns);
    }
    if (fflush(f) == 0 && !ferror(f)) return RT_OK;
    return ui_set_error(RT_EIO, "cannot write the latency records (errno says why)");
}
