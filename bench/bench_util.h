/* bench_util.h: what every Islet benchmark program shares: median-of-runs
 * reporting as JSON lines, and running the main loop dry. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include "rt.h"

#include <stdio.h>
#include <stdlib.h>

#define RUNS 5

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs fn once to warm up, then `runs` times; prints the median as
 * {"bench": name, "unit": unit, "value": median, "runs": runs}. */
static inline void report(const char *name, const char *unit, double (*fn)(void), int runs)
{
    double v[RUNS];
    fn();
    for (int i = 0; i < runs; i++)
        v[i] = fn();
    qsort(v, (size_t)runs, sizeof v[0], bench_cmp_double);
    printf("{\"bench\": \"%s\", \"unit\": \"%s\", \"value\": %.3f, \"runs\": %d}\n", name, unit,
           v[runs / 2], runs);
    fflush(stdout);
}

/* Runs the current isolate's loop until it has nothing left. */
static inline void run_main(void)
{
    while (rt_run(RT_RUN_DEFAULT)) {
    }
}

#endif
