/* fuzz_text.c: text layout (measure, wrap, ellipsis) and the text field's
 * input with arbitrary bytes, in a headless tree: without a canvas (the
 * deterministic estimate) or on an offscreen one (SDL_ttf, which also
 * paints). Invalid UTF-8 must be refused and change nothing; what is taken
 * must be exactly what the field's rules say.
 *
 * Input: a flags byte (0x01: with a canvas, 0x02: a text field), then
 *  text:  style (0x01 wrap, 0x02 ellipsis, 0x0c align, 0x10 bold), max_lines
 *         (signed byte), width / 2, size, then the text (cut at a NUL);
 *  field: max_bytes (0: the default), then ops, one byte each, op in the low
 *         3 bits: 0 type (len byte, bytes), 1 key (byte: key % 15, mods),
 *         2 focus, 3 clipboard (len byte, bytes) + paste, 4 set_text (len
 *         byte, bytes), 5 pointer (kind byte, x byte), 6 frame, 7 type one
 *         byte (the op's high bits).
 * One main isolate (and one canvas) serves the whole run: opening fonts for
 * every input would make the fuzzer a font loader.
 */
#include "fuzz_common.h"
#include <islet/rt.h>
#include <islet/ui_text_field.h>
#include <islet/ui_widgets.h>

#include <math.h>

static ui_canvas *canvas;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FZ_CHECK(rt_main_enter(NULL) == RT_OK, "rt_main_enter");
    canvas = ui_canvas_new_offscreen(640, 200, 1.0f);
    FZ_CHECK(canvas != NULL, "ui_canvas_new_offscreen: %s", SDL_GetError());
    return 0;
}

typedef struct find {
    const ui_widget_class *cls;
    ui_element *found;
} find;

static void visit(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    find *f = ctx;
    if (!f->found && ui_element_class(e) == f->cls) f->found = e;
}

static ui_element *find_class(ui_tree *t, const ui_widget_class *cls)
{
    find f = {cls, NULL};
    ui_tree_visit(t, visit, &f);
    FZ_CHECK(f.found != NULL, "no %s in the tree", cls->name);
    return f.found;
}

/* ---- Text layout ---- */

typedef struct text_case {
    ui_text_props p;
    float width;
} text_case;

static ui_widget *text_root(ui_build *b, void *ctx)
{
    text_case *c = ctx;
    return ui_align(b, 0, 0, ui_text_ex(b, UI_NO_KEY, &c->p));
}

static float width_of(ui_element *e, const text_case *c, const char *s, size_t n)
{
    float w = -1, h = -1;
    ui_measure_text(e, s, n, c->p.size, c->p.bold, &w, &h);
    FZ_CHECK(isfinite(w) && w >= 0 && isfinite(h) && h >= 0, "measured %g x %g", w, h);
    return w;
}

static const char ellipsis[] = "\xe2\x80\xa6";

/* One line cut with "…": a prefix of the text, on a code point boundary,
 * as wide as allowed (or the ellipsis alone). */
static void check_ellipsis(ui_element *e, const text_case *c, const char *line, size_t n)
{
    const char *t = c->p.text;
    size_t len = strlen(t);
    bool whole = n == len && memcmp(line, t, n) == 0;
    if (whole && width_of(e, c, t, len) <= c->width) return;
    /* A text that is itself "…" (or ends with it) can be the ellipsis alone. */
    FZ_CHECK(!whole || (n >= 3 && memcmp(line + n - 3, ellipsis, 3) == 0),
             "the whole text shown but too wide");
    FZ_CHECK(n >= 3 && memcmp(line + n - 3, ellipsis, 3) == 0, "a cut line without the ellipsis");
    size_t keep = n - 3;
    FZ_CHECK(keep < len && memcmp(line, t, keep) == 0, "the cut line is not a prefix");
    FZ_CHECK(!fz_utf8_valid((const uint8_t *)t, len) || fz_utf8_boundary(t, len, keep),
             "cut inside a UTF-8 sequence at %zu", keep);
    FZ_CHECK(keep == 0 || width_of(e, c, line, n) <= c->width, "an ellipsized line is too wide");
}

/* Wrapped lines: pieces of the text in order, each as wide as allowed
 * unless it is a single word. */
static void check_wrapped(ui_element *e, const text_case *c, const char *line, size_t n,
                          size_t *from)
{
    const char *t = c->p.text;
    size_t len = strlen(t);
    const char *at = n ? memmem(t + *from, len - *from, line, n) : t + *from;
    FZ_CHECK(at != NULL, "a wrapped line is not in the text after the previous one");
    *from = (size_t)(at - t) + n;
    bool valid = fz_utf8_valid((const uint8_t *)t, len); /* else there are no sequences to keep */
    FZ_CHECK(!valid ||
                 (fz_utf8_boundary(t, len, (size_t)(at - t)) && fz_utf8_boundary(t, len, *from)),
             "a wrapped line cuts a UTF-8 sequence");
    FZ_CHECK(!memchr(line, ' ', n) || width_of(e, c, line, n) <= c->width,
             "a wrapped line of several words is too wide");
}

static void check_lines(ui_element *e, const text_case *c)
{
    int lines = ui_text_lines(e);
    FZ_CHECK(lines >= 0 && lines <= 16, "%d lines", lines);
    if (c->p.wrap && !c->p.ellipsis && c->p.max_lines > 0)
        FZ_CHECK(lines <= c->p.max_lines, "%d lines, max_lines %d", lines, c->p.max_lines);
    bool valid = fz_utf8_valid((const uint8_t *)c->p.text, strlen(c->p.text));
    size_t from = 0;
    for (int i = 0; i < lines; i++) {
        size_t n;
        const char *line = ui_text_line(e, i, &n);
        if (valid) FZ_CHECK(fz_utf8_valid((const uint8_t *)line, n), "line %d is not UTF-8", i);
        if (c->p.ellipsis)
            check_ellipsis(e, c, line, n);
        else if (c->p.wrap)
            check_wrapped(e, c, line, n, &from);
    }
}

static void fuzz_text_layout(fz_reader *in, bool with_canvas)
{
    uint8_t style = fz_u8(in);
    text_case c = {.p = {.wrap = style & 1,
                         .ellipsis = style & 2,
                         .align = (style >> 2) & 3,
                         .bold = style & 0x10,
                         .color = {20, 20, 30, 255},
                         .max_lines = (int8_t)fz_u8(in)}};
    c.width = (float)fz_u8(in) * 2;
    c.p.size = (float)(fz_u8(in) % 64);
    char *text = malloc(in->left + 1);
    FZ_CHECK(text != NULL, "malloc");
    memcpy(text, in->p, in->left);
    text[in->left] = 0;
    c.p.text = text;

    ui_tree *t = ui_tree_new(c.width, 200, with_canvas ? canvas : NULL);
    FZ_CHECK(t != NULL, "ui_tree_new");
    ui_tree_set_root(t, text_root, &c);
    ui_tree_frame(t);
    ui_element *e = find_class(t, &ui_text_class);
    check_lines(e, &c);
    width_of(e, &c, (const char *)in->p, in->left); /* raw bytes, NULs and all */
    ui_tree_free(t);
    free(text);
}

/* ---- The text field ---- */

typedef struct field_case {
    size_t max_bytes;
    int rejected, rejected_code, changes;
    char *text; /* the model: what the field must hold */
    size_t len, cursor, anchor;
} field_case;

static void on_changed(void *ctx, const char *text, size_t len)
{
    (void)text;
    (void)len;
    ((field_case *)ctx)->changes++;
}

static void on_rejected(void *ctx, int code)
{
    field_case *c = ctx;
    c->rejected++;
    c->rejected_code = code;
}

static ui_widget *field_root(ui_build *b, void *ctx)
{
    field_case *c = ctx;
    ui_text_field_props p = {.hint = "hint",
                             .max_bytes = c->max_bytes,
                             .on_changed = on_changed,
                             .on_rejected = on_rejected,
                             .ctx = c};
    return ui_text_field(b, ui_key_str("field"), &p);
}

/* Reads the field's state into the model and checks what always holds. */
static void sync(field_case *c, ui_element *f)
{
    size_t len;
    const char *s = ui_text_field_text(f, &len);
    size_t max = c->max_bytes ? c->max_bytes : UI_TEXT_FIELD_MAX;
    FZ_CHECK(len <= max, "%zu bytes in a field of %zu", len, max);
    FZ_CHECK(fz_utf8_valid((const uint8_t *)s, len), "the field holds invalid UTF-8");
    FZ_CHECK(strlen(s) == len && !memchr(s, '\r', len) && !memchr(s, '\n', len),
             "the field holds NUL, CR or LF");
    ui_text_field_selection(f, &c->cursor, &c->anchor);
    FZ_CHECK(c->cursor <= len && c->anchor <= len, "cursor %zu, anchor %zu past %zu", c->cursor,
             c->anchor, len);
    FZ_CHECK(fz_utf8_boundary(s, len, c->cursor) && fz_utf8_boundary(s, len, c->anchor),
             "the cursor or anchor is inside a UTF-8 sequence");
    char *copy = realloc(c->text, len + 1);
    FZ_CHECK(copy != NULL, "realloc");
    memcpy(copy, s, len + 1);
    c->text = copy;
    c->len = len;
}

/* The field's rule for an insertion replacing [lo, hi): all or nothing;
 * CR and LF dropped, other control characters as spaces. */
static void expect_replace(field_case *c, ui_element *f, int rc, int rejected, size_t lo, size_t hi,
                           const uint8_t *s, size_t n)
{
    size_t max = c->max_bytes ? c->max_bytes : UI_TEXT_FIELD_MAX;
    char *want = malloc(c->len + n + 1);
    FZ_CHECK(want != NULL, "malloc");
    size_t k = 0;
    memcpy(want, c->text, lo);
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n')
            want[lo + k++] = s[i] < 0x20 || s[i] == 0x7f ? ' ' : (char)s[i];
    memcpy(want + lo + k, c->text + hi, c->len - hi + 1);
    size_t want_len = c->len - (hi - lo) + k;
    int want_rc = !fz_utf8_valid(s, n) ? RT_EILSEQ : want_len > max ? RT_E2BIG : RT_OK;
    FZ_CHECK(rc == want_rc, "an insertion of %zu bytes: got %d (%s), want %d", n, rc,
             rt_strerror(rc), want_rc);
    if (rc != RT_OK) { /* refused: nothing changed, and on_rejected heard why */
        memcpy(want, c->text, c->len + 1);
        want_len = c->len;
        lo = c->cursor, k = 0, hi = c->anchor;
        FZ_CHECK(c->rejected == rejected + 1 && c->rejected_code == rc, "on_rejected not told");
    }
    size_t len;
    const char *got = ui_text_field_text(f, &len);
    FZ_CHECK(len == want_len && memcmp(got, want, len) == 0, "the field holds the wrong text");
    size_t cur, anc;
    ui_text_field_selection(f, &cur, &anc);
    if (rc == RT_OK)
        FZ_CHECK(cur == lo + k && anc == cur, "the cursor is not after the insertion");
    else
        FZ_CHECK(cur == lo && anc == hi, "a refused insertion moved the cursor");
    free(want);
}

static void type(field_case *c, ui_tree *t, ui_element *f, const uint8_t *s, size_t n)
{
    bool focused = ui_tree_get_focus(t) == f;
    size_t lo = c->cursor < c->anchor ? c->cursor : c->anchor;
    size_t hi = c->cursor < c->anchor ? c->anchor : c->cursor;
    int before = c->rejected;
    int rc = ui_tree_text_input(t, (const char *)s, n);
    if (!focused) {
        FZ_CHECK(rc == RT_ESTATE && c->rejected == before, "text went to an unfocused field");
        return;
    }
    expect_replace(c, f, rc, before, lo, hi, s, n);
}

static void paste(field_case *c, ui_tree *t, ui_element *f, fz_reader *in)
{
    size_t n;
    const uint8_t *s = fz_bytes(in, fz_u8(in), &n);
    ui_tree_clipboard_set(t, (const char *)s, n);
    char *clip = ui_tree_clipboard_get(t);
    bool focused = ui_tree_get_focus(t) == f;
    size_t lo = c->cursor < c->anchor ? c->cursor : c->anchor;
    size_t hi = c->cursor < c->anchor ? c->anchor : c->cursor;
    int rejected = c->rejected;
    ui_tree_key(t, UI_KEY_PASTE, UI_MOD_CTRL);
    if (focused && clip) { /* paste inserts the clipboard up to its first NUL */
        int rc = c->rejected > rejected ? c->rejected_code : RT_OK;
        expect_replace(c, f, rc, rejected, lo, hi, (const uint8_t *)clip, strlen(clip));
    }
    rt_free(clip);
}

static void set_text(field_case *c, ui_element *f, fz_reader *in)
{
    size_t n;
    const uint8_t *s = fz_bytes(in, fz_u8(in), &n);
    int before = c->rejected;
    int rc = ui_text_field_set_text(f, (const char *)s, n);
    expect_replace(c, f, rc, before, 0, c->len, s, n);
}

static void field_op(field_case *c, ui_tree *t, ui_element *f, fz_reader *in)
{
    uint8_t code = fz_u8(in), arg;
    size_t n;
    const uint8_t *s;
    switch (code & 7) {
    case 0:
        s = fz_bytes(in, fz_u8(in), &n);
        type(c, t, f, s, n);
        break;
    case 1:
        arg = fz_u8(in);
        ui_tree_key(t, arg % 15, (arg >> 4) & 7);
        break;
    case 2:
        ui_tree_set_focus(t, f);
        break;
    case 3:
        paste(c, t, f, in);
        break;
    case 4:
        set_text(c, f, in);
        break;
    case 5:
        arg = fz_u8(in);
        ui_tree_pointer(t, arg & 3, (float)fz_u8(in) * 1.5f, 20);
        break;
    case 6:
        ui_tree_frame(t);
        break;
    default: {
        uint8_t one = code >> 3; /* 0..31: control characters and a few letters */
        type(c, t, f, &one, 1);
        break;
    }
    }
    sync(c, f);
}

static void fuzz_field(fz_reader *in, bool with_canvas)
{
    field_case c = {.max_bytes = fz_u8(in)};
    ui_tree *t = ui_tree_new(320, 60, with_canvas ? canvas : NULL);
    FZ_CHECK(t != NULL, "ui_tree_new");
    ui_tree_set_root(t, field_root, &c);
    ui_tree_frame(t);
    ui_element *f = find_class(t, &ui_text_field_class);
    ui_tree_set_focus(t, f);
    sync(&c, f);
    while (fz_more(in))
        field_op(&c, t, f, in);
    ui_tree_frame(t);
    ui_tree_free(t);
    free(c.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader in = {data, size};
    uint8_t flags = fz_u8(&in);
    if (flags & 2)
        fuzz_field(&in, flags & 1);
    else
        fuzz_text_layout(&in, flags & 1);
    return 0;
}
