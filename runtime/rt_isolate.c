/* rt_isolate.c: isolate lifecycle: main enter/leave, spawn, kill, pause,
 * exit, unhandled errors. Scheduling onto threads lives in rt_sched.c,
 * control requests after spawn in rt_isolate_control.c. */
#include "rt_isolate_private.h"

#include <stdarg.h>
#include <string.h>

_Thread_local rt_isolate *rt__current;
static atomic_uint g_isolate_seq;

rt_isolate *rt__isolate_check(const char *func)
{
    if (!rt__current)
        rt_die(func, "called outside any isolate (call rt_main_enter first, or call from an "
                     "isolate's callback)");
    return rt__current;
}

rt_heap *rt__current_heap(const char *func)
{
    return &rt__isolate_check(func)->heap;
}

rt_isolate *rt_isolate_current(void)
{
    return rt__current;
}

/* ---- Creation and destruction ---- */

static rt_isolate *isolate_new(const rt_isolate_options *o, bool is_main)
{
    rt_isolate *iso = rt__raw_alloc(sizeof *iso);
    if (!iso) return NULL;
    memset(iso, 0, sizeof *iso);
    atomic_init(&iso->refs, 1); /* the isolate's own, dropped when it has exited */
    pthread_mutex_init(&iso->lock, NULL);
    atomic_init(&iso->inbox, NULL);
    rt__list_init(&iso->events);
    rt__list_init(&iso->microtasks);
    rt__list_init(&iso->ports);
    rt__list_init(&iso->all);
    rt__list_init(&iso->runq);
    rt__list_init(&iso->unhandled);
    rt__control_init(iso);
    atomic_init(&iso->alive, true);
    iso->sleep_index = SIZE_MAX;
    iso->is_main = is_main;
    unsigned n = atomic_fetch_add(&g_isolate_seq, 1);
    if (o && o->name)
        snprintf(iso->name, sizeof iso->name, "%s", o->name);
    else if (is_main)
        snprintf(iso->name, sizeof iso->name, "main");
    else
        snprintf(iso->name, sizeof iso->name, "isolate-%u", n);
    rt__heap_init(&iso->heap, iso->name);
    iso->clock = o && o->clock ? o->clock : rt_clock_monotonic();
    iso->now = iso->clock->now_ns(iso->clock);
    iso->errors_fatal = !is_main && !(o && o->errors_nonfatal);
    rt__cond_waiter_init(&iso->cond_waiter);
    if (o && o->on_exit) iso->on_exit = rt_send_port_dup(o->on_exit);
    if (o && o->on_error) iso->on_error = rt_send_port_dup(o->on_error);
    return iso;
}

void rt__isolate_unref(rt_isolate *iso)
{
    if (atomic_fetch_sub_explicit(&iso->refs, 1, memory_order_acq_rel) != 1) return;
    rt__cond_waiter_destroy(&iso->cond_waiter);
    pthread_mutex_destroy(&iso->lock);
    rt__raw_free(iso, sizeof *iso);
}

/* Opens the default port in iso's heap (before iso runs). */
static int open_default_port(rt_isolate *iso)
{
    rt_receive_port *rp = rt_receive_port_open(NULL, NULL, NULL);
    if (!rp) return RT_ENOMEM;
    rp->keepalive = false;
    iso->keepalive--;
    iso->default_port = rp;
    iso->port = rt_send_port_dup(rp->sp);
    return RT_OK;
}

/* Builds the on-exit message now: an isolate that exits out of memory must
 * still tell whoever waits for it. The message takes the on_exit reference. */
static int build_bye(rt_isolate *iso)
{
    if (!iso->on_exit) return RT_OK;
    rt_value *v = rt_value_null();
    if (!v) return RT_ENOMEM;
    int rc = rt__msg_new(&iso->heap, v, RT_MSG_SEND, &iso->bye);
    rt_value_free(v);
    if (rc) return rc;
    iso->bye->port = iso->on_exit;
    iso->on_exit = NULL;
    return RT_OK;
}

/* What an isolate needs before it runs, made in its own heap. */
static int isolate_prepare(rt_isolate *iso)
{
    rt_isolate *saved = rt__current;
    rt__current = iso;
    int rc = open_default_port(iso);
    if (!rc) rc = build_bye(iso);
    rt__current = saved;
    return rc;
}

/* Releases what a never-started isolate holds. */
static void isolate_discard(rt_isolate *iso)
{
    if (iso->bye) rt__msg_discard(iso->bye);
    rt_send_port_release(iso->on_exit);
    rt_send_port_release(iso->on_error);
    if (iso->default_port) {
        atomic_store(&iso->default_port->sp->open, false);
        rt_send_port_release(iso->default_port->sp);
    }
    rt_send_port_release(iso->port);
    rt__heap_release(&iso->heap);
    rt__isolate_unref(iso);
}

void rt__isolate_notify(rt_isolate *iso)
{
    if (atomic_exchange(&iso->wake_pending, 1)) return;
    if (iso->waiter)
        iso->waiter->wake(iso->waiter);
    else
        rt__sched_schedule(iso);
}

/* Wakes iso from another thread unless it has exited. */
static void poke(rt_isolate *iso)
{
    pthread_mutex_lock(&iso->lock);
    if (!iso->closed) rt__isolate_notify(iso);
    pthread_mutex_unlock(&iso->lock);
}

int rt_main_enter(const rt_isolate_options *opts)
{
    if (rt__current) return RT_ESTATE;
    RT_CHECK(!opts || !opts->dedicated_thread, "the main isolate runs on the calling thread");
    rt_isolate *iso = isolate_new(opts, true);
    if (!iso) return RT_ENOMEM;
    iso->waiter = opts && opts->waiter ? opts->waiter : &iso->cond_waiter.waiter;
    if (isolate_prepare(iso) != RT_OK) {
        isolate_discard(iso);
        return RT_ENOMEM;
    }
    rt__sched_register(iso);
    rt__current = iso;
    return RT_OK;
}

/* Shutdown hooks of modules built on the core (compute, http). */
static void (*leave_hooks[8])(void);
static int nleave_hooks;

void rt__at_main_leave(void (*fn)(void))
{
    for (int i = 0; i < nleave_hooks; i++)
        if (leave_hooks[i] == fn) return;
    if (nleave_hooks < 8) leave_hooks[nleave_hooks++] = fn;
}

void rt_main_leave(void)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(iso->is_main, "called from isolate '%s'; only the main isolate may leave", iso->name);
    rt__sched_shutdown();
    rt__compute_shutdown();
    for (int i = 0; i < nleave_hooks; i++)
        leave_hooks[i]();
    rt__isolate_exit_now(iso);
    rt__current = NULL;
    rt__isolate_unref(iso);
    rt__block_cache_drain();
}

int rt_isolate_spawn(rt_entry_fn entry, rt_value *message, const rt_isolate_options *opts,
                     rt_isolate **out)
{
    rt_isolate *me = rt__isolate_check(__func__);
    RT_CHECK(entry != NULL, "entry is NULL");
    RT_CHECK(!opts || !opts->waiter || opts->dedicated_thread,
             "a waiter needs a thread of its own: set dedicated_thread");
    RT_CHECK(!opts || !opts->clock || opts->dedicated_thread,
             "a custom clock needs a dedicated thread (pooled isolates share the real clock)");
    rt_msg *start = NULL;
    if (message) {
        int rc = rt__msg_new(&me->heap, message, RT_MSG_SEND, &start);
        if (rc) return rc;
    } else {
        start = rt__large_alloc(sizeof *start);
        if (!start) return RT_ENOMEM;
        memset(start, 0, sizeof *start);
        rt__list_init(&start->moved);
    }
    rt_isolate *iso = isolate_new(opts, false);
    if (!iso || isolate_prepare(iso) != RT_OK) {
        rt__msg_discard(start);
        if (iso) isolate_discard(iso);
        return RT_ENOMEM;
    }
    iso->entry = entry;
    iso->dedicated = opts && opts->dedicated_thread;
    if (iso->dedicated)
        iso->waiter = opts && opts->waiter ? opts->waiter : &iso->cond_waiter.waiter;
    start->ev.type = RT_EV_START;
    rt__event_push(iso, &start->ev);
    if (opts && opts->paused) atomic_store(&iso->paused, 1);
    if (out) *out = rt_isolate_dup(iso);
    /* Traced: the time and name are taken before the isolate can start (and
     * perhaps end and be freed). */
    int64_t spawned_at = rt_tracing() ? rt_monotonic_ns() : 0;
    char name[sizeof iso->name];
    if (spawned_at) memcpy(name, iso->name, sizeof name);
    rt__sched_register(iso);
    int rc = iso->dedicated ? rt__sched_start_dedicated(iso) : rt__sched_start_pooled(iso);
    if (rc) {
        rt__sched_unregister(iso);
        rt__list_remove(&start->ev.link);
        rt__msg_discard(start);
        if (out) {
            rt__isolate_unref(iso);
            *out = NULL;
        }
        isolate_discard(iso);
        return rc;
    }
    if (spawned_at)
        rt_trace(&(rt_trace_event){.phase = RT_TRACE_INSTANT,
                                   .isolate = me->name,
                                   .name = "spawn",
                                   .detail = name,
                                   .start_ns = spawned_at});
    return RT_OK;
}

rt_isolate *rt_isolate_dup(rt_isolate *iso)
{
    atomic_fetch_add_explicit(&iso->refs, 1, memory_order_relaxed);
    return iso;
}

void rt_isolate_release(rt_isolate *iso)
{
    if (iso) rt__isolate_unref(iso);
}

const char *rt_isolate_name(const rt_isolate *iso)
{
    return iso->name;
}

/* What rt_isolate_port gives once the isolate is gone: a port that is closed
 * for good. Its count starts at 1 and is balanced, so it is never freed. */
static rt_send_port closed_port = {.refs = 1, .open = false};

rt_send_port *rt_isolate_port(rt_isolate *iso)
{
    pthread_mutex_lock(&iso->lock);
    rt_send_port *sp = rt_send_port_dup(iso->port ? iso->port : &closed_port);
    pthread_mutex_unlock(&iso->lock);
    return sp;
}

int rt_isolate_send(rt_isolate *iso, rt_value *message)
{
    rt_send_port *sp = rt_isolate_port(iso);
    int rc = rt_port_send(sp, message);
    rt_send_port_release(sp);
    return rc;
}

rt_receive_port *rt_default_port(void)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(iso->default_port != NULL, "the default port of isolate '%s' was closed", iso->name);
    return iso->default_port;
}

void rt_isolate_kill(rt_isolate *iso, rt_kill_priority priority)
{
    int want = 1 + (int)priority, cur = 0;
    while (!atomic_compare_exchange_weak(&iso->kill, &cur, want))
        if (cur >= want) break;
    poke(iso);
}

void rt_isolate_pause(rt_isolate *iso)
{
    atomic_fetch_add(&iso->paused, 1);
}

void rt_isolate_resume(rt_isolate *iso)
{
    int cur = atomic_load(&iso->paused);
    while (cur > 0 && !atomic_compare_exchange_weak(&iso->paused, &cur, cur - 1)) {
    }
    if (cur == 1) poke(iso);
}

bool rt_isolate_is_alive(const rt_isolate *iso)
{
    return atomic_load(&((rt_isolate *)iso)->alive);
}

void rt_isolate_get_stats(const rt_isolate *iso, rt_isolate_stats *out)
{
    rt_isolate *i = (rt_isolate *)iso;
    out->alive = atomic_load(&i->alive);
    out->running = atomic_load_explicit(&i->running, memory_order_relaxed);
    out->events_handled = atomic_load_explicit(&i->handled, memory_order_relaxed);
    out->heap_bytes = atomic_load_explicit(&i->heap_bytes, memory_order_relaxed);
}

/* ---- Ending ---- */

static void send_to(rt_heap *h, rt_send_port *port, rt_value *v, rt_msg_mode mode)
{
    rt_msg *m;
    if (!port || !v) return;
    int rc = rt__msg_new(h, v, mode, &m);
    if (rc) {
        fprintf(stderr, "islet: message to port %p could not be sent: %s\n", (void *)port,
                rt_strerror(rc));
        return;
    }
    m->port = rt_send_port_dup(port);
    rt__msg_post(m);
}

void rt_isolate_exit(rt_send_port *port, rt_value *message)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(!iso->exiting, "isolate '%s' is already exiting", iso->name);
    send_to(&iso->heap, port, message, RT_MSG_EXIT);
    iso->exiting = true;
}

static void drop_event(rt_isolate *iso, rt_event *ev)
{
    if (ev->type == RT_EV_MESSAGE || ev->type == RT_EV_START) {
        rt_msg *m = rt__container_of(ev, rt_msg, ev);
        if (m->adopted) {
            rt_send_port_release(m->port);
            m->port = NULL;
            rt_value_free(m->root);
        } else {
            rt__msg_discard(m);
        }
    } else if (ev->type == RT_EV_TIMER) {
        rt_timer *t = rt__container_of(ev, rt_timer, ev);
        t->state = RT_TIMER_IDLE;
        t->cancelled = true;
        if (t->destroy) t->destroy(t->ctx);
        t->destroy = NULL;
    }
    (void)iso;
}

void rt__isolate_exit_now(rt_isolate *iso)
{
    if (rt_tracing())
        rt_trace(&(rt_trace_event){.phase = RT_TRACE_INSTANT,
                                   .isolate = iso->name,
                                   .name = "exit",
                                   .start_ns = rt_monotonic_ns()});
    iso->exiting = true;
    rt__port_release_flush(iso);
    pthread_mutex_lock(&iso->lock);
    iso->closed = true;
    rt__inbox_close(iso);
    rt_send_port *port = iso->port;
    iso->port = NULL;
    pthread_mutex_unlock(&iso->lock);
    atomic_store(&iso->alive, false);
    rt__control_close(iso);
    rt_link *l;
    while ((l = rt__list_pop_front(&iso->events)))
        drop_event(iso, rt__container_of(l, rt_event, link));
    iso->nevents = 0;
    rt__timers_drop_all(iso);
    rt__ports_close_all(iso);
    rt__list_init(&iso->unhandled); /* its nodes go with the heap */
    rt_send_port_release(port);
    rt_send_port_release(iso->on_error);
    rt_send_port_release(iso->run_reply);
    iso->run_reply = NULL;
    rt__heap_release(&iso->heap);
    atomic_store(&iso->heap_bytes, 0);
    /* Closed: nobody wakes it any more, and its loop is over. */
    if (iso->waiter && iso->waiter->release) iso->waiter->release(iso->waiter);
    rt__sched_unregister(iso);
    /* Posted last, so that whoever gets it sees the isolate completely gone. */
    rt_msg *bye = iso->bye;
    iso->bye = NULL;
    if (bye) rt__msg_post(bye);
    rt__control_say_bye(iso);
    iso->on_error = NULL;
}

/* ---- Unhandled errors ---- */

static rt_value *error_value(const char *name, int code, const char *msg)
{
    rt_value *m = rt_value_map();
    if (!m) return NULL;
    rt_value *a = rt_value_string(name), *b = rt_value_int(code), *c = rt_value_string(msg);
    if (!a || !b || !c || rt_map_set(m, "isolate", a) || rt_map_set(m, "code", b) ||
        rt_map_set(m, "message", c)) {
        /* items not yet in the map still belong to us */
        if (a && !a->parent) rt_value_free(a);
        if (b && !b->parent) rt_value_free(b);
        if (c && !c->parent) rt_value_free(c);
        rt_value_free(m);
        return NULL;
    }
    return m;
}

void rt_report_error(int code, const char *fmt, ...)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bool heard = iso->on_error || !rt__list_empty(&iso->error_listeners);
    rt_value *v = heard ? error_value(iso->name, code, msg) : NULL;
    if (v) {
        send_to(&iso->heap, iso->on_error, v, RT_MSG_SEND);
        rt__control_report(iso, v);
        rt_value_free(v);
    } else {
        fprintf(stderr, "islet: unhandled error in isolate '%s': %s (%s)\n", iso->name, msg,
                rt_strerror(code));
    }
    if (iso->errors_fatal) {
        int none = 0;
        atomic_compare_exchange_strong(&iso->kill, &none, 1 + RT_KILL_BEFORE_NEXT_EVENT);
    }
}
