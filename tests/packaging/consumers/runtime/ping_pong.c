/* ping_pong.c: an out-of-tree program that uses only islet-runtime: a
 * worker isolate answers pings, then compute() counts primes on the pool.
 * Built against an installed Islet; it must not pull in SDL. */
#include <islet/rt.h>

#include <stdio.h>

#define PINGS 1000

static int64_t answered, primes;

/* The worker: each ping (an int and a reply port) is answered with int + 1. */
static void on_ping(rt_receive_port *port, rt_value *msg, void *ctx)
{
    (void)ctx;
    int64_t n = rt_value_as_int(rt_list_get(msg, 0));
    rt_value *answer = rt_value_int(n + 1);
    rt_port_send(rt_value_as_send_port(rt_list_get(msg, 1)), answer); /* sends a copy */
    rt_value_free(answer);
    rt_value_free(msg); /* the handler owns what it receives */
    if (n + 1 == PINGS) rt_receive_port_close(port);
}

static void worker(rt_value *msg)
{
    rt_receive_port *port = rt_receive_port_open(on_ping, NULL, NULL);
    rt_value *mine = rt_value_send_port(rt_receive_port_send_port(port));
    rt_port_send(rt_value_as_send_port(msg), mine);
    rt_value_free(mine);
    rt_value_free(msg);
}

static rt_send_port *to_worker;
static rt_receive_port *replies;

static void ping(int64_t n)
{
    rt_value *list = rt_value_list();
    rt_list_push(list, rt_value_int(n));
    rt_list_push(list, rt_value_send_port(rt_receive_port_send_port(replies)));
    rt_port_send(to_worker, list);
    rt_value_free(list);
}

static void on_reply(rt_receive_port *port, rt_value *v, void *ctx)
{
    (void)ctx;
    if (rt_value_kind_of(v) == RT_SEND_PORT) { /* the worker's port: start */
        to_worker = rt_send_port_dup(rt_value_as_send_port(v));
        ping(0);
    } else if ((answered = rt_value_as_int(v)) < PINGS) {
        ping(answered);
    } else {
        rt_receive_port_close(port);
        rt_send_port_release(to_worker);
    }
    rt_value_free(v);
}

static rt_value *count_primes(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    int64_t n = rt_value_as_int(msg), found = 0;
    for (int64_t i = 2; i < n; i++) {
        bool prime = true;
        for (int64_t d = 2; d * d <= i && prime; d++)
            prime = i % d != 0;
        found += prime;
    }
    return rt_value_int(found);
}

static void got_primes(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next, (void)ctx;
    primes = rt_value_as_int(rt_future_get_value(src));
}

int main(void)
{
    rt_main_enter(NULL);
    replies = rt_receive_port_open(on_reply, NULL, NULL);
    rt_value *start = rt_value_send_port(rt_receive_port_send_port(replies));
    rt_isolate_spawn(worker, start, NULL, NULL);
    rt_value_free(start);
    rt_value *limit = rt_value_int(10000);
    rt_future_release(rt_future_then(rt_compute(count_primes, limit), got_primes, NULL, NULL));
    rt_value_free(limit);
    rt_run(RT_RUN_DEFAULT);
    rt_main_leave();
    printf("ping_pong: %lld answers, %lld primes below 10000 (Islet %s)\n", (long long)answered,
           (long long)primes, islet_version());
    return answered == PINGS && primes == 1229 ? 0 : 1;
}
