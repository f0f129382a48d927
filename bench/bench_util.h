/* bench_util.h: what every Islet benchmark program shares: median-of-runs
 * reporting as JSON lines, and running the main loop dry. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <islet/rt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS 5

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints the median of n samples (sorted in place) as
 * {"bench": name, "unit": unit, "value": median, "runs": n, "min": .., "max": ..}:
 * the spread between runs is a result too. */
static inline void report_samples(const char *name, const char *unit, double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
    printf("{\"bench\": \"%s\", \"unit\": \"%s\", \"value\": %.3f, \"runs\": %d, \"min\": %.3f, "
           "\"max\": %.3f}\n",
           name, unit, v[n / 2], n, v[0], v[n - 1]);
    fflush(stdout);
}

/* Runs fn once to warm up, then `runs` times, and reports the samples. */
static inline void report(const char *name, const char *unit, double (*fn)(void), int runs)
{
    double v[RUNS];
    fn();
    for (int i = 0; i < runs; i++)
        v[i] = fn();
    report_samples(name, unit, v, runs);
}

/* One benchmark of a program's table; runs 0 means RUNS. */
typedef struct bench_case {
    const char *name, *unit;
    double (*fn)(void);
    int runs; /* -1: fn repeats itself and prints its own lines */
} bench_case;

/* The main of a benchmark program: inside a main isolate, reports the case
 * named by argv[1], or every case without an argument. Returns 0, or 1
 * (with a message) when no case has that name or the isolate cannot start. */
static inline int bench_main(const char *prog, int argc, char **argv, const bench_case *cases,
                             size_t n)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    if (rt_main_enter(NULL) != 0) return 1;
    bool found = !only;
    for (size_t i = 0; i < n; i++)
        if (!only || strcmp(only, cases[i].name) == 0) {
            found = true;
            if (cases[i].runs < 0) {
                cases[i].fn();
                continue;
            }
            report(cases[i].name, cases[i].unit, cases[i].fn,
                   cases[i].runs > 0 ? cases[i].runs : RUNS);
        }
    rt_main_leave();
    if (!found) fprintf(stderr, "%s: no benchmark named %s\n", prog, only);
    return found ? 0 : 1;
}

/* Runs the current isolate's loop until it has nothing left. */
static inline void run_main(void)
{
    while (rt_run(RT_RUN_DEFAULT)) {
    }
}

#endif
