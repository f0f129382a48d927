/* ui_golden.h: golden-image checks for headless UI tests.
 *
 * ui_golden_check compares a rendered surface with a stored image (PNG,
 * or BMP when the name ends in .bmp), pixel by pixel, allowing `tolerance`
 * per channel. On a mismatch it writes <golden>.actual.png and
 * <golden>.diff.png (differing pixels in red; .bmp for a BMP golden) next
 * to the golden and returns the count of differing pixels. With the
 * environment variable ISLET_UPDATE_GOLDENS=1 it (re)writes the golden
 * instead and returns 0. Keep goldens small, and free of text where
 * FreeType versions could move pixels. Part of islet-testing.
 */
#ifndef UI_GOLDEN_H
#define UI_GOLDEN_H

#include <islet/rt_export.h>

#include <islet/ui_image.h>

#include <SDL.h>

/* Differing pixels (0: match), or a negative RT_E* code: RT_EIO if the
 * golden cannot be read or written, RT_ENOMEM if the rendered surface
 * cannot be converted (the reason is printed and kept for ui_last_error). */
ISLET_API long ui_golden_check(SDL_Surface *actual, const char *golden_path, int tolerance);

#endif
