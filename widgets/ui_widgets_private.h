/* ui_widgets_private.h: what the basic widgets' files share. */
#ifndef UI_WIDGETS_PRIVATE_H
#define UI_WIDGETS_PRIVATE_H

#include "ui_widgets.h"

/* A widget of class c with props p and at most one child. */
ui_widget *ui__one(ui_build *b, const ui_widget_class *c, ui_key k, const void *p,
                   ui_widget *child);

#endif
