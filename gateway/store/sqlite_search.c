/*
 * sqlite_search: soju.im/search in the SQLite backend. The words of a
 * user made into an FTS5 query of strings only, so no text can be an
 * operator or a syntax error, and the query over msg_fts, the FTS5
 * index that sqlite.c's schema step 4 made and its triggers keep in
 * step with msg (the writer thread's inserts, retention, deletions).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/*
 * Newest matches first (FTS5 walks its rowids backwards without a sort),
 * then ascending for the client. ?3 peer or '', ?4 dir or -1.
 */
static const char *const search_sql[STORE_SEARCH_ST] = {
	"SELECT id, time_ms, dir, text, peer FROM"
	" (SELECT m.id, m.time_ms, m.dir, m.text, c.peer FROM msg_fts"
	" JOIN msg AS m ON m.id = msg_fts.rowid JOIN conv AS c ON c.id = m.conv"
	" WHERE msg_fts MATCH ?1 AND c.account = ?2"
	" AND (?3 = '' OR c.peer = ?3) AND (?4 < 0 OR m.dir = ?4)"
	" AND m.time_ms > ?5 AND m.time_ms < ?6"
	" ORDER BY msg_fts.rowid DESC LIMIT ?7) ORDER BY id",
	"SELECT id, time_ms, dir, text, peer FROM"
	" (SELECT m.id, m.time_ms, m.dir, m.text, c.peer FROM msg AS m"
	" JOIN conv AS c ON c.id = m.conv WHERE ?1 = '' AND c.account = ?2"
	" AND (?3 = '' OR c.peer = ?3) AND (?4 < 0 OR m.dir = ?4)"
	" AND m.time_ms > ?5 AND m.time_ms < ?6"
	" ORDER BY m.id DESC LIMIT ?7) ORDER BY id",
};

struct fts_query {
	char	*out;
	size_t	 size, o;
};

/* Append "w" (its quotes doubled), ANDed with what is there. */
static int
search_word(void *ctx, const char *w, size_t n)
{
	struct fts_query	*f = ctx;
	size_t			 i, need = n + 3;

	for (i = 0; i < n; i++)
		need += w[i] == '"';
	if (f->o + need + 1 > f->size)
		return -1;
	if (f->o > 0)
		f->out[f->o++] = ' ';
	f->out[f->o++] = '"';
	for (i = 0; i < n; i++) {
		if (w[i] == '"')
			f->out[f->o++] = '"';
		f->out[f->o++] = w[i];
	}
	f->out[f->o++] = '"';
	f->out[f->o] = '\0';
	return 0;
}

/* Words and "phrases" of the user to FTS5 strings, ANDed. */
int
search_fts_query(const char *text, char *out, size_t size)
{
	struct fts_query	f = { out, size, 0 };

	if (size == 0)
		return -1;
	out[0] = '\0';
	return search_split(text, search_word, &f) > 0 ? 0 : -1;
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
sqlite_search(struct store *st, const char *account,
    const struct search_req *q, store_msg_cb *cb, void *ctx)
{
	char		 fts[SEARCH_QUERY_SIZE] = "";
	const char	*peer;
	sqlite3_stmt	*s;
	long long	 acc;
	enum search_dir	 dir;
	int		 i = q->text[0] == '\0' ? 1 : 0;

	if (i == 0 && search_fts_query(q->text, fts, sizeof fts) == -1)
		return store_fail(st, "no word to search for");
	if (!search_scope(q, &peer, &dir))
		return 0;
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
	sqlite3_bind_int(s, 4, (int)dir);
	sqlite3_bind_int64(s, 5, q->after_ms);
	sqlite3_bind_int64(s, 6, q->before_ms < 0 ? LLONG_MAX : q->before_ms);
	sqlite3_bind_int(s, 7, q->limit < 1 ? 1 : q->limit);
	return store_rows(st, s, NULL, cb, ctx);
}
