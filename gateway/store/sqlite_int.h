/*
 * sqlite_int: what the SQLite backend's files share, sqlite.c
 * (database, accounts, positions, markers), sqlite_msg.c (messages,
 * queries, purge) and sqlite_search.c (FTS5). Nobody else includes it
 * (but the store's tests).
 */
#ifndef SQLITE_INT_H
#define SQLITE_INT_H

#include <sqlite3.h>
#include <uthash.h>

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
	ST_FTS_ADD,
	ST_COUNT
};

#define STORE_SEARCH_ST	2	/* sqlite_search.c's: text, none */
#define SEARCH_QUERY_SIZE (SEARCH_TEXT_MAX * 3 + 8)	/* an FTS5 query */

/*
 * What one batch has looked up: account ids and conversations, so a
 * message costs one INSERT; a conversation's last_ms is written once, at
 * the commit. Only valid inside the batch (the write lock is ours).
 */
struct store_cache {
	char		 key[24 + STORE_NAME_MAX];	/* "ACC PEER", "NAME" */
	long long	 id;
	long long	 last_ms;	/* conversations */
	int		 dirty;		/* last_ms to write at commit */
	UT_hash_handle	 hh;
};

struct store {
	struct store_common c;		/* first: what store.c sees */
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	long long	 last_ms;	/* newest stored: never goes back */
	int		 batch;		/* store_batch_begin(): one commit */
	struct store_cache *accts;	/* the batch's account ids */
	struct store_cache *convs;	/* the batch's conversations */
	long long	 data_version;	/* PRAGMA data_version seen last */
	long long	 account_gen;	/* account_gen.n seen last */
	int		 wal_pages;	/* store_bulk(): after the last one */
	long long	 fts_from;	/* the batch's first row, indexed at its end */
	sqlite3_stmt	*search_st[STORE_SEARCH_ST];	/* made when used */
};

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
void		 store_cache_clear(struct store *);

/* Rows (id, time_ms, dir, text[, peer]) to cb; the count, or -1. */
int		 store_rows(struct store *, sqlite3_stmt *, const char *peer,
		    store_msg_cb *, void *);

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
