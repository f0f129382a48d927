/* ui_layout_widgets.h: layout widgets beyond rows, columns and stacks:
 * ConstrainedBox, AspectRatio, Wrap and LayoutBuilder (Flutter's), as
 * constructor functions for build functions. Each returns a widget from the
 * build arena (NULL when out of memory). Main isolate only. */
#ifndef UI_LAYOUT_WIDGETS_H
#define UI_LAYOUT_WIDGETS_H

#include <islet/rt_export.h>

#include <islet/ui_widgets.h>

/* Adds constraints c to those from above (Flutter's ConstrainedBox: c is
 * clamped into them, so the parent's always win). Childless, it is as small
 * as they allow. Use UI_INF for no maximum. */
ISLET_API ui_widget *ui_constrained_box(ui_build *b, ui_constraints c, ui_widget *child);
ISLET_API extern const ui_widget_class ui_constrained_box_class;

/* Sizes the child to width / height == ratio (> 0), as big as the
 * constraints allow on the bounded axis (Flutter's AspectRatio). */
ISLET_API ui_widget *ui_aspect_ratio(ui_build *b, float ratio, ui_widget *child);
ISLET_API extern const ui_widget_class ui_aspect_ratio_class;

/* Wrap: children in runs along the main axis (left to right when
 * horizontal, else top to bottom), a new run when the next child does not
 * fit. Children get loose constraints bounded by the main axis. */
typedef struct ui_wrap_props {
    bool vertical;     /* runs are columns, else rows (the default) */
    float spacing;     /* between children in a run */
    float run_spacing; /* between runs */
    int align;         /* in a run: UI_START, UI_CENTER, UI_END, UI_SPACE_* */
    int run_align;     /* the runs in the wrap, the same values */
    int cross_align;   /* a child in its run: UI_START, UI_CENTER, UI_END */
} ui_wrap_props;
ISLET_API ui_widget *ui_wrap(ui_build *b, const ui_wrap_props *p, ui_widget **children, size_t n);
ISLET_API extern const ui_widget_class ui_wrap_class;

/* LayoutBuilder: builds its child from the constraints it is laid out
 * with. fn runs during layout, when the constraints changed or the
 * builder was rebuilt (a new widget or ui_set_state on it), with the same
 * rules as a build function (allocate from b; e is the builder's element,
 * ctx as given; the element keeps ctx, so it must live while shown). */
typedef ui_widget *(*ui_layout_builder_fn)(ui_build *b, ui_element *e, ui_constraints c, void *ctx);
ISLET_API ui_widget *ui_layout_builder(ui_build *b, ui_layout_builder_fn fn, void *ctx);
ISLET_API extern const ui_widget_class ui_layout_builder_class;

#endif
