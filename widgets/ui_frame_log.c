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
};

static void log_frame(void *ctx, const ui_frame_timing *ft)
{
    ui_frame_log *l = ctx;
    if (l->full) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        ui_frame_timing *v = rt_realloc(l->v, cap * sizeof *v);
        if (!v) { /* statistics are best effort: keep what we have */
            l->full = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *ft;
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
    return l;
}

void ui_frame_log_free(ui_frame_log *l)
{
    if (!l) return;
    /* A freed tree took its listeners with it. */
    if (ui_ref_get(l->alive)) ui_tree_remove_timings_listener(l->tree, log_frame, l);
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

/* `"name_ms": {"p50": .., "p90": .., "p99": .., "max": ..}` over the log,
 * sorted into v (n slots). */
static void percentiles(FILE *f, const ui_frame_log *l, int which, const char *name, int64_t *v)
{
    size_t n = l->n;
    for (size_t i = 0; i < n; i++)
        v[i] = metric(&l->v[i], which);
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

int ui_frame_log_json(const ui_frame_log *l, FILE *f)
{
    int64_t *v = rt_malloc((l->n ? l->n : 1) * sizeof *v);
    if (!v) return ui_set_error(RT_ENOMEM, "no memory to sort %zu frame timings", l->n);
    fprintf(f, "{\"frames\": %zu, \"janky_frames\": %zu", l->n, l->janky);
    percentiles(f, l, BUILD, "build", v);
    percentiles(f, l, RASTER, "raster", v);
    percentiles(f, l, TOTAL, "total", v);
    fprintf(f, "}\n");
    rt_free(v);
    if (fflush(f) == 0 && !ferror(f)) return RT_OK;
    return ui_set_error(RT_EIO, "cannot write the frame statistics (errno says why)");
}
