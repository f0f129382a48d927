/* test_value_sizes.c: every value kind, at every size from 0 to 70,000
 * bytes, crosses isolates intact: by copy (a port), by transfer (a buffer),
 * by exit (rt_isolate_exit moves the payloads) and as a compute() result.
 * The boundaries that matter inside the runtime (inline payloads, the small
 * size classes up to 512 bytes, chunk sizes, 64 KiB) all lie in the range;
 * payloads of 472-511 bytes once corrupted the heap when moved.
 *
 * Values travel in batches (a list of one value per size), so the test
 * costs what the bytes cost: about 13 s for every size in a plain build.
 * Under a sanitizer, where each byte costs several times more, it takes
 * every size up to 8,192 and around 64 KiB and 70,000, and a prime stride
 * between. */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#define MAX_BYTES 70000
#define BATCH_BYTES (1 << 20)

enum { K_STRING, K_BYTES, K_BUFFER, K_LIST, K_MAP, K_KINDS };
enum { M_COPY, M_EXIT, M_COMPUTE };

static char pattern[MAX_BYTES + 1];

static void fill_pattern(void)
{
    for (size_t i = 0; i < MAX_BYTES; i++)
        pattern[i] = (char)('a' + i % 26); /* ASCII: valid UTF-8 at every cut */
}

/* Lists and maps are sized in items: n items (8 bytes each in the list's
 * array) or n entries (32 bytes each). Every list count up to 1,100, then the
 * counts around each power of two, up to 70,000 bytes' worth (maps: every
 * count up to 300; building one is quadratic in its size). */
static size_t items_for(int kind, size_t size)
{
    (void)kind;
    return size;
}

static size_t max_size(int kind)
{
    return kind == K_LIST ? MAX_BYTES / 8 : kind == K_MAP ? MAX_BYTES / 32 : MAX_BYTES;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EVERY_SIZE 0
#else
#define EVERY_SIZE 1
#endif

static size_t next_blob_size(size_t s)
{
    if (EVERY_SIZE || s < 8192 || (s >= 65536 - 600 && s < 65536 + 600) || s >= MAX_BYTES - 600)
        return s + 1;
    size_t next = s + 61;
    if (s < 65536 - 600 && next > 65536 - 600) next = 65536 - 600;
    if (s < MAX_BYTES - 600 && next > MAX_BYTES - 600) next = MAX_BYTES - 600;
    return next;
}

static size_t next_size(int kind, size_t s)
{
    if (kind != K_LIST && kind != K_MAP) return next_blob_size(s);
    if (s < (kind == K_LIST ? 1100u : 300u)) return s + 1;
    size_t p = 1;
    while (p <= s + 2)
        p *= 2;
    size_t next = s + 1;
    if (next < p - 2) next = p - 2; /* jump to just below the next power of two */
    if (next > max_size(kind) && s < max_size(kind)) next = max_size(kind);
    return next;
}

static rt_value *make(int kind, size_t size)
{
    switch (kind) {
    case K_STRING:
        return rt_value_string_n(pattern, size);
    case K_BYTES:
        return rt_value_bytes(pattern, size);
    case K_BUFFER: {
        rt_value *b = rt_value_buffer(size);
        size_t len;
        void *d = b ? rt_value_buffer_data(b, &len) : NULL;
        if (d) memcpy(d, pattern, size);
        return b;
    }
    case K_LIST: {
        rt_value *l = rt_value_list();
        for (size_t i = 0; l && i < items_for(kind, size); i++)
            rt_list_push(l, rt_value_int((int64_t)i));
        return l;
    }
    default: {
        rt_value *m = rt_value_map();
        char key[32];
        for (size_t i = 0; m && i < items_for(kind, size); i++) {
            snprintf(key, sizeof key, "k%zu", i);
            rt_map_set(m, key, rt_value_int((int64_t)i));
        }
        return m;
    }
    }
}

/* True when v is what make(kind, size) made. */
static bool intact(const rt_value *v, int kind, size_t size)
{
    size_t len = 0;
    const void *d = NULL;
    switch (kind) {
    case K_STRING:
        d = rt_value_as_string(v, &len);
        break;
    case K_BYTES:
        d = rt_value_as_bytes(v, &len);
        break;
    case K_BUFFER:
        d = rt_value_buffer_data((rt_value *)v, &len);
        break;
    case K_LIST:
        if (rt_value_kind_of(v) != RT_LIST || rt_list_len(v) != items_for(kind, size)) return false;
        for (size_t i = 0; i < rt_list_len(v); i++)
            if (rt_value_as_int(rt_list_get(v, i)) != (int64_t)i) return false;
        return true;
    default: {
        if (rt_value_kind_of(v) != RT_MAP || rt_map_len(v) != items_for(kind, size)) return false;
        char key[32];
        for (size_t i = 0; i < rt_map_len(v); i++) { /* entries keep their order */
            snprintf(key, sizeof key, "k%zu", i);
            const rt_value *x = rt_map_value_at(v, i);
            if (strcmp(rt_map_key_at(v, i), key) || !x || rt_value_as_int(x) != (int64_t)i)
                return false;
        }
        return true;
    }
    }
    return d && len == size && memcmp(d, pattern, size) == 0 && ((const char *)d)[size] == 0;
}

/* The sizes from `from` on that make one batch: as many as fit in about a
 * megabyte; returns the first size of the next batch. */
static size_t batch_end(int kind, size_t from)
{
    size_t to = from, bytes = 0;
    while (to <= max_size(kind) &&
           (to == from || bytes + to * (kind >= K_LIST ? 32 : 1) <= BATCH_BYTES)) {
        bytes += to * (kind >= K_LIST ? 32 : 1);
        to = next_size(kind, to);
    }
    return to;
}

static rt_value *make_batch(int kind, size_t from, size_t to)
{
    rt_value *l = rt_value_list();
    for (size_t s = from; l && s < to; s = next_size(kind, s))
        if (rt_list_push(l, make(kind, s)) != RT_OK) fail_msg("out of memory building a batch");
    return l;
}

static void check_batch(const rt_value *l, int kind, size_t from, size_t to, const char *how)
{
    size_t i = 0;
    for (size_t s = from; s < to; s = next_size(kind, s), i++)
        if (i >= rt_list_len(l) || !intact(rt_list_get(l, i), kind, s))
            fail_msg("kind %d, size %zu: damaged after crossing by %s", kind, s, how);
    assert_int_equal(rt_list_len(l), i);
}

/* ---- The other side ---- */

static rt_value *request(rt_send_port *reply, int kind, size_t from, size_t to, rt_value *batch)
{
    rt_value *m = rt_value_list();
    rt_list_push(m, reply ? rt_value_send_port(reply) : rt_value_null());
    rt_list_push(m, rt_value_int(kind));
    rt_list_push(m, rt_value_int((int64_t)from));
    rt_list_push(m, rt_value_int((int64_t)to));
    rt_list_push(m, batch ? batch : rt_value_null());
    return m;
}

/* Copy: checks what arrived, sends it back (another copy; buffers move). */
static void echo_entry(rt_value *msg)
{
    int kind = (int)rt_value_as_int(rt_list_get(msg, 1));
    size_t from = (size_t)rt_value_as_int(rt_list_get(msg, 2));
    size_t to = (size_t)rt_value_as_int(rt_list_get(msg, 3));
    check_batch(rt_list_get(msg, 4), kind, from, to, "copy (there)");
    assert_int_equal(rt_port_send(rt_value_as_send_port(rt_list_get(msg, 0)), rt_list_get(msg, 4)),
                     RT_OK);
    rt_value_free(msg);
}

/* Exit: builds the batch here and ends with it, moved to the caller. */
static void exit_entry(rt_value *msg)
{
    int kind = (int)rt_value_as_int(rt_list_get(msg, 1));
    size_t from = (size_t)rt_value_as_int(rt_list_get(msg, 2));
    size_t to = (size_t)rt_value_as_int(rt_list_get(msg, 3));
    rt_send_port *reply = rt_send_port_dup(rt_value_as_send_port(rt_list_get(msg, 0)));
    rt_value_free(msg);
    rt_isolate_exit(reply, make_batch(kind, from, to));
    rt_send_port_release(reply);
}

static rt_value *compute_fn(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    int kind = (int)rt_value_as_int(rt_list_get(msg, 1));
    size_t from = (size_t)rt_value_as_int(rt_list_get(msg, 2));
    size_t to = (size_t)rt_value_as_int(rt_list_get(msg, 3));
    return make_batch(kind, from, to); /* msg is the runtime's: it frees it */
}

/* ---- The main side ---- */

static rt_value *received;

static void on_reply(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    received = v;
    rt_receive_port_close(p);
}

static rt_value *cross(int mode, int kind, size_t from, size_t to)
{
    received = NULL;
    if (mode == M_COMPUTE) {
        rt_value *m = request(NULL, kind, from, to, NULL);
        rt_future *f = rt_compute(compute_fn, m);
        rt_value_free(m);
        while (!rt_future_is_complete(f))
            rt_run(RT_RUN_ONCE);
        assert_null(rt_future_get_error(f));
        received = rt_value_copy(rt_future_get_value(f), NULL);
        rt_future_release(f);
        return received;
    }
    rt_receive_port *rp = rt_receive_port_open(on_reply, NULL, NULL);
    rt_send_port *sp = rt_receive_port_send_port(rp);
    rt_value *batch = mode == M_COPY ? make_batch(kind, from, to) : NULL;
    rt_value *m = request(sp, kind, from, to, batch);
    assert_int_equal(rt_isolate_spawn(mode == M_COPY ? echo_entry : exit_entry, m, NULL, NULL), 0);
    if (kind == K_BUFFER && mode == M_COPY) /* the buffers moved with the message */
        for (size_t i = 0; i < rt_list_len(rt_list_get(m, 4)); i++)
            assert_true(rt_value_buffer_detached(rt_list_get(rt_list_get(m, 4), i)));
    rt_value_free(m);
    while (!received)
        rt_run(RT_RUN_ONCE);
    return received;
}

static void sweep(int mode, int kind, const char *how)
{
    for (size_t from = 0; from <= max_size(kind);) {
        size_t to = batch_end(kind, from);
        rt_value *got = cross(mode, kind, from, to);
        check_batch(got, kind, from, to, how);
        rt_value_free(got);
        from = to;
    }
}

static void test_every_size_by_copy(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    for (int k = 0; k < K_KINDS; k++)
        sweep(M_COPY, k, k == K_BUFFER ? "transfer" : "copy");
    ts_main_leave();
}

static void test_every_size_by_exit(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    for (int k = 0; k < K_KINDS; k++)
        sweep(M_EXIT, k, "exit");
    ts_main_leave();
}

static void test_every_size_as_compute_result(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    for (int k = 0; k < K_KINDS; k++)
        sweep(M_COMPUTE, k, "compute result");
    ts_main_leave();
}

int main(void)
{
    fill_pattern();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_size_by_copy),
        cmocka_unit_test(test_every_size_by_exit),
        cmocka_unit_test(test_every_size_as_compute_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
