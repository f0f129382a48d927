/* rt_trace.c: records the runtime's trace events and writes them as Chrome
 * Trace Event JSON (see rt_trace.h). */
#include <islet/rt_trace.h>

#include <islet/rt_value.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct trace_rec {
    char isolate[48];
    char name[32];
    char detail[120];
    rt_trace_phase phase;
    int64_t start, dur;
    uint64_t id;
} trace_rec;

#define TRACE_DEFAULT_MAX 1000000
#define MAX_TRACKS 256

static struct {
    pthread_mutex_t lock;
    bool on;
    trace_rec *v;
    size_t n, cap, max, dropped;
    char process[64];
} tr = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void record(void *ctx, const rt_trace_event *ev)
{
    (void)ctx;
    pthread_mutex_lock(&tr.lock);
    if (!tr.on) {
        pthread_mutex_unlock(&tr.lock);
        return;
    }
    if (tr.n == tr.cap && tr.cap < tr.max) {
        size_t cap = tr.cap ? tr.cap * 2 : 4096;
        if (cap > tr.max) cap = tr.max;
        trace_rec *v = realloc(tr.v, cap * sizeof *v);
        if (v) tr.v = v, tr.cap = cap;
    }
    if (tr.n < tr.cap) {
        trace_rec *r = &tr.v[tr.n++];
        rt_utf8_copy(r->isolate, sizeof r->isolate, ev->isolate ? ev->isolate : "?");
        rt_utf8_copy(r->name, sizeof r->name, ev->name ? ev->name : "?");
        rt_utf8_copy(r->detail, sizeof r->detail, ev->detail);
        r->phase = ev->phase;
        r->start = ev->start_ns;
        r->dur = ev->dur_ns;
        r->id = ev->id;
    } else {
        tr.dropped++;
    }
    pthread_mutex_unlock(&tr.lock);
}

int rt_trace_record_start(const char *process_name, size_t max_events)
{
    pthread_mutex_lock(&tr.lock);
    if (tr.on) {
        pthread_mutex_unlock(&tr.lock);
        return RT_ESTATE;
    }
    tr.on = true;
    tr.n = tr.dropped = 0;
    tr.max = max_events ? max_events : TRACE_DEFAULT_MAX;
    rt_utf8_copy(tr.process, sizeof tr.process, process_name ? process_name : "islet");
    pthread_mutex_unlock(&tr.lock);
    rt_trace_set(record, NULL);
    return RT_OK;
}

void rt_trace_record_stop(void)
{
    rt_trace_set(NULL, NULL);
    pthread_mutex_lock(&tr.lock); /* a sink call still running finishes first */
    free(tr.v);
    tr.v = NULL;
    tr.n = tr.cap = tr.dropped = 0;
    tr.on = false;
    pthread_mutex_unlock(&tr.lock);
}

size_t rt_trace_recorded(size_t *dropped)
{
    pthread_mutex_lock(&tr.lock);
    size_t n = tr.n;
    if (dropped) *dropped = tr.dropped;
    pthread_mutex_unlock(&tr.lock);
    return n;
}

/* ---- JSON ---- */

/* s as a JSON string: escapes, and U+FFFD for bytes that are not UTF-8
 * (records are cut at boundaries, but a sink gets any bytes). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (size_t n = strlen(s), i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        if (k > n - i || (k && !rt_utf8_valid(s + i, k))) k = 0;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else if (k)
            fwrite(s + i, 1, k, f);
        else
            fputs("\\ufffd", f);
        i += k ? k : 1;
    }
    fputc('"', f);
}

/* Tracks: one per isolate name; "main" is track 1, the others follow in
 * order of first appearance. */
typedef struct tracks {
    const char *names[MAX_TRACKS];
    int n;
} tracks;

static int track_of(tracks *t, const char *name)
{
    if (!strcmp(name, "main")) return 1;
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->names[i], name)) return i + 2;
    if (t->n == MAX_TRACKS) return MAX_TRACKS + 1; /* the last one takes the rest */
    t->names[t->n++] = name;
    return t->n + 1;
}

static void put_record(FILE *f, const trace_rec *r, int tid)
{
    static const char phase[] = {
        [RT_TRACE_SPAN] = 'X',      [RT_TRACE_INSTANT] = 'i',    [RT_TRACE_ASYNC_BEGIN] = 'b',
        [RT_TRACE_ASYNC_END] = 'e', [RT_TRACE_FLOW_BEGIN] = 's', [RT_TRACE_FLOW_END] = 'f'};
    fputs(",\n{\"name\":", f);
    json_str(f, r->name);
    fprintf(f, ",\"ph\":\"%c\",\"pid\":1,\"tid\":%d,\"ts\":%.3f", phase[r->phase], tid,
            (double)r->start / 1e3);
    switch (r->phase) {
    case RT_TRACE_SPAN:
        fprintf(f, ",\"dur\":%.3f", (double)r->dur / 1e3);
        break;
    case RT_TRACE_INSTANT:
        fputs(",\"s\":\"t\"", f);
        break;
    case RT_TRACE_ASYNC_BEGIN:
    case RT_TRACE_ASYNC_END:
        fprintf(f, ",\"cat\":\"async\",\"id\":\"0x%llx\"", (unsigned long long)r->id);
        break;
    case RT_TRACE_FLOW_BEGIN:
    case RT_TRACE_FLOW_END:
        /* Bound to the enclosing slice at both ends: the event that sent,
         * the event (or frame) that handled. */
        fprintf(f, ",\"cat\":\"flow\",\"id\":%llu%s", (unsigned long long)r->id,
                r->phase == RT_TRACE_FLOW_END ? ",\"bp\":\"e\"" : "");
        break;
    }
    if (r->detail[0]) {
        fputs(",\"args\":{\"detail\":", f);
        json_str(f, r->detail);
        fputc('}', f);
    }
    fputc('}', f);
}

static void put_meta(FILE *f, const char *what, int tid, const char *name)
{
    fprintf(f, ",\n{\"name\":\"%s\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"name\":", what,
            tid);
    json_str(f, name);
    fputs("}}", f);
}

int rt_trace_json(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    static tracks t; /* names point into the records: under the lock */
    t.n = 0;
    pthread_mutex_lock(&tr.lock);
    fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", f);
    fputs("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":", f);
    json_str(f, tr.process[0] ? tr.process : "islet");
    fputs("}}", f);
    for (size_t i = 0; i < tr.n; i++)
        put_record(f, &tr.v[i], track_of(&t, tr.v[i].isolate));
    put_meta(f, "thread_name", 1, "main");
    for (int i = 0; i < t.n; i++)
        put_meta(f, "thread_name", i + 2, t.names[i]);
    fprintf(f, "\n],\"otherData\":{\"dropped_events\":%zu}}\n", tr.dropped);
    pthread_mutex_unlock(&tr.lock);
    int err = ferror(f) ? EIO : 0;
    if (fclose(f) != 0 && !err) err = errno;
    if (err) errno = err;
    return err ? -1 : 0;
}
