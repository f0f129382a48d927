/* ui_text_field.h: a single-line text input.
 *
 * The element owns its text (always valid UTF-8, at most max_bytes). With the
 * focus (a tap on it, or Tab) it takes typed text (ui_tree_text_input) and
 * editing keys (ui_tree_key): Left/Right (Ctrl: by word, Shift: select),
 * Home/End, Backspace/Delete (Ctrl: by word), select all, copy, cut, paste
 * through the tree's clipboard, Enter submits. A press places the cursor, a
 * drag selects, a double press selects a word and a triple one everything
 * (presses within UI_DOUBLE_PRESS_NS and 4 px of each other). CR and LF in inserted text are
 * dropped and other control characters become spaces, since the field has one line.
 *
 * Main isolate only, like every widget.
 */
#ifndef UI_TEXT_FIELD_H
#define UI_TEXT_FIELD_H

#include <islet/rt_export.h>

#include <islet/ui_widgets.h>

#define UI_TEXT_FIELD_MAX 4096               /* default max_bytes */
#define UI_DOUBLE_PRESS_NS (500 * 1000000LL) /* presses this close count as one gesture */

typedef struct ui_text_field_props {
    const char *initial; /* the text when the element is created (copied); it
                            must be valid UTF-8 within max_bytes (else abort) */
    const char *hint;    /* grey text shown while the field is empty (copied) */
    size_t max_bytes;    /* 0: UI_TEXT_FIELD_MAX */
    float size;          /* font size; 0: 16 */
    /* After each change: the whole text (valid until the next edit). */
    void (*on_changed)(void *ctx, const char *text, size_t len);
    /* Enter pressed in the field. */
    void (*on_submitted)(void *ctx, const char *text, size_t len);
    /* An insertion was refused, the text unchanged: RT_EILSEQ (not UTF-8)
     * or RT_E2BIG (past max_bytes). The field's border turns red until the
     * next edit. */
    void (*on_rejected)(void *ctx, int code);
    void *ctx;
} ui_text_field_props;

ISLET_API extern const ui_widget_class ui_text_field_class;

/* A text field filling the width it is given (280 when unbounded). */
ISLET_API ui_widget *ui_text_field(ui_build *b, ui_key key, const ui_text_field_props *p);

/* The element's text and its length (valid until the next edit). */
ISLET_API const char *ui_text_field_text(ui_element *e, size_t *len);
/* Replaces the text (cursor at the end) as pasting over all of it would,
 * but without calling on_changed. RT_EILSEQ or RT_E2BIG leave it unchanged
 * (and call on_rejected). */
ISLET_API int ui_text_field_set_text(ui_element *e, const char *utf8, size_t len);
/* The cursor and the other end of the selection, as byte offsets (equal
 * when nothing is selected). */
ISLET_API void ui_text_field_selection(ui_element *e, size_t *cursor, size_t *anchor);

#endif
