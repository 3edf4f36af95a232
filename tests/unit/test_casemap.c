/*
 * casemap: CASEMAPPING=ascii folding and comparison, and the size bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "casemap.h"

static void
test_fold(void **state)
{
	char	buf[16];

	(void)state;
	assert_int_equal(casemap_fold(buf, sizeof buf, "AlIcE"), 0);
	assert_string_equal(buf, "alice");
	/* ascii mapping: []\~ are not rfc1459's {}|^ */
	assert_int_equal(casemap_fold(buf, sizeof buf, "[Z]\\~^@`{"), 0);
	assert_string_equal(buf, "[z]\\~^@`{");
	assert_int_equal(casemap_fold(buf, sizeof buf, "\xc3\x89T\xc3\x89"),
	    0);
	assert_string_equal(buf, "\xc3\x89t\xc3\x89");
	assert_int_equal(casemap_fold(buf, sizeof buf, ""), 0);
	assert_string_equal(buf, "");
}

static void
test_fold_bound(void **state)
{
	char	buf[6];

	(void)state;
	assert_int_equal(casemap_fold(buf, sizeof buf, "ABCDE"), 0);
	assert_string_equal(buf, "abcde");
	memset(buf, 'x', sizeof buf);
	assert_int_equal(casemap_fold(buf, sizeof buf, "ABCDEF"), -1);
	assert_string_equal(buf, "");
	assert_int_equal(casemap_fold(buf, 0, "A"), -1);
	assert_int_equal(buf[0], '\0');
}

static void
test_cmp(void **state)
{
	(void)state;
	assert_int_equal(casemap_cmp("Alice", "aLICE"), 0);
	assert_int_equal(casemap_cmp("", ""), 0);
	assert_true(casemap_cmp("alice", "bob") < 0);
	assert_true(casemap_cmp("Bob", "alice") > 0);
	assert_true(casemap_cmp("al", "alice") < 0);
	assert_true(casemap_cmp("alice", "Al") > 0);
	assert_int_not_equal(casemap_cmp("[a]", "{a}"), 0);
	assert_int_not_equal(casemap_cmp("\xc3\xa9", "\xc3\x89"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_bound),
		cmocka_unit_test(test_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
