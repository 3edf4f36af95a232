/*
 * casemap: CASEMAPPING=ascii folding and comparison, and the size bound;
 * chat names <-> nicks: examples, refusals, reversible in any case, and
 * the longest nick within CASEMAP_NICK_MAX (the advertised NICKLEN).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "casemap.h"
#include "chat.h"
#include "irc.h"

static const char	alnum[] = "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static void	check_round_trip(const char *);

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

static void
test_to_nick(void **state)
{
	static const char	*cases[][2] = {
		{ "bob", "bob" }, { "Bob", "_bob" }, { "BoB", "_bo_b" },
		{ "7up", "_7up" }, { "7UP", "_7_u_p" }, { "a7", "a7" },
		{ "Z", "_z" }, { "0", "_0" }, { "x00", "x00" },
	};
	static const char	*bad[] = { "", "a_b", "bob!", "b b", "\xc3\xa9",
				    "_bob" };
	char			 nick[CASEMAP_NICK_MAX + 1], big[80];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(casemap_to_nick(nick, sizeof nick,
		    cases[i][0]), 0);
		assert_string_equal(nick, cases[i][1]);
		assert_int_equal(casemap_to_name(nick, sizeof nick,
		    cases[i][1]), 0);
		assert_string_equal(nick, cases[i][0]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(nick, 'x', sizeof nick);
		assert_int_equal(casemap_to_nick(nick, sizeof nick, bad[i]),
		    -1);
		assert_string_equal(nick, "");
	}
	memset(big, 'a', sizeof big);
	big[CHAT_NAME_MAX + 1] = '\0';		/* one past the bound */
	assert_int_equal(casemap_to_nick(nick, sizeof nick, big), -1);
	/* dst too small, at every size */
	for (i = 0; i < 6; i++) {
		assert_int_equal(casemap_to_nick(nick, i, "BoB"), -1);
		if (i > 0)
			assert_string_equal(nick, "");
	}
	assert_int_equal(casemap_to_nick(nick, 6, "BoB"), 0);
	assert_int_equal(casemap_to_nick(nick, 4, "7u"), 0);
	assert_int_equal(casemap_to_nick(nick, 3, "7u"), -1);
}

static void
test_to_name(void **state)
{
	static const char	*cases[][2] = {
		{ "_BOB", "Bob" }, { "_Bo_B", "BoB" }, { "BOB", "bob" },
		{ "_7UP", "7up" }, { "_7_U_P", "7UP" }, { "A7", "a7" },
	};
	static const char	*bad[] = { "", "7up", "_", "a_", "a_1", "a__b",
				    "a-b", "[a]", "_7_7", "b\xc3\xa9", "a b" };
	char			 name[CHAT_NAME_MAX + 1], nick[80];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(casemap_to_name(name, sizeof name,
		    cases[i][0]), 0);
		assert_string_equal(name, cases[i][1]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(name, 'x', sizeof name);
		assert_int_equal(casemap_to_name(name, sizeof name, bad[i]),
		    -1);
		assert_string_equal(name, "");
	}
	/* a nick whose name would pass CHAT_NAME_MAX maps to nobody */
	memset(nick, 'a', sizeof nick);
	nick[CHAT_NAME_MAX] = '\0';
	assert_int_equal(casemap_to_name(name, sizeof name, nick), 0);
	nick[CHAT_NAME_MAX] = 'a';
	nick[CHAT_NAME_MAX + 1] = '\0';
	assert_int_equal(casemap_to_name(name, sizeof name, nick), -1);
	assert_int_equal(casemap_to_name(name, 3, "abc"), -1);
	assert_int_equal(casemap_to_name(name, 4, "abc"), 0);
}

/* A name too long for CHAT_NAME_MAX, cut on a character, case kept. */
static void
test_to_name_cut(void **state)
{
	char	name[CHAT_NAME_MAX + 8], nick[2 * CHAT_NAME_MAX + 8];
	size_t	i;

	(void)state;
	for (i = 0; i < CHAT_NAME_MAX + 1; i++) {	/* _a_a...: 65 As */
		nick[2 * i] = '_';
		nick[2 * i + 1] = 'a';
	}
	nick[2 * i] = '\0';
	assert_int_equal(casemap_to_name_cut(name, sizeof name, nick),
	    CHAT_NAME_MAX + 1);
	assert_int_equal(strlen(name), CHAT_NAME_MAX);
	assert_int_equal(strspn(name, "A"), CHAT_NAME_MAX);
	assert_int_equal(casemap_to_name_cut(name, sizeof name, "_bob"), 3);
	assert_string_equal(name, "Bob");
	assert_int_equal(casemap_to_name_cut(name, 3, "abc"), 3);
	assert_string_equal(name, "ab");
	assert_int_equal(casemap_to_name_cut(name, sizeof name, "a-b"), 0);
	assert_string_equal(name, "");
}

/*
 * NICKLEN: the longest names map to exactly CASEMAP_NICK_MAX, a valid
 * nick within it; the old NICKLEN (CHAT_NAME_MAX) is too short for them.
 */
static void
test_nick_max(void **state)
{
	char	name[CHAT_NAME_MAX + 1], nick[CASEMAP_NICK_MAX + 1];
	char	back[CHAT_NAME_MAX + 1];

	(void)state;
	assert_int_equal(CASEMAP_NICK_MAX, 128);
	memset(name, 'A', CHAT_NAME_MAX);
	name[CHAT_NAME_MAX] = '\0';
	assert_int_equal(casemap_to_nick(nick, sizeof nick, name), 0);
	assert_int_equal(strlen(nick), CASEMAP_NICK_MAX);
	assert_true(irc_nick_valid(nick, CASEMAP_NICK_MAX));
	assert_false(irc_nick_valid(nick, CHAT_NAME_MAX));
	assert_int_equal(casemap_to_name(back, sizeof back, nick), 0);
	assert_string_equal(back, name);
	assert_int_equal(casemap_to_nick(nick, CASEMAP_NICK_MAX, name), -1);
	name[0] = '7';
	assert_int_equal(casemap_to_nick(nick, sizeof nick, name), 0);
	assert_int_equal(strlen(nick), CASEMAP_NICK_MAX);
	assert_true(irc_nick_valid(nick, CASEMAP_NICK_MAX));
	assert_int_equal(casemap_to_name(back, sizeof back, nick), 0);
	assert_string_equal(back, name);
}

/* name -> nick -> name, with the nick typed in lower and upper case. */
static void
check_round_trip(const char *name)
{
	char	nick[CASEMAP_NICK_MAX + 1], back[CHAT_NAME_MAX + 1];
	size_t	i, len = strlen(name), caps = 0;

	assert_int_equal(casemap_to_nick(nick, sizeof nick, name), 0);
	for (i = 0; i < len; i++)
		caps += name[i] >= 'A' && name[i] <= 'Z';
	assert_int_equal(strlen(nick), len + caps +
	    (name[0] >= '0' && name[0] <= '9'));
	assert_true(strlen(nick) <= CASEMAP_NICK_MAX);
	assert_true(irc_nick_valid(nick, CASEMAP_NICK_MAX));
	assert_int_equal(casemap_to_name(back, sizeof back, nick), 0);
	assert_string_equal(back, name);
	for (i = 0; nick[i] != '\0'; i++)
		if (nick[i] >= 'a' && nick[i] <= 'z')
			nick[i] = (char)(nick[i] - 'a' + 'A');
	assert_int_equal(casemap_to_name(back, sizeof back, nick), 0);
	assert_string_equal(back, name);
}

/*
 * Every name of up to 3 characters, and random ones up to 64, comes back
 * from its nick in any case: so no two names share a nick, folded or not.
 */
static void
test_round_trip(void **state)
{
	char	name[CHAT_NAME_MAX + 1];
	size_t	a, b, c, n = sizeof alnum - 1, len, i;
	int	k;

	(void)state;
	name[1] = name[2] = name[3] = '\0';
	for (a = 0; a < n; a++) {
		name[0] = alnum[a];
		name[1] = '\0';
		check_round_trip(name);
		for (b = 0; b < n; b++) {
			name[1] = alnum[b];
			name[2] = '\0';
			check_round_trip(name);
			for (c = 0; c < n; c++) {
				name[2] = alnum[c];
				check_round_trip(name);
			}
		}
	}
	srandom(10);
	for (k = 0; k < 20000; k++) {
		len = (size_t)random() % CHAT_NAME_MAX + 1;
		for (i = 0; i < len; i++)
			name[i] = alnum[(size_t)random() % n];
		name[len] = '\0';
		check_round_trip(name);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_bound),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_to_nick),
		cmocka_unit_test(test_to_name),
		cmocka_unit_test(test_to_name_cut),
		cmocka_unit_test(test_nick_max),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
