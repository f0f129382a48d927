/* demo.h: the Islet demo's screen, for the app (main.c, on the runner) and
 * for headless tests (tests/app, through the tester). Everything the screen
 * shows and starts lives in its panels' states, so screens are independent
 * and what one started goes with it. Main isolate only.
 *
 * Keys (ui_key_str), for finders and demo_press: the panels
 * "counter-panel", "work-panel", "network-panel", "picture-panel",
 * "isolates-panel", "events-panel" (its list "event-list"); the buttons
 * "tap", "overlay" (counter), "compute", "main", "cancel" (work), "fetch"
 * or, after a failure, "retry", and "cancel-fetch" (network, with the text
 * field "url" and, during a fetch, the spinner "netspin"), "picture"; the
 * spinner "spin". */
#ifndef ISLET_DEMO_H
#define ISLET_DEMO_H

#include <islet/rt_future.h>
#include <islet/ui_tree.h>

typedef struct demo_options {
    const char *url;     /* what Fetch requests first; NULL: https://example.com */
    int64_t prime_limit; /* size of the heavy job; 0: 4,000,000 (about 1 s) */
} demo_options;

/* The screen as a root builder (ui_app.root, ui_tester_pump_widget): ctx is
 * a demo_options (NULL: the defaults), copied into the screen's widget. */
ui_widget *demo_root(ui_build *b, void *ctx);
extern const ui_widget_class demo_screen_class;

/* The app's keys (ui_app.on_key): S pauses and resumes the spinner; with
 * Ctrl or Alt, nothing. */
void demo_key(ui_tree *t, int sdl_keycode, unsigned mods, void *ctx);

/* Presses the enabled button whose key is ui_key_str(key), as a tap would;
 * false if there is none (or it is disabled). */
bool demo_press(ui_tree *t, const char *key);

/* A panel's future, found now (a query, nothing kept): "work" the running
 * compute job, "network" the running request (NULL when none), "picture"
 * the last render (pending or done; NULL before the first). Borrowed: dup
 * it to keep it past the current event. NULL without that panel. */
rt_future *demo_future(ui_tree *t, const char *panel_key);

#endif
