/* ui_window.h: the SDL binding. Runs a widget tree in a desktop window (or
 * headless, offscreen) on the main isolate.
 *
 * The main isolate waits in one place for SDL input and isolate messages:
 * its waiter is SDL_WaitEventTimeout, and other isolates wake it with
 * SDL_PushEvent. SDL events become events on the main isolate's queue:
 * pointer events hit-test the tree, the wheel scrolls, keys and text go to
 * the focused element (ui_window_input), Escape ends the editing in a text
 * field and otherwise quits, as Ctrl+Q or closing the window do. Text
 * fields use the system clipboard. Frames are painted
 * when something is dirty and presented with vsync when the renderer has it.
 * A window destroyed from outside (xdotool windowclose, a window manager)
 * ends the loop as closing it does, instead of Xlib's exit(1) on the
 * BadWindow errors that follow (X11; see ui_window.c).
 * Without a display it says so (suggesting --headless) and returns 1.
 * Main thread only.
 */
#ifndef UI_WINDOW_H
#define UI_WINDOW_H

#include <islet/rt_export.h>

#include <islet/ui_widgets.h>

typedef struct ui_window_options {
    const char *title;
    int width, height;      /* logical pixels */
    bool headless;          /* offscreen software renderer, no window */
    float scale;            /* headless: device pixels per logical pixel (0: 1); a
                               window takes its display's */
    int64_t exit_after_ns;  /* > 0: quit after this long */
    const char *screenshot; /* write the last frame at exit: PNG (BMP if it ends .bmp) */
    /* Called once the window and tree exist (e.g. to start work). */
    void (*on_start)(ui_tree *t, void *ctx);
    /* Called for keys neither the binding nor the tree uses: the SDL
     * keycode and UI_MOD_* bits (AltGr counts as no modifier). */
    void (*on_key)(ui_tree *t, int sdl_keycode, unsigned mods, void *ctx);
    /* Called after the loop stops, before the tree is freed and the main
     * isolate leaves (e.g. to release futures or print statistics). */
    void (*on_exit)(ui_tree *t, void *ctx);
} ui_window_options;

/* Enters the main isolate, runs root in a window until quit, leaves the
 * main isolate (stopping every isolate). Returns RT_OK, or with the message
 * on stderr and in ui_last_error(): RT_EDISPLAY when SDL cannot start, no
 * display, window or renderer (nothing else ran, neither on_start nor
 * on_exit), RT_ENOMEM when the canvas cannot be made (likewise), the code
 * of rt_main_enter when it fails (likewise), RT_EIO when the screenshot
 * could not be written (also when the window was destroyed from outside
 * before it: its pixels are gone). */
ISLET_API int ui_window_run(const ui_window_options *o, ui_widget *(*root)(ui_build *b, void *ctx),
                            void *ctx);
/* Asks the running window to quit (from any callback on the main isolate). */
ISLET_API void ui_window_quit(void);
/* Whether the running window was destroyed from outside (the loop is
 * ending or has ended: e.g. in on_exit). False headless or after
 * ui_window_run returned. */
ISLET_API bool ui_window_destroyed(void);

/* Gives one SDL input event to t, as the window does: mouse buttons, motion
 * and wheel; Tab/Shift+Tab, Enter, Space, the editing keys (arrows, Home,
 * End, Backspace, Delete, Ctrl+A/C/X/V), Escape (ends a text field's
 * editing) and SDL_TEXTINPUT for the focused element. Returns true if the
 * tree used it; a key without Ctrl or Alt pressed while a text field has
 * the focus counts as used (its text follows as SDL_TEXTINPUT), so it is
 * not a shortcut. AltGr is not Ctrl+Alt. Usable on a tester's tree. */
union SDL_Event;
ISLET_API bool ui_window_input(ui_tree *t, const union SDL_Event *e);
/* SDL key modifiers (SDL_Keymod bits) as UI_MOD_* shortcut bits. */
ISLET_API unsigned ui_window_mods(unsigned sdl_mod);

#endif
