/* rt_trace.h: a recorder for the runtime's trace (rt_loop.h's sink) that
 * writes Chrome Trace Event JSON, which Perfetto (ui.perfetto.dev) and
 * chrome://tracing open: one track per isolate, named by it, the process
 * named by the app, spans, instants, async spans, and flows drawn as arrows
 * (a compute job or an HTTP response to the main-isolate event that
 * completed its future, that event to the frame that rebuilt).
 *
 * One recording per process. Thread-safe: records come from every isolate's
 * thread under one lock. Start before the main isolate spawns anything,
 * write after rt_main_leave (so every isolate's exit is in), then stop.
 */
#ifndef RT_TRACE_H
#define RT_TRACE_H

#include <islet/rt_export.h>

#include <islet/rt_loop.h>

#include <stddef.h>

/* Installs the recording sink (rt_trace_set) and starts an empty record.
 * process_name (copied; NULL: "islet") names the process in the file.
 * At most max_events records are kept (0: 1,000,000); later ones are
 * counted as dropped. RT_OK, or RT_ESTATE when already recording. */
ISLET_API int rt_trace_record_start(const char *process_name, size_t max_events);
/* Writes what was recorded so far to path as JSON. 0, or -1 with errno.
 * Recording goes on. */
ISLET_API int rt_trace_json(const char *path);
/* Records kept and records dropped so far. */
ISLET_API size_t rt_trace_recorded(size_t *dropped);
/* Clears the sink and frees the records. Safe when not recording. */
ISLET_API void rt_trace_record_stop(void);

#endif
