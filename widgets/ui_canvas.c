/* ui_canvas.c: painting with SDL2's renderer and SDL2_ttf.
 *
 * Shapes are built in device pixels on whole-pixel edges: straight parts are
 * SDL rectangles and curved parts are triangles (SDL_RenderGeometry) that
 * never overlap the rectangles, so translucent colors blend once per pixel.
 * Rendered strings live in a hash map with an LRU list bounding its size.
 */
#include <islet/ui_canvas.h>
#include "ui_check.h"
#include "ui_font_private.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UI__PI 3.14159265358979323846f
#define UI__COVER_MAX 0x800   /* code points whose coverage a canvas keeps */
#define UI__FONTS_MAX 32      /* (size, face) pairs: primaries and fallbacks */
#define UI__TEXT_BUCKETS 4096 /* a power of two */
#define UI__FONT_PX_MAX 1024
#define UI__COORD_MAX 16777216.0f /* device coordinates are clamped to +-2^24 */

enum { UI__SAVE = 1, UI__CLIP = 2, UI__LAYER = 4 };

typedef struct ui__state {
    float tx, ty;    /* translation, logical units */
    SDL_Rect clip;   /* device pixels, when has_clip and not clip_empty */
    bool has_clip;   /* a clip is set */
    bool clip_empty; /* the clip is empty: nothing draws */
    int kind;        /* in the stack: the push that saved this state */
} ui__state;

typedef struct ui__font_slot {
    TTF_Font *font;
    int px;
    int face;           /* UI__FACE_* (ui_font_private.h) */
    unsigned long used; /* c->font_clock at the last use */
} ui__font_slot;

/* A run of text drawn with one face: bytes [off, off + len) of the scratch. */
typedef struct ui__run {
    size_t off, len;
    int face;
    int w; /* device pixels, once measured */
} ui__run;

typedef struct ui__text {
    struct ui__text *bucket_next;
    struct ui__text *prev, *next; /* LRU list, most recently drawn first */
    uint64_t hash;
    SDL_Texture *tex;
    int w, h; /* device pixels */
    int px;
    bool bold;
    ui_color color;
    size_t len;
    char bytes[];
} ui__text;

struct ui_canvas {
    SDL_Renderer *r;
    SDL_Surface *surface; /* offscreen only; then r is ours too */
    float scale;

    ui__state cur;
    ui__state *stack;
    size_t depth, cap;
    size_t lost; /* pushes that found no memory: nothing draws until they pop */

    ui__font_slot fonts[UI__FONTS_MAX];
    int nfonts;
    unsigned long font_clock;
    unsigned font_generation; /* ui__fonts_generation() the fonts and text are of */
    /* Which code points below UI__COVER_MAX each primary face has (bits). */
    uint32_t cover_known[2][UI__COVER_MAX / 32], cover_has[2][UI__COVER_MAX / 32];

    ui__text **buckets; /* UI__TEXT_BUCKETS chains, allocated on first text */
    ui__text *lru_head, *lru_tail;
    long text_pixels;
    ui_canvas_stats stats;

    char *scratch; /* sanitised UTF-8 */
    size_t scratch_cap;
    ui__run *runs; /* the scratch's runs, one per face */
    int runs_cap;

    SDL_Vertex *verts; /* triangles of the shape being built */
    int nverts, verts_cap;
    SDL_Vertex *aa; /* its anti-aliased fringe, blended */
    int naa, aa_cap;
    SDL_Color geo_color;
    /* On a software renderer a curved shape is rasterised into pixels and
     * blitted once: a fringe of one-pixel quads costs two triangle set-ups
     * a pixel there. */
    bool blit_shapes;
    uint32_t *mask;
    size_t mask_cap;
    SDL_Texture *mask_tex;
    int mask_w, mask_h;

    /* Textures of versioned images (ui_canvas_image_cached), least recently
     * drawn replaced first. */
    struct ui__image {
        const uint32_t *rgba;
        int w, h;
        uint64_t version;
        SDL_Texture *tex;
        unsigned long used;
    } images[UI_CANVAS_IMAGES_MAX];
    unsigned long image_clock;

    /* Open layers (ui_canvas_push_layer): the texture drawn into and the
     * target it replaced; tex NULL when drawing went on directly. */
    struct ui__layer {
        SDL_Texture *tex, *prev;
    } layers[UI_CANVAS_LAYERS_MAX];
    int nlayers, lost_layers;
};

/* ---- SDL and SDL_ttf, shared by all canvases (one thread) ---- */

static int ui__lib_refs;

static bool ui__libs_acquire(void)
{
    if (ui__lib_refs == 0) {
        if (SDL_Init(0) < 0) return false;
        if (TTF_Init() < 0) {
            if (SDL_WasInit(SDL_INIT_EVERYTHING) == 0) SDL_Quit();
            return false;
        }
    }
    ui__lib_refs++;
    return true;
}

static void ui__libs_release(void)
{
    if (--ui__lib_refs > 0) return;
    ui__fonts_free();
    TTF_Quit();
    if (SDL_WasInit(SDL_INIT_EVERYTHING) == 0) SDL_Quit();
}

/* API misuse: aborts with a message in builds with RT_CHECKS (UI_CHECK). */
static void misuse(const char *func, const char *msg)
{
    UI_CHECK_AT(func, false, "%s", msg);
    (void)func;
    (void)msg;
}

/* ---- Coordinates ---- */

static int ui__px(float v)
{
    if (!(v >= -UI__COORD_MAX)) v = -UI__COORD_MAX; /* also NaN */
    if (v > UI__COORD_MAX) v = UI__COORD_MAX;
    return (int)lroundf(v);
}

/* r translated and scaled to device pixels, edges rounded; false when empty. */
static bool ui__dev_rect(const ui_canvas *c, ui_rect r, SDL_Rect *out)
{
    float s = c->scale;
    int x0 = ui__px((r.x + c->cur.tx) * s), y0 = ui__px((r.y + c->cur.ty) * s);
    int x1 = ui__px((r.x + r.w + c->cur.tx) * s), y1 = ui__px((r.y + r.h + c->cur.ty) * s);
    *out = (SDL_Rect){x0, y0, x1 - x0, y1 - y0};
    return x1 > x0 && y1 > y0;
}

/* Whether drawing is on: no empty clip, no push lost to memory. */
static bool ui__on(const ui_canvas *c)
{
    return !c->lost && !c->cur.clip_empty;
}

static void ui__use_color(ui_canvas *c, ui_color k)
{
    SDL_SetRenderDrawBlendMode(c->r, k.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(c->r, k.r, k.g, k.b, k.a);
    c->geo_color = (SDL_Color){k.r, k.g, k.b, k.a};
}

/* ---- Shapes from rectangles and triangles ---- */

#define UI__RECTS_MAX 12

typedef struct ui__rects {
    SDL_Rect r[UI__RECTS_MAX];
    int n;
} ui__rects;

/* Adds the rectangle between corners (x0, y0) and (x1, y1), in any order. */
static void ui__add_rect(ui__rects *rs, int x0, int y0, int x1, int y1)
{
    int lx = x0 < x1 ? x0 : x1, hx = x0 < x1 ? x1 : x0;
    int ly = y0 < y1 ? y0 : y1, hy = y0 < y1 ? y1 : y0;
    if (hx > lx && hy > ly && rs->n < UI__RECTS_MAX)
        rs->r[rs->n++] = (SDL_Rect){lx, ly, hx - lx, hy - ly};
}

static bool ui__geo_reserve(ui_canvas *c, int more)
{
    if (c->nverts + more <= c->verts_cap) return true;
    int cap = c->verts_cap ? c->verts_cap : 256;
    while (cap < c->nverts + more)
        cap *= 2;
    SDL_Vertex *v = realloc(c->verts, (size_t)cap * sizeof *v);
    if (!v) return false;
    c->verts = v;
    c->verts_cap = cap;
    return true;
}

static void ui__vertex(ui_canvas *c, float x, float y)
{
    c->verts[c->nverts++] = (SDL_Vertex){{roundf(x), roundf(y)}, c->geo_color, {0, 0}};
}

/* One triangle, vertices snapped to whole device pixels (room reserved). */
static void ui__tri(ui_canvas *c, float ax, float ay, float bx, float by, float cx, float cy)
{
    ui__vertex(c, ax, ay);
    ui__vertex(c, bx, by);
    ui__vertex(c, cx, cy);
}

static bool ui__aa_reserve(ui_canvas *c, int more)
{
    if (c->naa + more <= c->aa_cap) return true;
    int cap = c->aa_cap ? c->aa_cap : 256;
    while (cap < c->naa + more)
        cap *= 2;
    SDL_Vertex *v = realloc(c->aa, (size_t)cap * sizeof *v);
    if (!v) return false;
    c->aa = v;
    c->aa_cap = cap;
    return true;
}

/* A quad covering device pixels [x0, x1) x [y0, y1) in colour k (room reserved). */
static void ui__quad(SDL_Vertex *v, int x0, int y0, int x1, int y1, SDL_Color k)
{
    float a = (float)x0, b = (float)y0, c = (float)x1, d = (float)y1;
    v[0] = (SDL_Vertex){{a, b}, k, {0, 0}};
    v[1] = (SDL_Vertex){{c, b}, k, {0, 0}};
    v[2] = (SDL_Vertex){{c, d}, k, {0, 0}};
    v[3] = v[0];
    v[4] = v[2];
    v[5] = (SDL_Vertex){{a, d}, k, {0, 0}};
}

/* A curved shape, by the coverage of a pixel centre in [0, 1]: how far it is
 * inside the edge, within half a pixel either side. SDL's software renderer
 * interpolates vertex colours too roughly for one-pixel fringes, so curves
 * are rasterised here: runs of covered pixels become quads in the shape's
 * colour, edge pixels quads at their coverage (blended). */
typedef struct ui__shape {
    float cx, cy;             /* the centre */
    float ri, ro;             /* the ring between (ri <= 0: the disc) */
    float t0, t1;             /* the arc's angles, when `arc` */
    bool arc, round;          /* an arc, with round caps */
    float e0x, e0y, e1x, e1y; /* round caps: the ends of the centre line */
} ui__shape;

static float ui__clamp01(float v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static float ui__cover(const ui__shape *sh, float px, float py)
{
    float dx = px - sh->cx, dy = py - sh->cy, d = sqrtf(dx * dx + dy * dy);
    if (!sh->arc) return ui__clamp01(sh->ro - d + 0.5f) - ui__clamp01(sh->ri - d + 0.5f);
    float rm = (sh->ri + sh->ro) / 2, h = (sh->ro - sh->ri) / 2;
    /* Off the ring (caps included, they stay within it): no angle needed. */
    if (fabsf(d - rm) >= h + 0.5f) return 0;
    float rel = atan2f(dy, dx) - sh->t0, sweep = sh->t1 - sh->t0;
    rel -= 2 * UI__PI * floorf(rel / (2 * UI__PI));
    float radial = ui__clamp01(h - fabsf(d - rm) + 0.5f);
    if (!sh->round) {
        /* Butt ends: by the distance along the ring to the nearer end,
         * inside (+) or beyond (-), within half a pixel either side. */
        float along =
            rel <= sweep ? fminf(rel, sweep - rel) : -fminf(rel - sweep, 2 * UI__PI - rel);
        return radial * ui__clamp01(along * d + 0.5f);
    }
    if (rel <= sweep) return radial;
    /* Beyond the ends: by the distance to the nearer end of the centre line. */
    float ex = sh->e0x - px, ey = sh->e0y - py, fx = sh->e1x - px, fy = sh->e1y - py;
    float e = fminf(ex * ex + ey * ey, fx * fx + fy * fy);
    return ui__clamp01(h - sqrtf(e) + 0.5f);
}

#define UI__MASK_MAX 512 /* a side of the blitted shapes; larger ones are quads */

/* The shape's pixels at their coverage, straight alpha, blitted with
 * blending: what the quads would draw. False when it cannot be done this
 * way (too big, no memory, no texture): draw quads. */
static bool ui__raster_blit(ui_canvas *c, const ui__shape *sh, int x0, int y0, int w, int h)
{
    if (w > UI__MASK_MAX || h > UI__MASK_MAX) return false;
    size_t need = (size_t)w * (size_t)h;
    if (need > c->mask_cap) {
        uint32_t *m = realloc(c->mask, need * sizeof *m);
        if (!m) return false;
        c->mask = m;
        c->mask_cap = need;
    }
    if (!c->mask_tex || c->mask_w < w || c->mask_h < h) {
        int tw = w > c->mask_w ? w : c->mask_w, th = h > c->mask_h ? h : c->mask_h;
        if (c->mask_tex) SDL_DestroyTexture(c->mask_tex);
        c->mask_tex =
            SDL_CreateTexture(c->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, tw, th);
        c->mask_w = c->mask_tex ? tw : 0;
        c->mask_h = c->mask_tex ? th : 0;
        if (!c->mask_tex) return false;
        SDL_SetTextureBlendMode(c->mask_tex, SDL_BLENDMODE_BLEND);
    }
    SDL_Color k = c->geo_color;
    uint32_t rgb = (uint32_t)k.r << 16 | (uint32_t)k.g << 8 | k.b;
    for (int y = 0; y < h; y++) {
        uint32_t *row = c->mask + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            float cov = ui__cover(sh, (float)(x0 + x) + 0.5f, (float)(y0 + y) + 0.5f);
            uint32_t a = cov >= 0.999f ? k.a : (uint32_t)lroundf((float)k.a * cov);
            row[x] = a << 24 | rgb;
        }
    }
    SDL_Rect src = {0, 0, w, h}, dst = {x0, y0, w, h};
    return SDL_UpdateTexture(c->mask_tex, &src, c->mask, w * 4) == 0 &&
           SDL_RenderCopy(c->r, c->mask_tex, &src, &dst) == 0;
}

/* Rasterises sh over device pixels [x0, x1) x [y0, y1), cut to the clip. */
static bool ui__raster(ui_canvas *c, const ui__shape *sh, int x0, int y0, int x1, int y1)
{
    if (c->cur.has_clip) {
        const SDL_Rect *k = &c->cur.clip;
        x0 = x0 > k->x ? x0 : k->x;
        y0 = y0 > k->y ? y0 : k->y;
        x1 = x1 < k->x + k->w ? x1 : k->x + k->w;
        y1 = y1 < k->y + k->h ? y1 : k->y + k->h;
    }
    if (x1 <= x0 || y1 <= y0) return true;
    if (c->blit_shapes && ui__raster_blit(c, sh, x0, y0, x1 - x0, y1 - y0)) return true;
    SDL_Color full = c->geo_color;
    for (int y = y0; y < y1; y++) {
        int run = -1;
        if (!ui__geo_reserve(c, 6 * (x1 - x0 + 1)) || !ui__aa_reserve(c, 6 * (x1 - x0 + 1)))
            return false;
        for (int x = x0; x <= x1; x++) {
            float k = x < x1 ? ui__cover(sh, (float)x + 0.5f, (float)y + 0.5f) : 0;
            if (k >= 0.999f) {
                if (run < 0) run = x;
                continue;
            }
            if (run >= 0) {
                ui__quad(c->verts + c->nverts, run, y, x, y + 1, full);
                c->nverts += 6;
                run = -1;
            }
            Uint8 a = (Uint8)lroundf((float)full.a * k);
            if (a == 0) continue;
            SDL_Color part = full;
            part.a = a;
            ui__quad(c->aa + c->naa, x, y, x + 1, y + 1, part);
            c->naa += 6;
        }
    }
    return true;
}

/* The quarter ring between radii ri and ro (ri <= 0: the quarter disc)
 * around (cx, cy), in the square of side ro from the centre towards
 * (-sx, -sy), anti-aliased. */
static bool ui__ring(ui_canvas *c, float cx, float cy, float ri, float ro, int sx, int sy)
{
    ui__shape sh = {.cx = cx, .cy = cy, .ri = ri, .ro = ro};
    int r = (int)ro, ix = (int)cx, iy = (int)cy;
    int x0 = sx > 0 ? ix - r : ix, y0 = sy > 0 ? iy - r : iy;
    return ui__raster(c, &sh, x0, y0, x0 + r, y0 + r);
}

/* The corner square of a border bw thick with outer radius rad, at outer
 * corner (ox, oy) and running inward along (sx, sy). A fill is bw == rad. */
static bool ui__corner(ui_canvas *c, ui__rects *rs, int ox, int oy, int sx, int sy, int rad, int bw)
{
    float cx = (float)(ox + sx * rad), cy = (float)(oy + sy * rad);
    if (rad > bw) return ui__ring(c, cx, cy, (float)(rad - bw), (float)rad, sx, sy);
    if (rad > 0 && !ui__ring(c, cx, cy, 0, (float)rad, sx, sy)) return false;
    ui__add_rect(rs, ox + sx * rad, oy, ox + sx * bw, oy + sy * rad);
    ui__add_rect(rs, ox, oy + sy * rad, ox + sx * bw, oy + sy * bw);
    return true;
}

/* Draws the rectangles and triangles built so far (nothing if building failed). */
static void ui__shape_draw(ui_canvas *c, const ui__rects *rs, bool ok)
{
    if (ok) {
        if (rs->n) SDL_RenderFillRects(c->r, rs->r, rs->n);
        if (c->nverts) SDL_RenderGeometry(c->r, NULL, c->verts, c->nverts, NULL, 0);
        if (c->naa) {
            SDL_SetRenderDrawBlendMode(c->r, SDL_BLENDMODE_BLEND);
            SDL_RenderGeometry(c->r, NULL, c->aa, c->naa, NULL, 0);
        }
    }
    c->nverts = c->naa = 0;
}

/* The four corners of d, radius rad, width w (w == rad: filled). */
static bool ui__corners(ui_canvas *c, ui__rects *rs, SDL_Rect d, int rad, int w)
{
    int x0 = d.x, y0 = d.y, x1 = d.x + d.w, y1 = d.y + d.h;
    return ui__corner(c, rs, x0, y0, 1, 1, rad, w) && ui__corner(c, rs, x1, y0, -1, 1, rad, w) &&
           ui__corner(c, rs, x1, y1, -1, -1, rad, w) && ui__corner(c, rs, x0, y1, 1, -1, rad, w);
}

/* A rounded rectangle in device pixels; rad is already capped. */
static void ui__rounded(ui_canvas *c, SDL_Rect d, int rad)
{
    int x0 = d.x, y0 = d.y, x1 = d.x + d.w, y1 = d.y + d.h;
    ui__rects rs = {.n = 0};
    ui__add_rect(&rs, x0 + rad, y0, x1 - rad, y1);
    ui__add_rect(&rs, x0, y0 + rad, x0 + rad, y1 - rad);
    ui__add_rect(&rs, x1 - rad, y0 + rad, x1, y1 - rad);
    ui__shape_draw(c, &rs, ui__corners(c, &rs, d, rad, rad));
}

static int ui__radius(const ui_canvas *c, SDL_Rect d, float radius)
{
    int rad = ui__px(radius * c->scale), half = (d.w < d.h ? d.w : d.h) / 2;
    return rad < 0 ? 0 : rad > half ? half : rad;
}

void ui_canvas_clear(ui_canvas *c, ui_color color)
{
    SDL_SetRenderDrawColor(c->r, color.r, color.g, color.b, color.a);
    SDL_RenderClear(c->r);
}

void ui_canvas_fill_rect(ui_canvas *c, ui_rect r, ui_color color)
{
    SDL_Rect d;
    if (!ui__on(c) || color.a == 0 || !ui__dev_rect(c, r, &d)) return;
    ui__use_color(c, color);
    SDL_RenderFillRect(c->r, &d);
}

void ui_canvas_fill_rounded_rect(ui_canvas *c, ui_rect r, float radius, ui_color color)
{
    SDL_Rect d;
    if (!ui__on(c) || color.a == 0 || !ui__dev_rect(c, r, &d)) return;
    ui__use_color(c, color);
    ui__rounded(c, d, ui__radius(c, d, radius));
}

void ui_canvas_stroke_rect(ui_canvas *c, ui_rect r, float width, float radius, ui_color color)
{
    SDL_Rect d;
    if (!ui__on(c) || color.a == 0 || !(width > 0) || !ui__dev_rect(c, r, &d)) return;
    ui__use_color(c, color);
    int rad = ui__radius(c, d, radius), bw = ui__px(width * c->scale);
    if (bw < 1) bw = 1;
    if (2 * bw >= d.w || 2 * bw >= d.h) {
        ui__rounded(c, d, rad); /* the border covers it all */
        return;
    }
    int x0 = d.x, y0 = d.y, x1 = d.x + d.w, y1 = d.y + d.h, b = rad > bw ? rad : bw;
    ui__rects rs = {.n = 0};
    ui__add_rect(&rs, x0 + b, y0, x1 - b, y0 + bw);
    ui__add_rect(&rs, x0 + b, y1 - bw, x1 - b, y1);
    ui__add_rect(&rs, x0, y0 + b, x0 + bw, y1 - b);
    ui__add_rect(&rs, x1 - bw, y0 + b, x1, y1 - b);
    ui__shape_draw(c, &rs, ui__corners(c, &rs, d, rad, bw));
}

void ui_canvas_line(ui_canvas *c, float x0, float y0, float x1, float y1, ui_color color)
{
    if (!ui__on(c) || color.a == 0) return;
    if (x0 == x1 || y0 == y1) {
        ui_rect r = {fminf(x0, x1), fminf(y0, y1), fabsf(x1 - x0) + 1, fabsf(y1 - y0) + 1};
        ui_canvas_fill_rect(c, r, color);
        return;
    }
    ui__use_color(c, color);
    float s = c->scale;
    if (s < 1.5f) { /* one device pixel wide: SDL's own line */
        SDL_RenderDrawLine(c->r, ui__px((x0 + c->cur.tx) * s), ui__px((y0 + c->cur.ty) * s),
                           ui__px((x1 + c->cur.tx) * s), ui__px((y1 + c->cur.ty) * s));
        return;
    }
    /* A quad one logical unit wide through the pixel centres, square caps. */
    float ax = (x0 + 0.5f + c->cur.tx) * s, ay = (y0 + 0.5f + c->cur.ty) * s;
    float bx = (x1 + 0.5f + c->cur.tx) * s, by = (y1 + 0.5f + c->cur.ty) * s;
    float dx = bx - ax, dy = by - ay, len = sqrtf(dx * dx + dy * dy);
    if (!(len > 0) || !ui__geo_reserve(c, 6)) return;
    float ux = dx / len * 0.5f * s, uy = dy / len * 0.5f * s, nx = -uy, ny = ux;
    ui__tri(c, ax - ux + nx, ay - uy + ny, ax - ux - nx, ay - uy - ny, bx + ux - nx, by + uy - ny);
    ui__tri(c, ax - ux + nx, ay - uy + ny, bx + ux - nx, by + uy - ny, bx + ux + nx, by + uy + ny);
    ui__rects none = {.n = 0};
    ui__shape_draw(c, &none, true);
}

void ui_canvas_arc_capped(ui_canvas *c, float cx, float cy, float radius, float thickness,
                          float start_rad, float end_rad, int cap, ui_color color)
{
    if (!ui__on(c) || color.a == 0 || !(thickness > 0) || !(radius >= 0)) return;
    float t0 = start_rad < end_rad ? start_rad : end_rad;
    float t1 = start_rad < end_rad ? end_rad : start_rad;
    if (!isfinite(t0) || !isfinite(t1) || t1 == t0) return;
    bool whole = t1 - t0 >= 2 * UI__PI;
    float s = c->scale;
    float ro = (radius + thickness / 2) * s, ri = (radius - thickness / 2) * s;
    if (!(ro <= 16384)) return;
    ui__use_color(c, color);
    float x = (cx + c->cur.tx) * s, y = (cy + c->cur.ty) * s;
    float rm = (ri + ro) / 2;
    ui__shape sh = {x,
                    y,
                    ri,
                    ro,
                    t0,
                    t1,
                    !whole,
                    cap == UI_CAP_ROUND,
                    x + rm * cosf(t0),
                    y + rm * sinf(t0),
                    x + rm * cosf(t1),
                    y + rm * sinf(t1)};
    int e = (int)ceilf(ro) + 1, ix = (int)floorf(x), iy = (int)floorf(y);
    ui__rects none = {.n = 0};
    bool ok = ui__raster(c, &sh, ix - e, iy - e, ix + e + 1, iy + e + 1);
    ui__shape_draw(c, &none, ok);
}

void ui_canvas_arc(ui_canvas *c, float cx, float cy, float radius, float thickness, float start_rad,
                   float end_rad, ui_color color)
{
    ui_canvas_arc_capped(c, cx, cy, radius, thickness, start_rad, end_rad, UI_CAP_BUTT, color);
}

/* ---- Clip and translation ---- */

static void ui__apply_clip(ui_canvas *c)
{
    if (!c->cur.has_clip)
        SDL_RenderSetClipRect(c->r, NULL);
    else if (!c->cur.clip_empty)
        SDL_RenderSetClipRect(c->r, &c->cur.clip);
}

static bool ui__push(ui_canvas *c, int kind)
{
    if (!c->lost && c->depth == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        ui__state *s = realloc(c->stack, cap * sizeof *s);
        if (s) {
            c->stack = s;
            c->cap = cap;
        }
    }
    if (c->lost || c->depth == c->cap) {
        c->lost++;
        return false;
    }
    c->stack[c->depth] = c->cur;
    c->stack[c->depth].kind = kind;
    c->depth++;
    return true;
}

static void ui__pop(ui_canvas *c, int kind, const char *func)
{
    if (c->lost) {
        c->lost--;
        return;
    }
    if (c->depth == 0) {
        misuse(func, "nothing to pop: no ui_canvas_push_clip or ui_canvas_save is open");
        return;
    }
    if (c->stack[c->depth - 1].kind != kind) {
        int top = c->stack[c->depth - 1].kind;
        misuse(func, top == UI__SAVE   ? "the latest push is a ui_canvas_save"
                     : top == UI__CLIP ? "the latest push is a ui_canvas_push_clip"
                                       : "the latest push is a ui_canvas_push_layer");
        return;
    }
    c->cur = c->stack[--c->depth];
    if (kind == UI__CLIP) ui__apply_clip(c);
}

void ui_canvas_push_clip(ui_canvas *c, ui_rect r)
{
    if (!ui__push(c, UI__CLIP)) return;
    SDL_Rect d;
    bool some = ui__dev_rect(c, r, &d);
    if (some && c->cur.has_clip)
        some = !c->cur.clip_empty && SDL_IntersectRect(&c->cur.clip, &d, &d);
    c->cur.has_clip = true;
    c->cur.clip_empty = !some;
    if (some) c->cur.clip = d;
    ui__apply_clip(c);
}

void ui_canvas_pop_clip(ui_canvas *c)
{
    ui__pop(c, UI__CLIP, __func__);
}

void ui_canvas_save(ui_canvas *c)
{
    ui__push(c, UI__SAVE);
}

void ui_canvas_restore(ui_canvas *c)
{
    ui__pop(c, UI__SAVE, __func__);
}

void ui_canvas_translate(ui_canvas *c, float dx, float dy)
{
    c->cur.tx += dx;
    c->cur.ty += dy;
}

/* ---- Text ---- */

/* utf8[0..len) in the scratch buffer, NUL-terminated, with each maximal
 * invalid subsequence and each NUL replaced by U+FFFD; NULL without memory.
 * *n is its length; *ascii says whether it is all ASCII. */
static const char *ui__sanitize(ui_canvas *c, const char *s, size_t len, size_t *n_out, bool *ascii)
{
    if (len > (SIZE_MAX - 1) / 3) return NULL;
    size_t need = 3 * len + 1;
    if (need > c->scratch_cap) {
        char *p = realloc(c->scratch, need);
        if (!p) return NULL;
        c->scratch = p;
        c->scratch_cap = need;
    }
    const unsigned char *u = (const unsigned char *)s;
    char *o = c->scratch;
    size_t i = 0;
    bool only_ascii = true;
    while (i < len) {
        unsigned char b = u[i];
        if (b >= 0x01 && b < 0x80) {
            *o++ = (char)b;
            i++;
            continue;
        }
        only_ascii = false;
        size_t n = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF)
            n = 2;
        else if (b == 0xE0)
            n = 3, lo = 0xA0;
        else if (b == 0xED)
            n = 3, hi = 0x9F; /* no surrogates */
        else if (b >= 0xE1 && b <= 0xEF)
            n = 3;
        else if (b == 0xF0)
            n = 4, lo = 0x90;
        else if (b >= 0xF1 && b <= 0xF3)
            n = 4;
        else if (b == 0xF4)
            n = 4, hi = 0x8F; /* up to U+10FFFF */
        size_t k = 1;
        while (k < n && i + k < len && u[i + k] >= lo && u[i + k] <= hi) {
            lo = 0x80;
            hi = 0xBF;
            k++;
        }
        if (n && k == n) {
            memcpy(o, u + i, n);
            o += n;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
        i += k;
    }
    *o = 0;
    *n_out = (size_t)(o - c->scratch);
    *ascii = only_ascii;
    return c->scratch;
}

static int ui__font_px(const ui_canvas *c, float size)
{
    float px = size * c->scale;
    if (!(px >= 0.5f)) return 0;
    return px > UI__FONT_PX_MAX ? UI__FONT_PX_MAX : (int)lroundf(px);
}

/* The font for (px, face), opened on first use; the least recently used of
 * UI__FONTS_MAX is closed to make room. NULL if it cannot be opened. */
static TTF_Font *ui__font(ui_canvas *c, int px, int face)
{
    c->font_clock++;
    int slot = 0;
    for (int i = 0; i < c->nfonts; i++) {
        if (c->fonts[i].px == px && c->fonts[i].face == face) {
            c->fonts[i].used = c->font_clock;
            return c->fonts[i].font;
        }
        if (c->fonts[i].used < c->fonts[slot].used) slot = i;
    }
    TTF_Font *f = ui__font_open(face, px);
    if (!f) return NULL;
    if (c->nfonts < UI__FONTS_MAX)
        slot = c->nfonts++;
    else
        TTF_CloseFont(c->fonts[slot].font);
    c->fonts[slot] = (ui__font_slot){f, px, face, c->font_clock};
    return f;
}

static int ui__primary(bool bold)
{
    return bold ? UI__FACE_BOLD : UI__FACE_REGULAR;
}

/* ---- Runs: which font draws which characters ---- */

/* The code point at s[*i] (valid UTF-8), moving *i past it. */
static uint32_t ui__decode(const char *s, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    if (u[0] < 0x80) {
        *i += 1;
        return u[0];
    }
    if (u[0] < 0xE0) {
        *i += 2;
        return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
    }
    if (u[0] < 0xF0) {
        *i += 3;
        return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    }
    *i += 4;
    return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
           (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
}

/* Joiners and variation selectors shape with the character before them, so
 * they stay in its run whatever font has them. */
static bool ui__joins(uint32_t cp)
{
    return cp == 0x200C || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xE0100 && cp <= 0xE01EF);
}

static bool ui__run_add(ui_canvas *c, int *n, size_t off, size_t len, int face)
{
    if (*n > 0 && c->runs[*n - 1].face == face) {
        c->runs[*n - 1].len += len;
        return true;
    }
    if (*n == c->runs_cap) {
        int cap = c->runs_cap ? 2 * c->runs_cap : 8;
        ui__run *r = realloc(c->runs, (size_t)cap * sizeof *r);
        if (!r) return false;
        c->runs = r;
        c->runs_cap = cap;
    }
    c->runs[(*n)++] = (ui__run){off, len, face, 0};
    return true;
}

/* Whether primary face (UI__FACE_REGULAR or _BOLD) has cp: the answer for
 * the two-byte UTF-8 range (Latin, Greek, Cyrillic...) is kept per canvas,
 * so accented text costs no FreeType look-up; *f is the font, opened on
 * first need. Without a font, yes (nothing else would draw it either). */
static bool ui__primary_has(ui_canvas *c, TTF_Font **f, int px, int primary, uint32_t cp)
{
    uint32_t bit = 1u << (cp & 31), *known = c->cover_known[primary], *has = c->cover_has[primary];
    if (cp < UI__COVER_MAX && (known[cp >> 5] & bit)) return has[cp >> 5] & bit;
    if (!*f) *f = ui__font(c, px, primary);
    if (!*f) return true;
    bool yes = TTF_GlyphIsProvided32(*f, cp);
    if (cp < UI__COVER_MAX) {
        known[cp >> 5] |= bit;
        if (yes) has[cp >> 5] |= bit;
    }
    return yes;
}

/* Splits the scratch's n bytes into runs of one face each: the primary
 * font's where it has the glyph, else the fallback fontconfig found (else
 * the primary's missing-glyph box). The count of runs; 0 when the primary
 * font draws it all (all-ASCII text is not examined) or without memory. */
static int ui__runs(ui_canvas *c, size_t n, bool ascii, int px, bool bold)
{
    if (ascii) return 0;
    int primary = ui__primary(bold), nr = 0, cur = primary;
    TTF_Font *f = NULL;
    for (size_t i = 0; i < n;) {
        if (nr == 0 && (unsigned char)c->scratch[i] < 0x80) { /* all primary so far */
            i++;
            continue;
        }
        size_t at = i;
        uint32_t cp = ui__decode(c->scratch, &i);
        int face = primary;
        if (at > 0 && ui__joins(cp)) {
            face = cur;
        } else if (cp >= 0x80 && !ui__primary_has(c, &f, px, primary, cp)) {
            int fb = ui__font_fallback(cp, bold);
            if (fb >= 0) face = fb;
        }
        cur = face;
        if (nr == 0 && face == primary) continue;
        if (nr == 0 && at > 0 && !ui__run_add(c, &nr, 0, at, primary)) return 0;
        if (!ui__run_add(c, &nr, at, i - at, face)) return 0;
    }
    return nr;
}

/* Calls TTF_SizeUTF8 or TTF_RenderUTF8_Blended on run r alone: its end is
 * NUL-terminated in the scratch for the call. */
static SDL_Surface *ui__run_ttf(ui_canvas *c, const ui__run *r, TTF_Font *f, int *w, SDL_Color *k)
{
    char *end = c->scratch + r->off + r->len, save = *end;
    *end = 0;
    SDL_Surface *s = NULL;
    int h;
    if (w && TTF_SizeUTF8(f, c->scratch + r->off, w, &h) != 0) *w = 0;
    if (k) s = TTF_RenderUTF8_Blended(f, c->scratch + r->off, *k);
    *end = save;
    return s;
}

/* Sets each run's width (device pixels) and returns their sum: runs are
 * measured and drawn apart, side by side, so the sum is the drawn width. */
static int ui__runs_width(ui_canvas *c, int nr, int px)
{
    int sum = 0;
    for (int i = 0; i < nr; i++) {
        ui__run *r = &c->runs[i];
        TTF_Font *f = ui__font(c, px, r->face);
        r->w = 0;
        if (f) ui__run_ttf(c, r, f, &r->w, NULL);
        sum += r->w;
    }
    return sum;
}

/* The runs drawn side by side on the primary font's baseline, in a surface
 * as wide as they measure and as high as the primary font's line; NULL on
 * failure or zero width (as TTF_RenderUTF8_Blended). */
static SDL_Surface *ui__runs_render(ui_canvas *c, int nr, int px, bool bold, SDL_Color k)
{
    TTF_Font *pf = ui__font(c, px, ui__primary(bold));
    if (!pf) return NULL;
    int ascent = TTF_FontAscent(pf), h = TTF_FontHeight(pf), w = ui__runs_width(c, nr, px);
    SDL_Surface *out =
        w > 0 ? SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888) : NULL;
    if (!out) return NULL;
    SDL_FillRect(out, NULL, SDL_MapRGBA(out->format, k.r, k.g, k.b, 0)); /* as SDL_ttf clears */
    int x = 0;
    for (int i = 0; i < nr; i++) {
        const ui__run *r = &c->runs[i];
        TTF_Font *f = r->w > 0 ? ui__font(c, px, r->face) : NULL;
        SDL_Surface *s = f ? ui__run_ttf(c, r, f, NULL, &k) : NULL;
        if (s) { /* copied, not blended: runs do not overlap */
            SDL_SetSurfaceBlendMode(s, SDL_BLENDMODE_NONE);
            SDL_Rect from = {0, 0, r->w, s->h}, d = {x, ascent - TTF_FontAscent(f), r->w, s->h};
            SDL_BlitSurface(s, &from, out, &d);
            SDL_FreeSurface(s);
        }
        x += r->w;
    }
    return out;
}

static uint64_t ui__text_hash(const char *s, size_t len, int px, bool bold, ui_color k)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    h ^= (uint64_t)px << 33 | (uint64_t)bold << 32 | (uint64_t)k.r << 24 | (uint64_t)k.g << 16 |
         (uint64_t)k.b << 8 | (uint64_t)k.a;
    h ^= h >> 29; /* a finaliser, so the low bits pick buckets well */
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return h;
}

static void ui__lru_unlink(ui_canvas *c, ui__text *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void ui__lru_front(ui_canvas *c, ui__text *e)
{
    e->prev = NULL;
    e->next = c->lru_head;
    if (c->lru_head)
        c->lru_head->prev = e;
    else
        c->lru_tail = e;
    c->lru_head = e;
}

static void ui__text_evict(ui_canvas *c, ui__text *e)
{
    ui__text **p = &c->buckets[e->hash & (UI__TEXT_BUCKETS - 1)];
    while (*p != e)
        p = &(*p)->bucket_next;
    *p = e->bucket_next;
    ui__lru_unlink(c, e);
    c->stats.text_entries--;
    c->text_pixels -= (long)e->w * e->h;
    SDL_DestroyTexture(e->tex);
    free(e);
}

/* Throws the fonts and the rendered text away when the primary fonts have
 * changed (ui_set_font_file). */
static void ui__fonts_check(ui_canvas *c)
{
    unsigned g = ui__fonts_generation();
    if (c->font_generation == g) return;
    c->font_generation = g;
    while (c->lru_head) {
        /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): evict unlinks the head first */
        ui__text_evict(c, c->lru_head);
    }
    for (int i = 0; i < c->nfonts; i++)
        TTF_CloseFont(c->fonts[i].font);
    c->nfonts = 0;
    memset(c->cover_known, 0, sizeof c->cover_known);
    memset(c->cover_has, 0, sizeof c->cover_has);
}

/* The cached rendering of the string, rendering it on a miss; NULL on failure. */
static ui__text *ui__text_get(ui_canvas *c, const char *s, size_t len, int px, bool bold,
                              ui_color k)
{
    ui__fonts_check(c);
    if (!c->buckets) {
        c->buckets = calloc(UI__TEXT_BUCKETS, sizeof *c->buckets);
        if (!c->buckets) return NULL;
    }
    uint64_t h = ui__text_hash(s, len, px, bold, k);
    ui__text **bucket = &c->buckets[h & (UI__TEXT_BUCKETS - 1)];
    for (ui__text *e = *bucket; e; e = e->bucket_next) {
        if (e->hash == h && e->len == len && e->px == px && e->bold == bold && e->color.r == k.r &&
            e->color.g == k.g && e->color.b == k.b && e->color.a == k.a &&
            memcmp(e->bytes, s, len) == 0) {
            ui__lru_unlink(c, e);
            ui__lru_front(c, e);
            c->stats.text_hits++;
            return e;
        }
    }
    size_t n;
    bool ascii;
    const char *clean = ui__sanitize(c, s, len, &n, &ascii);
    if (!clean) return NULL;
    int nr = ui__runs(c, n, ascii, px, bold);
    SDL_Color col = {k.r, k.g, k.b, k.a};
    SDL_Surface *surf;
    if (nr == 0) { /* the common case: one font */
        TTF_Font *font = ui__font(c, px, ui__primary(bold));
        surf = font ? TTF_RenderUTF8_Blended(font, clean, col) : NULL;
    } else {
        surf = ui__runs_render(c, nr, px, bold, col);
    }
    if (!surf) return NULL;
    c->stats.text_renders++;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(c->r, surf);
    int w = surf->w, th = surf->h;
    SDL_FreeSurface(surf);
    ui__text *e = tex ? malloc(sizeof *e + len) : NULL;
    if (!e) {
        if (tex) SDL_DestroyTexture(tex);
        return NULL;
    }
    *e = (ui__text){*bucket, NULL, NULL, h, tex, w, th, px, bold, k, len};
    memcpy(e->bytes, s, len);
    *bucket = e;
    ui__lru_front(c, e);
    c->stats.text_entries++;
    c->text_pixels += (long)w * th;
    while (c->lru_tail != e && (c->stats.text_entries > UI_CANVAS_TEXT_CACHE_MAX ||
                                c->text_pixels > UI_CANVAS_TEXT_CACHE_PIXELS))
        ui__text_evict(c, c->lru_tail); /* NOLINT(clang-analyzer-unix.Malloc): tail->next is NULL */
    return e;
}

/* The output size in device pixels. */
static void ui__output_size(ui_canvas *c, int *w, int *h)
{
    *w = *h = 0;
    if (c->surface) {
        *w = c->surface->w;
        *h = c->surface->h;
    } else {
        SDL_GetRendererOutputSize(c->r, w, h);
    }
}

void ui_canvas_text(ui_canvas *c, const char *utf8, size_t len, float size, bool bold,
                    ui_color color, float x, float y)
{
    if (!ui__on(c) || !utf8 || len == 0 || color.a == 0) return;
    int px = ui__font_px(c, size);
    if (px == 0) return;
    int dx = ui__px((x + c->cur.tx) * c->scale), dy = ui__px((y + c->cur.ty) * c->scale);
    /* Text runs right and down from (dx, dy): skip it when that is all unseen. */
    int ow, oh;
    ui__output_size(c, &ow, &oh);
    if (dx >= ow || dy >= oh) return;
    if (c->cur.has_clip &&
        (dx >= c->cur.clip.x + c->cur.clip.w || dy >= c->cur.clip.y + c->cur.clip.h))
        return;
    ui__text *e = ui__text_get(c, utf8, len, px, bold, color);
    if (!e) return;
    SDL_Rect d = {dx, dy, e->w, e->h};
    SDL_RenderCopy(c->r, e->tex, NULL, &d);
}

void ui_text_measure(ui_canvas *c, const char *utf8, size_t len, float size, bool bold, float *w,
                     float *h)
{
    float mw = 0, mh = 0;
    ui__fonts_check(c);
    int px = ui__font_px(c, size);
    TTF_Font *font = px ? ui__font(c, px, ui__primary(bold)) : NULL;
    if (font) {
        int iw = 0, ih = TTF_FontHeight(font);
        size_t n;
        bool ascii;
        const char *clean = utf8 && len ? ui__sanitize(c, utf8, len, &n, &ascii) : NULL;
        int nr = clean ? ui__runs(c, n, ascii, px, bold) : 0;
        if (nr > 0) /* font may be closed by then: ih is read */
            iw = ui__runs_width(c, nr, px);
        else if (clean && TTF_SizeUTF8(font, clean, &iw, &ih) != 0)
            iw = 0;
        mw = (float)iw / c->scale;
        mh = (float)ih / c->scale;
    }
    if (w) *w = mw;
    if (h) *h = mh;
}

/* ---- Images ---- */

static SDL_Texture *ui__image_texture(ui_canvas *c, const uint32_t *rgba, int w, int h)
{
    SDL_Texture *t =
        SDL_CreateTexture(c->r, SDL_PIXELFORMAT_RGBA8888, SDL_TEXTUREACCESS_STATIC, w, h);
    if (!t) return NULL;
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    if (SDL_UpdateTexture(t, NULL, rgba, w * 4) != 0) {
        SDL_DestroyTexture(t);
        return NULL;
    }
    return t;
}

static void ui__image_draw(ui_canvas *c, SDL_Texture *t, int w, int h, const SDL_Rect *d)
{
    SDL_SetTextureScaleMode(t, d->w == w && d->h == h ? SDL_ScaleModeNearest : SDL_ScaleModeLinear);
    SDL_RenderCopy(c->r, t, NULL, d);
}

void ui_canvas_image(ui_canvas *c, const uint32_t *rgba, int w, int h, ui_rect dst)
{
    SDL_Rect d;
    if (!ui__on(c) || !rgba || w <= 0 || h <= 0 || w > 65536 || !ui__dev_rect(c, dst, &d)) return;
    SDL_Texture *t = ui__image_texture(c, rgba, w, h);
    if (!t) return;
    ui__image_draw(c, t, w, h, &d);
    SDL_DestroyTexture(t);
}

void ui_canvas_image_cached(ui_canvas *c, const uint32_t *rgba, int w, int h, uint64_t version,
                            ui_rect dst)
{
    SDL_Rect d;
    if (!ui__on(c) || !rgba || w <= 0 || h <= 0 || w > 65536 || !ui__dev_rect(c, dst, &d)) return;
    struct ui__image *slot = &c->images[0]; /* the match, else empty or least recent */
    bool hit = false;
    for (int i = 0; i < UI_CANVAS_IMAGES_MAX && !hit; i++) {
        struct ui__image *im = &c->images[i];
        hit = im->tex && im->rgba == rgba && im->w == w && im->h == h && im->version == version;
        if (hit || !im->tex || (slot->tex && im->used < slot->used)) slot = im;
    }
    if (!hit) {
        if (slot->tex) SDL_DestroyTexture(slot->tex);
        *slot = (struct ui__image){rgba, w, h, version, ui__image_texture(c, rgba, w, h), 0};
        if (!slot->tex) return;
        c->stats.image_uploads++;
    }
    slot->used = ++c->image_clock;
    ui__image_draw(c, slot->tex, w, h, &d);
}

/* ---- Layers ---- */

struct ui_canvas_layer {
    SDL_Texture *tex;
    int w, h;          /* device pixels */
    float fx, fy;      /* where r began within its first device pixel */
    bool premul;       /* composited premultiplied, else un-premultiplied at the end */
    SDL_Texture *prev; /* the target while painting it */
    ui__state saved;   /* the canvas state outside it */
};

/* Where r (translated) starts in device pixels: the whole pixel and the rest. */
static void ui__layer_origin(const ui_canvas *c, ui_rect r, int *ox, int *oy, float *fx, float *fy)
{
    float dx = (r.x + c->cur.tx) * c->scale, dy = (r.y + c->cur.ty) * c->scale;
    float fox = floorf(dx), foy = floorf(dy);
    *ox = (int)fox;
    *oy = (int)foy;
    *fx = dx - fox;
    *fy = dy - foy;
}

static void ui__layer_size(const ui_canvas *c, ui_rect r, float fx, float fy, int *w, int *h)
{
    *w = (int)ceilf(fx + r.w * c->scale);
    *h = (int)ceilf(fy + r.h * c->scale);
}

bool ui_canvas_layer_fits(const ui_canvas *c, const ui_canvas_layer *l, ui_rect r)
{
    if (!l || !l->tex) return false;
    int ox, oy, w, h;
    float fx, fy;
    ui__layer_origin(c, r, &ox, &oy, &fx, &fy);
    ui__layer_size(c, r, fx, fy, &w, &h);
    return w == l->w && h == l->h && fabsf(fx - l->fx) < 1e-3f && fabsf(fy - l->fy) < 1e-3f;
}

/* Drawing into a transparent texture leaves premultiplied colours; a blend
 * mode for them where the renderer has one (not the software renderer). */
static SDL_BlendMode ui__premultiplied(void)
{
    return SDL_ComposeCustomBlendMode(SDL_BLENDFACTOR_ONE, SDL_BLENDFACTOR_ONE_MINUS_SRC_ALPHA,
                                      SDL_BLENDOPERATION_ADD, SDL_BLENDFACTOR_ONE,
                                      SDL_BLENDFACTOR_ONE_MINUS_SRC_ALPHA, SDL_BLENDOPERATION_ADD);
}

static bool ui__layer_texture(ui_canvas *c, ui_canvas_layer *l, int w, int h)
{
    if (l->tex && l->w == w && l->h == h) return true;
    if (l->tex) SDL_DestroyTexture(l->tex);
    l->tex = SDL_CreateTexture(c->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, w, h);
    if (!l->tex) return false;
    l->w = w;
    l->h = h;
    l->premul = SDL_SetTextureBlendMode(l->tex, ui__premultiplied()) == 0;
    if (!l->premul) SDL_SetTextureBlendMode(l->tex, SDL_BLENDMODE_BLEND);
    return true;
}

bool ui_canvas_layer_begin(ui_canvas *c, ui_canvas_layer **lp, ui_rect r)
{
    if (!(r.w > 0) || !(r.h > 0) || r.w * c->scale > 16384 || r.h * c->scale > 16384) return false;
    ui_canvas_layer *l = *lp ? *lp : calloc(1, sizeof *l);
    if (!l) return false;
    *lp = l;
    int ox, oy, w, h;
    float fx, fy;
    ui__layer_origin(c, r, &ox, &oy, &fx, &fy);
    ui__layer_size(c, r, fx, fy, &w, &h);
    SDL_Texture *prev = SDL_GetRenderTarget(c->r);
    if (!ui__layer_texture(c, l, w, h) || SDL_SetRenderTarget(c->r, l->tex) != 0) return false;
    l->prev = prev;
    l->fx = fx;
    l->fy = fy;
    l->saved = c->cur;
    c->cur.tx = fx / c->scale - r.x;
    c->cur.ty = fy / c->scale - r.y;
    c->cur.has_clip = c->cur.clip_empty = false;
    SDL_RenderSetClipRect(c->r, NULL);
    SDL_SetRenderDrawBlendMode(c->r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(c->r, 0, 0, 0, 0);
    SDL_RenderClear(c->r);
    c->stats.layer_paints++;
    return true;
}

/* Straight alpha again, for a renderer without a premultiplied blend mode. */
static void ui__unpremultiply(ui_canvas *c, ui_canvas_layer *l)
{
    int pitch = l->w * 4;
    uint32_t *px = malloc((size_t)pitch * (size_t)l->h);
    if (!px) return;
    if (SDL_RenderReadPixels(c->r, NULL, SDL_PIXELFORMAT_ARGB8888, px, pitch) == 0) {
        uint32_t all = 0xffu;
        for (size_t i = 0, n = (size_t)l->w * (size_t)l->h; i < n; i++) {
            uint32_t p = px[i], a = p >> 24;
            all &= a;
            if (a == 0 || a == 255) continue;
            uint32_t out = a << 24;
            for (int sh = 0; sh < 24; sh += 8) {
                uint32_t v = (((p >> sh) & 255) * 255 + a / 2) / a;
                out |= (v > 255 ? 255 : v) << sh;
            }
            px[i] = out;
        }
        SDL_SetRenderTarget(c->r, l->prev);
        SDL_UpdateTexture(l->tex, NULL, px, pitch);
        /* Opaque throughout (a list item with a background, say): drawn as
         * a copy, which the software renderer does ten times faster than a
         * blend (scroll_frame_1k: 25 items composited a frame). */
        SDL_SetTextureBlendMode(l->tex, all == 0xffu ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    }
    free(px);
}

void ui_canvas_layer_end(ui_canvas *c, ui_canvas_layer *l)
{
    if (!l->premul) ui__unpremultiply(c, l);
    SDL_SetRenderTarget(c->r, l->prev);
    c->cur = l->saved;
    if (c->cur.has_clip && c->cur.clip_empty)
        SDL_RenderSetClipRect(c->r, &(SDL_Rect){0, 0, 0, 0});
    else
        ui__apply_clip(c);
}

void ui_canvas_layer_draw(ui_canvas *c, const ui_canvas_layer *l, ui_rect r)
{
    if (!ui__on(c) || !l || !l->tex) return;
    int ox, oy;
    float fx, fy;
    ui__layer_origin(c, r, &ox, &oy, &fx, &fy);
    SDL_Rect d = {ox, oy, l->w, l->h};
    SDL_SetTextureScaleMode(l->tex, SDL_ScaleModeNearest);
    SDL_RenderCopy(c->r, l->tex, NULL, &d);
    c->stats.layer_draws++;
}

void ui_canvas_layer_free(ui_canvas_layer *l)
{
    if (!l) return;
    if (l->tex) SDL_DestroyTexture(l->tex);
    free(l);
}

/* ---- Creating and freeing ---- */

static ui_canvas *ui__new(float scale)
{
    if (!(scale > 0) || !isfinite(scale)) {
        SDL_SetError("ui_canvas: scale must be positive");
        return NULL;
    }
    if (!ui__libs_acquire()) return NULL;
    ui_canvas *c = calloc(1, sizeof *c);
    if (!c) {
        SDL_OutOfMemory();
        ui__libs_release();
        return NULL;
    }
    c->scale = scale;
    c->font_generation = ui__fonts_generation();
    return c;
}

ui_canvas *ui_canvas_new_offscreen(int width, int height, float scale)
{
    if (width <= 0 || height <= 0) {
        SDL_SetError("ui_canvas: size must be positive");
        return NULL;
    }
    ui_canvas *c = ui__new(scale);
    if (!c) return NULL;
    c->surface = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
    c->r = c->surface ? SDL_CreateSoftwareRenderer(c->surface) : NULL;
    if (!c->r) {
        ui_canvas_free(c);
        return NULL;
    }
    c->blit_shapes = true;
    return c;
}

ui_canvas *ui_canvas_new_for_renderer(SDL_Renderer *r, float scale)
{
    if (!r) {
        SDL_SetError("ui_canvas: no renderer");
        return NULL;
    }
    ui_canvas *c = ui__new(scale);
    if (!c) return NULL;
    c->r = r;
    SDL_RendererInfo info;
    c->blit_shapes = SDL_GetRendererInfo(r, &info) == 0 && (info.flags & SDL_RENDERER_SOFTWARE);
    return c;
}

const char *ui_canvas_font_file(ui_canvas *c, bool bold)
{
    if (!c) {
        misuse(__func__, "no canvas");
        return NULL;
    }
    ui__fonts_check(c);
    /* Opening it finds out whether the app's file works. */
    if (!ui__font(c, 16, ui__primary(bold))) return NULL;
    return ui__font_file(ui__primary(bold));
}

void ui_canvas_free(ui_canvas *c)
{
    if (!c) return;
    if (c->mask_tex) SDL_DestroyTexture(c->mask_tex); /* before its renderer goes */
    while (c->lru_head)
        ui__text_evict(c, c->lru_head);
    free(c->buckets);
    for (int i = 0; i < c->nfonts; i++)
        TTF_CloseFont(c->fonts[i].font);
    if (c->surface) {
        if (c->r) SDL_DestroyRenderer(c->r);
        SDL_FreeSurface(c->surface);
    } else if (c->r) {
        SDL_RenderSetClipRect(c->r, NULL);
    }
    for (int i = 0; i < UI_CANVAS_IMAGES_MAX; i++)
        if (c->images[i].tex) SDL_DestroyTexture(c->images[i].tex);
    for (int i = 0; i < c->nlayers; i++)
        if (c->layers[i].tex) SDL_DestroyTexture(c->layers[i].tex);
    free(c->stack);
    free(c->scratch);
    free(c->runs);
    free(c->mask);
    free(c->verts);
    free(c->aa);
    free(c);
    ui__libs_release();
}

float ui_canvas_scale(const ui_canvas *c)
{
    return c->scale;
}

void ui_canvas_size(ui_canvas *c, float *w, float *h)
{
    int ow, oh;
    ui__output_size(c, &ow, &oh);
    if (w) *w = (float)ow / c->scale;
    if (h) *h = (float)oh / c->scale;
}

/* ---- Stats, pixels, presenting ---- */

void ui_canvas_get_stats(const ui_canvas *c, ui_canvas_stats *out)
{
    *out = c->stats;
}

ui_color ui_canvas_pixel(ui_canvas *c, int x, int y)
{
    ui_color k = {0, 0, 0, 0};
    SDL_Surface *s = c->surface;
    if (!s) {
        misuse(__func__, "not an offscreen canvas");
        return k;
    }
    if (x < 0 || y < 0 || x >= s->w || y >= s->h) {
        misuse(__func__, "pixel out of bounds");
        return k;
    }
    SDL_RenderFlush(c->r);
    if (SDL_MUSTLOCK(s) && SDL_LockSurface(s) != 0) return k;
    Uint32 p;
    memcpy(&p, (const Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch + (size_t)x * 4, 4);
    if (SDL_MUSTLOCK(s)) SDL_UnlockSurface(s);
    SDL_GetRGBA(p, s->format, &k.r, &k.g, &k.b, &k.a);
    return k;
}

SDL_Surface *ui_canvas_surface(ui_canvas *c)
{
    if (c->surface) SDL_RenderFlush(c->r);
    return c->surface;
}

void ui_canvas_present(ui_canvas *c)
{
    if (c->depth || c->lost) misuse(__func__, "a ui_canvas_push_clip or ui_canvas_save is open");
    if (c->surface)
        SDL_RenderFlush(c->r);
    else
        SDL_RenderPresent(c->r);
}

/* ---- Layers: opacity, rounded clips and transforms ----
 * A layer is a target texture as big as the output, cleared transparent;
 * drawing goes there until the pop, which composites it with SDL_RenderCopyExF
 * (alpha modulation, a scaled and rotated destination). Content drawn
 * translucent into a layer blends with its transparent black, so it comes
 * out slightly darker than drawn directly (SDL's software renderer has no
 * premultiplied blending). */

void ui_canvas_push_layer(ui_canvas *c)
{
    if (!ui__push(c, UI__LAYER)) return;
    if (c->nlayers == UI_CANVAS_LAYERS_MAX) {
        c->lost_layers++;
        return;
    }
    struct ui__layer *l = &c->layers[c->nlayers++];
    int w, h;
    ui__output_size(c, &w, &h);
    l->prev = SDL_GetRenderTarget(c->r);
    l->tex = SDL_RenderTargetSupported(c->r) && w > 0 && h > 0
                 ? SDL_CreateTexture(c->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, w, h)
                 : NULL;
    if (!l->tex || SDL_SetRenderTarget(c->r, l->tex) != 0) {
        if (l->tex) SDL_DestroyTexture(l->tex);
        l->tex = NULL; /* no layer: drawing goes on directly, unmodified */
        return;
    }
    SDL_SetTextureBlendMode(l->tex, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawBlendMode(c->r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(c->r, 0, 0, 0, 0);
    SDL_RenderClear(c->r);
    ui__apply_clip(c);
}

/* Cuts the corners of r out of the layer being drawn (the target), round
 * and anti-aliased: each corner square is read back, its pixels scaled by
 * how much of them lies inside the corner's circle, and written back. */
static void ui__layer_round(ui_canvas *c, SDL_Texture *tex, ui_rect r, float radius)
{
    SDL_Rect d;
    if (!ui__dev_rect(c, r, &d)) return;
    int rad = ui__radius(c, d, radius);
    if (rad <= 0) return;
    uint32_t *px = malloc((size_t)rad * (size_t)rad * sizeof *px);
    if (!px) return; /* square corners rather than none at all */
    SDL_RenderSetClipRect(c->r, NULL);
    const int sx[4] = {0, 1, 0, 1}, sy[4] = {0, 0, 1, 1};
    for (int k = 0; k < 4; k++) {
        SDL_Rect q = {sx[k] ? d.x + d.w - rad : d.x, sy[k] ? d.y + d.h - rad : d.y, rad, rad};
        ui__shape disc = {.cx = (float)(sx[k] ? q.x : q.x + rad),
                          .cy = (float)(sy[k] ? q.y : q.y + rad),
                          .ri = -1,
                          .ro = (float)rad};
        if (SDL_RenderReadPixels(c->r, &q, SDL_PIXELFORMAT_ARGB8888, px, rad * 4) != 0) continue;
        for (int j = 0; j < rad; j++)
            for (int i = 0; i < rad; i++) {
                float cov = ui__cover(&disc, (float)(q.x + i) + 0.5f, (float)(q.y + j) + 0.5f);
                uint32_t v = px[j * rad + i], out = 0;
                for (int b = 0; b < 32; b += 8)
                    out |= (uint32_t)lroundf((float)(v >> b & 0xff) * cov) << b;
                px[j * rad + i] = out;
            }
        SDL_UpdateTexture(tex, &q, px, rad * 4);
    }
    free(px);
}

void ui_canvas_pop_layer(ui_canvas *c, const ui_canvas_effect *how)
{
    bool lost = c->lost > 0, over = !lost && c->lost_layers > 0;
    if (over) c->lost_layers--;
    struct ui__layer l = {NULL, NULL};
    if (!lost && !over && c->depth && c->stack[c->depth - 1].kind == UI__LAYER && c->nlayers)
        l = c->layers[--c->nlayers];
    if (l.tex && how && how->radius > 0) ui__layer_round(c, l.tex, how->rrect, how->radius);
    ui__pop(c, UI__LAYER, __func__);
    if (!l.tex) return;
    SDL_SetRenderTarget(c->r, l.prev);
    ui__apply_clip(c);
    ui_canvas_effect id = {.alpha = 1, .sx = 1, .sy = 1};
    const ui_canvas_effect *k = how ? how : &id;
    float alpha = k->alpha < 0 ? 0 : k->alpha > 1 ? 1 : k->alpha;
    if (ui__on(c) && alpha > 0 && k->sx > 0 && k->sy > 0) {
        int w, h;
        SDL_QueryTexture(l.tex, NULL, NULL, &w, &h);
        float s = c->scale, ox = (k->ox + c->cur.tx) * s, oy = (k->oy + c->cur.ty) * s;
        SDL_FRect dst = {ox - k->sx * ox + k->tx * s, oy - k->sy * oy + k->ty * s, k->sx * (float)w,
                         k->sy * (float)h};
        SDL_FPoint centre = {k->sx * ox, k->sy * oy};
        SDL_SetTextureAlphaMod(l.tex, (Uint8)lroundf(alpha * 255));
        bool moved = k->angle_rad != 0 || k->sx != 1 || k->sy != 1;
        SDL_SetTextureScaleMode(l.tex, moved ? SDL_ScaleModeLinear : SDL_ScaleModeNearest);
        SDL_RenderCopyExF(c->r, l.tex, NULL, &dst, (double)k->angle_rad * 180.0 / UI__PI, &centre,
                          SDL_FLIP_NONE);
    }
    SDL_DestroyTexture(l.tex);
}
