/* screen.c: the demo's screen: the panels in one column, the spinner that
 * shows whether frames keep coming, and the app's own key (S). */
#include "demo.h"
#include "panels.h"
#include <islet/ui_anim.h>

#include <stddef.h>
#include <string.h>

typedef struct screen_state {
    bool still; /* the spinner is paused (S): nothing animates */
} screen_state;

static ui_widget *spinner_row(ui_build *b, bool still)
{
    ui_widget *kids[] = {still ? ui_sized(b, 48, 48, NULL)
                               : ui_spinner(b, ui_key_str("spin"), 48, demo_blue),
                         demo_label(b,
                                    still ? "spinner paused (S): nothing animates, the loop sleeps"
                                          : "this spinner animates every frame (S pauses it)",
                                    14)};
    return ui_row(b, &(ui_flex_props){.cross_align = UI_CENTER, .spacing = 12}, kids, 2);
}

static ui_widget *screen_build(ui_build *b, ui_element *e)
{
    const demo_options *o = ui_props(e);
    screen_state *s = ui_state(e);
    ui_widget *bottom[] = {isolates_panel(b, ui_key_str("isolates-panel")),
                           event_log_panel(b, ui_key_str("events-panel"))};
    ui_widget *kids[] = {
        demo_label(b, "Islet: isolates, an event loop, and a widget tree", 22),
        counter_panel(b, ui_key_str("counter-panel")),
        spinner_row(b, s->still),
        work_panel(b, ui_key_str("work-panel"), o->prime_limit),
        network_panel(b, ui_key_str("network-panel"), o->url),
        picture_panel(b, ui_key_str("picture-panel")),
        ui_row(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 24}, bottom, 2),
    };
    ui_flex_props col = {.main_align = UI_START, .cross_align = UI_START, .spacing = 14};
    return ui_padding(b, 24, ui_column(b, &col, kids, sizeof kids / sizeof kids[0]));
}

const ui_widget_class demo_screen_class = {.name = "DemoScreen",
                                           .props_size = sizeof(demo_options),
                                           .state_size = sizeof(screen_state),
                                           .build = screen_build,
                                           .string_fields = {offsetof(demo_options, url)},
                                           .nstring_fields = 1};

ui_widget *demo_root(ui_build *b, void *ctx)
{
    const demo_options *o = ctx;
    demo_options p = {.url = o && o->url ? o->url : "https://example.com",
                      .prime_limit = o && o->prime_limit > 0 ? o->prime_limit : 4000000};
    return ui_widget_new(b, &demo_screen_class, UI_NO_KEY, &p, NULL, 0);
}

static void toggle_still(void *state, void *ctx)
{
    (void)ctx;
    screen_state *s = state;
    s->still = !s->still;
}

void demo_key(ui_tree *t, int sdl_keycode, unsigned mods, void *ctx)
{
    (void)ctx;
    if (mods & (UI_MOD_CTRL | UI_MOD_ALT)) return; /* the shortcut is a plain letter */
    ui_element *screen = demo_find_class(t, &demo_screen_class);
    if (sdl_keycode == 's' && screen) {
        rt_event_label("key: S");
        ui_set_state(screen, toggle_still, NULL);
    }
}

typedef struct button_find {
    ui_key key;
    ui_element *found;
} button_find;

static void visit_button(ui_element *e, int depth, void *ctx)
{
    (void)depth;
    button_find *f = ctx;
    if (!f->found && ui_element_class(e) == &ui_button_class &&
        ui_key_eq(ui_element_key(e), f->key))
        f->found = e;
}

bool demo_press(ui_tree *t, const char *key)
{
    button_find f = {ui_key_str(key), NULL};
    ui_tree_visit(t, visit_button, &f);
    const ui_button_props *p = f.found ? ui_props(f.found) : NULL;
    if (!p || !p->on_pressed) return false;
    p->on_pressed(p->ctx);
    return true;
}

rt_future *demo_future(ui_tree *t, const char *panel_key)
{
    static const struct {
        const char *name;
        const ui_widget_class *cls;
        rt_future *(*future)(ui_element *panel);
    } panels[] = {{"work", &work_panel_class, work_panel_future},
                  {"network", &network_panel_class, network_panel_future},
                  {"picture", &picture_panel_class, picture_panel_future}};
    for (size_t i = 0; i < sizeof panels / sizeof panels[0]; i++) {
        if (strcmp(panel_key, panels[i].name) != 0) continue;
        ui_element *e = demo_find_class(t, panels[i].cls);
        return e ? panels[i].future(e) : NULL;
    }
    return NULL;
}
