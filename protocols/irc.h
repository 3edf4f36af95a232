/*
 * IRC messages: parse and build lines with IRCv3 tags, prefix, command and
 * up to 15 parameters; split long text for PRIVMSG; validate nicks.
 * No I/O: the gateway frames and writes.
 */
#ifndef IRC_H
#define IRC_H

#include <stddef.h>

#define IRC_LINE_MAX	512	/* RFC 1459 2.3: CR LF included, tags apart */
#define IRC_TAGS_MAX	8191	/* IRCv3 message-tags: '@' through space */
#define IRC_LABEL_MAX	64	/* labeled-response: longer ones ignored */
#define IRC_PARAMS_MAX	15	/* RFC 2812 2.3.1 */

struct irc_msg {
	char	*tags;		/* raw tag string after '@', or NULL */
	char	*prefix;	/* source after ':', or NULL */
	char	*command;	/* as sent; irc_parse upper-cases letters */
	int	 nparams;
	char	*params[IRC_PARAMS_MAX];
};

enum irc_parse_result {
	IRC_PARSE_OK = 0,
	IRC_PARSE_EMPTY,	/* nothing but spaces (clients send these) */
	IRC_PARSE_NO_COMMAND,	/* tags or prefix and nothing after */
	IRC_PARSE_BAD_COMMAND,	/* not letters, nor three digits */
	IRC_PARSE_TAGS_TOO_LONG
};

/*
 * Parse one line (CR LF already removed) in place. The 15th parameter
 * takes the rest of the line (RFC 2812 2.3.1). An empty trailing
 * parameter (":" at the end) counts as a parameter.
 */
enum irc_parse_result irc_parse(char *line, struct irc_msg *);

/*
 * irc_parse() for a line of len bytes that may hold NUL (linebuf hands
 * such lines on whole): CR, LF and NUL are removed first, as irc_strip()
 * does, so "PRIVMSG x :a\0b c" reads "ab c" where irc_parse() would stop
 * at "a". line[len] must be writable (linebuf's NUL is there).
 */
enum irc_parse_result irc_parse_len(char *line, size_t len, struct irc_msg *);

/*
 * Walk the tags of a parsed message: returns 1 with *key and *value
 * (value unescaped in place, "" when absent), 0 at the end. Empty
 * entries and entries with an empty key are skipped.
 */
int	irc_tag_next(char **cursor, char **key, char **value);

/*
 * Build "[@tags ][:prefix ]COMMAND p1 ... :last\r\n" into buf. The last
 * parameter gets ':' when it is empty, has a space or starts with ':'.
 * CR, LF and NUL inside any field are dropped. Returns the length
 * (CR LF included) as snprintf does, or (size_t)-1 when a parameter
 * other than the last has a space or starts with ':' or is empty.
 */
size_t	irc_build(char *buf, size_t size, const struct irc_msg *);

/* Remove CR, LF and NUL from s[0..len) in place; returns the new length. */
size_t	irc_strip(char *s, size_t len);

/*
 * Cut point for sending text[0..len) in pieces of at most max bytes:
 * returns the first piece's length (> 0 when len > 0) and sets *next to
 * where the following piece starts. Never cuts inside a UTF-8 sequence;
 * prefers to cut after a space when one lies in the second half of the
 * piece (the space ends the piece, nothing is lost).
 * The space cut at is in neither piece: *next is one past it, so the
 * pieces joined by the spaces between them give back the text. A max
 * below the first character's length yields that one character.
 */
size_t	irc_split(const char *text, size_t len, size_t max, size_t *next);

/*
 * 1 if nick is a valid IRC nick of at most max bytes: a letter or one
 * of []\`_^{|} first, then those, digits and '-'.
 */
int	irc_nick_valid(const char *nick, size_t max);

#endif
