/* test_text_field.c: the single-line text input, driven by real SDL key and
 * text events through ui_window_input: typing, cursor keys, selection,
 * clipboard, refusals of invalid UTF-8 and oversized text, focus. */
#include "test_support.h"
#include <islet/ui_tester.h>
#include <islet/ui_text_field.h>
#include <islet/ui_window.h>

#include <SDL.h>
#include <string.h>

static rt_virtual_clock vclock;

typedef struct app {
    char changed[256]; /* the text on_changed last reported */
    int changes, submits, rejected_code, presses;
    size_t max_bytes;
} app;

static void on_changed(void *ctx, const char *text, size_t len)
{
    app *a = ctx;
    assert_true(len < sizeof a->changed);
    memcpy(a->changed, text, len);
    a->changed[len] = 0;
    a->changes++;
}

static void on_submitted(void *ctx, const char *text, size_t len)
{
    (void)text;
    (void)len;
    ((app *)ctx)->submits++;
}

static void on_rejected(void *ctx, int code)
{
    ((app *)ctx)->rejected_code = code;
}

static void on_press(void *ctx)
{
    ((app *)ctx)->presses++;
}

static ui_widget *root(ui_build *b, void *ctx)
{
    app *a = ctx;
    ui_text_field_props p = {.initial = "https://example.com",
                             .hint = "URL",
                             .max_bytes = a->max_bytes,
                             .on_changed = on_changed,
                             .on_submitted = on_submitted,
                             .on_rejected = on_rejected,
                             .ctx = a};
    ui_widget *kids[] = {
        ui_text_field(b, ui_key_str("url"), &p),
        ui_button(b, ui_key_str("go"), "Go", on_press, a),
        ui_sized(b, 300, 60, NULL),
    };
    ui_flex_props col = {.cross_align = UI_STRETCH, .spacing = 8};
    return ui_padding(b, 10, ui_column(b, &col, kids, 3));
}

typedef struct fixture {
    app a;
    ui_tester *t;
    ui_element *field;
} fixture;

static void open_app(fixture *f, size_t max_bytes)
{
    memset(f, 0, sizeof *f);
    f->a.max_bytes = max_bytes;
    ts_main_enter_virtual(&vclock);
    f->t = ui_tester_new(320, 200, &vclock);
    ui_tester_pump_widget(f->t, root, &f->a);
    f->field = ui_find_key(f->t, ui_key_str("url"));
    assert_non_null(f->field);
}

static void close_app(fixture *f)
{
    assert_true(ui_tester_free(f->t));
    ts_main_leave();
}

static bool key(fixture *f, SDL_Keycode k, Uint16 mod)
{
    return ui_tester_key(f->t, k, mod);
}

static bool type(fixture *f, const char *s)
{
    return ui_tester_type(f->t, s);
}

static const char *text(fixture *f)
{
    return ui_text_field_text(f->field, NULL);
}

static size_t cursor(fixture *f)
{
    size_t c, a;
    ui_text_field_selection(f->field, &c, &a);
    return c;
}

static void test_typing_backspace_and_cursor(void **state)
{
    (void)state;
    fixture f;
    open_app(&f, 0);
    assert_string_equal(text(&f), "https://example.com");
    /* Not focused: text goes nowhere and letters stay shortcuts. */
    assert_false(type(&f, "x"));
    assert_false(key(&f, SDLK_p, 0));
    assert_string_equal(text(&f), "https://example.com");

    ui_tester_tap(f.t, f.field);
    assert_ptr_equal(ui_tree_get_focus(ui_tester_tree(f.t)), f.field);
    assert_true(key(&f, SDLK_END, 0));
    assert_true(key(&f, SDLK_p, 0)); /* a plain key is the field's now */
    assert_true(type(&f, "/p\xc3\xa9"));
    assert_string_equal(text(&f), "https://example.com/p\xc3\xa9");
    assert_string_equal(f.a.changed, "https://example.com/p\xc3\xa9");
    /* Backspace removes one code point (2 bytes here). */
    assert_true(key(&f, SDLK_BACKSPACE, 0));
    assert_string_equal(text(&f), "https://example.com/p");
    /* Left twice, insert in the middle. */
    key(&f, SDLK_LEFT, 0);
    key(&f, SDLK_LEFT, 0);
    assert_int_equal(cursor(&f), strlen("https://example.com"));
    type(&f, ":80");
    assert_string_equal(text(&f), "https://example.com:80/p");
    /* Home, Delete, Right, then Ctrl+Backspace takes a word. */
    key(&f, SDLK_HOME, 0);
    assert_int_equal(cursor(&f), 0);
    key(&f, SDLK_DELETE, 0);
    assert_string_equal(text(&f), "ttps://example.com:80/p");
    key(&f, SDLK_END, 0);
    key(&f, SDLK_BACKSPACE, KMOD_LCTRL);
    assert_string_equal(text(&f), "ttps://example.com:80/");
    key(&f, SDLK_LEFT, KMOD_LCTRL);
    assert_int_equal(cursor(&f), strlen("ttps://example.com:"));
    /* Space arrives as text; Enter submits. */
    assert_true(key(&f, SDLK_SPACE, 0));
    assert_true(key(&f, SDLK_RETURN, 0));
    assert_int_equal(f.a.submits, 1);
    assert_int_equal(f.a.presses, 0);
    /* AltGr (Windows reports it as Ctrl+Alt) types, it is no shortcut:
     * AltGr+A is "ą" on a Polish layout, not select-all. */
    key(&f, SDLK_END, 0);
    assert_true(key(&f, SDLK_a, KMOD_LCTRL | KMOD_RALT));
    type(&f, "\xc4\x85");
    assert_string_equal(text(&f), "ttps://example.com:80/\xc4\x85");
    /* Escape ends the editing; a second one is left to the window (quit). */
    assert_true(key(&f, SDLK_ESCAPE, 0));
    assert_null(ui_tree_get_focus(ui_tester_tree(f.t)));
    assert_false(key(&f, SDLK_ESCAPE, 0));
    close_app(&f);
}

static void test_selection_and_clipboard(void **state)
{
    (void)state;
    fixture f;
    open_app(&f, 0);
    ui_tester_tap(f.t, f.field);
    /* Shift+Left selects; typing replaces the selection. */
    key(&f, SDLK_END, 0);
    for (int i = 0; i < 3; i++)
        key(&f, SDLK_LEFT, KMOD_LSHIFT);
    size_t c, a;
    ui_text_field_selection(f.field, &c, &a);
    assert_int_equal(a - c, 3);
    type(&f, "org");
    assert_string_equal(text(&f), "https://example.org");
    /* Ctrl+A, Ctrl+C, Ctrl+V at the end doubles the text; Ctrl+X empties. */
    key(&f, SDLK_a, KMOD_LCTRL);
    key(&f, SDLK_c, KMOD_LCTRL);
    char *clip = ui_tree_clipboard_get(ui_tester_tree(f.t));
    assert_string_equal(clip, "https://example.org");
    rt_free(clip);
    key(&f, SDLK_END, 0);
    key(&f, SDLK_v, KMOD_LCTRL);
    assert_string_equal(text(&f), "https://example.orghttps://example.org");
    key(&f, SDLK_a, KMOD_LCTRL);
    key(&f, SDLK_x, KMOD_LCTRL);
    assert_string_equal(text(&f), "");
    assert_string_equal(f.a.changed, "");
    /* A pasted line break is dropped, a tab becomes a space. */
    ui_tree_clipboard_set(ui_tester_tree(f.t), "a\r\nb\tc\n", 7);
    key(&f, SDLK_v, KMOD_LCTRL);
    assert_string_equal(text(&f), "ab c");
    close_app(&f);
}

static void test_bad_input_is_refused_whole(void **state)
{
    (void)state;
    fixture f;
    open_app(&f, 24);
    ui_tree *tree = ui_tester_tree(f.t);
    assert_int_equal(ui_tree_text_input(tree, "x", 1), RT_ESTATE); /* nothing focused */
    ui_tester_tap(f.t, f.field);
    key(&f, SDLK_END, 0);
    /* Invalid UTF-8, typed or pasted, changes nothing, and says so. */
    assert_int_equal(ui_tree_text_input(tree, "ok\xff", 3), RT_EILSEQ);
    assert_int_equal(f.a.rejected_code, RT_EILSEQ);
    f.a.rejected_code = 0;
    ui_tree_clipboard_set(tree, "\xc3(", 2);
    key(&f, SDLK_v, KMOD_LCTRL);
    assert_int_equal(f.a.rejected_code, RT_EILSEQ);
    assert_string_equal(text(&f), "https://example.com");
    assert_int_equal(f.a.changes, 0);
    /* The border turns red. */
    float x, y, w, h;
    ui_element_rect(f.field, &x, &y, &w, &h);
    ui_color c = ui_canvas_pixel(ui_tester_canvas(f.t), (int)(x + w / 2), (int)y);
    assert_true(c.r > 180 && c.g < 80);
    /* Past max_bytes (24): refused whole, not cut. */
    assert_int_equal(ui_tree_text_input(tree, "/abcdef", 7), RT_E2BIG);
    assert_int_equal(f.a.rejected_code, RT_E2BIG);
    assert_string_equal(text(&f), "https://example.com");
    assert_int_equal(ui_tree_text_input(tree, "/abcd", 5), RT_OK);
    assert_string_equal(text(&f), "https://example.com/abcd");
    /* Setting text checks the same way. */
    assert_int_equal(ui_text_field_set_text(f.field, "\xe2\x82", 2), RT_EILSEQ);
    assert_int_equal(ui_text_field_set_text(f.field, "https://a.test", 14), RT_OK);
    assert_string_equal(text(&f), "https://a.test");
    /* The field's own text as the new text (it moves while being set). */
    assert_int_equal(ui_text_field_set_text(f.field, text(&f) + 8, 6), RT_OK);
    assert_string_equal(text(&f), "a.test");
    close_app(&f);
}

static void test_focus_tab_and_pointer(void **state)
{
    (void)state;
    fixture f;
    open_app(&f, 0);
    ui_tree *tree = ui_tester_tree(f.t);
    /* Tab goes to the field, then to the button; Enter presses it. */
    assert_true(key(&f, SDLK_TAB, 0));
    assert_ptr_equal(ui_tree_get_focus(tree), f.field);
    assert_true(key(&f, SDLK_TAB, 0));
    assert_ptr_equal(ui_tree_get_focus(tree), ui_find_key(f.t, ui_key_str("go")));
    key(&f, SDLK_RETURN, 0);
    assert_int_equal(f.a.presses, 1);
    assert_true(key(&f, SDLK_TAB, KMOD_LSHIFT));
    assert_ptr_equal(ui_tree_get_focus(tree), f.field);

    /* A press at the left edge puts the cursor first, at the right last; a
     * drag selects. */
    float x, y, w, h;
    ui_element_rect(f.field, &x, &y, &w, &h);
    ui_tree_pointer(tree, UI_POINTER_HOVER, x + 5, y + h / 2); /* the window's I-beam */
    assert_ptr_equal(ui_tree_hovered(tree), f.field);
    ui_tree_pointer(tree, UI_POINTER_DOWN, x + 2, y + h / 2);
    ui_tree_pointer(tree, UI_POINTER_UP, x + 2, y + h / 2);
    assert_int_equal(cursor(&f), 0);
    ui_tree_pointer(tree, UI_POINTER_DOWN, x + w - 2, y + h / 2);
    assert_int_equal(cursor(&f), strlen("https://example.com"));
    ui_tree_pointer(tree, UI_POINTER_MOVE, x + 2, y + h / 2);
    ui_tree_pointer(tree, UI_POINTER_UP, x + 2, y + h / 2);
    size_t c, a;
    ui_text_field_selection(f.field, &c, &a);
    assert_int_equal(c, 0);
    assert_int_equal(a, strlen("https://example.com"));
    ui_tester_pump(f.t, 0);

    /* A press elsewhere takes the focus away. */
    ui_tree_pointer(tree, UI_POINTER_DOWN, 300, 190);
    ui_tree_pointer(tree, UI_POINTER_UP, 300, 190);
    assert_null(ui_tree_get_focus(tree));
    close_app(&f);
}

static void press_at(fixture *f, float x, float y)
{
    ui_tree_pointer(ui_tester_tree(f->t), UI_POINTER_DOWN, x, y);
    ui_tree_pointer(ui_tester_tree(f->t), UI_POINTER_UP, x, y);
}

/* A double press selects the word under it, a triple press everything; a
 * press after a pause is a single press again. */
static void test_double_and_triple_press(void **state)
{
    (void)state;
    fixture f;
    open_app(&f, 0);
    float x, y, w, h;
    ui_element_rect(f.field, &x, &y, &w, &h);
    y += h / 2;
    float px = x; /* a point inside "example" of "https://example.com" */
    do {
        px += 3;
        press_at(&f, px, y);
        ui_tester_pump(f.t, UI_DOUBLE_PRESS_NS + RT_MS(1)); /* too late for a double */
        assert_true(px < x + w);
    } while (cursor(&f) <= 9 || cursor(&f) >= 14);
    press_at(&f, px, y);
    press_at(&f, px, y);
    size_t c, a;
    ui_text_field_selection(f.field, &c, &a);
    assert_int_equal(a, 8);
    assert_int_equal(c, 15); /* "example" */
    press_at(&f, px, y);
    ui_text_field_selection(f.field, &c, &a);
    assert_int_equal(a, 0);
    assert_int_equal(c, strlen("https://example.com"));
    ui_tester_pump(f.t, UI_DOUBLE_PRESS_NS + RT_MS(1));
    press_at(&f, px, y);
    ui_text_field_selection(f.field, &c, &a);
    assert_int_equal(c, a);
    /* Typing over the word replaces it. */
    press_at(&f, px, y);
    type(&f, "islet");
    assert_string_equal(text(&f), "https://islet.com");
    close_app(&f);
}

/* The first 120 pixels of the field's text row, as a checksum. */
static unsigned long text_row_sum(fixture *f)
{
    float x, y, w, h;
    ui_element_rect(f->field, &x, &y, &w, &h);
    unsigned long sum = 0;
    for (int px = (int)x + 12; px < (int)x + 132; px++)
        for (int py = (int)y + 4; py < (int)(y + h) - 4; py++) {
            ui_color c = ui_canvas_pixel(ui_tester_canvas(f->t), px, py);
            sum = sum * 31 + c.r + c.g + c.b + (unsigned long)(px - (int)x);
        }
    return sum;
}

/* Long text scrolls so the cursor stays inside the field, drawn as a dark bar. */
static void test_cursor_stays_in_view(void **state)
{
    (void)state;
    fixture f;
    open_app(&f, 0);
    unsigned long unscrolled = text_row_sum(&f);
    ui_tester_tap(f.t, f.field);
    key(&f, SDLK_END, 0);
    for (int i = 0; i < 8; i++)
        type(&f, "/segment");
    assert_true(text_row_sum(&f) != unscrolled); /* scrolled to the end */
    float x, y, w, h;
    ui_element_rect(f.field, &x, &y, &w, &h);
    ui_canvas *cv = ui_tester_canvas(f.t);
    int dark_col = -1;
    for (int px = (int)(x + w) - 4; px > (int)x && dark_col < 0; px--) {
        bool bar = true; /* a column dark over most of the line height */
        for (int py = (int)(y + h / 2) - 6; py <= (int)(y + h / 2) + 6; py++) {
            ui_color c = ui_canvas_pixel(cv, px, py);
            if (c.r > 60) bar = false;
        }
        if (bar) dark_col = px;
    }
    assert_true(dark_col > x + w - 20); /* the caret, near the right edge */
    /* Home scrolls back: unfocused, the row looks as it did at the start
     * (the text begins with the same characters). */
    key(&f, SDLK_HOME, 0);
    ui_tree_set_focus(ui_tester_tree(f.t), NULL);
    ui_tester_pump(f.t, 0);
    assert_true(text_row_sum(&f) == unscrolled);
    close_app(&f);
}

static void child_not_a_field(void)
{
    fixture f;
    open_app(&f, 0);
    ui_text_field_text(ui_find_key(f.t, ui_key_str("go")), NULL);
}

static ui_widget *bad_initial_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_text_field(b, UI_NO_KEY, &(ui_text_field_props){.initial = "caf\xe9"});
}

static void child_bad_initial(void)
{
    ts_main_enter_virtual(&vclock);
    ui_tester *t = ui_tester_new(100, 40, &vclock);
    ui_tester_pump_widget(t, bad_initial_root, NULL);
}

static void test_misuse_aborts(void **state)
{
    (void)state;
    ts_expect_check_abort("not-a-field", "ui_text_field_text: 'Button' is not a TextField");
    ts_expect_check_abort("bad-initial", "ui_text_field: the initial text is not valid UTF-8");
}

static const ts_child_case cases[] = {
    {"not-a-field", child_not_a_field}, {"bad-initial", child_bad_initial}, {NULL, NULL}};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typing_backspace_and_cursor),
        cmocka_unit_test(test_selection_and_clipboard),
        cmocka_unit_test(test_bad_input_is_refused_whole),
        cmocka_unit_test(test_focus_tab_and_pointer),
        cmocka_unit_test(test_double_and_triple_press),
        cmocka_unit_test(test_cursor_stays_in_view),
        cmocka_unit_test(test_misuse_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
