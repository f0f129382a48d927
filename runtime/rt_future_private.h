/* rt_future_private.h: what rt_async and streams need of futures beyond
 * rt_future.h. */
#ifndef RT_FUTURE_PRIVATE_H
#define RT_FUTURE_PRIVATE_H

#include <islet/rt_future.h>

#include <string.h>

/* Switches a pending completer between async (completion in a microtask)
 * and sync mode: an async function's result is async until its first
 * suspension (Dart VM _returnAsyncNotFuture / _handleException, isSync
 * false), sync afterwards. */
void rt__completer_set_sync(rt_completer *c, bool sync);

/* A future already completed with null (Dart's Future._nullFuture): a
 * callback added to it runs in one microtask; nothing else is queued. A new
 * reference, NULL when out of memory. */
rt_future *rt__future_null(void);

/* The bytes e's domain and message take, both with their NUL: what an
 * error stored after its holder's header needs. */
static inline size_t rt__error_text_size(const rt_error *e)
{
    return strlen(e->domain) + strlen(e->message) + 2;
}

/* Copies e's texts to mem (rt__error_text_size(e) bytes): the copy, whose
 * texts are there. */
static inline rt_error rt__error_store(void *mem, const rt_error *e)
{
    size_t dl = strlen(e->domain) + 1;
    char *d = mem, *m = d + dl;
    memcpy(d, e->domain, dl);
    memcpy(m, e->message, strlen(e->message) + 1);
    return (rt_error){e->code, d, m};
}

#endif
