/* ui_layout_builder.c: LayoutBuilder, a child built from the incoming
 * constraints. Its build runs inside its layout (build_in_layout): when
 * the constraints changed, or when it was rebuilt (a new widget,
 * ui_set_state), as Flutter's RenderLayoutBuilder does. */
#include <islet/ui_layout_widgets.h>
#include "ui_widgets_private.h"

typedef struct builder_props {
    ui_layout_builder_fn fn;
    void *ctx;
} builder_props;

typedef struct builder_state {
    ui_constraints c; /* the constraints of the last build */
    bool built;
} builder_state;

static bool same(ui_constraints a, ui_constraints b)
{
    return a.min_w == b.min_w && a.max_w == b.max_w && a.min_h == b.min_h && a.max_h == b.max_h;
}

static ui_widget *builder_build(ui_build *b, ui_element *e)
{
    const builder_props *p = ui_props(e);
    const builder_state *st = ui_state(e);
    return p->fn ? p->fn(b, e, st->c, p->ctx) : NULL;
}

static ui_size builder_layout(ui_element *e, ui_constraints c)
{
    builder_state *st = ui_state(e);
    bool changed = !st->built || !same(st->c, c);
    st->c = c;
    st->built = true;
    ui_build_in_layout(e, changed);
    ui_element *k = ui_element_child(e, 0);
    if (!k) return ui_constrain(c, (ui_size){0, 0});
    ui_size s = ui_layout_child(k, c);
    ui_position_child(k, 0, 0);
    return s;
}

const ui_widget_class ui_layout_builder_class = {.name = "LayoutBuilder",
                                                 .props_size = sizeof(builder_props),
                                                 .state_size = sizeof(builder_state),
                                                 .build = builder_build,
                                                 .layout = builder_layout,
                                                 .build_in_layout = true};

ui_widget *ui_layout_builder(ui_build *b, ui_layout_builder_fn fn, void *ctx)
{
    builder_props p = {fn, ctx};
    return ui_widget_new(b, &ui_layout_builder_class, UI_NO_KEY, &p, NULL, 0);
}
