/* ui_pointer.c: hit testing and pointer routing: a press picks the
 * innermost element that takes it, which then gets the gesture's moves and
 * its end; hovering, and the mouse wheel. */
#include "ui_tree_private.h"

static void hit(ui_element *e, float px, float py, float ox, float oy, ui_element **out, size_t cap,
                size_t *n)
{
    float x = ox + e->x, y = oy + e->y;
    if (e->cls->ignore_pointer) return;
    if (e->cls->hit_map && !e->cls->hit_map(e, &px, &py)) return;
    if (px < x || py < y || px >= x + e->w || py >= y + e->h) return;
    for (size_t i = e->nkids; i-- > 0;) {
        size_t before = *n;
        hit(e->kids[i], px, py, x, y, out, cap, n);
        if (*n > before) break; /* the topmost child that was hit */
    }
    if (*n < cap) out[(*n)++] = e;
}

size_t ui_tree_hit_test(ui_tree *t, float x, float y, ui_element **out, size_t cap)
{
    size_t n = 0;
    ui_element *r = ui_tree_root(t);
    if (r) hit(r, x, y, 0, 0, out, cap, &n);
    return n;
}

static void hover(ui_tree *t, float x, float y)
{
    ui_element *path[UI_MAX_PATH], *taker = NULL;
    size_t n = ui_tree_hit_test(t, x, y, path, UI_MAX_PATH);
    for (size_t i = 0; i < n && !taker; i++)
        if (path[i]->cls->pointer && path[i]->cls->pointer(path[i], UI_POINTER_HOVER, x, y))
            taker = path[i];
    if (taker == t->hovered) return;
    if (t->hovered) t->hovered->cls->pointer(t->hovered, UI_POINTER_EXIT, x, y);
    t->hovered = taker;
}

ui_element *ui_tree_hovered(ui_tree *t)
{
    return t->hovered;
}

static void press(ui_tree *t, float x, float y)
{
    ui_element *path[UI_MAX_PATH];
    size_t n = ui_tree_hit_test(t, x, y, path, UI_MAX_PATH);
    t->npath = 0;
    if (t->focus && t->focus->cls->text) { /* a press elsewhere ends text editing */
        size_t i = 0;
        while (i < n && path[i] != t->focus)
            i++;
        if (i == n) ui_tree_set_focus(t, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        if (path[i]->cls->pointer && path[i]->cls->pointer(path[i], UI_POINTER_DOWN, x, y)) {
            t->path[0] = path[i]; /* the innermost taker handles the gesture */
            t->npath = 1;
            break;
        }
    }
}

void ui_tree_pointer(ui_tree *t, int kind, float x, float y)
{
    static const char *const labels[] = {
        [UI_POINTER_DOWN] = "pointer down",   [UI_POINTER_MOVE] = "pointer move",
        [UI_POINTER_UP] = "pointer up",       [UI_POINTER_CANCEL] = "pointer cancel",
        [UI_POINTER_HOVER] = "pointer hover", [UI_POINTER_EXIT] = "pointer exit"};
    if (kind >= 0 && kind <= UI_POINTER_EXIT && labels[kind]) rt_event_label(labels[kind]);
    if (kind == UI_POINTER_HOVER) {
        hover(t, x, y);
        return;
    }
    if (kind == UI_POINTER_DOWN) {
        press(t, x, y);
        return;
    }
    ui_element *h = t->npath ? t->path[0] : NULL;
    if (h && h->cls->pointer) h->cls->pointer(h, kind, x, y);
    if (kind == UI_POINTER_UP || kind == UI_POINTER_CANCEL) t->npath = 0;
}

void ui_tree_scroll(ui_tree *t, float x, float y, float dy)
{
    rt_event_label("scroll");
    ui_element *path[UI_MAX_PATH];
    size_t n = ui_tree_hit_test(t, x, y, path, UI_MAX_PATH);
    for (size_t i = 0; i < n; i++)
        if (path[i]->cls->wheel && path[i]->cls->wheel(path[i], dy)) return;
}

void ui__pointer_forget(ui_tree *t, ui_element *e)
{
    if (t->hovered == e) t->hovered = NULL;
    for (size_t i = 0; i < t->npath; i++)
        if (t->path[i] == e) t->path[i] = NULL;
}
