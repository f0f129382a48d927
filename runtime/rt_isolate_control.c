/* rt_isolate_control.c: Dart's control messages after spawn: ping, error
 * and exit listeners, errors fatal or not, pauses held by a capability, and
 * the errors stream built on them.
 *
 * A request is a node allocated outside any heap (the requester may be any
 * thread) and queued on the target's `controls` list under its lock, apart
 * from its events: so it is handled while the isolate is paused, and ahead
 * of the events already queued. The target takes the whole list at its next
 * point of control (rt__control_run): between two microtasks, before each
 * event, at the start and end of every turn. A response (ping, exit) is a
 * message the requester builds when it asks, so answering, and exiting,
 * need no memory in the target.
 */
#include "rt_isolate_private.h"
#include <islet/rt_heap.h>
#include "rt_stream_private.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

enum {
    CTL_PING_NOW,
    CTL_PING_BOUNDARY,
    CTL_ERR_ADD,
    CTL_ERR_REMOVE,
    CTL_EXIT_ADD,
    CTL_EXIT_REMOVE,
    CTL_FATAL
};

typedef struct control {
    rt_link link; /* in controls, then in a listener list or deferred_pings */
    int op;
    bool fatal;
    rt_send_port *port; /* counted */
    rt_msg *response;   /* pings and exit listeners: not yet addressed */
} control;

void rt__control_init(rt_isolate *iso)
{
    rt__list_init(&iso->controls);
    rt__list_init(&iso->pause_caps);
    rt__list_init(&iso->error_listeners);
    rt__list_init(&iso->exit_listeners);
    rt__list_init(&iso->deferred_pings);
}

/* ---- Requests ---- */

static control *control_new(int op, rt_send_port *port)
{
    control *c = rt__raw_alloc(sizeof *c);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    rt__list_init(&c->link);
    c->op = op;
    c->port = port ? rt_send_port_dup(port) : NULL;
    return c;
}

static void control_free(control *c)
{
    rt_send_port_release(c->port);
    if (c->response) rt__msg_discard(c->response);
    rt__raw_free(c, sizeof *c);
}

/* Sends the prepared response to the request's port, then frees it. */
static void control_answer(control *c)
{
    rt_msg *m = c->response;
    m->port = c->port;
    c->response = NULL;
    c->port = NULL;
    rt__msg_post(m);
    control_free(c);
}

/* The response as a message built now in the caller's heap (NULL: null). */
static int build_response(const char *func, rt_value *response, rt_msg **out)
{
    rt_isolate *me = rt__isolate_check(func);
    rt_value *v = response ? response : rt_value_null();
    if (!v) return RT_ENOMEM;
    int rc = rt__msg_new(&me->heap, v, RT_MSG_SEND, out);
    if (!response) rt_value_free(v);
    return rc;
}

/* Queues c for iso; false (nothing queued) once iso has exited. */
static bool control_post(rt_isolate *iso, control *c)
{
    pthread_mutex_lock(&iso->lock);
    bool open = !iso->closed;
    if (open) {
        rt__list_push_back(&iso->controls, &c->link);
        atomic_store_explicit(&iso->ctl_pending, true, memory_order_relaxed);
        rt__isolate_notify(iso);
    }
    pthread_mutex_unlock(&iso->lock);
    return open;
}

/* A request without a response: queued, or dropped if iso is dead. */
static int request(rt_isolate *iso, int op, rt_send_port *port, bool fatal)
{
    control *c = control_new(op, port);
    if (!c) return RT_ENOMEM;
    c->fatal = fatal;
    if (!control_post(iso, c)) control_free(c);
    return RT_OK;
}

int rt_isolate_ping(rt_isolate *iso, rt_send_port *port, rt_value *response,
                    rt_ping_priority priority)
{
    RT_CHECK(port != NULL, "port is NULL");
    control *c =
        control_new(priority == RT_PING_IMMEDIATE ? CTL_PING_NOW : CTL_PING_BOUNDARY, port);
    if (!c) return RT_ENOMEM;
    int rc = build_response(__func__, response, &c->response);
    if (rc == RT_OK && control_post(iso, c)) return RT_OK;
    control_free(c); /* a dead isolate never answers */
    return rc;
}

int rt_isolate_add_error_listener(rt_isolate *iso, rt_send_port *port)
{
    RT_CHECK(port != NULL, "port is NULL");
    return request(iso, CTL_ERR_ADD, port, false);
}

int rt_isolate_remove_error_listener(rt_isolate *iso, rt_send_port *port)
{
    RT_CHECK(port != NULL, "port is NULL");
    return request(iso, CTL_ERR_REMOVE, port, false);
}

int rt_isolate_add_on_exit_listener(rt_isolate *iso, rt_send_port *port, rt_value *response)
{
    RT_CHECK(port != NULL, "port is NULL");
    control *c = control_new(CTL_EXIT_ADD, port);
    if (!c) return RT_ENOMEM;
    int rc = build_response(__func__, response, &c->response);
    if (rc) {
        control_free(c);
        return rc;
    }
    /* Already gone: it answers now, as it would have at its exit. */
    if (!control_post(iso, c)) control_answer(c);
    return RT_OK;
}

int rt_isolate_remove_on_exit_listener(rt_isolate *iso, rt_send_port *port)
{
    RT_CHECK(port != NULL, "port is NULL");
    return request(iso, CTL_EXIT_REMOVE, port, false);
}

int rt_isolate_set_errors_fatal(rt_isolate *iso, bool fatal)
{
    return request(iso, CTL_FATAL, NULL, fatal);
}

/* ---- Handling, on the target's thread ---- */

static control *find(rt_link *list, const rt_send_port *port)
{
    for (rt_link *l = list->next; l != list; l = l->next) {
        control *c = rt__container_of(l, control, link);
        if (c->port == port) return c;
    }
    return NULL;
}

/* Drops port's exit response, the spawn-time one included. */
static void exit_forget(rt_isolate *iso, const rt_send_port *port)
{
    if (iso->bye && iso->bye->port == port) {
        rt__msg_discard(iso->bye); /* with the on_exit reference it held */
        iso->bye = NULL;
    }
    control *old = find(&iso->exit_listeners, port);
    if (old) {
        rt__list_remove(&old->link);
        control_free(old);
    }
}

static void error_forget(rt_isolate *iso, const rt_send_port *port)
{
    if (iso->on_error == port) {
        rt_send_port_release(iso->on_error);
        iso->on_error = NULL;
    }
    control *old = find(&iso->error_listeners, port);
    if (old) {
        rt__list_remove(&old->link);
        control_free(old);
    }
}

static void handle(rt_isolate *iso, control *c)
{
    switch (c->op) {
    case CTL_PING_NOW:
        control_answer(c);
        return;
    case CTL_PING_BOUNDARY:
        rt__list_push_back(&iso->deferred_pings, &c->link);
        return;
    case CTL_ERR_ADD:
        if (c->port == iso->on_error || find(&iso->error_listeners, c->port)) break;
        rt__list_push_back(&iso->error_listeners, &c->link);
        return;
    case CTL_ERR_REMOVE:
        error_forget(iso, c->port);
        break;
    case CTL_EXIT_ADD:
        exit_forget(iso, c->port); /* the last response added wins */
        rt__list_push_back(&iso->exit_listeners, &c->link);
        return;
    case CTL_EXIT_REMOVE:
        exit_forget(iso, c->port);
        break;
    case CTL_FATAL:
        iso->errors_fatal = c->fatal;
        break;
    }
    control_free(c);
}

/* Takes the queued requests out from under the lock. */
static void take(rt_isolate *iso, rt_link *got)
{
    rt__list_init(got);
    pthread_mutex_lock(&iso->lock);
    rt__list_splice(got, &iso->controls);
    atomic_store_explicit(&iso->ctl_pending, false, memory_order_relaxed);
    pthread_mutex_unlock(&iso->lock);
}

void rt__control_run(rt_isolate *iso, bool boundary)
{
    rt_link got, *l;
    take(iso, &got);
    while ((l = rt__list_pop_front(&got)))
        handle(iso, rt__container_of(l, control, link));
    if (!boundary) return;
    while ((l = rt__list_pop_front(&iso->deferred_pings)))
        control_answer(rt__container_of(l, control, link));
}

void rt__control_report(rt_isolate *iso, rt_value *error)
{
    for (rt_link *l = iso->error_listeners.next; l != &iso->error_listeners; l = l->next) {
        int rc = rt_port_send(rt__container_of(l, control, link)->port, error);
        if (rc)
            fprintf(stderr, "islet: error of isolate '%s' not sent to a listener: %s\n", iso->name,
                    rt_strerror(rc));
    }
}

static void free_list(rt_link *list)
{
    rt_link *l;
    while ((l = rt__list_pop_front(list)))
        control_free(rt__container_of(l, control, link));
}

typedef struct cap_node {
    rt_link link;
    uint64_t id;
} cap_node;

void rt__control_close(rt_isolate *iso)
{
    rt_link got, caps, *l;
    rt__list_init(&caps);
    pthread_mutex_lock(&iso->lock);
    rt__list_splice(&caps, &iso->pause_caps);
    atomic_store(&iso->cap_paused, 0);
    pthread_mutex_unlock(&iso->lock);
    while ((l = rt__list_pop_front(&caps)))
        rt__raw_free(rt__container_of(l, cap_node, link), sizeof(cap_node));
    /* Closed: nothing more can be queued. Exit listeners asked for before
     * the exit still hear of it; everything else is moot now. */
    take(iso, &got);
    while ((l = rt__list_pop_front(&got))) {
        control *c = rt__container_of(l, control, link);
        if (c->op == CTL_EXIT_ADD || c->op == CTL_EXIT_REMOVE)
            handle(iso, c);
        else
            control_free(c);
    }
    free_list(&iso->deferred_pings);
    free_list(&iso->error_listeners);
}

void rt__control_say_bye(rt_isolate *iso)
{
    rt_link *l;
    while ((l = rt__list_pop_front(&iso->exit_listeners)))
        control_answer(rt__container_of(l, control, link));
}

/* ---- Capabilities and the pauses they hold ---- */

static pthread_once_t cap_once = PTHREAD_ONCE_INIT;
static uint64_t cap_key;
static atomic_uint_fast64_t cap_counter;

static void cap_seed(void)
{
    if (getrandom(&cap_key, sizeof cap_key, GRND_NONBLOCK) != (ssize_t)sizeof cap_key)
        cap_key = (uint64_t)rt_monotonic_ns() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)&cap_key;
}

/* splitmix64's finalizer: a bijection, so distinct counts give distinct
 * ids, and consecutive ones look unrelated. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

rt_capability rt_capability_new(void)
{
    pthread_once(&cap_once, cap_seed);
    for (;;) {
        uint64_t id =
            mix(atomic_fetch_add_explicit(&cap_counter, 1, memory_order_relaxed) + cap_key);
        if (id) return (rt_capability){id};
    }
}

bool rt_capability_equal(rt_capability a, rt_capability b)
{
    return a.id == b.id;
}

rt_value *rt_value_capability(rt_capability cap)
{
    return rt_value_int((int64_t)cap.id);
}

rt_capability rt_value_as_capability(const rt_value *v)
{
    if (!v || rt_value_kind_of(v) != RT_INT) return (rt_capability){0};
    return (rt_capability){(uint64_t)rt_value_as_int(v)};
}

int rt_isolate_pause_with(rt_isolate *iso, rt_capability *out)
{
    RT_CHECK(out != NULL, "out is NULL");
    cap_node *n = rt__raw_alloc(sizeof *n);
    if (!n) return RT_ENOMEM;
    *out = rt_capability_new();
    n->id = out->id;
    pthread_mutex_lock(&iso->lock);
    bool open = !iso->closed;
    if (open) {
        rt__list_push_back(&iso->pause_caps, &n->link);
        atomic_fetch_add(&iso->cap_paused, 1);
    }
    pthread_mutex_unlock(&iso->lock);
    if (!open) rt__raw_free(n, sizeof *n);
    return RT_OK;
}

void rt_isolate_resume_with(rt_isolate *iso, rt_capability cap)
{
    cap_node *found = NULL;
    pthread_mutex_lock(&iso->lock);
    for (rt_link *l = iso->pause_caps.next; cap.id && l != &iso->pause_caps; l = l->next) {
        cap_node *n = rt__container_of(l, cap_node, link);
        if (n->id == cap.id) {
            found = n;
            break;
        }
    }
    if (found) {
        rt__list_remove(&found->link);
        if (atomic_fetch_sub(&iso->cap_paused, 1) == 1 && !iso->closed) rt__isolate_notify(iso);
    }
    pthread_mutex_unlock(&iso->lock);
    if (found) rt__raw_free(found, sizeof *found);
}

/* ---- The errors stream: a receive port that is both an error and an
 * exit listener of the target while the stream has listeners ---- */

typedef struct errors_src {
    rt_isolate *target;      /* counted */
    rt_stream_controller *c; /* borrowed: this is its context */
    rt_receive_port *port;   /* open while someone listens */
} errors_src;

static void errors_unlisten(errors_src *e)
{
    if (!e->port) return;
    rt_send_port *sp = rt_receive_port_send_port(e->port);
    rt_isolate_remove_error_listener(e->target, sp);
    rt_isolate_remove_on_exit_listener(e->target, sp);
    rt_receive_port_close(e->port);
    e->port = NULL;
}

/* An error is a map {isolate, code, message}; the exit response is null.
 * With a sync controller a handler may cancel and release the stream while
 * it runs: e is not touched after the stream call. */
static void errors_on_message(rt_receive_port *p, rt_value *v, void *ctx)
{
    errors_src *e = ctx;
    (void)p;
    if (rt_stream_is_closed(e->c)) {
        rt_value_free(v);
        return;
    }
    if (rt_value_kind_of(v) == RT_MAP) {
        rt_value *code = rt_map_get(v, "code"), *msg = rt_map_get(v, "message");
        rt_stream_add_error(e->c, code ? (int)rt_value_as_int(code) : RT_EINVAL, "isolate", "%s",
                            msg ? rt_value_as_string(msg, NULL) : "");
    } else {
        errors_unlisten(e); /* the target is gone: nothing to remove there */
        rt_future_release(rt_stream_close(e->c));
    }
    rt_value_free(v);
}

static void errors_on_listen(rt_stream_controller *c, void *ctx)
{
    errors_src *e = ctx;
    if (e->port || rt_stream_is_closed(c)) return;
    e->port = rt_receive_port_open(errors_on_message, e, NULL);
    int rc = e->port ? RT_OK : RT_ENOMEM;
    if (!rc) rc = rt_isolate_add_error_listener(e->target, rt_receive_port_send_port(e->port));
    if (!rc)
        rc = rt_isolate_add_on_exit_listener(e->target, rt_receive_port_send_port(e->port), NULL);
    if (!rc) return;
    errors_unlisten(e);
    rt_stream_add_error(c, rc, "isolate", "errors stream: cannot listen to isolate '%s': %s",
                        e->target->name, rt_strerror(rc));
}

static rt_future *errors_on_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    errors_unlisten(ctx);
    return NULL;
}

static void errors_destroy(void *ctx)
{
    errors_src *e = ctx;
    errors_unlisten(e);
    rt_isolate_release(e->target);
    rt_free(e);
}

rt_stream *rt_isolate_errors(rt_isolate *iso)
{
    rt__isolate_check(__func__);
    errors_src *e = rt_malloc(sizeof *e);
    if (!e) return NULL;
    *e = (errors_src){.target = iso};
    rt_stream_options o = {.broadcast = true,
                           .sync = true, /* as Dart's: the error arrives in the port's event */
                           .on_listen = errors_on_listen,
                           .on_cancel = errors_on_cancel,
                           .ctx = e};
    rt_stream_controller *c = rt_stream_controller_new(&o);
    if (!c) {
        rt_free(e);
        return NULL;
    }
    e->c = c;
    e->target = rt_isolate_dup(iso);
    rt__stream_set_destroy(c, errors_destroy);
    return c; /* the controller's reference is the caller's stream */
}
