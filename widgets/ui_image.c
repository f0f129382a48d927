/* ui_image.c: screenshots, PNG (SDL_image) or BMP by their name. */
#include <islet/ui_image.h>

#include <SDL_image.h>

#include <stdbool.h>
#include <string.h>

static bool is_png(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && SDL_strcasecmp(path + n - 4, ".png") == 0;
}

int ui_image_save(SDL_Surface *s, const char *path)
{
    return is_png(path) ? IMG_SavePNG(s, path) : SDL_SaveBMP(s, path);
}
