/* rt_port.h: receive ports and send ports, the only channel between isolates.
 *
 * A receive port belongs to the isolate that opened it and delivers each
 * message as an event on that isolate's loop, in send order per sender. Its
 * send port may be copied anywhere (also inside messages) and used from any
 * isolate. Sending to a closed port drops the message silently (Dart's rule).
 * An open receive port keeps its isolate alive; closing it lets it exit.
 */
#ifndef RT_PORT_H
#define RT_PORT_H

#include <islet/rt_export.h>

#include <islet/rt_value.h>

typedef struct rt_receive_port rt_receive_port;

/* Called on the owning isolate for each message. The handler owns `message`
 * (free it with rt_value_free, or keep it; the isolate's exit frees it). */
typedef void (*rt_message_fn)(rt_receive_port *port, rt_value *message, void *ctx);
typedef void (*rt_destroy_fn)(void *ctx);

/* Opens a receive port on the current isolate; it delivers to fn(ctx). NULL
 * fn buffers messages until rt_receive_port_listen. destroy (may be NULL) is
 * called with ctx when the port closes. Returns NULL when out of memory. */
ISLET_API rt_receive_port *rt_receive_port_open(rt_message_fn fn, void *ctx, rt_destroy_fn destroy);
/* Sets (or replaces) the handler; buffered messages are delivered, in
 * order, as events. Owning isolate only. */
ISLET_API void rt_receive_port_listen(rt_receive_port *rp, rt_message_fn fn, void *ctx,
                                      rt_destroy_fn destroy);
/* Closes the port: undelivered messages are dropped, later sends are dropped,
 * the port's memory is freed and the isolate may exit. Owning isolate only. */
ISLET_API void rt_receive_port_close(rt_receive_port *rp);
/* The port's send port, borrowed: valid while the receive port is open;
 * rt_send_port_dup it to keep it longer. */
ISLET_API rt_send_port *rt_receive_port_send_port(rt_receive_port *rp);

/* Sends a deep copy of `message` (the caller keeps it); transferable buffers
 * inside it move and become detached in the caller. Must be called from an
 * isolate. Returns 0, also when the port is closed (the message is dropped),
 * or RT_EILSEQ, RT_EDETACHED, RT_EDEPTH, RT_ENOMEM; on error nothing was sent
 * and nothing was detached. Thread-safe. */
ISLET_API int rt_port_send(rt_send_port *sp, rt_value *message);

/* Send ports are reference counted; both are thread-safe. dup returns sp. */
ISLET_API rt_send_port *rt_send_port_dup(rt_send_port *sp);
ISLET_API void rt_send_port_release(rt_send_port *sp);
/* True while the receive port behind it is open. Thread-safe (a snapshot). */
ISLET_API bool rt_send_port_is_open(const rt_send_port *port);

#endif
