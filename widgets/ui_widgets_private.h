/* ui_widgets_private.h: what the basic widgets' files share. */
#ifndef UI_WIDGETS_PRIVATE_H
#define UI_WIDGETS_PRIVATE_H

#include <islet/ui_widgets.h>

/* A widget of class c with props p and at most one child. */
ui_widget *ui__one(ui_build *b, const ui_widget_class *c, ui_key k, const void *p,
                   ui_widget *child);

/* A single child laid out in c at (0, 0); e takes its size (none: the
 * smallest c allows). What a class without a layout hook gets, for layouts
 * that change the constraints first. */
ui_size ui__layout_only_child(ui_element *e, ui_constraints c);

/* The leading space and the space between n children for a main-axis
 * alignment (Flutter's MainAxisAlignment), rows, columns and wraps alike. */
void ui__main_spacing(int align, float free_space, size_t n, float *lead, float *between);

#endif
