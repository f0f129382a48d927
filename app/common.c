/* common.c: what the demo's panels share: text styles, the tap label,
 * lookups, weak handles on the heap. */
#include "panels.h"

#include <stdio.h>
#include <string.h>

ui_widget *demo_label(ui_build *b, const char *s, float size)
{
    return ui_text(b, ui_strdup(b, s), size, demo_ink);
}

ui_widget *demo_status(ui_build *b, ui_key key, const char *s, bool error)
{
    ui_text_props p = {.text = ui_strdup(b, s),
                       .size = 14,
                       .color = error ? demo_error : demo_ink,
                       .wrap = true,
                       .max_lines = 3};
    return ui_text_ex(b, key, &p);
}

ui_widget *demo_titled(ui_build *b, const char *title, ui_widget *content)
{
    ui_text_props t = {.text = ui_strdup(b, title), .size = 13, .bold = true, .color = demo_ink};
    ui_widget *kids[] = {ui_text_ex(b, UI_NO_KEY, &t), content};
    return ui_column(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 4}, kids, 2);
}

void demo_tapped(const char *button)
{
    char label[64];
    snprintf(label, sizeof label, "tap: %s", button);
    rt_event_label(label); /* the runtime keeps 31 bytes, cut between characters */
}

ui_element *demo_find_key(ui_element *e, ui_key k)
{
    if (ui_key_eq(ui_element_key(e), k)) return e;
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *r = demo_find_key(ui_element_child(e, i), k);
        if (r) return r;
    }
    return NULL;
}

typedef struct class_find {
    const ui_widget_class *cls;
    ui_element *found;
} class_find;

static void visit_class(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    class_find *f = ctx;
    if (!f->found && ui_element_class(e) == f->cls) f->found = e;
}

ui_element *demo_find_class(ui_tree *t, const ui_widget_class *cls)
{
    class_find f = {cls, NULL};
    ui_tree_visit(t, visit_class, &f);
    return f.found;
}

ui_ref *demo_ref_new(ui_element *e)
{
    ui_ref *r = rt_malloc(sizeof *r);
    if (r) *r = ui_ref_of(e);
    return r;
}

void demo_ref_free(void *ref)
{
    rt_free(ref);
}
