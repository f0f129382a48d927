/* test_canvas.c: the painting layer on an offscreen canvas: exact rectangles,
 * rounded corners, borders, lines, arcs, clips, translation, text (measuring,
 * caching, invalid UTF-8), images, scale 2, and misuse that aborts. */
#include "test_support.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <islet/ui_canvas.h>

static const ui_color WHITE = {255, 255, 255, 255};
static const ui_color BLACK = {0, 0, 0, 255};
static const ui_color RED = {255, 0, 0, 255};
static const ui_color BLUE = {0, 0, 255, 255};

#define W 64
#define H 64

/* ---- Fixture: a fresh 64 x 64 canvas at scale 1, cleared to white ---- */

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
    ui_canvas_free(*state);
    TTF_Quit();
    SDL_Quit();
    return 0;
}

/* ---- Helpers ---- */

static bool same(ui_color a, ui_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

static void assert_pixel(ui_canvas *c, int x, int y, ui_color want)
{
    ui_color got = ui_canvas_pixel(c, x, y);
    if (!same(got, want)) {
        fail_msg("pixel (%d, %d) is %d,%d,%d,%d; expected %d,%d,%d,%d", x, y, got.r, got.g, got.b,
                 got.a, want.r, want.g, want.b, want.a);
    }
}

/* Pixels in [x0, x1) x [y0, y1) that differ from bg. */
static int count_not(ui_canvas *c, int x0, int y0, int x1, int y1, ui_color bg)
{
    SDL_Surface *s = ui_canvas_surface(c);
    int n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < s->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < s->w; x++)
            if (!same(ui_canvas_pixel(c, x, y), bg)) n++;
    return n;
}

/* The bounding box [x0, x1) x [y0, y1) of pixels that differ from bg; false if none. */
static bool ink_box(ui_canvas *c, ui_color bg, int *x0, int *y0, int *x1, int *y1)
{
    SDL_Surface *s = ui_canvas_surface(c);
    *x0 = *y0 = 1 << 30;
    *x1 = *y1 = -1;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++)
            if (!same(ui_canvas_pixel(c, x, y), bg)) {
                if (x < *x0) *x0 = x;
                if (y < *y0) *y0 = y;
                if (x + 1 > *x1) *x1 = x + 1;
                if (y + 1 > *y1) *y1 = y + 1;
            }
    return *x1 >= 0;
}

static float text_w(ui_canvas *c, const char *s, float size, bool bold)
{
    float w, h;
    ui_text_measure(c, s, strlen(s), size, bold, &w, &h);
    return w;
}

/* ---- Rectangles ---- */

static void test_fill_rect_exact(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_fill_rect(c, (ui_rect){10, 10, 20, 20}, RED);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 400);
    assert_int_equal(count_not(c, 10, 10, 30, 30, RED), 0);
    assert_pixel(c, 9, 10, WHITE);
    assert_pixel(c, 30, 29, WHITE);
    assert_pixel(c, 10, 9, WHITE);
    assert_pixel(c, 29, 30, WHITE);

    /* Half-transparent black over white blends to mid grey. */
    ui_canvas_fill_rect(c, (ui_rect){40, 40, 4, 4}, (ui_color){0, 0, 0, 128});
    ui_color g = ui_canvas_pixel(c, 41, 41);
    assert_in_range(g.r, 125, 129);
    assert_int_equal(g.r, g.g);
    assert_int_equal(g.g, g.b);

    /* Fully transparent and empty rectangles draw nothing. */
    ui_canvas_fill_rect(c, (ui_rect){0, 0, W, H}, (ui_color){0, 0, 0, 0});
    ui_canvas_fill_rect(c, (ui_rect){50, 0, 0, 10}, RED);
    ui_canvas_fill_rect(c, (ui_rect){50, 0, -5, 10}, RED);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 400 + 16);
}

static void test_rounded_rect_corners(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_fill_rounded_rect(c, (ui_rect){10, 10, 40, 40}, 10, BLUE);
    assert_pixel(c, 10, 10, WHITE); /* corners cut */
    assert_pixel(c, 49, 10, WHITE);
    assert_pixel(c, 10, 49, WHITE);
    assert_pixel(c, 49, 49, WHITE);
    assert_pixel(c, 12, 12, WHITE); /* outside the arc: (7.5^2 * 2) > 10^2 */
    assert_pixel(c, 30, 30, BLUE);  /* centre */
    assert_pixel(c, 10, 30, BLUE);  /* straight edges */
    assert_pixel(c, 30, 10, BLUE);
    assert_pixel(c, 49, 30, BLUE);
    assert_pixel(c, 30, 49, BLUE);
    assert_pixel(c, 14, 14, BLUE); /* inside the arc */
    assert_pixel(c, 9, 30, WHITE);
    assert_pixel(c, 30, 50, WHITE);
    /* Fewer pixels than the square, but close to the area of the shape. */
    int n = count_not(c, 0, 0, W, H, WHITE);
    float area = 40 * 40 - (4 - 3.14159f) * 100;
    assert_true(n < 1600);
    assert_true(fabsf((float)n - area) < 30);

    /* A radius beyond half the side is capped: a circle, not a blow-up. */
    ui_canvas_clear(c, WHITE);
    ui_canvas_fill_rounded_rect(c, (ui_rect){0, 0, 20, 20}, 100, RED);
    assert_pixel(c, 10, 10, RED);
    assert_pixel(c, 0, 0, WHITE);
    /* The circle's edge is anti-aliased: nearly red where it meets the box. */
    ui_color edge = ui_canvas_pixel(c, 0, 10);
    /* (SDL's software blit rounds its blend down by up to 2.) */
    assert_true(edge.r >= 250 && edge.g < 8 && edge.b < 8);
    assert_int_equal(count_not(c, 20, 0, W, H, WHITE), 0);
}

static void test_translucent_rounded_rect_blends_once(void **state)
{
    ui_canvas *c = *state;
    /* Rectangles and triangles must not overlap: no covered pixel is darker
     * than the centre's grey (SDL's blenders round apart by 1); the
     * anti-aliased corners are lighter. */
    ui_canvas_fill_rounded_rect(c, (ui_rect){4, 4, 50, 30}, 12, (ui_color){0, 0, 0, 128});
    ui_color centre = ui_canvas_pixel(c, 29, 19);
    assert_false(same(centre, WHITE));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            ui_color p = ui_canvas_pixel(c, x, y);
            if (!same(p, WHITE) && p.r < centre.r - 1)
                fail_msg("pixel (%d, %d) is %d, centre %d", x, y, p.r, centre.r);
        }
}

static void test_stroke_rect(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_stroke_rect(c, (ui_rect){10, 10, 40, 40}, 2, 0, RED);
    assert_pixel(c, 10, 10, RED);
    assert_pixel(c, 10, 30, RED);
    assert_pixel(c, 11, 30, RED);
    assert_pixel(c, 12, 30, WHITE);
    assert_pixel(c, 49, 49, RED);
    assert_pixel(c, 47, 47, WHITE);
    assert_pixel(c, 30, 30, WHITE);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 40 * 40 - 36 * 36);

    /* Rounded: the outer corner is cut, the edges are there, the inside is empty. */
    ui_canvas_clear(c, WHITE);
    ui_canvas_stroke_rect(c, (ui_rect){10, 10, 40, 40}, 3, 10, BLUE);
    assert_pixel(c, 10, 10, WHITE);
    assert_pixel(c, 10, 30, BLUE);
    assert_pixel(c, 12, 30, BLUE);
    assert_pixel(c, 13, 30, WHITE);
    assert_pixel(c, 30, 47, BLUE);
    assert_pixel(c, 30, 30, WHITE);
    assert_pixel(c, 14, 14, BLUE); /* on the corner ring, distance ~8.5 from (20, 20) */
    assert_pixel(c, 17, 17, WHITE);

    /* A border wider than half the box fills it. */
    ui_canvas_clear(c, WHITE);
    ui_canvas_stroke_rect(c, (ui_rect){0, 0, 10, 10}, 6, 0, RED);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 100);
}

static void test_lines(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_line(c, 5, 10, 20, 10, BLACK); /* both ends included */
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 16);
    assert_pixel(c, 5, 10, BLACK);
    assert_pixel(c, 20, 10, BLACK);
    assert_pixel(c, 21, 10, WHITE);
    ui_canvas_line(c, 30, 40, 30, 31, BLACK);
    assert_int_equal(count_not(c, 30, 0, 31, H, WHITE), 10);

    ui_canvas_clear(c, WHITE);
    ui_canvas_line(c, 0, 0, 20, 20, BLACK);
    for (int i = 0; i <= 20; i++)
        assert_pixel(c, i, i, BLACK);
    assert_pixel(c, 20, 0, WHITE);
    assert_pixel(c, 0, 20, WHITE);
}

/* ---- Arc ---- */

static void test_arc_on_circle(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_arc(c, 32, 32, 20, 4, 0, 2 * 3.14159265f, RED);
    for (int i = 0; i < 16; i++) {
        float t = (float)i * 2 * 3.14159265f / 16;
        int x = (int)floorf(32 + 20 * cosf(t)), y = (int)floorf(32 + 20 * sinf(t));
        assert_pixel(c, x, y, RED);
        /* Well inside and outside the ring is untouched. */
        assert_pixel(c, (int)floorf(32 + 14 * cosf(t)), (int)floorf(32 + 14 * sinf(t)), WHITE);
        int ox = (int)floorf(32 + 26 * cosf(t)), oy = (int)floorf(32 + 26 * sinf(t));
        if (ox >= 0 && oy >= 0 && ox < W && oy < H) assert_pixel(c, ox, oy, WHITE);
    }
    assert_pixel(c, 32, 32, WHITE);

    /* Angles run clockwise on screen from +x: 0..pi is the lower half. */
    ui_canvas_clear(c, WHITE);
    ui_canvas_arc(c, 32, 32, 20, 4, 0, 3.14159265f, BLUE);
    assert_pixel(c, 32, 52, BLUE);
    assert_pixel(c, 32, 11, WHITE);
    assert_int_equal(count_not(c, 0, 0, W, 29, WHITE), 0);
    /* The same arc with the angles swapped. */
    ui_canvas_clear(c, WHITE);
    ui_canvas_arc(c, 32, 32, 20, 4, 3.14159265f, 0, BLUE);
    assert_pixel(c, 32, 52, BLUE);
    assert_int_equal(count_not(c, 0, 0, W, 29, WHITE), 0);
}

/* ---- Clip and translation ---- */

static void test_clip_limits_drawing(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_push_clip(c, (ui_rect){0, 0, 20, 20});
    ui_canvas_fill_rect(c, (ui_rect){10, 10, 30, 30}, RED);
    assert_pixel(c, 15, 15, RED);
    assert_pixel(c, 19, 19, RED);
    assert_pixel(c, 20, 19, WHITE);
    assert_pixel(c, 25, 25, WHITE);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 100);

    /* Nested clips intersect; popping restores the outer clip. */
    ui_canvas_clear(c, WHITE);
    ui_canvas_push_clip(c, (ui_rect){15, 15, 30, 30});
    ui_canvas_fill_rect(c, (ui_rect){0, 0, W, H}, BLUE);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 25);
    assert_int_equal(count_not(c, 15, 15, 20, 20, BLUE), 0);
    /* Triangles and text are clipped too. */
    ui_canvas_fill_rounded_rect(c, (ui_rect){0, 0, W, H}, 5, RED);
    ui_canvas_arc(c, 32, 32, 20, 30, 0, 7, RED);
    ui_canvas_text(c, "WWWW", 4, 30, true, RED, 0, 0);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 25);
    ui_canvas_pop_clip(c);
    ui_canvas_fill_rect(c, (ui_rect){0, 0, W, H}, BLUE);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 400);

    /* A disjoint clip draws nothing at all. */
    ui_canvas_push_clip(c, (ui_rect){40, 40, 10, 10});
    ui_canvas_fill_rect(c, (ui_rect){0, 0, W, H}, BLACK);
    ui_canvas_text(c, "x", 1, 20, false, BLACK, 0, 0);
    ui_canvas_pop_clip(c);
    ui_canvas_pop_clip(c);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 400);

    /* With every clip popped, drawing covers the whole canvas. */
    ui_canvas_fill_rect(c, (ui_rect){0, 0, W, H}, BLACK);
    assert_int_equal(count_not(c, 0, 0, W, H, BLACK), 0);
    ui_canvas_present(c);
}

static void test_translate_offsets(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_save(c);
    ui_canvas_translate(c, 5, 7);
    ui_canvas_fill_rect(c, (ui_rect){0, 0, 2, 2}, RED);
    assert_pixel(c, 5, 7, RED);
    assert_pixel(c, 6, 8, RED);
    assert_pixel(c, 4, 7, WHITE);
    assert_pixel(c, 5, 6, WHITE);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 4);

    /* Translations add up; the clip rectangle is translated too. */
    ui_canvas_push_clip(c, (ui_rect){0, 0, 10, 10}); /* (5, 7)-(15, 17) */
    ui_canvas_translate(c, 10, 10);
    ui_canvas_fill_rect(c, (ui_rect){-10, -10, 40, 40}, BLUE);
    assert_int_equal(count_not(c, 5, 7, 15, 17, BLUE), 0);
    assert_pixel(c, 15, 17, WHITE);
    ui_canvas_pop_clip(c); /* back to (5, 7) */
    ui_canvas_fill_rect(c, (ui_rect){30, 30, 1, 1}, BLACK);
    assert_pixel(c, 35, 37, BLACK);
    ui_canvas_restore(c); /* back to (0, 0) */
    ui_canvas_fill_rect(c, (ui_rect){60, 60, 1, 1}, BLACK);
    assert_pixel(c, 60, 60, BLACK);

    /* Text and arcs move with the origin. */
    ui_canvas_clear(c, WHITE);
    ui_canvas_save(c);
    ui_canvas_translate(c, 30, 30);
    ui_canvas_text(c, "Hi", 2, 12, false, BLACK, 0, 0);
    ui_canvas_arc(c, 10, 10, 5, 2, 0, 7, BLACK);
    ui_canvas_restore(c);
    assert_int_equal(count_not(c, 0, 0, 30, H, WHITE), 0);
    assert_int_equal(count_not(c, 0, 0, W, 30, WHITE), 0);
    assert_true(count_not(c, 30, 30, W, H, WHITE) > 0);
    ui_canvas_present(c);
}

/* ---- Text ---- */

static void test_text_inside_measured_box(void **state)
{
    ui_canvas *c = *state;
    const char *s = "Hello, gy!";
    float w, h;
    ui_text_measure(c, s, strlen(s), 12, false, &w, &h);
    assert_true(w > 20 && w < W);
    assert_true(h >= 12 && h < 20);
    ui_canvas_text(c, s, strlen(s), 12, false, BLACK, 3, 5);
    int x1 = 3 + (int)ceilf(w), y1 = 5 + (int)ceilf(h);
    int inside = count_not(c, 3, 5, x1, y1, WHITE);
    assert_true(inside > 30);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), inside);
    /* The ink reaches near both ends of the box. */
    int bx0, by0, bx1, by1;
    assert_true(ink_box(c, WHITE, &bx0, &by0, &bx1, &by1));
    assert_true(bx0 <= 5 && bx1 >= x1 - 3);
}

static void test_measure_grows(void **state)
{
    ui_canvas *c = *state;
    float prev = 0;
    const char *s = "abcdefgh";
    for (size_t n = 1; n <= strlen(s); n++) {
        float w, h;
        ui_text_measure(c, s, n, 14, false, &w, &h);
        assert_true(w > prev);
        prev = w;
    }
    float w12, h12, w24, h24;
    ui_text_measure(c, "Islet", 5, 12, false, &w12, &h12);
    ui_text_measure(c, "Islet", 5, 24, false, &w24, &h24);
    assert_true(w24 > 1.6f * w12 && w24 < 2.4f * w12);
    assert_true(h24 > 1.6f * h12);
    /* The empty string is zero wide but one line high. */
    float we, he;
    ui_text_measure(c, "", 0, 12, false, &we, &he);
    assert_true(we == 0);
    assert_true(he == h12);
    /* len counts: bytes after it are not measured. */
    assert_true(text_w(c, "ab", 14, false) < text_w(c, "abcd", 14, false));
}

static void test_bold_is_wider(void **state)
{
    ui_canvas *c = *state;
    const char *s = "The quick brown fox";
    assert_true(text_w(c, s, 14, true) > text_w(c, s, 14, false));
    /* And the drawn ink is heavier. */
    ui_canvas_text(c, "Bold", 4, 16, false, BLACK, 0, 0);
    int regular = count_not(c, 0, 0, W, 32, WHITE);
    ui_canvas_text(c, "Bold", 4, 16, true, BLACK, 0, 32);
    int bold = count_not(c, 0, 32, W, H, WHITE);
    assert_true(bold > regular);
}

static void test_text_cache(void **state)
{
    ui_canvas *c = *state;
    ui_canvas_stats st;
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.text_renders, 0);
    assert_int_equal(st.text_hits, 0);

    ui_canvas_text(c, "cached", 6, 12, false, BLACK, 0, 0);
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.text_renders, 1);
    assert_int_equal(st.text_hits, 0);
    assert_int_equal(st.text_entries, 1);

    ui_canvas_text(c, "cached", 6, 12, false, BLACK, 10, 20); /* position is not in the key */
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.text_renders, 1);
    assert_int_equal(st.text_hits, 1);

    ui_canvas_text(c, "cached", 6, 12, false, RED, 0, 0);   /* another color */
    ui_canvas_text(c, "cached", 6, 13, false, BLACK, 0, 0); /* another size */
    ui_canvas_text(c, "cached", 6, 12, true, BLACK, 0, 0);  /* bold */
    ui_canvas_text(c, "cache", 5, 12, false, BLACK, 0, 0);  /* a prefix */
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.text_renders, 5);
    assert_int_equal(st.text_hits, 1);
    assert_int_equal(st.text_entries, 5);

    /* A steady frame renders no new text. */
    for (int frame = 0; frame < 10; frame++) {
        ui_canvas_clear(c, WHITE);
        ui_canvas_text(c, "cached", 6, 12, false, BLACK, 0, 0);
        ui_canvas_text(c, "cached", 6, 12, false, RED, 0, 20);
        ui_canvas_text(c, "cache", 5, 12, false, BLACK, 0, 40);
        ui_canvas_present(c);
    }
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.text_renders, 5);
    assert_int_equal(st.text_hits, 31);
}

static void test_text_cache_is_bounded(void **state)
{
    ui_canvas *c = *state;
    char s[16];
    int n = UI_CANVAS_TEXT_CACHE_MAX + 20;
    for (int i = 0; i < n; i++) {
        int len = snprintf(s, sizeof s, "%d", i);
        ui_canvas_text(c, s, (size_t)len, 8, false, BLACK, 0, 0);
    }
    ui_canvas_stats st;
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.text_renders, n);
    assert_int_equal(st.text_entries, UI_CANVAS_TEXT_CACHE_MAX);
    /* The newest is still cached, the oldest is gone. */
    int len = snprintf(s, sizeof s, "%d", n - 1);
    ui_canvas_text(c, s, (size_t)len, 8, false, BLACK, 0, 0);
    ui_canvas_text(c, "0", 1, 8, false, BLACK, 0, 0);
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.text_hits, 1);
    assert_int_equal(st.text_renders, n + 1);
    assert_int_equal(st.text_entries, UI_CANVAS_TEXT_CACHE_MAX);
}

static void test_invalid_utf8(void **state)
{
    ui_canvas *c = *state;
    static const struct {
        const char *s;
        size_t len;
        const char *drawn; /* as it must be drawn: U+FFFD is EF BF BD */
    } cases[] = {
        {"\xff\xfeok", 4, "\xef\xbf\xbd\xef\xbf\xbdok"},
        {"\xe2\x82", 2, "\xef\xbf\xbd"},                             /* truncated 3-byte sequence */
        {"ab\xf0\x9f\x98", 5, "ab\xef\xbf\xbd"},                     /* truncated 4-byte sequence */
        {"\x80\x80x", 3, "\xef\xbf\xbd\xef\xbf\xbdx"},               /* lone continuation bytes */
        {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong */
        {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
        {"\xf4\x90\x80\x80", 4,
         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* beyond U+10FFFF */
        {"a\0b", 3,
         "a\xef\xbf\xbd"
         "b"}, /* NUL inside len */
        {"\xe2\x82z\xe2", 4, "\xef\xbf\xbdz\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float w, h;
        ui_text_measure(c, cases[i].s, cases[i].len, 12, false, &w, &h);
        assert_true(w > 0 && h > 0);
        float want = text_w(c, cases[i].drawn, 12, false);
        if (w != want) fail_msg("case %zu: width %.1f, expected %.1f", i, w, want);

        ui_canvas_clear(c, WHITE);
        ui_canvas_text(c, cases[i].s, cases[i].len, 12, false, BLACK, 1, 1);
        assert_true(count_not(c, 0, 0, W, H, WHITE) > 0);
    }
    /* Valid multibyte text is drawn as is. */
    assert_true(fabsf(text_w(c, "h\xc3\xa9", 12, false) - text_w(c, "h\xef\xbf\xbd", 12, false)) >
                0.5f);
}

/* ---- Images ---- */

static void test_image_copies_pixels(void **state)
{
    ui_canvas *c = *state;
    uint32_t px[12];
    for (int i = 0; i < 12; i++)
        px[i] = (uint32_t)(i * 20) << 24 | (uint32_t)(255 - i * 20) << 16 | (uint32_t)(i * 7) << 8 |
                0xFF;
    uint32_t copy[12];
    memcpy(copy, px, sizeof px);
    ui_canvas_image(c, px, 4, 3, (ui_rect){10, 20, 4, 3});
    assert_memory_equal(px, copy, sizeof px); /* the caller's pixels are untouched */
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 4; x++) {
            uint32_t p = px[y * 4 + x];
            assert_pixel(
                c, 10 + x, 20 + y,
                (ui_color){(uint8_t)(p >> 24), (uint8_t)(p >> 16), (uint8_t)(p >> 8), 255});
        }
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 12);

    /* Transparent pixels leave the background; stretched images fill dst. */
    uint32_t two[2] = {0x00FF00FF, 0x00000000};
    ui_canvas_clear(c, WHITE);
    ui_canvas_image(c, two, 2, 1, (ui_rect){0, 0, 2, 1});
    assert_pixel(c, 0, 0, (ui_color){0, 255, 0, 255});
    assert_pixel(c, 1, 0, WHITE);
    uint32_t one = 0x0000FFFF;
    ui_canvas_image(c, &one, 1, 1, (ui_rect){20, 20, 8, 8});
    assert_int_equal(count_not(c, 20, 20, 28, 28, BLUE), 0);
    assert_int_equal(count_not(c, 0, 0, W, H, WHITE), 65);
}

/* A versioned image keeps its texture: drawn again with the same version it
 * is not uploaded again (even if the caller broke the promise and changed
 * the pixels); a new version uploads the new pixels. */
static void test_versioned_image_is_uploaded_once(void **state)
{
    ui_canvas *c = *state;
    uint32_t px[4] = {0xFF0000FF, 0xFF0000FF, 0xFF0000FF, 0xFF0000FF}; /* red */
    ui_canvas_stats st;
    for (int i = 0; i < 3; i++)
        ui_canvas_image_cached(c, px, 2, 2, 1, (ui_rect){0, 0, 2, 2});
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.image_uploads, 1);
    assert_pixel(c, 1, 1, RED);
    for (int i = 0; i < 4; i++)
        px[i] = 0x0000FFFF; /* blue, same version: the cached red stays */
    ui_canvas_image_cached(c, px, 2, 2, 1, (ui_rect){0, 0, 2, 2});
    assert_pixel(c, 1, 1, RED);
    ui_canvas_image_cached(c, px, 2, 2, 2, (ui_rect){0, 0, 2, 2});
    assert_pixel(c, 1, 1, BLUE);
    ui_canvas_get_stats(c, &st);
    assert_int_equal(st.image_uploads, 2);
    /* More images than the cache holds: each still draws right. */
    uint32_t many[UI_CANVAS_IMAGES_MAX + 2];
    for (int i = 0; i < UI_CANVAS_IMAGES_MAX + 2; i++) {
        many[i] = i % 2 ? 0x000000FF : 0xFFFFFFFF;
        ui_canvas_image_cached(c, &many[i], 1, 1, 1, (ui_rect){(float)i, 10, 1, 1});
        assert_pixel(c, i, 10, i % 2 ? BLACK : WHITE);
    }
}

/* ---- Scale ---- */

static void test_scale_two(void **state)
{
    ui_canvas *c1 = *state;
    ui_canvas *c2 = ui_canvas_new_offscreen(W, H, 2.0f);
    assert_non_null(c2);
    ui_canvas_clear(c2, WHITE);
    assert_true(ui_canvas_scale(c2) == 2.0f);
    float lw, lh;
    ui_canvas_size(c2, &lw, &lh);
    assert_true(lw == W / 2 && lh == H / 2);

    /* A rectangle covers twice the device pixels on each axis. */
    ui_canvas_fill_rect(c2, (ui_rect){1, 1, 4, 4}, RED);
    assert_pixel(c2, 2, 2, RED);
    assert_pixel(c2, 9, 9, RED);
    assert_pixel(c2, 1, 1, WHITE);
    assert_pixel(c2, 10, 10, WHITE);
    assert_int_equal(count_not(c2, 0, 0, W, H, WHITE), 64);
    ui_canvas_line(c2, 0, 20, 9, 20, BLACK);
    assert_int_equal(count_not(c2, 0, 40, W, 42, WHITE), 40);
    /* A border one unit wide is two device pixels. */
    ui_canvas_clear(c2, WHITE);
    ui_canvas_stroke_rect(c2, (ui_rect){2, 2, 10, 10}, 1, 0, BLUE);
    assert_int_equal(count_not(c2, 0, 0, W, H, WHITE), 20 * 20 - 16 * 16);
    assert_pixel(c2, 5, 10, BLUE);
    assert_pixel(c2, 6, 10, WHITE);
    /* A diagonal line is about two device pixels thick along its whole length. */
    ui_canvas_clear(c2, WHITE);
    ui_canvas_line(c2, 2, 2, 12, 12, BLACK);
    for (int i = 5; i < 25; i++)
        assert_pixel(c2, i, i, BLACK);
    int n = count_not(c2, 0, 0, W, H, WHITE);
    assert_true(n > 2 * 20 && n < 4 * 22);

    /* Text: the same logical size, twice the device pixels. */
    const char *s = "Scale";
    float w1, h1, w2, h2;
    ui_text_measure(c1, s, 5, 10, false, &w1, &h1);
    ui_text_measure(c2, s, 5, 10, false, &w2, &h2);
    assert_true(fabsf(w1 - w2) <= 0.15f * w1);
    assert_true(fabsf(h1 - h2) <= 1.5f);

    ui_canvas_clear(c2, WHITE);
    ui_canvas_text(c1, s, 5, 10, false, BLACK, 0, 0);
    ui_canvas_text(c2, s, 5, 10, false, BLACK, 0, 0);
    int a0, b0, a1, b1, p0, q0, p1, q1;
    assert_true(ink_box(c1, WHITE, &a0, &b0, &a1, &b1));
    assert_true(ink_box(c2, WHITE, &p0, &q0, &p1, &q1));
    float ink1 = (float)(a1 - a0), ink2 = (float)(p1 - p0);
    assert_true(ink2 > 1.7f * ink1 && ink2 < 2.3f * ink1);
    assert_true(p1 <= (int)ceilf(w2 * 2));
    ui_canvas_free(c2);
}

/* ---- Other renderers, lifetime ---- */

static void test_canvas_over_a_callers_renderer(void **state)
{
    (void)state;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 16, 16, 32, SDL_PIXELFORMAT_ARGB8888);
    assert_non_null(s);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(s);
    assert_non_null(r);
    ui_canvas *c = ui_canvas_new_for_renderer(r, 1.0f);
    assert_non_null(c);
    assert_null(ui_canvas_surface(c));
    float w, h;
    ui_canvas_size(c, &w, &h);
    assert_true(w == 16 && h == 16);
    ui_canvas_clear(c, BLACK);
    ui_canvas_push_clip(c, (ui_rect){0, 0, 4, 4});
    ui_canvas_fill_rect(c, (ui_rect){2, 2, 10, 10}, RED);
    ui_canvas_pop_clip(c);
    ui_canvas_text(c, "x", 1, 10, false, WHITE, 8, 0);
    ui_canvas_free(c);
    /* The renderer is still the caller's, usable and unclipped. */
    SDL_SetRenderDrawColor(r, 0, 0, 255, 255);
    SDL_RenderDrawPoint(r, 15, 15);
    SDL_RenderFlush(r);
    Uint32 *p = s->pixels;
    int stride = s->pitch / 4;
    assert_int_equal(p[3 * stride + 3], 0xFFFF0000);
    assert_int_equal(p[4 * stride + 4], 0xFF000000);
    assert_int_equal(p[15 * stride + 15], 0xFF0000FF);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(s);
}

static void test_libraries_are_reference_counted(void **state)
{
    ui_canvas_free(*state); /* the fixture's canvas */
    *state = NULL;
    assert_int_equal(TTF_WasInit(), 0);
    ui_canvas *a = ui_canvas_new_offscreen(8, 8, 1);
    ui_canvas *b = ui_canvas_new_offscreen(8, 8, 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(TTF_WasInit() > 0);
    ui_canvas_free(a);
    assert_true(TTF_WasInit() > 0);
    float w;
    ui_text_measure(b, "still works", 11, 10, false, &w, NULL);
    assert_true(w > 0);
    ui_canvas_free(b);
    assert_int_equal(TTF_WasInit(), 0);

    assert_null(ui_canvas_new_offscreen(0, 8, 1));
    assert_null(ui_canvas_new_offscreen(8, 8, 0));
    assert_null(ui_canvas_new_offscreen(8, 8, NAN));
    assert_null(ui_canvas_new_for_renderer(NULL, 1));
    assert_int_equal(TTF_WasInit(), 0);
}

/* ---- Misuse aborts ---- */

static void child_pop_empty(void)
{
    ui_canvas *c = ui_canvas_new_offscreen(8, 8, 1);
    ui_canvas_pop_clip(c);
}

static void child_pop_mismatch(void)
{
    ui_canvas *c = ui_canvas_new_offscreen(8, 8, 1);
    ui_canvas_save(c);
    ui_canvas_pop_clip(c);
}

static void child_pixel_out_of_bounds(void)
{
    ui_canvas *c = ui_canvas_new_offscreen(8, 8, 1);
    ui_canvas_pixel(c, 8, 0);
}

static void child_present_unbalanced(void)
{
    ui_canvas *c = ui_canvas_new_offscreen(8, 8, 1);
    ui_canvas_push_clip(c, (ui_rect){0, 0, 4, 4});
    ui_canvas_present(c);
}

static void test_misuse_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("pop_empty", "ui_canvas_pop_clip: nothing to pop");
    ts_expect_check_abort("pop_mismatch", "the latest push is a ui_canvas_save");
    ts_expect_check_abort("pixel_out_of_bounds", "ui_canvas_pixel: pixel out of bounds");
    ts_expect_check_abort("present_unbalanced", "ui_canvas_present: a ui_canvas_push_clip");
}

int main(int argc, char **argv)
{
    static const ts_child_case cases[] = {
        {"pop_empty", child_pop_empty},
        {"pop_mismatch", child_pop_mismatch},
        {"pixel_out_of_bounds", child_pixel_out_of_bounds},
        {"present_unbalanced", child_present_unbalanced},
        {NULL, NULL},
    };
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_fill_rect_exact),
        T(test_rounded_rect_corners),
        T(test_translucent_rounded_rect_blends_once),
        T(test_stroke_rect),
        T(test_lines),
        T(test_arc_on_circle),
        T(test_clip_limits_drawing),
        T(test_translate_offsets),
        T(test_text_inside_measured_box),
        T(test_measure_grows),
        T(test_bold_is_wider),
        T(test_text_cache),
        T(test_text_cache_is_bounded),
        T(test_invalid_utf8),
        T(test_image_copies_pixels),
        T(test_versioned_image_is_uploaded_once),
        T(test_scale_two),
        T(test_canvas_over_a_callers_renderer),
        T(test_libraries_are_reference_counted),
        T(test_misuse_aborts),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
