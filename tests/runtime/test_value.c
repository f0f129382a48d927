/* test_value.c: message values: construction, UTF-8, trees only, deep copies
 * on send, transferable buffers, send ports in messages, misuse aborts, and
 * allocation failure. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Building values (asserting) ---- */

static rt_value *must(rt_value *v)
{
    assert_non_null(v);
    return v;
}

static void add(rt_value *list, rt_value *item)
{
    assert_non_null(item);
    assert_int_equal(rt_list_push(list, item), 0);
}

static void put(rt_value *map, const char *key, rt_value *item)
{
    assert_non_null(item);
    assert_int_equal(rt_map_set(map, key, item), 0);
}

static rt_value *str(const char *s)
{
    return must(rt_value_string(s));
}

static rt_value *num(int64_t i)
{
    return must(rt_value_int(i));
}

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + seed);
}

static bool has_pattern(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 31 + seed)) return false;
    return true;
}

/* Lists nested `levels` deep around an int: the int sits at depth `levels`. */
static rt_value *chain(int levels)
{
    rt_value *v = num(levels);
    for (int i = 0; i < levels; i++) {
        rt_value *l = must(rt_value_list());
        add(l, v);
        v = l;
    }
    return v;
}

/* A nested message: a map holding a list, strings (one with its own large
 * block), bytes with zeros, numbers, a bool and a null. No buffers. */
static rt_value *sample_tree(void)
{
    static const unsigned char blob[] = {0, 1, 2, 0, 255, 0};
    char big[1500];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof big - 1] = 0;
    unsigned char bulk[4096];
    fill_pattern(bulk, sizeof bulk, 3);

    rt_value *inner = must(rt_value_list());
    add(inner, must(rt_value_double(-2.5)));
    add(inner, must(rt_value_bytes(bulk, sizeof bulk)));
    rt_value *deep = must(rt_value_map());
    put(deep, "deep", str("yes"));
    rt_value *items = must(rt_value_list());
    add(items, num(7));
    add(items, str("seven"));
    add(items, inner);
    add(items, deep);

    rt_value *m = must(rt_value_map());
    put(m, "title",
        str("Gr\xC3\xBC\xC3\x9F"
            "e, \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x8C\x8D"));
    put(m, "count", num(-1234567890123));
    put(m, "ratio", must(rt_value_double(0.125)));
    put(m, "ok", must(rt_value_bool(true)));
    put(m, "none", must(rt_value_null()));
    put(m, "blob", must(rt_value_bytes(blob, sizeof blob)));
    put(m, "big", str(big));
    put(m, "items", items);
    return m;
}

/* ---- Comparing trees ---- */

static void assert_values_equal(const rt_value *a, const rt_value *b)
{
    assert_non_null(a);
    assert_non_null(b);
    rt_value_kind k = rt_value_kind_of(a);
    assert_string_equal(rt_value_kind_name(rt_value_kind_of(b)), rt_value_kind_name(k));
    size_t la, lb;
    switch (k) {
    case RT_NULL:
        break;
    case RT_BOOL:
        assert_int_equal(rt_value_as_bool(a), rt_value_as_bool(b));
        break;
    case RT_INT:
        assert_true(rt_value_as_int(a) == rt_value_as_int(b));
        break;
    case RT_DOUBLE:
        assert_true(rt_value_as_double(a) == rt_value_as_double(b));
        break;
    case RT_STRING: {
        const char *sa = rt_value_as_string(a, &la), *sb = rt_value_as_string(b, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(sa, sb, la + 1); /* the NUL too */
        break;
    }
    case RT_BYTES: {
        const void *da = rt_value_as_bytes(a, &la), *db = rt_value_as_bytes(b, &lb);
        assert_int_equal(la, lb);
        if (la) assert_memory_equal(da, db, la);
        break;
    }
    case RT_LIST:
        assert_int_equal(rt_list_len(a), rt_list_len(b));
        for (size_t i = 0; i < rt_list_len(a); i++)
            assert_values_equal(rt_list_get(a, i), rt_list_get(b, i));
        break;
    case RT_MAP:
        assert_int_equal(rt_map_len(a), rt_map_len(b));
        for (size_t i = 0; i < rt_map_len(a); i++) {
            assert_string_equal(rt_map_key_at(a, i), rt_map_key_at(b, i));
            assert_values_equal(rt_map_value_at(a, i), rt_map_value_at(b, i));
        }
        break;
    case RT_SEND_PORT:
        assert_ptr_equal(rt_value_as_send_port(a), rt_value_as_send_port(b));
        break;
    case RT_BUFFER: {
        void *da = rt_value_buffer_data((rt_value *)a, &la);
        void *db = rt_value_buffer_data((rt_value *)b, &lb);
        assert_int_equal(la, lb);
        if (la) assert_memory_equal(da, db, la);
        break;
    }
    }
}

/* No node and no payload of one tree is shared with the other (two trees of
 * the same shape; lists may differ in length). */
static void assert_values_disjoint(const rt_value *a, const rt_value *b)
{
    assert_ptr_not_equal(a, b);
    switch (rt_value_kind_of(a)) {
    case RT_STRING:
        assert_ptr_not_equal(rt_value_as_string(a, NULL), rt_value_as_string(b, NULL));
        break;
    case RT_BYTES:
        assert_ptr_not_equal(rt_value_as_bytes(a, NULL), rt_value_as_bytes(b, NULL));
        break;
    case RT_LIST:
        for (size_t i = 0; i < rt_list_len(a) && i < rt_list_len(b); i++)
            assert_values_disjoint(rt_list_get(a, i), rt_list_get(b, i));
        break;
    case RT_MAP:
        for (size_t i = 0; i < rt_map_len(a) && i < rt_map_len(b); i++) {
            assert_ptr_not_equal(rt_map_key_at(a, i), rt_map_key_at(b, i));
            assert_values_disjoint(rt_map_value_at(a, i), rt_map_value_at(b, i));
        }
        break;
    default:
        break;
    }
}

/* ---- An inbox: a receive port on the current isolate that keeps what it
 * receives (owned) and closes after `close_after` messages (0: never). ---- */

#define INBOX_MAX 8

typedef struct inbox {
    rt_receive_port *port; /* NULL once closed */
    int count;
    int close_after;
    rt_value *msgs[INBOX_MAX];
} inbox;

static void inbox_close(inbox *in)
{
    if (!in->port) return;
    rt_receive_port_close(in->port);
    in->port = NULL;
}

static void inbox_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    inbox *in = ctx;
    if (in->count < INBOX_MAX)
        in->msgs[in->count] = v;
    else
        rt_value_free(v);
    in->count++;
    if (in->close_after && in->count == in->close_after) inbox_close(in);
}

static void inbox_open(inbox *in, int close_after)
{
    memset(in, 0, sizeof *in);
    in->close_after = close_after;
    in->port = rt_receive_port_open(inbox_on_msg, in, NULL);
    assert_non_null(in->port);
}

static rt_send_port *inbox_sp(inbox *in)
{
    return rt_receive_port_send_port(in->port);
}

static void inbox_free(inbox *in)
{
    for (int i = 0; i < in->count && i < INBOX_MAX; i++)
        rt_value_free(in->msgs[i]);
    memset(in->msgs, 0, sizeof in->msgs);
    inbox_close(in);
}

static void close_inbox_timer(rt_timer *t, void *ctx)
{
    (void)t;
    inbox_close(ctx);
}

/* Closes the inbox from a zero timer: after every message already queued. */
static void close_inbox_later(inbox *in)
{
    assert_int_equal(rt_timer_start(NULL, 0, 0, close_inbox_timer, in, NULL), 0);
}

/* ======================================================================
 * 1. Construction and accessors
 * ====================================================================== */

static void check_scalars(void)
{
    rt_value *n = must(rt_value_null());
    assert_int_equal(rt_value_kind_of(n), RT_NULL);
    rt_value *t = must(rt_value_bool(true)), *f = must(rt_value_bool(false));
    assert_int_equal(rt_value_kind_of(t), RT_BOOL);
    assert_true(rt_value_as_bool(t));
    assert_false(rt_value_as_bool(f));
    rt_value *lo = num(INT64_MIN), *hi = num(INT64_MAX), *zero = num(0);
    assert_int_equal(rt_value_kind_of(lo), RT_INT);
    assert_true(rt_value_as_int(lo) == INT64_MIN);
    assert_true(rt_value_as_int(hi) == INT64_MAX);
    assert_true(rt_value_as_int(zero) == 0);
    rt_value *d = must(rt_value_double(-1.5e300)), *q = must(rt_value_double(0.1));
    assert_int_equal(rt_value_kind_of(d), RT_DOUBLE);
    assert_true(rt_value_as_double(d) == -1.5e300);
    assert_true(rt_value_as_double(q) == 0.1);
    rt_value *all[] = {n, t, f, lo, hi, zero, d, q};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        rt_value_free(all[i]);
}

static void check_strings_and_bytes(void)
{
    /* "héllo €𝄞": 1, 2, 3 and 4 byte sequences. */
    char src[] = "h\xC3\xA9llo \xE2\x82\xAC\xF0\x9D\x84\x9E";
    rt_value *s = str(src);
    memset(src, 'X', sizeof src - 1); /* the value has its own copy */
    size_t len = 0;
    const char *p = rt_value_as_string(s, &len);
    assert_int_equal(rt_value_kind_of(s), RT_STRING);
    assert_int_equal(len, 14);
    assert_string_equal(p, "h\xC3\xA9llo \xE2\x82\xAC\xF0\x9D\x84\x9E");
    assert_non_null(rt_value_as_string(s, NULL)); /* len may be NULL */

    rt_value *part = must(rt_value_string_n("abcdef", 3)); /* copies 3 bytes, adds a NUL */
    assert_string_equal(rt_value_as_string(part, &len), "abc");
    assert_int_equal(len, 3);

    static const unsigned char raw[] = {0, 1, 0, 0xff, 0, 'z', 0};
    rt_value *b = must(rt_value_bytes(raw, sizeof raw));
    const void *bp = rt_value_as_bytes(b, &len);
    assert_int_equal(rt_value_kind_of(b), RT_BYTES);
    assert_int_equal(len, sizeof raw);
    assert_memory_equal(bp, raw, sizeof raw);
    assert_ptr_not_equal(bp, raw);

    unsigned char large[3000]; /* beyond the inline size: a payload block of its own */
    fill_pattern(large, sizeof large, 0);
    rt_value *lb = must(rt_value_bytes(large, sizeof large));
    bp = rt_value_as_bytes(lb, &len);
    assert_int_equal(len, sizeof large);
    assert_true(has_pattern(bp, len, 0));

    rt_value *empty = must(rt_value_bytes(NULL, 0));
    rt_value_as_bytes(empty, &len);
    assert_int_equal(len, 0);

    rt_value *all[] = {s, part, b, lb, empty};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        rt_value_free(all[i]);
}

static void check_list(void)
{
    rt_value *l = must(rt_value_list());
    assert_int_equal(rt_value_kind_of(l), RT_LIST);
    assert_int_equal(rt_list_len(l), 0);
    assert_null(rt_list_get(l, 0));
    rt_value *items[20];
    for (int i = 0; i < 20; i++) { /* grows past its first capacity */
        items[i] = num(i * 10);
        add(l, items[i]);
    }
    assert_int_equal(rt_list_len(l), 20);
    for (int i = 0; i < 20; i++) {
        assert_ptr_equal(rt_list_get(l, (size_t)i), items[i]);
        assert_true(rt_value_as_int(rt_list_get(l, (size_t)i)) == i * 10);
    }
    assert_null(rt_list_get(l, 20));
    rt_value_free(l);
}

static void check_map(void)
{
    rt_value *m = must(rt_value_map());
    assert_int_equal(rt_value_kind_of(m), RT_MAP);
    assert_int_equal(rt_map_len(m), 0);
    assert_null(rt_map_key_at(m, 0));
    assert_null(rt_map_value_at(m, 0));
    assert_null(rt_map_get(m, "b"));

    char old_text[4000]; /* a large payload, so that freeing it shows */
    memset(old_text, 'o', sizeof old_text - 1);
    old_text[sizeof old_text - 1] = 0;
    put(m, "b", num(2));
    put(m, "a", str(old_text));
    put(m, "c", num(3));
    put(m, "\xC3\xA9t\xC3\xA9", num(4)); /* "été": UTF-8 keys are fine */
    const char *order[] = {"b", "a", "c", "\xC3\xA9t\xC3\xA9"};
    assert_int_equal(rt_map_len(m), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(rt_map_key_at(m, i), order[i]);
    assert_true(rt_value_as_int(rt_map_get(m, "c")) == 3);
    assert_ptr_equal(rt_map_value_at(m, 0), rt_map_get(m, "b"));

    /* Replacing a key keeps its place and frees the old value. */
    rt_value *repl = str("new");
    size_t live_before = rt_heap_live_bytes();
    long blocks_before = ts_alloc_live_blocks();
    put(m, "a", repl);
    assert_true(live_before - rt_heap_live_bytes() >= sizeof old_text);
    assert_int_equal(ts_alloc_live_blocks(), blocks_before - 1);
    assert_int_equal(rt_map_len(m), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(rt_map_key_at(m, i), order[i]);
    assert_ptr_equal(rt_map_get(m, "a"), repl);
    assert_ptr_equal(rt_map_value_at(m, 1), repl);
    assert_null(rt_map_get(m, "d"));
    assert_null(rt_map_key_at(m, 4));
    rt_value_free(m);
}

static void check_send_port(void)
{
    inbox in;
    inbox_open(&in, 1);
    rt_value *v = must(rt_value_send_port(inbox_sp(&in)));
    assert_int_equal(rt_value_kind_of(v), RT_SEND_PORT);
    assert_ptr_equal(rt_value_as_send_port(v), inbox_sp(&in));
    /* The value has its own reference: ours still works after freeing it. */
    rt_value_free(v);
    rt_value *hello = str("through the port");
    assert_int_equal(rt_port_send(inbox_sp(&in), hello), 0);
    rt_value_free(hello);
    ts_run_main();
    assert_int_equal(in.count, 1);
    assert_string_equal(rt_value_as_string(in.msgs[0], NULL), "through the port");
    inbox_free(&in);
}

static void check_buffer(void)
{
    rt_value *b = must(rt_value_buffer(4096));
    assert_int_equal(rt_value_kind_of(b), RT_BUFFER);
    assert_false(rt_value_buffer_detached(b));
    size_t len = 0;
    unsigned char *d = rt_value_buffer_data(b, &len);
    assert_non_null(d);
    assert_int_equal(len, 4096);
    fill_pattern(d, len, 9);
    assert_ptr_equal(rt_value_buffer_data(b, NULL), d); /* stable */
    assert_true(has_pattern(rt_value_buffer_data(b, &len), len, 9));
    rt_value_free(b);

    rt_value *z = must(rt_value_buffer(0));
    rt_value_buffer_data(z, &len);
    assert_int_equal(len, 0);
    rt_value_free(z);
}

static void check_kind_names(void)
{
    static const struct {
        rt_value_kind k;
        const char *name;
    } names[] = {{RT_NULL, "null"},     {RT_BOOL, "bool"},     {RT_INT, "int"},
                 {RT_DOUBLE, "double"}, {RT_STRING, "string"}, {RT_BYTES, "bytes"},
                 {RT_LIST, "list"},     {RT_MAP, "map"},       {RT_SEND_PORT, "send_port"},
                 {RT_BUFFER, "buffer"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        assert_string_equal(rt_value_kind_name(names[i].k), names[i].name);
    assert_string_equal(rt_value_kind_name((rt_value_kind)99), "?");
}

static void test_construct_and_access(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    check_scalars();
    check_strings_and_bytes();
    check_list();
    check_map();
    check_buffer();
    check_kind_names();
    assert_int_equal(rt_heap_live_bytes(), live0); /* everything freed */
    check_send_port();
    ts_main_leave();
}

/* ======================================================================
 * 2. UTF-8
 * ====================================================================== */

typedef struct utf8_case {
    const char *s;
    size_t len;
    const char *what;
} utf8_case;

#define U8(lit, what)                                                                              \
    {                                                                                              \
        lit, sizeof(lit) - 1, what                                                                 \
    }

static const utf8_case valid_utf8[] = {
    U8("", "empty"),
    U8("plain ascii ~", "ascii"),
    U8("a\0b", "embedded NUL"),
    U8("\xC2\x80", "U+0080, smallest 2-byte"),
    U8("\xDF\xBF", "U+07FF, largest 2-byte"),
    U8("\xE0\xA0\x80", "U+0800, smallest 3-byte"),
    U8("\xE2\x82\xAC", "euro sign"),
    U8("\xED\x9F\xBF", "U+D7FF, below the surrogates"),
    U8("\xEE\x80\x80", "U+E000, above the surrogates"),
    U8("\xEF\xBF\xBF", "U+FFFF"),
    U8("\xF0\x90\x80\x80", "U+10000, smallest 4-byte"),
    U8("\xF0\x9F\x8C\x8D", "globe emoji"),
    U8("\xF4\x8F\xBF\xBF", "U+10FFFF, the largest"),
    U8("Gr\xC3\xBC\xC3\x9F"
       "e \xE4\xB8\x96 \xF0\x9F\x8C\x8D!",
       "mixed"),
};

static const utf8_case invalid_utf8[] = {
    U8("\xC0\x80", "overlong NUL (C0 80)"),
    U8("\xC1\xBF", "overlong 2-byte (C1 BF)"),
    U8("\xE0\x80\x80", "overlong 3-byte NUL (E0 80 80)"),
    U8("\xE0\x9F\xBF", "overlong U+07FF (E0 9F BF)"),
    U8("\xF0\x80\x80\x80", "overlong 4-byte NUL"),
    U8("\xF0\x8F\xBF\xBF", "overlong U+FFFF"),
    U8("\xED\xA0\x80", "surrogate U+D800"),
    U8("\xED\xBF\xBF", "surrogate U+DFFF"),
    U8("\xF4\x90\x80\x80", "U+110000, beyond U+10FFFF"),
    U8("\xF7\xBF\xBF\xBF", "U+1FFFFF"),
    U8("\xF8\x88\x80\x80\x80", "5-byte form"),
    U8("\xFE", "byte FE"),
    U8("\xFF", "byte FF"),
    U8("\xC2", "truncated 2-byte"),
    U8("\xE2\x82", "truncated 3-byte"),
    U8("\xF0\x9F\x8C", "truncated 4-byte"),
    U8("ok\xE2\x82", "truncated at the end"),
    U8("\xE2\x82"
       "a",
       "3-byte interrupted by ASCII"),
    U8("\x80", "stray continuation 80"),
    U8("\xBF", "stray continuation BF"),
    U8("a\x80"
       "b",
       "stray continuation inside ASCII"),
    U8("\xC2\x80\x80", "extra continuation"),
};

static void test_utf8_validation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_utf8 / sizeof *valid_utf8; i++)
        if (!rt_utf8_valid(valid_utf8[i].s, valid_utf8[i].len))
            fail_msg("valid UTF-8 rejected: %s", valid_utf8[i].what);
    for (size_t i = 0; i < sizeof invalid_utf8 / sizeof *invalid_utf8; i++)
        if (rt_utf8_valid(invalid_utf8[i].s, invalid_utf8[i].len))
            fail_msg("invalid UTF-8 accepted: %s", invalid_utf8[i].what);
    /* Only the first len bytes count. */
    assert_false(rt_utf8_valid("\xE2\x82\xAC", 2));
    assert_true(rt_utf8_valid("ab\xFF", 2));
}

/* Stepping over code points: "a€b" is a, then 3 bytes, then b. */
static void test_utf8_boundaries(void **state)
{
    (void)state;
    const char *s = "a\xE2\x82\xAC"
                    "b";
    assert_int_equal(rt_utf8_next(s, 5, 0), 1);
    assert_int_equal(rt_utf8_next(s, 5, 1), 4);
    assert_int_equal(rt_utf8_next(s, 5, 4), 5);
    assert_int_equal(rt_utf8_next(s, 5, 5), 5);
    assert_int_equal(rt_utf8_prev(s, 5), 4);
    assert_int_equal(rt_utf8_prev(s, 4), 1);
    assert_int_equal(rt_utf8_prev(s, 1), 0);
    assert_int_equal(rt_utf8_prev(s, 0), 0);
    assert_int_equal(rt_utf8_floor(s, 5, 3), 1); /* inside the euro sign */
    assert_int_equal(rt_utf8_floor(s, 5, 4), 4);
    assert_int_equal(rt_utf8_floor(s, 5, 9), 5);
    char small[4];
    assert_int_equal(rt_utf8_copy(small, sizeof small, s), 1); /* the euro sign does not fit */
    assert_string_equal(small, "a");
    char big[8];
    assert_int_equal(rt_utf8_copy(big, sizeof big, s), 5);
    assert_string_equal(big, s);
    assert_int_equal(rt_utf8_copy(big, sizeof big, NULL), 0);
    assert_string_equal(big, "");
}

static void never_entry(rt_value *msg)
{
    rt_value_free(msg);
}

static void test_invalid_utf8_is_not_sent(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    inbox in;
    inbox_open(&in, 0);

    /* Such a string can be built and read... */
    rt_value *bad = must(rt_value_string_n("\xED\xA0\x80", 3));
    size_t len;
    assert_memory_equal(rt_value_as_string(bad, &len), "\xED\xA0\x80", 4);
    assert_int_equal(len, 3);
    /* ...but not sent, copied or given to a new isolate. */
    assert_int_equal(rt_port_send(inbox_sp(&in), bad), RT_EILSEQ);
    int err = 0;
    assert_null(rt_value_copy(bad, &err));
    assert_int_equal(err, RT_EILSEQ);
    assert_int_equal(rt_isolate_spawn(never_entry, bad, NULL, NULL), RT_EILSEQ);
    assert_int_equal(rt_isolate_count(), 1);
    rt_value_free(bad);

    /* A list holding one is refused whole: its valid parts stay home too. */
    rt_value *list = must(rt_value_list());
    add(list, str("fine"));
    add(list, num(1));
    add(list, must(rt_value_string("ok \xC0\x80")));
    assert_int_equal(rt_port_send(inbox_sp(&in), list), RT_EILSEQ);
    /* Also deep inside a map. */
    rt_value *map = must(rt_value_map());
    put(map, "good", str("fine"));
    put(map, "nested", list);
    assert_int_equal(rt_port_send(inbox_sp(&in), map), RT_EILSEQ);
    assert_int_equal(rt_list_len(list), 3); /* the sender's value is intact */
    rt_value_free(map);

    /* A control message proves the port counts what arrives. */
    rt_value *control = str("control");
    assert_int_equal(rt_port_send(inbox_sp(&in), control), 0);
    rt_value_free(control);
    close_inbox_later(&in);
    ts_run_main();
    assert_int_equal(in.count, 1);
    assert_string_equal(rt_value_as_string(in.msgs[0], NULL), "control");
    inbox_free(&in);
    ts_main_leave();
}

/* ======================================================================
 * 3. Trees only
 * ====================================================================== */

static void test_no_cycles_no_sharing(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    /* root = [ child = [ grand = {} ] ] */
    rt_value *root = must(rt_value_list()), *child = must(rt_value_list());
    rt_value *grand = must(rt_value_map());
    add(root, child);
    add(child, grand);
    rt_value *other = must(rt_value_list()), *m = must(rt_value_map());

    /* A container cannot hold itself... */
    assert_int_equal(rt_list_push(root, root), RT_ECYCLE);
    assert_int_equal(rt_map_set(m, "self", m), RT_ECYCLE);
    /* ...nor the root of its own tree. */
    assert_int_equal(rt_list_push(child, root), RT_ECYCLE);
    assert_int_equal(rt_map_set(grand, "up", root), RT_ECYCLE);
    /* An item with a container cannot get a second one. */
    assert_int_equal(rt_list_push(other, child), RT_EINVAL);
    assert_int_equal(rt_map_set(m, "k", grand), RT_EINVAL);
    assert_int_equal(rt_list_push(root, child), RT_EINVAL);
    assert_int_equal(rt_list_push(other, NULL), RT_EINVAL);
    rt_value *kept = num(5);
    put(m, "kept", kept);
    assert_int_equal(rt_list_push(other, kept), RT_EINVAL);
    assert_int_equal(rt_map_set(grand, "kept", kept), RT_EINVAL);

    /* Nothing changed. */
    assert_int_equal(rt_list_len(root), 1);
    assert_ptr_equal(rt_list_get(root, 0), child);
    assert_int_equal(rt_list_len(child), 1);
    assert_ptr_equal(rt_list_get(child, 0), grand);
    assert_int_equal(rt_map_len(grand), 0);
    assert_int_equal(rt_list_len(other), 0);
    assert_int_equal(rt_map_len(m), 1);
    assert_ptr_equal(rt_map_get(m, "kept"), kept);

    /* The caller still owns the refused roots: each is freed once, here
     * (a container that had taken one would free it again, or hold a freed
     * node; RT_CHECKS and the live byte count catch both). */
    rt_value_free(other);
    rt_value_free(m);
    rt_value_free(root);
    assert_int_equal(rt_heap_live_bytes(), live0);
    ts_main_leave();
}

static void test_depth_limit(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    /* Bottom-up: the int sits at depth RT_VALUE_MAX_DEPTH, the deepest allowed. */
    rt_value *c = chain(RT_VALUE_MAX_DEPTH);
    rt_value *more = must(rt_value_list()), *m = must(rt_value_map());
    assert_int_equal(rt_list_push(more, c), RT_EDEPTH);
    assert_int_equal(rt_map_set(m, "k", c), RT_EDEPTH);
    assert_int_equal(rt_list_len(more), 0);
    assert_int_equal(rt_map_len(m), 0);

    /* Top-down: the innermost list (depth MAX - 1) takes a leaf, not a list. */
    rt_value *inner = c;
    for (int i = 0; i < RT_VALUE_MAX_DEPTH - 1; i++)
        inner = rt_list_get(inner, 0);
    assert_int_equal(rt_value_kind_of(rt_list_get(inner, 0)), RT_INT);
    add(inner, num(1));
    rt_value *pair = must(rt_value_list());
    add(pair, num(2));
    assert_int_equal(rt_list_push(inner, pair), RT_EDEPTH);
    assert_int_equal(rt_list_len(inner), 2);
    rt_value_free(pair);

    /* The deepest allowed value can be copied and sent. */
    int err = -1;
    rt_value *copy = rt_value_copy(c, &err);
    assert_non_null(copy);
    assert_int_equal(err, 0);
    assert_values_equal(c, copy);
    rt_value_free(copy);
    inbox in;
    inbox_open(&in, 1);
    assert_int_equal(rt_port_send(inbox_sp(&in), c), 0);
    ts_run_main();
    assert_int_equal(in.count, 1);
    assert_values_equal(c, in.msgs[0]);
    inbox_free(&in);

    rt_value_free(more);
    rt_value_free(m);
    rt_value_free(c);
    assert_int_equal(rt_heap_live_bytes(), live0);
    ts_main_leave();
}

/* A map whose deep entry was replaced by a leaf is shallow again: it must
 * nest like any other shallow value. */
static void test_map_replace_lowers_depth(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_value *m = must(rt_value_map());
    put(m, "k", chain(RT_VALUE_MAX_DEPTH - 1)); /* m is as deep as allowed */
    put(m, "k", num(1));                        /* now m = {k: 1}, depth 1 */
    rt_value *outer = must(rt_value_list()), *mid = must(rt_value_list());
    add(outer, mid);
    int rc = rt_list_push(mid, m); /* [[{k: 1}]]: depth 3 */
    if (rc) rt_value_free(m);
    rt_value_free(outer);
    assert_int_equal(rc, 0);
    ts_main_leave();
}

/* ======================================================================
 * 4. Sending deep-copies
 * ====================================================================== */

static void check_read_only(rt_value *received)
{
    rt_value *items = rt_map_get(received, "items");
    assert_non_null(items);
    size_t len = rt_list_len(items);
    rt_value *item = num(1);
    assert_int_equal(rt_list_push(items, item), RT_ESTATE);
    assert_int_equal(rt_list_push(rt_list_get(items, 2), item), RT_ESTATE);
    assert_int_equal(rt_map_set(received, "x", item), RT_ESTATE);
    assert_int_equal(rt_map_set(rt_list_get(items, 3), "x", item), RT_ESTATE);
    rt_value_free(item); /* still ours */
    assert_int_equal(rt_list_len(items), len);
}

static void check_copy(rt_value *v)
{
    int err = -1;
    rt_value *copy = rt_value_copy(v, &err);
    assert_non_null(copy);
    assert_int_equal(err, 0);
    assert_values_equal(v, copy);
    assert_values_disjoint(v, copy);
    check_read_only(copy); /* a copy is read-only too */
    rt_value_free(copy);
}

static void test_send_deep_copies(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    inbox in;
    inbox_open(&in, 2);
    rt_value *sent = sample_tree();
    assert_int_equal(rt_port_send(inbox_sp(&in), sent), 0);
    /* The sender keeps a usable, unchanged value. */
    rt_value *fresh = sample_tree();
    assert_values_equal(sent, fresh);
    add(rt_map_get(sent, "items"), str("added after sending"));
    assert_int_equal(rt_port_send(inbox_sp(&in), sent), 0);
    ts_run_main();
    assert_int_equal(in.count, 2);

    rt_value *first = in.msgs[0], *second = in.msgs[1];
    assert_values_equal(fresh, first);
    assert_values_disjoint(sent, first);
    assert_values_equal(sent, second);
    assert_values_disjoint(sent, second);
    assert_values_disjoint(first, second);
    assert_int_equal(rt_list_len(rt_map_get(second, "items")), 5);

    check_read_only(first);
    check_copy(sent);
    check_copy(first);

    /* A received root can join a new tree, which then owns it. */
    size_t live = rt_heap_live_bytes();
    long blocks = ts_alloc_live_blocks();
    rt_value *outer = must(rt_value_list());
    add(outer, first);
    assert_ptr_equal(rt_list_get(outer, 0), first);
    assert_string_equal(rt_value_as_string(rt_map_get(rt_list_get(outer, 0), "big"), NULL),
                        rt_value_as_string(rt_map_get(fresh, "big"), NULL));
    rt_value_free(outer);
    in.msgs[0] = NULL;
    assert_true(live - rt_heap_live_bytes() > 4096); /* the message went with it */
    assert_true(ts_alloc_live_blocks() < blocks);

    rt_value_free(sent);
    rt_value_free(fresh);
    inbox_free(&in);
    ts_main_leave();
}

/* ======================================================================
 * 5. Transferable buffers
 * ====================================================================== */

#define MIB ((size_t)1 << 20)

static void test_buffer_moves_to_own_port(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    inbox in;
    inbox_open(&in, 1);
    rt_value *buf = must(rt_value_buffer(MIB));
    size_t len;
    unsigned char *data = rt_value_buffer_data(buf, &len);
    assert_int_equal(len, MIB);
    fill_pattern(data, len, 5);
    uintptr_t addr = (uintptr_t)data;

    assert_int_equal(rt_port_send(inbox_sp(&in), buf), 0);
    /* Detached: it cannot go anywhere again, alone or inside something. */
    assert_true(rt_value_buffer_detached(buf));
    assert_int_equal(rt_port_send(inbox_sp(&in), buf), RT_EDETACHED);
    rt_value *wrapper = must(rt_value_list());
    rt_value *spare = must(rt_value_buffer(16));
    add(wrapper, spare);
    add(wrapper, buf);
    assert_int_equal(rt_port_send(inbox_sp(&in), wrapper), RT_EDETACHED);
    assert_false(rt_value_buffer_detached(spare)); /* all or nothing */
    int err = 0;
    assert_null(rt_value_copy(wrapper, &err));
    assert_int_equal(err, RT_EDETACHED);
    rt_value_free(wrapper);

    ts_run_main();
    assert_int_equal(in.count, 1);
    rt_value *got = in.msgs[0];
    assert_int_equal(rt_value_kind_of(got), RT_BUFFER);
    assert_false(rt_value_buffer_detached(got));
    unsigned char *gd = rt_value_buffer_data(got, &len);
    assert_true((uintptr_t)gd == addr); /* moved, not copied */
    assert_int_equal(len, MIB);
    assert_true(has_pattern(gd, len, 5));
    inbox_free(&in);
    ts_main_leave();
}

/* Child isolate: builds a buffer, sends [address, buffer] to the port it was
 * given, then a report {rc, detached, resend} of what it saw. */
static void buffer_maker_entry(rt_value *msg)
{
    rt_send_port *sp = rt_value_as_send_port(msg);
    rt_value *buf = rt_value_buffer(MIB), *list = rt_value_list(), *report = rt_value_map();
    unsigned char *data = rt_value_buffer_data(buf, NULL);
    fill_pattern(data, MIB, 11);
    rt_list_push(list, rt_value_int((int64_t)(uintptr_t)data));
    rt_list_push(list, buf);
    int rc = rt_port_send(sp, list);
    rt_map_set(report, "rc", rt_value_int(rc));
    rt_map_set(report, "detached", rt_value_bool(rt_value_buffer_detached(buf)));
    rt_map_set(report, "resend", rt_value_int(rt_port_send(sp, list)));
    rt_port_send(sp, report);
    rt_value_free(report);
    rt_value_free(list);
    rt_value_free(msg);
}

static void test_buffer_moves_between_isolates(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    inbox in;
    inbox_open(&in, 2);
    rt_value *sp = must(rt_value_send_port(inbox_sp(&in)));
    assert_int_equal(rt_isolate_spawn(buffer_maker_entry, sp, NULL, NULL), 0);
    rt_value_free(sp);
    ts_run_main();
    assert_int_equal(in.count, 2);

    rt_value *list = in.msgs[0], *report = in.msgs[1];
    assert_int_equal(rt_value_kind_of(list), RT_LIST);
    assert_int_equal(rt_list_len(list), 2);
    size_t len;
    unsigned char *data = rt_value_buffer_data(rt_list_get(list, 1), &len);
    assert_true((uintptr_t)data == (uintptr_t)rt_value_as_int(rt_list_get(list, 0)));
    assert_int_equal(len, MIB);
    assert_true(has_pattern(data, len, 11));
    assert_true(rt_value_as_int(rt_map_get(report, "rc")) == 0);
    assert_true(rt_value_as_bool(rt_map_get(report, "detached")));
    assert_true(rt_value_as_int(rt_map_get(report, "resend")) == RT_EDETACHED);
    inbox_free(&in);
    ts_main_leave();
}

/* ======================================================================
 * 6. Send ports inside messages
 * ====================================================================== */

typedef struct relay {
    int seen;
    int reply_kind;
    int send_rc;
} relay;

/* Replies n + 1 through the send port found in the message, then closes. */
static void relay_on_msg(rt_receive_port *p, rt_value *v, void *ctx)
{
    relay *r = ctx;
    r->seen++;
    rt_value *to = rt_map_get(v, "reply_to");
    r->reply_kind = to ? (int)rt_value_kind_of(to) : -1;
    if (to && rt_value_kind_of(to) == RT_SEND_PORT) {
        rt_send_port *sp = rt_send_port_dup(rt_value_as_send_port(to));
        int64_t n = rt_value_as_int(rt_map_get(v, "n"));
        rt_value_free(v); /* the dup keeps the port beyond the message */
        rt_value *reply = rt_value_int(n + 1);
        r->send_rc = rt_port_send(sp, reply);
        rt_value_free(reply);
        rt_send_port_release(sp);
    } else {
        rt_value_free(v);
    }
    rt_receive_port_close(p);
}

static void test_send_port_in_message(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    relay r = {0, -1, -1};
    rt_receive_port *relay_port = rt_receive_port_open(relay_on_msg, &r, NULL);
    assert_non_null(relay_port);
    inbox answers;
    inbox_open(&answers, 1);

    rt_value *m = must(rt_value_map());
    put(m, "reply_to", must(rt_value_send_port(inbox_sp(&answers))));
    put(m, "n", num(41));
    assert_int_equal(rt_port_send(rt_receive_port_send_port(relay_port), m), 0);
    rt_value_free(m);
    ts_run_main();

    assert_int_equal(r.seen, 1);
    assert_int_equal(r.reply_kind, RT_SEND_PORT);
    assert_int_equal(r.send_rc, 0);
    assert_int_equal(answers.count, 1);
    assert_true(rt_value_as_int(answers.msgs[0]) == 42);
    inbox_free(&answers);
    ts_main_leave();
}

/* ======================================================================
 * 7. Misuse aborts (child processes)
 * ====================================================================== */

static void child_detached_buffer_data(void)
{
    rt_main_enter(NULL);
    rt_receive_port *rp = rt_receive_port_open(NULL, NULL, NULL); /* buffers */
    rt_value *buf = rt_value_buffer(64);
    rt_port_send(rt_receive_port_send_port(rp), buf);
    rt_value_buffer_data(buf, NULL);
}

static void child_int_of_string(void)
{
    rt_main_enter(NULL);
    rt_value_as_int(rt_value_string("not a number"));
}

static void child_free_inside_list(void)
{
    rt_main_enter(NULL);
    rt_value *list = rt_value_list(), *item = rt_value_int(1);
    rt_list_push(list, item);
    rt_value_free(item);
}

/* A value of the main isolate, used by a spawned one. */
static rt_value *foreign_value;

static void stop_main(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    rt_receive_port_close(p);
}

/* After misuse that failed to abort, let main finish (the child then exits
 * normally and the expected message is missing). */
static void thief_done(rt_value *msg)
{
    rt_value *note = rt_value_string("survived");
    rt_port_send(rt_value_as_send_port(msg), note);
}

static void thief_push_entry(rt_value *msg)
{
    rt_list_push(foreign_value, rt_value_int(1));
    thief_done(msg);
}

static void thief_free_entry(rt_value *msg)
{
    rt_value_free(foreign_value);
    thief_done(msg);
}

static void run_thief(rt_entry_fn entry)
{
    rt_main_enter(NULL);
    foreign_value = rt_value_list();
    rt_receive_port *rp = rt_receive_port_open(stop_main, NULL, NULL);
    rt_value *sp = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_isolate_options o = {.name = "value-thief", .dedicated_thread = false};
    if (rt_isolate_spawn(entry, sp, &o, NULL) != 0) exit(2);
    ts_run_main(); /* the abort happens in the spawned isolate meanwhile */
}

static void child_foreign_push(void)
{
    run_thief(thief_push_entry);
}

static void child_foreign_free(void)
{
    run_thief(thief_free_entry);
}

static void test_misuse_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("detached_buffer_data", "transferred");
    ts_expect_check_abort("int_of_string", "expected a int value, got string");
    ts_expect_check_abort("free_inside_list", "inside a list or map");
    ts_expect_check_abort("foreign_push", "belongs to isolate 'main'");
    ts_expect_check_abort("foreign_push", "used from isolate 'value-thief'");
    ts_expect_check_abort("foreign_free", "belongs to isolate 'main'");
    ts_expect_check_abort("foreign_free", "used from isolate 'value-thief'");
}

/* ======================================================================
 * 8. Allocation failure
 * ====================================================================== */

static int add_or_free(rt_value *list, rt_value *item)
{
    if (!item) return RT_ENOMEM;
    int rc = rt_list_push(list, item);
    if (rc) rt_value_free(item);
    return rc;
}

static int put_or_free(rt_value *map, const char *key, rt_value *item)
{
    if (!item) return RT_ENOMEM;
    int rc = rt_map_set(map, key, item);
    if (rc) rt_value_free(item);
    return rc;
}

static char long_text[700];          /* beyond the inline size: its own block */
static unsigned char small_raw[600]; /* likewise */

/* [{"row": i, "text": long_text} for i in 0..11]: a payload block per row. */
static rt_value *build_rows(void)
{
    rt_value *rows = rt_value_list();
    for (int i = 0; i < 12 && rows; i++) {
        rt_value *row = rt_value_map();
        int rc = row ? RT_OK : RT_ENOMEM;
        if (!rc) rc = put_or_free(row, "row", rt_value_int(i));
        if (!rc) rc = put_or_free(row, "text", rt_value_string(long_text));
        if (!rc)
            rc = add_or_free(rows, row);
        else
            rt_value_free(row);
        if (rc) {
            rt_value_free(rows);
            rows = NULL;
        }
    }
    return rows;
}

/* {"s": long_text, "list": [0..199, "two", bytes(600)], "rows": build_rows(),
 * "buf": buffer(100)}, built without asserting: RT_ENOMEM (and nothing left
 * behind) when out of memory. */
static int build_small(rt_value **out)
{
    *out = NULL;
    rt_value *map = rt_value_map(), *list = rt_value_list();
    int rc = map && list ? RT_OK : RT_ENOMEM;
    for (int i = 0; i < 200 && !rc; i++)
        rc = add_or_free(list, rt_value_int(i));
    if (!rc) rc = add_or_free(list, rt_value_string("two"));
    if (!rc) rc = add_or_free(list, rt_value_bytes(small_raw, sizeof small_raw));
    if (!rc) rc = put_or_free(map, "s", rt_value_string(long_text));
    if (!rc) {
        rc = put_or_free(map, "list", list);
        list = NULL;
    }
    if (!rc) rc = put_or_free(map, "rows", build_rows());
    rt_value *buf = rc ? NULL : rt_value_buffer(100);
    if (buf) fill_pattern(rt_value_buffer_data(buf, NULL), 100, 4);
    if (!rc) rc = put_or_free(map, "buf", buf);
    rt_value_free(list);
    if (rc) {
        rt_value_free(map);
        return rc;
    }
    *out = map;
    return RT_OK;
}

/* One attempt in a fresh main isolate, the n-th allocation failing (n <= 0:
 * none). Returns the outcome; asserts a clean result either way. */
static int attempt_send(long n, long *allocs)
{
    ts_main_enter(NULL);
    size_t live0 = rt_heap_live_bytes();
    inbox in;
    inbox_open(&in, 1);
    long count0 = ts_alloc_count();
    if (n > 0) ts_alloc_fail_after(n);
    rt_value *v;
    int rc = build_small(&v);
    if (!rc) rc = rt_port_send(inbox_sp(&in), v);
    if (allocs) *allocs = ts_alloc_count() - count0;
    ts_alloc_fail_never();
    assert_true(rc == RT_OK || rc == RT_ENOMEM);
    if (rc) inbox_close(&in); /* nothing was sent: nothing will arrive */
    ts_run_main();
    assert_int_equal(in.count, rc ? 0 : 1);
    if (!rc) {
        rt_value *expect;
        assert_int_equal(build_small(&expect), 0);
        assert_values_equal(expect, in.msgs[0]);
        rt_value_free(expect);
    }
    rt_value_free(v);
    inbox_free(&in);
    assert_int_equal(rt_heap_live_bytes(), live0);
    ts_main_leave();
    return rc;
}

static void test_allocation_failure(void **state)
{
    (void)state;
    memset(long_text, 'L', sizeof long_text - 1);
    fill_pattern(small_raw, sizeof small_raw, 6);
    long needed = 0;
    assert_int_equal(attempt_send(0, &needed), 0);
    assert_true(needed >= 4 && needed < 60); /* the sweep covers every allocation */
    for (long n = 1; n <= 60; n++) {
        int rc = attempt_send(n, NULL);
        /* Every allocation is needed: failing any of them fails the send. */
        if (rc != (n <= needed ? RT_ENOMEM : RT_OK))
            fail_msg("failing allocation %ld of %ld: got %s", n, needed, rt_strerror(rc));
    }
}

/* ======================================================================
 * Copies of transferable buffers (in child processes: a crash or a
 * sanitizer report there fails only its test).
 * ====================================================================== */

#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #cond);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static rt_value *child_received;

static void keep_and_close(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    child_received = v;
    rt_receive_port_close(p);
}

/* A copy of a buffer holds the same bytes and leaves the original alone. */
static void child_copy_buffer(void)
{
    rt_main_enter(NULL);
    rt_value *b = rt_value_buffer(100);
    fill_pattern(rt_value_buffer_data(b, NULL), 100, 1);
    int err = -1;
    rt_value *c = rt_value_copy(b, &err);
    CHILD_CHECK(c != NULL && err == 0);
    size_t len;
    void *cd = rt_value_buffer_data(c, &len);
    CHILD_CHECK(len == 100 && has_pattern(cd, len, 1));
    CHILD_CHECK(cd != rt_value_buffer_data(b, NULL));
    CHILD_CHECK(!rt_value_buffer_detached(b));
    rt_value_free(c);
    rt_value_free(b);
    rt_main_leave();
}

/* A copy of a buffer is a buffer like any other: it can be sent. */
static void child_send_copied_buffer(void)
{
    rt_main_enter(NULL);
    rt_receive_port *rp = rt_receive_port_open(keep_and_close, NULL, NULL);
    rt_value *b = rt_value_buffer(100);
    fill_pattern(rt_value_buffer_data(b, NULL), 100, 2);
    rt_value *c = rt_value_copy(b, NULL);
    CHILD_CHECK(c != NULL);
    CHILD_CHECK(rt_port_send(rt_receive_port_send_port(rp), c) == 0);
    ts_run_main();
    CHILD_CHECK(child_received != NULL);
    size_t len;
    void *d = rt_value_buffer_data(child_received, &len);
    CHILD_CHECK(len == 100 && has_pattern(d, len, 2));
    CHILD_CHECK(!rt_value_buffer_detached(b));
    rt_value_free(child_received);
    rt_value_free(c);
    rt_value_free(b);
    rt_main_leave();
}

/* Runs a child case that must finish normally (exit status 0). */
static void expect_child_ok(const char *name)
{
    char exe[4096], cmd[4300], out[8192];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = 0;
    snprintf(cmd, sizeof cmd, "ASAN_OPTIONS=detect_leaks=0 '%s' --child '%s' 2>&1", exe, name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = 0;
    int status = pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child '%s' failed (%s %d):\n%s", name,
                 WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), out);
}

static void test_copy_buffer(void **state)
{
    (void)state;
    expect_child_ok("copy_buffer");
}

static void test_send_copied_buffer(void **state)
{
    (void)state;
    expect_child_ok("send_copied_buffer");
}

int main(int argc, char **argv)
{
    static const ts_child_case cases[] = {
        {"detached_buffer_data", child_detached_buffer_data},
        {"int_of_string", child_int_of_string},
        {"free_inside_list", child_free_inside_list},
        {"foreign_push", child_foreign_push},
        {"foreign_free", child_foreign_free},
        {"copy_buffer", child_copy_buffer},
        {"send_copied_buffer", child_send_copied_buffer},
        {NULL, NULL},
    };
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_construct_and_access),
        cmocka_unit_test(test_utf8_validation),
        cmocka_unit_test(test_utf8_boundaries),
        cmocka_unit_test(test_invalid_utf8_is_not_sent),
        cmocka_unit_test(test_no_cycles_no_sharing),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_map_replace_lowers_depth),
        cmocka_unit_test(test_send_deep_copies),
        cmocka_unit_test(test_buffer_moves_to_own_port),
        cmocka_unit_test(test_buffer_moves_between_isolates),
        cmocka_unit_test(test_send_port_in_message),
        cmocka_unit_test(test_misuse_aborts),
        cmocka_unit_test(test_allocation_failure),
        cmocka_unit_test(test_copy_buffer),
        cmocka_unit_test(test_send_copied_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
