/* test_async_widgets.c: FutureBuilder, StreamBuilder, StreamBuilderBase and
 * AsyncSnapshot (ui_async_widgets.h), ported from Flutter's async_test.dart
 * (its StringCollector included), and the
 * element bindings they stand on (ui_bind_future, ui_bind_stream,
 * ui_unbind): late results after unmount, cancellation, unbinding.
 *
 * Snapshots are shown as Flutter's snapshotText shows them, less the stack
 * trace (Islet errors have none): "AsyncSnapshot<String>(ConnectionState.S,
 * data, error)", the error being its message. */
#include "spy_widget.h"
#include "test_support.h"
#include <islet/ui_async_widgets.h>
#include <islet/ui_tester.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static rt_virtual_clock vclock;

#define SNAP(state, data, error)                                                                   \
    "AsyncSnapshot<String>(ConnectionState." state ", " data ", " error ")"

/* ---- snapshotText: a text widget showing the snapshot ---- */

static int builder_calls;

static void snapshot_string(const ui_snapshot *s, char *buf, size_t n)
{
    const char *data = s->data ? rt_value_as_string(s->data, NULL) : "null";
    const char *error = s->error ? s->error->message : "null";
    snprintf(buf, n, "AsyncSnapshot<String>(ConnectionState.%s, %s, %s)",
             ui_conn_state_name(s->state), data, error);
}

static ui_widget *snapshot_text(ui_build *b, ui_element *e, const ui_snapshot *s, void *ctx)
{
    (void)e;
    (void)ctx;
    builder_calls++;
    ts_log("%s", ui_conn_state_name(s->state));
    char buf[160];
    snapshot_string(s, buf, sizeof buf);
    return ui_text(b, ui_strdup(b, buf), 12, (ui_color){0, 0, 0, 255});
}

/* ---- What the root shows: set these, then pump_widget ---- */

enum { SHOW_FUTURE, SHOW_STREAM, SHOW_BOTH };
static struct {
    int show;
    ui_key key;
    rt_future *future;
    rt_stream *stream;
    const rt_value *initial;
} cfg;

static ui_widget *root_fn(ui_build *b, void *ctx)
{
    (void)ctx;
    if (cfg.show == SHOW_FUTURE)
        return ui_future_builder(b, cfg.key, cfg.future, cfg.initial, snapshot_text, NULL);
    if (cfg.show == SHOW_STREAM)
        return ui_stream_builder(b, cfg.key, cfg.stream, cfg.initial, snapshot_text, NULL);
    ui_widget *kids[] = {
        ui_future_builder(b, UI_NO_KEY, cfg.future, cfg.initial, snapshot_text, NULL),
        ui_stream_builder(b, UI_NO_KEY, cfg.stream, cfg.initial, snapshot_text, NULL)};
    ui_flex_props p = {.cross_align = UI_START};
    return ui_column(b, &p, kids, 2);
}

static void pump_future(ui_tester *t, ui_key key, rt_future *f, const rt_value *initial)
{
    cfg.show = SHOW_FUTURE;
    cfg.key = key;
    cfg.future = f;
    cfg.initial = initial;
    ui_tester_pump_widget(t, root_fn, NULL);
}

static void pump_stream(ui_tester *t, ui_key key, rt_stream *s, const rt_value *initial)
{
    cfg.show = SHOW_STREAM;
    cfg.key = key;
    cfg.stream = s;
    cfg.initial = initial;
    ui_tester_pump_widget(t, root_fn, NULL);
}

static void pump_both(ui_tester *t, rt_future *f, rt_stream *s, const rt_value *initial)
{
    cfg.show = SHOW_BOTH;
    cfg.future = f;
    cfg.stream = s;
    cfg.initial = initial;
    ui_tester_pump_widget(t, root_fn, NULL);
}

/* Flutter's eventFiring: tester.pump(Duration.zero). */
static void event_firing(ui_tester *t)
{
    ui_tester_pump(t, 0);
}

/* The main isolate's heap is released wholesale when it leaves, so
 * ts_main_leave cannot see a future, value or error the builders forgot:
 * finish() checks that the heap is back where it was. */
static size_t heap_baseline;

static ui_tester *begin(void)
{
    ts_main_enter_virtual(&vclock);
    heap_baseline = rt_heap_live_bytes();
    memset(&cfg, 0, sizeof cfg);
    builder_calls = 0;
    ui_tester *t = ui_tester_new(800, 200, &vclock);
    assert_non_null(t);
    return t;
}

static void finish(ui_tester *t)
{
    assert_true(ui_tester_free(t));
    rt_run(RT_RUN_NOWAIT); /* pending microtasks (a then's result) let go */
    size_t live = rt_heap_live_bytes();
    if (live != heap_baseline)
        print_error("%zu bytes left on the main isolate's heap after the tree was freed\n",
                    live - heap_baseline);
    assert_int_equal(live, heap_baseline);
    ts_main_leave();
}

static void complete_str(rt_completer *c, const char *s)
{
    assert_int_equal(rt_completer_complete(c, rt_value_string(s)), RT_OK);
}

static void add_str(rt_stream_controller *c, const char *s)
{
    rt_stream_add(c, rt_value_string(s));
}

static void close_stream(rt_stream_controller *c)
{
    rt_future_release(rt_stream_close(c));
}

/* Dart's Future.asStream: a sync single-subscription controller fed by the
 * future's outcome, then closed. */
static void as_stream_value(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    rt_stream_controller *c = ctx;
    const rt_value *v = rt_future_get_value(src);
    int err = 0;
    rt_stream_add(c, v ? rt_value_copy(v, &err) : NULL);
    close_stream(c);
    rt_stream_release(c);
}

static void as_stream_error(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    rt_stream_controller *c = ctx;
    const rt_error *e = rt_future_get_error(src);
    rt_stream_add_error(c, e->code, e->domain, "%s", e->message);
    close_stream(c);
    rt_stream_release(c);
}

static rt_stream *future_as_stream(rt_future *f)
{
    rt_stream_controller *c = rt_stream_controller_new(&(rt_stream_options){.sync = true});
    assert_non_null(c);
    rt_stream *s = rt_stream_controller_stream(c);
    rt_future_release(rt_future_then(rt_future_dup(f), as_stream_value, as_stream_error, c));
    return s;
}

/* Counts the cancellations of a controller's subscription. */
static int cancels;

static rt_future *count_cancel(rt_stream_controller *c, void *ctx)
{
    (void)c;
    (void)ctx;
    cancels++;
    return NULL;
}

/* ---- StringCollector: a StreamBuilderBase logging what it saw ---- */

/* Flutter's StringCollector (async_test.dart): the summary is the list of
 * what happened ("conn", "data:X", "error:E", "done", "disc"), shown joined
 * with ", ". Here it is the joined text itself, on the isolate's heap (its
 * destroy frees it, which finish() checks); Islet errors carry no stack
 * trace, so an error is "error:bad" where Flutter shows "error:bad
 * stackTrace:trace". Each step is also logged (ts_log), with "destroy".
 * ctx, when given, is a collector_probe counting the calls that got it. */
typedef struct collector {
    char *text; /* NULL while empty */
    size_t len;
} collector;

typedef struct collector_probe {
    int calls, destroys;
} collector_probe;

static void collector_count(void *ctx)
{
    if (ctx) ((collector_probe *)ctx)->calls++;
}

static void collector_add(collector *c, const char *item)
{
    ts_log("%s", item);
    size_t n = strlen(item), sep = c->len ? 2 : 0;
    char *text = rt_realloc(c->text, c->len + sep + n + 1);
    assert_non_null(text);
    memcpy(text + c->len, ", ", sep);
    memcpy(text + c->len + sep, item, n + 1);
    c->text = text;
    c->len += sep + n;
}

static void collector_initial(void *summary, void *ctx)
{
    collector_count(ctx);
    collector *c = summary;
    assert_null(c->text); /* zeroed: Flutter's <String>[] */
    assert_int_equal(c->len, 0);
}

static void collector_connected(void *summary, void *ctx)
{
    collector_count(ctx);
    collector_add(summary, "conn");
}

static void collector_data(void *summary, const rt_value *data, void *ctx)
{
    collector_count(ctx);
    char item[64];
    snprintf(item, sizeof item, "data:%s", data ? rt_value_as_string(data, NULL) : "null");
    collector_add(summary, item);
}

static void collector_error(void *summary, const rt_error *error, void *ctx)
{
    collector_count(ctx);
    char item[64];
    snprintf(item, sizeof item, "error:%s", error->message);
    collector_add(summary, item);
}

static void collector_done(void *summary, void *ctx)
{
    collector_count(ctx);
    collector_add(summary, "done");
}

static void collector_disconnected(void *summary, void *ctx)
{
    collector_count(ctx);
    collector_add(summary, "disc");
}

static ui_widget *collector_build(ui_build *b, ui_element *e, const void *summary, void *ctx)
{
    (void)e;
    (void)ctx;
    const collector *c = summary;
    return ui_text(b, ui_strdup(b, c->text ? c->text : ""), 12, (ui_color){0, 0, 0, 255});
}

static void collector_destroy(void *summary, void *ctx)
{
    if (ctx) ((collector_probe *)ctx)->destroys++;
    ts_log("destroy");
    collector *c = summary;
    rt_free(c->text);
    c->text = NULL;
}

static const ui_stream_fold string_collector = {.summary_size = sizeof(collector),
                                                .initial = collector_initial,
                                                .after_connected = collector_connected,
                                                .after_data = collector_data,
                                                .after_error = collector_error,
                                                .after_done = collector_done,
                                                .after_disconnected = collector_disconnected,
                                                .build = collector_build,
                                                .destroy = collector_destroy};

/* What the collector root shows: set these, then pump_collector. */
static struct {
    ui_key key;
    rt_stream *stream;
    const ui_stream_fold *fold;
    void *ctx;
} coll;

static ui_widget *collector_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_stream_builder_base(b, coll.key, coll.stream, coll.fold, coll.ctx);
}

/* StringCollector(key: key, stream: s), ctx a collector_probe or NULL. */
static void pump_collector(ui_tester *t, ui_key key, rt_stream *s, void *ctx)
{
    coll.key = key;
    coll.stream = s;
    coll.fold = &string_collector;
    coll.ctx = ctx;
    ui_tester_pump_widget(t, collector_root, NULL);
}

/* ==== AsyncSnapshot ==== */

/* Flutter: packages/flutter/test/widgets/async_test.dart, "requiring data succeeds if data is
 * present" */
static void test_snapshot_require_data_present(void **state)
{
    (void)state;
    ts_main_enter(NULL);
    rt_value *hello = rt_value_string("hello");
    ui_snapshot s = ui_snapshot_with_data(UI_CONN_DONE, hello);
    assert_ptr_equal(ui_snapshot_require_data(&s), hello);
    assert_string_equal(rt_value_as_string(ui_snapshot_require_data(&s), NULL), "hello");
    /* A pointer outcome is data too. */
    int x = 0;
    ui_snapshot p = {UI_CONN_DONE, NULL, &x, NULL};
    assert_true(ui_snapshot_has_data(&p));
    assert_null(ui_snapshot_require_data(&p));
    rt_value_free(hello);
    ts_main_leave();
}

static void child_require_data_error(void)
{
    rt_error err = {RT_EUSER, "test", "bad"};
    ui_snapshot s = ui_snapshot_with_error(UI_CONN_DONE, &err);
    ui_snapshot_require_data(&s);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "requiring data fails if there is an
 * error" */
static void test_snapshot_require_data_error(void **state)
{
    (void)state;
    ts_expect_abort("require-data-error", "the snapshot has an error: bad");
}

static void child_require_data_nothing(void)
{
    ui_snapshot s = ui_snapshot_nothing();
    ui_snapshot_require_data(&s);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "requiring data fails if snapshot has
 * neither data nor error" */
static void test_snapshot_require_data_nothing(void **state)
{
    (void)state;
    ts_expect_abort("require-data-nothing", "Snapshot has neither data nor error");
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "AsyncSnapshot basic constructors" */
static void test_snapshot_basic_constructors(void **state)
{
    (void)state;
    ui_snapshot n = ui_snapshot_nothing();
    assert_int_equal(n.state, UI_CONN_NONE);
    assert_null(n.data);
    assert_null(n.ptr);
    assert_null(n.error);
    assert_false(ui_snapshot_has_data(&n));
    assert_false(ui_snapshot_has_error(&n));
    ui_snapshot w = ui_snapshot_waiting();
    assert_int_equal(w.state, UI_CONN_WAITING);
    assert_null(w.data);
    assert_null(w.ptr);
    assert_null(w.error);
    /* inState keeps data and error (Islet: the helpers used by the builders). */
    rt_error err = {RT_EUSER, "test", "bad"};
    ui_snapshot e =
        ui_snapshot_in_state(ui_snapshot_with_error(UI_CONN_ACTIVE, &err), UI_CONN_NONE);
    assert_int_equal(e.state, UI_CONN_NONE);
    assert_ptr_equal(e.error, &err);
    assert_true(ui_snapshot_has_error(&e));
    assert_false(ui_snapshot_has_data(&e));
    assert_string_equal(ui_conn_state_name(UI_CONN_ACTIVE), "active");
    assert_string_equal(ui_conn_state_name(UI_CONN_DONE), "done");
}

/* ==== Async smoke tests ==== */

/* Flutter: packages/flutter/test/widgets/async_test.dart, "FutureBuilder" */
static void test_smoke_future_builder(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_future *f = rt_future_value(rt_value_string("hello"));
    pump_future(t, UI_NO_KEY, f, NULL);
    rt_future_release(f); /* the element holds its own reference */
    event_firing(t);
    /* (Flutter only checks that nothing throws.) The first build is always
     * waiting, even for a completed future (ui_tester_pump_widget runs the
     * completion's microtask and a second frame already). */
    assert_string_equal(ts_log_text(), "waiting, done");
    assert_int_equal(ui_count_text(t, SNAP("done", "hello", "null")), 1);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "StreamBuilder" */
static void test_smoke_stream_builder(void **state)
{
    (void)state;
    ui_tester *t = begin();
    /* Stream.fromIterable(['hello', 'world']) */
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    add_str(c, "hello");
    add_str(c, "world");
    close_stream(c);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, UI_NO_KEY, s, NULL);
    rt_stream_release(s);
    rt_stream_release(c);
    event_firing(t);
    /* (Flutter only checks that nothing throws.) */
    assert_int_equal(strncmp(ts_log_text(), "waiting, ", 9), 0);
    assert_int_equal(ui_count_text(t, SNAP("done", "world", "null")), 1);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "StreamFold" */
static void test_smoke_stream_fold(void **state)
{
    (void)state;
    ui_tester *t = begin();
    /* Stream.fromIterable(['hello', 'world']) */
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    add_str(c, "hello");
    add_str(c, "world");
    close_stream(c);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_collector(t, UI_NO_KEY, s, NULL);
    rt_stream_release(s);
    rt_stream_release(c);
    event_firing(t);
    /* (Flutter only checks that nothing throws.) */
    assert_int_equal(ui_count_text(t, "conn, data:hello, data:world, done"), 1);
    finish(t);
}

/* ==== FutureBuilder ==== */

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition from null
 * future" */
static void test_future_transition_from_null(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    pump_future(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("none", "null", "null")), 1);
    ui_element *el = ui_find_key(t, key);
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    pump_future(t, key, f, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    assert_ptr_equal(ui_find_key(t, key), el); /* the same element, updated */
    rt_future_release(f);
    rt_completer_release(completer);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition to null
 * future" */
static void test_future_transition_to_null(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    pump_future(t, key, f, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    pump_future(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("none", "null", "null")), 1);
    int calls = builder_calls;
    complete_str(completer, "hello");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("none", "null", "null")), 1);
    assert_int_equal(builder_calls, calls); /* the old future's completion is ignored */
    rt_future_release(f);
    rt_completer_release(completer);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition to other
 * future" */
static void test_future_transition_to_other(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_completer *a = rt_completer_new(false), *b = rt_completer_new(false);
    rt_future *fa = rt_completer_future(a), *fb = rt_completer_future(b);
    pump_future(t, key, fa, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    pump_future(t, key, fb, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    complete_str(b, "B");
    complete_str(a, "A");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "B", "null")), 1);
    rt_future_release(fa);
    rt_future_release(fb);
    rt_completer_release(a);
    rt_completer_release(b);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "tracks life-cycle of Future to success"
 */
static void test_future_to_success(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    pump_future(t, UI_NO_KEY, f, NULL);
    rt_future_release(f);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    complete_str(completer, "hello");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "hello", "null")), 1);
    rt_completer_release(completer);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "tracks life-cycle of Future to error" */
static void test_future_to_error(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    pump_future(t, UI_NO_KEY, f, NULL);
    rt_future_release(f);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    rt_completer_fail(completer, RT_EUSER, "test", "bad"); /* no stack trace in Islet */
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "null", "bad")), 1);
    rt_completer_release(completer);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "runs the builder using given initial
 * data" */
static void test_future_initial_data(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_value *initial = rt_value_string("I");
    pump_future(t, ui_key_global("key"), NULL, initial);
    rt_value_free(initial); /* borrowed for the build only: the element copied it */
    assert_int_equal(ui_count_text(t, SNAP("none", "I", "null")), 1);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "ignores initialData when reconfiguring"
 */
static void test_future_ignores_initial_data_when_reconfiguring(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_value *initial = rt_value_string("I"), *ignored = rt_value_string("Ignored");
    pump_future(t, key, NULL, initial);
    assert_int_equal(ui_count_text(t, SNAP("none", "I", "null")), 1);
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    pump_future(t, key, f, ignored);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "I", "null")), 1);
    rt_value_free(initial);
    rt_value_free(ignored);
    rt_future_release(f);
    rt_completer_release(completer);
    finish(t);
}

/* ==== StreamBuilder ==== */

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition from null
 * stream" */
static void test_stream_transition_from_null(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    pump_stream(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("none", "null", "null")), 1);
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, key, s, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    assert_true(rt_stream_has_listener(c));
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition to null
 * stream" */
static void test_stream_transition_to_null(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, key, s, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    pump_stream(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("none", "null", "null")), 1);
    assert_false(rt_stream_has_listener(c)); /* the subscription was cancelled */
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition to other
 * stream" */
static void test_stream_transition_to_other(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_stream_controller *ca = rt_stream_controller_new(NULL);
    rt_stream_controller *cb = rt_stream_controller_new(NULL);
    rt_stream *sa = rt_stream_controller_stream(ca), *sb = rt_stream_controller_stream(cb);
    pump_stream(t, key, sa, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    pump_stream(t, key, sb, NULL);
    add_str(cb, "B");
    add_str(ca, "A");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("active", "B", "null")), 1);
    rt_stream_release(sa);
    rt_stream_release(sb);
    rt_stream_release(ca);
    rt_stream_release(cb);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "tracks events and errors of stream until
 * completion" */
static void test_stream_events_and_errors_until_completion(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, key, s, NULL);
    rt_stream_release(s);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    add_str(c, "1");
    add_str(c, "2");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("active", "2", "null")), 1);
    add_str(c, "3");
    rt_stream_add_error(c, RT_EUSER, "test", "bad");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("active", "null", "bad")), 1);
    add_str(c, "4");
    close_stream(c);
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "4", "null")), 1);
    rt_stream_release(c);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "runs the builder using given initial
 * data" */
static void test_stream_initial_data(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_value *initial = rt_value_string("I");
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, UI_NO_KEY, s, initial);
    rt_value_free(initial);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "I", "null")), 1);
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "ignores initialData when reconfiguring"
 */
static void test_stream_ignores_initial_data_when_reconfiguring(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_value *initial = rt_value_string("I"), *ignored = rt_value_string("Ignored");
    pump_stream(t, key, NULL, initial);
    assert_int_equal(ui_count_text(t, SNAP("none", "I", "null")), 1);
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, key, s, ignored);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "I", "null")), 1);
    rt_value_free(initial);
    rt_value_free(ignored);
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

/* ==== FutureBuilder and StreamBuilder behave identically on Stream from Future ==== */

/* Flutter: packages/flutter/test/widgets/async_test.dart, "when completing with data" */
static void test_identical_completing_with_data(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    rt_stream *s = future_as_stream(f);
    pump_both(t, f, s, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 2);
    complete_str(completer, "hello");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "hello", "null")), 2);
    rt_future_release(f);
    rt_stream_release(s);
    rt_completer_release(completer);
    finish(t);
}

static void identical_completing_with_error(void)
{
    ui_tester *t = begin();
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    rt_stream *s = future_as_stream(f);
    pump_both(t, f, s, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 2);
    rt_completer_fail(completer, RT_EUSER, "test", "bad");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "null", "bad")), 2);
    rt_future_release(f);
    rt_stream_release(s);
    rt_completer_release(completer);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "when completing with error and with
 * empty stack trace" */
static void test_identical_completing_with_error_empty_trace(void **state)
{
    (void)state;
    identical_completing_with_error(); /* Islet errors carry no stack trace */
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "when completing with error and with
 * stack trace" */
static void test_identical_completing_with_error_and_trace(void **state)
{
    (void)state;
    identical_completing_with_error(); /* the trace itself is not expressible */
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "when Future is null" */
static void test_identical_future_is_null(void **state)
{
    (void)state;
    ui_tester *t = begin();
    pump_both(t, NULL, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("none", "null", "null")), 2);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "when initialData is used with null
 * Future and Stream" */
static void test_identical_initial_data_null_future_and_stream(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_value *initial = rt_value_string("I");
    pump_both(t, NULL, NULL, initial);
    assert_int_equal(ui_count_text(t, SNAP("none", "I", "null")), 2);
    rt_value_free(initial);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "when using initialData and completing
 * with data" */
static void test_identical_initial_data_completing_with_data(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_value *initial = rt_value_string("I");
    rt_completer *completer = rt_completer_new(false);
    rt_future *f = rt_completer_future(completer);
    rt_stream *s = future_as_stream(f);
    pump_both(t, f, s, initial);
    rt_value_free(initial);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "I", "null")), 2);
    complete_str(completer, "hello");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "hello", "null")), 2);
    rt_future_release(f);
    rt_stream_release(s);
    rt_completer_release(completer);
    finish(t);
}

/* ==== StreamBuilderBase ==== */

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition from null
 * stream" */
static void test_base_transition_from_null(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    pump_collector(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, ""), 1);
    ui_element *el = ui_find_key(t, key);
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_collector(t, key, s, NULL);
    assert_int_equal(ui_count_text(t, "conn"), 1);
    assert_ptr_equal(ui_find_key(t, key), el); /* the same element, updated */
    assert_true(rt_stream_has_listener(c));
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition to null
 * stream" */
static void test_base_transition_to_null(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_collector(t, key, s, NULL);
    assert_int_equal(ui_count_text(t, "conn"), 1);
    pump_collector(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, "conn, disc"), 1);
    assert_false(rt_stream_has_listener(c)); /* the subscription was cancelled */
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "gracefully handles transition to other
 * stream" */
static void test_base_transition_to_other(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_stream_controller *ca = rt_stream_controller_new(NULL);
    rt_stream_controller *cb = rt_stream_controller_new(NULL);
    rt_stream *sa = rt_stream_controller_stream(ca), *sb = rt_stream_controller_stream(cb);
    pump_collector(t, key, sa, NULL);
    pump_collector(t, key, sb, NULL);
    add_str(ca, "A");
    add_str(cb, "B");
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, disc, conn, data:B"), 1);
    rt_stream_release(sa);
    rt_stream_release(sb);
    rt_stream_release(ca);
    rt_stream_release(cb);
    finish(t);
}

/* Flutter: packages/flutter/test/widgets/async_test.dart, "tracks events and errors until
 * completion" */
static void test_base_events_and_errors_until_completion(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    rt_stream *s = rt_stream_controller_stream(c);
    pump_collector(t, key, s, NULL);
    rt_stream_release(s);
    add_str(c, "1");
    rt_stream_add_error(c, RT_EUSER, "test", "bad"); /* no stack trace in Islet */
    add_str(c, "2");
    close_stream(c);
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, data:1, error:bad, data:2, done"), 1);
    rt_stream_release(c);
    finish(t);
}

/* ==== Islet: more of StreamBuilderBase's contract ==== */

/* Disposal cancels the subscription and destroys the summary once, with no
 * after_disconnected (Flutter's dispose only unsubscribes); nothing comes
 * after. Every callback got the ctx. */
static void test_base_dispose_cancels_and_destroys(void **state)
{
    (void)state;
    ui_tester *t = begin();
    cancels = 0;
    collector_probe probe = {0};
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = count_cancel});
    rt_stream *s = rt_stream_controller_stream(c);
    pump_collector(t, UI_NO_KEY, s, &probe);
    rt_stream_release(s); /* the element holds its own reference */
    add_str(c, "1");
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, data:1"), 1);
    assert_int_equal(probe.calls, 3);      /* initial, conn, data */
    pump_future(t, UI_NO_KEY, NULL, NULL); /* another class at the root */
    assert_null(ui_find_class(t, &ui_stream_builder_base_class));
    assert_int_equal(cancels, 1);
    assert_false(rt_stream_has_listener(c));
    assert_int_equal(probe.destroys, 1);
    add_str(c, "2");
    close_stream(c);
    event_firing(t);
    assert_int_equal(probe.calls, 3);
    /* The new root builds first; the old element is disposed after the builds. */
    assert_string_equal(ts_log_text(), "conn, data:1, none, destroy");
    rt_stream_release(c);
    finish(t);
}

/* As Flutter, a stream that is done still counts as connected: another
 * stream then gives after_disconnected, then after_connected. The same
 * stream again (and a new widget with it) changes nothing. Callbacks get
 * the ctx of the latest build. */
static void test_base_switch_after_done_and_same_stream(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    collector_probe p1 = {0}, p2 = {0};
    rt_stream_controller *ca = rt_stream_controller_new(NULL);
    rt_stream_controller *cb = rt_stream_controller_new(NULL);
    rt_stream *sa = rt_stream_controller_stream(ca), *sb = rt_stream_controller_stream(cb);
    pump_collector(t, key, sa, &p1);
    close_stream(ca);
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, done"), 1);
    pump_collector(t, key, sa, &p1); /* the same stream: no callback */
    assert_int_equal(ui_count_text(t, "conn, done"), 1);
    assert_int_equal(p1.calls, 3);
    pump_collector(t, key, sb, &p2);
    assert_int_equal(ui_count_text(t, "conn, done, disc, conn"), 1);
    assert_int_equal(p1.calls, 3);
    assert_int_equal(p2.calls, 2); /* disc and conn: the new widget's ctx */
    add_str(cb, "x");
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, done, disc, conn, data:x"), 1);
    assert_int_equal(p2.calls, 3);
    assert_string_equal(ts_log_text(), "conn, done, disc, conn, data:x");
    rt_stream_release(sa);
    rt_stream_release(sb);
    rt_stream_release(ca);
    rt_stream_release(cb);
    finish(t);
    assert_int_equal(p1.destroys, 0);
    assert_int_equal(p2.destroys, 1); /* destroyed with the latest ctx */
}

/* A fold with a summary too big for the state (on the heap) and only
 * after_data and build: the other callbacks default to "unchanged". */
typedef struct big_summary {
    int events;
    char last[200];
} big_summary;

static void big_data(void *summary, const rt_value *data, void *ctx)
{
    (void)ctx;
    big_summary *s = summary;
    s->events++;
    snprintf(s->last, sizeof s->last, "%s", data ? rt_value_as_string(data, NULL) : "null");
}

static ui_widget *big_build(ui_build *b, ui_element *e, const void *summary, void *ctx)
{
    (void)e;
    (void)ctx;
    const big_summary *s = summary;
    char buf[240];
    snprintf(buf, sizeof buf, "big:%d:%s", s->events, s->last);
    return ui_text(b, ui_strdup(b, buf), 12, (ui_color){0, 0, 0, 255});
}

static const ui_stream_fold big_fold = {
    .summary_size = sizeof(big_summary), .after_data = big_data, .build = big_build};

/* Another fold at the same element restarts it, as a new Flutter widget
 * type would: the old subscription is cancelled, the old summary destroyed
 * (with the old ctx), the new one made and connected; events then fold
 * into it. And back again: a fresh collector. */
static void test_base_other_fold_restarts(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    collector_probe probe = {0};
    cancels = 0;
    rt_stream_controller *c = rt_stream_controller_new(
        &(rt_stream_options){.broadcast = true, .on_cancel = count_cancel});
    rt_stream *s = rt_stream_controller_stream(c);
    pump_collector(t, key, s, &probe);
    add_str(c, "1");
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, data:1"), 1);
    ui_element *el = ui_find_key(t, key);

    coll.fold = &big_fold;
    coll.ctx = NULL;
    ui_tester_pump_widget(t, collector_root, NULL);
    assert_ptr_equal(ui_find_key(t, key), el);
    assert_int_equal(probe.destroys, 1);
    assert_int_equal(cancels, 1);
    assert_true(rt_stream_has_listener(c)); /* listened to again */
    assert_int_equal(ui_count_text(t, "big:0:"), 1);
    add_str(c, "2");
    add_str(c, "3");
    event_firing(t);
    assert_int_equal(ui_count_text(t, "big:2:3"), 1);

    pump_collector(t, key, s, NULL);
    assert_int_equal(ui_count_text(t, "conn"), 1);
    add_str(c, "4");
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, data:4"), 1);
    assert_string_equal(ts_log_text(), "conn, data:1, destroy, conn, data:4");
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

/* A StreamBuilder is a StreamBuilderBase with its own class: finders tell
 * them apart, and one replaces the other at a slot (nothing shared). */
static void test_stream_builder_is_its_own_class(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_stream_controller *c = rt_stream_controller_new(&(rt_stream_options){.broadcast = true});
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, UI_NO_KEY, s, NULL);
    assert_non_null(ui_find_class(t, &ui_stream_builder_class));
    assert_null(ui_find_class(t, &ui_stream_builder_base_class));
    pump_collector(t, UI_NO_KEY, s, NULL);
    assert_null(ui_find_class(t, &ui_stream_builder_class));
    assert_non_null(ui_find_class(t, &ui_stream_builder_base_class));
    add_str(c, "x");
    event_firing(t);
    assert_int_equal(ui_count_text(t, "conn, data:x"), 1);
    rt_stream_release(s);
    rt_stream_release(c);
    finish(t);
}

static void child_base_requires_build(void)
{
    static const ui_stream_fold no_build = {.summary_size = 8};
    ui_stream_builder_base(NULL, UI_NO_KEY, NULL, &no_build, NULL);
}

/* A fold without build aborts, naming what is missing. */
static void test_base_requires_build(void **state)
{
    (void)state;
    ts_expect_abort("base-requires-build", "StreamBuilderBase: fold->build is required");
}

/* ==== Islet: more of the builders' contract ==== */

/* async.dart's FutureBuilder doc: switching to a new future keeps the data
 * of the first ("withData(none, 'data of first future')", then waiting with
 * it); the old future's completion is ignored. */
static void test_future_switch_keeps_previous_data(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_completer *a = rt_completer_new(false), *b = rt_completer_new(false);
    rt_future *fa = rt_completer_future(a), *fb = rt_completer_future(b);
    pump_future(t, key, fa, NULL);
    complete_str(a, "A");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "A", "null")), 1);
    pump_future(t, key, fb, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "A", "null")), 1);
    pump_future(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("none", "A", "null")), 1);
    pump_future(t, key, fb, NULL); /* fb again: a new subscription */
    assert_int_equal(ui_count_text(t, SNAP("waiting", "A", "null")), 1);
    rt_future_release(fa); /* the element holds what it shows */
    rt_completer_release(a);
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "A", "null")), 1);
    rt_completer_fail(b, RT_EUSER, "test", "bad");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "null", "bad")), 1);
    rt_future_release(fb);
    rt_completer_release(b);
    finish(t);
}

/* StreamBuilder's doc: changing streams gives (none, 5) then (waiting, 5);
 * an error after a switch keeps data until the new stream speaks. */
static void test_stream_switch_keeps_previous_data(void **state)
{
    (void)state;
    ui_tester *t = begin();
    ui_key key = ui_key_global("key");
    rt_stream_controller *ca = rt_stream_controller_new(&(rt_stream_options){.broadcast = true});
    rt_stream_controller *cb = rt_stream_controller_new(NULL);
    rt_stream *sa = rt_stream_controller_stream(ca), *sb = rt_stream_controller_stream(cb);
    pump_stream(t, key, sa, NULL);
    add_str(ca, "5");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("active", "5", "null")), 1);
    pump_stream(t, key, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("none", "5", "null")), 1);
    assert_false(rt_stream_has_listener(ca));
    pump_stream(t, key, sb, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "5", "null")), 1);
    add_str(ca, "6"); /* nobody listens to the broadcast stream: dropped */
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "5", "null")), 1);
    close_stream(cb);
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("done", "5", "null")), 1);
    /* After done, switching back: none then waiting, data kept. */
    pump_stream(t, key, sa, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "5", "null")), 1);
    assert_true(rt_stream_has_listener(ca));
    rt_stream_release(sa);
    rt_stream_release(sb);
    rt_stream_release(ca);
    rt_stream_release(cb);
    finish(t);
}

/* A future's pointer outcome (rt_completer_complete_ptr) is data: ptr set,
 * freed by its destructor once the last holder (the element) lets go. */
static void *seen_ptr;
static int seen_has_data, ptr_destroyed;

static ui_widget *ptr_builder(ui_build *b, ui_element *e, const ui_snapshot *s, void *ctx)
{
    (void)ctx;
    seen_ptr = s->ptr;
    seen_has_data = ui_snapshot_has_data(s);
    return snapshot_text(b, e, s, NULL);
}

static rt_future *ptr_future;

static ui_widget *ptr_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_future_builder(b, UI_NO_KEY, ptr_future, NULL, ptr_builder, NULL);
}

static void destroy_counted(void *p)
{
    (void)p;
    ptr_destroyed++;
}

static void test_future_pointer_outcome(void **state)
{
    (void)state;
    ui_tester *t = begin();
    static int payload = 42;
    ptr_destroyed = 0;
    rt_completer *c = rt_completer_new(false);
    ptr_future = rt_completer_future(c);
    ui_tester_pump_widget(t, ptr_root, NULL);
    assert_false(seen_has_data);
    rt_completer_complete_ptr(c, &payload, destroy_counted);
    rt_completer_release(c);
    rt_future_release(ptr_future); /* the element keeps it */
    event_firing(t);
    assert_ptr_equal(seen_ptr, &payload);
    assert_true(seen_has_data);
    assert_int_equal(ui_count_text(t, SNAP("done", "null", "null")), 1);
    assert_int_equal(ptr_destroyed, 0);
    assert_true(ui_tester_free(t));
    assert_int_equal(ptr_destroyed, 1);
    assert_int_equal(rt_heap_live_bytes(), heap_baseline);
    ts_main_leave();
}

/* A FutureBuilder removed before its future completes: the completion is
 * dropped (no builder call, nothing rebuilt) and no reference is leaked. */
static void test_future_builder_completion_after_unmount(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_completer *c = rt_completer_new(false);
    rt_future *f = rt_completer_future(c);
    pump_both(t, f, NULL, NULL);
    assert_int_equal(ui_count_text(t, SNAP("waiting", "null", "null")), 1);
    pump_stream(t, UI_NO_KEY, NULL, NULL); /* the future builder is gone */
    assert_null(ui_find_class(t, &ui_future_builder_class));
    int calls = builder_calls;
    complete_str(c, "late");
    event_firing(t);
    assert_int_equal(builder_calls, calls);
    assert_false(ui_tree_needs_frame(ui_tester_tree(t)));
    rt_future_release(f);
    rt_completer_release(c);
    finish(t);
}

/* A StreamBuilder removed from the tree cancels its subscription. */
static void test_stream_builder_cancels_on_dispose(void **state)
{
    (void)state;
    ui_tester *t = begin();
    cancels = 0;
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = count_cancel});
    rt_stream *s = rt_stream_controller_stream(c);
    pump_stream(t, UI_NO_KEY, s, NULL);
    rt_stream_release(s);
    add_str(c, "1");
    event_firing(t);
    assert_int_equal(ui_count_text(t, SNAP("active", "1", "null")), 1);
    assert_true(rt_stream_has_listener(c));
    pump_future(t, UI_NO_KEY, NULL, NULL); /* another class at the root */
    assert_int_equal(cancels, 1);
    assert_false(rt_stream_has_listener(c));
    int calls = builder_calls;
    add_str(c, "2");
    close_stream(c);
    event_firing(t);
    assert_int_equal(builder_calls, calls);
    rt_stream_release(c);
    finish(t);
}

/* ==== Bindings: compute after unmount, stream after dispose, unbind ==== */

static int element_builds, future_cb_runs, set_state_fn_runs;
static rt_future *bound_future;
static rt_stream *bound_stream;
static ui_ref bound_ref;

static void on_future(ui_element *e, rt_future *f, void *ctx)
{
    (void)e;
    (void)f;
    (void)ctx;
    future_cb_runs++;
    ts_log("future");
}

static void on_data(ui_element *e, const rt_value *v, void *ctx)
{
    (void)e;
    (void)ctx;
    ts_log("data:%s", rt_value_as_string(v, NULL));
}

static void on_error(ui_element *e, const rt_error *err, void *ctx)
{
    (void)e;
    (void)ctx;
    ts_log("error:%s", err->message);
}

static void on_done(ui_element *e, void *ctx)
{
    (void)e;
    (void)ctx;
    ts_log("done");
}

static const ui_stream_cbs probe_cbs = {on_data, on_error, on_done, NULL};

typedef struct binder_state {
    ui_binding *fb, *sb;
} binder_state;

static void binder_init(ui_element *e)
{
    binder_state *st = ui_state(e);
    bound_ref = ui_ref_of(e);
    if (bound_future) {
        st->fb = ui_bind_future(e, bound_future, on_future, NULL); /* consumed */
        bound_future = NULL;
        assert_non_null(st->fb);
    }
    if (bound_stream) {
        st->sb = ui_bind_stream(e, bound_stream, &probe_cbs);
        assert_non_null(st->sb);
    }
}

/* Empty: the 10 x 10 leaf (fixed_layout: spy_widget.h). */
static const ui_widget_class empty_class = {.name = "Empty", .layout = fixed_layout};

static ui_widget *binder_build(ui_build *b, ui_element *e)
{
    (void)e;
    element_builds++;
    return ui_widget_new(b, &empty_class, UI_NO_KEY, NULL, NULL, 0);
}

static const ui_widget_class binder_class = {.name = "Binder",
                                             .state_size = sizeof(binder_state),
                                             .init_state = binder_init,
                                             .build = binder_build};

static ui_widget *other_build(ui_build *b, ui_element *e)
{
    (void)e;
    element_builds++;
    return ui_widget_new(b, &empty_class, UI_NO_KEY, NULL, NULL, 0);
}

static const ui_widget_class other_class = {.name = "Other", .build = other_build};

static bool show_binder;

static ui_widget *binder_root(ui_build *b, void *ctx)
{
    (void)ctx;
    element_builds++;
    ui_widget *kids[] = {show_binder ? ui_widget_new(b, &binder_class, UI_NO_KEY, NULL, NULL, 0)
                                     : ui_widget_new(b, &other_class, UI_NO_KEY, NULL, NULL, 0)};
    ui_flex_props p = {0};
    return ui_column(b, &p, kids, 1);
}

static void reset_binding_probes(void)
{
    element_builds = future_cb_runs = set_state_fn_runs = 0;
    bound_future = NULL;
    bound_stream = NULL;
    bound_ref = (ui_ref){0};
    cancels = 0;
}

static void count_set_state_fn(void *state, void *ctx)
{
    (void)state;
    (void)ctx;
    set_state_fn_runs++;
}

static atomic_int compute_gate;

/* Waits (on its compute isolate) until the test opens the gate. */
static rt_value *gated_square(rt_value *msg, rt_compute_ctx *cx)
{
    (void)cx;
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < 10000 && !atomic_load(&compute_gate); i++)
        nanosleep(&ms, NULL);
    int64_t x = rt_value_as_int(msg);
    return rt_value_int(x * x);
}

/* As begin(), after one compute job: the first rt_compute of an isolate
 * sets up its reply machinery, which stays until the isolate leaves, so the
 * heap baseline is taken after it. */
static ui_tester *begin_compute(void)
{
    ui_tester *t = begin();
    atomic_store(&compute_gate, 1);
    rt_value *msg = rt_value_int(2);
    rt_future *f = rt_compute(gated_square, msg);
    rt_value_free(msg);
    assert_true(ui_tester_wait_for(t, f, RT_SEC(10)));
    assert_int_equal(rt_value_as_int(rt_future_get_value(f)), 4);
    rt_future_release(f);
    assert_true(ui_tester_free(t));
    rt_run(RT_RUN_NOWAIT);
    heap_baseline = rt_heap_live_bytes();
    t = ui_tester_new(800, 200, &vclock);
    assert_non_null(t);
    return t;
}

static size_t frame_count(ui_tester *t)
{
    ui_frame_timing ft[240];
    return ui_tree_timings(ui_tester_tree(t), ft, 240);
}

/* A real rt_compute completion arriving after its element unmounted does
 * nothing and touches nothing: no callback, the ui_ref is dead and refuses
 * set_state, nothing is built, no frame is asked for. */
static void test_compute_completion_after_unmount(void **state)
{
    (void)state;
    ui_tester *t = begin_compute();
    reset_binding_probes();
    atomic_store(&compute_gate, 0);
    rt_value *msg = rt_value_int(12);
    rt_future *f = rt_compute(gated_square, msg);
    rt_value_free(msg);
    assert_non_null(f);
    rt_future *waiter = rt_future_dup(f);
    bound_future = f; /* the element's binding consumes this reference */
    show_binder = true;
    ui_tester_pump_widget(t, binder_root, NULL);
    assert_non_null(ui_ref_get(bound_ref));
    assert_ptr_equal(ui_ref_get(bound_ref), ui_find_class(t, &binder_class));
    assert_false(rt_future_is_complete(waiter));

    show_binder = false;
    ui_tester_pump_widget(t, binder_root, NULL);
    assert_null(ui_find_class(t, &binder_class));
    assert_null(ui_ref_get(bound_ref));
    int builds = element_builds;
    size_t frames = frame_count(t);

    atomic_store(&compute_gate, 1);
    assert_true(ui_tester_wait_for(t, waiter, RT_SEC(10)));
    ui_tester_pump(t, 0);
    assert_int_equal(rt_value_as_int(rt_future_get_value(waiter)), 144);
    assert_int_equal(future_cb_runs, 0);
    assert_null(ui_ref_get(bound_ref));
    assert_false(ui_ref_set_state(bound_ref, count_set_state_fn, NULL));
    assert_int_equal(set_state_fn_runs, 0);
    assert_int_equal(element_builds, builds);
    assert_int_equal(frame_count(t), frames);
    assert_false(ui_tree_needs_frame(ui_tester_tree(t)));
    assert_string_equal(ts_log_text(), "");
    rt_future_release(waiter);
    finish(t);
}

/* The same completion while the element is mounted runs the callback and
 * rebuilds it (the test above can fail). */
static void test_compute_completion_while_mounted(void **state)
{
    (void)state;
    ui_tester *t = begin_compute();
    reset_binding_probes();
    /* The gate stays shut until the builds are counted: a fast answer could
     * otherwise arrive (and rebuild) during the first pump. */
    atomic_store(&compute_gate, 0);
    rt_value *msg = rt_value_int(12);
    rt_future *f = rt_compute(gated_square, msg);
    rt_value_free(msg);
    rt_future *waiter = rt_future_dup(f);
    bound_future = f;
    show_binder = true;
    ui_tester_pump_widget(t, binder_root, NULL);
    int builds = element_builds;
    atomic_store(&compute_gate, 1);
    assert_true(ui_tester_wait_for(t, waiter, RT_SEC(10)));
    ui_tester_pump(t, 0);
    assert_int_equal(future_cb_runs, 1);
    assert_true(element_builds > builds);
    assert_true(ui_ref_set_state(bound_ref, count_set_state_fn, NULL));
    assert_int_equal(set_state_fn_runs, 1);
    ui_tester_pump(t, 0);
    rt_future_release(waiter);
    finish(t);
}

/* ui_bind_stream's callbacks stop once the element is disposed, and its
 * subscription is cancelled: the controller has no listener. */
static void test_bind_stream_stops_after_dispose(void **state)
{
    (void)state;
    ui_tester *t = begin();
    reset_binding_probes();
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = count_cancel});
    bound_stream = rt_stream_controller_stream(c);
    show_binder = true;
    ui_tester_pump_widget(t, binder_root, NULL);
    rt_stream_release(bound_stream); /* not consumed by ui_bind_stream */
    bound_stream = NULL;
    assert_true(rt_stream_has_listener(c));
    int builds = element_builds;
    add_str(c, "1");
    event_firing(t);
    assert_string_equal(ts_log_text(), "data:1");
    assert_true(element_builds > builds); /* the element rebuilt after the event */

    show_binder = false;
    ui_tester_pump_widget(t, binder_root, NULL);
    assert_null(ui_ref_get(bound_ref));
    assert_int_equal(cancels, 1);
    assert_false(rt_stream_has_listener(c));
    builds = element_builds;
    add_str(c, "2");
    rt_stream_add_error(c, RT_EUSER, "test", "bad");
    close_stream(c);
    event_firing(t);
    ui_tester_pump(t, RT_MS(16));
    assert_string_equal(ts_log_text(), "data:1");
    assert_int_equal(element_builds, builds);
    rt_stream_release(c);
    finish(t);
}

/* ui_unbind ends a binding early: a future's completion and a stream's
 * events no longer reach the element (the subscription is cancelled), and
 * the element disposes cleanly afterwards. */
static void test_unbind_stops_binding_early(void **state)
{
    (void)state;
    ui_tester *t = begin();
    reset_binding_probes();
    rt_completer *comp = rt_completer_new(false);
    bound_future = rt_completer_future(comp);
    rt_stream_controller *c =
        rt_stream_controller_new(&(rt_stream_options){.on_cancel = count_cancel});
    bound_stream = rt_stream_controller_stream(c);
    show_binder = true;
    ui_tester_pump_widget(t, binder_root, NULL);
    rt_stream_release(bound_stream);
    bound_stream = NULL;
    ui_element *e = ui_find_class(t, &binder_class);
    assert_non_null(e);
    binder_state *st = ui_state(e);
    assert_true(rt_stream_has_listener(c));

    ui_unbind(st->fb);
    ui_unbind(st->sb);
    st->fb = st->sb = NULL;
    assert_int_equal(cancels, 1);
    assert_false(rt_stream_has_listener(c));
    int builds = element_builds;
    complete_str(comp, "x");
    add_str(c, "1");
    close_stream(c);
    event_firing(t);
    assert_int_equal(future_cb_runs, 0);
    assert_string_equal(ts_log_text(), "");
    assert_int_equal(element_builds, builds);
    assert_ptr_equal(ui_ref_get(bound_ref), e); /* still mounted */

    show_binder = false;
    ui_tester_pump_widget(t, binder_root, NULL);
    assert_null(ui_ref_get(bound_ref));
    assert_int_equal(cancels, 1);
    rt_completer_release(comp);
    rt_stream_release(c);
    finish(t);
}

/* A future binding whose future is dropped without ever completing (its
 * element disposed, then the last reference released) leaves nothing
 * behind on the heap. */
static void test_bind_future_never_completed_frees_binding(void **state)
{
    (void)state;
    ui_tester *t = begin();
    reset_binding_probes();
    rt_completer *comp = rt_completer_new(false);
    bound_future = rt_completer_future(comp);
    show_binder = true;
    ui_tester_pump_widget(t, binder_root, NULL);
    assert_non_null(ui_ref_get(bound_ref));
    show_binder = false;
    ui_tester_pump_widget(t, binder_root, NULL);
    assert_null(ui_ref_get(bound_ref));
    rt_completer_release(comp); /* the future goes, never completed */
    assert_int_equal(future_cb_runs, 0);
    finish(t);
}

/* A dispose that ends its own stream binding (Flutter's sub.cancel() in
 * dispose): dispose runs before the framework detaches what is left, so the
 * binding is still there to end, once. */
static rt_stream *own_stream;

typedef struct own_sub_state {
    ui_binding *sub;
} own_sub_state;

static void own_sub_data(ui_element *e, const rt_value *v, void *ctx)
{
    (void)e;
    (void)v;
    (void)ctx;
}

static void own_sub_init(ui_element *e)
{
    own_sub_state *s = ui_state(e);
    s->sub = ui_bind_stream(e, own_stream, &(ui_stream_cbs){.on_data = own_sub_data});
}

static void own_sub_dispose(ui_element *e)
{
    ui_unbind(((own_sub_state *)ui_state(e))->sub);
}

static const ui_widget_class own_sub_class = {.name = "OwnSub",
                                              .state_size = sizeof(own_sub_state),
                                              .init_state = own_sub_init,
                                              .dispose = own_sub_dispose};

static bool own_sub_shown;

static ui_widget *own_sub_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return own_sub_shown ? ui_widget_new(b, &own_sub_class, UI_NO_KEY, NULL, NULL, 0)
                         : ui_sized(b, 1, 1, NULL);
}

static void test_unbind_in_dispose_ends_the_binding_once(void **state)
{
    (void)state;
    ui_tester *t = begin();
    rt_stream_controller *c = rt_stream_controller_new(NULL);
    own_stream = rt_stream_controller_stream(c);
    own_sub_shown = true;
    ui_tester_pump_widget(t, own_sub_root, NULL);
    assert_true(rt_stream_has_listener(c));
    own_sub_shown = false;
    ui_tester_pump_widget(t, own_sub_root, NULL);
    assert_false(rt_stream_has_listener(c));
    rt_stream_release(own_stream);
    rt_future_release(rt_stream_close(c));
    rt_stream_release(c);
    finish(t);
}

static const ts_child_case cases[] = {
    {"require-data-error", child_require_data_error},
    {"require-data-nothing", child_require_data_nothing},
    {"base-requires-build", child_base_requires_build},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = ts_child_dispatch(argc, argv, cases);
    if (rc >= 0) return rc;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unbind_in_dispose_ends_the_binding_once),
        cmocka_unit_test(test_snapshot_require_data_present),
        cmocka_unit_test(test_snapshot_require_data_error),
        cmocka_unit_test(test_snapshot_require_data_nothing),
        cmocka_unit_test(test_snapshot_basic_constructors),
        cmocka_unit_test(test_smoke_future_builder),
        cmocka_unit_test(test_smoke_stream_builder),
        cmocka_unit_test(test_smoke_stream_fold),
        cmocka_unit_test(test_future_transition_from_null),
        cmocka_unit_test(test_future_transition_to_null),
        cmocka_unit_test(test_future_transition_to_other),
        cmocka_unit_test(test_future_to_success),
        cmocka_unit_test(test_future_to_error),
        cmocka_unit_test(test_future_initial_data),
        cmocka_unit_test(test_future_ignores_initial_data_when_reconfiguring),
        cmocka_unit_test(test_stream_transition_from_null),
        cmocka_unit_test(test_stream_transition_to_null),
        cmocka_unit_test(test_stream_transition_to_other),
        cmocka_unit_test(test_stream_events_and_errors_until_completion),
        cmocka_unit_test(test_stream_initial_data),
        cmocka_unit_test(test_stream_ignores_initial_data_when_reconfiguring),
        cmocka_unit_test(test_identical_completing_with_data),
        cmocka_unit_test(test_identical_completing_with_error_empty_trace),
        cmocka_unit_test(test_identical_completing_with_error_and_trace),
        cmocka_unit_test(test_identical_future_is_null),
        cmocka_unit_test(test_identical_initial_data_null_future_and_stream),
        cmocka_unit_test(test_identical_initial_data_completing_with_data),
        cmocka_unit_test(test_base_transition_from_null),
        cmocka_unit_test(test_base_transition_to_null),
        cmocka_unit_test(test_base_transition_to_other),
        cmocka_unit_test(test_base_events_and_errors_until_completion),
        cmocka_unit_test(test_base_dispose_cancels_and_destroys),
        cmocka_unit_test(test_base_switch_after_done_and_same_stream),
        cmocka_unit_test(test_base_other_fold_restarts),
        cmocka_unit_test(test_stream_builder_is_its_own_class),
        cmocka_unit_test(test_base_requires_build),
        cmocka_unit_test(test_future_switch_keeps_previous_data),
        cmocka_unit_test(test_stream_switch_keeps_previous_data),
        cmocka_unit_test(test_future_pointer_outcome),
        cmocka_unit_test(test_future_builder_completion_after_unmount),
        cmocka_unit_test(test_stream_builder_cancels_on_dispose),
        cmocka_unit_test(test_compute_completion_after_unmount),
        cmocka_unit_test(test_compute_completion_while_mounted),
        cmocka_unit_test(test_bind_stream_stops_after_dispose),
        cmocka_unit_test(test_unbind_stops_binding_early),
        cmocka_unit_test(test_bind_future_never_completed_frees_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
