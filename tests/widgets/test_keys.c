/* test_keys.c: keys as values (integer, string, global; kinds never equal),
 * their names, and what they do in the tree: keyed children keep their
 * state when they move. Ported from Flutter's
 * packages/flutter/test/widgets/key_test.dart, the key cases of
 * framework_test.dart and multichildobject_with_keys_test.dart, plus
 * Islet's own cases. */
#include "spy_widget.h"
#include "test_support.h"
#include <islet/ui_tester.h>
#include <islet/ui_widgets.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== Keys as values ==== */

/* Flutter: packages/flutter/test/widgets/key_test.dart, "Keys" */
static void test_keys(void **state)
{
    (void)state;
    /* ValueKey<int>(3) == ValueKey<int>(3); != ValueKey<int>(2). */
    int int3 = 3, int2 = 2;
    assert_true(ui_key_eq(ui_key_int(int3), ui_key_int(int3)));
    assert_false(ui_key_eq(ui_key_int(int3), ui_key_int(int2)));
    /* ValueKey<num>(3) != ValueKey<int>(3): Islet's keys carry no type
     * argument; the nearest rule is that keys of different kinds never
     * compare equal, whatever their value. */
    assert_false(ui_key_eq(ui_key_int(3), ui_key_str("3")));
    /* (ValueKey<double>(nan): Islet has no floating-point keys.) */

    /* Key('') == ValueKey<String>(''), ValueKey<String>('') == itself. */
    char empty1[1] = "", empty2[1] = "";
    assert_true(ui_key_eq(ui_key_str(empty1), ui_key_str(empty2)));
    /* TestValueKey<String>('') != ValueKey<String>(''), and equal to its
     * own kind: the nearest in Islet is a global key against a string key
     * made from the same text. */
    assert_false(ui_key_eq(ui_key_global(empty1), ui_key_str(empty2)));
    assert_true(ui_key_eq(ui_key_global(empty1), ui_key_global(empty2)));

    /* ObjectKey(k) == ObjectKey(k); ObjectKey(Object()) !=
     * ObjectKey(Object()): an object's identity as an integer key. */
    static int object_a, object_b;
    assert_true(ui_key_eq(ui_key_int((int64_t)(intptr_t)&object_a),
                          ui_key_int((int64_t)(intptr_t)&object_a)));
    assert_false(ui_key_eq(ui_key_int((int64_t)(intptr_t)&object_a),
                           ui_key_int((int64_t)(intptr_t)&object_b)));

    /* hasOneLineDescription: string and global keys name their string. */
    assert_string_equal(ui_key_name(ui_key_str("hello")), "hello");
    assert_string_equal(ui_key_name(ui_key_global("hello")), "hello");
    assert_null(ui_key_name(ui_key_int(1)));
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "ObjectKey control test" */
static void test_object_key_control(void **state)
{
    (void)state;
    static char a, b; /* two objects */
    ui_key key_a = ui_key_int((int64_t)(intptr_t)&a);
    ui_key key_a2 = ui_key_int((int64_t)(intptr_t)&a);
    ui_key key_b = ui_key_int((int64_t)(intptr_t)&b);
    assert_true(ui_key_eq(key_a, key_a2));
    assert_true(key_a.v == key_a2.v && key_a.kind == key_a2.kind); /* hashCode: same value */
    assert_false(ui_key_eq(key_a, key_b));
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart, "GlobalObjectKey control test" */
static void test_global_object_key_control(void **state)
{
    (void)state;
    char a[] = "object a", a2[] = "object a";
    ui_key key_a = ui_key_global(a);
    ui_key key_a2 = ui_key_global(a2);
    ui_key key_b = ui_key_global("object b");
    assert_string_equal(ui_key_name(key_a), "object a");
    assert_true(ui_key_eq(key_a, key_a2));
    assert_int_equal(key_a.v, key_a2.v); /* hashCode: the same interned id */
    assert_false(ui_key_eq(key_a, key_b));
}

/* Any int64 is its own key: no two integers share one (the old encoding
 * folded the sign bit away, so -1 and 2^62 - 1 collided). */
static void test_int_keys_distinct_over_int64(void **state)
{
    (void)state;
    const int64_t vals[] = {0,
                            1,
                            -1,
                            2,
                            -2,
                            4611686018427387903LL, /* 2^62 - 1 */
                            -4611686018427387904LL,
                            4611686018427387904LL, /* 2^62 */
                            INT64_MAX,
                            INT64_MIN,
                            INT64_MIN + 1,
                            INT64_MAX - 1,
                            0x7FFFFFFF,
                            (int64_t)0xFFFFFFFFLL,
                            (int64_t)0x100000000LL};
    size_t n = sizeof vals / sizeof vals[0];
    for (size_t i = 0; i < n; i++) {
        ui_key k = ui_key_int(vals[i]);
        assert_false(ui_key_is_none(k));
        assert_false(ui_key_eq(k, UI_NO_KEY));
        assert_true(ui_key_eq(k, ui_key_int(vals[i])));
        for (size_t j = 0; j < n; j++)
            if (i != j) assert_false(ui_key_eq(k, ui_key_int(vals[j])));
    }
    assert_false(ui_key_eq(ui_key_int(-1), ui_key_int(4611686018427387903LL)));
    assert_false(ui_key_eq(ui_key_int(INT64_MIN), ui_key_int(INT64_MAX)));
    assert_false(ui_key_eq(ui_key_int(INT64_MIN), ui_key_int(0)));
    /* 0 is a key; none is not. */
    assert_false(ui_key_eq(ui_key_int(0), UI_NO_KEY));
    assert_true(ui_key_is_none(UI_NO_KEY));
    assert_true(ui_key_eq(UI_NO_KEY, UI_NO_KEY));
    ui_key zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    assert_true(ui_key_is_none(zeroed)); /* none is all zero */
}

/* String keys compare by value: equal texts in different buffers give one
 * key; a reused buffer gives a distinct key for each distinct text (the
 * string is copied, not referenced); the name outlives the buffer. */
static void test_string_keys_by_value(void **state)
{
    (void)state;
    char *heap = malloc(16);
    assert_non_null(heap);
    strcpy(heap, "counter");
    char stack[16] = "counter";
    ui_key a = ui_key_str(heap), b = ui_key_str(stack);
    assert_true(ui_key_eq(a, b));
    assert_true(ui_key_eq(a, ui_key_str("counter")));
    strcpy(heap, "changed");
    assert_true(ui_key_eq(a, ui_key_str("counter"))); /* the key kept its own copy */
    assert_string_equal(ui_key_name(a), "counter");
    assert_false(ui_key_eq(a, ui_key_str(heap)));
    free(heap);
    assert_string_equal(ui_key_name(a), "counter");
    /* Copied once: equal strings share one name. */
    assert_ptr_equal(ui_key_name(a), ui_key_name(b));

    /* One snprintf buffer, 300 texts: 300 keys, each its text's. */
    enum { N = 300 };
    static ui_key keys[N];
    char buf[32];
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof buf, "item %d", i);
        keys[i] = ui_key_str(buf);
    }
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof buf, "item %d", i);
        assert_true(ui_key_eq(keys[i], ui_key_str(buf)));
        assert_string_equal(ui_key_name(keys[i]), buf);
        for (int j = i + 1; j < N; j++)
            assert_false(ui_key_eq(keys[i], keys[j]));
    }

    /* Near misses: a prefix, one letter, case, a long string. */
    assert_false(ui_key_eq(ui_key_str("abc"), ui_key_str("ab")));
    assert_false(ui_key_eq(ui_key_str("abc"), ui_key_str("abd")));
    assert_false(ui_key_eq(ui_key_str("abc"), ui_key_str("ABC")));
    char longer[600];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    ui_key l1 = ui_key_str(longer);
    longer[sizeof longer - 2] = 'y';
    ui_key l2 = ui_key_str(longer);
    assert_false(ui_key_eq(l1, l2));
    assert_int_equal(strlen(ui_key_name(l1)), sizeof longer - 1);
    assert_string_equal(ui_key_name(l2), longer);

    /* The empty string is a key, not none. */
    assert_false(ui_key_is_none(ui_key_str("")));
    assert_string_equal(ui_key_name(ui_key_str("")), "");
}

/* Keys of different kinds never compare equal, even with the same number
 * inside (a string's interned id as an integer key). */
static void test_key_kinds_never_equal(void **state)
{
    (void)state;
    ui_key s = ui_key_str("same"), g = ui_key_global("same");
    ui_key i_s = ui_key_int(s.v), i_g = ui_key_int(g.v);
    ui_key all[] = {s, g, i_s, i_g, UI_NO_KEY, ui_key_str(""), ui_key_global(""), ui_key_int(0)};
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            bool same_value = all[i].kind == all[j].kind && all[i].v == all[j].v;
            if (i == j || same_value) continue; /* i_s and i_g may coincide */
            assert_false(ui_key_eq(all[i], all[j]));
        }
    assert_false(ui_key_eq(s, g));
    assert_false(ui_key_eq(s, i_s));
    assert_false(ui_key_eq(g, i_g));
    assert_int_equal(s.kind, UI_KEY_KIND_STRING);
    assert_int_equal(g.kind, UI_KEY_KIND_GLOBAL);
    assert_int_equal(i_s.kind, UI_KEY_KIND_INT);
    /* A global key is still equal to the same global key. */
    assert_true(ui_key_eq(g, ui_key_global("same")));
}

/* ui_key_name: the string of a string or global key; NULL for others. */
static void test_key_name(void **state)
{
    (void)state;
    assert_string_equal(ui_key_name(ui_key_str("counter")), "counter");
    assert_string_equal(ui_key_name(ui_key_global("moving")), "moving");
    assert_null(ui_key_name(ui_key_int(7)));
    assert_null(ui_key_name(ui_key_int(0)));
    assert_null(ui_key_name(UI_NO_KEY));
    /* Names stay valid while keys keep being made (the table grows). */
    const char *counter = ui_key_name(ui_key_str("counter"));
    char name[16];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "k%d", i);
        ui_key_str(name);
    }
    assert_string_equal(counter, "counter");
    assert_string_equal(ui_key_name(ui_key_str("k1234")), "k1234");
    assert_true(ui_key_eq(ui_key_str("counter"), ui_key_str("counter")));
}

/* Keys can be made on any thread: threads interning the same strings at
 * once agree with each other and with the main thread. */
enum { THREADS = 4, PER_THREAD = 400 };
static ui_key thread_keys[THREADS][PER_THREAD];

static void *intern_many(void *arg)
{
    int t = (int)(intptr_t)arg;
    char buf[32];
    for (int i = 0; i < PER_THREAD; i++) {
        int n = (i * 7 + t * 13) % PER_THREAD; /* each thread in its own order */
        snprintf(buf, sizeof buf, "threaded %d", n);
        thread_keys[t][n] = ui_key_str(buf);
    }
    return NULL;
}

static void test_keys_from_threads(void **state)
{
    (void)state;
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, intern_many, (void *)(intptr_t)t), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    char buf[32];
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(buf, sizeof buf, "threaded %d", i);
        ui_key k = ui_key_str(buf);
        for (int t = 0; t < THREADS; t++)
            assert_true(ui_key_eq(thread_keys[t][i], k));
        if (i) assert_false(ui_key_eq(k, thread_keys[0][i - 1]));
        assert_string_equal(ui_key_name(k), buf);
    }
}

/* ==== Keys in the tree ==== */

/* A stateful item: remembers which state it is; its hooks count
 * (next_id, inits, disposes, ...: spy_widget.h). */
typedef struct item_props {
    const char *label;
} item_props;

typedef struct item_state {
    int id; /* first: count_init numbers it */
} item_state;

static ui_widget *item_build(ui_build *b, ui_element *e)
{
    (void)e;
    return ui_sized(b, 10, 10, NULL);
}

static const ui_widget_class item_class = {.name = "Item",
                                           .props_size = sizeof(item_props),
                                           .state_size = sizeof(item_state),
                                           .build = item_build,
                                           .init_state = count_init,
                                           .dispose = count_dispose,
                                           .did_update_widget = count_update,
                                           .deactivate = count_deactivate,
                                           .activate = count_activate,
                                           .string_fields = {offsetof(item_props, label)},
                                           .nstring_fields = 1};

/* The root builds a row of items with these keys and labels. */
typedef struct spec {
    ui_key key;
    const char *label;
} spec;

static spec cur[16];
static size_t ncur;

static ui_widget *items_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[16];
    for (size_t i = 0; i < ncur; i++) {
        item_props p = {cur[i].label};
        kids[i] = ui_widget_new(b, &item_class, cur[i].key, &p, NULL, 0);
    }
    return ui_widget_new(b, &row_class, UI_NO_KEY, NULL, kids, ncur);
}

static void show(size_t n, const spec *s)
{
    memcpy(cur, s, n * sizeof *s);
    ncur = n;
    ui_tree_set_root(tree, items_root, NULL);
    assert_true(ui_tree_frame(tree));
}

static ui_element *row(void)
{
    ui_element *r = ui_tree_root(tree);
    assert_ptr_equal(ui_element_class(r), &row_class);
    return r;
}

static int id_at(size_t i)
{
    return ((item_state *)ui_state(ui_element_child(row(), i)))->id;
}

static const char *label_at(size_t i)
{
    return ((const item_props *)ui_props(ui_element_child(row(), i)))->label;
}

static void begin(void)
{
    begin_tree(400, 300); /* the counts zeroed */
}

/* Keyed (ValueKey) children reordered keep their states: each state follows
 * its key, none is made or disposed, and a move among siblings does not
 * deactivate (Flutter's updateChildren reuses them in place). */
static void test_keyed_reorder_keeps_state(void **state)
{
    (void)state;
    begin();
    show(5, (spec[]){{ui_key_int(0), "0"},
                     {ui_key_int(1), "1"},
                     {ui_key_int(2), "2"},
                     {ui_key_int(3), "3"},
                     {ui_key_int(4), "4"}});
    int ids[5];
    ui_element *els[5];
    for (size_t i = 0; i < 5; i++) {
        ids[i] = id_at(i);
        els[i] = ui_element_child(row(), i);
    }
    show(5, (spec[]){{ui_key_int(4), "4"},
                     {ui_key_int(2), "2"},
                     {ui_key_int(0), "0"},
                     {ui_key_int(3), "3"},
                     {ui_key_int(1), "1"}});
    const int order[] = {4, 2, 0, 3, 1};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(id_at(i), ids[order[i]]);
        assert_ptr_equal(ui_element_child(row(), i), els[order[i]]);
        assert_true(ui_key_eq(ui_element_key(ui_element_child(row(), i)), ui_key_int(order[i])));
        char want[2] = {(char)('0' + order[i]), 0};
        assert_string_equal(label_at(i), want);
    }
    assert_int_equal(inits, 5);
    assert_int_equal(disposes, 0);
    assert_int_equal(deactivations, 0);
    assert_int_equal(activations, 0);
    /* One removed, one new, the rest moved: only those two change. */
    show(5, (spec[]){{ui_key_int(1), "1"},
                     {ui_key_int(9), "9"},
                     {ui_key_int(4), "4"},
                     {ui_key_int(0), "0"},
                     {ui_key_int(3), "3"}});
    assert_int_equal(id_at(0), ids[1]);
    assert_int_equal(id_at(2), ids[4]);
    assert_int_equal(id_at(3), ids[0]);
    assert_int_equal(id_at(4), ids[3]);
    assert_int_equal(id_at(1), 6);
    assert_int_equal(inits, 6);
    assert_int_equal(disposes, 1); /* key 2 */
    end();
}

/* Keyed children rotated: every state follows its key, however the keys
 * hash. [0, 7, 5] -> [5, 0, 7] all land in the keyed middle; 0 and 7 share
 * a bucket of a small map, so matching 0 first must not hide 7. Then 16
 * keys, rotated and reversed. */
static void test_keyed_rotation_keeps_state(void **state)
{
    (void)state;
    begin();
    show(3, (spec[]){{ui_key_int(0), "0"}, {ui_key_int(7), "7"}, {ui_key_int(5), "5"}});
    int i0 = id_at(0), i7 = id_at(1), i5 = id_at(2);
    show(3, (spec[]){{ui_key_int(5), "5"}, {ui_key_int(0), "0"}, {ui_key_int(7), "7"}});
    assert_int_equal(id_at(0), i5);
    assert_int_equal(id_at(1), i0);
    assert_int_equal(id_at(2), i7);
    assert_int_equal(inits, 3);
    assert_int_equal(disposes, 0);
    end();

    begin();
    enum { N = 16 };
    spec s[N];
    char labels[N][4];
    for (int i = 0; i < N; i++) {
        snprintf(labels[i], sizeof labels[i], "%d", i);
        s[i] = (spec){ui_key_int(i), labels[i]};
    }
    show(N, s);
    int ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = id_at((size_t)i);
    spec r[N];
    for (int shift = 1; shift < N; shift += 5) {
        for (int i = 0; i < N; i++)
            r[i] = s[(i + shift) % N];
        show(N, r);
        for (int i = 0; i < N; i++)
            assert_int_equal(id_at((size_t)i), ids[(i + shift) % N]);
    }
    for (int i = 0; i < N; i++)
        r[i] = s[N - 1 - i];
    show(N, r);
    for (int i = 0; i < N; i++)
        assert_int_equal(id_at((size_t)i), ids[N - 1 - i]);
    assert_int_equal(inits, N);
    assert_int_equal(disposes, 0);
    end();
}

/* Integer keys at the ends of int64 (and ones an old encoding confused)
 * are distinct in the tree too: swapped, each state follows its key. */
static void test_extreme_int_keys_keep_state(void **state)
{
    (void)state;
    begin();
    spec s[] = {{ui_key_int(-1), "minus one"},  {ui_key_int(4611686018427387903LL), "2^62-1"},
                {ui_key_int(INT64_MIN), "min"}, {ui_key_int(INT64_MAX), "max"},
                {ui_key_int(0), "zero"},        {UI_NO_KEY, "none"}};
    show(6, s);
    int ids[6];
    for (size_t i = 0; i < 6; i++)
        ids[i] = id_at(i);
    spec r[] = {s[1], s[0], s[3], s[2], s[4], s[5]};
    show(6, r);
    assert_int_equal(id_at(0), ids[1]);
    assert_int_equal(id_at(1), ids[0]);
    assert_int_equal(id_at(2), ids[3]);
    assert_int_equal(id_at(3), ids[2]);
    assert_int_equal(id_at(4), ids[4]);
    assert_int_equal(id_at(5), ids[5]);
    assert_string_equal(label_at(0), "2^62-1");
    assert_string_equal(label_at(3), "min");
    assert_int_equal(inits, 6);
    assert_int_equal(disposes, 0);
    end();
}

/* String keys made in a build from one reused buffer: each item keeps its
 * state across a reorder. */
static int string_order[6];

static ui_widget *string_keyed_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[6];
    char buf[16];
    for (size_t i = 0; i < 6; i++) {
        snprintf(buf, sizeof buf, "row %d", string_order[i]);
        item_props p = {ui_strdup(b, buf)}; /* a widget's strings live until the frame ends */
        kids[i] = ui_widget_new(b, &item_class, ui_key_str(buf), &p, NULL, 0);
    }
    return ui_widget_new(b, &row_class, UI_NO_KEY, NULL, kids, 6);
}

static void test_string_keys_from_reused_buffer_keep_state(void **state)
{
    (void)state;
    begin();
    for (int i = 0; i < 6; i++)
        string_order[i] = i;
    ui_tree_set_root(tree, string_keyed_root, NULL);
    assert_true(ui_tree_frame(tree));
    int ids[6];
    for (size_t i = 0; i < 6; i++)
        ids[i] = id_at(i);
    const int reversed[] = {5, 4, 3, 2, 1, 0};
    memcpy(string_order, reversed, sizeof reversed);
    ui_tree_set_root(tree, string_keyed_root, NULL);
    assert_true(ui_tree_frame(tree));
    char want[16];
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(id_at(i), ids[5 - i]);
        snprintf(want, sizeof want, "row %d", (int)(5 - i));
        assert_string_equal(label_at(i), want);
        assert_string_equal(ui_key_name(ui_element_key(ui_element_child(row(), i))), want);
    }
    assert_int_equal(inits, 6);
    assert_int_equal(disposes, 0);
    end();
}

/* A key of another kind at the same slot is another key: the element is
 * replaced (Flutter's canUpdate compares keys with ==). An equal key of the
 * same kind updates in place. */
static void test_key_kind_change_replaces(void **state)
{
    (void)state;
    begin();
    show(1, (spec[]){{ui_key_int(5), "x"}});
    int first = id_at(0);
    show(1, (spec[]){{ui_key_int(5), "y"}});
    assert_int_equal(id_at(0), first);
    assert_int_equal(updates, 1);

    show(1, (spec[]){{ui_key_str("5"), "y"}}); /* int 5 -> string "5" */
    int second = id_at(0);
    assert_int_not_equal(second, first);
    assert_int_equal(disposes, 1);

    show(1, (spec[]){{ui_key_global("5"), "y"}}); /* string -> global, same text */
    int third = id_at(0);
    assert_int_not_equal(third, second);
    assert_int_equal(disposes, 2);

    show(1, (spec[]){{UI_NO_KEY, "y"}}); /* global -> none */
    int fourth = id_at(0);
    assert_int_not_equal(fourth, third);
    assert_int_equal(disposes, 3);

    show(1, (spec[]){{ui_key_int(0), "y"}}); /* none -> int 0: 0 is a key */
    assert_int_not_equal(id_at(0), fourth);
    assert_int_equal(disposes, 4);
    assert_int_equal(inits, 5);
    end();
}

/* Flutter: packages/flutter/test/widgets/multichildobject_with_keys_test.dart, "Render and element
 * tree stay in sync when keyed children move around" */
static int text_order[9];

static ui_widget *keyed_texts_root(ui_build *b, void *ctx)
{
    (void)ctx;
    static const char *const digits[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8"};
    ui_widget *kids[9];
    for (size_t i = 0; i < 9; i++) {
        ui_text_props p = {.text = digits[text_order[i]], .size = 10, .color = {0, 0, 0, 255}};
        kids[i] = ui_text_ex(b, ui_key_int(text_order[i]), &p);
    }
    return ui_column(b, &(ui_flex_props){0}, kids, 9);
}

/* The texts in paint order: the column's children, each laid out below the
 * previous one. */
static void expect_child_order(const int *want)
{
    ui_element *col = ui_tree_root(tree);
    assert_ptr_equal(ui_element_class(col), &ui_flex_class);
    assert_int_equal(ui_element_child_count(col), 9);
    float last_y = -1;
    for (size_t i = 0; i < 9; i++) {
        ui_element *c = ui_element_child(col, i);
        char digit[2] = {(char)('0' + want[i]), 0};
        assert_string_equal(((const ui_text_props *)ui_props(c))->text, digit);
        float x, y, w, h;
        ui_element_rect(c, &x, &y, &w, &h);
        assert_true(y > last_y);
        last_y = y;
    }
}

static void test_render_and_element_tree_in_sync_when_keyed_children_move(void **state)
{
    (void)state;
    begin();
    for (int i = 0; i < 9; i++)
        text_order[i] = i;
    ui_tree_set_root(tree, keyed_texts_root, NULL);
    assert_true(ui_tree_frame(tree));
    expect_child_order((const int[]){0, 1, 2, 3, 4, 5, 6, 7, 8});
    ui_element *before[9];
    for (size_t i = 0; i < 9; i++)
        before[i] = ui_element_child(ui_tree_root(tree), i);

    const int moved[] = {0, 6, 7, 8, 1, 2, 3, 4, 5};
    memcpy(text_order, moved, sizeof moved);
    ui_tree_set_root(tree, keyed_texts_root, NULL);
    assert_true(ui_tree_frame(tree));
    expect_child_order(moved);
    for (size_t i = 0; i < 9; i++) /* the same elements, moved */
        assert_ptr_equal(ui_element_child(ui_tree_root(tree), i), before[moved[i]]);
    end();
}

/* Flutter: packages/flutter/test/widgets/key_test.dart, "Enum values as global keys" */
static ui_widget *enum_keys_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {ui_keyed(ui_sized(b, 10, 10, NULL), ui_key_global("GlobalKeys.a")),
                         ui_keyed(ui_sized(b, 10, 10, NULL), ui_key_global("GlobalKeys.b")),
                         ui_keyed(ui_sized(b, 10, 10, NULL), ui_key_global("GlobalKeys.c"))};
    return ui_column(b, &(ui_flex_props){0}, kids, 3);
}

static void test_enum_values_as_global_keys(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ui_tester *t = ui_tester_new(200, 200, NULL);
    assert_non_null(t);
    ui_tester_pump_widget(t, enum_keys_root, NULL);
    ui_element *a = ui_find_key(t, ui_key_global("GlobalKeys.a"));
    ui_element *b = ui_find_key(t, ui_key_global("GlobalKeys.b"));
    ui_element *c = ui_find_key(t, ui_key_global("GlobalKeys.c"));
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a != b && b != c && a != c);
    assert_null(ui_find_key(t, ui_key_global("GlobalKeys.d")));
    /* Not found by a string key of the same text: another kind. */
    assert_null(ui_find_key(t, ui_key_str("GlobalKeys.a")));
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* Flutter: packages/flutter/test/widgets/framework_test.dart,
 * "MultiChildRenderObjectElement.children" */
static ui_widget *children_keys_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *kids[] = {
        ui_sized(b, 1, 1, NULL), ui_keyed(ui_sized(b, 1, 1, NULL), ui_key_global("key1")),
        ui_sized(b, 1, 1, NULL), ui_keyed(ui_sized(b, 1, 1, NULL), ui_key_global("key2")),
        ui_sized(b, 1, 1, NULL)};
    return ui_keyed(ui_column(b, &(ui_flex_props){0}, kids, 5), ui_key_global("key0"));
}

static void test_multi_child_element_children(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ui_tester *t = ui_tester_new(200, 200, NULL);
    assert_non_null(t);
    ui_tester_pump_widget(t, children_keys_root, NULL);
    ui_element *col = ui_find_key(t, ui_key_global("key0"));
    assert_non_null(col);
    const ui_key want[] = {UI_NO_KEY, ui_key_global("key1"), UI_NO_KEY, ui_key_global("key2"),
                           UI_NO_KEY};
    assert_int_equal(ui_element_child_count(col), 5);
    for (size_t i = 0; i < 5; i++)
        assert_true(ui_key_eq(ui_element_key(ui_element_child(col, i)), want[i]));
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* Flutter (MultiChildRenderObjectElement, debug): "Duplicate keys found":
 * two siblings with one key abort with a message naming the key and the
 * parent; an unchecked build drops the second one, leaking nothing. */
static const ui_widget_class dup_leaf_class = {
    .name = "DupLeaf", .state_size = 4, .layout = fixed_layout};

static int dup_phase;

static ui_widget *dup_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *k[3];
    size_t n = 0;
    if (dup_phase == 0) {
        k[n++] = ui_widget_new(b, &dup_leaf_class, ui_key_int(1), NULL, NULL, 0);
        k[n++] = ui_widget_new(b, &dup_leaf_class, ui_key_int(1), NULL, NULL, 0);
        k[n++] = ui_widget_new(b, &dup_leaf_class, ui_key_int(3), NULL, NULL, 0);
    } else {
        k[n++] = ui_widget_new(b, &dup_leaf_class, ui_key_int(4), NULL, NULL, 0);
    }
    return ui_widget_new(b, &row_class, UI_NO_KEY, NULL, k, n);
}

static void child_duplicate_sibling_keys(void)
{
    rt_main_enter(NULL);
    ui_tree *t = ui_tree_new(100, 100, NULL);
    dup_phase = 0;
    ui_tree_set_root(t, dup_root, NULL);
    ui_tree_frame(t);
    dup_phase = 1;
    ui_tree_set_root(t, dup_root, NULL);
    ui_tree_frame(t);
}

static void test_duplicate_sibling_keys_abort(void **state)
{
    (void)state;
    ts_expect_check_abort("duplicate-sibling-keys", "duplicate key 1 among the children of 'Row'");
}

static const ts_child_case cases[] = {
    {"duplicate-sibling-keys", child_duplicate_sibling_keys},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_sibling_keys_abort),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_object_key_control),
        cmocka_unit_test(test_global_object_key_control),
        cmocka_unit_test(test_int_keys_distinct_over_int64),
        cmocka_unit_test(test_string_keys_by_value),
        cmocka_unit_test(test_key_kinds_never_equal),
        cmocka_unit_test(test_key_name),
        cmocka_unit_test(test_keys_from_threads),
        cmocka_unit_test(test_keyed_reorder_keeps_state),
        cmocka_unit_test(test_keyed_rotation_keeps_state),
        cmocka_unit_test(test_extreme_int_keys_keep_state),
        cmocka_unit_test(test_string_keys_from_reused_buffer_keep_state),
        cmocka_unit_test(test_key_kind_change_replaces),
        cmocka_unit_test(test_render_and_element_tree_in_sync_when_keyed_children_move),
        cmocka_unit_test(test_enum_values_as_global_keys),
        cmocka_unit_test(test_multi_child_element_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
