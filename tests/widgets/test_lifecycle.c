/* test_lifecycle.c: the element and State lifecycle (init_state,
 * did_change_dependencies, did_update_widget, deactivate/activate, dispose),
 * when ui_set_state is legal, and the update rule (the identical widget
 * skips), ported from Flutter's set_state_*_test.dart, build_scope_test.dart,
 * stateful_component_test.dart and framework_test.dart; plus the rules of
 * ui_tree.h's lifecycle comment, each misuse in a child process. */
#include "spy_widget.h"
#include "test_support.h"
#include <islet/ui_tester.h>
#include <islet/ui_widgets.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const ui_color black = {0, 0, 0, 255};

/* ---- Shared classes ---- */

/* Container / SizedBox: a render box that lays its children out at its origin. */
static ui_size stack_layout(ui_element *e, ui_constraints c)
{
    ui_size s = {0, 0};
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *k = ui_element_child(e, i);
        ui_size ks = ui_layout_child(k, ui_loosen(c));
        ui_position_child(k, 0, 0);
        if (ks.w > s.w) s.w = ks.w;
        if (ks.h > s.h) s.h = ks.h;
    }
    return ui_constrain(c, s);
}

static const ui_widget_class container_class = {.name = "Container", .layout = stack_layout};

static ui_widget *container(ui_build *b, ui_widget *child)
{
    return ui_widget_new(b, &container_class, UI_NO_KEY, NULL, child ? &child : NULL,
                         child ? 1 : 0);
}

/* Row (spy_widget.h): children left to right. */
static ui_widget *row(ui_build *b, ui_widget **kids, size_t n)
{
    return ui_widget_new(b, &row_class, UI_NO_KEY, NULL, kids, n);
}

/* Builder / StatefulBuilder: build calls fn(b, e, ctx). */
typedef ui_widget *(*builder_fn)(ui_build *b, ui_element *e, void *ctx);
typedef struct builder_props {
    builder_fn fn;
    void *ctx;
} builder_props;

static ui_widget *builder_build(ui_build *b, ui_element *e)
{
    const builder_props *p = ui_props(e);
    return p->fn(b, e, p->ctx);
}

static const ui_widget_class builder_class = {
    .name = "Builder", .props_size = sizeof(builder_props), .build = builder_build};
static const ui_widget_class stateful_builder_class = {.name = "StatefulBuilder",
                                                       .props_size = sizeof(builder_props),
                                                       .state_size = sizeof(int),
                                                       .build = builder_build};

static ui_widget *builder(ui_build *b, const ui_widget_class *cls, builder_fn fn, void *ctx)
{
    builder_props p = {fn, ctx};
    return ui_widget_new(b, cls, UI_NO_KEY, &p, NULL, 0);
}

/* Wrapper / KeyedSubtree (spy_widget.h): a stateless component returning widget.child. */
static const ui_widget_class wrapper_class = {.name = "Wrapper",
                                              .props_size = sizeof(child_props),
                                              .build = child_build,
                                              .widget_fields = {offsetof(child_props, child)},
                                              .nwidget_fields = 1};

static ui_widget *wrapper(ui_build *b, ui_widget *child)
{
    child_props p = {child};
    return ui_widget_new(b, &wrapper_class, UI_NO_KEY, &p, NULL, 0);
}

/* Inherited(value, child) (spy_widget.h): notifies when the value changes. */
static ui_widget *inherited(ui_build *b, int value, ui_widget *child)
{
    inherited_props p = {value};
    return ui_widget_new(b, &inherited_class, UI_NO_KEY, &p, child ? &child : NULL, child ? 1 : 0);
}

/* FlipWidget(left, right) (spy_widget.h): shows left until flipped (test_widgets.dart). */
static void flip(ui_element *e)
{
    ui_set_state(e, flip_toggle, NULL);
}

static ui_widget *flip_widget(ui_build *b, ui_key key, ui_widget *left, ui_widget *right)
{
    flip_props p = {left, right};
    return ui_widget_new(b, &flip_class, key, &p, NULL, 0);
}

/* ---- Tree, pumping, finding ---- */

static void begin(void)
{
    begin_tree(400, 300);
}

/* tester.pumpWidget(root_builder(b)) */
static ui_widget *(*root_builder)(ui_build *b);

static ui_widget *root_thunk(ui_build *b, void *ctx)
{
    (void)ctx;
    return root_builder(b);
}

static void pump_widget(ui_widget *(*fn)(ui_build *b))
{
    root_builder = fn;
    ui_tree_set_root(tree, root_thunk, NULL);
    ui_tree_frame(tree);
}

/* tester.pumpWidget(w) for a widget made outside any build (static storage). */
static ui_widget *root_widget;

static ui_widget *root_widget_fn(ui_build *b, void *ctx)
{
    (void)b;
    (void)ctx;
    return root_widget;
}

static void pump_const(ui_widget *w)
{
    root_widget = w;
    ui_tree_set_root(tree, root_widget_fn, NULL);
    ui_tree_frame(tree);
}

static void reset_log(void)
{
    ts_log_reset();
}

typedef struct finder {
    const ui_widget_class *cls;
    bool by_key;
    ui_key key;
    ui_element *found[16];
    size_t n;
} finder;

static void find_visit(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    finder *f = ctx;
    bool hit = f->by_key ? ui_key_eq(ui_element_key(e), f->key) : ui_element_class(e) == f->cls;
    if (hit && f->n < 16) f->found[f->n++] = e;
}

static size_t find_all(const ui_widget_class *cls, ui_element **out, size_t cap)
{
    finder f = {.cls = cls};
    ui_tree_visit(tree, find_visit, &f);
    for (size_t i = 0; i < f.n && i < cap; i++)
        out[i] = f.found[i];
    return f.n;
}

static size_t count_class(const ui_widget_class *cls)
{
    return find_all(cls, NULL, 0);
}

static ui_element *find_one(const ui_widget_class *cls)
{
    ui_element *e[16];
    size_t n = find_all(cls, e, 16);
    return n == 1 ? e[0] : NULL;
}

/* GlobalKey.currentContext */
static ui_element *find_key(ui_key key)
{
    finder f = {.by_key = true, .key = key};
    ui_tree_visit(tree, find_visit, &f);
    return f.n ? f.found[0] : NULL;
}

/* A misuse must abort with a message naming the class and the phase. */
static void expect_abort_naming(const char *name, const char *phase, const char *cls)
{
    char quoted[80];
    snprintf(quoted, sizeof quoted, "'%s'", cls);
    ts_expect_check_abort(name, phase);
    ts_expect_check_abort(name, quoted);
}

static void mark_dirty(void *element)
{
    ui_set_state(element, NULL, NULL);
}

/* ==== set_state_1_test.dart ==== */

/* Listener: a render box that sees pointer downs and lets them through. */
typedef struct listener_props {
    void (*on_down)(void *ctx);
    void *ctx;
} listener_props;

static bool listener_pointer(ui_element *e, int kind, float x, float y)
{
    (void)x;
    (void)y;
    const listener_props *p = ui_props(e);
    if (kind == UI_POINTER_DOWN && p->on_down) p->on_down(p->ctx);
    return false;
}

static const ui_widget_class listener_class = {.name = "Listener",
                                               .props_size = sizeof(listener_props),
                                               .layout = stack_layout,
                                               .pointer = listener_pointer};

static ui_widget *listener(ui_build *b, void (*on_down)(void *), void *ctx, ui_widget *child)
{
    listener_props p = {on_down, ctx};
    return ui_widget_new(b, &listener_class, UI_NO_KEY, &p, child ? &child : NULL, child ? 1 : 0);
}

static int inside_builds, middle_builds, outside_builds;

static ui_widget *inside_build(ui_build *b, ui_element *e)
{
    inside_builds++;
    return listener(b, mark_dirty, e, ui_text(b, "INSIDE", 14, black));
}

static const ui_widget_class inside_class = {
    .name = "Inside", .state_size = sizeof(int), .build = inside_build};

static ui_widget *middle_build(ui_build *b, ui_element *e)
{
    middle_builds++;
    return listener(b, mark_dirty, e, ((const child_props *)ui_props(e))->child);
}

static const ui_widget_class middle_class = {.name = "Middle",
                                             .props_size = sizeof(child_props),
                                             .state_size = sizeof(int),
                                             .build = middle_build,
                                             .widget_fields = {offsetof(child_props, child)},
                                             .nwidget_fields = 1};

/* const Middle(child: Inside()) */
static ui_widget inside_const = UI_CONST_WIDGET(&inside_class, NULL);
static child_props middle_const_props = {&inside_const};
static ui_widget middle_const = UI_CONST_WIDGET(&middle_class, &middle_const_props);

static ui_widget *outside_build(ui_build *b, ui_element *e)
{
    (void)b;
    (void)e;
    outside_builds++;
    return &middle_const;
}

static const ui_widget_class outside_class = {
    .name = "Outside", .state_size = sizeof(int), .build = outside_build};

static ui_widget *outside_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &outside_class, UI_NO_KEY, NULL, NULL, 0);
}

/* Flutter: packages/flutter/test/widgets/set_state_1_test.dart, "setState() smoke test" */
static void test_set_state_smoke(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    inside_builds = middle_builds = outside_builds = 0;
    ui_tester *t = ui_tester_new(200, 100, NULL);
    assert_non_null(t);
    ui_tester_pump_widget(t, outside_root, NULL);
    assert_int_equal(outside_builds, 1);
    assert_int_equal(middle_builds, 1);
    assert_int_equal(inside_builds, 1);
    ui_element *text = ui_find_text(t, "INSIDE");
    assert_non_null(text);
    ui_element *inside = ui_element_parent(ui_element_parent(text));
    assert_ptr_equal(ui_element_class(inside), &inside_class);
    float x, y, w, h;
    ui_element_rect(text, &x, &y, &w, &h);
    /* Both listeners mark their state dirty at the down. */
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_DOWN, x + w / 2, y + h / 2);
    ui_tester_pump(t, 0);
    assert_int_equal(middle_builds, 2);
    assert_int_equal(inside_builds, 2); /* once, though also reached from Middle */
    assert_int_equal(outside_builds, 1);
    ui_tree_pointer(ui_tester_tree(t), UI_POINTER_UP, x + w / 2, y + h / 2);
    ui_tester_pump(t, 0);
    assert_int_equal(middle_builds, 2);
    assert_int_equal(inside_builds, 2);
    /* The same state throughout. */
    text = ui_find_text(t, "INSIDE");
    assert_ptr_equal(ui_element_parent(ui_element_parent(text)), inside);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* ==== set_state_2_test.dart ==== */

static int overbuild_value;

static ui_widget *inner_fn(ui_build *b, ui_element *e, void *ctx)
{
    (void)e;
    (void)ctx;
    ts_log("inner");
    return ui_text(b, "inner", 14, black);
}

/* final Builder inner = Builder(...): made once, outside any build. */
static builder_props inner_props = {inner_fn, NULL};
static ui_widget inner_const = UI_CONST_WIDGET(&builder_class, &inner_props);

static ui_widget *overbuild_middle_fn(ui_build *b, ui_element *e, void *ctx)
{
    (void)b;
    (void)e;
    (void)ctx;
    ts_log("middle %d", overbuild_value);
    return &inner_const;
}

static void overbuild_inc(void *state, void *ctx)
{
    (void)state;
    (void)ctx;
    overbuild_value += 1;
}

static void overbuild_tap(void *element)
{
    ui_set_state(element, overbuild_inc, NULL);
}

static ui_widget *overbuild_stateful_fn(ui_build *b, ui_element *e, void *ctx)
{
    (void)ctx;
    ts_log("stateful");
    ui_gesture_props g = {.on_tap = overbuild_tap, .ctx = e};
    return ui_gesture(b, &g, builder(b, &builder_class, overbuild_middle_fn, NULL));
}

static ui_widget *overbuild_outer_fn(ui_build *b, ui_element *e, void *ctx)
{
    (void)e;
    (void)ctx;
    ts_log("outer");
    return builder(b, &stateful_builder_class, overbuild_stateful_fn, NULL);
}

static ui_widget *overbuild_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return builder(b, &builder_class, overbuild_outer_fn, NULL);
}

/* Flutter: packages/flutter/test/widgets/set_state_2_test.dart, "setState() overbuild test" */
static void test_set_state_overbuild(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ts_log_reset();
    overbuild_value = 0;
    ui_tester *t = ui_tester_new(200, 100, NULL);
    assert_non_null(t);
    ui_tester_pump_widget(t, overbuild_root, NULL);
    ts_log("---");
    ui_element *text = ui_find_text(t, "inner");
    assert_non_null(text);
    ui_tester_tap(t, text);
    ui_tester_pump(t, 0);
    ts_log("---");
    assert_string_equal(ts_log_text(),
                        "outer, stateful, middle 0, inner, ---, stateful, middle 1, ---");
    assert_int_equal(overbuild_value, 1);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* ==== set_state_3_test.dart ==== */

typedef struct changer_state {
    bool state;
} changer_state;

static ui_element *changer;
static int leaf_inits, leaf_disposes, leaf_builds, changer_builds;

static void changer_init(ui_element *e)
{
    changer = e;
}

static ui_widget *changer_build(ui_build *b, ui_element *e)
{
    changer_builds++;
    ui_widget *child = ((const child_props *)ui_props(e))->child;
    return ((changer_state *)ui_state(e))->state ? wrapper(b, child) : child;
}

static const ui_widget_class changer_class = {.name = "Changer",
                                              .props_size = sizeof(child_props),
                                              .state_size = sizeof(changer_state),
                                              .init_state = changer_init,
                                              .build = changer_build,
                                              .widget_fields = {offsetof(child_props, child)},
                                              .nwidget_fields = 1};

static void changer_set(void *state, void *ctx)
{
    (void)ctx;
    ((changer_state *)state)->state = true;
}

static void leaf_init(ui_element *e)
{
    (void)e;
    leaf_inits++;
}

static void leaf_dispose(ui_element *e)
{
    (void)e;
    leaf_disposes++;
}

static ui_widget *leaf_build(ui_build *b, ui_element *e)
{
    (void)e;
    leaf_builds++;
    return ui_text(b, "leaf", 14, black);
}

static const ui_widget_class leaf_class = {.name = "Leaf",
                                           .state_size = sizeof(int),
                                           .init_state = leaf_init,
                                           .dispose = leaf_dispose,
                                           .build = leaf_build};

/* const Changer(Wrapper(Leaf())) */
static ui_widget leaf_const = UI_CONST_WIDGET(&leaf_class, NULL);
static child_props three_wrapper_props = {&leaf_const};
static ui_widget three_wrapper_const = UI_CONST_WIDGET(&wrapper_class, &three_wrapper_props);
static child_props three_changer_props = {&three_wrapper_const};
static ui_widget three_changer_const = UI_CONST_WIDGET(&changer_class, &three_changer_props);

static void three_way_begin(void)
{
    begin();
    changer = NULL;
    leaf_inits = leaf_disposes = leaf_builds = changer_builds = 0;
}

/* Changer -> Wrapper -> Wrapper -> Leaf, one leaf showing "leaf". */
static void three_way_check(void)
{
    ui_element *leaf = find_one(&leaf_class);
    assert_non_null(leaf);
    assert_int_equal(count_class(&wrapper_class), 2);
    assert_ptr_equal(ui_element_class(ui_element_parent(leaf)), &wrapper_class);
    assert_ptr_equal(ui_element_class(ui_element_parent(ui_element_parent(leaf))), &wrapper_class);
    assert_ptr_equal(ui_element_parent(ui_element_parent(ui_element_parent(leaf))), changer);
    assert_int_equal(count_class(&ui_text_class), 1);
    assert_false(ui_tree_frame(tree));
}

/* Flutter: packages/flutter/test/widgets/set_state_3_test.dart, "three-way setState() smoke test"
 */
static void test_three_way_set_state(void **state)
{
    (void)state;
    three_way_begin();
    pump_const(&three_changer_const);
    pump_const(&three_changer_const);
    assert_non_null(changer);
    assert_int_equal(changer_builds, 1); /* the identical widget again: skipped */
    assert_int_equal(leaf_builds, 1);
    ui_set_state(changer, changer_set, NULL); /* changer.test() */
    assert_true(ui_tree_frame(tree));
    assert_int_equal(changer_builds, 2);
    /* The old Leaf made way for the Wrapper that now holds it. */
    assert_int_equal(leaf_inits, 2);
    assert_int_equal(leaf_disposes, 1);
    three_way_check();
    end();
}

static ui_widget *three_way_new_root(ui_build *b)
{
    child_props p = {wrapper(b, ui_widget_new(b, &leaf_class, UI_NO_KEY, NULL, NULL, 0))};
    return ui_widget_new(b, &changer_class, UI_NO_KEY, &p, NULL, 0);
}

/* Flutter: packages/flutter/test/widgets/set_state_3_test.dart, "three-way setState() smoke test"
 * (its first version: new Changer(new Wrapper(new Leaf())), so the child the
 * Changer wraps later was made by a build of an earlier frame). */
static void test_three_way_set_state_new_widgets(void **state)
{
    (void)state;
    three_way_begin();
    pump_widget(three_way_new_root);
    pump_widget(three_way_new_root);
    assert_int_equal(changer_builds, 2); /* new instances: updated */
    assert_int_equal(leaf_builds, 2);
    assert_int_equal(leaf_inits, 1);
    ui_set_state(changer, changer_set, NULL);
    assert_true(ui_tree_frame(tree));
    assert_int_equal(leaf_inits, 2);
    assert_int_equal(leaf_disposes, 1);
    three_way_check();
    end();
}

/* ==== set_state_4_test.dart ==== */

typedef struct count_state {
    int n;
    void *seen_ctx;
} count_state;

static void count_fn(void *state, void *ctx)
{
    count_state *s = state;
    s->n++;
    s->seen_ctx = ctx;
}

static int changer4_builds;

static ui_widget *changer4_build(ui_build *b, ui_element *e)
{
    (void)e;
    changer4_builds++;
    return ui_text(b, "test", 14, black);
}

static const ui_widget_class changer4_class = {
    .name = "Changer", .state_size = sizeof(count_state), .build = changer4_build};

static ui_widget *changer4_root(ui_build *b)
{
    return ui_widget_new(b, &changer4_class, UI_NO_KEY, NULL, NULL, 0);
}

/* Flutter: packages/flutter/test/widgets/set_state_4_test.dart, "setState() catches being used
 * with an async callback" (test0 and test1: a callback with no value and one
 * with a value are fine; test2, an async callback, has no C counterpart). */
static void test_set_state_callbacks(void **state)
{
    (void)state;
    begin();
    changer4_builds = 0;
    pump_widget(changer4_root);
    ui_element *e = find_one(&changer4_class);
    assert_non_null(e);
    count_state *s = ui_state(e);
    ui_set_state(e, NULL, NULL); /* test0 */
    int value = 1;
    ui_set_state(e, count_fn, &value); /* test1: runs now, with the state and ctx */
    assert_int_equal(s->n, 1);
    assert_ptr_equal(s->seen_ctx, &value);
    assert_true(ui_tree_frame(tree));
    assert_int_equal(changer4_builds, 2); /* two calls, one build */
    assert_false(ui_tree_frame(tree));
    end();
}

/* ==== stateful_component_test.dart ==== */

static ui_box_props deco_a_props = {.width = -1, .height = -1, .color = {255, 0, 0, 255}};
static ui_box_props deco_b_props = {.width = -1, .height = -1, .color = {0, 255, 0, 255}};
static ui_widget deco_a = UI_CONST_WIDGET(&ui_box_class, &deco_a_props);
static ui_widget deco_b = UI_CONST_WIDGET(&ui_box_class, &deco_b_props);
static flip_props flip_ab_props = {&deco_a, &deco_b};
static flip_props flip_ba_props = {&deco_b, &deco_a};
static ui_widget flip_ab = UI_CONST_WIDGET(&flip_class, &flip_ab_props);
static ui_widget flip_ba = UI_CONST_WIDGET(&flip_class, &flip_ba_props);

/* checkTree: the one decorated box shows `expected`. */
static void check_box(const ui_box_props *expected)
{
    ui_element *box = find_one(&ui_box_class);
    assert_non_null(box);
    const ui_box_props *p = ui_props(box);
    assert_int_equal(p->color.r, expected->color.r);
    assert_int_equal(p->color.g, expected->color.g);
    assert_int_equal(p->color.b, expected->color.b);
}

/* Flutter: packages/flutter/test/widgets/stateful_component_test.dart, "Stateful widget smoke test"
 */
static void test_stateful_widget_smoke(void **state)
{
    (void)state;
    begin();
    pump_const(&flip_ab);
    check_box(&deco_a_props);
    ui_element *flipper = find_one(&flip_class);
    pump_const(&flip_ba);
    check_box(&deco_b_props);
    flip(flip_el);
    ui_tree_frame(tree);
    check_box(&deco_a_props);
    pump_const(&flip_ab); /* the first widget again, but not the current one: updated */
    check_box(&deco_b_props);
    assert_ptr_equal(find_one(&flip_class), flipper); /* one state throughout */
    end();
}

static int test_build_counter_count;

static ui_widget *test_build_counter_build(ui_build *b, ui_element *e)
{
    (void)e;
    test_build_counter_count += 1;
    return ui_box(b, &deco_a_props, NULL);
}

static const ui_widget_class test_build_counter_class = {.name = "TestBuildCounter",
                                                         .build = test_build_counter_build};
static ui_widget test_build_counter_const = UI_CONST_WIDGET(&test_build_counter_class, NULL);

static ui_widget *dont_rebuild_root(ui_build *b)
{
    return flip_widget(b, ui_key_str("rebuild test"), &test_build_counter_const, &deco_b);
}

/* Flutter: packages/flutter/test/widgets/stateful_component_test.dart, "Don't rebuild subwidgets"
 */
static void test_dont_rebuild_subwidgets(void **state)
{
    (void)state;
    begin();
    test_build_counter_count = 0;
    pump_widget(dont_rebuild_root);
    assert_int_equal(test_build_counter_count, 1);
    flip(flip_el);
    ui_tree_frame(tree);
    assert_int_equal(test_build_counter_count, 1);
    check_box(&deco_b_props);
    assert_int_equal(count_class(&test_build_counter_class), 0);
    end();
}

/* ==== build_scope_test.dart ==== */

static int probe_build_count;

static void probe_noop(void *state, void *ctx)
{
    (void)state;
    (void)ctx;
}

static void probe_init(ui_element *e)
{
    ui_set_state(e, probe_noop, NULL);
}

static void probe_update(ui_element *e, const void *old)
{
    (void)old;
    ui_set_state(e, probe_noop, NULL);
}

static ui_widget *probe_build(ui_build *b, ui_element *e)
{
    ui_set_state(e, probe_noop, NULL);
    probe_build_count++;
    return container(b, NULL);
}

static const ui_widget_class probe_widget_class = {.name = "ProbeWidget",
                                                   .state_size = sizeof(int),
                                                   .init_state = probe_init,
                                                   .did_update_widget = probe_update,
                                                   .build = probe_build};

static ui_widget *probe_widget(ui_build *b, const char *key)
{
    return ui_widget_new(b, &probe_widget_class, ui_key_str(key), NULL, NULL, 0);
}

static ui_widget *probe_a(ui_build *b)
{
    return probe_widget(b, "a");
}

static ui_widget *probe_b(ui_build *b)
{
    return probe_widget(b, "b");
}

static ui_widget *probe_flip(ui_build *b)
{
    return flip_widget(b, ui_key_global("flipKey"), container(b, NULL), probe_widget(b, "c"));
}

static ui_widget *just_container(ui_build *b)
{
    return container(b, NULL);
}

/* Flutter: packages/flutter/test/widgets/build_scope_test.dart, "Legal times for setState" */
static void test_legal_times_for_set_state(void **state)
{
    (void)state;
    begin();
    probe_build_count = 0;
    pump_widget(probe_a);
    assert_int_equal(probe_build_count, 1);
    assert_false(ui_tree_frame(tree)); /* its set_state calls left nothing dirty */
    pump_widget(probe_b);
    assert_int_equal(probe_build_count, 2);
    assert_false(ui_tree_frame(tree));
    pump_widget(probe_flip);
    assert_int_equal(probe_build_count, 2);
    ui_element *flip_state1 = find_key(ui_key_global("flipKey"));
    assert_non_null(flip_state1);
    flip(flip_state1);
    ui_tree_frame(tree);
    assert_int_equal(probe_build_count, 3);
    assert_false(ui_tree_frame(tree));
    ui_element *flip_state2 = find_key(ui_key_global("flipKey"));
    assert_ptr_equal(flip_state2, flip_state1);
    flip(flip_state2);
    ui_tree_frame(tree);
    assert_int_equal(probe_build_count, 3);
    pump_widget(just_container);
    assert_int_equal(probe_build_count, 3);
    assert_false(ui_tree_frame(tree));
    end();
}

/* Setting parent state during build */
typedef struct bad_props {
    ui_element *parent_state;
} bad_props;

static ui_widget *bad_widget_build(ui_build *b, ui_element *e)
{
    mark_dirty(((const bad_props *)ui_props(e))->parent_state);
    return container(b, NULL);
}

static const ui_widget_class bad_widget_class = {
    .name = "BadWidget", .props_size = sizeof(bad_props), .build = bad_widget_build};

static ui_widget *bad_parent_build(ui_build *b, ui_element *e)
{
    bad_props p = {e};
    return ui_widget_new(b, &bad_widget_class, UI_NO_KEY, &p, NULL, 0);
}

static const ui_widget_class bad_parent_class = {
    .name = "BadWidgetParent", .state_size = sizeof(int), .build = bad_parent_build};

static ui_widget *bad_parent_root(ui_build *b)
{
    return ui_widget_new(b, &bad_parent_class, UI_NO_KEY, NULL, NULL, 0);
}

static void child_parent_state_during_build(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    pump_widget(bad_parent_root);
}

/* Flutter: packages/flutter/test/widgets/build_scope_test.dart, "Setting parent state during build
 * is forbidden" */
static void test_parent_state_during_build_aborts(void **state)
{
    (void)state;
    expect_abort_naming("parent-state-during-build", "is building", "BadWidgetParent");
}

/* Setting state during dispose */
static void bad_dispose(ui_element *e)
{
    ui_set_state(e, probe_noop, NULL); /* This is invalid behavior. */
}

static ui_widget *bad_dispose_build(ui_build *b, ui_element *e)
{
    (void)e;
    return container(b, NULL);
}

static const ui_widget_class bad_dispose_class = {.name = "BadDisposeWidget",
                                                  .state_size = sizeof(int),
                                                  .build = bad_dispose_build,
                                                  .dispose = bad_dispose};

static ui_widget *bad_dispose_root(ui_build *b)
{
    return ui_widget_new(b, &bad_dispose_class, UI_NO_KEY, NULL, NULL, 0);
}

static void child_state_during_dispose(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    pump_widget(bad_dispose_root);
    fprintf(stderr, "first pump: no error\n");
    pump_widget(just_container);
}

/* Flutter: packages/flutter/test/widgets/build_scope_test.dart, "Setting state during dispose is
 * forbidden" */
static void test_state_during_dispose_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("state-during-dispose", "first pump: no error");
    expect_abort_naming("state-during-dispose", "during dispose", "BadDisposeWidget");
}

/* Dirty element list sort order */
typedef struct sw_state {
    int built, old_built;
} sw_state;

static int sw_build_id;

static ui_widget *sw_build(ui_build *b, ui_element *e)
{
    (void)b;
    sw_build_id += 1;
    ((sw_state *)ui_state(e))->built = sw_build_id;
    return ((const child_props *)ui_props(e))->child;
}

static const ui_widget_class stateful_wrapper_class = {
    .name = "StatefulWrapper",
    .props_size = sizeof(child_props),
    .state_size = sizeof(sw_state),
    .build = sw_build,
    .widget_fields = {offsetof(child_props, child)},
    .nwidget_fields = 1};

static void sw_trigger(void *state, void *ctx)
{
    (void)ctx;
    ((sw_state *)state)->built = 0; /* built = null */
}

static ui_widget *stateful_wrapper(ui_build *b, ui_widget *child)
{
    child_props p = {child};
    return ui_widget_new(b, &stateful_wrapper_class, UI_NO_KEY, &p, NULL, 0);
}

static bool did_middle;
static ui_widget *sort_middle;
static ui_element *set_states[16];
static size_t nset_states;

static ui_widget *sort_builder(ui_build *b, ui_element *e, void *ctx)
{
    (void)ctx;
    if (nset_states < 16) set_states[nset_states++] = e;
    bool return_middle = !did_middle;
    did_middle = true;
    return wrapper(
        b, wrapper(b, stateful_wrapper(b, return_middle ? sort_middle : container(b, NULL))));
}

/* part1 = Wrapper(KeyedSubtree(key: key1, StatefulBuilder(builder))), part2 with key2:
 * made once, outside any build; the keys are set when the test starts. */
static builder_props sort_builder_props = {sort_builder, NULL};
static ui_widget sort_sb1 = UI_CONST_WIDGET(&stateful_builder_class, &sort_builder_props);
static ui_widget sort_sb2 = UI_CONST_WIDGET(&stateful_builder_class, &sort_builder_props);
static child_props sort_ks1_props = {&sort_sb1};
static child_props sort_ks2_props = {&sort_sb2};
static ui_widget sort_ks1 = UI_CONST_WIDGET(&keyed_subtree_class, &sort_ks1_props);
static ui_widget sort_ks2 = UI_CONST_WIDGET(&keyed_subtree_class, &sort_ks2_props);
static child_props sort_part1_props = {&sort_ks1};
static child_props sort_part2_props = {&sort_ks2};
static ui_widget sort_part1 = UI_CONST_WIDGET(&wrapper_class, &sort_part1_props);
static ui_widget sort_part2 = UI_CONST_WIDGET(&wrapper_class, &sort_part2_props);

/* Flutter: packages/flutter/test/widgets/build_scope_test.dart, "Dirty element list sort order" */
static void test_dirty_element_list_sort_order(void **state)
{
    (void)state;
    begin();
    ui_key key1 = ui_key_global("key1"), key2 = ui_key_global("key2");
    sort_ks1.key = key1;
    sort_ks2.key = key2;
    did_middle = false;
    nset_states = 0;
    sw_build_id = 0;

    sort_middle = &sort_part2;
    pump_const(&sort_part1);

    ui_element *wrappers[16], *wrappers_after[16];
    assert_int_equal(find_all(&stateful_wrapper_class, wrappers, 16), 2);
    ui_element *ks1 = find_key(key1), *ks2 = find_key(key2);
    assert_non_null(ks1);
    assert_non_null(ks2);
    for (size_t i = 0; i < 2; i++) {
        sw_state *s = ui_state(wrappers[i]);
        assert_int_not_equal(s->built, 0);
        s->old_built = s->built;
        ui_set_state(wrappers[i], sw_trigger, NULL); /* state.trigger() */
    }
    assert_int_equal(nset_states, 2);
    for (size_t i = 0; i < nset_states; i++)
        ui_set_state(set_states[i], NULL, NULL);

    sw_build_id = 0;
    sort_middle = &sort_part1;
    did_middle = false;
    pump_const(&sort_part2);

    assert_int_equal(find_all(&stateful_wrapper_class, wrappers_after, 16), 2);
    for (size_t i = 0; i < 2; i++) {
        sw_state *s = ui_state(wrappers_after[i]);
        assert_int_not_equal(s->built, 0);
        assert_int_not_equal(s->built, s->old_built);
    }
    /* The keyed subtrees swapped places and kept their elements (so both
     * wrappers are the old ones, their states kept). */
    assert_ptr_equal(find_key(key1), ks1);
    assert_ptr_equal(find_key(key2), ks2);
    assert_ptr_equal(ui_element_parent(ks2), ui_tree_root(tree));
    assert_true((wrappers_after[0] == wrappers[0] && wrappers_after[1] == wrappers[1]) ||
                (wrappers_after[0] == wrappers[1] && wrappers_after[1] == wrappers[0]));
    assert_false(ui_tree_frame(tree));
    end();
}

/* ==== framework_test.dart ==== */

static ui_element *defunct_el;

static ui_widget *defunct_fn(ui_build *b, ui_element *e, void *ctx)
{
    (void)ctx;
    defunct_el = e; /* setState = setter */
    return container(b, NULL);
}

static ui_widget *defunct_root(ui_build *b)
{
    return builder(b, &stateful_builder_class, defunct_fn, NULL);
}

static void ran_fn(void *state, void *ctx)
{
    (void)state;
    *(bool *)ctx = true;
}

static void child_defunct_set_state(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    pump_widget(defunct_root);
    ui_set_state(defunct_el, NULL, NULL);
    ui_tree_frame(tree);
    pump_widget(just_container);
    ui_set_state(defunct_el, NULL, NULL);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "Defunct setState throws exception"
 */
static void test_defunct_set_state_aborts(void **state)
{
    (void)state;
    begin();
    pump_widget(defunct_root);
    ui_element *e = defunct_el;
    assert_non_null(e);
    bool ran = false;
    ui_set_state(e, ran_fn, &ran); /* control: no abort */
    assert_true(ran);
    assert_true(ui_tree_frame(tree));
    pump_widget(just_container);
    assert_false(ui_element_mounted(e));
    end();
    expect_abort_naming("defunct-set-state", "after it was disposed", "StatefulBuilder");
}

static ui_widget *stateful_leaf_build(ui_build *b, ui_element *e)
{
    (void)e;
    return container(b, NULL);
}

static const ui_widget_class stateful_leaf_class = {
    .name = "_StatefulLeaf", .state_size = sizeof(int), .build = stateful_leaf_build};

static ui_widget *stateful_leaf_root(ui_build *b)
{
    return ui_widget_new(b, &stateful_leaf_class, UI_NO_KEY, NULL, NULL, 0);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "Widget and State properties are
 * nulled out when unmounted" (Islet: the element reads as unmounted and a
 * weak handle to it is empty; its state cannot be reached any more). */
static void test_unmounted_element_is_defunct(void **state)
{
    (void)state;
    begin();
    pump_widget(stateful_leaf_root);
    ui_element *e = find_one(&stateful_leaf_class);
    assert_non_null(e);
    assert_non_null(ui_state(e));
    assert_true(ui_element_mounted(e));
    ui_ref r = ui_ref_of(e);
    assert_ptr_equal(ui_ref_get(r), e);
    pump_widget(just_container);
    assert_false(ui_element_mounted(e));
    assert_null(ui_ref_get(r));
    bool ran = false;
    assert_false(ui_ref_set_state(r, ran_fn, &ran));
    assert_false(ran);
    assert_false(ui_tree_frame(tree));
    end();
}

/* StatefulWidgetSpy (spy_widget.h): logs each lifecycle hook. */
static ui_widget *spy_build(ui_build *b, ui_element *e)
{
    (void)e;
    ts_log("build");
    return container(b, NULL);
}

static const ui_widget_class spy_class = SPY_CLASS(spy_build);

static ui_key spy_key;

static ui_widget *spy_root(ui_build *b)
{
    return ui_widget_new(b, &spy_class, spy_key, NULL, NULL, 0);
}

static ui_widget *spy_in_container_root(ui_build *b)
{
    return container(b, spy_root(b));
}

static void pump_logged(ui_widget *(*fn)(ui_build *b), const char *expected)
{
    reset_log();
    pump_widget(fn);
    assert_string_equal(ts_log_text(), expected);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "Deactivate and activate are called
 * correctly" */
static void test_deactivate_and_activate(void **state)
{
    (void)state;
    begin();
    spy_key = UI_NO_KEY;
    pump_logged(spy_root, "initState, build");
    pump_logged(spy_in_container_root, "deactivate, initState, build, dispose");
    pump_logged(just_container, "deactivate, dispose");

    spy_key = ui_key_global("spy");
    pump_logged(spy_root, "initState, build");
    pump_logged(spy_in_container_root, "deactivate, activate, didUpdateWidget, build");
    pump_logged(just_container, "deactivate, dispose");
    end();
}

/* DependentStatefulWidget (its hooks: spy_widget.h) */
static ui_widget *dependent_build(ui_build *b, ui_element *e)
{
    ui_depend_on(e, &inherited_class);
    return container(b, NULL);
}

static const ui_widget_class dependent_class = {.name = "DependentStatefulWidget",
                                                .state_size = sizeof(int),
                                                .did_change_dependencies = dependent_dcd,
                                                .deactivate = dependent_deactivate,
                                                .build = dependent_build};

static int dep_stage;

static ui_widget *dependent_root(ui_build *b)
{
    ui_widget *dep = ui_widget_new(b, &dependent_class, ui_key_global("dependent"), NULL, NULL, 0);
    switch (dep_stage) {
    case 1:
        return inherited(b, 1, dep);
    case 2:
        return inherited(b, 2, dep);
    case 3:
        return inherited(b, 3, container(b, dep));
    default:
        return inherited(b, 4, container(b, NULL));
    }
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "didUpdateDependencies is not called
 * on a State that never rebuilds" */
static void test_did_change_dependencies_counts(void **state)
{
    (void)state;
    begin();
    ui_key key = ui_key_global("dependent");
    dcd_count = deactivated_count = 0;
    /* Initial build: did_change_dependencies, no deactivate. */
    dep_stage = 1;
    pump_widget(dependent_root);
    assert_non_null(find_key(key));
    assert_int_equal(dcd_count, 1);
    assert_int_equal(deactivated_count, 0);
    /* A new value: did_change_dependencies. */
    dep_stage = 2;
    pump_widget(dependent_root);
    assert_non_null(find_key(key));
    assert_int_equal(dcd_count, 2);
    assert_int_equal(deactivated_count, 0);
    /* Reparented (and a new value): deactivate and one did_change_dependencies. */
    ui_element *before = find_key(key);
    dep_stage = 3;
    pump_widget(dependent_root);
    assert_ptr_equal(find_key(key), before);
    assert_int_equal(dcd_count, 3);
    assert_int_equal(deactivated_count, 1);
    /* Removed: deactivate, no did_change_dependencies. */
    dep_stage = 4;
    pump_widget(dependent_root);
    assert_null(find_key(key));
    assert_int_equal(dcd_count, 3);
    assert_int_equal(deactivated_count, 2);
    end();
}

/* ==== The rules of ui_tree.h's lifecycle comment ==== */

/* ui_set_state in init_state, did_change_dependencies, did_update_widget and
 * the element's own build: allowed, one build, nothing dirty afterwards. */
typedef struct self_props {
    int v;
} self_props;

static int self_builds, self_fn_runs;
static ui_element *self_el;

static void self_bump(void *state, void *ctx)
{
    (void)state;
    (void)ctx;
    self_fn_runs++;
}

static void self_init(ui_element *e)
{
    ts_log("init_state");
    ui_set_state(e, self_bump, NULL);
}

static void self_dcd(ui_element *e)
{
    ts_log("did_change_dependencies");
    ui_set_state(e, self_bump, NULL);
}

static void self_update(ui_element *e, const void *old)
{
    ts_log("did_update_widget(%d->%d)", ((const self_props *)old)->v,
           ((const self_props *)ui_props(e))->v);
    ui_set_state(e, self_bump, NULL);
}

static ui_widget *self_build(ui_build *b, ui_element *e)
{
    self_el = e;
    ui_depend_on(e, &inherited_class);
    ts_log("build");
    ui_set_state(e, self_bump, NULL);
    self_builds++;
    return container(b, NULL);
}

static const ui_widget_class self_setter_class = {.name = "SelfSetter",
                                                  .props_size = sizeof(self_props),
                                                  .state_size = sizeof(int),
                                                  .init_state = self_init,
                                                  .did_change_dependencies = self_dcd,
                                                  .did_update_widget = self_update,
                                                  .build = self_build};

static self_props self_const_props = {3};
static ui_widget self_const = UI_CONST_WIDGET(&self_setter_class, &self_const_props);
static int self_stage;

static ui_widget *self_root(ui_build *b)
{
    self_props p = {self_stage == 1 ? 1 : 2};
    switch (self_stage) {
    case 1:
    case 2:
        return inherited(b, 1, ui_widget_new(b, &self_setter_class, UI_NO_KEY, &p, NULL, 0));
    case 3:
        return inherited(b, 1, &self_const);
    default:
        return inherited(b, 2, &self_const);
    }
}

static void self_pump(int stage, const char *expected)
{
    self_stage = stage;
    pump_logged(self_root, expected);
    assert_false(ui_tree_frame(tree)); /* no loop, no extra build next frame */
}

static void test_set_state_legal_in_hooks_builds_once(void **state)
{
    (void)state;
    begin();
    self_builds = self_fn_runs = 0;
    self_pump(1, "init_state, did_change_dependencies, build");
    assert_int_equal(self_builds, 1);
    assert_int_equal(self_fn_runs, 3); /* each set_state ran its fn */
    self_pump(2, "did_update_widget(1->2), build");
    assert_int_equal(self_builds, 2);
    assert_int_equal(self_fn_runs, 5);
    self_pump(3, "did_update_widget(2->3), build");
    assert_int_equal(self_builds, 3);
    /* The identical child under a changed Inherited: only its dependency. */
    self_pump(4, "did_change_dependencies, build");
    assert_int_equal(self_builds, 4);
    assert_int_equal(self_fn_runs, 9);
    /* From outside: one build, whose own set_state adds nothing. */
    reset_log();
    ui_set_state(self_el, NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_string_equal(ts_log_text(), "build");
    assert_false(ui_tree_frame(tree));
    assert_int_equal(self_builds, 5);
    end();
}

/* A parent marking a descendant dirty during its own build is allowed: the
 * descendant is built once, in the same frame. */
static int desc_parent_builds, desc_child_builds;
static ui_element *desc_child_el;
static bool desc_poke, desc_new_instance;

static ui_widget *desc_child_build(ui_build *b, ui_element *e)
{
    (void)b;
    desc_child_el = e;
    desc_child_builds++;
    return NULL;
}

static const ui_widget_class desc_child_class = {
    .name = "DescChild", .state_size = sizeof(int), .build = desc_child_build};
static ui_widget desc_child_const = UI_CONST_WIDGET(&desc_child_class, NULL);

static ui_widget *desc_parent_build(ui_build *b, ui_element *e)
{
    (void)e;
    desc_parent_builds++;
    if (desc_poke && desc_child_el) ui_set_state(desc_child_el, NULL, NULL);
    return desc_new_instance ? ui_widget_new(b, &desc_child_class, UI_NO_KEY, NULL, NULL, 0)
                             : &desc_child_const;
}

static const ui_widget_class desc_parent_class = {
    .name = "DescParent", .state_size = sizeof(int), .build = desc_parent_build};

static ui_widget *desc_root(ui_build *b)
{
    return ui_widget_new(b, &desc_parent_class, UI_NO_KEY, NULL, NULL, 0);
}

static void test_set_state_on_descendant_during_build(void **state)
{
    (void)state;
    begin();
    desc_parent_builds = desc_child_builds = 0;
    desc_child_el = NULL;
    desc_poke = desc_new_instance = false;
    pump_widget(desc_root);
    assert_int_equal(desc_child_builds, 1);
    ui_element *parent = find_one(&desc_parent_class);
    ui_set_state(parent, NULL, NULL);
    ui_tree_frame(tree);
    assert_int_equal(desc_parent_builds, 2);
    assert_int_equal(desc_child_builds, 1); /* identical child: skipped */
    desc_poke = true;
    ui_set_state(parent, NULL, NULL);
    ui_tree_frame(tree);
    assert_int_equal(desc_parent_builds, 3);
    assert_int_equal(desc_child_builds, 2); /* dirty: built in this frame */
    assert_false(ui_tree_frame(tree));
    desc_new_instance = true; /* dirty and updated: still one build */
    ui_set_state(parent, NULL, NULL);
    ui_tree_frame(tree);
    assert_int_equal(desc_child_builds, 3);
    assert_false(ui_tree_frame(tree));
    end();
}

/* Misuse: ui_set_state on a sibling of the element being built. */
static ui_element *sib_a_el, *sib_b_el;
static bool sib_misbehave;

static ui_widget *sib_a_build(ui_build *b, ui_element *e)
{
    (void)b;
    sib_a_el = e;
    return NULL;
}

static ui_widget *sib_b_build(ui_build *b, ui_element *e)
{
    (void)b;
    sib_b_el = e;
    if (sib_misbehave) ui_set_state(sib_a_el, NULL, NULL);
    return NULL;
}

static const ui_widget_class sib_a_class = {
    .name = "SiblingA", .state_size = sizeof(int), .build = sib_a_build};
static const ui_widget_class sib_b_class = {
    .name = "SiblingB", .state_size = sizeof(int), .build = sib_b_build};

static ui_widget *siblings_root(ui_build *b)
{
    ui_widget *kids[] = {ui_widget_new(b, &sib_a_class, UI_NO_KEY, NULL, NULL, 0),
                         ui_widget_new(b, &sib_b_class, UI_NO_KEY, NULL, NULL, 0)};
    return row(b, kids, 2);
}

static void child_set_state_on_sibling(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    sib_misbehave = false;
    pump_widget(siblings_root);
    sib_misbehave = true;
    ui_set_state(sib_b_el, NULL, NULL);
    ui_tree_frame(tree);
}

static void test_set_state_on_sibling_during_build_aborts(void **state)
{
    (void)state;
    expect_abort_naming("set-state-on-sibling", "is building", "SiblingA");
}

/* Misuse: ui_set_state on a grandparent, from a rebuild (not the first build). */
static bool gp_misbehave;

static ui_widget *gp_leaf_build(ui_build *b, ui_element *e)
{
    (void)b;
    if (gp_misbehave) ui_set_state(ui_element_parent(ui_element_parent(e)), NULL, NULL);
    return NULL;
}

static const ui_widget_class gp_leaf_class = {
    .name = "Grandchild", .state_size = sizeof(int), .build = gp_leaf_build};

static ui_widget *gp_build(ui_build *b, ui_element *e)
{
    (void)e;
    return wrapper(b, ui_widget_new(b, &gp_leaf_class, UI_NO_KEY, NULL, NULL, 0));
}

static const ui_widget_class gp_class = {
    .name = "Grandparent", .state_size = sizeof(int), .build = gp_build};

static ui_widget *gp_root(ui_build *b)
{
    return ui_widget_new(b, &gp_class, UI_NO_KEY, NULL, NULL, 0);
}

static void child_set_state_on_grandparent(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    gp_misbehave = false;
    pump_widget(gp_root);
    gp_misbehave = true;
    ui_element *leaf = NULL;
    find_all(&gp_leaf_class, &leaf, 1);
    ui_set_state(leaf, NULL, NULL);
    ui_tree_frame(tree);
}

static void test_set_state_on_grandparent_during_build_aborts(void **state)
{
    (void)state;
    expect_abort_naming("set-state-on-grandparent", "is building", "Grandparent");
}

/* Misuse: ui_set_state during layout and during paint. */
static ui_size layout_rude_layout(ui_element *e, ui_constraints c)
{
    ui_set_state(ui_element_parent(e), NULL, NULL);
    return ui_constrain(c, (ui_size){10, 10});
}

static const ui_widget_class layout_rude_class = {.name = "LayoutRude",
                                                  .layout = layout_rude_layout};

static ui_widget *layout_parent_build(ui_build *b, ui_element *e)
{
    (void)e;
    return ui_widget_new(b, &layout_rude_class, UI_NO_KEY, NULL, NULL, 0);
}

static const ui_widget_class layout_parent_class = {
    .name = "LayoutParent", .state_size = sizeof(int), .build = layout_parent_build};

static ui_widget *layout_parent_root(ui_build *b)
{
    return ui_widget_new(b, &layout_parent_class, UI_NO_KEY, NULL, NULL, 0);
}

static void child_set_state_during_layout(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    pump_widget(layout_parent_root);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "scheduleBuild while
 * debugBuildingDirtyElements is true" ("This might be because setState() was
 * called from a layout or paint callback"): Islet aborts at the call. */
static void test_set_state_during_layout_aborts(void **state)
{
    (void)state;
    expect_abort_naming("set-state-during-layout", "during layout", "LayoutParent");
}

static void paint_rude_paint(ui_element *e, void *canvas, float x, float y)
{
    (void)canvas;
    (void)x;
    (void)y;
    ui_set_state(ui_element_parent(e), NULL, NULL);
}

static const ui_widget_class paint_rude_class = {
    .name = "PaintRude", .layout = fixed_layout, .paint = paint_rude_paint};

static ui_widget *paint_parent_build(ui_build *b, ui_element *e)
{
    (void)e;
    return ui_widget_new(b, &paint_rude_class, UI_NO_KEY, NULL, NULL, 0);
}

static const ui_widget_class paint_parent_class = {
    .name = "PaintParent", .state_size = sizeof(int), .build = paint_parent_build};

static ui_widget *paint_parent_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &paint_parent_class, UI_NO_KEY, NULL, NULL, 0);
}

static void child_set_state_during_paint(void)
{
    rt_main_enter(NULL);
    ui_tester *t = ui_tester_new(100, 100, NULL); /* it has a canvas, so the tree paints */
    ui_tester_pump_widget(t, paint_parent_root, NULL);
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "scheduleBuild while
 * debugBuildingDirtyElements is true" (the paint half). */
static void test_set_state_during_paint_aborts(void **state)
{
    (void)state;
    expect_abort_naming("set-state-during-paint", "during paint", "PaintParent");
}

/* A type change (or key change) at one slot: deactivate old, init_state new,
 * build new, dispose old. */
static void lc_log(ui_element *e, const char *hook)
{
    ui_key k = ui_element_key(e);
    const char *name = ui_element_class(e)->name;
    if (k.kind == UI_KEY_KIND_INT)
        ts_log("%s#%lld.%s", name, (long long)k.v, hook);
    else
        ts_log("%s.%s", name, hook);
}

static void lc_init(ui_element *e)
{
    lc_log(e, "init_state");
}

static void lc_update(ui_element *e, const void *old)
{
    (void)old;
    lc_log(e, "did_update_widget");
}

static void lc_deactivate(ui_element *e)
{
    lc_log(e, "deactivate");
}

static void lc_activate(ui_element *e)
{
    lc_log(e, "activate");
}

static void lc_dispose(ui_element *e)
{
    lc_log(e, "dispose");
}

static ui_widget *lc_build(ui_build *b, ui_element *e)
{
    (void)b;
    lc_log(e, "build");
    return NULL;
}

#define LC_CLASS(nm, build_fn)                                                                     \
    {                                                                                              \
        .name = (nm), .state_size = sizeof(int), .init_state = lc_init,                            \
        .did_update_widget = lc_update, .deactivate = lc_deactivate, .activate = lc_activate,      \
        .dispose = lc_dispose, .build = (build_fn)                                                 \
    }

static const ui_widget_class alpha_class = LC_CLASS("Alpha", lc_build);
static const ui_widget_class beta_class = LC_CLASS("Beta", lc_build);

static int slot_mode;

static ui_widget *slot_build(ui_build *b, ui_element *e)
{
    (void)e;
    switch (slot_mode) {
    case 0:
        return ui_widget_new(b, &alpha_class, UI_NO_KEY, NULL, NULL, 0);
    case 1:
        return ui_widget_new(b, &beta_class, UI_NO_KEY, NULL, NULL, 0);
    case 2:
        return ui_widget_new(b, &beta_class, ui_key_int(1), NULL, NULL, 0);
    default:
        return ui_widget_new(b, &beta_class, ui_key_int(2), NULL, NULL, 0);
    }
}

static const ui_widget_class slot_class = {
    .name = "Slot", .state_size = sizeof(int), .build = slot_build};

static ui_widget *slot_root(ui_build *b)
{
    return ui_widget_new(b, &slot_class, UI_NO_KEY, NULL, NULL, 0);
}

static void slot_switch(int mode, const char *expected)
{
    slot_mode = mode;
    reset_log();
    ui_set_state(find_one(&slot_class), NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_string_equal(ts_log_text(), expected);
}

static void test_replacement_order_at_one_slot(void **state)
{
    (void)state;
    begin();
    slot_mode = 0;
    pump_logged(slot_root, "Alpha.init_state, Alpha.build");
    slot_switch(1, "Alpha.deactivate, Beta.init_state, Beta.build, Alpha.dispose");
    slot_switch(2, "Beta.deactivate, Beta#1.init_state, Beta#1.build, Beta.dispose");
    slot_switch(3, "Beta#1.deactivate, Beta#2.init_state, Beta#2.build, Beta#1.dispose");
    slot_switch(3, "Beta#2.did_update_widget, Beta#2.build");
    end();
}

/* Removal and reparenting of a subtree (Flutter's _InactiveElements:
 * deactivation goes parent first, disposal children first; a global key
 * brought back activates parent first, then updates it). */
static ui_widget *outer_lc_build(ui_build *b, ui_element *e);
static const ui_widget_class outer_lc_class = LC_CLASS("Outer", outer_lc_build);
static const ui_widget_class inner_lc_class = LC_CLASS("Inner", lc_build);

static ui_widget *outer_lc_build(ui_build *b, ui_element *e)
{
    lc_log(e, "build");
    return ui_widget_new(b, &inner_lc_class, UI_NO_KEY, NULL, NULL, 0);
}

static int subtree_stage;

static ui_widget *subtree_root(ui_build *b)
{
    ui_widget *outer = ui_widget_new(b, &outer_lc_class, ui_key_global("outer"), NULL, NULL, 0);
    switch (subtree_stage) {
    case 0:
        return container(b, outer);
    case 1:
        return container(b, container(b, outer));
    default:
        return container(b, NULL);
    }
}

static void test_subtree_deactivate_activate_dispose_order(void **state)
{
    (void)state;
    begin();
    subtree_stage = 0;
    pump_logged(subtree_root, "Outer.init_state, Outer.build, Inner.init_state, Inner.build");
    subtree_stage = 1;
    pump_logged(subtree_root, "Outer.deactivate, Inner.deactivate, Outer.activate, Inner.activate, "
                              "Outer.did_update_widget, Outer.build, Inner.did_update_widget, "
                              "Inner.build");
    subtree_stage = 2;
    pump_logged(subtree_root, "Outer.deactivate, Inner.deactivate, Inner.dispose, Outer.dispose");
    end();
}

/* Update rule: the identical instance skips the subtree; any other instance
 * of the same class and key gets did_update_widget (old props readable),
 * then build, even if its props are byte-equal. */
typedef struct upd_props {
    int v;
} upd_props;

static void upd_update(ui_element *e, const void *old)
{
    ts_log("did_update_widget(old=%d, new=%d)", ((const upd_props *)old)->v,
           ((const upd_props *)ui_props(e))->v);
}

static ui_widget *upd_build(ui_build *b, ui_element *e)
{
    (void)b;
    ts_log("build(%d)", ((const upd_props *)ui_props(e))->v);
    return NULL;
}

static void upd_init(ui_element *e)
{
    (void)e;
    ts_log("init_state");
}

static const ui_widget_class upd_class = {.name = "Updated",
                                          .props_size = sizeof(upd_props),
                                          .state_size = sizeof(int),
                                          .init_state = upd_init,
                                          .did_update_widget = upd_update,
                                          .build = upd_build};

static upd_props upd_one = {1};
static ui_widget upd_const = UI_CONST_WIDGET(&upd_class, &upd_one);
static int upd_mode, upd_holder_builds;

static ui_widget *upd_holder_build(ui_build *b, ui_element *e)
{
    (void)e;
    upd_holder_builds++;
    upd_props p = {upd_mode};
    return upd_mode == 0 ? &upd_const : ui_widget_new(b, &upd_class, UI_NO_KEY, &p, NULL, 0);
}

static const ui_widget_class upd_holder_class = {
    .name = "Holder", .state_size = sizeof(int), .build = upd_holder_build};

static ui_widget *upd_root(ui_build *b)
{
    return ui_widget_new(b, &upd_holder_class, UI_NO_KEY, NULL, NULL, 0);
}

static void upd_rebuild(int mode, const char *expected)
{
    upd_mode = mode;
    reset_log();
    int before = upd_holder_builds;
    ui_set_state(find_one(&upd_holder_class), NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_int_equal(upd_holder_builds, before + 1);
    assert_string_equal(ts_log_text(), expected);
}

static void test_update_rule(void **state)
{
    (void)state;
    begin();
    upd_mode = 0;
    upd_holder_builds = 0;
    pump_logged(upd_root, "init_state, build(1)");
    upd_rebuild(0, "");                                          /* identical: skipped */
    upd_rebuild(1, "did_update_widget(old=1, new=1), build(1)"); /* byte-equal, new instance */
    upd_rebuild(1, "did_update_widget(old=1, new=1), build(1)");
    upd_rebuild(2, "did_update_widget(old=1, new=2), build(2)");
    upd_rebuild(0, "did_update_widget(old=2, new=1), build(1)");
    upd_rebuild(0, "");
    end();
}

/* Flutter's widget.child: a stateful component holding `ui_widget *child`
 * (widget_fields) rebuilds alone, frames after its parent built it, and
 * returns props->child again: intact, and identical, so not rebuilt. */
typedef struct labelled_props {
    int magic;
    const char *label;
} labelled_props;

static int labelled_inits, labelled_updates, labelled_builds;

static void labelled_init(ui_element *e)
{
    (void)e;
    labelled_inits++;
}

static void labelled_update(ui_element *e, const void *old)
{
    (void)e;
    (void)old;
    labelled_updates++;
}

static ui_widget *labelled_build(ui_build *b, ui_element *e)
{
    labelled_builds++;
    return ui_text(b, ((const labelled_props *)ui_props(e))->label, 14, black);
}

static const ui_widget_class labelled_class = {.name = "Labelled",
                                               .props_size = sizeof(labelled_props),
                                               .state_size = sizeof(int),
                                               .init_state = labelled_init,
                                               .did_update_widget = labelled_update,
                                               .build = labelled_build,
                                               .string_fields = {offsetof(labelled_props, label)},
                                               .nstring_fields = 1};

static ui_widget *labelled(ui_build *b, int magic, const char *label)
{
    labelled_props p = {magic, ui_strdup(b, label)};
    return ui_widget_new(b, &labelled_class, UI_NO_KEY, &p, NULL, 0);
}

/* The ticker scribbles over the build arena at each of its builds. */
static int ticker_builds;

static ui_widget *ticker_build(ui_build *b, ui_element *e)
{
    (void)e;
    ticker_builds++;
    for (int i = 0; i < 16; i++) {
        void *p = ui_alloc(b, 1024);
        if (p) memset(p, 0xAB, 1024);
    }
    return NULL;
}

static const ui_widget_class ticker_class = {
    .name = "Ticker", .state_size = sizeof(int), .build = ticker_build};

static int holder_builds, holder_first_magic;
static bool holder_child_intact;
static ui_widget *holder_seen;

static ui_widget *holder_build(ui_build *b, ui_element *e)
{
    (void)b;
    holder_builds++;
    ui_widget *child = ((const child_props *)ui_props(e))->child;
    holder_seen = child;
    /* props->child as the parent made it: a row of two labelled widgets. */
    holder_child_intact =
        child && child->cls == &row_class && child->nchildren == 2 && child->children &&
        child->children[0]->cls == &labelled_class && child->children[1]->cls == &labelled_class &&
        ((const labelled_props *)child->children[0]->props)->magic == holder_first_magic &&
        ((const labelled_props *)child->children[1]->props)->magic == holder_first_magic + 1;
    return child;
}

static const ui_widget_class holder_class = {.name = "ChildHolder",
                                             .props_size = sizeof(child_props),
                                             .state_size = sizeof(int),
                                             .build = holder_build,
                                             .widget_fields = {offsetof(child_props, child)},
                                             .nwidget_fields = 1};

typedef struct app_state {
    int gen;
} app_state;

static ui_widget *app_build(ui_build *b, ui_element *e)
{
    int gen = ((app_state *)ui_state(e))->gen;
    ui_widget *kids[2] = {ui_widget_new(b, &ticker_class, UI_NO_KEY, NULL, NULL, 0), NULL};
    if (gen < 2) {
        holder_first_magic = 100 * (gen + 1);
        ui_widget *labels[] = {labelled(b, holder_first_magic, gen ? "c" : "a"),
                               labelled(b, holder_first_magic + 1, gen ? "d" : "b")};
        child_props p = {row(b, labels, 2)};
        kids[1] = ui_widget_new(b, &holder_class, UI_NO_KEY, &p, NULL, 0);
    }
    return row(b, kids, kids[1] ? 2 : 1);
}

static const ui_widget_class app_class = {
    .name = "App", .state_size = sizeof(app_state), .build = app_build};

static ui_widget *app_root(ui_build *b)
{
    return ui_widget_new(b, &app_class, UI_NO_KEY, NULL, NULL, 0);
}

static void next_gen(void *state, void *ctx)
{
    (void)ctx;
    ((app_state *)state)->gen++;
}

static void tick_frames(int n)
{
    ui_element *ticker = find_one(&ticker_class);
    for (int i = 0; i < n; i++) {
        int before = ticker_builds;
        ui_set_state(ticker, NULL, NULL);
        assert_true(ui_tree_frame(tree));
        assert_int_equal(ticker_builds, before + 1);
    }
}

static const char *label_of(ui_element *e)
{
    return ((const labelled_props *)ui_props(e))->label;
}

static void test_held_child_rebuilds_alone(void **state)
{
    (void)state;
    begin();
    labelled_inits = labelled_updates = labelled_builds = ticker_builds = holder_builds = 0;
    pump_widget(app_root);
    ui_element *app = find_one(&app_class), *holder = find_one(&holder_class);
    ui_element *labels[16];
    assert_int_equal(find_all(&labelled_class, labels, 16), 2);
    assert_true(holder_child_intact);
    assert_int_equal(labelled_builds, 2);

    /* Several frames later (the arena reused meanwhile), the holder alone. */
    tick_frames(4);
    holder_child_intact = false;
    ui_set_state(holder, NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_int_equal(holder_builds, 2);
    assert_true(holder_child_intact);
    ui_widget *held = holder_seen;
    assert_int_equal(labelled_builds, 2); /* the identical child: not rebuilt */
    assert_int_equal(labelled_updates, 0);
    assert_int_equal(labelled_inits, 2);
    ui_element *again[16];
    assert_int_equal(find_all(&labelled_class, again, 16), 2);
    assert_ptr_equal(again[0], labels[0]);
    assert_ptr_equal(again[1], labels[1]);
    assert_string_equal(label_of(again[0]), "a");
    assert_string_equal(label_of(again[1]), "b");
    assert_false(ui_tree_frame(tree));

    /* And again: the same held widget. */
    tick_frames(3);
    holder_child_intact = false;
    ui_set_state(holder, NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_true(holder_child_intact);
    assert_ptr_equal(holder_seen, held);
    assert_int_equal(labelled_builds, 2);

    /* The parent gives it a new child: updated in place, then held in turn. */
    ui_set_state(app, next_gen, NULL);
    assert_true(ui_tree_frame(tree));
    assert_true(holder_child_intact);
    assert_int_equal(labelled_updates, 2);
    assert_int_equal(labelled_builds, 4);
    assert_int_equal(labelled_inits, 2);
    assert_string_equal(label_of(labels[0]), "c");
    assert_string_equal(label_of(labels[1]), "d");
    tick_frames(3);
    holder_child_intact = false;
    ui_set_state(holder, NULL, NULL);
    assert_true(ui_tree_frame(tree));
    assert_true(holder_child_intact);
    assert_int_equal(labelled_builds, 4);
    assert_int_equal(labelled_updates, 2);

    /* The holder goes: what it held is released (ts_main_leave checks). */
    ui_set_state(app, next_gen, NULL);
    assert_true(ui_tree_frame(tree));
    assert_int_equal(count_class(&holder_class), 0);
    assert_int_equal(count_class(&labelled_class), 0);
    tick_frames(2);
    end();
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "Getting the render object of an
 * unmounted element throws": in Islet the layout box (ui_element_size, ui_element_rect) of an
 * element that left the tree. */
static void child_layout_box_of_unmounted(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    pump_widget(stateful_leaf_root);
    ui_element *leaf = find_one(&stateful_leaf_class);
    if (!leaf || !ui_state(leaf)) abort(); /* fine while mounted */
    ui_element_size(leaf);
    pump_widget(just_container);
    ui_element_size(leaf);
}

static void test_layout_box_of_unmounted_element_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort(
        "layout-box-of-unmounted",
        "ui_element_size: cannot get the layout box of an element that is not in the "
        "tree ('_StatefulLeaf' is disposed)");
}

static const ts_child_case cases[] = {
    {"layout-box-of-unmounted", child_layout_box_of_unmounted},
    {"parent-state-during-build", child_parent_state_during_build},
    {"state-during-dispose", child_state_during_dispose},
    {"defunct-set-state", child_defunct_set_state},
    {"set-state-on-sibling", child_set_state_on_sibling},
    {"set-state-on-grandparent", child_set_state_on_grandparent},
    {"set-state-during-layout", child_set_state_during_layout},
    {"set-state-during-paint", child_set_state_during_paint},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_box_of_unmounted_element_aborts),
        cmocka_unit_test(test_set_state_smoke),
        cmocka_unit_test(test_set_state_overbuild),
        cmocka_unit_test(test_three_way_set_state),
        cmocka_unit_test(test_three_way_set_state_new_widgets),
        cmocka_unit_test(test_set_state_callbacks),
        cmocka_unit_test(test_stateful_widget_smoke),
        cmocka_unit_test(test_dont_rebuild_subwidgets),
        cmocka_unit_test(test_legal_times_for_set_state),
        cmocka_unit_test(test_parent_state_during_build_aborts),
        cmocka_unit_test(test_state_during_dispose_aborts),
        cmocka_unit_test(test_dirty_element_list_sort_order),
        cmocka_unit_test(test_defunct_set_state_aborts),
        cmocka_unit_test(test_unmounted_element_is_defunct),
        cmocka_unit_test(test_deactivate_and_activate),
        cmocka_unit_test(test_did_change_dependencies_counts),
        cmocka_unit_test(test_set_state_legal_in_hooks_builds_once),
        cmocka_unit_test(test_set_state_on_descendant_during_build),
        cmocka_unit_test(test_set_state_on_sibling_during_build_aborts),
        cmocka_unit_test(test_set_state_on_grandparent_during_build_aborts),
        cmocka_unit_test(test_set_state_during_layout_aborts),
        cmocka_unit_test(test_set_state_during_paint_aborts),
        cmocka_unit_test(test_replacement_order_at_one_slot),
        cmocka_unit_test(test_subtree_deactivate_activate_dispose_order),
        cmocka_unit_test(test_update_rule),
        cmocka_unit_test(test_held_child_rebuilds_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
