/* rt_async.c: the runtime side of async functions and async* generators
 * (see rt_async.h).
 *
 * Every entry into the coroutine goes through enter(), which counts the
 * entries on the C stack and frees the frame once the function has finished
 * and the outermost entry returns, so the macros may still touch the frame
 * after completing it, up to their return.
 *
 * Ending (RT_RETURN, RT_FAIL, an awaited error, a cancelled yield) keeps the
 * outcome in the frame, cancels the open await-for loops innermost first,
 * awaiting each cancel future (Dart's `finally { await it.cancel(); }`),
 * and only then completes the result (async) or closes the stream (async*).
 */
#include <islet/rt_async.h>
#include "rt_future_private.h"
#include <islet/rt_heap.h>
#include "rt_isolate_private.h"
#include "rt_stream_private.h"

#include <stdarg.h>
#include <string.h>

enum { FOR_WAITING, FOR_ITEM, FOR_DONE, FOR_ERROR, FOR_BROKEN };

/* async*: Dart's _AsyncStarStreamController. Outlives the frame: the
 * controller's hooks may still come after the generator ended. */
typedef struct rt__async_gen {
    rt_async *a; /* NULL once the frame is gone */
    rt_stream_controller *c;
    rt_completer *cancelled; /* the cancellationFuture on_cancel returns */
    rt_subscription *inner;  /* yield*: the stream being forwarded */
    bool holds_ref;          /* the frame holds a reference to c (listened) */
    bool scheduled, at_yield, adding, paused, cancel_seen;
    rt_task run; /* the one microtask that goes on with the body, embedded */
} rt__async_gen;

static void enter(rt_async *a);
static void finish(rt_async *a);
static void gen_schedule(rt_async *a);

rt_async *rt_async_new(rt_async_fn fn, size_t frame_size)
{
    rt_isolate *iso = rt__isolate_check(__func__);
    RT_CHECK(frame_size >= sizeof(rt_async), "frame_size %zu is smaller than rt_async", frame_size);
    rt_async *a = rt__heap_alloc(&iso->heap, frame_size);
    if (!a) return NULL;
    memset(a, 0, frame_size);
    a->fn = fn;
    a->size = frame_size;
    return a;
}

static rt_error *error_copy(const rt_error *e)
{
    rt_error *copy = rt_malloc(sizeof *copy + rt__error_text_size(e));
    if (copy) *copy = rt__error_store(copy + 1, e);
    return copy;
}

static void loop_clear(rt__await_for *r)
{
    if (r->sub) rt_future_release(rt_subscription_cancel(r->sub));
    rt_stream_release(r->stream);
    rt_value_free(r->item);
    rt_free(r->error);
    rt_future_release(r->cancel);
    memset(r, 0, sizeof *r);
}

static void frame_free(rt_async *a)
{
    if (a->cleanup) a->cleanup(a);
    while (a->nfor > 0)
        loop_clear(&a->loops[--a->nfor]);
    rt_value_free(a->end_value);
    rt_future_release(a->end_future);
    rt_free(a->end_error);
    rt_future_release(a->awaited);
    rt_completer_release(a->result);
    rt__async_gen *g = a->gen;
    rt_free(a);
    if (g) {
        g->a = NULL;
        /* The last reference may be this one: it frees g (gen_destroy). */
        if (g->holds_ref) rt_stream_release(g->c);
    }
}

/* Called after each return from fn (or from the runtime's own steps). */
static void left(rt_async *a)
{
    if (!a->finished && !a->suspended) {
        a->suspended = true;
        if (a->result) rt__completer_set_sync(a->result, true);
    }
    if (a->finished && a->depth == 0) frame_free(a);
}

static void enter(rt_async *a)
{
    a->depth++;
    a->fn(a);
    a->depth--;
    left(a);
}

rt_future *rt_async_run(rt_async *a)
{
    if (!a) return NULL;
    /* Async until the first suspension: see left(). */
    a->result = rt_completer_new(false);
    if (!a->result) {
        rt_free(a);
        return NULL;
    }
    rt_future *f = rt_completer_future(a->result);
    enter(a);
    return f;
}

const rt_value *rt_async_value(const rt_async *a)
{
    return a->awaited ? rt_future_get_value(a->awaited) : NULL;
}

void *rt_async_ptr(const rt_async *a)
{
    return a->awaited ? rt_future_get_ptr(a->awaited) : NULL;
}

const rt_error *rt_async_error(const rt_async *a)
{
    return a->awaited ? rt_future_get_error(a->awaited) : NULL;
}

const rt_value *rt_async_item(const rt_async *a)
{
    return a->nfor ? a->loops[a->nfor - 1].item : NULL;
}

bool rt_async_cancelled(const rt_async *a)
{
    return a->gen && a->gen->cancel_seen;
}

static void resume(rt_future *src, void *ctx)
{
    rt_async *a = ctx;
    a->awaited = rt_future_dup(src);
    enter(a);
}

static void resume_done(void *ctx)
{
    enter(ctx);
}

_Static_assert(sizeof(rt_task) <= sizeof(((rt_async *)0)->await_storage),
               "rt_async's await storage holds a microtask node");

void rt_async__await(rt_async *a, rt_future *f)
{
    rt_future_release(a->awaited);
    a->awaited = NULL;
    if (!f) {
        /* The macro returns; left() then frees the finished frame. */
        rt_async__fail(a, RT_ENOMEM, "runtime", "await: out of memory");
        return;
    }
    /* Already complete (the common case in a loop): resume in one microtask
     * holding f as it is, without a listener. */
    rt_task *t = (rt_task *)a->await_storage;
    *t = (rt_task){.ev.type = RT_EV_EMBEDDED, .fn = resume_done, .ctx = a};
    if (rt__future_when_done(f, t)) {
        a->awaited = f;
        return;
    }
    rt__future_listen_in(f, a->await_storage, resume, a);
}

/* ---- Ending ---- */

static void unwind(rt_async *a);

static void unwind_resume(rt_future *src, void *ctx)
{
    rt_async *a = ctx;
    const rt_error *e = rt_future_get_error(src);
    if (e) { /* an error in `finally` replaces the outcome */
        rt_error *copy = error_copy(e);
        rt_value_free(a->end_value);
        rt_future_release(a->end_future);
        rt_free(a->end_error);
        a->end_value = NULL;
        a->end_future = NULL;
        a->end_error = copy;
    }
    unwind(a);
    left(a);
}

/* Cancels the innermost open loop and awaits its cancel; with none left,
 * completes. */
static void unwind(rt_async *a)
{
    while (a->nfor > 0) {
        rt__await_for *r = &a->loops[--a->nfor];
        rt_future *cancel = r->cancel;
        r->cancel = NULL;
        if (r->sub) cancel = rt_subscription_cancel(r->sub);
        r->sub = NULL;
        loop_clear(r);
        if (cancel) {
            rt__future_listen_in(cancel, a->await_storage, unwind_resume, a);
            return;
        }
    }
    a->unwinding = false;
    finish(a);
}

static void end(rt_async *a, rt_value *value, rt_future *f, const rt_error *e)
{
    if (a->finished || a->unwinding) {
        rt_value_free(value);
        rt_future_release(f);
        return;
    }
    a->unwinding = true;
    a->end_value = value;
    a->end_future = f;
    if (e) {
        a->end_error = error_copy(e);
        if (!a->end_error) a->end_error = error_copy(&(rt_error){RT_ENOMEM, "runtime", "oom"});
    }
    unwind(a);
}

void rt_async__return(rt_async *a, rt_value *value)
{
    end(a, value, NULL, NULL);
}

void rt_async__return_future(rt_async *a, rt_future *f)
{
    RT_CHECK(!a->gen, "RT_RETURN_FUTURE in an async* generator");
    if (!f) {
        rt_async__fail(a, RT_ENOMEM, "runtime", "return: out of memory");
        return;
    }
    end(a, NULL, f, NULL);
}

void rt_async__fail(rt_async *a, int code, const char *domain, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_error e = {code, domain, msg};
    rt_async__fail_with(a, &e);
}

void rt_async__fail_with(rt_async *a, const rt_error *e)
{
    end(a, NULL, NULL, e);
}

static void gen_finish(rt_async *a);

/* The outcome is final and no loop is open. */
static void finish(rt_async *a)
{
    a->finished = true;
    if (a->gen) {
        gen_finish(a);
        return;
    }
    if (a->end_error) {
        rt_completer_fail_with(a->result, a->end_error);
    } else if (a->end_future) {
        /* Dart's _returnAsync: chained, so a pending f completes the result
         * synchronously and a complete one in one microtask. */
        rt__completer_set_sync(a->result, true);
        rt_completer_follow(a->result, a->end_future);
        a->end_future = NULL;
    } else {
        rt_completer_complete(a->result, a->end_value);
        a->end_value = NULL;
    }
}

/* ---- await for ---- */

static rt__await_for *top(rt_async *a)
{
    RT_CHECK(a->nfor > 0, "await-for macro outside RT_AWAIT_FOR");
    return &a->loops[a->nfor - 1];
}

/* An event for loop r arrived: run the function on it. */
static void for_enter(rt__await_for *r)
{
    rt_async *a = r->a;
    unsigned gen = r->gen;
    rt_subscription *sub = r->sub;
    a->depth++;
    a->fn(a);
    a->depth--;
    /* The body suspended inside this item (an await, a yield): pause, as
     * StreamIterator's _onData does after moveNext's future completed. */
    if (!a->finished && !a->unwinding && r->gen == gen && r->state == FOR_ITEM && !r->fresh &&
        sub && r->sub == sub && !r->paused) {
        r->paused = true;
        rt_subscription_pause(sub);
    }
    left(a);
}

static void for_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    rt__await_for *r = ctx;
    if (r->listening || r->state != FOR_WAITING) return; /* as StreamIterator */
    r->item = rt__subscription_take_value(sub, v);
    if (!r->item) {
        r->error = error_copy(&(rt_error){RT_ENOMEM, "runtime", "await for: out of memory"});
        r->state = FOR_ERROR;
    } else {
        r->state = FOR_ITEM;
        r->fresh = true;
    }
    for_enter(r);
}

static void for_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    rt__await_for *r = ctx;
    r->sub = NULL; /* cancel_on_error: already cancelled */
    r->error = error_copy(e);
    r->state = FOR_ERROR;
    if (!r->listening) for_enter(r);
}

static void for_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    rt__await_for *r = ctx;
    r->sub = NULL; /* ends with this callback */
    r->state = FOR_DONE;
    if (!r->listening) for_enter(r);
}

/* An event during listen (Dart drops data then, and completes moveNext
 * with an error or done in a microtask). */
static void for_late_task(void *ctx)
{
    rt__await_for *r = ctx;
    r->late = false;
    for_enter(r);
}

void rt_async__for_begin(rt_async *a, rt_stream *s, int line)
{
    RT_CHECK(a->nfor < RT_AWAIT_FOR_DEPTH, "await-for loops nest deeper than %d",
             RT_AWAIT_FOR_DEPTH);
    rt__await_for *r = &a->loops[a->nfor++];
    memset(r, 0, sizeof *r);
    *r = (rt__await_for){.a = a, .stream = s, .line = line, .gen = ++a->for_gen};
    rt_stream_handlers h = {for_data, for_error, for_done, r, true};
    r->listening = true;
    r->sub = s ? rt_stream_listen(s, &h) : NULL;
    r->listening = false;
    if (!s || (!r->sub && r->state == FOR_WAITING)) {
        r->error = error_copy(&(rt_error){RT_ENOMEM, "runtime", "await for: no stream"});
        r->state = FOR_ERROR;
    }
    if (r->state != FOR_WAITING)
        r->late = rt_schedule_microtask(for_late_task, r) == RT_OK; /* else: at once */
}

int rt_async__for_next(rt_async *a)
{
    rt__await_for *r = top(a);
    a->rt__suspend = false;
    if (r->state != FOR_ITEM && r->state != FOR_WAITING && !r->late) return 0;
    if (r->state == FOR_ITEM && r->fresh) {
        r->fresh = false;
        return 1; /* run the body */
    }
    if (r->state == FOR_ITEM) { /* the body ended (or continued): moveNext */
        rt_value_free(r->item);
        r->item = NULL;
        r->state = FOR_WAITING;
        if (r->paused) {
            /* State first, r untouched after: if resume delivered at once,
             * the next iteration has already run (nested). */
            r->paused = false;
            a->state = r->line;
            a->rt__suspend = true;
            rt_subscription_resume(r->sub);
            return 1;
        }
    }
    a->state = r->line;
    a->rt__suspend = true;
    return 1;
}

int rt_async__for_exit(rt_async *a)
{
    rt__await_for *r = top(a);
    RT_CHECK(r->state != FOR_ITEM,
             "a plain break left the await-for loop of line %d: use RT_AWAIT_FOR_BREAK", r->line);
    if (r->state == FOR_ITEM) { /* without checks: as RT_AWAIT_FOR_BREAK */
        r->state = FOR_BROKEN;
        r->cancel = rt_subscription_cancel(r->sub);
        r->sub = NULL;
    }
    if (r->state == FOR_ERROR) {
        rt_error *e = r->error;
        r->error = NULL;
        a->nfor--;
        loop_clear(r);
        rt_async__fail_with(a,
                            e ? e : &(rt_error){RT_ENOMEM, "runtime", "await for: out of memory"});
        rt_free(e);
        return 1;
    }
    rt_future *cancel = r->cancel;
    r->cancel = NULL;
    a->nfor--;
    loop_clear(r);
    if (!cancel) return 0;
    a->for_cancel = true;
    rt_async__await(a, cancel);
    return 1;
}

int rt_async__for_after(rt_async *a)
{
    if (!a->for_cancel) return 0;
    a->for_cancel = false;
    if (!rt_async_error(a)) return 0;
    rt_async__fail_with(a, rt_async_error(a));
    return 1;
}

void rt_async__for_break(rt_async *a)
{
    rt__await_for *r = top(a);
    r->state = FOR_BROKEN;
    r->cancel = r->sub ? rt_subscription_cancel(r->sub) : NULL;
    r->sub = NULL;
    r->paused = false;
    /* Re-enter at the loop's head: its test fails and RT_AWAIT_FOR_END's
     * exit awaits the cancel. */
    a->state = r->line;
    a->depth++;
    a->fn(a);
    a->depth--;
}

/* ---- async* ---- */

static void gen_run_body(void *ctx)
{
    rt_async *a = ctx;
    a->gen->scheduled = false;
    a->gen->at_yield = false;
    enter(a);
}

/* Dart's scheduleGenerator: the body goes on in a microtask, unless paused
 * (a cancelled subscription no longer counts as paused) or forwarding. */
static void gen_schedule(rt_async *a)
{
    rt__async_gen *g = a->gen;
    if (g->scheduled || (g->paused && !g->cancel_seen) || g->adding) return;
    g->run.ev.type = RT_EV_EMBEDDED;
    g->run.fn = gen_run_body;
    g->run.ctx = a;
    rt__microtask_push(rt_isolate_current(), &g->run);
    g->scheduled = true;
}

static void gen_on_listen(rt_stream_controller *c, void *ctx)
{
    rt__async_gen *g = ctx;
    if (!g->a) return;
    g->holds_ref = true;
    rt_stream_dup(c);
    gen_schedule(g->a);
}

static void gen_on_pause(rt_stream_controller *c, void *ctx)
{
    (void)c;
    rt__async_gen *g = ctx;
    g->paused = true;
    if (g->inner) rt_subscription_pause(g->inner);
}

static void gen_on_resume(rt_stream_controller *c, void *ctx)
{
    (void)c;
    rt__async_gen *g = ctx;
    g->paused = false;
    if (g->inner) rt_subscription_resume(g->inner);
    if (g->a && g->at_yield) gen_schedule(g->a);
}

static void gen_inner_cancelled(rt_future *src, void *ctx)
{
    (void)src;
    rt_async *a = ctx;
    a->gen->adding = false;
    gen_schedule(a);
}

static rt_future *gen_on_cancel(rt_stream_controller *c, void *ctx)
{
    rt__async_gen *g = ctx;
    if (!g->a || rt_stream_is_closed(c)) return NULL;
    if (!g->cancelled) {
        g->cancel_seen = true;
        g->cancelled = rt_completer_new(true);
        if (g->inner) {
            rt_subscription *inner = g->inner;
            g->inner = NULL;
            rt__future_listen_in(rt_subscription_cancel(inner), g->a->await_storage,
                                 gen_inner_cancelled, g->a);
        } else if (g->at_yield) {
            gen_schedule(g->a);
        }
    }
    return g->cancelled ? rt_completer_future(g->cancelled) : NULL;
}

static void gen_destroy(void *ctx)
{
    rt__async_gen *g = ctx;
    if (g->a) frame_free(g->a); /* never listened to */
    rt_completer_release(g->cancelled);
    rt_free(g);
}

rt_stream *rt_async_star_run(rt_async *a)
{
    if (!a) return NULL;
    rt__async_gen *g = rt_malloc(sizeof *g);
    if (g) memset(g, 0, sizeof *g);
    rt_stream_options o = {.sync = true,
                           .on_listen = gen_on_listen,
                           .on_pause = gen_on_pause,
                           .on_resume = gen_on_resume,
                           .on_cancel = gen_on_cancel,
                           .ctx = g};
    rt_stream_controller *c = g ? rt_stream_controller_new(&o) : NULL;
    if (!c) {
        rt_free(g);
        frame_free(a);
        return NULL;
    }
    g->a = a;
    g->c = c;
    a->gen = g;
    a->suspended = true; /* no result future to complete */
    rt__stream_set_destroy(c, gen_destroy);
    return c;
}

/* Dart's close() and addError(): the outcome goes to the cancel future if
 * the subscription was cancelled, else to the stream. */
static void gen_finish(rt_async *a)
{
    rt__async_gen *g = a->gen;
    /* `finally` runs before the stream learns the generator ended. */
    if (a->cleanup) a->cleanup(a);
    a->cleanup = NULL;
    bool cancel_pending = g->cancelled && !rt_completer_is_completed(g->cancelled);
    if (a->end_error) {
        if (cancel_pending)
            rt_completer_fail_with(g->cancelled, a->end_error);
        else if (!g->cancel_seen)
            rt_stream_add_error_with(g->c, a->end_error);
    }
    if (g->cancelled && !rt_completer_is_completed(g->cancelled))
        rt_completer_complete(g->cancelled, NULL);
    rt_future_release(rt_stream_close(g->c));
}

void rt_async__yield(rt_async *a, rt_value *value)
{
    RT_CHECK(a->gen, "RT_YIELD outside an async* generator");
    rt__async_gen *g = a->gen;
    if (g->cancel_seen) {
        rt_value_free(value);
        rt_async__return(a, NULL);
        return;
    }
    rt_stream_add(g->c, value); /* sync: the listener may cancel in it */
    if (g->cancel_seen) {
        rt_async__return(a, NULL);
        return;
    }
    gen_schedule(a);
    g->at_yield = true;
}

int rt_async__yield_resumed(rt_async *a)
{
    if (!a->gen->cancel_seen) return 0;
    rt_async__return(a, NULL);
    return 1;
}

static void inner_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    rt__async_gen *g = ctx;
    rt_stream_add(g->c, rt_value_copy(v, NULL));
}

static void inner_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    rt__async_gen *g = ctx;
    rt_stream_add_error_with(g->c, e);
}

static void inner_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    rt__async_gen *g = ctx;
    g->inner = NULL;
    g->adding = false;
    if (!g->a) return;
    gen_schedule(g->a);
    if (!g->scheduled) g->at_yield = true;
}

void rt_async__yield_all(rt_async *a, rt_stream *s)
{
    RT_CHECK(a->gen, "RT_YIELD_ALL outside an async* generator");
    rt__async_gen *g = a->gen;
    if (g->cancel_seen || !s) {
        rt_stream_release(s);
        if (g->cancel_seen)
            rt_async__return(a, NULL);
        else
            rt_async__fail(a, RT_ENOMEM, "runtime", "yield*: out of memory");
        return;
    }
    /* Dart's controller.addStream(stream, cancelOnError: false). */
    g->adding = true;
    rt_stream_handlers h = {inner_data, inner_error, inner_done, g, false};
    rt_subscription *inner = rt_stream_listen(s, &h);
    rt_stream_release(s);
    if (!inner) {
        g->adding = false;
        rt_async__fail(a, RT_ENOMEM, "runtime", "yield*: out of memory");
        return;
    }
    if (g->adding) { /* not done during listen */
        g->inner = inner;
        if (g->paused) rt_subscription_pause(inner);
    }
}
