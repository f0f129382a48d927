/* ui_widgets.h: the basic widgets, as constructor functions for build
 * functions. Each returns a widget from the build arena (NULL when out of
 * memory); children passed in are owned by the arena too. Main isolate only.
 */
#ifndef UI_WIDGETS_H
#define UI_WIDGETS_H

#include <islet/rt_export.h>

#include <islet/ui_canvas.h>
#include <islet/ui_gesture.h>
#include <islet/ui_tree.h>

/* Alignments. Along a flex's main axis: start, center, end and the three
 * spacings (Flutter's MainAxisAlignment); across it: start, center, end,
 * stretch. */
enum {
    UI_START,
    UI_CENTER,
    UI_END,
    UI_SPACE_BETWEEN,
    UI_STRETCH,
    UI_SPACE_AROUND,
    UI_SPACE_EVENLY
};
/* A flex's size along its main axis (Flutter's MainAxisSize): as big as the
 * constraints allow when they are bounded (the default), or as small as its
 * children. */
enum { UI_MAIN_MAX, UI_MAIN_MIN };

typedef struct ui_text_props {
    const char *text; /* copied by the element */
    float size;
    bool bold;
    ui_color color;
    bool wrap;     /* break lines at spaces to fit the width */
    bool ellipsis; /* one line, cut with "…" when too wide */
    int align;     /* UI_START, UI_CENTER, UI_END within the width */
    int max_lines; /* 0: no limit (wrap only) */
} ui_text_props;

typedef struct ui_box_props {
    float width, height; /* < 0: as the constraints allow / the child needs */
    float padding;       /* all sides */
    ui_color color;      /* alpha 0: no fill */
    float radius;        /* rounded corners */
    float border_width;
    ui_color border_color;
} ui_box_props;

typedef struct ui_flex_props {
    bool horizontal; /* row, else column */
    int main_align;  /* UI_START, UI_CENTER, UI_END, UI_SPACE_BETWEEN/AROUND/EVENLY */
    int cross_align; /* UI_START, UI_CENTER, UI_END, UI_STRETCH */
    float spacing;   /* between children, besides main_align's */
    int main_size;   /* UI_MAIN_MAX (0, the default) or UI_MAIN_MIN */
} ui_flex_props;

typedef struct ui_gesture_props {
    void (*on_tap)(void *ctx);
    void (*on_tap_down)(void *ctx);
    void (*on_tap_cancel)(void *ctx);
    void (*on_hover)(void *ctx, bool inside); /* mouse over / gone */
    void *ctx;
    /* With the gesture arena (ui_gesture.h): the detector enters a press's
     * arena only with the recognizers it has callbacks for. */
    void (*on_tap_up)(void *ctx);
    void (*on_secondary_tap)(void *ctx); /* the secondary (right) button */
    void (*on_double_tap)(void *ctx);
    void (*on_long_press)(void *ctx);
    void (*on_long_press_up)(void *ctx);
    ui_drag_cb on_vertical_drag_start, on_vertical_drag_update, on_vertical_drag_end;
    ui_drag_cb on_horizontal_drag_start, on_horizontal_drag_update, on_horizontal_drag_end;
    ui_drag_cb on_pan_start, on_pan_update, on_pan_end;
    int behavior; /* UI_HIT_*; UI_HIT_DEFAULT as Flutter's null */
} ui_gesture_props;

typedef struct ui_button_props {
    const char *label;             /* copied by the element */
    void (*on_pressed)(void *ctx); /* NULL: disabled */
    void *ctx;
} ui_button_props;

ISLET_API extern const ui_widget_class ui_text_class, ui_box_class, ui_flex_class,
    ui_expanded_class, ui_center_class, ui_gesture_class, ui_button_class;

/* Tap slop: a pointer that moves further than this from its down position
 * is no longer a tap (logical pixels, as Flutter's kTouchSlop). */
#define UI_TAP_SLOP 18.0f

/* Measures text for e's layout or paint: with its tree's canvas, or a
 * deterministic estimate (0.6 x size per byte, 1.2 x size high) in a tree
 * without one. */
ISLET_API void ui_measure_text(ui_element *e, const char *s, size_t n, float size, bool bold,
                               float *w, float *h);
ISLET_API ui_widget *ui_text(ui_build *b, const char *text, float size, ui_color color);
ISLET_API ui_widget *ui_text_ex(ui_build *b, ui_key key, const ui_text_props *p);
/* After layout: how many lines a text element shows, and line i's bytes. */
ISLET_API int ui_text_lines(ui_element *e);
ISLET_API const char *ui_text_line(ui_element *e, int i, size_t *len);
ISLET_API ui_widget *ui_box(ui_build *b, const ui_box_props *p, ui_widget *child);
ISLET_API ui_widget *ui_sized(ui_build *b, float w, float h, ui_widget *child);
ISLET_API ui_widget *ui_padding(ui_build *b, float all, ui_widget *child);
ISLET_API ui_widget *ui_center(ui_build *b, ui_widget *child);
/* Aligns the child within the available space: x and y in [0, 1]
 * (0 start, 0.5 centre, 1 end). */
ISLET_API ui_widget *ui_align(ui_build *b, float x, float y, ui_widget *child);
ISLET_API ui_widget *ui_column(ui_build *b, const ui_flex_props *p, ui_widget **children, size_t n);
ISLET_API ui_widget *ui_row(ui_build *b, const ui_flex_props *p, ui_widget **children, size_t n);
/* In a row or column: takes a share `flex` of the remaining main-axis space.
 * Where the main axis is unbounded (a row in a row) there is nothing to
 * share: it is laid out like an inflexible child (Flutter reports an error). */
ISLET_API ui_widget *ui_expanded(ui_build *b, int flex, ui_widget *child);
/* The same share as an upper bound: the child may be smaller (Flexible). */
ISLET_API ui_widget *ui_flexible(ui_build *b, int flex, ui_widget *child);
/* After layout: how many main-axis pixels a row or column's children
 * overflowed it by (0 when they fit, or when flex is not a row/column). In
 * builds with RT_CHECKS an overflow paints Flutter's yellow-and-black band
 * on the overflowing edge and is reported once on stderr. */
ISLET_API float ui_flex_overflow(const ui_element *flex);
ISLET_API ui_widget *ui_gesture(ui_build *b, const ui_gesture_props *p, ui_widget *child);
ISLET_API ui_widget *ui_button(ui_build *b, ui_key key, const char *label,
                               void (*on_pressed)(void *), void *ctx);
/* A vertical scrolling list of `count` items of height item_extent that
 * builds only the items in view (so 100,000 items cost what the visible ones
 * cost). Items are keyed by index, so their state follows them. Scrolled by
 * ui_list_scroll_by, by the wheel (ui_tree_scroll) and by dragging. */
typedef ui_widget *(*ui_item_builder)(ui_build *b, size_t index, void *ctx);
ISLET_API ui_widget *ui_list(ui_build *b, ui_key key, size_t count, float item_extent,
                             ui_item_builder fn, void *ctx);
ISLET_API extern const ui_widget_class ui_list_class;
/* Scrolls a list element by dy logical pixels (clamped); schedules a frame. */
ISLET_API void ui_list_scroll_by(ui_element *list, float dy);
ISLET_API float ui_list_offset(const ui_element *list);

/* A theme: inherited data read by descendants with ui_theme_of, which
 * rebuild when it changes. */
typedef struct ui_theme_props {
    ui_color text_color;
    ui_color primary;
    float text_size;
} ui_theme_props;
ISLET_API extern const ui_widget_class ui_theme_class;
ISLET_API ui_widget *ui_theme(ui_build *b, const ui_theme_props *p, ui_widget *child);
/* The nearest theme above e (a built-in default when there is none);
 * e rebuilds when it changes. Call from e's build. */
ISLET_API const ui_theme_props *ui_theme_of(ui_element *e);

/* A stack (Flutter's Stack): children painted in order. It is as big as its
 * biggest non-positioned child within its constraints (as big as allowed
 * when all are positioned), and places those by align_x/align_y (0 start,
 * 0.5 centre, 1 end; the default is the top-left). fit says what
 * non-positioned children get: the constraints loosened (the default),
 * tight to the biggest size (expand), or unchanged (passthrough). */
enum { UI_STACK_LOOSE, UI_STACK_EXPAND, UI_STACK_PASSTHROUGH };
typedef struct ui_stack_props {
    float align_x, align_y;
    int fit;
    bool no_clip; /* children may paint outside the stack (Flutter's Clip.none);
                     by default they are cut to it (Clip.hardEdge) */
} ui_stack_props;
ISLET_API ui_widget *ui_stack(ui_build *b, ui_widget **children, size_t n);
ISLET_API ui_widget *ui_stack_ex(ui_build *b, const ui_stack_props *p, ui_widget **children,
                                 size_t n);
/* A child of a stack placed by edges (Flutter's Positioned). Only the fields
 * named in `set` count: an edge places the child at that distance from the
 * stack's edge; two opposite edges, or an edge and a size, fix its size on
 * that axis; an axis with nothing set follows the stack's alignment. */
enum {
    UI_POS_LEFT = 1,
    UI_POS_TOP = 2,
    UI_POS_RIGHT = 4,
    UI_POS_BOTTOM = 8,
    UI_POS_WIDTH = 16,
    UI_POS_HEIGHT = 32
};
typedef struct ui_positioned_props {
    float left, top, right, bottom, width, height;
    unsigned set; /* UI_POS_* bits */
} ui_positioned_props;
/* At (left, top), sized by the child. */
ISLET_API ui_widget *ui_positioned(ui_build *b, float left, float top, ui_widget *child);
/* p NULL: nothing set (placed by the stack's alignment). */
ISLET_API ui_widget *ui_positioned_ex(ui_build *b, const ui_positioned_props *p, ui_widget *child);
/* All four edges at 0: the child fills the stack (Positioned.fill). */
ISLET_API ui_widget *ui_positioned_fill(ui_build *b, ui_widget *child);
ISLET_API extern const ui_widget_class ui_stack_class, ui_positioned_class;

/* An image from RGBA pixels (0xRRGGBBAA), drawn at w x h logical pixels. The
 * pixels must stay valid while the widget is shown (the caller owns them). */
ISLET_API ui_widget *ui_image(ui_build *b, const uint32_t *rgba, int px_w, int px_h, float w,
                              float h);
/* The same for pixels that change only with `version` (never 0; the caller
 * changes it when they change): the texture is kept between frames instead
 * of being uploaded at each paint. */
ISLET_API ui_widget *ui_image_versioned(ui_build *b, const uint32_t *rgba, int px_w, int px_h,
                                        uint64_t version, float w, float h);
ISLET_API extern const ui_widget_class ui_image_class;

/* Gives a widget a key (returns w). */
ISLET_API ui_widget *ui_keyed(ui_widget *w, ui_key key);

#endif
