/* picture.c: a Mandelbrot picture rendered by compute(). The pixels are a
 * transferable buffer: returning it moves it to the main isolate in O(1),
 * no copy, and a FutureBuilder shows it at its real resolution. */
#include "panels.h"
#include <islet/ui_async_widgets.h>

#include <stdio.h>

#define PIC_W 240
#define PIC_H 120
#define PIC_ITER 400

typedef struct picture_state {
    rt_future *mandel; /* the last render, pending or done */
    int64_t t0, ms;    /* when it started; how long it took (0: not yet) */
    uint64_t version;  /* one per render: the image's texture follows it */
} picture_state;

static uint32_t colour(int i)
{
    if (i == PIC_ITER) return 0x141428ffu; /* inside the set */
    uint32_t r = (uint32_t)(i * 9 % 256), g = (uint32_t)(i * 3 % 256),
             b = (uint32_t)(120 + i * 5 % 136);
    return r << 24 | g << 16 | b << 8 | 0xffu;
}

/* Runs on a pool isolate. */
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
            while (i < PIC_ITER && zr * zr + zi * zi < 4) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                i++;
            }
            px[y * PIC_W + x] = colour(i);
        }
    return buf;
}

static void render_pressed(void *ctx)
{
    demo_tapped("Render a picture");
    ui_element *e = ctx;
    picture_state *s = ui_state(e);
    rt_future_release(s->mandel);
    s->version++;
    s->t0 = rt_monotonic_ns();
    s->ms = 0;
    s->mandel = rt_compute(mandel_fn, NULL);
    ui_set_state(e, NULL, NULL);
}

/* The picture's place before the first render: nothing moves when it comes. */
static ui_widget *placeholder(ui_build *b)
{
    ui_box_props p = {.width = PIC_W, .height = PIC_H, .color = {228, 231, 238, 255}, .radius = 4};
    return ui_box(b, &p, NULL);
}

/* The FutureBuilder's builder: the button, the image and a line about it,
 * from the snapshot (so a finished render enables the button again). Its
 * element holds the future, so the pixels live as long as they are shown.
 * ctx is the panel (the builder is below it). */
static ui_widget *picture_view(ui_build *b, ui_element *e, const ui_snapshot *snap, void *ctx)
{
    (void)e;
    picture_state *s = ui_state(ctx);
    char text[200] = "a 240x120 Mandelbrot set, rendered on a background isolate";
    size_t len = 0;
    const uint32_t *px = snap->data ? rt_value_buffer_data((rt_value *)snap->data, &len) : NULL;
    bool error = snap->error != NULL, waiting = snap->state == UI_CONN_WAITING;
    if (px && len != (size_t)PIC_W * PIC_H * 4) px = NULL;
    if (waiting) {
        snprintf(text, sizeof text, "rendering in a background isolate...");
    } else if (error) {
        snprintf(text, sizeof text, "picture: %s", snap->error->message);
    } else if (px) {
        if (!s->ms) s->ms = (rt_monotonic_ns() - s->t0) / 1000000 + 1;
        snprintf(text, sizeof text,
                 "%dx%d pixels computed in a background isolate in %lld ms; the %d-byte "
                 "buffer moved here without a copy",
                 PIC_W, PIC_H, (long long)s->ms, PIC_W * PIC_H * 4);
    }
    ui_text_props tp = {.text = ui_strdup(b, text),
                        .size = 12,
                        .color = error ? demo_error : demo_ink,
                        .wrap = true,
                        .max_lines = 4};
    ui_widget *kids[] = {ui_button(b, ui_key_str("picture"), "Render a picture with compute()",
                                   waiting ? NULL : render_pressed, ctx),
                         px ? ui_image_versioned(b, px, PIC_W, PIC_H, s->version, PIC_W, PIC_H)
                            : placeholder(b),
                         ui_sized(b, 250, -1, ui_text_ex(b, UI_NO_KEY, &tp))};
    return ui_row(b, &(ui_flex_props){.cross_align = UI_START, .spacing = 12}, kids, 3);
}

static ui_widget *picture_build(ui_build *b, ui_element *e)
{
    picture_state *s = ui_state(e);
    return ui_future_builder(b, ui_key_str("picture-view"), s->mandel, NULL, picture_view, e);
}

static void picture_dispose(ui_element *e)
{
    rt_future_release(((picture_state *)ui_state(e))->mandel); /* the pixels go with the view */
}

const ui_widget_class picture_panel_class = {.name = "PicturePanel",
                                             .state_size = sizeof(picture_state),
                                             .build = picture_build,
                                             .dispose = picture_dispose};

ui_widget *picture_panel(ui_build *b, ui_key key)
{
    return ui_widget_new(b, &picture_panel_class, key, NULL, NULL, 0);
}

rt_future *picture_panel_future(ui_element *panel)
{
    return ((picture_state *)ui_state(panel))->mandel;
}
