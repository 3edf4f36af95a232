/*
 * Upstream names <-> IRC nicks. Upstream names are case-sensitive
 * [a-zA-Z0-9]+; IRC nicks fold case (CASEMAPPING=ascii) and may not start
 * with a digit. The mapping, reversible and case-proof:
 *   lower-case letters and digits map to themselves,
 *   an upper-case letter X becomes "_x",
 *   a leading digit gets a "_" in front.
 * So "bob" is bob, "Bob" is _bob, "BoB" is _bo_b, "7up" is _7up: every
 * upstream user has exactly one nick, whatever case a client types it in.
 * "_" never occurs in an upstream name, so nothing is ambiguous.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/*
 * The upstream name behind an IRC nick (any case): 0, or -1 when no
 * upstream name maps to it.
 */
int
names_to_upstream(const char *nick, char *out, size_t size)
{
	return casemap_to_name(out, size, nick);
}

/* The IRC nick of an upstream name: 0, or -1 if not a name or too long. */
int
names_from_upstream(const char *name, char *out, size_t size)
{
	return casemap_to_nick(out, size, name);
}

/* Length of the upstream name behind nick, unbounded; 0: it has none. */
size_t
names_upstream_len(const char *nick)
{
	char	name[CHAT_NAME_MAX + 1];

	return casemap_to_name_cut(name, sizeof name, nick);
}

/*
 * The stem of login names for a requested nick: its upstream name when
 * it has one (cut to CHAT_NAME_MAX), else its letters and digits (lower
 * case), else "user".
 */
void
names_login_base(const char *nick, char *out, size_t size)
{
	size_t	o = 0;

	if (casemap_to_name_cut(out, size, nick) > 0)
		return;		/* its name, cut to what the server takes */
	for (; *nick != '\0' && o + 1 < size; nick++)
		if (isalnum((unsigned char)*nick))
			out[o++] = (char)tolower((unsigned char)*nick);
	out[o] = '\0';
	if (o == 0)
		snprintf(out, size, "user");
}

/*
 * Login name number n for a stem: the stem, then stem2, stem3...; past
 * a few, a pseudo-random 4-digit suffix. The stem is cut so that the
 * name stays within size.
 */
int
names_candidate(const char *base, int n, char *out, size_t size)
{
	char		suffix[16];
	size_t		blen = strlen(base), slen;
	unsigned	r;

	if (n == 0)
		suffix[0] = '\0';
	else if (n < 8)
		snprintf(suffix, sizeof suffix, "%d", n + 1);
	else {
		r = (unsigned)(random() % 9000) + 1000;
		snprintf(suffix, sizeof suffix, "%u", r);
	}
	slen = strlen(suffix);
	if (slen + 1 >= size)
		return -1;
	if (blen + slen + 1 > size)
		blen = size - slen - 1;
	snprintf(out, size, "%.*s%s", (int)blen, base, suffix);
	return 0;
}
