/* rt_http.c: HTTP on a network isolate driving libcurl's multi interface.
 *
 * The caller sends a request map to the network isolate's default port and
 * gets answers on its own http port as [kind, id, ...] lists:
 *   [0, id, response]  [1, id, code, message]  [2, id, {received, expected}]
 *   [3, id] (cancelled)
 * Kinds 0, 1 and 3 are final. The network isolate waits in curl_multi_poll:
 * its waiter is libcurl's, and a message for it wakes it with
 * curl_multi_wakeup, so one blocking call serves sockets and messages.
 */
#include <islet/rt_http.h>
#include <islet/rt_heap.h>
#include "rt_task_private.h"

#include "rt_value_private.h"
/* Last: the runtime's internals through its table (islet-http is a library
 * of its own). */
#include "rt_internals_private.h"

#include <curl/curl.h>
#include <limits.h>
#include <string.h>

#define IDLE_EXIT_NS RT_SEC(2)
#define PROGRESS_STEP 65536
#define DEFAULT_MAX_HEADER_BYTES (64 << 10)
/* Distinct response header names kept: the response map looks names up
 * linearly, so building it costs the square of this. Repeats are free. */
#define MAX_HEADER_FIELDS 1000

/* ---- The network isolate ---- */

typedef struct net {
    rt_waiter waiter; /* first: the isolate's waiter */
    CURLM *multi;
    atomic_int woken; /* a wake came: ends the spin before blocking */
    rt_link transfers;
    size_t ntransfers;
    rt_timer *idle;
    bool leaving; /* no longer published: exit when the last transfer ends */
    bool drive_posted;
    /* Reserves of requests sent here and not yet taken (under g_net.lock):
     * if the isolate is killed with those requests unread, its end frees
     * them (the messages that carried them cannot). */
    rt_link reserves;
} net;

/* ---- Response headers, as the bytes came ----
 *
 * Every line's name and value bytes go into one buffer; a hash of names
 * finds the field a repeat belongs to, and each field chains its lines, so
 * n header lines cost O(n) however many repeat. The map for the caller is
 * built once, at the end, decoding the bytes as Latin-1. */

typedef struct hline {
    size_t val_off, val_len;
    size_t next; /* the next line of the same field; 0: none */
} hline;

typedef struct hfield {
    size_t name_off, name_len;
    size_t first, last; /* lines */
    size_t value_len;   /* the joined value's bytes */
} hfield;

typedef struct hdrs {
    char *buf;
    size_t len, cap;
    hline *lines; /* lines[0] unused: 0 means "none" */
    size_t nlines, caplines;
    hfield *fields;
    size_t nfields, capfields;
    size_t *slots; /* field index + 1; 0 empty */
    size_t nslots;
    size_t last_field;  /* index + 1 of the field the last line went to */
    size_t bytes;       /* of this response's status line and headers */
    bool expect_status; /* the next line may start a new response */
    bool complete;      /* the blank line ending the headers came */
} hdrs;

/* Why a callback stopped the transfer (libcurl then says only "write error"). */
typedef enum stop_reason {
    STOP_NONE,
    STOP_BODY_CAP,
    STOP_HEADER_CAP,
    STOP_HEADER_FIELDS,
    STOP_NUL,
    STOP_NOMEM_BODY,
    STOP_NOMEM_HEADERS
} stop_reason;

typedef struct xfer {
    rt_link link;
    net *n;
    CURL *easy;
    int64_t id;
    rt_send_port *reply;
    char *body;
    size_t len, cap, max_body;
    bool progress;
    stop_reason stopped;
    size_t next_progress;
    size_t max_header_bytes;
    hdrs hdr;
    rt_msg *reserve; /* the final error, made up front: sent if nothing else can be */
    struct curl_slist *req_headers;
    long max_redirects;
    int64_t connect_timeout_ms;
    char errbuf[CURL_ERROR_SIZE];
    char trace_name[24]; /* "HTTP GET": the async trace span, if traced */
    const char *outcome; /* for the span's end */
} xfer;

/* Who serves requests now; any thread, under the lock. */
static struct {
    pthread_mutex_t lock;
    rt_isolate *iso;
    rt_send_port *port;
    net *n; /* iso's */
    bool curl_ready;
} g_net = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Waits in curl_multi_poll, then lets libcurl run: sockets, its timers. */
static void net_wait(rt_waiter *w, int64_t timeout_ns)
{
    net *n = (net *)w;
    /* Like the other waiters, watch briefly for a wake before sleeping: the
     * next request is often microseconds away, a wake-up costs tens. Only
     * the flag is watched: calling curl_multi_poll(0) in a loop here made
     * some requests take milliseconds (measured: 470 req/s at a 20 us spin
     * against 8,000 without). */
    /* With transfers running, the wait is for the server: spinning would
     * only take a core from it (2-vCPU measurements: bimodal 4k/12k req/s). */
    if (timeout_ns != 0 && n->ntransfers == 0 && rt__spin_for(&n->woken, timeout_ns)) {
        atomic_store(&n->woken, 0);
        return;
    }
    atomic_store(&n->woken, 0);
    int ms = timeout_ns < 0                    ? INT_MAX
             : timeout_ns / 1000000 >= INT_MAX ? INT_MAX
                                               : (int)((timeout_ns + 999999) / 1000000);
    curl_multi_poll(n->multi, NULL, 0, ms, NULL);
}

static void net_wake(rt_waiter *w)
{
    atomic_store(&((net *)w)->woken, 1);
    curl_multi_wakeup(((net *)w)->multi);
}

/* The reserve: [error, id, RT_ENOMEM, "http", words], built by the caller
 * before the request is sent, so the future settles even when the network
 * isolate cannot allocate a byte. */
static void post_reserve(rt_msg *reserve, rt_send_port *to)
{
    if (!reserve) { /* only if a transfer were answered twice */
        fprintf(stderr, "islet: http: an answer was lost\n");
        return;
    }
    reserve->port = rt_send_port_dup(to);
    rt__msg_post(reserve);
}

static bool send_error(rt_send_port *to, int64_t id, int code, const char *msg)
{
    rt_value *items[3] = {rt_value_int(code), rt_value_string("http"), rt_value_string(msg)};
    return rt__task_reply(to, id, RT__TASK_ERROR, items, 3, RT_MSG_SEND) == RT_OK;
}

/* The transfer's one final answer; items are taken. Falls back to an error
 * naming the failure, then to the reserve. */
static void final_reply(xfer *x, int kind, rt_value **items, size_t n, int mode)
{
    int rc = rt__task_reply(x->reply, x->id, kind, items, n, mode);
    if (rc == RT_OK) return;
    char msg[160];
    snprintf(msg, sizeof msg, "the response could not be delivered: %s", rt_strerror(rc));
    if (kind != RT__TASK_ERROR && send_error(x->reply, x->id, rc, msg)) return;
    post_reserve(x->reserve, x->reply);
    x->reserve = NULL;
}

static void final_error(xfer *x, int code, const char *msg)
{
    rt_value *items[3] = {rt_value_int(code), rt_value_string("http"), rt_value_string(msg)};
    final_reply(x, RT__TASK_ERROR, items, 3, RT_MSG_SEND);
}

static void trace_xfer(xfer *x, rt_trace_phase phase, const char *detail)
{
    rt_trace(&(rt_trace_event){.phase = phase,
                               .isolate = rt_isolate_name(rt_isolate_current()),
                               .name = x->trace_name,
                               .detail = detail,
                               .start_ns = rt_monotonic_ns(),
                               .id = (uint64_t)(uintptr_t)x});
}

static void hdrs_free(hdrs *h);

static void xfer_free(xfer *x)
{
    net *n = x->n;
    if (x->trace_name[0]) trace_xfer(x, RT_TRACE_ASYNC_END, x->outcome ? x->outcome : "ended");
    rt__list_remove(&x->link);
    n->ntransfers--;
    curl_multi_remove_handle(n->multi, x->easy);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->req_headers);
    hdrs_free(&x->hdr);
    if (x->reserve) rt__msg_discard(x->reserve);
    rt_free(x->body);
    rt_send_port_release(x->reply);
    rt_free(x);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    xfer *x = ctx;
    size_t n = size * nmemb;
    if (n > x->max_body - x->len) {
        x->stopped = STOP_BODY_CAP;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 16384;
        while (cap < x->len + n + 1)
            cap *= 2;
        /* At least a large block, so the body can move to the caller. */
        if (cap <= RT_HEAP_SMALL_MAX) cap = RT_HEAP_SMALL_MAX + 1;
        char *b = rt_realloc(x->body, cap);
        if (!b) {
            x->stopped = STOP_NOMEM_BODY;
            return 0;
        }
        x->body = b;
        x->cap = cap;
    }
    memcpy(x->body + x->len, data, n);
    x->len += n;
    return n;
}

/* ---- Response headers: storing ---- */

static void hdrs_free(hdrs *h)
{
    rt_free(h->buf);
    rt_free(h->lines);
    rt_free(h->fields);
    rt_free(h->slots);
    memset(h, 0, sizeof *h);
}

/* A new response (after a redirect or a 1xx) replaces the last one's. */
static void hdrs_reset(hdrs *h)
{
    h->len = h->nlines = h->nfields = h->last_field = h->bytes = 0;
    if (h->slots) memset(h->slots, 0, h->nslots * sizeof *h->slots);
}

/* Room for n more elements of size sz in *p (capacity *cap), doubling. */
static bool grow(void **p, size_t *cap, size_t used, size_t n, size_t sz)
{
    if (used + n <= *cap) return true;
    size_t c = *cap ? *cap : 16;
    while (c < used + n)
        c *= 2;
    void *q = rt_realloc(*p, c * sz);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}

static size_t name_hash(const char *s, size_t n)
{
    size_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The slot for name: its field's, or the empty one where it would go. */
static size_t *find_slot(hdrs *h, const char *name, size_t n)
{
    size_t mask = h->nslots - 1;
    for (size_t i = name_hash(name, n) & mask;; i = (i + 1) & mask) {
        size_t *slot = &h->slots[i];
        if (!*slot) return slot;
        hfield *f = &h->fields[*slot - 1];
        if (f->name_len == n && memcmp(h->buf + f->name_off, name, n) == 0) return slot;
    }
}

/* Keeps the table at most half full: rehashes into twice the slots. */
static bool rehash(hdrs *h)
{
    if (h->nslots > 2 * (h->nfields + 1)) return true;
    size_t n = h->nslots ? h->nslots * 2 : 16;
    size_t *slots = rt_calloc(n, sizeof *slots);
    if (!slots) return false;
    rt_free(h->slots);
    h->slots = slots;
    h->nslots = n;
    for (size_t i = 0; i < h->nfields; i++)
        *find_slot(h, h->buf + h->fields[i].name_off, h->fields[i].name_len) = i + 1;
    return true;
}

/* Appends bytes to the buffer; its offset, or SIZE_MAX out of memory. */
static size_t keep(hdrs *h, const char *p, size_t n)
{
    if (!grow((void **)&h->buf, &h->cap, h->len, n + 1, 1)) return SIZE_MAX;
    memcpy(h->buf + h->len, p, n);
    h->len += n;
    return h->len - n;
}

/* The field named name[0..n) (lower case), added if new; NULL when out of
 * memory or over MAX_HEADER_FIELDS (*stop says which). */
static hfield *field_for(hdrs *h, const char *name, size_t n, stop_reason *stop)
{
    *stop = STOP_NOMEM_HEADERS;
    if (!rehash(h)) return NULL;
    size_t *slot = find_slot(h, name, n);
    if (*slot) return &h->fields[*slot - 1];
    if (h->nfields == MAX_HEADER_FIELDS) {
        *stop = STOP_HEADER_FIELDS;
        return NULL;
    }
    size_t off = keep(h, name, n);
    if (off == SIZE_MAX || !grow((void **)&h->fields, &h->capfields, h->nfields, 1, sizeof(hfield)))
        return NULL;
    *slot = h->nfields + 1;
    h->fields[h->nfields] = (hfield){off, n, 0, 0, 0};
    return &h->fields[h->nfields++];
}

/* One "name: value" line (already trimmed); false to stop the transfer. */
static bool add_field(hdrs *h, const char *name, size_t nl, const char *v, size_t vl,
                      stop_reason *stop)
{
    char lower[256];
    char *low = nl <= sizeof lower ? lower : rt_malloc(nl);
    if (!low) {
        *stop = STOP_NOMEM_HEADERS;
        return false;
    }
    for (size_t i = 0; i < nl; i++)
        low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    hfield *f = field_for(h, low, nl, stop);
    if (low != lower) rt_free(low);
    if (!f) return false;
    size_t fi = (size_t)(f - h->fields);
    if (h->nlines == 0) h->nlines = 1; /* line 0 means "none" */
    size_t off = keep(h, v, vl);
    *stop = STOP_NOMEM_HEADERS;
    if (off == SIZE_MAX || !grow((void **)&h->lines, &h->caplines, h->nlines, 1, sizeof(hline)))
        return false;
    f = &h->fields[fi];
    size_t li = h->nlines++;
    h->lines[li] = (hline){off, vl, 0};
    if (f->last)
        h->lines[f->last].next = li;
    else
        f->first = li;
    f->value_len += (f->last ? 2 : 0) + vl;
    f->last = li;
    h->last_field = fi + 1;
    return true;
}

/* An obsolete folded line continues the last field's last value, which is
 * the last thing in the buffer. */
static bool add_folded(hdrs *h, const char *v, size_t vl)
{
    if (!h->last_field) return true; /* nothing to continue: ignored */
    if (keep(h, " ", 1) == SIZE_MAX || keep(h, v, vl) == SIZE_MAX) return false;
    h->lines[h->nlines - 1].val_len += 1 + vl;
    h->fields[h->last_field - 1].value_len += 1 + vl;
    return true;
}

static size_t stop(xfer *x, stop_reason why)
{
    x->stopped = why;
    return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* libcurl hands over each header line whole (status lines and the blank
 * line included). Bytes are kept as they came; only ASCII is lower-cased. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    xfer *x = ctx;
    hdrs *h = &x->hdr;
    size_t n = size * nmemb;
    /* After a blank line comes a new response or (chunked) trailers. */
    bool status = h->expect_status && n >= 5 && memcmp(data, "HTTP/", 5) == 0;
    if (status) hdrs_reset(h);
    h->bytes += n;
    if (h->bytes > x->max_header_bytes) return stop(x, STOP_HEADER_CAP);
    if (memchr(data, 0, n)) return stop(x, STOP_NUL);
    const char *end = data + n;
    while (end > data && (end[-1] == '\r' || end[-1] == '\n'))
        end--;
    h->expect_status = end == data;
    if (status || end == data) {
        h->complete = end == data;
        return n;
    }
    h->complete = false;
    if (is_space(data[0])) {
        const char *v = data;
        while (v < end && is_space(*v))
            v++;
        return add_folded(h, v, (size_t)(end - v)) ? n : stop(x, STOP_NOMEM_HEADERS);
    }
    const char *colon = memchr(data, ':', (size_t)(end - data));
    if (!colon) return n; /* not a field: ignored */
    const char *ne = colon, *v = colon + 1;
    while (ne > data && is_space(ne[-1]))
        ne--;
    while (v < end && is_space(*v))
        v++;
    while (end > v && is_space(end[-1]))
        end--;
    if (ne == data) return n; /* no name: ignored */
    stop_reason why = STOP_NONE;
    if (!add_field(h, data, (size_t)(ne - data), v, (size_t)(end - v), &why)) return stop(x, why);
    return n;
}

/* ---- Response headers: the map for the caller ---- */

/* Latin-1 to UTF-8: bytes 0x80-0xff become two bytes. */
static size_t latin1_len(const char *s, size_t n)
{
    size_t len = n;
    for (size_t i = 0; i < n; i++)
        len += (unsigned char)s[i] >= 0x80;
    return len;
}

static char *latin1_put(char *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            *out++ = (char)c;
        } else {
            *out++ = (char)(0xc0 | (c >> 6));
            *out++ = (char)(0x80 | (c & 0x3f));
        }
    }
    return out;
}

/* The field's lines joined with ", ", decoded; NULL out of memory. */
static rt_value *field_value(const hdrs *h, const hfield *f)
{
    size_t len = 0;
    for (size_t l = f->first; l; l = h->lines[l].next)
        len +=
            (l != f->first ? 2 : 0) + latin1_len(h->buf + h->lines[l].val_off, h->lines[l].val_len);
    char *s = rt_malloc(len + 1), *p = s;
    if (!s) return NULL;
    for (size_t l = f->first; l; l = h->lines[l].next) {
        if (l != f->first) {
            *p++ = ',';
            *p++ = ' ';
        }
        p = latin1_put(p, h->buf + h->lines[l].val_off, h->lines[l].val_len);
    }
    rt_value *v = rt_value_string_n(s, len);
    rt_free(s);
    return v;
}

static rt_value *hdrs_map(const hdrs *h)
{
    rt_value *m = rt_value_map();
    for (size_t i = 0; m && i < h->nfields; i++) {
        const hfield *f = &h->fields[i];
        size_t kl = latin1_len(h->buf + f->name_off, f->name_len);
        char *key = rt_malloc(kl + 1);
        rt_value *v = key ? field_value(h, f) : NULL;
        if (key) *latin1_put(key, h->buf + f->name_off, f->name_len) = 0;
        if (!v || rt_map_set(m, key, v) != RT_OK) {
            rt_value_free(v);
            rt_value_free(m);
            m = NULL;
        }
        rt_free(key);
    }
    return m;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)ultotal;
    (void)ulnow;
    xfer *x = ctx;
    if (!x->progress || dlnow <= 0 || (size_t)dlnow < x->next_progress) return 0;
    x->next_progress = (size_t)dlnow + PROGRESS_STEP;
    rt_value *m = rt_value_map();
    rt_value *a = rt_value_int(dlnow), *b = rt_value_int(dltotal);
    if (m && a && b && rt_map_set(m, "received", a) == RT_OK) {
        a = NULL;
        if (rt_map_set(m, "expected", b) == RT_OK) b = NULL;
    }
    rt_value_free(a);
    rt_value_free(b);
    /* Progress is best effort: a lost update is followed by the next. */
    if (m) rt__task_reply(x->reply, x->id, RT__TASK_PROGRESS, &m, 1, RT_MSG_SEND);
    return 0;
}

/* ---- Errors in words ---- */

/* Why one of our callbacks stopped the transfer. */
static int stopped_why(const xfer *x, char *what, size_t size)
{
    switch (x->stopped) {
    case STOP_BODY_CAP:
        snprintf(what, size, "the response body is larger than the %zu-byte cap", x->max_body);
        return RT_EHTTP_TOO_LARGE;
    case STOP_HEADER_CAP:
        snprintf(what, size, "the response headers are larger than the %zu-byte cap",
                 x->max_header_bytes);
        return RT_EHTTP_HEADERS_TOO_LARGE;
    case STOP_HEADER_FIELDS:
        snprintf(what, size, "the response has more than %d distinct header names",
                 MAX_HEADER_FIELDS);
        return RT_EHTTP_HEADERS_TOO_LARGE;
    case STOP_NUL:
        snprintf(what, size, "the server's answer is not valid HTTP (a NUL byte in a header)");
        return RT_EHTTP_PROTOCOL;
    case STOP_NOMEM_HEADERS:
        snprintf(what, size, "out of memory while receiving the headers (%zu bytes)", x->hdr.bytes);
        return RT_ENOMEM;
    default:
        snprintf(what, size, "out of memory while receiving the body (%zu bytes)", x->len);
        return RT_ENOMEM;
    }
}

static int classify(xfer *x, CURLcode rc, char *msg, size_t size)
{
    const char *curl_msg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    char what[200];
    int code;
    switch (rc) {
    case CURLE_URL_MALFORMAT:
        code = RT_EHTTP_URL;
        snprintf(what, sizeof what, "the URL is malformed");
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* Also what libcurl says of an answer without a status line
         * (HTTP/0.9), a bad status code or version: its words tell. */
        code = strstr(curl_msg, "HTTP") ? RT_EHTTP_PROTOCOL : RT_EHTTP_SCHEME;
        snprintf(what, sizeof what, "%s",
                 code == RT_EHTTP_SCHEME ? "only http and https URLs are allowed"
                                         : "the server's answer is not valid HTTP");
        break;
    case CURLE_WEIRD_SERVER_REPLY:
        code = RT_EHTTP_PROTOCOL;
        snprintf(what, sizeof what, "the server's answer is not valid HTTP");
        break;
    case CURLE_OUT_OF_MEMORY:
        /* libcurl's only common "out of memory": a header line over its
         * 100 KiB, which it buffers before we see it. */
        code = x->hdr.complete ? RT_ENOMEM : RT_EHTTP_HEADERS_TOO_LARGE;
        snprintf(what, sizeof what, "%s",
                 code == RT_ENOMEM
                     ? "out of memory"
                     : "a response header line is longer than libcurl accepts (100 KiB), or "
                       "memory ran out");
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        code = RT_EHTTP_RESOLVE;
        snprintf(what, sizeof what, "the host name could not be resolved");
        break;
    case CURLE_COULDNT_CONNECT:
        code = RT_EHTTP_CONNECT;
        snprintf(what, sizeof what, "the server refused the connection or could not be reached");
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connected = 0;
        curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &connected);
        code = RT_EHTTP_TIMEOUT;
        snprintf(what, sizeof what,
                 connected ? "the request timed out" : "connecting timed out (after %lld ms)",
                 (long long)x->connect_timeout_ms);
        break;
    }
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        code = RT_EHTTP_TLS;
        snprintf(what, sizeof what, "the secure (TLS) connection failed");
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        code = RT_EHTTP_REDIRECTS;
        snprintf(what, sizeof what, "too many redirects (more than %ld)", x->max_redirects);
        break;
    case CURLE_FILESIZE_EXCEEDED:
        code = RT_EHTTP_TOO_LARGE;
        snprintf(what, sizeof what, "the response body is larger than the %zu-byte cap",
                 x->max_body);
        break;
    case CURLE_WRITE_ERROR:
        code = stopped_why(x, what, sizeof what);
        break;
    case CURLE_RECV_ERROR:
        if (strstr(curl_msg, "chunked-encoding")) {
            code = RT_EHTTP_PROTOCOL;
            snprintf(what, sizeof what, "the server's chunked body is not valid HTTP");
            break;
        }
        if (strstr(curl_msg, "Too large response headers")) {
            code = RT_EHTTP_HEADERS_TOO_LARGE;
            snprintf(what, sizeof what,
                     "the response headers are larger than libcurl accepts (300 KiB)");
            break;
        }
        /* fall through */
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
        code = RT_EHTTP_RECEIVE;
        snprintf(what, sizeof what, "the connection was closed before the response was complete");
        break;
    default:
        code = RT_EHTTP_OTHER;
        snprintf(what, sizeof what, "the request failed");
        break;
    }
    snprintf(msg, size, "%s (curl error %d: %s)", what, (int)rc, curl_msg);
    return code;
}

/* ---- Completing transfers ---- */

static rt_value *timings(CURL *e)
{
    static const struct {
        const char *name;
        CURLINFO info;
    } t[] = {{"dns", CURLINFO_NAMELOOKUP_TIME_T},
             {"connect", CURLINFO_CONNECT_TIME_T},
             {"tls", CURLINFO_APPCONNECT_TIME_T},
             {"first_byte", CURLINFO_STARTTRANSFER_TIME_T},
             {"total", CURLINFO_TOTAL_TIME_T}};
    rt_value *m = rt_value_map();
    for (size_t i = 0; m && i < sizeof t / sizeof t[0]; i++) {
        curl_off_t us = 0;
        curl_easy_getinfo(e, t[i].info, &us);
        rt_value *v = rt_value_int(us);
        if (!v || rt_map_set(m, t[i].name, v) != RT_OK) {
            rt_value_free(v);
            rt_value_free(m);
            m = NULL;
        }
    }
    return m;
}

static bool put(rt_value *m, const char *key, rt_value *v)
{
    if (v && rt_map_set(m, key, v) == RT_OK) return true;
    rt_value_free(v);
    return false;
}

/* put, if all went well so far; v is taken either way. */
static bool put_if(bool ok, rt_value *m, const char *key, rt_value *v)
{
    if (ok) return put(m, key, v);
    rt_value_free(v);
    return false;
}

static void finish_ok(xfer *x)
{
    if (!x->hdr.complete) {
        /* libcurl takes a close in the middle of the headers for the end
         * of a response without a body. */
        final_error(x, RT_EHTTP_RECEIVE,
                    "the connection was closed before the response headers were complete");
        return;
    }
    long status = 0;
    char *url = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
    if (!x->body) x->body = rt_malloc(RT_HEAP_SMALL_MAX + 1), x->cap = RT_HEAP_SMALL_MAX + 1;
    rt_value *body =
        x->body ? rt__value_bytes_adopt(rt__current_heap("http"), x->body, x->len) : NULL;
    if (body) x->body = NULL;
    rt_value *resp = rt_value_map();
    bool ok = put_if(resp != NULL, resp, "status", rt_value_int(status));
    ok = put_if(ok, resp, "url", rt_value_string(url ? url : ""));
    ok = put_if(ok, resp, "headers", hdrs_map(&x->hdr));
    ok = put_if(ok, resp, "body", body);
    ok = put_if(ok, resp, "timings", timings(x->easy));
    if (ok) {
        /* The body block moves to the caller: no copy, whatever its size. */
        final_reply(x, RT__TASK_RESULT, &resp, 1, RT_MSG_EXIT);
    } else {
        rt_value_free(resp);
        final_error(x, RT_ENOMEM, "out of memory building the response");
    }
}

static void arm_idle(net *n);

static void drive(void *ctx)
{
    net *n = ctx;
    n->drive_posted = false;
    rt_event_label("curl");
    int running = 0;
    curl_multi_perform(n->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(n->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (m->data.result == CURLE_OK) {
            finish_ok(x);
            x->outcome = "done";
        } else {
            x->outcome = "failed";
            char msg[768];
            int code = classify(x, m->data.result, msg, sizeof msg);
            final_error(x, code, msg);
        }
        xfer_free(x);
    }
    if (n->ntransfers == 0) arm_idle(n);
}

/* After every wait, let libcurl run: sockets, its timers, new handles. */
static void post_drive(net *n)
{
    if (n->drive_posted) return;
    if (rt_post(drive, n) == RT_OK) n->drive_posted = true;
}

static void net_wait_and_drive(rt_waiter *w, int64_t timeout_ns)
{
    net_wait(w, timeout_ns);
    if (((net *)w)->ntransfers > 0) post_drive((net *)w);
}

/* ---- Requests ---- */

static const char *str_of(const rt_value *m, const char *k)
{
    const rt_value *v = rt_map_get(m, k);
    return v && rt_value_kind_of(v) == RT_STRING ? rt_value_as_string(v, NULL) : NULL;
}

static int64_t int_of(const rt_value *m, const char *k)
{
    const rt_value *v = rt_map_get(m, k);
    return v && rt_value_kind_of(v) == RT_INT ? rt_value_as_int(v) : 0;
}

static bool setup(xfer *x, const rt_value *req)
{
    CURL *e = x->easy;
    const char *method = str_of(req, "method");
    const rt_value *headers = rt_map_get(req, "headers");
    for (size_t i = 0; headers && i < rt_list_len(headers); i++) {
        struct curl_slist *l =
            curl_slist_append(x->req_headers, rt_value_as_string(rt_list_get(headers, i), NULL));
        if (!l) return false;
        x->req_headers = l;
    }
    size_t blen = 0;
    const rt_value *body = rt_map_get(req, "body");
    const void *bdata = body ? rt_value_as_bytes(body, &blen) : NULL;
    int64_t to = int_of(req, "timeout_ms"), cto = int_of(req, "connect_timeout_ms");
    x->connect_timeout_ms = cto;
    x->max_redirects = (long)int_of(req, "max_redirects");
    x->max_body = (size_t)int_of(req, "max_body");
    x->progress = int_of(req, "progress") != 0;
    bool ok =
        curl_easy_setopt(e, CURLOPT_URL, str_of(req, "url")) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, x->max_redirects > 0 ? 1L : 0L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, x->max_redirects) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)to) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cto) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEDATA, x) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_HEADERDATA, x) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, x) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->req_headers) == CURLE_OK;
    if (ok && bdata) {
        ok = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, (const char *)bdata) == CURLE_OK;
    }
    if (ok && method && strcmp(method, "GET") != 0 && !(bdata && strcmp(method, "POST") == 0))
        ok = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
    if (ok && method && strcmp(method, "HEAD") == 0)
        ok = curl_easy_setopt(e, CURLOPT_NOBODY, 1L) == CURLE_OK;
    return ok;
}

/* Takes the caller's reserve, which fails the future if even this fails. */
static xfer *xfer_new(net *n, const rt_value *req, rt_send_port *to, int64_t id)
{
    rt_msg *reserve = (rt_msg *)(intptr_t)int_of(req, "reserve");
    RT_CHECK(reserve != NULL, "a request without its reserve message");
    pthread_mutex_lock(&g_net.lock);
    rt__list_remove(&reserve->ev.link); /* ours now */
    pthread_mutex_unlock(&g_net.lock);
    xfer *x = rt_calloc(1, sizeof *x);
    if (!x) {
        if (send_error(to, id, RT_ENOMEM, "the request could not be set up (out of memory)"))
            rt__msg_discard(reserve);
        else
            post_reserve(reserve, to);
        return NULL;
    }
    x->n = n;
    x->id = id;
    x->reply = rt_send_port_dup(to);
    x->reserve = reserve;
    x->hdr.expect_status = true;
    x->max_header_bytes = (size_t)int_of(req, "max_header_bytes");
    x->easy = curl_easy_init();
    rt__list_push_back(&n->transfers, &x->link);
    n->ntransfers++;
    return x;
}

static void start_transfer(net *n, const rt_value *req)
{
    rt_send_port *to = rt_value_as_send_port(rt_map_get(req, "reply"));
    xfer *x = xfer_new(n, req, to, int_of(req, "id"));
    if (!x) return;
    if (!x->easy || !setup(x, req) || curl_multi_add_handle(n->multi, x->easy) != CURLM_OK) {
        final_error(x, RT_ENOMEM, "the request could not be set up (out of memory)");
        xfer_free(x);
        return;
    }
    if (rt_tracing()) {
        const char *method = str_of(req, "method");
        snprintf(x->trace_name, sizeof x->trace_name, "HTTP %.15s", method ? method : "GET");
        trace_xfer(x, RT_TRACE_ASYNC_BEGIN, str_of(req, "url"));
    }
    if (n->idle) {
        rt_timer_free(n->idle);
        n->idle = NULL;
    }
    post_drive(n);
}

static void cancel_transfer(net *n, const rt_value *req)
{
    rt_send_port *to = rt_value_as_send_port(rt_map_get(req, "reply"));
    int64_t id = int_of(req, "cancel");
    for (rt_link *l = n->transfers.next; l != &n->transfers; l = l->next) {
        xfer *x = rt__container_of(l, xfer, link);
        if (x->id == id && x->reply == to) {
            final_reply(x, RT__TASK_CANCELLED, NULL, 0, RT_MSG_SEND);
            x->outcome = "cancelled";
            xfer_free(x);
            break;
        }
    }
    if (n->ntransfers == 0) arm_idle(n);
}

static void on_request(rt_receive_port *p, rt_value *req, void *ctx)
{
    (void)p;
    net *n = ctx;
    bool cancel = rt_map_get(req, "cancel") != NULL;
    rt_event_label(cancel ? "HTTP cancel" : "HTTP request");
    if (cancel)
        cancel_transfer(n, req);
    else
        start_transfer(n, req);
    rt_value_free(req);
}

/* ---- Going idle ---- */

static void leave_now(void *ctx)
{
    net *n = ctx;
    if (n->ntransfers == 0) rt_receive_port_close(rt_default_port());
}

static void idle_fired(rt_timer *t, void *ctx)
{
    net *n = ctx;
    rt_timer_free(t);
    n->idle = NULL;
    if (n->ntransfers > 0) return;
    /* Unpublish first: new requests go to a new isolate. Those already sent
     * are in our inbox, and rt_post queues the close behind them. */
    pthread_mutex_lock(&g_net.lock);
    rt_send_port *mine = NULL;
    if (g_net.iso == rt_isolate_current()) {
        mine = g_net.port;
        rt_isolate_release(g_net.iso);
        g_net.iso = NULL;
        g_net.port = NULL;
        g_net.n = NULL;
    }
    pthread_mutex_unlock(&g_net.lock);
    rt_send_port_release(mine);
    n->leaving = true;
    rt_post(leave_now, n);
}

static void arm_idle(net *n)
{
    if (n->leaving) {
        rt_receive_port_close(rt_default_port());
        return;
    }
    if (!n->idle) rt_timer_start(&n->idle, IDLE_EXIT_NS, 0, idle_fired, n, NULL);
}

/* The port's destroy hook: the isolate is ending (idle, or killed). */
static void net_destroy(void *ctx)
{
    net *n = ctx;
    while (!rt__list_empty(&n->transfers)) {
        xfer *x = rt__container_of(n->transfers.next, xfer, link);
        final_error(x, RT_ECANCELLED, "the network isolate stopped");
        xfer_free(x);
    }
    if (n->idle) rt_timer_free(n->idle);
    n->idle = NULL;
    pthread_mutex_lock(&g_net.lock);
    rt_link *l;
    while ((l = rt__list_pop_front(&n->reserves)))
        rt__msg_discard(rt__container_of(l, rt_msg, ev.link));
    pthread_mutex_unlock(&g_net.lock);
}

/* The isolate is gone and nobody can wake it: the multi handle goes. */
static void net_release(rt_waiter *w)
{
    net *n = (net *)w;
    curl_multi_cleanup(n->multi);
    rt__raw_free(n, sizeof *n);
}

static void net_entry(rt_value *msg)
{
    net *n = (net *)(intptr_t)rt_value_as_int(msg);
    rt_value_free(msg);
    rt_receive_port_listen(rt_default_port(), on_request, n, net_destroy);
}

static void curl_shutdown(void)
{
    pthread_mutex_lock(&g_net.lock);
    if (g_net.iso) rt_isolate_release(g_net.iso);
    rt_send_port_release(g_net.port);
    g_net.iso = NULL;
    g_net.port = NULL;
    g_net.n = NULL;
    if (g_net.curl_ready) curl_global_cleanup();
    g_net.curl_ready = false;
    pthread_mutex_unlock(&g_net.lock);
}

/* Starts the network isolate; under g_net.lock. */
static int start_network_locked(void)
{
    if (!g_net.curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return RT_EAGAIN;
        g_net.curl_ready = true;
        rt__at_main_leave(curl_shutdown);
    }
    /* Outside any heap: it is the isolate's waiter, made before the isolate
     * and freed by net_release once the isolate has exited. */
    net *n = rt__raw_alloc(sizeof *n);
    if (!n) return RT_ENOMEM;
    memset(n, 0, sizeof *n);
    n->waiter.wait = net_wait_and_drive;
    n->waiter.wake = net_wake;
    n->waiter.release = net_release;
    n->multi = curl_multi_init();
    if (!n->multi) {
        rt__raw_free(n, sizeof *n);
        return RT_ENOMEM;
    }
    rt__list_init(&n->transfers);
    rt__list_init(&n->reserves);
    rt_value *arg = rt_value_int((int64_t)(intptr_t)n);
    rt_isolate_options o = {.name = "network", .dedicated_thread = true, .waiter = &n->waiter};
    rt_isolate *iso = NULL;
    int rc = arg ? rt_isolate_spawn(net_entry, arg, &o, &iso) : RT_ENOMEM;
    rt_value_free(arg);
    if (rc) {
        curl_multi_cleanup(n->multi);
        rt__raw_free(n, sizeof *n);
        return rc;
    }
    g_net.iso = iso;
    g_net.port = rt_isolate_port(iso);
    g_net.n = n;
    return RT_OK;
}

/* ---- The caller's side: a task per request ---- */

static bool set_int(rt_value *m, const char *k, int64_t i)
{
    return put(m, k, rt_value_int(i));
}

/* What the network isolate sends when it cannot allocate the answer: made
 * here, where the caller learns at once if memory is short. */
static rt_msg *make_reserve(rt__task *t)
{
    rt_value *l = rt_value_list();
    rt_value *items[] = {rt_value_int(RT__TASK_ERROR), rt_value_int(rt__task_id(t)),
                         rt_value_int(RT_ENOMEM), rt_value_string("http"),
                         rt_value_string("out of memory: the response could not be delivered")};
    bool ok = l != NULL;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if (ok && items[i] && rt_list_push(l, items[i]) == RT_OK) continue;
        ok = false;
        rt_value_free(items[i]);
    }
    rt_msg *m = NULL;
    if (ok && rt__msg_new(rt__current_heap("http"), l, RT_MSG_SEND, &m) != RT_OK) m = NULL;
    rt_value_free(l);
    return m;
}

static int64_t clamp_int64(size_t n)
{
    return n > (size_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

/* Nanoseconds to whole milliseconds, rounded up, without overflow; a time
 * too long to matter (over 2^40 ms, 35 years) is capped there: "never". */
static int64_t ns_to_ms(int64_t ns)
{
    int64_t ms = ns / 1000000 + (ns % 1000000 != 0);
    return ms > ((int64_t)1 << 40) ? (int64_t)1 << 40 : ms;
}

/* The request as a message for the network isolate. */
static rt_value *request_value(rt__task *t, const char *method, const char *url, const void *body,
                               size_t len, const rt_http_options *o, bool progress)
{
    rt_value *m = rt_value_map();
    rt_value *headers = rt_value_list();
    for (size_t i = 0; headers && o && o->headers && o->headers[i]; i++) {
        rt_value *h = rt_value_string(o->headers[i]);
        if (!h || rt_list_push(headers, h) != RT_OK) {
            rt_value_free(h);
            rt_value_free(headers);
            headers = NULL;
        }
    }
    int64_t cto = o && o->connect_timeout_ns > 0 ? o->connect_timeout_ns : RT_SEC(10);
    int64_t to = o && o->timeout_ns > 0 ? o->timeout_ns : RT_SEC(30);
    int64_t redirects = !o || o->max_redirects == 0 ? 5
                        : o->max_redirects < 0      ? 0
                                                    : o->max_redirects;
    size_t max_hdr = o && o->max_header_bytes ? o->max_header_bytes : DEFAULT_MAX_HEADER_BYTES;
    bool ok = m && headers && set_int(m, "id", rt__task_id(t)) &&
              put(m, "reply", rt_value_send_port(rt__task_port(t->owner))) &&
              put(m, "method", rt_value_string(method ? method : "GET")) &&
              put(m, "url", rt_value_string(url));
    bool headers_taken = ok; /* put takes them, whether it succeeds or not */
    ok = ok && put(m, "headers", headers) && (!body || put(m, "body", rt_value_bytes(body, len))) &&
         set_int(m, "connect_timeout_ms", ns_to_ms(cto)) &&
         set_int(m, "timeout_ms", ns_to_ms(to)) &&
         set_int(m, "max_body", o && o->max_body ? clamp_int64(o->max_body) : 64 << 20) &&
         set_int(m, "max_header_bytes", clamp_int64(max_hdr)) &&
         set_int(m, "max_redirects", redirects) && set_int(m, "progress", progress);
    if (!ok) {
        if (!headers_taken) rt_value_free(headers);
        rt_value_free(m);
        return NULL;
    }
    return m;
}

/* ---- Refusing what cannot go on the wire as meant ---- */

/* RFC 9110 token characters: a method, a header name. */
static bool is_token(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
        if (!alnum && !(c && strchr("!#$%&'*+-.^_`|~", c))) return false;
    }
    return n > 0;
}

/* What is wrong with an extra header line, or NULL. */
static const char *header_problem(const char *h)
{
    if (strpbrk(h, "\r\n")) return "contains CR or LF (it would add lines to the request)";
    const char *colon = strchr(h, ':');
    if (!colon || !is_token(h, (size_t)(colon - h)))
        return "is not \"Name: value\" with a valid name (letters, digits, !#$%&'*+-.^_`|~)";
    for (const unsigned char *p = (const unsigned char *)colon + 1; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) return "contains a control character";
    if (!rt_utf8_valid(h, strlen(h))) return "is not valid UTF-8";
    return NULL;
}

/* A failed future if the request cannot be sent as meant, else NULL. */
static rt_future *refuse(const char *method, const char *url, const rt_http_options *o)
{
    size_t ul = url ? strlen(url) : 0;
    if (!url || !rt_utf8_valid(url, ul))
        return rt_future_error(RT_EHTTP_URL, "http", "the URL is missing or not valid UTF-8");
    for (size_t i = 0; i < ul; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return rt_future_error(RT_EHTTP_URL, "http",
                                   "the URL contains a space or control character (byte %zu)", i);
    if (method && !is_token(method, strlen(method)))
        return rt_future_error(RT_EHTTP_HEADER, "http",
                               "the method is not a valid HTTP token (letters, digits, "
                               "!#$%%&'*+-.^_`|~; no spaces, CR or LF)");
    for (size_t i = 0; o && o->headers && o->headers[i]; i++) {
        const char *why = header_problem(o->headers[i]);
        if (why) return rt_future_error(RT_EHTTP_HEADER, "http", "extra header %zu %s", i + 1, why);
    }
    return NULL;
}

/* Sends req, noting its reserve (if any) with the isolate it goes to. */
static int send_to_network(rt_value *req, rt_msg *reserve)
{
    pthread_mutex_lock(&g_net.lock);
    int rc = g_net.iso ? RT_OK : start_network_locked();
    if (rc == RT_OK) {
        if (reserve) rt__list_push_back(&g_net.n->reserves, &reserve->ev.link);
        rc = rt_port_send(g_net.port, req);
        if (rc && reserve) rt__list_remove(&reserve->ev.link);
    }
    pthread_mutex_unlock(&g_net.lock);
    return rc;
}

rt_future *rt_http_request(const char *method, const char *url, const void *body, size_t len,
                           const rt_http_options *opts, rt_http_task **task)
{
    rt__isolate_check(__func__);
    if (task) *task = NULL;
    rt_future *f = refuse(method, url, opts);
    if (f) return f;
    rt__task *t = rt__task_new(task != NULL, &f);
    if (!t) return NULL;
    static const char *const labels[] = {[RT__TASK_RESULT] = "HTTP response",
                                         [RT__TASK_ERROR] = "HTTP error",
                                         [RT__TASK_PROGRESS] = "HTTP progress",
                                         [RT__TASK_CANCELLED] = "HTTP cancelled"};
    t->labels = labels;
    rt_msg *reserve = make_reserve(t);
    rt_value *req = reserve ? request_value(t, method, url, body, len, opts, task != NULL) : NULL;
    int rc = req && set_int(req, "reserve", (int64_t)(intptr_t)reserve)
                 ? send_to_network(req, reserve)
                 : RT_ENOMEM;
    rt_value_free(req);
    if (rc && reserve) rt__msg_discard(reserve);
    if (rc) {
        char msg[160];
        snprintf(msg, sizeof msg, "the request could not be sent to the network isolate: %s",
                 rt_strerror(rc));
        rt__task_fail(t, rc, "http", msg);
        if (task) rt__task_unref(t);
        rt__task_unref(t);
        return f;
    }
    rt__task_started(t);
    if (task) *task = (rt_http_task *)t;
    return f;
}

rt_future *rt_http_get(const char *url, const rt_http_options *opts)
{
    return rt_http_request("GET", url, NULL, 0, opts, NULL);
}

rt_future *rt_http_post(const char *url, const void *body, size_t len, const rt_http_options *opts)
{
    return rt_http_request("POST", url, body ? body : "", len, opts, NULL);
}

void rt_http_task_cancel(rt_http_task *task)
{
    rt__task *t = (rt__task *)task;
    if (t->done) return;
    rt_value *m = rt_value_map();
    bool ok = m && set_int(m, "cancel", rt__task_id(t)) &&
              put(m, "reply", rt_value_send_port(rt__task_port(t->owner))) &&
              send_to_network(m, NULL) == RT_OK;
    rt_value_free(m);
    rt__task_fail(t, RT_ECANCELLED, "http", "cancelled");
    /* The network isolate answers [cancelled, id] (or the transfer's own
     * end), which settles the task; if it cannot be asked, settle now. */
    if (!ok) rt__task_settle(t);
}

rt_stream *rt_http_task_progress(rt_http_task *task)
{
    rt__task *t = (rt__task *)task;
    return t->progress ? rt_stream_controller_stream(t->progress) : NULL;
}

void rt_http_task_release(rt_http_task *task)
{
    if (task) rt__task_unref((rt__task *)task);
}

/* ---- Response accessors ---- */

int rt_http_status(const rt_value *r)
{
    return (int)int_of(r, "status");
}

const void *rt_http_body(const rt_value *r, size_t *len)
{
    const rt_value *b = rt_map_get(r, "body");
    if (!b) {
        if (len) *len = 0;
        return NULL;
    }
    return rt_value_as_bytes(b, len);
}

const char *rt_http_header(const rt_value *r, const char *name)
{
    const rt_value *h = rt_map_get(r, "headers");
    return h ? str_of(h, name) : NULL;
}

const char *rt_http_effective_url(const rt_value *r)
{
    return str_of(r, "url");
}

int64_t rt_http_timing_us(const rt_value *r, const char *which)
{
    const rt_value *t = rt_map_get(r, "timings");
    return t ? int_of(t, which) : 0;
}
