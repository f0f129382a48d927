/* ui_recognizers.c: tap, double tap, long press, and the drags (vertical,
 * horizontal, pan), as Flutter's tap.dart, multitap.dart, long_press.dart
 * and monodrag.dart. Each follows one pointer at a time (a double tap: two
 * in a row) and decides in the pointer's arena. */
#include "ui_tree_private.h"

#include <math.h>
#include <string.h>

enum { REC_READY, REC_POSSIBLE, REC_ACCEPTED, REC_WAITING, REC_SECOND };

/* Flutter's kPrecisePointerHitSlop and kPrecisePointerPanSlop: a mouse
 * starts dragging sooner than a finger. */
#define PRECISE_HIT_SLOP 1.0f
#define PRECISE_PAN_SLOP 2.0f
/* Velocity: samples of the last 100 ms; none if the pointer rested 40 ms
 * before lifting (Flutter's VelocityTracker horizon and stop time). */
#define VELOCITY_HORIZON_NS 100000000LL
#define VELOCITY_STOPPED_NS 40000000LL

static ui_tree *tree_of(ui_recognizer *r)
{
    return ui_element_tree(r->owner);
}

void ui_recognizer_init(ui_recognizer *r, int type, int buttons, ui_element *owner,
                        ui_recognizer_emit emit)
{
    *r = (ui_recognizer){.type = type, .buttons = buttons, .owner = owner, .emit = emit};
}

static void timer_stop(ui_recognizer *r)
{
    if (!r->timer) return;
    rt_timer_free(r->timer);
    r->timer = NULL;
}

static void timer_start(ui_recognizer *r, int64_t ns, rt_timer_fn fn)
{
    timer_stop(r);
    if (rt_timer_start(&r->timer, ns, 0, fn, r, NULL) != RT_OK) r->timer = NULL;
}

static void emit(ui_recognizer *r, int what, const ui_drag_details *d)
{
    if (r->emit) r->emit(r, what, d);
}

static void follow(ui_recognizer *r, const ui_pointer_event *ev)
{
    ui_tree *t = tree_of(r);
    ui__route_add(t, ev->pointer, r);
    ui__arena_add(t, ev->pointer, r);
}

static void resolve(ui_recognizer *r, int pointer, bool accepted)
{
    ui__arena_resolve(tree_of(r), pointer, r, accepted);
}

/* Back to ready, following nothing (no callbacks). */
static void reset(ui_recognizer *r)
{
    timer_stop(r);
    ui__route_remove(tree_of(r), r->pointer, r);
    if (r->pointer2) ui__route_remove(tree_of(r), r->pointer2, r);
    r->state = REC_READY;
    r->won = r->down_sent = r->up_seen = false;
}

static float dist(float x0, float y0, float x1, float y1)
{
    return hypotf(x1 - x0, y1 - y0);
}

/* ---- Tap ---- */

static void tap_down(ui_recognizer *r)
{
    if (r->down_sent) return;
    r->down_sent = true;
    emit(r, UI_G_TAP_DOWN, &(ui_drag_details){.x = r->x0, .y = r->y0});
}

static void tap_press_timeout(rt_timer *timer, void *ctx)
{
    (void)timer;
    ui_recognizer *r = ctx;
    if (r->state == REC_POSSIBLE) tap_down(r);
}

static void tap_finish(ui_recognizer *r)
{
    tap_down(r);
    ui_drag_details d = {.x = r->x, .y = r->y};
    reset(r);
    emit(r, UI_G_TAP_UP, &d);
    emit(r, UI_G_TAP, &d);
}

static void tap_event(ui_recognizer *r, const ui_pointer_event *ev)
{
    r->x = ev->x;
    r->y = ev->y;
    if (ev->kind == UI_POINTER_MOVE && dist(r->x0, r->y0, ev->x, ev->y) > UI_TOUCH_SLOP) {
        if (r->won) { /* moved off after winning: cancelled (post-accept slop) */
            bool sent = r->down_sent;
            reset(r);
            if (sent) emit(r, UI_G_TAP_CANCEL, NULL);
        } else {
            resolve(r, r->pointer, false);
        }
    } else if (ev->kind == UI_POINTER_UP) {
        r->up_seen = true;
        ui__route_remove(tree_of(r), r->pointer, r);
        if (r->won) tap_finish(r);
    } else if (ev->kind == UI_POINTER_CANCEL) {
        /* Rejected in its arena, or, when it had already won there (the
         * only member of a closed arena), cancelled and back to ready all
         * the same, as Flutter's BaseTapGestureRecognizer does: else it
         * would follow the cancelled pointer forever and take no other. */
        bool sent = r->down_sent;
        resolve(r, r->pointer, false);
        if (r->state != REC_READY) {
            reset(r);
            if (sent) emit(r, UI_G_TAP_CANCEL, NULL);
        }
    }
}

static void tap_accept(ui_recognizer *r)
{
    r->won = true;
    timer_stop(r);
    if (r->up_seen)
        tap_finish(r);
    else
        tap_down(r);
}

static void tap_reject(ui_recognizer *r)
{
    bool sent = r->down_sent;
    reset(r);
    if (sent) emit(r, UI_G_TAP_CANCEL, NULL);
}

/* ---- Double tap: the first tap's arena is held until the second comes ---- */

static void double_tap_reset(ui_recognizer *r)
{
    int state = r->state, first = r->pointer, second = r->pointer2;
    reset(r);
    r->pointer2 = 0;
    ui_tree *t = tree_of(r);
    if (state == REC_WAITING || state == REC_SECOND) {
        ui__arena_resolve(t, first, r, false);
        ui__arena_release(t, first);
    }
    if (state == REC_SECOND) ui__arena_resolve(t, second, r, false);
}

static void double_tap_timeout(rt_timer *timer, void *ctx)
{
    (void)timer;
    double_tap_reset(ctx);
}

static void double_tap_add(ui_recognizer *r, const ui_pointer_event *ev)
{
    if (r->state == REC_READY) {
        r->state = REC_POSSIBLE;
        r->pointer = ev->pointer;
        r->x0 = ev->x;
        r->y0 = ev->y;
        follow(r, ev);
    } else if (r->state == REC_WAITING && dist(r->fx, r->fy, ev->x, ev->y) <= UI_DOUBLE_TAP_SLOP) {
        timer_stop(r);
        r->state = REC_SECOND;
        r->pointer2 = ev->pointer;
        r->x0 = ev->x;
        r->y0 = ev->y;
        follow(r, ev);
    }
}

static void double_tap_event(ui_recognizer *r, const ui_pointer_event *ev)
{
    if (ev->kind == UI_POINTER_CANCEL ||
        (ev->kind == UI_POINTER_MOVE &&
         dist(r->x0, r->y0, ev->x, ev->y) > UI_DOUBLE_TAP_TOUCH_SLOP)) {
        double_tap_reset(r);
    } else if (ev->kind == UI_POINTER_UP && r->state == REC_POSSIBLE) {
        ui__route_remove(tree_of(r), r->pointer, r);
        ui__arena_hold(tree_of(r), r->pointer);
        r->state = REC_WAITING;
        r->fx = ev->x;
        r->fy = ev->y;
        timer_start(r, UI_DOUBLE_TAP_TIMEOUT_NS, double_tap_timeout);
    } else if (ev->kind == UI_POINTER_UP && r->state == REC_SECOND) {
        int first = r->pointer, second = r->pointer2;
        reset(r);
        r->pointer2 = 0;
        resolve(r, first, true);
        ui__arena_release(tree_of(r), first);
        resolve(r, second, true);
        emit(r, UI_G_DOUBLE_TAP, &(ui_drag_details){.x = ev->x, .y = ev->y});
    }
}

/* ---- Long press: accepted when the pointer stays down 500 ms ----
 * Winning the arena early (alone in it) is not a long press yet: it fires
 * at the deadline (down_sent: the deadline passed). */

static void long_press_fire(ui_recognizer *r)
{
    r->state = REC_ACCEPTED;
    emit(r, UI_G_LONG_PRESS, &(ui_drag_details){.x = r->x, .y = r->y});
}

static void long_press_timeout(rt_timer *timer, void *ctx)
{
    (void)timer;
    ui_recognizer *r = ctx;
    if (r->state != REC_POSSIBLE) return;
    r->down_sent = true;
    if (r->won)
        long_press_fire(r);
    else
        resolve(r, r->pointer, true);
}

static void long_press_event(ui_recognizer *r, const ui_pointer_event *ev)
{
    r->x = ev->x;
    r->y = ev->y;
    bool moved_off = ev->kind == UI_POINTER_MOVE && r->state == REC_POSSIBLE &&
                     dist(r->x0, r->y0, ev->x, ev->y) > UI_TOUCH_SLOP;
    if (ev->kind == UI_POINTER_UP && r->state == REC_ACCEPTED) {
        reset(r);
        emit(r, UI_G_LONG_PRESS_UP, &(ui_drag_details){.x = ev->x, .y = ev->y});
    } else if (moved_off || ev->kind == UI_POINTER_UP || ev->kind == UI_POINTER_CANCEL) {
        resolve(r, r->pointer, false);
        reset(r);
    }
}

static void long_press_accept(ui_recognizer *r)
{
    r->won = true;
    if (r->down_sent && r->state == REC_POSSIBLE) long_press_fire(r);
}

/* ---- Drags: vertical, horizontal, pan ---- */

static void sample(ui_recognizer *r, float x, float y, int64_t t)
{
    r->samples[r->nsamples++ % UI_VELOCITY_SAMPLES] = (struct ui_vsample){x, y, t};
}

/* From the newest sample back to the oldest one within the horizon. */
static void velocity(const ui_recognizer *r, int64_t now, float *vx, float *vy)
{
    *vx = *vy = 0;
    unsigned n = r->nsamples < UI_VELOCITY_SAMPLES ? r->nsamples : UI_VELOCITY_SAMPLES;
    if (n < 2) return;
    const struct ui_vsample *newest = &r->samples[(r->nsamples - 1) % UI_VELOCITY_SAMPLES];
    if (now - newest->t > VELOCITY_STOPPED_NS) return;
    const struct ui_vsample *oldest = newest;
    for (unsigned i = 2; i <= n; i++) {
        const struct ui_vsample *s = &r->samples[(r->nsamples - i) % UI_VELOCITY_SAMPLES];
        if (newest->t - s->t > VELOCITY_HORIZON_NS) break;
        oldest = s;
    }
    double dt = (double)(newest->t - oldest->t) / 1e9;
    if (dt <= 0) return;
    *vx = (float)((newest->x - oldest->x) / dt);
    *vy = (float)((newest->y - oldest->y) / dt);
}

static ui_drag_details drag_details(const ui_recognizer *r, float x, float y, float dx, float dy)
{
    if (r->type == UI_REC_VERTICAL_DRAG) dx = 0;
    if (r->type == UI_REC_HORIZONTAL_DRAG) dy = 0;
    float primary = r->type == UI_REC_VERTICAL_DRAG     ? dy
                    : r->type == UI_REC_HORIZONTAL_DRAG ? dx
                                                        : 0;
    return (ui_drag_details){.x = x, .y = y, .dx = dx, .dy = dy, .primary_delta = primary};
}

static bool drag_past_slop(const ui_recognizer *r, int device)
{
    float dx = r->x - r->x0, dy = r->y - r->y0;
    bool mouse = device == UI_DEVICE_MOUSE;
    float hit = mouse ? PRECISE_HIT_SLOP : UI_TOUCH_SLOP;
    switch (r->type) {
    case UI_REC_VERTICAL_DRAG:
        return fabsf(dy) > hit;
    case UI_REC_HORIZONTAL_DRAG:
        return fabsf(dx) > hit;
    default:
        return hypotf(dx, dy) > (mouse ? PRECISE_PAN_SLOP : UI_PAN_SLOP);
    }
}

static void drag_accept(ui_recognizer *r)
{
    if (r->state != REC_POSSIBLE) return;
    r->state = REC_ACCEPTED;
    ui_drag_details start = drag_details(r, r->x0, r->y0, 0, 0);
    emit(r, UI_G_DRAG_START, &start);
    if (r->x != r->x0 || r->y != r->y0) { /* what moved before it won */
        ui_drag_details d = drag_details(r, r->x, r->y, r->x - r->x0, r->y - r->y0);
        emit(r, UI_G_DRAG_UPDATE, &d);
    }
}

static void drag_end(ui_recognizer *r, const ui_pointer_event *ev)
{
    float vx, vy;
    velocity(r, ev->time_ns, &vx, &vy);
    if (r->type == UI_REC_VERTICAL_DRAG) vx = 0;
    if (r->type == UI_REC_HORIZONTAL_DRAG) vy = 0;
    float speed = hypotf(vx, vy);
    if (speed < UI_MIN_FLING_VELOCITY) vx = vy = speed = 0;
    if (speed > UI_MAX_FLING_VELOCITY) {
        vx *= UI_MAX_FLING_VELOCITY / speed;
        vy *= UI_MAX_FLING_VELOCITY / speed;
    }
    ui_drag_details d = drag_details(r, ev->x, ev->y, 0, 0);
    d.vx = vx;
    d.vy = vy;
    d.primary_velocity = r->type == UI_REC_VERTICAL_DRAG     ? vy
                         : r->type == UI_REC_HORIZONTAL_DRAG ? vx
                                                             : 0;
    reset(r);
    emit(r, UI_G_DRAG_END, &d);
}

static void drag_event(ui_recognizer *r, const ui_pointer_event *ev)
{
    float lx = r->x, ly = r->y;
    r->x = ev->x;
    r->y = ev->y;
    if (ev->kind == UI_POINTER_MOVE) sample(r, ev->x, ev->y, ev->time_ns);
    if (ev->kind == UI_POINTER_MOVE) {
        if (r->state == REC_ACCEPTED) {
            ui_drag_details d = drag_details(r, ev->x, ev->y, ev->x - lx, ev->y - ly);
            if (d.dx != 0 || d.dy != 0) emit(r, UI_G_DRAG_UPDATE, &d);
        } else if (drag_past_slop(r, ev->device)) {
            resolve(r, r->pointer, true);
        }
    } else if (ev->kind == UI_POINTER_UP && r->state == REC_ACCEPTED) {
        drag_end(r, ev);
    } else if (ev->kind == UI_POINTER_UP || ev->kind == UI_POINTER_CANCEL) {
        bool was = r->state == REC_ACCEPTED;
        resolve(r, r->pointer, false);
        reset(r);
        if (was) emit(r, UI_G_DRAG_CANCEL, NULL);
    }
}

/* ---- Dispatch ---- */

void ui_recognizer_add_pointer(ui_recognizer *r, const ui_pointer_event *ev)
{
    if (!(ev->buttons & r->buttons)) return;
    if (r->type == UI_REC_DOUBLE_TAP) {
        double_tap_add(r, ev);
        return;
    }
    if (r->state != REC_READY) return; /* one pointer at a time */
    reset(r);
    r->state = REC_POSSIBLE;
    r->pointer = ev->pointer;
    r->x0 = r->x = ev->x;
    r->y0 = r->y = ev->y;
    r->nsamples = 0;
    sample(r, ev->x, ev->y, ev->time_ns);
    follow(r, ev);
    if (r->type == UI_REC_TAP) timer_start(r, UI_PRESS_TIMEOUT_NS, tap_press_timeout);
    if (r->type == UI_REC_LONG_PRESS) timer_start(r, UI_LONG_PRESS_TIMEOUT_NS, long_press_timeout);
}

void ui__recognizer_event(ui_recognizer *r, const ui_pointer_event *ev)
{
    switch (r->type) {
    case UI_REC_TAP:
        tap_event(r, ev);
        break;
    case UI_REC_DOUBLE_TAP:
        double_tap_event(r, ev);
        break;
    case UI_REC_LONG_PRESS:
        long_press_event(r, ev);
        break;
    default:
        drag_event(r, ev);
        break;
    }
}

void ui__recognizer_accept(ui_recognizer *r, int pointer)
{
    if (pointer != r->pointer || r->state == REC_READY) return;
    switch (r->type) {
    case UI_REC_TAP:
        tap_accept(r);
        break;
    case UI_REC_DOUBLE_TAP:
        break; /* it decides at the second up */
    case UI_REC_LONG_PRESS:
        long_press_accept(r);
        break;
    default:
        drag_accept(r);
        break;
    }
}

void ui__recognizer_reject(ui_recognizer *r, int pointer)
{
    if (r->state == REC_READY) return;
    if (pointer != r->pointer && pointer != r->pointer2) return;
    switch (r->type) {
    case UI_REC_TAP:
        tap_reject(r);
        break;
    case UI_REC_DOUBLE_TAP:
        double_tap_reset(r);
        break;
    default: {
        bool was = r->state == REC_ACCEPTED && r->type >= UI_REC_VERTICAL_DRAG;
        reset(r);
        if (was) emit(r, UI_G_DRAG_CANCEL, NULL);
    }
    }
}

void ui_recognizer_dispose(ui_recognizer *r)
{
    if (!r->owner) return;
    ui_tree *t = tree_of(r);
    bool holding =
        r->type == UI_REC_DOUBLE_TAP && (r->state == REC_WAITING || r->state == REC_SECOND);
    timer_stop(r);
    r->state = REC_READY;
    ui__arena_forget(t, r);
    if (holding) ui__arena_release(t, r->pointer);
}
