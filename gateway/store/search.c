/*
 * search: soju.im/search for the store. The SEARCH attributes parsed
 * (no I/O); the words of a user made into an FTS5 query of strings only,
 * so no text can be an operator or a syntax error; and the SQLite half:
 * an FTS5 index over msg (external content: the text is not kept twice)
 * that triggers keep in step with every insert and delete, retention's
 * and an account's deletion included. PostgreSQL's half (a tsvector with
 * a GIN index) comes with that store, behind store_search().
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define SEARCH_KEY_MAX	8	/* "before" is the longest key */

enum search_key {
	KEY_TEXT, KEY_IN, KEY_FROM, KEY_AFTER, KEY_BEFORE, KEY_LIMIT,
	KEY_COUNT
};

static const char *const search_keys[KEY_COUNT] = {
	"text", "in", "from", "after", "before", "limit"
};

/*
 * The index and its triggers. columnsize=0: no per-row size table, we
 * rank by time, not bm25. detail=full (the default) keeps positions, for
 * phrases. rebuild indexes what an older database already holds.
 */
static const char search_schema[] =
	"CREATE VIRTUAL TABLE msg_fts USING fts5 (text, content = 'msg',"
	"  content_rowid = 'id', columnsize = 0,"
	"  tokenize = 'unicode61 remove_diacritics 2');"
	"CREATE TRIGGER msg_fts_add AFTER INSERT ON msg BEGIN"
	"  INSERT INTO msg_fts (rowid, text) VALUES (new.id, new.text);"
	" END;"
	"CREATE TRIGGER msg_fts_del AFTER DELETE ON msg BEGIN"
	"  INSERT INTO msg_fts (msg_fts, rowid, text)"
	"  VALUES ('delete', old.id, old.text);"
	" END;"
	"CREATE TRIGGER msg_fts_upd AFTER UPDATE OF text ON msg BEGIN"
	"  INSERT INTO msg_fts (msg_fts, rowid, text)"
	"  VALUES ('delete', old.id, old.text);"
	"  INSERT INTO msg_fts (rowid, text) VALUES (new.id, new.text);"
	" END;"
	"INSERT INTO msg_fts (msg_fts) VALUES ('rebuild');";

/*
 * Newest matches first (FTS5 walks its rowids backwards without a sort),
 * then ascending for the client. ?3 peer or '', ?4 dir or -1.
 */
static const char *const search_sql[STORE_SEARCH_ST] = {
	"SELECT id, time_ms, dir, text, peer FROM"
	" (SELECT m.id, m.time_ms, m.dir, m.text, c.peer FROM msg_fts"
	" JOIN msg AS m ON m.id = msg_fts.rowid JOIN conv AS c ON c.id = m.conv"
	" WHERE msg_fts MATCH ?1 AND m.account = ?2"
	" AND (?3 = '' OR c.peer = ?3) AND (?4 < 0 OR m.dir = ?4)"
	" AND m.time_ms > ?5 AND m.time_ms < ?6"
	" ORDER BY msg_fts.rowid DESC LIMIT ?7) ORDER BY id",
	"SELECT id, time_ms, dir, text, peer FROM"
	" (SELECT m.id, m.time_ms, m.dir, m.text, c.peer FROM msg AS m"
	" JOIN conv AS c ON c.id = m.conv WHERE ?1 = '' AND m.account = ?2"
	" AND (?3 = '' OR c.peer = ?3) AND (?4 < 0 OR m.dir = ?4)"
	" AND m.time_ms > ?5 AND m.time_ms < ?6"
	" ORDER BY m.id DESC LIMIT ?7) ORDER BY id",
};

static enum search_err search_attr(const char *, size_t, int,
		    struct search_req *, unsigned *);
static int	search_unescape(const char *, size_t, char *, size_t);
static enum search_err search_value(enum search_key, const char *, int,
		    struct search_req *);
static int	search_name_ok(const char *);
static int	search_limit(const char *, int, int *);
static int	search_word(const char *, size_t, char *, size_t, size_t *);

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
	char		 q[SEARCH_QUERY_SIZE];
	long long	*ms;

	switch (k) {
	case KEY_TEXT:
		if (search_fts_query(v, q, sizeof q) == -1)
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
static int
search_wordy(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Append "w" (its quotes doubled) to out at *o; skip a word of no use. */
static int
search_word(const char *w, size_t n, char *out, size_t size, size_t *o)
{
	size_t	i, need = n + 3;

	for (i = 0; i < n && !search_wordy((unsigned char)w[i]); i++)
		;
	if (i == n)
		return 0;
	for (i = 0; i < n; i++)
		need += w[i] == '"';
	if (*o + need + 1 > size)
		return -1;
	if (*o > 0)
		out[(*o)++] = ' ';
	out[(*o)++] = '"';
	for (i = 0; i < n; i++) {
		if (w[i] == '"')
			out[(*o)++] = '"';
		out[(*o)++] = w[i];
	}
	out[(*o)++] = '"';
	out[*o] = '\0';
	return 1;
}

/* Words and "phrases" of the user to FTS5 strings, ANDed. */
int
search_fts_query(const char *text, char *out, size_t size)
{
	const char	*p = text, *end;
	size_t		 o = 0;
	int		 words = 0, r;

	if (size == 0)
		return -1;
	out[0] = '\0';
	while (*p != '\0') {
		p += strspn(p, " \t\r\n\f\v");
		if (*p == '\0')
			break;
		if (*p == '"') {
			p++;
			end = p + strcspn(p, "\"");
		} else
			end = p + strcspn(p, " \t\r\n\f\v");
		if ((r = search_word(p, (size_t)(end - p), out, size, &o)) ==
		    -1)
			return -1;
		words += r;
		p = end + (*end == '"');
	}
	return words > 0 ? 0 : -1;
}

/* Migration step: the index over what msg holds, and its triggers. */
int
store_search_schema(struct store *st)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, search_schema, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		store_fail(st, "search index: %s", msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

void
store_search_close(struct store *st)
{
	int	i;

	for (i = 0; i < STORE_SEARCH_ST; i++)
		sqlite3_finalize(st->search_st[i]);
}

/* Search an account's messages (SQLite: FTS5). */
int
store_search(struct store *st, const char *account,
    const struct search_req *q, store_msg_cb *cb, void *ctx)
{
	char		 fts[SEARCH_QUERY_SIZE] = "";
	const char	*peer = q->in;
	sqlite3_stmt	*s;
	long long	 acc;
	int		 i = q->text[0] == '\0' ? 1 : 0, dir = -1;

	if (i == 0 && search_fts_query(q->text, fts, sizeof fts) == -1)
		return store_fail(st, "no word to search for");
	if (q->from[0] != '\0' && q->from_self)
		dir = STORE_OUT;
	else if (q->from[0] != '\0') {
		if (peer[0] != '\0' && strcmp(peer, q->from) != 0)
			return 0;	/* from someone else in another query */
		dir = STORE_IN;
		peer = q->from;
	}
	if (store_account_id(st, account, &acc) == -1)
		return -1;
	if (st->search_st[i] == NULL && sqlite3_prepare_v3(st->db,
	    search_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->search_st[i],
	    NULL) != SQLITE_OK)
		return store_sqlfail(st, "search");
	s = st->search_st[i];
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, fts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, acc);
	sqlite3_bind_text(s, 3, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, dir);
	sqlite3_bind_int64(s, 5, q->after_ms);
	sqlite3_bind_int64(s, 6, q->before_ms < 0 ? LLONG_MAX : q->before_ms);
	sqlite3_bind_int(s, 7, q->limit < 1 ? 1 : q->limit);
	return store_rows(st, s, NULL, cb, ctx);
}
