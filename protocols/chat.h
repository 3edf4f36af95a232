/*
 * The chat protocol (HELLO-FROM / WHO / SEND / DELIVERY) in both dialects:
 * parsing lines into typed messages, building lines, validating names.
 * No I/O: callers frame lines with linebuf and write the bytes themselves.
 */
#ifndef CHAT_H
#define CHAT_H

#include <stddef.h>

#define CHAT_NAME_MAX	64	/* our bound; the reference server has none */

enum chat_type {
	CHAT_NONE = 0,
	/* client -> server */
	CHAT_HELLO_FROM,	/* HELLO-FROM <name> */
	CHAT_WHO,		/* WHO (original dialect) */
	CHAT_LIST,		/* LIST (newer dialect) */
	CHAT_SEND,		/* SEND <user> <text> */
	/* server -> client */
	CHAT_HELLO,		/* HELLO <name> */
	CHAT_IN_USE,
	CHAT_BUSY,
	CHAT_WHO_OK,		/* WHO-OK a,b,c */
	CHAT_LIST_OK,		/* LIST-OK a,b,c */
	CHAT_SEND_OK,
	CHAT_UNKNOWN,		/* original dialect */
	CHAT_BAD_DEST_USER,	/* newer dialect */
	CHAT_DELIVERY,		/* DELIVERY <user> <text> */
	CHAT_BAD_RQST_HDR,
	CHAT_BAD_RQST_BODY
};

enum chat_dialect {
	CHAT_DIALECT_UNKNOWN = 0,
	CHAT_DIALECT_ORIGINAL,	/* WHO, WHO-OK, UNKNOWN */
	CHAT_DIALECT_NEWER	/* LIST, LIST-OK, BAD-DEST-USER */
};

enum chat_parse_result {
	CHAT_PARSE_OK = 0,
	CHAT_PARSE_BAD_HEADER,	/* first word is no message of that side */
	CHAT_PARSE_BAD_BODY	/* arguments missing, extra or malformed */
};

struct chat_msg {
	enum chat_type	 type;
	char		*name;	/* HELLO-FROM, HELLO, SEND, DELIVERY; else NULL */
	char		*text;	/* SEND, DELIVERY text; WHO-OK/LIST-OK list */
	size_t		 text_len;
};

/*
 * Parse one line (no LF) in place: fields point into line, NUL-terminated.
 * _server parses what a server sends, _client what a client sends.
 * line[len] must be writable (linebuf's NUL); one trailing CR is ignored.
 * Keywords are case-sensitive. On BAD_BODY, type still names the message.
 * Bodies: a name is the rest of the line, not empty, with no space or NUL
 * (its characters are chat_name_valid()'s business, so "HELLO-FROM a!b"
 * parses); SEND/DELIVERY need "<name> <text>" with a non-empty text that
 * runs to the end of the line, spaces included; messages without
 * arguments take nothing after the keyword, not even a space; a
 * WHO-OK/LIST-OK list may be empty or absent (text is then "").
 */
enum chat_parse_result chat_parse_server(char *line, size_t len,
	    struct chat_msg *);
enum chat_parse_result chat_parse_client(char *line, size_t len,
	    struct chat_msg *);

/* The dialect a message belongs to, or CHAT_DIALECT_UNKNOWN if both. */
enum chat_dialect chat_type_dialect(enum chat_type);
/* Wire keyword of a type ("WHO-OK"), or NULL for CHAT_NONE. */
const char	*chat_type_name(enum chat_type);

/*
 * Build a line ending in LF into buf (NUL-terminated when it fits).
 * Returns the line's length as snprintf does: a result >= size means
 * it did not fit. name/text are used by the types that carry them;
 * for WHO-OK/LIST-OK text is the comma-separated list ("WHO-OK \n" when
 * empty). LF inside name or text is dropped; name should be valid.
 * CHAT_NONE builds nothing and returns 0.
 */
size_t	chat_build(char *buf, size_t size, enum chat_type,
	    const char *name, const char *text, size_t text_len);

/* 1 if name is 1..max bytes of [a-zA-Z0-9], else 0. */
int	chat_name_valid(const char *name, size_t len, size_t max);

/*
 * Walk a WHO-OK/LIST-OK list in place: returns the next name
 * (NUL-terminated, empty entries skipped) or NULL at the end.
 * *cursor starts at the list and is advanced.
 */
char	*chat_list_next(char **cursor);

#endif
