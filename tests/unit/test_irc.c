/*
 * IRC codec: parsing (tags, prefix, 15 parameters, trailing), tag
 * unescaping, building and round trips, stripping, splitting, nicks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "irc.h"
#include "linebuf.h"
#include "utf8.h"

struct parse_case {
	const char		*line;
	enum irc_parse_result	 result;
	const char		*tags;
	const char		*prefix;
	const char		*command;
	int			 nparams;
	const char		*params[IRC_PARAMS_MAX];
};

static void	check_parse(const struct parse_case *);
static void	check_split(const char *, size_t, size_t);
static void	msg_equal(const struct irc_msg *, const struct irc_msg *);

static void
check_parse(const struct parse_case *c)
{
	struct irc_msg	 m;
	char		*line = strdup(c->line);
	int		 i;

	print_message("\"%s\"\n", c->line);
	assert_non_null(line);
	assert_int_equal(irc_parse(line, &m), c->result);
	if (c->result == IRC_PARSE_OK) {
		if (c->tags != NULL)
			assert_string_equal(m.tags, c->tags);
		else
			assert_null(m.tags);
		if (c->prefix != NULL)
			assert_string_equal(m.prefix, c->prefix);
		else
			assert_null(m.prefix);
		assert_string_equal(m.command, c->command);
		assert_int_equal(m.nparams, c->nparams);
		for (i = 0; i < c->nparams; i++)
			assert_string_equal(m.params[i], c->params[i]);
	}
	free(line);
}

static const struct parse_case parse_cases[] = {
	{ "CAP LS 302", IRC_PARSE_OK, NULL, NULL, "CAP", 2, { "LS", "302" } },
	{ "NICK alice", IRC_PARSE_OK, NULL, NULL, "NICK", 1, { "alice" } },
	{ "USER alice 0 * :Alice Liddell", IRC_PARSE_OK, NULL, NULL, "USER",
	    4, { "alice", "0", "*", "Alice Liddell" } },
	{ "privmsg bob :hi there", IRC_PARSE_OK, NULL, NULL, "PRIVMSG", 2,
	    { "bob", "hi there" } },
	{ "PRIVMSG bob ::-) smile", IRC_PARSE_OK, NULL, NULL, "PRIVMSG", 2,
	    { "bob", ":-) smile" } },
	{ "PRIVMSG bob hi", IRC_PARSE_OK, NULL, NULL, "PRIVMSG", 2,
	    { "bob", "hi" } },
	{ "TOPIC #a :", IRC_PARSE_OK, NULL, NULL, "TOPIC", 2, { "#a", "" } },
	{ "PING", IRC_PARSE_OK, NULL, NULL, "PING", 0, { NULL } },
	{ "  MODE   alice   +i  ", IRC_PARSE_OK, NULL, NULL, "MODE", 2,
	    { "alice", "+i" } },
	{ "PRIVMSG bob :  spaced  ", IRC_PARSE_OK, NULL, NULL, "PRIVMSG", 2,
	    { "bob", "  spaced  " } },
	{ ":irc.example 001 alice :Welcome", IRC_PARSE_OK, NULL, "irc.example",
	    "001", 2, { "alice", "Welcome" } },
	{ "@time=2020-01-01T00:00:00.000Z;+draft/reply=x :a!b@c PRIVMSG #c "
	    ":yo", IRC_PARSE_OK,
	    "time=2020-01-01T00:00:00.000Z;+draft/reply=x", "a!b@c",
	    "PRIVMSG", 2, { "#c", "yo" } },
	{ "@label=1 PING :x", IRC_PARSE_OK, "label=1", NULL, "PING", 1,
	    { "x" } },
	{ "PRIVMSG bob :\xff\xfe\xc3 bad", IRC_PARSE_OK, NULL, NULL,
	    "PRIVMSG", 2, { "bob", "\xff\xfe\xc3 bad" } },
	/* RFC 2812 2.3.1: the 15th parameter takes the rest */
	{ "X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 :17", IRC_PARSE_OK, NULL,
	    NULL, "X", 15, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "14", "15 16 :17" } },
	{ "X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 16", IRC_PARSE_OK, NULL,
	    NULL, "X", 15, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "14", "15 16" } },
	{ "X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", IRC_PARSE_OK, NULL, NULL,
	    "X", 15, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11",
	    "12", "13", "14", "15" } },
	{ "X 1 2 3 4 5 6 7 8 9 10 11 12 13 :14 15", IRC_PARSE_OK, NULL, NULL,
	    "X", 14, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11",
	    "12", "13", "14 15" } },
	{ "", IRC_PARSE_EMPTY, NULL, NULL, NULL, 0, { NULL } },
	{ "    ", IRC_PARSE_EMPTY, NULL, NULL, NULL, 0, { NULL } },
	{ "@a=b", IRC_PARSE_NO_COMMAND, NULL, NULL, NULL, 0, { NULL } },
	{ ":server", IRC_PARSE_NO_COMMAND, NULL, NULL, NULL, 0, { NULL } },
	{ "@a=b :server  ", IRC_PARSE_NO_COMMAND, NULL, NULL, NULL, 0,
	    { NULL } },
	{ "12", IRC_PARSE_BAD_COMMAND, NULL, NULL, NULL, 0, { NULL } },
	{ "1234 x", IRC_PARSE_BAD_COMMAND, NULL, NULL, NULL, 0, { NULL } },
	{ "0a1", IRC_PARSE_BAD_COMMAND, NULL, NULL, NULL, 0, { NULL } },
	{ "PRIV1 x", IRC_PARSE_BAD_COMMAND, NULL, NULL, NULL, 0, { NULL } },
	{ ":x :y", IRC_PARSE_BAD_COMMAND, NULL, NULL, NULL, 0, { NULL } },
	{ "\xc3\xa9", IRC_PARSE_BAD_COMMAND, NULL, NULL, NULL, 0, { NULL } },
};

static void
test_parse(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++)
		check_parse(&parse_cases[i]);
}

/* IRCv3: '@' through the space at most 8191 bytes. */
static void
test_tags_bound(void **state)
{
	char		line[IRC_TAGS_MAX + 32];
	struct irc_msg	m;

	(void)state;
	memset(line, 'a', sizeof line);
	line[0] = '@';
	memcpy(line + IRC_TAGS_MAX - 1, " PING", 6);
	assert_int_equal(irc_parse(line, &m), IRC_PARSE_OK);
	assert_int_equal(strlen(m.tags), IRC_TAGS_MAX - 2);
	memset(line, 'a', sizeof line);
	line[0] = '@';
	memcpy(line + IRC_TAGS_MAX, " PING", 6);
	assert_int_equal(irc_parse(line, &m), IRC_PARSE_TAGS_TOO_LONG);
	line[IRC_TAGS_MAX] = '\0';
	assert_int_equal(irc_parse(line, &m), IRC_PARSE_NO_COMMAND);
}

static void
test_tag_next(void **state)
{
	char		 line[] = "@=x;;a=x\\:y\\sz\\\\w\\r\\n;b;;c=;d=end\\;"
	    "e=\\b\\q;=;+vendor/k=v=w;= :p CMD";
	struct irc_msg	 m;
	char		*cur, *k, *v;

	(void)state;
	assert_int_equal(irc_parse(line, &m), IRC_PARSE_OK);
	cur = m.tags;
	assert_true(irc_tag_next(&cur, &k, &v));
	assert_string_equal(k, "a");
	assert_string_equal(v, "x;y z\\w\r\n");
	assert_true(irc_tag_next(&cur, &k, &v));
	assert_string_equal(k, "b");
	assert_string_equal(v, "");
	assert_true(irc_tag_next(&cur, &k, &v));
	assert_string_equal(k, "c");
	assert_string_equal(v, "");
	assert_true(irc_tag_next(&cur, &k, &v));
	assert_string_equal(k, "d");
	assert_string_equal(v, "end");		/* lone '\' dropped */
	assert_true(irc_tag_next(&cur, &k, &v));
	assert_string_equal(k, "e");
	assert_string_equal(v, "bq");
	assert_true(irc_tag_next(&cur, &k, &v));
	assert_string_equal(k, "+vendor/k");
	assert_string_equal(v, "v=w");
	assert_false(irc_tag_next(&cur, &k, &v));
	assert_false(irc_tag_next(&cur, &k, &v));
	assert_string_equal(m.prefix, "p");
	assert_string_equal(m.command, "CMD");
	cur = NULL;
	assert_false(irc_tag_next(&cur, &k, &v));
}

/* Found by fuzz_irc: a tag entry with no key. */
static void
test_tag_no_key(void **state)
{
	char		 line[] = "\r@=;;;B;; YY";
	struct irc_msg	 m;
	char		*cur, *k, *v;

	(void)state;
	assert_int_equal(irc_strip(line, strlen(line)), strlen(line) - 1);
	line[strlen(line) - 1] = '\0';
	assert_int_equal(irc_parse(line, &m), IRC_PARSE_OK);
	assert_string_equal(m.command, "YY");
	cur = m.tags;
	assert_true(irc_tag_next(&cur, &k, &v));
	assert_string_equal(k, "B");
	assert_string_equal(v, "");
	assert_false(irc_tag_next(&cur, &k, &v));
}

struct build_case {
	struct irc_msg	 msg;
	const char	*want;		/* NULL: refused */
};

static const struct build_case build_cases[] = {
	{ { NULL, NULL, "PING", 1, { "x" } }, "PING x\r\n" },
	{ { NULL, "srv", "001", 2, { "alice", "Welcome to IRC" } },
	    ":srv 001 alice :Welcome to IRC\r\n" },
	{ { "a=b", "n!u@h", "PRIVMSG", 2, { "#c", "hi" } },
	    "@a=b :n!u@h PRIVMSG #c hi\r\n" },
	{ { NULL, NULL, "TOPIC", 2, { "#c", "" } }, "TOPIC #c :\r\n" },
	{ { NULL, NULL, "PRIVMSG", 2, { "bob", ":-)" } },
	    "PRIVMSG bob ::-)\r\n" },
	{ { NULL, NULL, "PRIVMSG", 2, { "bob", "a\r\nQUIT :x" } },
	    "PRIVMSG bob :aQUIT :x\r\n" },
	{ { NULL, "s\r\nv", "N\nOTICE", 2, { "b\ro\nb", "x" } },
	    ":sv NOTICE bob x\r\n" },
	{ { NULL, NULL, "PRIVMSG", 2, { "bob", "\r\n" } },
	    "PRIVMSG bob :\r\n" },
	{ { NULL, NULL, "QUIT", 0, { NULL } }, "QUIT\r\n" },
	{ { NULL, NULL, "X", 2, { "a b", "c" } }, NULL },
	{ { NULL, NULL, "X", 2, { ":a", "c" } }, NULL },
	{ { NULL, NULL, "X", 2, { "", "c" } }, NULL },
	{ { NULL, NULL, "X", 2, { "\r\n", "c" } }, NULL },
	{ { NULL, NULL, "X", 3, { "a", "b c", "d" } }, NULL },
};

static void
test_build(void **state)
{
	char	buf[256];
	size_t	i, n;

	(void)state;
	for (i = 0; i < sizeof build_cases / sizeof build_cases[0]; i++) {
		n = irc_build(buf, sizeof buf, &build_cases[i].msg);
		if (build_cases[i].want == NULL) {
			assert_int_equal(n, (size_t)-1);
			continue;
		}
		assert_int_equal(n, strlen(build_cases[i].want));
		assert_string_equal(buf, build_cases[i].want);
	}
}

static void
test_build_bounds(void **state)
{
	struct irc_msg	m = { NULL, NULL, "PRIVMSG", 2, { "bob", "hello" } };
	char		buf[8];

	(void)state;
	assert_int_equal(irc_build(buf, sizeof buf, &m), 19);
	assert_string_equal(buf, "PRIVMSG");
	assert_int_equal(irc_build(buf, 0, &m), 19);
	m.command = "PING";
	m.nparams = 0;
	assert_int_equal(irc_build(buf, 7, &m), 6);
	assert_string_equal(buf, "PING\r\n");
	assert_int_equal(irc_build(buf, 6, &m), 6);
	assert_string_equal(buf, "PING\r");
}

static void
msg_equal(const struct irc_msg *a, const struct irc_msg *b)
{
	int	i;

	if (a->tags == NULL || b->tags == NULL)
		assert_ptr_equal(a->tags, b->tags);
	else
		assert_string_equal(a->tags, b->tags);
	if (a->prefix == NULL || b->prefix == NULL)
		assert_ptr_equal(a->prefix, b->prefix);
	else
		assert_string_equal(a->prefix, b->prefix);
	assert_string_equal(a->command, b->command);
	assert_int_equal(a->nparams, b->nparams);
	for (i = 0; i < a->nparams; i++)
		assert_string_equal(a->params[i], b->params[i]);
}

/* parse(build(parse(x))) == parse(x), and canonical lines rebuild as is. */
static void
test_round_trip(void **state)
{
	static const char *lines[] = {
		"@a=b;c :n!u@h PRIVMSG #chan :hello world",
		":srv 005 alice CASEMAPPING=ascii :are supported",
		"PRIVMSG bob ::-)",
		"TOPIC #c :",
		"X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 16",
		"CAP REQ :message-tags server-time",
		"PING irc.example",
	};
	struct irc_msg	 a, b;
	char		 l1[600], l2[600], out[600];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		snprintf(l1, sizeof l1, "%s", lines[i]);
		assert_int_equal(irc_parse(l1, &a), IRC_PARSE_OK);
		n = irc_build(out, sizeof out, &a);
		assert_true(n < sizeof out);
		assert_memory_equal(out + n - 2, "\r\n", 2);
		out[n - 2] = '\0';
		assert_string_equal(out, lines[i]);
		memcpy(l2, out, n - 1);
		assert_int_equal(irc_parse(l2, &b), IRC_PARSE_OK);
		msg_equal(&a, &b);
	}
}

static void
test_strip(void **state)
{
	char	s[] = "a\rb\nc\0d\r\n";

	(void)state;
	assert_int_equal(irc_strip(s, sizeof s - 1), 4);
	assert_memory_equal(s, "abcd", 4);
	assert_int_equal(irc_strip(s, 0), 0);
}

/* Invariants of cutting text[0..len) into pieces of at most max. */
static void
check_split(const char *text, size_t len, size_t max)
{
	char	*joined = malloc(len + 1);
	size_t	 off = 0, jlen = 0, n, next;

	assert_non_null(joined);
	while (off < len) {
		n = irc_split(text + off, len - off, max, &next);
		assert_true(n > 0);
		assert_true(n <= max || max < 4);
		assert_true(next == n || (next == n + 1 &&
		    text[off + n] == ' '));
		/* a cut never falls inside a UTF-8 sequence */
		assert_int_equal(utf8_cut(text + off, len - off, n), n);
		if (utf8_valid(text, len))
			assert_true(utf8_valid(text + off, n));
		memcpy(joined + jlen, text + off, n);
		jlen += n;
		if (next > n)
			joined[jlen++] = ' ';
		off += next;
	}
	assert_int_equal(off, len);
	assert_int_equal(jlen, len);
	assert_memory_equal(joined, text, len);
	free(joined);
}

static void
test_split(void **state)
{
	static const char *texts[] = {
		"the quick brown fox jumps over the lazy dog",
		"nospacesatallinthisratherlongword",
		("\xc3\xa9t\xc3\xa9 \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac "
		    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 fin"),
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac",
		"bad \xff\xfe\xc3 utf \xe2\x82 8 \xf0\x9f\x98",
		"  leading and trailing  ",
		"a  b  c  d  e",
	};
	size_t	i, max;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		for (max = 1; max <= strlen(texts[i]) + 1; max++)
			check_split(texts[i], strlen(texts[i]), max);
}

static void
test_split_prefers_space(void **state)
{
	const char	*t = "hello world again";
	const char	*e = "\xc3\xa9\xc3\xa9\xc3\xa9";
	size_t		 next;

	(void)state;
	assert_int_equal(irc_split(t, strlen(t), 13, &next), 11);
	assert_int_equal(next, 12);
	assert_int_equal(irc_split(t, strlen(t), 11, &next), 11);
	assert_int_equal(next, 12);
	/* a space in the first half is not worth it: cut at max */
	assert_int_equal(irc_split(t, strlen(t), 4, &next), 4);
	assert_int_equal(next, 4);
	assert_int_equal(irc_split("a bcdefghij", 11, 8, &next), 8);
	assert_int_equal(next, 8);
	assert_int_equal(irc_split("abc defghij", 11, 8, &next), 8);
	assert_int_equal(next, 8);
	assert_int_equal(irc_split("abcd efghij", 11, 8, &next), 4);
	assert_int_equal(next, 5);
	assert_int_equal(irc_split(t, strlen(t), 100, &next), strlen(t));
	assert_int_equal(next, strlen(t));
	assert_int_equal(irc_split(e, 6, 5, &next), 4);
	assert_int_equal(next, 4);
	assert_int_equal(irc_split(e, 6, 1, &next), 2);	/* one char */
	assert_int_equal(irc_split("", 0, 10, &next), 0);
	assert_int_equal(next, 0);
}

/* A 100,000-byte DELIVERY becomes lines that each fit 512 bytes. */
static void
test_split_long_privmsg(void **state)
{
	struct irc_msg	 m = { NULL, "bob!bob@chat", "PRIVMSG", 2,
	    { "alice", NULL } };
	char		*text, piece[512], out[IRC_LINE_MAX + 1];
	size_t		 len = 100000, off = 0, n, next, i;
	int		 lines = 0;

	(void)state;
	text = malloc(len);
	assert_non_null(text);
	for (i = 0; i < len; i++)	/* "é" and a space now and then */
		text[i] = i % 97 == 96 ? ' ' : (i % 2 ? '\xa9' : '\xc3');
	while (off < len) {
		n = irc_split(text + off, len - off, 400, &next);
		memcpy(piece, text + off, n);
		piece[n] = '\0';
		m.params[1] = piece;
		assert_true(irc_build(out, sizeof out, &m) <= IRC_LINE_MAX);
		off += next;
		lines++;
	}
	assert_true(lines >= 250 && lines < 300);
	free(text);
}

static void
test_nick_valid(void **state)
{
	(void)state;
	assert_true(irc_nick_valid("alice", 9));
	assert_true(irc_nick_valid("[away]`_^{|}\\", 30));
	assert_true(irc_nick_valid("a-1", 9));
	assert_true(irc_nick_valid("a", 1));
	assert_false(irc_nick_valid("", 9));
	assert_false(irc_nick_valid("1abc", 9));
	assert_false(irc_nick_valid("-abc", 9));
	assert_false(irc_nick_valid("ab cd", 9));
	assert_false(irc_nick_valid("ab,cd", 9));
	assert_false(irc_nick_valid("#chan", 9));
	assert_false(irc_nick_valid("\xc3\xa9", 9));
	assert_false(irc_nick_valid("abcdefghij", 9));
	assert_true(irc_nick_valid("abcdefghi", 9));
}

/* IRC lines with CRLF and LF, cut at every offset, then parsed. */
static void
test_framing_every_split(void **state)
{
	static const char	 s[] = "CAP LS 302\r\nNICK alice\nUSER a 0 * "
	    ":A\r\n\r\n@label=x PRIVMSG bob :hi :)\r\n   \nQUIT :bye\n";
	static const char	*cmds[] = { "CAP", "NICK", "USER", "",
	    "PRIVMSG", "", "QUIT" };
	struct linebuf		 lb;
	struct irc_msg		 m;
	char			*line;
	size_t			 i, len, k, part, seen;

	(void)state;
	for (i = 0; i <= strlen(s); i++) {
		linebuf_init(&lb, IRC_LINE_MAX - 2);
		seen = 0;
		for (part = 0; part < 2; part++) {
			k = part == 0 ? 0 : i;
			len = part == 0 ? i : strlen(s) - i;
			assert_int_equal(linebuf_feed(&lb, s + k, len), len);
			while (linebuf_next(&lb, &line, &len) ==
			    LINEBUF_LINE) {
				if (*cmds[seen] == '\0')
					assert_int_equal(irc_parse(line, &m),
					    IRC_PARSE_EMPTY);
				else {
					assert_int_equal(irc_parse(line, &m),
					    IRC_PARSE_OK);
					assert_string_equal(m.command,
					    cmds[seen]);
				}
				seen++;
			}
		}
		assert_int_equal(seen, 7);
		linebuf_free(&lb);
	}
}

/*
 * NUL inside a line (issue 10, defect 5): linebuf hands the whole line on,
 * irc_parse() stops at the NUL ("a"), irc_parse_len() drops the NUL and
 * keeps the rest, however the bytes arrive.
 */
static void
test_parse_len_nul(void **state)
{
	static const char	 wire[] = "PRIVMSG echobot :a\0b c\r\n";
	struct linebuf		 lb;
	struct irc_msg		 m;
	char			*line, copy[64];
	size_t			 len, cut;

	(void)state;
	for (cut = 0; cut < sizeof wire - 1; cut++) {
		linebuf_init(&lb, 510);
		assert_int_equal(linebuf_feed(&lb, wire, cut), cut);
		assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_NONE);
		assert_int_equal(linebuf_feed(&lb, wire + cut,
		    sizeof wire - 1 - cut), sizeof wire - 1 - cut);
		assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_LINE);
		assert_int_equal(len, 22);
		memcpy(copy, line, len + 1);
		assert_int_equal(irc_parse(copy, &m), IRC_PARSE_OK);
		assert_string_equal(m.params[1], "a");	/* the old loss */
		assert_int_equal(irc_parse_len(line, len, &m), IRC_PARSE_OK);
		assert_string_equal(m.command, "PRIVMSG");
		assert_int_equal(m.nparams, 2);
		assert_string_equal(m.params[0], "echobot");
		assert_string_equal(m.params[1], "ab c");
		linebuf_free(&lb);
	}
}

/* NUL, CR and LF anywhere: in the command, middles, tags; only NULs. */
static void
test_parse_len_strips(void **state)
{
	char		l1[] = "PRIV\0MSG b\0ob :x\ry\0", l2[] = "\0\0\0";
	char		l3[] = "@a=\0b :n\0ick P\0ING :t", l4[] = "PING :\0";
	char		l5[] = "NICK al\0ice";
	struct irc_msg	m;

	(void)state;
	assert_int_equal(irc_parse_len(l1, sizeof l1 - 1, &m), IRC_PARSE_OK);
	assert_string_equal(m.command, "PRIVMSG");
	assert_string_equal(m.params[0], "bob");
	assert_string_equal(m.params[1], "xy");
	assert_int_equal(irc_parse_len(l2, sizeof l2 - 1, &m),
	    IRC_PARSE_EMPTY);
	assert_int_equal(irc_parse_len(l3, sizeof l3 - 1, &m), IRC_PARSE_OK);
	assert_string_equal(m.tags, "a=b");
	assert_string_equal(m.prefix, "nick");
	assert_string_equal(m.command, "PING");
	assert_int_equal(irc_parse_len(l4, sizeof l4 - 1, &m), IRC_PARSE_OK);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "");
	assert_int_equal(irc_parse_len(l5, sizeof l5 - 1, &m), IRC_PARSE_OK);
	assert_string_equal(m.params[0], "alice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_tags_bound),
		cmocka_unit_test(test_tag_next),
		cmocka_unit_test(test_tag_no_key),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_build_bounds),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_prefers_space),
		cmocka_unit_test(test_split_long_privmsg),
		cmocka_unit_test(test_nick_valid),
		cmocka_unit_test(test_framing_every_split),
		cmocka_unit_test(test_parse_len_nul),
		cmocka_unit_test(test_parse_len_strips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
