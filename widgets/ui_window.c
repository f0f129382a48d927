/* ui_window.c: SDL window, SDL waiter, input to queue events, present. */
#include <islet/ui_window.h>

#include <islet/ui_gesture.h>
#include <islet/ui_image.h>

#include "ui_check.h"

#include <SDL.h>
#include <dlfcn.h>
#include <stdatomic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Last: Xlib's types and macros (None, Bool, ...), for the X11 section. */
#include <SDL_syswm.h>

typedef struct sdl_waiter {
    rt_waiter w; /* first */
    Uint32 wake_event;
    Uint64 last_pump; /* SDL_GetTicks64 of the last look at the input */
} sdl_waiter;

typedef struct win {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Surface *surface; /* headless */
    ui_canvas *canvas;
    SDL_Texture *back; /* the retained back buffer the frames paint into */
    int back_w, back_h;
    /* A software rasterizer: paint into the window's own surface (it keeps
     * its pixels) and send only the damaged rectangles to the screen. */
    bool surface_mode;
    SDL_Rect damage[8];
    int ndamage; /* -1: the whole window */
    ui_tree *tree;
    sdl_waiter waiter;
    rt_receive_port *alive; /* keeps the main isolate running until quit */
    const ui_window_options *o;
    void *ctx;
    float scale;
    int64_t interval;                  /* the frame pacing while visible (0: vsync) */
    SDL_Cursor *arrow, *ibeam, *shown; /* the I-beam over text fields */
    ui_element *ime_for;               /* the text input the IME box was placed for */
    bool hidden;                       /* minimised or hidden: frames are not presented */
    bool gone;                         /* destroyed from outside: nothing to present to */
} win;

static win *g_win; /* the one window of the main isolate */

static void handle_event(win *w, const SDL_Event *e);

/* ---- A window destroyed from outside (X11) ----
 * `xdotool windowclose`, a window manager or another client can destroy
 * the window under us. SDL goes on making requests on it, which fail with
 * BadWindow or BadDrawable, and Xlib's default error handler prints the
 * first and calls exit(1): no on_exit, no statistics, no trace. A handler
 * of ours notes "gone" instead (as does the DestroyNotify that SDL passes
 * on as an SDL_SYSWMEVENT), ignores the errors that follow, and the loop
 * quits as if the window had been closed.
 *
 * It is installed before SDL_Init: SDL's own handler (which puts the
 * display mode back, then calls the one it found) then calls ours, and SDL
 * reinstalls ours, not the exiting default, before it closes the display,
 * whose last sync reports the errors of tearing down the dead window.
 * libX11 is SDL's (linked or loaded by it); Islet looks up the one function
 * it needs with dlsym rather than link it. The handler is per process, as
 * Xlib's is, and may run on any thread that reads the connection. */
#if defined(SDL_VIDEO_DRIVER_X11)
typedef int (*x11_error_fn)(Display *d, XErrorEvent *e);
typedef x11_error_fn (*x11_set_error_fn)(x11_error_fn fn);

static struct {
    void *lib; /* our reference to libX11 */
    x11_set_error_fn set_error;
    x11_error_fn prev;   /* what was there: Xlib's default, which exits */
    atomic_ulong window; /* our window's XID, 0 while there is none */
    atomic_bool gone;
} g_x11;

static int x11_on_error(Display *d, XErrorEvent *e)
{
    unsigned long ours = atomic_load(&g_x11.window);
    if (ours && e->resourceid == ours &&
        (e->error_code == BadWindow || e->error_code == BadDrawable))
        atomic_store(&g_x11.gone, true);
    /* Once it is gone, every request SDL makes on it fails until the end
     * (presents, focus, its destruction): none of that is news. */
    if (atomic_load(&g_x11.gone)) return 0;
    return g_x11.prev ? g_x11.prev(d, e) : 0;
}

static void x11_install(void)
{
    atomic_store(&g_x11.window, 0);
    atomic_store(&g_x11.gone, false);
    if (!getenv("DISPLAY")) return; /* SDL will not use X11 */
    g_x11.lib = dlopen("libX11.so.6", RTLD_LAZY | RTLD_LOCAL);
    if (g_x11.lib) g_x11.set_error = (x11_set_error_fn)dlsym(g_x11.lib, "XSetErrorHandler");
    if (g_x11.set_error) g_x11.prev = g_x11.set_error(x11_on_error);
}

/* After SDL_CreateWindow: the XID to watch, and DestroyNotify passed on. */
static void x11_watch(SDL_Window *window)
{
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!g_x11.set_error || !SDL_GetWindowWMInfo(window, &info) || info.subsystem != SDL_SYSWM_X11)
        return;
    atomic_store(&g_x11.window, (unsigned long)info.info.x11.window);
    SDL_EventState(SDL_SYSWMEVENT, SDL_ENABLE);
}

/* An SDL_SYSWMEVENT (valid only until the next SDL_PollEvent). */
static void x11_event(const SDL_Event *ev)
{
    const SDL_SysWMmsg *m = ev->syswm.msg;
    unsigned long ours = atomic_load(&g_x11.window);
    if (m && m->subsystem == SDL_SYSWM_X11 && m->msg.x11.event.type == DestroyNotify && ours &&
        m->msg.x11.event.xdestroywindow.window == ours)
        atomic_store(&g_x11.gone, true);
}

static bool x11_gone(void)
{
    return atomic_load(&g_x11.gone);
}

/* After SDL_Quit: Xlib's handler as it was; our reference dropped. */
static void x11_uninstall(void)
{
    if (g_x11.set_error) g_x11.set_error(g_x11.prev);
    if (g_x11.lib) dlclose(g_x11.lib);
    g_x11.lib = NULL;
    g_x11.set_error = NULL;
    g_x11.prev = NULL;
    atomic_store(&g_x11.window, 0);
}
#else
static void x11_install(void) {}
static void x11_watch(SDL_Window *window)
{
    (void)window;
}
static void x11_event(const SDL_Event *ev)
{
    (void)ev;
}
static bool x11_gone(void)
{
    return false;
}
static void x11_uninstall(void) {}
#endif

static void window_gone(void *ctx)
{
    (void)ctx;
    ui_window_quit();
}

/* Seen from the waiter, outside any event: the quit is posted, to run as
 * an event of its own, as a close does. */
static void notice_gone(void)
{
    if (!g_win || g_win->gone || !x11_gone()) return;
    g_win->gone = true;
    if (rt_post(window_gone, NULL) != RT_OK) ui_window_quit();
}

/* An SDL event as queued on the main isolate, with when it was taken. */
typedef struct queued_event {
    SDL_Event ev;
    int64_t arrival_ns; /* rt_monotonic_ns when SDL_PollEvent returned it */
    Uint32 ticks;       /* SDL_GetTicks then, to age the event's timestamp */
} queued_event;

/* When an input event happened, on the monotonic clock: SDL stamps it in
 * milliseconds of SDL_GetTicks when it takes it from the system, a clock
 * of its own; its age by that clock, when it arrived, is taken off the
 * arrival time. Whole milliseconds: up to 1 ms off either way, and never
 * after the arrival. Events without a timestamp: the arrival. */
static int64_t event_time(const queued_event *q)
{
    Uint32 stamp = q->ev.common.timestamp;
    if (!stamp) return q->arrival_ns;
    Uint32 age_ms = q->ticks - stamp; /* unsigned: right across the 49-day wrap */
    if (age_ms > 60000) return q->arrival_ns;
    return q->arrival_ns - (int64_t)age_ms * 1000000;
}

static void run_sdl_event(void *ctx)
{
    queued_event *q = ctx;
    if (g_win) {
        ui_tree_input_time(g_win->tree, event_time(q), q->arrival_ns);
        handle_event(g_win, &q->ev);
        ui_tree_input_time(g_win->tree, 0, 0);
    }
    rt_free(q);
}

/* SDL events become events on the main isolate's queue, handled in order
 * like any other event; the wake event (SDL_PushEvent from another isolate)
 * only ends a wait. */
static void post_sdl_event(sdl_waiter *sw, const SDL_Event *ev)
{
    if (ev->type == sw->wake_event) return;
    if (ev->type == SDL_SYSWMEVENT) {
        x11_event(ev);
        return;
    }
    queued_event *copy = rt_malloc(sizeof *copy);
    if (!copy) return;
    copy->ev = *ev;
    copy->arrival_ns = rt_monotonic_ns();
    copy->ticks = SDL_GetTicks();
    if (rt_post(run_sdl_event, copy) != RT_OK) rt_free(copy);
}

/* The waiter: SDL_WaitEventTimeout. */
static void sdl_wait(rt_waiter *self, int64_t timeout_ns)
{
    sdl_waiter *sw = (sdl_waiter *)self;
    int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
    /* Other isolates wake SDL through the window; a destroyed one cannot
     * be woken: look again every few milliseconds. */
    if (g_win && g_win->gone && (ms < 0 || ms > 5)) ms = 5;
    SDL_Event ev;
    int got = ms < 0 ? SDL_WaitEvent(&ev) : SDL_WaitEventTimeout(&ev, ms);
    while (got) {
        post_sdl_event(sw, &ev);
        got = SDL_PollEvent(&ev);
    }
    sw->last_pump = SDL_GetTicks64();
    notice_gone();
}

/* A loop with work always ready (frames back to back behind a present that
 * waits for vsync, a stream of messages) does not wait: input is taken in
 * here instead, at most once a millisecond. */
static void sdl_poll(rt_waiter *self)
{
    sdl_waiter *sw = (sdl_waiter *)self;
    Uint64 now = SDL_GetTicks64();
    if (now == sw->last_pump) return;
    sw->last_pump = now;
    SDL_Event ev;
    while (SDL_PollEvent(&ev))
        post_sdl_event(sw, &ev);
    notice_gone();
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

static int edit_key(SDL_Keycode k, bool ctrl)
{
    switch (k) {
    case SDLK_LEFT:
        return UI_KEY_LEFT;
    case SDLK_RIGHT:
        return UI_KEY_RIGHT;
    case SDLK_HOME:
        return UI_KEY_HOME;
    case SDLK_END:
        return UI_KEY_END;
    case SDLK_BACKSPACE:
        return UI_KEY_BACKSPACE;
    case SDLK_DELETE:
        return UI_KEY_DELETE;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        return UI_KEY_ENTER;
    case SDLK_SPACE:
        return UI_KEY_SPACE;
    case SDLK_ESCAPE:
        return UI_KEY_ESCAPE;
    case SDLK_a:
        return ctrl ? UI_KEY_SELECT_ALL : -1;
    case SDLK_c:
        return ctrl ? UI_KEY_COPY : -1;
    case SDLK_x:
        return ctrl ? UI_KEY_CUT : -1;
    case SDLK_v:
        return ctrl ? UI_KEY_PASTE : -1;
    default:
        return -1;
    }
}

/* The shortcut modifiers of a key event, as UI_MOD_* bits. AltGr is no
 * shortcut: SDL reports it as Right Alt, as Mode, or (on Windows) as
 * Ctrl+Alt, and it types characters (AltGr+Q is "@" on a German layout). */
unsigned ui_window_mods(unsigned mod)
{
    bool altgr = (mod & (KMOD_RALT | KMOD_MODE)) || ((mod & KMOD_CTRL) && (mod & KMOD_ALT));
    unsigned m = 0;
    if (mod & KMOD_SHIFT) m |= UI_MOD_SHIFT;
    if ((mod & KMOD_CTRL) && !altgr) m |= UI_MOD_CTRL;
    if ((mod & KMOD_ALT) && !altgr) m |= UI_MOD_ALT;
    return m;
}

bool ui_window_input(ui_tree *t, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP: {
        if (e->button.which == SDL_TOUCH_MOUSEID) return true; /* the finger events have it */
        int b = e->button.button == SDL_BUTTON_LEFT     ? UI_BUTTON_PRIMARY
                : e->button.button == SDL_BUTTON_RIGHT  ? UI_BUTTON_SECONDARY
                : e->button.button == SDL_BUTTON_MIDDLE ? UI_BUTTON_MIDDLE
                                                        : 0;
        if (!b) return false;
        ui_tree_pointer_id(t, 0, e->type == SDL_MOUSEBUTTONDOWN ? UI_POINTER_DOWN : UI_POINTER_UP,
                           UI_DEVICE_MOUSE, (float)e->button.x, (float)e->button.y, b);
        return true;
    }
    case SDL_MOUSEMOTION: {
        if (e->motion.which == SDL_TOUCH_MOUSEID) return true;
        bool held = e->motion.state & (SDL_BUTTON_LMASK | SDL_BUTTON_RMASK | SDL_BUTTON_MMASK);
        ui_tree_pointer(t, held ? UI_POINTER_MOVE : UI_POINTER_HOVER, (float)e->motion.x,
                        (float)e->motion.y);
        return true;
    }
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP: {
        /* Each finger is a pointer of its own, with its own arena; ids
         * from 1 (0 is the mouse). SDL gives positions in [0, 1]. */
        float w, h;
        ui_tree_size(t, &w, &h);
        int kind = e->type == SDL_FINGERDOWN     ? UI_POINTER_DOWN
                   : e->type == SDL_FINGERMOTION ? UI_POINTER_MOVE
                                                 : UI_POINTER_UP;
        ui_tree_pointer_id(t, 1 + (int)(e->tfinger.fingerId & 0x3fffffff), kind, UI_DEVICE_TOUCH,
                           e->tfinger.x * w, e->tfinger.y * h, UI_BUTTON_PRIMARY);
        return true;
    }
    case SDL_MOUSEWHEEL: {
        int x, y;
        SDL_GetMouseState(&x, &y);
        ui_tree_scroll(t, (float)x, (float)y, (float)-e->wheel.y * 40);
        return true;
    }
    case SDL_TEXTINPUT:
        return ui_tree_text_input(t, e->text.text, strlen(e->text.text)) != RT_ESTATE;
    case SDL_KEYDOWN: {
        SDL_Keycode k = e->key.keysym.sym;
        unsigned mods = ui_window_mods(e->key.keysym.mod);
        bool ctrl = mods & UI_MOD_CTRL;
        if (k == SDLK_TAB)
            return ui_tree_key(t, mods & UI_MOD_SHIFT ? UI_KEY_BACKTAB : UI_KEY_TAB, 0);
        int key = edit_key(k, ctrl);
        if (key >= 0 && ui_tree_key(t, key, mods & (UI_MOD_SHIFT | UI_MOD_CTRL))) return true;
        /* Keys typed into a text field arrive as SDL_TEXTINPUT (AltGr ones
         * too): they are not shortcuts; Ctrl or Alt with a key is one. */
        return !(mods & (UI_MOD_CTRL | UI_MOD_ALT)) && ui_tree_wants_text(t);
    }
    default:
        return false;
    }
}

/* An I-beam while the mouse hovers something that takes text, the arrow
 * elsewhere. */
static void set_cursor(win *w)
{
    if (!w->arrow || !w->ibeam) return;
    ui_element *h = ui_tree_hovered(w->tree);
    SDL_Cursor *c = h && ui_element_class(h)->text ? w->ibeam : w->arrow;
    if (c != w->shown) SDL_SetCursor(c);
    w->shown = c;
}

/* An input method shows its candidates next to the text input that has the
 * focus. */
static void place_ime(win *w)
{
    ui_element *f = ui_tree_wants_text(w->tree) ? ui_tree_get_focus(w->tree) : NULL;
    if (f == w->ime_for || !w->window) return;
    w->ime_for = f;
    if (!f) return;
    float x, y, fw, fh;
    ui_element_rect(f, &x, &y, &fw, &fh);
    SDL_Rect r = {(int)x, (int)y, (int)fw, (int)fh};
    SDL_SetTextInputRect(&r);
}

static void handle_event(win *w, const SDL_Event *e)
{
    ui_tree *t = w->tree;
    bool ctrl_q = e->type == SDL_KEYDOWN && (ui_window_mods(e->key.keysym.mod) & UI_MOD_CTRL) &&
                  e->key.keysym.sym == SDLK_q;
    if (e->type == SDL_QUIT || ctrl_q) {
        ui_window_quit();
    } else if (e->type == SDL_WINDOWEVENT) {
        switch (e->window.event) {
        case SDL_WINDOWEVENT_SIZE_CHANGED:
            ui_tree_set_size(t, (float)e->window.data1, (float)e->window.data2);
            break;
        case SDL_WINDOWEVENT_HIDDEN:
        case SDL_WINDOWEVENT_MINIMIZED:
            /* A present that waits for vsync can block on a window nobody
             * sees: stop presenting, and pace frames with a timer. */
            w->hidden = true;
            ui_tree_set_frame_interval(t, w->interval ? w->interval : UI_FRAME_NS);
            break;
        case SDL_WINDOWEVENT_SHOWN:
        case SDL_WINDOWEVENT_RESTORED:
        case SDL_WINDOWEVENT_EXPOSED: {
            if (w->gone) break;
            if (w->hidden) {
                w->hidden = false;
                ui_tree_set_frame_interval(t, w->interval);
            }
            float lw, lh; /* uncovered: what was there is gone, paint it all */
            ui_tree_size(t, &lw, &lh);
            ui_tree_set_size(t, lw, lh);
            break;
        }
        default:
            break;
        }
    } else if (!ui_window_input(t, e) && e->type == SDL_KEYDOWN) {
        if (e->key.keysym.sym == SDLK_ESCAPE)
            ui_window_quit();
        else if (w->o->on_key)
            w->o->on_key(t, e->key.keysym.sym, ui_window_mods(e->key.keysym.mod), w->ctx);
    }
    if (e->type == SDL_MOUSEMOTION) set_cursor(w);
    place_ime(w);
}

/* The system clipboard, for text fields. */
static char *clip_get(void *ctx)
{
    (void)ctx;
    if (!SDL_HasClipboardText()) return NULL;
    char *s = SDL_GetClipboardText();
    char *copy = NULL;
    if (s && *s) {
        size_t n = strlen(s);
        copy = rt_malloc(n + 1);
        if (copy) memcpy(copy, s, n + 1);
    }
    SDL_free(s);
    return copy;
}

static void clip_set(void *ctx, const char *utf8, size_t len)
{
    (void)ctx;
    char *s = rt_malloc(len + 1);
    if (!s) return;
    memcpy(s, utf8, len);
    s[len] = 0;
    if (SDL_SetClipboardText(s) != 0) {
        ui_set_error(RT_EDISPLAY, "clipboard: %s", SDL_GetError());
        fprintf(stderr, "islet: %s\n", ui_last_error());
    }
    rt_free(s);
}

/* The back buffer, as big as the output: a frame repaints only what changed
 * in it, then it is copied to the screen (whose own buffer keeps nothing
 * after a present). Without one, every frame paints everything. */
static void back_buffer(win *w)
{
    if (!w->renderer || w->gone || w->surface_mode) return;
    int pw, ph;
    SDL_SetRenderTarget(w->renderer, NULL);
    SDL_GetRendererOutputSize(w->renderer, &pw, &ph);
    if (!w->back || pw != w->back_w || ph != w->back_h) {
        if (w->back) SDL_DestroyTexture(w->back);
        w->back = SDL_CreateTexture(w->renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET,
                                    pw, ph);
        w->back_w = pw;
        w->back_h = ph;
    }
    if (w->back && SDL_SetRenderTarget(w->renderer, w->back) != 0) {
        SDL_DestroyTexture(w->back);
        w->back = NULL;
    }
    if (!w->back) ui_tree_set_partial_paint(w->tree, NULL);
}

static void paint_begin(void *ctx)
{
    win *w = ctx;
    back_buffer(w);
    w->ndamage = -1;
    ui_canvas_clear(w->canvas, UI_BACKGROUND);
}

/* Partial repaint: the damaged rectangle (the canvas is clipped to it). */
static void paint_clear(void *ctx, float x, float y, float width, float height)
{
    win *w = ctx;
    ui_canvas_fill_rect(w->canvas, (ui_rect){x, y, width, height}, UI_BACKGROUND);
    if (w->ndamage < 0) return;
    if (w->ndamage == (int)(sizeof w->damage / sizeof w->damage[0])) {
        w->ndamage = -1;
        return;
    }
    float sc = w->scale; /* device pixels, rounded outwards */
    int x0 = (int)floorf(x * sc), y0 = (int)floorf(y * sc);
    w->damage[w->ndamage++] =
        (SDL_Rect){x0, y0, (int)ceilf((x + width) * sc) - x0, (int)ceilf((y + height) * sc) - y0};
}

/* Surface mode: only what was painted goes to the screen. */
static void present_surface(win *w)
{
    SDL_RenderFlush(w->renderer);
    if (w->ndamage < 0)
        SDL_UpdateWindowSurface(w->window);
    else if (w->ndamage > 0)
        SDL_UpdateWindowSurfaceRects(w->window, w->damage, w->ndamage);
    w->ndamage = 0;
}

static void paint_end(void *ctx)
{
    win *w = ctx;
    if (w->hidden || w->gone) return;
    if (w->surface_mode) {
        present_surface(w);
        return;
    }
    if (w->back) {
        SDL_SetRenderTarget(w->renderer, NULL);
        SDL_RenderSetClipRect(w->renderer, NULL);
        SDL_SetTextureBlendMode(w->back, SDL_BLENDMODE_NONE);
        SDL_RenderCopy(w->renderer, w->back, NULL, NULL);
    }
    ui_canvas_present(w->canvas);
    if (w->back) SDL_SetRenderTarget(w->renderer, w->back);
}

static void on_alive(rt_receive_port *p, rt_value *v, void *ctx)
{
    (void)p;
    (void)ctx;
    rt_value_free(v);
}

/* Whether the accelerated renderer is OpenGL on a software rasterizer
 * (Mesa's llvmpipe under Xvfb or without a GPU): there, copying a back
 * buffer texture to the screen every frame costs more than the frame. */
static bool software_gl(SDL_Renderer *r)
{
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(r, &info) != 0 || strncmp(info.name, "opengl", 6) != 0) return false;
    const unsigned char *(*get_string)(unsigned) =
        (const unsigned char *(*)(unsigned))(uintptr_t)SDL_GL_GetProcAddress("glGetString");
    const char *name = get_string ? (const char *)get_string(0x1F01 /* GL_RENDERER */) : NULL;
    return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") ||
                    strstr(name, "Software Rasterizer"));
}

/* The renderer: the GPU's with a back buffer texture; or, with no GPU (or
 * ISLET_RENDERER=software), SDL's software renderer on the window's
 * surface, which keeps its pixels, so only damaged rectangles are painted
 * and sent to the screen. ISLET_RENDERER=gpu keeps the accelerated one. */
static void open_renderer(win *w)
{
    const char *want = getenv("ISLET_RENDERER");
    bool force_sw = want && !strcmp(want, "software"), force_gpu = want && !strcmp(want, "gpu");
    if (!force_sw)
        w->renderer =
            SDL_CreateRenderer(w->window, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (w->renderer && !force_gpu && software_gl(w->renderer)) {
        SDL_DestroyRenderer(w->renderer);
        w->renderer = NULL;
    }
    if (!w->renderer) {
        /* The window's own X framebuffer (XShm), not a texture that SDL
         * would draw with OpenGL again. */
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        w->renderer = SDL_CreateRenderer(w->window, -1, SDL_RENDERER_SOFTWARE);
        w->surface_mode = w->renderer != NULL;
    }
}

/* RT_OK, or RT_EDISPLAY / RT_ENOMEM with the reason for ui_last_error(). */
static int open_sdl(win *w, const ui_window_options *o)
{
    if (o->headless) {
        w->scale = o->scale > 0 ? o->scale : 1;
        w->canvas = ui_canvas_new_offscreen((int)((float)o->width * w->scale),
                                            (int)((float)o->height * w->scale), w->scale);
        return w->canvas
                   ? RT_OK
                   : ui_set_error(RT_ENOMEM, "cannot create a headless canvas: %s", SDL_GetError());
    }
    x11_install();
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
        return ui_set_error(RT_EDISPLAY, "cannot start SDL video: %s (or run with --headless)",
                            SDL_GetError());
    /* Without a display SDL falls back to a driver that shows nothing: a
     * window nobody can see or close. Say so, unless that driver was asked
     * for (SDL_VIDEODRIVER). */
    const char *driver = SDL_GetCurrentVideoDriver();
    bool invisible = driver && (!strcmp(driver, "offscreen") || !strcmp(driver, "dummy"));
    if (invisible && !getenv("SDL_VIDEODRIVER"))
        return ui_set_error(RT_EDISPLAY,
                            "no display to open a window on (SDL chose its '%s' driver): set "
                            "DISPLAY (or WAYLAND_DISPLAY), or run with --headless",
                            driver);
    w->window = SDL_CreateWindow(o->title ? o->title : "Islet", SDL_WINDOWPOS_CENTERED,
                                 SDL_WINDOWPOS_CENTERED, o->width, o->height,
                                 SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!w->window)
        return ui_set_error(RT_EDISPLAY, "cannot open a window: %s (or run with --headless)",
                            SDL_GetError());
    SDL_SetWindowMinimumSize(w->window, 480, 360);
    open_renderer(w);
    if (!w->renderer)
        return ui_set_error(RT_EDISPLAY, "cannot create a renderer: %s", SDL_GetError());
    /* Not before: an OpenGL renderer makes SDL recreate the X window. */
    x11_watch(w->window);
    int pw, ph;
    SDL_GetRendererOutputSize(w->renderer, &pw, &ph);
    w->scale = (float)pw / (float)o->width;
    w->arrow = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_ARROW);
    w->ibeam = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_IBEAM);
    w->canvas = ui_canvas_new_for_renderer(w->renderer, w->scale);
    return w->canvas
               ? RT_OK
               : ui_set_error(RT_ENOMEM, "cannot create the window's canvas: %s", SDL_GetError());
}

static void close_sdl(win *w)
{
    if (w->arrow) SDL_FreeCursor(w->arrow);
    if (w->ibeam) SDL_FreeCursor(w->ibeam);
    ui_canvas_free(w->canvas);
    if (w->back) SDL_DestroyTexture(w->back);
    if (w->renderer) SDL_DestroyRenderer(w->renderer);
    if (w->window) SDL_DestroyWindow(w->window);
    if (!w->o->headless) SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    SDL_Quit();
    if (!w->o->headless) x11_uninstall();
}

/* RT_OK, or RT_EIO with the reason for ui_last_error(). */
static int save_screenshot(win *w, const char *path)
{
    if (w->gone)
        return ui_set_error(RT_EIO,
                            "the window was destroyed before its last frame could be read; '%s' "
                            "not written",
                            path);
    SDL_Surface *s = NULL;
    int rc = RT_EIO;
    if (w->o->headless) {
        s = ui_canvas_surface(w->canvas);
        rc = ui_image_save(s, path);
    } else {
        int pw, ph;
        SDL_GetRendererOutputSize(w->renderer, &pw, &ph);
        s = SDL_CreateRGBSurfaceWithFormat(0, pw, ph, 32, SDL_PIXELFORMAT_ARGB8888);
        if (s && SDL_RenderReadPixels(w->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels,
                                      s->pitch) == 0)
            rc = ui_image_save(s, path);
        else
            ui_set_error(RT_EIO, "cannot read the window's pixels for '%s': %s", path,
                         SDL_GetError());
        SDL_FreeSurface(s);
    }
    return rc;
}

/* Without vsync (headless, or a renderer that cannot wait for the display)
 * a timer at the display's refresh rate paces the frames (60 Hz when
 * unknown); with vsync, present does. SDL's software renderer says
 * PRESENTVSYNC but its present (an XShmPutImage) does not wait: 60 of
 * them took 14.6 ms under Xvfb (SDL 2.26.5), so in surface mode the frames
 * were unpaced and anything that marked the tree after a frame (the
 * overlay's refresh, compute progress) got a frame of its own at once. */
static int64_t frame_interval(const win *w)
{
    SDL_RendererInfo info;
    if (w->renderer && !w->surface_mode && SDL_GetRendererInfo(w->renderer, &info) == 0 &&
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
    int rc = open_sdl(&w, o);
    if (rc != RT_OK) {
        fprintf(stderr, "islet: %s\n", ui_last_error());
        close_sdl(&w);
        return rc;
    }
    rt_isolate_options io = {.name = "main"};
    if (!o->headless) {
        w.waiter.w.wait = sdl_wait;
        w.waiter.w.wake = sdl_wake;
        w.waiter.w.poll = sdl_poll;
        w.waiter.wake_event = SDL_RegisterEvents(1);
        io.waiter = &w.waiter.w;
    }
    if ((rc = rt_main_enter(&io)) != RT_OK) {
        ui_set_error(rc, "cannot enter the main isolate: %s", rt_strerror(rc));
        fprintf(stderr, "islet: %s\n", ui_last_error());
        close_sdl(&w);
        return rc;
    }
    g_win = &w;
    w.tree = ui_tree_new((float)o->width, (float)o->height, w.canvas);
    ui_tree_set_paint_hooks(w.tree, paint_begin, paint_end, &w);
    ui_tree_set_partial_paint(w.tree, paint_clear); /* the back buffer keeps the pixels */
    w.interval = frame_interval(&w);
    ui_tree_set_frame_interval(w.tree, w.interval);
    if (!o->headless) {
        ui_tree_set_clipboard(w.tree, &(ui_clipboard){clip_get, clip_set, NULL});
        SDL_StartTextInput();
    }
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
        if ((rc = save_screenshot(&w, o->screenshot)) != RT_OK)
            fprintf(stderr, "islet: screenshot: %s\n", ui_last_error());
    }
    if (o->on_exit) o->on_exit(w.tree, ctx);
    ui_tree_free(w.tree);
    g_win = NULL;
    rt_main_leave();
    close_sdl(&w);
    return rc;
}

bool ui_window_destroyed(void)
{
    return g_win && g_win->gone;
}
