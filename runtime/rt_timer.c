/* rt_timer.c: one-shot and periodic timers on an isolate's loop.
 *
 * Non-zero timers wait in a binary min-heap ordered by (deadline, creation
 * sequence); at the start of each turn the due ones move, in that order, to
 * the tail of the event queue. Zero-delay timers go to the tail of the event
 * queue at once, behind everything already queued.
 */
#include "rt_isolate_private.h"

#include <string.h>

static bool before(const rt_timer *a, const rt_timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(rt_isolate *iso, size_t i, rt_timer *t)
{
    iso->timers[i] = t;
    t->heap_index = i;
}

static void sift_up(rt_isolate *iso, size_t i)
{
    rt_timer *t = iso->timers[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(t, iso->timers[p])) break;
        place(iso, i, iso->timers[p]);
        i = p;
    }
    place(iso, i, t);
}

static void sift_down(rt_isolate *iso, size_t i)
{
    rt_timer *t = iso->timers[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= iso->ntimers) break;
        if (c + 1 < iso->ntimers && before(iso->timers[c + 1], iso->timers[c])) c++;
        if (!before(iso->timers[c], t)) break;
        place(iso, i, iso->timers[c]);
        i = c;
    }
    place(iso, i, t);
}

static int heap_insert(rt_isolate *iso, rt_timer *t)
{
    if (iso->ntimers == iso->timers_cap) {
        size_t cap = iso->timers_cap ? iso->timers_cap * 2 : 16;
        rt_timer **n = rt__heap_realloc(&iso->heap, iso->timers, cap * sizeof *n);
        if (!n) return RT_ENOMEM;
        iso->timers = n;
        iso->timers_cap = cap;
    }
    place(iso, iso->ntimers++, t);
    sift_up(iso, t->heap_index);
    return RT_OK;
}

static void heap_remove(rt_isolate *iso, rt_timer *t)
{
    size_t i = t->heap_index;
    rt_timer *last = iso->timers[--iso->ntimers];
    if (last != t) {
        place(iso, i, last);
        sift_down(iso, i);
        sift_up(iso, last->heap_index);
    }
}

/* Arms t for its current deadline, or queues it now when its delay is zero. */
static int arm(rt_isolate *iso, rt_timer *t, bool zero)
{
    if (zero) {
        t->state = RT_TIMER_QUEUED;
        rt__inbox_take(iso);
        rt__event_push(iso, &t->ev);
        return RT_OK;
    }
    t->seq = ++iso->timer_seq;
    int rc = heap_insert(iso, t);
    if (rc == RT_OK) t->state = RT_TIMER_ARMED;
    return rc;
}

int rt_timer_start(rt_timer **out, int64_t delay_ns, int64_t period_ns, rt_timer_fn fn, void *ctx,
                   rt_destroy_fn destroy)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(fn != NULL, "fn is NULL");
    rt_timer *t = rt__heap_alloc(&iso->heap, sizeof *t);
    if (!t) return RT_ENOMEM;
    memset(t, 0, sizeof *t);
    t->ev.type = RT_EV_TIMER;
    t->owner = iso;
    t->fn = fn;
    t->ctx = ctx;
    t->destroy = destroy;
    t->owned = out != NULL;
    t->period = period_ns > 0 ? period_ns : 0;
    if (delay_ns < 0) delay_ns = 0;
    t->start = iso->now;
    t->deadline = rt__time_add(iso->now, delay_ns); /* INT64_MAX: never */
    int rc = arm(iso, t, delay_ns == 0);
    if (rc) {
        rt__heap_free(&iso->heap, t);
        return rc;
    }
    iso->keepalive++;
    iso->timers_live++;
    if (out) *out = t;
    return RT_OK;
}

static void check_timer(const rt_timer *t, const char *func)
{
    (void)func;
    RT_CHECK(t != NULL, "%s: timer is NULL", func);
    rt_isolate *iso = rt__isolate_check(func);
    (void)iso;
    RT_CHECK(t->owner == iso, "%s: timer of isolate '%s' used from isolate '%s'", func,
             t->owner->name, iso->name);
}

/* The timer will never fire again: release its context and, unless the user
 * holds the handle, its memory. */
static void finish(rt_isolate *iso, rt_timer *t)
{
    if (t->destroy) t->destroy(t->ctx);
    t->destroy = NULL;
    if (!t->owned) rt__heap_free(&iso->heap, t);
}

static void stop(rt_isolate *iso, rt_timer *t)
{
    if (t->state == RT_TIMER_ARMED)
        heap_remove(iso, t);
    else if (t->state == RT_TIMER_QUEUED)
        rt__event_remove(iso, &t->ev);
    t->cancelled = true;
    iso->keepalive--;
    iso->timers_live--;
}

void rt_timer_cancel(rt_timer *t)
{
    check_timer(t, __func__);
    rt_isolate *iso = t->owner;
    if (t->cancelled) return;
    bool firing = t->state == RT_TIMER_FIRING;
    stop(iso, t);
    if (firing) return; /* rt__timer_fire finishes it when the callback returns */
    t->state = RT_TIMER_IDLE;
    finish(iso, t);
}

bool rt_timer_is_active(const rt_timer *t)
{
    check_timer(t, __func__);
    /* A one-shot is done once its callback starts (Dart's isActive). */
    return !t->cancelled && !(t->period <= 0 && t->state == RT_TIMER_FIRING);
}

uint64_t rt_timer_tick(const rt_timer *t)
{
    check_timer(t, __func__);
    return t->ticks;
}

void rt_timer_free(rt_timer *t)
{
    if (!t) return;
    check_timer(t, __func__);
    RT_CHECK(t->owned, "timer %p is not owned by the caller (started with out == NULL)", (void *)t);
    rt_isolate *iso = t->owner;
    t->owned = false;
    if (t->state == RT_TIMER_FIRING) {
        if (!t->cancelled) stop(iso, t);
        return;
    }
    if (!t->cancelled) {
        stop(iso, t);
        t->state = RT_TIMER_IDLE;
        finish(iso, t);
    } else {
        rt__heap_free(&iso->heap, t);
    }
}

void rt__timers_collect_due(rt_isolate *iso)
{
    while (iso->ntimers > 0 && iso->timers[0]->deadline <= iso->now) {
        rt_timer *t = iso->timers[0];
        heap_remove(iso, t);
        t->state = RT_TIMER_QUEUED;
        rt__event_push(iso, &t->ev);
    }
}

int64_t rt__timers_next_deadline(rt_isolate *iso)
{
    return iso->ntimers > 0 ? iso->timers[0]->deadline : INT64_MAX;
}

static void rearm(rt_isolate *iso, rt_timer *t)
{
    /* Skip missed periods instead of firing them in a burst. */
    int64_t ticks = t->ticks + 1 > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(t->ticks + 1);
    t->deadline = rt__time_add(t->start, rt__time_mul(ticks, t->period));
    if (t->deadline <= iso->now) t->deadline = rt__time_add(iso->now, t->period);
    if (arm(iso, t, false) == RT_OK) return;
    stop(iso, t);
    rt_report_error(RT_ENOMEM, "periodic timer could not be re-armed: out of memory");
    t->state = RT_TIMER_IDLE;
    finish(iso, t);
}

void rt__timer_fire(rt_isolate *iso, rt_timer *t)
{
    if (t->period > 0) {
        uint64_t elapsed = (uint64_t)((iso->now - t->start) / t->period);
        t->ticks = elapsed > t->ticks ? elapsed : t->ticks + 1;
    } else {
        t->ticks++;
    }
    t->state = RT_TIMER_FIRING;
    t->fn(t, t->ctx);
    if (iso->exiting) {
        /* The isolate is ending; its teardown does not see a firing timer. */
        t->state = RT_TIMER_IDLE;
        if (!t->cancelled && t->destroy) t->destroy(t->ctx);
        t->destroy = NULL;
        return;
    }
    if (t->cancelled) {
        t->state = RT_TIMER_IDLE;
        finish(iso, t);
        return;
    }
    if (t->period > 0) {
        rearm(iso, t);
        return;
    }
    stop(iso, t);
    t->state = RT_TIMER_IDLE;
    finish(iso, t);
}

void rt__timers_drop_all(rt_isolate *iso)
{
    /* Marked done, so a handle freed later in the teardown (say, by a port's
     * destroy hook) finds nothing left to stop. */
    for (size_t i = 0; i < iso->ntimers; i++) {
        rt_timer *t = iso->timers[i];
        t->state = RT_TIMER_IDLE;
        t->cancelled = true;
        if (t->destroy) t->destroy(t->ctx);
        t->destroy = NULL;
    }
    iso->ntimers = 0;
}

size_t rt_timers_pending(void)
{
    return rt__isolate_check(__func__)->timers_live;
}
