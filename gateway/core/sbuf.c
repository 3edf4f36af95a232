/*
 * sbuf: a line built in a caller's fixed buffer without printf (the
 * message path shows each message to each client: snprintf's format
 * parsing was an eighth of the loop's time). Always terminated; what
 * does not fit is cut, and len still counts it, as snprintf's return.
 */
#include <string.h>

#include "core.h"

void
sbuf_init(struct sbuf *b, char *buf, size_t size)
{
	b->buf = buf;
	b->size = size;
	b->len = 0;
	if (size > 0)
		buf[0] = '\0';
}

/* Append len bytes of s. */
void
sbuf_add(struct sbuf *b, const char *s, size_t len)
{
	size_t	room;

	if (b->len + 1 < b->size) {
		room = b->size - 1 - b->len;
		memcpy(b->buf + b->len, s, len < room ? len : room);
		b->buf[b->len + (len < room ? len : room)] = '\0';
	}
	b->len += len;
}

void
sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_chr(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}
