/* bench_http: HTTP through the network isolate against a loopback server,
 * beside a plain blocking curl_easy_perform loop on one thread against the
 * same server, in the same run. JSON lines, medians of 5 runs. */
#include "bench_util.h"
#include "http_server.h"
#include "rt_http.h"

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

static double easy_us, islet_us;

static double bench_rps_serial(void)
{
    return 1e6 / bench_islet_serial();
}

int main(void)
{
    srv = ts_http_start();
    if (!srv || rt_main_enter(NULL) != 0) return 1;
    ts_http_url(srv, "/ok", ok_url, sizeof ok_url);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    report("http_easy_serial_us", "us", bench_easy_serial, RUNS);
    report("http_rps_serial", "req/s", bench_rps_serial, RUNS);
    report("http_rps_concurrent", "req/s", bench_islet_concurrent, RUNS);
    /* The overhead and the ratio are computed from fresh medians of both
     * loops in this same run. */
    double e[RUNS], s[RUNS];
    for (int i = 0; i < RUNS; i++) {
        e[i] = bench_easy_serial();
        s[i] = bench_islet_serial();
    }
    qsort(e, RUNS, sizeof e[0], bench_cmp_double);
    qsort(s, RUNS, sizeof s[0], bench_cmp_double);
    easy_us = e[RUNS / 2];
    islet_us = s[RUNS / 2];
    printf("{\"bench\": \"http_overhead\", \"unit\": \"us\", \"value\": %.3f, \"runs\": %d}\n",
           islet_us - easy_us, RUNS);
    double conc[RUNS];
    for (int i = 0; i < RUNS; i++)
        conc[i] = bench_islet_concurrent();
    qsort(conc, RUNS, sizeof conc[0], bench_cmp_double);
    printf("{\"bench\": \"ratio_http_concurrent_vs_easy\", \"unit\": \"x\", \"value\": %.3f, "
           "\"goal\": \">= 3\", \"met\": %s}\n",
           conc[RUNS / 2] * easy_us / 1e6, conc[RUNS / 2] * easy_us / 1e6 >= 3 ? "true" : "false");
    printf("{\"bench\": \"goal_http_overhead\", \"unit\": \"us\", \"value\": %.3f, \"goal\": \"<= "
           "20\", \"met\": %s}\n",
           islet_us - easy_us, islet_us - easy_us <= 20 ? "true" : "false");
    if (failures) fprintf(stderr, "bench_http: %d requests failed\n", failures);
    rt_main_leave();
    curl_global_cleanup();
    ts_http_stop(srv);
    return failures ? 1 : 0;
}
