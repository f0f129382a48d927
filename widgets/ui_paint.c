/* ui_paint.c: painting the tree, parents before children, each at its
 * global origin; paint_after lets a class close what it opened (a clip). */
#include "ui_tree_private.h"

static void paint(ui_element *e, void *canvas, float ox, float oy)
{
    float x = ox + e->x, y = oy + e->y;
    if (e->cls->paint) e->cls->paint(e, canvas, x, y);
    for (size_t i = 0; i < e->nkids; i++)
        paint(e->kids[i], canvas, x, y);
    if (e->cls->paint_after) e->cls->paint_after(e, canvas);
}

void ui__paint_frame(ui_tree *t)
{
    ui_element *r = ui_tree_root(t);
    if (r && t->canvas) paint(r, t->canvas, 0, 0);
}
