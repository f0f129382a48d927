/* islet.h: all of Islet in one include.
 *
 * Which library each part needs (pkg-config name, CMake target):
 *   <islet/rt.h>        the runtime         islet-runtime  Islet::runtime
 *   <islet/rt_http.h>   HTTP (libcurl)      islet-http     Islet::http
 *   <islet/ui_*.h>      widgets on SDL2     islet-widgets  Islet::widgets
 *   <islet/ui_tester.h>, <islet/ui_golden.h>
 *                       headless UI tests   islet-testing  Islet::testing
 * A program that needs no SDL includes <islet/rt.h> instead.
 */
#ifndef ISLET_H
#define ISLET_H

#include <islet/rt.h>
#include <islet/rt_http.h>

#include <islet/ui_tree.h>
#include <islet/ui_canvas.h>
#include <islet/ui_gesture.h>
#include <islet/ui_widgets.h>
#include <islet/ui_anim.h>
#include <islet/ui_async_widgets.h>
#include <islet/ui_effects.h>
#include <islet/ui_layout_widgets.h>
#include <islet/ui_text_field.h>
#include <islet/ui_devtools.h>
#include <islet/ui_image.h>
#include <islet/ui_window.h>
#include <islet/ui_app.h>

#include <islet/ui_tester.h>
#include <islet/ui_golden.h>

#endif
