/* ui_gesture.h: pointers with ids, the gesture arena and the recognizers
 * (Flutter's gestures/: arena.dart, recognizer.dart, tap.dart,
 * multitap.dart, long_press.dart, monodrag.dart).
 *
 * Each pointer-down gets an arena of its own (a new pointer number, even
 * for the same finger or mouse). The recognizers of the elements on the
 * hit-test path, innermost first, enter it; each then sees that pointer's
 * events. The first to accept wins and every other member is rejected; a
 * member that gives up leaves, and the last one left wins. When the pointer
 * goes up with nobody accepted, the arena is swept: the first member (the
 * innermost) wins, unless a member holds the arena (a double tap waiting
 * for its second tap). Timeouts run on rt timers, so on the loop's clock
 * (virtual in tests). Main isolate only.
 */
#ifndef UI_GESTURE_H
#define UI_GESTURE_H

#include <islet/rt_export.h>

#include <islet/ui_tree.h>

/* Flutter's gestures/constants.dart (logical pixels, ns, px/s). */
#define UI_TOUCH_SLOP 18.0f
#define UI_PAN_SLOP 36.0f
#define UI_DOUBLE_TAP_SLOP 100.0f
#define UI_DOUBLE_TAP_TOUCH_SLOP UI_TOUCH_SLOP
#define UI_PRESS_TIMEOUT_NS 100000000LL
#define UI_DOUBLE_TAP_TIMEOUT_NS 300000000LL
#define UI_LONG_PRESS_TIMEOUT_NS 500000000LL
#define UI_MIN_FLING_VELOCITY 50.0f
#define UI_MAX_FLING_VELOCITY 8000.0f

/* How a gesture detector is hit (Flutter's HitTestBehavior): defer to
 * child (hit where its child is), opaque (hit anywhere in its box, hiding
 * what is behind) or translucent (hit in its box, and what is behind it is
 * hit too). UI_HIT_DEFAULT (0) is Flutter's null: defer to child, or
 * translucent for a detector without a child. */
enum { UI_HIT_DEFAULT, UI_HIT_DEFER_TO_CHILD, UI_HIT_OPAQUE, UI_HIT_TRANSLUCENT };

enum { UI_BUTTON_PRIMARY = 1, UI_BUTTON_SECONDARY = 2, UI_BUTTON_MIDDLE = 4 };
enum { UI_DEVICE_MOUSE, UI_DEVICE_TOUCH };

/* At most this many pointers down at once, arenas open at once (held ones
 * included) and members in one arena (further ones are not entered). */
#define UI_MAX_POINTERS 10
#define UI_MAX_ARENAS 16
#define UI_ARENA_MEMBERS 256

struct ui_pointer_event {
    int pointer; /* this press's number: its arena */
    int id;      /* the device's id (a finger, 0 for the mouse) */
    int kind;    /* UI_POINTER_DOWN, MOVE, UP, CANCEL */
    int device;  /* UI_DEVICE_* */
    int buttons; /* UI_BUTTON_* bits held at the down */
    float x, y;  /* window coordinates, logical pixels */
    int64_t time_ns;
};

/* Pointer input with ids: id is the device's (SDL's finger id, or 0 for the
 * mouse); buttons the UI_BUTTON_* held (for DOWN; later events keep the
 * down's). A DOWN for an id already down cancels its previous gesture.
 * ui_tree_pointer(t, kind, x, y) is id 0, the mouse, primary button. */
ISLET_API void ui_tree_pointer_id(ui_tree *t, int id, int kind, int device, float x, float y,
                                  int buttons);
/* Arenas still open or held, and pointers down (tests: 0 when a gesture is
 * over). */
ISLET_API size_t ui_tree_gesture_arenas(const ui_tree *t);
ISLET_API size_t ui_tree_pointers_down(const ui_tree *t);

/* ---- Recognizers ----
 * A recognizer lives in its owner's state (no allocation) and reports
 * through emit, which the owner maps to its callbacks. */
typedef struct ui_recognizer ui_recognizer;

enum {
    UI_REC_TAP,
    UI_REC_DOUBLE_TAP,
    UI_REC_LONG_PRESS,
    UI_REC_VERTICAL_DRAG,
    UI_REC_HORIZONTAL_DRAG,
    UI_REC_PAN
};

/* What a recognizer reports. */
enum {
    UI_G_TAP_DOWN,
    UI_G_TAP_UP,
    UI_G_TAP,
    UI_G_TAP_CANCEL,
    UI_G_DOUBLE_TAP,
    UI_G_LONG_PRESS,
    UI_G_LONG_PRESS_UP,
    UI_G_DRAG_START,
    UI_G_DRAG_UPDATE,
    UI_G_DRAG_END,
    UI_G_DRAG_CANCEL
};

/* Where a drag is: position, the delta since the last update, and (at the
 * end) the velocity; primary_* along the drag's axis (0 for a pan). */
typedef struct ui_drag_details {
    float x, y;
    float dx, dy;
    float vx, vy;
    float primary_delta, primary_velocity;
} ui_drag_details;

typedef void (*ui_drag_cb)(void *ctx, const ui_drag_details *d);
typedef void (*ui_recognizer_emit)(ui_recognizer *r, int what, const ui_drag_details *d);

#define UI_VELOCITY_SAMPLES 20

struct ui_recognizer {
    /* Set by ui_recognizer_init. */
    int type;
    int buttons; /* the buttons it answers (a tap: primary or secondary) */
    ui_element *owner;
    ui_recognizer_emit emit;
    /* The framework's. */
    int state; /* ready, possible, accepted */
    int pointer, pointer2;
    bool won, down_sent, up_seen, held;
    float x0, y0, x, y, fx, fy;
    rt_timer *timer;
    struct ui_vsample {
        float x, y;
        int64_t t;
    } samples[UI_VELOCITY_SAMPLES];
    unsigned nsamples;
};

ISLET_API void ui_recognizer_init(ui_recognizer *r, int type, int buttons, ui_element *owner,
                                  ui_recognizer_emit emit);
/* A pointer went down on the owner: r enters ev's arena and follows it. */
ISLET_API void ui_recognizer_add_pointer(ui_recognizer *r, const ui_pointer_event *ev);
/* Leaves every arena, stops its timer (the owner's dispose calls it). */
ISLET_API void ui_recognizer_dispose(ui_recognizer *r);

#endif
