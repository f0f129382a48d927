/* test_support.h: helpers shared by Islet's cmocka tests. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <islet/rt.h>

/* ---- A tracking allocator: counts live bytes and blocks, and can fail the
 * Nth allocation from now. Thread-safe. Install before rt_main_enter. ---- */
void ts_alloc_install(void);
void ts_alloc_uninstall(void);
/* Fails the n-th allocation from now (1 = the next one), then all later ones
 * until ts_alloc_fail_never(). */
void ts_alloc_fail_after(long n);
void ts_alloc_fail_never(void);
long ts_alloc_live_blocks(void);
long ts_alloc_live_bytes(void);
long ts_alloc_count(void);

/* Enters the main isolate with the tracking allocator installed. */
void ts_main_enter(const rt_isolate_options *opts);
/* Enters the main isolate on the virtual clock vc (initialised here) and
 * clears the order log. */
void ts_main_enter_virtual(rt_virtual_clock *vc);
/* Leaves main and asserts that no isolate is alive and no byte is held. */
void ts_main_leave(void);

/* ---- An order log, to record and compare event order (one isolate). ---- */
void ts_log_reset(void);
void ts_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *ts_log_text(void);

/* ---- Misuse that must abort: re-runs this test binary with
 * "--child NAME"; asserts that it died by a signal and that its stderr
 * contains `expect`. Call ts_child_dispatch from main first. ---- */
typedef struct ts_child_case {
    const char *name;
    void (*fn)(void);
} ts_child_case;
/* Returns -1 when argv is not a child invocation, else runs the case. */
int ts_child_dispatch(int argc, char **argv, const ts_child_case *cases);
void ts_expect_abort(const char *name, const char *expect);
/* The same for misuse that only the RT_CHECKS build catches (RT_CHECK,
 * UI_CHECK). With the checks compiled out the misuse is undefined behaviour,
 * so the child is not run and the test reports itself skipped (cmocka's
 * skip(), which ends the test: call it after the test's other asserts). */
void ts_expect_check_abort(const char *name, const char *expect);
/* Runs child case `name`, captures stdout+stderr into out; returns the wait status. */
int ts_run_child(const char *name, char *out, size_t out_size);

/* Runs the main loop until done, failing the test after `seconds`. */
void ts_run_main(void);

#endif
