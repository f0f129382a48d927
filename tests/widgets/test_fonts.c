/* test_fonts.c: fonts found at run time (fontconfig), fallback fonts for
 * characters the primary font lacks (CJK, emoji), measuring and drawing
 * that agree run by run, a text field's cursor over CJK text, ellipsis,
 * and the app's own font files, including ones that do not open. Real
 * SDL_ttf rendering on offscreen canvases; the fonts are Debian's
 * (Makefile PKGS: fonts-dejavu-core, fonts-wqy-microhei, fonts-symbola). */
#include "test_support.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <islet/ui_canvas.h>
#include <islet/ui_text_field.h>
#include <islet/ui_tester.h>
#include <islet/ui_window.h>

static const ui_color WHITE = {255, 255, 255, 255};
static const ui_color BLACK = {0, 0, 0, 255};

#define W 200
#define H 48

#define KAN "\xe6\xbc\xa2"              /* 漢 U+6F22 */
#define JI "\xe5\xad\x97"               /* 字 U+5B57 */
#define THUMBS "\xf0\x9f\x91\x8d"       /* 👍 U+1F44D: not in DejaVu, in Symbola */
#define NO_FONT "\xf4\x8f\xbf\xbd"      /* U+10FFFD: a private-use code point no font has */
#define KANA "\xe3\x81\x8b\xe3\x81\xaa" /* かな */

static int setup(void **state)
{
    ui_canvas *c = ui_canvas_new_offscreen(W, H, 1.0f);
    if (!c) return -1;
    ui_canvas_clear(c, WHITE);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ui_set_font_file(NULL, NULL);
    ui_canvas_free(*state);
    assert_int_equal(TTF_WasInit(), 0);
    SDL_Quit();
    return 0;
}

/* ---- Helpers ---- */

static bool same(ui_color a, ui_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

static float text_w(ui_canvas *c, const char *s, float size, bool bold)
{
    float w, h;
    ui_text_measure(c, s, strlen(s), size, bold, &w, &h);
    return w;
}

/* The canvas's pixels, cleared to white, after drawing s at (x, y). */
typedef struct picture {
    ui_color px[W * H];
    int ink, x0, x1; /* pixels not white; their columns [x0, x1) */
} picture;

static void snap(ui_canvas *c, picture *p)
{
    ui_canvas_present(c);
    p->ink = 0;
    p->x0 = W;
    p->x1 = -1;
    for (int j = 0; j < H; j++)
        for (int i = 0; i < W; i++) {
            ui_color k = ui_canvas_pixel(c, i, j);
            p->px[j * W + i] = k;
            if (same(k, WHITE)) continue;
            p->ink++;
            if (i < p->x0) p->x0 = i;
            if (i + 1 > p->x1) p->x1 = i + 1;
        }
}

static void draw_n(ui_canvas *c, picture *p, const char *s, size_t n, float size, bool bold,
                   float x, float y)
{
    ui_canvas_clear(c, WHITE);
    ui_canvas_text(c, s, n, size, bold, BLACK, x, y);
    snap(c, p);
}

static void draw(ui_canvas *c, picture *p, const char *s, float size, bool bold, float x, float y)
{
    draw_n(c, p, s, strlen(s), size, bold, x, y);
}

static int differing(const picture *a, const picture *b)
{
    int n = 0;
    for (int i = 0; i < W * H; i++)
        n += !same(a->px[i], b->px[i]);
    return n;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* ---- The primary fonts ---- */

static void test_dejavu_found_at_run_time(void **state)
{
    ui_canvas *c = *state;
    const char *regular = ui_canvas_font_file(c, false), *bold = ui_canvas_font_file(c, true);
    assert_non_null(regular);
    assert_non_null(bold);
    if (!ends_with(regular, "/DejaVuSans.ttf") || !ends_with(bold, "/DejaVuSans-Bold.ttf"))
        fail_msg("fontconfig chose '%s' and '%s', not DejaVu Sans (fonts-dejavu-core)", regular,
                 bold);
    assert_true(text_w(c, "Islet", 14, false) > 20);
}

/* ---- Fallback fonts ---- */

/* Each of 漢, 字 and 👍 draws a glyph of its own: not the missing-glyph box
 * the primary font draws for a code point no font has (the same box for
 * every such code point, so two boxes would draw alike). */
static void test_cjk_and_emoji_draw_glyphs_not_boxes(void **state)
{
    ui_canvas *c = *state;
    static picture box, kan, ji, thumbs;
    draw(c, &box, NO_FONT, 20, false, 2, 2);
    draw(c, &kan, KAN, 20, false, 2, 2);
    draw(c, &ji, JI, 20, false, 2, 2);
    draw(c, &thumbs, THUMBS, 20, false, 2, 2);
    assert_true(box.ink > 20);
    assert_true(kan.ink > 20 && ji.ink > 20 && thumbs.ink > 20);
    if (differing(&kan, &box) < 40 || differing(&ji, &box) < 40 || differing(&kan, &ji) < 40)
        fail_msg("漢 and 字 draw like the missing-glyph box: no CJK fallback font");
    assert_true(differing(&thumbs, &box) >= 40);
    /* CJK glyphs are full width (one em); DejaVu's box is narrower. */
    float wbox = text_w(c, NO_FONT, 20, false), wkan = text_w(c, KAN, 20, false);
    assert_true(wkan >= 18 && wkan <= 22);
    assert_true(fabsf(wkan - wbox) >= 4);
    assert_true(text_w(c, JI, 20, false) == wkan);
    /* Bold CJK is emboldened (WenQuanYi has no bold face): heavier ink. */
    static picture bold_kan;
    draw(c, &bold_kan, KAN, 20, true, 2, 2);
    assert_true(bold_kan.ink > kan.ink);
}

/* What is measured is what is drawn: the ink of mixed text stays in its
 * measured box and reaches its end, and text drawn in pieces at measured
 * offsets is pixel for pixel the text drawn whole. */
static void test_mixed_text_measured_as_drawn(void **state)
{
    ui_canvas *c = *state;
    const char *s = "Go " KAN JI " ok" THUMBS "!";
    float w, h, h_latin;
    ui_text_measure(c, s, strlen(s), 16, false, &w, &h);
    ui_text_measure(c, "Ag", 2, 16, false, NULL, &h_latin);
    assert_true(h == h_latin); /* one line height, whatever the fonts */
    static picture whole, pieces;
    draw(c, &whole, s, 16, false, 3, 4);
    assert_true(whole.x0 >= 3 && whole.x0 <= 5);
    if (whole.x1 > 3 + (int)ceilf(w) || whole.x1 < 3 + (int)w - 3)
        fail_msg("ink ends at %d, the measured box at %.1f", whole.x1, 3 + w);

    const char *parts[] = {"Go ", KAN JI, " ok", THUMBS "!"};
    ui_canvas_clear(c, WHITE);
    float x = 3;
    for (int i = 0; i < 4; i++) {
        ui_canvas_text(c, parts[i], strlen(parts[i]), 16, false, BLACK, x, 4);
        x += text_w(c, parts[i], 16, false);
    }
    assert_true(x == 3 + w);
    snap(c, &pieces);
    assert_int_equal(differing(&whole, &pieces), 0);
}

/* Invalid UTF-8 between CJK characters is still U+FFFD, measured and drawn. */
static void test_invalid_utf8_among_cjk(void **state)
{
    ui_canvas *c = *state;
    const char bad[] = KAN "\xff" JI "\xe2\x82";
    float w;
    ui_text_measure(c, bad, sizeof bad - 1, 14, false, &w, NULL);
    float want = text_w(c, KAN "\xef\xbf\xbd" JI "\xef\xbf\xbd", 14, false);
    assert_true(w == want);
    static picture a, b;
    draw_n(c, &a, bad, sizeof bad - 1, 14, false, 1, 1);
    draw(c, &b, KAN "\xef\xbf\xbd" JI "\xef\xbf\xbd", 14, false, 1, 1);
    assert_true(a.ink > 40);
    assert_int_equal(differing(&a, &b), 0);
}

/* ---- The app's font files ---- */

static void test_app_font_file(void **state)
{
    ui_canvas *c = *state;
    char mono[512];
    const char *regular = ui_canvas_font_file(c, false);
    assert_non_null(regular);
    snprintf(mono, sizeof mono, "%.*s/DejaVuSansMono.ttf", (int)(strrchr(regular, '/') - regular),
             regular);
    float narrow = text_w(c, "iiii", 14, false);
    assert_true(text_w(c, "iiiiiiii", 14, false) + 30 < text_w(c, "WWWWWWWW", 14, false));
    ui_canvas_text(c, "iiii", 4, 14, false, BLACK, 0, 0);
    ui_canvas_stats before, after;
    ui_canvas_get_stats(c, &before);

    assert_int_equal(ui_set_font_file(mono, NULL), RT_OK);
    assert_string_equal(ui_canvas_font_file(c, false), mono);
    assert_string_equal(ui_canvas_font_file(c, true), mono); /* emboldened */
    /* Monospaced: the same advances (TTF_SizeUTF8 adds the last glyph's ink). */
    assert_true(fabsf(text_w(c, "iiiiiiii", 14, false) - text_w(c, "WWWWWWWW", 14, false)) < 3);
    ui_canvas_text(c, "iiii", 4, 14, false, BLACK, 0, 0); /* not the cached DejaVu Sans text */
    ui_canvas_get_stats(c, &after);
    assert_int_equal(after.text_renders, before.text_renders + 1);
    static picture reg, bold;
    draw(c, &reg, "Mono", 16, false, 0, 0);
    draw(c, &bold, "Mono", 16, true, 0, 0);
    assert_true(bold.ink > reg.ink);
    /* Fallbacks still serve what the app's font lacks. */
    static picture box, kan;
    draw(c, &box, NO_FONT, 20, false, 2, 2);
    draw(c, &kan, KAN, 20, false, 2, 2);
    assert_true(differing(&box, &kan) >= 40);

    assert_int_equal(ui_set_font_file(NULL, NULL), RT_OK); /* back to fontconfig's */
    assert_true(ends_with(ui_canvas_font_file(c, false), "/DejaVuSans.ttf"));
    assert_true(text_w(c, "iiii", 14, false) == narrow);
}

/* A file that is missing or no font is refused with RT_EINVAL and a message
 * naming it; the fonts in use stay. */
static void test_bad_font_file_is_refused(void **state)
{
    ui_canvas *c = *state;
    float before = text_w(c, "Islet", 14, false);
    assert_int_equal(ui_set_font_file("/nonexistent/NoSuchFont.ttf", NULL), RT_EINVAL);
    assert_non_null(strstr(SDL_GetError(), "/nonexistent/NoSuchFont.ttf"));
    assert_int_equal(ui_set_font_file(ISLET_TEST_DIR "/test_fonts.c", NULL), RT_EINVAL);
    assert_non_null(strstr(SDL_GetError(), "test_fonts.c"));
    const char *regular = ui_canvas_font_file(c, false);
    assert_int_equal(ui_set_font_file(regular, "/nonexistent/Bold.ttf"), RT_EINVAL);
    assert_true(ends_with(ui_canvas_font_file(c, false), "/DejaVuSans.ttf"));
    assert_true(ends_with(ui_canvas_font_file(c, true), "/DejaVuSans-Bold.ttf"));
    assert_true(text_w(c, "Islet", 14, false) == before);
}

/* A file accepted, then gone before a canvas opens it: said on stderr, and
 * text is drawn with fontconfig's font instead. */
static void test_vanished_font_file_falls_back(void **state)
{
    ui_canvas *c = *state;
    float before = text_w(c, "Islet", 14, false);
    char tmp[] = "/tmp/islet-font-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    FILE *in = fopen(ui_canvas_font_file(c, false), "rb"), *out = fdopen(fd, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    assert_int_equal(ui_set_font_file(tmp, NULL), RT_OK);
    unlink(tmp);
    assert_true(text_w(c, "Islet", 14, false) == before);
    assert_true(ends_with(ui_canvas_font_file(c, false), "/DejaVuSans.ttf"));
    static picture p;
    draw(c, &p, "Islet", 14, false, 0, 0);
    assert_true(p.ink > 30);
}

/* ---- Widgets: a text field's cursor, an ellipsis ---- */

static rt_virtual_clock vclock;

#define FIELD_SIZE 16 /* a text field's default font size */

static ui_widget *field_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_text_field_props p = {.initial = KAN JI KANA "ok" THUMBS};
    return ui_padding(b, 10, ui_text_field(b, ui_key_str("f"), &p));
}

/* The leftmost column of the field's inside where frame differs from ref. */
static int first_diff_column(ui_canvas *cv, const ui_color *ref, float x, float y, float w, float h)
{
    for (int px = (int)x + 3; px < (int)(x + w) - 3; px++)
        for (int py = (int)y + 3; py < (int)(y + h) - 3; py++)
            if (!same(ui_canvas_pixel(cv, px, py), ref[py * 320 + px])) return px;
    return -1;
}

/* Across CJK text the caret moves right at every step, by each glyph's
 * measured width, and a press at the caret puts the cursor there. */
static void test_text_field_cursor_over_cjk(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(320, 60, &vclock);
    ui_tester_pump_widget(t, field_root, NULL);
    ui_element *f = ui_find_key(t, ui_key_str("f"));
    ui_canvas *cv = ui_tester_canvas(t);
    float x, y, w, h;
    ui_element_rect(f, &x, &y, &w, &h);
    /* The unfocused field: the same text without a caret (the border
     * differs too, but first_diff_column looks inside it). */
    static ui_color ref[320 * 60];
    for (int py = 0; py < 60; py++)
        for (int px = 0; px < 320; px++)
            ref[py * 320 + px] = ui_canvas_pixel(cv, px, py);
    ui_tester_tap(t, f);
    ui_tester_key(t, SDLK_HOME, 0);
    size_t len;
    const char *text = ui_text_field_text(f, &len);
    int prev = -1, steps = 0;
    for (;;) {
        size_t cur, anchor;
        ui_text_field_selection(f, &cur, &anchor);
        int col = first_diff_column(cv, ref, x, y, w, h);
        if (col < 0) fail_msg("no caret at byte %zu", cur);
        if (col <= prev) fail_msg("caret at byte %zu is at x %d, not right of %d", cur, col, prev);
        if (prev >= 0) {
            float gw; /* the glyph stepped over, measured alone */
            size_t back = cur - (cur >= 4 && (unsigned char)text[cur - 4] >= 0xF0   ? 4
                                 : cur >= 3 && (unsigned char)text[cur - 3] >= 0xE0 ? 3
                                                                                    : 1);
            ui_text_measure(cv, text + back, cur - back, FIELD_SIZE, false, &gw, NULL);
            if (fabsf((float)(col - prev) - gw) > 1)
                fail_msg("the caret moved %d px over a glyph %.1f wide", col - prev, gw);
        }
        /* A press at the caret finds the same boundary. */
        ui_tree_pointer(ui_tester_tree(t), UI_POINTER_DOWN, (float)col + 1, y + h / 2);
        ui_tree_pointer(ui_tester_tree(t), UI_POINTER_UP, (float)col + 1, y + h / 2);
        ui_tester_pump(t, UI_DOUBLE_PRESS_NS + RT_MS(1));
        size_t pressed, a2;
        ui_text_field_selection(f, &pressed, &a2);
        if (pressed != cur) fail_msg("a press at the caret of byte %zu went to %zu", cur, pressed);
        prev = col;
        if (cur == len) break;
        ui_tester_key(t, SDLK_RIGHT, 0);
        steps++;
    }
    assert_int_equal(steps, 7); /* 漢 字 か な o k 👍 */
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

static ui_widget *ellipsis_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_text_props p = {
        .text = KAN JI KAN JI KAN JI KAN JI KAN JI, .size = 14, .color = BLACK, .ellipsis = true};
    return ui_align(b, 0, 0, ui_sized(b, 70, 20, ui_text_ex(b, ui_key_str("t"), &p)));
}

/* An ellipsis cuts CJK text at a code point and fits the width. */
static void test_ellipsis_over_cjk(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(200, 40, &vclock);
    ui_tester_pump_widget(t, ellipsis_root, NULL);
    ui_element *e = ui_find_key(t, ui_key_str("t"));
    assert_int_equal(ui_text_lines(e), 1);
    size_t len;
    const char *line = ui_text_line(e, 0, &len);
    assert_true(len > 3 && (len - 3) % 3 == 0);
    assert_memory_equal(line + len - 3, "\xe2\x80\xa6", 3);
    float lw;
    ui_text_measure(ui_tester_canvas(t), line, len, 14, false, &lw, NULL);
    assert_true(lw <= 70 && lw > 40);
    int ink_right = 0; /* nothing drawn right of the box */
    for (int py = 0; py < 40; py++)
        for (int px = 70; px < 200; px++)
            ink_right += ui_canvas_pixel(ui_tester_canvas(t), px, py).r < 200;
    assert_int_equal(ink_right, 0);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_dejavu_found_at_run_time),
        T(test_cjk_and_emoji_draw_glyphs_not_boxes),
        T(test_mixed_text_measured_as_drawn),
        T(test_invalid_utf8_among_cjk),
        T(test_app_font_file),
        T(test_bad_font_file_is_refused),
        T(test_vanished_font_file_falls_back),
        cmocka_unit_test(test_text_field_cursor_over_cjk),
        cmocka_unit_test(test_ellipsis_over_cjk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
