/* rt_value.c: message values, and turning them into messages.
 *
 * A message is built in two passes over the tree: measure (size, and every
 * reason to refuse: bad UTF-8, detached buffers, depth) then write (copy into
 * one block, move transferables). Measuring first makes sending all or
 * nothing: when an error is returned, the sender's values are untouched.
 */
#include "rt_value_private.h"
#include <islet/rt_port.h>

#include <string.h>

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)
#define MSG_HDR ALIGN16(sizeof(rt_msg))
/* String and bytes payloads above this size get their own large block, so
 * that an exiting isolate can hand them over without copying. */
#define INLINE_MAX (RT_HEAP_SMALL_MAX - sizeof(rt_value))

static rt_heap *cur(const char *func)
{
    return rt__current_heap(func);
}

static void check_mine(const rt_value *v, const char *func)
{
    (void)v;
    (void)func;
#ifdef RT_CHECKS
    const rt_value *top = v;
    while (top->parent)
        top = top->parent;
    /* A received tree lives in its message block; the block's header knows the heap. */
    const void *blk =
        (top->flags & RT_VF_IN_BLOCK) ? (const char *)top - MSG_HDR : (const void *)top;
    rt_heap *mine = rt__current_heap(func);
    rt_heap *owner = rt__heap_of(blk);
    if (owner != mine)
        rt_die(func, "value %p belongs to isolate '%s' but is used from isolate '%s'",
               (const void *)v, owner ? owner->owner : "(none)", mine->owner);
#endif
}

static const char *const kind_names[] = {"null",  "bool", "int", "double",    "string",
                                         "bytes", "list", "map", "send_port", "buffer"};

#define EXPECT(v, k)                                                                               \
    do {                                                                                           \
        RT_CHECK((v) && (v)->kind == (k), "expected a %s value, got %s", kind_names[k],            \
                 (v) ? kind_names[(v)->kind] : "NULL");                                            \
        check_mine((v), __func__);                                                                 \
    } while (0)

/* ---- UTF-8 ---- */

bool rt_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if ((c & 0xe0) == 0xc0)
            n = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            n = 3, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            n = 4, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if ((size_t)(end - p) < n) return false;
        for (size_t k = 1; k < n; k++) {
            if ((p[k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (p[k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        p += n;
    }
    return true;
}

static bool utf8_cont(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

size_t rt_utf8_prev(const char *s, size_t i)
{
    if (i == 0) return 0;
    do
        i--;
    while (i > 0 && utf8_cont(s[i]));
    return i;
}

size_t rt_utf8_next(const char *s, size_t len, size_t i)
{
    if (i >= len) return len;
    do
        i++;
    while (i < len && utf8_cont(s[i]));
    return i;
}

size_t rt_utf8_floor(const char *s, size_t len, size_t i)
{
    if (i >= len) return len;
    while (i > 0 && utf8_cont(s[i]))
        i--;
    return i;
}

size_t rt_utf8_copy(char *dst, size_t cap, const char *s)
{
    size_t len = s ? strlen(s) : 0, n = len < cap ? len : rt_utf8_floor(s, len, cap - 1);
    if (n) memcpy(dst, s, n);
    dst[n] = 0;
    return n;
}

/* ---- Construction ---- */

static rt_value *node(rt_heap *h, rt_value_kind k, size_t extra)
{
    rt_value *v = rt__heap_alloc(h, sizeof(rt_value) + extra);
    if (!v) return NULL;
    memset(v, 0, sizeof *v);
    v->kind = (uint8_t)k;
    return v;
}

rt_value *rt_value_null(void)
{
    return node(cur(__func__), RT_NULL, 0);
}

rt_value *rt_value_bool(bool b)
{
    rt_value *v = node(cur(__func__), RT_BOOL, 0);
    if (v) v->u.b = b;
    return v;
}

rt_value *rt_value_int(int64_t i)
{
    rt_value *v = node(cur(__func__), RT_INT, 0);
    if (v) v->u.i = i;
    return v;
}

rt_value *rt_value_double(double d)
{
    rt_value *v = node(cur(__func__), RT_DOUBLE, 0);
    if (v) v->u.d = d;
    return v;
}

/* Payload inline after the node when small, in its own large block when not
 * (always a large block, whatever its size: moving it detaches it as one). */
static rt_value *blob(rt_heap *h, rt_value_kind k, const void *data, size_t len)
{
    if (len > SIZE_MAX - sizeof(rt_value) - 1) return NULL;
    bool ext = len + 1 > INLINE_MAX;
    rt_value *v = node(h, k, ext ? 0 : len + 1);
    if (!v) return NULL;
    char *d = ext ? rt__heap_alloc_large(h, len + 1) : (char *)(v + 1);
    if (!d) {
        rt__heap_free(h, v);
        return NULL;
    }
    if (ext) v->flags |= RT_VF_EXTDATA;
    if (data) memcpy(d, data, len);
    d[len] = 0;
    v->u.str.data = d;
    v->u.str.len = len;
    return v;
}

rt_value *rt_value_string_n(const char *s, size_t len)
{
    rt_value *v = blob(cur(__func__), RT_STRING, s, len);
    if (v && !rt_utf8_valid(s, len)) v->flags |= RT_VF_BAD_UTF8;
    return v;
}

rt_value *rt_value_string(const char *s)
{
    return rt_value_string_n(s, strlen(s));
}

rt_value *rt__value_bytes_adopt(rt_heap *h, char *data, size_t len)
{
    RT_CHECK(rt__heap_is_large(data), "adopted bytes must be a large block");
    rt_value *v = node(h, RT_BYTES, 0);
    if (!v) return NULL;
    data[len] = 0;
    v->flags |= RT_VF_EXTDATA;
    v->u.str.data = data;
    v->u.str.len = len;
    return v;
}

rt_value *rt_value_bytes(const void *data, size_t len)
{
    return blob(cur(__func__), RT_BYTES, data, len);
}

rt_value *rt_value_buffer(size_t len)
{
    rt_heap *h = cur(__func__);
    rt_value *v = node(h, RT_BUFFER, 0);
    if (!v) return NULL;
    /* Always a large block, so it can change heaps in O(1); NUL-ended like
     * the other payloads so that copies treat them alike. */
    if (len > SIZE_MAX - 1) {
        rt__heap_free(h, v);
        return NULL;
    }
    char *d = rt__large_alloc(len + 1);
    if (!d) {
        rt__heap_free(h, v);
        return NULL;
    }
    d[len] = 0;
    rt__heap_adopt(h, d);
    v->flags |= RT_VF_EXTDATA;
    v->u.str.data = d;
    v->u.str.len = len;
    return v;
}

rt_value *rt_value_list(void)
{
    return node(cur(__func__), RT_LIST, 0);
}

rt_value *rt_value_map(void)
{
    return node(cur(__func__), RT_MAP, 0);
}

/* A send-port value carries a finalizer after the node, so that its reference
 * is given back even if the value is never freed before the isolate exits. */
static rt_finalizer *port_fin(rt_value *v)
{
    return (rt_finalizer *)(v + 1);
}

static void port_value_finalize(rt_finalizer *f)
{
    rt_send_port_release(((rt_value *)f - 1)->u.port);
}

rt_value *rt_value_send_port(rt_send_port *port)
{
    RT_CHECK(port != NULL, "port is NULL");
    rt_heap *h = cur(__func__);
    rt_value *v = node(h, RT_SEND_PORT, sizeof(rt_finalizer));
    if (!v) return NULL;
    v->u.port = rt_send_port_dup(port);
    port_fin(v)->fn = port_value_finalize;
    rt__heap_add_finalizer(h, port_fin(v));
    return v;
}

/* ---- Freeing ---- */

/* Releases what a node holds outside itself; frees heap parts unless they
 * belong to a message block. */
static void release(rt_heap *h, rt_value *v)
{
    bool in_block = v->flags & RT_VF_IN_BLOCK;
    switch (v->kind) {
    case RT_STRING:
    case RT_BYTES:
    case RT_BUFFER:
        if ((v->flags & RT_VF_EXTDATA) && !(v->flags & RT_VF_DETACHED))
            rt__heap_free(h, v->u.str.data);
        break;
    case RT_LIST:
        for (uint32_t i = 0; i < v->count; i++)
            release(h, v->u.items[i]);
        if (!in_block) rt__heap_free(h, v->u.items);
        break;
    case RT_MAP:
        for (uint32_t i = 0; i < v->count; i++) {
            release(h, v->u.entries[i].val);
            if (!in_block) rt__heap_free(h, v->u.entries[i].key);
        }
        if (!in_block) rt__heap_free(h, v->u.entries);
        break;
    case RT_SEND_PORT:
        if (!in_block) rt__heap_remove_finalizer(port_fin(v));
        rt_send_port_release(v->u.port);
        break;
    default:
        break;
    }
    if (v->flags & RT_VF_BLOCK_ROOT) {
        rt_msg *m = (rt_msg *)((char *)v - MSG_HDR);
        if (m->nports) rt__heap_remove_finalizer(&m->fin);
        rt__heap_free(h, m);
    } else if (!in_block) {
        rt__heap_free(h, v);
    }
}

void rt_value_free(rt_value *v)
{
    if (!v) return;
    RT_CHECK(v->parent == NULL, "value %p is inside a list or map; free its container", (void *)v);
    RT_CHECK(!(v->flags & RT_VF_IN_BLOCK) || (v->flags & RT_VF_BLOCK_ROOT),
             "value %p is part of a received message; free the message's root", (void *)v);
    check_mine(v, __func__);
    release(cur(__func__), v);
}

/* ---- Containers ---- */

static int adopt_child(rt_value *c, rt_value *item)
{
    if (!item) return RT_EINVAL;
    if (c->flags & RT_VF_IN_BLOCK) return RT_ESTATE;
    if (item->parent || ((item->flags & RT_VF_IN_BLOCK) && !(item->flags & RT_VF_BLOCK_ROOT)))
        return RT_EINVAL;
    size_t depth = 0;
    const rt_value *top = c;
    for (; top->parent; top = top->parent)
        depth++;
    if (top == item) return RT_ECYCLE;
    if (depth + 1 + item->height > RT_VALUE_MAX_DEPTH) return RT_EDEPTH;
    return RT_OK;
}

static void link_child(rt_value *c, rt_value *item)
{
    item->parent = c;
    uint16_t h = (uint16_t)(item->height + 1);
    for (rt_value *p = c; p && p->height < h; p = p->parent, h++)
        p->height = h;
}

static uint16_t height_of_children(const rt_value *c)
{
    uint16_t h = 0;
    for (uint32_t i = 0; i < c->count; i++) {
        const rt_value *x = c->kind == RT_LIST ? c->u.items[i] : c->u.entries[i].val;
        if (x->height + 1 > h) h = (uint16_t)(x->height + 1);
    }
    return h;
}

/* After a child was replaced, heights above it may drop. */
static void relax_heights(rt_value *c)
{
    for (; c; c = c->parent) {
        uint16_t h = height_of_children(c);
        if (h == c->height) return;
        c->height = h;
    }
}

static int reserve(rt_heap *h, void **arr, uint32_t *cap, uint32_t count, size_t elem)
{
    if (count < *cap) return RT_OK;
    if (count == UINT32_MAX) return RT_ENOMEM;
    uint32_t ncap = *cap ? (*cap > UINT32_MAX / 2 ? UINT32_MAX : *cap * 2) : 4;
    void *n = rt__heap_realloc(h, *arr, (size_t)ncap * elem);
    if (!n) return RT_ENOMEM;
    *arr = n;
    *cap = ncap;
    return RT_OK;
}

int rt_list_push(rt_value *list, rt_value *item)
{
    EXPECT(list, RT_LIST);
    int rc = adopt_child(list, item);
    if (rc) return rc;
    check_mine(item, __func__);
    rt_heap *h = cur(__func__);
    rc = reserve(h, (void **)&list->u.items, &list->cap, list->count, sizeof(rt_value *));
    if (rc) return rc;
    list->u.items[list->count++] = item;
    link_child(list, item);
    return RT_OK;
}

size_t rt_list_len(const rt_value *list)
{
    EXPECT(list, RT_LIST);
    return list->count;
}

rt_value *rt_list_get(const rt_value *list, size_t i)
{
    EXPECT(list, RT_LIST);
    return i < list->count ? list->u.items[i] : NULL;
}

static rt_map_entry *find(const rt_value *map, const char *key, size_t klen)
{
    for (uint32_t i = 0; i < map->count; i++)
        if (map->u.entries[i].klen == klen && memcmp(map->u.entries[i].key, key, klen) == 0)
            return &map->u.entries[i];
    return NULL;
}

int rt_map_set(rt_value *map, const char *key, rt_value *item)
{
    EXPECT(map, RT_MAP);
    RT_CHECK(key != NULL, "key is NULL");
    int rc = adopt_child(map, item);
    if (rc) return rc;
    check_mine(item, __func__);
    size_t klen = strlen(key);
    if (!rt_utf8_valid(key, klen)) return RT_EILSEQ;
    rt_heap *h = cur(__func__);
    rt_map_entry *e = find(map, key, klen);
    if (e) {
        e->val->parent = NULL;
        release(h, e->val);
        e->val = item;
        link_child(map, item);
        relax_heights(map);
        return RT_OK;
    }
    rc = reserve(h, (void **)&map->u.entries, &map->cap, map->count, sizeof(rt_map_entry));
    if (rc) return rc;
    char *k = rt__heap_alloc(h, klen + 1);
    if (!k) return RT_ENOMEM;
    memcpy(k, key, klen + 1);
    map->u.entries[map->count++] = (rt_map_entry){k, klen, item};
    link_child(map, item);
    return RT_OK;
}

rt_value *rt_map_get(const rt_value *map, const char *key)
{
    EXPECT(map, RT_MAP);
    rt_map_entry *e = find(map, key, strlen(key));
    return e ? e->val : NULL;
}

size_t rt_map_len(const rt_value *map)
{
    EXPECT(map, RT_MAP);
    return map->count;
}

const char *rt_map_key_at(const rt_value *map, size_t i)
{
    EXPECT(map, RT_MAP);
    return i < map->count ? map->u.entries[i].key : NULL;
}

rt_value *rt_map_value_at(const rt_value *map, size_t i)
{
    EXPECT(map, RT_MAP);
    return i < map->count ? map->u.entries[i].val : NULL;
}

/* ---- Accessors ---- */

const char *rt_value_kind_name(rt_value_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k] : "?";
}

rt_value_kind rt_value_kind_of(const rt_value *v)
{
    RT_CHECK(v != NULL, "value is NULL");
    return (rt_value_kind)v->kind;
}

bool rt_value_as_bool(const rt_value *v)
{
    EXPECT(v, RT_BOOL);
    return v->u.b;
}

int64_t rt_value_as_int(const rt_value *v)
{
    EXPECT(v, RT_INT);
    return v->u.i;
}

double rt_value_as_double(const rt_value *v)
{
    EXPECT(v, RT_DOUBLE);
    return v->u.d;
}

const char *rt_value_as_string(const rt_value *v, size_t *len)
{
    EXPECT(v, RT_STRING);
    if (len) *len = v->u.str.len;
    return v->u.str.data;
}

const void *rt_value_as_bytes(const rt_value *v, size_t *len)
{
    EXPECT(v, RT_BYTES);
    if (len) *len = v->u.str.len;
    return v->u.str.data;
}

rt_send_port *rt_value_as_send_port(const rt_value *v)
{
    EXPECT(v, RT_SEND_PORT);
    return v->u.port;
}

void *rt_value_buffer_data(rt_value *v, size_t *len)
{
    EXPECT(v, RT_BUFFER);
    RT_CHECK(!(v->flags & RT_VF_DETACHED),
             "buffer %p was transferred to another isolate and is no longer usable", (void *)v);
    bool ok = !(v->flags & RT_VF_DETACHED);
    if (len) *len = ok ? v->u.str.len : 0;
    return ok ? v->u.str.data : NULL;
}

bool rt_value_buffer_detached(const rt_value *v)
{
    EXPECT(v, RT_BUFFER);
    return v->flags & RT_VF_DETACHED;
}

/* ---- Messages ---- */

typedef struct writer {
    rt_heap *from;
    char *cur;
    rt_msg *msg;
    rt_msg_mode mode;
    rt_link fresh; /* RT_MSG_COPY: blocks made for copied buffers, in tree order */
} writer;

/* Whether v's payload block moves with the message instead of being copied. */
static bool moves(const rt_value *v, rt_msg_mode mode)
{
    if (mode == RT_MSG_COPY) return false;
    return v->kind == RT_BUFFER || (mode == RT_MSG_EXIT && (v->flags & RT_VF_EXTDATA));
}

static int measure(const rt_value *v, unsigned depth, rt_msg_mode mode, size_t *size)
{
    if (depth > RT_VALUE_MAX_DEPTH) return RT_EDEPTH;
    *size += ALIGN16(sizeof(rt_value));
    switch (v->kind) {
    case RT_STRING:
        if (v->flags & RT_VF_BAD_UTF8) return RT_EILSEQ;
        /* fall through */
    case RT_BYTES:
        if (!moves(v, mode)) *size += ALIGN16(v->u.str.len + 1);
        break;
    case RT_BUFFER:
        if (v->flags & RT_VF_DETACHED) return RT_EDETACHED;
        break; /* moved, or copied into a block of its own */
    case RT_LIST:
        *size += ALIGN16((size_t)v->count * sizeof(rt_value *));
        for (uint32_t i = 0; i < v->count; i++) {
            int rc = measure(v->u.items[i], depth + 1, mode, size);
            if (rc) return rc;
        }
        break;
    case RT_MAP:
        *size += ALIGN16((size_t)v->count * sizeof(rt_map_entry));
        for (uint32_t i = 0; i < v->count; i++) {
            *size += ALIGN16(v->u.entries[i].klen + 1);
            int rc = measure(v->u.entries[i].val, depth + 1, mode, size);
            if (rc) return rc;
        }
        break;
    default:
        break;
    }
    return RT_OK;
}

static void *bump(writer *w, size_t n)
{
    void *p = w->cur;
    w->cur += ALIGN16(n);
    return p;
}

static rt_value *write_value(writer *w, rt_value *v, rt_value *parent)
{
    rt_value *n = bump(w, sizeof(rt_value));
    *n = *v;
    n->flags = (uint8_t)(RT_VF_IN_BLOCK | (v->flags & RT_VF_EXTDATA));
    n->parent = parent;
    n->cap = n->count;
    switch (v->kind) {
    case RT_STRING:
    case RT_BYTES:
    case RT_BUFFER:
        if (v->kind == RT_BUFFER && w->mode == RT_MSG_COPY) {
            /* A copied buffer gets its own block: the copy stays transferable. */
            rt_link *l = rt__list_pop_front(&w->fresh);
            n->u.str.data = rt__large_from_link(l);
            memcpy(n->u.str.data, v->u.str.data, v->u.str.len + 1);
            rt__list_push_back(&w->msg->moved, l);
        } else if (moves(v, w->mode)) {
            rt__heap_disown(w->from, v->u.str.data);
            rt__list_push_back(&w->msg->moved, rt__large_link(v->u.str.data));
            v->flags |= RT_VF_DETACHED;
        } else {
            n->flags &= (uint8_t)~RT_VF_EXTDATA;
            n->u.str.data = bump(w, v->u.str.len + 1);
            memcpy(n->u.str.data, v->u.str.data, v->u.str.len + 1);
        }
        break;
    case RT_LIST:
        n->u.items = bump(w, (size_t)v->count * sizeof(rt_value *));
        for (uint32_t i = 0; i < v->count; i++)
            n->u.items[i] = write_value(w, v->u.items[i], n);
        break;
    case RT_MAP:
        n->u.entries = bump(w, (size_t)v->count * sizeof(rt_map_entry));
        for (uint32_t i = 0; i < v->count; i++) {
            rt_map_entry *e = &v->u.entries[i];
            char *k = bump(w, e->klen + 1);
            memcpy(k, e->key, e->klen + 1);
            n->u.entries[i] = (rt_map_entry){k, e->klen, write_value(w, e->val, n)};
        }
        break;
    case RT_SEND_PORT:
        rt_send_port_dup(v->u.port);
        w->msg->nports++;
        break;
    default:
        break;
    }
    return n;
}

static void free_blocks(rt_link *list)
{
    rt_link *l;
    while ((l = rt__list_pop_front(list)))
        rt__large_free(rt__large_from_link(l));
}

/* Allocates, in tree order, a block for each buffer a copy will hold, so
 * that writing the copy cannot fail halfway. */
static bool alloc_buffer_blocks(const rt_value *v, rt_link *list)
{
    if (v->kind == RT_BUFFER) {
        void *d = rt__large_alloc(v->u.str.len + 1);
        if (!d) return false;
        rt__list_push_back(list, rt__large_link(d));
    } else if (v->kind == RT_LIST) {
        for (uint32_t i = 0; i < v->count; i++)
            if (!alloc_buffer_blocks(v->u.items[i], list)) return false;
    } else if (v->kind == RT_MAP) {
        for (uint32_t i = 0; i < v->count; i++)
            if (!alloc_buffer_blocks(v->u.entries[i].val, list)) return false;
    }
    return true;
}

int rt__msg_new(rt_heap *sender, rt_value *v, rt_msg_mode mode, rt_msg **out)
{
    RT_CHECK(v != NULL, "message value is NULL");
    size_t size = MSG_HDR;
    int rc = measure(v, 0, mode, &size);
    if (rc) return rc;
    writer w = {sender, NULL, NULL, mode, {NULL, NULL}};
    rt__list_init(&w.fresh);
    if (mode == RT_MSG_COPY && !alloc_buffer_blocks(v, &w.fresh)) {
        free_blocks(&w.fresh);
        return RT_ENOMEM;
    }
    rt_msg *m = rt__large_alloc(size);
    if (!m) {
        free_blocks(&w.fresh);
        return RT_ENOMEM;
    }
    memset(m, 0, sizeof *m);
    rt__list_init(&m->ev.link);
    rt__list_init(&m->moved);
    w.cur = (char *)m + MSG_HDR;
    w.msg = m;
    m->root = write_value(&w, v, NULL);
    m->root->flags |= RT_VF_BLOCK_ROOT;
    *out = m;
    return RT_OK;
}

static void discard_ports(rt_value *v);

static void msg_finalize(rt_finalizer *f)
{
    discard_ports(rt__container_of(f, rt_msg, fin)->root);
}

void rt__msg_adopt(rt_heap *h, rt_msg *m)
{
    m->adopted = true;
    rt__heap_adopt(h, m);
    if (m->nports) {
        m->fin.fn = msg_finalize;
        rt__heap_add_finalizer(h, &m->fin);
    }
    rt_link *l;
    while ((l = rt__list_pop_front(&m->moved)))
        rt__heap_adopt(h, rt__large_from_link(l));
}

static void discard_ports(rt_value *v)
{
    if (!v) return;
    if (v->kind == RT_SEND_PORT)
        rt_send_port_release(v->u.port);
    else if (v->kind == RT_LIST)
        for (uint32_t i = 0; i < v->count; i++)
            discard_ports(v->u.items[i]);
    else if (v->kind == RT_MAP)
        for (uint32_t i = 0; i < v->count; i++)
            discard_ports(v->u.entries[i].val);
}

void rt__msg_discard(rt_msg *m)
{
    if (m->port) rt_send_port_release(m->port);
    discard_ports(m->root);
    free_blocks(&m->moved);
    rt__large_free(m);
}

rt_value *rt_value_copy(const rt_value *v, int *err)
{
    rt_heap *h = cur(__func__);
    RT_CHECK(v != NULL, "value is NULL"); /* said here, not as a crash in check_mine */
    check_mine(v, __func__);
    if (v->kind <= RT_DOUBLE) {
        /* Scalars: one node, no message block (the common stream payload). */
        rt_value *c = node(h, v->kind, 0);
        if (c) c->u = v->u;
        if (err) *err = c ? RT_OK : RT_ENOMEM;
        return c;
    }
    rt_msg *m;
    int rc = rt__msg_new(h, (rt_value *)v, RT_MSG_COPY, &m);
    if (err) *err = rc;
    if (rc) return NULL;
    rt__msg_adopt(h, m);
    return m->root;
}
