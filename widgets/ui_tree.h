/* ui_tree.h: the reactive tree: widgets, elements with state, reconciliation,
 * set_state, frames, layout and hit testing.
 *
 * Widgets are immutable descriptions allocated from the tree's per-build
 * arena (build functions never free; the arena is reset after each frame).
 * Elements persist across frames, own a copy of their widget's properties
 * and, for stateful widgets, their state; they also carry the layout box
 * (render data) that layout, paint and hit testing use.
 *
 * Reconciliation follows Flutter's Element.updateChild: same class and key
 * -> updated in place; otherwise replaced. Child lists are matched from the
 * top, then from the bottom, then by key in the middle (unkeyed middle
 * children are not reused).
 *
 * Everything here belongs to the main isolate and is not thread-safe.
 */
#ifndef UI_TREE_H
#define UI_TREE_H

#include "rt.h"

typedef struct ui_tree ui_tree;
typedef struct ui_widget ui_widget;
typedef struct ui_element ui_element;
typedef struct ui_widget_class ui_widget_class;
typedef struct ui_build ui_build;

typedef struct ui_size {
    float w, h;
} ui_size;

typedef struct ui_constraints {
    float min_w, max_w, min_h, max_h;
} ui_constraints;

#define UI_INF 1e30f

/* A 60 Hz frame: the tickers' interval, and the budget of a frame when no
 * interval is set. */
#define UI_FRAME_NS 16666667

/* A key: 0 means none. ui_key_str hashes a string (same string, same key);
 * any thread. */
typedef uint64_t ui_key;
ui_key ui_key_str(const char *s);
/* Debugging: with names enabled, ui_key_str remembers its strings (while a
 * tree exists; at most 4096) and ui_key_name returns the string a key was
 * made from, for dumps and messages; NULL for other keys, or when names are
 * off (the default, which costs nothing). Valid while a tree exists. */
void ui_key_names_enable(bool on);
const char *ui_key_name(ui_key k);
static inline ui_key ui_key_int(int64_t i)
{
    return (((uint64_t)i << 1) | 1) & ~(1ull << 63);
}
/* A global key: unique in the tree; an element that moves to a new parent
 * within one frame keeps its state. A duplicate aborts with a message. */
static inline ui_key ui_key_global(const char *s)
{
    return ui_key_str(s) | (1ull << 63);
}

/* A widget class: the behaviour shared by all widgets of one type.
 * Component classes have `build`; render classes have `layout` (and
 * optionally `paint`); stateful classes have state_size > 0. */
struct ui_widget_class {
    const char *name;
    size_t props_size; /* bytes of properties, copied into the element */
    size_t state_size; /* > 0: stateful; the state is zeroed, then init_state */
    /* Component: returns the single child widget (from b's arena). */
    ui_widget *(*build)(ui_build *b, ui_element *e);
    void (*init_state)(ui_element *e);
    void (*did_update_widget)(ui_element *e, const void *old_props);
    void (*dispose)(ui_element *e);
    /* Leaving the tree (before dispose, or while a globally keyed element
     * waits to be reinserted), and coming back after a move. */
    void (*deactivate)(ui_element *e);
    void (*activate)(ui_element *e);
    /* Render: sizes e within c and positions its children (ui_layout_child). */
    ui_size (*layout)(ui_element *e, ui_constraints c);
    /* Paint: draws e at its global origin; children are painted after,
     * then paint_after (e.g. to pop a clip). */
    void (*paint)(ui_element *e, void *canvas, float x, float y);
    void (*paint_after)(ui_element *e, void *canvas);
    /* Pointer events: at DOWN, offered innermost first until one returns
     * true; that element then gets the MOVE/UP/CANCEL events. */
    bool (*pointer)(ui_element *e, int kind, float x, float y);
    /* Offsets of `const char *` fields in props: the element keeps its own
     * copies (widgets live only until the end of the frame). */
    size_t string_fields[4];
    int nstring_fields;
    /* Inherited data: descendants read it with ui_depend_on, and rebuild
     * when its props change. */
    bool inherited;
    /* Keyboard, for the element holding the focus (a class with `key` can
     * take it with Tab): key is a UI_KEY_*, mods UI_MOD_* bits; returns true
     * if it used the key. */
    bool (*key)(ui_element *e, int key, unsigned mods);
    /* Optional, for classes with `key`: whether e can take the focus now
     * (a disabled button cannot); without it, it always can. */
    bool (*focusable)(const ui_element *e);
    /* Text typed or pasted while e holds the focus: len bytes, not checked
     * (refuse invalid UTF-8 with RT_EILSEQ, changing nothing). Returns
     * RT_OK, or an error code when it refuses the text. */
    int (*text)(ui_element *e, const char *utf8, size_t len);
};

struct ui_widget {
    const ui_widget_class *cls;
    ui_key key;
    const void *props;
    ui_widget **children;
    size_t nchildren;
    /* Set for widgets that outlive frames (static, built once with
     * UI_CONST_WIDGET): the same pointer again means an identical widget,
     * and its whole subtree is skipped, as Flutter does for const widgets. */
    bool is_const;
};

/* A widget in static storage: identical across frames by address. */
#define UI_CONST_WIDGET(cls_, props_ptr)                                                           \
    {                                                                                              \
        .cls = (cls_), .props = (props_ptr), .is_const = true                                      \
    }

/* ---- Building widgets (inside build functions) ---- */

/* Allocates from the build arena: valid until the frame ends. */
void *ui_alloc(ui_build *b, size_t n);
/* A widget of cls with a copy of props and the given children. */
ui_widget *ui_widget_new(ui_build *b, const ui_widget_class *cls, ui_key key, const void *props,
                         ui_widget **children, size_t nchildren);
/* Copies a string into the arena. */
const char *ui_strdup(ui_build *b, const char *s);
ui_tree *ui_build_tree(ui_build *b);

/* ---- Elements ---- */

void *ui_state(ui_element *e);
const void *ui_props(const ui_element *e);
const ui_widget_class *ui_element_class(const ui_element *e);
ui_key ui_element_key(const ui_element *e);
ui_element *ui_element_parent(const ui_element *e);
size_t ui_element_child_count(const ui_element *e);
ui_element *ui_element_child(const ui_element *e, size_t i);
/* Global rect in logical pixels, valid after layout (walks up to the root:
 * paint hooks get the position and need only ui_element_size). */
void ui_element_rect(const ui_element *e, float *x, float *y, float *w, float *h);
/* The size from the last layout, in logical pixels. */
ui_size ui_element_size(const ui_element *e);
bool ui_element_mounted(const ui_element *e);
ui_tree *ui_element_tree(const ui_element *e);
/* Elements are freed when unmounted. Code that keeps one past the current
 * event (an async completion that will call ui_set_state) retains it; after
 * dispose the struct stays valid until released, and ui_set_state on it
 * aborts with a clear message instead of touching freed memory. */
ui_element *ui_element_retain(ui_element *e);
void ui_element_release(ui_element *e);
/* Sets a child's size without laying it out (for wrappers sized by a parent). */
void ui_set_size(ui_element *e, ui_size s);

/* Marks e dirty: it rebuilds in the next frame, which is scheduled. Several
 * calls before a frame give one build. Aborts (with the widget's name) after
 * dispose, or on an ancestor of the element being built. fn, if given, runs
 * first with e's state. */
void ui_set_state(ui_element *e, void (*fn)(void *state, void *ctx), void *ctx);

/* The nearest ancestor of e whose class is cls (an inherited class), or
 * NULL. e is then rebuilt whenever that ancestor's props change. Call from
 * build. */
ui_element *ui_depend_on(ui_element *e, const ui_widget_class *cls);

/* ---- Layout helpers for render classes ---- */

ui_size ui_layout_child(ui_element *child, ui_constraints c);
void ui_position_child(ui_element *child, float x, float y);
ui_size ui_constrain(ui_constraints c, ui_size s);
ui_constraints ui_tight(float w, float h);
ui_constraints ui_loosen(ui_constraints c);

/* ---- Trees and frames ---- */

typedef struct ui_frame_timing {
    int64_t start_ns, build_ns, layout_ns, paint_ns, raster_ns, total_ns;
    /* How long after it could have started the frame did start: after it
     * was due (requested and paced, or, while animations run, one interval
     * after the previous frame) and after the previous frame ended. A late
     * frame means the loop was busy with other work (frames dropped). */
    int64_t late_ns;
    unsigned built; /* elements built this frame */
} ui_frame_timing;

/* A tree sized w x h logical pixels. canvas (may be NULL) is used to
 * measure text and to paint; the caller keeps it. */
ui_tree *ui_tree_new(float w, float h, void *canvas);
void ui_tree_free(ui_tree *t);
/* Sets the root widget, built by root_fn (called at each frame the root
 * rebuilds, with ctx). */
void ui_tree_set_root(ui_tree *t, ui_widget *(*root_fn)(ui_build *b, void *ctx), void *ctx);
/* Runs a frame now if anything is dirty: build, layout, paint. Returns true
 * if a frame was produced. */
bool ui_tree_frame(ui_tree *t);
/* An animation of t starts (true) or stops ticking (false). While any
 * runs, a frame is due one frame interval (or 16.7 ms) after the previous
 * one started, and late_ns counts from then (see ui_frame_timing). */
void ui_tree_animation(ui_tree *t, bool running);
/* Paces scheduled frames: each starts at least ns after the previous one
 * (0, the default: as soon as something is dirty). Window bindings set the
 * display's refresh period where present does not wait for vsync. */
void ui_tree_set_frame_interval(ui_tree *t, int64_t ns);
bool ui_tree_needs_frame(const ui_tree *t);
ui_element *ui_tree_root(ui_tree *t);
void *ui_tree_canvas(ui_tree *t);
void ui_tree_size(const ui_tree *t, float *w, float *h);
/* The last `n` frame timings, newest first (ring buffer of 240). */
size_t ui_tree_timings(const ui_tree *t, ui_frame_timing *out, size_t n);
/* Live elements, for tests (no leaks across rebuilds). */
size_t ui_tree_element_count(const ui_tree *t);

/* Pointer input: kind is UI_POINTER_DOWN/MOVE/UP/CANCEL. Hit testing at
 * DOWN picks the handler (see ui_widget_class.pointer). */
enum { UI_POINTER_DOWN, UI_POINTER_MOVE, UI_POINTER_UP, UI_POINTER_CANCEL };
/* A mouse moving with no button down: the innermost element taking
 * UI_POINTER_HOVER is hovered; the one it replaces gets UI_POINTER_EXIT. */
enum { UI_POINTER_HOVER = 10, UI_POINTER_EXIT };
void ui_tree_pointer(ui_tree *t, int kind, float x, float y);
/* The element the mouse hovers (the one that took UI_POINTER_HOVER), or NULL. */
ui_element *ui_tree_hovered(ui_tree *t);
/* The elements under (x, y), innermost first; returns how many (<= cap). */
size_t ui_tree_hit_test(ui_tree *t, float x, float y, ui_element **out, size_t cap);

/* Runs fn(ctx, frame start time) once, at the start of the next frame
 * (which it schedules), or once after that frame has painted. */
int ui_tree_on_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx);
int ui_tree_after_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx);

/* Painting hooks of a window binding: begin runs before the tree paints
 * (clear), end after (present; its time is the frame's raster time). */
void ui_tree_set_paint_hooks(ui_tree *t, void (*begin)(void *ctx), void (*end)(void *ctx),
                             void *ctx);
/* A new size (a resized window): lays everything out again. */
void ui_tree_set_size(ui_tree *t, float w, float h);

/* Keyboard focus: one element of the tree (or none), forgotten when it
 * unmounts. Setting it repaints the old and the new holder. A pointer-down
 * outside a focused text input takes the focus away from it. */
ui_element *ui_tree_get_focus(ui_tree *t);
void ui_tree_set_focus(ui_tree *t, ui_element *e);

/* Keys, as delivered to ui_tree_key and to a class's `key` hook. */
enum {
    UI_KEY_TAB,
    UI_KEY_BACKTAB,
    UI_KEY_ENTER,
    UI_KEY_SPACE,
    UI_KEY_LEFT,
    UI_KEY_RIGHT,
    UI_KEY_HOME,
    UI_KEY_END,
    UI_KEY_BACKSPACE,
    UI_KEY_DELETE,
    UI_KEY_SELECT_ALL,
    UI_KEY_COPY,
    UI_KEY_CUT,
    UI_KEY_PASTE,
    UI_KEY_ESCAPE
};
enum { UI_MOD_SHIFT = 1, UI_MOD_CTRL = 2, UI_MOD_ALT = 4 };

/* Text typed (or pasted) into the focused element: RT_OK; RT_ESTATE when
 * the focused element takes no text (or nothing has the focus); or the
 * element's refusal, which changes nothing (a text field says RT_EILSEQ for
 * invalid UTF-8 and RT_E2BIG past its limit). */
int ui_tree_text_input(ui_tree *t, const char *utf8, size_t len);
/* True when the focused element takes text (typed letters are its, not
 * shortcuts'). */
bool ui_tree_wants_text(ui_tree *t);

/* The clipboard text fields copy to and paste from. By default each tree
 * keeps its own (so headless tests have one); a window binding installs the
 * system clipboard. get returns a string from rt_malloc (the caller frees
 * it with rt_free), or NULL when empty. */
typedef struct ui_clipboard {
    char *(*get)(void *ctx);
    void (*set)(void *ctx, const char *utf8, size_t len);
    void *ctx;
} ui_clipboard;
void ui_tree_set_clipboard(ui_tree *t, const ui_clipboard *cb); /* NULL: the tree's own */
/* The clipboard's text (rt_free it), or NULL when empty or out of memory. */
char *ui_tree_clipboard_get(ui_tree *t);
void ui_tree_clipboard_set(ui_tree *t, const char *utf8, size_t len);

/* Calls fn on every element, depth first (for finders and dumps). */
void ui_tree_visit(ui_tree *t, void (*fn)(ui_element *e, int depth, void *ctx), void *ctx);

#endif
