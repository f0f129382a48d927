/* rt_async.c: the runtime side of async functions (see rt_async.h).
 *
 * Every entry into the coroutine goes through step(), which frees the frame
 * once the function has finished, so the macros may still touch the frame
 * after completing it, up to their return.
 */
#include "rt_async.h"
#include "rt_heap.h"
#include "rt_isolate_private.h"

#include <stdarg.h>
#include <string.h>

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

static void frame_free(rt_async *a)
{
    if (a->cleanup) a->cleanup(a);
    if (a->sub) rt_future_release(rt_subscription_cancel(a->sub));
    rt_stream_release(a->stream);
    rt_value_free(a->item);
    rt_free(a->for_error);
    rt_future_release(a->awaited);
    rt_completer_release(a->result);
    rt_free(a);
}

static void step(rt_async *a)
{
    a->fn(a);
    if (a->finished) frame_free(a);
}

rt_future *rt_async_run(rt_async *a)
{
    if (!a) return NULL;
    a->result = rt_completer_new(true);
    if (!a->result) {
        rt_free(a);
        return NULL;
    }
    rt_future *f = rt_completer_future(a->result);
    step(a);
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
    return a->item;
}

static void resume(rt_future *src, void *ctx)
{
    rt_async *a = ctx;
    a->awaited = rt_future_dup(src);
    step(a);
}

void rt__async_await(rt_async *a, rt_future *f)
{
    rt_future_release(a->awaited);
    a->awaited = NULL;
    if (!f) {
        /* The macro returns; step() then frees the finished frame. */
        rt__async_fail(a, RT_ENOMEM, "runtime", "await: out of memory");
        return;
    }
    rt__future_listen_in(f, a->await_storage, resume, a);
}

void rt__async_return(rt_async *a, rt_value *value)
{
    if (!a->finished)
        rt_completer_complete(a->result, value);
    else
        rt_value_free(value);
    a->finished = true;
}

void rt__async_fail(rt_async *a, int code, const char *domain, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_error e = {code, domain, msg};
    rt__async_fail_with(a, &e);
}

void rt__async_fail_with(rt_async *a, const rt_error *e)
{
    if (!a->finished) rt_completer_fail_with(a->result, e);
    a->finished = true;
}

/* ---- await for ---- */

static void for_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    rt_async *a = ctx;
    rt_subscription_pause(sub);
    rt_value_free(a->item);
    a->item = rt_value_copy(v, NULL);
    step(a);
}

static void for_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    rt_async *a = ctx;
    rt_subscription_pause(sub);
    /* Copied: the event's error lives only for this call. */
    size_t dl = strlen(e->domain) + 1, ml = strlen(e->message) + 1;
    rt_error *copy = rt_malloc(sizeof *copy + dl + ml);
    if (copy) {
        char *d = (char *)(copy + 1), *m = d + dl;
        memcpy(d, e->domain, dl);
        memcpy(m, e->message, ml);
        *copy = (rt_error){e->code, d, m};
    }
    a->for_error = copy;
    if (!copy) a->for_done = true;
    step(a);
}

static void for_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    rt_async *a = ctx;
    a->sub = NULL; /* ends with this callback */
    a->for_done = true;
    step(a);
}

void rt__async_for_begin(rt_async *a, rt_stream *s)
{
    RT_CHECK(!a->stream, "await-for loops cannot nest in one async function");
    a->stream = s;
    a->for_done = false;
    rt_stream_handlers h = {for_data, for_error, for_done, a, false};
    a->sub = s ? rt_stream_listen(s, &h) : NULL;
    if (a->sub)
        rt_subscription_pause(a->sub); /* resumed by the first wait */
    else
        a->for_done = true;
}

int rt__async_for_wait(rt_async *a)
{
    if (a->for_done) return 0; /* go straight to the stop check */
    rt_value_free(a->item);
    a->item = NULL;
    rt_subscription_resume(a->sub);
    return 1;
}

int rt__async_for_stop(rt_async *a)
{
    if (a->for_error) {
        rt__async_fail_with(a, a->for_error);
        return 1;
    }
    if (!a->for_done) return 0;
    rt_stream_release(a->stream);
    a->stream = NULL;
    a->sub = NULL;
    return 1;
}
