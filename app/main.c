/* islet_demo: the demo's screen (demo.h) on the app runner, which gives it
 * the window, the standard flags and keys, and the developer tools. */
#include "demo.h"
#include <islet/ui_app.h>
#include <islet/ui_text_field.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_URL = 256, OPT_PRESS, OPT_PRIME_LIMIT };

typedef struct demo_main {
    demo_options screen;
    const char *press; /* --press: a button to press after the first frame */
    ui_tree *tree;
} demo_main;

static int on_option(int val, const char *arg, void *ctx)
{
    demo_main *m = ctx;
    char *end;
    switch (val) {
    case OPT_URL:
        if (!rt_utf8_valid(arg, strlen(arg)) || strlen(arg) > UI_TEXT_FIELD_MAX) {
            fprintf(stderr, "islet_demo: --url must be UTF-8 of at most %d bytes\n",
                    UI_TEXT_FIELD_MAX);
            return RT_EINVAL;
        }
        m->screen.url = arg;
        return RT_OK;
    case OPT_PRESS:
        m->press = arg;
        return RT_OK;
    case OPT_PRIME_LIMIT:
        m->screen.prime_limit = strtoll(arg, &end, 10);
        if (end != arg && !*end && m->screen.prime_limit >= 3) return RT_OK;
        fprintf(stderr, "islet_demo: --prime-limit wants a whole number of at least 3\n");
        return RT_EINVAL;
    }
    return RT_EINVAL;
}

/* The press is an event of its own, as a click would be (not part of the
 * frame event that ran this callback). */
static void press(void *ctx)
{
    demo_main *m = ctx;
    if (!demo_press(m->tree, m->press))
        fprintf(stderr, "islet_demo: no enabled button with key '%s'\n", m->press);
}

static void first_frame(ui_tree *t, void *ctx)
{
    demo_main *m = ctx;
    m->tree = t;
    if (m->press) rt_post(press, m);
}

static ui_widget *root(ui_build *b, void *ctx)
{
    return demo_root(b, &((demo_main *)ctx)->screen);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"url", required_argument, NULL, OPT_URL},
        {"press", required_argument, NULL, OPT_PRESS},
        {"prime-limit", required_argument, NULL, OPT_PRIME_LIMIT},
        {0}};
    demo_main m = {0};
    ui_app app = {
        .name = "islet_demo",
        .title = "Islet demo",
        .width = 900,
        .height = 760,
        .root = root,
        .ctx = &m,
        .options = options,
        .on_option = on_option,
        .usage = "  --url URL            what Fetch requests (default https://example.com)\n"
                 "  --press KEY          press the button with this key after the first\n"
                 "                       frame (tap, overlay, compute, main, fetch, picture)\n"
                 "  --prime-limit N      count the primes below N (default 4000000, ~1 s)\n"
                 "the demo's keys: S pauses the spinner; Tab/Shift+Tab focus, Enter/Space\n"
                 "      press; in the URL field: typing, arrows, Home/End, Backspace/Delete,\n"
                 "      Ctrl+A/C/X/V, Enter fetches, Escape ends the editing\n",
        .on_first_frame = first_frame,
        .on_key = demo_key,
    };
    return ui_app_run(argc, argv, &app);
}
