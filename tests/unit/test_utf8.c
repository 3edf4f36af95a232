/*
 * utf8: validity (RFC 3629: overlongs, surrogates, range), character
 * lengths and cut points on valid and invalid text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

struct valid_case {
	const char	*s;
	int		 valid;
};

static const struct valid_case valid_cases[] = {
	{ "", 1 },
	{ "plain ascii", 1 },
	{ "\xc3\xa9t\xc3\xa9", 1 },			/* été */
	{ "\xe2\x82\xac", 1 },				/* U+20AC */
	{ "\xf0\x9f\x98\x80", 1 },			/* U+1F600 */
	{ "\xc2\x80", 1 },				/* U+0080 */
	{ "\xdf\xbf", 1 },				/* U+07FF */
	{ "\xe0\xa0\x80", 1 },				/* U+0800 */
	{ "\xed\x9f\xbf", 1 },				/* U+D7FF */
	{ "\xee\x80\x80", 1 },				/* U+E000 */
	{ "\xef\xbf\xbf", 1 },				/* U+FFFF */
	{ "\xf0\x90\x80\x80", 1 },			/* U+10000 */
	{ "\xf4\x8f\xbf\xbf", 1 },			/* U+10FFFF */
	{ "\x80", 0 },					/* lone continuation */
	{ "a\xbf", 0 },
	{ "\xc0\x80", 0 },				/* overlong NUL */
	{ "\xc1\xbf", 0 },				/* overlong */
	{ "\xe0\x80\x80", 0 },				/* overlong */
	{ "\xe0\x9f\xbf", 0 },				/* overlong */
	{ "\xf0\x80\x80\x80", 0 },			/* overlong */
	{ "\xf0\x8f\xbf\xbf", 0 },			/* overlong */
	{ "\xed\xa0\x80", 0 },				/* U+D800 */
	{ "\xed\xbf\xbf", 0 },				/* U+DFFF */
	{ "\xf4\x90\x80\x80", 0 },			/* U+110000 */
	{ "\xf5\x80\x80\x80", 0 },
	{ "\xff", 0 },
	{ "\xfe", 0 },
	{ "\xc3", 0 },					/* truncated */
	{ "\xe2\x82", 0 },
	{ "\xf0\x9f\x98", 0 },
	{ "\xc3\x28", 0 },				/* bad second */
	{ "\xe2\x28\xa1", 0 },
	{ "\xe2\x82\x28", 0 },
	{ "\xf0\x9f\x28\x80", 0 },
	{ "ok \xc3\xa9 then \xff", 0 },
};

static void
test_valid(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
		print_message("case %zu\n", i);
		assert_int_equal(utf8_valid(valid_cases[i].s,
		    strlen(valid_cases[i].s)), valid_cases[i].valid);
	}
	/* a NUL byte is U+0000, valid when counted by length */
	assert_true(utf8_valid("a\0b", 3));
}

static void
test_char_len(void **state)
{
	(void)state;
	assert_int_equal(utf8_char_len("a", 1), 1);
	assert_int_equal(utf8_char_len("\xc3\xa9", 2), 2);
	assert_int_equal(utf8_char_len("\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_char_len("\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(utf8_char_len("\xf0\x9f\x98\x80", 3), 1);
	assert_int_equal(utf8_char_len("\xc3\xa9", 1), 1);
	assert_int_equal(utf8_char_len("\xff", 1), 1);
	assert_int_equal(utf8_char_len("\x80\x80", 2), 1);
	assert_int_equal(utf8_char_len("\xed\xa0\x80", 3), 1);
	assert_int_equal(utf8_char_len("", 0), 0);
}

static void
test_cut(void **state)
{
	const char	*s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
	static const size_t want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11 };
	size_t		 max;

	(void)state;
	for (max = 0; max < sizeof want / sizeof want[0]; max++)
		assert_int_equal(utf8_cut(s, 11, max), want[max]);
	assert_int_equal(utf8_cut(s, 11, 100), 11);
	/* invalid bytes are characters of their own: cut anywhere */
	assert_int_equal(utf8_cut("\xff\xfe\xfd", 3, 2), 2);
	assert_int_equal(utf8_cut("\xc3\xc3\xa9", 3, 2), 1);
	assert_int_equal(utf8_cut("\xe2\x82" "a", 3, 1), 1);
	assert_int_equal(utf8_cut("", 0, 5), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_char_len),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
