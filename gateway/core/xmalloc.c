/*
 * Allocation that cannot fail: out of memory ends the process, since no
 * caller could do better.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* malloc() or die. */
void *
xmalloc(size_t n)
{
	void	*p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("malloc %zu", n);
	return p;
}

/* calloc() or die. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("calloc %zu*%zu", n, size);
	return p;
}

/* strdup() or die. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* A NUL-terminated copy of s[0..n), or die. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* strlcat() (glibc before 2.38 lacks it): append, always terminated. */
size_t
xstrlcat(char *dst, const char *src, size_t size)
{
	size_t	dlen = strnlen(dst, size), slen = strlen(src);

	if (dlen == size)
		return size + slen;
	if (slen >= size - dlen) {
		memcpy(dst + dlen, src, size - dlen - 1);
		dst[size - 1] = '\0';
	} else
		memcpy(dst + dlen, src, slen + 1);
	return dlen + slen;
}
