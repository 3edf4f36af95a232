/*
 * store_int: what store.c (database, accounts, positions, markers) and
 * store_msg.c (messages, queries, purge) share. Nobody else includes it.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sodium.h>
#include <sqlite3.h>

#include "store.h"

#define STORE_ERR_MAX	256
#define STORE_ID_NONE	(1LL << 60)	/* past any msgid we issue */

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
	ST_MSG_ADD,
	ST_MAX_TIME,
	ST_FIRST_GT,
	ST_FIRST_GE,
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
	ST_USER_ADMIN,
	ST_USER_SET_ADMIN,
	ST_COUNT
};

#define STORE_SEARCH_ST	2	/* search.c's statements: text, none */

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	sqlite3_stmt	*search_st[STORE_SEARCH_ST];	/* made when used */
	char		 dummy[crypto_pwhash_STRBYTES];	/* for unknown names */
	long long	 last_ms;	/* newest stored: never goes back */
	int		 batch;		/* store_batch_begin(): one commit */
	char		 err[STORE_ERR_MAX];
};

/* The statement, reset and unbound: ready to bind. */
sqlite3_stmt	*store_stmt(struct store *, enum store_st);

/* Set the error text; both return -1. */
int		 store_fail(struct store *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
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

/* 1 if s is a valid account or peer name. */
int		 store_name_ok(const char *s);

/* Playback start of (account id, client): 0 and *id, or -1. */
int		 store_position(struct store *, long long account,
		    const char *client, long long *id);

/* Rows (id, time_ms, dir, text[, peer]) to cb; the count, or -1. */
int		 store_rows(struct store *, sqlite3_stmt *, const char *peer,
		    store_msg_cb *, void *);

/* search.c: the migration step of its index; its statements' end. */
int		 store_search_schema(struct store *);
void		 store_search_close(struct store *);

/* A msgid we issued (a decimal row id) to its number; -1 if it is not. */
int		 store_msgid_parse(const char *s, long long *id);

#endif
