/* ui_font_private.h: which font files the canvas opens, found at run time.
 *
 * Faces are small integers: UI__FACE_REGULAR and UI__FACE_BOLD are the
 * primary fonts (the app's files from ui_set_font_file, else fontconfig's
 * match for DejaVu Sans, else for sans-serif); from UI__FACE_FALLBACK on come
 * pairs (regular, bold) of fallback fonts, each found for a code point the
 * primary fonts lack. The table is process-wide, as SDL_ttf's state is; main
 * thread only, like every canvas call.
 */
#ifndef UI_FONT_PRIVATE_H
#define UI_FONT_PRIVATE_H

#include <SDL_ttf.h>
#include <stdbool.h>
#include <stdint.h>

enum { UI__FACE_REGULAR = 0, UI__FACE_BOLD = 1, UI__FACE_FALLBACK = 2 };

/* At most this many fallback fonts are used; code points that only other
 * fonts have are drawn with the primary font's missing-glyph box. */
#define UI__FALLBACKS_MAX 16

/* Changes whenever the primary fonts change (ui_set_font_file): a canvas
 * holding fonts or text of another generation throws them away. */
unsigned ui__fonts_generation(void);
/* Opens face at px device pixels; NULL when it cannot be opened (said on
 * stderr once per file). A primary file of the app's that fails to open
 * falls back to fontconfig's choice. */
TTF_Font *ui__font_open(int face, int px);
/* The fallback face (bold or not) for a code point the primary font lacks;
 * -1 when no usable installed font has it. Cached per code point, so only
 * the first lookup of each costs a search of fontconfig's font list. */
int ui__font_fallback(uint32_t cp, bool bold);
/* The file the primary face opens (NULL if none), valid until the next
 * ui_set_font_file or ui__fonts_free. */
const char *ui__font_file(int face);
/* Frees the font set and the fallbacks found through fontconfig (the
 * primaries' paths stay, as the app's files do); called when the last
 * canvas goes. */
void ui__fonts_free(void);

#endif
