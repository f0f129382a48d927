/* event_rows.c: the event log's rows, with repeats merged. */
#include "event_rows.h"

#include "panels.h"

#include <string.h>

static bool same(const event_row *r, rt_event_kind kind, const char *label)
{
    return r->kind == kind && !strcmp(r->label, label);
}

static void fold(event_row *into, const event_row *older)
{
    into->count += older->count;
    if (older->max_ns > into->max_ns) into->max_ns = older->max_ns;
}

static void bump(event_row *r, const rt_event_info *ev)
{
    r->count++;
    r->start_ns = ev->start_ns;
    r->dur_ns = ev->dur_ns;
    if (ev->dur_ns > r->max_ns) r->max_ns = ev->dur_ns;
}

static void push(event_rows *s, const rt_event_info *ev)
{
    size_t keep = s->n < EVENT_ROWS ? s->n : EVENT_ROWS - 1;
    memmove(&s->rows[1], &s->rows[0], keep * sizeof s->rows[0]);
    s->n = keep + 1;
    event_row *r = &s->rows[0];
    memset(r, 0, sizeof *r);
    rt_utf8_copy(r->label, sizeof r->label, ev->label ? ev->label : "?");
    r->kind = ev->kind;
    r->id = ++s->last_id;
    bump(r, ev);
}

/* Moves row i to the top. */
static void to_top(event_row *r, size_t i)
{
    event_row t = r[i];
    memmove(&r[1], &r[0], i * sizeof *r);
    r[0] = t;
}

/* The top p rows, all different, repeat the next p in order (A B A B, or
 * A B C A B C): merged into one cycle of p rows. */
static bool collapse(event_rows *s, size_t p)
{
    event_row *r = s->rows;
    if (s->n < 2 * p) return false;
    for (size_t k = 0; k < p; k++) {
        if (!same(&r[k + p], r[k].kind, r[k].label)) return false;
        for (size_t j = 0; j < k; j++)
            if (same(&r[j], r[k].kind, r[k].label)) return false;
    }
    for (size_t k = 0; k < p; k++)
        fold(&r[k], &r[k + p]);
    memmove(&r[p], &r[2 * p], (s->n - 2 * p) * sizeof *r);
    s->n -= p;
    s->cycle = p;
    return true;
}

void event_rows_add(event_rows *r, const rt_event_info *ev)
{
    const char *label = ev->label ? ev->label : "?";
    size_t reach = r->cycle ? r->cycle : 1; /* a repeat of the top row, or of the cycle */
    for (size_t i = 0; i < reach && i < r->n; i++)
        if (same(&r->rows[i], ev->kind, label)) {
            bump(&r->rows[i], ev);
            to_top(r->rows, i);
            return;
        }
    push(r, ev);
    r->cycle = 0;
    if (!collapse(r, 2)) collapse(r, 3);
}
