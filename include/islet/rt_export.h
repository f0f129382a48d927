/* rt_export.h: ISLET_API marks what Islet's libraries export.
 *
 * The libraries are compiled with -fvisibility=hidden: only declarations
 * marked ISLET_API (every public function and object in include/islet/) are
 * visible outside a shared library; the rt__/ui__ internals are not. For a
 * program that uses Islet the mark changes nothing.
 */
#ifndef RT_EXPORT_H
#define RT_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define ISLET_API __attribute__((visibility("default")))
#else
#define ISLET_API
#endif

#endif
