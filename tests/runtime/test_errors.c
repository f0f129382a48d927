/* test_errors.c: the error table (RT_ERRNO_MAP): codes, rt_strerror, rt_err_name. */
#include "test_support.h"

#include <islet/rt_http.h>

#include <stdio.h>
#include <string.h>

/* The values are ABI: the table must not have moved any of them. */
static void test_codes_keep_their_values(void **state)
{
    (void)state;
    assert_int_equal(RT_OK, 0);
    assert_int_equal(RT_ENOMEM, -1);
    assert_int_equal(RT_EINVAL, -2);
    assert_int_equal(RT_EILSEQ, -3);
    assert_int_equal(RT_ECYCLE, -4);
    assert_int_equal(RT_ECLOSED, -5);
    assert_int_equal(RT_EDETACHED, -6);
    assert_int_equal(RT_ESTATE, -7);
    assert_int_equal(RT_EAGAIN, -8);
    assert_int_equal(RT_EDEPTH, -9);
    assert_int_equal(RT_ETIMEOUT, -10);
    assert_int_equal(RT_ECANCELLED, -11);
    assert_int_equal(RT_E2BIG, -12);
    assert_int_equal(RT_EIO, -13);
    assert_int_equal(RT_EDISPLAY, -14);
    assert_int_equal(RT_EHTTP_URL, -30);
    assert_int_equal(RT_EHTTP_PROTOCOL, -42);
    assert_int_equal(RT_EUSER, -100);
}

#define ROW(name, value, message) {RT_##name, "RT_" #name, message},
static const struct {
    int code;
    const char *name, *message;
} rows[] = {RT_ERRNO_MAP(ROW) RT_HTTP_ERRNO_MAP(ROW)};
#undef ROW

/* Each row: its name, and "NAME: message" from rt_strerror; no value twice. */
static void test_every_row_is_named(void **state)
{
    (void)state;
    size_t n = sizeof rows / sizeof rows[0];
    assert_true(n >= 27);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rt_err_name(rows[i].code), rows[i].name);
        char want[256];
        snprintf(want, sizeof want, "%s: %s", rows[i].name, rows[i].message);
        assert_string_equal(rt_strerror(rows[i].code), want);
        assert_true(rows[i].code < 0 && rows[i].code > RT_EUSER);
        for (size_t k = i + 1; k < n; k++)
            assert_int_not_equal(rows[i].code, rows[k].code);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(rt_err_name(RT_OK), "RT_OK");
    assert_string_equal(rt_err_name(RT_ENOMEM), "RT_ENOMEM");
    assert_string_equal(rt_err_name(RT_EHTTP_TLS), "RT_EHTTP_TLS");
    assert_string_equal(rt_strerror(RT_OK), "RT_OK: success");
    assert_string_equal(rt_strerror(RT_ENOMEM), "RT_ENOMEM: out of memory");
    assert_string_equal(rt_strerror(RT_EHTTP_URL), "RT_EHTTP_URL: malformed URL");
}

/* An application's codes are its own to name; a code nobody has is "RT_E?". */
static void test_user_and_unknown_codes(void **state)
{
    (void)state;
    assert_string_equal(rt_err_name(RT_EUSER), "RT_EUSER");
    assert_string_equal(rt_err_name(RT_EUSER - 3), "RT_EUSER");
    assert_string_equal(rt_strerror(RT_EUSER - 3), "application error");
    assert_string_equal(rt_err_name(-50), "RT_E?");
    assert_string_equal(rt_err_name(-99), "RT_E?");
    assert_string_equal(rt_err_name(7), "RT_E?");
    assert_string_equal(rt_strerror(-50), "unknown error");
    assert_string_equal(rt_strerror(7), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_keep_their_values),
        cmocka_unit_test(test_every_row_is_named),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_user_and_unknown_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
