/* ui_devtools.c: the developer tools around an app's root: the app fills
 * the space and the performance overlay, when shown, floats at the top
 * right (Flutter's WidgetsApp.showPerformanceOverlay). */
#include <islet/ui_devtools.h>
#include <islet/ui_widgets.h>

#include <math.h>
#include <stddef.h>

#define MARGIN 8.0f

/* ---- The layout: the app, then the overlay over it ---- */

static ui_size stack_layout(ui_element *e, ui_constraints c)
{
    /* The app takes all the room there is (bounded sides tight). */
    ui_constraints app = c;
    if (c.max_w < UI_INF) app.min_w = c.max_w;
    if (c.max_h < UI_INF) app.min_h = c.max_h;
    ui_element *child = ui_element_child(e, 0);
    ui_size me = child ? ui_layout_child(child, app) : ui_constrain(app, (ui_size){0, 0});
    if (child) ui_position_child(child, 0, 0);
    ui_element *overlay = ui_element_child(e, 1);
    if (!overlay) return me;
    /* Inside the margin whatever the app's widgets do: its place depends on
     * the space alone. */
    ui_constraints room = {0, fmaxf(me.w - 2 * MARGIN, 0), 0, fmaxf(me.h - 2 * MARGIN, 0)};
    ui_size o = ui_layout_child(overlay, room);
    ui_position_child(overlay, roundf(me.w - MARGIN - o.w), MARGIN);
    return me;
}

static const ui_widget_class stack_class = {.name = "DevToolsLayout", .layout = stack_layout};

/* ---- The stateful wrapper ---- */

typedef struct devtools_props {
    bool overlay_initially;
    ui_widget *child;
} devtools_props;

typedef struct devtools_state {
    bool shown;
} devtools_state;

static void devtools_init(ui_element *e)
{
    ((devtools_state *)ui_state(e))->shown =
        ((const devtools_props *)ui_props(e))->overlay_initially;
}

static ui_widget *devtools_build(ui_build *b, ui_element *e)
{
    const devtools_props *p = ui_props(e);
    ui_widget *kids[2] = {p->child ? p->child : ui_sized(b, -1, -1, NULL)};
    size_t n = 1;
    if (((const devtools_state *)ui_state(e))->shown) kids[n++] = ui_perf_overlay(b, UI_NO_KEY);
    return ui_widget_new(b, &stack_class, UI_NO_KEY, NULL, kids, n);
}

static void devtools_describe(ui_element *e, ui_describer *d)
{
    if (((const devtools_state *)ui_state(e))->shown) ui_describe_flag(d, "overlay");
}

const ui_widget_class ui_devtools_class = {.name = "DevTools",
                                           .props_size = sizeof(devtools_props),
                                           .state_size = sizeof(devtools_state),
                                           .init_state = devtools_init,
                                           .build = devtools_build,
                                           .widget_fields = {offsetof(devtools_props, child)},
                                           .nwidget_fields = 1,
                                           .describe = devtools_describe};

ui_widget *ui_devtools(ui_build *b, bool overlay_initially, ui_widget *child)
{
    devtools_props p = {overlay_initially, child};
    return ui_widget_new(b, &ui_devtools_class, UI_NO_KEY, &p, NULL, 0);
}

/* ---- Finding it ---- */

static void find_first(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    ui_element **found = ctx;
    if (!*found && ui_element_class(e) == &ui_devtools_class) *found = e;
}

static ui_element *devtools_of(ui_tree *t)
{
    ui_element *found = NULL;
    ui_tree_visit(t, find_first, &found);
    return found;
}

bool ui_devtools_overlay_shown(ui_tree *t)
{
    ui_element *e = devtools_of(t);
    return e && ((const devtools_state *)ui_state(e))->shown;
}

static void flip(void *state, void *ctx)
{
    (void)ctx;
    devtools_state *s = state;
    s->shown = !s->shown;
}

void ui_devtools_toggle_overlay(ui_tree *t)
{
    ui_element *e = devtools_of(t);
    if (e) ui_set_state(e, flip, NULL);
}
