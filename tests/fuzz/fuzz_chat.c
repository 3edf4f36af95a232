/*
 * Fuzz the chat side: linebuf framing of arbitrary chunks, checked against
 * a plain split on LF, then both chat parsers on every line, rebuilding
 * and reparsing what parsed. Input: a byte for the line bound, a seed for
 * chunk sizes, then the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "linebuf.h"

#define FUZZ_CHECK(x)	do { if (!(x)) abort(); } while (0)

struct ref {			/* the reference framer: a plain split */
	const uint8_t	*p;
	size_t		 n;
	size_t		 max;
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	ref_next(struct ref *, const uint8_t **, size_t *);
static void	check_line(const char *, size_t);
static void	check_parsed(const struct chat_msg *, int);
static void	check_list(const char *);

/* Next LF-terminated segment: 1 line, 2 too long, 0 at the end. */
static int
ref_next(struct ref *r, const uint8_t **line, size_t *len)
{
	const uint8_t	*lf = memchr(r->p, '\n', r->n);
	size_t		 n;

	if (lf == NULL)
		return 0;
	n = (size_t)(lf - r->p);
	*line = r->p;
	r->p += n + 1;
	r->n -= n + 1;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	return n > r->max ? 2 : 1;
}

/* Walk a WHO-OK list: names are non-empty and hold no comma. */
static void
check_list(const char *text)
{
	char	*copy = strdup(text), *cur = copy, *name;

	FUZZ_CHECK(copy != NULL);
	while ((name = chat_list_next(&cur)) != NULL) {
		FUZZ_CHECK(*name != '\0' && strchr(name, ',') == NULL);
		(void)chat_name_valid(name, strlen(name), CHAT_NAME_MAX);
	}
	free(copy);
}

/*
 * Rebuild a parsed message and parse it again: the same message comes
 * back, unless the line ends in CR, which any CR-tolerant peer drops.
 */
static void
check_parsed(const struct chat_msg *m, int server)
{
	struct chat_msg	 again;
	char		*buf;
	size_t		 size, n;
	int		 r;

	FUZZ_CHECK(chat_type_name(m->type) != NULL);
	if (m->name != NULL)
		FUZZ_CHECK(chat_name_valid(m->name, strlen(m->name), 1 << 20) ==
		    (strspn(m->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
		    "KLMNOPQRSTUVWXYZ0123456789") == strlen(m->name)));
	size = 32 + m->text_len + (m->name != NULL ? strlen(m->name) : 0);
	FUZZ_CHECK((buf = malloc(size)) != NULL);
	n = chat_build(buf, size, m->type, m->name, m->text, m->text_len);
	FUZZ_CHECK(n < size && n > 0 && buf[n - 1] == '\n');
	FUZZ_CHECK(memchr(buf, '\n', n - 1) == NULL);
	if (n >= 2 && buf[n - 2] == '\r') {
		free(buf);
		return;
	}
	buf[n - 1] = '\0';
	r = server ? chat_parse_server(buf, n - 1, &again) :
	    chat_parse_client(buf, n - 1, &again);
	FUZZ_CHECK(r == CHAT_PARSE_OK && again.type == m->type);
	FUZZ_CHECK((again.name == NULL) == (m->name == NULL));
	if (m->name != NULL)
		FUZZ_CHECK(strcmp(again.name, m->name) == 0);
	FUZZ_CHECK(again.text_len == m->text_len);
	if (m->text_len > 0)
		FUZZ_CHECK(memcmp(again.text, m->text, m->text_len) == 0);
	free(buf);
}

/* Both parsers on their own copy of one framed line. */
static void
check_line(const char *line, size_t len)
{
	struct chat_msg	 m;
	char		*copy;
	int		 side, r;

	for (side = 0; side < 2; side++) {
		FUZZ_CHECK((copy = malloc(len + 1)) != NULL);
		memcpy(copy, line, len + 1);
		r = side ? chat_parse_server(copy, len, &m) :
		    chat_parse_client(copy, len, &m);
		FUZZ_CHECK(r == CHAT_PARSE_OK || r == CHAT_PARSE_BAD_HEADER ||
		    r == CHAT_PARSE_BAD_BODY);
		FUZZ_CHECK((r == CHAT_PARSE_BAD_HEADER) ==
		    (m.type == CHAT_NONE));
		if (r == CHAT_PARSE_OK) {
			if (m.type == CHAT_WHO_OK || m.type == CHAT_LIST_OK)
				check_list(m.text);
			check_parsed(&m, side);
		}
		free(copy);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf		 lb;
	struct ref		 ref;
	enum linebuf_result	 r;
	const uint8_t		*want;
	char			*line;
	size_t			 max, step, off = 0, k, len, wlen;
	unsigned		 seed;

	if (size < 2)
		return 0;
	max = 1 + (size_t)data[0] * data[0] / 64;	/* 1..1017 */
	seed = data[1];
	data += 2;
	size -= 2;
	linebuf_init(&lb, max);
	ref = (struct ref){ data, size, max };
	while (off < size) {
		seed = seed * 1103515245u + 12345u;
		step = 1 + (seed >> 16) % 64;
		k = linebuf_feed(&lb, data + off,
		    size - off < step ? size - off : step);
		FUZZ_CHECK(k != (size_t)-1 && lb.cap <= max + 2);
		off += k;
		while ((r = linebuf_next(&lb, &line, &len)) != LINEBUF_NONE) {
			FUZZ_CHECK((int)r == ref_next(&ref, &want, &wlen));
			if (r == LINEBUF_TOO_LONG)
				continue;
			FUZZ_CHECK(len == wlen && line[len] == '\0' &&
			    memcmp(line, want, len) == 0);
			check_line(line, len);
		}
	}
	FUZZ_CHECK(ref_next(&ref, &want, &wlen) == 0);
	linebuf_free(&lb);
	return 0;
}
