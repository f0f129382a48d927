/* rt.h: the Islet runtime in one include. */
#ifndef RT_H
#define RT_H

#include "rt_base.h"
#include "rt_heap.h"
#include "rt_value.h"
#include "rt_port.h"
#include "rt_loop.h"
#include "rt_isolate.h"
#include "rt_future.h"
#include "rt_stream.h"
#include "rt_async.h"
#include "rt_compute.h"
#include "rt_trace.h"

#endif
