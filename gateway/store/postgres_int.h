/*
 * postgres_int: what the PostgreSQL backend's files share, postgres.c
 * (connection, schema, accounts, positions, markers), postgres_msg.c
 * (messages, queries, purge) and postgres_outbox.c (the outbox).
 * Nobody else includes it.
 */
#ifndef POSTGRES_INT_H
#define POSTGRES_INT_H

#include <libpq-fe.h>

#include "store_int.h"

#define PG_PARAMS_MAX	8
#define PG_RESERVE_IDS	1024	/* msg ids taken at once by a batch */
#define PG_COPY_FLUSH	(4 << 20)	/* a batch's COPY buffer, bytes */
/*
 * Ids a search index step takes (store_index_step()): about 1 ms of the
 * server's time, so that on a core it shares with the writer's backend
 * a commit never waits long behind a step (1,024: p99 at 5,000 msg/s
 * 7.0-10.6 ms; 128: 5.0-6.7; docs/performance.md).
 */
#define PG_INDEX_ROWS	128

/* Prepared statements: made once per connection (again after a reset). */
enum pg_st {
	PG_BEGIN,
	PG_COMMIT,
	PG_ROLLBACK,
	PG_ACCOUNT_ID,
	PG_USER_ADD,
	PG_USER_DEL,
	PG_USER_PASSWD,
	PG_USER_HASH,
	PG_USER_LIST,
	PG_USER_CHAT,
	PG_USER_SET_CHAT,
	PG_CONV_UPSERT,
	PG_CONV_FIND,
	PG_CONV_TOUCH,
	PG_MSG_ADD,
	PG_MAX_TIME,
	PG_MAX_ID,
	PG_PROBE,
	PG_RANGE_ASC,
	PG_RANGE_DESC,
	PG_TARGETS_ASC,
	PG_TARGETS_DESC,
	PG_POS_GET,
	PG_POS_SET,
	PG_UNSEEN_COUNT,
	PG_UNSEEN,
	PG_MARKER_GET,
	PG_MARKER_SET,
	PG_PURGE_AGE,
	PG_ACCOUNTS,
	PG_PURGE_CUT,
	PG_PURGE_COUNT,
	PG_PURGE_CONV,
	PG_ACCOUNT_GEN,
	PG_JOIN,
	PG_GATEWAYS,
	PG_HOLD,
	PG_UNHOLD,
	PG_PING,
	PG_USER_ADMIN,
	PG_USER_SET_ADMIN,
	PG_SEARCH,
	PG_SEARCH_ALL,
	PG_STATS,
	PG_STATS_ACCOUNT,
	PG_SIZE,
	PG_TODO_ADD,
	PG_TODO_TAKE,
	PG_WORDS_ADD,
	PG_TODO_DONE,
	PG_INDEX_ASYNC,
	PG_TODO_CUT,
	PG_RESERVE,
	PG_SINCE,
	PG_NEWEST,
	PG_OUTBOX_ADD,
	PG_OUTBOX_DONE,
	PG_OUTBOX_ANSWER,
	PG_OUTBOX_TAKE,
	PG_OUTBOX_LOST,
	PG_OUTBOX_STATE,
	PG_OUTBOX_PURGE,
	PG_COUNT
};

/*
 * One statement's parameters: numbers and text as text, a message's
 * bytes as binary (bytea: any byte, no encoding check).
 */
struct pg_args {
	int		 n;
	const char	*val[PG_PARAMS_MAX];
	int		 len[PG_PARAMS_MAX];
	int		 fmt[PG_PARAMS_MAX];
	char		 num[PG_PARAMS_MAX][24];
};

struct store {
	struct store_common c;		/* first: what store.c sees */
	PGconn		*conn;
	char		*uri;
	long long	 last_ms;	/* newest stored: never goes back */
	int		 batch;
	int		 txn;		/* a BEGIN of ours is open */
	int		 joined;	/* store_join(): never reset */
	/* a batch's rows, sent in one COPY at its end (postgres_msg.c) */
	char		*copy;
	size_t		 copy_len, copy_cap;
	long long	 ids[PG_RESERVE_IDS];	/* reserved, not used yet */
	int		 nids, iid;
	long long	 todo_lo, todo_hi;	/* the batch's ids (msg_todo) */
	int		 news;		/* notifications since store_news() */
	struct store_memo memo;		/* the batch's lookups */
	long long	 account_gen;	/* account_gen.n seen last */
};

/* What store.c dispatches to (store_ops). */
void		 pg_close(struct store *);
int		 pg_msg_add(struct store *, const char *, enum store_dir,
		    const char *, const char *, size_t, long long,
		    struct store_stamp *);
int		 pg_batch_begin(struct store *);
int		 pg_batch_end(struct store *);
int		 pg_history(struct store *, const char *,
		    const struct chathistory_req *, store_msg_cb *, void *);
int		 pg_targets(struct store *, const char *,
		    const struct chathistory_req *, store_target_cb *, void *);
int		 pg_unseen(struct store *, const char *, const char *, int,
		    store_msg_cb *, void *, long long *);
int		 pg_purge(struct store *, long long, long long, long long, int);
int		 pg_since(struct store *, const char *, long long, int,
		    store_msg_cb *, void *);
int		 pg_newest(struct store *, const char *, long long *);
int		 pg_search(struct store *, const char *,
		    const struct search_req *, store_msg_cb *, void *);
int		 pg_index(struct store *, int, long long *);
int		 pg_todo_add(struct store *, long long, long long);
int		 pg_stats(struct store *, const char *, long long *,
		    long long *);
int		 pg_size(struct store *, long long *, long long *);

/* Parameters: empty, then a number, a string, bytes. */
void		 pg_args_init(struct pg_args *);
void		 pg_arg_int(struct pg_args *, long long);
void		 pg_arg_str(struct pg_args *, const char *);
void		 pg_arg_bin(struct pg_args *, const char *, size_t);

/*
 * Run a prepared statement (results in binary): the result, or NULL
 * with the error set (what names it). A lost connection is reset once.
 */
PGresult	*pg_run(struct store *, enum pg_st, const struct pg_args *,
		    const char *what);
/* A statement without rows: 0 or -1; *changed (may be NULL) gets rows. */
int		 pg_do(struct store *, enum pg_st, const struct pg_args *,
		    const char *what, long long *changed);
/* At most one integer: 1 and *out, 0 for no row, -1. */
int		 pg_int(struct store *, enum pg_st, const struct pg_args *,
		    long long *out, const char *what);
/* Rows (id, time_ms, dir, text[, peer]) to cb; the count, or -1. */
int		 pg_rows(struct store *, enum pg_st, const struct pg_args *,
		    const char *peer, store_msg_cb *, void *);
/* A binary integer column (int2, int4, int8). */
long long	 pg_col_int(const PGresult *, int row, int col);
/* libpq's or the server's message as the error (what: context); -1. */
int		 pg_connfail(struct store *, const char *what);
/* ROLLBACK after a failure, keeping the first error; returns -1. */
int		 pg_abort(struct store *);

int		 pg_account_id(struct store *, const char *, long long *);
int		 pg_position(struct store *, long long, const char *,
		    long long *);

#endif
