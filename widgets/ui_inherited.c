/* ui_inherited.c: inherited data (Flutter's InheritedElement).
 *
 * A dependency is recorded on both sides: the dependent keeps (inherited
 * element, its index in that element's dependents), so both ends drop it
 * in O(1). Dependencies last until the dependent is deactivated; a moved
 * element makes them again when it rebuilds (did_change_dependencies runs
 * first), so a move under another ancestor takes the new one. */
#include "ui_tree_private.h"

ui_element *ui_depend_on(ui_element *e, const ui_widget_class *cls)
{
    ui__check_live(e, "ui_depend_on");
    UI_CHECK(e->tree->initing != e,
             "called from the init_state of '%s': inherited data may change later, so read it "
             "in did_change_dependencies or build (which run after init_state)",
             e->cls->name);
    ui_element *a = e->parent;
    while (a && a->cls != cls)
        a = a->parent;
    if (!a) {
        e->unsatisfied = true;
        return NULL;
    }
    for (size_t i = 0; i < e->ndeps; i++)
        if (e->deps[i].inh == a) return a;
    ui_dep d = {a, a->ndependents};
    if (!ui__push(&e->deps, &e->ndeps, &e->deps_cap, sizeof d, &d)) return a;
    if (!ui__push(&a->dependents, &a->ndependents, &a->dependents_cap, sizeof e, &e)) {
        e->ndeps--;
        return a;
    }
    return a;
}

/* Removes dependents[idx] of inh, moving the last one into its place. */
static void remove_dependent(ui_element *inh, size_t idx)
{
    ui_element *last = inh->dependents[--inh->ndependents];
    if (idx == inh->ndependents) return;
    inh->dependents[idx] = last;
    for (size_t k = 0; k < last->ndeps; k++)
        if (last->deps[k].inh == inh) last->deps[k].idx = idx;
}

size_t ui_tree_global_key_count(const ui_tree *t)
{
    return t->globals.n;
}

void ui__deps_drop(ui_element *e)
{
    for (size_t i = 0; i < e->ndeps; i++)
        remove_dependent(e->deps[i].inh, e->deps[i].idx);
    e->ndeps = 0;
}

void ui__notify_dependents(ui_element *inh)
{
    for (size_t i = 0; i < inh->ndependents; i++) {
        ui_element *d = inh->dependents[i];
        d->deps_changed = true;
        ui__mark_dirty(d);
    }
}

void ui__dependents_release(ui_element *e)
{
    /* Dependents leave before the element they depend on (they are below
     * it, and deactivation drops dependencies); any left forget it. */
    for (size_t i = 0; i < e->ndependents; i++) {
        ui_element *d = e->dependents[i];
        for (size_t k = 0; k < d->ndeps; k++)
            if (d->deps[k].inh == e) d->deps[k] = d->deps[--d->ndeps];
    }
    rt_free(e->dependents);
    e->dependents = NULL;
    e->ndependents = e->dependents_cap = 0;
}
