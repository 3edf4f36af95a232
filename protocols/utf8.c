/*
 * UTF-8 validity and character boundaries for cutting text; an invalid
 * byte is a character of its own, so cutting never drops a byte.
 */
#include "utf8.h"

static size_t	utf8_seq_len(const unsigned char *, size_t);

/*
 * Length of the valid sequence at s, or 0. RFC 3629 table 4: the second
 * byte's range depends on the first (no overlongs, surrogates or values
 * past U+10FFFF).
 */
static size_t
utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (len > 0) {
		if ((n = utf8_seq_len(p, len)) == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

size_t
utf8_char_len(const char *s, size_t len)
{
	size_t	n;

	if (len == 0)
		return 0;
	n = utf8_seq_len((const unsigned char *)s, len);
	return n == 0 ? 1 : n;
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	n = 0, c;

	if (max >= len)
		return len;
	while (n < max) {
		c = utf8_char_len(s + n, len - n);
		if (n + c > max)
			break;
		n += c;
	}
	return n;
}
