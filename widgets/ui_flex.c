/* ui_flex.c: rows, columns, Expanded and Flexible (Flutter's RenderFlex).
 *
 * Inflexible children are laid out first with an unbounded main axis; the
 * space left is shared by the flexible ones in proportion to their flex,
 * as floats (the last flexible child takes what remains, so no fraction of
 * a pixel is lost). A flex fills its main axis when it is bounded and
 * main_size is UI_MAIN_MAX (Flutter's default). Children that do not fit
 * overflow: in debug builds the overflowing edge shows Flutter's
 * yellow-and-black band and stderr says so, once per element. */
#include "ui_widgets_private.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- Expanded and Flexible ---- */

typedef struct expanded_props {
    int flex;
    bool loose; /* Flexible: at most the share */
} expanded_props;

const ui_widget_class ui_expanded_class = {.name = "Expanded",
                                           .props_size = sizeof(expanded_props)};

ui_widget *ui_expanded(ui_build *b, int flex, ui_widget *child)
{
    expanded_props p = {flex > 0 ? flex : 1, false};
    return ui__one(b, &ui_expanded_class, UI_NO_KEY, &p, child);
}

ui_widget *ui_flexible(ui_build *b, int flex, ui_widget *child)
{
    expanded_props p = {flex > 0 ? flex : 1, true};
    return ui__one(b, &ui_expanded_class, UI_NO_KEY, &p, child);
}

static int flex_of(ui_element *e)
{
    return ui_element_class(e) == &ui_expanded_class ? ((const expanded_props *)ui_props(e))->flex
                                                     : 0;
}

/* ---- Axes ---- */

static float main_of(bool hz, ui_size s)
{
    return hz ? s.w : s.h;
}
static float cross_of(bool hz, ui_size s)
{
    return hz ? s.h : s.w;
}

static ui_constraints axis_constraints(bool hz, float main_min, float main_max, float cross_min,
                                       float cross_max)
{
    return hz ? (ui_constraints){main_min, main_max, cross_min, cross_max}
              : (ui_constraints){cross_min, cross_max, main_min, main_max};
}

/* ---- Layout ---- */

/* What the last layout of a flex found, for paint and the one report. */
typedef struct flex_state {
    float overflow; /* main-axis pixels that did not fit (0: none) */
    bool reported;
} flex_state;

typedef struct flex_run {
    bool hz;
    float max_main, min_cross, max_cross;
    float used, cross; /* main-axis space taken, biggest cross size */
    int total_flex;
} flex_run;

static ui_size lay_inflexible(flex_run *r, ui_element *k)
{
    return ui_layout_child(k, axis_constraints(r->hz, 0, UI_INF, r->min_cross, r->max_cross));
}

/* Inflexible children first (also the flexible ones when the main axis is
 * unbounded: there is nothing to share). */
static void lay_fixed(flex_run *r, ui_element *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ui_element *k = ui_element_child(e, i);
        if (flex_of(k) && r->max_main < UI_INF) {
            r->total_flex += flex_of(k);
            continue;
        }
        ui_size s = lay_inflexible(r, k);
        r->used += main_of(r->hz, s);
        r->cross = fmaxf(r->cross, cross_of(r->hz, s));
    }
}

/* Then the flexible ones share what is left. */
static void lay_flexible(flex_run *r, ui_element *e, size_t n)
{
    if (!r->total_flex) return;
    float left = fmaxf(r->max_main - r->used, 0), per_flex = left / (float)r->total_flex;
    float given = 0;
    int flex_left = r->total_flex;
    for (size_t i = 0; i < n; i++) {
        ui_element *k = ui_element_child(e, i);
        int f = flex_of(k);
        if (!f) continue;
        flex_left -= f;
        float share = flex_left == 0 ? left - given : per_flex * (float)f; /* the last: the rest */
        given += share;
        ui_element *inner = ui_element_child(k, 0);
        bool loose = ((const expanded_props *)ui_props(k))->loose;
        ui_constraints kc =
            axis_constraints(r->hz, loose ? 0 : share, share, r->min_cross, r->max_cross);
        ui_size s = inner ? ui_layout_child(inner, kc) : ui_constrain(kc, (ui_size){0, 0});
        if (inner) ui_position_child(inner, 0, 0);
        ui_set_size(k, s);
        r->used += main_of(r->hz, s);
        r->cross = fmaxf(r->cross, cross_of(r->hz, s));
    }
}

void ui__main_spacing(int align, float free_space, size_t n, float *lead, float *between)
{
    *lead = *between = 0;
    switch (align) {
    case UI_CENTER:
        *lead = free_space / 2;
        break;
    case UI_END:
        *lead = free_space;
        break;
    case UI_SPACE_BETWEEN:
        *between = n > 1 ? free_space / (float)(n - 1) : 0;
        break;
    case UI_SPACE_AROUND:
        *between = n ? free_space / (float)n : 0;
        *lead = *between / 2;
        break;
    case UI_SPACE_EVENLY:
        *between = free_space / (float)(n + 1);
        *lead = *between;
        break;
    default:
        break;
    }
}

static void place(const ui_flex_props *p, ui_element *e, size_t n, ui_size me, float used)
{
    bool hz = p->horizontal;
    float lead, between, free_space = fmaxf(main_of(hz, me) - used, 0);
    ui__main_spacing(p->main_align, free_space, n, &lead, &between);
    float pos = lead;
    for (size_t i = 0; i < n; i++) {
        ui_element *k = ui_element_child(e, i);
        ui_size ks = ui_element_size(k);
        float cpos = 0, room = cross_of(hz, me) - cross_of(hz, ks);
        if (p->cross_align == UI_CENTER)
            cpos = room / 2;
        else if (p->cross_align == UI_END)
            cpos = room;
        if (hz)
            ui_position_child(k, pos, cpos);
        else
            ui_position_child(k, cpos, pos);
        pos += main_of(hz, ks) + between + p->spacing;
    }
}

/* Flutter's "A RenderFlex overflowed by 42 pixels on the right.", once. */
#ifdef RT_CHECKS
static void report_overflow(ui_element *e, flex_state *st, bool hz, ui_size me)
{
    if (st->overflow <= 0 || st->reported) return;
    st->reported = true;
    const char *key = ui_key_name(ui_element_key(e));
    fprintf(stderr,
            "islet: A RenderFlex (%s%s%s, %.0fx%.0f) overflowed by %.0f pixels on "
            "the %s.\n",
            hz ? "Row" : "Column", key ? " " : "", key ? key : "", me.w, me.h, ceilf(st->overflow),
            hz ? "right" : "bottom");
}
#endif

static ui_size flex_layout(ui_element *e, ui_constraints c)
{
    const ui_flex_props *p = ui_props(e);
    bool hz = p->horizontal;
    size_t n = ui_element_child_count(e);
    flex_run r = {
        .hz = hz, .max_main = hz ? c.max_w : c.max_h, .max_cross = hz ? c.max_h : c.max_w};
    bool stretch = p->cross_align == UI_STRETCH && r.max_cross < UI_INF;
    r.min_cross = stretch ? r.max_cross : 0;
    r.used = p->spacing * (n ? (float)(n - 1) : 0);
    lay_fixed(&r, e, n);
    lay_flexible(&r, e, n);
    bool fill = p->main_size == UI_MAIN_MAX && r.max_main < UI_INF;
    float main_size = fill ? r.max_main : r.used, cross = stretch ? r.max_cross : r.cross;
    ui_size me = ui_constrain(c, hz ? (ui_size){main_size, cross} : (ui_size){cross, main_size});
    place(p, e, n, me, r.used);
    flex_state *st = ui_state(e);
    st->overflow = fmaxf(r.used - main_of(hz, me), 0);
    if (st->overflow < 1e-3f) st->overflow = 0; /* float sums, not an overflow */
#ifdef RT_CHECKS
    report_overflow(e, st, hz, me);
#endif
    return me;
}

/* ---- The overflow band (debug builds) ---- */

#ifdef RT_CHECKS

/* Flutter's DebugOverflowIndicatorMixin: a band a tenth of the flex deep
 * on the overflowing edge, translucent black and yellow stripes repeating
 * every 20 pixels of x + y, and a label on white. */
#define BAND_BLACK ((ui_color){0, 0, 0, 191})
#define BAND_YELLOW ((ui_color){255, 255, 0, 191})
#define BAND_FRACTION 0.1f
#define LABEL_SIZE 7.5f
#define LABEL_PAD 5.0f
#define LABEL_COLOR ((ui_color){0x90, 0, 0, 255})

/* Diagonal one-pixel lines of constant x + y: each pixel on exactly one. */
static void paint_band(ui_canvas *cv, ui_rect band)
{
    ui_canvas_push_clip(cv, band);
    long k0 = lroundf(floorf(band.x + band.y)),
         k1 = lroundf(ceilf(band.x + band.w + band.y + band.h));
    for (long i = k0; i <= k1; i++) {
        float k = (float)i, u = fmodf(k, 20);
        ui_color c = u >= 5 && u < 15 ? BAND_YELLOW : BAND_BLACK;
        ui_canvas_line(cv, k - band.y, band.y, k - band.y - band.h, band.y + band.h, c);
    }
    ui_canvas_pop_clip(cv);
}

/* "RIGHT OVERFLOWED BY 42 PIXELS": centred at the bottom, or turned a
 * quarter anticlockwise along the right edge (a layer does the turn). */
static void paint_label(ui_canvas *cv, bool hz, float overflow, float x, float y, float w, float h)
{
    char text[64];
    int n = snprintf(text, sizeof text, "%s OVERFLOWED BY %.0f PIXELS", hz ? "RIGHT" : "BOTTOM",
                     ceilf(overflow));
    float tw, th;
    ui_text_measure(cv, text, (size_t)n, LABEL_SIZE, true, &tw, &th);
    float px = hz ? x + w - LABEL_SIZE - LABEL_PAD : x + w / 2;
    float py = hz ? y + h / 2 : y + h - LABEL_SIZE - LABEL_PAD;
    if (hz) ui_canvas_push_layer(cv);
    ui_canvas_fill_rect(cv, (ui_rect){px - tw / 2, py, tw, th}, (ui_color){255, 255, 255, 255});
    ui_canvas_text(cv, text, (size_t)n, LABEL_SIZE, true, LABEL_COLOR, px - tw / 2, py);
    ui_canvas_effect turn = {
        .alpha = 1, .ox = px, .oy = py, .sx = 1, .sy = 1, .angle_rad = -1.5707963f};
    if (hz) ui_canvas_pop_layer(cv, &turn);
}

static void flex_paint_after(ui_element *e, void *canvas)
{
    const flex_state *st = ui_state(e);
    if (!canvas || st->overflow <= 0) return;
    const ui_flex_props *p = ui_props(e);
    bool hz = p->horizontal;
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    float t = (hz ? w : h) * BAND_FRACTION;
    ui_rect band = hz ? (ui_rect){x + w - t, y, t, h} : (ui_rect){x, y + h - t, w, t};
    paint_band(canvas, band);
    paint_label(canvas, hz, st->overflow, x, y, w, h);
}
#define FLEX_PAINT_AFTER flex_paint_after
#else
#define FLEX_PAINT_AFTER NULL
#endif

float ui_flex_overflow(const ui_element *flex)
{
    if (ui_element_class(flex) != &ui_flex_class) return 0;
    return ((const flex_state *)ui_state((ui_element *)flex))->overflow;
}

const ui_widget_class ui_flex_class = {.name = "Flex",
                                       .props_size = sizeof(ui_flex_props),
                                       .state_size = sizeof(flex_state),
                                       .layout = flex_layout,
                                       .paint_after = FLEX_PAINT_AFTER};

static ui_widget *flex(ui_build *b, const ui_flex_props *p, bool hz, ui_widget **kids, size_t n)
{
    ui_flex_props q = p ? *p : (ui_flex_props){0};
    q.horizontal = hz;
    return ui_widget_new(b, &ui_flex_class, UI_NO_KEY, &q, kids, n);
}

ui_widget *ui_column(ui_build *b, const ui_flex_props *p, ui_widget **children, size_t n)
{
    return flex(b, p, false, children, n);
}

ui_widget *ui_row(ui_build *b, const ui_flex_props *p, ui_widget **children, size_t n)
{
    return flex(b, p, true, children, n);
}
