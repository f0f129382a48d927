/* spy_widget.h: what the element-lifecycle tests (test_lifecycle.c,
 * test_reparent.c, test_inherited.c, test_keys.c, test_tree.c,
 * test_async_widgets.c) share: the tree a test begins and ends, lifecycle
 * hooks that only count or only log their Flutter name, and the tiny classes
 * that are the same in each file (Row, a 10x10 leaf, KeyedSubtree,
 * Inherited, FlipWidget, StatefulWidgetSpy). Include it once per test
 * program. A program uses only some of it: what it leaves out is marked
 * unused (SPY_SHARED) so that -Werror keeps quiet. */
#ifndef SPY_WIDGET_H
#define SPY_WIDGET_H

#include "test_support.h"
#include <islet/ui_widgets.h>

#include <stddef.h>

#define SPY_SHARED __attribute__((unused)) static

/* ---- The tree under test ---- */

SPY_SHARED ui_tree *tree;

/* Lifecycle counts, for the counting hooks below. */
SPY_SHARED int next_id, inits, disposes, updates, deactivations, activations;

/* Enters the main isolate with zeroed counts and an empty order log, and
 * makes a w x h tree without a canvas. */
SPY_SHARED void begin_tree(float w, float h)
{
    ts_main_enter(NULL);
    next_id = inits = disposes = updates = deactivations = activations = 0;
    ts_log_reset();
    tree = ui_tree_new(w, h, NULL);
    assert_non_null(tree);
}

SPY_SHARED void end(void)
{
    ui_tree_free(tree);
    tree = NULL;
    ts_main_leave(); /* every element, state, held widget and arena byte came back */
}

/* ---- Counting hooks: each counts its call ---- */

/* init_state: numbers the state (whose first field is an int id) and counts. */
SPY_SHARED void count_init(ui_element *e)
{
    *(int *)ui_state(e) = ++next_id;
    inits++;
}

SPY_SHARED void count_update(ui_element *e, const void *old)
{
    (void)e;
    (void)old;
    updates++;
}

SPY_SHARED void count_deactivate(ui_element *e)
{
    (void)e;
    deactivations++;
}

SPY_SHARED void count_activate(ui_element *e)
{
    (void)e;
    activations++;
}

SPY_SHARED void count_dispose(ui_element *e)
{
    (void)e;
    disposes++;
}

/* DependentStatefulWidget (framework_test.dart): counts did_change_dependencies
 * and deactivate (in globals: the state itself is freed with its element). */
SPY_SHARED int dcd_count, deactivated_count;

SPY_SHARED void dependent_dcd(ui_element *e)
{
    (void)e;
    dcd_count++;
}

SPY_SHARED void dependent_deactivate(ui_element *e)
{
    (void)e;
    deactivated_count++;
}

/* ---- Logging hooks: each logs its Flutter name to the order log ---- */

SPY_SHARED void spy_init_state(ui_element *e)
{
    (void)e;
    ts_log("initState");
}

SPY_SHARED void spy_did_update_widget(ui_element *e, const void *old)
{
    (void)e;
    (void)old;
    ts_log("didUpdateWidget");
}

SPY_SHARED void spy_deactivate(ui_element *e)
{
    (void)e;
    ts_log("deactivate");
}

SPY_SHARED void spy_activate(ui_element *e)
{
    (void)e;
    ts_log("activate");
}

SPY_SHARED void spy_dispose(ui_element *e)
{
    (void)e;
    ts_log("dispose");
}

/* StatefulWidgetSpy (framework_test.dart): the logging hooks above and
 * build_fn, the file's own (it logs "build" and returns the file's
 * Container). */
#define SPY_CLASS(build_fn)                                                                        \
    {                                                                                              \
        .name = "StatefulWidgetSpy", .state_size = sizeof(int), .init_state = spy_init_state,      \
        .did_update_widget = spy_did_update_widget, .deactivate = spy_deactivate,                  \
        .activate = spy_activate, .dispose = spy_dispose, .build = (build_fn)                      \
    }

/* ---- Render classes ---- */

/* Row: children left to right, each loosely constrained. */
static ui_size row_layout(ui_element *e, ui_constraints c)
{
    float x = 0, h = 0;
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_size s = ui_layout_child(ui_element_child(e, i), ui_loosen(c));
        ui_position_child(ui_element_child(e, i), x, 0);
        x += s.w;
        h = s.h > h ? s.h : h;
    }
    return ui_constrain(c, (ui_size){x, h});
}

static const ui_widget_class row_class = {.name = "Row", .layout = row_layout};

/* A leaf of 10 x 10 (as far as the constraints allow). */
SPY_SHARED ui_size fixed_layout(ui_element *e, ui_constraints c)
{
    (void)e;
    return ui_constrain(c, (ui_size){10, 10});
}

/* ---- Components ---- */

/* KeyedSubtree (and the like): a stateless component returning widget.child. */
typedef struct child_props {
    ui_widget *child;
} child_props;

static ui_widget *child_build(ui_build *b, ui_element *e)
{
    (void)b;
    return ((const child_props *)ui_props(e))->child;
}

static const ui_widget_class keyed_subtree_class = {.name = "KeyedSubtree",
                                                    .props_size = sizeof(child_props),
                                                    .build = child_build,
                                                    .widget_fields = {offsetof(child_props, child)},
                                                    .nwidget_fields = 1};

/* Inherited(value): notifies when its value changes (no layout: a
 * pass-through, as ui_theme). */
typedef struct inherited_props {
    int value;
} inherited_props;

static bool inherited_notify(const ui_element *e, const void *old)
{
    return ((const inherited_props *)ui_props(e))->value != ((const inherited_props *)old)->value;
}

static const ui_widget_class inherited_class = {.name = "Inherited",
                                                .props_size = sizeof(inherited_props),
                                                .inherited = true,
                                                .update_should_notify = inherited_notify};

/* FlipWidget (Flutter's test_widgets.dart): builds `left` until flipped,
 * then `right`; it holds both widgets (widget_fields), as Flutter's
 * widget.left / widget.right. flip_el: the last one built. */
typedef struct flip_props {
    ui_widget *left, *right;
} flip_props;

typedef struct flip_state {
    bool show_right; /* zeroed: shows left, as _showLeft = true */
} flip_state;

SPY_SHARED ui_element *flip_el;

static ui_widget *flip_build(ui_build *b, ui_element *e)
{
    (void)b;
    flip_el = e;
    const flip_props *p = ui_props(e);
    return ((flip_state *)ui_state(e))->show_right ? p->right : p->left;
}

static const ui_widget_class flip_class = {
    .name = "FlipWidget",
    .props_size = sizeof(flip_props),
    .state_size = sizeof(flip_state),
    .build = flip_build,
    .widget_fields = {offsetof(flip_props, left), offsetof(flip_props, right)},
    .nwidget_fields = 2};

/* The set_state function that flips it. */
SPY_SHARED void flip_toggle(void *state, void *ctx)
{
    (void)ctx;
    flip_state *s = state;
    s->show_right = !s->show_right;
}

#endif
