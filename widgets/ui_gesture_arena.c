/* ui_gesture_arena.c: one arena per pointer-down (Flutter's
 * GestureArenaManager): members enter while it is open; the first to
 * accept wins; the last one left wins; sweeping at pointer-up gives it to
 * the first member unless it is held. */
#include "ui_tree_private.h"

#include <string.h>

static ui__arena *arena_find(ui_tree *t, int pointer)
{
    for (size_t i = 0; i < UI_MAX_ARENAS; i++)
        if (t->gestures.arenas[i].pointer == pointer) return &t->gestures.arenas[i];
    return NULL;
}

void ui__arena_add(ui_tree *t, int pointer, ui_recognizer *r)
{
    ui__arena *a = arena_find(t, pointer);
    if (!a && (a = arena_find(t, 0))) *a = (ui__arena){.pointer = pointer, .open = true};
    if (!a || !a->open || a->n == UI_ARENA_MEMBERS) return; /* full: r is left out */
    a->m[a->n++] = r;
}

/* Every member but the winner is rejected, then the winner accepts. The
 * arena is freed first: the callbacks may resolve other arenas. */
static void resolve_in_favour(ui__arena *a, ui_recognizer *winner)
{
    int pointer = a->pointer;
    size_t n = a->n;
    ui_recognizer *m[UI_ARENA_MEMBERS];
    memcpy(m, a->m, n * sizeof *m);
    *a = (ui__arena){0};
    for (size_t i = 0; i < n; i++)
        if (m[i] != winner) ui__recognizer_reject(m[i], pointer);
    ui__recognizer_accept(winner, pointer);
}

static void try_resolve(ui__arena *a)
{
    if (a->n == 0)
        *a = (ui__arena){0};
    else if (a->n == 1)
        resolve_in_favour(a, a->m[0]);
    else if (a->eager)
        resolve_in_favour(a, a->eager);
}

void ui__arena_close(ui_tree *t, int pointer)
{
    ui__arena *a = arena_find(t, pointer);
    if (!a) return;
    a->open = false;
    try_resolve(a);
}

void ui__arena_sweep(ui_tree *t, int pointer)
{
    ui__arena *a = arena_find(t, pointer);
    if (!a) return;
    if (a->held) {
        a->sweep_pending = true;
        return;
    }
    if (a->n)
        resolve_in_favour(a, a->m[0]);
    else
        *a = (ui__arena){0};
}

void ui__arena_hold(ui_tree *t, int pointer)
{
    ui__arena *a = arena_find(t, pointer);
    if (a) a->held = true;
}

void ui__arena_release(ui_tree *t, int pointer)
{
    ui__arena *a = arena_find(t, pointer);
    if (!a) return;
    a->held = false;
    if (a->sweep_pending) ui__arena_sweep(t, pointer);
}

static bool arena_remove(ui__arena *a, ui_recognizer *r)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->m[i] != r) continue;
        memmove(a->m + i, a->m + i + 1, (a->n - i - 1) * sizeof *a->m);
        a->n--;
        if (a->eager == r) a->eager = NULL;
        return true;
    }
    return false;
}

void ui__arena_resolve(ui_tree *t, int pointer, ui_recognizer *r, bool accepted)
{
    ui__arena *a = arena_find(t, pointer);
    if (!a) return;
    if (!accepted) {
        if (!arena_remove(a, r)) return;
        ui__recognizer_reject(r, pointer);
        if (!a->open) try_resolve(a);
        return;
    }
    bool member = false;
    for (size_t i = 0; i < a->n && !member; i++)
        member = a->m[i] == r;
    if (!member) return;
    if (a->open) {
        if (!a->eager) a->eager = r;
    } else {
        resolve_in_favour(a, r);
    }
}

void ui__arena_forget(ui_tree *t, ui_recognizer *r)
{
    for (size_t i = 0; i < UI_MAX_ARENAS; i++) {
        ui__arena *a = &t->gestures.arenas[i];
        if (!a->pointer || !arena_remove(a, r)) continue;
        if (a->n == 0)
            *a = (ui__arena){0};
        else if (!a->open && !a->held)
            try_resolve(a);
    }
    for (size_t i = 0; i < UI_MAX_POINTERS; i++)
        if (t->gestures.slots[i].down) ui__route_remove(t, t->gestures.slots[i].pointer, r);
}

size_t ui_tree_gesture_arenas(const ui_tree *t)
{
    size_t n = 0;
    for (size_t i = 0; i < UI_MAX_ARENAS; i++)
        n += t->gestures.arenas[i].pointer != 0;
    return n;
}
