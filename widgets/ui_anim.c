/* ui_anim.c: animation controllers, the spinner and the progress bar. */
#include <islet/ui_anim.h>

#include <math.h>

struct ui_anim {
    struct ui_anim *next_active; /* in the list of running tickers */
    ui_element *owner;
    int64_t duration, start;
    ui_curve curve;
    bool repeat, running;
    bool paint_only; /* ticks repaint the owner, not rebuild it */
    float t;         /* linear progress in [0, 1] */
    rt_timer *ticker;
};

static size_t active;
static ui_anim *active_list; /* running tickers, to name them in reports */

static void list_remove(ui_anim *a)
{
    for (ui_anim **p = &active_list; *p; p = &(*p)->next_active)
        if (*p == a) {
            *p = a->next_active;
            return;
        }
}

float ui_curve_linear(float t)
{
    return t;
}

float ui_curve_ease_in_out(float t)
{
    return t < 0.5f ? 2 * t * t : 1 - powf(-2 * t + 2, 2) / 2;
}

static void stop_ticker(ui_anim *a)
{
    if (!a->ticker) return;
    rt_timer_free(a->ticker);
    a->ticker = NULL;
    ui_tree_animation(ui_element_tree(a->owner), false);
    active--;
    list_remove(a);
}

static void tick(rt_timer *tm, void *ctx)
{
    (void)tm;
    ui_anim *a = ctx;
    rt_event_label("animation tick");
    int64_t elapsed = rt_now() - a->start;
    float t = a->duration > 0 ? (float)((double)elapsed / (double)a->duration) : 1;
    if (a->repeat) {
        t -= floorf(t);
    } else if (t >= 1) {
        t = 1;
        a->running = false;
        stop_ticker(a);
    }
    a->t = t;
    if (a->paint_only)
        ui_mark_needs_paint(a->owner);
    else
        ui_set_state(a->owner, NULL, NULL);
}

ui_anim *ui_anim_new(ui_element *owner, int64_t duration_ns, ui_curve curve, bool repeat)
{
    ui_anim *a = rt_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->owner = owner;
    a->duration = duration_ns;
    a->curve = curve ? curve : ui_curve_linear;
    a->repeat = repeat;
    return a;
}

void ui_anim_free(ui_anim *a)
{
    if (!a) return;
    stop_ticker(a);
    rt_free(a);
}

void ui_anim_start(ui_anim *a)
{
    stop_ticker(a);
    a->start = rt_now();
    a->t = 0;
    a->running = true;
    if (rt_timer_start(&a->ticker, UI_FRAME_NS, UI_FRAME_NS, tick, a, NULL) == RT_OK) {
        ui_tree_animation(ui_element_tree(a->owner), true);
        active++;
        a->next_active = active_list;
        active_list = a;
    } else {
        a->ticker = NULL;
    }
}

void ui_anim_stop(ui_anim *a)
{
    a->running = false;
    stop_ticker(a);
}

void ui_anim_set_paint_only(ui_anim *a, bool paint_only)
{
    a->paint_only = paint_only;
}

bool ui_anim_running(const ui_anim *a)
{
    return a->running;
}

float ui_anim_value(const ui_anim *a)
{
    return a->curve(a->t);
}

size_t ui_anim_active(void)
{
    return active;
}

const char *ui_anim_active_owner(size_t i)
{
    ui_anim *a = active_list;
    while (a && i--)
        a = a->next_active;
    return a ? ui_element_class(a->owner)->name : NULL;
}

/* ---- Spinner: a stateful component owning a repeating controller ---- */

typedef struct spinner_props {
    float size;
    ui_color color;
} spinner_props;

typedef struct spinner_state {
    ui_anim *anim;
} spinner_state;

/* The arc reads the controller when it paints, so a tick needs no build. */
typedef struct arc_props {
    float size;
    ui_color color;
    const ui_anim *anim;
} arc_props;

static ui_size arc_layout(ui_element *e, ui_constraints c)
{
    const arc_props *p = ui_props(e);
    return ui_constrain(c, (ui_size){p->size, p->size});
}

static void arc_paint(ui_element *e, void *canvas, float x, float y)
{
    const arc_props *p = ui_props(e);
    float r = p->size / 2, angle = p->anim ? ui_anim_value(p->anim) * 6.2831853f : 0;
    ui_canvas_arc_capped(canvas, x + r, y + r, r - 3, 4, angle, angle + 4.7f, UI_CAP_ROUND,
                         p->color);
}

static const ui_widget_class arc_class = {.name = "SpinnerArc",
                                          .props_size = sizeof(arc_props),
                                          .layout = arc_layout,
                                          .paint = arc_paint};

static void spinner_init(ui_element *e)
{
    spinner_state *s = ui_state(e);
    s->anim = ui_anim_new(e, RT_SEC(1), ui_curve_linear, true);
    if (!s->anim) return;
    ui_anim_set_paint_only(s->anim, true);
    ui_anim_start(s->anim);
}

static void spinner_dispose(ui_element *e)
{
    spinner_state *s = ui_state(e);
    ui_anim_free(s->anim); /* the ticker stops with the widget */
}

static ui_widget *spinner_build(ui_build *b, ui_element *e)
{
    const spinner_props *p = ui_props(e);
    spinner_state *s = ui_state(e);
    arc_props a = {p->size, p->color, s->anim};
    /* Not a repaint boundary: its picture changes every frame, so a cached
     * one would be thrown away at once (on the software renderer a layer
     * costs a read-back per frame: 15% of the demo's CPU, measured). A tick
     * marks only the arc for paint, which repaints just its rectangle. */
    return ui_widget_new(b, &arc_class, UI_NO_KEY, &a, NULL, 0);
}

const ui_widget_class ui_spinner_class = {.name = "Spinner",
                                          .props_size = sizeof(spinner_props),
                                          .state_size = sizeof(spinner_state),
                                          .init_state = spinner_init,
                                          .dispose = spinner_dispose,
                                          .build = spinner_build};

ui_widget *ui_spinner(ui_build *b, ui_key key, float size, ui_color color)
{
    spinner_props p = {size, color};
    return ui_widget_new(b, &ui_spinner_class, key, &p, NULL, 0);
}

/* ---- Progress bar ---- */

typedef struct progress_props {
    float value, width, height;
    ui_color color;
} progress_props;

static ui_size progress_layout(ui_element *e, ui_constraints c)
{
    const progress_props *p = ui_props(e);
    return ui_constrain(c, (ui_size){p->width, p->height});
}

static void progress_paint(ui_element *e, void *canvas, float x, float y)
{
    const progress_props *p = ui_props(e);
    ui_size sz = ui_element_size(e);
    float w = sz.w, h = sz.h;
    float v = p->value < 0 ? 0 : (p->value > 1 ? 1 : p->value);
    ui_canvas_fill_rounded_rect(canvas, (ui_rect){x, y, w, h}, h / 2,
                                (ui_color){220, 220, 230, 255});
    if (v > 0) ui_canvas_fill_rounded_rect(canvas, (ui_rect){x, y, w * v, h}, h / 2, p->color);
}

const ui_widget_class ui_progress_class = {.name = "ProgressBar",
                                           .props_size = sizeof(progress_props),
                                           .layout = progress_layout,
                                           .paint = progress_paint};

ui_widget *ui_progress_bar(ui_build *b, float value, float width, float height, ui_color color)
{
    progress_props p = {value, width, height, color};
    return ui_widget_new(b, &ui_progress_class, UI_NO_KEY, &p, NULL, 0);
}
