/* rt_stream_iter.c: the stream iterator of rt_stream_ops.h (Dart's
 * StreamIterator). */
#include "rt_stream_ops_private.h"

/* ---- Stream iterator (Dart's _StreamIterator) ---- */

struct rt_stream_iterator {
    rt_stream *stream; /* until the first move_next listens */
    rt_subscription *sub;
    rt_completer *next; /* the pending move_next */
    rt_value *current;
    bool has_value; /* current is valid and the subscription paused */
    bool ended;     /* done, failed or cancelled */
    int busy;       /* inside one of our handlers */
    bool freed;     /* rt_stream_iterator_free came while busy */
};

static void it_really_free(rt_stream_iterator *it)
{
    rt_value_free(it->current);
    rt_stream_release(it->stream);
    rt_completer_release(it->next);
    rt_free(it);
}

static void it_leave(rt_stream_iterator *it)
{
    if (--it->busy == 0 && it->freed) it_really_free(it);
}

static void it_answer(rt_stream_iterator *it, bool b)
{
    rt_completer *c = it->next;
    it->next = NULL;
    if (!c) return;
    rt_completer_complete(c, rt_value_bool(b));
    rt_completer_release(c);
}

static void it_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    rt_stream_iterator *it = ctx;
    it->busy++;
    if (!it->ended) {
        it->sub = sub;
        rt_value_free(it->current);
        it->current = rt_value_copy(v, NULL);
        it->has_value = true;
        it_answer(it, true);
        if (it->has_value && it->sub) rt_subscription_pause(it->sub);
    }
    it_leave(it);
}

static void it_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub; /* cancel_on_error: already cancelled */
    rt_stream_iterator *it = ctx;
    it->busy++;
    it->sub = NULL;
    it->ended = true;
    rt_completer *c = it->next;
    it->next = NULL;
    if (c) rt_completer_fail_with(c, e), rt_completer_release(c);
    it_leave(it);
}

static void it_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    rt_stream_iterator *it = ctx;
    it->busy++;
    it->sub = NULL;
    it->ended = true;
    it_answer(it, false);
    it_leave(it);
}

rt_stream_iterator *rt_stream_iterator_new(rt_stream *s)
{
    if (!s) return NULL;
    rt_stream_iterator *it = rt_calloc(1, sizeof *it);
    if (!it) {
        rt_stream_release(s);
        return NULL;
    }
    it->stream = s;
    return it;
}

rt_future *rt_stream_iterator_move_next(rt_stream_iterator *it)
{
    if (!it) return NULL;
    if (it->next)
        return rt_future_error(RT_ESTATE, OPS_DOMAIN, "StreamIterator: Already waiting for next");
    if (it->ended || (!it->sub && !it->stream)) return rt_future_value(rt_value_bool(false));
    if (!(it->next = rt_completer_new(true))) return NULL;
    rt_future *f = rt_completer_future(it->next);
    rt_value_free(it->current);
    it->current = NULL;
    if (it->sub) {
        it->has_value = false;
        rt_subscription_resume(it->sub);
        return f;
    }
    rt_stream *s = it->stream;
    it->stream = NULL;
    rt_stream_handlers h = {it_data, it_error, it_done, it, true};
    it->busy++;
    rt_subscription *sub = rt_stream_listen(s, &h);
    rt_stream_release(s);
    if (!sub) {
        it->ended = true;
        rt_completer *c = it->next;
        it->next = NULL;
        if (c) rt_completer_fail(c, RT_ENOMEM, OPS_DOMAIN, "listen: out of memory");
        rt_completer_release(c);
    } else if (!it->ended) {
        it->sub = sub;
    }
    it_leave(it);
    return f;
}

const rt_value *rt_stream_iterator_current(const rt_stream_iterator *it)
{
    return it && it->has_value ? it->current : NULL;
}

rt_future *rt_stream_iterator_cancel(rt_stream_iterator *it)
{
    if (!it) return NULL;
    rt_subscription *sub = it->sub;
    rt_stream_release(it->stream);
    it->stream = NULL;
    if (!sub) return rt_future_value(NULL);
    it->sub = NULL;
    it->ended = true;
    if (it->has_value) {
        it->has_value = false;
    } else if (it->next) {
        /* Dart completes the waiting move_next with false, asynchronously,
         * before it cancels. */
        rt_completer *c = it->next;
        it->next = NULL;
        rt_completer_follow(c, rt_future_value(rt_value_bool(false)));
        rt_completer_release(c);
    }
    rt_value_free(it->current);
    it->current = NULL;
    return rt_subscription_cancel(sub);
}

void rt_stream_iterator_free(rt_stream_iterator *it)
{
    if (!it) return;
    rt_future_release(rt_stream_iterator_cancel(it));
    it->freed = true;
    if (it->busy == 0) it_really_free(it);
}
