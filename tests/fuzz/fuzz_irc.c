/*
 * Fuzz the IRC side: every LF-separated line is parsed as received, then
 * stripped of CR/LF/NUL, parsed, rebuilt and reparsed (the two parses must
 * agree, the two builds be equal), its tags walked; the raw input is
 * split as a PRIVMSG text and checked for lost or cut characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "irc.h"
#include "utf8.h"

#define FUZZ_CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_msg(const struct irc_msg *);
static void	check_same(const struct irc_msg *, const struct irc_msg *);
static void	check_tags(const char *);
static void	check_round_trip(const char *, size_t);
static void	check_split(const char *, size_t, size_t);
static void	check_misc(const char *);
static int	opt_equal(const char *, const char *);

/* What irc_parse promises about a parsed message. */
static void
check_msg(const struct irc_msg *m)
{
	const char	*c = m->command;
	int		 i;

	FUZZ_CHECK(m->nparams >= 0 && m->nparams <= IRC_PARAMS_MAX);
	FUZZ_CHECK(*c != '\0');
	if (*c >= '0' && *c <= '9')
		FUZZ_CHECK(strlen(c) == 3 && strspn(c, "0123456789") == 3);
	else
		FUZZ_CHECK(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
		    strlen(c));
	for (i = 0; i + 1 < m->nparams; i++)
		FUZZ_CHECK(*m->params[i] != '\0' && *m->params[i] != ':' &&
		    strchr(m->params[i], ' ') == NULL);
	if (m->tags != NULL)
		FUZZ_CHECK(strlen(m->tags) + 2 <= IRC_TAGS_MAX);
}

static int
opt_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_same(const struct irc_msg *a, const struct irc_msg *b)
{
	int	i;

	FUZZ_CHECK(opt_equal(a->tags, b->tags));
	FUZZ_CHECK(opt_equal(a->prefix, b->prefix));
	FUZZ_CHECK(strcmp(a->command, b->command) == 0);
	FUZZ_CHECK(a->nparams == b->nparams);
	for (i = 0; i < a->nparams; i++)
		FUZZ_CHECK(strcmp(a->params[i], b->params[i]) == 0);
}

/* Walk the tags: keys are never empty, values never longer than raw. */
static void
check_tags(const char *tags)
{
	char	*copy, *cur, *key, *value;
	size_t	 total = 0;

	FUZZ_CHECK((copy = strdup(tags)) != NULL);
	cur = copy;
	while (irc_tag_next(&cur, &key, &value)) {
		FUZZ_CHECK(*key != '\0' && strchr(key, ';') == NULL &&
		    strchr(key, '=') == NULL);
		total += strlen(key) + strlen(value);
		FUZZ_CHECK(total <= strlen(tags));
	}
	FUZZ_CHECK(*cur == '\0');
	free(copy);
}

/* Parse, build, reparse, rebuild a line already free of CR LF NUL. */
static void
check_round_trip(const char *line, size_t len)
{
	struct irc_msg	 a, b;
	char		*l1, *l2, *out1, *out2;
	size_t		 size = 2 * len + 64, n1, n2;

	FUZZ_CHECK((l1 = strdup(line)) != NULL);
	if (irc_parse(l1, &a) != IRC_PARSE_OK) {
		free(l1);
		return;
	}
	check_msg(&a);
	FUZZ_CHECK((out1 = malloc(size)) && (out2 = malloc(size)));
	n1 = irc_build(out1, size, &a);
	FUZZ_CHECK(n1 != (size_t)-1 && n1 < size && n1 >= 2);
	FUZZ_CHECK(memcmp(out1 + n1 - 2, "\r\n", 2) == 0);
	FUZZ_CHECK(strcspn(out1, "\r\n") == n1 - 2);
	FUZZ_CHECK((l2 = strndup(out1, n1 - 2)) != NULL);
	FUZZ_CHECK(irc_parse(l2, &b) == IRC_PARSE_OK);
	check_same(&a, &b);
	n2 = irc_build(out2, size, &b);
	FUZZ_CHECK(n1 == n2 && memcmp(out1, out2, n1) == 0);
	if (a.tags != NULL)
		check_tags(a.tags);
	free(l1);
	free(l2);
	free(out1);
	free(out2);
}

/* Pieces are never empty, never over max, never cut a character. */
static void
check_split(const char *text, size_t len, size_t max)
{
	size_t	off = 0, n, next, rebuilt = 0;

	while (off < len) {
		n = irc_split(text + off, len - off, max, &next);
		FUZZ_CHECK(n > 0 && (n <= max || n == utf8_char_len(text +
		    off, len - off)));
		FUZZ_CHECK(next == n || (next == n + 1 && text[off + n] ==
		    ' '));
		FUZZ_CHECK(utf8_cut(text + off, len - off, n) == n);
		rebuilt += next;
		off += next;
	}
	FUZZ_CHECK(off == len && rebuilt == len);
}

static void
check_misc(const char *s)
{
	char	folded[64], name[CHAT_NAME_MAX + 1], cut[CHAT_NAME_MAX + 1];
	size_t	full;

	if (irc_nick_valid(s, 30)) {
		FUZZ_CHECK(casemap_fold(folded, sizeof folded, s) == 0);
		FUZZ_CHECK(casemap_cmp(folded, s) == 0);
		FUZZ_CHECK(strlen(folded) == strlen(s));
	}
	/* the cut name: a prefix of the whole one, within the bound */
	full = casemap_to_name_cut(cut, sizeof cut, s);
	FUZZ_CHECK(strlen(cut) == (full < CHAT_NAME_MAX ? full :
	    CHAT_NAME_MAX));
	FUZZ_CHECK((casemap_to_name(name, sizeof name, s) == 0) ==
	    (full > 0 && full <= CHAT_NAME_MAX));
	if (full > 0 && full <= CHAT_NAME_MAX)
		FUZZ_CHECK(strcmp(name, cut) == 0);
	if (full > 0)
		FUZZ_CHECK(chat_name_valid(cut, strlen(cut), CHAT_NAME_MAX));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*buf, *line, *lf, *raw;
	struct irc_msg	 m;
	size_t		 len;

	if (size == 0)
		return 0;
	check_split((const char *)data + 1, size - 1, 1 + data[0] % 128);
	FUZZ_CHECK((buf = malloc(size + 1)) != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = buf; line != NULL; line = lf) {
		if ((lf = strchr(line, '\n')) != NULL)
			*lf++ = '\0';
		check_misc(line);
		raw = strdup(line);
		FUZZ_CHECK(raw != NULL);
		if (irc_parse(raw, &m) == IRC_PARSE_OK)
			check_msg(&m);
		free(raw);
		len = irc_strip(line, strlen(line));
		line[len] = '\0';
		check_round_trip(line, len);
	}
	free(buf);
	return 0;
}
