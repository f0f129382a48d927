/* bench_http: HTTP through the network isolate against a loopback server,
 * beside a plain blocking curl_easy_perform loop on one thread against the
 * same server, in the same run. JSON lines, medians of 5 runs. */
#include "bench_util.h"
#include "http_server.h"
#include <islet/rt_http.h>

#include <curl/curl.h>
#include <string.h>

#define SERIAL_N 2000
#define CONCURRENT_N 6000
#define IN_FLIGHT 64

static ts_http_server *srv;
static char ok_url[128];

static size_t sink(char *d, size_t s, size_t n, void *ctx)
{
    (void)d;
    (void)ctx;
    return s * n;
}

/* µs per request, one easy handle reused: libcurl at its simplest. */
static double bench_easy_serial(void)
{
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, ok_url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < SERIAL_N; i++)
        if (curl_easy_perform(e) != CURLE_OK) fprintf(stderr, "bench_http: easy request failed\n");
    int64_t t1 = rt_monotonic_ns();
    curl_easy_cleanup(e);
    return (double)(t1 - t0) / 1e3 / SERIAL_N;
}

/* Requests/s with IN_FLIGHT at once from one thread driving curl multi
 * directly: what this server and machine allow, with no isolates at all. */
static double bench_multi_ceiling(void)
{
    CURLM *m = curl_multi_init();
    CURL *h[IN_FLIGHT];
    int started = 0, finished = 0, running = 0;
    for (int i = 0; i < IN_FLIGHT; i++) {
        h[i] = curl_easy_init();
        curl_easy_setopt(h[i], CURLOPT_URL, ok_url);
        curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, sink);
        curl_multi_add_handle(m, h[i]);
        started++;
    }
    int64_t t0 = rt_monotonic_ns();
    while (finished < CONCURRENT_N) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q))) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL *e = msg->easy_handle;
            finished++;
            curl_multi_remove_handle(m, e);
            if (started < CONCURRENT_N) {
                started++;
                curl_multi_add_handle(m, e); /* the same handle again: its connection too */
            }
        }
        if (finished < CONCURRENT_N) curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    double rps = CONCURRENT_N / ((double)(rt_monotonic_ns() - t0) / 1e9);
    for (int i = 0; i < IN_FLIGHT; i++) {
        curl_multi_remove_handle(m, h[i]);
        curl_easy_cleanup(h[i]);
    }
    curl_multi_cleanup(m);
    return rps;
}

static int left, in_flight, failures;

static void next_request(void);

static void done(rt_future *src, rt_completer *next, void *ctx)
{
    (void)next;
    (void)ctx;
    if (rt_future_is_error(src) || rt_http_status(rt_future_get_value(src)) != 200) failures++;
    in_flight--;
    next_request();
}

/* Starts one more request, if any are left. */
static void next_request(void)
{
    if (left == 0) return;
    left--;
    in_flight++;
    rt_future_release(rt_future_then(rt_http_get(ok_url, NULL), done, done, NULL));
}

/* Requests in sequence through the network isolate: µs per request. */
static double bench_islet_serial(void)
{
    left = SERIAL_N;
    in_flight = 0;
    int64_t t0 = rt_monotonic_ns();
    next_request();
    run_main();
    return (double)(rt_monotonic_ns() - t0) / 1e3 / SERIAL_N;
}

/* Requests/s with IN_FLIGHT at once. */
static double bench_islet_concurrent(void)
{
    left = CONCURRENT_N;
    in_flight = 0;
    int64_t t0 = rt_monotonic_ns();
    for (int i = 0; i < IN_FLIGHT; i++)
        next_request(); /* each completion starts the next */
    run_main();
    return CONCURRENT_N / ((double)(rt_monotonic_ns() - t0) / 1e9);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
    return v[n / 2];
}

static void line(const char *name, const char *unit, double v)
{
    printf("{\"bench\": \"%s\", \"unit\": \"%s\", \"value\": %.3f, \"runs\": %d}\n", name, unit, v,
           RUNS);
}

static void goal(const char *name, const char *unit, double v, const char *text, bool met)
{
    printf("{\"bench\": \"%s\", \"unit\": \"%s\", \"value\": %.3f, \"goal\": \"%s\", "
           "\"met\": %s}\n",
           name, unit, v, text, met ? "true" : "false");
}

int main(void)
{
    srv = ts_http_start();
    if (!srv || rt_main_enter(NULL) != 0) return 1;
    ts_http_url(srv, "/ok", ok_url, sizeof ok_url);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* Both sides in the same run, interleaved, so drift on a shared machine
     * hits them alike; the overhead and the ratio are medians of per-round
     * differences and ratios. */
    bench_easy_serial();
    bench_islet_serial(); /* warm up: the network isolate, connections */
    double easy[RUNS], serial[RUNS], conc[RUNS], over[RUNS], ratio[RUNS], ceiling[RUNS];
    for (int i = 0; i < RUNS; i++) {
        easy[i] = bench_easy_serial();
        serial[i] = bench_islet_serial();
        conc[i] = bench_islet_concurrent();
        ceiling[i] = bench_multi_ceiling();
        over[i] = serial[i] - easy[i];
        ratio[i] = conc[i] * easy[i] / 1e6; /* concurrent req/s over the easy loop's req/s */
    }
    double o = median(over, RUNS), r = median(ratio, RUNS);
    line("http_easy_serial_us", "us", median(easy, RUNS));
    line("http_rps_serial", "req/s", 1e6 / median(serial, RUNS));
    line("http_rps_concurrent", "req/s", median(conc, RUNS));
    line("http_multi_ceiling_rps", "req/s", median(ceiling, RUNS));
    line("http_overhead", "us", o);
    goal("ratio_http_concurrent_vs_easy", "x", r, ">= 3", r >= 3);
    goal("goal_http_overhead", "us", o, "<= 20", o <= 20);
    if (failures) fprintf(stderr, "bench_http: %d requests failed\n", failures);
    rt_main_leave();
    curl_global_cleanup();
    ts_http_stop(srv);
    return failures ? 1 : 0;
}
