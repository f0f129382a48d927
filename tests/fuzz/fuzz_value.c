/* fuzz_value.c: message values built from fuzz bytes, copied, sent to
 * another isolate and back (by copy, and by rt_isolate_exit, which moves),
 * with transferable buffers inside; each arrival must equal the original.
 *
 * The input is a small bytecode, one op per byte (low nibble the op, high
 * nibble its argument), read past its end as zeros:
 *   0 null   1 bool   2 int64 (8 bytes)   3 small int   4 double (8 bytes)
 *   5 string (len byte, bytes)   6 bytes (len byte, bytes)
 *   7 filled string / 8 filled bytes / 9 buffer (len: 2 bytes, + arg << 16;
 *     then a fill byte): long payloads from short inputs
 *   10 a send port   11 open a list   12 open a map   13 close the container
 *   14 a copy (rt_value_copy) of the last item   15 a tricky UTF-8 snippet
 * An item added to a map first reads its key (len byte, bytes). Containers
 * left open at the end are closed; one item at the top is the message,
 * several are put in a list. Each main isolate lives for one input, so
 * libFuzzer's leak check sees anything the runtime forgets to free.
 */
#include "fuzz_common.h"
#include <islet/rt.h>

#include <math.h>

#define MAX_FRAMES (RT_VALUE_MAX_DEPTH + 8)
#define MAX_TOP 64
#define MAX_PAYLOAD (4u << 20) /* per input, so each run stays quick */

/* What the builder knows about an item, to predict what sending it does:
 * kept as items are added, and worked out again from the value when a
 * replaced map key may have made it lower or clean again. */
typedef struct facts {
    unsigned height; /* 0 for a leaf or an empty container, else 1 + the tallest child */
    bool bad_utf8;   /* holds a string that is not UTF-8 */
} facts;

typedef struct frame {
    rt_value *c; /* the open list or map; NULL for the top frame */
    facts f;     /* of c, kept as items are added */
    bool redo;   /* a map key was replaced: work f out again from c */
} frame;

typedef struct builder {
    fz_reader in;
    frame frames[MAX_FRAMES];
    int depth; /* frames[0] is the top */
    rt_value *top[MAX_TOP];
    facts top_facts[MAX_TOP];
    size_t ntop, payload;
    rt_value *last; /* the latest item added, a direct child of the open frame */
    facts last_facts;
    rt_send_port *port;
} builder;

/* ---- Building ---- */

static facts leaf(bool bad)
{
    return (facts){0, bad};
}

static void merge_child(facts *f, facts child)
{
    if (child.height + 1 > f->height) f->height = child.height + 1;
    f->bad_utf8 |= child.bad_utf8;
}

static facts facts_of(const rt_value *v)
{
    facts f = {0, false};
    size_t n;
    const char *s;
    switch (rt_value_kind_of(v)) {
    case RT_STRING:
        s = rt_value_as_string(v, &n);
        f.bad_utf8 = !fz_utf8_valid((const uint8_t *)s, n);
        break;
    case RT_LIST:
        for (size_t i = 0; i < rt_list_len(v); i++)
            merge_child(&f, facts_of(rt_list_get(v, i)));
        break;
    case RT_MAP:
        for (size_t i = 0; i < rt_map_len(v); i++)
            merge_child(&f, facts_of(rt_map_value_at(v, i)));
        break;
    default:
        break;
    }
    return f;
}

/* Reads a map key: at most 31 bytes, cut at a NUL (keys are C strings). */
static void read_key(builder *b, char key[32])
{
    size_t got;
    const uint8_t *k = fz_bytes(&b->in, fz_u8(&b->in) & 31, &got);
    memcpy(key, k, got);
    key[got] = 0;
}

/* Adds item to the open container; the runtime must refuse exactly what
 * the rules say (RT_EDEPTH past RT_VALUE_MAX_DEPTH, RT_EILSEQ for a key
 * that is not UTF-8) and take everything else. */
static void add(builder *b, rt_value *item, facts f)
{
    FZ_CHECK(item != NULL, "a constructor returned NULL with memory to spare");
    frame *fr = &b->frames[b->depth];
    if (!fr->c) {
        if (b->ntop == MAX_TOP) {
            rt_value_free(item);
            return;
        }
        b->top_facts[b->ntop] = f;
        b->top[b->ntop++] = item;
        b->last = item;
        b->last_facts = f;
        return;
    }
    /* An open container has no parent yet: only the item's height counts. */
    bool too_deep = 1 + f.height > RT_VALUE_MAX_DEPTH;
    int rc, want = too_deep ? RT_EDEPTH : RT_OK;
    if (rt_value_kind_of(fr->c) == RT_LIST) {
        rc = rt_list_push(fr->c, item);
    } else {
        char key[32];
        read_key(b, key);
        bool key_ok = fz_utf8_valid((const uint8_t *)key, strlen(key));
        if (!too_deep && !key_ok) want = RT_EILSEQ;
        /* Setting a key again frees its old item: forget it if it was last. */
        const rt_value *old = rt_map_get(fr->c, key);
        if (old && old == b->last) b->last = NULL;
        rc = rt_map_set(fr->c, key, item);
        fr->redo |= old && rc == RT_OK;
    }
    FZ_CHECK(rc == want, "adding an item of height %u: got %d (%s), want %d", f.height, rc,
             rt_strerror(rc), want);
    if (rc != RT_OK) {
        rt_value_free(item);
        return;
    }
    merge_child(&fr->f, f);
    b->last = item;
    b->last_facts = f;
}

static void open_container(builder *b, rt_value *c)
{
    FZ_CHECK(c != NULL, "a container constructor returned NULL");
    if (b->depth + 1 == MAX_FRAMES) {
        rt_value_free(c);
        return;
    }
    b->frames[++b->depth] = (frame){c, {0, false}, false};
    b->last = NULL;
}

static void close_container(builder *b)
{
    if (b->depth == 0) return;
    frame *fr = &b->frames[b->depth--];
    b->last = NULL; /* it pointed into fr->c */
    add(b, fr->c, fr->redo ? facts_of(fr->c) : fr->f);
}

static size_t payload_len(builder *b, unsigned arg)
{
    size_t n = fz_u16(&b->in) | (size_t)(arg & 3) << 16; /* up to 256 KiB */
    if (b->payload + n > MAX_PAYLOAD) n = 0;
    b->payload += n;
    return n;
}

static void add_text(builder *b, bool is_string, const uint8_t *s, size_t n)
{
    if (!is_string) {
        add(b, rt_value_bytes(s, n), leaf(false));
        return;
    }
    bool ok = fz_utf8_valid(s, n);
    FZ_CHECK(rt_utf8_valid((const char *)s, n) == ok, "rt_utf8_valid says %d for %zu bytes", !ok,
             n);
    add(b, rt_value_string_n((const char *)s, n), leaf(!ok));
}

static void add_filled(builder *b, int op, unsigned arg)
{
    size_t n = payload_len(b, arg);
    uint8_t fill = fz_u8(&b->in);
    uint8_t *s = malloc(n ? n : 1);
    FZ_CHECK(s != NULL, "malloc");
    memset(s, fill, n);
    if (op == 9) {
        rt_value *v = rt_value_buffer(n);
        FZ_CHECK(v != NULL, "rt_value_buffer");
        size_t len;
        void *d = rt_value_buffer_data(v, &len);
        FZ_CHECK(len == n && (n == 0 || d), "a new buffer has %zu bytes, want %zu", len, n);
        if (n) memcpy(d, s, n);
        add(b, v, leaf(false));
    } else {
        add_text(b, op == 7, s, n);
    }
    free(s);
}

static const char *const snippets[16] = {"",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xed\xa0\x80",
                                         "\xc0\x80",
                                         "\xf4\x90\x80\x80",
                                         "\xe2\x82",
                                         "\x80",
                                         "\xff",
                                         "\xef\xbb\xbf",
                                         "\xf0\x8f\xbf\xbf",
                                         "\xe0\x9f\xbf",
                                         "\xc2",
                                         "\xdf\xbf",
                                         "\xf4\x8f\xbf\xbf"};

static void add_copy_of_last(builder *b)
{
    if (!b->last) return;
    int err = 1;
    rt_value *c = rt_value_copy(b->last, &err);
    int want = b->last_facts.bad_utf8 ? RT_EILSEQ : RT_OK;
    FZ_CHECK(err == want, "rt_value_copy: got %d (%s), want %d", err, rt_strerror(err), want);
    if (c) add(b, c, b->last_facts);
}

static void step(builder *b)
{
    uint8_t code = fz_u8(&b->in);
    int op = code & 15;
    unsigned arg = code >> 4;
    size_t got;
    const uint8_t *s;
    switch (op) {
    case 0:
        add(b, rt_value_null(), leaf(false));
        break;
    case 1:
        add(b, rt_value_bool(arg & 1), leaf(false));
        break;
    case 2:
        add(b, rt_value_int((int64_t)fz_u64(&b->in)), leaf(false));
        break;
    case 3:
        add(b, rt_value_int((int64_t)arg - 8), leaf(false));
        break;
    case 4: {
        uint64_t bits = fz_u64(&b->in);
        double d;
        memcpy(&d, &bits, sizeof d);
        add(b, rt_value_double(d), leaf(false));
        break;
    }
    case 5:
    case 6:
        s = fz_bytes(&b->in, fz_u8(&b->in), &got);
        add_text(b, op == 5, s, got);
        break;
    case 7:
    case 8:
    case 9:
        add_filled(b, op, arg);
        break;
    case 10:
        add(b, rt_value_send_port(b->port), leaf(false));
        break;
    case 11:
        open_container(b, rt_value_list());
        break;
    case 12:
        open_container(b, rt_value_map());
        break;
    case 13:
        close_container(b);
        break;
    case 14:
        add_copy_of_last(b);
        break;
    default:
        s = (const uint8_t *)snippets[arg];
        add_text(b, true, s, strlen((const char *)s));
        break;
    }
}

/* The whole message, with what it is predicted to do. */
static rt_value *build(builder *b, facts *out)
{
    while (fz_more(&b->in))
        step(b);
    while (b->depth > 0)
        close_container(b);
    if (b->ntop == 1) {
        *out = b->top_facts[0];
        return b->top[0];
    }
    rt_value *list = rt_value_list();
    FZ_CHECK(list != NULL, "rt_value_list");
    b->frames[b->depth = 1] = (frame){list, {0, false}, false};
    for (size_t i = 0; i < b->ntop; i++)
        add(b, b->top[i], b->top_facts[i]);
    *out = b->frames[1].f;
    return list;
}

/* ---- Comparing ---- */

/* Deep equality with doubles by their bits (NaN payloads and -0.0 must
 * survive) and buffers by their bytes. */
static bool same(const rt_value *a, const rt_value *b)
{
    rt_value_kind k = rt_value_kind_of(a);
    if (k != rt_value_kind_of(b)) return false;
    size_t la, lb;
    switch (k) {
    case RT_NULL:
        return true;
    case RT_BOOL:
        return rt_value_as_bool(a) == rt_value_as_bool(b);
    case RT_INT:
        return rt_value_as_int(a) == rt_value_as_int(b);
    case RT_DOUBLE: {
        double x = rt_value_as_double(a), y = rt_value_as_double(b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    case RT_STRING: {
        const char *x = rt_value_as_string(a, &la), *y = rt_value_as_string(b, &lb);
        return la == lb && memcmp(x, y, la) == 0 && x[la] == 0 && y[lb] == 0;
    }
    case RT_BYTES: {
        const void *x = rt_value_as_bytes(a, &la), *y = rt_value_as_bytes(b, &lb);
        return la == lb && (la == 0 || memcmp(x, y, la) == 0);
    }
    case RT_BUFFER: {
        if (rt_value_buffer_detached(a) != rt_value_buffer_detached(b)) return false;
        const void *x = rt_value_buffer_data((rt_value *)a, &la);
        const void *y = rt_value_buffer_data((rt_value *)b, &lb);
        return la == lb && (la == 0 || memcmp(x, y, la) == 0);
    }
    case RT_LIST:
        if (rt_list_len(a) != rt_list_len(b)) return false;
        for (size_t i = 0; i < rt_list_len(a); i++)
            if (!same(rt_list_get(a, i), rt_list_get(b, i))) return false;
        return true;
    case RT_MAP:
        if (rt_map_len(a) != rt_map_len(b)) return false;
        for (size_t i = 0; i < rt_map_len(a); i++) {
            if (strcmp(rt_map_key_at(a, i), rt_map_key_at(b, i)) != 0) return false;
            if (!same(rt_map_value_at(a, i), rt_map_value_at(b, i))) return false;
            if (rt_map_get(b, rt_map_key_at(a, i)) != rt_map_value_at(b, i)) return false;
        }
        return true;
    case RT_SEND_PORT:
        return rt_value_as_send_port(a) == rt_value_as_send_port(b);
    }
    return false;
}

/* What rt_value_equal cannot call equal to a copy: NaN, and buffers
 * (identities, not contents). */
static bool has_identity_or_nan(const rt_value *v)
{
    switch (rt_value_kind_of(v)) {
    case RT_DOUBLE:
        return isnan(rt_value_as_double(v));
    case RT_BUFFER:
        return true;
    case RT_LIST:
        for (size_t i = 0; i < rt_list_len(v); i++)
            if (has_identity_or_nan(rt_list_get(v, i))) return true;
        return false;
    case RT_MAP:
        for (size_t i = 0; i < rt_map_len(v); i++)
            if (has_identity_or_nan(rt_map_value_at(v, i))) return true;
        return false;
    default:
        return false;
    }
}

static void check_equal(const rt_value *want, const rt_value *got, const char *how)
{
    FZ_CHECK(same(want, got), "the value %s differs from the original", how);
    FZ_CHECK(rt_value_equal(want, got) == !has_identity_or_nan(want),
             "rt_value_equal disagrees on the value %s", how);
}

/* Every buffer in v is detached (after a send) or none is (after a refusal). */
static void check_buffers(const rt_value *v, bool detached)
{
    switch (rt_value_kind_of(v)) {
    case RT_BUFFER:
        FZ_CHECK(rt_value_buffer_detached(v) == detached, "a buffer is %sdetached",
                 detached ? "not " : "");
        break;
    case RT_LIST:
        for (size_t i = 0; i < rt_list_len(v); i++)
            check_buffers(rt_list_get(v, i), detached);
        break;
    case RT_MAP:
        for (size_t i = 0; i < rt_map_len(v); i++)
            check_buffers(rt_map_value_at(v, i), detached);
        break;
    default:
        break;
    }
}

/* ---- The echo isolate ---- */

/* A fresh copy made with the constructors, so that payloads live in blocks
 * of the echo's own heap (large ones in blocks of their own, which exit
 * moves rather than copies). */
static rt_value *rebuild(const rt_value *v)
{
    size_t n;
    const void *d;
    switch (rt_value_kind_of(v)) {
    case RT_NULL:
        return rt_value_null();
    case RT_BOOL:
        return rt_value_bool(rt_value_as_bool(v));
    case RT_INT:
        return rt_value_int(rt_value_as_int(v));
    case RT_DOUBLE:
        return rt_value_double(rt_value_as_double(v));
    case RT_STRING:
        d = rt_value_as_string(v, &n);
        return rt_value_string_n(d, n);
    case RT_BYTES:
        d = rt_value_as_bytes(v, &n);
        return rt_value_bytes(d, n);
    case RT_SEND_PORT:
        return rt_value_send_port(rt_value_as_send_port(v));
    case RT_BUFFER: {
        d = rt_value_buffer_data((rt_value *)v, &n);
        rt_value *b = rt_value_buffer(n);
        if (b && n) memcpy(rt_value_buffer_data(b, &n), d, n);
        return b;
    }
    case RT_LIST: {
        rt_value *l = rt_value_list();
        for (size_t i = 0; l && i < rt_list_len(v); i++) {
            rt_value *item = rebuild(rt_list_get(v, i));
            FZ_CHECK(item && rt_list_push(l, item) == RT_OK, "rebuilding a list");
        }
        return l;
    }
    case RT_MAP: {
        rt_value *m = rt_value_map();
        for (size_t i = 0; m && i < rt_map_len(v); i++) {
            rt_value *item = rebuild(rt_map_value_at(v, i));
            FZ_CHECK(item && rt_map_set(m, rt_map_key_at(v, i), item) == RT_OK, "rebuilding a map");
        }
        return m;
    }
    }
    return NULL;
}

/* Sends the message back by copy, then ends the isolate with a rebuilt
 * copy, which moves. */
static void echo_message(rt_receive_port *port, rt_value *msg, void *ctx)
{
    (void)port;
    rt_send_port *reply = ctx;
    rt_value *again = rebuild(msg);
    FZ_CHECK(again != NULL, "rebuild");
    int rc = rt_port_send(reply, msg);
    FZ_CHECK(rc == RT_OK, "echoing a received message: %s", rt_strerror(rc));
    rt_value_free(msg);
    rt_isolate_exit(reply, again);
}

static void echo_drop_reply(void *ctx)
{
    rt_send_port_release(ctx);
}

static void echo_entry(rt_value *msg)
{
    rt_send_port *reply = rt_send_port_dup(rt_value_as_send_port(msg));
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), echo_message, reply, echo_drop_reply);
}

/* ---- The main isolate ---- */

typedef struct round_trip {
    const rt_value *want;
    int arrived;
    rt_timer *guard;
} round_trip;

static void on_back(rt_receive_port *port, rt_value *msg, void *ctx)
{
    round_trip *rt = ctx;
    check_equal(rt->want, msg, rt->arrived ? "moved back by rt_isolate_exit" : "copied back");
    rt_value_free(msg);
    if (++rt->arrived < 2) return;
    rt_timer_cancel(rt->guard);
    rt_receive_port_close(port);
}

static void stuck(rt_timer *t, void *ctx)
{
    (void)t;
    FZ_CHECK(false, "the round trip did not finish in 20 s (%d of 2 messages back)",
             ((round_trip *)ctx)->arrived);
}

/* Sends msg (or, if it must be refused, null) to an echo isolate and checks
 * both ways back. */
static void send_and_back(rt_receive_port *back, rt_value *msg, const rt_value *copy, facts f)
{
    rt_value *null = rt_value_null();
    round_trip trip = {copy ? copy : null, 0, NULL};
    rt_receive_port_listen(back, on_back, &trip, NULL);
    rt_value *hello = rt_value_send_port(rt_receive_port_send_port(back));
    rt_isolate *echo = NULL;
    int rc = rt_isolate_spawn(echo_entry, hello, NULL, &echo);
    FZ_CHECK(rc == RT_OK, "rt_isolate_spawn: %s", rt_strerror(rc));
    rt_value_free(hello);

    rc = rt_isolate_send(echo, msg);
    int want = f.bad_utf8 ? RT_EILSEQ : RT_OK;
    FZ_CHECK(rc == want, "rt_isolate_send: got %d (%s), want %d", rc, rt_strerror(rc), want);
    check_buffers(msg, rc == RT_OK); /* all or nothing */
    if (rc != RT_OK) FZ_CHECK(rt_isolate_send(echo, null) == RT_OK, "sending null");

    FZ_CHECK(rt_timer_start(&trip.guard, RT_SEC(20), 0, stuck, &trip, NULL) == RT_OK, "timer");
    rt_run(RT_RUN_DEFAULT);
    FZ_CHECK(trip.arrived == 2, "rt_run returned with %d of 2 messages back", trip.arrived);
    rt_timer_free(trip.guard);
    rt_isolate_release(echo);
    rt_value_free(null);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FZ_CHECK(rt_main_enter(NULL) == RT_OK, "rt_main_enter");
    rt_receive_port *back = rt_receive_port_open(NULL, NULL, NULL);
    FZ_CHECK(back != NULL, "rt_receive_port_open");
    builder *b = calloc(1, sizeof *b);
    FZ_CHECK(b != NULL, "calloc");
    b->in = (fz_reader){data, size};
    b->port = rt_receive_port_send_port(back);

    facts f;
    rt_value *msg = build(b, &f);
    int err = 1;
    rt_value *copy = rt_value_copy(msg, &err);
    FZ_CHECK(err == (f.bad_utf8 ? RT_EILSEQ : RT_OK), "rt_value_copy: got %d (%s)", err,
             rt_strerror(err));
    if (copy) check_equal(msg, copy, "copied by rt_value_copy");
    FZ_CHECK(rt_value_equal(msg, msg), "a value is not equal to itself");

    send_and_back(back, msg, copy, f);

    rt_value_free(copy);
    rt_value_free(msg);
    free(b);
    rt_main_leave();
    return 0;
}
