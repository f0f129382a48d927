/* bench_async: benchmarks of the async layer (futures, await, streams,
 * compute). Prints one JSON object per line, like bench_runtime:
 * {"bench": NAME, "unit": U, "value": MEDIAN, "runs": N}. Optional argv[1]
 * runs one benchmark by name. Not a test: compare medians on a quiet machine.
 *
 *   future_then         ns per rt_future_then link: build a chain of 1 M links
 *                       on a sync completer, complete it (build included)
 *   await_step          ns per RT_AWAIT of an already completed future
 *   stream_event        ns per event: 1 M ints through a single-subscription
 *                       async controller to one listener (add to delivery)
 *   stream_to_list_1m   ns per element: rt_stream_from_list of 1 M ints, map
 *                       (x * 2), where (x % 3 != 0), to_list (list built
 *                       before timing; the stream and the result inside)
 *   async_star_yield    ns per value an async* generator yields to an
 *                       await-for loop in an async function (1 M values)
 *   compute_roundtrip   us per sequential trivial rt_compute (pool warm)
 *   compute_throughput  computes/s with 10,000 small jobs in flight at once
 */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Overridable with -D for quick runs (e.g. under valgrind or ASan). */
#ifndef THEN_N
#define THEN_N 1000000
#endif
#ifndef AWAIT_N
#define AWAIT_N 1000000
#endif
#ifndef STREAM_N
#define STREAM_N 1000000
#endif
#ifndef YIELD_N
#define YIELD_N 1000000
#endif
#ifndef ROUNDTRIP_N
#define ROUNDTRIP_N 2000
#endif
#ifndef INFLIGHT_N
#define INFLIGHT_N 10000
#endif

static bool failed;

static void fail(const char *bench, const char *what)
{
    fprintf(stderr, "bench_async: %s: %s\n", bench, what);
    failed = true;
}

static double now_ns(void)
{
    return (double)rt_monotonic_ns();
}

/* ---- future_then: a chain of a million thens on a sync completer ---- */

static long then_count;

static void then_cb(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next; /* left alone: completes with null */
    (void)ctx;
    then_count++;
}

static double bench_future_then(void)
{
    then_count = 0;
    rt_completer *c = rt_completer_new(true);
    rt_future *f = rt_completer_future(c);
    double t0 = now_ns();
    for (long i = 0; i < THEN_N; i++)
        f = rt_future_then(f, then_cb, NULL, NULL);
    rt_completer_complete(c, rt_value_int(1));
    double t1 = now_ns();
    if (!f || !rt_future_is_complete(f) || rt_future_is_error(f) || then_count != THEN_N)
        fail("future_then", "the chain did not complete with every link run");
    rt_future_release(f);
    rt_completer_release(c);
    run_main(); /* nothing should be left; keeps runs independent */
    return (t1 - t0) / THEN_N;
}

/* ---- await_step: an async loop awaiting completed futures ---- */

typedef struct await_frame {
    rt_async a;
    long i;
    rt_future *done; /* NULL: await a fresh rt_future_value each time */
} await_frame;

static void await_loop(rt_async *a)
{
    await_frame *f = (await_frame *)a;
    RT_ASYNC_BEGIN(a);
    for (f->i = 0; f->i < AWAIT_N; f->i++)
        RT_AWAIT(a, f->done ? rt_future_dup(f->done) : rt_future_value(NULL));
    rt_future_release(f->done);
    RT_RETURN(a, rt_value_int(f->i));
    RT_ASYNC_END(a);
}

static double await_run(bool completed)
{
    await_frame *fr = (await_frame *)rt_async_new(await_loop, sizeof(await_frame));
    if (completed && fr) {
        /* Like Node's `await p` on a resolved promise: the future is complete. */
        fr->done = rt_future_value(NULL);
        run_main();
    }
    double t0 = now_ns();
    rt_future *fut = rt_async_run(&fr->a);
    while (fut && !rt_future_is_complete(fut) && rt_run(RT_RUN_NOWAIT)) {
    }
    double t1 = now_ns();
    const rt_value *v = fut ? rt_future_get_value(fut) : NULL;
    if (!v || rt_value_as_int(v) != AWAIT_N)
        fail("await_step", "the async function did not return its loop count");
    rt_future_release(fut);
    return (t1 - t0) / AWAIT_N;
}

static double bench_await_step(void)
{
    return await_run(true);
}

static double bench_await_value_step(void)
{
    return await_run(false);
}

/* ---- stream_event: a million events to one listener ---- */

typedef struct stream_state {
    long events;
    int64_t sum;
    bool done;
} stream_state;

static void stream_data(rt_subscription *sub, const rt_value *v, void *ctx)
{
    (void)sub;
    stream_state *st = ctx;
    st->events++;
    st->sum += rt_value_as_int(v);
}

static void stream_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    ((stream_state *)ctx)->done = true;
}

static double bench_stream_event(void)
{
    stream_state st = {0};
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    rt_stream_handlers h = {stream_data, NULL, stream_done, &st, false};
    rt_subscription *sub = rt_stream_listen(s, &h); /* valid until on_done has run */
    rt_stream_release(s);
    double t0 = now_ns();
    for (long i = 0; i < STREAM_N; i++)
        rt_stream_add(c, rt_value_int(i));
    rt_future *closed = rt_stream_close(c);
    run_main();
    double t1 = now_ns();
    if (!sub || !st.done || st.events != STREAM_N ||
        st.sum != (int64_t)STREAM_N * (STREAM_N - 1) / 2 || !closed ||
        !rt_future_is_complete(closed))
        fail("stream_event", "not every event (or the done event) was delivered");
    rt_future_release(closed);
    rt_stream_release(c);
    return (t1 - t0) / STREAM_N;
}

/* ---- stream_to_list_1m: from_list -> map -> where -> to_list ---- */

static rt_value *times_two(const rt_value *v, void *ctx)
{
    (void)ctx;
    return rt_value_int(rt_value_as_int(v) * 2);
}

static bool not_multiple_of_3(const rt_value *v, void *ctx)
{
    (void)ctx;
    return rt_value_as_int(v) % 3 != 0;
}

static double bench_stream_to_list(void)
{
    rt_value *list = rt_value_list();
    for (long i = 0; list && i < STREAM_N; i++)
        if (rt_list_push(list, rt_value_int(i))) break;
    double t0 = now_ns();
    rt_stream *s = rt_stream_from_list(list);
    s = rt_stream_where(rt_stream_map(s, times_two, NULL), not_multiple_of_3, NULL);
    rt_future *f = rt_stream_to_list(s);
    run_main();
    double t1 = now_ns();
    const rt_value *out = f ? rt_future_get_value(f) : NULL;
    size_t expect = STREAM_N - (STREAM_N + 2) / 3;
    if (!out || rt_list_len(out) != expect || rt_value_as_int(rt_list_get(out, 1)) != 4)
        fail("stream_to_list_1m", "the list is not what map/where should make");
    rt_future_release(f);
    rt_value_free(list);
    return (t1 - t0) / STREAM_N;
}

/* ---- async_star_yield: async* generator -> await-for ---- */

typedef struct gen_frame {
    rt_async a;
    long i;
} gen_frame;

static void counter_gen(rt_async *a)
{
    gen_frame *f = (gen_frame *)a;
    RT_ASYNC_BEGIN(a);
    for (f->i = 0; f->i < YIELD_N; f->i++)
        RT_YIELD(a, rt_value_int(f->i));
    RT_ASYNC_END(a);
}

typedef struct sum_frame {
    rt_async a;
    int64_t sum;
} sum_frame;

static void sum_loop(rt_async *a)
{
    sum_frame *f = (sum_frame *)a;
    RT_ASYNC_BEGIN(a);
    RT_AWAIT_FOR(a, rt_async_star_run(rt_async_new(counter_gen, sizeof(gen_frame))))
    f->sum += rt_value_as_int(rt_async_item(a));
    RT_AWAIT_FOR_END(a);
    RT_RETURN(a, rt_value_int(f->sum));
    RT_ASYNC_END(a);
}

static double bench_async_star_yield(void)
{
    double t0 = now_ns();
    rt_future *f = rt_async_run(rt_async_new(sum_loop, sizeof(sum_frame)));
    run_main();
    double t1 = now_ns();
    const rt_value *v = f ? rt_future_get_value(f) : NULL;
    if (!v || rt_value_as_int(v) != (int64_t)YIELD_N * (YIELD_N - 1) / 2)
        fail("async_star_yield", "the await-for loop did not sum every yielded value");
    rt_future_release(f);
    return (t1 - t0) / YIELD_N;
}

/* ---- compute_roundtrip: sequential trivial computes ---- */

static rt_value *one_fn(rt_value *message, rt_compute_ctx *cx)
{
    (void)message; /* NULL: none was sent */
    (void)cx;
    return rt_value_int(1);
}

static long rtrip_done;
static bool rtrip_error;

static void roundtrip_start(void);

static void roundtrip_value(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    const rt_value *v = rt_future_get_value(src);
    if (!v || rt_value_as_int(v) != 1) {
        rtrip_error = true;
        return;
    }
    if (++rtrip_done < ROUNDTRIP_N) roundtrip_start();
}

static void roundtrip_error(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    (void)ctx;
    rtrip_error = true;
}

static void roundtrip_start(void)
{
    rt_future *f = rt_future_then(rt_compute(one_fn, NULL), roundtrip_value, roundtrip_error, NULL);
    if (!f) rtrip_error = true;
    rt_future_release(f);
}

static double bench_compute_roundtrip(void)
{
    rtrip_done = 0;
    rtrip_error = false;
    double t0 = now_ns();
    roundtrip_start();
    while (rtrip_done < ROUNDTRIP_N && !rtrip_error && rt_run(RT_RUN_ONCE)) {
    }
    double t1 = now_ns();
    if (rtrip_done != ROUNDTRIP_N) fail("compute_roundtrip", "not every compute completed");
    return (t1 - t0) / 1e3 / ROUNDTRIP_N;
}

/* ---- compute_throughput: many small jobs in flight ---- */

static rt_value *arith_fn(rt_value *message, rt_compute_ctx *cx)
{
    (void)cx;
    int64_t x = rt_value_as_int(message); /* borrowed: the compute isolate owns it */
    return rt_value_int(x * x + 3 * x + 1);
}

static long tp_done, tp_bad;

static void tp_value(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    int64_t x = (int64_t)(intptr_t)ctx;
    const rt_value *v = rt_future_get_value(src);
    if (!v || rt_value_as_int(v) != x * x + 3 * x + 1) tp_bad++;
    tp_done++;
}

static void tp_error(rt_future *src, rt_completer *next, void *ctx)
{
    (void)src;
    (void)next;
    (void)ctx;
    tp_bad++;
    tp_done++;
}

static double bench_compute_throughput(void)
{
    tp_done = tp_bad = 0;
    double t0 = now_ns();
    for (long i = 0; i < INFLIGHT_N; i++) {
        rt_value *m = rt_value_int(i);
        rt_future *f =
            rt_future_then(rt_compute(arith_fn, m), tp_value, tp_error, (void *)(intptr_t)i);
        rt_value_free(m);
        if (!f) {
            tp_bad++;
            tp_done++;
        }
        rt_future_release(f);
    }
    while (tp_done < INFLIGHT_N && rt_run(RT_RUN_ONCE)) {
    }
    double t1 = now_ns();
    if (tp_done != INFLIGHT_N || tp_bad)
        fail("compute_throughput", "not every compute completed with the right result");
    return INFLIGHT_N / ((t1 - t0) / 1e9);
}

int main(int argc, char **argv)
{
    static const bench_case all[] = {
        {"future_then", "ns", bench_future_then, RUNS},
        {"await_step", "ns", bench_await_step, RUNS},
        {"await_value_step", "ns", bench_await_value_step, RUNS},
        {"stream_event", "ns", bench_stream_event, RUNS},
        {"stream_to_list_1m", "ns", bench_stream_to_list, RUNS},
        {"async_star_yield", "ns", bench_async_star_yield, RUNS},
        {"compute_roundtrip", "us", bench_compute_roundtrip, RUNS},
        {"compute_throughput", "computes/s", bench_compute_throughput, RUNS},
    };
    int rc = bench_main("bench_async", argc, argv, all, sizeof all / sizeof all[0]);
    return rc || failed ? 1 : 0;
}
