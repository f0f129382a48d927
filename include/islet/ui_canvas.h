/* ui_canvas.h: the painting layer: rectangles, rounded rectangles, borders,
 * lines, arcs, text and images on an SDL renderer.
 *
 * Coordinates are logical units (points); a canvas multiplies them by its
 * scale to get device pixels, and snaps shapes to whole device pixels, so a
 * rectangle on integer coordinates at scale 1 fills exactly its pixels. A
 * translation offset and a clip rectangle apply to every drawing call.
 * Colors are straight (not premultiplied) RGBA; alpha below 255 blends.
 *
 * Threads: everything here, including creating and freeing canvases, runs on
 * one thread (the main isolate's), as SDL rendering and SDL_ttf require.
 */
#ifndef UI_CANVAS_H
#define UI_CANVAS_H

#include <islet/rt_export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

typedef struct ui_color {
    uint8_t r, g, b, a;
} ui_color;

/* What a window (and a tester) clears to before each frame. */
#define UI_BACKGROUND ((ui_color){245, 246, 250, 255})

typedef struct ui_rect {
    float x, y, w, h;
} ui_rect;

typedef struct ui_canvas ui_canvas;

/* The text cache holds at most this many rendered strings, and at most
 * UI_CANVAS_TEXT_CACHE_PIXELS pixels of them; the least recently drawn go first. */
#define UI_CANVAS_TEXT_CACHE_MAX 4096
#define UI_CANVAS_TEXT_CACHE_PIXELS (8L * 1024 * 1024)

/* ---- Creating ---------------------------------------------------------
 * The first canvas initialises SDL (SDL_Init(0)) and SDL_ttf; the last
 * ui_canvas_free quits SDL_ttf (reference-counted) and calls SDL_Quit when no
 * SDL subsystem is left initialised (a window's video subsystem keeps SDL). */

/* A headless canvas over a width x height 32-bit ARGB surface (device pixels)
 * drawn by SDL's software renderer, cleared to transparent black. NULL on bad
 * arguments or failure (SDL_GetError says why). The caller owns the canvas. */
ISLET_API ui_canvas *ui_canvas_new_offscreen(int width, int height, float scale);
/* A canvas over an existing renderer (a window's). The caller keeps r and
 * must free the canvas before destroying r. NULL on bad arguments or failure. */
ISLET_API ui_canvas *ui_canvas_new_for_renderer(SDL_Renderer *r, float scale);
/* Frees the canvas, its cached text and fonts (and its renderer and surface
 * when offscreen). NULL is ignored. */
ISLET_API void ui_canvas_free(ui_canvas *c);

/* The scale (device pixels per logical unit). */
ISLET_API float ui_canvas_scale(const ui_canvas *c);
/* The output size in logical units (offscreen: the surface; else the
 * renderer's output). */
ISLET_API void ui_canvas_size(ui_canvas *c, float *w, float *h);

/* ---- Shapes ----------------------------------------------------------- */

/* Sets every pixel of the output to color (no blending), ignoring the clip
 * and the translation. */
ISLET_API void ui_canvas_clear(ui_canvas *c, ui_color color);
ISLET_API void ui_canvas_fill_rect(ui_canvas *c, ui_rect r, ui_color color);
/* A rectangle with quarter-circle corners of `radius` (capped at half the
 * shorter side), drawn as SDL_RenderGeometry triangles; the curved edges
 * (of arcs and circles too) are anti-aliased, the straight ones stay sharp
 * on whole device pixels. */
ISLET_API void ui_canvas_fill_rounded_rect(ui_canvas *c, ui_rect r, float radius, ui_color color);
/* A border `width` thick inside r, with outer corner radius `radius` (0 for
 * square corners) and inner radius radius - width. */
ISLET_API void ui_canvas_stroke_rect(ui_canvas *c, ui_rect r, float width, float radius,
                                     ui_color color);
/* A line one logical unit wide covering the pixels from (x0, y0) to (x1, y1),
 * both ends included (like SDL_RenderDrawLine at scale 1). */
ISLET_API void ui_canvas_line(ui_canvas *c, float x0, float y0, float x1, float y1, ui_color color);
/* A ring segment centred on (cx, cy): the circle of `radius` widened by
 * `thickness` (half inside, half outside), from angle start_rad to end_rad in
 * radians, clockwise on screen from the +x axis (either order; a sweep of 2 pi
 * or more is a full ring). Drawn with SDL_RenderGeometry. */
ISLET_API void ui_canvas_arc(ui_canvas *c, float cx, float cy, float radius, float thickness,
                             float start_rad, float end_rad, ui_color color);
/* The same with caps on the ends: UI_CAP_BUTT (square, as ui_canvas_arc) or
 * UI_CAP_ROUND (a half disc beyond each end, as Flutter's StrokeCap.round). */
enum { UI_CAP_BUTT, UI_CAP_ROUND };
ISLET_API void ui_canvas_arc_capped(ui_canvas *c, float cx, float cy, float radius, float thickness,
                                    float start_rad, float end_rad, int cap, ui_color color);

/* ---- Clip and translation ---------------------------------------------
 * State is a stack. push_clip saves the translation and clip, then clips to
 * r (translated) intersected with the current clip; save only saves. Each
 * pop_clip/restore undoes the latest push_clip/save, which must be of the
 * same kind (checked: a mismatch or a pop on an empty stack aborts in builds
 * with RT_CHECKS, and is ignored otherwise). */
ISLET_API void ui_canvas_push_clip(ui_canvas *c, ui_rect r);
ISLET_API void ui_canvas_pop_clip(ui_canvas *c);
ISLET_API void ui_canvas_save(ui_canvas *c);
ISLET_API void ui_canvas_restore(ui_canvas *c);
/* Moves the origin by (dx, dy) logical units, until the enclosing pop/restore. */
ISLET_API void ui_canvas_translate(ui_canvas *c, float dx, float dy);

/* ---- Text ---------------------------------------------------------------
 * `size` in points (logical units), rendered at size * scale device pixels.
 * The font is found at run time: the app's files (ui_set_font_file), else
 * fontconfig's match for DejaVu Sans (bold: DejaVu Sans Bold), else its best
 * match for sans-serif. A character that font lacks is drawn with a fallback:
 * the first installed scalable font fontconfig lists for sans-serif that has
 * it (CJK, emoji, symbols), emboldened for bold text when it has no bold
 * face; colour bitmap fonts are skipped, as SDL_ttf 2.20 cannot scale them.
 * Such text is measured and drawn as runs of one font each, side by side on
 * the primary font's baseline, in a box of the primary font's line height.
 * utf8 is len bytes, not necessarily NUL-terminated; invalid UTF-8 (each
 * maximal invalid subsequence) and NUL bytes are drawn as U+FFFD. The canvas
 * keeps one font per (device size, face) and caches rendered strings per
 * (device size, bold, color, bytes), so a frame that repeats the previous
 * one renders no new text. */

/* Makes every canvas draw text with these font files (TrueType, OpenType or
 * anything FreeType reads; the first face of a collection): `regular`, and
 * `bold` for bold text (NULL: `regular` emboldened). regular NULL goes back
 * to the fonts fontconfig finds. Returns 0; or RT_EINVAL, with
 * SDL_GetError() and a line on stderr saying which file, when a file cannot
 * be read as a font: the fonts in use stay. The paths are copied. Canvases
 * drop their fonts and cached text on their next text call. A file that
 * stops opening later is reported on stderr, and fontconfig's font is used.
 * Process-wide, main thread (main isolate) only; may be called before any
 * canvas exists. The fallback fonts stay fontconfig's. */
ISLET_API int ui_set_font_file(const char *regular, const char *bold);
/* The file c's (bold) text is drawn with: the app's, or fontconfig's choice
 * when there is none or it does not open; NULL when no font could be found.
 * Borrowed: valid until the next ui_set_font_file or ui_canvas_free. */
ISLET_API const char *ui_canvas_font_file(ui_canvas *c, bool bold);

/* Draws the string with its box's top-left corner at (x, y). The caller keeps utf8. */
ISLET_API void ui_canvas_text(ui_canvas *c, const char *utf8, size_t len, float size, bool bold,
                              ui_color color, float x, float y);
/* The size of the box ui_canvas_text fills, in logical units: the advance
 * width and the font's line height (0 x 0 if the font cannot be opened). */
ISLET_API void ui_text_measure(ui_canvas *c, const char *utf8, size_t len, float size, bool bold,
                               float *w, float *h);

/* ---- Images ------------------------------------------------------------ */

/* Draws a w x h image stretched over dst. Each pixel is one uint32_t,
 * 0xRRGGBBAA (red in the high byte), rows packed. The pixels are copied into
 * a texture for this call; the caller keeps rgba. */
ISLET_API void ui_canvas_image(ui_canvas *c, const uint32_t *rgba, int w, int h, ui_rect dst);
/* The same for pixels that stay the same while `version` does (the caller
 * changes it when they change): the texture is kept and uploaded again only
 * for a new (rgba, w, h, version). The canvas keeps the last
 * UI_CANVAS_IMAGES_MAX such images, the least recently drawn replaced first. */
#define UI_CANVAS_IMAGES_MAX 8
ISLET_API void ui_canvas_image_cached(ui_canvas *c, const uint32_t *rgba, int w, int h,
                                      uint64_t version, ui_rect dst);

/* ---- Layers --------------------------------------------------------------
 * A layer is a cached picture of part of a frame (a repaint boundary's
 * subtree): a target texture at device pixels, painted between
 * ui_canvas_layer_begin and ui_canvas_layer_end (which may nest), then
 * composited with ui_canvas_layer_draw as often as wanted. Translucent
 * pixels composite as if they had been drawn directly. The caller owns the
 * layer (ui_canvas_layer_free), and frees it before the canvas. */
typedef struct ui_canvas_layer ui_canvas_layer;
/* Whether *l can be drawn at r (translated) unchanged: same device size and
 * the same offset within a device pixel. False for NULL. */
ISLET_API bool ui_canvas_layer_fits(const ui_canvas *c, const ui_canvas_layer *l, ui_rect r);
/* Starts painting the layer for r (translated): *l is made or resized as
 * needed, cleared to transparent, and becomes the target, with drawing at
 * r's coordinates landing in it unclipped. False (nothing changed) when a
 * texture cannot be made: paint directly instead. */
ISLET_API bool ui_canvas_layer_begin(ui_canvas *c, ui_canvas_layer **l, ui_rect r);
/* Ends painting l: the previous target, translation and clip come back. */
ISLET_API void ui_canvas_layer_end(ui_canvas *c, ui_canvas_layer *l);
/* Composites l at r (translated, clipped); l must fit r. */
ISLET_API void ui_canvas_layer_draw(ui_canvas *c, const ui_canvas_layer *l, ui_rect r);
ISLET_API void ui_canvas_layer_free(ui_canvas_layer *l);
/* ---- Effect layers --------------------------------------------------------
 * Drawing between push_layer and pop_layer goes to a layer (a texture the
 * size of the output), which pop_layer composites: with its opacity, cut
 * to a rounded rectangle, scaled about and rotated around a point, and
 * moved. A layer is a state push like push_clip (popped by pop_layer
 * only). At most UI_CANVAS_LAYERS_MAX are open at once; deeper ones, and
 * any on a renderer without target textures, draw directly, unmodified. */
#define UI_CANVAS_LAYERS_MAX 8
typedef struct ui_canvas_effect {
    float alpha;   /* 0 (invisible) to 1 (as drawn) */
    ui_rect rrect; /* with radius > 0: only what is inside it shows */
    float radius;
    /* A point p of the layer lands at o + t + R(angle) S (p - o), with o
     * (ox, oy), t (tx, ty), S the scales (> 0; else nothing is drawn) and R
     * the rotation, clockwise on screen; logical units, translated like
     * shapes. The identity: sx = sy = 1, the rest 0. */
    float ox, oy, tx, ty, sx, sy, angle_rad;
} ui_canvas_effect;
ISLET_API void ui_canvas_push_layer(ui_canvas *c);
/* how NULL: composited as drawn. */
ISLET_API void ui_canvas_pop_layer(ui_canvas *c, const ui_canvas_effect *how);

/* ---- Stats, pixels, presenting ----------------------------------------- */

typedef struct ui_canvas_stats {
    unsigned long text_renders;  /* strings rendered (cache misses) since creation */
    unsigned long text_hits;     /* strings drawn from the cache since creation */
    unsigned long text_entries;  /* strings in the cache now */
    unsigned long image_uploads; /* textures made by ui_canvas_image_cached */
    unsigned long layer_paints;  /* ui_canvas_layer_begin calls since creation */
    unsigned long layer_draws;   /* ui_canvas_layer_draw calls since creation */
} ui_canvas_stats;
ISLET_API void ui_canvas_get_stats(const ui_canvas *c, ui_canvas_stats *out);

/* Offscreen only: the pixel at device (x, y), after drawing everything
 * queued. Out of bounds or on a window canvas aborts with RT_CHECKS, else
 * returns {0, 0, 0, 0}. */
ISLET_API ui_color ui_canvas_pixel(ui_canvas *c, int x, int y);
/* Offscreen only (NULL otherwise): the surface, borrowed from the canvas,
 * with everything queued drawn; valid until ui_canvas_free. */
ISLET_API SDL_Surface *ui_canvas_surface(ui_canvas *c);
/* Ends a frame: on a window, SDL_RenderPresent; offscreen, draws everything
 * queued. The state stack must be empty (checked with RT_CHECKS). */
ISLET_API void ui_canvas_present(ui_canvas *c);

#endif
