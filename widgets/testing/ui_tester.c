/* ui_tester.c: the headless tester. */
#include <islet/ui_anim.h>
#include <islet/ui_tester.h>
#include <islet/ui_window.h>

#include <SDL.h>

#include <stdio.h>
#include <math.h>
#include <string.h>
#include <time.h>

struct ui_tester {
    ui_canvas *canvas;
    ui_tree *tree;
    rt_virtual_clock *vc;
};

/* Each frame starts from the window's background, so screenshots and
 * goldens look as the window does. */
static void clear_canvas(void *ctx)
{
    ui_canvas_clear(ctx, UI_BACKGROUND);
}

/* The offscreen canvas keeps its pixels: frames repaint what changed. */
static void clear_area(void *ctx, float x, float y, float w, float h)
{
    ui_canvas_fill_rect(ctx, (ui_rect){x, y, w, h}, UI_BACKGROUND);
}

ui_tester *ui_tester_new(float width, float height, rt_virtual_clock *vc)
{
    return ui_tester_new_scaled(width, height, 1.0f, vc);
}

ui_tester *ui_tester_new_scaled(float width, float height, float scale, rt_virtual_clock *vc)
{
    ui_tester *t = rt_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->canvas = ui_canvas_new_offscreen((int)(width * scale), (int)(height * scale), scale);
    t->tree = t->canvas ? ui_tree_new(width, height, t->canvas) : NULL;
    if (!t->tree) {
        ui_canvas_free(t->canvas);
        rt_free(t);
        return NULL;
    }
    ui_tree_set_paint_hooks(t->tree, clear_canvas, NULL, t->canvas);
    ui_tree_set_partial_paint(t->tree, clear_area);
    t->vc = vc;
    return t;
}

bool ui_tester_free(ui_tester *t)
{
    if (!t) return true;
    char why[256];
    bool idle = ui_tester_idle(t, why, sizeof why);
    if (!idle) fprintf(stderr, "ui_tester: the test left things running: %s\n", why);
    ui_tree_free(t->tree);
    ui_canvas_free(t->canvas);
    rt_free(t);
    return idle;
}

ui_tree *ui_tester_tree(ui_tester *t)
{
    return t->tree;
}

ui_canvas *ui_tester_canvas(ui_tester *t)
{
    return t->canvas;
}

void ui_tester_pump(ui_tester *t, int64_t duration_ns)
{
    if (t->vc) rt_virtual_clock_advance(t->vc, duration_ns);
    rt_run(RT_RUN_NOWAIT);
    ui_tree_frame(t->tree);
}

bool ui_tester_pump_and_settle(ui_tester *t, int64_t timeout_ns)
{
    for (int64_t spent = 0; spent <= timeout_ns; spent += RT_MS(16)) {
        ui_tester_pump(t, RT_MS(16));
        if (!ui_tree_needs_frame(t->tree) && ui_anim_active() == 0) return true;
    }
    return false;
}

bool ui_tester_wait_for(ui_tester *t, rt_future *f, int64_t timeout_ns)
{
    int64_t end = rt_monotonic_ns() + timeout_ns;
    while (!rt_future_is_complete(f) && rt_monotonic_ns() < end) {
        /* Messages from other isolates, then a frame; virtual time stays put,
         * so this checks every millisecond instead of blocking on the clock. */
        rt_run(RT_RUN_NOWAIT);
        ui_tree_frame(t->tree);
        if (!rt_future_is_complete(f)) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    ui_tree_frame(t->tree);
    return rt_future_is_complete(f);
}

bool ui_tester_idle(ui_tester *t, char *why, size_t n)
{
    size_t tickers = ui_anim_active();
    /* The tree's own frame timer is not a leftover. */
    size_t timers = rt_timers_pending() - (ui_tree_needs_frame(t->tree) ? 1 : 0) - tickers;
    if (!tickers && !timers) return true;
    size_t len =
        (size_t)snprintf(why, n, "%zu ticker%s still running", tickers, tickers == 1 ? "" : "s");
    for (size_t i = 0; i < tickers && len < n; i++)
        len +=
            (size_t)snprintf(why + len, n - len, "%s%s", i ? ", " : " (", ui_anim_active_owner(i));
    if (tickers && len < n) len += (size_t)snprintf(why + len, n - len, ")");
    if (len < n)
        snprintf(why + len, n - len, "; %zu timer%s pending", timers, timers == 1 ? "" : "s");
    return false;
}

void ui_tester_pump_widget(ui_tester *t, ui_widget *(*root)(ui_build *b, void *ctx), void *ctx)
{
    ui_tree_set_root(t->tree, root, ctx);
    ui_tester_pump(t, 0);
}

typedef struct finder {
    const char *text;
    ui_key key;
    const ui_widget_class *cls;
    ui_element *first;
    size_t count;
} finder;

static void match(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    finder *f = ctx;
    bool ok;
    if (f->text)
        ok = ui_element_class(e) == &ui_text_class &&
             strcmp(((const ui_text_props *)ui_props(e))->text, f->text) == 0;
    else if (!ui_key_is_none(f->key))
        ok = ui_key_eq(ui_element_key(e), f->key);
    else
        ok = ui_element_class(e) == f->cls;
    if (!ok) return;
    if (!f->first) f->first = e;
    f->count++;
}

static finder find(ui_tester *t, finder f)
{
    ui_tree_visit(t->tree, match, &f);
    return f;
}

ui_element *ui_find_text(ui_tester *t, const char *text)
{
    return find(t, (finder){.text = text}).first;
}

size_t ui_count_text(ui_tester *t, const char *text)
{
    return find(t, (finder){.text = text}).count;
}

ui_element *ui_find_key(ui_tester *t, ui_key key)
{
    return find(t, (finder){.key = key}).first;
}

ui_element *ui_find_class(ui_tester *t, const ui_widget_class *cls)
{
    return find(t, (finder){.cls = cls}).first;
}

size_t ui_count_class(ui_tester *t, const ui_widget_class *cls)
{
    return find(t, (finder){.cls = cls}).count;
}

static ui_element *text_below(ui_element *e, const char *text)
{
    if (ui_element_class(e) == &ui_text_class &&
        strcmp(((const ui_text_props *)ui_props(e))->text, text) == 0)
        return e;
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *found = text_below(ui_element_child(e, i), text);
        if (found) return found;
    }
    return NULL;
}

ui_element *ui_find_text_in(ui_element *ancestor, const char *text)
{
    for (size_t i = 0; i < ui_element_child_count(ancestor); i++) {
        ui_element *found = text_below(ui_element_child(ancestor, i), text);
        if (found) return found;
    }
    return NULL;
}

static void centre(ui_element *e, float *cx, float *cy)
{
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    *cx = x + w / 2;
    *cy = y + h / 2;
}

void ui_tester_tap(ui_tester *t, ui_element *e)
{
    float x, y;
    centre(e, &x, &y);
    ui_tree_pointer(t->tree, UI_POINTER_DOWN, x, y);
    ui_tree_pointer(t->tree, UI_POINTER_UP, x, y);
    ui_tester_pump(t, 0);
}

bool ui_tester_key(ui_tester *t, int sdl_keycode, unsigned sdl_mod)
{
    SDL_Event e = {.type = SDL_KEYDOWN};
    e.key.keysym.sym = sdl_keycode;
    e.key.keysym.mod = (Uint16)sdl_mod;
    bool used = ui_window_input(t->tree, &e);
    ui_tester_pump(t, 0);
    return used;
}

bool ui_tester_type(ui_tester *t, const char *utf8)
{
    bool used = true;
    SDL_Event e = {.type = SDL_TEXTINPUT};
    size_t room = sizeof e.text.text - 1;
    for (size_t n = strlen(utf8), i = 0; i < n;) {
        size_t k = n - i <= room ? n - i : rt_utf8_floor(utf8 + i, n - i, room);
        if (k == 0) k = room; /* not UTF-8 at all: bytes as they come */
        memset(e.text.text, 0, sizeof e.text.text);
        memcpy(e.text.text, utf8 + i, k);
        used = ui_window_input(t->tree, &e) && used;
        i += k;
    }
    ui_tester_pump(t, 0);
    return used;
}

void ui_tester_drag(ui_tester *t, ui_element *e, float dx, float dy)
{
    float x, y;
    centre(e, &x, &y);
    ui_tree_pointer(t->tree, UI_POINTER_DOWN, x, y);
    ui_tree_pointer(t->tree, UI_POINTER_MOVE, x + dx, y + dy);
    ui_tree_pointer(t->tree, UI_POINTER_UP, x + dx, y + dy);
    ui_tester_pump(t, 0);
}

void ui_tester_scroll(ui_tester *t, ui_element *e, float dy)
{
    float x, y;
    centre(e, &x, &y);
    ui_tree_scroll(t->tree, x, y, dy);
    ui_tester_pump(t, 0);
}

/* ---- Gestures with a finger, on virtual time ---- */

#define TESTER_FINGER 1
#define TESTER_STEP_NS 16000000LL

static void finger(ui_tester *t, int kind, float x, float y)
{
    ui_tree_pointer_id(t->tree, TESTER_FINGER, kind, UI_DEVICE_TOUCH, x, y, UI_BUTTON_PRIMARY);
}

void ui_tester_double_tap(ui_tester *t, ui_element *e)
{
    float x, y;
    centre(e, &x, &y);
    finger(t, UI_POINTER_DOWN, x, y);
    finger(t, UI_POINTER_UP, x, y);
    ui_tester_pump(t, 50000000);
    finger(t, UI_POINTER_DOWN, x, y);
    finger(t, UI_POINTER_UP, x, y);
    ui_tester_pump(t, 0);
}

void ui_tester_long_press(ui_tester *t, ui_element *e)
{
    float x, y;
    centre(e, &x, &y);
    finger(t, UI_POINTER_DOWN, x, y);
    ui_tester_pump(t, UI_LONG_PRESS_TIMEOUT_NS + 10000000);
    finger(t, UI_POINTER_UP, x, y);
    ui_tester_pump(t, 0);
}

void ui_tester_drag_for(ui_tester *t, ui_element *e, float dx, float dy, int64_t duration_ns)
{
    float x, y;
    centre(e, &x, &y);
    int64_t steps = duration_ns / TESTER_STEP_NS;
    if (steps < 1) steps = 1;
    finger(t, UI_POINTER_DOWN, x, y);
    for (int64_t i = 1; i <= steps; i++) {
        ui_tester_pump(t, duration_ns / steps);
        float f = (float)i / (float)steps;
        finger(t, UI_POINTER_MOVE, x + dx * f, y + dy * f);
    }
    finger(t, UI_POINTER_UP, x + dx, y + dy);
    ui_tester_pump(t, 0);
}

void ui_tester_fling(ui_tester *t, ui_element *e, float dx, float dy, float speed)
{
    double secs = speed > 0 ? hypot((double)dx, (double)dy) / speed : 0;
    ui_tester_drag_for(t, e, dx, dy, (int64_t)(secs * 1e9));
}
