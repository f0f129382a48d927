/* ui_layout_widgets.c: ConstrainedBox, AspectRatio and Wrap (Flutter's
 * RenderConstrainedBox, RenderAspectRatio, RenderWrap). */
#include <islet/ui_layout_widgets.h>
#include "ui_check.h"
#include "ui_widgets_private.h"

#include <math.h>

/* ---- One child, laid out at (0, 0) ---- */

/* ---- ConstrainedBox ---- */

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Flutter's BoxConstraints.enforce: `add` clamped into `c`. */
static ui_constraints enforce(ui_constraints add, ui_constraints c)
{
    return (ui_constraints){
        clampf(add.min_w, c.min_w, c.max_w), clampf(add.max_w, c.min_w, c.max_w),
        clampf(add.min_h, c.min_h, c.max_h), clampf(add.max_h, c.min_h, c.max_h)};
}

static ui_size constrained_layout(ui_element *e, ui_constraints c)
{
    const ui_constraints *add = ui_props(e);
    return ui__layout_only_child(e, enforce(*add, c));
}

const ui_widget_class ui_constrained_box_class = {
    .name = "ConstrainedBox", .props_size = sizeof(ui_constraints), .layout = constrained_layout};

ui_widget *ui_constrained_box(ui_build *b, ui_constraints c, ui_widget *child)
{
    return ui__one(b, &ui_constrained_box_class, UI_NO_KEY, &c, child);
}

/* ---- AspectRatio ---- */

/* Flutter's RenderAspectRatio._applyAspectRatio. */
static ui_size aspect_size(float ratio, ui_constraints c)
{
    if (c.min_w == c.max_w && c.min_h == c.max_h) return (ui_size){c.min_w, c.min_h};
    float w = c.max_w, h;
    if (w < UI_INF) {
        h = w / ratio;
    } else {
        h = c.max_h;
        w = h * ratio;
    }
    if (w > c.max_w) w = c.max_w, h = w / ratio;
    if (h > c.max_h) h = c.max_h, w = h * ratio;
    if (w < c.min_w) w = c.min_w, h = w / ratio;
    if (h < c.min_h) h = c.min_h, w = h * ratio;
    return ui_constrain(c, (ui_size){w, h});
}

static ui_size aspect_layout(ui_element *e, ui_constraints c)
{
    const float *ratio = ui_props(e);
    ui_size s = aspect_size(*ratio, c);
    if (ui_element_child(e, 0)) ui__layout_only_child(e, ui_tight(s.w, s.h));
    return s;
}

const ui_widget_class ui_aspect_ratio_class = {
    .name = "AspectRatio", .props_size = sizeof(float), .layout = aspect_layout};

ui_widget *ui_aspect_ratio(ui_build *b, float ratio, ui_widget *child)
{
    UI_CHECK(ratio > 0 && ratio < UI_INF, "the ratio must be positive and finite, not %g",
             (double)ratio);
    if (!(ratio > 0 && ratio < UI_INF)) ratio = 1;
    return ui__one(b, &ui_aspect_ratio_class, UI_NO_KEY, &ratio, child);
}

/* ---- Wrap ---- */

static float wmain(bool hz, ui_size s)
{
    return hz ? s.w : s.h;
}
static float wcross(bool hz, ui_size s)
{
    return hz ? s.h : s.w;
}

/* Leading space and the space between (the flex's main alignments). */
static void spread(int align, float free_space, size_t n, float *lead, float *between)
{
    ui__main_spacing(align, free_space < 0 ? 0 : free_space, n, lead, between);
}

/* A run: children [first, end), its main and cross extents. */
typedef struct wrap_run {
    size_t first, end;
    float main, cross;
} wrap_run;

#define WRAP_RUNS_MAX 1024 /* more runs than this share the last one */

/* Splits the children, already laid out, into runs. */
static size_t wrap_runs(ui_element *e, const ui_wrap_props *p, float limit, wrap_run *runs)
{
    bool hz = !p->vertical;
    size_t n = ui_element_child_count(e), nruns = 0;
    for (size_t i = 0; i < n; i++) {
        ui_size s = ui_element_size(ui_element_child(e, i));
        float m = wmain(hz, s);
        wrap_run *r = nruns ? &runs[nruns - 1] : NULL;
        bool fits = r && r->main + p->spacing + m <= limit + 1e-3f;
        if (!r || (!fits && nruns < WRAP_RUNS_MAX)) {
            runs[nruns++] = (wrap_run){i, i + 1, m, wcross(hz, s)};
            continue;
        }
        r->main += p->spacing + m;
        r->cross = fmaxf(r->cross, wcross(hz, s));
        r->end = i + 1;
    }
    return nruns;
}

static void wrap_place_run(ui_element *e, const ui_wrap_props *p, const wrap_run *r, float width,
                           float cpos)
{
    bool hz = !p->vertical;
    float lead, between;
    spread(p->align, width - r->main, r->end - r->first, &lead, &between);
    float pos = lead;
    for (size_t i = r->first; i < r->end; i++) {
        ui_element *k = ui_element_child(e, i);
        ui_size s = ui_element_size(k);
        float room = r->cross - wcross(hz, s), off = 0;
        if (p->cross_align == UI_CENTER) off = room / 2;
        if (p->cross_align == UI_END) off = room;
        if (hz)
            ui_position_child(k, pos, cpos + off);
        else
            ui_position_child(k, cpos + off, pos);
        pos += wmain(hz, s) + p->spacing + between;
    }
}

static ui_size wrap_layout(ui_element *e, ui_constraints c)
{
    const ui_wrap_props *p = ui_props(e);
    bool hz = !p->vertical;
    float limit = hz ? c.max_w : c.max_h;
    ui_constraints kc =
        hz ? (ui_constraints){0, c.max_w, 0, UI_INF} : (ui_constraints){0, UI_INF, 0, c.max_h};
    for (size_t i = 0; i < ui_element_child_count(e); i++)
        ui_layout_child(ui_element_child(e, i), kc);
    /* Children are laid out: what follows lays out nothing, so one array
     * serves every wrap (main isolate only). */
    static _Thread_local wrap_run runs[WRAP_RUNS_MAX];
    size_t nruns = wrap_runs(e, p, limit, runs);
    float main = 0, cross = 0;
    for (size_t i = 0; i < nruns; i++) {
        main = fmaxf(main, runs[i].main);
        cross += runs[i].cross + (i ? p->run_spacing : 0);
    }
    ui_size me = ui_constrain(c, hz ? (ui_size){main, cross} : (ui_size){cross, main});
    float lead, between;
    spread(p->run_align, wcross(hz, me) - cross, nruns, &lead, &between);
    float cpos = lead;
    for (size_t i = 0; i < nruns; i++) {
        wrap_place_run(e, p, &runs[i], wmain(hz, me), cpos);
        cpos += runs[i].cross + p->run_spacing + between;
    }
    return me;
}

const ui_widget_class ui_wrap_class = {
    .name = "Wrap", .props_size = sizeof(ui_wrap_props), .layout = wrap_layout};

ui_widget *ui_wrap(ui_build *b, const ui_wrap_props *p, ui_widget **children, size_t n)
{
    ui_wrap_props q = p ? *p : (ui_wrap_props){0};
    return ui_widget_new(b, &ui_wrap_class, UI_NO_KEY, &q, children, n);
}
