/* ui_effects.h: widgets that change how their subtree is painted, not how
 * it is laid out: Opacity, ClipRect, ClipRRect and Transform (Flutter's).
 * Each returns a widget from the build arena (NULL when out of memory).
 * Main isolate only. */
#ifndef UI_EFFECTS_H
#define UI_EFFECTS_H

#include <islet/rt_export.h>

#include <islet/ui_widgets.h>

/* The child painted with opacity alpha (0 invisible, 1 as is). Below 1 the
 * subtree is painted into a layer (ui_canvas_push_layer); at 0 it is not
 * painted at all. Hit testing is unchanged (as Flutter's Opacity). */
ISLET_API ui_widget *ui_opacity(ui_build *b, float alpha, ui_widget *child);
/* The child's painting cut to its box, square or with rounded corners. */
ISLET_API ui_widget *ui_clip_rect(ui_build *b, ui_widget *child);
ISLET_API ui_widget *ui_clip_rrect(ui_build *b, float radius, ui_widget *child);
ISLET_API extern const ui_widget_class ui_opacity_class, ui_clip_rect_class, ui_transform_class;

/* The child laid out as usual, then painted transformed: scaled by sx, sy
 * (0 reads as 1) about the point at (align_x, align_y) of its box (0 the
 * top-left, 0.5 the centre, 1 the bottom-right), rotated by angle_rad
 * (clockwise) around it, and moved by (tx, ty). Pointer events are mapped
 * back, so a tap hits what is painted under it (hit_map). */
typedef struct ui_transform_props {
    float tx, ty;
    float sx, sy;
    float angle_rad;
    float align_x, align_y;
} ui_transform_props;
/* p NULL: the identity. */
ISLET_API ui_widget *ui_transform(ui_build *b, const ui_transform_props *p, ui_widget *child);
ISLET_API ui_widget *ui_translate(ui_build *b, float dx, float dy, ui_widget *child);
/* Scaled about, or rotated around, the centre (Transform.scale/rotate). */
ISLET_API ui_widget *ui_scale(ui_build *b, float s, ui_widget *child);
ISLET_API ui_widget *ui_rotate(ui_build *b, float angle_rad, ui_widget *child);

#endif
