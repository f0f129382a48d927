/* ui_widgets.c: text, boxes, center, buttons, theme, image (rows and
 * columns are in ui_flex.c, stacks in ui_stack.c, the gesture detector in
 * ui_gesture_detector.c, the list in ui_list.c). */
#include "ui_widgets_private.h"
#include <islet/ui_devtools.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

ui_widget *ui__one(ui_build *b, const ui_widget_class *c, ui_key k, const void *p, ui_widget *child)
{
    return ui_widget_new(b, c, k, p, child ? &child : NULL, child ? 1 : 0);
}

ui_size ui__layout_only_child(ui_element *e, ui_constraints c)
{
    ui_element *k = ui_element_child(e, 0);
    if (!k) return ui_constrain(c, (ui_size){0, 0});
    ui_size s = ui_layout_child(k, c);
    ui_position_child(k, 0, 0);
    return s;
}

ui_widget *ui_keyed(ui_widget *w, ui_key key)
{
    if (w) w->key = key;
    return w;
}

/* ---- Text: one line, wrapped lines, or one line with an ellipsis ---- */

#define TEXT_LINES 16

typedef struct text_state {
    size_t start[TEXT_LINES], len[TEXT_LINES]; /* lines, as spans of the text */
    float line_w[TEXT_LINES];
    int nlines;
    float line_h;
    char *cut; /* the ellipsized line, owned */
} text_state;

void ui_measure_text(ui_element *e, const char *s, size_t n, float size, bool bold, float *w,
                     float *h)
{
    void *canvas = ui_tree_canvas(ui_element_tree(e));
    if (canvas) {
        ui_text_measure(canvas, s, n, size, bold, w, h);
    } else { /* no canvas: a deterministic estimate */
        *w = 0.6f * size * (float)n;
        *h = 1.2f * size;
    }
}

static void measure_span(ui_element *e, const char *s, size_t n, float *w, float *h)
{
    const ui_text_props *p = ui_props(e);
    ui_measure_text(e, s, n, p->size, p->bold, w, h);
}

static void add_line(text_state *st, size_t start, size_t len, float w)
{
    if (st->nlines == TEXT_LINES) return;
    st->start[st->nlines] = start;
    st->len[st->nlines] = len;
    st->line_w[st->nlines++] = w;
}

/* Greedy word wrap: as many words per line as fit in max_w. */
static void wrap_lines(ui_element *e, text_state *st, const char *t, float max_w, int max_lines)
{
    size_t n = strlen(t), start = 0;
    while (start < n && st->nlines < (max_lines ? max_lines : TEXT_LINES)) {
        size_t end = start, fit = start;
        float fit_w = 0, w, h;
        bool have_fit = false; /* a break found: even before a leading space */
        while (end <= n) {
            size_t next = end;
            while (next < n && t[next] != ' ')
                next++;
            measure_span(e, t + start, next - start, &w, &h);
            if (w > max_w && have_fit) break;
            have_fit = true;
            fit = next;
            fit_w = w;
            if (next >= n || w > max_w) break;
            end = next + 1;
        }
        add_line(st, start, fit - start, fit_w);
        start = fit;
        while (start < n && t[start] == ' ')
            start++;
    }
}

/* One line cut to max_w with a trailing ellipsis. */
static void ellipsize(ui_element *e, text_state *st, const char *t, float max_w)
{
    size_t n = strlen(t);
    float w, h;
    measure_span(e, t, n, &w, &h);
    if (w <= max_w) {
        add_line(st, 0, n, w);
        return;
    }
    char *buf = rt_malloc(n + 4);
    if (!buf) return;
    size_t keep = n;
    do {
        keep = rt_utf8_prev(t, keep);
        memcpy(buf, t, keep);
        memcpy(buf + keep, "\xe2\x80\xa6", 4); /* "…" */
        measure_span(e, buf, keep + 3, &w, &h);
    } while (keep > 0 && w > max_w);
    rt_free(st->cut);
    st->cut = buf;
    add_line(st, 0, keep + 3, w);
}

static ui_size text_layout(ui_element *e, ui_constraints c)
{
    const ui_text_props *p = ui_props(e);
    text_state *st = ui_state(e);
    st->nlines = 0;
    rt_free(st->cut);
    st->cut = NULL;
    float w, h;
    if (p->ellipsis && c.max_w < UI_INF) {
        measure_span(e, "Ag", 2, &w, &h);
        st->line_h = h;
        ellipsize(e, st, p->text, c.max_w);
    } else if (p->wrap && c.max_w < UI_INF) {
        measure_span(e, "Ag", 2, &w, &h);
        st->line_h = h;
        wrap_lines(e, st, p->text, c.max_w, p->max_lines);
    } else { /* the common case: one line, one measurement */
        measure_span(e, p->text, strlen(p->text), &w, &h);
        st->line_h = h;
        add_line(st, 0, strlen(p->text), w);
    }
    float widest = 0;
    for (int i = 0; i < st->nlines; i++)
        widest = fmaxf(widest, st->line_w[i]);
    int lines = st->nlines ? st->nlines : 1;
    return ui_constrain(c, (ui_size){widest, st->line_h * (float)lines});
}

static void text_paint(ui_element *e, void *canvas, float x, float y)
{
    const ui_text_props *p = ui_props(e);
    text_state *st = ui_state(e);
    ui_size box = ui_element_size(e);
    float w = box.w;
    /* Text wider or taller than its box is clipped to it (Flutter's
     * TextOverflow.clip): nothing paints outside the element. */
    bool over = st->line_h * (float)st->nlines > box.h + 0.5f;
    for (int i = 0; i < st->nlines && !over; i++)
        over = st->line_w[i] > w + 0.5f;
    if (over) ui_canvas_push_clip(canvas, (ui_rect){x, y, box.w, box.h});
    for (int i = 0; i < st->nlines; i++) {
        float dx = p->align == UI_CENTER ? (w - st->line_w[i]) / 2
                   : p->align == UI_END  ? w - st->line_w[i]
                                         : 0;
        const char *s = st->cut ? st->cut : p->text + st->start[i];
        ui_canvas_text(canvas, s, st->len[i], p->size, p->bold, p->color, x + roundf(dx),
                       y + st->line_h * (float)i);
    }
    if (over) ui_canvas_pop_clip(canvas);
}

static void text_dispose(ui_element *e)
{
    rt_free(((text_state *)ui_state(e))->cut);
}

/* The lines laid out for a text element: count, and line i's bytes. */
int ui_text_lines(ui_element *e)
{
    return ((text_state *)ui_state(e))->nlines;
}

const char *ui_text_line(ui_element *e, int i, size_t *len)
{
    const text_state *st = ui_state(e);
    const ui_text_props *p = ui_props(e);
    *len = st->len[i];
    return st->cut ? st->cut : p->text + st->start[i];
}

static void text_describe(ui_element *e, ui_describer *d)
{
    ui_describe_text(d, ((const ui_text_props *)ui_props(e))->text);
}

const ui_widget_class ui_text_class = {.name = "Text",
                                       .props_size = sizeof(ui_text_props),
                                       .state_size = sizeof(text_state),
                                       .dispose = text_dispose,
                                       .layout = text_layout,
                                       .paint = text_paint,
                                       .describe = text_describe,
                                       .string_fields = {offsetof(ui_text_props, text)},
                                       .nstring_fields = 1};

ui_widget *ui_text_ex(ui_build *b, ui_key key, const ui_text_props *p)
{
    return ui__one(b, &ui_text_class, key, p, NULL);
}

ui_widget *ui_text(ui_build *b, const char *text, float size, ui_color color)
{
    ui_text_props p = {.text = text, .size = size, .color = color};
    return ui_text_ex(b, UI_NO_KEY, &p);
}

/* ---- Box: size, padding, fill, border ---- */

static ui_size box_layout(ui_element *e, ui_constraints c)
{
    const ui_box_props *p = ui_props(e);
    ui_constraints cc = c;
    if (p->width >= 0) cc.min_w = cc.max_w = fminf(fmaxf(p->width, c.min_w), c.max_w);
    if (p->height >= 0) cc.min_h = cc.max_h = fminf(fmaxf(p->height, c.min_h), c.max_h);
    ui_element *child = ui_element_child(e, 0);
    if (!child) {
        float w = p->width >= 0 ? cc.max_w : cc.min_w, h = p->height >= 0 ? cc.max_h : cc.min_h;
        return ui_constrain(cc, (ui_size){w, h});
    }
    float pad = 2 * p->padding;
    ui_constraints inner = {fmaxf(cc.min_w - pad, 0), fmaxf(cc.max_w - pad, 0),
                            fmaxf(cc.min_h - pad, 0), fmaxf(cc.max_h - pad, 0)};
    ui_size s = ui_layout_child(child, inner);
    ui_position_child(child, p->padding, p->padding);
    return ui_constrain(cc, (ui_size){s.w + pad, s.h + pad});
}

static void box_paint(ui_element *e, void *canvas, float x, float y)
{
    const ui_box_props *p = ui_props(e);
    ui_size sz = ui_element_size(e);
    ui_rect r = {x, y, sz.w, sz.h};
    if (p->color.a) {
        if (p->radius > 0)
            ui_canvas_fill_rounded_rect(canvas, r, p->radius, p->color);
        else
            ui_canvas_fill_rect(canvas, r, p->color);
    }
    if (p->border_width > 0)
        ui_canvas_stroke_rect(canvas, r, p->border_width, p->radius, p->border_color);
}

const ui_widget_class ui_box_class = {
    .name = "Box", .props_size = sizeof(ui_box_props), .layout = box_layout, .paint = box_paint};

ui_widget *ui_box(ui_build *b, const ui_box_props *p, ui_widget *child)
{
    return ui__one(b, &ui_box_class, UI_NO_KEY, p, child);
}

ui_widget *ui_sized(ui_build *b, float w, float h, ui_widget *child)
{
    ui_box_props p = {.width = w, .height = h};
    return ui_box(b, &p, child);
}

ui_widget *ui_padding(ui_build *b, float all, ui_widget *child)
{
    ui_box_props p = {.width = -1, .height = -1, .padding = all};
    return ui_box(b, &p, child);
}

/* ---- Center ---- */

typedef struct align_props {
    float x, y;
} align_props;

static ui_size align_layout(ui_element *e, ui_constraints c)
{
    const align_props *p = ui_props(e);
    ui_element *child = ui_element_child(e, 0);
    ui_size s = child ? ui_layout_child(child, ui_loosen(c)) : (ui_size){0, 0};
    ui_size me = {c.max_w < UI_INF ? c.max_w : s.w, c.max_h < UI_INF ? c.max_h : s.h};
    me = ui_constrain(c, me);
    if (child) ui_position_child(child, roundf((me.w - s.w) * p->x), roundf((me.h - s.h) * p->y));
    return me;
}

const ui_widget_class ui_center_class = {
    .name = "Align", .props_size = sizeof(align_props), .layout = align_layout};

ui_widget *ui_align(ui_build *b, float x, float y, ui_widget *child)
{
    align_props p = {x, y};
    return ui__one(b, &ui_center_class, UI_NO_KEY, &p, child);
}

ui_widget *ui_center(ui_build *b, ui_widget *child)
{
    return ui_align(b, 0.5f, 0.5f, child);
}

/* ---- Button: a stateful component with a pressed look ---- */

typedef struct button_state {
    bool pressed, hovered;
    ui_element *self;
} button_state;

static void set_hovered(void *state, void *ctx)
{
    ((button_state *)state)->hovered = ctx != NULL;
}

static void button_hover(void *ctx, bool inside)
{
    ui_element *e = ctx;
    if (((button_state *)ui_state(e))->hovered != inside)
        ui_set_state(e, set_hovered, inside ? (void *)1 : NULL);
}

static void set_pressed(void *state, void *ctx)
{
    ((button_state *)state)->pressed = ctx != NULL;
}

static void button_down(void *ctx)
{
    ui_set_state(ctx, set_pressed, (void *)1);
}

static void button_up(void *ctx)
{
    ui_set_state(ctx, set_pressed, NULL);
}

static void button_tap(void *ctx)
{
    ui_element *e = ctx;
    const ui_button_props *p = ui_props(e);
    ui_set_state(e, set_pressed, NULL);
    if (!p->on_pressed) return;
    char label[40]; /* the event log's and the trace's name for this event */
    snprintf(label, sizeof label, "tap: %s", p->label ? p->label : "");
    rt_event_label(label);
    p->on_pressed(p->ctx);
}

static ui_widget *button_build(ui_build *b, ui_element *e)
{
    const ui_button_props *p = ui_props(e);
    const button_state *s = ui_state(e);
    bool enabled = p->on_pressed != NULL;
    ui_color fill = !enabled     ? (ui_color){200, 200, 200, 255}
                    : s->pressed ? (ui_color){30, 90, 200, 255}
                    : s->hovered ? (ui_color){80, 145, 250, 255}
                                 : (ui_color){50, 120, 240, 255};
    bool focused = ui_tree_get_focus(ui_element_tree(e)) == e;
    ui_box_props box = {.width = -1,
                        .height = -1,
                        .padding = 10,
                        .color = fill,
                        .radius = 6,
                        .border_width = focused ? 3 : 0,
                        .border_color = {255, 200, 0, 255}};
    ui_widget *label = ui_text(b, p->label, 16, (ui_color){255, 255, 255, 255});
    ui_widget *look = ui_box(b, &box, label);
    if (!enabled) return look;
    ui_gesture_props g = {.on_tap = button_tap,
                          .on_tap_down = button_down,
                          .on_tap_cancel = button_up,
                          .on_hover = button_hover,
                          .ctx = e};
    return ui_gesture(b, &g, look);
}

/* Disabled, it has no gesture detector, so no exit or up will come: it
 * forgets the hover and the press (a removed detector hears nothing more,
 * as Flutter's MouseRegion). */
static void button_update(ui_element *e, const void *old_props)
{
    (void)old_props;
    button_state *s = ui_state(e);
    if (!((const ui_button_props *)ui_props(e))->on_pressed) s->hovered = s->pressed = false;
}

/* With the focus, Enter or Space presses the button. */
static bool button_key(ui_element *e, int key, unsigned mods)
{
    (void)mods;
    if (key != UI_KEY_ENTER && key != UI_KEY_SPACE) return false;
    button_tap(e);
    return true;
}

static bool button_enabled(const ui_element *e)
{
    return ((const ui_button_props *)ui_props(e))->on_pressed != NULL;
}

/* The dump: its label, and its looks (a disabled button has none). */
static void button_describe(ui_element *e, ui_describer *d)
{
    const button_state *s = ui_state(e);
    ui_describe_text(d, ((const ui_button_props *)ui_props(e))->label);
    if (!button_enabled(e)) ui_describe_flag(d, "disabled");
    if (s->pressed) ui_describe_flag(d, "pressed");
    if (s->hovered) ui_describe_flag(d, "hovered");
}

const ui_widget_class ui_button_class = {.name = "Button",
                                         .props_size = sizeof(ui_button_props),
                                         .state_size = sizeof(button_state),
                                         .build = button_build,
                                         .did_update_widget = button_update,
                                         .string_fields = {offsetof(ui_button_props, label)},
                                         .nstring_fields = 1,
                                         .key = button_key,
                                         .focusable = button_enabled,
                                         .describe = button_describe};

ui_widget *ui_button(ui_build *b, ui_key key, const char *label, void (*on_pressed)(void *),
                     void *ctx)
{
    ui_button_props p = {label, on_pressed, ctx};
    return ui__one(b, &ui_button_class, key, &p, NULL);
}

/* ---- Theme: inherited data ---- */

static bool same_color(ui_color a, ui_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

/* Dependents rebuild only when a field changed (compared field by field:
 * padding bytes mean nothing). */
static bool theme_should_notify(const ui_element *e, const void *old_props)
{
    const ui_theme_props *a = ui_props(e), *b = old_props;
    return !same_color(a->text_color, b->text_color) || !same_color(a->primary, b->primary) ||
           a->text_size != b->text_size;
}

const ui_widget_class ui_theme_class = {.name = "Theme",
                                        .props_size = sizeof(ui_theme_props),
                                        .inherited = true,
                                        .update_should_notify = theme_should_notify};

ui_widget *ui_theme(ui_build *b, const ui_theme_props *p, ui_widget *child)
{
    return ui__one(b, &ui_theme_class, UI_NO_KEY, p, child);
}

const ui_theme_props *ui_theme_of(ui_element *e)
{
    static const ui_theme_props fallback = {{20, 20, 20, 255}, {50, 120, 240, 255}, 16};
    ui_element *t = ui_depend_on(e, &ui_theme_class);
    return t ? ui_props(t) : &fallback;
}

/* ---- Image ---- */

typedef struct image_props {
    const uint32_t *rgba;
    int px_w, px_h;
    float w, h;
    uint64_t version; /* 0: uploaded at each paint */
} image_props;

static ui_size image_layout(ui_element *e, ui_constraints c)
{
    const image_props *p = ui_props(e);
    return ui_constrain(c, (ui_size){p->w, p->h});
}

static void image_paint(ui_element *e, void *canvas, float x, float y)
{
    const image_props *p = ui_props(e);
    ui_size sz = ui_element_size(e);
    ui_rect dst = {x, y, sz.w, sz.h};
    if (!p->rgba) return;
    if (p->version)
        ui_canvas_image_cached(canvas, p->rgba, p->px_w, p->px_h, p->version, dst);
    else
        ui_canvas_image(canvas, p->rgba, p->px_w, p->px_h, dst);
}

/* Unversioned pixels may have changed behind the same pointer: an update
 * paints them again even when the props are equal (a new version makes
 * them unequal). */
static void image_did_update(ui_element *e, const void *old_props)
{
    (void)old_props;
    if (!((const image_props *)ui_props(e))->version) ui_mark_needs_paint(e);
}

const ui_widget_class ui_image_class = {.name = "Image",
                                        .props_size = sizeof(image_props),
                                        .did_update_widget = image_did_update,
                                        .layout = image_layout,
                                        .paint = image_paint};

ui_widget *ui_image(ui_build *b, const uint32_t *rgba, int px_w, int px_h, float w, float h)
{
    return ui_image_versioned(b, rgba, px_w, px_h, 0, w, h);
}

ui_widget *ui_image_versioned(ui_build *b, const uint32_t *rgba, int px_w, int px_h,
                              uint64_t version, float w, float h)
{
    image_props p = {rgba, px_w, px_h, w, h, version};
    return ui__one(b, &ui_image_class, UI_NO_KEY, &p, NULL);
}
