/* ui_tester.h: drive a widget tree headless, for cmocka tests.
 *
 * A tester owns an offscreen canvas and a tree on the calling main isolate.
 * Time is virtual when the isolate was entered with a virtual clock (give it
 * to ui_tester_new): pump(duration) advances it and runs what came due,
 * without real waiting. Main isolate only.
 *
 * Part of islet-testing (CMake Islet::testing, pkg-config islet-testing),
 * as flutter_test is its own package: islet-widgets carries no test code.
 */
#ifndef UI_TESTER_H
#define UI_TESTER_H

#include <islet/rt_export.h>

#include <islet/ui_widgets.h>

typedef struct ui_tester ui_tester;

/* vc may be NULL (real time). NULL when out of memory. */
ISLET_API ui_tester *ui_tester_new(float width, float height, rt_virtual_clock *vc);
/* The same at a device scale (2: a high-DPI screen): the tree works in
 * logical pixels, the canvas draws (and renders text) at width * scale. */
ISLET_API ui_tester *ui_tester_new_scaled(float width, float height, float scale,
                                          rt_virtual_clock *vc);
/* Frees the tester. Returns false, after printing what was left running
 * (see ui_tester_idle) on stderr, if the test left tickers or timers
 * behind: `assert_true(ui_tester_free(t))` makes such a test fail. */
ISLET_API bool ui_tester_free(ui_tester *t);
ISLET_API ui_tree *ui_tester_tree(ui_tester *t);
ISLET_API ui_canvas *ui_tester_canvas(ui_tester *t);

/* Sets the root and runs a frame. */
ISLET_API void ui_tester_pump_widget(ui_tester *t, ui_widget *(*root)(ui_build *b, void *ctx),
                                     void *ctx);
/* Advances virtual time by duration_ns (if virtual), runs what is due on the
 * loop, then a frame if anything is dirty. */
ISLET_API void ui_tester_pump(ui_tester *t, int64_t duration_ns);

/* Pumps frames of 16 ms of (virtual) time until nothing is dirty or
 * animating (no ticker runs: a list's fling ends); false if still busy
 * after timeout_ns. */
ISLET_API bool ui_tester_pump_and_settle(ui_tester *t, int64_t timeout_ns);

/* Real background work (compute, HTTP) in a test: waits in real time, up to
 * timeout_ns, for f to complete, while the loop runs and frames keep being
 * produced. True if it completed. (Virtual time does not move meanwhile.) */
ISLET_API bool ui_tester_wait_for(ui_tester *t, rt_future *f, int64_t timeout_ns);

/* True when no animation ticks and no timer is pending; otherwise false
 * with a sentence in why naming what is still running, e.g.
 * "1 ticker still running (Spinner); 2 timers pending". Call at the end of
 * a test: leftovers usually mean a widget forgot to stop something. */
ISLET_API bool ui_tester_idle(ui_tester *t, char *why, size_t n);

/* Finders: the first element matching, or NULL; counts of all matches. */
ISLET_API ui_element *ui_find_text(ui_tester *t, const char *text);
ISLET_API size_t ui_count_text(ui_tester *t, const char *text);
ISLET_API ui_element *ui_find_key(ui_tester *t, ui_key key);
ISLET_API ui_element *ui_find_class(ui_tester *t, const ui_widget_class *cls);
ISLET_API size_t ui_count_class(ui_tester *t, const ui_widget_class *cls);
/* A text element below `ancestor`, or NULL. */
ISLET_API ui_element *ui_find_text_in(ui_element *ancestor, const char *text);

/* Taps the centre of e (down, up) and pumps. */
ISLET_API void ui_tester_tap(ui_tester *t, ui_element *e);
/* Scrolls the list under e's centre by dy (a wheel) and pumps. */
ISLET_API void ui_tester_scroll(ui_tester *t, ui_element *e, float dy);
/* A key press as the window delivers it (ui_window_input): an SDL keycode
 * (SDLK_*) with SDL modifiers (KMOD_*), then a pump. True if the tree used
 * it (false: the window would hand it to the app's on_key). */
ISLET_API bool ui_tester_key(ui_tester *t, int sdl_keycode, unsigned sdl_mod);
/* Text typed into the focused element as SDL_TEXTINPUT events (whole code
 * points, at most 31 bytes each, as SDL sends them), then a pump. True if
 * the tree took every event (false when nothing that takes text has the
 * focus). Refused text shows in the element (a text field's on_rejected). */
ISLET_API bool ui_tester_type(ui_tester *t, const char *utf8);
/* Presses at e's centre, moves by (dx, dy), releases, and pumps. */
ISLET_API void ui_tester_drag(ui_tester *t, ui_element *e, float dx, float dy);

/* Gestures on virtual time, with a finger (UI_DEVICE_TOUCH, id 1), as
 * Flutter's WidgetTester. */
/* Two taps 50 ms apart at e's centre, then a pump. */
ISLET_API void ui_tester_double_tap(ui_tester *t, ui_element *e);
/* Presses e's centre, pumps past UI_LONG_PRESS_TIMEOUT_NS, releases, pumps. */
ISLET_API void ui_tester_long_press(ui_tester *t, ui_element *e);
/* Presses e's centre and moves by (dx, dy) in steps of 16 ms over
 * duration_ns (one step at least), releases and pumps: the speed at the end
 * is the drag's velocity. */
ISLET_API void ui_tester_drag_for(ui_tester *t, ui_element *e, float dx, float dy,
                                  int64_t duration_ns);
/* A drag by (dx, dy) at `speed` px/s (Flutter's tester.fling). */
ISLET_API void ui_tester_fling(ui_tester *t, ui_element *e, float dx, float dy, float speed);

#endif
