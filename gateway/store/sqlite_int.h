/*
 * sqlite_int: what the SQLite backend's files share, sqlite.c
 * (database, accounts, positions, markers), sqlite_msg.c (messages,
 * queries, purge) and sqlite_search.c (FTS5). Nobody else includes it
 * (but the store's tests).
 */
#ifndef SQLITE_INT_H
#define SQLITE_INT_H

#include <sqlite3.h>

#include "store_int.h"

/* Cached statements: prepared once in store_open(), SQL in store.c. */
enum store_st {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_ACCOUNT_ID,
	ST_USER_ADD,
	ST_USER_DEL,
	ST_USER_PASSWD,
	ST_USER_HASH,
	ST_USER_LIST,
	ST_USER_CHAT,
	ST_USER_SET_CHAT,
	ST_CONV_UPSERT,
	ST_CONV_FIND,
	ST_CONV_TOUCH,
	ST_MSG_ADD,
	ST_HW_GET,
	ST_HW_SET,
	ST_RUN_GROW,
	ST_RUN_ADD,
	ST_RUN_EMPTY,
	ST_RUN_EMPTY_ACC,
	ST_MAX_TIME,
	ST_MAX_ID,
	ST_PROBE,
	ST_RANGE_ASC,
	ST_RANGE_DESC,
	ST_TARGETS_ASC,
	ST_TARGETS_DESC,
	ST_POS_GET,
	ST_POS_SET,
	ST_UNSEEN_COUNT,
	ST_UNSEEN,
	ST_MARKER_GET,
	ST_MARKER_SET,
	ST_PURGE_AGE,
	ST_ACCOUNTS,
	ST_PURGE_CUT,
	ST_PURGE_COUNT,
	ST_PURGE_CONV,
	ST_ACCOUNT_GEN,
	ST_USER_ADMIN,
	ST_USER_SET_ADMIN,
	ST_COUNT
};

#define STORE_SEARCH_ST	2	/* sqlite_search.c's: text, none */
#define STORE_SEARCH_SUFFIX "-search"	/* the search index's file */

/* The search file's statements (sqlite_search.c), made when attached. */
enum index_st {
	IX_STATE,
	IX_STATE_SET,
	IX_TOP,
	IX_TMP_CLEAR,
	IX_TMP_GONE_CLEAR,
	IX_COPY,
	IX_COPY_GONE,
	IX_COPIED,
	IX_COPIED_GONE,
	IX_ADD,
	IX_DROP,
	IX_GONE_CLEAR,
	STORE_INDEX_ST
};
#define SEARCH_QUERY_SIZE (SEARCH_TEXT_MAX * 3 + 8)	/* an FTS5 query */

/*
 * A batch's messages wait in the store and go in STORE_PEND_ROWS to an
 * INSERT: one statement's setup for many rows (0.67 us a row alone, 0.50
 * in 32, 0.36 with SQLite choosing the rowid, which it does when its
 * next one is ours). Their texts are copied, so the caller's may go.
 */
#define STORE_PEND_ROWS		32
#define STORE_PEND_BYTES	(2 * STORE_TEXT_MAX)

struct store_pend {
	long long	conv, id, time_ms;
	size_t		off, len;	/* the text in pend_text */
	int		dir;
};

struct store {
	struct store_common c;		/* first: what store.c sees */
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	long long	 last_ms;	/* newest stored: never goes back */
	int		 batch;		/* store_batch_begin(): one commit */
	struct store_memo memo;		/* the batch's lookups */
	long long	 next_id;	/* in a write: the next message's id */
	long long	 hw;		/* msg_hw.id when the write began */
	int		 ids_auto;	/* the newest id given is the newest row:
					   SQLite's next rowid is ours */
	struct {			/* the run being added to (0: none) */
		long long conv, lo, hi;
	} run;
	struct store_pend pend[STORE_PEND_ROWS];	/* rows not inserted yet */
	int		 npend;
	int		 pend_failed;	/* an INSERT of them failed: no commit */
	char		*pend_text;	/* their texts (STORE_PEND_BYTES) */
	size_t		 pend_used;
	sqlite3_stmt	*pend_st;	/* STORE_PEND_ROWS rows at once */
	long long	 data_version;	/* PRAGMA data_version seen last */
	long long	 account_gen;	/* account_gen.n seen last */
	int		 wal_pages;	/* store_bulk(): after the last one */
	sqlite3_stmt	*search_st[STORE_SEARCH_ST];	/* made when used */
	int		 search_on;	/* FILE-search attached as "search" */
	sqlite3_stmt	*index_st[STORE_INDEX_ST];
};

/* What store.c dispatches to (store_ops). */
void	sqlite_close(struct store *st);
int	sqlite_bulk(struct store *st);
int	sqlite_wal_pages(const struct store *st);
int	sqlite_checkpoint(struct store *st);
int	sqlite_user_add(struct store *st, const char *name,
		    const char *password);
int	sqlite_user_del(struct store *st, const char *name);
int	sqlite_user_passwd(struct store *st, const char *name,
		    const char *password);
int	sqlite_user_list(struct store *st, store_user_cb *cb, void *ctx);
int	sqlite_accounts_changed(struct store *st);
enum store_check sqlite_user_check(struct store *st, const char *name,
		    const char *password);
int	sqlite_user_hash(struct store *st, const char *name, char *buf);
int	sqlite_user_chat_name(struct store *st, const char *name, char *buf,
		    size_t size);
int	sqlite_user_set_chat_name(struct store *st, const char *name,
		    const char *chat_name);
int	sqlite_msg_add(struct store *st, const char *account,
		    enum store_dir dir, const char *peer, const char *text,
		    size_t text_len, long long time_ms,
		    struct store_stamp *out);
int	sqlite_batch_begin(struct store *st);
int	sqlite_batch_end(struct store *st);
int	sqlite_index(struct store *st, int max_rows, long long *done);
int	sqlite_history(struct store *st, const char *account,
		    const struct chathistory_req *req, store_msg_cb *cb,
		    void *ctx);
int	sqlite_targets(struct store *st, const char *account,
		    const struct chathistory_req *req, store_target_cb *cb,
		    void *ctx);
int	sqlite_unseen(struct store *st, const char *account,
		    const char *client, int limit, store_msg_cb *cb, void *ctx,
		    long long *left_out);
int	sqlite_seen(struct store *st, const char *account, const char *client,
		    const char *msgid);
int	sqlite_marker_get(struct store *st, const char *account,
		    const char *target, long long *time_ms);
int	sqlite_marker_set(struct store *st, const char *account,
		    const char *target, long long time_ms, long long *stored);
int	sqlite_purge(struct store *st, long long now_ms, long long max_age_s,
		    long long max_per_account, int budget);
int	sqlite_user_admin(struct store *st, const char *name);
int	sqlite_user_set_admin(struct store *st, const char *name, int on);
int	sqlite_search(struct store *st, const char *account,
		    const struct search_req *q, store_msg_cb *cb, void *ctx);
int	sqlite_stats(struct store *st, const char *account, long long *count,
		    long long *oldest_ms);
int	sqlite_size(struct store *st, long long *total, long long *index);

/* The statement, reset and unbound: ready to bind. */
sqlite3_stmt	*store_stmt(struct store *, enum store_st);

/* The error text from SQLite; returns -1. */
int		 store_sqlfail(struct store *, const char *what);

/*
 * Run a bound statement that yields at most one integer: 1 and *out,
 * 0 for no row, -1 (what names it in the error).
 */
int		 store_step_int(struct store *, sqlite3_stmt *, long long *,
		    const char *what);

/* One statement without rows (BEGIN, COMMIT...): 0 or -1. */
int		 store_exec(struct store *, enum store_st);
/* ROLLBACK after a failure, keeping the first error; returns -1. */
int		 store_abort(struct store *);

/* The account's row id: 0 and *id, or -1 ("no such user"). */
int		 store_account_id(struct store *, const char *name,
		    long long *id);

/* Playback start of (account id, client): 0 and *id, or -1. */
int		 store_position(struct store *, long long account,
		    const char *client, long long *id);

/* Forget the batch's lookups. */

/* Rows (id, time_ms, dir, text[, peer]) to cb; the count, or -1. */
int		 store_rows(struct store *, sqlite3_stmt *, const char *peer,
		    store_msg_cb *, void *);

/* Create path with mode 0600, or check it is a regular file: 0 or -1. */
int		 store_create_file(const char *path, char *err,
		    size_t errlen);

/* sqlite_search.c: its statements' end. */
void		 store_search_close(struct store *);

/*
 * The user's text as an FTS5 query that holds only strings: each word
 * "quoted" (a quote in it doubled), a run the user put in double quotes
 * one phrase; operators, parentheses, column filters and stars become
 * text. 0 and the query, or -1 if no word is left (or it cannot fit).
 */
int		 search_fts_query(const char *text, char *out, size_t size);

#endif
