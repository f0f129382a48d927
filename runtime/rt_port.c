/* rt_port.c: receive ports, send ports, and message delivery.
 *
 * A send port is a small shared, reference-counted object naming a receive
 * port. Sending builds the message in one block (rt_value.c), then pushes it
 * onto the target isolate's inbox, a lock-free stack (one compare-and-swap).
 * Only the push that finds the inbox empty wakes the receiver, so a burst of
 * messages costs one wake, and the receiver takes the whole burst with one
 * exchange (rt_loop.c). The receiver adopts the block into its heap.
 */
#include "rt_isolate_private.h"

#include <string.h>

rt_send_port *rt__send_port_new(rt_isolate *iso)
{
    rt_send_port *sp = rt__raw_alloc(sizeof *sp);
    if (!sp) return NULL;
    atomic_init(&sp->refs, 1);
    atomic_init(&sp->open, true);
    atomic_fetch_add(&iso->refs, 1);
    sp->iso = iso;
    sp->rp = NULL;
    return sp;
}

rt_send_port *rt_send_port_dup(rt_send_port *sp)
{
    RT_CHECK(sp != NULL, "port is NULL");
    atomic_fetch_add_explicit(&sp->refs, 1, memory_order_relaxed);
    return sp;
}

/* Gives back n references; the last frees the port. */
static void release_n(rt_send_port *sp, int n)
{
    if (!sp || atomic_fetch_sub_explicit(&sp->refs, n, memory_order_acq_rel) != n) return;
    rt__isolate_unref(sp->iso);
    rt__raw_free(sp, sizeof *sp);
}

void rt_send_port_release(rt_send_port *sp)
{
    release_n(sp, 1);
}

bool rt_send_port_is_open(const rt_send_port *sp)
{
    return atomic_load(&((rt_send_port *)sp)->open);
}

static void set_keepalive(rt_receive_port *rp, rt_isolate *iso, bool on)
{
    if (rp->keepalive == on) return;
    rp->keepalive = on;
    if (on)
        iso->keepalive++;
    else
        iso->keepalive--;
}

rt_receive_port *rt_receive_port_open(rt_message_fn fn, void *ctx, rt_destroy_fn destroy)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    rt_receive_port *rp = rt__heap_alloc(&iso->heap, sizeof *rp);
    if (!rp) return NULL;
    memset(rp, 0, sizeof *rp);
    rp->sp = rt__send_port_new(iso);
    if (!rp->sp) {
        rt__heap_free(&iso->heap, rp);
        return NULL;
    }
    rp->sp->rp = rp;
    rp->fn = fn;
    rp->ctx = ctx;
    rp->destroy = destroy;
    rt__list_init(&rp->buffered);
    rt__list_push_back(&iso->ports, &rp->link);
    set_keepalive(rp, iso, true);
    return rp;
}

static void check_port(const rt_receive_port *rp, rt_isolate *iso, const char *func)
{
    (void)rp;
    (void)iso;
    (void)func;
    RT_CHECK(rp != NULL, "%s: port is NULL", func);
    RT_CHECK(rp->sp->iso == iso, "%s: receive port of isolate '%s' used from isolate '%s'", func,
             rp->sp->iso->name, iso->name);
}

void rt_receive_port_listen(rt_receive_port *rp, rt_message_fn fn, void *ctx, rt_destroy_fn destroy)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    check_port(rp, iso, __func__);
    if (rp->destroy && rp->ctx != ctx) rp->destroy(rp->ctx);
    rp->fn = fn;
    rp->ctx = ctx;
    rp->destroy = destroy;
    set_keepalive(rp, iso, true);
    if (!fn) return;
    /* Buffered messages are older than anything queued: they go first. */
    rt_link *l;
    while ((l = rp->buffered.prev) != &rp->buffered) {
        rt__list_remove(l);
        l->next = iso->events.next;
        l->prev = &iso->events;
        iso->events.next->prev = l;
        iso->events.next = l;
        iso->nevents++;
    }
}

rt_send_port *rt_receive_port_send_port(rt_receive_port *rp)
{
    return rp->sp;
}

void rt_receive_port_close(rt_receive_port *rp)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    check_port(rp, iso, __func__);
    atomic_store(&rp->sp->open, false);
    rp->sp->rp = NULL;
    rt__list_remove(&rp->link);
    set_keepalive(rp, iso, false);
    rt_link *l;
    while ((l = rt__list_pop_front(&rp->buffered))) {
        rt_msg *m = rt__container_of(l, rt_msg, ev.link);
        rt_send_port_release(m->port);
        rt_value_free(m->root);
    }
    if (rp->destroy) rp->destroy(rp->ctx);
    if (rp == iso->default_port) iso->default_port = NULL;
    rt_send_port_release(rp->sp);
    rt__heap_free(&iso->heap, rp);
}

void rt__ports_close_all(rt_isolate *iso)
{
    while (!rt__list_empty(&iso->ports))
        rt_receive_port_close(rt__container_of(iso->ports.next, rt_receive_port, link));
}

void rt__msg_post(rt_msg *m)
{
    rt_isolate *to = m->port->iso;
    m->ev.type = RT_EV_MESSAGE;
    m->flow = rt_trace_flow_begin("message"); /* 0 when not tracing */
    if (!rt__inbox_post(to, &m->ev.link)) rt__msg_discard(m);
}

void rt__wake_init(rt_msg *m)
{
    memset(m, 0, sizeof *m);
    rt__list_init(&m->ev.link);
    rt__list_init(&m->moved);
    /* "Adopted" with no root: delivering or dropping it frees nothing. */
    m->adopted = true;
}

bool rt__wake_post(rt_msg *m, rt_send_port *sp)
{
    rt_isolate *to = sp->iso;
    m->ev.type = RT_EV_MESSAGE;
    m->flow = rt_trace_flow_begin("message");
    m->port = rt_send_port_dup(sp);
    if (rt__inbox_post(to, &m->ev.link)) return true;
    rt_send_port_release(m->port);
    m->port = NULL;
    return false;
}

void rt__receive_port_set_keepalive(rt_receive_port *rp, bool on)
{
    set_keepalive(rp, rp->sp->iso, on);
}

int rt_port_send(rt_send_port *sp, rt_value *message)
{
    return rt__port_send_mode(sp, message, RT_MSG_SEND);
}

int rt__port_send_mode(rt_send_port *sp, rt_value *message, int mode)
{
    rt_isolate *iso = rt__isolate_check("rt_port_send");
    RT_CHECK(sp != NULL, "port is NULL");
    if (!atomic_load_explicit(&sp->open, memory_order_acquire)) return RT_OK;
    rt_msg *m;
    int rc = rt__msg_new(&iso->heap, message, (rt_msg_mode)mode, &m);
    if (rc) return rc;
    m->port = rt_send_port_dup(sp);
    rt__msg_post(m);
    return RT_OK;
}

void rt__port_release_flush(rt_isolate *iso)
{
    rt_send_port *sp = iso->release_port;
    int n = iso->release_n;
    iso->release_port = NULL;
    iso->release_n = 0;
    release_n(sp, n);
}

/* A delivered message's port reference, given back with the others of its
 * run: a flood to one port then returns its count once per turn, not once
 * a message (the count's cache line would cross to the receiver's core and
 * back for every message). */
static void release_later(rt_isolate *iso, rt_send_port *sp)
{
    if (iso->release_port != sp) {
        rt__port_release_flush(iso);
        iso->release_port = sp;
    }
    iso->release_n++;
}

void rt__port_deliver(rt_isolate *iso, rt_msg *m)
{
    rt_receive_port *rp = m->port ? m->port->rp : NULL;
    if (m->port) {
        release_later(iso, m->port);
        m->port = NULL;
    }
    if (!rp) {
        if (m->adopted)
            rt_value_free(m->root);
        else
            rt__msg_discard(m);
        return;
    }
    if (!m->adopted) rt__msg_adopt(&iso->heap, m);
    if (!rp->fn) {
        rt__list_push_back(&rp->buffered, &m->ev.link);
        m->port = rt_send_port_dup(rp->sp);
        return;
    }
    rp->fn(rp, m->root, rp->ctx);
}
