/* ui_gesture_private.h: the tree's pointers and arenas, shared by the
 * router (ui_pointer.c), the arena and the recognizers. Not for users. */
#ifndef UI_GESTURE_PRIVATE_H
#define UI_GESTURE_PRIVATE_H

#include <islet/ui_gesture.h>

typedef struct ui__arena {
    int pointer; /* 0: a free slot */
    bool open, held, sweep_pending;
    ui_recognizer *eager; /* accepted while still open */
    size_t n;
    ui_recognizer *m[UI_ARENA_MEMBERS];
} ui__arena;

/* A pointer that is down: its arena's number, the recognizers following it
 * (routes) and the element that took it the old way (a class `pointer`
 * hook that returned true at DOWN). */
typedef struct ui__pointer_slot {
    bool down;
    int id, pointer, device, buttons;
    ui_element *legacy;
    size_t nroutes;
    ui_recognizer *routes[UI_ARENA_MEMBERS];
} ui__pointer_slot;

typedef struct ui__gestures {
    int next_pointer;
    ui__arena arenas[UI_MAX_ARENAS];
    ui__pointer_slot slots[UI_MAX_POINTERS];
} ui__gestures;

/* ---- ui_gesture_arena.c ---- */
void ui__arena_add(ui_tree *t, int pointer, ui_recognizer *r);
void ui__arena_close(ui_tree *t, int pointer);
void ui__arena_sweep(ui_tree *t, int pointer);
void ui__arena_hold(ui_tree *t, int pointer);
void ui__arena_release(ui_tree *t, int pointer);
/* r accepts (wins now, or first once the arena closes) or rejects itself. */
void ui__arena_resolve(ui_tree *t, int pointer, ui_recognizer *r, bool accepted);
/* Takes r out of every arena and route without telling it. */
void ui__arena_forget(ui_tree *t, ui_recognizer *r);

/* ---- ui_pointer.c ---- */
void ui__route_add(ui_tree *t, int pointer, ui_recognizer *r);
void ui__route_remove(ui_tree *t, int pointer, ui_recognizer *r);

/* ---- ui_recognizers.c: called by the arena ---- */
void ui__recognizer_event(ui_recognizer *r, const ui_pointer_event *ev);
void ui__recognizer_accept(ui_recognizer *r, int pointer);
void ui__recognizer_reject(ui_recognizer *r, int pointer);

#endif
