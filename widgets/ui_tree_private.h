/* ui_tree_private.h: the element and tree structs, shared by the files of
 * the tree (keys, arena, elements, reconciliation, build owner, inherited
 * data, layout, paint, pointer, focus, bindings). Not for users. */
#ifndef UI_TREE_PRIVATE_H
#define UI_TREE_PRIVATE_H

#include <islet/ui_tree.h>

#include <stdio.h>
#include <stdlib.h>

#include "ui_check.h"
#include "ui_gesture_private.h"

/* Element lifecycle (Flutter's _ElementLifecycle). A slot of the pool that
 * holds no element reads as UI_DEAD (all zero). */
enum { UI_DEAD, UI_ACTIVE, UI_INACTIVE, UI_DEFUNCT };

/* What the tree is doing, for the misuse checks. */
enum { UI_PHASE_IDLE, UI_PHASE_BUILD, UI_PHASE_FINALIZE, UI_PHASE_LAYOUT, UI_PHASE_PAINT };

typedef struct ui_dep {
    ui_element *inh; /* the inherited element depended on */
    size_t idx;      /* our index in inh->dependents */
} ui_dep;

struct ui_element {
    /* The header stays readable after dispose (ui_element_mounted, ui_ref
     * and the misuse checks read it). */
    uint64_t gen; /* unique per element; 0 in a free slot */
    const ui_widget_class *cls;
    uint8_t life;
    uint32_t pool_ref; /* its block in the tree's pool (chunk << 4 | block) */
    bool dirty;        /* needs a build */
    bool in_dirty;     /* in the tree's dirty list */
    bool disposing;    /* its dispose hook is running */
    bool had_deps;     /* depended on inherited data before it was deactivated */
    bool deps_changed;
    bool updating; /* its update_children is running */
    bool needs_layout, laid_out, in_relayout;
    bool widget_held; /* `widget` is held (heap or const), not an arena one */
    /* From the last layout: the children follow each other down (or
     * across) without overlapping, so paint finds those in a band by
     * binary search. */
    bool kids_down, kids_across;
    bool unsatisfied; /* looked for inherited data that was not there */
    /* Repaint boundaries: the cached picture of the subtree (a
     * ui_canvas_layer), stale when something inside was damaged or the tree
     * was laid out from the root since (layer_epoch). */
    bool layer_dirty;
    unsigned layer_epoch;
    void *layer;
    bool layout_rebuild; /* build_in_layout class: a rebuild waits for its layout */
    ui_key key;
    void *props;
    void *state;
    /* The widget it was last configured with: held (heap or const) or, for
     * an arena widget, valid only in frame widget_frame. */
    const ui_widget *widget;
    unsigned widget_frame;
    ui_element *parent;
    ui_element **kids;
    size_t nkids, kcap;
    int depth;
    float x, y, w, h; /* x, y relative to the parent */
    ui_constraints last_c;
    ui_tree *tree;
    ui_dep *deps; /* inherited elements it depends on */
    size_t ndeps, deps_cap;
    ui_element **dependents; /* for inherited elements: who depends on it */
    size_t ndependents, dependents_cap;
    unsigned claimed;     /* global keys: the frame that last placed it */
    unsigned moved_frame; /* the frame a global key moved it in */
    uint64_t updated_seq; /* when its children were last updated (tree's update_seq) */
    size_t inactive_idx;  /* its index in the tree's inactive list */
    ui_binding *bindings; /* futures and streams bound to it */
};

typedef struct ui_arena_chunk ui_arena_chunk;
struct ui_build {
    ui_tree *tree;
    ui_arena_chunk *chunks;
};

typedef struct ui_frame_cb {
    void (*fn)(void *ctx, int64_t now);
    void *ctx;
} ui_frame_cb;

typedef struct ui_pool ui_pool;

/* Global keys: key -> element (active or inactive), open addressing. */
typedef struct ui_gkey_map {
    ui_element **slots;
    size_t cap, n;
} ui_gkey_map;

#define UI_TIMINGS 240
#define UI_TIMINGS_LISTENERS 8
#define UI_TRACE_FLOWS 4
#define UI_LATENCY_PENDING 32
#define UI_RIDERS 4
#define UI_DAMAGE_MAX 4    /* rectangles painted at most; more are joined */
#define UI_DAMAGE_LIST 256 /* rectangles noted at most; more repaint everything */
#define UI_MAX_PATH 256    /* elements under a point, innermost first */

struct ui_tree { /* NOLINT(clang-analyzer-optin.performance.Padding): one per window */
    float w, h;
    void *canvas;
    ui_build b;
    ui_element *root;
    ui_pool *pool;
    int phase;
    ui_element *target;          /* the element whose build (or update) is running */
    ui_element *initing;         /* the element whose init_state is running */
    ui_element *layout_building; /* the build_in_layout element building in layout */
    /* BuildOwner: the dirty list, and the inactive elements of this frame. */
    ui_element **dirty;
    size_t ndirty, dcap;
    bool dirty_resort;
    ui_element **inactive;
    size_t ninactive, inactive_cap;
    ui_gkey_map globals;
    /* Parents a global key took a child from this frame: each must be
     * updated later in the frame (or leave it), else the key is in use twice. */
    struct ui_robbed {
        ui_element *parent; /* robbed of a child at update_seq `seq`, or */
        ui_element *other;  /* another class's element holding the key */
        ui_key key;
        uint64_t seq;
    } * robbed;
    size_t nrobbed, robbed_cap;
    uint64_t update_seq;
    unsigned frame_no;
    /* Scheduling and timings. */
    rt_timer *frame_timer;
    int64_t frame_interval;
    int64_t last_frame;
    int64_t frame_due, last_start, last_end;
    int animations;
    bool animating;
    ui_frame_timing timings[UI_TIMINGS];
    size_t tcount;
    struct ui_timings_listener {
        void (*fn)(void *ctx, const ui_frame_timing *ft);
        void *ctx;
    } listeners[UI_TIMINGS_LISTENERS];
    size_t nlisteners;
    /* Traced: flows from the events that marked elements dirty to the frame
     * that builds them (the first few of each frame). */
    uint64_t flows[UI_TRACE_FLOWS];
    size_t nflows;
    size_t nelements;
    unsigned built;
    /* Latency (ui_latency.c): records waiting for the frame that shows
     * them, and the input being dispatched. */
    struct ui__pending_latency {
        ui_latency l;
        uint64_t flow; /* traced: from the event to the present */
    } latency[UI_LATENCY_PENDING];
    size_t nlatency, nshown;
    unsigned lat_count[2]; /* by kind, delivered or not */
    int64_t lat_oldest[2]; /* the oldest event_ns by kind (0: none) */
    /* The answer last noted (its send and receipt): one record per answer,
     * whose event and microtasks may change many elements. */
    int64_t noted_sent, noted_received;
    struct ui_latency_listener {
        void (*fn)(void *ctx, const ui_latency *l);
        void *ctx;
    } lat_listeners[UI_TIMINGS_LISTENERS];
    size_t nlat_listeners;
    uint64_t changes;                   /* marks so far (dirty, paint, layout) */
    int input_depth;                    /* nested input calls */
    uint64_t input_changes;             /* `changes` when the outer input call began */
    int64_t input_event, input_arrival; /* from ui_tree_input_time (0: none) */
    int64_t input_start;                /* when the outer input call began */
    int64_t frame_at;                   /* loop time the frame timer is due */
    bool frame_urgent;                  /* that timer is an early frame's (unpaced) */
    ui_ref riders[UI_RIDERS];           /* rebuild in the next frame (ui__ride_next_frame) */
    size_t nriders;
    /* Pointer and focus. */
    ui_element *focus;
    ui_element *hovered;
    ui__gestures gestures; /* pointers with ids, their arenas */
    ui_clipboard clipboard;
    char *clip;
    size_t clip_len;
    void (*paint_begin)(void *ctx), (*paint_end)(void *ctx);
    void (*paint_clear)(void *ctx, float x, float y, float w, float h);
    void *paint_ctx;
    /* What the next paint must redraw: the whole frame, or the rectangles
     * noted (logical pixels, window coordinates), at most UI_DAMAGE_LIST;
     * paint joins them into at most UI_DAMAGE_MAX. */
    bool damage_all;
    struct ui_damage {
        float r[4]; /* x0, y0, x1, y1 */
    } * damage;
    size_t ndamage, damage_cap;
    unsigned painted;      /* elements painted this frame */
    bool needs_paint;      /* ui_mark_needs_paint since the last paint */
    unsigned layout_epoch; /* full layouts so far: older layers are stale */
    ui_element **relayout;
    size_t nrelayout, relayout_cap;
    ui_frame_cb *before, *after;
    size_t nbefore, nafter, before_cap, after_cap;
};

/* ---- ui_element.c: the element pool and accessors ---- */
ui_pool *ui__pool_new(void);
void ui__pool_free(ui_pool *p);
void ui__pool_close(ui_pool *p); /* the tree is going: no page is returned any more */
ui_element *ui__element_alloc(ui_tree *t);
void ui__element_free(ui_tree *t, ui_element *e);
/* Dies with a clear message unless e is a live element (active or inactive). */
void ui__check_live(const ui_element *e, const char *func);
bool ui__push(void *arr, size_t *n, size_t *cap, size_t elem, const void *item);

/* ---- ui_arena.c: the build arena and held widgets ---- */
void ui__arena_reset(ui_build *b);
/* A widget that outlives the frame: w itself when static or already held
 * (one more reference), else a heap copy (props, strings, children and
 * widget fields held too). NULL when out of memory. */
ui_widget *ui__widget_hold(const ui_widget *w);
void ui__widget_drop(const ui_widget *w);
/* Copies props (props_size bytes) into dst, which then owns copies of the
 * string fields (NULL reads as "") and holds the widget fields; all or
 * nothing: false, owning nothing, when out of memory. */
bool ui__props_copy(const ui_widget_class *c, void *dst, const void *src);
/* Frees what ui__props_copy made props own (not props itself). */
void ui__props_release(const ui_widget_class *c, void *props);
/* The same configuration: equal bytes, string fields compared as text;
 * never for a class with widget fields (its widgets are held copies). */
bool ui__props_equal(const ui_widget_class *c, const void *a, const void *b);
bool ui__widget_durable(const ui_widget *w);

/* ---- ui_key.c ---- */
size_t ui__key_hash(ui_key k);

/* ---- ui_reconcile.c ---- */
void ui__rebuild(ui_element *e, const ui_widget *w);
/* Finalize: disposes what is still inactive, checks robbed parents. */
void ui__finalize(ui_tree *t);
void ui__unmount_all(ui_tree *t);

/* ---- ui_inherited.c ---- */
void ui__deps_drop(ui_element *e);
void ui__notify_dependents(ui_element *inh);
void ui__dependents_release(ui_element *e);

/* ---- ui_build_owner.c ---- */
void ui__mark_dirty(ui_element *e);
/* e rebuilds in the next frame, whatever asks for it, without asking for
 * one (an overlay's refresh riding an animation's frames); when the last
 * animation stops, a frame is asked for. False (nothing done) when
 * UI_RIDERS already wait. */
bool ui__ride_next_frame(ui_element *e);
void ui__schedule_frame(ui_tree *t);
/* The next frame starts as soon as the loop can run it, not paced (a
 * discrete input's, a final answer's). */
void ui__schedule_frame_now(ui_tree *t);
/* A frame will come without being asked: one is scheduled, or an
 * animation ticks. */
bool ui__frame_coming(const ui_tree *t);
void ui__forget(ui_tree *t, ui_element *e);

/* ---- ui_latency.c ---- */
/* Something in t was marked (dirty, for paint, for layout): an answer's
 * event notes a result record. */
void ui__note_change(ui_tree *t);
/* Around an input call (nested calls count once): what it is, and whether
 * it is one of a stream (a move). */
void ui__input_enter(ui_tree *t);
void ui__input_leave(ui_tree *t, const char *what, bool continuous);
/* After a frame's present (raster from t3 to t4): the pending records get
 * their present and frame, fill ft's counts, go to the listeners. */
void ui__latency_frame(ui_tree *t, ui_frame_timing *ft, int64_t t3, int64_t t4);
void ui__latency_deliver(ui_tree *t);
/* A frame produced nothing: what waited for it showed nothing. */
void ui__latency_drop(ui_tree *t);

/* ---- ui_layout.c ---- */
void ui__mark_needs_layout(ui_element *e);
void ui__layout_frame(ui_tree *t);

/* ---- ui_paint.c, ui_pointer.c, ui_focus.c, ui_bind.c ---- */
void ui__paint_frame(ui_tree *t);
/* The area of e (old or new place) must be painted again. */
void ui__damage_element(ui_element *e);
/* e is unmounting: its layer (if any) is freed. */
void ui__paint_forget(ui_element *e);
void ui__pointer_forget(ui_tree *t, ui_element *e);
void ui__focus_forget(ui_tree *t, ui_element *e);
void ui__clipboard_init(ui_tree *t);
void ui__bindings_detach(ui_element *e);

#endif
