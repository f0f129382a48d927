/* test_isolate_control.c: Dart's Isolate control API after spawn: ping,
 * error and exit listeners, setErrorsFatal, Isolate.errors, capabilities
 * and pause/resume with them.
 *
 * Most tests port a test of the Dart SDK (tests/lib/isolate/...); each says
 * which, and its asserts are the Dart test's asserts (Expect.* and the
 * `throw "..."` checks), in the same places. Dart's RawReceivePort is a
 * receive port here, `throw` in an isolate an rt_report_error. The last
 * tests check Islet's own choices (documented in rt_isolate.h).
 */
#include "test_support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* ---- Helpers ---- */

static void send_int(rt_send_port *sp, int64_t i)
{
    rt_value *v = rt_value_int(i);
    assert_int_equal(rt_port_send(sp, v), 0);
    rt_value_free(v);
}

static void send_str(rt_send_port *sp, const char *s)
{
    rt_value *v = rt_value_string(s);
    assert_int_equal(rt_port_send(sp, v), 0);
    rt_value_free(v);
}

static rt_value *str(const char *s)
{
    rt_value *v = rt_value_string(s);
    assert_non_null(v);
    return v;
}

static bool is_int(const rt_value *v, int64_t i)
{
    return rt_value_kind_of(v) == RT_INT && rt_value_as_int(v) == i;
}

static void release_port(void *ctx)
{
    rt_send_port_release(ctx);
}

/* What each Dart test's isomain starts with: a port whose send port goes
 * to replyPort first. The handler's ctx is replyPort. */
static void start_worker(rt_value *msg, rt_message_fn fn)
{
    rt_send_port *reply = rt_send_port_dup(rt_value_as_send_port(msg));
    rt_value_free(msg);
    rt_receive_port *rp = rt_receive_port_open(fn, reply, release_port);
    rt_value *mine = rt_value_send_port(rt_receive_port_send_port(rp));
    rt_port_send(reply, mine);
    rt_value_free(mine);
}

static rt_isolate *spawn_worker(rt_entry_fn entry, rt_send_port *reply, rt_isolate_options o)
{
    rt_value *m = rt_value_send_port(reply);
    rt_isolate *iso;
    assert_int_equal(rt_isolate_spawn(entry, m, &o, &iso), 0);
    rt_value_free(m);
    return iso;
}

static rt_send_port *sp_of(rt_receive_port *rp)
{
    return rt_receive_port_send_port(rp);
}

/* ping_test / ping_pause_test isomain1: echo v; close on 0. */
static void echo_until_zero_msg(rt_receive_port *p, rt_value *v, void *reply)
{
    assert_int_equal(rt_port_send(reply, v), 0);
    if (is_int(v, 0)) rt_receive_port_close(p);
    rt_value_free(v);
}
static void echo_until_zero(rt_value *msg)
{
    start_worker(msg, echo_until_zero_msg);
}

/* handle_error*_test / error_exit_at_spawning_shared isomain(1). */
static void commands_msg(rt_receive_port *p, rt_value *v, void *reply)
{
    switch (rt_value_as_int(v)) {
    case 0:
        send_int(reply, 42);
        break;
    case 1:
        rt_report_error(RT_EINVAL, "Invalid argument(s): whoops"); /* ArgumentError("whoops") */
        break;
    case 2:
        rt_report_error(RT_E2BIG, "RangeError: Invalid value: 37"); /* RangeError.value(37) */
        break;
    case 3:
        rt_receive_port_close(p);
        break;
    }
    rt_value_free(v);
}
static void commands(rt_value *msg)
{
    start_worker(msg, commands_msg);
}

/* ondone_test isomain: close on 0, else echo. */
static void ondone_msg(rt_receive_port *p, rt_value *v, void *reply)
{
    if (is_int(v, 0))
        rt_receive_port_close(p); /* shut down when receiving the 0 message */
    else
        assert_int_equal(rt_port_send(reply, v), 0);
    rt_value_free(v);
}
static void ondone_main(rt_value *msg)
{
    start_worker(msg, ondone_msg);
}

/* pause_test isomain1: echo v, then close. */
static void echo_once_msg(rt_receive_port *p, rt_value *v, void *reply)
{
    assert_int_equal(rt_port_send(reply, v), 0);
    rt_value_free(v);
    rt_receive_port_close(p);
}
static void echo_once(rt_value *msg)
{
    start_worker(msg, echo_once_msg);
}

static const char *error_text(const rt_value *v)
{
    return rt_value_as_string(rt_map_get(v, "message"), NULL);
}

/* ---- ping_test.dart: main ---- */

typedef struct result {
    bool is_str;
    int64_t i;
    char s[16];
} result;

static struct {
    rt_isolate *iso;
    rt_receive_port *reply, *ping_port;
    rt_send_port *echo;
    result results[16];
    int n, ping_count;
    bool done;
} P;

static void result_add(const rt_value *v)
{
    assert_true(P.n < 16);
    result *r = &P.results[P.n++];
    r->is_str = rt_value_kind_of(v) == RT_STRING;
    if (r->is_str)
        snprintf(r->s, sizeof r->s, "%s", rt_value_as_string(v, NULL));
    else
        r->i = rt_value_as_int(v);
}

static int index_of_str(const char *s)
{
    for (int k = 0; k < P.n; k++)
        if (P.results[k].is_str && strcmp(P.results[k].s, s) == 0) return k;
    return -1;
}

static int index_of_int(int64_t i)
{
    for (int k = 0; k < P.n; k++)
        if (!P.results[k].is_str && P.results[k].i == i) return k;
    return -1;
}

static void ping_on_ping(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    result_add(v);
    rt_value_free(v);
    if (++P.ping_count == 2) rt_receive_port_close(p);
}

static void ping_on_reply(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    result_add(v);
    if (is_int(v, 0)) {
        /* Expect.listEquals(["alive", "control"], strings, "control events") */
        const char *strs[2];
        int ns = 0;
        int64_t ints[8];
        int ni = 0;
        for (int k = 0; k < P.n; k++) {
            if (P.results[k].is_str && ns < 2) strs[ns++] = P.results[k].s;
            if (!P.results[k].is_str && ni < 8) ints[ni++] = P.results[k].i;
        }
        assert_int_equal(ns, 2);
        assert_string_equal(strs[0], "alive");
        assert_string_equal(strs[1], "control");
        /* Expect.listEquals([3, 2, 1, 0], ints, "data events") */
        assert_int_equal(ni, 4);
        for (int k = 0; k < 4; k++)
            assert_int_equal(ints[k], 3 - k);
        /* "alive index < 2", "control index < 1" */
        assert_true(index_of_str("alive") < index_of_int(2));
        assert_true(index_of_str("control") < index_of_int(1));
        rt_receive_port_close(p);
        P.done = true;
    }
    rt_value_free(v);
}

static void ping_on_first(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    P.echo = rt_send_port_dup(rt_value_as_send_port(v)); /* completer.complete */
    rt_value_free(v);
    rt_receive_port_listen(p, ping_on_reply, NULL, NULL);
    P.ping_port = rt_receive_port_open(ping_on_ping, NULL, NULL);
    rt_value *alive = str("alive"), *control = str("control");
    send_int(P.echo, 3);
    assert_int_equal(rt_isolate_ping(P.iso, sp_of(P.ping_port), alive, RT_PING_IMMEDIATE), 0);
    send_int(P.echo, 2);
    assert_int_equal(rt_isolate_ping(P.iso, sp_of(P.ping_port), control, RT_PING_BEFORE_NEXT_EVENT),
                     0);
    send_int(P.echo, 1);
    send_int(P.echo, 0);
    rt_value_free(alive);
    rt_value_free(control);
}

/* ping_test.dart, main: an immediate ping is answered before the event
 * sent after it, a before-next-event ping before the one after that. */
static void test_ping(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&P, 0, sizeof P);
    P.reply = rt_receive_port_open(ping_on_first, NULL, NULL);
    P.iso = spawn_worker(echo_until_zero, sp_of(P.reply), (rt_isolate_options){0});
    ts_run_main();
    assert_true(P.done); /* asyncEnd */
    rt_send_port_release(P.echo);
    rt_isolate_release(P.iso);
    ts_main_leave();
}

/* ---- ping_pause_test.dart ---- */

static struct {
    rt_isolate *iso;
    rt_send_port *echo;
    rt_capability resume;
    int64_t results[8];
    int n;
    bool done;
} PP;

static void pp_on_reply(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    assert_true(PP.n < 8);
    PP.results[PP.n++] = rt_value_as_int(v);
    if (is_int(v, 0)) {
        /* Expect.listEquals([4, 3, 2, 1, 0], result) */
        assert_int_equal(PP.n, 5);
        for (int k = 0; k < 5; k++)
            assert_int_equal(PP.results[k], 4 - k);
        rt_receive_port_close(p);
        PP.done = true;
    }
    rt_value_free(v);
}

static void pp_on_ping(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    assert_true(PP.n <= 2); /* Expect.isTrue(result.length <= 2) */
    send_int(PP.echo, 0);
    rt_isolate_resume_with(PP.iso, PP.resume);
    rt_receive_port_close(p);
}

static void pp_on_first(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    PP.echo = rt_send_port_dup(rt_value_as_send_port(v));
    rt_value_free(v);
    rt_receive_port_listen(p, pp_on_reply, NULL, NULL);
    send_int(PP.echo, 4);
    send_int(PP.echo, 3);
    assert_int_equal(rt_isolate_pause_with(PP.iso, &PP.resume), 0);
    rt_receive_port *ping_port = rt_receive_port_open(pp_on_ping, NULL, NULL);
    assert_int_equal(rt_isolate_ping(PP.iso, sp_of(ping_port), NULL, RT_PING_BEFORE_NEXT_EVENT), 0);
    send_int(PP.echo, 2);
    send_int(PP.echo, 1);
}

/* ping_pause_test.dart, main: a paused isolate still answers a ping. */
static void test_ping_pause(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&PP, 0, sizeof PP);
    rt_receive_port *reply = rt_receive_port_open(pp_on_first, NULL, NULL);
    PP.iso = spawn_worker(echo_until_zero, sp_of(reply), (rt_isolate_options){0});
    ts_run_main();
    assert_true(PP.done);
    rt_send_port_release(PP.echo);
    rt_isolate_release(PP.iso);
    ts_main_leave();
}

/* ---- handle_error_test.dart ---- */

static struct {
    rt_isolate *iso;
    rt_receive_port *reply;
    rt_send_port *sp;
    rt_stream *errors;
    rt_subscription *sub;
    int state;
    bool done;
} H;

static void h_on_value(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    assert_int_equal(H.state, 0); /* Expect.equals(0, state) */
    assert_true(is_int(v, 42));   /* Expect.equals(42, v) */
    rt_value_free(v);
    H.state++;
    send_int(H.sp, H.state);
}

static void h_on_port(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    H.sp = rt_send_port_dup(rt_value_as_send_port(v));
    rt_value_free(v);
    send_int(H.sp, H.state);
    rt_receive_port_listen(p, h_on_value, NULL, NULL);
}

static void h_on_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    (void)ctx;
    switch (H.state) {
    case 1:
        assert_string_equal(e->message, "Invalid argument(s): whoops");
        assert_int_equal(e->code, RT_EINVAL);
        H.state++;
        send_int(H.sp, H.state);
        break;
    case 2:
        assert_string_equal(e->message, "RangeError: Invalid value: 37");
        assert_int_equal(e->code, RT_E2BIG);
        H.state++;
        send_int(H.sp, H.state);
        rt_receive_port_close(H.reply);
        rt_future_release(rt_subscription_cancel(H.sub));
        H.done = true;
        break;
    default:
        fail_msg("Bad state for error: %d: %s", H.state, e->message);
    }
}

/* handle_error_test.dart, main: Isolate.errors of an isolate spawned
 * paused, errors made non-fatal after spawn. */
static void test_handle_error(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&H, 0, sizeof H);
    H.reply = rt_receive_port_open(h_on_port, NULL, NULL);
    /* Start paused so we have time to set up the error handler. */
    H.iso = spawn_worker(commands, sp_of(H.reply), (rt_isolate_options){.paused = true});
    assert_int_equal(rt_isolate_set_errors_fatal(H.iso, false), 0);
    H.errors = rt_isolate_errors(H.iso);
    assert_non_null(H.errors);
    assert_true(rt_stream_is_broadcast(H.errors));
    H.sub = rt_stream_listen(H.errors, &(rt_stream_handlers){.on_error = h_on_error});
    assert_non_null(H.sub);
    /* isolate.resume(isolate.pauseCapability!): spawn's pause is counted. */
    rt_isolate_resume(H.iso);
    ts_run_main();
    assert_true(H.done);
    rt_stream_release(H.errors);
    rt_send_port_release(H.sp);
    rt_isolate_release(H.iso);
    ts_main_leave();
}

/* ---- handle_error2_test.dart / handle_error3_test.dart ---- */

static struct {
    rt_isolate *iso[2];
    rt_send_port *sp[2];
    int ready;
    rt_stream *errors;
    rt_subscription *sub;
    int state, state2;
    bool done, done2, with_listener;
    rt_receive_port *error_port2;
} H2;

static void h2_on_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    (void)ctx;
    switch (H2.state) {
    case 1:
        assert_string_equal(e->message, "Invalid argument(s): whoops");
        H2.state++;
        break;
    case 2:
        assert_string_equal(e->message, "RangeError: Invalid value: 37");
        H2.state++;
        rt_future_release(rt_subscription_cancel(H2.sub));
        H2.done = true;
        break;
    default:
        fail_msg("Bad state for error: %d: %s", H2.state, e->message);
    }
}

/* handle_error3: errors of the other isolate as raw messages. */
static void h3_on_error_message(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    const char *error = error_text(v);
    switch (H2.state2) {
    case 1:
        assert_string_equal(error, "Invalid argument(s): whoops");
        H2.state2++;
        break;
    case 2:
        assert_string_equal(error, "RangeError: Invalid value: 37");
        H2.state2++;
        assert_int_equal(rt_isolate_remove_error_listener(H2.iso[1], sp_of(p)), 0);
        rt_receive_port_close(p);
        H2.done2 = true;
        break;
    default:
        fail_msg("Bad state-2 for error: %d: %s", H2.state2, error);
    }
    rt_value_free(v);
}

static void h2_both_ready(void)
{
    /* Capture errors from one isolate as stream. */
    H2.errors = rt_isolate_errors(H2.iso[0]);
    assert_non_null(H2.errors);
    H2.state = 1;
    H2.sub = rt_stream_listen(H2.errors, &(rt_stream_handlers){.on_error = h2_on_error});
    if (H2.with_listener) {
        H2.state2 = 1;
        H2.error_port2 = rt_receive_port_open(h3_on_error_message, NULL, NULL);
        assert_int_equal(rt_isolate_add_error_listener(H2.iso[1], sp_of(H2.error_port2)), 0);
    }
    for (int cmd = 0; cmd <= 3; cmd++) {
        send_int(H2.sp[0], cmd);
        send_int(H2.sp[1], cmd);
    }
}

/* spawn()'s `reply.first`: the first message is the command port. */
static void h2_on_first(rt_receive_port *p, rt_value *v, void *ctx)
{
    int i = (int)(intptr_t)ctx;
    H2.sp[i] = rt_send_port_dup(rt_value_as_send_port(v));
    rt_value_free(v);
    rt_receive_port_close(p);
    if (++H2.ready == 2) h2_both_ready();
}

/* The Dart tests' spawn(entry): paused, errors non-fatal, resumed. */
static void h2_spawn(int i)
{
    rt_receive_port *reply = rt_receive_port_open(h2_on_first, (void *)(intptr_t)i, NULL);
    H2.iso[i] = spawn_worker(commands, sp_of(reply), (rt_isolate_options){.paused = true});
    assert_int_equal(rt_isolate_set_errors_fatal(H2.iso[i], false), 0);
    rt_isolate_resume(H2.iso[i]);
}

static void run_handle_error2(bool with_listener)
{
    ts_main_enter(NULL);
    memset(&H2, 0, sizeof H2);
    H2.with_listener = with_listener;
    /* Create two isolates waiting for commands, with errors non-fatal. */
    h2_spawn(0);
    h2_spawn(1);
    ts_run_main();
    assert_true(H2.done);
    if (with_listener) assert_true(H2.done2);
    rt_stream_release(H2.errors);
    for (int i = 0; i < 2; i++) {
        rt_send_port_release(H2.sp[i]);
        rt_isolate_release(H2.iso[i]);
    }
    ts_main_leave();
}

/* handle_error2_test.dart, main: the errors stream of one of two isolates
 * sees only that isolate's errors. (The Dart test's unused `reply` port is
 * left out: it only kept main alive.) */
static void test_handle_error2(void **state)
{
    (void)state;
    run_handle_error2(false);
}

/* handle_error3_test.dart, main: one isolate's errors as a stream, the
 * other's through addErrorListener, then removeErrorListener. */
static void test_handle_error3(void **state)
{
    (void)state;
    run_handle_error2(true);
}

/* ---- ondone_test.dart ---- */

static struct {
    rt_isolate *iso;
    rt_receive_port *reply, *on_exit1, *on_exit2;
    rt_send_port *echo;
    int counter;
    bool may_complete, done, cancel_case;
    const char *expect;
} D;

static void d_on_reply(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    if (!is_int(v, D.counter)) fail_msg("WRONG REPLY");
    if (is_int(v, 0)) fail_msg("REPLY INSTEAD OF SHUTDOWN");
    rt_value_free(v);
    D.counter--;
    D.may_complete = D.counter == 0;
    /* testCancelExit: remove listener 2, keep listener 1. */
    if (D.cancel_case && D.counter == 1)
        assert_int_equal(rt_isolate_remove_on_exit_listener(D.iso, sp_of(D.on_exit2)), 0);
    send_int(D.echo, D.counter);
}

static void d_on_first(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    D.echo = rt_send_port_dup(rt_value_as_send_port(v));
    rt_value_free(v);
    D.counter = 4;
    rt_receive_port_listen(p, d_on_reply, NULL, NULL);
    send_int(D.echo, D.counter);
}

static void d_on_exit(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    if (rt_value_kind_of(v) != RT_STRING || strcmp(rt_value_as_string(v, NULL), D.expect) != 0)
        fail_msg("WRONG RESPONSE: %s", rt_value_kind_name(rt_value_kind_of(v)));
    rt_value_free(v);
    rt_receive_port_close(D.reply);
    rt_receive_port_close(p);
    if (!D.may_complete) fail_msg("COMPLETED EARLY");
    D.done = true;
}

static void d_spawn(void)
{
    D.reply = rt_receive_port_open(d_on_first, NULL, NULL);
    D.iso = spawn_worker(ondone_main, sp_of(D.reply), (rt_isolate_options){0});
}

static void d_finish(void)
{
    ts_run_main();
    assert_true(D.done);
    rt_send_port_release(D.echo);
    rt_isolate_release(D.iso);
    ts_main_leave();
}

/* ondone_test.dart, testExit: the exit listener's response comes, after
 * the last reply. */
static void test_ondone_exit(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&D, 0, sizeof D);
    D.expect = "RESPONSE";
    D.on_exit1 = rt_receive_port_open(d_on_exit, NULL, NULL);
    d_spawn();
    rt_value *r = str("RESPONSE");
    assert_int_equal(rt_isolate_add_on_exit_listener(D.iso, sp_of(D.on_exit1), r), 0);
    rt_value_free(r);
    d_finish();
}

static void d_on_exit2(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)v;
    (void)ctx;
    fail_msg("RECEIVED EXIT MESSAGE");
}

static void d_close_exit2(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    rt_receive_port_close(D.on_exit2);
    D.done = true;
}

static void d_on_exit1(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    rt_receive_port_close(D.reply);
    rt_receive_port_close(p);
    if (!D.may_complete) fail_msg("COMPLETED EARLY");
    assert_int_equal(rt_timer_start(NULL, 0, 0, d_close_exit2, NULL, NULL), 0);
}

/* ondone_test.dart, testCancelExit: a removed exit listener hears nothing,
 * the other still does. */
static void test_ondone_cancel_exit(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&D, 0, sizeof D);
    D.cancel_case = true;
    D.on_exit2 = rt_receive_port_open(d_on_exit2, NULL, NULL);
    D.on_exit1 = rt_receive_port_open(d_on_exit1, NULL, NULL);
    d_spawn();
    assert_int_equal(rt_isolate_add_on_exit_listener(D.iso, sp_of(D.on_exit2), NULL), 0);
    assert_int_equal(rt_isolate_add_on_exit_listener(D.iso, sp_of(D.on_exit1), NULL), 0);
    d_finish();
}

/* ondone_test.dart, testOverrideResponse: adding a port again replaces its
 * response. */
static void test_ondone_override_response(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&D, 0, sizeof D);
    D.expect = "RESPONSE2";
    D.on_exit1 = rt_receive_port_open(d_on_exit, NULL, NULL);
    d_spawn();
    rt_value *r1 = str("RESPONSE"), *r2 = str("RESPONSE2");
    assert_int_equal(rt_isolate_add_on_exit_listener(D.iso, sp_of(D.on_exit1), r1), 0);
    assert_int_equal(rt_isolate_add_on_exit_listener(D.iso, sp_of(D.on_exit1), r2), 0);
    rt_value_free(r1);
    rt_value_free(r2);
    d_finish();
}

/* ---- pause_test.dart ---- */

static struct {
    rt_isolate *iso;
    rt_send_port *echo;
    rt_capability resume;
    int phase; /* 0: waiting for the port, 1: paused, 2: resumed */
    bool done;
} PS;

static void ps_on_reply(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    if (PS.phase == 0) {
        /* Isolate has been created, and first response has been returned. */
        PS.echo = rt_send_port_dup(rt_value_as_send_port(v));
        rt_value_free(v);
        assert_int_equal(rt_isolate_pause_with(PS.iso, &PS.resume), 0);
        send_int(PS.echo, 24);
        PS.phase = 1;
        return;
    }
    if (PS.phase == 1) fail_msg("RESPONSE WHILE PAUSED?!?");
    if (!is_int(v, 24)) fail_msg("WRONG ANSWER!");
    rt_value_free(v);
    rt_receive_port_close(p);
    PS.done = true;
}

static void ps_after_delay(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    PS.phase = 2;
    rt_isolate_resume_with(PS.iso, PS.resume);
}

/* pause_test.dart, main: nothing is handled while paused with a
 * capability (for 250 ms, as the Dart test waits); resume lets it go. */
static void test_pause(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&PS, 0, sizeof PS);
    rt_receive_port *reply = rt_receive_port_open(ps_on_reply, NULL, NULL);
    PS.iso = spawn_worker(echo_once, sp_of(reply), (rt_isolate_options){0});
    /* The delay starts once the port has come; a timer keeps main going. */
    while (PS.phase == 0)
        rt_run(RT_RUN_ONCE);
    assert_int_equal(rt_timer_start(NULL, 250000000, 0, ps_after_delay, NULL, NULL), 0);
    ts_run_main();
    assert_true(PS.done);
    rt_send_port_release(PS.echo);
    rt_isolate_release(PS.iso);
    ts_main_leave();
}

/* ---- capability_test.dart ---- */

static struct {
    int pending; /* asyncStart / asyncEnd */
} C;

static bool same(const rt_value *a, const rt_value *b)
{
    if (rt_value_kind_of(a) != rt_value_kind_of(b)) return false;
    if (rt_value_kind_of(a) == RT_SEND_PORT)
        return rt_value_as_send_port(a) == rt_value_as_send_port(b);
    return rt_capability_equal(rt_value_as_capability(a), rt_value_as_capability(b));
}

typedef struct cap_case {
    rt_value *c1, *c2;
} cap_case;

static void cap_on_message(rt_receive_port *p, rt_value *c3, void *ctx)
{
    cap_case *k = ctx;
    assert_true(same(c3, k->c1));  /* Expect.equals(c3, c1) */
    assert_false(same(c3, k->c2)); /* Expect.notEquals(c3, c2) */
    rt_value_free(c3);
    rt_receive_port_close(p);
    C.pending--;
}

static void cap_test(cap_case *k)
{
    assert_false(same(k->c1, k->c2)); /* Expect.notEquals(c1, c2) */
    rt_receive_port *receive = rt_receive_port_open(cap_on_message, k, NULL);
    assert_int_equal(rt_port_send(sp_of(receive), k->c1), 0);
    C.pending++;
}

static rt_send_port *closed_port(void)
{
    rt_receive_port *rp = rt_receive_port_open(NULL, NULL, NULL);
    rt_send_port *sp = rt_send_port_dup(sp_of(rp));
    rt_receive_port_close(rp);
    return sp;
}

/* capability_test.dart, main: capabilities are distinct, and equal to
 * themselves after a trip through a port; so are send ports (Dart's
 * SendPort is a Capability). */
static void test_capability(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&C, 0, sizeof C);
    rt_capability a = rt_capability_new(), b = rt_capability_new();
    assert_false(rt_capability_equal(a, b));
    assert_true(a.id != 0 && b.id != 0);
    rt_value *c1 = rt_value_capability(a), *c2 = rt_value_capability(b);
    rt_send_port *p3 = closed_port(), *p4 = closed_port();
    rt_value *c3 = rt_value_send_port(p3), *c4 = rt_value_send_port(p4);
    cap_case k12 = {c1, c2}, k34 = {c3, c4}, k13 = {c1, c3};
    cap_test(&k12);
    cap_test(&k34);
    cap_test(&k13);
    ts_run_main();
    assert_int_equal(C.pending, 0);
    rt_value_free(c1);
    rt_value_free(c2);
    rt_value_free(c3);
    rt_value_free(c4);
    rt_send_port_release(p3);
    rt_send_port_release(p4);
    ts_main_leave();
}

/* ---- error_at_spawn_test.dart ---- */

static bool g_done;

static void fast_error(rt_value *msg)
{
    rt_value_free(msg);
    rt_report_error(RT_EINVAL, "Invalid argument(s): fast error");
}

static void eas_on_error(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    assert_string_equal(error_text(v), "Invalid argument(s): fast error");
    rt_value_free(v);
    rt_receive_port_close(p);
    g_done = true;
}

/* error_at_spawn_test.dart, main: an error in the entry reaches the on_error
 * port given at spawn. */
static void test_error_at_spawn(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    g_done = false;
    rt_receive_port *error_port = rt_receive_port_open(eas_on_error, NULL, NULL);
    assert_int_equal(rt_isolate_spawn(fast_error, NULL,
                                      &(rt_isolate_options){.errors_nonfatal = true,
                                                            .on_error = sp_of(error_port)},
                                      NULL),
                     0);
    ts_run_main();
    assert_true(g_done);
    ts_main_leave();
}

/* ---- error_exit_at_spawn_test.dart (error_exit_at_spawning_shared.dart) ---- */

static struct {
    rt_send_port *sp;
    rt_receive_port *reply, *error_port;
    int state;
    bool done;
} E;

static void e_on_value(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    assert_int_equal(E.state, 0);
    assert_true(is_int(v, 42));
    rt_value_free(v);
    E.state++;
    send_int(E.sp, E.state);
}

static void e_on_port(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    E.sp = rt_send_port_dup(rt_value_as_send_port(v));
    rt_value_free(v);
    send_int(E.sp, E.state);
    rt_receive_port_listen(p, e_on_value, NULL, NULL);
}

static void e_on_error(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    const char *error = error_text(v);
    switch (E.state) {
    case 1:
        assert_string_equal(error, "Invalid argument(s): whoops");
        E.state++;
        send_int(E.sp, E.state);
        break;
    case 2:
        assert_string_equal(error, "RangeError: Invalid value: 37");
        E.state++;
        send_int(E.sp, E.state);
        rt_receive_port_close(E.reply);
        rt_receive_port_close(p);
        break;
    default:
        fail_msg("Bad state for error: %d: %s", E.state, error);
    }
    rt_value_free(v);
}

static void e_on_exit(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    /* onExit ports registered at spawn cannot have a particular message. */
    assert_int_equal(rt_value_kind_of(v), RT_NULL);
    assert_int_equal(E.state, 3); /* only exit after the termination message */
    rt_value_free(v);
    rt_receive_port_close(p);
    E.done = true;
}

/* error_exit_at_spawn_test.dart: handlers set up as part of spawn. */
static void test_error_exit_at_spawn(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&E, 0, sizeof E);
    E.reply = rt_receive_port_open(e_on_port, NULL, NULL);
    E.error_port = rt_receive_port_open(e_on_error, NULL, NULL);
    rt_receive_port *exit_port = rt_receive_port_open(e_on_exit, NULL, NULL);
    rt_isolate_release(spawn_worker(commands, sp_of(E.reply),
                                    (rt_isolate_options){.errors_nonfatal = true,
                                                         .on_error = sp_of(E.error_port),
                                                         .on_exit = sp_of(exit_port)}));
    ts_run_main();
    assert_true(E.done);
    rt_send_port_release(E.sp);
    ts_main_leave();
}

/* ---- Islet's own choices ---- */

/* A main-isolate port that logs strings, ints, error maps (their message)
 * and null ("exit"), and closes after `expected` messages. */
static struct {
    rt_receive_port *port;
    int expected, got;
} L;

static void log_on_message(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    switch (rt_value_kind_of(v)) {
    case RT_STRING:
        ts_log("%s", rt_value_as_string(v, NULL));
        break;
    case RT_INT:
        ts_log("%lld", (long long)rt_value_as_int(v));
        break;
    case RT_MAP:
        ts_log("%s", error_text(v));
        break;
    case RT_NULL:
        ts_log("exit");
        break;
    default:
        ts_log("<%s>", rt_value_kind_name(rt_value_kind_of(v)));
    }
    rt_value_free(v);
    if (++L.got == L.expected) rt_receive_port_close(p);
}

static rt_send_port *log_port(int expected)
{
    ts_log_reset();
    L.expected = expected;
    L.got = 0;
    L.port = rt_receive_port_open(log_on_message, NULL, NULL);
    return sp_of(L.port);
}

static atomic_bool g_pinged;
static rt_send_port *g_to_main; /* the busy isolate's, on its thread only */

static void m2(void *ctx)
{
    (void)ctx;
    send_str(g_to_main, "m2");
    rt_send_port_release(g_to_main);
}

static void m1(void *ctx)
{
    (void)ctx;
    send_str(g_to_main, "m1");
    assert_int_equal(rt_schedule_microtask(m2, NULL), 0);
}

/* An event that waits (in C, so it cannot be interrupted) until main has
 * pinged it, and queues a microtask that queues another. */
static void busy_entry(rt_value *msg)
{
    g_to_main = rt_send_port_dup(rt_value_as_send_port(msg));
    rt_value_free(msg);
    send_str(g_to_main, "in event");
    assert_int_equal(rt_schedule_microtask(m1, NULL), 0);
    while (!atomic_load(&g_pinged))
        sched_yield();
}

static rt_isolate *g_busy;

static void busy_on_message(rt_receive_port *p, rt_value *v, void *ctx)
{
    bool first = L.got == 0;
    rt_send_port *sp = sp_of(p);
    log_on_message(p, v, ctx);
    if (!first) return;
    rt_value *now = str("now"), *next = str("next");
    assert_int_equal(rt_isolate_ping(g_busy, sp, next, RT_PING_BEFORE_NEXT_EVENT), 0);
    assert_int_equal(rt_isolate_ping(g_busy, sp, now, RT_PING_IMMEDIATE), 0);
    rt_value_free(now);
    rt_value_free(next);
    atomic_store(&g_pinged, true);
}

/* Islet's ping priorities (rt_isolate.h): both are asked for while the
 * target is inside an event. Immediate is answered as soon as the event's
 * C code returns, before its microtasks; before-next-event after them,
 * although it was asked for first. */
static void test_ping_priorities_inside_an_event(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    atomic_store(&g_pinged, false);
    rt_send_port *sp = log_port(6);
    rt_receive_port_listen(L.port, busy_on_message, NULL, NULL);
    rt_value *m = rt_value_send_port(sp);
    assert_int_equal(rt_isolate_spawn(busy_entry, m, &(rt_isolate_options){.on_exit = sp}, &g_busy),
                     0);
    rt_value_free(m);
    ts_run_main();
    assert_string_equal(ts_log_text(), "in event, now, m1, m2, next, exit");
    rt_isolate_release(g_busy);
    ts_main_leave();
}

static void quick_entry(rt_value *msg)
{
    rt_value_free(msg);
}

static rt_isolate *g_dead;

static void dead_on_message(rt_receive_port *p, rt_value *v, void *ctx)
{
    bool first = L.got == 0;
    rt_send_port *sp = sp_of(p);
    log_on_message(p, v, ctx);
    if (!first) return;
    /* The bye came last: the isolate is gone. */
    assert_false(rt_isolate_is_alive(g_dead));
    rt_value *ping = str("ping"), *late = str("late exit");
    assert_int_equal(rt_isolate_ping(g_dead, sp, ping, RT_PING_IMMEDIATE), 0);
    assert_int_equal(rt_isolate_add_error_listener(g_dead, sp), 0);
    assert_int_equal(rt_isolate_set_errors_fatal(g_dead, false), 0);
    assert_int_equal(rt_isolate_add_on_exit_listener(g_dead, sp, late), 0);
    rt_value_free(ping);
    rt_value_free(late);
}

/* Islet's choice (Dart sends nothing): an exit listener added to an isolate
 * that has exited answers at once; a ping to it never does (it would have
 * come first: both are sent from here, in order). */
static void test_dead_isolate_answers_exit_listener_at_once(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_send_port *sp = log_port(2);
    rt_receive_port_listen(L.port, dead_on_message, NULL, NULL);
    assert_int_equal(
        rt_isolate_spawn(quick_entry, NULL, &(rt_isolate_options){.on_exit = sp}, &g_dead), 0);
    ts_run_main();
    assert_string_equal(ts_log_text(), "exit, late exit");
    rt_isolate_release(g_dead);
    ts_main_leave();
}

static struct {
    rt_isolate *iso;
    rt_send_port *cmd;
} F;

static void fatal_on_message(rt_receive_port *p, rt_value *v, void *ctx)
{
    if (rt_value_kind_of(v) == RT_SEND_PORT) {
        F.cmd = rt_send_port_dup(rt_value_as_send_port(v));
        rt_value_free(v);
        send_int(F.cmd, 1); /* an error: not fatal */
        send_int(F.cmd, 0); /* still alive: 42 */
        return;
    }
    bool answer = is_int(v, 42);
    log_on_message(p, v, ctx);
    if (!answer) return;
    /* Only now: a control request goes ahead of queued events. */
    assert_int_equal(rt_isolate_set_errors_fatal(F.iso, true), 0);
    send_int(F.cmd, 1); /* fatal now */
    send_int(F.cmd, 0); /* never handled */
}

/* rt_isolate_set_errors_fatal(true) after spawning with errors_nonfatal
 * (the other direction is in the handle_error ports). */
static void test_set_errors_fatal_after_spawn(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_send_port *sp = log_port(4);
    rt_receive_port_listen(L.port, fatal_on_message, NULL, NULL);
    F.iso = spawn_worker(
        commands, sp, (rt_isolate_options){.errors_nonfatal = true, .on_error = sp, .on_exit = sp});
    ts_run_main();
    assert_string_equal(ts_log_text(),
                        "Invalid argument(s): whoops, 42, Invalid argument(s): whoops, exit");
    rt_send_port_release(F.cmd);
    rt_isolate_release(F.iso);
    ts_main_leave();
}

static struct {
    rt_isolate *iso;
    rt_send_port *echo;
    rt_capability c1, c2;
    int phase; /* 0: port, 1: paused, 2: resumed */
    bool done;
} W;

static void *wrong_resumes(void *arg)
{
    (void)arg;
    /* A plain thread, in no isolate. */
    rt_isolate_resume_with(W.iso, W.c1);
    rt_isolate_resume_with(W.iso, W.c1); /* already used */
    rt_isolate_resume_with(W.iso, rt_capability_new());
    rt_isolate_resume_with(W.iso, (rt_capability){0});
    rt_isolate_resume(W.iso); /* counted: no capability pause ends */
    return NULL;
}

static void w_resume(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    W.phase = 2;
    rt_isolate_resume_with(W.iso, W.c2);
}

static void w_on_ping(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    rt_value_free(v);
    rt_receive_port_close(p);
    /* Paused, it answers pings; it still must not answer 7 for a while. */
    assert_int_equal(rt_timer_start(NULL, 100000000, 0, w_resume, NULL, NULL), 0);
}

static void w_on_reply(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    if (W.phase == 0) {
        W.echo = rt_send_port_dup(rt_value_as_send_port(v));
        rt_value_free(v);
        assert_int_equal(rt_isolate_pause_with(W.iso, &W.c1), 0);
        assert_int_equal(rt_isolate_pause_with(W.iso, &W.c2), 0);
        assert_false(rt_capability_equal(W.c1, W.c2));
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, wrong_resumes, NULL), 0);
        pthread_join(t, NULL);
        send_int(W.echo, 7);
        W.phase = 1;
        rt_receive_port *ping = rt_receive_port_open(w_on_ping, NULL, NULL);
        assert_int_equal(rt_isolate_ping(W.iso, sp_of(ping), NULL, RT_PING_IMMEDIATE), 0);
        return;
    }
    if (W.phase == 1) fail_msg("answered while paused by c2");
    assert_true(is_int(v, 7));
    rt_value_free(v);
    send_int(W.echo, 0);
    rt_receive_port_close(p);
    W.done = true;
}

/* isolate.dart's resume: a capability that did not pause the isolate, or
 * was used already, does nothing; nor does a counted resume. From a thread
 * that is no isolate. */
static void test_resume_with_wrong_or_used_capability(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    memset(&W, 0, sizeof W);
    rt_receive_port *reply = rt_receive_port_open(w_on_reply, NULL, NULL);
    W.iso = spawn_worker(ondone_main, sp_of(reply), (rt_isolate_options){0});
    ts_run_main();
    assert_true(W.done);
    rt_send_port_release(W.echo);
    rt_isolate_release(W.iso);
    ts_main_leave();
}

static struct {
    rt_isolate *iso;
    rt_stream *errors, *late;
    rt_send_port *cmd;
} S;

static void s_on_error(rt_subscription *sub, const rt_error *e, void *ctx)
{
    (void)sub;
    ts_log("%s: %s (%s)", (const char *)ctx, e->message, e->domain);
}

static void s_on_late_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    (void)ctx;
    ts_log("late done");
}

static void s_on_done(rt_subscription *sub, void *ctx)
{
    (void)sub;
    ts_log("%s done", (const char *)ctx);
    if (strcmp(ctx, "b") != 0) return;
    /* A new errors stream of the dead isolate: done at once. */
    S.late = rt_isolate_errors(S.iso);
    assert_non_null(rt_stream_listen(
        S.late, &(rt_stream_handlers){.on_error = s_on_error, .on_done = s_on_late_done}));
}

static void s_on_port(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)ctx;
    S.cmd = rt_send_port_dup(rt_value_as_send_port(v));
    rt_value_free(v);
    rt_receive_port_close(p);
    send_int(S.cmd, 1);
    send_int(S.cmd, 3); /* closes its port: it exits */
}

/* The errors stream ends when its isolate exits (Dart's never does; here
 * its port would keep the caller alive); two listeners both hear. */
static void test_errors_stream_is_done_at_exit(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    ts_log_reset();
    memset(&S, 0, sizeof S);
    rt_receive_port *reply = rt_receive_port_open(s_on_port, NULL, NULL);
    S.iso = spawn_worker(commands, sp_of(reply), (rt_isolate_options){.errors_nonfatal = true});
    S.errors = rt_isolate_errors(S.iso);
    assert_non_null(rt_stream_listen(
        S.errors, &(rt_stream_handlers){.on_error = s_on_error, .on_done = s_on_done, .ctx = "a"}));
    assert_non_null(rt_stream_listen(
        S.errors, &(rt_stream_handlers){.on_error = s_on_error, .on_done = s_on_done, .ctx = "b"}));
    ts_run_main();
    assert_string_equal(ts_log_text(), "a: Invalid argument(s): whoops (isolate), "
                                       "b: Invalid argument(s): whoops (isolate), a done, b done, "
                                       "late done");
    rt_stream_release(S.errors);
    rt_stream_release(S.late);
    rt_send_port_release(S.cmd);
    rt_isolate_release(S.iso);
    ts_main_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_ping_pause),
        cmocka_unit_test(test_handle_error),
        cmocka_unit_test(test_handle_error2),
        cmocka_unit_test(test_handle_error3),
        cmocka_unit_test(test_ondone_exit),
        cmocka_unit_test(test_ondone_cancel_exit),
        cmocka_unit_test(test_ondone_override_response),
        cmocka_unit_test(test_pause),
        cmocka_unit_test(test_capability),
        cmocka_unit_test(test_error_at_spawn),
        cmocka_unit_test(test_error_exit_at_spawn),
        cmocka_unit_test(test_ping_priorities_inside_an_event),
        cmocka_unit_test(test_dead_isolate_answers_exit_listener_at_once),
        cmocka_unit_test(test_set_errors_fatal_after_spawn),
        cmocka_unit_test(test_resume_with_wrong_or_used_capability),
        cmocka_unit_test(test_errors_stream_is_done_at_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
