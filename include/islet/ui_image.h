/* ui_image.h: writing rendered pixels to a file (screenshots: the window's
 * --screenshot, a tester's canvas, the goldens of islet-testing).
 */
#ifndef UI_IMAGE_H
#define UI_IMAGE_H

#include <islet/rt_export.h>

#include <SDL.h>

/* Writes s as PNG when path ends in .png, else BMP. RT_OK, or RT_EIO with
 * the path and SDL's reason for ui_last_error() (ui_tree.h). Any thread
 * that owns s. */
ISLET_API int ui_image_save(SDL_Surface *s, const char *path);

#endif
