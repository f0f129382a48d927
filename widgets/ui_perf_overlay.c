/* ui_perf_overlay.c: the performance overlay (Flutter's PerformanceOverlay):
 * one render element that paints a header, a UI graph, a raster graph and
 * isolate lanes straight on the canvas. */
#include "ui_devtools_private.h"
#include "ui_tree_private.h"
#include <islet/ui_widgets.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FRAMES 120      /* bars per graph at most */
#define LANES 8         /* background isolates shown at most */
#define PREF_W 380.0f   /* the overlay's size when there is room */
#define MAX_H 320.0f    /* the most it takes, lanes included */
#define PAD 8.0f        /* inside the border */
#define GAP 6.0f        /* between the header and each graph's caption */
#define CAP_GAP 2.0f    /* between a caption and its graph */
#define GRAPH_H 72.0f   /* a graph's height when there is room */
#define GRAPH_MIN 16.0f /* lanes are left out before a graph gets lower */
#define LANE_GAP 4.0f
#define LANE_H 6.0f
#define HEAD_SIZE 12.0f
#define CAP_SIZE 11.0f
#define SCALE_BUDGETS 3 /* a graph is three budgets high */
#define LAT_KEPT 32     /* latencies kept for the latency line, by kind */

static const ui_color ink = {20, 20, 30, 255}, panel = {240, 242, 248, 255},
                      border = {180, 184, 196, 255}, graph_bg = {30, 32, 40, 255},
                      ok_bar = {80, 200, 120, 255}, jank_bar = {230, 60, 60, 255},
                      budget_line = {255, 255, 255, 140}, busy = {90, 160, 255, 255};

/* Whether a background isolate was running when each of the last frames
 * ended (a ring indexed by frame count). */
typedef struct lane {
    char name[48];
    char caption[56];
    uint8_t busy[FRAMES];
    bool used;
} lane;

/* Where the parts go, from the last layout (relative to the element). */
typedef struct geom {
    float bw; /* one frame's pitch */
    int nbars;
    float head_y, lat_y, cap_y[2], graph_y[2], gh, cap_h;
    int nlanes, lane_of[LANES]; /* the lanes shown: indexes into lanes[] */
    float lane_y[LANES];        /* a lane's caption; its cells are below */
} geom;

/* Text: numbers are drawn a character at a time and the fixed words whole,
 * so the canvas's text cache serves every frame (a caption whose numbers
 * change would otherwise be a new string, rendered by SDL_ttf, at each). */
enum { FONT_HEAD, FONT_CAP, FONTS };
typedef struct lit_entry {
    const char *s; /* a string literal: its address is its identity */
    int font;
    float w;
} lit_entry;
typedef struct text_cache {
    float scale;
    float adv[FONTS][96]; /* advance of each printable ASCII character; 0: not measured */
    lit_entry lit[24];
    int nlit;
} text_cache;

/* The last discrete inputs' or final answers' latencies (a ring). */
typedef struct lat_ring {
    int64_t ns[LAT_KEPT];
    unsigned n; /* seen so far */
} lat_ring;

typedef struct overlay_state {
    bool listening, lat_listening;
    lat_ring taps, results;
    uint64_t own_frame; /* the number of the frame the overlay asked for */
    lane lanes[LANES];
    uint64_t sampled; /* frames sampled into the lanes */
    /* The newest frame painted, so the dump says what the pixels say. */
    bool painted;
    uint64_t shown;
    geom g;
    text_cache tc;
} overlay_state;

/* ---- What the graphs show ---- */

/* The UI bar: as tall as the frame was slow or late. */
static int64_t ui_bar_ns(const ui_frame_timing *ft)
{
    return ft->late_ns > ui_frame_work_ns(ft) ? ft->late_ns : ui_frame_work_ns(ft);
}

typedef struct stats {
    ui_frame_timing ft[FRAMES];
    size_t k, janky;
    double fps, ui_max_ms, ui_avg_ms, raster_max_ms, raster_avg_ms;
    bool max_was_late;
} stats;

/* The last nbars frames numbered up to `upto`. */
static void collect(ui_tree *t, int nbars, uint64_t upto, stats *s)
{
    memset(s, 0, sizeof *s);
    ui_frame_timing all[FRAMES + 16];
    size_t n = ui_tree_timings(t, all, FRAMES + 16), skip = 0;
    while (skip < n && all[skip].number > upto)
        skip++;
    s->k = n - skip < (size_t)nbars ? n - skip : (size_t)nbars;
    memcpy(s->ft, all + skip, s->k * sizeof *s->ft);
    int64_t ui_sum = 0, r_sum = 0, ui_max = 0, r_max = 0;
    for (size_t i = 0; i < s->k; i++) {
        const ui_frame_timing *f = &s->ft[i];
        s->janky += ui_frame_janky(f, 0);
        ui_sum += ui_frame_work_ns(f);
        r_sum += f->raster_ns;
        if (ui_bar_ns(f) > ui_max) {
            ui_max = ui_bar_ns(f);
            s->max_was_late = f->late_ns > ui_frame_work_ns(f);
        }
        if (f->raster_ns > r_max) r_max = f->raster_ns;
    }
    if (s->k > 1 && s->ft[0].start_ns > s->ft[s->k - 1].start_ns)
        s->fps = (double)(s->k - 1) * 1e9 / (double)(s->ft[0].start_ns - s->ft[s->k - 1].start_ns);
    double frames = s->k ? (double)s->k : 1;
    s->ui_max_ms = (double)ui_max / 1e6;
    s->ui_avg_ms = (double)ui_sum / 1e6 / frames;
    s->raster_max_ms = (double)r_max / 1e6;
    s->raster_avg_ms = (double)r_sum / 1e6 / frames;
}

/* ---- Lines of text: fixed words and numbers ---- */

typedef struct seg {
    const char *lit; /* a string literal, or NULL for a number */
    const char *fmt;
    double v;
} seg;
#define LIT(s) ((seg){(s), NULL, 0})
#define NUM(f, x) ((seg){NULL, (f), (x)})

#define MAX_SEGS 12

static size_t header_line(const stats *s, seg *out)
{
    size_t n = 0;
    out[n++] = NUM("%.0f", s->fps);
    out[n++] = LIT(" fps, janky ");
    out[n++] = NUM("%.0f", (double)s->janky);
    out[n++] = LIT(" of ");
    out[n++] = NUM("%.0f", (double)s->k);
    out[n++] = LIT(" (budget 16.7 ms)");
    return n;
}

static void lat_segs(const lat_ring *r, seg *out, size_t *n)
{
    if (!r->n) {
        out[(*n)++] = LIT("-");
        return;
    }
    unsigned k = r->n < LAT_KEPT ? r->n : LAT_KEPT;
    int64_t worst = 0;
    for (unsigned i = 0; i < k; i++)
        if (r->ns[i] > worst) worst = r->ns[i];
    out[(*n)++] = NUM("%.1f", (double)r->ns[(r->n - 1) % LAT_KEPT] / 1e6);
    out[(*n)++] = LIT(" ms (max ");
    out[(*n)++] = NUM("%.1f", (double)worst / 1e6);
    out[(*n)++] = LIT(")");
}

/* The latest tap's and result's way to the screen, and the worst of the
 * last 32 of each. */
static size_t latency_line(const overlay_state *st, seg *out)
{
    size_t n = 0;
    out[n++] = LIT("tap to pixels ");
    lat_segs(&st->taps, out, &n);
    out[n++] = LIT(", result ");
    lat_segs(&st->results, out, &n);
    return n;
}

/* The caption gives the worst bar (which may be clipped) and the average. */
static size_t caption_line(const stats *s, bool raster, seg *out)
{
    size_t n = 0;
    out[n++] = LIT(raster ? "raster (present)  max " : "UI (build+layout+paint)  max ");
    out[n++] = NUM("%.1f", raster ? s->raster_max_ms : s->ui_max_ms);
    out[n++] = LIT(!raster && s->max_was_late ? " ms (late)  avg " : " ms  avg ");
    out[n++] = NUM("%.1f", raster ? s->raster_avg_ms : s->ui_avg_ms);
    out[n++] = LIT(" ms");
    return n;
}

static size_t line_format(const seg *s, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)(s[i].lit ? snprintf(out + len, cap - len, "%s", s[i].lit)
                                 : snprintf(out + len, cap - len, s[i].fmt, s[i].v));
    return len < cap ? len : cap - 1;
}

static const float font_size[FONTS] = {HEAD_SIZE, CAP_SIZE};

static void cache_check(text_cache *tc, ui_canvas *c)
{
    if (tc->scale == ui_canvas_scale(c)) return;
    memset(tc, 0, sizeof *tc);
    tc->scale = ui_canvas_scale(c);
}

static float lit_width(text_cache *tc, ui_canvas *c, const char *s, int font)
{
    for (int i = 0; i < tc->nlit; i++)
        if (tc->lit[i].s == s && tc->lit[i].font == font) return tc->lit[i].w;
    float w;
    ui_text_measure(c, s, strlen(s), font_size[font], false, &w, NULL);
    if (tc->nlit < (int)(sizeof tc->lit / sizeof tc->lit[0]))
        tc->lit[tc->nlit++] = (lit_entry){s, font, w};
    return w;
}

static float char_width(text_cache *tc, ui_canvas *c, char ch, int font)
{
    float *a = &tc->adv[font][(unsigned char)ch - 32];
    if (*a == 0) ui_text_measure(c, &ch, 1, font_size[font], false, a, NULL);
    return *a;
}

static void line_draw(text_cache *tc, ui_canvas *c, const seg *s, size_t n, int font, float x,
                      float y)
{
    float size = font_size[font];
    for (size_t i = 0; i < n; i++) {
        if (s[i].lit) {
            ui_canvas_text(c, s[i].lit, strlen(s[i].lit), size, false, ink, x, y);
            x += lit_width(tc, c, s[i].lit, font);
            continue;
        }
        char num[32];
        int len = snprintf(num, sizeof num, s[i].fmt, s[i].v);
        for (int k = 0; k < len && k < (int)sizeof num - 1; k++) {
            if (num[k] < 32 || num[k] > 126) continue;
            if (num[k] != ' ') ui_canvas_text(c, &num[k], 1, size, false, ink, x, y);
            x += char_width(tc, c, num[k], font);
        }
    }
}

/* ---- Isolate lanes ---- */

static lane *lane_for(overlay_state *st, const char *name)
{
    lane *free_lane = NULL;
    for (int i = 0; i < LANES; i++) {
        if (st->lanes[i].used && !strcmp(st->lanes[i].name, name)) return &st->lanes[i];
        if (!st->lanes[i].used && !free_lane) free_lane = &st->lanes[i];
    }
    if (!free_lane) return NULL;
    memset(free_lane, 0, sizeof *free_lane);
    free_lane->used = true;
    snprintf(free_lane->name, sizeof free_lane->name, "%.47s", name);
    snprintf(free_lane->caption, sizeof free_lane->caption, "%.47s busy", name);
    return free_lane;
}

static bool alive_in(const rt_isolate_info *info, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(info[i].name, name)) return true;
    return false;
}

/* A lane whose isolate is gone and that shows nothing is given up. */
static void drop_empty_lanes(overlay_state *st, const rt_isolate_info *info, size_t n)
{
    for (int i = 0; i < LANES; i++) {
        lane *l = &st->lanes[i];
        if (!l->used || alive_in(info, n, l->name)) continue;
        bool any = false;
        for (int k = 0; k < FRAMES && !any; k++)
            any = l->busy[k] != 0;
        l->used = any;
    }
}

/* After each frame: which background isolates were running. */
static void sample_lanes(overlay_state *st)
{
    rt_isolate_info info[LANES + 8];
    size_t n = rt_isolate_snapshot(info, LANES + 8);
    if (n > LANES + 8) n = LANES + 8;
    size_t slot = st->sampled++ % FRAMES;
    for (int i = 0; i < LANES; i++)
        st->lanes[i].busy[slot] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(info[i].name, "main")) continue;
        lane *l = lane_for(st, info[i].name);
        if (l) l->busy[slot] = info[i].stats.running;
    }
    drop_empty_lanes(st, info, n);
}

/* ---- Refreshing ---- */

/* After a frame the overlay did not cause it shows that frame: in the next
 * frame. While an animation runs that frame comes anyway, and the refresh
 * rides it (a frame of its own between the animation's would double the
 * frame rate); otherwise it asks for one, and after that one (its own) it
 * asks for nothing, so an idle app stays idle. A frame that also built
 * others was not only its own. */
static void on_frame(void *ctx, const ui_frame_timing *ft)
{
    ui_element *e = ctx;
    overlay_state *st = ui_state(e);
    sample_lanes(st);
    if (ft->number == st->own_frame && ft->built <= 1) return;
    if (ui__frame_coming(ui_element_tree(e)) && ui__ride_next_frame(e)) {
        st->own_frame = 0;
        return;
    }
    st->own_frame = ft->number + 1;
    ui_set_state(e, NULL, NULL);
}

/* Before the timings of the frame that showed it: that frame's refresh
 * shows it. */
static void on_latency(void *ctx, const ui_latency *l)
{
    overlay_state *st = ui_state(ctx);
    if (l->continuous) return;
    lat_ring *r = l->kind == UI_LATENCY_INPUT ? &st->taps : &st->results;
    r->ns[r->n++ % LAT_KEPT] = ui_latency_ns(l);
}

static void overlay_init(ui_element *e)
{
    overlay_state *st = ui_state(e);
    ui_tree *t = ui_element_tree(e);
    st->listening = ui_tree_add_timings_listener(t, on_frame, e) == RT_OK;
    st->lat_listening = ui_tree_add_latency_listener(t, on_latency, e) == RT_OK;
}

static void overlay_dispose(ui_element *e)
{
    overlay_state *st = ui_state(e);
    ui_tree *t = ui_element_tree(e);
    if (st->listening) ui_tree_remove_timings_listener(t, on_frame, e);
    if (st->lat_listening) ui_tree_remove_latency_listener(t, on_latency, e);
    st->listening = st->lat_listening = false;
}

/* ---- Layout ---- */

static float text_h(ui_element *e, float size)
{
    float w, h;
    ui_measure_text(e, "Ag", 2, size, false, &w, &h);
    return ceilf(h);
}

/* Bars as wide as fit (1 to 3 px), and as many as fit (at most 120). */
static void fit_width(geom *g, float inner_w)
{
    g->bw = fminf(fmaxf(floorf(inner_w / FRAMES), 1), 3);
    g->nbars = (int)fminf(FRAMES, floorf(inner_w / g->bw));
    if (g->nbars < 0) g->nbars = 0;
}

/* Graphs as high as fit (at most 72 px); lanes left out (the last first)
 * before a graph gets lower than 16. */
static float fit_height(overlay_state *st, geom *g, float max_h, float head_h)
{
    float fixed = 2 * PAD + head_h + CAP_GAP + g->cap_h + 2 * (GAP + g->cap_h + CAP_GAP);
    float lane_block = LANE_GAP + g->cap_h + 1 + LANE_H;
    int nl = 0;
    for (int i = 0; i < LANES; i++)
        if (st->lanes[i].used) g->lane_of[nl++] = i;
    float gh = floorf((max_h - fixed - (float)nl * lane_block) / 2);
    while (gh < GRAPH_MIN && nl > 0)
        gh = floorf((max_h - fixed - (float)--nl * lane_block) / 2);
    g->gh = fminf(fmaxf(gh, 2), GRAPH_H);
    g->nlanes = nl;
    return fixed + 2 * g->gh + (float)nl * lane_block;
}

static void place(geom *g, float head_h)
{
    float y = PAD;
    g->head_y = y;
    y += head_h + CAP_GAP;
    g->lat_y = y;
    y += g->cap_h;
    for (int i = 0; i < 2; i++) {
        y += GAP;
        g->cap_y[i] = y;
        y += g->cap_h + CAP_GAP;
        g->graph_y[i] = y;
        y += g->gh;
    }
    for (int i = 0; i < g->nlanes; i++) {
        y += LANE_GAP;
        g->lane_y[i] = y;
        y += g->cap_h + 1 + LANE_H;
    }
}

static ui_size overlay_layout(ui_element *e, ui_constraints c)
{
    overlay_state *st = ui_state(e);
    geom *g = &st->g;
    float w = fmaxf(fminf(PREF_W, c.max_w), c.min_w);
    float head_h = text_h(e, HEAD_SIZE);
    g->cap_h = text_h(e, CAP_SIZE);
    fit_width(g, fmaxf(w - 2 * PAD, 0));
    float h = fit_height(st, g, fminf(MAX_H, c.max_h), head_h);
    place(g, head_h);
    return ui_constrain(c, (ui_size){w, h});
}

/* ---- Paint ---- */

static void paint_graph(ui_canvas *c, const geom *g, const stats *s, bool raster, float x, float y)
{
    float gw = g->bw * (float)g->nbars, gh = g->gh;
    ui_canvas_fill_rect(c, (ui_rect){x, y, gw, gh}, graph_bg);
    float scale = gh / (float)(SCALE_BUDGETS * (double)UI_FRAME_NS);
    float bar_w = g->bw >= 2 ? g->bw - 1 : g->bw;
    for (size_t i = 0; i < s->k; i++) {
        const ui_frame_timing *f = &s->ft[i];
        int64_t ns = raster ? f->raster_ns : ui_bar_ns(f);
        bool red = raster ? f->raster_ns > UI_FRAME_NS : ui_frame_janky(f, 0);
        float h = fminf(fmaxf(roundf((float)ns * scale), 1), gh);
        float bx = x + g->bw * (float)(g->nbars - 1 - (int)i);
        ui_canvas_fill_rect(c, (ui_rect){bx, y + gh - h, bar_w, h}, red ? jank_bar : ok_bar);
    }
    for (int m = 1; m < SCALE_BUDGETS; m++)
        ui_canvas_fill_rect(c, (ui_rect){x, y + roundf(gh - gh * (float)m / SCALE_BUDGETS), gw, 1},
                            budget_line);
}

static void paint_lane(ui_canvas *c, const overlay_state *st, const lane *l, float x, float y)
{
    const geom *g = &st->g;
    ui_canvas_text(c, l->caption, strlen(l->caption), CAP_SIZE, false, ink, x, y);
    y += g->cap_h + 1;
    float gw = g->bw * (float)g->nbars;
    ui_canvas_fill_rect(c, (ui_rect){x, y, gw, LANE_H}, graph_bg);
    uint64_t frames = st->sampled < (uint64_t)g->nbars ? st->sampled : (uint64_t)g->nbars;
    for (uint64_t age = 0; age < frames; age++)
        if (l->busy[(st->sampled - 1 - age) % FRAMES])
            ui_canvas_fill_rect(
                c, (ui_rect){x + g->bw * (float)(g->nbars - 1 - (int)age), y, g->bw, LANE_H}, busy);
}

static void overlay_paint(ui_element *e, void *canvas, float x, float y)
{
    ui_canvas *c = canvas;
    overlay_state *st = ui_state(e);
    const geom *g = &st->g;
    ui_size sz = ui_element_size(e);
    ui_canvas_push_clip(c, (ui_rect){x, y, sz.w, sz.h}); /* never past its box */
    ui_canvas_fill_rounded_rect(c, (ui_rect){x, y, sz.w, sz.h}, 6, panel);
    ui_canvas_stroke_rect(c, (ui_rect){x, y, sz.w, sz.h}, 1, 6, border);
    cache_check(&st->tc, c);
    stats s;
    collect(ui_element_tree(e), g->nbars, UINT64_MAX, &s);
    st->painted = true;
    st->shown = s.k ? s.ft[0].number : 0;
    seg line[MAX_SEGS];
    line_draw(&st->tc, c, line, header_line(&s, line), FONT_HEAD, x + PAD, y + g->head_y);
    line_draw(&st->tc, c, line, latency_line(st, line), FONT_CAP, x + PAD, y + g->lat_y);
    for (int i = 0; i < 2; i++) {
        line_draw(&st->tc, c, line, caption_line(&s, i == 1, line), FONT_CAP, x + PAD,
                  y + g->cap_y[i]);
        paint_graph(c, g, &s, i == 1, x + PAD, y + g->graph_y[i]);
    }
    for (int i = 0; i < g->nlanes; i++) {
        const lane *l = &st->lanes[g->lane_of[i]];
        if (l->used) paint_lane(c, st, l, x + PAD, y + g->lane_y[i]);
    }
    ui_canvas_pop_clip(c);
}

/* ---- The dump: what it says ---- */

static void overlay_describe(ui_element *e, ui_describer *d)
{
    overlay_state *st = ui_state(e);
    stats s;
    collect(ui_element_tree(e), st->g.nbars, st->painted ? st->shown : UINT64_MAX, &s);
    seg line[MAX_SEGS];
    char text[160];
    line_format(line, header_line(&s, line), text, sizeof text);
    ui_describe_text(d, text);
    line_format(line, latency_line(st, line), text, sizeof text);
    ui_describe_text(d, text);
    for (int i = 0; i < 2; i++) {
        line_format(line, caption_line(&s, i == 1, line), text, sizeof text);
        ui_describe_text(d, text);
    }
    for (int i = 0; i < st->g.nlanes; i++)
        if (st->lanes[st->g.lane_of[i]].used)
            ui_describe_text(d, st->lanes[st->g.lane_of[i]].caption);
}

const ui_widget_class ui_perf_overlay_class = {.name = "PerformanceOverlay",
                                               .state_size = sizeof(overlay_state),
                                               .init_state = overlay_init,
                                               .dispose = overlay_dispose,
                                               .layout = overlay_layout,
                                               .paint = overlay_paint,
                                               .describe = overlay_describe,
                                               .ignore_pointer = true};

ui_widget *ui_perf_overlay(ui_build *b, ui_key key)
{
    return ui_widget_new(b, &ui_perf_overlay_class, key, NULL, NULL, 0);
}

bool ui__perf_overlay_part(ui_element *e, int part, ui_rect *r, float *pitch)
{
    if (ui_element_class(e) != &ui_perf_overlay_class) return false;
    const geom *g = &((const overlay_state *)ui_state(e))->g;
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    x += PAD;
    w = g->bw * (float)g->nbars;
    if (part == UI__PERF_UI_GRAPH || part == UI__PERF_RASTER_GRAPH) {
        *r = (ui_rect){x, y + g->graph_y[part], w, g->gh};
    } else {
        int i = part - UI__PERF_LANE0;
        if (i < 0 || i >= g->nlanes) return false;
        *r = (ui_rect){x, y + g->lane_y[i] + g->cap_h + 1, w, LANE_H};
    }
    if (pitch) *pitch = g->bw;
    return true;
}
