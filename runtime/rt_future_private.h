/* rt_future_private.h: what rt_async and streams need of futures beyond
 * rt_future.h. */
#ifndef RT_FUTURE_PRIVATE_H
#define RT_FUTURE_PRIVATE_H

#include <islet/rt_future.h>

/* Switches a pending completer between async (completion in a microtask)
 * and sync mode: an async function's result is async until its first
 * suspension (Dart VM _returnAsyncNotFuture / _handleException, isSync
 * false), sync afterwards. */
void rt__completer_set_sync(rt_completer *c, bool sync);

/* A future already completed with null (Dart's Future._nullFuture): a
 * callback added to it runs in one microtask; nothing else is queued. A new
 * reference, NULL when out of memory. */
rt_future *rt__future_null(void);

#endif
