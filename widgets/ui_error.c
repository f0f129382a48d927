/* ui_error.c: the widget layer's last failure message, one per thread. */
#include <islet/ui_tree.h>

#include <stdarg.h>
#include <stdio.h>

/* Thread-local: ui_image_save may run on any thread that owns its surface. */
static _Thread_local char g_last[512];

int ui_set_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_last, sizeof g_last, fmt, ap);
    va_end(ap);
    return code;
}

const char *ui_last_error(void)
{
    return g_last;
}
