/* ui_focus.c: keyboard focus, key routing and Tab traversal, text input,
 * and the clipboard. */
#include "ui_tree_private.h"

#include <string.h>

ui_element *ui_tree_get_focus(ui_tree *t)
{
    return t->focus;
}

void ui_tree_set_focus(ui_tree *t, ui_element *e)
{
    if (e == t->focus) return;
    if (e) {
        ui__check_live(e, "ui_tree_set_focus");
        if (e->tree != t || e->life != UI_ACTIVE)
            rt_die("ui_tree_set_focus", "'%s' is not mounted in this tree", e->cls->name);
    }
    if (t->focus) ui_set_state(t->focus, NULL, NULL); /* repaint without the focus look */
    t->focus = e;
    if (e) ui_set_state(e, NULL, NULL);
}

void ui__focus_forget(ui_tree *t, ui_element *e)
{
    if (t->focus == e) t->focus = NULL;
}

/* ---- Tab traversal: the focusable elements in tree order ---- */

typedef struct focus_walk {
    ui_element *focused, *prev, *next, *first, *last;
    bool seen;
} focus_walk;

static void collect(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    focus_walk *w = ctx;
    const ui_widget_class *cls = e->cls;
    bool focusable = cls->key && (!cls->focusable || cls->focusable(e));
    if (!focusable) {
        if (e == w->focused) w->seen = true; /* disabled since: Tab goes on from here */
        return;
    }
    if (!w->first) w->first = e;
    if (w->seen && !w->next) w->next = e;
    if (e == w->focused) w->seen = true;
    if (!w->seen) w->prev = e;
    w->last = e;
}

static bool key(ui_tree *t, int key, unsigned mods)
{
    ui_element *cur = t->focus;
    if (cur && cur->cls->key && cur->cls->key(cur, key, mods)) return true;
    if (key != UI_KEY_TAB && key != UI_KEY_BACKTAB) return false;
    focus_walk w = {.focused = cur};
    ui_tree_visit(t, collect, &w);
    ui_element *to =
        key == UI_KEY_TAB ? (w.next ? w.next : w.first) : (cur && w.prev ? w.prev : w.last);
    if (to && to != cur) ui_tree_set_focus(t, to);
    return to != NULL;
}

bool ui_tree_key(ui_tree *t, int k, unsigned mods)
{
    rt_event_label("key");
    ui__input_enter(t);
    bool used = key(t, k, mods);
    ui__input_leave(t, "key", false);
    return used;
}

/* ---- Text input ---- */

bool ui_tree_wants_text(ui_tree *t)
{
    return t->focus && t->focus->cls->text;
}

int ui_tree_text_input(ui_tree *t, const char *utf8, size_t len)
{
    rt_event_label("text input");
    if (!ui_tree_wants_text(t)) return RT_ESTATE;
    ui__input_enter(t);
    int rc = t->focus->cls->text(t->focus, utf8, len); /* it refuses invalid UTF-8 itself */
    ui__input_leave(t, "text", false);
    return rc;
}

/* ---- The clipboard: the tree's own, until a window installs the system's ---- */

static char *own_clip_get(void *ctx)
{
    ui_tree *t = ctx;
    if (!t->clip) return NULL;
    char *s = rt_malloc(t->clip_len + 1);
    if (s) memcpy(s, t->clip, t->clip_len + 1);
    return s;
}

static void own_clip_set(void *ctx, const char *utf8, size_t len)
{
    ui_tree *t = ctx;
    char *s = rt_malloc(len + 1);
    if (!s) return;
    memcpy(s, utf8, len);
    s[len] = 0;
    rt_free(t->clip);
    t->clip = s;
    t->clip_len = len;
}

void ui_tree_set_clipboard(ui_tree *t, const ui_clipboard *cb)
{
    t->clipboard = cb ? *cb : (ui_clipboard){own_clip_get, own_clip_set, t};
}

void ui__clipboard_init(ui_tree *t)
{
    ui_tree_set_clipboard(t, NULL);
}

char *ui_tree_clipboard_get(ui_tree *t)
{
    return t->clipboard.get(t->clipboard.ctx);
}

void ui_tree_clipboard_set(ui_tree *t, const char *utf8, size_t len)
{
    t->clipboard.set(t->clipboard.ctx, utf8, len);
}
