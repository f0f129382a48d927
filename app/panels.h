/* panels.h: the demo's panels, each a stateful widget that owns what it
 * started (its State), and the few helpers they share. Private to app/:
 * the screen (screen.c) composes them; tests go through demo.h.
 * Main isolate only, like every widget. */
#ifndef DEMO_PANELS_H
#define DEMO_PANELS_H

#include <islet/ui_widgets.h>

/* ---- Shared look ---- */
static const ui_color demo_ink = {20, 20, 30, 255};
static const ui_color demo_error = {190, 30, 30, 255};
static const ui_color demo_blue = {50, 120, 240, 255};
static const ui_color demo_green = {0, 160, 80, 255};

ui_widget *demo_label(ui_build *b, const char *s, float size);
/* A status line that wraps to the width it gets (three lines at most), in
 * the error colour when `error`. */
ui_widget *demo_status(ui_build *b, ui_key key, const char *s, bool error);
/* A panel's frame: a title over its content. */
ui_widget *demo_titled(ui_build *b, const char *title, ui_widget *content);

/* Renames the event now running "tap: <button>" for the event log and the
 * trace (a button names it by its label; two buttons read "Cancel").
 * Called first in a button's handler (and only there: code shared with
 * other events must not rename them). */
void demo_tapped(const char *button);

/* The first element at or below e with key k (depth first), or NULL. */
ui_element *demo_find_key(ui_element *e, ui_key k);
/* The first element of t with class cls, or NULL. */
ui_element *demo_find_class(ui_tree *t, const ui_widget_class *cls);

/* A weak handle on the isolate's heap, for callbacks that outlive one
 * event (observers, timers): the context names the element, never holds it.
 * NULL without memory. Free with rt_free (or as a destroy hook). */
ui_ref *demo_ref_new(ui_element *e);
void demo_ref_free(void *ref);

/* ---- The panels (keys as in demo.h) ---- */

/* Counter: taps on a button become set_state; the overlay button. */
ui_widget *counter_panel(ui_build *b, ui_key key);
/* Heavy work: the same prime count with compute() (progress, Cancel) or on
 * the main isolate (after a frame that says it starts). */
ui_widget *work_panel(ui_build *b, ui_key key, int64_t prime_limit);
/* Network: a URL field, Fetch (Retry after a failure), Cancel beside it. */
ui_widget *network_panel(ui_build *b, ui_key key, const char *initial_url);
/* A Mandelbrot picture rendered by compute(), its pixels moved, not copied. */
ui_widget *picture_panel(ui_build *b, ui_key key);
/* The isolates alive, refreshed when they change. */
ui_widget *isolates_panel(ui_build *b, ui_key key);
/* The events the main isolate handled, newest first. */
ui_widget *event_log_panel(ui_build *b, ui_key key);

extern const ui_widget_class counter_panel_class, work_panel_class, network_panel_class,
    picture_panel_class, isolates_panel_class, event_log_panel_class;

/* Each panel's future, borrowed (demo.h's demo_future): the running job or
 * request (NULL when none), the last picture (pending or done). */
rt_future *work_panel_future(ui_element *panel);
rt_future *network_panel_future(ui_element *panel);
rt_future *picture_panel_future(ui_element *panel);

#endif
