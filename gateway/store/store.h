/*
 * store: the bouncer's database behind one interface, SQLite (a file:
 * sqlite.c, sqlite_msg.c, sqlite_search.c) or PostgreSQL (a libpq URI:
 * postgres.c, postgres_msg.c, postgres_search.c); backend.c picks one,
 * store.c and search.c are what both share: accounts with argon2id
 * password hashes and an admin flag, every message an account sent or
 * received, playback positions per client, read markers, IRCv3
 * chathistory queries, full-text search and a retention purge.
 * Synchronous and
 * self-contained: no libevent, no logging; every function fails with -1
 * (or NULL) and store_error() says why. Sessions, IRC replies and timers
 * are the caller's.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>

#include "chathistory.h"
#include "account_cli.h"
#include "search.h"

#define STORE_VERSION		9	/* user_version, chatircd_schema */
#define STORE_NAME_MAX		64	/* account, chat, peer names */
#define STORE_CLIENT_MAX	32	/* a client's name: [A-Za-z0-9._-] */
#define STORE_PASS_MAX		512	/* password bytes */
#define STORE_TEXT_MAX		65536	/* message bytes */
#define STORE_TARGET_MAX	CHATHISTORY_TARGET_MAX	/* read markers */
#define STORE_MSGID_SIZE	(CHATHISTORY_MSGID_MAX + 1)
#define STORE_LIMIT_MAX		1000	/* rows per query */
#define STORE_AGE_MAX		(400LL * 366 * 86400)	/* retention, s */

struct store;

enum store_dir {
	STORE_IN = 0,		/* DELIVERY: peer -> account */
	STORE_OUT = 1		/* SEND confirmed: account -> peer */
};

/* A message as queries deliver it; pointers live until the callback ends. */
struct store_msg {
	char		 msgid[STORE_MSGID_SIZE];
	long long	 time_ms;	/* when it reached the gateway */
	enum store_dir	 dir;
	const char	*peer;
	const char	*text;
	size_t		 text_len;
};

/* What store_msg_add() gave the message. */
struct store_stamp {
	char		 msgid[STORE_MSGID_SIZE];
	long long	 id;		/* the msgid as a number */
	long long	 time_ms;
};

/* A msgid from its number (decimal, no printf: once per message). */
void		 store_msgid_format(char *buf, long long id);

enum store_check {
	STORE_CHECK_ERROR = -1,
	STORE_CHECK_OK = 0,
	STORE_CHECK_BAD_PASSWORD,
	STORE_CHECK_NO_USER
};

typedef void	store_msg_cb(void *ctx, const struct store_msg *);
typedef void	store_target_cb(void *ctx, const char *peer,
		    long long last_ms);
typedef void	store_user_cb(void *ctx, const char *name,
		    const char *chat_name);

/*
 * Open and migrate to STORE_VERSION: a SQLite file (created with mode
 * 0600, or its mode fixed), or a PostgreSQL database when db starts with
 * postgresql:// or postgres:// (a libpq URI; one connection per store).
 * NULL with the reason in err if it cannot be used, is not ours, or is
 * newer than this binary.
 */
struct store	*store_open(const char *db, char *err, size_t errlen);
void		 store_close(struct store *);
/* This connection only adds messages and purges (see store.c). */
int		 store_bulk(struct store *);
int		 store_wal_pages(const struct store *);
int		 store_checkpoint(struct store *);

/*
 * What a log line may say of --db: a file path as it is; a PostgreSQL
 * URI with any password replaced by "***" (into buf, at most size).
 */
const char	*store_shown(const char *db, char *buf, size_t size);

/* Why the last call failed ("no such user", or SQLite's message). */
const char	*store_error(const struct store *);

/* Tests: 1 makes new hashes use libsodium's minimum cost (fast, weak). */
void		 store_pwhash_weak(int);

/* Accounts. Names follow the chat protocol's rule, 1..STORE_NAME_MAX. */
int		 store_user_add(struct store *, const char *name,
		    const char *password);
int		 store_user_del(struct store *, const char *name);
int		 store_user_passwd(struct store *, const char *name,
		    const char *password);
int		 store_user_list(struct store *, store_user_cb *, void *ctx);
/* 1 if accounts changed since the last call (any process), 0, -1. */
int		 store_accounts_changed(struct store *);
enum store_check store_user_check(struct store *, const char *name,
		    const char *password);
/* Checking a password off the event loop: the hash, then the check. */
#define STORE_HASH_SIZE	128	/* >= crypto_pwhash_STRBYTES */
int		 store_user_hash(struct store *, const char *name, char *buf);
int		 store_hash_verify(const char *hash, const char *password);

/* The chat name an account logs in with (its NAME unless set). */
int		 store_user_chat_name(struct store *, const char *name,
		    char *buf, size_t size);
int		 store_user_set_chat_name(struct store *, const char *name,
		    const char *chat_name);

/* Admins may run the service's user and server commands: 1, 0 or -1. */
int		 store_user_admin(struct store *, const char *name);
int		 store_user_set_admin(struct store *, const char *name, int on);

/*
 * Record a message before any client sees it. time_ms is now; it is
 * raised to the newest stored time if the clock went back, so time and
 * msgid order agree. out (may be NULL) gets the msgid and stored time.
 */
int		 store_msg_add(struct store *, const char *account,
		    enum store_dir, const char *peer, const char *text,
		    size_t text_len, long long time_ms,
		    struct store_stamp *out);

/*
 * Batch: store_msg_add() calls in between share one transaction. The
 * caller commits before anything it stored is shown (a crash before the
 * commit loses only what nobody saw).
 */
int		 store_batch_begin(struct store *);
int		 store_batch_end(struct store *);

/*
 * The search index, written apart from the commits: in steps of at most
 * max_rows, outside any batch, on a connection of its own (SQLite: a
 * file of its own; PostgreSQL: msg_word, from msg_todo's id ranges; a
 * backend that indexes each row as it is added has nothing to do, *done
 * LLONG_MAX). 1: more may wait, 0: all indexed, -1: error; *done: the
 * last row indexed.
 */
int		 store_index(struct store *, int max_rows, long long *done);
/* 1 if store_index() has work to do: an indexer thread runs it. */
int		 store_index_apart(const struct store *);
/* The rows a step best takes: max_rows, and how many owed start one. */
int		 store_index_step(const struct store *);
/* 1 if a search finds indexed rows only: it waits for the index first. */
int		 store_index_deferred(const struct store *);

/*
 * Run a parsed CHATHISTORY request (not TARGETS) for account on req's
 * target (a peer name): rows in ascending order through cb. Returns the
 * number of rows, or -1.
 */
int		 store_history(struct store *, const char *account,
		    const struct chathistory_req *, store_msg_cb *, void *ctx);

/* CHATHISTORY TARGETS: peers by the time of their latest message. */
int		 store_targets(struct store *, const char *account,
		    const struct chathistory_req *, store_target_cb *,
		    void *ctx);

/*
 * Playback on attach: the newest `limit` messages past the position of
 * (account, client), client NULL or "" for the account's own position,
 * in ascending order; *left_out gets how many older unseen ones were not
 * delivered. Returns the number delivered, or -1.
 */
int		 store_unseen(struct store *, const char *account,
		    const char *client, int limit, store_msg_cb *, void *ctx,
		    long long *left_out);

/* A client has seen msgid and all before it; positions never go back. */
int		 store_seen(struct store *, const char *account,
		    const char *client, const char *msgid);

/*
 * draft/read-marker, one per (account, target), shared by the account's
 * clients. get: 1 and *time_ms if set, 0 if not. set: the marker only
 * increases; *stored gets the value now stored; returns 1 if it moved.
 */
int		 store_marker_get(struct store *, const char *account,
		    const char *target, long long *time_ms);
int		 store_marker_set(struct store *, const char *account,
		    const char *target, long long time_ms, long long *stored);

/*
 * Retention: delete messages older than max_age_s (0: no age bound) and
 * past the newest max_per_account of each account (0: no count bound),
 * at most budget rows per call. Returns 1 if more may remain (call again
 * later), 0 when done, -1 on error.
 */
int		 store_purge(struct store *, long long now_ms,
		    long long max_age_s, long long max_per_account,
		    int budget);

/*
 * Full-text search in an account's messages: the newest q->limit
 * matches, in ascending order through cb. Returns the number of rows, or
 * -1. SQLite: FTS5 (sqlite_search.c); PostgreSQL: a tsvector GIN index
 * (postgres_search.c).
 */
int		 store_search(struct store *, const char *account,
		    const struct search_req *q, store_msg_cb *, void *ctx);

/* Messages stored (all accounts, or one) and the oldest one's time. */
int		 store_stats(struct store *, const char *account,
		    long long *count, long long *oldest_ms);
/* Bytes of the database file and of its search index (estimates). */
int		 store_size(struct store *, long long *total,
		    long long *index);

/*
 * Several gateways on one database (PostgreSQL): session-level advisory
 * locks, which the server drops when the connection that holds them
 * ends. SQLite (one gateway per file): every hold is granted.
 * store_join(): this connection's session is what the locks hang on,
 * so it is never silently replaced (no reconnect inside a call), and it
 * counts as one live gateway. store_hold(): 1 (held now; *key for
 * store_unhold), 0 another gateway holds it, -1 (no such account, or
 * the connection failed: store_ok() says which).
 */
int		 store_shared(const struct store *);
int		 store_join(struct store *);
int		 store_gateways(struct store *);
int		 store_hold(struct store *, const char *account,
		    long long *key);
int		 store_unhold(struct store *, long long key);
/*
 * News between gateways: every group commit with messages notifies
 * (PostgreSQL NOTIFY, at the commit); store_listen() subscribes this
 * connection, store_news() says what news came since its last call
 * (STORE_NEWS_*, read by store_ok()). store_since(): an account's
 * messages past row id after, ascending, at most limit;
 * store_newest(): its newest row id.
 */
int		 store_listen(struct store *);
int		 store_news(struct store *);
int		 store_since(struct store *, const char *account,
		    long long after, int limit, store_msg_cb *, void *ctx);
int		 store_newest(struct store *, const char *account,
		    long long *id);
#define STORE_NEWS_MSG	0x01	/* chatircd_msg: messages stored */
#define STORE_NEWS_SEND	0x02	/* chatircd_send: an outbox row queued */

/*
 * The outbox (PostgreSQL; SQLite: "not supported"): what a client at a
 * gateway that does not hold its account sends, as rows the holder
 * takes (issue 19). A row is pending, then sending (taken by the
 * session that holds its account's lock), then done (store_outbox_done
 * in the transaction that stores the message: *msg is its row) or
 * answered (result and answer, the caller's codes; NOTIFY chatircd_msg
 * at the commit). add: *id, *held 1 if a gateway holds the account now
 * (NOTIFY chatircd_send). take: up to limit pending rows of the
 * accounts this connection's session holds, marked sending, in id
 * order. lost: an account's rows left sending by its last holder are
 * answered (result, why); the count. state: the rows of ids that are
 * done or answered. purge: rows done or answered before before_ms.
 */
enum store_outbox_state {
	STORE_OUTBOX_PENDING = 0,
	STORE_OUTBOX_SENDING = 1,
	STORE_OUTBOX_DONE = 2,
	STORE_OUTBOX_ANSWERED = 3
};
struct store_outbox {
	long long	 id;
	const char	*account;
	const char	*target;
	const char	*text;
	size_t		 text_len;
	int		 state;
	long long	 msg;
	int		 result;
	const char	*answer;
};
typedef void	store_outbox_cb(void *ctx, const struct store_outbox *);
int		 store_outbox_add(struct store *, const char *account,
		    const char *target, const char *text, size_t len,
		    long long now_ms, long long *id, int *held);
int		 store_outbox_done(struct store *, long long id,
		    long long msg);
int		 store_outbox_answer(struct store *, long long id,
		    enum store_outbox_state, int result, const char *answer);
int		 store_outbox_take(struct store *, int limit,
		    store_outbox_cb *, void *ctx);
int		 store_outbox_lost(struct store *, const char *account,
		    int result, const char *why);
int		 store_outbox_state(struct store *, const long long *ids,
		    int n, store_outbox_cb *, void *ctx);
int		 store_outbox_purge(struct store *, long long before_ms);

/* The connection's socket (-1: none to watch); 1 if it still works. */
int		 store_fd(const struct store *);
int		 store_ok(struct store *);

#endif
