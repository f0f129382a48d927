/* ui_tree.h: the reactive tree: keys, widgets, elements with state and
 * their lifecycle, weak element handles, async bindings, frames, layout,
 * pointer and keyboard routing.
 *
 * Widgets are immutable descriptions allocated from the tree's per-build
 * arena (build functions never free; the arena is reset after each frame);
 * a widget an element holds (a props field listed in widget_fields) is kept
 * on the heap while held. Elements persist across frames, own a copy of
 * their widget's properties and, for stateful widgets, their state; they
 * also carry the layout box (render data) that layout, paint and hit
 * testing use.
 *
 * Reconciliation is Flutter's (Element.updateChild, updateChildren): the
 * identical widget skips; same class and key -> updated in place; otherwise
 * replaced. Child lists are matched from the top, then from the bottom,
 * then by key in the middle. An element removed during a frame is
 * deactivated at once and disposed after the frame's builds, unless a
 * global key brought it back somewhere else in the same frame.
 *
 * Everything here belongs to the main isolate and is not thread-safe,
 * except the key functions, which any thread may call.
 */
#ifndef UI_TREE_H
#define UI_TREE_H

#include <islet/rt_export.h>

#include <islet/rt.h>

/* Errors: functions of the widget layer that can fail return RT_OK or a
 * negative RT_E* code (rt_base.h; RT_EDISPLAY when SDL cannot open a
 * display, window or renderer, RT_EIO when an image or file cannot be read
 * or written, RT_ENOMEM); those that return a pointer return NULL (out of
 * memory, unless their comment says otherwise). The functions whose
 * comment says so (ui_window_run, ui_image_save, ui_golden_check,
 * ui_frame_log_json) also keep the failure's message, with SDL's reason
 * when SDL failed, for ui_last_error(). */
/* The message of the latest failure on this thread (not cleared by a
 * success; "" before any), e.g. "cannot open a window: <SDL's reason>". */
ISLET_API const char *ui_last_error(void);
/* Records a failure (not misuse) for ui_last_error() on this thread and
 * returns code, an RT_E* value: how the widget layer and libraries on it
 * (islet-testing) report errors. */
ISLET_API int ui_set_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct ui_tree ui_tree;
typedef struct ui_widget ui_widget;
typedef struct ui_element ui_element;
typedef struct ui_widget_class ui_widget_class;
typedef struct ui_build ui_build;
typedef struct ui_describer ui_describer;
typedef struct ui_pointer_event ui_pointer_event; /* ui_gesture.h */

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

/* Keys. A key is a value: none (UI_NO_KEY, all zero), an integer (any
 * int64), a string, or a global string key. Keys of different kinds never
 * compare equal; integer keys are equal when their integers are; string
 * keys when their strings are (strings are interned, so comparing is O(1)
 * and never confuses two strings). Compare with ui_key_eq, never memcmp. */
typedef struct ui_key {
    int64_t v;     /* the integer, or the interned string's id */
    uint32_t kind; /* UI_KEY_KIND_* */
} ui_key;
enum { UI_KEY_KIND_NONE, UI_KEY_KIND_INT, UI_KEY_KIND_STRING, UI_KEY_KIND_GLOBAL };
#define UI_NO_KEY ((ui_key){0, UI_KEY_KIND_NONE})
static inline ui_key ui_key_int(int64_t i)
{
    return (ui_key){i, UI_KEY_KIND_INT};
}
/* A string key: equal strings give equal keys. Any thread (the intern table
 * takes a lock); the string is copied once and kept until the process exits. */
ISLET_API ui_key ui_key_str(const char *s);
/* A global key: unique in the tree, so its element (and state) follows it to
 * any new parent within one frame. Two widgets with one global key in one
 * frame abort with a message naming the key. */
ISLET_API ui_key ui_key_global(const char *s);
static inline bool ui_key_eq(ui_key a, ui_key b)
{
    return a.kind == b.kind && a.v == b.v;
}
static inline bool ui_key_is_none(ui_key k)
{
    return k.kind == UI_KEY_KIND_NONE;
}
/* The string a string or global key was made from (valid until the process
 * exits), or NULL for other keys. Any thread. */
ISLET_API const char *ui_key_name(ui_key k);

/* A widget class: the behaviour shared by all widgets of one type.
 * Component classes have `build`; render classes have `layout` (and
 * optionally `paint`); stateful classes have state_size > 0.
 *
 * Lifecycle, as Flutter's Element/State (every hook is optional):
 *   init_state -> did_change_dependencies -> build        (mounted)
 *   did_update_widget(old props) -> build                 (a new widget)
 *   did_change_dependencies -> build                      (inherited data
 *                                 it depends on changed, or it moved)
 *   deactivate -> [activate -> did_update_widget -> build] (removed; a
 *                                 global key brought it back this frame)
 *   deactivate -> dispose                                 (removed for good,
 *                                 after the frame's builds)
 * (the identical widget instance again skips did_update_widget and build,
 * after a move too; a stateful element that moved still rebuilds)
 * So a type change at one slot runs: deactivate old, init_state new, build
 * new, dispose old. ui_set_state is allowed in init_state,
 * did_update_widget, did_change_dependencies and the element's own build
 * (no extra build follows); not in dispose.
 * A render class (no build, not inherited) updated with props equal to its
 * old ones (the bytes; string fields as text) is not laid out or painted
 * again, as a RenderObject's setters mark nothing for an equal value; its
 * children are still updated, and its did_update_widget still runs. A class
 * that paints memory its props only point to (which may change behind the
 * same pointer) marks itself there (ui_mark_needs_paint), as ui_image
 * does. Props a parent's layout reads (parent data) belong on a
 * pass-through class, with neither build nor layout, as Positioned's and
 * Expanded's do: a change there lays the parent out again; a change of any
 * other child lays out that child, and its parent only if its size moved. */
struct ui_widget_class {
    const char *name;
    size_t props_size; /* bytes of properties, copied into the element */
    size_t state_size; /* > 0: stateful; the state is zeroed, then init_state */
    /* Component: returns the single child widget (from b's arena). */
    ui_widget *(*build)(ui_build *b, ui_element *e);
    void (*init_state)(ui_element *e);
    void (*did_update_widget)(ui_element *e, const void *old_props);
    void (*did_change_dependencies)(ui_element *e);
    void (*dispose)(ui_element *e);
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
    /* A mouse wheel over e (innermost first until one returns true). */
    bool (*wheel)(ui_element *e, float dy);
    /* Offsets of `const char *` fields in props: the element keeps its own
     * copies (the widget's strings live only until the end of the frame). */
    size_t string_fields[4];
    int nstring_fields;
    /* Offsets of `ui_widget *` fields in props (a component's `child`): the
     * element holds those widgets, so a later build may return them after
     * the frame that made them (Flutter's `widget.child`). */
    size_t widget_fields[4];
    int nwidget_fields;
    /* Inherited data: descendants read it with ui_depend_on. When a new
     * widget updates it, dependents rebuild if update_should_notify says so
     * (NULL: always). */
    bool inherited;
    bool (*update_should_notify)(const ui_element *e, const void *old_props);
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
    /* Optional: what the debug dump (ui_dump_tree) says about e besides its
     * class, key, focus, hover and rect (Flutter's debugFillProperties):
     * ui_describe_text for its text, ui_describe_flag for states such as
     * "disabled" or "pressed". */
    void (*describe)(ui_element *e, ui_describer *d);
    /* Hit testing passes through e and its subtree, to what lies under it
     * (Flutter's IgnorePointer): an overlay that only shows things. */
    bool ignore_pointer;
    /* Optional, for a class that paints its children transformed (Flutter's
     * Transform): maps a point in window coordinates (logical pixels) to
     * where it falls in the untransformed layout of e's subtree, so hit
     * testing below e sees what is painted there. False: nothing is hit
     * (a transform that cannot be inverted). */
    bool (*hit_map)(ui_element *e, float *x, float *y);
    /* Optional: how e is hit (UI_HIT_* of ui_gesture.h); without it, e is
     * hit wherever the point is inside its box. */
    int (*hit_behavior)(const ui_element *e);
    /* Optional: a pointer went down on e (e is on the hit-test path): e
     * enters its recognizers in the pointer's arena (ui_gesture.h). Tried
     * before `pointer`, which then still sees the DOWN. */
    void (*gesture_down)(ui_element *e, const ui_pointer_event *ev);
    /* A repaint boundary (Flutter's isRepaintBoundary): e's subtree is painted
     * into a cached texture of its own, composited each frame, and painted
     * again only when something inside it changed. */
    bool repaint_boundary;
    /* For a class with build and layout (Flutter's LayoutBuilder): build
     * runs inside its layout, once the constraints are known, when the
     * layout hook calls ui_build_in_layout; a rebuild asked for outside
     * layout (a new widget, ui_set_state) only marks it for layout. */
    bool build_in_layout;
};

/* A widget: an immutable description. Made by ui_widget_new in a build's
 * arena (valid until the frame ends, unless an element holds it: see
 * widget_fields), or static with UI_CONST_WIDGET. The fields after
 * `is_const` are the framework's. */
struct ui_widget {
    const ui_widget_class *cls;
    ui_key key;
    const void *props;
    ui_widget **children;
    size_t nchildren;
    bool is_const;       /* static storage: lives forever */
    uint32_t refs_;      /* > 0: a held copy on the heap */
    uint32_t epoch_;     /* held copy: the arena epoch (frame) it was made in */
    ui_widget *forward_; /* arena widget: its held copy; held copy: its original */
};

/* A widget in static storage. Update rule (Flutter's): the identical widget
 * instance again skips the whole subtree; any other instance of the same
 * class and key updates the element in place (did_update_widget, build). */
#define UI_CONST_WIDGET(cls_, props_ptr)                                                           \
    {                                                                                              \
        .cls = (cls_), .props = (props_ptr), .is_const = true                                      \
    }

/* ---- Building widgets (inside build functions) ---- */

/* Allocates from the build arena: valid until the frame ends. */
ISLET_API void *ui_alloc(ui_build *b, size_t n);
/* A widget of cls with a copy of props and the given children. */
ISLET_API ui_widget *ui_widget_new(ui_build *b, const ui_widget_class *cls, ui_key key,
                                   const void *props, ui_widget **children, size_t nchildren);
/* Copies a string into the arena. */
ISLET_API const char *ui_strdup(ui_build *b, const char *s);
ISLET_API ui_tree *ui_build_tree(ui_build *b);

/* ---- Elements ----
 * An element is owned by its tree; code may read it while it is mounted.
 * Its memory is not given to another element until at least 16,384 others
 * have come and gone, so a stale pointer reads as unmounted
 * (ui_element_mounted is false) instead of as some other element; code that
 * keeps an element past the current event (an async completion) holds a
 * ui_ref, which is exact for as long as it is kept. */

ISLET_API void *ui_state(ui_element *e);
ISLET_API const void *ui_props(const ui_element *e);
ISLET_API const ui_widget_class *ui_element_class(const ui_element *e);
ISLET_API ui_key ui_element_key(const ui_element *e);
ISLET_API ui_element *ui_element_parent(const ui_element *e);
ISLET_API size_t ui_element_child_count(const ui_element *e);
ISLET_API ui_element *ui_element_child(const ui_element *e, size_t i);
/* Global rect in logical pixels, valid after layout (walks up to the root:
 * paint hooks get the position and need only ui_element_size). */
ISLET_API void ui_element_rect(const ui_element *e, float *x, float *y, float *w, float *h);
/* The size from the last layout, in logical pixels. */
ISLET_API ui_size ui_element_size(const ui_element *e);
/* True while e is in the tree (active, or removed this frame and able to
 * come back); false once it was disposed. Safe on a stale pointer while its
 * tree lives. */
ISLET_API bool ui_element_mounted(const ui_element *e);
ISLET_API ui_tree *ui_element_tree(const ui_element *e);
/* Sets a child's size without laying it out (for wrappers sized by a parent). */
ISLET_API void ui_set_size(ui_element *e, ui_size s);

/* Marks e dirty: it rebuilds in the next frame, which is scheduled. Several
 * calls before a frame give one build. fn, if given, runs first with e's
 * state. Under RT_CHECKS it aborts, naming the class and the phase, when e
 * was disposed, is being disposed, is not the element being built nor one
 * of its descendants, or when layout or paint is running. */
ISLET_API void ui_set_state(ui_element *e, void (*fn)(void *state, void *ctx), void *ctx);

/* A weak handle: what async code keeps instead of an element pointer. A
 * plain value (copy it freely, nothing to free); it never keeps the element
 * alive and never reaches another element. Main isolate only. */
typedef struct ui_ref {
    ui_element *e;
    uint64_t gen;
} ui_ref;
ISLET_API ui_ref ui_ref_of(ui_element *e);
/* The element, or NULL once it was disposed or its tree freed. */
ISLET_API ui_element *ui_ref_get(ui_ref r);
/* ui_set_state on the element if it is still mounted; false (and fn not
 * run) when it is gone. */
ISLET_API bool ui_ref_set_state(ui_ref r, void (*fn)(void *state, void *ctx), void *ctx);

/* The nearest ancestor of e whose class is cls (an inherited class), or
 * NULL. e then depends on it: its did_change_dependencies runs, and it
 * rebuilds, whenever that ancestor is updated and says to notify, and after
 * e moves. Call from build or did_change_dependencies; from init_state it
 * aborts under RT_CHECKS (Flutter's rule: the data could change unseen). */
ISLET_API ui_element *ui_depend_on(ui_element *e, const ui_widget_class *cls);

/* ---- Async results bound to an element ----
 * The short, safe way to let a future or a stream drive a rebuild: the
 * callback runs only while e is mounted, e rebuilds after it, and the
 * binding is detached when e is disposed (a late completion is dropped).
 * A binding belongs to its element: ui_unbind ends it early (from any
 * code, dispose included); once its future callback ran (or the future was
 * freed without completing), or the stream's done came, it is gone by
 * itself and must not be unbound. Bindings live on the isolate's heap. */
typedef struct ui_binding ui_binding;
typedef void (*ui_future_cb)(ui_element *e, rt_future *f, void *ctx);
/* f is consumed; fn gets it completed (borrowed for the call). NULL when
 * out of memory (f released). */
ISLET_API ui_binding *ui_bind_future(ui_element *e, rt_future *f, ui_future_cb fn, void *ctx);
typedef struct ui_stream_cbs {
    void (*on_data)(ui_element *e, const rt_value *v, void *ctx); /* v borrowed */
    void (*on_error)(ui_element *e, const rt_error *err, void *ctx);
    void (*on_done)(ui_element *e, void *ctx);
    void *ctx;
} ui_stream_cbs;
/* Listens to s (not consumed) until done, ui_unbind, or e's disposal
 * (which cancels the subscription). NULL when out of memory. */
ISLET_API ui_binding *ui_bind_stream(ui_element *e, rt_stream *s, const ui_stream_cbs *cbs);
ISLET_API void ui_unbind(ui_binding *b);

/* ---- Layout helpers for render classes ---- */

/* From the layout hook of a build_in_layout class: runs e's build now (its
 * ui_set_state rules are those of a build; e and its descendants may be
 * marked), updating its child, if e was marked for a rebuild or `force`.
 * Returns whether it built. The child then needs laying out by the hook. */
ISLET_API bool ui_build_in_layout(ui_element *e, bool force);

ISLET_API ui_size ui_layout_child(ui_element *child, ui_constraints c);
ISLET_API void ui_position_child(ui_element *child, float x, float y);
ISLET_API ui_size ui_constrain(ui_constraints c, ui_size s);
ISLET_API ui_constraints ui_tight(float w, float h);
ISLET_API ui_constraints ui_loosen(ui_constraints c);

/* ---- Trees and frames ---- */

typedef struct ui_frame_timing {
    int64_t start_ns, build_ns, layout_ns, paint_ns, raster_ns, total_ns;
    /* How long after it could have started the frame did start: after it
     * was due (requested and paced, or, while animations run, one interval
     * after the previous frame) and after the previous frame ended. A late
     * frame means the loop was busy with other work (frames dropped). */
    int64_t late_ns;
    unsigned built;   /* elements built this frame */
    unsigned painted; /* elements painted this frame (all, or those meeting the damage) */
    uint64_t number;  /* 1 for the tree's first frame, then one more each */
    /* The inputs and the answers of other isolates this frame was the first
     * to show (one ui_latency record each, below), and the longest of their
     * latencies, from when each happened to the end of this frame's present
     * (the paint-end hook): valid when the count is > 0. */
    unsigned inputs, results;
    int64_t input_to_present_ns, result_to_present_ns;
} ui_frame_timing;

/* A tree sized w x h logical pixels. canvas (may be NULL) is used to
 * measure text and to paint; the caller keeps it. */
ISLET_API ui_tree *ui_tree_new(float w, float h, void *canvas);
ISLET_API void ui_tree_free(ui_tree *t);
/* Sets the root widget, built by root_fn (called at each frame the root
 * rebuilds, with ctx). */
ISLET_API void ui_tree_set_root(ui_tree *t, ui_widget *(*root_fn)(ui_build *b, void *ctx),
                                void *ctx);
/* Runs a frame now if anything is dirty: build, layout, paint. Returns true
 * if a frame was produced. */
ISLET_API bool ui_tree_frame(ui_tree *t);
/* An animation of t starts (true) or stops ticking (false). While any
 * runs, a frame is due one frame interval (or 16.7 ms) after the previous
 * one started, and late_ns counts from then (see ui_frame_timing). */
ISLET_API void ui_tree_animation(ui_tree *t, bool running);
/* Paces scheduled frames: each starts at least 7/8 of ns after the
 * previous one (the slack absorbs the timers' jitter, so an animation's
 * frame follows its tick at once), except the frame of a discrete input or
 * a final answer (see Latency below), which starts at once and leaves the
 * pacing of the others alone. 0, the default: as soon as something is
 * dirty. Window bindings set the display's refresh period where present
 * does not wait for vsync. */
ISLET_API void ui_tree_set_frame_interval(ui_tree *t, int64_t ns);
ISLET_API bool ui_tree_needs_frame(const ui_tree *t);
ISLET_API ui_element *ui_tree_root(ui_tree *t);
ISLET_API void *ui_tree_canvas(ui_tree *t);
ISLET_API void ui_tree_size(const ui_tree *t, float *w, float *h);
/* The last `n` frame timings, newest first (ring buffer of 240). */
ISLET_API size_t ui_tree_timings(const ui_tree *t, ui_frame_timing *out, size_t n);
/* Calls fn(ctx, timing) after every frame of t (after the post-frame
 * callbacks), so nothing is missed (Flutter's addTimingsCallback). At most
 * 8 per tree: RT_ESTATE beyond; RT_OK. Remove (same fn, ctx) before ctx
 * goes; they go with the tree. Main isolate. */
ISLET_API int ui_tree_add_timings_listener(ui_tree *t,
                                           void (*fn)(void *ctx, const ui_frame_timing *ft),
                                           void *ctx);
ISLET_API void ui_tree_remove_timings_listener(ui_tree *t,
                                               void (*fn)(void *ctx, const ui_frame_timing *ft),
                                               void *ctx);
/* ---- Latency: input to pixels, results to pixels ----
 * A record for each input given to the tree (ui_tree_pointer*, scroll, key,
 * text) whose handlers changed it (marked an element dirty, for paint or
 * layout), and for each answer of another isolate (rt_event_answer: a
 * compute result or progress, an HTTP response) whose event changed it,
 * delivered after the present of the first frame that ran after it, the
 * frame that shows it. All times are on the monotonic clock
 * (rt_monotonic_ns), whatever clock the loop runs on (virtual in tests).
 * A discrete one (a press, a release, a key, text, a final answer) gets its
 * frame at once, without the pacing of ui_tree_set_frame_interval; a
 * continuous one (a move, a hover, a wheel, progress), which can come
 * faster than the display shows frames, waits for its paced frame. */
enum { UI_LATENCY_INPUT, UI_LATENCY_RESULT };
typedef struct ui_latency {
    int kind;
    bool continuous;
    /* "pointer down", "finger up", "pointer hover", "scroll", "key", "text";
     * a result: its event's label ("compute result", "HTTP response").
     * Static strings. */
    const char *what;
    /* Input: when it happened (a window's: the event's timestamp from SDL,
     * converted to this clock; else when it was given to the tree). Result:
     * when the other isolate sent it. */
    int64_t event_ns;
    /* Input: when the binding took it from the system (else event_ns).
     * Result: when this isolate began handling it. */
    int64_t arrival_ns;
    /* When the tree had taken it: the input's handlers returned; the
     * answer's first change to the tree. */
    int64_t dispatch_ns;
    int64_t present_ns; /* the end of the present of the frame that shows it */
    uint64_t frame;     /* that frame's number */
} ui_latency;
static inline int64_t ui_latency_ns(const ui_latency *l)
{
    return l->present_ns - l->event_ns;
}
/* Calls fn(ctx, record) for each record, after the frame that shows it
 * (before the timings listeners of that frame). At most 8 per tree, as the
 * timings listeners: RT_ESTATE beyond; RT_OK. Main isolate. At most 32
 * records wait for one frame; further ones count in its ui_frame_timing
 * but are not delivered. */
ISLET_API int ui_tree_add_latency_listener(ui_tree *t, void (*fn)(void *ctx, const ui_latency *l),
                                           void *ctx);
ISLET_API void
ui_tree_remove_latency_listener(ui_tree *t, void (*fn)(void *ctx, const ui_latency *l), void *ctx);
/* For a window binding: the input it gives the tree from now on (until the
 * next call) happened at event_ns and reached the binding at arrival_ns,
 * both rt_monotonic_ns. (0, 0): no such times, each input call then takes
 * its own time, as for a tester's injected events. */
ISLET_API void ui_tree_input_time(ui_tree *t, int64_t event_ns, int64_t arrival_ns);

/* Live elements, for tests (no leaks across rebuilds). */
ISLET_API size_t ui_tree_element_count(const ui_tree *t);
/* Global keys in use (by active or not yet disposed elements). */
ISLET_API size_t ui_tree_global_key_count(const ui_tree *t);

/* Pointer input: kind is UI_POINTER_DOWN/MOVE/UP/CANCEL. Hit testing at
 * DOWN picks the handler (see ui_widget_class.pointer). */
enum { UI_POINTER_DOWN, UI_POINTER_MOVE, UI_POINTER_UP, UI_POINTER_CANCEL };
/* A mouse moving with no button down: the innermost element taking
 * UI_POINTER_HOVER is hovered; the one it replaces gets UI_POINTER_EXIT. */
enum { UI_POINTER_HOVER = 10, UI_POINTER_EXIT };
ISLET_API void ui_tree_pointer(ui_tree *t, int kind, float x, float y);
/* The element the mouse hovers (the one that took UI_POINTER_HOVER), or NULL. */
ISLET_API ui_element *ui_tree_hovered(ui_tree *t);
/* The elements under (x, y), innermost first; returns how many (<= cap). */
ISLET_API size_t ui_tree_hit_test(ui_tree *t, float x, float y, ui_element **out, size_t cap);

/* ui_tree_on_frame runs fn(ctx, frame start time) once, at the start of the
 * next frame, which it schedules. ui_tree_after_frame runs it once after
 * the next frame has painted, and schedules none (Flutter's
 * addPostFrameCallback): with nothing dirty it waits for a frame. */
ISLET_API int ui_tree_on_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx);
ISLET_API int ui_tree_after_frame(ui_tree *t, void (*fn)(void *ctx, int64_t now), void *ctx);

/* Painting hooks of a window binding: begin runs before the tree paints
 * (clear), end after (present; its time is the frame's raster time). */
ISLET_API void ui_tree_set_paint_hooks(ui_tree *t, void (*begin)(void *ctx), void (*end)(void *ctx),
                                       void *ctx);
/* Partial repaint, for a binding whose canvas keeps its pixels between
 * frames (an offscreen canvas does; a window's back buffer does not): a
 * frame then repaints only where elements were relaid out (rebuilt, resized
 * or moved), before and after, calling clear for each such rectangle (in
 * logical pixels, the canvas clipped to it) instead of begin. Children are
 * taken to paint within their parent's box. The first frame, a new size and
 * a relayout from the root repaint everything (with begin). */
ISLET_API void ui_tree_set_partial_paint(ui_tree *t, void (*clear)(void *ctx, float x, float y,
                                                                   float w, float h));
/* Marks e as needing paint only (Flutter's markNeedsPaint): the next frame
 * (scheduled) repaints e's box, building and laying out nothing, for a
 * change that only affects pixels (an angle, a hover colour, a caret);
 * the repaint boundaries in e's subtree and around it paint again.
 * Ignored for an element not mounted or never laid out. Not during the
 * layout or paint phase (checked). */
ISLET_API void ui_mark_needs_paint(ui_element *e);
/* A repaint boundary (Flutter's RepaintBoundary) around child: child's
 * subtree is painted into a cached layer and repainted only when something
 * in it changed; as big as child. */
ISLET_API ui_widget *ui_repaint_boundary(ui_build *b, ui_widget *child);
ISLET_API extern const ui_widget_class ui_repaint_boundary_class;
/* A new size (a resized window): lays everything out again. */
ISLET_API void ui_tree_set_size(ui_tree *t, float w, float h);

/* Keyboard focus: one element of the tree (or none), forgotten when it
 * unmounts. Setting it repaints the old and the new holder. A pointer-down
 * outside a focused text input takes the focus away from it. */
ISLET_API ui_element *ui_tree_get_focus(ui_tree *t);
ISLET_API void ui_tree_set_focus(ui_tree *t, ui_element *e);

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
ISLET_API int ui_tree_text_input(ui_tree *t, const char *utf8, size_t len);
/* True when the focused element takes text (typed letters are its, not
 * shortcuts'). */
ISLET_API bool ui_tree_wants_text(ui_tree *t);

/* The clipboard text fields copy to and paste from. By default each tree
 * keeps its own (so headless tests have one); a window binding installs the
 * system clipboard. get returns a string from rt_malloc (the caller frees
 * it with rt_free), or NULL when empty. */
typedef struct ui_clipboard {
    char *(*get)(void *ctx);
    void (*set)(void *ctx, const char *utf8, size_t len);
    void *ctx;
} ui_clipboard;
ISLET_API void ui_tree_set_clipboard(ui_tree *t, const ui_clipboard *cb); /* NULL: the tree's own */
/* The clipboard's text (rt_free it), or NULL when empty or out of memory. */
ISLET_API char *ui_tree_clipboard_get(ui_tree *t);
ISLET_API void ui_tree_clipboard_set(ui_tree *t, const char *utf8, size_t len);

/* Keyboard: the focused element's `key` hook sees the key first (a button
 * is pressed by Enter or Space, a text field edits). Otherwise Tab moves
 * the focus to the next element that can take it (Shift+Tab back): classes
 * with a `key` hook whose `focusable` agrees. Returns true if the key was
 * used. */
ISLET_API bool ui_tree_key(ui_tree *t, int key, unsigned mods);
/* A mouse wheel at (x, y): offered to the elements there, innermost first,
 * until a `wheel` hook takes it (a list scrolls by dy). */
ISLET_API void ui_tree_scroll(ui_tree *t, float x, float y, float dy);

/* Calls fn on every element, depth first (for finders and dumps). */
ISLET_API void ui_tree_visit(ui_tree *t, void (*fn)(ui_element *e, int depth, void *ctx),
                             void *ctx);

#endif
