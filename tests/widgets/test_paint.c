/* test_paint.c: frames repaint only what changed, and the pixels are those
 * of a full repaint: each change is checked against a fresh tester that
 * paints the same state from scratch. */
#include "test_support.h"
#include <islet/ui_tester.h>

#include <string.h>

#define ROWS 12
#define COLS 12

static rt_virtual_clock vclock;
static int shade[ROWS * COLS]; /* each cell's colour, by index */
static const char *caption = "a caption, long enough";
static int moved_to = -1; /* a globally keyed cell moved into this row, or -1 */

static ui_widget *cell_build(ui_build *b, ui_element *e)
{
    int i = *(const int *)ui_props(e);
    ui_box_props p = {.width = 10,
                      .height = 10,
                      .color = {(uint8_t)(40 + 50 * shade[i]), 90, 200, 255},
                      .radius = 3};
    return ui_box(b, &p, NULL);
}

static const ui_widget_class cell_class = {
    .name = "Cell", .props_size = sizeof(int), .state_size = 1, .build = cell_build};

static ui_widget *cell(ui_build *b, int i, ui_key k)
{
    return ui_widget_new(b, &cell_class, k, &i, NULL, 0);
}

/* A row of cells, rebuilt on its own (set_state). */
static ui_widget *row_build(ui_build *b, ui_element *e)
{
    int r = *(const int *)ui_props(e);
    ui_widget *kids[COLS + 1];
    int n = 0;
    for (int c = 0; c < COLS; c++)
        if (!(r == 0 && c == 0)) kids[n++] = cell(b, r * COLS + c, ui_key_int(r * COLS + c));
    if (r == (moved_to < 0 ? 0 : moved_to)) kids[n++] = cell(b, 0, ui_key_global("wanderer"));
    /* A fixed box: a row losing or gaining a cell changes nothing around it. */
    return ui_sized(b, 190, 10, ui_row(b, &(ui_flex_props){.spacing = 2}, kids, (size_t)n));
}

static const ui_widget_class row_class = {
    .name = "CellRow", .props_size = sizeof(int), .state_size = 1, .build = row_build};

static ui_widget *caption_build(ui_build *b, ui_element *e)
{
    (void)e;
    /* A fixed box: a shorter text changes nothing around it. */
    return ui_sized(b, 190, 16, ui_text(b, caption, 12, (ui_color){0, 0, 0, 255}));
}

static const ui_widget_class caption_class = {
    .name = "Caption", .state_size = 1, .build = caption_build};

static ui_widget *grid(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *rows[ROWS + 1];
    for (int r = 0; r < ROWS; r++)
        rows[r] = ui_widget_new(b, &row_class, UI_NO_KEY, &r, NULL, 0);
    rows[ROWS] = ui_widget_new(b, &caption_class, UI_NO_KEY, NULL, NULL, 0);
    return ui_column(b, &(ui_flex_props){.spacing = 2}, rows, ROWS + 1);
}

static ui_element *grid_child(ui_tester *t, size_t i)
{
    return ui_element_child(ui_tree_root(ui_tester_tree(t)), i);
}

/* The pixels of t equal those of a fresh tester showing the same state. */
static void assert_same_as_full_repaint(ui_tester *t)
{
    ui_tester *fresh = ui_tester_new(200, 200, &vclock);
    ui_tester_pump_widget(fresh, grid, NULL);
    SDL_Surface *a = ui_canvas_surface(ui_tester_canvas(t));
    SDL_Surface *b = ui_canvas_surface(ui_tester_canvas(fresh));
    assert_int_equal(a->h, b->h);
    long differ = 0;
    for (int y = 0; y < a->h; y++)
        differ += memcmp((char *)a->pixels + y * a->pitch, (char *)b->pixels + y * b->pitch,
                         (size_t)a->w * 4) != 0;
    assert_int_equal(differ, 0);
    assert_true(ui_tester_free(fresh));
}

static unsigned last_painted(ui_tester *t)
{
    ui_frame_timing ft;
    assert_int_equal(ui_tree_timings(ui_tester_tree(t), &ft, 1), 1);
    return ft.painted;
}

static void test_partial_repaint_matches_full(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    memset(shade, 0, sizeof shade);
    moved_to = -1;
    caption = "a caption, long enough";
    ui_tester *t = ui_tester_new(200, 200, &vclock);
    ui_tester_pump_widget(t, grid, NULL);
    unsigned all = last_painted(t);
    assert_true(all > ROWS * COLS * 2); /* the first frame paints everything */

    /* One cell changes colour: a handful of elements are painted again. */
    ui_element *c57 = ui_find_key(t, ui_key_int(5 * COLS + 7));
    assert_ptr_equal(ui_element_class(c57), &cell_class);
    shade[5 * COLS + 7] = 3;
    ui_set_state(c57, NULL, NULL);
    ui_tester_pump(t, 0);
    assert_true(last_painted(t) < all / 10);
    assert_same_as_full_repaint(t);

    /* The caption shrinks: its old pixels are cleared too. */
    caption = "short";
    ui_set_state(grid_child(t, ROWS), NULL, NULL);
    ui_tester_pump(t, 0);
    assert_true(last_painted(t) < all / 2);
    assert_same_as_full_repaint(t);

    /* A globally keyed cell moves to another row: both places repaint. */
    shade[0] = 4;
    moved_to = 9;
    ui_set_state(grid_child(t, 0), NULL, NULL);
    ui_set_state(grid_child(t, 9), NULL, NULL);
    ui_tester_pump(t, 0);
    assert_true(last_painted(t) < all / 2);
    assert_same_as_full_repaint(t);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

/* Text wider than its box is clipped to it, so a neighbour's partial
 * repaint leaves nothing of it behind that a full repaint would not show. */
static int neighbour_shade;

static ui_widget *neighbour_build(ui_build *b, ui_element *e)
{
    (void)e;
    float side = neighbour_shade ? 10 : 30;
    ui_box_props p = {.width = side,
                      .height = side,
                      .color = {(uint8_t)(40 + 50 * neighbour_shade), 90, 200, 255}};
    return ui_sized(b, 30, 30, ui_align(b, 0, 0, ui_box(b, &p, NULL)));
}

static const ui_widget_class neighbour_class = {
    .name = "Neighbour", .state_size = 1, .build = neighbour_build};

static ui_widget *overflow_root(ui_build *b, void *ctx)
{
    (void)ctx;
    ui_widget *k[] = {ui_sized(b, 40, 30, ui_text(b, "WWWWWWWWWWWW", 24, (ui_color){0, 0, 0, 255})),
                      ui_widget_new(b, &neighbour_class, UI_NO_KEY, NULL, NULL, 0)};
    return ui_align(b, 0, 0, ui_row(b, &(ui_flex_props){.spacing = 30}, k, 2));
}

static long differing_pixels(ui_tester *t, ui_widget *(*root)(ui_build *, void *))
{
    ui_tester *fresh = ui_tester_new(200, 100, &vclock);
    ui_tester_pump_widget(fresh, root, NULL);
    SDL_Surface *a = ui_canvas_surface(ui_tester_canvas(t));
    SDL_Surface *b = ui_canvas_surface(ui_tester_canvas(fresh));
    long d = 0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++)
            d += memcmp((char *)a->pixels + y * a->pitch + x * 4,
                        (char *)b->pixels + y * b->pitch + x * 4, 4) != 0;
    assert_true(ui_tester_free(fresh));
    return d;
}

static void test_overflowing_text_is_clipped_to_its_box(void **state)
{
    (void)state;
    ts_main_enter_virtual(&vclock);
    neighbour_shade = 0;
    ui_tester *t = ui_tester_new(200, 100, &vclock);
    ui_tester_pump_widget(t, overflow_root, NULL);
    /* Nothing of the text beyond its 40 px box, on the first frame either. */
    SDL_Surface *s = ui_canvas_surface(ui_tester_canvas(t));
    long dark = 0;
    for (int y = 0; y < 30; y++)
        for (int x = 41; x < 70; x++)
            dark += (*(uint32_t *)((char *)s->pixels + y * s->pitch + x * 4) & 0xffffff00u) ==
                    0; /* RGBA: black text */
    assert_int_equal(dark, 0);
    neighbour_shade = 3;
    ui_set_state(ui_find_class(t, &neighbour_class), NULL, NULL);
    ui_tester_pump(t, 0);
    assert_int_equal(differing_pixels(t, overflow_root), 0);
    assert_true(ui_tester_free(t));
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partial_repaint_matches_full),
        cmocka_unit_test(test_overflowing_text_is_clipped_to_its_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
