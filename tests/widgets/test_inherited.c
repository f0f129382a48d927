/* test_inherited.c: inherited data (Flutter's InheritedWidget and
 * InheritedElement): dependents rebuild when it changes and says to notify,
 * did_change_dependencies runs after init_state and on each change, and the
 * dependencies follow an element that a global key moves. Ported from
 * Flutter's packages/flutter/test/widgets/inherited_test.dart (and the
 * inherited cases of framework_test.dart), plus Islet's own cases. */
#include "spy_widget.h"
#include "test_support.h"
#include <islet/ui_widgets.h>

#include <stdio.h>
#include <string.h>

/* ---- Widgets the tests share ---- */

/* end() (spy_widget.h): every element, state, dependency list and arena byte came back. */
static void begin(void)
{
    begin_tree(400, 300);
}

/* tester.pumpWidget: a new root, then a frame. */
static void pump_widget(ui_widget *(*root)(ui_build *b, void *ctx), void *ctx)
{
    ui_tree_set_root(tree, root, ctx);
    assert_true(ui_tree_frame(tree));
}

static ui_widget *one(ui_build *b, const ui_widget_class *cls, ui_key key, const void *props,
                      ui_widget *child)
{
    return ui_widget_new(b, cls, key, props, child ? &child : NULL, child ? 1 : 0);
}

/* Flutter's Container with a child: a plain holder, as big as its child. */
static const ui_widget_class container_class = {.name = "Container"};

/* A row (row_class, spy_widget.h): lays its children out left to right (a multi-child parent). */

/* TestInherited: notifies when its should_notify says so; id tells which
 * widget a dependent saw. */
typedef struct ti_props {
    int id;
    bool should_notify;
} ti_props;

static bool ti_update_should_notify(const ui_element *e, const void *old_props)
{
    (void)old_props;
    return ((const ti_props *)ui_props(e))->should_notify;
}

static const ui_widget_class test_inherited_class = {.name = "TestInherited",
                                                     .props_size = sizeof(ti_props),
                                                     .inherited = true,
                                                     .update_should_notify =
                                                         ti_update_should_notify};

static ui_widget *test_inherited(ui_build *b, ui_key key, int id, bool should_notify,
                                 ui_widget *child)
{
    ti_props p = {id, should_notify};
    return one(b, &test_inherited_class, key, &p, child);
}

/* ValueInherited: notifies when its value changed. With vi_log_notify set it
 * logs each update_should_notify call as "notify OLD->NEW". */
typedef struct vi_props {
    int value;
} vi_props;

static bool vi_log_notify;

static bool vi_update_should_notify(const ui_element *e, const void *old_props)
{
    int now = ((const vi_props *)ui_props(e))->value;
    int old = ((const vi_props *)old_props)->value;
    if (vi_log_notify) ts_log("notify %d->%d", old, now);
    return now != old;
}

static const ui_widget_class value_inherited_class = {.name = "ValueInherited",
                                                      .props_size = sizeof(vi_props),
                                                      .inherited = true,
                                                      .update_should_notify =
                                                          vi_update_should_notify};

static ui_widget *value_inherited(ui_build *b, ui_key key, int value, ui_widget *child)
{
    vi_props p = {value};
    return one(b, &value_inherited_class, key, &p, child);
}

static int vi_value(const ui_element *inh)
{
    return ((const vi_props *)ui_props(inh))->value;
}

/* FlipWidget (spy_widget.h, Flutter's test_widgets.dart): builds `left`
 * until flipped, then `right`. */
static ui_widget *flip_widget(ui_build *b, ui_widget *left, ui_widget *right)
{
    flip_props p = {left, right};
    return ui_widget_new(b, &flip_class, UI_NO_KEY, &p, NULL, 0);
}

/* Finders over the live tree. */
typedef struct finder {
    const ui_widget_class *cls; /* or, when NULL, by key */
    ui_key key;
    ui_element *found;
} finder;

static void find_visit(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    finder *f = ctx;
    if (f->found) return;
    if (f->cls ? ui_element_class(e) == f->cls : ui_key_eq(ui_element_key(e), f->key)) f->found = e;
}

static ui_element *find_class(const ui_widget_class *cls)
{
    finder f = {cls, UI_NO_KEY, NULL};
    ui_tree_visit(tree, find_visit, &f);
    return f.found;
}

static ui_element *find_key(ui_key key)
{
    finder f = {NULL, key, NULL};
    ui_tree_visit(tree, find_visit, &f);
    return f.found;
}

/* flipStatefulWidget(tester) */
static void flip_stateful_widget(void)
{
    ui_element *flip = find_class(&flip_class);
    assert_non_null(flip);
    ui_set_state(flip, flip_toggle, NULL);
}

/* ---- "Builder"s: components whose build runs test code ---- */

/* Logs the id of the TestInherited it depends on. */
static ui_widget *log_ti_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_element *inh = ui_depend_on(e, &test_inherited_class);
    assert_non_null(inh);
    ts_log("%d", ((const ti_props *)ui_props(inh))->id);
    return NULL;
}

static const ui_widget_class log_ti_class = {.name = "Builder", .build = log_ti_build};

/* Logs "TAG: VALUE" of the ValueInherited it depends on. */
typedef struct tag_props {
    char tag;
} tag_props;

static ui_widget *log_vi_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_element *inh = ui_depend_on(e, &value_inherited_class);
    assert_non_null(inh);
    ts_log("%c: %d", ((const tag_props *)ui_props(e))->tag, vi_value(inh));
    return NULL;
}

static const ui_widget_class log_vi_class = {
    .name = "Builder", .props_size = sizeof(tag_props), .build = log_vi_build};

static ui_widget *log_vi(ui_build *b, ui_key key, char tag)
{
    tag_props p = {tag};
    return ui_widget_new(b, &log_vi_class, key, &p, NULL, 0);
}

/* Logs just the value (the "constant child" tests); counts its updates. */
static int value_builder_updates;

static ui_widget *log_value_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_element *inh = ui_depend_on(e, &value_inherited_class);
    assert_non_null(inh);
    ts_log("%d", vi_value(inh));
    return NULL;
}

static void log_value_update(ui_element *e, const void *old)
{
    (void)e;
    (void)old;
    value_builder_updates++;
}

static const ui_widget_class log_value_class = {
    .name = "Builder", .build = log_value_build, .did_update_widget = log_value_update};

/* ==== Flutter: inherited_test.dart ==== */

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Inherited notifies dependents" */
static ui_widget builder_w = UI_CONST_WIDGET(&log_ti_class, NULL); /* one `builder` instance */

static ui_widget *notifies_root(ui_build *b, void *ctx)
{
    const ti_props *p = ctx;
    return test_inherited(b, UI_NO_KEY, p->id, p->should_notify, &builder_w);
}

static void test_inherited_notifies_dependents(void **state)
{
    (void)state;
    begin();
    ti_props first = {1, true};
    pump_widget(notifies_root, &first);
    assert_string_equal(ts_log_text(), "1");

    ti_props second = {2, false};
    pump_widget(notifies_root, &second);
    assert_string_equal(ts_log_text(), "1");

    ti_props third = {3, true};
    pump_widget(notifies_root, &third);
    assert_string_equal(ts_log_text(), "1, 3");
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Update inherited when reparenting
 * state" */
static int unique_keys; /* UniqueKey(): a new key for each build */

static ui_widget *reparenting_root(ui_build *b, void *ctx)
{
    int id = *(int *)ctx;
    ui_widget *builder = ui_widget_new(b, &log_ti_class, UI_NO_KEY, NULL, NULL, 0);
    return test_inherited(
        b, ui_key_int(++unique_keys), id, true,
        one(b, &container_class, ui_key_global("inherited-reparent"), NULL, builder));
}

static void test_update_inherited_when_reparenting_state(void **state)
{
    (void)state;
    begin();
    unique_keys = 0;
    int first = 1;
    pump_widget(reparenting_root, &first);
    assert_string_equal(ts_log_text(), "1");
    ui_element *container = find_key(ui_key_global("inherited-reparent"));
    assert_non_null(container);
    size_t count = ui_tree_element_count(tree);

    int second = 2;
    pump_widget(reparenting_root, &second);
    assert_string_equal(ts_log_text(), "1, 2");
    /* The container moved to the new TestInherited; the old one is gone. */
    assert_ptr_equal(find_key(ui_key_global("inherited-reparent")), container);
    assert_ptr_equal(ui_element_class(ui_element_parent(container)), &test_inherited_class);
    assert_int_equal(((const ti_props *)ui_props(ui_element_parent(container)))->id, 2);
    assert_int_equal(ui_tree_element_count(tree), count);
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Update inherited when removing node"
 */
static ui_widget *removing_node_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return value_inherited(
        b, UI_NO_KEY, 1,
        flip_widget(b,
                    value_inherited(b, UI_NO_KEY, 2,
                                    value_inherited(b, UI_NO_KEY, 3, log_vi(b, UI_NO_KEY, 'a'))),
                    value_inherited(b, UI_NO_KEY, 2, log_vi(b, UI_NO_KEY, 'b'))));
}

/* The flips of the four "removing node" tests: the log after each step.
 * In each, the right side has one element fewer than the left (a
 * ValueInherited less): what a flip removes is disposed in its frame. */
static void expect_flips(const char *initial, const char *flipped, const char *back)
{
    assert_string_equal(ts_log_text(), initial);
    ts_log_reset();
    size_t left_count = ui_tree_element_count(tree);

    assert_false(ui_tree_frame(tree)); /* tester.pump(): nothing to do */
    assert_string_equal(ts_log_text(), "");
    ts_log_reset();

    flip_stateful_widget();
    assert_true(ui_tree_frame(tree));
    assert_string_equal(ts_log_text(), flipped);
    ts_log_reset();
    assert_int_equal(ui_tree_element_count(tree), left_count - 1);

    flip_stateful_widget();
    assert_true(ui_tree_frame(tree));
    assert_string_equal(ts_log_text(), back);
    ts_log_reset();
    assert_int_equal(ui_tree_element_count(tree), left_count);
}

static void test_update_inherited_when_removing_node(void **state)
{
    (void)state;
    begin();
    pump_widget(removing_node_root, NULL);
    expect_flips("a: 3", "b: 2", "a: 3");
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Update inherited when removing node
 * and child has global key" */
static ui_widget *removing_node_global_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_key key = ui_key_global("removing-node");
    return value_inherited(
        b, UI_NO_KEY, 1,
        flip_widget(
            b,
            value_inherited(
                b, UI_NO_KEY, 2,
                value_inherited(b, UI_NO_KEY, 3,
                                one(b, &container_class, key, NULL, log_vi(b, UI_NO_KEY, 'a')))),
            value_inherited(b, UI_NO_KEY, 2,
                            one(b, &container_class, key, NULL, log_vi(b, UI_NO_KEY, 'b')))));
}

static void test_update_inherited_when_removing_node_global_key(void **state)
{
    (void)state;
    begin();
    pump_widget(removing_node_global_root, NULL);
    ui_element *container = find_key(ui_key_global("removing-node"));
    expect_flips("a: 3", "b: 2", "a: 3");
    /* The keyed container kept its element through both moves. */
    assert_ptr_equal(find_key(ui_key_global("removing-node")), container);
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Update inherited when removing node
 * and child has global key with constant child" */
static ui_widget *constant_child_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_key key = ui_key_global("constant-child");
    /* One `child` widget, in both containers. */
    ui_widget *child = ui_widget_new(b, &log_value_class, UI_NO_KEY, NULL, NULL, 0);
    return value_inherited(
        b, UI_NO_KEY, 1,
        flip_widget(b,
                    value_inherited(b, UI_NO_KEY, 2,
                                    value_inherited(b, UI_NO_KEY, 3,
                                                    one(b, &container_class, key, NULL, child))),
                    value_inherited(b, UI_NO_KEY, 2, one(b, &container_class, key, NULL, child))));
}

static void test_update_inherited_global_key_constant_child(void **state)
{
    (void)state;
    begin();
    value_builder_updates = 0;
    pump_widget(constant_child_root, NULL);
    expect_flips("3", "2", "3");
    /* Islet: the child is the identical widget each time, so it was never
     * updated: only its dependency rebuilt it. */
    assert_int_equal(value_builder_updates, 0);
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Update inherited when removing node
 * and child has global key with constant child, minimised" */
static ui_widget *minimised_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *child =
        ui_widget_new(b, &log_value_class, ui_key_global("minimised"), NULL, NULL, 0);
    return value_inherited(b, UI_NO_KEY, 2,
                           flip_widget(b, value_inherited(b, UI_NO_KEY, 3, child), child));
}

static void test_update_inherited_global_key_constant_child_minimised(void **state)
{
    (void)state;
    begin();
    value_builder_updates = 0;
    pump_widget(minimised_root, NULL);
    ui_element *child = find_key(ui_key_global("minimised"));
    expect_flips("3", "2", "3");
    assert_ptr_equal(find_key(ui_key_global("minimised")), child);
    assert_int_equal(value_builder_updates, 0); /* Islet: identical widget, never updated */
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Inherited widget notifies
 * descendants when descendant previously failed to find a match" */
static int inherited_value;

static ui_widget *maybe_value_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_element *inh = ui_depend_on(e, &value_inherited_class);
    inherited_value = inh ? vi_value(inh) : -100; /* -100: null */
    return NULL;
}

static const ui_widget_class maybe_value_class = {.name = "Builder", .build = maybe_value_build};
static ui_widget maybe_value_w = UI_CONST_WIDGET(&maybe_value_class, NULL);
static ui_widget *failed_inner_kids[] = {&maybe_value_w};
/* `inner`: one widget instance, pumped twice; its global key is set by the test. */
static ui_widget failed_inner = {
    .cls = &container_class, .children = failed_inner_kids, .nchildren = 1, .is_const = true};

static ui_widget *inner_alone(ui_build *b, void *ctx)
{
    (void)b;
    return ctx;
}

static ui_widget *inner_under_value_3(ui_build *b, void *ctx)
{
    return value_inherited(b, UI_NO_KEY, 3, ctx);
}

static void test_notifies_descendant_that_failed_to_find_match(void **state)
{
    (void)state;
    begin();
    failed_inner.key = ui_key_global("failed-inner");
    inherited_value = -1;
    pump_widget(inner_alone, &failed_inner);
    assert_int_equal(inherited_value, -100);

    inherited_value = -2;
    pump_widget(inner_under_value_3, &failed_inner);
    assert_int_equal(inherited_value, 3);
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Inherited widget doesn't notify
 * descendants when descendant did not previously fail to find a match and had no dependencies" */
static int build_count;

static ui_widget *counting_build(ui_build *b, ui_element *e)
{
    (void)b;
    (void)e;
    build_count++;
    return NULL;
}

static const ui_widget_class counting_class = {.name = "Builder", .build = counting_build};
static ui_widget counting_w = UI_CONST_WIDGET(&counting_class, NULL);
static ui_widget *no_deps_inner_kids[] = {&counting_w};
static ui_widget no_deps_inner = {
    .cls = &container_class, .children = no_deps_inner_kids, .nchildren = 1, .is_const = true};

static void test_no_notify_when_no_dependencies(void **state)
{
    (void)state;
    begin();
    no_deps_inner.key = ui_key_global("no-deps-inner");
    build_count = 0;
    pump_widget(inner_alone, &no_deps_inner);
    assert_int_equal(build_count, 1);

    pump_widget(inner_under_value_3, &no_deps_inner);
    assert_int_equal(build_count, 1);
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "Inherited widget does notify
 * descendants when descendant did not previously fail to find a match but did have other
 * dependencies" */
static ui_widget *depending_count_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_depend_on(e, &test_inherited_class);
    build_count++;
    return NULL;
}

static const ui_widget_class depending_count_class = {.name = "Builder",
                                                      .build = depending_count_build};
static ui_widget depending_count_w = UI_CONST_WIDGET(&depending_count_class, NULL);
static ui_widget *quiet_ti_kids[] = {&depending_count_w};
static const ti_props quiet_ti_props = {1, false};
static ui_widget quiet_ti = {.cls = &test_inherited_class,
                             .props = &quiet_ti_props,
                             .children = quiet_ti_kids,
                             .nchildren = 1,
                             .is_const = true};
static ui_widget *other_deps_inner_kids[] = {&quiet_ti};
static ui_widget other_deps_inner = {
    .cls = &container_class, .children = other_deps_inner_kids, .nchildren = 1, .is_const = true};

static void test_notify_when_other_dependencies(void **state)
{
    (void)state;
    begin();
    other_deps_inner.key = ui_key_global("other-deps-inner");
    build_count = 0;
    pump_widget(inner_alone, &other_deps_inner);
    assert_int_equal(build_count, 1);

    pump_widget(inner_under_value_3, &other_deps_inner);
    assert_int_equal(build_count, 2);
    end();
}

/* ==== Flutter: framework_test.dart (the inherited cases) ==== */

/* DependentStatefulWidget: counts did_change_dependencies and deactivate
 * (dcd_count, deactivated_count: spy_widget.h). */
static ui_widget *dependent_build(ui_build *b, ui_element *e)
{
    ui_depend_on(e, &value_inherited_class);
    return ui_sized(b, 0, 0, NULL);
}

static const ui_widget_class dependent_class = {.name = "DependentStatefulWidget",
                                                .state_size = sizeof(int),
                                                .did_change_dependencies = dependent_dcd,
                                                .deactivate = dependent_deactivate,
                                                .build = dependent_build};

typedef struct never_cfg {
    int value;
    int shape; /* 0: Inherited(v, Dependent), 1: Inherited(v, SizedBox(Dependent)), 2: SizedBox() */
} never_cfg;

static ui_widget *never_rebuilds_root(ui_build *b, void *ctx)
{
    const never_cfg *c = ctx;
    ui_widget *dep = ui_widget_new(b, &dependent_class, ui_key_global("dependent"), NULL, NULL, 0);
    ui_widget *child = c->shape == 0   ? dep
                       : c->shape == 1 ? ui_sized(b, 10, 10, dep)
                                       : ui_sized(b, 10, 10, NULL);
    return value_inherited(b, UI_NO_KEY, c->value, child);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "didUpdateDependencies is not called
 * on a State that never rebuilds" */
static void test_did_change_dependencies_not_called_on_state_that_never_rebuilds(void **state)
{
    (void)state;
    begin();
    dcd_count = deactivated_count = 0;
    ui_key key = ui_key_global("dependent");

    /* Initial build: did_change_dependencies, no deactivate. */
    pump_widget(never_rebuilds_root, &(never_cfg){1, 0});
    ui_element *dep = find_key(key);
    assert_non_null(dep);
    assert_int_equal(dcd_count, 1);
    assert_int_equal(deactivated_count, 0);

    /* A new value: did_change_dependencies. */
    pump_widget(never_rebuilds_root, &(never_cfg){2, 0});
    assert_ptr_equal(find_key(key), dep);
    assert_int_equal(dcd_count, 2);
    assert_int_equal(deactivated_count, 0);

    /* Reparented (and a new value): one deactivate, one did_change_dependencies. */
    pump_widget(never_rebuilds_root, &(never_cfg){3, 1});
    assert_ptr_equal(find_key(key), dep);
    assert_int_equal(dcd_count, 3);
    assert_int_equal(deactivated_count, 1);

    /* Removed: deactivate, no did_change_dependencies. */
    pump_widget(never_rebuilds_root, &(never_cfg){4, 2});
    assert_null(find_key(key));
    assert_false(ui_element_mounted(dep));
    assert_int_equal(dcd_count, 3);
    assert_int_equal(deactivated_count, 2);
    end();
}

/* ==== Islet's own cases ==== */

/* A stateful dependent that logs its lifecycle and what it saw. */
static ui_widget *dep_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_element *inh = ui_depend_on(e, &value_inherited_class);
    if (inh)
        ts_log("build %d", vi_value(inh));
    else
        ts_log("build none");
    return NULL;
}

static void dep_init(ui_element *e)
{
    (void)e;
    ts_log("init");
}

static void dep_dcd(ui_element *e)
{
    (void)e;
    ts_log("dcd");
}

static void dep_update(ui_element *e, const void *old)
{
    (void)e;
    (void)old;
    ts_log("update");
}

/* deactivate, activate and dispose log those words (spy_widget.h). */
static const ui_widget_class dep_class = {.name = "Dependent",
                                          .props_size = sizeof(int),
                                          .state_size = sizeof(int),
                                          .build = dep_build,
                                          .init_state = dep_init,
                                          .did_change_dependencies = dep_dcd,
                                          .did_update_widget = dep_update,
                                          .deactivate = spy_deactivate,
                                          .activate = spy_activate,
                                          .dispose = spy_dispose};

/* The identical dependent widget every frame: only its dependencies (or a
 * move) rebuild it. dep_moving_w gets a global key from its test. */
static const int zero;
static ui_widget dep_w = UI_CONST_WIDGET(&dep_class, &zero);
static ui_widget dep_moving_w = UI_CONST_WIDGET(&dep_class, &zero);

static int cfg_value; /* the ValueInherited's value */

static ui_widget *value_over_const_dep(ui_build *b, void *ctx)
{
    (void)ctx;
    return value_inherited(b, UI_NO_KEY, cfg_value, &dep_w);
}

/* did_change_dependencies runs after init_state (before the first build)
 * and at each change that notifies; update_should_notify sees the old and
 * the new props, and is not asked at the first mount. */
static void test_did_change_dependencies_after_init_and_on_change(void **state)
{
    (void)state;
    begin();
    vi_log_notify = true;
    cfg_value = 1;
    pump_widget(value_over_const_dep, NULL);
    assert_string_equal(ts_log_text(), "init, dcd, build 1");

    /* The same value: asked, says no; the dependent is not rebuilt. */
    ts_log_reset();
    pump_widget(value_over_const_dep, NULL);
    assert_string_equal(ts_log_text(), "notify 1->1");

    ts_log_reset();
    cfg_value = 2;
    pump_widget(value_over_const_dep, NULL);
    assert_string_equal(ts_log_text(), "notify 1->2, dcd, build 2");
    assert_false(ui_tree_needs_frame(tree)); /* built in that frame, once */

    /* Its own set_state rebuilds it without did_change_dependencies. */
    ts_log_reset();
    ui_set_state(find_class(&dep_class), NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_string_equal(ts_log_text(), "build 2");
    vi_log_notify = false;
    end();
}

/* A dependent that gets a new widget in the frame its data changes: one
 * build, in Flutter's order (StatefulElement.update, then performRebuild
 * runs didChangeDependencies before build). */
static ui_widget *value_over_new_dep(ui_build *b, void *ctx)
{
    (void)ctx;
    int n = cfg_value;
    return value_inherited(b, UI_NO_KEY, cfg_value,
                           ui_widget_new(b, &dep_class, UI_NO_KEY, &n, NULL, 0));
}

static void test_new_widget_and_new_data_build_once(void **state)
{
    (void)state;
    begin();
    cfg_value = 1;
    pump_widget(value_over_new_dep, NULL);
    assert_string_equal(ts_log_text(), "init, dcd, build 1");

    ts_log_reset();
    pump_widget(value_over_new_dep, NULL); /* same data, new widget */
    assert_string_equal(ts_log_text(), "update, build 1");

    ts_log_reset();
    cfg_value = 2;
    pump_widget(value_over_new_dep, NULL);
    assert_string_equal(ts_log_text(), "update, dcd, build 2");
    assert_false(ui_tree_needs_frame(tree));
    end();
}

/* A global key moves a dependent under a different inherited ancestor: it
 * depends on the new one from then on (its changes reach it, the old
 * one's don't), and under none it sees none. */
static int val_a, val_b, where; /* where: 0 under A, 1 under B, 2 under a plain container, 3 gone */

static ui_widget *two_ancestors_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {
        value_inherited(b, ui_key_int(1), val_a, where == 0 ? &dep_moving_w : NULL),
        value_inherited(b, ui_key_int(2), val_b, where == 1 ? &dep_moving_w : NULL),
        one(b, &container_class, ui_key_int(3), NULL, where == 2 ? &dep_moving_w : NULL)};
    return ui_widget_new(b, &row_class, UI_NO_KEY, NULL, kids, 3);
}

static void step(int a, int b_, int w, const char *expect)
{
    ts_log_reset();
    val_a = a;
    val_b = b_;
    where = w;
    pump_widget(two_ancestors_root, NULL);
    assert_string_equal(ts_log_text(), expect);
    assert_false(ui_tree_needs_frame(tree));
}

static void test_global_key_move_reestablishes_dependencies(void **state)
{
    (void)state;
    begin();
    dep_moving_w.key = ui_key_global("moving-dependent");
    step(1, 10, 0, "init, dcd, build 1");
    ui_element *dep = find_key(dep_moving_w.key);
    assert_non_null(dep);

    /* Under B: it sees B. */
    step(1, 10, 1, "deactivate, activate, dcd, build 10");
    assert_ptr_equal(find_key(dep_moving_w.key), dep);
    /* A's changes no longer reach it; B's do. */
    step(2, 10, 1, "");
    step(2, 11, 1, "dcd, build 11");

    /* Back under A (taken from B, which is updated after A), which changes
     * in the same frame: one did_change_dependencies, one build. */
    step(3, 11, 0, "deactivate, activate, dcd, build 3");
    assert_ptr_equal(find_key(dep_moving_w.key), dep);
    step(3, 12, 0, "");
    step(4, 12, 0, "dcd, build 4");

    /* Under no inherited ancestor: it sees none, and neither notifies it. */
    step(4, 12, 2, "deactivate, activate, dcd, build none");
    step(5, 13, 2, "");
    ts_log_reset();
    ui_set_state(dep, NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_string_equal(ts_log_text(), "build none");

    /* Under B again: B's changes reach it again. */
    step(5, 13, 1, "deactivate, activate, dcd, build 13");
    step(5, 14, 1, "dcd, build 14");
    step(5, 14, 3, "deactivate, dispose");
    step(6, 15, 3, "");
    assert_false(ui_element_mounted(dep));
    end();
}

/* The inherited element goes while its dependent stays (moved away by its
 * global key): the dependent forgets it (no dangling dependency: later
 * frames and the tree's end touch no freed memory). */
static bool with_inherited;

static ui_widget *inherited_removed_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *holder = one(b, &container_class, UI_NO_KEY, NULL, &dep_moving_w);
    return with_inherited ? value_inherited(b, UI_NO_KEY, cfg_value, holder)
                          : one(b, &row_class, UI_NO_KEY, NULL, holder);
}

static void test_inherited_removed_under_dependent(void **state)
{
    (void)state;
    begin();
    dep_moving_w.key = ui_key_global("orphan-dependent");
    with_inherited = true;
    cfg_value = 7;
    pump_widget(inherited_removed_root, NULL);
    assert_string_equal(ts_log_text(), "init, dcd, build 7");
    ui_element *dep = find_key(dep_moving_w.key);
    size_t count = ui_tree_element_count(tree); /* inherited, container, dependent */
    ui_element *old_vi = find_class(&value_inherited_class), *old_holder = ui_element_parent(dep);

    ts_log_reset();
    with_inherited = false;
    pump_widget(inherited_removed_root, NULL);
    assert_string_equal(ts_log_text(), "deactivate, activate, dcd, build none");
    assert_ptr_equal(find_key(dep_moving_w.key), dep);
    assert_null(find_class(&value_inherited_class));
    /* The old inherited element and holder were disposed with the frame. */
    assert_false(ui_element_mounted(old_vi));
    assert_false(ui_element_mounted(old_holder));
    assert_int_equal(ui_tree_element_count(tree), count); /* row, container, dependent */

    /* A new inherited ancestor: the dependent finds it (it looked before). */
    ts_log_reset();
    with_inherited = true;
    cfg_value = 8;
    pump_widget(inherited_removed_root, NULL);
    assert_string_equal(ts_log_text(), "deactivate, activate, dcd, build 8");
    ts_log_reset();
    cfg_value = 9;
    pump_widget(inherited_removed_root, NULL);
    assert_string_equal(ts_log_text(), "dcd, build 9");
    end();
}

/* A dependent notified and removed in the same frame is not built, and a
 * later change of its old ancestor does not reach it. */
static bool show_dep;

static ui_widget *removed_dependent_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return value_inherited(b, UI_NO_KEY, cfg_value, show_dep ? &dep_w : NULL);
}

static void test_dependent_removed_while_notified(void **state)
{
    (void)state;
    begin();
    show_dep = true;
    cfg_value = 1;
    pump_widget(removed_dependent_root, NULL);
    assert_string_equal(ts_log_text(), "init, dcd, build 1");
    size_t count = ui_tree_element_count(tree);

    ts_log_reset();
    show_dep = false;
    cfg_value = 2;
    pump_widget(removed_dependent_root, NULL);
    /* Flutter: notified (marked dirty), then deactivated: inactive elements
     * are not built, and it is unmounted at the end of the frame. */
    assert_string_equal(ts_log_text(), "deactivate, dispose");
    assert_null(find_class(&dep_class));
    assert_int_equal(ui_tree_element_count(tree), count - 1);

    ts_log_reset();
    cfg_value = 3;
    pump_widget(removed_dependent_root, NULL);
    assert_string_equal(ts_log_text(), "");
    assert_int_equal(ui_tree_element_count(tree), count - 1);
    end();
}

/* Nested inherited widgets of one class: a dependent depends on the
 * nearest; the outer one's changes do not reach it. */
static int outer_value, inner_value;

static ui_widget *nested_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return value_inherited(b, UI_NO_KEY, outer_value,
                           value_inherited(b, UI_NO_KEY, inner_value, &dep_w));
}

static void nested_step(int outer, int inner, const char *expect)
{
    ts_log_reset();
    outer_value = outer;
    inner_value = inner;
    pump_widget(nested_root, NULL);
    assert_string_equal(ts_log_text(), expect);
}

static void test_nested_inherited_nearest_wins(void **state)
{
    (void)state;
    begin();
    nested_step(1, 2, "init, dcd, build 2");
    nested_step(5, 2, "");
    nested_step(5, 7, "dcd, build 7");
    nested_step(6, 8, "dcd, build 8");
    nested_step(6, 8, "");
    end();
}

/* Two kinds of inherited data: either one notifying rebuilds the dependent;
 * both in one frame give one did_change_dependencies and one build. */
static ui_widget *two_kinds_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_element *ti = ui_depend_on(e, &test_inherited_class);
    ui_element *vi = ui_depend_on(e, &value_inherited_class);
    assert_non_null(ti);
    assert_non_null(vi);
    ts_log("build t%d v%d", ((const ti_props *)ui_props(ti))->id, vi_value(vi));
    return NULL;
}

static const ui_widget_class two_kinds_class = {.name = "TwoKinds",
                                                .state_size = sizeof(int),
                                                .build = two_kinds_build,
                                                .did_change_dependencies = dep_dcd};
static ui_widget two_kinds_w = UI_CONST_WIDGET(&two_kinds_class, NULL);

typedef struct two_kinds_cfg {
    int id;
    bool notify;
    int value;
} two_kinds_cfg;

static ui_widget *two_kinds_root(ui_build *b, void *ctx)
{
    const two_kinds_cfg *c = ctx;
    return test_inherited(b, UI_NO_KEY, c->id, c->notify,
                          value_inherited(b, UI_NO_KEY, c->value, &two_kinds_w));
}

static void two_kinds_step(two_kinds_cfg c, const char *expect)
{
    ts_log_reset();
    pump_widget(two_kinds_root, &c);
    assert_string_equal(ts_log_text(), expect);
}

static void test_two_kinds_of_inherited_data(void **state)
{
    (void)state;
    begin();
    two_kinds_step((two_kinds_cfg){1, true, 1}, "dcd, build t1 v1");
    two_kinds_step((two_kinds_cfg){2, false, 1}, "");
    two_kinds_step((two_kinds_cfg){3, true, 1}, "dcd, build t3 v1");
    two_kinds_step((two_kinds_cfg){4, true, 2}, "dcd, build t4 v2");
    two_kinds_step((two_kinds_cfg){5, false, 3}, "dcd, build t5 v3");
    end();
}

/* Depending from did_change_dependencies (allowed by the header, as
 * Flutter's StatefulWidgetSpy does): the state caches what it read. */
static void caching_dcd(ui_element *e)
{
    ui_element *inh = ui_depend_on(e, &value_inherited_class);
    *(int *)ui_state(e) = inh ? vi_value(inh) : -1;
    ts_log("dcd %d", *(int *)ui_state(e));
}

static ui_widget *caching_build(ui_build *b, ui_element *e)
{
    (void)b;
    ts_log("build %d", *(int *)ui_state(e));
    return NULL;
}

static const ui_widget_class caching_class = {.name = "Caching",
                                              .state_size = sizeof(int),
                                              .build = caching_build,
                                              .did_change_dependencies = caching_dcd};
static ui_widget caching_w = UI_CONST_WIDGET(&caching_class, NULL);

static ui_widget *caching_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return value_inherited(b, UI_NO_KEY, cfg_value, &caching_w);
}

static void test_depend_from_did_change_dependencies(void **state)
{
    (void)state;
    begin();
    cfg_value = 1;
    pump_widget(caching_root, NULL);
    assert_string_equal(ts_log_text(), "dcd 1, build 1");
    ts_log_reset();
    cfg_value = 2;
    pump_widget(caching_root, NULL);
    assert_string_equal(ts_log_text(), "dcd 2, build 2");
    ts_log_reset();
    pump_widget(caching_root, NULL);
    assert_string_equal(ts_log_text(), "");
    end();
}

/* The built-in theme: ui_theme_of reads the nearest theme (a default with
 * none), and a change rebuilds only the dependents of the theme that
 * changed. */
static ui_theme_props outer_theme, inner_theme;

static ui_theme_props seen_theme;

static ui_widget *themed_build(ui_build *b, ui_element *e)
{
    (void)b;
    const ui_theme_props *t = ui_theme_of(e);
    assert_non_null(t);
    assert_memory_equal(t, ui_theme_of(e), sizeof *t);
    seen_theme = *t;
    ts_log("%s %g", (const char *)ui_props(e), (double)t->text_size);
    return NULL;
}

static const ui_widget_class themed_class = {
    .name = "Themed", .props_size = 2, .build = themed_build};
static ui_widget themed_a = UI_CONST_WIDGET(&themed_class, "a");
static ui_widget themed_b = UI_CONST_WIDGET(&themed_class, "b");

static ui_widget *themes_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {&themed_a, ui_theme(b, &inner_theme, &themed_b)};
    return ui_theme(b, &outer_theme, ui_widget_new(b, &row_class, UI_NO_KEY, NULL, kids, 2));
}

static ui_widget *unthemed_root(ui_build *b, void *ctx)
{
    (void)b;
    (void)ctx;
    return &themed_a;
}

static void test_theme_is_inherited(void **state)
{
    (void)state;
    begin();
    /* No theme: the default, the same each time. */
    pump_widget(unthemed_root, NULL);
    assert_true(seen_theme.text_size > 0);
    ui_tree_free(tree);

    tree = ui_tree_new(400, 300, NULL);
    ts_log_reset();
    outer_theme = (ui_theme_props){{1, 1, 1, 255}, {0, 0, 0, 255}, 10};
    inner_theme = (ui_theme_props){{2, 2, 2, 255}, {0, 0, 0, 255}, 20};
    pump_widget(themes_root, NULL);
    assert_string_equal(ts_log_text(), "a 10, b 20");

    ts_log_reset();
    inner_theme.text_size = 21;
    pump_widget(themes_root, NULL);
    assert_string_equal(ts_log_text(), "b 21");

    ts_log_reset();
    outer_theme.text_size = 11;
    pump_widget(themes_root, NULL);
    assert_string_equal(ts_log_text(), "a 11");

    ts_log_reset();
    pump_widget(themes_root, NULL); /* equal props: nobody rebuilds */
    assert_string_equal(ts_log_text(), "");
    end();
}

/* Flutter: packages/flutter/test/widgets/inherited_test.dart, "initState() dependency on
 * Inherited asserts" (a regression test for flutter/flutter#5491): reading inherited data in
 * init_state is refused, in Islet by an abort in checked builds. */
static void expect_fail_init(ui_element *e)
{
    ui_depend_on(e, &test_inherited_class);
}

static const ui_widget_class expect_fail_class = {
    .name = "ExpectFail", .state_size = 1, .init_state = expect_fail_init};

static ui_widget *expect_fail_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return test_inherited(b, UI_NO_KEY, 1, true,
                          ui_widget_new(b, &expect_fail_class, UI_NO_KEY, NULL, NULL, 0));
}

static void child_init_state_dependency(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(400, 300, NULL);
    ui_tree_set_root(tree, expect_fail_root, NULL);
    ui_tree_frame(tree);
}

static void test_init_state_dependency_on_inherited_asserts(void **state)
{
    (void)state;
    ts_expect_check_abort("init-state-dependency",
                          "ui_depend_on: called from the init_state of 'ExpectFail'");
}

static const ts_child_case cases[] = {
    {"init-state-dependency", child_init_state_dependency},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_state_dependency_on_inherited_asserts),
        cmocka_unit_test(test_inherited_notifies_dependents),
        cmocka_unit_test(test_update_inherited_when_reparenting_state),
        cmocka_unit_test(test_update_inherited_when_removing_node),
        cmocka_unit_test(test_update_inherited_when_removing_node_global_key),
        cmocka_unit_test(test_update_inherited_global_key_constant_child),
        cmocka_unit_test(test_update_inherited_global_key_constant_child_minimised),
        cmocka_unit_test(test_notifies_descendant_that_failed_to_find_match),
        cmocka_unit_test(test_no_notify_when_no_dependencies),
        cmocka_unit_test(test_notify_when_other_dependencies),
        cmocka_unit_test(test_did_change_dependencies_not_called_on_state_that_never_rebuilds),
        cmocka_unit_test(test_did_change_dependencies_after_init_and_on_change),
        cmocka_unit_test(test_new_widget_and_new_data_build_once),
        cmocka_unit_test(test_global_key_move_reestablishes_dependencies),
        cmocka_unit_test(test_inherited_removed_under_dependent),
        cmocka_unit_test(test_dependent_removed_while_notified),
        cmocka_unit_test(test_nested_inherited_nearest_wins),
        cmocka_unit_test(test_two_kinds_of_inherited_data),
        cmocka_unit_test(test_depend_from_did_change_dependencies),
        cmocka_unit_test(test_theme_is_inherited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
