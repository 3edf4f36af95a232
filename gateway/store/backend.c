/*
 * backend: which backend a --db names (a libpq URI: postgres.c, else a
 * SQLite file: sqlite.c), and the interface of store.h handed to the
 * backend through its struct store_ops. Only this file knows both
 * backends; they know store.c only.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static const struct store_ops *store_ops(const struct store *);
static int	store_outbox_ok(struct store *);

static const struct store_ops *
store_ops(const struct store *st)
{
	return ((const struct store_common *)(const void *)st)->ops;
}

/* A libpq URI (postgres.c) or else a SQLite file (sqlite.c). */
int
store_is_pg(const char *db)
{
	return strncmp(db, "postgresql://", 13) == 0 ||
	    strncmp(db, "postgres://", 11) == 0;
}

/* Open the store --db names, on the backend it names. */
struct store *
store_open(const char *db, char *err, size_t errlen)
{
	return store_is_pg(db) ? pg_open(db, err, errlen) :
	    sqlite_open(db, err, errlen);
}

void
store_close(struct store *st)
{
	if (st != NULL)
		store_ops(st)->close(st);
}

int
store_bulk(struct store *st)
{
	return store_ops(st)->bulk(st);
}

int
store_wal_pages(const struct store *st)
{
	return store_ops(st)->wal_pages(st);
}

int
store_checkpoint(struct store *st)
{
	return store_ops(st)->checkpoint(st);
}

int
store_user_add(struct store *st, const char *name, const char *password)
{
	return store_ops(st)->user_add(st, name, password);
}

int
store_user_del(struct store *st, const char *name)
{
	return store_ops(st)->user_del(st, name);
}

int
store_user_passwd(struct store *st, const char *name, const char *password)
{
	return store_ops(st)->user_passwd(st, name, password);
}

int
store_user_list(struct store *st, store_user_cb *cb, void *ctx)
{
	return store_ops(st)->user_list(st, cb, ctx);
}

int
store_accounts_changed(struct store *st)
{
	return store_ops(st)->accounts_changed(st);
}

enum store_check
store_user_check(struct store *st, const char *name, const char *password)
{
	return store_ops(st)->user_check(st, name, password);
}

int
store_user_hash(struct store *st, const char *name, char *buf)
{
	return store_ops(st)->user_hash(st, name, buf);
}

int
store_user_chat_name(struct store *st, const char *name, char *buf, size_t size)
{
	return store_ops(st)->user_chat_name(st, name, buf, size);
}

int
store_user_set_chat_name(struct store *st, const char *name,
    const char *chat_name)
{
	return store_ops(st)->user_set_chat_name(st, name, chat_name);
}

int
store_msg_add(struct store *st, const char *account, enum store_dir dir,
    const char *peer, const char *text, size_t text_len, long long time_ms,
    struct store_stamp *out)
{
	return store_ops(st)->msg_add(st, account, dir, peer, text, text_len,
	    time_ms, out);
}

int
store_batch_begin(struct store *st)
{
	return store_ops(st)->batch_begin(st);
}

int
store_batch_end(struct store *st)
{
	return store_ops(st)->batch_end(st);
}

int
store_index(struct store *st, int max_rows, long long *done)
{
	if (store_ops(st)->index == NULL) {
		*done = LLONG_MAX;
		return 0;
	}
	return store_ops(st)->index(st, max_rows, done);
}

int
store_index_apart(const struct store *st)
{
	return store_ops(st)->index != NULL;
}

int
store_index_step(const struct store *st)
{
	return store_ops(st)->index_step;
}

int
store_index_deferred(const struct store *st)
{
	return store_ops(st)->index != NULL && store_ops(st)->search_waits;
}

int
store_history(struct store *st, const char *account,
    const struct chathistory_req *req, store_msg_cb *cb, void *ctx)
{
	return store_ops(st)->history(st, account, req, cb, ctx);
}

int
store_targets(struct store *st, const char *account,
    const struct chathistory_req *req, store_target_cb *cb, void *ctx)
{
	return store_ops(st)->targets(st, account, req, cb, ctx);
}

int
store_unseen(struct store *st, const char *account, const char *client,
    int limit, store_msg_cb *cb, void *ctx, long long *left_out)
{
	return store_ops(st)->unseen(st,
	    account, client, limit, cb, ctx, left_out);
}

int
store_seen(struct store *st, const char *account, const char *client,
    const char *msgid)
{
	return store_ops(st)->seen(st,
	    account, client, msgid);
}

int
store_marker_get(struct store *st, const char *account, const char *target,
    long long *time_ms)
{
	return store_ops(st)->marker_get(st, account, target, time_ms);
}

int
store_marker_set(struct store *st, const char *account, const char *target,
    long long time_ms, long long *stored)
{
	return store_ops(st)->marker_set(st, account, target, time_ms, stored);
}

int
store_purge(struct store *st, long long now_ms, long long max_age_s,
    long long max_per_account, int budget)
{
	return store_ops(st)->purge(st,
	    now_ms, max_age_s, max_per_account, budget);
}

int
store_user_admin(struct store *st, const char *name)
{
	return store_ops(st)->user_admin(st, name);
}

int
store_user_set_admin(struct store *st, const char *name, int on)
{
	return store_ops(st)->user_set_admin(st, name, on);
}

int
store_search(struct store *st, const char *account,
    const struct search_req *q, store_msg_cb *cb, void *ctx)
{
	return store_ops(st)->search(st, account, q, cb, ctx);
}

int
store_stats(struct store *st, const char *account, long long *count,
    long long *oldest_ms)
{
	return store_ops(st)->stats(st, account, count, oldest_ms);
}

int
store_size(struct store *st, long long *total, long long *index)
{
	return store_ops(st)->size(st, total, index);
}

/* The rest only PostgreSQL has; SQLite: one gateway, every hold ours. */
int
store_shared(const struct store *st)
{
	return store_ops(st)->join != NULL;
}

int
store_join(struct store *st)
{
	return store_ops(st)->join != NULL ? store_ops(st)->join(st) : 0;
}

int
store_gateways(struct store *st)
{
	return store_ops(st)->gateways != NULL ?
	    store_ops(st)->gateways(st) : 1;
}

int
store_hold(struct store *st, const char *account, long long *key)
{
	*key = 0;
	return store_ops(st)->hold != NULL ?
	    store_ops(st)->hold(st, account, key) : 1;
}

int
store_unhold(struct store *st, long long key)
{
	return store_ops(st)->unhold != NULL ?
	    store_ops(st)->unhold(st, key) : 0;
}

int
store_fd(const struct store *st)
{
	return store_ops(st)->fd != NULL ? store_ops(st)->fd(st) : -1;
}

int
store_ok(struct store *st)
{
	return store_ops(st)->ok != NULL ? store_ops(st)->ok(st) : 1;
}

int
store_listen(struct store *st)
{
	return store_ops(st)->listen != NULL ? store_ops(st)->listen(st) : 0;
}

int
store_news(struct store *st)
{
	return store_ops(st)->news != NULL ? store_ops(st)->news(st) : 0;
}

int
store_since(struct store *st, const char *account, long long after,
    int limit, store_msg_cb *cb, void *ctx)
{
	return store_ops(st)->since != NULL ?
	    store_ops(st)->since(st, account, after, limit, cb, ctx) : 0;
}

int
store_newest(struct store *st, const char *account, long long *id)
{
	*id = 0;
	return store_ops(st)->newest != NULL ?
	    store_ops(st)->newest(st, account, id) : 0;
}

/* The outbox: PostgreSQL only (one gateway per SQLite file). */
static int
store_outbox_ok(struct store *st)
{
	return store_shared(st) ? 0 : store_fail(st, "the outbox needs "
	    "PostgreSQL");
}

int
store_outbox_add(struct store *st, const char *account, const char *target,
    const char *text, size_t len, long long now_ms, long long *id, int *held)
{
	if (store_outbox_ok(st) == -1)
		return -1;
	return pg_outbox_add(st, account, target, text, len,
	    now_ms, id, held);
}

int
store_outbox_done(struct store *st, long long id, long long msg)
{
	if (store_outbox_ok(st) == -1)
		return -1;
	return pg_outbox_done(st, id, msg);
}

int
store_outbox_answer(struct store *st, long long id,
    enum store_outbox_state state, int result, const char *answer)
{
	if (store_outbox_ok(st) == -1)
		return -1;
	return pg_outbox_answer(st, id, state, result, answer);
}

int
store_outbox_take(struct store *st, int limit, store_outbox_cb *cb,
    void *ctx)
{
	if (store_outbox_ok(st) == -1)
		return -1;
	return pg_outbox_take(st, limit, cb, ctx);
}

int
store_outbox_lost(struct store *st, const char *account, int result,
    const char *why)
{
	if (store_outbox_ok(st) == -1)
		return -1;
	return pg_outbox_lost(st, account, result, why);
}

int
store_outbox_state(struct store *st, const long long *ids, int n,
    store_outbox_cb *cb, void *ctx)
{
	if (store_outbox_ok(st) == -1)
		return -1;
	return pg_outbox_state(st, ids, n, cb, ctx);
}

int
store_outbox_purge(struct store *st, long long before_ms)
{
	if (store_outbox_ok(st) == -1)
		return -1;
	return pg_outbox_purge(st, before_ms);
}

/* --db for a log line: "user:PASS@" and "password=PASS" hidden. */
const char *
store_shown(const char *db, char *buf, size_t size)
{
	const char	*p, *at, *slash, *colon, *pw;
	size_t		 n = 0;

	if (!store_is_pg(db))
		return db;
	p = strstr(db, "://") + 3;
	slash = p + strcspn(p, "/");	/* as libpq: "@" before the "/" */
	for (at = slash; at > p && at[-1] != '@'; at--)
		;			/* the last '@': all before it hidden */
	at = at > p ? at - 1 : NULL;
	colon = at != NULL ? memchr(p, ':', (size_t)(at - p)) : NULL;
	if (colon != NULL)
		n = (size_t)snprintf(buf, size, "%.*s***%s", (int)(colon + 1 -
		    db), db, at);
	else
		n = (size_t)snprintf(buf, size, "%s", db);
	if (n >= size)
		return "postgresql://...";
	if ((pw = strstr(buf, "password=")) != NULL) {
		if (size - (size_t)(pw - buf) < sizeof "password=***")
			return "postgresql://...";
		snprintf((char *)(uintptr_t)pw, size - (size_t)(pw - buf),
		    "password=***");
	}
	return buf;
}
