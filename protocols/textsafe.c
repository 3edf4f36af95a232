/*
 * Terminal-safe text: what a chat user sends reaches irssi, WeeChat or ii's
 * `cat` as characters, never as commands. The stand-in is U+FFFD rather than
 * caret notation (^[): one column wide in any UTF-8 terminal, so widths stay
 * predictable, it cannot be mistaken for text the sender typed, and one
 * character per bad byte keeps the worst case at three bytes per byte.
 * Invalid UTF-8 is replaced too (each byte utf8_char_len() calls a character
 * of its own): a lenient decoder could read an overlong C0 9B as ESC.
 */
#include <string.h>

#include "textsafe.h"
#include "utf8.h"

/* mIRC formatting: bold, colour, reset, monospace, reverse, italics... */
#define TEXTSAFE_FORMAT	((1u << 0x02) | (1u << 0x03) | (1u << 0x0f) | \
	(1u << 0x11) | (1u << 0x16) | (1u << 0x1d) | (1u << 0x1e) | \
	(1u << 0x1f))
#define TEXTSAFE_CTCP	'\001'

enum textsafe_act {
	TEXTSAFE_KEEP,		/* copy the character */
	TEXTSAFE_SPACE,		/* TAB: its width depends on the column */
	TEXTSAFE_REPLACE	/* one U+FFFD for the whole character */
};

/* Snprintf-like output that only ever stores whole characters. */
struct textsafe_out {
	char	*buf;
	size_t	 size;
	size_t	 stored;	/* bytes in buf */
	size_t	 len;		/* bytes the whole output takes */
};

static enum textsafe_act textsafe_act(const char *, size_t, int, size_t *);
static size_t	textsafe_span(const char *, size_t, size_t, int, int);
static void	textsafe_put(struct textsafe_out *, const char *, size_t);
static size_t	textsafe_run(char *, size_t, const char *, size_t, int);

/*
 * What becomes of the character at s (len bytes left); *n is its length.
 * name: the stricter rules of textsafe_name().
 */
static enum textsafe_act
textsafe_act(const char *s, size_t len, int name, size_t *n)
{
	unsigned char	c = (unsigned char)s[0];

	*n = 1;
	if (c >= 0x20 && c < 0x7f)
		return name && c == ' ' ? TEXTSAFE_REPLACE : TEXTSAFE_KEEP;
	if (c == '\t' && !name)
		return TEXTSAFE_SPACE;
	if (c < 0x20)
		return !name && ((TEXTSAFE_FORMAT >> c) & 1) ? TEXTSAFE_KEEP :
		    TEXTSAFE_REPLACE;
	if (c == 0x7f)
		return TEXTSAFE_REPLACE;
	if ((*n = utf8_char_len(s, len)) == 1)
		return TEXTSAFE_REPLACE;	/* not UTF-8: raw C1 too */
	/* U+0080..U+009F (C1 as UTF-8) is C2 80..C2 9F */
	if (c == 0xc2 && (unsigned char)s[1] < 0xa0)
		return TEXTSAFE_REPLACE;
	return TEXTSAFE_KEEP;
}

/*
 * End of the run from src[from] on that is kept as it is; ctcp: the \1
 * at either end of src is kept too.
 */
static size_t
textsafe_span(const char *src, size_t srclen, size_t from, int name,
    int ctcp)
{
	size_t	i = from, n;

	while (i < srclen) {
		/* the common case first: printable ASCII is kept as it is */
		if ((unsigned char)src[i] < 0x7f && !(ctcp && i == 0) &&
		    ((unsigned char)src[i] > 0x20 ||
		    (src[i] == ' ' && !name))) {
			i++;
			continue;
		}
		if (ctcp && (i == 0 || i == srclen - 1))
			n = 1;
		else if (textsafe_act(src + i, srclen - i, name, &n) !=
		    TEXTSAFE_KEEP)
			break;
		i += n;
	}
	return i;
}

/* Append whole characters s[0..n); once one does not fit, store no more. */
static void
textsafe_put(struct textsafe_out *o, const char *s, size_t n)
{
	size_t	fit;

	if (o->stored == o->len && o->size > 0) {
		fit = o->size - 1 - o->stored;
		if (n > fit)
			fit = utf8_cut(s, n, fit);
		else
			fit = n;
		if (fit > 0)
			memcpy(o->buf + o->stored, s, fit);
		o->stored += fit;
	}
	o->len += n;
}

/* Runs of kept characters, each followed by a space or a stand-in. */
static size_t
textsafe_run(char *dst, size_t dstlen, const char *src, size_t srclen,
    int name)
{
	struct textsafe_out	o = { dst, dstlen, 0, 0 };
	int			ctcp = !name &&
				    textsafe_is_action(src, srclen);
	size_t			i = 0, end, n;

	for (;;) {
		end = textsafe_span(src, srclen, i, name, ctcp);
		textsafe_put(&o, src + i, end - i);	/* fast path: all */
		if (end == srclen)
			break;
		if (textsafe_act(src + end, srclen - end, name, &n) ==
		    TEXTSAFE_SPACE)
			textsafe_put(&o, " ", 1);
		else
			textsafe_put(&o, TEXTSAFE_REPL, TEXTSAFE_REPL_LEN);
		i = end + n;
	}
	if (dstlen > 0)
		dst[o.stored] = '\0';
	return o.len;
}

size_t
textsafe_text(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	return textsafe_run(dst, dstlen, src, srclen, 0);
}

size_t
textsafe_text_span(const char *src, size_t srclen)
{
	return textsafe_span(src, srclen, 0, 0,
	    textsafe_is_action(src, srclen));
}

size_t
textsafe_name(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	return textsafe_run(dst, dstlen, src, srclen, 1);
}

size_t
textsafe_name_span(const char *src, size_t srclen)
{
	return textsafe_span(src, srclen, 0, 1, 0);
}

int
textsafe_is_action(const char *src, size_t srclen)
{
	/* CTCP: \1 tag [SPACE params] \1; "\1ACTION\1" is 8 bytes */
	if (srclen < 8 || src[0] != TEXTSAFE_CTCP ||
	    src[srclen - 1] != TEXTSAFE_CTCP ||
	    memcmp(src + 1, "ACTION", 6) != 0)
		return 0;
	if (srclen > 8 && src[7] != ' ')
		return 0;
	return memchr(src + 1, TEXTSAFE_CTCP, srclen - 2) == NULL;
}
