/*
 * CASEMAPPING=ascii: only A-Z fold to a-z, so the folded form of a valid
 * nick is as long as the nick and no locale is involved.
 */
#include <string.h>

#include "casemap.h"

static int	casemap_lower(int);

static int
casemap_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
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
