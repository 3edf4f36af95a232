/*
 * The chat line protocol, both dialects: one table row per message gives
 * its keyword, who sends it and the shape of its arguments; parsing and
 * building both read that table.
 */
#include <string.h>

#include "chat.h"

enum chat_args {
	CHAT_ARGS_NONE,		/* keyword alone */
	CHAT_ARGS_NAME,		/* keyword name */
	CHAT_ARGS_NAME_TEXT,	/* keyword name text-to-end-of-line */
	CHAT_ARGS_LIST		/* keyword [a,b,c] */
};

#define CHAT_FROM_CLIENT	1
#define CHAT_FROM_SERVER	2

struct chat_kw {
	const char	*name;
	enum chat_type	 type;
	int		 from;
	enum chat_args	 args;
};

/* Indexed by enum chat_type. */
static const struct chat_kw chat_kws[] = {
	{ NULL,			CHAT_NONE,	   0,	CHAT_ARGS_NONE },
	{ "HELLO-FROM",		CHAT_HELLO_FROM,   CHAT_FROM_CLIENT,
	    CHAT_ARGS_NAME },
	{ "WHO",		CHAT_WHO,	   CHAT_FROM_CLIENT,
	    CHAT_ARGS_NONE },
	{ "LIST",		CHAT_LIST,	   CHAT_FROM_CLIENT,
	    CHAT_ARGS_NONE },
	{ "SEND",		CHAT_SEND,	   CHAT_FROM_CLIENT,
	    CHAT_ARGS_NAME_TEXT },
	{ "HELLO",		CHAT_HELLO,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_NAME },
	{ "IN-USE",		CHAT_IN_USE,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_NONE },
	{ "BUSY",		CHAT_BUSY,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_NONE },
	{ "WHO-OK",		CHAT_WHO_OK,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_LIST },
	{ "LIST-OK",		CHAT_LIST_OK,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_LIST },
	{ "SEND-OK",		CHAT_SEND_OK,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_NONE },
	{ "UNKNOWN",		CHAT_UNKNOWN,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_NONE },
	{ "BAD-DEST-USER",	CHAT_BAD_DEST_USER, CHAT_FROM_SERVER,
	    CHAT_ARGS_NONE },
	{ "DELIVERY",		CHAT_DELIVERY,	   CHAT_FROM_SERVER,
	    CHAT_ARGS_NAME_TEXT },
	{ "BAD-RQST-HDR",	CHAT_BAD_RQST_HDR, CHAT_FROM_SERVER,
	    CHAT_ARGS_NONE },
	{ "BAD-RQST-BODY",	CHAT_BAD_RQST_BODY, CHAT_FROM_SERVER,
	    CHAT_ARGS_NONE },
};
#define CHAT_NKWS	(sizeof chat_kws / sizeof chat_kws[0])

struct chat_out {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static const struct chat_kw *chat_kw_find(const char *, size_t, int);
static enum chat_parse_result chat_parse(char *, size_t, struct chat_msg *,
		    int);
static enum chat_parse_result chat_parse_args(const struct chat_kw *,
		    char *, size_t, struct chat_msg *);
static enum chat_parse_result chat_parse_name_text(char *, size_t,
		    struct chat_msg *);
static void	chat_put(struct chat_out *, const char *, size_t);

static const struct chat_kw *
chat_kw_find(const char *word, size_t len, int from)
{
	size_t	i;

	for (i = 1; i < CHAT_NKWS; i++) {
		if (chat_kws[i].from == from &&
		    strlen(chat_kws[i].name) == len &&
		    memcmp(chat_kws[i].name, word, len) == 0)
			return &chat_kws[i];
	}
	return NULL;
}

static enum chat_parse_result
chat_parse(char *line, size_t len, struct chat_msg *m, int from)
{
	const struct chat_kw	*kw;
	char			*sp;
	size_t			 hlen;

	memset(m, 0, sizeof *m);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	sp = memchr(line, ' ', len);
	hlen = sp != NULL ? (size_t)(sp - line) : len;
	if ((kw = chat_kw_find(line, hlen, from)) == NULL)
		return CHAT_PARSE_BAD_HEADER;
	m->type = kw->type;
	if (sp == NULL)
		return chat_parse_args(kw, NULL, 0, m);
	*sp = '\0';
	return chat_parse_args(kw, sp + 1, len - hlen - 1, m);
}

/* rest is what follows the keyword's space, or NULL when it has none. */
static enum chat_parse_result
chat_parse_args(const struct chat_kw *kw, char *rest, size_t len,
    struct chat_msg *m)
{
	switch (kw->args) {
	case CHAT_ARGS_NONE:
		return rest == NULL ? CHAT_PARSE_OK : CHAT_PARSE_BAD_BODY;
	case CHAT_ARGS_NAME:
		if (rest == NULL || len == 0 || memchr(rest, ' ', len) ||
		    memchr(rest, '\0', len))
			return CHAT_PARSE_BAD_BODY;
		m->name = rest;
		return CHAT_PARSE_OK;
	case CHAT_ARGS_NAME_TEXT:
		if (rest == NULL)
			return CHAT_PARSE_BAD_BODY;
		return chat_parse_name_text(rest, len, m);
	case CHAT_ARGS_LIST:
		m->text = rest != NULL ? rest : (char *)"";
		m->text_len = len;
		return CHAT_PARSE_OK;
	}
	return CHAT_PARSE_BAD_BODY;
}

/* "name text": text runs to the end and may hold spaces, not be empty. */
static enum chat_parse_result
chat_parse_name_text(char *rest, size_t len, struct chat_msg *m)
{
	char	*sp;
	size_t	 nlen;

	if ((sp = memchr(rest, ' ', len)) == NULL)
		return CHAT_PARSE_BAD_BODY;
	nlen = (size_t)(sp - rest);
	if (nlen == 0 || nlen + 1 == len || memchr(rest, '\0', nlen))
		return CHAT_PARSE_BAD_BODY;
	*sp = '\0';
	m->name = rest;
	m->text = sp + 1;
	m->text_len = len - nlen - 1;
	return CHAT_PARSE_OK;
}

enum chat_parse_result
chat_parse_server(char *line, size_t len, struct chat_msg *m)
{
	return chat_parse(line, len, m, CHAT_FROM_SERVER);
}

enum chat_parse_result
chat_parse_client(char *line, size_t len, struct chat_msg *m)
{
	return chat_parse(line, len, m, CHAT_FROM_CLIENT);
}

enum chat_dialect
chat_type_dialect(enum chat_type type)
{
	switch (type) {
	case CHAT_WHO:
	case CHAT_WHO_OK:
	case CHAT_UNKNOWN:
		return CHAT_DIALECT_ORIGINAL;
	case CHAT_LIST:
	case CHAT_LIST_OK:
	case CHAT_BAD_DEST_USER:
		return CHAT_DIALECT_NEWER;
	default:
		return CHAT_DIALECT_UNKNOWN;
	}
}

const char *
chat_type_name(enum chat_type type)
{
	if ((size_t)type >= CHAT_NKWS)
		return NULL;
	return chat_kws[type].name;
}

/* Append like snprintf: count everything, store what fits, drop LF. */
static void
chat_put(struct chat_out *o, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			continue;
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
		o->len++;
	}
}

size_t
chat_build(char *buf, size_t size, enum chat_type type, const char *name,
    const char *text, size_t text_len)
{
	struct chat_out		 o = { buf, size, 0 };
	const struct chat_kw	*kw;

	if ((size_t)type < CHAT_NKWS && type != CHAT_NONE) {
		kw = &chat_kws[type];
		chat_put(&o, kw->name, strlen(kw->name));
		if (kw->args == CHAT_ARGS_NAME ||
		    kw->args == CHAT_ARGS_NAME_TEXT) {
			chat_put(&o, " ", 1);
			if (name != NULL)
				chat_put(&o, name, strlen(name));
		}
		if (kw->args == CHAT_ARGS_NAME_TEXT ||
		    kw->args == CHAT_ARGS_LIST) {
			chat_put(&o, " ", 1);
			if (text != NULL)
				chat_put(&o, text, text_len);
		}
		o.len++;
		if (o.len < size)
			buf[o.len - 1] = '\n';
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int
chat_name_valid(const char *name, size_t len, size_t max)
{
	size_t	i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	}
	return 1;
}

char *
chat_list_next(char **cursor)
{
	char	*p = *cursor, *name, *comma;

	if (p == NULL)
		return NULL;
	while (*p == ',')
		p++;
	if (*p == '\0') {
		*cursor = p;
		return NULL;
	}
	name = p;
	if ((comma = strchr(p, ',')) != NULL) {
		*comma = '\0';
		*cursor = comma + 1;
	} else
		*cursor = p + strlen(p);
	return name;
}
