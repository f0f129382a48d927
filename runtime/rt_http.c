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
#include "rt_http.h"
#include "rt_heap.h"
#include "rt_task_private.h"

#include <curl/curl.h>
#include <limits.h>
#include <string.h>

#define IDLE_EXIT_NS RT_SEC(2)
#define PROGRESS_STEP 65536

/* ---- The network isolate ---- */

typedef struct net {
    rt_waiter waiter; /* first: the isolate's waiter */
    CURLM *multi;
    atomic_bool woken; /* a wake came: ends the spin before blocking */
    rt_link transfers;
    size_t ntransfers;
    rt_timer *idle;
    bool leaving; /* no longer published: exit when the last transfer ends */
    bool drive_posted;
} net;

typedef struct xfer {
    rt_link link;
    net *n;
    CURL *easy;
    int64_t id;
    rt_send_port *reply;
    char *body;
    size_t len, cap, max_body;
    bool too_big, progress;
    size_t next_progress;
    rt_value *headers;
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
        atomic_store(&n->woken, false);
        return;
    }
    atomic_store(&n->woken, false);
    int ms = timeout_ns < 0                    ? INT_MAX
             : timeout_ns / 1000000 >= INT_MAX ? INT_MAX
                                               : (int)((timeout_ns + 999999) / 1000000);
    curl_multi_poll(n->multi, NULL, 0, ms, NULL);
}

static void net_wake(rt_waiter *w)
{
    atomic_store(&((net *)w)->woken, true);
    curl_multi_wakeup(((net *)w)->multi);
}

static void reply(rt_send_port *to, int64_t id, int kind, rt_value **items, size_t n, int mode)
{
    if (rt__task_reply(to, id, kind, items, n, mode) != RT_OK)
        fprintf(stderr, "islet: http: reply lost: out of memory\n");
}

static void reply_error(rt_send_port *to, int64_t id, int code, const char *msg)
{
    rt__task_reply_error(to, id, code, "http", msg);
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

static void xfer_free(xfer *x)
{
    net *n = x->n;
    if (x->trace_name[0]) trace_xfer(x, RT_TRACE_ASYNC_END, x->outcome ? x->outcome : "ended");
    rt__list_remove(&x->link);
    n->ntransfers--;
    curl_multi_remove_handle(n->multi, x->easy);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->req_headers);
    rt_value_free(x->headers);
    rt_free(x->body);
    rt_send_port_release(x->reply);
    rt_free(x);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    xfer *x = ctx;
    size_t n = size * nmemb;
    if (x->len + n > x->max_body) {
        x->too_big = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 16384;
        while (cap < x->len + n + 1)
            cap *= 2;
        /* At least a large block, so the body can move to the caller. */
        if (cap <= RT_HEAP_SMALL_MAX) cap = RT_HEAP_SMALL_MAX + 1;
        char *b = rt_realloc(x->body, cap);
        if (!b) return 0;
        x->body = b;
        x->cap = cap;
    }
    memcpy(x->body + x->len, data, n);
    x->len += n;
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    xfer *x = ctx;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a redirect): start over. */
        rt_value_free(x->headers);
        x->headers = rt_value_map();
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon || !x->headers) return n;
    char name[128];
    size_t nl = (size_t)(colon - data);
    if (nl >= sizeof name) return n;
    for (size_t i = 0; i < nl; i++)
        name[i] = (char)(data[i] >= 'A' && data[i] <= 'Z' ? data[i] + 32 : data[i]);
    name[nl] = 0;
    const char *v = colon + 1, *end = data + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    const rt_value *old = rt_map_get(x->headers, name);
    rt_value *val;
    if (old) {
        size_t ol;
        const char *os = rt_value_as_string(old, &ol);
        size_t total = ol + 2 + (size_t)(end - v);
        char *joined = rt_malloc(total + 1);
        if (!joined) return n;
        memcpy(joined, os, ol);
        memcpy(joined + ol, ", ", 2);
        memcpy(joined + ol + 2, v, (size_t)(end - v));
        val = rt_value_string_n(joined, total);
        rt_free(joined);
    } else {
        val = rt_value_string_n(v, (size_t)(end - v));
    }
    if (val && rt_map_set(x->headers, name, val) != RT_OK) rt_value_free(val);
    return n;
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
    if (m) reply(x->reply, x->id, RT__TASK_PROGRESS, &m, 1, RT_MSG_SEND);
    return 0;
}

/* ---- Errors in words ---- */

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
        code = RT_EHTTP_SCHEME;
        snprintf(what, sizeof what, "only http and https URLs are allowed");
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
        code = x->too_big ? RT_EHTTP_TOO_LARGE : RT_ENOMEM;
        snprintf(what, sizeof what,
                 x->too_big ? "the response body is larger than the %zu-byte cap"
                            : "out of memory while receiving the body (%zu bytes)",
                 x->too_big ? x->max_body : x->len);
        break;
    case CURLE_RECV_ERROR:
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

static void finish_ok(xfer *x)
{
    long status = 0;
    char *url = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
    if (!x->body) x->body = rt_malloc(RT_HEAP_SMALL_MAX + 1), x->cap = RT_HEAP_SMALL_MAX + 1;
    rt_value *body =
        x->body ? rt__value_bytes_adopt(rt__current_heap("http"), x->body, x->len) : NULL;
    if (body) x->body = NULL;
    rt_value *resp = rt_value_map();
    rt_value *hdrs = x->headers ? x->headers : rt_value_map();
    x->headers = NULL;
    bool ok = resp && put(resp, "status", rt_value_int(status)) &&
              put(resp, "url", rt_value_string(url ? url : "")) && put(resp, "headers", hdrs) &&
              put(resp, "body", body) && put(resp, "timings", timings(x->easy));
    if (!resp) {
        rt_value_free(hdrs);
        rt_value_free(body);
    }
    if (ok) {
        /* The body block moves to the caller: no copy, whatever its size. */
        reply(x->reply, x->id, RT__TASK_RESULT, &resp, 1, RT_MSG_EXIT);
    } else {
        rt_value_free(resp);
        reply_error(x->reply, x->id, RT_ENOMEM, "out of memory building the response");
    }
}

static void arm_idle(net *n);

static void drive(void *ctx)
{
    net *n = ctx;
    n->drive_posted = false;
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
            reply_error(x->reply, x->id, code, msg);
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

static void start_transfer(net *n, const rt_value *req)
{
    rt_send_port *to = rt_value_as_send_port(rt_map_get(req, "reply"));
    int64_t id = int_of(req, "id");
    xfer *x = rt_calloc(1, sizeof *x);
    if (x) {
        x->n = n;
        x->id = id;
        x->reply = rt_send_port_dup(to);
        x->headers = rt_value_map();
        x->easy = curl_easy_init();
        rt__list_push_back(&n->transfers, &x->link);
        n->ntransfers++;
    }
    if (!x || !x->easy || !x->headers || !setup(x, req) ||
        curl_multi_add_handle(n->multi, x->easy) != CURLM_OK) {
        reply_error(to, id, RT_ENOMEM, "the request could not be set up (out of memory)");
        if (x && x->easy)
            xfer_free(x);
        else if (x) {
            rt__list_remove(&x->link);
            n->ntransfers--;
            rt_value_free(x->headers);
            rt_send_port_release(x->reply);
            rt_free(x);
        }
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
            reply(x->reply, id, RT__TASK_CANCELLED, NULL, 0, RT_MSG_SEND);
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
    if (rt_map_get(req, "cancel"))
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
        reply_error(x->reply, x->id, RT_ECANCELLED, "the network isolate stopped");
        xfer_free(x);
    }
    if (n->idle) rt_timer_free(n->idle);
    n->idle = NULL;
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
    return RT_OK;
}

/* ---- The caller's side: a task per request ---- */

static bool set_int(rt_value *m, const char *k, int64_t i)
{
    return put(m, k, rt_value_int(i));
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
    bool ok = m && headers && set_int(m, "id", rt__task_id(t)) &&
              put(m, "reply", rt_value_send_port(rt__task_port(t->owner))) &&
              put(m, "method", rt_value_string(method ? method : "GET")) &&
              put(m, "url", rt_value_string(url)) && put(m, "headers", headers) &&
              (!body || put(m, "body", rt_value_bytes(body, len))) &&
              set_int(m, "connect_timeout_ms", (cto + 999999) / 1000000) &&
              set_int(m, "timeout_ms", (to + 999999) / 1000000) &&
              set_int(m, "max_body", o && o->max_body ? (int64_t)o->max_body : 64 << 20) &&
              set_int(m, "max_redirects", redirects) && set_int(m, "progress", progress);
    if (!ok) {
        if (!m || !rt_map_get(m, "headers")) rt_value_free(headers);
        rt_value_free(m);
        return NULL;
    }
    return m;
}

static int send_to_network(rt_value *req)
{
    pthread_mutex_lock(&g_net.lock);
    int rc = g_net.iso ? RT_OK : start_network_locked();
    if (rc == RT_OK) rc = rt_port_send(g_net.port, req);
    pthread_mutex_unlock(&g_net.lock);
    return rc;
}

rt_future *rt_http_request(const char *method, const char *url, const void *body, size_t len,
                           const rt_http_options *opts, rt_http_task **out)
{
    rt__isolate_check(__func__);
    if (out) *out = NULL;
    if (!url || !rt_utf8_valid(url, strlen(url)))
        return rt_future_error(RT_EHTTP_URL, "http", "the URL is missing or not valid UTF-8");
    rt_future *f;
    rt__task *t = rt__task_new(out != NULL, &f);
    if (!t) return NULL;
    rt_value *req = request_value(t, method, url, body, len, opts, out != NULL);
    int rc = req ? send_to_network(req) : RT_ENOMEM;
    rt_value_free(req);
    if (rc) {
        char msg[160];
        snprintf(msg, sizeof msg, "the request could not be sent to the network isolate: %s",
                 rt_strerror(rc));
        rt__task_fail(t, rc, "http", msg);
        if (out) rt__task_unref(t);
        rt__task_unref(t);
        return f;
    }
    rt__task_started(t);
    if (out) *out = (rt_http_task *)t;
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
              send_to_network(m) == RT_OK;
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
