/*
 * Bounded line framer: feed byte chunks in, take complete LF-terminated lines
 * out. It never holds more than one line's bound; an overlong line is
 * discarded and reported instead of growing the buffer. No I/O.
 */
#ifndef LINEBUF_H
#define LINEBUF_H

#include <stddef.h>

struct linebuf {
	char	*buf;		/* lazily allocated, grows up to max + 2 */
	size_t	 cap;		/* bytes allocated */
	size_t	 off;		/* first unconsumed byte */
	size_t	 len;		/* end of held data */
	size_t	 max;		/* longest line accepted, LF (and CR) excluded */
	size_t	 skipped;	/* bytes discarded of the current overlong line */
	int	 skipping;	/* discarding until the next LF */
	size_t	 scanned;	/* bytes after off known to hold no LF */
};

enum linebuf_result {
	LINEBUF_NONE = 0,	/* no complete line: feed more */
	LINEBUF_LINE,		/* *line, *len hold one line */
	LINEBUF_TOO_LONG	/* a line over max ended and was discarded */
};

/* Set up an empty framer for lines of at most max bytes. */
void	linebuf_init(struct linebuf *, size_t max);
/*
 * Release the buffer; the framer may be initialised again. The buffer is
 * also released whenever linebuf_next() finds it empty, so an idle framer
 * holds no memory.
 */
void	linebuf_free(struct linebuf *);
/*
 * Take up to n bytes; returns how many were taken (less than n once a
 * full line's worth is held: take lines out, then feed the rest).
 * Returns (size_t)-1 if memory could not be allocated.
 */
size_t	linebuf_feed(struct linebuf *, const void *, size_t n);
/*
 * Next complete line. The LF and one CR before it are removed and the line
 * is NUL-terminated in place; it stays valid until the next feed or next.
 */
enum linebuf_result linebuf_next(struct linebuf *, char **line, size_t *len);
/* Bytes held that are not yet a complete line. */
size_t	linebuf_pending(const struct linebuf *);

#endif
