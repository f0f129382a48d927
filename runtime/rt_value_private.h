/* rt_value_private.h: value nodes and messages in flight. */
#ifndef RT_VALUE_PRIVATE_H
#define RT_VALUE_PRIVATE_H

#include "rt_heap_private.h"
#include <islet/rt_value.h>

enum {
    RT_VF_IN_BLOCK = 1 << 0,   /* lives inside a message block: not freed alone */
    RT_VF_BLOCK_ROOT = 1 << 1, /* root of a message block: freeing frees the block */
    RT_VF_EXTDATA = 1 << 2,    /* u.str.data / u.buf.data is its own large block */
    RT_VF_BAD_UTF8 = 1 << 3,   /* string is not valid UTF-8: cannot be sent */
    RT_VF_DETACHED = 1 << 4    /* buffer was transferred away */
};

typedef struct rt_map_entry {
    char *key;
    size_t klen;
    rt_value *val;
} rt_map_entry;

struct rt_value {
    uint8_t kind;
    uint8_t flags;
    uint16_t height; /* longest path to a leaf below this node */
    uint32_t count;  /* list / map length */
    uint32_t cap;    /* list / map capacity */
    rt_value *parent;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            char *data;
            size_t len;
        } str; /* RT_STRING, RT_BYTES, RT_BUFFER */
        rt_value **items;
        rt_map_entry *entries;
        rt_send_port *port;
    } u;
};

/* A message in flight: one large block holding this header and a copy of the
 * value tree, plus the large blocks that moved with it (transfers). It is
 * allocated by the sender outside any heap and adopted by the receiver. */
typedef struct rt_msg {
    rt_event ev;        /* in the receiver's inbox, then its event queue */
    bool adopted;       /* belongs to the receiver's heap */
    rt_send_port *port; /* destination, a counted reference */
    rt_value *root;     /* inside this block */
    rt_link moved;      /* large blocks travelling with the message */
    uint32_t nports;    /* send ports inside: they need a finalizer */
    rt_finalizer fin;   /* releases those ports if the message is never freed */
    uint64_t flow;      /* traced: the flow from the sending event to the handling one */
} rt_msg;

typedef enum rt_msg_mode {
    RT_MSG_SEND, /* copy everything but transferable buffers, which move */
    RT_MSG_EXIT, /* also move string/bytes payloads that have their own block */
    RT_MSG_COPY  /* copy everything, buffers included (rt_value_copy) */
} rt_msg_mode;

/* Builds a message from v. Moving costs O(1) per moved payload whatever its
 * size; the sender's moved values become detached. Either the whole message
 * is built, or nothing changes and an error is returned. */
int rt__msg_new(rt_heap *sender, rt_value *v, rt_msg_mode mode, rt_msg **out);
/* A bytes value taking over `data`, a large block of h (from rt__heap_alloc,
 * at least len + 1 bytes); NULL (data untouched) when out of memory. */
rt_value *rt__value_bytes_adopt(rt_heap *h, char *data, size_t len);

/* Receiver side: takes the block and everything moved with it into h.
 * m->root is then an ordinary (read-only) value of h's isolate. */
void rt__msg_adopt(rt_heap *h, rt_msg *m);
/* Frees a message that was never adopted; any thread. */
void rt__msg_discard(rt_msg *m);

#endif
