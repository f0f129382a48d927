/* test_reparent.c: global keys: an element (and its state) that follows its
 * key to a new parent within one frame, and duplicate keys that abort.
 *
 * Ported from Flutter's packages/flutter/test/widgets/reparent_state_test.dart,
 * reparent_state_harder_test.dart and the GlobalKey tests of
 * framework_test.dart, plus Islet regressions (wrapping a keyed stateful
 * widget in a new container, moving it into a child of its former sibling).
 *
 * The widgets are this file's own, written against ui_tree.h alone:
 *   Stack / Row / Column   multi-child render (children side by side)
 *   Container / SizedBox / Center   single-child render with an optional size
 *   Placeholder / Text     render leaves
 *   StateMarker            stateful component: builds widget.child or a Container
 *   KeyedSubtree, Builder  stateless components (Builder stands in for
 *                          Flutter's LayoutBuilder, which Islet does not have)
 */
#include "spy_widget.h"
#include "test_support.h"
#include <islet/ui_widgets.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Render classes ---- */

typedef struct box_props {
    float w, h; /* < 0: as the child needs */
} box_props;

static ui_size single_layout(ui_element *e, ui_constraints c)
{
    const box_props *p = ui_props(e);
    ui_size s = {p->w > 0 ? p->w : 0, p->h > 0 ? p->h : 0};
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_size cs = ui_layout_child(ui_element_child(e, i), ui_loosen(c));
        ui_position_child(ui_element_child(e, i), 0, 0);
        if (p->w < 0 && cs.w > s.w) s.w = cs.w;
        if (p->h < 0 && cs.h > s.h) s.h = cs.h;
    }
    return ui_constrain(c, s);
}

/* Row (row_class), the 10 x 10 leaf (fixed_layout): spy_widget.h. Stack
 * and Column lay out as Row does (children side by side). */
static const ui_widget_class stack_class = {.name = "Stack", .layout = row_layout};
static const ui_widget_class column_class = {.name = "Column", .layout = row_layout};
static const ui_widget_class container_class = {
    .name = "Container", .props_size = sizeof(box_props), .layout = single_layout};
static const ui_widget_class sized_class = {
    .name = "SizedBox", .props_size = sizeof(box_props), .layout = single_layout};
static const ui_widget_class center_class = {
    .name = "Center", .props_size = sizeof(box_props), .layout = single_layout};
static const ui_widget_class placeholder_class = {.name = "Placeholder", .layout = fixed_layout};

typedef struct text_props {
    const char *text;
} text_props;

static const ui_widget_class text_class = {.name = "Text",
                                           .props_size = sizeof(text_props),
                                           .layout = fixed_layout,
                                           .string_fields = {offsetof(text_props, text)},
                                           .nstring_fields = 1};

/* ---- Lifecycle bookkeeping ---- */

typedef struct counts {
    int inits, disposes, deacts, acts, updates, builds, dcds;
} counts;

static counts cnt; /* (the ids: spy_widget.h's next_id) */

/* How many times s occurs in the order log. */
static int log_count(const char *s)
{
    int n = 0;
    for (const char *p = ts_log_text(); (p = strstr(p, s)) != NULL; p += strlen(s))
        n++;
    return n;
}

/* ---- StateMarker: a stateful component (Flutter's StateMarker) ---- */

typedef struct marker_props {
    ui_widget *child; /* held: built again as widget.child */
    const char *tag;  /* lifecycle events go to the order log as "tag:event" */
} marker_props;

typedef struct marker_state {
    int id;
    char marker[16];
} marker_state;

/* The tag, or NULL (an element's copy of a NULL string field may read as ""). */
static const char *tag_of(ui_element *e)
{
    const char *tag = ((const marker_props *)ui_props(e))->tag;
    return tag && *tag ? tag : NULL;
}

static void marker_init(ui_element *e)
{
    ((marker_state *)ui_state(e))->id = ++next_id;
    cnt.inits++;
    if (tag_of(e)) ts_log("%s:init", tag_of(e));
}

static void marker_update(ui_element *e, const void *old)
{
    (void)old;
    cnt.updates++;
    if (tag_of(e)) ts_log("%s:update", tag_of(e));
}

static void marker_deactivate(ui_element *e)
{
    cnt.deacts++;
    if (tag_of(e)) ts_log("%s:deactivate", tag_of(e));
}

static void marker_activate(ui_element *e)
{
    cnt.acts++;
    if (tag_of(e)) ts_log("%s:activate", tag_of(e));
}

static void marker_dispose(ui_element *e)
{
    cnt.disposes++;
    if (tag_of(e)) ts_log("%s:dispose", tag_of(e));
}

static void marker_dcd(ui_element *e)
{
    (void)e;
    cnt.dcds++;
}

static ui_widget *single(ui_build *b, const ui_widget_class *cls, ui_key k, float w, float h,
                         ui_widget *child);

static ui_widget *marker_build(ui_build *b, ui_element *e)
{
    const marker_props *p = ui_props(e);
    cnt.builds++;
    if (tag_of(e)) ts_log("%s:build", p->tag);
    return p->child ? p->child : single(b, &container_class, UI_NO_KEY, -1, -1, NULL);
}

static const ui_widget_class marker_class = {.name = "StateMarker",
                                             .props_size = sizeof(marker_props),
                                             .state_size = sizeof(marker_state),
                                             .build = marker_build,
                                             .init_state = marker_init,
                                             .did_update_widget = marker_update,
                                             .did_change_dependencies = marker_dcd,
                                             .dispose = marker_dispose,
                                             .deactivate = marker_deactivate,
                                             .activate = marker_activate,
                                             .string_fields = {offsetof(marker_props, tag)},
                                             .nstring_fields = 1,
                                             .widget_fields = {offsetof(marker_props, child)},
                                             .nwidget_fields = 1};

/* ---- KeyedSubtree (spy_widget.h) and Builder: stateless components ---- */

typedef ui_widget *(*builder_fn)(ui_build *b, ui_element *e);
typedef struct builder_props {
    builder_fn fn;
} builder_props;

static ui_widget *builder_build(ui_build *b, ui_element *e)
{
    return ((const builder_props *)ui_props(e))->fn(b, e);
}

static const ui_widget_class builder_class = {
    .name = "Builder", .props_size = sizeof(builder_props), .build = builder_build};

/* ---- Widget constructors ---- */

static ui_widget *multi(ui_build *b, const ui_widget_class *cls, ui_key k, size_t n, ...)
{
    ui_widget **kids = n ? ui_alloc(b, n * sizeof *kids) : NULL;
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        kids[i] = va_arg(ap, ui_widget *);
    va_end(ap);
    return ui_widget_new(b, cls, k, NULL, kids, n);
}

static ui_widget *single(ui_build *b, const ui_widget_class *cls, ui_key k, float w, float h,
                         ui_widget *child)
{
    box_props p = {w, h};
    ui_widget **kids = NULL;
    if (child) {
        kids = ui_alloc(b, sizeof *kids);
        kids[0] = child;
    }
    return ui_widget_new(b, cls, k, &p, kids, child ? 1 : 0);
}

static ui_widget *container(ui_build *b, ui_key k, ui_widget *child)
{
    return single(b, &container_class, k, -1, -1, child);
}

static ui_widget *sized(ui_build *b, ui_key k, float w, float h, ui_widget *child)
{
    return single(b, &sized_class, k, w, h, child);
}

static ui_widget *placeholder(ui_build *b, ui_key k)
{
    return ui_widget_new(b, &placeholder_class, k, NULL, NULL, 0);
}

static ui_widget *text(ui_build *b, ui_key k, const char *s)
{
    text_props p = {s};
    return ui_widget_new(b, &text_class, k, &p, NULL, 0);
}

static ui_widget *marker(ui_build *b, ui_key k, const char *tag, ui_widget *child)
{
    marker_props p = {child, tag};
    return ui_widget_new(b, &marker_class, k, &p, NULL, 0);
}

static ui_widget *keyed_subtree(ui_build *b, ui_key k, ui_widget *child)
{
    child_props p = {child};
    return ui_widget_new(b, &keyed_subtree_class, k, &p, NULL, 0);
}

static ui_widget *builder(ui_build *b, ui_key k, builder_fn fn)
{
    builder_props p = {fn};
    return ui_widget_new(b, &builder_class, k, &p, NULL, 0);
}

/* ---- Finders ---- */

typedef struct find_ctx {
    ui_key key;
    const ui_widget_class *cls;
    size_t n, want;
    ui_element *found;
} find_ctx;

static void find_visit(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    find_ctx *f = ctx;
    bool match = f->cls ? ui_element_class(e) == f->cls : ui_key_eq(ui_element_key(e), f->key);
    if (!match) return;
    if (f->n == f->want) f->found = e;
    f->n++;
}

static size_t count_key(ui_key k)
{
    find_ctx f = {.key = k};
    ui_tree_visit(tree, find_visit, &f);
    return f.n;
}

static ui_element *find_key(ui_key k)
{
    find_ctx f = {.key = k};
    ui_tree_visit(tree, find_visit, &f);
    return f.found;
}

static size_t count_class(const ui_widget_class *cls)
{
    find_ctx f = {.cls = cls};
    ui_tree_visit(tree, find_visit, &f);
    return f.n;
}

/* The i-th element of class cls, depth first (tester.stateList order). */
static ui_element *find_class_at(const ui_widget_class *cls, size_t i)
{
    find_ctx f = {.cls = cls, .want = i};
    ui_tree_visit(tree, find_visit, &f);
    return f.found;
}

/* key.currentState: the marker state of the element holding k, or NULL. */
static marker_state *state_of(ui_key k)
{
    ui_element *e = find_key(k);
    return e ? ui_state(e) : NULL;
}

/* The same, failing the test when there is none. */
static marker_state *must_state(ui_key k)
{
    ui_element *e = find_key(k);
    if (!e) {
        fail_msg("no element has the key '%s'", ui_key_name(k) ? ui_key_name(k) : "?");
        abort(); /* fail_msg does not return; this tells the compiler */
    }
    return ui_state(e);
}

/* ---- Pumping ---- */

typedef ui_widget *(*scene_fn)(ui_build *b);
static scene_fn scene;
static int step;

static ui_widget *scene_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return scene(b);
}

/* tester.pumpWidget: the scene's widget at `s` becomes the root; a frame. */
static void pump_step(scene_fn fn, int s)
{
    scene = fn;
    step = s;
    ui_tree_set_root(tree, scene_root, NULL);
    assert_true(ui_tree_frame(tree));
}

static void begin(void)
{
    memset(&cnt, 0, sizeof cnt);
    begin_tree(800, 600); /* next_id = 0 */
}

/* ======================================================================
 * reparent_state_test.dart
 * ====================================================================== */

static ui_widget *reparent_scene(ui_build *b)
{
    ui_key left = ui_key_global("left"), right = ui_key_global("right");
    switch (step) {
    case 0:
        return multi(
            b, &stack_class, UI_NO_KEY, 2, container(b, UI_NO_KEY, marker(b, left, "left", 0)),
            container(b, UI_NO_KEY, marker(b, right, "right", marker(b, UI_NO_KEY, "grand", 0))));
    case 1:
        return multi(
            b, &stack_class, UI_NO_KEY, 2,
            container(b, UI_NO_KEY, marker(b, right, "right", marker(b, UI_NO_KEY, "grand", 0))),
            container(b, UI_NO_KEY, marker(b, left, "left", 0)));
    default:
        return single(
            b, &center_class, UI_NO_KEY, -1, -1,
            container(b, UI_NO_KEY, marker(b, left, "left", container(b, UI_NO_KEY, NULL))));
    }
}

static ui_widget *reparent_multichild_scene(ui_build *b)
{
    ui_key left = ui_key_global("left"), right = ui_key_global("right");
    switch (step) {
    case 0:
        return multi(b, &stack_class, UI_NO_KEY, 2, marker(b, left, "left", 0),
                     marker(b, right, "right", marker(b, UI_NO_KEY, "grand", 0)));
    case 1:
        return multi(b, &stack_class, UI_NO_KEY, 2,
                     marker(b, right, "right", marker(b, UI_NO_KEY, "grand", 0)),
                     marker(b, left, "left", 0));
    default:
        return single(
            b, &center_class, UI_NO_KEY, -1, -1,
            container(b, UI_NO_KEY, marker(b, left, "left", container(b, UI_NO_KEY, NULL))));
    }
}

/* The body shared by "can reparent state" and its multichild variant. */
static void check_reparent_state(scene_fn fn)
{
    ui_key left = ui_key_global("left"), right = ui_key_global("right");
    pump_step(fn, 0);
    marker_state *left_state = must_state(left), *right_state = must_state(right);
    snprintf(left_state->marker, sizeof left_state->marker, "%s", "left");
    snprintf(right_state->marker, sizeof right_state->marker, "%s", "right");
    /* tester.state(find.byWidget(grandchild)): the right marker's child. */
    ui_element *grandchild = ui_element_child(find_key(right), 0);
    assert_non_null(grandchild);
    assert_ptr_equal(ui_element_class(grandchild), &marker_class);
    marker_state *grandchild_state = ui_state(grandchild);
    snprintf(grandchild_state->marker, sizeof grandchild_state->marker, "%s", "grandchild");
    int left_id = left_state->id, right_id = right_state->id, grand_id = grandchild_state->id;

    pump_step(fn, 1);
    assert_ptr_equal(state_of(left), left_state);
    assert_string_equal(left_state->marker, "left");
    assert_int_equal(left_state->id, left_id);
    assert_ptr_equal(state_of(right), right_state);
    assert_string_equal(right_state->marker, "right");
    assert_int_equal(right_state->id, right_id);
    ui_element *new_grandchild = ui_element_child(find_key(right), 0);
    assert_ptr_equal(new_grandchild, grandchild);
    assert_ptr_equal(ui_state(new_grandchild), grandchild_state);
    assert_string_equal(grandchild_state->marker, "grandchild");
    assert_int_equal(grandchild_state->id, grand_id);
    assert_int_equal(cnt.inits, 3);
    assert_int_equal(cnt.disposes, 0);

    ts_log_reset();
    pump_step(fn, 2);
    assert_ptr_equal(state_of(left), left_state);
    assert_string_equal(left_state->marker, "left");
    assert_int_equal(left_state->id, left_id);
    assert_null(state_of(right));
    assert_int_equal(cnt.inits, 3);
    assert_int_equal(cnt.disposes, 2); /* right and its grandchild */
    assert_false(ui_element_mounted(grandchild));
    /* The root, Center, Container, the left marker and its Container. */
    assert_int_equal(ui_tree_element_count(tree), 5);
}

/* Flutter: packages/flutter/test/widgets/reparent_state_test.dart, "can reparent state" */
static void test_can_reparent_state(void **state)
{
    (void)state;
    begin();
    check_reparent_state(reparent_scene);
    end();
}

/* Flutter: packages/flutter/test/widgets/reparent_state_test.dart, "can reparent state with
 * multichild widgets" */
static void test_can_reparent_state_with_multichild_widgets(void **state)
{
    (void)state;
    begin();
    check_reparent_state(reparent_multichild_scene);
    end();
}

static ui_widget *list_item(ui_build *b, size_t index, void *ctx)
{
    (void)index;
    (void)ctx;
    return sized(b, ui_key_str("container"), -1, 100, marker(b, ui_key_global("key"), 0, 0));
}

static ui_widget *scrollable_scene(ui_build *b)
{
    if (step == 1) return ui_list(b, UI_NO_KEY, 1, 100, list_item, NULL);
    return marker(b, ui_key_global("key"), 0, 0);
}

/* Flutter: packages/flutter/test/widgets/reparent_state_test.dart, "can with scrollable list"
 * (Islet's ui_list for ListView; no Directionality) */
static void test_can_with_scrollable_list(void **state)
{
    (void)state;
    begin();
    ui_key key = ui_key_global("key");
    pump_step(scrollable_scene, 0);
    marker_state *key_state = state_of(key);
    assert_non_null(key_state);
    snprintf(key_state->marker, sizeof key_state->marker, "%s", "marked");
    pump_step(scrollable_scene, 1);
    assert_ptr_equal(state_of(key), key_state);
    assert_string_equal(key_state->marker, "marked");
    /* ui_list keys the repaint boundary around each item by index; the
     * item keeps its own key, as under Flutter's ListView. */
    ui_element *item = ui_element_parent(find_key(key));
    assert_true(ui_key_eq(ui_element_key(item), ui_key_str("container")));
    assert_true(ui_key_eq(ui_element_key(ui_element_parent(item)), ui_key_int(0)));
    pump_step(scrollable_scene, 0);
    assert_ptr_equal(state_of(key), key_state);
    assert_string_equal(key_state->marker, "marked");
    /* The list's elements went: the root, the marker and its Container remain. */
    assert_int_equal(ui_tree_element_count(tree), 3);
    assert_int_equal(cnt.inits, 1);
    assert_int_equal(cnt.disposes, 0);
    end();
}

static ui_widget *update_children_scene(ui_build *b)
{
    ui_key key = ui_key_global("key");
    if (step == 1)
        return multi(b, &stack_class, UI_NO_KEY, 2, sized(b, UI_NO_KEY, 100, 100, NULL),
                     marker(b, key, 0, 0));
    return multi(b, &stack_class, UI_NO_KEY, 2, marker(b, key, 0, 0),
                 sized(b, UI_NO_KEY, 100, 100, NULL));
}

/* Flutter: packages/flutter/test/widgets/reparent_state_test.dart, "Reparent during update
 * children" */
static void test_reparent_during_update_children(void **state)
{
    (void)state;
    begin();
    ui_key key = ui_key_global("key");
    pump_step(update_children_scene, 0);
    marker_state *key_state = state_of(key);
    assert_non_null(key_state);
    snprintf(key_state->marker, sizeof key_state->marker, "%s", "marked");
    pump_step(update_children_scene, 1);
    assert_ptr_equal(state_of(key), key_state);
    assert_string_equal(key_state->marker, "marked");
    assert_ptr_equal(ui_element_child(ui_tree_root(tree), 1), find_key(key));
    pump_step(update_children_scene, 0);
    assert_ptr_equal(state_of(key), key_state);
    assert_string_equal(key_state->marker, "marked");
    assert_ptr_equal(ui_element_child(ui_tree_root(tree), 0), find_key(key));
    assert_int_equal(cnt.inits, 1);
    assert_int_equal(cnt.disposes, 0);
    end();
}

static ui_widget *to_child_scene(ui_build *b)
{
    ui_key key = ui_key_global("key");
    switch (step) {
    case 1:
        return multi(b, &stack_class, UI_NO_KEY, 2,
                     sized(b, UI_NO_KEY, 100, 100, marker(b, key, 0, 0)),
                     sized(b, UI_NO_KEY, 100, 100, NULL));
    case 3:
        return multi(b, &stack_class, UI_NO_KEY, 2, sized(b, UI_NO_KEY, 100, 100, NULL),
                     sized(b, UI_NO_KEY, 100, 100, marker(b, key, 0, 0)));
    default:
        return multi(b, &stack_class, UI_NO_KEY, 3, sized(b, UI_NO_KEY, 100, 100, NULL),
                     marker(b, key, 0, 0), sized(b, UI_NO_KEY, 100, 100, NULL));
    }
}

/* Flutter: packages/flutter/test/widgets/reparent_state_test.dart, "Reparent to child during
 * update children" */
static void test_reparent_to_child_during_update_children(void **state)
{
    (void)state;
    begin();
    ui_key key = ui_key_global("key");
    pump_step(to_child_scene, 0);
    marker_state *key_state = state_of(key);
    assert_non_null(key_state);
    snprintf(key_state->marker, sizeof key_state->marker, "%s", "marked");
    ui_element *el = find_key(key);
    for (int s = 1; s <= 4; s++) {
        pump_step(to_child_scene, s);
        assert_ptr_equal(find_key(key), el);
        assert_ptr_equal(state_of(key), key_state);
        assert_string_equal(key_state->marker, "marked");
        assert_int_equal(count_key(key), 1);
    }
    assert_ptr_equal(ui_element_parent(el), ui_tree_root(tree));
    assert_int_equal(cnt.inits, 1);
    assert_int_equal(cnt.disposes, 0);
    assert_int_equal(cnt.deacts, 4);
    assert_int_equal(cnt.acts, 4);
    end();
}

/* DeactivateLogger: logs its deactivate and its builds. */
static ui_widget *logger_build(ui_build *b, ui_element *e)
{
    (void)e;
    ts_log("build");
    return container(b, UI_NO_KEY, NULL);
}

static const ui_widget_class logger_class = {.name = "DeactivateLogger",
                                             .state_size = sizeof(int),
                                             .build = logger_build,
                                             .deactivate = spy_deactivate};
/* One widget instance for both frames, as Flutter's `final logger`. */
static ui_widget logger_widget = UI_CONST_WIDGET(&logger_class, NULL);

static ui_widget *deactivate_scene(ui_build *b)
{
    /* Container(key: UniqueKey(), child: logger): a new key each pump. */
    return container(b, ui_key_int(step), &logger_widget);
}

/* Flutter: packages/flutter/test/widgets/reparent_state_test.dart, "Deactivate implies build" */
static void test_deactivate_implies_build(void **state)
{
    (void)state;
    begin();
    logger_widget.key = ui_key_global("logger");
    pump_step(deactivate_scene, 1);
    assert_string_equal(ts_log_text(), "build");
    pump_step(deactivate_scene, 2);
    assert_string_equal(ts_log_text(), "build, deactivate, build");
    ts_log_reset();
    ui_tree_frame(tree); /* tester.pump() */
    assert_string_equal(ts_log_text(), "");
    end();
}

static ui_widget *multiple_moves_scene(ui_build *b)
{
    ui_key k1 = ui_key_global("key1"), k2 = ui_key_global("key2"), k3 = ui_key_global("key3");
    if (step == 0)
        return multi(
            b, &row_class, UI_NO_KEY, 1,
            marker(b, k1, "k1",
                   marker(b, k2, "k2",
                          marker(b, k3, "k3",
                                 marker(b, UI_NO_KEY, 0, sized(b, UI_NO_KEY, 100, -1, NULL))))));
    return multi(
        b, &row_class, UI_NO_KEY, 2,
        marker(b, k2, "k2", marker(b, UI_NO_KEY, 0, sized(b, UI_NO_KEY, 100, -1, NULL))),
        marker(b, k1, "k1",
               marker(b, k3, "k3", marker(b, UI_NO_KEY, 0, sized(b, UI_NO_KEY, 100, -1, NULL)))));
}

/* Flutter: packages/flutter/test/widgets/reparent_state_test.dart, "Reparenting with multiple
 * moves" (Flutter only checks that nothing throws; the states are checked here too) */
static void test_reparenting_with_multiple_moves(void **state)
{
    (void)state;
    begin();
    ui_key k1 = ui_key_global("key1"), k2 = ui_key_global("key2"), k3 = ui_key_global("key3");
    pump_step(multiple_moves_scene, 0);
    marker_state *s1 = state_of(k1), *s2 = state_of(k2), *s3 = state_of(k3);
    ui_element *inner3 = ui_element_child(find_key(k3), 0);
    marker_state *si = ui_state(inner3);
    assert_int_equal(cnt.inits, 4);
    ts_log_reset();
    pump_step(multiple_moves_scene, 1);
    assert_ptr_equal(state_of(k1), s1);
    assert_ptr_equal(state_of(k2), s2);
    assert_ptr_equal(state_of(k3), s3);
    assert_int_equal(s1->id, 1);
    assert_int_equal(s2->id, 2);
    assert_int_equal(s3->id, 3);
    /* k3 keeps its unkeyed child; k2 gets a new one. */
    assert_ptr_equal(ui_element_child(find_key(k3), 0), inner3);
    assert_ptr_equal(ui_state(inner3), si);
    assert_ptr_equal(ui_element_parent(find_key(k3)), find_key(k1));
    assert_ptr_equal(ui_element_parent(find_key(k2)), ui_tree_root(tree));
    assert_int_equal(cnt.inits, 5);
    assert_int_equal(cnt.disposes, 0);
    /* k2 was taken from k1 (its subtree, with k3, deactivated and activated
     * with it); k2's rebuild then dropped k3, which k1 took back. */
    assert_int_equal(log_count("k1:deactivate"), 0);
    assert_int_equal(log_count("k2:deactivate"), 1);
    assert_int_equal(log_count("k2:activate"), 1);
    assert_int_equal(log_count("k3:deactivate"), 2);
    assert_int_equal(log_count("k3:activate"), 2);
    assert_int_equal(log_count(":update"), 3);
    assert_int_equal(log_count(":dispose"), 0);
    end();
}

/* ======================================================================
 * reparent_state_harder_test.dart
 * ====================================================================== */

typedef struct switcher_props {
    ui_widget *a, *b;
} switcher_props;

typedef struct switcher_state {
    bool b_first;
} switcher_state;

static ui_widget *switcher_build(ui_build *b, ui_element *e)
{
    const switcher_props *p = ui_props(e);
    const switcher_state *s = ui_state(e);
    if (!s->b_first)
        return multi(b, &stack_class, UI_NO_KEY, 2, keyed_subtree(b, UI_NO_KEY, p->a), p->b);
    return multi(b, &stack_class, UI_NO_KEY, 2, keyed_subtree(b, UI_NO_KEY, p->b), p->a);
}

static const ui_widget_class switcher_class = {
    .name = "OrderSwitcher",
    .props_size = sizeof(switcher_props),
    .state_size = sizeof(switcher_state),
    .build = switcher_build,
    .widget_fields = {offsetof(switcher_props, a), offsetof(switcher_props, b)},
    .nwidget_fields = 2};

static void switch_children(void *state, void *ctx)
{
    (void)ctx;
    ((switcher_state *)state)->b_first = true;
}

/* DummyStatefulWidget: a keyed stateful leaf that builds Text('LEAF'). */
static void dummy_init(ui_element *e)
{
    *(int *)ui_state(e) = ++next_id;
}

static ui_widget *dummy_build(ui_build *b, ui_element *e)
{
    (void)e;
    return text(b, UI_NO_KEY, "LEAF");
}

static const ui_widget_class dummy_class = {.name = "DummyStatefulWidget",
                                            .state_size = sizeof(int),
                                            .init_state = dummy_init,
                                            .build = dummy_build};

/* RekeyableDummyStatefulWidgetWrapper: builds a Dummy with the key in its state. */
typedef struct rekeyable_props {
    ui_key initial_key;
} rekeyable_props;

static void rekeyable_init(ui_element *e)
{
    *(ui_key *)ui_state(e) = ((const rekeyable_props *)ui_props(e))->initial_key;
}

static ui_widget *rekeyable_build(ui_build *b, ui_element *e)
{
    return ui_widget_new(b, &dummy_class, *(ui_key *)ui_state(e), NULL, NULL, 0);
}

static const ui_widget_class rekeyable_class = {.name = "RekeyableDummyStatefulWidgetWrapper",
                                                .props_size = sizeof(rekeyable_props),
                                                .state_size = sizeof(ui_key),
                                                .init_state = rekeyable_init,
                                                .build = rekeyable_build};

static void set_child_key(void *state, void *ctx)
{
    *(ui_key *)state = *(const ui_key *)ctx;
}

static ui_widget *rekeyable(ui_build *b, ui_key initial)
{
    rekeyable_props p = {initial};
    return ui_widget_new(b, &rekeyable_class, UI_NO_KEY, &p, NULL, 0);
}

static ui_widget *weird_level4(ui_build *b, ui_element *e)
{
    (void)e; /* Flutter's LayoutBuilder; here a fourth Builder */
    return rekeyable(b, ui_key_global("D"));
}

static ui_widget *weird_level3(ui_build *b, ui_element *e)
{
    (void)e;
    return builder(b, UI_NO_KEY, weird_level4);
}

static ui_widget *weird_level2(ui_build *b, ui_element *e)
{
    (void)e;
    return builder(b, UI_NO_KEY, weird_level3);
}

static ui_widget *weird_level1(ui_build *b, ui_element *e)
{
    (void)e;
    return builder(b, UI_NO_KEY, weird_level2);
}

static ui_widget *weird_scene(ui_build *b)
{
    switcher_props p = {
        keyed_subtree(b, ui_key_global("A"), rekeyable(b, ui_key_global("C"))),
        keyed_subtree(b, ui_key_global("B"), builder(b, UI_NO_KEY, weird_level1)),
    };
    return ui_widget_new(b, &switcher_class, ui_key_global("Root"), &p, NULL, 0);
}

/* Flutter: packages/flutter/test/widgets/reparent_state_harder_test.dart, "Handle GlobalKey
 * reparenting in weird orders" (the LayoutBuilder is a Builder: Islet has no builds during
 * layout, so keyD's subtree rebuilds in the build phase) */
static void test_handle_global_key_reparenting_in_weird_orders(void **state)
{
    (void)state;
    begin();
    ui_key ka = ui_key_global("A"), kb = ui_key_global("B"), kc = ui_key_global("C"),
           kd = ui_key_global("D");
    pump_step(weird_scene, 0);
    assert_int_equal(count_key(ka), 1);
    assert_int_equal(count_key(kb), 1);
    assert_int_equal(count_key(kc), 1);
    assert_int_equal(count_key(kd), 1);
    assert_int_equal(count_class(&rekeyable_class), 2);
    assert_int_equal(count_class(&dummy_class), 2);
    ui_element *c_el = find_key(kc);
    int c_id = *(int *)ui_state(c_el);

    ui_set_state(find_key(ui_key_global("Root")), switch_children, NULL);
    ui_element *a = find_class_at(&rekeyable_class, 0), *b = find_class_at(&rekeyable_class, 1);
    assert_non_null(a);
    assert_non_null(b);
    ui_key none = UI_NO_KEY;
    ui_set_state(a, set_child_key, &none);
    ui_set_state(b, set_child_key, &kc);
    assert_true(ui_tree_frame(tree));

    assert_int_equal(count_key(ka), 1);
    assert_int_equal(count_key(kb), 1);
    assert_int_equal(count_key(kc), 1);
    assert_int_equal(count_key(kd), 0);
    assert_int_equal(count_class(&rekeyable_class), 2);
    assert_int_equal(count_class(&dummy_class), 2);
    /* keyC's element (and state) went to the wrapper under keyB. */
    assert_ptr_equal(find_key(kc), c_el);
    assert_int_equal(*(int *)ui_state(c_el), c_id);
    assert_ptr_equal(ui_element_parent(c_el), b);
    /* Now b comes first in the stack. */
    assert_ptr_equal(find_class_at(&rekeyable_class, 0), b);
    end();
}

/* ======================================================================
 * framework_test.dart: GlobalKey correct cases
 * ====================================================================== */

static ui_widget *correct1_inner(ui_build *b, ui_element *e)
{
    (void)e; /* the LayoutBuilder's builder */
    return step == 0 ? placeholder(b, UI_NO_KEY) : sized(b, ui_key_global("correct"), -1, -1, 0);
}

static ui_widget *correct1_scene(ui_build *b)
{
    ui_key key = ui_key_global("correct");
    return multi(b, &stack_class, UI_NO_KEY, 2,
                 container(b, ui_key_int(1),
                           step == 0 ? sized(b, key, -1, -1, NULL) : placeholder(b, UI_NO_KEY)),
                 builder(b, ui_key_int(2), correct1_inner));
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey correct case 1 - can
 * move global key from container widget to layoutbuilder" (LayoutBuilder -> Builder) */
static void test_global_key_correct_case_1(void **state)
{
    (void)state;
    begin();
    ui_key key = ui_key_global("correct");
    pump_step(correct1_scene, 0);
    ui_element *el = find_key(key);
    assert_non_null(el);
    assert_ptr_equal(ui_element_class(ui_element_parent(el)), &container_class);
    pump_step(correct1_scene, 1);
    assert_ptr_equal(find_key(key), el);
    assert_true(ui_element_mounted(el));
    assert_ptr_equal(ui_element_class(ui_element_parent(el)), &builder_class);
    assert_int_equal(count_key(key), 1);
    end();
}

static ui_widget *correct2_inner(ui_build *b, ui_element *e)
{
    (void)e;
    return step == 1 ? placeholder(b, UI_NO_KEY) : sized(b, ui_key_global("correct"), -1, -1, 0);
}

static ui_widget *correct2_scene(ui_build *b)
{
    ui_key key = ui_key_global("correct");
    return multi(b, &stack_class, UI_NO_KEY, 2,
                 container(b, ui_key_int(1),
                           step == 1 ? sized(b, key, -1, -1, NULL) : placeholder(b, UI_NO_KEY)),
                 builder(b, ui_key_int(2), correct2_inner));
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey correct case 2 - can
 * move global key from layoutbuilder to container widget" (LayoutBuilder -> Builder) */
static void test_global_key_correct_case_2(void **state)
{
    (void)state;
    begin();
    ui_key key = ui_key_global("correct");
    pump_step(correct2_scene, 0);
    ui_element *el = find_key(key);
    assert_non_null(el);
    assert_ptr_equal(ui_element_class(ui_element_parent(el)), &builder_class);
    pump_step(correct2_scene, 1);
    assert_ptr_equal(find_key(key), el);
    assert_true(ui_element_mounted(el));
    assert_ptr_equal(ui_element_class(ui_element_parent(el)), &container_class);
    assert_int_equal(count_key(key), 1);
    end();
}

/* _Stateful: a stateful component that builds widget.child; its build
 * records widget.child's key in *record (StatefulElementSpy.rebuild). */
typedef struct stateful_props {
    ui_widget *child;
    ui_key *record;
} stateful_props;

static int noise; /* a record written twice ("We don't want noise") */

static ui_widget *stateful_build(ui_build *b, ui_element *e)
{
    (void)b;
    const stateful_props *p = ui_props(e);
    cnt.builds++;
    if (p->record) {
        if (!ui_key_is_none(*p->record)) noise++;
        *p->record = p->child->key;
    }
    return p->child;
}

static const ui_widget_class stateful_class = {.name = "_Stateful",
                                               .props_size = sizeof(stateful_props),
                                               .state_size = sizeof(int),
                                               .build = stateful_build,
                                               .widget_fields = {offsetof(stateful_props, child)},
                                               .nwidget_fields = 1};

static ui_widget *stateful(ui_build *b, ui_widget *child, ui_key *record)
{
    stateful_props p = {child, record};
    return ui_widget_new(b, &stateful_class, UI_NO_KEY, &p, NULL, 0);
}

static ui_key second_before, first_after, second_after, third_after;

static void reset_records(void)
{
    second_before = first_after = second_after = third_after = UI_NO_KEY;
    noise = 0;
}

static ui_widget *early3_column(ui_build *b, ui_element *e)
{
    (void)e;
    ui_key k1 = ui_key_global("Text1"), k2 = ui_key_global("Text2");
    if (step == 0)
        return multi(b, &column_class, UI_NO_KEY, 2, stateful(b, text(b, k1, "Text1"), NULL),
                     stateful(b, text(b, k2, "Text2"), &second_before));
    return multi(b, &column_class, UI_NO_KEY, 2, stateful(b, text(b, k2, "Text2"), &first_after),
                 stateful(b, text(b, k1, "Text1"), &second_after));
}

static ui_widget *early3_scene(ui_build *b)
{
    return builder(b, UI_NO_KEY, early3_column);
}

/* The early rebuild Flutter's cases 3 to 5 look for happens when a dirty
 * child builds before its LayoutBuilder parent (which builds during
 * layout). Islet builds parents first and has no LayoutBuilder, so what is
 * checked instead: the dirty child is updated by its parent in the same
 * frame and built once, with the new widget, and the texts follow their
 * global keys. */

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey correct case 3 - can
 * deal with early rebuild in layoutbuilder - move backward" (adapted, see above) */
static void test_global_key_correct_case_3(void **state)
{
    (void)state;
    begin();
    ui_key k1 = ui_key_global("Text1"), k2 = ui_key_global("Text2");
    reset_records();
    pump_step(early3_scene, 0);
    assert_true(ui_key_eq(second_before, k2));
    second_before = UI_NO_KEY; /* clear the first build's noise */
    ui_element *t1 = find_key(k1), *t2 = find_key(k2);
    ui_set_state(find_class_at(&stateful_class, 1), NULL, NULL); /* state.rebuild() */
    cnt.builds = 0;
    pump_step(early3_scene, 1);
    assert_true(ui_key_eq(first_after, k2));
    assert_true(ui_key_eq(second_after, k1));
    assert_true(ui_key_is_none(second_before)); /* never built with its old widget */
    assert_int_equal(noise, 0);
    assert_int_equal(cnt.builds, 2); /* each _Stateful once */
    assert_ptr_equal(find_key(k1), t1);
    assert_ptr_equal(find_key(k2), t2);
    assert_ptr_equal(ui_element_parent(t2), find_class_at(&stateful_class, 0));
    assert_ptr_equal(ui_element_parent(t1), find_class_at(&stateful_class, 1));
    end();
}

static ui_widget *early4_column(ui_build *b, ui_element *e)
{
    (void)e;
    ui_key k1 = ui_key_global("Text1"), k2 = ui_key_global("Text2"), k3 = ui_key_global("Text3");
    if (step == 0)
        return multi(b, &column_class, UI_NO_KEY, 3, stateful(b, text(b, k1, "Text1"), NULL),
                     stateful(b, text(b, k2, "Text2"), &second_before),
                     stateful(b, text(b, k3, "Text3"), NULL));
    return multi(b, &column_class, UI_NO_KEY, 3, stateful(b, text(b, k1, "Text1"), NULL),
                 stateful(b, text(b, k3, "Text3"), &second_after),
                 stateful(b, text(b, k2, "Text2"), &third_after));
}

static ui_widget *early4_scene(ui_build *b)
{
    return builder(b, UI_NO_KEY, early4_column);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey correct case 4 - can
 * deal with early rebuild in layoutbuilder - move forward" (adapted, see case 3) */
static void test_global_key_correct_case_4(void **state)
{
    (void)state;
    begin();
    ui_key k2 = ui_key_global("Text2"), k3 = ui_key_global("Text3");
    reset_records();
    pump_step(early4_scene, 0);
    assert_true(ui_key_eq(second_before, k2));
    second_before = UI_NO_KEY;
    ui_element *t2 = find_key(k2), *t3 = find_key(k3);
    ui_set_state(find_class_at(&stateful_class, 1), NULL, NULL);
    cnt.builds = 0;
    pump_step(early4_scene, 1);
    assert_true(ui_key_eq(second_after, k3));
    assert_true(ui_key_eq(third_after, k2));
    assert_true(ui_key_is_none(second_before));
    assert_int_equal(noise, 0);
    assert_int_equal(cnt.builds, 3);
    assert_ptr_equal(find_key(k2), t2);
    assert_ptr_equal(find_key(k3), t3);
    assert_ptr_equal(ui_element_parent(t3), find_class_at(&stateful_class, 1));
    assert_ptr_equal(ui_element_parent(t2), find_class_at(&stateful_class, 2));
    end();
}

static ui_widget *early5_column(ui_build *b, ui_element *e)
{
    (void)e;
    ui_key k1 = ui_key_global("Text1");
    if (step == 0)
        return multi(b, &column_class, UI_NO_KEY, 3, stateful(b, text(b, UI_NO_KEY, "Text1"), NULL),
                     stateful(b, text(b, k1, "Text2"), &second_before),
                     stateful(b, text(b, UI_NO_KEY, "Text3"), NULL));
    return multi(b, &column_class, UI_NO_KEY, 3, stateful(b, text(b, UI_NO_KEY, "Text1"), NULL),
                 stateful(b, text(b, UI_NO_KEY, "Text3"), NULL),
                 stateful(b, text(b, k1, "Text2"), &third_after));
}

static ui_widget *early5_scene(ui_build *b)
{
    return builder(b, UI_NO_KEY, early5_column);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey correct case 5 - can
 * deal with early rebuild in layoutbuilder - only one global key" (adapted, see case 3) */
static void test_global_key_correct_case_5(void **state)
{
    (void)state;
    begin();
    ui_key k1 = ui_key_global("Text1");
    reset_records();
    pump_step(early5_scene, 0);
    assert_true(ui_key_eq(second_before, k1));
    second_before = UI_NO_KEY;
    ui_element *t = find_key(k1);
    ui_set_state(find_class_at(&stateful_class, 1), NULL, NULL);
    cnt.builds = 0;
    pump_step(early5_scene, 1);
    assert_true(ui_key_eq(third_after, k1));
    assert_true(ui_key_is_none(second_before));
    assert_int_equal(noise, 0);
    assert_int_equal(cnt.builds, 3);
    assert_ptr_equal(find_key(k1), t);
    assert_ptr_equal(ui_element_parent(t), find_class_at(&stateful_class, 2));
    /* The second _Stateful now shows the unkeyed Text3. */
    assert_string_equal(
        ((const text_props *)ui_props(ui_element_child(find_class_at(&stateful_class, 1), 0)))
            ->text,
        "Text3");
    end();
}

/* ======================================================================
 * framework_test.dart: GlobalKey duplication (must abort, naming the key)
 * ====================================================================== */

static ui_key problematic(void)
{
    return ui_key_global("problematic");
}

/* Runs scene steps 0..last in a child process; the last must abort. */
static void child_run(scene_fn fn, int last)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(800, 600, NULL);
    for (int s = 0; s <= last; s++)
        pump_step(fn, s);
    /* Not aborted: leave cleanly so that only the missing abort is reported. */
    ui_tree_free(tree);
    rt_main_leave();
}

static ui_widget *dup1_scene(ui_build *b)
{
    ui_key key = problematic();
    return multi(b, &stack_class, UI_NO_KEY, 2,
                 container(b, ui_key_int(1), sized(b, key, -1, -1, NULL)),
                 container(b, ui_key_int(2), placeholder(b, key)));
}

static void child_dup1(void)
{
    child_run(dup1_scene, 0);
}

static ui_widget *dup2_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0)
        return multi(b, &stack_class, UI_NO_KEY, 3, container(b, ui_key_int(1), NULL),
                     container(b, ui_key_int(2), NULL), container(b, key, NULL));
    return dup1_scene(b);
}

static void child_dup2(void)
{
    child_run(dup2_scene, 1);
}

static ui_widget *dup3_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0) return multi(b, &stack_class, UI_NO_KEY, 1, container(b, key, NULL));
    return multi(b, &stack_class, UI_NO_KEY, 2, sized(b, key, -1, -1, NULL), placeholder(b, key));
}

static void child_dup3(void)
{
    child_run(dup3_scene, 1);
}

static ui_widget *dup4_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0) return multi(b, &stack_class, UI_NO_KEY, 1, container(b, key, NULL));
    return multi(b, &stack_class, UI_NO_KEY, 2, container(b, key, NULL), placeholder(b, key));
}

static void child_dup4(void)
{
    child_run(dup4_scene, 1);
}

static ui_widget *dup5_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0) return multi(b, &stack_class, UI_NO_KEY, 1, container(b, key, NULL));
    return multi(b, &stack_class, UI_NO_KEY, 2, placeholder(b, key), container(b, key, NULL));
}

static void child_dup5(void)
{
    child_run(dup5_scene, 1);
}

static ui_widget *dup6_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0) return multi(b, &stack_class, UI_NO_KEY, 1, container(b, key, NULL));
    return multi(b, &stack_class, UI_NO_KEY, 2, container(b, key, NULL), container(b, key, NULL));
}

static void child_dup6(void)
{
    child_run(dup6_scene, 1);
}

/* Containers keyed <k0>, <k1>, ...; `with` (a bit set) says which have a
 * Container(key: problematic) child. */
static ui_widget *keyed_row(ui_build *b, int first, int n, unsigned with)
{
    ui_widget **kids = ui_alloc(b, (size_t)n * sizeof *kids);
    for (int i = 0; i < n; i++)
        kids[i] = container(b, ui_key_int(first + i),
                            with & (1u << i) ? container(b, problematic(), NULL) : NULL);
    return ui_widget_new(b, &stack_class, UI_NO_KEY, NULL, kids, (size_t)n);
}

static ui_widget *dup7_scene(ui_build *b)
{
    return keyed_row(b, 1, 2, step == 0 ? 1u : 3u);
}

static void child_dup7(void)
{
    child_run(dup7_scene, 1);
}

static ui_widget *dup8_scene(ui_build *b)
{
    return keyed_row(b, 1, 2, step == 0 ? 2u : 3u);
}

static void child_dup8(void)
{
    child_run(dup8_scene, 1);
}

static ui_widget *dup9_scene(ui_build *b)
{
    return keyed_row(b, 0, 3, step == 0 ? 1u : 6u);
}

static void child_dup9(void)
{
    child_run(dup9_scene, 1);
}

static ui_widget *dup10_scene(ui_build *b)
{
    return keyed_row(b, 1, 3, step == 0 ? 4u : 3u);
}

static void child_dup10(void)
{
    child_run(dup10_scene, 1);
}

static ui_widget *dup11_scene(ui_build *b)
{
    ui_key key = problematic();
    return multi(b, &stack_class, UI_NO_KEY, 2, container(b, key, NULL), container(b, key, NULL));
}

static void child_dup11(void)
{
    child_run(dup11_scene, 0);
}

/* Flutter's key1 and key2 are two GlobalKeys with the same debug label; an
 * Islet global key is its string, so key2 gets a label of its own. */
static ui_widget *badness(ui_build *b)
{
    ui_key k1 = problematic(), k2 = ui_key_global("problematic 2"),
           k3 = ui_key_global("also problematic");
    ui_widget *row1 = multi(b, &row_class, UI_NO_KEY, 7, container(b, k1, 0), container(b, k1, 0),
                            container(b, k2, 0), container(b, k2, 0), container(b, k2, 0),
                            container(b, k3, 0), container(b, k2, 0));
    ui_widget *row2 = multi(b, &row_class, UI_NO_KEY, 3, container(b, k1, 0), container(b, k1, 0),
                            container(b, k3, 0));
    return multi(b, &stack_class, UI_NO_KEY, 11, container(b, k1, 0), container(b, k1, 0),
                 container(b, k2, 0), container(b, k1, 0), container(b, k1, 0), container(b, k2, 0),
                 container(b, k1, 0), container(b, k1, 0), row1, row2, container(b, k3, 0));
}

static ui_widget *dup12_scene(ui_build *b)
{
    return badness(b);
}

static void child_dup12(void)
{
    child_run(dup12_scene, 0);
}

static ui_widget *dup13_scene(ui_build *b)
{
    if (step == 0)
        return multi(b, &stack_class, UI_NO_KEY, 3, container(b, problematic(), 0),
                     container(b, ui_key_global("problematic 2"), 0),
                     container(b, ui_key_global("also problematic"), 0));
    return badness(b);
}

static void child_dup13(void)
{
    child_run(dup13_scene, 1);
}

/* 14 and 16: moving (not duplicating) during build is fine. */
static ui_widget *dup14_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0)
        return multi(b, &stack_class, UI_NO_KEY, 3, container(b, key, NULL),
                     container(b, ui_key_int(0), NULL), container(b, ui_key_int(1), NULL));
    return multi(b, &stack_class, UI_NO_KEY, 2, container(b, ui_key_int(0), NULL),
                 container(b, ui_key_int(1), container(b, key, NULL)));
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 14 -
 * moving during build - before" */
static void test_global_key_duplication_14(void **state)
{
    (void)state;
    begin();
    pump_step(dup14_scene, 0);
    ui_element *el = find_key(problematic());
    pump_step(dup14_scene, 1);
    assert_ptr_equal(find_key(problematic()), el);
    assert_int_equal(count_key(problematic()), 1);
    assert_ptr_equal(ui_element_parent(el), find_key(ui_key_int(1)));
    end();
}

static ui_widget *dup15_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0)
        return multi(b, &stack_class, UI_NO_KEY, 3, container(b, key, NULL),
                     container(b, ui_key_int(0), NULL), container(b, ui_key_int(1), NULL));
    return multi(b, &stack_class, UI_NO_KEY, 3, container(b, key, NULL),
                 container(b, ui_key_int(0), NULL),
                 container(b, ui_key_int(1), container(b, key, NULL)));
}

static void child_dup15(void)
{
    child_run(dup15_scene, 1);
}

static ui_widget *dup16_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0)
        return multi(b, &stack_class, UI_NO_KEY, 3, container(b, ui_key_int(0), NULL),
                     container(b, ui_key_int(1), NULL), container(b, key, NULL));
    return multi(b, &stack_class, UI_NO_KEY, 2, container(b, ui_key_int(0), NULL),
                 container(b, ui_key_int(1), container(b, key, NULL)));
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 16 -
 * moving during build - after" */
static void test_global_key_duplication_16(void **state)
{
    (void)state;
    begin();
    pump_step(dup16_scene, 0);
    ui_element *el = find_key(problematic());
    pump_step(dup16_scene, 1);
    assert_ptr_equal(find_key(problematic()), el);
    assert_int_equal(count_key(problematic()), 1);
    assert_ptr_equal(ui_element_parent(el), find_key(ui_key_int(1)));
    end();
}

static ui_widget *dup17_scene(ui_build *b)
{
    ui_key key = problematic();
    if (step == 0)
        return multi(b, &stack_class, UI_NO_KEY, 3, container(b, ui_key_int(0), NULL),
                     container(b, ui_key_int(1), NULL), container(b, key, NULL));
    return multi(b, &stack_class, UI_NO_KEY, 3, container(b, ui_key_int(0), NULL),
                 container(b, ui_key_int(1), container(b, key, NULL)), container(b, key, NULL));
}

static void child_dup17(void)
{
    child_run(dup17_scene, 1);
}

/* SwapKeyWidget: builds Container(key: the key in its state). */
typedef struct swap_props {
    ui_key child_key;
} swap_props;

static void swap_init(ui_element *e)
{
    *(ui_key *)ui_state(e) = ((const swap_props *)ui_props(e))->child_key;
}

static ui_widget *swap_build(ui_build *b, ui_element *e)
{
    return container(b, *(ui_key *)ui_state(e), NULL);
}

static const ui_widget_class swap_class = {.name = "SwapKeyWidget",
                                           .props_size = sizeof(swap_props),
                                           .state_size = sizeof(ui_key),
                                           .init_state = swap_init,
                                           .build = swap_build};

static ui_widget *swap_scene(ui_build *b, ui_widget *third)
{
    swap_props p = {ui_key_int(0)};
    return multi(b, &stack_class, UI_NO_KEY, 3, ui_widget_new(b, &swap_class, UI_NO_KEY, &p, 0, 0),
                 container(b, ui_key_int(1), NULL), third);
}

static ui_widget *dup18_scene(ui_build *b)
{
    return swap_scene(b, container(b, problematic(), NULL));
}

static ui_widget *dup19_scene(ui_build *b)
{
    /* Container(color: green, child: SizedBox(key: key)) */
    return swap_scene(b, container(b, UI_NO_KEY, sized(b, problematic(), -1, -1, NULL)));
}

/* The stack keeps its widget with the key; only SwapKeyWidget rebuilds. */
static void child_swap(scene_fn fn)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(800, 600, NULL);
    pump_step(fn, 0);
    ui_key key = problematic();
    ui_set_state(find_class_at(&swap_class, 0), set_child_key, &key); /* state.swapKey(key) */
    ui_tree_frame(tree);
    ui_tree_free(tree);
    rt_main_leave();
}

static void child_dup18(void)
{
    child_swap(dup18_scene);
}

static void child_dup19(void)
{
    child_swap(dup19_scene);
}

static ui_widget *dup20_column(ui_build *b, ui_element *e)
{
    (void)e;
    ui_key k1 = ui_key_global("Text1"), k2 = ui_key_global("Text2");
    if (step == 0)
        return multi(b, &column_class, UI_NO_KEY, 2, stateful(b, text(b, k1, "Text1"), NULL),
                     stateful(b, text(b, k2, "Text2"), NULL));
    return multi(b, &column_class, UI_NO_KEY, 2, stateful(b, text(b, k2, "Text2"), NULL),
                 stateful(b, text(b, k2, "Text1"), NULL));
}

static ui_widget *dup20_scene(ui_build *b)
{
    return builder(b, UI_NO_KEY, dup20_column);
}

static void child_dup20(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(800, 600, NULL);
    pump_step(dup20_scene, 0);
    ui_set_state(find_class_at(&stateful_class, 1), NULL, NULL); /* state.rebuild() */
    pump_step(dup20_scene, 1);
    ui_tree_free(tree);
    rt_main_leave();
}

/* Aborts with "duplicate global key" and the key's string. */
static void expect_duplicate(const char *child, const char *key_name)
{
    ts_expect_abort(child, "duplicate global key");
    ts_expect_abort(child, key_name);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 1 - double
 * appearance" */
static void test_global_key_duplication_1(void **state)
{
    (void)state;
    expect_duplicate("dup1", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 2 -
 * splitting and changing type" */
static void test_global_key_duplication_2(void **state)
{
    (void)state;
    expect_duplicate("dup2", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 3 -
 * splitting and changing type" */
static void test_global_key_duplication_3(void **state)
{
    (void)state;
    expect_duplicate("dup3", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 4 -
 * splitting and half changing type" */
static void test_global_key_duplication_4(void **state)
{
    (void)state;
    expect_duplicate("dup4", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 5 -
 * splitting and half changing type" */
static void test_global_key_duplication_5(void **state)
{
    (void)state;
    expect_duplicate("dup5", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 6 -
 * splitting and not changing type" */
static void test_global_key_duplication_6(void **state)
{
    (void)state;
    expect_duplicate("dup6", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 7 -
 * appearing later" */
static void test_global_key_duplication_7(void **state)
{
    (void)state;
    expect_duplicate("dup7", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 8 -
 * appearing earlier" */
static void test_global_key_duplication_8(void **state)
{
    (void)state;
    expect_duplicate("dup8", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 9 - moving
 * and appearing later" */
static void test_global_key_duplication_9(void **state)
{
    (void)state;
    expect_duplicate("dup9", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 10 -
 * moving and appearing earlier" */
static void test_global_key_duplication_10(void **state)
{
    (void)state;
    expect_duplicate("dup10", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 11 -
 * double sibling appearance" */
static void test_global_key_duplication_11(void **state)
{
    (void)state;
    expect_duplicate("dup11", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 12 - all
 * kinds of badness at once" */
static void test_global_key_duplication_12(void **state)
{
    (void)state;
    expect_duplicate("dup12", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 13 - all
 * kinds of badness at once" */
static void test_global_key_duplication_13(void **state)
{
    (void)state;
    expect_duplicate("dup13", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 15 -
 * duplicating during build - before" */
static void test_global_key_duplication_15(void **state)
{
    (void)state;
    expect_duplicate("dup15", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 17 -
 * duplicating during build - after" (Flutter reports one error and goes on; Islet aborts) */
static void test_global_key_duplication_17(void **state)
{
    (void)state;
    expect_duplicate("dup17", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 18 -
 * subtree build duplicate key with same type" */
static void test_global_key_duplication_18(void **state)
{
    (void)state;
    expect_duplicate("dup18", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 19 -
 * subtree build duplicate key with different types" */
static void test_global_key_duplication_19(void **state)
{
    (void)state;
    expect_duplicate("dup19", "problematic");
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalKey duplication 20 - real
 * duplication with early rebuild in layoutbuilder will throw" (LayoutBuilder -> Builder) */
static void test_global_key_duplication_20(void **state)
{
    (void)state;
    expect_duplicate("dup20", "Text2");
}

/* ======================================================================
 * framework_test.dart: lifecycle around global keys
 * ====================================================================== */

/* Inherited(value) (spy_widget.h): notifies when its value changes. */
static ui_widget *inherited(ui_build *b, int value, ui_widget *child)
{
    inherited_props p = {value};
    ui_widget **kids = ui_alloc(b, sizeof *kids);
    kids[0] = child;
    return ui_widget_new(b, &inherited_class, UI_NO_KEY, &p, kids, 1);
}

/* DependentStatefulWidget: depends on Inherited, counts didChangeDependencies and deactivate. */
static void dependent_cnt_dcd(ui_element *e)
{
    (void)e;
    cnt.dcds++;
}

static void dependent_cnt_deactivate(ui_element *e)
{
    (void)e;
    cnt.deacts++;
}

static ui_widget *dependent_build(ui_build *b, ui_element *e)
{
    ui_depend_on(e, &inherited_class);
    return sized(b, UI_NO_KEY, -1, -1, NULL);
}

static const ui_widget_class dependent_class = {.name = "DependentStatefulWidget",
                                                .state_size = sizeof(int),
                                                .build = dependent_build,
                                                .did_change_dependencies = dependent_cnt_dcd,
                                                .deactivate = dependent_cnt_deactivate};

static ui_widget *dependent_scene(ui_build *b)
{
    ui_widget *dep = ui_widget_new(b, &dependent_class, ui_key_global("dependent"), 0, 0, 0);
    switch (step) {
    case 0:
        return inherited(b, 1, dep);
    case 1:
        return inherited(b, 2, dep);
    case 2:
        return inherited(b, 3, sized(b, UI_NO_KEY, -1, -1, dep));
    default:
        return inherited(b, 4, sized(b, UI_NO_KEY, -1, -1, NULL));
    }
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "didUpdateDependencies is not
 * called on a State that never rebuilds" */
static void test_did_change_dependencies_not_called_on_state_that_never_rebuilds(void **state)
{
    (void)state;
    begin();
    ui_key key = ui_key_global("dependent");
    /* Initial build: didChangeDependencies, no deactivate. */
    pump_step(dependent_scene, 0);
    ui_element *el = find_key(key);
    assert_non_null(el);
    void *st = ui_state(el);
    assert_int_equal(cnt.dcds, 1);
    assert_int_equal(cnt.deacts, 0);
    /* A new value: didChangeDependencies. */
    pump_step(dependent_scene, 1);
    assert_ptr_equal(find_key(key), el);
    assert_int_equal(cnt.dcds, 2);
    assert_int_equal(cnt.deacts, 0);
    /* Reparented (and a new value): deactivate and one didChangeDependencies. */
    pump_step(dependent_scene, 2);
    assert_ptr_equal(find_key(key), el);
    assert_ptr_equal(ui_state(el), st);
    assert_int_equal(cnt.dcds, 3);
    assert_int_equal(cnt.deacts, 1);
    /* Removed: deactivate, but no didChangeDependencies. */
    pump_step(dependent_scene, 3);
    assert_null(find_key(key));
    assert_int_equal(cnt.dcds, 3);
    assert_int_equal(cnt.deacts, 2);
    end();
}

/* StatefulWidgetSpy (spy_widget.h): logs every lifecycle call by name. */
static ui_widget *spy_build(ui_build *b, ui_element *e)
{
    (void)e;
    ts_log("build");
    return container(b, UI_NO_KEY, NULL);
}

static const ui_widget_class spy_class = SPY_CLASS(spy_build);

static ui_widget *spy_scene(ui_build *b)
{
    ui_key key = step >= 3 ? ui_key_global("spy") : UI_NO_KEY;
    switch (step % 3) {
    case 0:
        return ui_widget_new(b, &spy_class, key, NULL, NULL, 0);
    case 1:
        return container(b, UI_NO_KEY, ui_widget_new(b, &spy_class, key, NULL, NULL, 0));
    default:
        return container(b, UI_NO_KEY, NULL);
    }
}

static void spy_pump(int s, const char *expect)
{
    ts_log_reset();
    pump_step(spy_scene, s);
    assert_string_equal(ts_log_text(), expect);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "Deactivate and activate are
 * called correctly" */
static void test_deactivate_and_activate_are_called_correctly(void **state)
{
    (void)state;
    begin();
    spy_pump(0, "initState, build");
    spy_pump(1, "deactivate, initState, build, dispose");
    spy_pump(2, "deactivate, dispose");
    spy_pump(3, "initState, build"); /* with a GlobalKey from here on */
    spy_pump(4, "deactivate, activate, didUpdateWidget, build");
    spy_pump(5, "deactivate, dispose");
    end();
}

static ui_widget *children_scene(ui_build *b)
{
    return multi(b, &column_class, ui_key_global("key0"), 5, container(b, UI_NO_KEY, NULL),
                 container(b, ui_key_global("key1"), NULL), container(b, UI_NO_KEY, NULL),
                 container(b, ui_key_global("key2"), NULL), container(b, UI_NO_KEY, NULL));
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart,
 * "MultiChildRenderObjectElement.children" */
static void test_multi_child_element_children(void **state)
{
    (void)state;
    begin();
    pump_step(children_scene, 0);
    ui_element *col = find_key(ui_key_global("key0"));
    assert_non_null(col);
    assert_int_equal(ui_element_child_count(col), 5);
    ui_key want[] = {UI_NO_KEY, ui_key_global("key1"), UI_NO_KEY, ui_key_global("key2"), UI_NO_KEY};
    for (size_t i = 0; i < 5; i++)
        assert_true(ui_key_eq(ui_element_key(ui_element_child(col, i)), want[i]));
    end();
}

/* ======================================================================
 * Islet regressions: a globally keyed stateful widget moved in one frame
 * keeps its element and state, is deactivated then activated once, gets
 * did_update_widget and a build, and is never disposed.
 * ====================================================================== */

/* Checks the one move of "g" in the frame that just ran. */
static void check_moved(ui_element *before, int id, counts was)
{
    ui_key g = ui_key_global("g");
    ui_element *el = find_key(g);
    assert_ptr_equal(el, before);
    assert_true(ui_element_mounted(el));
    assert_int_equal(count_key(g), 1);
    assert_int_equal(((marker_state *)ui_state(el))->id, id);
    assert_int_equal(cnt.inits, was.inits);
    assert_int_equal(cnt.disposes, was.disposes);
    assert_string_equal(ts_log_text(), "g:deactivate, g:activate, g:update, g:build");
    /* Nothing more happens to it afterwards. */
    ts_log_reset();
    ui_tree_frame(tree);
    assert_string_equal(ts_log_text(), "");
}

/* Runs scene step 0, then each later step in turn (the marker "g" moving at
 * each), checking the move. */
static void run_moves(scene_fn fn, int last)
{
    begin();
    pump_step(fn, 0);
    ui_element *el = find_key(ui_key_global("g"));
    assert_non_null(el);
    int id = ((marker_state *)ui_state(el))->id;
    strcpy(((marker_state *)ui_state(el))->marker, "kept");
    for (int s = 1; s <= last; s++) {
        counts was = cnt;
        ts_log_reset();
        pump_step(fn, s);
        check_moved(el, id, was);
        assert_string_equal(((marker_state *)ui_state(el))->marker, "kept");
    }
    assert_int_equal(cnt.disposes, 0);
    end();
}

static ui_widget *g_marker(ui_build *b)
{
    return marker(b, ui_key_global("g"), "g", NULL);
}

static ui_widget *wrap_scene(ui_build *b)
{
    /* Stack[g] -> Stack[Container(g)] -> Stack[g] -> Center(Container(g)) */
    switch (step) {
    case 1:
        return multi(b, &stack_class, UI_NO_KEY, 1, container(b, UI_NO_KEY, g_marker(b)));
    case 3:
        return single(b, &center_class, UI_NO_KEY, -1, -1, container(b, UI_NO_KEY, g_marker(b)));
    default:
        return multi(b, &stack_class, UI_NO_KEY, 1, g_marker(b));
    }
}

/* Islet regression: a globally keyed stateful widget wrapped in a new container (and unwrapped,
 * and wrapped at a new root) keeps its state. */
static void test_wrap_in_new_container_keeps_state(void **state)
{
    (void)state;
    run_moves(wrap_scene, 3);
}

static ui_widget *wrap_sibling_scene(ui_build *b)
{
    /* Stack[g, P] -> Stack[Container(g), P]: g's slot changes class, and a
     * later sibling stays. */
    if (step == 1)
        return multi(b, &stack_class, UI_NO_KEY, 2, container(b, UI_NO_KEY, g_marker(b)),
                     placeholder(b, UI_NO_KEY));
    return multi(b, &stack_class, UI_NO_KEY, 2, g_marker(b), placeholder(b, UI_NO_KEY));
}

/* Islet regression: wrapping in a new container with siblings around. */
static void test_wrap_in_new_container_with_sibling_keeps_state(void **state)
{
    (void)state;
    run_moves(wrap_sibling_scene, 2);
}

static ui_widget *into_sibling_after_scene(ui_build *b)
{
    /* Stack[g, Container(k)] -> Stack[Container(k, child: g)] */
    ui_key k = ui_key_str("sibling");
    if (step == 1) return multi(b, &stack_class, UI_NO_KEY, 1, container(b, k, g_marker(b)));
    return multi(b, &stack_class, UI_NO_KEY, 2, g_marker(b), container(b, k, NULL));
}

/* Islet regression: moved into a child of its former (later, keyed) sibling, and back. */
static void test_move_into_later_sibling_keeps_state(void **state)
{
    (void)state;
    run_moves(into_sibling_after_scene, 2);
}

static ui_widget *into_sibling_before_scene(ui_build *b)
{
    /* Stack[Container(k), g] -> Stack[Container(k, child: g)]: the sibling is
     * updated, and takes g, while the stack is still going through its old
     * children. */
    ui_key k = ui_key_str("sibling");
    if (step == 1) return multi(b, &stack_class, UI_NO_KEY, 1, container(b, k, g_marker(b)));
    return multi(b, &stack_class, UI_NO_KEY, 2, container(b, k, NULL), g_marker(b));
}

/* Islet regression: moved into a child of its former (earlier, keyed) sibling, and back. */
static void test_move_into_earlier_sibling_keeps_state(void **state)
{
    (void)state;
    run_moves(into_sibling_before_scene, 2);
}

static ui_widget *into_unkeyed_sibling_scene(ui_build *b)
{
    /* Unkeyed siblings: Stack[g, C, C] -> Stack[C(g), C] -> Stack[C, C(g)]
     * -> Stack[C, g, C] */
    switch (step) {
    case 1:
        return multi(b, &stack_class, UI_NO_KEY, 2, container(b, UI_NO_KEY, g_marker(b)),
                     container(b, UI_NO_KEY, NULL));
    case 2:
        return multi(b, &stack_class, UI_NO_KEY, 2, container(b, UI_NO_KEY, NULL),
                     container(b, UI_NO_KEY, g_marker(b)));
    case 3:
        return multi(b, &stack_class, UI_NO_KEY, 3, container(b, UI_NO_KEY, NULL), g_marker(b),
                     container(b, UI_NO_KEY, NULL));
    default:
        return multi(b, &stack_class, UI_NO_KEY, 3, g_marker(b), container(b, UI_NO_KEY, NULL),
                     container(b, UI_NO_KEY, NULL));
    }
}

/* Islet regression: moved into, between and out of unkeyed siblings. */
static void test_move_among_unkeyed_siblings_keeps_state(void **state)
{
    (void)state;
    run_moves(into_unkeyed_sibling_scene, 3);
}

static ui_widget *old_parent_gone_scene(ui_build *b)
{
    /* The old parent is removed in the frame its keyed child moves. */
    switch (step) {
    case 1: /* Stack[C<1>(g), C<2>] -> Stack[C<2>(g)]: taken from C<1>, then C<1> goes */
        return multi(b, &stack_class, UI_NO_KEY, 1, container(b, ui_key_int(2), g_marker(b)));
    case 2: /* -> Center(C<3>(g)): the whole stack goes first (g with it), then g comes back */
        return single(b, &center_class, UI_NO_KEY, -1, -1,
                      container(b, ui_key_int(3), g_marker(b)));
    case 3: /* -> Center(C<4>(g)): C<3> goes first, then C<4> takes g back */
        return single(b, &center_class, UI_NO_KEY, -1, -1,
                      container(b, ui_key_int(4), g_marker(b)));
    default:
        return multi(b, &stack_class, UI_NO_KEY, 2, container(b, ui_key_int(1), g_marker(b)),
                     container(b, ui_key_int(2), NULL));
    }
}

/* Islet regression (as Flutter's "GlobalKey - re-attach child to new parents, and the old parent
 * is deactivated(unmounted)", without TabBarView): the old parent is disposed, the child not. */
static void test_move_out_of_removed_parent_keeps_state(void **state)
{
    (void)state;
    run_moves(old_parent_gone_scene, 3);
}

static ui_widget *swap_markers_scene(ui_build *b)
{
    ui_key a = ui_key_global("a"), c = ui_key_global("b");
    bool swapped = step == 1;
    return multi(b, &stack_class, UI_NO_KEY, 2,
                 container(b, ui_key_int(1), marker(b, swapped ? c : a, swapped ? "b" : "a", 0)),
                 container(b, ui_key_int(2), marker(b, swapped ? a : c, swapped ? "a" : "b", 0)));
}

/* Islet: two moves in one frame, one in each update order: b's new parent
 * is updated before its old one (b is taken from a live parent), a's after
 * (a was parked when its old parent dropped it). */
static void test_two_moves_in_one_frame_both_orders(void **state)
{
    (void)state;
    begin();
    ui_key a = ui_key_global("a"), c = ui_key_global("b");
    pump_step(swap_markers_scene, 0);
    ui_element *ea = find_key(a), *eb = find_key(c);
    int ida = ((marker_state *)ui_state(ea))->id, idb = ((marker_state *)ui_state(eb))->id;
    for (int s = 1; s <= 4; s++) {
        ts_log_reset();
        pump_step(swap_markers_scene, s & 1);
        assert_ptr_equal(find_key(a), ea);
        assert_ptr_equal(find_key(c), eb);
        assert_int_equal(((marker_state *)ui_state(ea))->id, ida);
        assert_int_equal(((marker_state *)ui_state(eb))->id, idb);
        assert_ptr_equal(ui_element_parent(ea), find_key(ui_key_int(s & 1 ? 2 : 1)));
        assert_ptr_equal(ui_element_parent(eb), find_key(ui_key_int(s & 1 ? 1 : 2)));
        for (int i = 0; i < 2; i++) {
            char ev[32];
            const char *tag = i ? "b" : "a";
            snprintf(ev, sizeof ev, "%s:deactivate", tag);
            assert_int_equal(log_count(ev), 1);
            snprintf(ev, sizeof ev, "%s:activate", tag);
            assert_int_equal(log_count(ev), 1);
            snprintf(ev, sizeof ev, "%s:update", tag);
            assert_int_equal(log_count(ev), 1);
        }
        assert_int_equal(log_count(":dispose"), 0);
        assert_int_equal(log_count(":init"), 0);
    }
    assert_int_equal(cnt.inits, 2);
    assert_int_equal(cnt.disposes, 0);
    end();
}

static ui_widget *rotate_scene(ui_build *b)
{
    static const char *names[] = {"r0", "r1", "r2"};
    ui_widget *kids[3];
    for (int i = 0; i < 3; i++) {
        int m = (i + step) % 3;
        kids[i] = container(b, ui_key_int(i), marker(b, ui_key_global(names[m]), names[m], 0));
    }
    return multi(b, &stack_class, UI_NO_KEY, 3, kids[0], kids[1], kids[2]);
}

/* Islet: three moves in one frame (a rotation among three parents). */
static void test_rotation_in_one_frame(void **state)
{
    (void)state;
    begin();
    static const char *names[] = {"r0", "r1", "r2"};
    ui_element *el[3];
    pump_step(rotate_scene, 0);
    for (int i = 0; i < 3; i++)
        el[i] = find_key(ui_key_global(names[i]));
    for (int s = 1; s <= 6; s++) {
        ts_log_reset();
        pump_step(rotate_scene, s);
        for (int m = 0; m < 3; m++) {
            ui_element *e = find_key(ui_key_global(names[m]));
            assert_ptr_equal(e, el[m]);
            assert_int_equal(((marker_state *)ui_state(e))->id, m + 1);
            /* marker m sits under the container i with (i + s) % 3 == m */
            int i = ((m - s) % 3 + 3) % 3;
            assert_ptr_equal(ui_element_parent(e), find_key(ui_key_int(i)));
        }
        assert_int_equal(log_count(":deactivate"), 3);
        assert_int_equal(log_count(":activate"), 3);
        assert_int_equal(log_count(":update"), 3);
    }
    assert_int_equal(cnt.inits, 3);
    assert_int_equal(cnt.disposes, 0);
    end();
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "BuildOwner.globalKeyCount keeps
 * track of in-use global keys" */
static ui_widget *key_count_scene(ui_build *b)
{
    ui_key k1 = ui_key_global("count-1"), k2 = ui_key_global("count-2");
    switch (step) {
    case 0:
        return container(b, k1, NULL);
    case 1:
        return container(b, k1, container(b, UI_NO_KEY, NULL));
    case 2:
        return container(b, k1, container(b, k2, NULL));
    default:
        return container(b, UI_NO_KEY, NULL);
    }
}

static void test_global_key_count_tracks_in_use_keys(void **state)
{
    (void)state;
    begin();
    size_t initial = ui_tree_global_key_count(tree);
    pump_step(key_count_scene, 0);
    assert_int_equal(ui_tree_global_key_count(tree), initial + 1);
    pump_step(key_count_scene, 1);
    assert_int_equal(ui_tree_global_key_count(tree), initial + 1);
    pump_step(key_count_scene, 2);
    assert_int_equal(ui_tree_global_key_count(tree), initial + 2);
    pump_step(key_count_scene, 3);
    assert_int_equal(ui_tree_global_key_count(tree), initial + 0);
    end();
}

static const ts_child_case cases[] = {
    {"dup1", child_dup1},   {"dup2", child_dup2},   {"dup3", child_dup3},   {"dup4", child_dup4},
    {"dup5", child_dup5},   {"dup6", child_dup6},   {"dup7", child_dup7},   {"dup8", child_dup8},
    {"dup9", child_dup9},   {"dup10", child_dup10}, {"dup11", child_dup11}, {"dup12", child_dup12},
    {"dup13", child_dup13}, {"dup15", child_dup15}, {"dup17", child_dup17}, {"dup18", child_dup18},
    {"dup19", child_dup19}, {"dup20", child_dup20}, {NULL, NULL},
};

/* A failed test jumps out before end(): free its tree so that the next
 * tests start clean. */
static int teardown(void **state)
{
    (void)state;
    if (tree) {
        ui_tree_free(tree);
        tree = NULL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_global_key_count_tracks_in_use_keys),
        cmocka_unit_test_teardown(test_can_reparent_state, teardown),
        cmocka_unit_test_teardown(test_can_reparent_state_with_multichild_widgets, teardown),
        cmocka_unit_test_teardown(test_can_with_scrollable_list, teardown),
        cmocka_unit_test_teardown(test_reparent_during_update_children, teardown),
        cmocka_unit_test_teardown(test_reparent_to_child_during_update_children, teardown),
        cmocka_unit_test_teardown(test_deactivate_implies_build, teardown),
        cmocka_unit_test_teardown(test_reparenting_with_multiple_moves, teardown),
        cmocka_unit_test_teardown(test_handle_global_key_reparenting_in_weird_orders, teardown),
        cmocka_unit_test_teardown(test_global_key_correct_case_1, teardown),
        cmocka_unit_test_teardown(test_global_key_correct_case_2, teardown),
        cmocka_unit_test_teardown(test_global_key_correct_case_3, teardown),
        cmocka_unit_test_teardown(test_global_key_correct_case_4, teardown),
        cmocka_unit_test_teardown(test_global_key_correct_case_5, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_1, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_2, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_3, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_4, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_5, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_6, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_7, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_8, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_9, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_10, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_11, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_12, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_13, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_14, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_15, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_16, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_17, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_18, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_19, teardown),
        cmocka_unit_test_teardown(test_global_key_duplication_20, teardown),
        cmocka_unit_test_teardown(
            test_did_change_dependencies_not_called_on_state_that_never_rebuilds, teardown),
        cmocka_unit_test_teardown(test_deactivate_and_activate_are_called_correctly, teardown),
        cmocka_unit_test_teardown(test_multi_child_element_children, teardown),
        cmocka_unit_test_teardown(test_wrap_in_new_container_keeps_state, teardown),
        cmocka_unit_test_teardown(test_wrap_in_new_container_with_sibling_keeps_state, teardown),
        cmocka_unit_test_teardown(test_move_into_later_sibling_keeps_state, teardown),
        cmocka_unit_test_teardown(test_move_into_earlier_sibling_keeps_state, teardown),
        cmocka_unit_test_teardown(test_move_among_unkeyed_siblings_keeps_state, teardown),
        cmocka_unit_test_teardown(test_move_out_of_removed_parent_keeps_state, teardown),
        cmocka_unit_test_teardown(test_two_moves_in_one_frame_both_orders, teardown),
        cmocka_unit_test_teardown(test_rotation_in_one_frame, teardown),
    };
    if (getenv("TEST_FILTER")) cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
