/*
 * textsafe: each escape kind becomes U+FFFD, formatting and CTCP ACTION
 * stay, the output is bounded, valid UTF-8 and never cut in a character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textsafe.h"
#include "utf8.h"

#define R	TEXTSAFE_REPL

struct text_case {
	const char	*in;
	size_t		 inlen;		/* 0: strlen(in) */
	const char	*want;
};

/* One case each: what a chat user sends, what the IRC client gets. */
static const struct text_case text_cases[] = {
	{ "hello, world", 0, "hello, world" },
	{ "", 0, "" },
	/* CSI: colours, cursor moves, clear screen */
	{ "\x1b[31mred\x1b[0m", 0, R "[31mred" R "[0m" },
	{ "\x1b[2J\x1b[H", 0, R "[2J" R "[H" },
	/* OSC: window title, OSC 8 link (BEL and ST terminated) */
	{ "\x1b]0;pwned\x07", 0, R "]0;pwned" R },
	{ "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", 0,
	    R "]8;;http://evil/" R "\\click" R "]8;;" R "\\" },
	/* DCS, SOS/PM/APC, a bare ESC at the end */
	{ "\x1bP+q544e\x1b\\", 0, R "P+q544e" R "\\" },
	{ "\x1b_apc\x1b\\\x1b^pm\x1b\\", 0, R "_apc" R "\\" R "^pm" R "\\" },
	{ "bye\x1b", 0, "bye" R },
	/* C1 as raw bytes (8-bit CSI, OSC, ST, NEL) */
	{ "\x9b" "31m", 0, R "31m" },
	{ "\x9d" "0;t\x9c", 0, R "0;t" R },
	{ "a\x85" "b", 0, "a" R "b" },
	/* C1 as UTF-8: U+009B, U+0080, U+009F; U+00A0 and U+00E9 stay */
	{ "\xc2\x9b" "31m", 0, R "31m" },
	{ "\xc2\x80\xc2\x9f", 0, R R },
	{ "\xc2\xa0\xc3\xa9", 0, "\xc2\xa0\xc3\xa9" },
	/* BS, DEL, BEL, VT, FF, CR, LF, NUL; TAB is a space */
	{ "abc\b\b\bxyz", 0, "abc" R R R "xyz" },
	{ "a\x7f" "b", 0, "a" R "b" },
	{ "\x07\x0b\x0c", 0, R R R },
	{ "a\rb\nc", 0, "a" R "b" R "c" },
	{ "a\0b c", 5, "a" R "b c" },
	{ "a\tb", 0, "a b" },
	/* the other C0 controls not used for formatting */
	{ "\x04\x05\x06\x0e\x10\x12\x13\x14\x15\x17\x18\x19\x1a\x1c", 0,
	    R R R R R R R R R R R R R R },
	/* IRC formatting codes stay */
	{ "\x02" "b\x02 \x03" "4,1c\x03 \x0f\x11m\x11\x16r\x16\x1di\x1d"
	    "\x1es\x1e\x1fu\x1f", 0,
	    "\x02" "b\x02 \x03" "4,1c\x03 \x0f\x11m\x11\x16r\x16\x1di\x1d"
	    "\x1es\x1e\x1fu\x1f" },
	/* CTCP: ACTION kept, anything else made visible */
	{ "\x01" "ACTION waves\x01", 0, "\x01" "ACTION waves\x01" },
	{ "\x01" "ACTION\x01", 0, "\x01" "ACTION\x01" },
	{ "\x01" "ACTION \x02" "bold\x02\x01", 0,
	    "\x01" "ACTION \x02" "bold\x02\x01" },
	{ "\x01" "ACTION \x1b[2Jx\x01", 0, "\x01" "ACTION " R "[2Jx\x01" },
	{ "\x01", 0, R },
	{ "\x01\x01", 0, R R },
	{ "\x01" "VERSION\x01", 0, R "VERSION" R },
	{ "\x01" "DCC SEND x 1 2 3\x01", 0, R "DCC SEND x 1 2 3" R },
	{ "\x01" "ACTION waves", 0, R "ACTION waves" },
	{ "\x01" "ACTIONX\x01", 0, R "ACTIONX" R },
	{ "\x01" "ACTION a\x01" "b\x01", 0, R "ACTION a" R "b" R },
	{ "say \x01" "ACTION x\x01", 0, "say " R "ACTION x" R },
	/* invalid UTF-8: one U+FFFD per byte */
	{ "caf\xe9", 0, "caf" R },
	{ "\xc0\x9b", 0, R R },			/* overlong ESC */
	{ "\xe2\x82", 0, R R },			/* truncated */
	{ "\xed\xa0\x80", 0, R R R },		/* surrogate */
	{ "\xf4\x90\x80\x80", 0, R R R R },	/* past U+10FFFF */
	{ "\xff\xfe", 0, R R },
	/* valid UTF-8 of every length stays */
	{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0,
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
	/* ready-made U+FFFD is text like any other */
	{ R, 0, R },
};

static size_t
case_len(const struct text_case *c)
{
	return c->inlen != 0 ? c->inlen : strlen(c->in);
}

static void
test_text_cases(void **state)
{
	char	out[256];
	size_t	i, n, len;

	(void)state;
	for (i = 0; i < sizeof text_cases / sizeof text_cases[0]; i++) {
		len = case_len(&text_cases[i]);
		n = textsafe_text(out, sizeof out, text_cases[i].in, len);
		assert_string_equal(out, text_cases[i].want);
		assert_int_equal(n, strlen(text_cases[i].want));
		assert_true(n <= TEXTSAFE_MAX(len));
		assert_true(utf8_valid(out, n));
		/* the span says "nothing to do" exactly when nothing changes */
		if (textsafe_text_span(text_cases[i].in, len) == len)
			assert_memory_equal(out, text_cases[i].in, len);
		else
			assert_true(n != len ||
			    memcmp(out, text_cases[i].in, len) != 0);
	}
}

/* Nothing to change: the span is the whole text. */
static void
test_fast_path(void **state)
{
	const char	*clean[] = { "plain ascii ~!@#$%^&*()",
			    ("\x02" "bold\x0f \x03" "12,4colour"),
			    ("\x01" "ACTION dances\x01"),
			    "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
			    "" };
	const char	*dirty = "clean until here\x1b[0m";
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof clean / sizeof clean[0]; i++)
		assert_int_equal(textsafe_text_span(clean[i],
		    strlen(clean[i])), strlen(clean[i]));
	assert_int_equal(textsafe_text_span(dirty, strlen(dirty)), 16);
	assert_int_equal(textsafe_text_span("\x01", 1), 0);
	assert_int_equal(textsafe_text_span("a\xc2\x9b", 3), 1);
	assert_int_equal(textsafe_text_span("a\xe9", 2), 1);
	assert_int_equal(textsafe_text_span("a\tb", 3), 1);
}

/* Names: formatting, CTCP, TAB and space are replaced too. */
static void
test_names(void **state)
{
	char	out[128];
	size_t	n;

	(void)state;
	n = textsafe_name(out, sizeof out, "Bob7", 4);
	assert_string_equal(out, "Bob7");
	assert_int_equal(n, 4);
	assert_int_equal(textsafe_name_span("Bob7", 4), 4);
	textsafe_name(out, sizeof out, "\x02" "ad\x03" "4min", 8);
	assert_string_equal(out, R "ad" R "4min");
	textsafe_name(out, sizeof out, "a b\tc\x01", 6);
	assert_string_equal(out, "a" R "b" R "c" R);
	textsafe_name(out, sizeof out, "\x1b]0;x\x07\x9b\xc2\x9b\x7f\b",
	    11);
	assert_string_equal(out, R "]0;x" R R R R R);
	textsafe_name(out, sizeof out, "\x01" "ACTION x\x01", 10);
	assert_string_equal(out, R "ACTION" R "x" R);
	textsafe_name(out, sizeof out, "j\xc3\xb6rg", 5);
	assert_string_equal(out, "j\xc3\xb6rg");
	assert_int_equal(textsafe_name_span("a b", 3), 1);
	assert_int_equal(textsafe_name_span("\x02", 1), 0);
}

/*
 * A dst too small: snprintf's return, a NUL-terminated prefix of whole
 * characters, for every size from 0 up.
 */
static void
test_dst_small(void **state)
{
	const char	*in = "ab\x1b\xc3\xa9" "c\x01";
	const char	*want = "ab" R "\xc3\xa9" "c" R;
	char		 out[32];
	size_t		 size, n, wlen = strlen(want), stored;

	(void)state;
	for (size = 0; size <= wlen + 1; size++) {
		memset(out, 'X', sizeof out);
		n = textsafe_text(out, size, in, strlen(in));
		assert_int_equal(n, wlen);
		if (size == 0) {
			assert_int_equal(out[0], 'X');
			continue;
		}
		stored = strlen(out);
		assert_true(stored < size);
		assert_memory_equal(out, want, stored);
		assert_int_equal(utf8_cut(want, wlen, stored), stored);
		/* the longest prefix that fits: the next char would not */
		if (stored < wlen)
			assert_true(stored + utf8_char_len(want + stored,
			    wlen - stored) > size - 1);
		assert_int_equal(out[size], 'X');	/* nothing past dst */
	}
	/* the fast path cut short: whole characters only */
	n = textsafe_text(out, 5, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);
	assert_int_equal(n, 6);
	assert_string_equal(out, "\xc3\xa9\xc3\xa9");
}

/* The worst case is TEXTSAFE_MAX: every byte a stand-in. */
static void
test_bound(void **state)
{
	char	in[64], *out;
	size_t	n, i;

	(void)state;
	for (i = 0; i < sizeof in; i++)
		in[i] = (char)(i % 2 ? 0x1b : 0x9b);
	out = malloc(TEXTSAFE_MAX(sizeof in) + 1);
	assert_non_null(out);
	n = textsafe_text(out, TEXTSAFE_MAX(sizeof in) + 1, in, sizeof in);
	assert_int_equal(n, TEXTSAFE_MAX(sizeof in));
	assert_int_equal(strlen(out), n);
	n = textsafe_name(out, TEXTSAFE_MAX(sizeof in) + 1, in, sizeof in);
	assert_int_equal(n, TEXTSAFE_MAX(sizeof in));
	free(out);
}

/* Every single byte value: kept, a space or U+FFFD, never more. */
static void
test_every_byte(void **state)
{
	char	in[1], out[8];
	size_t	n;
	int	b;

	(void)state;
	for (b = 0; b < 256; b++) {
		in[0] = (char)b;
		n = textsafe_text(out, sizeof out, in, 1);
		if ((b >= 0x20 && b < 0x7f) || b == 0x02 || b == 0x03 ||
		    b == 0x0f || b == 0x11 || b == 0x16 || b == 0x1d ||
		    b == 0x1e || b == 0x1f) {
			assert_int_equal(n, 1);
			assert_int_equal(out[0], b);
		} else if (b == '\t')
			assert_string_equal(out, " ");
		else
			assert_string_equal(out, R);
	}
}

static void
test_is_action(void **state)
{
	(void)state;
	assert_true(textsafe_is_action("\x01" "ACTION x\x01", 10));
	assert_true(textsafe_is_action("\x01" "ACTION\x01", 8));
	assert_true(textsafe_is_action("\x01" "ACTION \x01", 9));
	assert_false(textsafe_is_action("\x01" "ACTION", 7));
	assert_false(textsafe_is_action("\x01" "action x\x01", 10));
	assert_false(textsafe_is_action("\x01" "ACTION x", 9));
	assert_false(textsafe_is_action("\x01" "ACTION \x01\x01", 10));
	assert_false(textsafe_is_action("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_cases),
		cmocka_unit_test(test_fast_path),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_dst_small),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_is_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
