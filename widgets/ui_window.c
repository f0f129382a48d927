/* ui_window.c: SDL window, SDL waiter, input to queue events, present. */
#include "ui_window.h"

#include <SDL.h>
#include <stdio.h>
#include <string.h>

typedef struct sdl_waiter {
    rt_waiter w; /* first */
    Uint32 wake_event;
} sdl_waiter;

typedef struct win {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Surface *surface; /* headless */
    ui_canvas *canvas;
    ui_tree *tree;
    sdl_waiter waiter;
    rt_receive_port *alive; /* keeps the main isolate running until quit */
    const ui_window_options *o;
    void *ctx;
    float scale;
} win;

static win *g_win; /* the one window of the main isolate */

static void handle_event(win *w, const SDL_Event *e);

static void run_sdl_event(void *ctx)
{
    if (g_win) handle_event(g_win, ctx);
    rt_free(ctx);
}

/* The waiter: SDL_WaitEventTimeout. Input becomes events on the main
 * isolate's queue, handled in order like any other event; the wake event
 * (SDL_PushEvent from another isolate) only ends the wait. */
static void sdl_wait(rt_waiter *self, int64_t timeout_ns)
{
    sdl_waiter *sw = (sdl_waiter *)self;
    int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
    SDL_Event ev;
    int got = ms < 0 ? SDL_WaitEvent(&ev) : SDL_WaitEventTimeout(&ev, ms);
    while (got) {
        if (ev.type != sw->wake_event) {
            SDL_Event *copy = rt_malloc(sizeof *copy);
            if (copy) {
                *copy = ev;
                if (rt_post(run_sdl_event, copy) != RT_OK) rt_free(copy);
            }
        }
        got = SDL_PollEvent(&ev);
    }
}

static void sdl_wake(rt_waiter *self)
{
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = ((sdl_waiter *)self)->wake_event;
    SDL_PushEvent(&ev); /* thread-safe */
}

void ui_window_quit(void)
{
    if (!g_win || !g_win->alive) return;
    rt_receive_port_close(g_win->alive);
    g_win->alive = NULL;
    /* Animations and pending work would keep the loop going: end it. */
    rt_isolate_exit(NULL, NULL);
}

static void quit_timer(rt_timer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    ui_window_quit();
}

static void handle_event(win *w, const SDL_Event *e)
{
    ui_tree *t = w->tree;
    switch (e->type) {
    case SDL_QUIT:
        ui_window_quit();
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT)
            ui_tree_pointer(t, e->type == SDL_MOUSEBUTTONDOWN ? UI_POINTER_DOWN : UI_POINTER_UP,
                            (float)e->button.x, (float)e->button.y);
        break;
    case SDL_MOUSEMOTION:
        ui_tree_pointer(t, e->motion.state & SDL_BUTTON_LMASK ? UI_POINTER_MOVE : UI_POINTER_HOVER,
                        (float)e->motion.x, (float)e->motion.y);
        break;
    case SDL_MOUSEWHEEL: {
        int x, y;
        SDL_GetMouseState(&x, &y);
        ui_tree_scroll(t, (float)x, (float)y, (float)-e->wheel.y * 40);
        break;
    }
    case SDL_KEYDOWN: {
        SDL_Keycode k = e->key.keysym.sym;
        bool ctrl = e->key.keysym.mod & KMOD_CTRL, shift = e->key.keysym.mod & KMOD_SHIFT;
        if (k == SDLK_ESCAPE || (ctrl && k == SDLK_q))
            ui_window_quit();
        else if (k == SDLK_TAB)
            ui_tree_key(t, shift ? UI_KEY_BACKTAB : UI_KEY_TAB);
        else if (k == SDLK_RETURN || k == SDLK_KP_ENTER)
            ui_tree_key(t, UI_KEY_ENTER);
        else if (k == SDLK_SPACE)
            ui_tree_key(t, UI_KEY_SPACE);
        else if (w->o->on_key)
            w->o->on_key(t, k, w->ctx);
        break;
    }
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            ui_tree_set_size(t, (float)e->window.data1, (float)e->window.data2);
        break;
    default:
        break;
    }
}

static void paint_begin(void *ctx)
{
    win *w = ctx;
    ui_canvas_clear(w->canvas, (ui_color){245, 246, 250, 255});
}

static void paint_end(void *ctx)
{
    ui_canvas_present(((win *)ctx)->canvas);
}

static void on_alive(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
}

static int open_sdl(win *w, const ui_window_options *o)
{
    if (o->headless) {
        w->canvas = ui_canvas_new_offscreen(o->width, o->height, 1);
        w->scale = 1;
        return w->canvas ? 0 : -1;
    }
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        fprintf(stderr, "islet: cannot start SDL video: %s\n", SDL_GetError());
        return -1;
    }
    w->window = SDL_CreateWindow(o->title ? o->title : "Islet", SDL_WINDOWPOS_CENTERED,
                                 SDL_WINDOWPOS_CENTERED, o->width, o->height,
                                 SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!w->window) {
        fprintf(stderr, "islet: cannot open a window: %s\n", SDL_GetError());
        return -1;
    }
    SDL_SetWindowMinimumSize(w->window, 480, 360);
    w->renderer =
        SDL_CreateRenderer(w->window, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!w->renderer) w->renderer = SDL_CreateRenderer(w->window, -1, SDL_RENDERER_SOFTWARE);
    if (!w->renderer) {
        fprintf(stderr, "islet: cannot create a renderer: %s\n", SDL_GetError());
        return -1;
    }
    int pw, ph;
    SDL_GetRendererOutputSize(w->renderer, &pw, &ph);
    w->scale = (float)pw / (float)o->width;
    w->canvas = ui_canvas_new_for_renderer(w->renderer, w->scale);
    return w->canvas ? 0 : -1;
}

static void close_sdl(win *w)
{
    ui_canvas_free(w->canvas);
    if (w->renderer) SDL_DestroyRenderer(w->renderer);
    if (w->window) SDL_DestroyWindow(w->window);
    if (!w->o->headless) SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    SDL_Quit();
}

static void save_screenshot(win *w, const char *path)
{
    SDL_Surface *s = NULL;
    if (w->o->headless) {
        s = ui_canvas_surface(w->canvas);
        if (SDL_SaveBMP(s, path) != 0) fprintf(stderr, "islet: screenshot: %s\n", SDL_GetError());
        return;
    }
    int pw, ph;
    SDL_GetRendererOutputSize(w->renderer, &pw, &ph);
    s = SDL_CreateRGBSurfaceWithFormat(0, pw, ph, 32, SDL_PIXELFORMAT_ARGB8888);
    if (s &&
        SDL_RenderReadPixels(w->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0)
        SDL_SaveBMP(s, path);
    SDL_FreeSurface(s);
}

/* Without vsync (headless, or a renderer that cannot wait for the display)
 * a timer at the display's refresh rate paces the frames (60 Hz when
 * unknown); with vsync, present does. */
static int64_t frame_interval(const win *w)
{
    SDL_RendererInfo info;
    if (w->renderer && SDL_GetRendererInfo(w->renderer, &info) == 0 &&
        (info.flags & SDL_RENDERER_PRESENTVSYNC))
        return 0;
    int hz = 60;
    SDL_DisplayMode m;
    if (w->window && SDL_GetCurrentDisplayMode(SDL_GetWindowDisplayIndex(w->window), &m) == 0 &&
        m.refresh_rate > 0)
        hz = m.refresh_rate;
    return 1000000000LL / hz;
}

int ui_window_run(const ui_window_options *o, ui_widget *(*root)(ui_build *b, void *ctx), void *ctx)
{
    win w = {.o = o, .ctx = ctx};
    if (open_sdl(&w, o) != 0) {
        close_sdl(&w);
        return 1;
    }
    rt_isolate_options io = {.name = "main"};
    if (!o->headless) {
        w.waiter.w.wait = sdl_wait;
        w.waiter.w.wake = sdl_wake;
        w.waiter.wake_event = SDL_RegisterEvents(1);
        io.waiter = &w.waiter.w;
    }
    if (rt_main_enter(&io) != 0) {
        close_sdl(&w);
        return 1;
    }
    g_win = &w;
    w.tree = ui_tree_new((float)o->width, (float)o->height, w.canvas);
    ui_tree_set_paint_hooks(w.tree, paint_begin, paint_end, &w);
    ui_tree_set_frame_interval(w.tree, frame_interval(&w));
    w.alive = rt_receive_port_open(on_alive, NULL, NULL);
    ui_tree_set_root(w.tree, root, ctx);
    if (o->exit_after_ns > 0) rt_timer_start(NULL, o->exit_after_ns, 0, quit_timer, NULL, NULL);
    if (o->on_start) o->on_start(w.tree, ctx);
    while (rt_run(RT_RUN_DEFAULT)) {
    }
    if (o->screenshot) {
        /* Paint once more so the screenshot shows the final state. */
        ui_tree_set_size(w.tree, (float)o->width, (float)o->height);
        ui_tree_frame(w.tree);
        save_screenshot(&w, o->screenshot);
    }
    if (o->on_exit) o->on_exit(w.tree, ctx);
    ui_tree_free(w.tree);
    g_win = NULL;
    rt_main_leave();
    close_sdl(&w);
    return 0;
}
