/* ui_dump.c: the debug dump (Flutter's debugDumpApp): one line per
 * element, with what its class's describe hook says. */
#include <islet/ui_devtools.h>

struct ui_describer {
    FILE *f;
};

/* A string in the dump: quoted, with quotes, backslashes and control
 * characters escaped, so every line parses the same way. */
static void put_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void ui_describe_text(ui_describer *d, const char *text)
{
    fputc(' ', d->f);
    put_escaped(d->f, text);
}

void ui_describe_flag(ui_describer *d, const char *flag)
{
    fprintf(d->f, " %s", flag);
}

static void put_key(FILE *f, ui_key k)
{
    const char *name = ui_key_name(k);
    if (name)
        fprintf(f, " key='%s'", name);
    else if (k.kind == UI_KEY_KIND_INT)
        fprintf(f, " key=#%lld", (long long)k.v);
}

static void dump_line(ui_element *e, int depth, void *ctx)
{
    ui_describer *d = ctx;
    const ui_widget_class *c = ui_element_class(e);
    ui_tree *t = ui_element_tree(e);
    fprintf(d->f, "%*s%s", depth * 2, "", c->name ? c->name : "?");
    put_key(d->f, ui_element_key(e));
    if (c->describe) c->describe(e, d);
    if (ui_tree_get_focus(t) == e) ui_describe_flag(d, "focused");
    if (ui_tree_hovered(t) == e) ui_describe_flag(d, "hovered");
    float x, y, w, h;
    ui_element_rect(e, &x, &y, &w, &h);
    fprintf(d->f, " %.0f,%.0f,%.0f,%.0f\n", x, y, w, h);
}

void ui_dump_tree(ui_tree *t, FILE *f)
{
    ui_describer d = {f};
    ui_tree_visit(t, dump_line, &d);
    fflush(f);
}
