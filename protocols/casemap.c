/*
 * CASEMAPPING=ascii: only A-Z fold to a-z, so the folded form of a valid
 * nick is as long as the nick and no locale is involved. Chat names
 * ([a-zA-Z0-9]+, case-sensitive) map to nicks reversibly and case-proof:
 * a-z and digits stay, a capital X becomes "_x", a leading digit gets "_"
 * in front ("Bob" _bob, "BoB" _bo_b, "7up" _7up). "_" is in no chat name,
 * so every chat user has one nick of its own, in whatever case typed.
 *
 * NICKLEN (issue 10, defect 4): such a nick is up to twice the name, 128
 * bytes (CASEMAP_NICK_MAX), and that is what ISUPPORT must advertise. No
 * mapping could keep 64: folded nicks have 46 characters (35 first) where
 * names have 62, so telling every name of up to 64 apart takes nicks of
 * up to 70 bytes, and those would read as noise instead of "_bob".
 */
#include <string.h>

#include "casemap.h"

static int	casemap_lower(int);
static int	casemap_upper(int);
static int	casemap_digit(int);
static int	casemap_fail(char *, size_t);

static int
casemap_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
casemap_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int
casemap_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
casemap_fail(char *dst, size_t size)
{
	if (size > 0)
		dst[0] = '\0';
	return -1;
}

int
casemap_fold(char *dst, size_t size, const char *src)
{
	size_t	len = strlen(src), i;

	if (len >= size) {
		if (size > 0)
			dst[0] = '\0';
		return -1;
	}
	for (i = 0; i < len; i++)
		dst[i] = (char)casemap_lower((unsigned char)src[i]);
	dst[len] = '\0';
	return 0;
}

int
casemap_cmp(const char *a, const char *b)
{
	int	ca, cb;

	do {
		ca = casemap_lower((unsigned char)*a++);
		cb = casemap_lower((unsigned char)*b++);
	} while (ca == cb && ca != '\0');
	return ca - cb;
}

int
casemap_to_nick(char *dst, size_t size, const char *name)
{
	size_t	o = 0, len = strlen(name), i;
	int	c;

	if (!chat_name_valid(name, len, CHAT_NAME_MAX))
		return casemap_fail(dst, size);
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (o + 1 + (c >= 'A' && c <= 'Z') +
		    (i == 0 && casemap_digit(c)) >= size)
			return casemap_fail(dst, size);
		if ((c >= 'A' && c <= 'Z') || (i == 0 && casemap_digit(c)))
			dst[o++] = '_';
		dst[o++] = (char)casemap_lower(c);
	}
	dst[o] = '\0';
	return 0;
}

/*
 * Walk the chat name behind nick: store what fits in dst (size bytes),
 * count the rest. Returns its whole length, or 0 when no name maps to it.
 */
static size_t
casemap_name_walk(char *dst, size_t size, const char *nick)
{
	size_t	o = 0;
	int	c;

	for (; *nick != '\0'; nick++) {
		c = casemap_lower((unsigned char)*nick);
		if (c == '_') {
			c = (unsigned char)*++nick;
			if (c >= 'a' && c <= 'z')
				c = casemap_upper(c);
			else if (!(c >= 'A' && c <= 'Z') &&
			    !(o == 0 && casemap_digit(c)))
				return 0;
		} else if (casemap_digit(c) ? o == 0 : !(c >= 'a' && c <= 'z'))
			return 0;
		if (o + 1 < size)
			dst[o] = (char)c;
		o++;
	}
	if (size > 0)
		dst[o < size ? o : size - 1] = '\0';
	return o;
}

int
casemap_to_name(char *dst, size_t size, const char *nick)
{
	size_t	len = casemap_name_walk(dst, size, nick);

	if (len == 0 || len >= size || len > CHAT_NAME_MAX)
		return casemap_fail(dst, size);
	return 0;
}

size_t
casemap_to_name_cut(char *dst, size_t size, const char *nick)
{
	size_t	len;

	if (size > CHAT_NAME_MAX + 1)
		size = CHAT_NAME_MAX + 1;
	len = casemap_name_walk(dst, size, nick);
	if (len == 0)
		casemap_fail(dst, size);
	return len;
}
