/* ui_golden.c: golden images, PNG (SDL_image) or BMP by their name (islet-testing). */
#include <islet/ui_golden.h>
#include <islet/ui_tree.h>

#include <SDL_image.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Uint32 pixel_at(SDL_Surface *s, int x, int y)
{
    const Uint8 *row = (const Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch;
    Uint32 p;
    memcpy(&p, row + (size_t)x * 4, 4);
    return p;
}

static SDL_Surface *as_rgba(SDL_Surface *s)
{
    return SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGBA32, 0);
}

static void with_suffix(char *out, size_t n, const char *path, const char *suffix)
{
    snprintf(out, n, "%.*s%s", (int)(strlen(path) > 4 ? strlen(path) - 4 : strlen(path)), path,
             suffix);
}

static bool is_png(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && SDL_strcasecmp(path + n - 4, ".png") == 0;
}

long ui_golden_check(SDL_Surface *actual, const char *golden_path, int tolerance)
{
    const char *update = getenv("ISLET_UPDATE_GOLDENS");
    if (update && strcmp(update, "1") == 0) {
        int rc = ui_image_save(actual, golden_path);
        if (rc != RT_OK)
            fprintf(stderr, "golden: cannot write %s: %s\n", golden_path, SDL_GetError());
        return rc;
    }
    SDL_Surface *want_raw = IMG_Load(golden_path);
    if (!want_raw) {
        fprintf(stderr, "golden: cannot read %s: %s (ISLET_UPDATE_GOLDENS=1 writes it)\n",
                golden_path, SDL_GetError());
        return ui_set_error(RT_EIO, "cannot read '%s': %s", golden_path, SDL_GetError());
    }
    SDL_Surface *want = as_rgba(want_raw), *got = as_rgba(actual);
    SDL_FreeSurface(want_raw);
    long diff = 0;
    if (!want || !got || want->w != got->w || want->h != got->h) {
        fprintf(stderr, "golden: %s: size %dx%d, rendered %dx%d\n", golden_path, want ? want->w : 0,
                want ? want->h : 0, got ? got->w : 0, got ? got->h : 0);
        diff = got ? (long)got->w * got->h
                   : ui_set_error(RT_ENOMEM, "%s: cannot convert the rendered surface: %s",
                                  golden_path, SDL_GetError());
    } else {
        SDL_Surface *map =
            SDL_CreateRGBSurfaceWithFormat(0, got->w, got->h, 32, SDL_PIXELFORMAT_RGBA32);
        for (int y = 0; y < got->h; y++)
            for (int x = 0; x < got->w; x++) {
                Uint32 a = pixel_at(got, x, y), b = pixel_at(want, x, y);
                bool differs = false;
                for (int c = 0; c < 32; c += 8) {
                    int d = (int)((a >> c) & 255) - (int)((b >> c) & 255);
                    if (d > tolerance || d < -tolerance) differs = true;
                }
                Uint32 out = differs ? SDL_MapRGBA(map->format, 255, 0, 0, 255)
                                     : SDL_MapRGBA(map->format, 0, 0, 0, 255);
                memcpy((Uint8 *)map->pixels + (size_t)y * (size_t)map->pitch + (size_t)x * 4, &out,
                       4);
                diff += differs;
            }
        if (diff) {
            char p[1024];
            with_suffix(p, sizeof p, golden_path, is_png(golden_path) ? ".diff.png" : ".diff.bmp");
            ui_image_save(map, p);
        }
        SDL_FreeSurface(map);
    }
    if (diff) {
        char p[1024];
        with_suffix(p, sizeof p, golden_path, is_png(golden_path) ? ".actual.png" : ".actual.bmp");
        ui_image_save(actual, p);
        fprintf(stderr, "golden: %s: %ld pixels differ (beyond %d per channel); see %s\n",
                golden_path, diff, tolerance, p);
    }
    SDL_FreeSurface(want);
    SDL_FreeSurface(got);
    return diff;
}
