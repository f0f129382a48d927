/* ui_font.c: the font files text is drawn with, found at run time.
 *
 * The primary fonts are the app's files (ui_set_font_file) or fontconfig's
 * best match for "DejaVu Sans, sans-serif" (regular and bold). A code point
 * the primary font lacks goes to a fallback font: the first of fontconfig's
 * fonts, sorted once as for sans-serif, whose character set has it and that
 * SDL_ttf can draw (scalable TrueType or CFF outlines, no colour bitmaps).
 * Fallbacks found before are tried first, so a CJK paragraph searches once.
 * fontconfig's configuration is loaded into an object of our own (the
 * process-wide default one is not touched) on first need, never when the
 * app's fonts cover every string, and destroyed right after the look-ups:
 * kept, it would show as leaked to LeakSanitizer in a program that exits
 * with a canvas open (fontconfig keeps some pointers as offsets). What the
 * look-ups found stays: the sorted font set until the last canvas goes, the
 * primaries' paths for good (like the app's), as loading the configuration
 * costs milliseconds, which a program that makes and frees canvases one
 * after another (a test suite) would pay each time.
 */
#include <islet/rt_base.h>
#include <islet/ui_canvas.h>
#include "ui_font_private.h"

#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The primary family: DejaVu when installed, else what sans-serif means here. */
#define UI__FONT_PATTERN "DejaVu Sans,sans-serif"

typedef struct ui__fontfile {
    char *path;
    int index;          /* the face in a collection (.ttc) */
    bool is_bold;       /* else bold is synthesised (TTF_STYLE_BOLD) */
    bool failed;        /* did not open; said once on stderr */
    FcCharSet *charset; /* fallbacks: what it covers (a reference) */
} ui__fontfile;

static struct {
    unsigned generation;
    ui__fontfile app[2]; /* the app's files; path NULL: none */

    ui__fontfile system[2]; /* fontconfig's primaries; path NULL: none found */
    bool system_tried[2];
    FcFontSet *sorted; /* every font, best for sans-serif first */
    bool sorted_tried;
    ui__fontfile fallback[UI__FALLBACKS_MAX];
    int nfallback;

    /* Code point -> fallback index (-1: none), open addressing. */
    uint32_t *cp_key;     /* code point + 1; 0 is empty */
    int16_t *cp_fallback; /* a fallback index, or -1 */
    size_t cp_cap, cp_count;
} ui__fonts;

/* ---- Files ---- */

static char *ui__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void ui__file_clear(ui__fontfile *f)
{
    free(f->path);
    if (f->charset) FcCharSetDestroy(f->charset);
    *f = (ui__fontfile){0};
}

static TTF_Font *ui__file_open(ui__fontfile *f, int px, bool bold)
{
    if (!f->path || f->failed) return NULL;
    TTF_Font *font = TTF_OpenFontIndex(f->path, px, f->index);
    if (!font) {
        f->failed = true;
        fprintf(stderr, "islet: cannot open the font '%s' (face %d): %s\n", f->path, f->index,
                TTF_GetError());
        return NULL;
    }
    if (bold && !f->is_bold) TTF_SetFontStyle(font, TTF_STYLE_BOLD);
    return font;
}

/* Copies what a fontconfig pattern names (file, face index, weight). */
static bool ui__file_from(ui__fontfile *f, FcPattern *p)
{
    FcChar8 *file = NULL;
    int index = 0, weight = FC_WEIGHT_REGULAR;
    if (FcPatternGetString(p, FC_FILE, 0, &file) != FcResultMatch) return false;
    FcPatternGetInteger(p, FC_INDEX, 0, &index);
    FcPatternGetInteger(p, FC_WEIGHT, 0, &weight);
    char *path = ui__strdup((const char *)file);
    if (!path) return false;
    *f = (ui__fontfile){.path = path, .index = index, .is_bold = weight >= FC_WEIGHT_BOLD};
    return true;
}

/* ---- fontconfig ---- */

/* The pattern as fontconfig completes it for matching; NULL without memory. */
static FcPattern *ui__pattern(FcConfig *cfg, const char *name, bool bold)
{
    FcPattern *p = FcNameParse((const FcChar8 *)name);
    if (!p) return NULL;
    FcPatternAddInteger(p, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcPatternAddInteger(p, FC_SLANT, FC_SLANT_ROMAN);
    FcConfigSubstitute(cfg, p, FcMatchPattern);
    FcDefaultSubstitute(p);
    return p;
}

/* Finds what is not yet found: the primaries and the sorted font set, in
 * one load of the configuration. */
static void ui__discover(void)
{
    FcConfig *cfg = FcInitLoadConfigAndFonts();
    if (!cfg) fprintf(stderr, "islet: fontconfig found no configuration\n");
    for (int face = 0; face < 2; face++) {
        if (ui__fonts.system_tried[face]) continue;
        ui__fonts.system_tried[face] = true;
        FcPattern *p = cfg ? ui__pattern(cfg, UI__FONT_PATTERN, face == UI__FACE_BOLD) : NULL;
        FcResult res;
        FcPattern *m = p ? FcFontMatch(cfg, p, &res) : NULL;
        if (!m || !ui__file_from(&ui__fonts.system[face], m))
            fprintf(stderr, "islet: fontconfig found no sans-serif font\n");
        if (m) FcPatternDestroy(m);
        if (p) FcPatternDestroy(p);
    }
    if (!ui__fonts.sorted_tried) {
        ui__fonts.sorted_tried = true;
        FcPattern *p = cfg ? ui__pattern(cfg, "sans-serif", false) : NULL;
        FcResult res;
        if (p) ui__fonts.sorted = FcFontSort(cfg, p, FcFalse, NULL, &res);
        if (p) FcPatternDestroy(p);
    }
    if (cfg) FcConfigDestroy(cfg);
}

static ui__fontfile *ui__system(int face)
{
    if (!ui__fonts.system_tried[face]) ui__discover();
    return &ui__fonts.system[face];
}

static FcFontSet *ui__sorted(void)
{
    if (!ui__fonts.sorted_tried) ui__discover();
    return ui__fonts.sorted;
}

/* Whether SDL_ttf can draw cp with the font p describes. */
static bool ui__usable(FcPattern *p, uint32_t cp)
{
    FcCharSet *cs;
    FcBool b;
    FcChar8 *format;
    if (FcPatternGetCharSet(p, FC_CHARSET, 0, &cs) != FcResultMatch || !FcCharSetHasChar(cs, cp))
        return false;
    if (FcPatternGetBool(p, FC_SCALABLE, 0, &b) == FcResultMatch && !b) return false;
    if (FcPatternGetBool(p, FC_COLOR, 0, &b) == FcResultMatch && b) return false;
    if (FcPatternGetString(p, FC_FONTFORMAT, 0, &format) != FcResultMatch) return false;
    return strcmp((const char *)format, "TrueType") == 0 ||
           strcmp((const char *)format, "CFF") == 0;
}

/* A new fallback from p; its index, or -1 when full or out of memory. */
static int ui__fallback_add(FcPattern *p)
{
    if (ui__fonts.nfallback == UI__FALLBACKS_MAX) return -1;
    ui__fontfile *f = &ui__fonts.fallback[ui__fonts.nfallback];
    FcCharSet *cs;
    if (!ui__file_from(f, p)) return -1;
    if (FcPatternGetCharSet(p, FC_CHARSET, 0, &cs) == FcResultMatch) f->charset = FcCharSetCopy(cs);
    return ui__fonts.nfallback++;
}

static int ui__fallback_find(uint32_t cp)
{
    for (int i = 0; i < ui__fonts.nfallback; i++)
        if (!ui__fonts.fallback[i].failed && ui__fonts.fallback[i].charset &&
            FcCharSetHasChar(ui__fonts.fallback[i].charset, cp))
            return i;
    FcFontSet *set = ui__sorted();
    for (int i = 0; set && i < set->nfont; i++) {
        if (!ui__usable(set->fonts[i], cp)) continue;
        FcChar8 *file = NULL;
        FcPatternGetString(set->fonts[i], FC_FILE, 0, &file);
        bool known = false; /* a fallback already tried, that failed to open */
        for (int k = 0; k < ui__fonts.nfallback && file; k++)
            known |= strcmp(ui__fonts.fallback[k].path, (const char *)file) == 0;
        if (!known) return ui__fallback_add(set->fonts[i]);
    }
    return -1;
}

/* ---- The code point cache ---- */

static size_t ui__cp_slot(uint32_t cp, size_t cap)
{
    size_t i = (size_t)(cp * 2654435761u) & (cap - 1);
    while (ui__fonts.cp_key[i] != 0 && ui__fonts.cp_key[i] != cp + 1)
        i = (i + 1) & (cap - 1);
    return i;
}

static bool ui__cp_grow(void)
{
    size_t cap = ui__fonts.cp_cap ? 2 * ui__fonts.cp_cap : 256;
    uint32_t *keys = calloc(cap, sizeof *keys), *old_keys = ui__fonts.cp_key;
    int16_t *vals = malloc(cap * sizeof *vals), *old_vals = ui__fonts.cp_fallback;
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return false;
    }
    size_t old_cap = ui__fonts.cp_cap;
    ui__fonts.cp_key = keys;
    ui__fonts.cp_fallback = vals;
    ui__fonts.cp_cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old_keys[i]) continue;
        size_t j = ui__cp_slot(old_keys[i] - 1, cap);
        keys[j] = old_keys[i];
        vals[j] = old_vals[i];
    }
    free(old_keys);
    free(old_vals);
    return true;
}

int ui__font_fallback(uint32_t cp, bool bold)
{
    int fb;
    size_t i = ui__fonts.cp_cap ? ui__cp_slot(cp, ui__fonts.cp_cap) : 0;
    if (ui__fonts.cp_cap && ui__fonts.cp_key[i]) {
        fb = ui__fonts.cp_fallback[i];
    } else {
        fb = ui__fallback_find(cp);
        /* Kept at most half full; without memory the answer is just not kept. */
        if (2 * (ui__fonts.cp_count + 1) <= ui__fonts.cp_cap || ui__cp_grow()) {
            i = ui__cp_slot(cp, ui__fonts.cp_cap);
            ui__fonts.cp_key[i] = cp + 1;
            ui__fonts.cp_fallback[i] = (int16_t)fb;
            ui__fonts.cp_count++;
        }
    }
    return fb < 0 ? -1 : UI__FACE_FALLBACK + 2 * fb + (bold ? 1 : 0);
}

/* ---- Faces ---- */

unsigned ui__fonts_generation(void)
{
    return ui__fonts.generation;
}

TTF_Font *ui__font_open(int face, int px)
{
    bool bold = face & 1;
    if (face >= UI__FACE_FALLBACK) {
        int i = (face - UI__FACE_FALLBACK) / 2;
        return i < ui__fonts.nfallback ? ui__file_open(&ui__fonts.fallback[i], px, bold) : NULL;
    }
    TTF_Font *f = ui__file_open(&ui__fonts.app[face], px, bold);
    return f ? f : ui__file_open(ui__system(face), px, bold);
}

const char *ui__font_file(int face)
{
    if (face < 0 || face >= UI__FACE_FALLBACK) return NULL;
    const ui__fontfile *app = &ui__fonts.app[face];
    return app->path && !app->failed ? app->path : ui__system(face)->path;
}

void ui__fonts_free(void)
{
    for (int i = 0; i < 2; i++) { /* the next canvas tries every file again */
        ui__fonts.system[i].failed = false;
        ui__fonts.app[i].failed = false;
    }
    for (int i = 0; i < ui__fonts.nfallback; i++)
        ui__file_clear(&ui__fonts.fallback[i]);
    ui__fonts.nfallback = 0;
    if (ui__fonts.sorted) FcFontSetDestroy(ui__fonts.sorted);
    ui__fonts.sorted = NULL;
    ui__fonts.sorted_tried = false;
    free(ui__fonts.cp_key);
    free(ui__fonts.cp_fallback);
    ui__fonts.cp_key = NULL;
    ui__fonts.cp_fallback = NULL;
    ui__fonts.cp_cap = ui__fonts.cp_count = 0;
}

/* ---- The app's files ---- */

/* Whether FreeType reads path as a font (without opening it in SDL_ttf,
 * which may not be initialised yet). */
static bool ui__is_font(const char *path)
{
    int count = 0;
    FcPattern *p = FcFreeTypeQuery((const FcChar8 *)path, 0, NULL, &count);
    if (!p) return false;
    FcPatternDestroy(p);
    return true;
}

int ui_set_font_file(const char *regular, const char *bold)
{
    const char *files[2] = {regular, bold ? bold : regular};
    ui__fontfile next[2] = {{0}, {0}};
    for (int i = 0; regular && i < 2; i++) {
        if (!ui__is_font(files[i])) {
            SDL_SetError("ui_set_font_file: '%s' is not a font file that can be read", files[i]);
            fprintf(stderr, "islet: %s; the fonts stay as they were\n", SDL_GetError());
            ui__file_clear(&next[0]);
            return RT_EINVAL;
        }
        next[i] = (ui__fontfile){.path = ui__strdup(files[i]), .is_bold = i == 1 && bold};
        if (!next[i].path) {
            ui__file_clear(&next[0]);
            SDL_OutOfMemory();
            return RT_ENOMEM;
        }
    }
    for (int i = 0; i < 2; i++) {
        ui__file_clear(&ui__fonts.app[i]);
        ui__fonts.app[i] = next[i];
    }
    ui__fonts.generation++;
    return RT_OK;
}
