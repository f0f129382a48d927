/* ui_pointer.c: hit testing and pointer routing. A press is hit-tested
 * once; the recognizers of the elements on the path enter the press's
 * arena and follow its pointer (routes); an element with an old-style
 * `pointer` hook that takes the DOWN gets the rest of the gesture and hides
 * the elements outside it. Hovering and the mouse wheel. */
#include "ui_tree_private.h"

#include <string.h>

/* Whether e was hit, so that siblings behind it are not tried (Flutter's
 * RenderBox.hitTest with its HitTestBehavior). */
static bool hit(ui_element *e, float px, float py, float ox, float oy, ui_element **out, size_t cap,
                size_t *n)
{
    float x = ox + e->x, y = oy + e->y;
    if (e->cls->ignore_pointer) return false;
    if (e->cls->hit_map && !e->cls->hit_map(e, &px, &py)) return false;
    if (px < x || py < y || px >= x + e->w || py >= y + e->h) return false;
    bool child_hit = false;
    for (size_t i = e->nkids; i-- > 0 && !child_hit;)
        child_hit = hit(e->kids[i], px, py, x, y, out, cap, n); /* topmost first */
    int behavior = e->cls->hit_behavior ? e->cls->hit_behavior(e) : UI_HIT_OPAQUE;
    bool self = behavior == UI_HIT_OPAQUE || behavior == UI_HIT_TRANSLUCENT || child_hit;
    if (self && *n < cap) out[(*n)++] = e;
    return child_hit || behavior == UI_HIT_OPAQUE;
}

size_t ui_tree_hit_test(ui_tree *t, float x, float y, ui_element **out, size_t cap)
{
    size_t n = 0;
    ui_element *r = ui_tree_root(t);
    if (r) hit(r, x, y, 0, 0, out, cap, &n);
    return n;
}

static void hover(ui_tree *t, float x, float y)
{
    ui_element *path[UI_MAX_PATH], *taker = NULL;
    size_t n = ui_tree_hit_test(t, x, y, path, UI_MAX_PATH);
    for (size_t i = 0; i < n && !taker; i++)
        if (path[i]->cls->pointer && path[i]->cls->pointer(path[i], UI_POINTER_HOVER, x, y))
            taker = path[i];
    if (taker == t->hovered) return;
    if (t->hovered) t->hovered->cls->pointer(t->hovered, UI_POINTER_EXIT, x, y);
    t->hovered = taker;
}

ui_element *ui_tree_hovered(ui_tree *t)
{
    return t->hovered;
}

/* ---- Routes: the recognizers following a pointer ---- */

static ui__pointer_slot *slot_of_pointer(ui_tree *t, int pointer)
{
    for (size_t i = 0; i < UI_MAX_POINTERS; i++)
        if (t->gestures.slots[i].down && t->gestures.slots[i].pointer == pointer)
            return &t->gestures.slots[i];
    return NULL;
}

static ui__pointer_slot *slot_of_id(ui_tree *t, int id)
{
    for (size_t i = 0; i < UI_MAX_POINTERS; i++)
        if (t->gestures.slots[i].down && t->gestures.slots[i].id == id)
            return &t->gestures.slots[i];
    return NULL;
}

void ui__route_add(ui_tree *t, int pointer, ui_recognizer *r)
{
    ui__pointer_slot *s = slot_of_pointer(t, pointer);
    if (s && s->nroutes < UI_ARENA_MEMBERS) s->routes[s->nroutes++] = r;
}

void ui__route_remove(ui_tree *t, int pointer, ui_recognizer *r)
{
    ui__pointer_slot *s = slot_of_pointer(t, pointer);
    if (!s) return;
    for (size_t i = 0; i < s->nroutes; i++) {
        if (s->routes[i] != r) continue;
        s->routes[i] = NULL; /* compacted after dispatch: a route may go mid-event */
        return;
    }
}

static void compact_routes(ui__pointer_slot *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nroutes; i++)
        if (s->routes[i]) s->routes[k++] = s->routes[i];
    s->nroutes = k;
}

/* ---- Presses ---- */

/* A press outside a focused text input ends its editing. */
static void unfocus_outside(ui_tree *t, ui_element **path, size_t n)
{
    if (!t->focus || !t->focus->cls->text) return;
    for (size_t i = 0; i < n; i++)
        if (path[i] == t->focus) return;
    ui_tree_set_focus(t, NULL);
}

static void press(ui_tree *t, ui__pointer_slot *s, const ui_pointer_event *ev)
{
    ui_element *path[UI_MAX_PATH];
    size_t n = ui_tree_hit_test(t, ev->x, ev->y, path, UI_MAX_PATH);
    unfocus_outside(t, path, n);
    for (size_t i = 0; i < n; i++) {
        ui_element *e = path[i];
        if (e->cls->gesture_down) e->cls->gesture_down(e, ev);
        if (e->cls->pointer && e->cls->pointer(e, UI_POINTER_DOWN, ev->x, ev->y)) {
            s->legacy = e; /* the innermost taker handles the gesture */
            break;
        }
    }
    ui__arena_close(t, ev->pointer);
}

static void dispatch(ui_tree *t, ui__pointer_slot *s, const ui_pointer_event *ev)
{
    ui_element *h = s->legacy;
    if (h && h->cls->pointer) h->cls->pointer(h, ev->kind, ev->x, ev->y);
    for (size_t i = 0; i < s->nroutes; i++)
        if (s->routes[i]) ui__recognizer_event(s->routes[i], ev);
    compact_routes(s);
    if (ev->kind == UI_POINTER_UP) ui__arena_sweep(t, ev->pointer);
}

static ui__pointer_slot *slot_new(ui_tree *t, int id)
{
    ui__pointer_slot *s = slot_of_id(t, id);
    if (s) { /* a down without an up: that gesture is cancelled */
        ui_pointer_event cancel = {s->pointer, id, UI_POINTER_CANCEL, s->device, s->buttons,
                                   0,          0,  rt_now()};
        dispatch(t, s, &cancel);
        s->down = false;
    }
    for (size_t i = 0; i < UI_MAX_POINTERS; i++)
        if (!t->gestures.slots[i].down) return &t->gestures.slots[i];
    return NULL;
}

/* The event log's, the trace's and the latency records' name for it. */
static const char *pointer_name(int kind, int device)
{
    static const char *const mouse[] = {
        [UI_POINTER_DOWN] = "pointer down",   [UI_POINTER_MOVE] = "pointer move",
        [UI_POINTER_UP] = "pointer up",       [UI_POINTER_CANCEL] = "pointer cancel",
        [UI_POINTER_HOVER] = "pointer hover", [UI_POINTER_EXIT] = "pointer exit"};
    static const char *const touch[] = {[UI_POINTER_DOWN] = "finger down",
                                        [UI_POINTER_MOVE] = "finger move",
                                        [UI_POINTER_UP] = "finger up",
                                        [UI_POINTER_CANCEL] = "finger cancel"};
    const char *const *names = device == UI_DEVICE_TOUCH ? touch : mouse;
    return kind >= 0 && kind <= UI_POINTER_EXIT ? names[kind] : NULL;
}

static void label_pointer(int kind, int device)
{
    const char *name = pointer_name(kind, device);
    if (name) rt_event_label(name);
}

/* A move or a hover is one of a stream; a press, a release, a cancel is not. */
static bool continuous(int kind)
{
    return kind == UI_POINTER_MOVE || kind == UI_POINTER_HOVER || kind == UI_POINTER_EXIT;
}

static void pointer_id(ui_tree *t, int id, int kind, int device, float x, float y, int buttons)
{
    ui__pointer_slot *s;
    if (kind == UI_POINTER_DOWN) {
        if (!(s = slot_new(t, id))) return; /* more fingers than we follow */
        int pointer = ++t->gestures.next_pointer;
        if (pointer <= 0) pointer = t->gestures.next_pointer = 1;
        s->down = true;
        s->id = id;
        s->pointer = pointer;
        s->device = device;
        s->buttons = buttons ? buttons : UI_BUTTON_PRIMARY;
        s->legacy = NULL;
        s->nroutes = 0;
        ui_pointer_event ev = {pointer, id, kind, device, s->buttons, x, y, rt_now()};
        press(t, s, &ev);
        return;
    }
    if (!(s = slot_of_id(t, id))) return;
    ui_pointer_event ev = {s->pointer, id, kind, s->device, s->buttons, x, y, rt_now()};
    dispatch(t, s, &ev);
    if (kind == UI_POINTER_UP || kind == UI_POINTER_CANCEL) s->down = false;
}

void ui_tree_pointer_id(ui_tree *t, int id, int kind, int device, float x, float y, int buttons)
{
    label_pointer(kind, device);
    ui__input_enter(t);
    pointer_id(t, id, kind, device, x, y, buttons);
    ui__input_leave(t, pointer_name(kind, device), continuous(kind));
}

size_t ui_tree_pointers_down(const ui_tree *t)
{
    size_t n = 0;
    for (size_t i = 0; i < UI_MAX_POINTERS; i++)
        n += t->gestures.slots[i].down;
    return n;
}

void ui_tree_pointer(ui_tree *t, int kind, float x, float y)
{
    if (kind == UI_POINTER_HOVER) {
        label_pointer(kind, UI_DEVICE_MOUSE);
        ui__input_enter(t);
        hover(t, x, y);
        ui__input_leave(t, pointer_name(kind, UI_DEVICE_MOUSE), true);
        return;
    }
    if (kind > UI_POINTER_CANCEL) {
        label_pointer(kind, UI_DEVICE_MOUSE);
        return;
    }
    ui_tree_pointer_id(t, 0, kind, UI_DEVICE_MOUSE, x, y, UI_BUTTON_PRIMARY);
}

static void scroll(ui_tree *t, float x, float y, float dy)
{
    ui_element *path[UI_MAX_PATH];
    size_t n = ui_tree_hit_test(t, x, y, path, UI_MAX_PATH);
    for (size_t i = 0; i < n; i++)
        if (path[i]->cls->wheel && path[i]->cls->wheel(path[i], dy)) return;
}

void ui_tree_scroll(ui_tree *t, float x, float y, float dy)
{
    rt_event_label("scroll");
    ui__input_enter(t);
    scroll(t, x, y, dy);
    ui__input_leave(t, "scroll", true);
}

void ui__pointer_forget(ui_tree *t, ui_element *e)
{
    if (t->hovered == e) t->hovered = NULL;
    for (size_t i = 0; i < UI_MAX_POINTERS; i++)
        if (t->gestures.slots[i].legacy == e) t->gestures.slots[i].legacy = NULL;
}
