/*
 * Nick case folding as advertised in ISUPPORT CASEMAPPING=ascii.
 */
#ifndef CASEMAP_H
#define CASEMAP_H

#include <stddef.h>

/*
 * Fold src into dst (size bytes, NUL included). Returns 0, or -1 when
 * src does not fit (dst is then an empty string).
 */
int	casemap_fold(char *dst, size_t size, const char *src);
/* strcmp() of the folded forms. */
int	casemap_cmp(const char *, const char *);

#endif
