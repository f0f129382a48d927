/* The Islet demo: taps become queue events that call set_state; compute()
 * keeps the spinner smooth where the same work on the main isolate freezes
 * it; an HTTP request on the network isolate comes back as a future that
 * rebuilds the screen; a frame timing overlay watches it all. */
#include "demo.h"

#include "rt_http.h"
#include "ui_anim.h"
#include "ui_async_widgets.h"
#include "ui_text_field.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUDGET_NS UI_FRAME_NS
#define OVERLAY_FRAMES 120

static ui_color ink = {20, 20, 30, 255};

typedef struct demo {
    int taps;
    const char *initial_url; /* the URL field's first text; then the field has it */
    int64_t prime_limit;
    bool overlay;
    rt_timer *refresh;
    ui_ref screen; /* the screen, to rebuild: a weak handle, never a raw pointer */
    /* Every frame's timing, collected from the tree's ring. */
    ui_frame_timing *frames;
    size_t nframes, cap;
    int64_t last_start;
    bool sampling;
    bool still;         /* the spinner is paused (S): nothing animates */
    uint64_t panel_sig; /* what the isolates panel showed last */
} demo;

/* The overlay's isolate lanes: whether each background isolate was running
 * when each of the last frames ended, sampled after every frame. */
#define MAX_LANES 8
typedef struct lane {
    char name[48];
    uint8_t busy[OVERLAY_FRAMES];
    bool used;
} lane;
static lane lanes[MAX_LANES];
static size_t lane_head; /* frames sampled so far */

static demo app;

/* What the screen owns: the work it started and what it shows of it. It is
 * the screen element's state, so it goes with the screen: dispose cancels
 * what still runs, and late results (bound to the screen) find nothing. */
typedef struct screen_state {
    /* Heavy work */
    rt_compute_task *task;
    rt_future *primes;
    bool main_pending; /* the main-isolate job waits for its first frame */
    float progress;
    char work[128];
    /* Picture */
    rt_future *mandel; /* pending or done; a FutureBuilder shows it */
    int64_t mandel_t0, mandel_ms;
    uint64_t mandel_version; /* one per render: the image's texture follows it */
    /* Network */
    rt_http_task *http;
    rt_future *fetch;
    bool net_failed;
    bool refetch; /* fetch again once the running request has ended */
    char net[200];
} screen_state;

/* The mounted screen's state, or NULL. */
static screen_state *screen_now(void)
{
    ui_element *e = ui_ref_get(app.screen);
    return e ? ui_state(e) : NULL;
}

void demo_init(const demo_options *o)
{
    free(app.frames);
    memset(&app, 0, sizeof app);
    memset(lanes, 0, sizeof lanes);
    lane_head = 0;
    app.initial_url = o && o->url ? o->url : "https://example.com";
    app.prime_limit = o && o->prime_limit > 0 ? o->prime_limit : 4000000;
    app.overlay = o && o->perf_overlay;
}

static void rebuild(void)
{
    ui_ref_set_state(app.screen, NULL, NULL); /* nothing once the screen is gone */
}

rt_future *demo_compute_future(void)
{
    screen_state *s = screen_now();
    return s ? s->primes : NULL;
}

rt_future *demo_fetch_future(void)
{
    screen_state *s = screen_now();
    return s ? s->fetch : NULL;
}

bool demo_overlay_shown(void)
{
    return app.overlay;
}

void demo_toggle_overlay(void)
{
    app.overlay = !app.overlay;
    rebuild();
}

/* ---- Counter ---- */

static void tapped(void *ctx)
{
    (void)ctx;
    app.taps++; /* a tap is an event on the main isolate's queue */
    rebuild();
}

/* ---- Heavy work: counting primes ---- */

static int64_t count_primes(int64_t limit, rt_compute_ctx *cx)
{
    int64_t found = 0;
    for (int64_t n = 2; n < limit; n++) {
        if (cx && (n & 0x3fff) == 0) {
            if (rt_compute_cancelled(cx)) return -1;
            rt_compute_progress(cx, rt_value_int(n * 100 / limit));
        }
        bool prime = true;
        for (int64_t d = 2; d * d <= n; d++)
            if (n % d == 0) {
                prime = false;
                break;
            }
        found += prime;
    }
    return found;
}

static rt_value *primes_fn(rt_value *msg, rt_compute_ctx *cx)
{
    int64_t r = count_primes(rt_value_as_int(msg), cx);
    if (r < 0) {
        rt_compute_fail(cx, RT_ECANCELLED, "demo", "cancelled");
        return NULL;
    }
    return rt_value_int(r);
}

/* Progress and the result are bound to the screen (ui_bind_stream,
 * ui_bind_future): they run only while it is mounted, and it rebuilds after
 * each. */
static void on_progress(ui_element *screen, const rt_value *v, void *ctx)
{
    (void)ctx;
    screen_state *s = ui_state(screen);
    s->progress = (float)rt_value_as_int(v) / 100.0f;
}

static void primes_done(ui_element *screen, rt_future *src, void *ctx)
{
    (void)ctx;
    screen_state *s = ui_state(screen);
    const rt_error *e = rt_future_get_error(src);
    if (e)
        snprintf(s->work, sizeof s->work, "compute(): %s", e->message);
    else
        snprintf(s->work, sizeof s->work, "compute(): %lld primes below %lld",
                 (long long)rt_value_as_int(rt_future_get_value(src)), (long long)app.prime_limit);
    s->progress = e ? 0 : 1;
    rt_compute_task_release(s->task);
    s->task = NULL;
    rt_future_release(s->primes);
    s->primes = NULL;
}

/* Buttons of the screen get it as their ctx: they exist only while it does. */
static void start_compute(void *ctx)
{
    ui_element *screen = ctx;
    screen_state *s = ui_state(screen);
    if (s->task) return;
    rt_value *limit = rt_value_int(app.prime_limit);
    rt_future *f = rt_compute_start(primes_fn, limit, &s->task);
    rt_value_free(limit);
    if (!f) {
        snprintf(s->work, sizeof s->work, "compute(): could not start (out of memory)");
        rebuild();
        return;
    }
    rt_stream *p = rt_compute_task_progress(s->task);
    ui_bind_stream(screen, p, &(ui_stream_cbs){.on_data = on_progress});
    rt_stream_release(p);
    snprintf(s->work, sizeof s->work, "compute(): counting on a background isolate...");
    s->progress = 0;
    s->primes = rt_future_dup(f);
    ui_bind_future(screen, f, primes_done, NULL);
    rebuild();
}

static void cancel_compute(void *ctx)
{
    screen_state *s = ui_state(ctx);
    if (s->task) rt_compute_task_cancel(s->task, false);
}

/* The same work on the main isolate: no frames until it is done. It runs
 * after the frame that says it started has been painted, so the user sees
 * what is about to freeze. */
static void main_job(void *ctx, int64_t now)
{
    (void)ctx;
    (void)now;
    screen_state *s = screen_now();
    if (!s || !s->main_pending) return;
    int64_t n = count_primes(app.prime_limit, NULL);
    snprintf(s->work, sizeof s->work, "main isolate: %lld primes (the spinner froze)",
             (long long)n);
    s->progress = 1;
    s->main_pending = false;
    rebuild();
}

static void on_main(void *ctx)
{
    screen_state *s = ui_state(ctx);
    if (s->main_pending) return;
    s->main_pending = true;
    snprintf(s->work, sizeof s->work, "counting on the main isolate (the UI is frozen)...");
    s->progress = 0;
    ui_tree_after_frame(ui_element_tree(ctx), main_job, NULL);
    rebuild();
}

/* ---- A picture computed off the main isolate ---- */

#define PIC_W 240
#define PIC_H 120

/* Renders the Mandelbrot set into a transferable buffer: returning it moves
 * the pixels to the main isolate in O(1), no copy. */
static rt_value *mandel_fn(rt_value *msg, rt_compute_ctx *cx)
{
    (void)msg;
    rt_value *buf = rt_value_buffer((size_t)PIC_W * PIC_H * 4);
    if (!buf) {
        rt_compute_fail(cx, RT_ENOMEM, "demo", "out of memory for the picture");
        return NULL;
    }
    size_t len;
    uint32_t *px = rt_value_buffer_data(buf, &len);
    for (int y = 0; y < PIC_H; y++)
        for (int x = 0; x < PIC_W; x++) {
            double cr = -2.2 + 3.2 * x / PIC_W, ci = -1.2 + 2.4 * y / PIC_H, zr = 0, zi = 0;
            int i = 0;
            while (i < 400 && zr * zr + zi * zi < 4) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                i++;
            }
            uint32_t r = (uint32_t)(i * 9 % 256), g = (uint32_t)(i * 3 % 256),
                     b = i == 400 ? 40 : (uint32_t)(120 + i * 5 % 136);
            px[y * PIC_W + x] = i == 400 ? 0x141428ffu : (r << 24 | g << 16 | b << 8 | 0xffu);
        }
    return buf;
}

static void start_mandel(void *ctx)
{
    screen_state *s = ui_state(ctx);
    if (s->mandel && !rt_future_is_complete(s->mandel)) return;
    rt_future_release(s->mandel);
    s->mandel_version++;
    s->mandel_t0 = rt_monotonic_ns();
    s->mandel_ms = 0;
    s->mandel = rt_compute(mandel_fn, NULL);
    rebuild();
}

/* The picture's FutureBuilder: the image and a line about it, from the
 * snapshot of s->mandel (the builder's element holds the future, so the
 * pixels live as long as they are shown). */
static ui_widget *picture_view(ui_build *b, ui_element *e, const ui_snapshot *snap, void *ctx)
{
    (void)e;
    screen_state *s = ctx; /* the screen's: the builder is below it */
    char text[160] = " ";
    const uint32_t *px = NULL;
    size_t len = 0;
    if (snap->state == UI_CONN_WAITING)
        snprintf(text, sizeof text, "rendering in a background isolate...");
    else if (snap->error)
        snprintf(text, sizeof text, "picture: %s", snap->error->message);
    else if (snap->data)
        px = rt_value_buffer_data((rt_value *)snap->data, &len);
    if (px && len == (size_t)PIC_W * PIC_H * 4) {
        if (!s->mandel_ms) s->mandel_ms = (rt_monotonic_ns() - s->mandel_t0) / 1000000 + 1;
        snprintf(text, sizeof text,
                 "%dx%d pixels computed in a background isolate in %lld ms; the %d-byte "
                 "buffer moved here without a copy",
                 PIC_W, PIC_H, (long long)s->mandel_ms, PIC_W * PIC_H * 4);
    } else {
        px = NULL;
    }
    ui_widget *kids[] = {
        px ? ui_image_versioned(b, px, PIC_W, PIC_H, s->mandel_version, PIC_W, PIC_H)
           : ui_sized(b, PIC_W, px ? PIC_H : 1, NULL),
        ui_sized(b, 380, -1,
                 ui_text_ex(b, UI_NO_KEY,
                            &(ui_text_props){.text = ui_strdup(b, text),
                                             .size = 12,
                                             .color = ink,
                                             .wrap = true,
                                             .max_lines = 3}))};
    /* At its real resolution, the line under it. */
    return ui_column(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 6}, kids, 2);
}

rt_future *demo_picture_future(void)
{
    screen_state *s = screen_now();
    return s ? s->mandel : NULL;
}

/* ---- Network ---- */

static void fetch(void *ctx);

static void fetched(ui_element *screen, rt_future *src, void *ctx)
{
    (void)ctx;
    screen_state *s = ui_state(screen);
    const rt_error *e = rt_future_get_error(src);
    bool cancelled = e && e->code == RT_ECANCELLED; /* the user asked for it: not a failure */
    s->net_failed = e && !cancelled;
    if (cancelled) {
        snprintf(s->net, sizeof s->net, "cancelled");
    } else if (e) {
        snprintf(s->net, sizeof s->net, "error: %s", e->message);
    } else {
        const rt_value *r = rt_future_get_value(src);
        size_t len;
        rt_http_body(r, &len);
        snprintf(s->net, sizeof s->net,
                 "HTTP %d, %zu bytes, %.1f ms (dns %.1f, connect %.1f, tls %.1f, first byte %.1f)",
                 rt_http_status(r), len, (double)rt_http_timing_us(r, "total") / 1000.0,
                 (double)rt_http_timing_us(r, "dns") / 1000.0,
                 (double)rt_http_timing_us(r, "connect") / 1000.0,
                 (double)rt_http_timing_us(r, "tls") / 1000.0,
                 (double)rt_http_timing_us(r, "first_byte") / 1000.0);
    }
    rt_http_task_release(s->http);
    s->http = NULL;
    rt_future_release(s->fetch);
    s->fetch = NULL;
    if (s->refetch) {
        s->refetch = false;
        fetch(screen);
    }
}

static ui_element *find_key(ui_element *e, ui_key k);
static void copy_utf8(char *dst, size_t cap, const char *s);

/* What the URL field holds now. */
static const char *url_now(void)
{
    ui_element *screen = ui_ref_get(app.screen);
    ui_element *f = screen ? find_key(screen, ui_key_str("url")) : NULL;
    return f ? ui_text_field_text(f, NULL) : app.initial_url;
}

static void fetch(void *ctx)
{
    ui_element *screen = ctx;
    screen_state *s = ui_state(screen);
    if (s->fetch) return;
    s->net_failed = false;
    const char *url = url_now();
    s->fetch = rt_http_request("GET", url, NULL, 0, NULL, &s->http);
    if (!s->fetch) {
        snprintf(s->net, sizeof s->net, "error: out of memory");
        s->net_failed = true;
        rebuild();
        return;
    }
    char shown[151];
    copy_utf8(shown, sizeof shown, url); /* cut between characters */
    snprintf(s->net, sizeof s->net, "fetching %s ...", shown);
    ui_bind_future(screen, rt_future_dup(s->fetch), fetched, NULL);
    rebuild();
}

static void url_submitted(void *ctx, const char *text, size_t len)
{
    screen_state *s = ui_state(ctx);
    (void)text; /* fetch reads the field */
    (void)len;
    if (s->fetch) { /* a fetch is running: cancel it, then fetch the new URL */
        s->refetch = true;
        rt_http_task_cancel(s->http);
        return;
    }
    fetch(ctx);
}

static void url_rejected(void *ctx, int code)
{
    screen_state *s = ui_state(ctx);
    snprintf(s->net, sizeof s->net, "%s",
             code == RT_EILSEQ ? "URL unchanged: the text is not valid UTF-8"
                               : "URL unchanged: it would be longer than the field allows");
    rebuild();
}

static void cancel_fetch(void *ctx)
{
    screen_state *s = ui_state(ctx);
    if (s->http) rt_http_task_cancel(s->http);
}

/* ---- Frame statistics ---- */

void demo_collect(ui_tree *t)
{
    ui_frame_timing ft[240];
    size_t k = ui_tree_timings(t, ft, 240);
    size_t fresh = 0;
    while (fresh < k && ft[fresh].start_ns > app.last_start)
        fresh++;
    if (!fresh) return;
    if (app.nframes + fresh > app.cap) {
        size_t cap = app.cap ? app.cap * 2 : 1024;
        while (cap < app.nframes + fresh)
            cap *= 2;
        ui_frame_timing *p = realloc(app.frames, cap * sizeof *p);
        if (!p) return; /* statistics are best effort */
        app.frames = p;
        app.cap = cap;
    }
    for (size_t i = fresh; i-- > 0;)
        app.frames[app.nframes++] = ft[i]; /* oldest first */
    app.last_start = ft[0].start_ns;
}

static bool janky(const ui_frame_timing *f)
{
    /* Raster is not counted: with vsync, present includes the wait for
     * the display. */
    if (f->build_ns + f->layout_ns + f->paint_ns > BUDGET_NS) return true;
    /* Started more than a budget after it could have: the loop was busy
     * with other work and at least one frame was dropped. */
    return f->late_ns > BUDGET_NS;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void percentiles(FILE *f, const char *name, int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_i64);
    double p[4] = {0, 0, 0, 0};
    if (n) {
        p[0] = (double)v[n / 2] / 1e6;
        p[1] = (double)v[n * 9 / 10] / 1e6;
        p[2] = (double)v[n * 99 / 100] / 1e6;
        p[3] = (double)v[n - 1] / 1e6;
    }
    fprintf(f, ", \"%s_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}", name,
            p[0], p[1], p[2], p[3]);
}

void demo_frame_stats(ui_tree *t, FILE *f)
{
    demo_collect(t);
    size_t n = app.nframes, jank = 0;
    int64_t *v = calloc(n ? n : 1, sizeof *v);
    if (!v) return;
    for (size_t i = 0; i < n; i++)
        jank += janky(&app.frames[i]);
    fprintf(f, "{\"frames\": %zu, \"janky_frames\": %zu", n, jank);
    for (size_t i = 0; i < n; i++)
        v[i] = app.frames[i].build_ns + app.frames[i].layout_ns + app.frames[i].paint_ns;
    percentiles(f, "build", v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = app.frames[i].raster_ns;
    percentiles(f, "raster", v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = app.frames[i].total_ns;
    percentiles(f, "total", v, n);
    fprintf(f, "}\n");
    free(v);
}

/* ---- Tracing ---- */

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_seq(const char *p, size_t n)
{
    unsigned char c = (unsigned char)*p;
    size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    return k && k <= n && rt_utf8_valid(p, k) ? k : 0;
}

/* Copies s into dst[cap], cut at a code point boundary. */
static void copy_utf8(char *dst, size_t cap, const char *s)
{
    size_t len = strlen(s), n = len < cap ? len : rt_utf8_floor(s, len, cap - 1);
    memcpy(dst, s, n);
    dst[n] = 0;
}

typedef struct trace_rec {
    char isolate[48];
    char name[24];
    char detail[120]; /* instants and async ends only */
    rt_trace_phase phase;
    int64_t start, dur;
    uint64_t id;
} trace_rec;

#define TRACE_MAX 1000000 /* records kept; later ones are counted, not kept */

static struct {
    pthread_mutex_t lock;
    trace_rec *v;
    size_t n, cap, dropped;
    bool stopped; /* a late sink call records nothing */
} tr = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void trace_sink(void *ctx, const rt_trace_event *ev)
{
    (void)ctx;
    pthread_mutex_lock(&tr.lock);
    if (tr.stopped) {
        pthread_mutex_unlock(&tr.lock);
        return;
    }
    if (tr.n == tr.cap && tr.cap < TRACE_MAX) {
        size_t cap = tr.cap ? tr.cap * 2 : 4096;
        trace_rec *v = realloc(tr.v, cap * sizeof *v);
        if (v) tr.v = v, tr.cap = cap;
    }
    if (tr.n < tr.cap) {
        trace_rec *r = &tr.v[tr.n++];
        copy_utf8(r->isolate, sizeof r->isolate, ev->isolate ? ev->isolate : "?");
        copy_utf8(r->name, sizeof r->name, ev->name ? ev->name : "?");
        copy_utf8(r->detail, sizeof r->detail, ev->detail ? ev->detail : "");
        r->phase = ev->phase;
        r->start = ev->start_ns;
        r->dur = ev->dur_ns;
        r->id = ev->id;
    } else {
        tr.dropped++;
    }
    pthread_mutex_unlock(&tr.lock);
}

void demo_trace_start(void)
{
    pthread_mutex_lock(&tr.lock);
    tr.stopped = false;
    pthread_mutex_unlock(&tr.lock);
    rt_trace_set(trace_sink, NULL);
}

void demo_trace_stop(void)
{
    rt_trace_set(NULL, NULL);
    pthread_mutex_lock(&tr.lock); /* a sink call still running finishes first */
    free(tr.v);
    tr.v = NULL;
    tr.n = tr.cap = tr.dropped = 0;
    tr.stopped = true;
    pthread_mutex_unlock(&tr.lock);
}

/* Track ids: one per isolate name, in order of first appearance. */
static int track_of(char (*names)[48], int *nnames, const char *name)
{
    for (int i = 0; i < *nnames; i++)
        if (!strcmp(names[i], name)) return i + 2;
    if (*nnames == 64) return 65;
    snprintf(names[*nnames], 48, "%s", name);
    return ++*nnames + 1;
}

/* s as a JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (size_t n = strlen(s), i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = utf8_seq(s + i, n - i);
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else if (k)
            fwrite(s + i, 1, k, f);
        else
            fputs("\\ufffd", f);
        i += k ? k : 1;
    }
    fputc('"', f);
}

static void span(FILE *f, bool *first, const char *name, int tid, int64_t start, int64_t dur)
{
    fprintf(f, "%s\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f}",
            *first ? "" : ",", name, tid, (double)start / 1e3, (double)dur / 1e3);
    *first = false;
}

/* One runtime record: a span, an instant, or an async begin or end. */
static void record(FILE *f, bool *first, const trace_rec *r, int tid)
{
    static const char phase[] = {[RT_TRACE_SPAN] = 'X',
                                 [RT_TRACE_INSTANT] = 'i',
                                 [RT_TRACE_ASYNC_BEGIN] = 'b',
                                 [RT_TRACE_ASYNC_END] = 'e'};
    fprintf(f, "%s\n{\"name\":", *first ? "" : ",");
    json_str(f, r->name);
    fprintf(f, ",\"ph\":\"%c\",\"pid\":1,\"tid\":%d,\"ts\":%.3f", phase[r->phase], tid,
            (double)r->start / 1e3);
    if (r->phase == RT_TRACE_SPAN) fprintf(f, ",\"dur\":%.3f", (double)r->dur / 1e3);
    if (r->phase == RT_TRACE_INSTANT) fprintf(f, ",\"s\":\"t\"");
    if (r->phase == RT_TRACE_ASYNC_BEGIN || r->phase == RT_TRACE_ASYNC_END)
        fprintf(f, ",\"cat\":\"async\",\"id\":\"0x%llx\"", (unsigned long long)r->id);
    if (r->detail[0]) {
        fprintf(f, ",\"args\":{\"detail\":");
        json_str(f, r->detail);
        fputc('}', f);
    }
    fputc('}', f);
    *first = false;
}

int demo_trace_write(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    static char names[64][48];
    int nnames = 0;
    bool first = true;
    fprintf(f, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
    /* Frames on track 1: the phases one after the other. */
    for (size_t i = 0; i < app.nframes; i++) {
        const ui_frame_timing *ft = &app.frames[i];
        int64_t s0 = ft->start_ns, s1 = s0 + ft->build_ns, s2 = s1 + ft->layout_ns,
                s3 = s2 + ft->paint_ns;
        span(f, &first, "frame", 1, s0, ft->total_ns);
        span(f, &first, "build", 1, s0, ft->build_ns);
        span(f, &first, "layout", 1, s1, ft->layout_ns);
        span(f, &first, "paint", 1, s2, ft->paint_ns);
        span(f, &first, "raster", 1, s3, ft->raster_ns);
    }
    pthread_mutex_lock(&tr.lock);
    for (size_t i = 0; i < tr.n; i++)
        record(f, &first, &tr.v[i], track_of(names, &nnames, tr.v[i].isolate));
    size_t dropped = tr.dropped;
    pthread_mutex_unlock(&tr.lock);
    fprintf(f,
            "%s\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,"
            "\"args\":{\"name\":\"main (frames)\"}}",
            first ? "" : ",");
    for (int i = 0; i < nnames; i++) {
        fprintf(
            f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"name\":",
            i + 2);
        json_str(f, names[i]);
        fprintf(f, "}}");
    }
    fprintf(f, "\n],\"otherData\":{\"dropped_events\":%zu}}\n", dropped);
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0) rc = -1;
    return rc;
}

/* ---- Isolate lanes ---- */

static lane *lane_for(const char *name)
{
    lane *free_lane = NULL;
    for (int i = 0; i < MAX_LANES; i++) {
        if (lanes[i].used && !strcmp(lanes[i].name, name)) return &lanes[i];
        if (!lanes[i].used && !free_lane) free_lane = &lanes[i];
    }
    if (!free_lane) return NULL;
    memset(free_lane, 0, sizeof *free_lane);
    free_lane->used = true;
    snprintf(free_lane->name, sizeof free_lane->name, "%.47s", name);
    return free_lane;
}

static void sample_lanes(void *ctx, int64_t now)
{
    (void)now;
    if (!app.sampling) return;
    rt_isolate_info info[16];
    size_t n = rt_isolate_snapshot(info, 16);
    size_t slot = lane_head++ % OVERLAY_FRAMES;
    for (int i = 0; i < MAX_LANES; i++)
        lanes[i].busy[slot] = 0;
    for (size_t i = 0; i < n && i < 16; i++) {
        if (!strcmp(info[i].name, "main")) continue;
        lane *l = lane_for(info[i].name);
        if (l) l->busy[slot] = info[i].stats.running;
    }
    /* A lane whose isolate is gone and that shows nothing is given up. */
    for (int i = 0; i < MAX_LANES; i++) {
        if (!lanes[i].used) continue;
        bool any = false, alive = false;
        for (int k = 0; k < OVERLAY_FRAMES; k++)
            any |= lanes[i].busy[k] != 0;
        for (size_t k = 0; k < n && k < 16; k++)
            alive |= !strcmp(info[k].name, lanes[i].name);
        if (!any && !alive) lanes[i].used = false;
    }
    ui_tree_after_frame(ctx, sample_lanes, ctx);
}

/* ---- Frame timing overlay ---- */

static ui_widget *label(ui_build *b, const char *s, float size)
{
    return ui_text(b, ui_strdup(b, s), size, ink);
}

/* A status line that wraps to the width it gets (at most three lines). */
static ui_widget *status(ui_build *b, const char *s)
{
    ui_text_props p = {
        .text = ui_strdup(b, s), .size = 14, .color = ink, .wrap = true, .max_lines = 3};
    return ui_text_ex(b, UI_NO_KEY, &p);
}

static ui_widget *rect(ui_build *b, float x, float y, float w, float h, ui_color c)
{
    ui_box_props p = {.width = w, .height = h, .color = c};
    return ui_positioned(b, x, y, ui_box(b, &p, NULL));
}

/* One graph: the last frames as bars (newest at the right) on a scale of
 * three budgets, a line at each budget. In the UI graph a bar is as tall as
 * the frame was slow or late, and red when the frame was janky, so the red
 * bars are the header's janky count; in the raster graph a bar is red when
 * present itself took over the budget. */
static ui_widget *graph(ui_build *b, const char *name, const ui_frame_timing *ft, size_t k,
                        bool raster)
{
    const float bw = 3, gh = 72, scale = gh / (3.0f * (float)BUDGET_NS);
    ui_widget **kids = ui_alloc(b, (k + 4) * sizeof *kids);
    size_t n = 0;
    kids[n++] = rect(b, 0, 0, bw * OVERLAY_FRAMES, gh, (ui_color){30, 32, 40, 230});
    double worst = 0, sum = 0;
    for (size_t i = 0; i < k; i++) {
        int64_t ns = raster ? ft[i].raster_ns : ft[i].build_ns + ft[i].layout_ns + ft[i].paint_ns;
        double ms = (double)ns / 1e6;
        sum += ms;
        if (ms > worst) worst = ms;
        int64_t shown = !raster && ft[i].late_ns > ns ? ft[i].late_ns : ns;
        float h = (float)shown * scale;
        if (h > gh) h = gh;
        if (h < 1) h = 1;
        bool red = raster ? ns > BUDGET_NS : janky(&ft[i]);
        ui_color c = red ? (ui_color){230, 60, 60, 255} : (ui_color){80, 200, 120, 255};
        kids[n++] = rect(b, bw * (float)(OVERLAY_FRAMES - 1 - i), gh - h, bw - 1, h, c);
    }
    for (int m = 1; m <= 2; m++)
        kids[n++] = rect(b, 0, gh - gh * (float)m / 3.0f, bw * OVERLAY_FRAMES, 1,
                         (ui_color){255, 255, 255, 140});
    char cap[120];
    snprintf(cap, sizeof cap, "%s  max %.1f ms  avg %.1f ms/frame", name, worst,
             k ? sum / (double)k : 0);
    ui_flex_props col = {.cross_align = UI_START, .spacing = 2};
    ui_widget *parts[] = {label(b, cap, 11),
                          ui_sized(b, bw * OVERLAY_FRAMES, gh, ui_stack(b, kids, n))};
    return ui_column(b, &col, parts, 2);
}

/* A lane: the isolate's name, then one cell per frame (newest at the
 * right), blue where the isolate was running. */
static ui_widget *isolate_lane(ui_build *b, const lane *l)
{
    const float bw = 3, lh = 8;
    ui_widget **kids = ui_alloc(b, (OVERLAY_FRAMES + 1) * sizeof *kids);
    size_t n = 0;
    kids[n++] = rect(b, 0, 0, bw * OVERLAY_FRAMES, lh, (ui_color){30, 32, 40, 230});
    size_t frames = lane_head < OVERLAY_FRAMES ? lane_head : OVERLAY_FRAMES;
    for (size_t age = 0; age < frames; age++) {
        size_t slot = (lane_head - 1 - age) % OVERLAY_FRAMES;
        if (l->busy[slot])
            kids[n++] = rect(b, bw * (float)(OVERLAY_FRAMES - 1 - age), 0, bw, lh,
                             (ui_color){90, 160, 255, 255});
    }
    char cap[80];
    snprintf(cap, sizeof cap, "%.47s busy", l->name);
    ui_flex_props col = {.cross_align = UI_START, .spacing = 2};
    ui_widget *parts[] = {label(b, cap, 11),
                          ui_sized(b, bw * OVERLAY_FRAMES, lh, ui_stack(b, kids, n))};
    return ui_column(b, &col, parts, 2);
}

static ui_widget *overlay(ui_build *b, ui_tree *t)
{
    ui_frame_timing ft[OVERLAY_FRAMES];
    size_t k = ui_tree_timings(t, ft, OVERLAY_FRAMES);
    size_t jank = 0;
    for (size_t i = 0; i < k; i++)
        jank += janky(&ft[i]);
    double fps = k > 1 ? (double)(k - 1) * 1e9 / (double)(ft[0].start_ns - ft[k - 1].start_ns) : 0;
    char head[120];
    snprintf(head, sizeof head, "%.0f fps, janky %zu of %zu (budget 16.7 ms)", fps, jank, k);
    ui_flex_props col = {.cross_align = UI_START, .spacing = 6};
    ui_widget *parts[3 + MAX_LANES];
    size_t np = 0;
    parts[np++] = label(b, head, 12);
    parts[np++] = graph(b, "UI (build+layout+paint)", ft, k, false);
    parts[np++] = graph(b, "raster (present)", ft, k, true);
    for (int i = 0; i < MAX_LANES; i++)
        if (lanes[i].used) parts[np++] = isolate_lane(b, &lanes[i]);
    ui_box_props bg = {.width = -1,
                       .height = -1,
                       .padding = 8,
                       .color = {240, 242, 248, 255},
                       .radius = 6,
                       .border_width = 1,
                       .border_color = {180, 184, 196, 255}};
    return ui_box(b, &bg, ui_column(b, &col, parts, np));
}

/* ---- Isolates panel ---- */

/* One line per isolate alive: name, running or idle, events handled, heap. */
static ui_widget *isolates_panel(ui_build *b)
{
    rt_isolate_info info[12];
    size_t n = rt_isolate_snapshot(info, 12);
    size_t shown = n < 12 ? n : 12;
    ui_widget **lines = ui_alloc(b, (shown + 1) * sizeof *lines);
    char head[64];
    snprintf(head, sizeof head, "isolates alive: %zu", n);
    lines[0] = ui_text(b, ui_strdup(b, head), 13, ink);
    for (size_t i = 0; i < shown; i++) {
        char line[256];
        snprintf(line, sizeof line, "%.47s: %s, %llu events, heap %.1f KiB", info[i].name,
                 info[i].stats.running ? "running" : "idle",
                 (unsigned long long)info[i].stats.events_handled,
                 (double)info[i].stats.heap_bytes / 1024.0);
        lines[i + 1] = ui_text(b, ui_strdup(b, line), 12, ink);
    }
    ui_flex_props col = {.cross_align = UI_START, .spacing = 2};
    return ui_column(b, &col, lines, shown + 1);
}

/* ---- The screen ---- */

static void overlay_button(void *ctx)
{
    (void)ctx;
    demo_toggle_overlay();
}

static ui_widget *screen_build(ui_build *b, ui_element *e)
{
    screen_state *s = ui_state(e);
    app.screen = ui_ref_of(e);
    char taps[48];
    snprintf(taps, sizeof taps, "taps: %d", app.taps);
    ui_color blue = {50, 120, 240, 255};
    ui_flex_props row = {.cross_align = UI_CENTER, .spacing = 12};
    ui_widget *counter[] = {
        label(b, taps, 18), ui_button(b, ui_key_str("tap"), "Tap me", tapped, NULL),
        ui_button(b, ui_key_str("overlay"), app.overlay ? "Hide overlay (P)" : "Show overlay (P)",
                  overlay_button, NULL)};
    ui_widget *work_buttons[] = {
        ui_button(b, ui_key_str("compute"), "Count primes with compute()",
                  s->task || s->main_pending ? NULL : start_compute, e),
        ui_button(b, ui_key_str("main"), "...on the main isolate",
                  s->task || s->main_pending ? NULL : on_main, e),
        ui_button(b, ui_key_str("cancel"), "Cancel", s->task ? cancel_compute : NULL, e)};
    ui_widget *net_row[5];
    size_t nn = 0;
    net_row[nn++] = ui_sized(b, 380, -1,
                             ui_text_field(b, ui_key_str("url"),
                                           &(ui_text_field_props){.initial = app.initial_url,
                                                                  .hint = "https://...",
                                                                  .size = 14,
                                                                  .on_submitted = url_submitted,
                                                                  .on_rejected = url_rejected,
                                                                  .ctx = e}));
    /* Buttons never swap under the pointer: Fetch (Retry after a failure)
     * stays put, disabled while a fetch runs, and Cancel is beside it, so a
     * double click does what the user means. */
    if (s->net_failed && !s->fetch)
        net_row[nn++] = ui_button(b, ui_key_str("retry"), "Retry", fetch, e);
    else
        net_row[nn++] = ui_button(b, ui_key_str("fetch"), "Fetch", s->fetch ? NULL : fetch, e);
    net_row[nn++] =
        ui_button(b, ui_key_str("cancel-fetch"), "Cancel", s->fetch ? cancel_fetch : NULL, e);
    net_row[nn++] =
        s->fetch ? ui_spinner(b, ui_key_str("netspin"), 24, blue) : ui_sized(b, 24, 24, NULL);
    ui_widget *net_status =
        status(b, s->net[0] ? s->net : "type a URL, then Fetch (or Enter in the field)");
    ui_widget *pic_row[] = {
        ui_button(b, ui_key_str("picture"), "Render a picture with compute()",
                  s->mandel && !rt_future_is_complete(s->mandel) ? NULL : start_mandel, e),
        ui_future_builder(b, ui_key_str("picture-view"), s->mandel, NULL, picture_view, s)};
    ui_widget *kids[] = {
        label(b, "Islet: isolates, an event loop, and a widget tree", 22),
        ui_row(b, &row, counter, 3),
        ui_row(b, &row,
               (ui_widget *[]){app.still ? ui_sized(b, 48, 48, NULL)
                                         : ui_spinner(b, ui_key_str("spin"), 48, blue),
                               label(b,
                                     app.still ? "spinner paused (S): nothing animates, the "
                                                 "loop sleeps"
                                               : "this spinner animates every frame (S pauses it)",
                                     14)},
               2),
        ui_row(b, &row, work_buttons, 3),
        ui_progress_bar(b, s->progress, 420, 10, (ui_color){0, 160, 80, 255}),
        status(b, s->work[0] ? s->work : "press a button: same work, two isolates"),
        ui_row(b, &row, net_row, nn),
        net_status,
        ui_row(b, &row, pic_row, 2),
        ui_row(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 24},
               (ui_widget *[]){isolates_panel(b), app.overlay ? overlay(b, ui_element_tree(e))
                                                              : ui_sized(b, 0, 0, NULL)},
               2),
    };
    ui_flex_props col = {.main_align = UI_START, .cross_align = UI_START, .spacing = 16};
    return ui_padding(b, 24, ui_column(b, &col, kids, sizeof kids / sizeof kids[0]));
}

/* The screen goes: what it started stops, and what it holds is released. Its
 * bound results, if they come, find no element. */
static void screen_dispose(ui_element *e)
{
    screen_state *s = ui_state(e);
    if (s->task) {
        rt_compute_task_cancel(s->task, false);
        rt_compute_task_release(s->task);
    }
    if (s->http) {
        rt_http_task_cancel(s->http);
        rt_http_task_release(s->http);
    }
    rt_future_release(s->primes);
    rt_future_release(s->fetch);
    rt_future_release(s->mandel); /* the pixels go with the picture's builder */
}

static const ui_widget_class screen_class = {.name = "DemoScreen",
                                             .state_size = sizeof(screen_state),
                                             .build = screen_build,
                                             .dispose = screen_dispose};

ui_widget *demo_root(ui_build *b, void *ctx)
{
    (void)ctx;
    return ui_widget_new(b, &screen_class, UI_NO_KEY, NULL, NULL, 0);
}

/* The overlay, the isolates panel and the statistics refresh ten times a
 * second. */
/* A summary of the isolates panel: names, states and the other isolates'
 * event counts (main's own count moves with every refresh). */
static uint64_t panel_signature(void)
{
    rt_isolate_info info[16];
    size_t n = rt_isolate_snapshot(info, 16);
    uint64_t h = 1469598103934665603ull ^ n;
    for (size_t i = 0; i < n && i < 16; i++) {
        bool is_main = !strcmp(info[i].name, "main");
        for (const char *c = info[i].name; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ull;
        h = (h ^ (is_main ? 0 : info[i].stats.events_handled)) * 1099511628211ull;
        h = (h ^ (is_main ? 0 : info[i].stats.running)) * 1099511628211ull;
    }
    return h;
}

static void refresh(rt_timer *tm, void *ctx)
{
    (void)tm;
    demo_collect(ctx);
    /* The overlay changes every frame; the panel only when the isolates do.
     * With neither, the loop stays asleep. */
    uint64_t sig = panel_signature();
    if (app.overlay || sig != app.panel_sig) rebuild();
    app.panel_sig = sig;
}

void demo_start(ui_tree *t, void *ctx)
{
    (void)ctx;
    if (!app.refresh) rt_timer_start(&app.refresh, RT_MS(100), RT_MS(100), refresh, t, NULL);
    if (!app.sampling) {
        app.sampling = true;
        ui_tree_after_frame(t, sample_lanes, t);
    }
}

void demo_stop(void)
{
    app.sampling = false;
    if (app.refresh) {
        rt_timer_cancel(app.refresh);
        rt_timer_free(app.refresh);
        app.refresh = NULL;
    }
    screen_state *s = screen_now(); /* the screen's dispose releases the rest */
    if (s && s->task) rt_compute_task_cancel(s->task, false);
    if (s && s->http) rt_http_task_cancel(s->http);
}

/* ---- Debug dump ---- */

/* A string in the dump: quoted, with quotes, backslashes and control
 * characters escaped, so every line parses the same way. */
static void put_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void dump(ui_element *e, int depth, FILE *f)
{
    const ui_widget_class *c = ui_element_class(e);
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    fprintf(f, "%*s%s", depth * 2, "", c->name ? c->name : "?");
    ui_key k = ui_element_key(e);
    const char *kn = ui_key_name(k);
    if (kn)
        fprintf(f, " key='%s'", kn);
    else if (k.kind == UI_KEY_KIND_INT)
        fprintf(f, " key=#%lld", (long long)k.v);
    if (c == &ui_text_class) {
        fputc(' ', f);
        put_escaped(f, ((const ui_text_props *)ui_props(e))->text);
    } else if (c == &ui_button_class) {
        const ui_button_props *p = ui_props(e);
        fputc(' ', f);
        put_escaped(f, p->label);
        if (!p->on_pressed) fputs(" disabled", f);
    } else if (c == &ui_text_field_class) {
        fputc(' ', f);
        put_escaped(f, ui_text_field_text(e, NULL));
    }
    if (ui_tree_get_focus(ui_element_tree(e)) == e) fputs(" focused", f);
    fprintf(f, " %.0f,%.0f,%.0f,%.0f\n", x, y, w, h);
    for (size_t i = 0; i < ui_element_child_count(e); i++)
        dump(ui_element_child(e, i), depth + 1, f);
}

static ui_element *find_key(ui_element *e, ui_key k)
{
    if (ui_key_eq(ui_element_key(e), k)) return e;
    for (size_t i = 0; i < ui_element_child_count(e); i++) {
        ui_element *r = find_key(ui_element_child(e, i), k);
        if (r) return r;
    }
    return NULL;
}

bool demo_press(ui_tree *t, const char *key)
{
    ui_element *r = ui_tree_root(t);
    ui_element *e = r ? find_key(r, ui_key_str(key)) : NULL;
    if (!e || ui_element_class(e) != &ui_button_class) return false;
    const ui_button_props *p = ui_props(e);
    if (!p->on_pressed) return false;
    p->on_pressed(p->ctx);
    return true;
}

void demo_dump_tree(ui_tree *t, FILE *f)
{
    ui_element *r = ui_tree_root(t);
    if (r) dump(r, 0, f);
    fflush(f);
}

void demo_key(ui_tree *t, int k, unsigned mods, void *ctx)
{
    (void)ctx;
    if (mods & (UI_MOD_CTRL | UI_MOD_ALT)) return; /* the shortcuts are plain letters */
    if (k == 'p') {
        demo_toggle_overlay();
    } else if (k == 's') {
        app.still = !app.still;
        rebuild();
    } else if (k == 'd')
        demo_dump_tree(t, stdout);
}
