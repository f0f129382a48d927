/* ui_anim.h: animation controllers driven by frame time, and the progress
 * indicators built on them. Main isolate only.
 *
 * A controller runs a value from 0 to 1 over its duration (through a curve),
 * once or repeating. While it runs, a ticker wakes every frame interval,
 * advances the value from the loop's clock (virtual in tests) and marks its
 * owner element dirty, so the owner rebuilds each frame. Stopped or freed,
 * it costs nothing: no timer, no frames.
 */
#ifndef UI_ANIM_H
#define UI_ANIM_H

#include <islet/rt_export.h>

#include <islet/ui_widgets.h>

typedef float (*ui_curve)(float t);
ISLET_API float ui_curve_linear(float t);
ISLET_API float ui_curve_ease_in_out(float t);

typedef struct ui_anim ui_anim;

/* A stopped controller that rebuilds `owner` while it runs. Free it in the
 * owner's dispose (a ticker outliving its widget is a bug). NULL when out of
 * memory. */
ISLET_API ui_anim *ui_anim_new(ui_element *owner, int64_t duration_ns, ui_curve curve, bool repeat);
ISLET_API void ui_anim_free(ui_anim *a);
/* Starts from 0 (or restarts). */
ISLET_API void ui_anim_start(ui_anim *a);
ISLET_API void ui_anim_stop(ui_anim *a);
ISLET_API bool ui_anim_running(const ui_anim *a);
/* Ticks mark the owner as needing paint only (ui_mark_needs_paint) instead
 * of a rebuild: for an owner that reads the value when painting, not in
 * build (the spinner). Off by default. */
ISLET_API void ui_anim_set_paint_only(ui_anim *a, bool paint_only);
/* The curved value in [0, 1]. */
ISLET_API float ui_anim_value(const ui_anim *a);
/* Tickers running in this isolate (a test that leaves one running is
 * usually wrong). */
ISLET_API size_t ui_anim_active(void);
/* The widget class name of the i-th running ticker's owner, or NULL. */
ISLET_API const char *ui_anim_active_owner(size_t i);

/* An indeterminate spinner: an arc with round caps turning once a second,
 * in a repaint boundary; each tick repaints only it (no rebuild). */
ISLET_API ui_widget *ui_spinner(ui_build *b, ui_key key, float size, ui_color color);
/* A progress bar; value in [0, 1]. */
ISLET_API ui_widget *ui_progress_bar(ui_build *b, float value, float width, float height,
                                     ui_color color);

ISLET_API extern const ui_widget_class ui_spinner_class, ui_progress_class;

#endif
