/* rt.h: the Islet runtime in one include (library islet-runtime: pthreads,
 * no SDL). HTTP has its own header, <islet/rt_http.h>, and library,
 * islet-http. */
#ifndef RT_H
#define RT_H

#include <islet/version.h>
#include <islet/rt_base.h>
#include <islet/rt_heap.h>
#include <islet/rt_value.h>
#include <islet/rt_port.h>
#include <islet/rt_loop.h>
#include <islet/rt_isolate.h>
#include <islet/rt_future.h>
#include <islet/rt_stream.h>
#include <islet/rt_async.h>
#include <islet/rt_compute.h>
#include <islet/rt_trace.h>

#endif
