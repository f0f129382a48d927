/* ui_check.h: the widget layer's one misuse check (the runtime's RT_CHECK
 * habit) and its record of runtime failures. Private to the widget library. */
#ifndef UI_CHECK_H
#define UI_CHECK_H

#include <islet/rt_base.h>

/* Misuse of the widget API: rt_die's "islet: <function>: <message>", then
 * abort. Checked under RT_CHECKS, as the runtime's RT_CHECK. */
#ifdef RT_CHECKS
#define UI_CHECK_AT(func, cond, ...)                                                               \
    do {                                                                                           \
        if (!(cond)) rt_die((func), __VA_ARGS__);                                                  \
    } while (0)
#else /* compiled (so what only a message uses stays used), never run */
#define UI_CHECK_AT(func, cond, ...)                                                               \
    do {                                                                                           \
        if (0 && !(cond)) rt_die((func), __VA_ARGS__);                                             \
    } while (0)
#endif
#define UI_CHECK(cond, ...) UI_CHECK_AT(__func__, cond, __VA_ARGS__)

#endif
