/* network.c: an HTTP request on the network isolate. The tap starts it and
 * the loop goes on; the response comes back as a port message that
 * completes the future, and the panel rebuilds. */
#include "panels.h"
#include <islet/rt_http.h>
#include <islet/ui_anim.h>
#include <islet/ui_text_field.h>

#include <stddef.h>
#include <stdio.h>

typedef struct network_props {
    const char *initial_url; /* the field's first text; then the field has it */
} network_props;

typedef struct network_state {
    rt_http_task *http; /* the running request, or NULL */
    rt_future *fetch;   /* its response (a reference for demo_future) */
    bool failed;        /* the last request failed: Retry */
    bool refetch;       /* fetch again once the running request has ended */
    bool pressed;       /* a press started a fetch, at pressed_at (rt_now()) */
    int64_t pressed_at;
    char status[200];
} network_state;

static void fetch(ui_element *e);

static void describe_response(network_state *s, const rt_value *r)
{
    size_t len;
    rt_http_body(r, &len);
    snprintf(s->status, sizeof s->status,
             "HTTP %d, %zu bytes, %.1f ms (dns %.1f, connect %.1f, tls %.1f, first byte %.1f)",
             rt_http_status(r), len, (double)rt_http_timing_us(r, "total") / 1000.0,
             (double)rt_http_timing_us(r, "dns") / 1000.0,
             (double)rt_http_timing_us(r, "connect") / 1000.0,
             (double)rt_http_timing_us(r, "tls") / 1000.0,
             (double)rt_http_timing_us(r, "first_byte") / 1000.0);
}

/* Bound to the panel: runs in the event that brought the response. */
static void fetched(ui_element *e, rt_future *f, void *ctx)
{
    (void)ctx;
    network_state *s = ui_state(e);
    const rt_error *err = rt_future_get_error(f);
    bool cancelled = err && err->code == RT_ECANCELLED; /* asked for: not a failure */
    s->failed = err && !cancelled;
    if (cancelled)
        snprintf(s->status, sizeof s->status, "cancelled");
    else if (err)
        snprintf(s->status, sizeof s->status, "error: %s", err->message);
    else
        describe_response(s, rt_future_get_value(f));
    rt_http_task_release(s->http);
    s->http = NULL;
    rt_future_release(s->fetch);
    s->fetch = NULL;
    if (s->refetch) {
        s->refetch = false;
        fetch(e);
    }
}

/* What the URL field holds now (a lookup below the panel, nothing kept). */
static const char *url_now(ui_element *e)
{
    ui_element *f = demo_find_key(e, ui_key_str("url"));
    return f ? ui_text_field_text(f, NULL) : ((const network_props *)ui_props(e))->initial_url;
}

static void fetch(ui_element *e)
{
    network_state *s = ui_state(e);
    if (s->fetch) return;
    const char *url = url_now(e);
    s->fetch = rt_http_request("GET", url, NULL, 0, NULL, &s->http);
    s->failed = !s->fetch;
    if (s->fetch) {
        char shown[151];
        rt_utf8_copy(shown, sizeof shown, url);
        snprintf(s->status, sizeof s->status, "fetching %s ...", shown);
        ui_bind_future(e, rt_future_dup(s->fetch), fetched, NULL);
    } else {
        snprintf(s->status, sizeof s->status, "error: out of memory");
    }
    ui_set_state(e, NULL, NULL);
}

/* Flutter's kDoubleTapTimeout: a second press this soon after the one that
 * started a fetch is the end of a double click, not a new request, even
 * when the first failed at once and Retry took Fetch's place. */
#define DOUBLE_CLICK_NS RT_MS(300)

static void fetch_pressed(void *ctx)
{
    network_state *s = ui_state(ctx);
    if (s->pressed && rt_now() - s->pressed_at < DOUBLE_CLICK_NS) {
        demo_tapped("2nd click ignored");
        return;
    }
    demo_tapped(s->failed ? "Retry" : "Fetch");
    s->pressed = true;
    s->pressed_at = rt_now();
    fetch(ctx);
}

static void cancel_pressed(void *ctx)
{
    demo_tapped("Cancel fetch");
    network_state *s = ui_state(ctx);
    if (s->http) rt_http_task_cancel(s->http);
}

/* Enter in the field: fetch it; during a fetch, cancel that one first. */
static void url_submitted(void *ctx, const char *text, size_t len)
{
    (void)text; /* fetch reads the field */
    (void)len;
    rt_event_label("submit: URL");
    network_state *s = ui_state(ctx);
    if (!s->fetch) {
        fetch(ctx);
        return;
    }
    s->refetch = true;
    rt_http_task_cancel(s->http);
}

static void url_rejected(void *ctx, int code)
{
    network_state *s = ui_state(ctx);
    snprintf(s->status, sizeof s->status, "%s",
             code == RT_EILSEQ ? "URL unchanged: the text is not valid UTF-8"
                               : "URL unchanged: it would be longer than the field allows");
    ui_set_state(ctx, NULL, NULL);
}

static ui_widget *network_build(ui_build *b, ui_element *e)
{
    network_state *s = ui_state(e);
    const network_props *p = ui_props(e);
    ui_text_field_props field = {.initial = p->initial_url,
                                 .hint = "https://...",
                                 .size = 14,
                                 .on_submitted = url_submitted,
                                 .on_rejected = url_rejected,
                                 .ctx = e};
    /* Buttons never swap under the pointer: Fetch (Retry after a failure)
     * stays put, disabled while a fetch runs, with Cancel beside it, so a
     * double click does what the user means. */
    bool retry = s->failed && !s->fetch;
    ui_widget *row[] = {
        ui_sized(b, 280, -1, ui_text_field(b, ui_key_str("url"), &field)),
        ui_button(b, ui_key_str(retry ? "retry" : "fetch"), retry ? "Retry" : "Fetch",
                  s->fetch ? NULL : fetch_pressed, e),
        ui_button(b, ui_key_str("cancel-fetch"), "Cancel", s->fetch ? cancel_pressed : NULL, e),
        s->fetch ? ui_spinner(b, ui_key_str("netspin"), 24, demo_blue) : ui_sized(b, 24, 24, NULL)};
    ui_widget *kids[] = {
        ui_row(b, &(ui_flex_props){.cross_align = UI_CENTER, .spacing = 12}, row, 4),
        demo_status(b, ui_key_str("net-status"),
                    s->status[0] ? s->status : "type a URL, then Fetch (or Enter in the field)",
                    s->failed)};
    return ui_column(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 10}, kids, 2);
}

/* The panel goes: its request is cancelled; a late response finds no element. */
static void network_dispose(ui_element *e)
{
    network_state *s = ui_state(e);
    if (s->http) {
        rt_http_task_cancel(s->http);
        rt_http_task_release(s->http);
    }
    rt_future_release(s->fetch);
}

const ui_widget_class network_panel_class = {
    .name = "NetworkPanel",
    .props_size = sizeof(network_props),
    .state_size = sizeof(network_state),
    .build = network_build,
    .dispose = network_dispose,
    .string_fields = {offsetof(network_props, initial_url)},
    .nstring_fields = 1};

ui_widget *network_panel(ui_build *b, ui_key key, const char *initial_url)
{
    network_props p = {initial_url ? initial_url : "https://example.com"};
    return ui_widget_new(b, &network_panel_class, key, &p, NULL, 0);
}

rt_future *network_panel_future(ui_element *panel)
{
    return ((network_state *)ui_state(panel))->fetch;
}
