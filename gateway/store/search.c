/*
 * search: soju.im/search for any store backend, no I/O: the SEARCH
 * attributes parsed into a request, and what counts as a word to look
 * for. The query in the engine's own language is the backend's
 * (sqlite_search.c: FTS5).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define SEARCH_KEY_MAX	8	/* "before" is the longest key */

enum search_key {
	KEY_TEXT, KEY_IN, KEY_FROM, KEY_AFTER, KEY_BEFORE, KEY_LIMIT,
	KEY_COUNT
};

static const char *const search_keys[KEY_COUNT] = {
	"text", "in", "from", "after", "before", "limit"
};

static enum search_err search_attr(const char *, size_t, int,
		    struct search_req *, unsigned *);
static int	search_unescape(const char *, size_t, char *, size_t);
static enum search_err search_value(enum search_key, const char *, int,
		    struct search_req *);
static int	search_name_ok(const char *);
static int	search_limit(const char *, int, int *);

/* Parse "key=value;key=value" (message tag escapes in the values). */
enum search_err
search_parse(const char *attrs, int max_limit, struct search_req *req)
{
	const char	*p = attrs;
	size_t		 n;
	unsigned	 seen = 0;
	enum search_err	 e;

	memset(req, 0, sizeof *req);
	req->after_ms = req->before_ms = -1;
	req->limit = max_limit < 1 ? 1 : max_limit;
	if (strnlen(attrs, SEARCH_ATTRS_MAX + 1) > SEARCH_ATTRS_MAX)
		return SEARCH_ERR_TOO_LONG;
	while (*p != '\0') {
		n = strcspn(p, ";");
		if (n > 0 && (e = search_attr(p, n, req->limit, req,
		    &seen)) != SEARCH_OK)
			return e;
		p += n + (p[n] == ';');
	}
	return seen == 0 ? SEARCH_ERR_EMPTY : SEARCH_OK;
}

/* One "key=value" of len bytes. */
static enum search_err
search_attr(const char *p, size_t len, int max, struct search_req *req,
    unsigned *seen)
{
	char		 val[SEARCH_TEXT_MAX + 1];
	const char	*eq = memchr(p, '=', len);
	size_t		 klen = eq != NULL ? (size_t)(eq - p) : len;
	int		 k;

	if (klen == 0 || eq == NULL)
		return SEARCH_ERR_SYNTAX;
	for (k = 0; k < KEY_COUNT; k++)
		if (klen == strlen(search_keys[k]) &&
		    memcmp(p, search_keys[k], klen) == 0)
			break;
	if (k == KEY_COUNT || klen > SEARCH_KEY_MAX)
		return SEARCH_ERR_UNKNOWN;
	if (*seen & (1u << k))
		return SEARCH_ERR_TWICE;
	*seen |= 1u << k;
	if (search_unescape(eq + 1, len - klen - 1, val, sizeof val) == -1)
		return SEARCH_ERR_TOO_LONG;
	return search_value((enum search_key)k, val, max, req);
}

/* IRCv3 message-tags: \: \s \\ \r \n; any other \x is x. */
static int
search_unescape(const char *in, size_t len, char *out, size_t size)
{
	size_t	i, o = 0;
	char	c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '\\') {
			if (++i == len)
				break;	/* a lone trailing \ is dropped */
			c = in[i];
			c = c == ':' ? ';' : c == 's' ? ' ' : c == 'r' ? '\r' :
			    c == 'n' ? '\n' : c;
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static enum search_err
search_value(enum search_key k, const char *v, int max,
    struct search_req *req)
{
	long long	*ms;

	switch (k) {
	case KEY_TEXT:
		if (!search_text_ok(v))
			return SEARCH_ERR_NO_WORDS;
		snprintf(req->text, sizeof req->text, "%s", v);
		return SEARCH_OK;
	case KEY_IN:
	case KEY_FROM:
		if (!search_name_ok(v) || strlen(v) > SEARCH_NAME_MAX)
			return SEARCH_ERR_BAD_NAME;
		snprintf(k == KEY_IN ? req->in : req->from, sizeof req->in,
		    "%s", v);
		return SEARCH_OK;
	case KEY_AFTER:
	case KEY_BEFORE:
		ms = k == KEY_AFTER ? &req->after_ms : &req->before_ms;
		if (strncmp(v, "timestamp=", 10) == 0)
			v += 10;
		return chathistory_time_parse(v, ms) == 0 ? SEARCH_OK :
		    SEARCH_ERR_BAD_TIME;
	default:
		return search_limit(v, max, &req->limit) == 0 ? SEARCH_OK :
		    SEARCH_ERR_BAD_LIMIT;
	}
}

/* A nick or chat name: printable, no space. */
static int
search_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/* Decimal, at least 1; past max it is max. */
static int
search_limit(const char *v, int max, int *limit)
{
	long long	n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n <= max)
			n = n * 10 + (*v - '0');
	}
	if (n < 1)
		return -1;
	*limit = n > max ? max : (int)n;
	return 0;
}

const char *
search_err_text(enum search_err e)
{
	switch (e) {
	case SEARCH_OK:
		return "OK";
	case SEARCH_ERR_EMPTY:
		return "Nothing to search for: give text=, in=, from=, after=, "
		    "before= or limit=";
	case SEARCH_ERR_TOO_LONG:
		return "Search attributes too long";
	case SEARCH_ERR_SYNTAX:
		return "Search attributes are key=value;key=value";
	case SEARCH_ERR_UNKNOWN:
		return "Unknown search attribute (text in from after before "
		    "limit)";
	case SEARCH_ERR_TWICE:
		return "A search attribute was given twice";
	case SEARCH_ERR_BAD_TIME:
		return "after= and before= are timestamps "
		    "YYYY-MM-DDThh:mm:ss.sssZ";
	case SEARCH_ERR_BAD_LIMIT:
		return "limit= is a positive number";
	case SEARCH_ERR_BAD_NAME:
		return "in= and from= name a nick";
	case SEARCH_ERR_NO_WORDS:
		return "text= holds no word to search for";
	}
	return "Bad search";
}


/* A byte that makes a word worth looking for (a letter, digit, UTF-8). */
int
search_wordy(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* 1 if text holds a word to look for (a backend's query is not empty). */
int
search_text_ok(const char *text)
{
	for (; *text != '\0'; text++)
		if (search_wordy((unsigned char)*text))
			return 1;
	return 0;
}

/* Each word or phrase of text with something to look for, to fn. */
int
search_split(const char *text, search_word_fn *fn, void *ctx)
{
	const char	*p = text, *end;
	size_t		 n, i;
	int		 words = 0;

	while (*p != '\0') {
		p += strspn(p, " \t\r\n\f\v");
		if (*p == '\0')
			break;
		if (*p == '"') {
			p++;
			end = p + strcspn(p, "\"");
		} else
			end = p + strcspn(p, " \t\r\n\f\v");
		n = (size_t)(end - p);
		for (i = 0; i < n && !search_wordy((unsigned char)p[i]); i++)
			;
		if (i < n) {
			if (fn(ctx, p, n) == -1)
				return -1;
			words++;
		}
		p = end + (*end == '"');
	}
	return words;
}

_Static_assert((int)SEARCH_DIR_IN == (int)STORE_IN &&
    (int)SEARCH_DIR_OUT == (int)STORE_OUT, "search_dir is store_dir");

/* from= the account: its own messages; from= a peer: that query only. */
int
search_scope(const struct search_req *q, const char **peer,
    enum search_dir *dir)
{
	*peer = q->in;
	*dir = SEARCH_DIR_ANY;
	if (q->from[0] == '\0')
		return 1;
	if (q->from_self) {
		*dir = SEARCH_DIR_OUT;
		return 1;
	}
	if (q->in[0] != '\0' && strcmp(q->in, q->from) != 0)
		return 0;	/* from someone else in another query */
	*dir = SEARCH_DIR_IN;
	*peer = q->from;
	return 1;
}
