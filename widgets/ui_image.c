/* ui_image.c: screenshots, PNG (SDL_image) or BMP by their name. */
#include <islet/ui_image.h>

#include <SDL_image.h>

#include <islet/ui_tree.h>

#include <stdbool.h>
#include <string.h>

static bool is_png(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && SDL_strcasecmp(path + n - 4, ".png") == 0;
}

int ui_image_save(SDL_Surface *s, const char *path)
{
    if ((is_png(path) ? IMG_SavePNG(s, path) : SDL_SaveBMP(s, path)) == 0) return RT_OK;
    return ui_set_error(RT_EIO, "cannot write '%s': %s", path, SDL_GetError());
}
