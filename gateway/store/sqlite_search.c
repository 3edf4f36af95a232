/*
 * sqlite_search: soju.im/search in the SQLite backend. The search index
 * is an FTS5 table without content in a file of its own, FILE-search
 * (attached as "search" by the connections that search or index, never
 * by the writer's, so that its steps never hold the lock of the group
 * commits): the words of each row, by rowid = msg.id. search.fts_state
 * says how far it goes (upto: rows (0, upto] are in it; gone: the last
 * fts_gone row taken out of it). sqlite_index() brings it up to date in
 * steps (the indexer thread's); a deleted row's text waits in fts_gone
 * (the trigger of schema step 7) until a step takes its words out. The
 * file is a cache: missing, or made for another store (its token is not
 * search_file's, or it indexed ids the store never gave out), it is made
 * again from msg. A user's words become an FTS5 query of strings only,
 * so no text can be an operator or a syntax error.
 */
#include <limits.h>
#include <unistd.h>
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
	" (SELECT m.id, m.time_ms, m.dir, m.text, c.peer FROM search.msg_fts"
	" AS f JOIN msg AS m ON m.id = f.rowid JOIN conv AS c ON c.id = m.conv"
	" WHERE f.msg_fts MATCH ?1 AND c.account = ?2"
	" AND (?3 = '' OR c.peer = ?3) AND (?4 < 0 OR m.dir = ?4)"
	" AND m.time_ms > ?5 AND m.time_ms < ?6"
	" ORDER BY f.rowid DESC LIMIT ?7) ORDER BY id",
	"SELECT id, time_ms, dir, text, peer FROM"
	" (SELECT m.id, m.time_ms, m.dir, m.text, c.peer FROM msg AS m"
	" JOIN conv AS c ON c.id = m.conv WHERE ?1 = '' AND c.account = ?2"
	" AND (?3 = '' OR c.peer = ?3) AND (?4 < 0 OR m.dir = ?4)"
	" AND m.time_ms > ?5 AND m.time_ms < ?6"
	" ORDER BY m.id DESC LIMIT ?7) ORDER BY id",
};

/*
 * The search file's own statements (search_attach() makes them). A step
 * copies what it indexes into temp tables first (ix_rows, ix_gone: in
 * memory), in a short read of the store: a reader that keeps a snapshot
 * of the store open stops its WAL from starting over (it grew to 140 MB
 * in a relay while the steps read from it), and then indexes from them.
 */
static const char *const index_sql[STORE_INDEX_ST] = {
	[IX_STATE] = "SELECT upto, gone FROM search.fts_state",
	[IX_STATE_SET] = "UPDATE search.fts_state SET upto = ?1, gone = ?2",
	[IX_TOP] = "SELECT coalesce(max(id), 0) FROM main.msg",
	[IX_TMP_CLEAR] = "DELETE FROM temp.ix_rows",
	[IX_TMP_GONE_CLEAR] = "DELETE FROM temp.ix_gone",
	[IX_COPY] = "INSERT INTO temp.ix_rows (id, text) SELECT id, text"
	    " FROM main.msg WHERE id > ?1 ORDER BY id LIMIT ?2",
	[IX_COPY_GONE] = "INSERT INTO temp.ix_gone (seq, id, text)"
	    " SELECT seq, id, text FROM main.fts_gone WHERE seq > ?1"
	    " ORDER BY seq LIMIT ?2",
	[IX_COPIED] = "SELECT count(*), coalesce(max(id), 0) FROM temp.ix_rows",
	[IX_COPIED_GONE] = "SELECT count(*), coalesce(max(seq), 0)"
	    " FROM temp.ix_gone",
	[IX_ADD] = "INSERT INTO search.msg_fts (rowid, text)"
	    " SELECT id, text FROM temp.ix_rows",
	[IX_DROP] = "INSERT INTO search.msg_fts (msg_fts, rowid, text)"
	    " SELECT 'delete', id, text FROM temp.ix_gone WHERE id <= ?1",
	[IX_GONE_CLEAR] = "DELETE FROM main.fts_gone WHERE seq <= ?1",
};

/*
 * The search file's WAL: checkpointed by the indexer's commits past
 * SQLite's default 1000 pages (the store's 8192 left 34 MB of it in a
 * relay), cut back to 4 MiB when it starts over. The connection's
 * setting: the store's own checkpoints are the checkpoint thread's.
 */
#define SEARCH_CHECKPOINT "1000"
#define SEARCH_WAL_KEEP	"4194304"

/* The search file's tables, if it is new; the step's temp tables. */
#define SEARCH_SCHEMA \
	"PRAGMA temp_store = MEMORY;" \
	"PRAGMA wal_autocheckpoint = " SEARCH_CHECKPOINT ";" \
	"PRAGMA search.journal_mode = WAL;" \
	"PRAGMA search.synchronous = NORMAL;" \
	"PRAGMA search.journal_size_limit = " SEARCH_WAL_KEEP ";" \
	"CREATE VIRTUAL TABLE IF NOT EXISTS search.msg_fts USING fts5 (text," \
	"  content = '', columnsize = 0," \
	"  tokenize = 'unicode61 remove_diacritics 2');" \
	"CREATE TABLE IF NOT EXISTS search.fts_state (upto INTEGER NOT NULL," \
	"  gone INTEGER NOT NULL, token INTEGER NOT NULL);" \
	"CREATE TEMP TABLE IF NOT EXISTS ix_rows (id INTEGER PRIMARY KEY," \
	"  text TEXT NOT NULL);" \
	"CREATE TEMP TABLE IF NOT EXISTS ix_gone (seq INTEGER PRIMARY KEY," \
	"  id INTEGER NOT NULL, text TEXT NOT NULL);"

/*
 * A transaction that holds the search file's write lock from its start
 * (a write first: its snapshot is then the newest, and no other
 * connection's step can come between) and only that file's: BEGIN
 * IMMEDIATE would take the store's too, which the writer waits for.
 */
#define SEARCH_BEGIN \
	"BEGIN; UPDATE search.fts_state SET upto = upto"

/* 1 if the search file is this store's, as far as it goes. */
#define SEARCH_OURS \
	"SELECT (SELECT count(*) FROM search.fts_state) = 1" \
	" AND (SELECT token FROM search.fts_state) =" \
	"  (SELECT token FROM main.search_file)" \
	" AND (SELECT upto FROM search.fts_state) <=" \
	"  (SELECT id FROM main.msg_hw)"

/* Made again: empty, nothing gone that it holds, this store's token. */
#define SEARCH_RESET \
	"INSERT INTO search.msg_fts (msg_fts) VALUES ('delete-all');" \
	"INSERT INTO search.msg_fts (msg_fts, rank) VALUES ('automerge', 8);" \
	"DELETE FROM search.fts_state;" \
	"INSERT INTO search.fts_state (upto, gone, token) VALUES (0," \
	"  (SELECT coalesce(max(seq), 0) FROM main.fts_gone)," \
	"  (SELECT token FROM main.search_file));"

/* What a step took from the store (index_copy()). */
struct index_step {
	long long	upto, gone;	/* fts_state when copied */
	long long	top;		/* the store's newest row then */
	long long	rows, hi;	/* rows copied, the last one */
	long long	gones, gone_hi;	/* deleted rows copied, the last */
};

static int	search_attach(struct store *);
static int	search_begin(struct store *);
static int	search_check(struct store *);
static int	index_state(struct store *, long long *, long long *);
static int	index_copy(struct store *, int, struct index_step *);
static int	index_apply(struct store *, const struct index_step *);
static int	index_run(struct store *, enum index_st, long long,
		    long long);
static int	index_two(struct store *, enum index_st, long long *,
		    long long *);

/*
 * Attach FILE-search (created with mode 0600) once per connection and
 * check that it is this store's; outside a transaction (SQLite cannot
 * attach inside one).
 */
static int
search_attach(struct store *st)
{
	const char	*file = sqlite3_db_filename(st->db, "main");
	char		 path[4096], err[4200];
	sqlite3_stmt	*s = NULL;
	int		 i, rc;

	if (st->search_on)
		return 0;
	if (file == NULL || *file == '\0')
		return store_fail(st, "search index: the store has no file");
	if ((size_t)snprintf(path, sizeof path, "%s%s", file,
	    STORE_SEARCH_SUFFIX) >= sizeof path)
		return store_fail(st, "search index: the path is too long");
	if (store_create_file(path, err, sizeof err) == -1)
		return store_fail(st, "%s", err);
	if (sqlite3_prepare_v2(st->db, "ATTACH DATABASE ?1 AS search", -1, &s,
	    NULL) != SQLITE_OK)
		return store_sqlfail(st, "search index: attach");
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "search index: attach");
	st->search_on = 1;
	if (sqlite3_exec(st->db, SEARCH_SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlfail(st, "search index: tables");
	for (i = 0; i < STORE_INDEX_ST; i++)
		if (sqlite3_prepare_v3(st->db, index_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->index_st[i], NULL) !=
		    SQLITE_OK)
			return store_sqlfail(st, index_sql[i]);
	return search_check(st);
}

/* SEARCH_BEGIN: 0, or -1 with nothing left open. */
static int
search_begin(struct store *st)
{
	if (sqlite3_exec(st->db, SEARCH_BEGIN, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	store_sqlfail(st, "search index: begin");
	return store_abort(st);
}

/* The file is this store's, or it is made again (in one transaction). */
static int
search_check(struct store *st)
{
	long long	ours = 0;
	sqlite3_stmt	*s;
	int		 rc;

	if (search_begin(st) == -1)
		return -1;
	if (sqlite3_prepare_v2(st->db, SEARCH_OURS, -1, &s, NULL) !=
	    SQLITE_OK) {
		store_sqlfail(st, "search index: check");
		return store_abort(st);
	}
	rc = store_step_int(st, s, &ours, "search index: check");
	sqlite3_finalize(s);
	if (rc == -1)
		return store_abort(st);
	if (!ours && sqlite3_exec(st->db, SEARCH_RESET, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_sqlfail(st, "search index: made again");
		return store_abort(st);
	}
	return store_exec(st, ST_COMMIT) == -1 ? store_abort(st) : 0;
}

/* search.fts_state: rows (0, *upto] are indexed, fts_gone to *gone out. */
static int
index_state(struct store *st, long long *upto, long long *gone)
{
	return index_two(st, IX_STATE, upto, gone) == 1 ? 0 :
	    store_fail(st, "search index: no fts_state row");
}

/* A statement of index_sql that yields two integers: 1, 0 (no row), -1. */
static int
index_two(struct store *st, enum index_st which, long long *a, long long *b)
{
	sqlite3_stmt	*s = st->index_st[which];
	int		 rc;

	sqlite3_reset(s);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*a = sqlite3_column_int64(s, 0);
		*b = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "search index");
}

/* One statement of index_sql with two integers bound; 0 or -1. */
static int
index_run(struct store *st, enum index_st which, long long a, long long b)
{
	sqlite3_stmt	*s = st->index_st[which];
	int		 rc;

	sqlite3_reset(s);
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "search index");
}

/*
 * Copy at most max rows past upto and max deleted rows past gone into
 * the temp tables, in one short read of the store.
 */
static int
index_copy(struct store *st, int max, struct index_step *k)
{
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlfail(st, "search index: begin");
	if (index_state(st, &k->upto, &k->gone) == -1 ||
	    index_run(st, IX_TMP_CLEAR, 0, 0) == -1 ||
	    index_run(st, IX_TMP_GONE_CLEAR, 0, 0) == -1 ||
	    index_run(st, IX_COPY, k->upto, max) == -1 ||
	    index_run(st, IX_COPY_GONE, k->gone, max) == -1 ||
	    store_step_int(st, st->index_st[IX_TOP], &k->top,
	    "search index") != 1 ||
	    index_two(st, IX_COPIED, &k->rows, &k->hi) != 1 ||
	    index_two(st, IX_COPIED_GONE, &k->gones, &k->gone_hi) != 1 ||
	    store_exec(st, ST_COMMIT) == -1)
		return store_abort(st);
	if (k->rows < max)
		k->hi = k->top > k->upto ? k->top : k->upto;
	if (k->gones == 0)
		k->gone_hi = k->gone;
	return 0;
}

/*
 * The copied rows into the index, the deleted ones it holds (id <=
 * upto; one deleted before it was indexed was not copied) out of it,
 * fts_state moved on: one transaction of the search file. 1 if another
 * connection moved fts_state meanwhile (the copy is not used).
 */
static int
index_apply(struct store *st, const struct index_step *k)
{
	long long	upto = 0, gone = 0;

	if (search_begin(st) == -1)
		return -1;
	if (index_state(st, &upto, &gone) == -1)
		return store_abort(st);
	if (upto != k->upto || gone != k->gone) {
		(void)store_exec(st, ST_ROLLBACK);
		return 1;
	}
	if ((k->gones > 0 && index_run(st, IX_DROP, k->upto, 0) == -1) ||
	    (k->rows > 0 && index_run(st, IX_ADD, 0, 0) == -1) ||
	    index_run(st, IX_STATE_SET, k->hi, k->gone_hi) == -1 ||
	    store_exec(st, ST_COMMIT) == -1)
		return store_abort(st);
	return 0;
}

/*
 * One step of the search index: at most max_rows deleted rows out and
 * max_rows new ones in (index_copy(), then index_apply()). The fts_gone
 * rows it took are then deleted from the store (a short write of its
 * own; if it fails they are only looked at again). 1: more waits, 0: up
 * to date, -1: error. *done: the last row indexed.
 */
int
sqlite_index(struct store *st, int max_rows, long long *done)
{
	struct index_step	k;
	int			rc;

	memset(&k, 0, sizeof k);
	if (st->batch)
		return store_fail(st, "search index inside a batch");
	if (search_attach(st) == -1 || index_copy(st, max_rows, &k) == -1 ||
	    (rc = index_apply(st, &k)) == -1)
		return -1;
	if (rc == 1) {			/* raced: the next step */
		*done = k.upto;
		return 1;
	}
	if (k.gones > 0)
		(void)index_run(st, IX_GONE_CLEAR, k.gone_hi, 0);
	*done = k.hi;
	return k.hi < k.top || k.gones == max_rows;
}

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
	for (i = 0; i < STORE_INDEX_ST; i++)
		sqlite3_finalize(st->index_st[i]);
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
	if (store_account_id(st, account, &acc) == -1 ||
	    (i == 0 && search_attach(st) == -1))
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
