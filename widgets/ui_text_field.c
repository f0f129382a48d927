/* ui_text_field.c: a single-line text input: a UTF-8 buffer, a cursor and a
 * selection anchor (byte offsets on code point boundaries), and a horizontal
 * scroll that keeps the cursor in view. */
#include <islet/ui_text_field.h>
#include <islet/ui_devtools.h>
#include "ui_tree_private.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD_X 10.0f
#define PAD_Y 8.0f

typedef struct field_state {
    char *buf; /* len bytes + NUL, from rt_malloc */
    size_t len, cap;
    size_t cursor, anchor;
    float scroll; /* how far the text is scrolled left, logical pixels */
    float line_h;
    bool rejected;  /* the last insertion was refused: red border */
    uint64_t edits; /* changes to buf, for the view below */
    /* What paint needs, measured once per change of text, cursor, selection
     * or layout rather than every frame (other widgets animating repaint
     * the whole screen). */
    struct field_view {
        bool valid;
        uint64_t edits;
        size_t cursor, anchor;
        float inner;
        float cursor_x, sel_a, sel_b; /* in text coordinates */
        size_t from, to;              /* the visible bytes */
        float from_x;
    } view;
    int clicks; /* presses in a row at one place: 2 selects a word, 3 all */
    int64_t last_press;
    float press_x, press_y;
    ui_element *self;
} field_state;

static const ui_text_field_props *props_of(ui_element *e)
{
    return ui_props(e);
}

static field_state *state_of(ui_element *e, const char *func)
{
    ui__check_live(e, func);
    UI_CHECK_AT(func, ui_element_class(e) == &ui_text_field_class, "'%s' is not a TextField",
                ui_element_class(e)->name);
    return ui_state(e);
}

static float font_size(ui_element *e)
{
    float s = props_of(e)->size;
    return s > 0 ? s : 16;
}

static size_t limit(ui_element *e)
{
    size_t m = props_of(e)->max_bytes;
    return m ? m : UI_TEXT_FIELD_MAX;
}

static float measure(ui_element *e, const char *s, size_t n, float *h)
{
    float w = 0, hh = 0;
    ui_measure_text(e, s, n, font_size(e), false, &w, &hh);
    if (h) *h = hh;
    return w;
}

/* ---- Code points and words ---- */

static bool is_word(char c)
{
    unsigned char u = (unsigned char)c;
    return u >= 0x80 || (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z');
}

static size_t prev_word(const char *s, size_t i)
{
    while (i > 0 && !is_word(s[i - 1]))
        i = rt_utf8_prev(s, i);
    while (i > 0 && is_word(s[i - 1]))
        i = rt_utf8_prev(s, i);
    return i;
}

static size_t next_word(const char *s, size_t len, size_t i)
{
    while (i < len && is_word(s[i]))
        i = rt_utf8_next(s, len, i);
    while (i < len && !is_word(s[i]))
        i = rt_utf8_next(s, len, i);
    return i;
}

/* ---- Editing ---- */

static void changed(field_state *st, bool notify)
{
    st->rejected = false;
    ui_set_state(st->self, NULL, NULL);
    const ui_text_field_props *p = props_of(st->self);
    if (notify && p->on_changed) p->on_changed(p->ctx, st->buf, st->len);
}

static int refuse(field_state *st, int code)
{
    st->rejected = true;
    ui_set_state(st->self, NULL, NULL);
    const ui_text_field_props *p = props_of(st->self);
    if (p->on_rejected) p->on_rejected(p->ctx, code);
    return code;
}

static int reserve(field_state *st, size_t n)
{
    if (st->buf && n < st->cap) return RT_OK;
    size_t cap = st->cap ? st->cap : 64;
    while (cap < n + 1)
        cap *= 2;
    char *b = rt_realloc(st->buf, cap);
    if (!b) return RT_ENOMEM;
    st->buf = b;
    st->cap = cap;
    return RT_OK;
}

static size_t sel_lo(const field_state *st)
{
    return st->cursor < st->anchor ? st->cursor : st->anchor;
}

static size_t sel_hi(const field_state *st)
{
    return st->cursor < st->anchor ? st->anchor : st->cursor;
}

static bool line_break(char c)
{
    return c == '\r' || c == '\n';
}

/* Replaces bytes [from, to) with s[0..n), CR and LF dropped and other
 * control characters as spaces, and puts the cursor after it. All or
 * nothing: RT_EILSEQ or RT_E2BIG change nothing (and say so). */
static int replace(ui_element *e, size_t from, size_t to, const char *s, size_t n, bool notify)
{
    field_state *st = ui_state(e);
    if (!rt_utf8_valid(s, n)) return refuse(st, RT_EILSEQ);
    size_t k = 0; /* the bytes that stay */
    for (size_t i = 0; i < n; i++)
        k += !line_break(s[i]);
    size_t len = st->len - (to - from) + k;
    if (len > limit(e)) return refuse(st, RT_E2BIG);
    char *copy = NULL; /* s inside our own buffer would move under us */
    if (st->buf && s >= st->buf && s < st->buf + st->cap) {
        if (!(copy = rt_malloc(n ? n : 1))) return RT_ENOMEM;
        s = memcpy(copy, s, n);
    }
    if (reserve(st, len) != RT_OK) {
        rt_free(copy);
        return RT_ENOMEM;
    }
    memmove(st->buf + from + k, st->buf + to, st->len - to + 1);
    char *o = st->buf + from;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!line_break((char)c)) *o++ = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    rt_free(copy);
    st->len = len;
    st->edits++;
    st->cursor = st->anchor = from + k;
    changed(st, notify);
    return RT_OK;
}

/* Inserts text at the cursor, replacing the selection. */
static int insert(ui_element *e, const char *s, size_t n)
{
    field_state *st = ui_state(e);
    return replace(e, sel_lo(st), sel_hi(st), s, n, true);
}

static void delete_range(field_state *st, size_t from, size_t to)
{
    if (from != to) replace(st->self, from, to, "", 0, true); /* shrinks: cannot fail */
}

static void move_to(field_state *st, size_t to, bool select)
{
    st->cursor = to;
    if (!select) st->anchor = to;
    ui_set_state(st->self, NULL, NULL);
}

static bool field_key(ui_element *e, int key, unsigned mods)
{
    field_state *st = ui_state(e);
    const ui_text_field_props *p = props_of(e);
    bool shift = mods & UI_MOD_SHIFT, ctrl = mods & UI_MOD_CTRL;
    bool has_sel = st->cursor != st->anchor;
    switch (key) {
    case UI_KEY_LEFT:
        if (has_sel && !shift)
            move_to(st, sel_lo(st), false);
        else
            move_to(st, ctrl ? prev_word(st->buf, st->cursor) : rt_utf8_prev(st->buf, st->cursor),
                    shift);
        return true;
    case UI_KEY_RIGHT:
        if (has_sel && !shift)
            move_to(st, sel_hi(st), false);
        else
            move_to(st,
                    ctrl ? next_word(st->buf, st->len, st->cursor)
                         : rt_utf8_next(st->buf, st->len, st->cursor),
                    shift);
        return true;
    case UI_KEY_HOME:
        move_to(st, 0, shift);
        return true;
    case UI_KEY_END:
        move_to(st, st->len, shift);
        return true;
    case UI_KEY_BACKSPACE:
        if (has_sel)
            delete_range(st, sel_lo(st), sel_hi(st));
        else
            delete_range(st,
                         ctrl ? prev_word(st->buf, st->cursor) : rt_utf8_prev(st->buf, st->cursor),
                         st->cursor);
        return true;
    case UI_KEY_DELETE:
        if (has_sel)
            delete_range(st, sel_lo(st), sel_hi(st));
        else
            delete_range(st, st->cursor,
                         ctrl ? next_word(st->buf, st->len, st->cursor)
                              : rt_utf8_next(st->buf, st->len, st->cursor));
        return true;
    case UI_KEY_SELECT_ALL:
        st->anchor = 0;
        move_to(st, st->len, true);
        return true;
    case UI_KEY_COPY:
    case UI_KEY_CUT:
        if (has_sel) {
            ui_tree_clipboard_set(ui_element_tree(e), st->buf + sel_lo(st),
                                  sel_hi(st) - sel_lo(st));
            if (key == UI_KEY_CUT) delete_range(st, sel_lo(st), sel_hi(st));
        }
        return true;
    case UI_KEY_PASTE: {
        char *s = ui_tree_clipboard_get(ui_element_tree(e));
        if (s) insert(e, s, strlen(s));
        rt_free(s);
        return true;
    }
    case UI_KEY_ENTER:
        if (p->on_submitted) p->on_submitted(p->ctx, st->buf, st->len);
        return true;
    case UI_KEY_SPACE: /* arrives as text */
        return true;
    case UI_KEY_ESCAPE: /* ends the editing */
        ui_tree_set_focus(ui_element_tree(e), NULL);
        return true;
    default:
        return false;
    }
}

static int field_text(ui_element *e, const char *utf8, size_t len)
{
    return insert(e, utf8, len);
}

/* ---- Lifecycle, layout, paint, pointer ---- */

static void field_init(ui_element *e)
{
    field_state *st = ui_state(e);
    st->self = e;
    const char *init = props_of(e)->initial;
    size_t n = init ? strlen(init) : 0;
    UI_CHECK_AT("ui_text_field", !n || rt_utf8_valid(init, n),
                "the initial text is not valid UTF-8");
    UI_CHECK_AT("ui_text_field", n <= limit(e),
                "the initial text (%zu bytes) is longer than max_bytes (%zu)", n, limit(e));
    if ((n && !rt_utf8_valid(init, n)) || n > limit(e)) n = 0; /* unchecked builds: refused */
    if (reserve(st, n) != RT_OK) return;
    memcpy(st->buf, n ? init : "", n + 1);
    st->len = st->cursor = st->anchor = n;
}

static void field_dispose(ui_element *e)
{
    rt_free(((field_state *)ui_state(e))->buf);
}

static ui_size field_layout(ui_element *e, ui_constraints c)
{
    field_state *st = ui_state(e);
    st->view.valid = false; /* a new width, or a new font scale */
    measure(e, "Ag", 2, &st->line_h);
    float w = c.max_w < UI_INF ? c.max_w : 280;
    return ui_constrain(c, (ui_size){w, st->line_h + 2 * PAD_Y});
}

/* The last code point boundary whose prefix is at most x pixels wide
 * (prefix widths grow with the prefix: a binary search, O(log n)
 * measurements). */
static size_t boundary_at(ui_element *e, float x)
{
    field_state *st = ui_state(e);
    size_t lo = 0, hi = st->len;
    if (x <= 0) return 0;
    if (measure(e, st->buf, hi, NULL) <= x) return hi;
    while (rt_utf8_next(st->buf, st->len, lo) < hi) { /* w(lo) <= x < w(hi) */
        size_t mid = rt_utf8_floor(st->buf, st->len, lo + (hi - lo) / 2);
        if (mid <= lo) mid = rt_utf8_next(st->buf, st->len, lo);
        if (measure(e, st->buf, mid, NULL) <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The code point boundary nearest to global x. */
static size_t index_at(ui_element *e, float gx)
{
    field_state *st = ui_state(e);
    float ex, ey, w, h;
    ui_element_rect(e, &ex, &ey, &w, &h);
    float want = gx - (ex + PAD_X) + st->scroll;
    size_t a = boundary_at(e, want), b = rt_utf8_next(st->buf, st->len, a);
    if (b == a) return a;
    float wa = measure(e, st->buf, a, NULL), wb = measure(e, st->buf, b, NULL);
    return want - wa <= wb - want ? a : b;
}

/* The measurements paint needs, redone only when the text, the cursor, the
 * selection or the layout changed. Scrolls to keep the cursor in view, with
 * no empty space after the text. */
static const struct field_view *view_of(ui_element *e, float inner)
{
    field_state *st = ui_state(e);
    struct field_view *v = &st->view;
    if (v->valid && v->edits == st->edits && v->cursor == st->cursor && v->anchor == st->anchor &&
        v->inner == inner)
        return v;
    float cx = measure(e, st->buf, st->cursor, NULL);
    float tw = st->cursor == st->len ? cx : measure(e, st->buf, st->len, NULL);
    if (cx - st->scroll > inner - 2) st->scroll = cx - inner + 2;
    if (cx < st->scroll) st->scroll = cx;
    if (tw - st->scroll < inner - 2) st->scroll = fmaxf(0, tw - inner + 2);
    *v = (struct field_view){.valid = true,
                             .edits = st->edits,
                             .cursor = st->cursor,
                             .anchor = st->anchor,
                             .inner = inner,
                             .cursor_x = cx};
    if (st->cursor != st->anchor) {
        v->sel_a = measure(e, st->buf, sel_lo(st), NULL);
        v->sel_b = measure(e, st->buf, sel_hi(st), NULL);
    }
    if (st->len) {
        v->from = boundary_at(e, st->scroll);
        v->to = rt_utf8_next(st->buf, st->len, boundary_at(e, st->scroll + inner));
        v->from_x = measure(e, st->buf, v->from, NULL);
    }
    return v;
}

static void field_paint(ui_element *e, void *canvas, float x, float y)
{
    field_state *st = ui_state(e);
    const ui_text_field_props *p = props_of(e);
    ui_size sz = ui_element_size(e);
    float w = sz.w, h = sz.h;
    bool focused = ui_tree_get_focus(ui_element_tree(e)) == e;
    ui_rect r = {x, y, w, h};
    ui_canvas_fill_rounded_rect(canvas, r, 4, (ui_color){255, 255, 255, 255});
    ui_color border = st->rejected ? (ui_color){210, 40, 40, 255}
                      : focused    ? (ui_color){50, 120, 240, 255}
                                   : (ui_color){160, 165, 175, 255};
    ui_canvas_stroke_rect(canvas, r, focused || st->rejected ? 2 : 1, 4, border);

    float inner = fmaxf(w - 2 * PAD_X, 1);
    const struct field_view *v = view_of(e, inner);
    float tx = x + PAD_X - st->scroll, ty = y + (h - st->line_h) / 2;
    ui_canvas_push_clip(canvas, (ui_rect){x + PAD_X - 1, y, inner + 2, h});
    if (focused && st->cursor != st->anchor)
        ui_canvas_fill_rect(canvas, (ui_rect){tx + v->sel_a, ty, v->sel_b - v->sel_a, st->line_h},
                            (ui_color){180, 210, 255, 255});
    if (st->len) /* only what shows: one texture of a long text could pass GPU limits */
        ui_canvas_text(canvas, st->buf + v->from, v->to - v->from, font_size(e), false,
                       (ui_color){20, 20, 30, 255}, tx + v->from_x, ty);
    else if (p->hint)
        ui_canvas_text(canvas, p->hint, strlen(p->hint), font_size(e), false,
                       (ui_color){150, 150, 160, 255}, tx, ty);
    if (focused)
        ui_canvas_fill_rect(canvas, (ui_rect){roundf(tx + v->cursor_x) - 1, ty, 2, st->line_h},
                            (ui_color){20, 20, 30, 255});
    ui_canvas_pop_clip(canvas);
}

/* Selects the run of word characters (or of others) around byte i. */
static void select_word(field_state *st, size_t i)
{
    bool word = i < st->len ? is_word(st->buf[i]) : i > 0 && is_word(st->buf[i - 1]);
    size_t from = i, to = i;
    while (from > 0 && is_word(st->buf[from - 1]) == word)
        from = rt_utf8_prev(st->buf, from);
    while (to < st->len && is_word(st->buf[to]) == word)
        to = rt_utf8_next(st->buf, st->len, to);
    st->anchor = from;
    move_to(st, to, true);
}

static bool field_pointer(ui_element *e, int kind, float x, float y)
{
    field_state *st = ui_state(e);
    switch (kind) {
    case UI_POINTER_DOWN: {
        ui_tree_set_focus(ui_element_tree(e), e);
        int64_t now = rt_now();
        bool again = st->clicks > 0 && now - st->last_press <= UI_DOUBLE_PRESS_NS &&
                     fabsf(x - st->press_x) <= 4 && fabsf(y - st->press_y) <= 4;
        st->clicks = again ? st->clicks + 1 : 1;
        st->last_press = now;
        st->press_x = x;
        st->press_y = y;
        size_t i = index_at(e, x);
        if (st->clicks == 2) {
            select_word(st, i);
        } else if (st->clicks >= 3) {
            st->anchor = 0;
            move_to(st, st->len, true);
        } else {
            move_to(st, i, false);
        }
        return true;
    }
    case UI_POINTER_MOVE:
        move_to(st, index_at(e, x), true);
        return true;
    case UI_POINTER_UP:
    case UI_POINTER_CANCEL:
    case UI_POINTER_HOVER: /* hovered: a window shows the I-beam */
        return true;
    default:
        return false;
    }
}

static void field_describe(ui_element *e, ui_describer *d)
{
    ui_describe_text(d, ui_text_field_text(e, NULL));
}

const ui_widget_class ui_text_field_class = {
    .name = "TextField",
    .props_size = sizeof(ui_text_field_props),
    .state_size = sizeof(field_state),
    .init_state = field_init,
    .dispose = field_dispose,
    .layout = field_layout,
    .paint = field_paint,
    .pointer = field_pointer,
    .string_fields = {offsetof(ui_text_field_props, initial), offsetof(ui_text_field_props, hint)},
    .nstring_fields = 2,
    .key = field_key,
    .text = field_text,
    .describe = field_describe};

ui_widget *ui_text_field(ui_build *b, ui_key key, const ui_text_field_props *p)
{
    return ui_widget_new(b, &ui_text_field_class, key, p, NULL, 0);
}

/* ---- Queries ---- */

const char *ui_text_field_text(ui_element *e, size_t *len)
{
    field_state *st = state_of(e, __func__);
    if (len) *len = st->len;
    return st->buf ? st->buf : "";
}

int ui_text_field_set_text(ui_element *e, const char *utf8, size_t len)
{
    field_state *st = state_of(e, __func__);
    return replace(e, 0, st->len, utf8, len, false);
}

void ui_text_field_selection(ui_element *e, size_t *cursor, size_t *anchor)
{
    field_state *st = state_of(e, __func__);
    if (cursor) *cursor = st->cursor;
    if (anchor) *anchor = st->anchor;
}
