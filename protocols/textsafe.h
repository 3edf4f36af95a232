/*
 * Network text made safe to show: chat users' message texts and names are
 * rewritten so they can never drive a terminal (ESC sequences, C0 and C1
 * controls, BS, DEL, invalid UTF-8). Pure: the gateway decides where.
 */
#ifndef TEXTSAFE_H
#define TEXTSAFE_H

#include <stddef.h>

/* The visible stand-in, U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define TEXTSAFE_REPL		"\xef\xbf\xbd"
#define TEXTSAFE_REPL_LEN	3
/*
 * Most output bytes n input bytes can give, NUL apart: every input byte
 * may become one U+FFFD. A dst of TEXTSAFE_MAX(n) + 1 always suffices.
 */
#define TEXTSAFE_MAX(n)		((n) * TEXTSAFE_REPL_LEN)

/*
 * Rewrite a message text src[0..srclen) into dst (dstlen bytes, NUL
 * included). Kept: printable ASCII, valid UTF-8 other than U+0080..U+009F,
 * the IRC formatting codes \x02 \x03 \x0f \x11 \x16 \x1d \x1e \x1f and the
 * two \x01 of a well-formed "\x01ACTION ...\x01". TAB becomes a space.
 * Everything else becomes one U+FFFD per character, or per byte of
 * invalid UTF-8: ESC (so no CSI, OSC, DCS... can start), the other C0
 * controls (NUL, CR and LF included), DEL, raw 0x80..0xff bytes that are
 * not valid UTF-8, U+0080..U+009F, and every other \x01.
 * The output is valid UTF-8 with no NUL, CR or LF, and is empty only when
 * srclen is 0 (a lone "\x01" becomes U+FFFD). Returns its length as
 * snprintf does; when that is >= dstlen, dst holds the longest prefix of
 * whole characters that fits, NUL-terminated.
 */
size_t	textsafe_text(char *dst, size_t dstlen, const char *src,
	    size_t srclen);
/*
 * Length of the leading part of src that textsafe_text() leaves as is:
 * srclen means there is nothing to rewrite (the hot path needs no copy).
 */
size_t	textsafe_text_span(const char *src, size_t srclen);

/*
 * The same for a name shown to a user (a nick, a user name in a
 * sentence): stricter, as a name has no business with formatting, CTCP or
 * spaces. Every C0 control (formatting codes, \x01 and TAB included),
 * space and DEL also become U+FFFD, so the output is one IRC word.
 */
size_t	textsafe_name(char *dst, size_t dstlen, const char *src,
	    size_t srclen);
size_t	textsafe_name_span(const char *src, size_t srclen);

/*
 * 1 if src[0..srclen) is a well-formed CTCP ACTION: "\x01ACTION\x01" or
 * "\x01ACTION text\x01" with no other \x01.
 */
int	textsafe_is_action(const char *src, size_t srclen);

#endif
