/* test_tree.c: reconciliation, set_state, frames, layout, hit testing. */
#include "spy_widget.h"
#include "test_support.h"
#include <islet/ui_anim.h>
#include <islet/ui_widgets.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* ---- A stateful probe: remembers which state it is, counts lifecycle ---- */

typedef struct probe_props {
    const char *label;
    int size;
} probe_props;

typedef struct probe_state {
    int id; /* first: count_init numbers it */
    char seen_label[32];
} probe_state;

/* The hooks count (count_init, ...; next_id, inits, disposes, ...: spy_widget.h). */
static int probe_builds;
static char order[256];

static ui_size leaf_layout(ui_element *e, ui_constraints c)
{
    const probe_props *p = ui_props(e);
    return ui_constrain(c, (ui_size){(float)p->size, (float)p->size});
}

static const ui_widget_class probe_class = {.name = "Probe",
                                            .props_size = sizeof(probe_props),
                                            .state_size = sizeof(probe_state),
                                            .init_state = count_init,
                                            .did_update_widget = count_update,
                                            .dispose = count_dispose,
                                            .deactivate = count_deactivate,
                                            .activate = count_activate,
                                            .layout = leaf_layout,
                                            .string_fields = {offsetof(probe_props, label)},
                                            .nstring_fields = 1};

static const ui_widget_class other_class = {.name = "Other",
                                            .props_size = sizeof(probe_props),
                                            .state_size = sizeof(probe_state),
                                            .init_state = count_init,
                                            .dispose = count_dispose,
                                            .layout = leaf_layout,
                                            .string_fields = {offsetof(probe_props, label)},
                                            .nstring_fields = 1};

/* A render class that lays its children out in a row, left to right (row_layout: spy_widget.h). */
static const ui_widget_class list_class = {.name = "List", .layout = row_layout};

/* What the root builds: a list of (class, key, label). */
typedef struct spec {
    const ui_widget_class *cls;
    ui_key key;
    const char *label;
} spec;

static spec cur[8];
static size_t ncur;

static ui_widget *root_fn(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[8];
    for (size_t i = 0; i < ncur; i++) {
        probe_props p = {cur[i].label, 10};
        kids[i] = ui_widget_new(b, cur[i].cls, cur[i].key, &p, NULL, 0);
    }
    return ui_widget_new(b, &list_class, UI_NO_KEY, NULL, kids, ncur);
}

static void show(size_t n, const spec *s)
{
    if (n) memcpy(cur, s, n * sizeof *s);
    ncur = n;
    ui_tree_set_root(tree, root_fn, NULL);
    assert_true(ui_tree_frame(tree));
}

static ui_element *slot(size_t i)
{
    return ui_element_child(ui_tree_root(tree), i);
}

static int id_at(size_t i)
{
    return ((probe_state *)ui_state(slot(i)))->id;
}

static const char *label_at(size_t i)
{
    return ((const probe_props *)ui_props(slot(i)))->label;
}

static void begin(void)
{
    probe_builds = 0;
    order[0] = 0;
    begin_tree(400, 300); /* the counts zeroed */
}

/* Keyed children swapped keep their states. */
static void test_keyed_swap_keeps_state(void **state)
{
    (void)state;
    begin();
    show(2, (spec[]){{&probe_class, ui_key_str("a"), "A"}, {&probe_class, ui_key_str("b"), "B"}});
    int a = id_at(0), b = id_at(1);
    show(2, (spec[]){{&probe_class, ui_key_str("b"), "B"}, {&probe_class, ui_key_str("a"), "A"}});
    assert_int_equal(id_at(0), b);
    assert_int_equal(id_at(1), a);
    assert_int_equal(inits, 2);
    assert_int_equal(disposes, 0);
    end();
}

/* Unkeyed same-type children swapped: states stay in place, config follows. */
static void test_unkeyed_swap_keeps_state_in_place(void **state)
{
    (void)state;
    begin();
    show(2, (spec[]){{&probe_class, UI_NO_KEY, "first"}, {&probe_class, UI_NO_KEY, "second"}});
    int s0 = id_at(0), s1 = id_at(1);
    show(2, (spec[]){{&probe_class, UI_NO_KEY, "second"}, {&probe_class, UI_NO_KEY, "first"}});
    assert_int_equal(id_at(0), s0);
    assert_int_equal(id_at(1), s1);
    assert_string_equal(label_at(0), "second");
    assert_string_equal(label_at(1), "first");
    assert_int_equal(updates, 2);
    assert_int_equal(inits, 2);
    end();
}

/* Adding a key where there was none gives a fresh state. */
static void test_adding_key_gives_fresh_state(void **state)
{
    (void)state;
    begin();
    show(1, (spec[]){{&probe_class, UI_NO_KEY, "x"}});
    int before = id_at(0);
    show(1, (spec[]){{&probe_class, ui_key_int(7), "x"}});
    assert_int_not_equal(id_at(0), before);
    assert_int_equal(disposes, 1);
    assert_int_equal(inits, 2);
    end();
}

/* A type change at a slot disposes the old state and inits a new one, in one frame. */
static void test_type_change_replaces_in_one_frame(void **state)
{
    (void)state;
    begin();
    show(1, (spec[]){{&probe_class, UI_NO_KEY, "x"}});
    show(1, (spec[]){{&other_class, UI_NO_KEY, "x"}});
    assert_ptr_equal(ui_element_class(slot(0)), &other_class);
    assert_int_equal(disposes, 1);
    assert_int_equal(inits, 2);
    assert_int_equal(ui_tree_element_count(tree), 3); /* root, list, one child */
    end();
}

/* Keyed middle matching: a removed keyed child is disposed, the others keep state. */
static void test_keyed_middle_insert_and_remove(void **state)
{
    (void)state;
    begin();
    ui_key k1 = ui_key_int(1), k2 = ui_key_int(2), k3 = ui_key_int(3), k4 = ui_key_int(4);
    show(3, (spec[]){{&probe_class, k1, "1"}, {&probe_class, k2, "2"}, {&probe_class, k3, "3"}});
    int i1 = id_at(0), i3 = id_at(2);
    show(3, (spec[]){{&probe_class, k1, "1"}, {&probe_class, k4, "4"}, {&probe_class, k3, "3"}});
    assert_int_equal(id_at(0), i1);
    assert_int_equal(id_at(2), i3);
    assert_int_equal(disposes, 1); /* k2 */
    assert_int_equal(inits, 4);    /* k4 is new */
    end();
}

/* ---- set_state: merging, depth order, no frame when clean ---- */

typedef struct counter_state {
    int builds;
    int depth_tag;
} counter_state;

static ui_element *outer_el, *inner_el;

static ui_widget *inner_build(ui_build *b, ui_element *e)
{
    (void)b;
    inner_el = e;
    ((counter_state *)ui_state(e))->builds++;
    strcat(order, "inner ");
    return NULL;
}

static const ui_widget_class inner_class = {
    .name = "Inner", .state_size = sizeof(counter_state), .build = inner_build};

static ui_widget *outer_build(ui_build *b, ui_element *e)
{
    outer_el = e;
    ((counter_state *)ui_state(e))->builds++;
    strcat(order, "outer ");
    return ui_widget_new(b, &inner_class, UI_NO_KEY, NULL, NULL, 0);
}

static const ui_widget_class outer_class = {
    .name = "Outer", .state_size = sizeof(counter_state), .build = outer_build};

static ui_widget *nested_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &outer_class, UI_NO_KEY, NULL, NULL, 0);
}

static void bump(void *state, void *ctx)
{
    (void)state;
    ++*(int *)ctx;
}

static void test_set_state_merges_and_orders_by_depth(void **state)
{
    (void)state;
    begin();
    ui_tree_set_root(tree, nested_root, NULL);
    ui_tree_frame(tree);
    assert_false(ui_tree_frame(tree)); /* nothing dirty: no frame */
    int calls = 0;
    order[0] = 0;
    ui_set_state(inner_el, bump, &calls);
    ui_set_state(inner_el, bump, &calls);
    ui_set_state(outer_el, bump, &calls);
    assert_int_equal(calls, 3);
    assert_true(ui_tree_needs_frame(tree));
    int inner_before = ((counter_state *)ui_state(inner_el))->builds;
    assert_true(ui_tree_frame(tree));
    /* Parent first; the child is built once although it was marked twice. */
    assert_string_equal(order, "outer inner ");
    assert_int_equal(((counter_state *)ui_state(inner_el))->builds, inner_before + 1);
    assert_false(ui_tree_frame(tree));
    /* The frame was scheduled on the loop as well: running it finds nothing. */
    rt_run(RT_RUN_NOWAIT);
    ui_frame_timing ft[2];
    assert_int_equal(ui_tree_timings(tree, ft, 2), 2);
    assert_true(ft[0].built >= 2);
    end();
}

static void child_set_state_after_dispose(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    ui_tree_set_root(tree, nested_root, NULL);
    ui_tree_frame(tree);
    ui_element *gone = inner_el; /* a raw pointer kept, as async code must not */
    show(0, NULL);               /* different root: the nested tree is disposed */
    ui_set_state(gone, NULL, NULL);
}

static void test_set_state_after_dispose_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("set-state-after-dispose",
                          "ui_set_state: called on 'Inner' after it was disposed");
}

/* Thousands of elements made after it was disposed: none of them takes its
 * memory, so the stale pointer still reads as disposed (and marks nothing). */
static void churn(size_t rounds)
{
    for (size_t r = 0; r < rounds; r++) {
        spec s[8];
        for (size_t i = 0; i < 8; i++)
            s[i] = (spec){&probe_class, ui_key_int((int64_t)(r * 8 + i)), "churn"};
        show(8, s);
    }
}

static void child_set_state_after_churn(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    ui_tree_set_root(tree, nested_root, NULL);
    ui_tree_frame(tree);
    ui_element *gone = inner_el;
    show(0, NULL);
    churn(1000); /* 8,000 elements made and disposed since */
    ui_set_state(gone, NULL, NULL);
}

static void test_stale_pointer_never_reaches_another_element(void **state)
{
    (void)state;
    begin();
    ui_tree_set_root(tree, nested_root, NULL);
    ui_tree_frame(tree);
    ui_element *gone = inner_el;
    ui_ref ref = ui_ref_of(gone);
    show(0, NULL);
    assert_false(ui_element_mounted(gone));
    churn(1000);
    assert_false(ui_element_mounted(gone)); /* no new element lives there */
    assert_null(ui_ref_get(ref));
    int before = probe_builds;
    assert_false(ui_ref_set_state(ref, NULL, NULL));
    assert_false(ui_tree_frame(tree)); /* nothing was marked */
    assert_int_equal(probe_builds, before);
    end();
    ts_expect_check_abort("set-state-after-churn", "ui_set_state: called on");
}

/* ---- Hit testing ---- */

static void test_hit_test_innermost_first(void **state)
{
    (void)state;
    begin();
    show(2, (spec[]){{&probe_class, UI_NO_KEY, "a"}, {&probe_class, UI_NO_KEY, "b"}});
    ui_element *hits[8];
    size_t n = ui_tree_hit_test(tree, 15, 5, hits, 8);
    assert_int_equal(n, 2);
    assert_ptr_equal(hits[0], slot(1)); /* the second probe spans x 10..20 */
    assert_ptr_equal(hits[1], ui_tree_root(tree));
    /* Beside the probes only the list (tight to the window) is hit; outside, nothing. */
    assert_int_equal(ui_tree_hit_test(tree, 25, 5, hits, 8), 1);
    assert_ptr_equal(hits[0], ui_tree_root(tree));
    assert_int_equal(ui_tree_hit_test(tree, 500, 5, hits, 8), 0);
    end();
}

/* ---- Global keys: a move to a new parent keeps the state ---- */

static int where; /* 0: under the first list, 1: under the second, 2: gone, 3: twice */

static ui_widget *global_root(ui_build *b, void *ctx)
{
    (void)ctx;
    probe_props p = {"g", 10};
    ui_widget *g = ui_widget_new(b, &probe_class, ui_key_global("g"), &p, NULL, 0);
    ui_widget *g2 = ui_widget_new(b, &probe_class, ui_key_global("g"), &p, NULL, 0);
    ui_widget *a =
        ui_widget_new(b, &list_class, UI_NO_KEY, NULL, where == 0 || where == 3 ? &g : NULL,
                      where == 0 || where == 3 ? 1 : 0);
    ui_widget *c = ui_widget_new(b, &list_class, UI_NO_KEY, NULL,
                                 where == 1   ? &g
                                 : where == 3 ? &g2
                                              : NULL,
                                 where == 1 || where == 3 ? 1 : 0);
    ui_widget *kids[] = {a, c};
    return ui_widget_new(b, &list_class, UI_NO_KEY, NULL, kids, 2);
}

static void test_global_key_reparenting_keeps_state(void **state)
{
    (void)state;
    begin();
    where = 0;
    ui_tree_set_root(tree, global_root, NULL);
    ui_tree_frame(tree);
    ui_element *first = ui_element_child(ui_element_child(ui_tree_root(tree), 0), 0);
    int id = ((probe_state *)ui_state(first))->id;
    where = 1;
    ui_tree_set_root(tree, global_root, NULL);
    ui_tree_frame(tree);
    ui_element *moved = ui_element_child(ui_element_child(ui_tree_root(tree), 1), 0);
    assert_ptr_equal(moved, first);
    assert_int_equal(((probe_state *)ui_state(moved))->id, id);
    assert_int_equal(inits, 1);
    assert_int_equal(disposes, 0);
    /* And back, to a parent that is updated before the old one. */
    where = 0;
    ui_tree_set_root(tree, global_root, NULL);
    ui_tree_frame(tree);
    assert_ptr_equal(ui_element_child(ui_element_child(ui_tree_root(tree), 0), 0), first);
    assert_int_equal(ui_element_child_count(ui_element_child(ui_tree_root(tree), 1)), 0);
    assert_int_equal(inits, 1);
    assert_int_equal(disposes, 0);
    /* Each move deactivates and activates it once, whether it was parked
     * (old parent updated first) or taken from its parent (Flutter's
     * forgetChild + deactivateChild, then retake). */
    assert_int_equal(deactivations, 2);
    assert_int_equal(activations, 2);
    where = 2; /* gone: disposed when the frame ends */
    ui_tree_set_root(tree, global_root, NULL);
    ui_tree_frame(tree);
    assert_int_equal(disposes, 1);
    assert_int_equal(deactivations, 3);
    end();
}

static void child_duplicate_global_key(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    where = 3;
    ui_tree_set_root(tree, global_root, NULL);
    ui_tree_frame(tree);
}

static void test_duplicate_global_key_aborts(void **state)
{
    (void)state;
    ts_expect_abort("duplicate-global-key",
                    "duplicate global key 'g': a 'Probe' and a 'Probe' widget");
}

/* ---- An identical (const) widget skips its whole subtree ---- */

static ui_widget *counting_build(ui_build *b, ui_element *e)
{
    (void)b;
    (void)e;
    probe_builds++;
    return NULL;
}

static const ui_widget_class counting_class = {.name = "Counting", .build = counting_build};
/* A render widget (always reconciled unless identical) over a component. */
static ui_widget const_leaf = UI_CONST_WIDGET(&counting_class, NULL);
static ui_widget *const_kids[] = {&const_leaf};
static ui_widget const_child = {
    .cls = &list_class, .children = const_kids, .nchildren = 1, .is_const = true};
static int parent_builds;

static ui_widget *holder_build(ui_build *b, ui_element *e)
{
    (void)b;
    (void)e;
    parent_builds++;
    return &const_child; /* the same widget, frame after frame */
}

static const ui_widget_class holder_class = {.name = "Holder", .build = holder_build};
static ui_element *holder_el;

static ui_widget *holder_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &holder_class, UI_NO_KEY, NULL, NULL, 0);
}

static void find_holder(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    (void)ctx;
    if (ui_element_class(e) == &holder_class) holder_el = e;
}

static void test_identical_widget_skips_subtree(void **state)
{
    (void)state;
    begin();
    parent_builds = 0;
    ui_tree_set_root(tree, holder_root, NULL);
    ui_tree_frame(tree);
    ui_tree_visit(tree, find_holder, NULL);
    assert_int_equal(probe_builds, 1);
    ui_set_state(holder_el, NULL, NULL);
    ui_tree_frame(tree);
    assert_int_equal(parent_builds, 2);
    assert_int_equal(probe_builds, 1); /* the const child was not rebuilt */
    ui_frame_timing ft;
    ui_tree_timings(tree, &ft, 1);
    assert_int_equal(ft.built, 1); /* only the holder: the const subtree was skipped */
    end();
}

/* set_state on an ancestor while a descendant builds is an error. */
static ui_widget *rude_build(ui_build *b, ui_element *e)
{
    (void)b;
    ui_set_state(ui_element_parent(e), NULL, NULL);
    return NULL;
}

static const ui_widget_class rude_class = {.name = "Rude", .build = rude_build};

static ui_widget *rude_parent_build(ui_build *b, ui_element *e)
{
    (void)e;
    return ui_widget_new(b, &rude_class, UI_NO_KEY, NULL, NULL, 0);
}

static const ui_widget_class rude_parent_class = {.name = "Parent", .build = rude_parent_build};

static ui_widget *rude_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &rude_parent_class, UI_NO_KEY, NULL, NULL, 0);
}

static void child_set_state_on_ancestor(void)
{
    rt_main_enter(NULL);
    tree = ui_tree_new(100, 100, NULL);
    ui_tree_set_root(tree, rude_root, NULL);
    ui_tree_frame(tree);
}

static void test_set_state_on_ancestor_during_build_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("set-state-on-ancestor",
                          "ui_set_state: called on 'Parent' while 'Rude' is building");
}

/* A frame's lateness: how long after it could have started it did start.
 * The loop busy with other work makes it late; an idle pause does not. */
static void busy_for(int64_t ns) /* holds the loop, as a long callback would */
{
    int64_t end = rt_monotonic_ns() + ns;
    while (rt_monotonic_ns() < end) {
    }
}

static void busy_40ms(void *ctx)
{
    (void)ctx;
    busy_for(RT_MS(40));
}

static ui_widget *late_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_sized(b, 10, 10, NULL);
}

static void test_frame_lateness(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ui_tree *t = ui_tree_new(10, 10, NULL);
    ui_tree_set_root(t, late_root, NULL);
    rt_run(RT_RUN_NOWAIT); /* first frame */
    ui_frame_timing ft;
    assert_int_equal(ui_tree_timings(t, &ft, 1), 1);
    /* The loop runs a 40 ms task queued before the frame was wanted. */
    rt_post(busy_40ms, NULL);
    ui_set_state(ui_tree_root(t), NULL, NULL);
    rt_run(RT_RUN_NOWAIT);
    ui_tree_timings(t, &ft, 1);
    assert_true(ft.late_ns >= RT_MS(40) - RT_MS(1));
    /* 300 ms with nothing to draw, then a change: on time. */
    nanosleep(&(struct timespec){0, 300000000}, NULL);
    ui_set_state(ui_tree_root(t), NULL, NULL);
    rt_run(RT_RUN_NOWAIT);
    ui_tree_timings(t, &ft, 1);
    assert_true(ft.late_ns < RT_MS(150));
    ui_tree_free(t);
    ts_main_leave();
}

static void busy_100ms(void *ctx, int64_t now)
{
    (void)ctx;
    (void)now;
    busy_for(RT_MS(100));
}

static ui_widget *spinning_root(ui_build *b, void *ctx)
{
    return *(bool *)ctx ? ui_spinner(b, UI_NO_KEY, 20, (ui_color){0, 0, 255, 255})
                        : late_root(b, NULL);
}

static size_t frames_of(ui_tree *t)
{
    ui_frame_timing ft[240];
    return ui_tree_timings(t, ft, 240);
}

/* While an animation runs, a frame is due every interval: work that holds
 * the loop between frames makes the next one late though nothing asked
 * for it yet (its ticker could not fire). */
static void test_frame_lateness_while_animating(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    bool spin = true;
    ui_tree *t = ui_tree_new(40, 40, NULL);
    ui_tree_set_root(t, spinning_root, &spin);
    while (frames_of(t) < 3)
        rt_run(RT_RUN_ONCE);
    /* 100 ms of work right after the next frame, before the next tick. */
    ui_tree_after_frame(t, busy_100ms, NULL);
    size_t n = frames_of(t);
    while (frames_of(t) < n + 2)
        rt_run(RT_RUN_ONCE);
    ui_frame_timing ft;
    ui_tree_timings(t, &ft, 1);
    assert_true(ft.late_ns >= RT_MS(100) - RT_MS(17) - RT_MS(1));
    spin = false; /* the spinner goes, and its ticker with it */
    ui_set_state(ui_tree_root(t), NULL, NULL);
    n = frames_of(t);
    while (frames_of(t) == n)
        rt_run(RT_RUN_ONCE);
    ui_tree_free(t);
    ts_main_leave();
}

/* Keys made from strings name themselves (for dumps and messages), from
 * any buffer: interning copies the text. */
static void test_key_names(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    assert_string_equal(ui_key_name(ui_key_str("counter")), "counter");
    assert_string_equal(ui_key_name(ui_key_global("moving")), "moving");
    assert_null(ui_key_name(ui_key_int(7)));
    assert_null(ui_key_name(UI_NO_KEY));
    char name[16];
    for (int i = 0; i < 2000; i++) { /* the table grows */
        snprintf(name, sizeof name, "k%d", i);
        ui_key_str(name);
    }
    assert_string_equal(ui_key_name(ui_key_str("k123")), "k123");
    assert_string_equal(ui_key_name(ui_key_str("counter")), "counter");
    ts_main_leave();
}

/* A frame that lays out from the root (a new size, a new root) still lays
 * out what was rebuilt below an unchanged ancestor: the red box follows the
 * counter in the same frame. */
static int box_tens = 1;
static ui_element *tens_el;

static ui_widget *tens_build(ui_build *b, ui_element *e)
{
    tens_el = e;
    ui_box_props p = {.width = 10.0f * (float)box_tens, .height = 10, .color = {255, 0, 0, 255}};
    return ui_align(b, 0, 0, ui_box(b, &p, NULL));
}

static const ui_widget_class tens_class = {.name = "Tens", .state_size = 1, .build = tens_build};

static ui_widget *tens_app_build(ui_build *b, ui_element *e)
{
    (void)e;
    return ui_align(
        b, 0, 0,
        ui_sized(b, 100, 40,
                 ui_padding(b, 0, ui_widget_new(b, &tens_class, UI_NO_KEY, NULL, NULL, 0))));
}

static const ui_widget_class tens_app_class = {
    .name = "TensApp", .state_size = 1, .build = tens_app_build};
static ui_widget tens_app = UI_CONST_WIDGET(&tens_app_class, NULL);

static ui_widget *tens_root(ui_build *b, void *ctx)
{
    (void)b;
    (void)ctx;
    return &tens_app;
}

static float tens_width(ui_element *tens)
{
    return ui_element_size(ui_element_child(ui_element_child(tens, 0), 0)).w;
}

static void test_full_layout_lays_out_what_rebuilt(void **state)
{
    (void)state;
    begin();
    box_tens = 1;
    ui_tree_set_root(tree, tens_root, NULL);
    ui_tree_frame(tree);
    ui_element *tens = tens_el;
    assert_non_null(tens);
    assert_true(tens_width(tens) == 10);
    box_tens = 5;
    ui_set_state(tens, NULL, NULL);
    ui_tree_frame(tree);
    assert_true(tens_width(tens) == 50);
    box_tens = 8;
    ui_set_state(tens, NULL, NULL);
    ui_tree_set_size(tree, 420, 300);
    ui_tree_frame(tree);
    assert_true(tens_width(tens) == 80);
    box_tens = 9;
    ui_tree_set_root(tree, tens_root, NULL);
    ui_set_state(tens, NULL, NULL);
    ui_tree_frame(tree);
    assert_true(tens_width(tens) == 90);
    end();
}

/* Element memory comes back: 320,000 elements made and disposed, 8 alive at
 * a time, leave the address space where it was (give or take the pool's
 * quarantine of released blocks); slots never reused would take 80 MiB. */
static long vm_size_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmSize:", 7)) kib = atol(line + 7);
    if (f) fclose(f);
    return kib;
}

static void test_element_memory_is_reused_after_churn(void **state)
{
    (void)state;
    begin();
    churn(100); /* the pool's first chunks, and its quarantine */
    long before = vm_size_kib();
    assert_true(before > 0);
    churn(40000); /* 320,000 more elements, 8 alive at a time */
    long grown = vm_size_kib() - before;
    assert_true(grown < 16 * 1024);
    end();
}

static const ts_child_case cases[] = {
    {"set-state-on-ancestor", child_set_state_on_ancestor},
    {"duplicate-global-key", child_duplicate_global_key},
    {"set-state-after-dispose", child_set_state_after_dispose},
    {"set-state-after-churn", child_set_state_after_churn},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_element_memory_is_reused_after_churn),
        cmocka_unit_test(test_full_layout_lays_out_what_rebuilt),
        cmocka_unit_test(test_keyed_swap_keeps_state),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_frame_lateness),
        cmocka_unit_test(test_frame_lateness_while_animating),
        cmocka_unit_test(test_unkeyed_swap_keeps_state_in_place),
        cmocka_unit_test(test_adding_key_gives_fresh_state),
        cmocka_unit_test(test_type_change_replaces_in_one_frame),
        cmocka_unit_test(test_keyed_middle_insert_and_remove),
        cmocka_unit_test(test_set_state_merges_and_orders_by_depth),
        cmocka_unit_test(test_set_state_after_dispose_aborts),
        cmocka_unit_test(test_stale_pointer_never_reaches_another_element),
        cmocka_unit_test(test_hit_test_innermost_first),
        cmocka_unit_test(test_global_key_reparenting_keeps_state),
        cmocka_unit_test(test_identical_widget_skips_subtree),
        cmocka_unit_test(test_set_state_on_ancestor_during_build_aborts),
        cmocka_unit_test(test_duplicate_global_key_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
