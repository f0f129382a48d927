/* rt_stream_reduce.c: the stream reductions of rt_stream_ops.h (first,
 * last, single, element_at, the wheres, fold, reduce, for_each, drain,
 * to_list, contains, every, any, is_empty, length, join). */
#include "rt_stream_ops_private.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Rendering values as Dart's toString (for join) ---- */

typedef struct strbuf {
    char *p;
    size_t len, cap;
    bool oom;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = rt_realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_puts(strbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* Dart's double.toString: the shortest digits that read back the same,
 * in decimal notation for exponents -7 < e < 21, else as 1.5e+21. */
static void dart_double(strbuf *b, double d)
{
    if (isnan(d)) return sb_puts(b, "NaN");
    if (isinf(d)) return sb_puts(b, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0) return sb_puts(b, signbit(d) ? "-0.0" : "0.0");
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d) break;
    }
    char digits[24];
    size_t nd = 0;
    const char *q = tmp;
    if (*q == '-') sb_puts(b, "-"), q++;
    for (; *q && *q != 'e'; q++)
        if (*q != '.') digits[nd++] = *q;
    digits[nd] = 0;
    int e = (int)strtol(q + 1, NULL, 10);
    char out[64];
    if (e >= 21 || e < -6) {
        snprintf(out, sizeof out, "%c%s%s%se%c%d", digits[0], nd > 1 ? "." : "", digits + 1, "",
                 e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e >= 0) {
        size_t whole = (size_t)e + 1, k = 0;
        for (size_t i = 0; i < whole; i++)
            out[k++] = (char)(i < nd ? digits[i] : '0');
        out[k++] = '.';
        if (nd > whole)
            for (size_t i = whole; i < nd; i++)
                out[k++] = digits[i];
        else
            out[k++] = '0';
        out[k] = 0;
    } else {
        snprintf(out, sizeof out, "0.%.*s%s", -e - 1, "000000", digits);
    }
    sb_puts(b, out);
}

static void render(strbuf *b, const rt_value *v)
{
    char num[32];
    size_t n;
    switch (rt_value_kind_of(v)) {
    case RT_NULL:
        return sb_puts(b, "null");
    case RT_BOOL:
        return sb_puts(b, rt_value_as_bool(v) ? "true" : "false");
    case RT_INT:
        snprintf(num, sizeof num, "%" PRId64, rt_value_as_int(v));
        return sb_puts(b, num);
    case RT_DOUBLE:
        return dart_double(b, rt_value_as_double(v));
    case RT_STRING: {
        const char *s = rt_value_as_string(v, &n);
        return sb_put(b, s, n);
    }
    case RT_BYTES: {
        const unsigned char *p = rt_value_as_bytes(v, &n);
        sb_puts(b, "[");
        for (size_t i = 0; i < n; i++) {
            snprintf(num, sizeof num, "%s%u", i ? ", " : "", p[i]);
            sb_puts(b, num);
        }
        return sb_puts(b, "]");
    }
    case RT_LIST:
        sb_puts(b, "[");
        for (size_t i = 0; i < rt_list_len(v); i++) {
            if (i) sb_puts(b, ", ");
            render(b, rt_list_get(v, i));
        }
        return sb_puts(b, "]");
    case RT_MAP:
        sb_puts(b, "{");
        for (size_t i = 0; i < rt_map_len(v); i++) {
            if (i) sb_puts(b, ", ");
            sb_puts(b, rt_map_key_at(v, i));
            sb_puts(b, ": ");
            render(b, rt_map_value_at(v, i));
        }
        return sb_puts(b, "}");
    case RT_SEND_PORT:
        return sb_puts(b, "SendPort");
    case RT_BUFFER:
        return sb_puts(b, "Instance of 'TransferableTypedData'");
    }
}

/* ---- Reductions ---- */

enum {
    R_FIRST,
    R_LAST,
    R_SINGLE,
    R_ELEMENT_AT,
    R_FIRST_WHERE,
    R_LAST_WHERE,
    R_SINGLE_WHERE,
    R_FOLD,
    R_REDUCE,
    R_FOR_EACH,
    R_DRAIN,
    R_TO_LIST,
    R_CONTAINS,
    R_EVERY,
    R_ANY,
    R_IS_EMPTY,
    R_LENGTH,
    R_JOIN
};

typedef struct reducer {
    int kind;
    rt_completer *done;
    rt_value *acc; /* the element found, the accumulator, the list, drain's value */
    rt_value *needle;
    bool found;
    int64_t index, count;
    void *fn, *or_else;
    void *ctx;
    /* The outcome to give once the cancel future has completed. */
    rt_value *answer;
    int fail_code;
    const char *fail_msg;
    strbuf text;
    char *sep;
} reducer;

static void r_free(reducer *r)
{
    rt_value_free(r->acc);
    rt_value_free(r->needle);
    rt_value_free(r->answer);
    rt_completer_release(r->done);
    rt_free(r->text.p);
    rt_free(r->sep);
    rt_free(r);
}

static void r_complete(reducer *r, rt_value *v)
{
    rt_completer_complete(r->done, v);
    r_free(r);
}

static void r_fail(reducer *r, int code, const char *msg)
{
    rt_completer_fail(r->done, code, OPS_DOMAIN, "%s", msg);
    r_free(r);
}

static void r_settle(reducer *r)
{
    if (r->fail_msg) return r_fail(r, r->fail_code, r->fail_msg);
    rt_value *v = r->answer;
    r->answer = NULL;
    r_complete(r, v);
}

static void r_after_cancel(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    r_settle(ctx);
}

static void r_after_cancel_dropped(void *ctx)
{
    r_settle(ctx);
}

/* Dart's _cancelAndValue / _cancelAndError: the outcome waits for the
 * cancel future, unless that is complete already. */
static void r_cancel_then(reducer *r, rt_subscription *sub)
{
    rt_future *f = rt_subscription_cancel(sub);
    if (!f || (rt_future_is_complete(f) && !rt_future_is_error(f))) {
        rt_future_release(f);
        return r_settle(r);
    }
    rt_future_release(
        rt_future_then_ctx(f, r_after_cancel, r_after_cancel, r, r_after_cancel_dropped));
}

static void r_cancel_value(reducer *r, rt_subscription *sub, rt_value *v)
{
    r->answer = v;
    r_cancel_then(r, sub);
}

static void r_cancel_error(reducer *r, rt_subscription *sub, int code, const char *msg)
{
    r->fail_code = code;
    r->fail_msg = msg;
    r_cancel_then(r, sub);
}

static void r_keep(reducer *r, const rt_value *v)
{
    rt_value_free(r->acc);
    r->acc = rt_value_copy(v, NULL);
    r->found = true;
}

static bool r_test(reducer *r, const rt_value *v)
{
    return ((rt_where_fn)r->fn)(v, r->ctx);
}

static void r_fold(reducer *r, const rt_value *v)
{
    if (r->kind == R_REDUCE && !r->found) return r_keep(r, v);
    rt_value *next = ((rt_fold_fn)r->fn)(r->acc, v, r->ctx);
    rt_value_free(r->acc);
    r->acc = next ? next : rt_value_null();
    r->found = true;
}

static void r_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    reducer *r = ctx;
    switch (r->kind) {
    case R_FIRST_WHERE:
        if (!r_test(r, v)) return;
        __attribute__((fallthrough));
    case R_FIRST:
        return r_cancel_value(r, sub, rt_value_copy(v, NULL));
    case R_LAST_WHERE:
        if (!r_test(r, v)) return;
        __attribute__((fallthrough));
    case R_LAST:
        return r_keep(r, v);
    case R_SINGLE_WHERE:
        if (!r_test(r, v)) return;
        __attribute__((fallthrough));
    case R_SINGLE:
        if (r->found) return r_cancel_error(r, sub, RT_ESTATE, "Too many elements");
        return r_keep(r, v);
    case R_ELEMENT_AT:
        if (r->count++ == r->index) r_cancel_value(r, sub, rt_value_copy(v, NULL));
        return;
    case R_FOLD:
    case R_REDUCE:
        return r_fold(r, v);
    case R_FOR_EACH:
        return ((rt_each_fn)r->fn)(v, r->ctx);
    case R_TO_LIST: {
        rt_value *item = rt_value_copy(v, NULL);
        if (!item || rt_list_push(r->acc, item) != RT_OK) {
            rt_value_free(item);
            r_cancel_error(r, sub, RT_ENOMEM, "to_list: out of memory");
        }
        return;
    }
    case R_CONTAINS:
        if (rt_value_equal(r->needle, v)) r_cancel_value(r, sub, rt_value_bool(true));
        return;
    case R_EVERY:
        if (!r_test(r, v)) r_cancel_value(r, sub, rt_value_bool(false));
        return;
    case R_ANY:
        if (r_test(r, v)) r_cancel_value(r, sub, rt_value_bool(true));
        return;
    case R_IS_EMPTY:
        return r_cancel_value(r, sub, rt_value_bool(false));
    case R_JOIN:
        if (r->count++ && r->sep) sb_puts(&r->text, r->sep);
        render(&r->text, v);
        return;
    default: /* R_DRAIN, R_LENGTH */
        r->count++;
        return;
    }
}

static void r_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub; /* cancel_on_error: already cancelled */
    reducer *r = ctx;
    rt_completer_fail_with(r->done, e);
    r_free(r);
}

static void r_done_element(reducer *r)
{
    if (r->found) {
        rt_value *v = r->acc;
        r->acc = NULL;
        return r_complete(r, v);
    }
    if (r->or_else) return r_complete(r, ((rt_or_else_fn)r->or_else)(r->ctx));
    r_fail(r, RT_ESTATE, "No element");
}

static void r_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    reducer *r = ctx;
    rt_value *v = NULL;
    switch (r->kind) {
    case R_FIRST:
    case R_LAST:
    case R_SINGLE:
    case R_FIRST_WHERE:
    case R_LAST_WHERE:
    case R_SINGLE_WHERE:
    case R_REDUCE:
        return r_done_element(r);
    case R_ELEMENT_AT:
        rt_completer_fail(r->done, RT_EINVAL, OPS_DOMAIN,
                          "RangeError (index): Index out of range: index should be less than "
                          "%" PRId64 ": %" PRId64,
                          r->count, r->index);
        return r_free(r);
    case R_FOLD:
    case R_DRAIN:
    case R_TO_LIST:
        v = r->acc;
        r->acc = NULL;
        break;
    case R_CONTAINS:
    case R_ANY:
        v = rt_value_bool(false);
        break;
    case R_EVERY:
    case R_IS_EMPTY:
        v = rt_value_bool(true);
        break;
    case R_LENGTH:
        v = rt_value_int(r->count);
        break;
    case R_JOIN:
        if (r->text.oom) return r_fail(r, RT_ENOMEM, "join: out of memory");
        v = rt_value_string(r->text.p ? r->text.p : "");
        break;
    default: /* R_FOR_EACH */
        break;
    }
    r_complete(r, v);
}

static reducer *r_new(int kind)
{
    reducer *r = rt_calloc(1, sizeof *r);
    if (r) r->kind = kind;
    return r;
}

/* Listens to s (consumed) for r (taken); NULL only out of memory. */
static rt_future *r_start(rt_stream *s, reducer *r)
{
    if (!s || !r || !(r->done = rt_completer_new(true))) {
        if (r) r_free(r);
        rt_stream_release(s);
        return NULL;
    }
    rt_future *f = rt_completer_future(r->done);
    if (!f) {
        r_free(r);
        rt_stream_release(s);
        return NULL;
    }
    rt_stream_handlers h = {r_data, r_error, r_done, r, true};
    rt_subscription *sub = rt_stream_listen(s, &h);
    rt_stream_release(s);
    if (!sub) r_fail(r, RT_ENOMEM, "listen: out of memory");
    return f;
}

static rt_future *r_simple(rt_stream *s, int kind)
{
    return s ? r_start(s, r_new(kind)) : NULL;
}

static rt_future *r_with(rt_stream *s, int kind, void *fn, void *or_else, void *ctx)
{
    if (!s) return NULL;
    reducer *r = r_new(kind);
    if (r) r->fn = fn, r->or_else = or_else, r->ctx = ctx;
    return r_start(s, r);
}

rt_future *rt_stream_first(rt_stream *s)
{
    return r_simple(s, R_FIRST);
}

rt_future *rt_stream_last(rt_stream *s)
{
    return r_simple(s, R_LAST);
}

rt_future *rt_stream_single(rt_stream *s)
{
    return r_simple(s, R_SINGLE);
}

rt_future *rt_stream_element_at(rt_stream *s, int64_t index)
{
    if (!s) return NULL;
    if (index < 0) {
        rt_stream_release(s);
        return rt_future_error(RT_EINVAL, OPS_DOMAIN,
                               "RangeError (index): Invalid value: Not in inclusive range 0..: "
                               "%" PRId64,
                               index);
    }
    reducer *r = r_new(R_ELEMENT_AT);
    if (r) r->index = index;
    return r_start(s, r);
}

rt_future *rt_stream_first_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else, void *ctx)
{
    return r_with(s, R_FIRST_WHERE, (void *)test, (void *)or_else, ctx);
}

rt_future *rt_stream_last_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else, void *ctx)
{
    return r_with(s, R_LAST_WHERE, (void *)test, (void *)or_else, ctx);
}

rt_future *rt_stream_single_where(rt_stream *s, rt_where_fn test, rt_or_else_fn or_else, void *ctx)
{
    return r_with(s, R_SINGLE_WHERE, (void *)test, (void *)or_else, ctx);
}

rt_future *rt_stream_fold(rt_stream *s, rt_value *initial, rt_fold_fn fn, void *ctx)
{
    if (!s) {
        rt_value_free(initial);
        return NULL;
    }
    reducer *r = r_new(R_FOLD);
    if (r) {
        r->fn = (void *)fn;
        r->ctx = ctx;
        r->acc = initial ? initial : rt_value_null();
    } else {
        rt_value_free(initial);
    }
    return r_start(s, r);
}

rt_future *rt_stream_reduce(rt_stream *s, rt_fold_fn fn, void *ctx)
{
    return r_with(s, R_REDUCE, (void *)fn, NULL, ctx);
}

rt_future *rt_stream_for_each(rt_stream *s, rt_each_fn fn, void *ctx)
{
    return r_with(s, R_FOR_EACH, (void *)fn, NULL, ctx);
}

rt_future *rt_stream_drain(rt_stream *s, rt_value *value)
{
    reducer *r = s ? r_new(R_DRAIN) : NULL;
    if (r)
        r->acc = value;
    else
        rt_value_free(value);
    return s ? r_start(s, r) : NULL;
}

rt_future *rt_stream_to_list(rt_stream *s)
{
    reducer *r = s ? r_new(R_TO_LIST) : NULL;
    if (r && !(r->acc = rt_value_list())) {
        r_free(r);
        r = NULL;
    }
    return s ? r_start(s, r) : NULL;
}

rt_future *rt_stream_contains(rt_stream *s, const rt_value *needle)
{
    reducer *r = s ? r_new(R_CONTAINS) : NULL;
    if (r && !(r->needle = needle ? rt_value_copy(needle, NULL) : rt_value_null())) {
        r_free(r);
        r = NULL;
    }
    return s ? r_start(s, r) : NULL;
}

rt_future *rt_stream_every(rt_stream *s, rt_where_fn test, void *ctx)
{
    return r_with(s, R_EVERY, (void *)test, NULL, ctx);
}

rt_future *rt_stream_any(rt_stream *s, rt_where_fn test, void *ctx)
{
    return r_with(s, R_ANY, (void *)test, NULL, ctx);
}

rt_future *rt_stream_is_empty(rt_stream *s)
{
    return r_simple(s, R_IS_EMPTY);
}

rt_future *rt_stream_length(rt_stream *s)
{
    return r_simple(s, R_LENGTH);
}

rt_future *rt_stream_join(rt_stream *s, const char *separator)
{
    reducer *r = s ? r_new(R_JOIN) : NULL;
    if (r && separator && *separator) {
        size_t n = strlen(separator) + 1;
        if ((r->sep = rt_malloc(n)))
            memcpy(r->sep, separator, n);
        else
            r_free(r), r = NULL;
    }
    return s ? r_start(s, r) : NULL;
}
