/* test_runner.c: the app runner (ui_app.h) as a user meets it: the example
 * counter (examples/counter) run as a real process with the standard
 * flags, checked by exit code, stdout, stderr and the files it writes.
 * Under Xvfb (when Xvfb and xdotool are installed): a real window, the
 * standard keys, and a window destroyed from outside. */
#include "test_support.h"
#include <islet/version.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 24

/* ---- Running the counter ---- */

typedef struct run {
    int status;      /* waitpid's */
    char *out, *err; /* what it printed (malloc'd, NUL-ended) */
} run;

static char tmpdir[64];
static pid_t child_pid, xvfb_pid; /* running, to end if a test fails */

static void path_in_tmp(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, r;
    char *s = malloc(cap);
    assert_non_null(s);
    while ((r = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            cap *= 2;
            s = realloc(s, cap);
            assert_non_null(s);
        }
    }
    fclose(f);
    s[n] = 0;
    if (len) *len = n;
    return s;
}

/* LeakSanitizer sees Mesa's swrast_dri.so, unloaded at SDL_Quit, as
 * leaking what it held (240 bytes, the old demo too): with a window the
 * child's LeakSanitizer reports without changing the exit code, and
 * expect_only_unloaded_module_leaks judges what it reported. */
static void lsan_report_only(void)
{
    const char *old = getenv("LSAN_OPTIONS");
    char opts[1024];
    snprintf(opts, sizeof opts, "%s%sexitcode=0", old ? old : "", old && *old ? ":" : "");
    setenv("LSAN_OPTIONS", opts, 1);
}

/* The child: stdout and stderr to files; without a display (display NULL)
 * the display variables unset, else DISPLAY set; a hang ended by SIGALRM. */
static void exec_counter(char **argv, const char *out, const char *err, const char *display)
{
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0) _exit(126);
    close(fo);
    close(fe);
    if (display) {
        setenv("DISPLAY", display, 1);
        lsan_report_only();
    } else {
        unsetenv("DISPLAY");
        unsetenv("WAYLAND_DISPLAY");
    }
    unsetenv("SDL_VIDEODRIVER");
    alarm(60); /* a hang fails the test instead of blocking it */
    execv(ISLET_COUNTER_BIN, argv);
    _exit(127);
}

static pid_t start_counter(const char *const *args, const char *display)
{
    char *argv[MAX_ARGS + 2] = {(char *)ISLET_COUNTER_BIN};
    int n = 1;
    for (; args && args[n - 1]; n++) {
        assert_true(n <= MAX_ARGS);
        argv[n] = (char *)args[n - 1];
    }
    argv[n] = NULL;
    char out[128], err[128];
    path_in_tmp(out, sizeof out, "stdout");
    path_in_tmp(err, sizeof err, "stderr");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) exec_counter(argv, out, err, display);
    child_pid = pid;
    return pid;
}

static run finish_counter(pid_t pid)
{
    run r = {0};
    assert_int_equal(waitpid(pid, &r.status, 0), pid);
    child_pid = 0;
    char out[128], err[128];
    path_in_tmp(out, sizeof out, "stdout");
    path_in_tmp(err, sizeof err, "stderr");
    r.out = read_file(out, NULL);
    r.err = read_file(err, NULL);
    assert_non_null(r.out);
    assert_non_null(r.err);
    return r;
}

/* Runs the counter with args (NULL-ended) and no display. */
static run counter(const char *const *args)
{
    return finish_counter(start_counter(args, NULL));
}

static int exit_code(const run *r)
{
    if (!WIFEXITED(r->status)) {
        fprintf(stderr, "the counter did not exit (status %#x); stderr:\n%s\n", r->status, r->err);
        fail();
    }
    return WEXITSTATUS(r->status);
}

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

/* ---- Fixture: a fresh directory per test ---- */

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/islet_runner_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void end(pid_t *pid)
{
    if (*pid <= 0) return;
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

static int teardown(void **state)
{
    (void)state;
    end(&child_pid); /* left running by a failed assertion */
    end(&xvfb_pid);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static bool have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* ---- Flags ---- */

static void test_help_lists_every_flag_and_key(void **state)
{
    (void)state;
    run r = counter((const char *[]){"--help", NULL});
    assert_int_equal(exit_code(&r), 0);
    const char *flags[] = {"--headless",        "--size WxH",    "--scale S",   "--exit-after-ms N",
                           "--screenshot FILE", "--frame-stats", "--dump-tree", "--trace FILE",
                           "--perf-overlay",    "--version",     "--help"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        assert_non_null(strstr(r.out, flags[i]));
    assert_non_null(strstr(r.out, "usage: islet_counter [options]"));
    assert_non_null(strstr(r.out, "P performance overlay, D dump the tree, Escape or Ctrl+Q quit"));
    assert_string_equal(r.err, "");
    run_free(&r);
}

static void test_version_prints_name_and_version(void **state)
{
    (void)state;
    run r = counter((const char *[]){"--version", NULL});
    assert_int_equal(exit_code(&r), 0);
    assert_string_equal(r.out, "islet_counter " ISLET_VERSION_STRING "\n");
    run_free(&r);
}

/* Each bad command line: exit 2, a word on what was wrong and the usage on
 * stderr, nothing on stdout, nothing run. */
static void expect_usage_error(const char *const *args, const char *says)
{
    run r = counter(args);
    if (exit_code(&r) != 2 || !strstr(r.err, says) || !strstr(r.err, "usage: islet_counter")) {
        fprintf(stderr, "for %s %s: exit %d, stderr:\n%s\n", args[0], args[1] ? args[1] : "",
                exit_code(&r), r.err);
        fail();
    }
    assert_string_equal(r.out, "");
    run_free(&r);
}

static void test_bad_flag_exits_2_with_usage_on_stderr(void **state)
{
    (void)state;
    expect_usage_error((const char *[]){"--bogus", NULL}, "'--bogus'");
    expect_usage_error((const char *[]){"--headless", "--screenshot", NULL}, "--screenshot");
    expect_usage_error((const char *[]){"--headless", "stray", NULL}, "'stray'");
    expect_usage_error((const char *[]){"-x", NULL}, "-- 'x'");
}

static void test_bad_values_exit_2(void **state)
{
    (void)state;
    const char *sizes[] = {"0x10", "10x0",   "10",   "10x",     "x10",
                           "-5x5", "10x10x", "ax10", "99999x10"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        expect_usage_error((const char *[]){"--headless", "--size", sizes[i], NULL}, "--size");
    const char *scales[] = {"0.5", "5", "two", "2x", ""};
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++)
        expect_usage_error((const char *[]){"--headless", "--scale", scales[i], NULL}, "--scale");
    expect_usage_error((const char *[]){"--scale", "2", NULL}, "--scale needs --headless");
    const char *ms[] = {"0", "-1", "abc", "10ms", "99999999999999999999"};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        expect_usage_error((const char *[]){"--headless", "--exit-after-ms", ms[i], NULL},
                           "--exit-after-ms");
}

/* ---- What a run writes ---- */

static void test_frame_stats_print_json_with_frames(void **state)
{
    (void)state;
    run r =
        counter((const char *[]){"--headless", "--exit-after-ms", "300", "--frame-stats", NULL});
    assert_int_equal(exit_code(&r), 0);
    long frames = -1, janky = -1;
    assert_int_equal(sscanf(r.out, "{\"frames\": %ld, \"janky_frames\": %ld", &frames, &janky), 2);
    assert_true(frames > 0);
    assert_true(janky >= 0 && janky <= frames);
    assert_non_null(strstr(r.out, "\"total_ms\": {\"p50\": "));
    assert_int_equal(r.out[strlen(r.out) - 1], '\n');
    run_free(&r);
}

static void test_dump_tree_shows_the_counter(void **state)
{
    (void)state;
    run r = counter((const char *[]){"--headless", "--exit-after-ms", "200", "--dump-tree", NULL});
    assert_int_equal(exit_code(&r), 0);
    assert_true(strncmp(r.out, "DevTools 0,0,800,600\n", 21) == 0);
    assert_non_null(strstr(r.out, "\n    Counter 0,0,800,600\n"));
    assert_non_null(strstr(r.out, "Text \"count: 0\" "));
    assert_non_null(strstr(r.out, "Button key='plus' \"+\" "));
    run_free(&r);
}

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* A PNG of w x h device pixels, of more than a header. */
static void expect_png(const char *path, unsigned long w, unsigned long h)
{
    size_t n = 0;
    unsigned char *png = (unsigned char *)read_file(path, &n);
    assert_non_null(png);
    assert_true(n > 1000);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    assert_int_equal(be32(png + 16), w);
    assert_int_equal(be32(png + 20), h);
    free(png);
}

static void test_screenshot_writes_a_png(void **state)
{
    (void)state;
    char png[128];
    path_in_tmp(png, sizeof png, "x.png");
    run r = counter(
        (const char *[]){"--headless", "--exit-after-ms", "200", "--screenshot", png, NULL});
    assert_int_equal(exit_code(&r), 0);
    expect_png(png, 800, 600);
    run_free(&r);
    /* --size and --scale reach the window: 320 x 200 logical at 2x. */
    r = counter((const char *[]){"--headless", "--size", "320x200", "--scale", "2",
                                 "--exit-after-ms", "200", "--screenshot", png, NULL});
    assert_int_equal(exit_code(&r), 0);
    expect_png(png, 640, 400);
    run_free(&r);
}

static void test_unwritable_screenshot_exits_1(void **state)
{
    (void)state;
    run r = counter((const char *[]){"--headless", "--exit-after-ms", "100", "--screenshot",
                                     "/nonexistent/x.png", "--frame-stats", NULL});
    assert_int_equal(exit_code(&r), 1);
    assert_non_null(strstr(r.err, "/nonexistent/x.png"));
    assert_non_null(strstr(r.out, "{\"frames\": ")); /* the rest was still written */
    run_free(&r);
}

static void expect_trace(const char *path)
{
    char *json = read_file(path, NULL);
    assert_non_null(json);
    assert_true(strncmp(json, "{\"displayTimeUnit\"", 18) == 0);
    assert_non_null(strstr(json, "\"traceEvents\""));
    assert_non_null(strstr(json, "\"args\":{\"name\":\"islet_counter\"}"));
    assert_non_null(strstr(json, "{\"name\":\"frame\",\"ph\":\"X\""));
    free(json);
    if (!have("python3")) return; /* the rest needs a JSON parser */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; ev=json.load(open(sys.argv[1]))[\"traceEvents\"]; "
             "sys.exit(0 if any(e.get(\"name\")==\"frame\" and e.get(\"ph\")==\"X\" and "
             "e.get(\"dur\",-1)>=0 for e in ev) else 3)' '%s'",
             path);
    assert_int_equal(system(cmd), 0);
}

static void test_trace_writes_chrome_trace_json(void **state)
{
    (void)state;
    char trace[128];
    path_in_tmp(trace, sizeof trace, "t.json");
    run r =
        counter((const char *[]){"--headless", "--exit-after-ms", "300", "--trace", trace, NULL});
    assert_int_equal(exit_code(&r), 0);
    expect_trace(trace);
    run_free(&r);
}

static void test_unwritable_trace_exits_1_naming_the_file(void **state)
{
    (void)state;
    run r = counter((const char *[]){"--headless", "--exit-after-ms", "100", "--trace",
                                     "/nonexistent/t.json", NULL});
    assert_int_equal(exit_code(&r), 1);
    assert_non_null(strstr(r.err, "'/nonexistent/t.json'"));
    assert_non_null(strstr(r.err, strerror(ENOENT)));
    run_free(&r);
}

/* Without a display SDL would pick an invisible driver: the runner says so
 * and exits 1, writing nothing. */
static void test_no_display_exits_1_suggesting_headless(void **state)
{
    (void)state;
    char trace[128];
    path_in_tmp(trace, sizeof trace, "t.json");
    run r = counter(
        (const char *[]){"--exit-after-ms", "2000", "--frame-stats", "--trace", trace, NULL});
    assert_int_equal(exit_code(&r), 1);
    assert_non_null(strstr(r.err, "no display"));
    assert_non_null(strstr(r.err, "--headless"));
    assert_string_equal(r.out, "");
    assert_int_equal(access(trace, F_OK), -1);
    run_free(&r);
}

/* ---- Under Xvfb ---- */

static char xdisplay[24];

/* A private X server on a free display (Xvfb -displayfd), or skip. */
static void start_xvfb(void)
{
    if (!have("Xvfb") || !have("xdotool")) skip();
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    xvfb_pid = fork();
    assert_true(xvfb_pid >= 0);
    if (xvfb_pid == 0) {
        char fd[16];
        snprintf(fd, sizeof fd, "%d", fds[1]);
        close(fds[0]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execlp("Xvfb", "Xvfb", "-displayfd", fd, "-screen", "0", "1024x768x24", "-nolisten", "tcp",
               (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* Xvfb writes the number, then a newline, and dies if the pipe was
     * closed in between: read up to the newline. */
    char num[16] = {0};
    size_t n = 0;
    ssize_t got;
    while (n < sizeof num - 1 && !strchr(num, '\n') &&
           (got = read(fds[0], num + n, sizeof num - 1 - n)) > 0)
        n += (size_t)got;
    close(fds[0]);
    assert_non_null(strchr(num, '\n'));
    num[strcspn(num, "\n")] = 0;
    snprintf(xdisplay, sizeof xdisplay, ":%s", num);
}

static void stop_xvfb(void)
{
    kill(xvfb_pid, SIGTERM);
    waitpid(xvfb_pid, NULL, 0);
    xvfb_pid = 0;
}

/* xdotool on our display, on the counter's window (found by its title). */
static int xdotool(const char *what)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "DISPLAY=%s timeout 30 xdotool search --sync --name '^islet_counter$' %s >/dev/null",
             xdisplay, what);
    return system(cmd);
}

/* Waits (up to 20 s) until the counter has printed text on stdout. */
static bool wait_for_stdout(const char *text, int nth)
{
    char out[128];
    path_in_tmp(out, sizeof out, "stdout");
    for (int i = 0; i < 400; i++) {
        char *s = read_file(out, NULL);
        int seen = 0;
        for (const char *p = s; p && (p = strstr(p, text)); p++)
            seen++;
        free(s);
        if (seen >= nth) return true;
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    return false;
}

/* Leaks are tolerated only when each was allocated in a module unloaded
 * since (its stack's first frame is "<unknown module>") or in libdbus
 * (scripts/lsan.supp says why), not in Islet. */
static void expect_only_unloaded_module_leaks(const char *err)
{
    for (const char *p = err; (p = strstr(p, "leak of ")); p++) {
        const char *frame = strstr(p, "#1 ");
        assert_non_null(frame);
        const char *eol = strchr(frame, '\n');
        size_t n = eol ? (size_t)(eol - frame) : 0;
        if (!memmem(frame, n, "(<unknown module>)", 18) && !memmem(frame, n, "/libdbus-1.so", 13)) {
            fprintf(stderr, "a leak not from an unloaded module:\n%s\n", err);
            fail();
        }
    }
}

/* In a real window: D dumps the tree, a click counts, P shows the overlay,
 * Escape quits (exit 0, statistics printed). */
static void test_window_keys_dump_toggle_overlay_and_quit(void **state)
{
    (void)state;
    start_xvfb();
    pid_t pid = start_counter((const char *[]){"--exit-after-ms", "30000", "--frame-stats", NULL},
                              xdisplay);
    assert_int_equal(xdotool("key --window %1 d"), 0);
    assert_true(wait_for_stdout("Button key='plus'", 1));
    /* A real click on "+" (at 384,301 33x39 in the dump), then P and D. */
    assert_int_equal(xdotool("mousemove --window %1 400 320 click 1"), 0);
    assert_int_equal(xdotool("key --window %1 p key --window %1 d"), 0);
    assert_true(wait_for_stdout("Button key='plus'", 2));
    assert_true(wait_for_stdout("PerformanceOverlay", 1));
    assert_true(wait_for_stdout("Text \"count: 1\"", 1));
    /* Only the press: the window is gone before a release could reach it. */
    assert_int_equal(xdotool("keydown --window %1 Escape"), 0);
    run r = finish_counter(pid);
    stop_xvfb();
    assert_int_equal(exit_code(&r), 0);
    assert_non_null(strstr(r.out, "{\"frames\": "));
    expect_only_unloaded_module_leaks(r.err);
    run_free(&r);
}

/* xdotool windowclose destroys the window under the app: it ends as a
 * close does (exit 0, no Xlib BadWindow exit), statistics and trace
 * written. */
static void test_window_destroyed_from_outside_exits_0(void **state)
{
    (void)state;
    start_xvfb();
    char trace[128];
    path_in_tmp(trace, sizeof trace, "t.json");
    pid_t pid = start_counter((const char *[]){"--exit-after-ms", "30000", "--frame-stats",
                                               "--perf-overlay", "--trace", trace, NULL},
                              xdisplay);
    assert_int_equal(xdotool("windowclose"), 0);
    run r = finish_counter(pid);
    stop_xvfb();
    assert_null(strstr(r.err, "X Error"));
    assert_int_equal(exit_code(&r), 0);
    assert_non_null(strstr(r.out, "{\"frames\": "));
    expect_trace(trace);
    expect_only_unloaded_module_leaks(r.err);
    run_free(&r);
}

/* A screenshot asked of a window that was destroyed cannot be taken (its
 * pixels went with it): said on stderr, exit 1, as for any screenshot that
 * could not be written; the statistics are still printed. */
static void test_screenshot_of_a_destroyed_window_exits_1(void **state)
{
    (void)state;
    start_xvfb();
    char png[128];
    path_in_tmp(png, sizeof png, "x.png");
    pid_t pid = start_counter(
        (const char *[]){"--exit-after-ms", "30000", "--frame-stats", "--screenshot", png, NULL},
        xdisplay);
    assert_int_equal(xdotool("windowclose"), 0);
    run r = finish_counter(pid);
    stop_xvfb();
    assert_int_equal(exit_code(&r), 1);
    assert_non_null(strstr(r.err, "the window was destroyed"));
    assert_non_null(strstr(r.out, "{\"frames\": "));
    assert_int_equal(access(png, F_OK), -1);
    expect_only_unloaded_module_leaks(r.err);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_lists_every_flag_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_prints_name_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_flag_exits_2_with_usage_on_stderr, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_values_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_stats_print_json_with_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_tree_shows_the_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_screenshot_writes_a_png, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_screenshot_exits_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trace_writes_chrome_trace_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_trace_exits_1_naming_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_display_exits_1_suggesting_headless, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_window_keys_dump_toggle_overlay_and_quit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_window_destroyed_from_outside_exits_0, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_screenshot_of_a_destroyed_window_exits_1, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
