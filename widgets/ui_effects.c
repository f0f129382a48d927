/* ui_effects.c: Opacity, ClipRect, ClipRRect and Transform. Each lays its
 * child out as a component would (the same constraints, the same size) and
 * opens something in paint that paint_after closes: a layer or a clip. */
#include <islet/ui_effects.h>
#include "ui_widgets_private.h"

#include <math.h>

static ui_rect box_at(ui_element *e, float x, float y)
{
    ui_size s = ui_element_size(e);
    return (ui_rect){x, y, s.w, s.h};
}

/* ---- Opacity ---- */

static void opacity_paint(ui_element *e, void *canvas, float x, float y)
{
    (void)x, (void)y;
    float a = *(const float *)ui_props(e);
    if (a <= 0)
        ui_canvas_push_clip(canvas, (ui_rect){0, 0, 0, 0}); /* nothing draws */
    else if (a < 1)
        ui_canvas_push_layer(canvas);
}

static void opacity_paint_after(ui_element *e, void *canvas)
{
    float a = *(const float *)ui_props(e);
    ui_canvas_effect how = {.alpha = a, .sx = 1, .sy = 1};
    if (a <= 0)
        ui_canvas_pop_clip(canvas);
    else if (a < 1)
        ui_canvas_pop_layer(canvas, &how);
}

const ui_widget_class ui_opacity_class = {.name = "Opacity",
                                          .props_size = sizeof(float),
                                          .paint = opacity_paint,
                                          .paint_after = opacity_paint_after};

ui_widget *ui_opacity(ui_build *b, float alpha, ui_widget *child)
{
    if (!(alpha >= 0)) alpha = 0; /* NaN too */
    if (alpha > 1) alpha = 1;
    return ui__one(b, &ui_opacity_class, UI_NO_KEY, &alpha, child);
}

/* ---- ClipRect, ClipRRect ---- */

typedef struct clip_props {
    float radius;
} clip_props;

typedef struct clip_state {
    ui_rect at; /* where it was painted */
} clip_state;

static void clip_paint(ui_element *e, void *canvas, float x, float y)
{
    const clip_props *p = ui_props(e);
    clip_state *st = ui_state(e);
    st->at = box_at(e, x, y);
    ui_canvas_push_clip(canvas, st->at);
    if (p->radius > 0) ui_canvas_push_layer(canvas);
}

static void clip_paint_after(ui_element *e, void *canvas)
{
    const clip_props *p = ui_props(e);
    const clip_state *st = ui_state(e);
    if (p->radius > 0) {
        ui_canvas_effect how = {.alpha = 1, .rrect = st->at, .radius = p->radius, .sx = 1, .sy = 1};
        ui_canvas_pop_layer(canvas, &how);
    }
    ui_canvas_pop_clip(canvas);
}

const ui_widget_class ui_clip_rect_class = {.name = "ClipRect",
                                            .props_size = sizeof(clip_props),
                                            .state_size = sizeof(clip_state),
                                            .paint = clip_paint,
                                            .paint_after = clip_paint_after};

ui_widget *ui_clip_rect(ui_build *b, ui_widget *child)
{
    clip_props p = {0};
    return ui__one(b, &ui_clip_rect_class, UI_NO_KEY, &p, child);
}

ui_widget *ui_clip_rrect(ui_build *b, float radius, ui_widget *child)
{
    clip_props p = {radius > 0 ? radius : 0};
    return ui__one(b, &ui_clip_rect_class, UI_NO_KEY, &p, child);
}

/* ---- Transform ---- */

typedef struct transform_state {
    float ox, oy; /* the origin where it was painted, logical window units */
} transform_state;

static float scale_x(const ui_transform_props *p)
{
    return p->sx != 0 ? p->sx : 1;
}
static float scale_y(const ui_transform_props *p)
{
    return p->sy != 0 ? p->sy : 1;
}

static void transform_paint(ui_element *e, void *canvas, float x, float y)
{
    const ui_transform_props *p = ui_props(e);
    transform_state *st = ui_state(e);
    ui_size s = ui_element_size(e);
    st->ox = x + p->align_x * s.w;
    st->oy = y + p->align_y * s.h;
    ui_canvas_push_layer(canvas);
}

static void transform_paint_after(ui_element *e, void *canvas)
{
    const ui_transform_props *p = ui_props(e);
    const transform_state *st = ui_state(e);
    ui_canvas_effect how = {.alpha = 1,
                            .ox = st->ox,
                            .oy = st->oy,
                            .tx = p->tx,
                            .ty = p->ty,
                            .sx = scale_x(p),
                            .sy = scale_y(p),
                            .angle_rad = p->angle_rad};
    ui_canvas_pop_layer(canvas, &how);
}

/* The inverse of the paint: q = o + t + R S (p - o), so
 * p = o + S^-1 R^-1 (q - o - t). */
static bool transform_hit_map(ui_element *e, float *x, float *y)
{
    const ui_transform_props *p = ui_props(e);
    float ex, ey, w, h;
    ui_element_rect(e, &ex, &ey, &w, &h);
    float ox = ex + p->align_x * w, oy = ey + p->align_y * h;
    float sx = scale_x(p), sy = scale_y(p);
    if (!(sx > 0 && sy > 0)) return false; /* not painted, not hit */
    float dx = *x - ox - p->tx, dy = *y - oy - p->ty;
    float c = cosf(p->angle_rad), s = sinf(p->angle_rad);
    float rx = c * dx + s * dy, ry = -s * dx + c * dy; /* R^-1 */
    *x = ox + rx / sx;
    *y = oy + ry / sy;
    return true;
}

const ui_widget_class ui_transform_class = {.name = "Transform",
                                            .props_size = sizeof(ui_transform_props),
                                            .state_size = sizeof(transform_state),
                                            .paint = transform_paint,
                                            .paint_after = transform_paint_after,
                                            .hit_map = transform_hit_map};

ui_widget *ui_transform(ui_build *b, const ui_transform_props *p, ui_widget *child)
{
    ui_transform_props identity = {0}; /* NULL: painted as laid out */
    return ui__one(b, &ui_transform_class, UI_NO_KEY, p ? p : &identity, child);
}

ui_widget *ui_translate(ui_build *b, float dx, float dy, ui_widget *child)
{
    ui_transform_props p = {.tx = dx, .ty = dy};
    return ui_transform(b, &p, child);
}

ui_widget *ui_scale(ui_build *b, float s, ui_widget *child)
{
    ui_transform_props p = {.sx = s, .sy = s, .align_x = 0.5f, .align_y = 0.5f};
    return ui_transform(b, &p, child);
}

ui_widget *ui_rotate(ui_build *b, float angle_rad, ui_widget *child)
{
    ui_transform_props p = {.angle_rad = angle_rad, .align_x = 0.5f, .align_y = 0.5f};
    return ui_transform(b, &p, child);
}
