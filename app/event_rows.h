/* event_rows.h: the event log's rows: the events of a loop, newest first,
 * with repeats merged, so a flood of frames does not push the rest out.
 * Plain data, no allocation; private to app/. */
#ifndef DEMO_EVENT_ROWS_H
#define DEMO_EVENT_ROWS_H

#include <islet/rt_loop.h>

#define EVENT_ROWS 64

typedef struct event_row {
    char label[32];
    rt_event_kind kind;
    int64_t start_ns, dur_ns; /* the newest of the row's events */
    int64_t max_ns;           /* the longest */
    unsigned count;           /* events merged in the row */
    uint64_t id;              /* the row's own, from 1: it keeps it as it moves or merges */
} event_row;

typedef struct event_rows {
    event_row rows[EVENT_ROWS]; /* newest first; the oldest fall off */
    size_t n;
    size_t cycle; /* rows 0 .. cycle-1 take turns (0: none) */
    uint64_t last_id;
} event_rows;

/* Adds ev on top, or merges it: into the top row when it is the same label
 * and kind ("frame ×12"), or into its row of a cycle when two or three
 * labels take turns (a ticker's timer and its frame, a compute job's
 * progress between them: "timer ×60", "frame ×60"), moving that row on
 * top. A cycle forms once the top rows repeat in order (A B A B, or
 * A B C A B C) and ends at the first other event. */
void event_rows_add(event_rows *r, const rt_event_info *ev);

#endif
