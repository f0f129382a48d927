/* rt_value.h: message values, the only things that cross between isolates.
 *
 * A value is a tree: null, bool, int64, double, UTF-8 string, bytes, list,
 * map (string keys), send port, or transferable buffer. Values live in the
 * heap of the isolate that made them and may be used only by that isolate.
 * Sending one deep-copies it into the receiver's heap; a transferable buffer
 * moves instead, in O(1), and the sender's handle becomes detached.
 *
 * Ownership: a constructor returns a value the caller owns; rt_list_push and
 * rt_map_set take ownership of the item on success; rt_value_free frees a
 * value and everything in it. Values received in a message are read-only.
 * Accessors return borrowed pointers that live as long as the value.
 * Nothing here is thread-safe: a value belongs to one isolate.
 */
#ifndef RT_VALUE_H
#define RT_VALUE_H

#include <islet/rt_export.h>

#include <islet/rt_base.h>

typedef struct rt_value rt_value;
typedef struct rt_send_port rt_send_port;

typedef enum rt_value_kind {
    RT_NULL,
    RT_BOOL,
    RT_INT,
    RT_DOUBLE,
    RT_STRING,
    RT_BYTES,
    RT_LIST,
    RT_MAP,
    RT_SEND_PORT,
    RT_BUFFER
} rt_value_kind;

/* Deepest nesting a message may have; deeper values fail with RT_EDEPTH. */
#define RT_VALUE_MAX_DEPTH 512

/* ---- Constructors: the value belongs to the current isolate; NULL on
 * allocation failure. ---- */
ISLET_API rt_value *rt_value_null(void);
ISLET_API rt_value *rt_value_bool(bool b);
ISLET_API rt_value *rt_value_int(int64_t i);
ISLET_API rt_value *rt_value_double(double d);
/* Copies a NUL-terminated string. Invalid UTF-8 is accepted here but the
 * value cannot be sent: rt_port_send returns RT_EILSEQ. */
ISLET_API rt_value *rt_value_string(const char *s);
ISLET_API rt_value *rt_value_string_n(const char *s, size_t len);
ISLET_API rt_value *rt_value_bytes(const void *data, size_t len);
ISLET_API rt_value *rt_value_list(void);
ISLET_API rt_value *rt_value_map(void);
/* A value holding its own reference to `port` (the caller keeps theirs). */
ISLET_API rt_value *rt_value_send_port(rt_send_port *port);
/* A transferable buffer of `len` uninitialised bytes. Sending it moves the
 * bytes to the receiver in O(1); the sender's value becomes detached. */
ISLET_API rt_value *rt_value_buffer(size_t len);

/* Frees v and all it contains. v must not be inside a list or map (free the
 * container instead) and must belong to the current isolate. NULL is ignored. */
ISLET_API void rt_value_free(rt_value *v);

/* A read-only deep copy in the current isolate's heap; NULL with *err set
 * (RT_ENOMEM, RT_EILSEQ, RT_EDEPTH, RT_EDETACHED) on failure. */
ISLET_API rt_value *rt_value_copy(const rt_value *v, int *err);

/* ---- Containers ---- */
/* Appends item; on success the list owns it. RT_EINVAL if item already has a
 * container, RT_ECYCLE if item is list or contains it, RT_ESTATE if list was
 * received (read-only), RT_ENOMEM. On error the caller still owns item. */
ISLET_API int rt_list_push(rt_value *list, rt_value *item);
ISLET_API size_t rt_list_len(const rt_value *list);
ISLET_API rt_value *rt_list_get(const rt_value *list, size_t i);

/* Sets key (copied) to item, replacing and freeing any previous item. Same
 * ownership and errors as rt_list_push. */
ISLET_API int rt_map_set(rt_value *map, const char *key, rt_value *item);
ISLET_API rt_value *rt_map_get(const rt_value *map, const char *key);
ISLET_API size_t rt_map_len(const rt_value *map);
/* The i-th entry in insertion order. */
ISLET_API const char *rt_map_key_at(const rt_value *map, size_t i);
ISLET_API rt_value *rt_map_value_at(const rt_value *map, size_t i);

/* ---- Accessors (aborts under RT_CHECKS on the wrong kind) ---- */
ISLET_API rt_value_kind rt_value_kind_of(const rt_value *v);
ISLET_API const char *rt_value_kind_name(rt_value_kind k);
ISLET_API bool rt_value_as_bool(const rt_value *v);
ISLET_API int64_t rt_value_as_int(const rt_value *v);
ISLET_API double rt_value_as_double(const rt_value *v);
/* NUL-terminated; *len (if not NULL) gets the byte length. */
ISLET_API const char *rt_value_as_string(const rt_value *v, size_t *len);
ISLET_API const void *rt_value_as_bytes(const rt_value *v, size_t *len);
/* Borrowed; rt_send_port_dup it to keep it beyond the value's life. */
ISLET_API rt_send_port *rt_value_as_send_port(const rt_value *v);
/* The buffer's bytes (writable), or NULL with *len = 0 once detached. */
ISLET_API void *rt_value_buffer_data(rt_value *v, size_t *len);
ISLET_API bool rt_value_buffer_detached(const rt_value *v);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
ISLET_API bool rt_utf8_valid(const char *s, size_t len);
/* Code point boundaries in UTF-8 text, for editing and cutting (the text
 * need not be valid: continuation bytes are stepped over). Any thread. */
ISLET_API size_t rt_utf8_prev(const char *s, size_t i); /* the one before i; 0 at 0 */
ISLET_API size_t rt_utf8_next(const char *s, size_t len,
                              size_t i); /* the one after i; len at len */
ISLET_API size_t rt_utf8_floor(const char *s, size_t len, size_t i); /* the last at or before i */
/* Copies s (NULL: "") into dst[cap] (cap > 0), NUL-terminated, cut at a
 * code point boundary when it does not fit; returns the bytes copied. */
ISLET_API size_t rt_utf8_copy(char *dst, size_t cap, const char *s);

#endif
