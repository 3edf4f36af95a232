/*
 * store_int: what store.c (names, msgids, password hashes, errors) and a
 * backend (sqlite*.c, postgres*.c) share. Nobody else includes it.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sodium.h>
#include <uthash.h>

#include "store.h"

#define STORE_ERR_MAX	256
#define STORE_ID_NONE	(1LL << 60)	/* past any msgid we issue */

/* A backend's functions: store.c's dispatchers call them. */
struct store_ops {
	void	(*close)(struct store *);
	int	(*bulk)(struct store *);
	int	(*wal_pages)(const struct store *);
	int	(*checkpoint)(struct store *);
	int	(*user_add)(struct store *, const char *, const char *);
	int	(*user_del)(struct store *, const char *);
	int	(*user_passwd)(struct store *, const char *, const char *);
	int	(*user_list)(struct store *, store_user_cb *, void *);
	int	(*accounts_changed)(struct store *);
	enum store_check (*user_check)(struct store *, const char *,
		    const char *);
	int	(*user_hash)(struct store *, const char *, char *);
	int	(*user_chat_name)(struct store *, const char *, char *, size_t);
	int	(*user_set_chat_name)(struct store *, const char *,
		    const char *);
	int	(*msg_add)(struct store *, const char *, enum store_dir,
		    const char *, const char *, size_t, long long,
		    struct store_stamp *);
	int	(*batch_begin)(struct store *);
	int	(*batch_end)(struct store *);
	int	(*index)(struct store *, int, long long *); /* NULL: inline */
	int	search_waits;	/* a search sees indexed rows only */
	int	index_step;	/* rows a step of index() best takes (> 0) */
	int	(*history)(struct store *, const char *,
		    const struct chathistory_req *, store_msg_cb *, void *);
	int	(*targets)(struct store *, const char *,
		    const struct chathistory_req *, store_target_cb *, void *);
	int	(*unseen)(struct store *, const char *, const char *, int,
		    store_msg_cb *, void *, long long *);
	int	(*seen)(struct store *, const char *, const char *,
		    const char *);
	int	(*marker_get)(struct store *, const char *, const char *,
		    long long *);
	int	(*marker_set)(struct store *, const char *, const char *,
		    long long, long long *);
	int	(*purge)(struct store *, long long, long long, long long, int);
	int	(*user_admin)(struct store *, const char *);
	int	(*user_set_admin)(struct store *, const char *, int);
	int	(*search)(struct store *, const char *,
		    const struct search_req *, store_msg_cb *, void *);
	int	(*stats)(struct store *, const char *, long long *,
		    long long *);
	int	(*size)(struct store *, long long *, long long *);
	/* several gateways (NULL: one gateway per database) */
	int	(*join)(struct store *);
	int	(*gateways)(struct store *);
	int	(*hold)(struct store *, const char *, long long *);
	int	(*unhold)(struct store *, long long);
	int	(*fd)(const struct store *);
	int	(*ok)(struct store *);
	int	(*listen)(struct store *);
	int	(*news)(struct store *);
	int	(*since)(struct store *, const char *, long long, int,
		    store_msg_cb *, void *);
	int	(*newest)(struct store *, const char *, long long *);
};

/*
 * What one group commit has looked up, for either backend: account ids
 * and conversations, so a message costs one row; a conversation's newest
 * time is written once, at the commit. Valid only inside the batch (the
 * write lock is ours), then store_memo_clear().
 */
struct store_memo_entry {
	char		 key[24 + STORE_NAME_MAX];	/* "ACC PEER", "NAME" */
	long long	 id;
	long long	 last_ms;	/* conversations */
	int		 dirty;		/* last_ms to write at commit */
	UT_hash_handle	 hh;
};

struct store_memo {
	struct store_memo_entry *accts;
	struct store_memo_entry *convs;
};

/* 1 and *id when name was looked up in this batch, else 0. */
int		 store_memo_account(struct store_memo *, const char *name,
		    long long *id);
void		 store_memo_account_put(struct store_memo *, const char *name,
		    long long id);
/* 1 and *conv (its time raised to time_ms) when known, else 0. */
int		 store_memo_conv(struct store_memo *, long long acc,
		    const char *peer, long long time_ms, long long *conv);
void		 store_memo_conv_put(struct store_memo *, long long acc,
		    const char *peer, long long time_ms, long long conv);
/* Each conversation whose time rose: fn(ctx, conv, last_ms); -1 stops. */
int		 store_memo_dirty(struct store_memo *,
		    int (*fn)(void *, long long, long long), void *ctx);
void		 store_memo_clear(struct store_memo *);

/* Row ids strictly between lo and hi. */
struct store_range {
	long long	 lo, hi;
};

/*
 * What a backend answers history.c, which plans a CHATHISTORY request:
 * conv: the account's id (unknown: -1), then with a peer its
 * conversation (1 and *conv, 0 none); probe: the first row at or after
 * id x (1, its time and id; 0 none); max_id: the newest id (0 none);
 * range: up to limit rows of conv in r, from r.lo up or (down) from r.hi
 * down, to cb in ascending order, their count.
 */
struct store_hist_ops {
	int	(*conv)(struct store *, const char *account, const char *peer,
		    long long *conv);
	int	(*probe)(struct store *, long long x, long long *time_ms,
		    long long *id);
	int	(*max_id)(struct store *, long long *id);
	int	(*range)(struct store *, long long conv, const char *peer,
		    struct store_range r, int limit, int down, store_msg_cb *,
		    void *);
};

struct store_hist {
	struct store		*st;
	const struct store_hist_ops *ops;
	long long		 conv;
	const char		*peer;
};

int		 store_history_run(struct store *,
		    const struct store_hist_ops *, const char *account,
		    const struct chathistory_req *, store_msg_cb *, void *);

/*
 * Every backend's struct store starts with this, so store.c works on any
 * of them without knowing the rest.
 */
struct store_common {
	const struct store_ops *ops;	/* the backend's */
	char		 err[STORE_ERR_MAX];
	char		 dummy[crypto_pwhash_STRBYTES];	/* unknown names */
};

/* Set the error text; returns -1. */
int		 store_fail(struct store *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* 1 if s is a valid account or peer name; a client name. */
int		 store_name_ok(const char *);
int		 store_client_ok(const char *);

/* A msgid we issued (a decimal row id) to its number; -1 if it is not. */
int		 store_msgid_parse(const char *s, long long *id);

/* argon2id of password into out (crypto_pwhash_STRBYTES): 0 or -1. */
int		 store_hash(struct store *, const char *password, char *out,
		    size_t size);
/* The stand-in hash for an unknown name, into buf: 0 or -1. */
int		 store_dummy_hash(struct store *, char *buf);
/* Check password against the stand-in (what a wrong one costs). */
void		 store_check_dummy(struct store *, const char *password,
		    size_t n);

/* The backends' openers: a file path, a libpq URI (postgres.c). */
struct store	*sqlite_open(const char *path, char *err, size_t errlen);
struct store	*pg_open(const char *uri, char *err, size_t errlen);
/*
 * postgres_search.c: the user's words and "phrases" (split as
 * sqlite_search.c splits them, those without a word byte left out) one
 * a line into out, for msg_query(): 0, or -1 if none is left or they
 * cannot fit. Here, without libpq's types, for fuzz_search.
 */
int		 pg_search_words(const char *text, char *out, size_t size);
/*
 * postgres_outbox.c: the outbox, PostgreSQL only. backend.c calls it
 * directly (not through store_ops: that keeps postgres.c from calling
 * it back, one circle of files fewer).
 */
int		 pg_outbox_add(struct store *, const char *, const char *,
		    const char *, size_t, long long, long long *, int *);
int		 pg_outbox_done(struct store *, long long, long long);
int		 pg_outbox_answer(struct store *, long long,
		    enum store_outbox_state, int, const char *);
int		 pg_outbox_take(struct store *, int, store_outbox_cb *, void *);
int		 pg_outbox_lost(struct store *, const char *, int,
		    const char *);
int		 pg_outbox_state(struct store *, const long long *, int,
		    store_outbox_cb *, void *);
int		 pg_outbox_purge(struct store *, long long);
/* 1 if --db names a PostgreSQL database (postgresql:// or postgres://). */
int		 store_is_pg(const char *);

#endif
