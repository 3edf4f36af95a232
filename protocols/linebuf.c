/*
 * Bounded line framer. Memory never exceeds max + 2 bytes (a longest line,
 * CR, LF): an overlong line is dropped while it arrives and reported once
 * its LF comes. Each byte is searched for LF once, however it is fed.
 */
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

#define LINEBUF_MIN	256	/* first allocation, unless the bound is less */

static size_t	linebuf_limit(const struct linebuf *);
static int	linebuf_reserve(struct linebuf *, size_t);
static void	linebuf_release(struct linebuf *);
static size_t	linebuf_skip(struct linebuf *, const char *, size_t);

/* Bytes held at most: a line of max bytes, CR and LF. */
static size_t
linebuf_limit(const struct linebuf *lb)
{
	return lb->max + 2;
}

/* Make room for need bytes from buf, doubling up to the limit. */
static int
linebuf_reserve(struct linebuf *lb, size_t need)
{
	size_t	 cap;
	char	*p;

	if (need <= lb->cap)
		return 0;
	cap = lb->cap > 0 ? lb->cap : LINEBUF_MIN;
	while (cap < need)
		cap *= 2;
	if (cap > linebuf_limit(lb))
		cap = linebuf_limit(lb);
	if ((p = realloc(lb->buf, cap)) == NULL)
		return -1;
	lb->buf = p;
	lb->cap = cap;
	return 0;
}

static void
linebuf_release(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->cap = lb->off = lb->len = lb->scanned = 0;
}

/* While an overlong line goes by with nothing held: drop up to its LF. */
static size_t
linebuf_skip(struct linebuf *lb, const char *p, size_t n)
{
	const char	*lf;
	size_t		 drop;

	if (!lb->skipping || lb->len > lb->off)
		return 0;
	lf = memchr(p, '\n', n);
	drop = lf != NULL ? (size_t)(lf - p) : n;
	lb->skipped += drop;
	return drop;
}

void
linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof *lb);
	lb->max = max;
}

void
linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof *lb);
}

size_t
linebuf_feed(struct linebuf *lb, const void *data, size_t n)
{
	const char	*p = data;
	size_t		 taken, room;

	taken = linebuf_skip(lb, p, n);
	p += taken;
	n -= taken;
	if (lb->off > 0) {
		memmove(lb->buf, lb->buf + lb->off, lb->len - lb->off);
		lb->len -= lb->off;
		lb->off = 0;
	}
	room = linebuf_limit(lb) - lb->len;
	if (n > room)
		n = room;
	if (n == 0)
		return taken;
	if (linebuf_reserve(lb, lb->len + n) == -1)
		return (size_t)-1;
	memcpy(lb->buf + lb->len, p, n);
	lb->len += n;
	return taken + n;
}

enum linebuf_result
linebuf_next(struct linebuf *lb, char **line, size_t *len)
{
	size_t	 held = lb->len - lb->off, n;
	char	*start, *lf;

	if (held == 0) {
		linebuf_release(lb);
		return LINEBUF_NONE;
	}
	if (lb->skipping) {		/* held data starts with its LF */
		lb->off++;
		lb->skipping = 0;
		return LINEBUF_TOO_LONG;
	}
	start = lb->buf + lb->off;
	lf = memchr(start + lb->scanned, '\n', held - lb->scanned);
	if (lf == NULL) {
		lb->scanned = held;
		if (held >= linebuf_limit(lb)) {
			lb->skipping = 1;
			lb->skipped = held;
			linebuf_release(lb);
		}
		return LINEBUF_NONE;
	}
	n = (size_t)(lf - start);
	lb->off += n + 1;
	lb->scanned = 0;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (n > lb->max) {
		lb->skipped = (size_t)(lf - start);
		return LINEBUF_TOO_LONG;
	}
	start[n] = '\0';
	*line = start;
	*len = n;
	return LINEBUF_LINE;
}

size_t
linebuf_pending(const struct linebuf *lb)
{
	size_t	i = lb->len;

	while (i > lb->off && lb->buf[i - 1] != '\n')
		i--;
	return lb->len - i;
}
