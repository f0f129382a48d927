/* ui_devtools_private.h: what the devtools' tests look at, beside the
 * public ui_devtools.h. Private to the widget library and its tests. */
#ifndef UI_DEVTOOLS_PRIVATE_H
#define UI_DEVTOOLS_PRIVATE_H

#include <islet/ui_canvas.h>
#include <islet/ui_devtools.h>

/* Parts of a performance overlay's last layout. */
enum { UI__PERF_UI_GRAPH, UI__PERF_RASTER_GRAPH, UI__PERF_LANE0 };
/* Where overlay element e drew part `part` (UI__PERF_LANE0 + i: the cells
 * of the i-th lane shown) at its last layout, in global logical pixels, and
 * the pitch of one frame's bar (its bar is pitch - 1 wide from 2 px on).
 * False when it has no such part. */
bool ui__perf_overlay_part(ui_element *e, int part, ui_rect *r, float *pitch);

#endif
