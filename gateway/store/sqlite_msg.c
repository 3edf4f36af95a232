/*
 * sqlite_msg: the SQLite backend's messages, the chathistory queries
 * over them, playback of what a client has not seen, and the retention
 * purge. A msgid is the row id in decimal (see docs/bouncer.md: the
 * order is total and stable, the key is 8 bytes); stored times never go
 * back, so msgid order and time order agree and a timestamp selector
 * becomes a row id bound. A conversation's rows are found through its
 * runs of consecutive ids (msg_run, schema step 9): the store gives the
 * ids (msg_hw) and notes each write's runs.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

static int	store_msg_account(struct store *, const char *, long long *);
static int	store_msg_conv(struct store *, long long, const char *,
		    long long, long long *);
static int	store_conv_touch(void *, long long, long long);
static int	store_ids_begin(struct store *);
static int	store_ids_end(struct store *);
static int	store_run_note(struct store *, long long, long long);
static int	store_run_flush(struct store *);
static int	store_pend_add(struct store *, long long, enum store_dir,
		    long long, const char *, size_t, long long);
static int	store_pend_flush(struct store *);
static int	store_pend_insert(struct store *, sqlite3_stmt *, int, int);
static sqlite3_stmt *store_pend_stmt(struct store *);
static int	store_probe(struct store *, long long, long long *,
		    long long *);
static int	store_max_id(struct store *, long long *);
static int	store_range(struct store *, long long, const char *,
		    struct store_range, int, int, store_msg_cb *, void *);
static int	store_conv_find(struct store *, const char *, const char *,
		    long long *);
static int	store_purge_counts(struct store *, long long, int *);
static int	store_purge_cut(struct store *, long long, long long,
		    long long *);
static int	store_two_ints(struct store *, const char *, long long,
		    long long *, long long *);
static int	store_purge_step(struct store *, enum store_st, long long,
		    long long, int *);

/* The account's id, from the batch's memo when there is one. */
static int
store_msg_account(struct store *st, const char *account, long long *id)
{
	if (st->batch && store_memo_account(&st->memo, account, id))
		return 0;
	if (store_account_id(st, account, id) == -1)
		return -1;
	if (st->batch)
		store_memo_account_put(&st->memo, account, *id);
	return 0;
}

/*
 * The conversation (acc, peer), its last_ms raised to time_ms: once per
 * batch an upsert, after that only the memo (written at the commit).
 */
static int
store_msg_conv(struct store *st, long long acc, const char *peer,
    long long time_ms, long long *conv)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (st->batch && store_memo_conv(&st->memo, acc, peer, time_ms, conv))
		return 0;
	s = store_stmt(st, ST_CONV_UPSERT);
	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_text(s, 2, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, time_ms);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*conv = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_sqlfail(st, "add conversation");
	if (st->batch)
		store_memo_conv_put(&st->memo, acc, peer, time_ms, *conv);
	return 0;
}

/*
 * Record one message: in its own transaction, or in the batch that
 * sqlite_batch_begin() opened (committed by sqlite_batch_end()).
 */
int
sqlite_msg_add(struct store *st, const char *account, enum store_dir dir,
    const char *peer, const char *text, size_t text_len, long long time_ms,
    struct store_stamp *out)
{
	long long	 acc, conv = 0, id;

	if (!store_name_ok(peer) || text_len == 0 ||
	    text_len > STORE_TEXT_MAX || time_ms < 0 ||
	    (dir != STORE_IN && dir != STORE_OUT))
		return store_fail(st, "bad message");
	if (time_ms < st->last_ms)
		time_ms = st->last_ms;	/* the clock went back */
	if (st->batch && st->pend_failed)
		return -1;	/* the commit fails: its first error stays */
	if (store_msg_account(st, account, &acc) == -1)
		return -1;
	if (!st->batch && (store_exec(st, ST_BEGIN) == -1 ||
	    store_ids_begin(st) == -1))
		return store_abort(st);
	if (store_msg_conv(st, acc, peer, time_ms, &conv) == -1)
		return st->batch ? -1 : store_abort(st);
	id = st->next_id;
	if (store_pend_add(st, conv, dir, time_ms, text, text_len, id) == -1)
		return st->batch ? -1 : store_abort(st);
	st->next_id++;
	if (store_run_note(st, conv, id) == -1)
		return st->batch ? -1 : store_abort(st);
	/* searchable once sqlite_index() took it (the indexer thread) */
	if (!st->batch && (store_pend_flush(st) == -1 ||
	    store_ids_end(st) == -1 || store_exec(st, ST_COMMIT) == -1))
		return store_abort(st);
	st->last_ms = time_ms;
	if (out != NULL) {
		store_msgid_format(out->msgid, id);
		out->id = id;
		out->time_ms = time_ms;
	}
	return 0;
}

/*
 * The first row at or after id x: 1 with its time and id, 0 if none.
 * Stored times never go back, so time order is row id order.
 */
static int
store_probe(struct store *st, long long x, long long *time_ms,
    long long *id)
{
	sqlite3_stmt	*s = store_stmt(st, ST_PROBE);
	int		 rc;

	sqlite3_bind_int64(s, 1, x);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*time_ms = sqlite3_column_int64(s, 0);
		*id = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_sqlfail(st, "time bound");
}

/* The newest row id (0: none). */
static int
store_max_id(struct store *st, long long *id)
{
	return store_step_int(st, store_stmt(st, ST_MAX_ID), id,
	    "time bound") == -1 ? -1 : 0;
}

/* Deliver rows (id, time_ms, dir, text[, peer]) in the statement's order. */
int
store_rows(struct store *st, sqlite3_stmt *s, const char *peer,
    store_msg_cb *cb, void *ctx)
{
	struct store_msg	m;
	int			rc, n = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_msgid_format(m.msgid, sqlite3_column_int64(s, 0));
		m.time_ms = sqlite3_column_int64(s, 1);
		m.dir = sqlite3_column_int(s, 2) ? STORE_OUT : STORE_IN;
		m.text = (const char *)sqlite3_column_text(s, 3);
		m.text_len = (size_t)sqlite3_column_bytes(s, 3);
		m.peer = peer != NULL ? peer :
		    (const char *)sqlite3_column_text(s, 4);
		if (m.text == NULL || m.peer == NULL)
			break;
		cb(ctx, &m);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "history");
	return n;
}

/* Up to limit rows of a conversation in r, from r.lo up or r.hi down. */
static int
store_range(struct store *st, long long conv, const char *peer,
    struct store_range r, int limit, int down, store_msg_cb *cb, void *ctx)
{
	sqlite3_stmt	*s = store_stmt(st, down ? ST_RANGE_DESC :
			    ST_RANGE_ASC);

	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, r.lo);
	sqlite3_bind_int64(s, 3, r.hi);
	sqlite3_bind_int(s, 4, limit);
	return store_rows(st, s, peer, cb, ctx);
}

/* The account (-1 if unknown), then its conversation with peer: 1, 0. */
static int
store_conv_find(struct store *st, const char *account, const char *peer,
    long long *conv)
{
	sqlite3_stmt	*s;
	long long	 acc;

	if (store_account_id(st, account, &acc) == -1)
		return -1;
	if (peer == NULL)
		return 0;
	s = store_stmt(st, ST_CONV_FIND);
	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_text(s, 2, peer, -1, SQLITE_STATIC);
	return store_step_int(st, s, conv, "conversation");
}

static const struct store_hist_ops sqlite_hist = {
	.conv = store_conv_find,
	.probe = store_probe,
	.max_id = store_max_id,
	.range = store_range,
};

/* Run a chathistory request on one conversation (history.c). */
int
sqlite_history(struct store *st, const char *account,
    const struct chathistory_req *req, store_msg_cb *cb, void *ctx)
{
	return store_history_run(st, &sqlite_hist, account, req, cb, ctx);
}

/* TARGETS: conversations whose latest message lies between a and b. */
int
sqlite_targets(struct store *st, const char *account,
    const struct chathistory_req *req, store_target_cb *cb, void *ctx)
{
	sqlite3_stmt	*s;
	long long	 acc, a = req->a.value, b = req->b.value;
	int		 rc, n = 0;

	if (req->cmd != CHATHISTORY_TARGETS || req->limit < 1 ||
	    req->limit > STORE_LIMIT_MAX ||
	    req->a.ref != CHATHISTORY_REF_TIME ||
	    req->b.ref != CHATHISTORY_REF_TIME)
		return store_fail(st, "bad targets request");
	if (store_account_id(st, account, &acc) == -1)
		return -1;
	if (a == b)
		return 0;
	s = store_stmt(st, a < b ? ST_TARGETS_ASC : ST_TARGETS_DESC);
	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_int64(s, 2, a < b ? a : b);
	sqlite3_bind_int64(s, 3, a < b ? b : a);
	sqlite3_bind_int(s, 4, req->limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cb(ctx, (const char *)sqlite3_column_text(s, 0),
		    sqlite3_column_int64(s, 1));
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "targets");
	return n;
}

/* Playback: the newest `limit` messages a client has not seen. */
int
sqlite_unseen(struct store *st, const char *account, const char *client,
    int limit, store_msg_cb *cb, void *ctx, long long *left_out)
{
	sqlite3_stmt	*s;
	long long	 acc, pos, total = 0;
	int		 rc, n;

	*left_out = 0;
	if (limit < 0 || limit > STORE_LIMIT_MAX)
		return store_fail(st, "bad playback limit");
	if (store_account_id(st, account, &acc) == -1 ||
	    store_position(st, acc, client, &pos) == -1)
		return -1;
	s = store_stmt(st, ST_UNSEEN_COUNT);
	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_int64(s, 2, pos);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_sqlfail(st, "unseen");
	s = store_stmt(st, ST_UNSEEN);
	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_int64(s, 2, pos);
	sqlite3_bind_int(s, 3, limit);
	if ((n = store_rows(st, s, NULL, cb, ctx)) == -1)
		return -1;
	*left_out = total > n ? total - n : 0;
	return n;
}

/*
 * One bounded DELETE; *left loses the rows it took. AGE: (cutoff ms,
 * limit), COUNT: (account, last id to go, limit), CONV: (limit).
 */
static int
store_purge_step(struct store *st, enum store_st which, long long a,
    long long b, int *left)
{
	sqlite3_stmt	*s = store_stmt(st, which);
	int		 rc;

	sqlite3_bind_int64(s, 1, a);
	if (which == ST_PURGE_AGE)
		sqlite3_bind_int(s, 2, *left);
	else if (which == ST_PURGE_COUNT) {
		sqlite3_bind_int64(s, 2, b);
		sqlite3_bind_int(s, 3, *left);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "purge");
	*left -= sqlite3_changes(st->db);
	if (which == ST_PURGE_CONV)
		return 0;
	/* the runs left empty: below the oldest row, or the account's */
	s = store_stmt(st, which == ST_PURGE_AGE ? ST_RUN_EMPTY :
	    ST_RUN_EMPTY_ACC);
	if (which == ST_PURGE_COUNT) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "purge");
}

/* The newest row id of an account past its newest max: 1 and *id, 0, -1. */
static int
store_purge_cut(struct store *st, long long acc, long long max,
    long long *id)
{
	sqlite3_stmt	*s = store_stmt(st, ST_PURGE_CUT);

	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_int64(s, 2, max);
	return store_step_int(st, s, id, "purge");
}

/* Each account: delete past its newest max rows, while budget lasts. */
static int
store_purge_counts(struct store *st, long long max, int *left)
{
	sqlite3_stmt	*acc = store_stmt(st, ST_ACCOUNTS);
	long long	 id, last = 0;
	int		 rc = SQLITE_DONE, found, ret = 0;

	while (ret == 0 && *left > 0 &&
	    (rc = sqlite3_step(acc)) == SQLITE_ROW) {
		id = sqlite3_column_int64(acc, 0);
		if ((found = store_purge_cut(st, id, max, &last)) == -1)
			ret = -1;
		else if (found && store_purge_step(st, ST_PURGE_COUNT, id,
		    last, left) == -1)
			ret = -1;
	}
	if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlfail(st, "purge");
	sqlite3_reset(acc);
	return ret;
}

/* Retention in bounded batches. */
int
sqlite_purge(struct store *st, long long now_ms, long long max_age_s,
    long long max_per_account, int budget)
{
	int	left = budget, conv_left = budget;

	if (budget < 1 || max_age_s < 0 || max_age_s > STORE_AGE_MAX ||
	    max_per_account < 0)
		return store_fail(st, "bad purge bounds");
	if (store_exec(st, ST_BEGIN) == -1)
		return -1;
	if (max_age_s > 0 && store_purge_step(st, ST_PURGE_AGE,
	    now_ms - max_age_s * 1000, 0, &left) == -1)
		return store_abort(st);
	if (max_per_account > 0 && left > 0 &&
	    store_purge_counts(st, max_per_account, &left) == -1)
		return store_abort(st);
	if (store_purge_step(st, ST_PURGE_CONV, conv_left, 0,
	    &conv_left) == -1 || store_exec(st, ST_COMMIT) == -1)
		return store_abort(st);
	return left <= 0 || conv_left <= 0;
}

/*
 * Messages added from now on share one transaction, until
 * sqlite_batch_end(): a few microseconds each instead of a commit each.
 */
int
sqlite_batch_begin(struct store *st)
{
	if (st->batch)
		return 0;
	if (store_exec(st, ST_BEGIN) == -1)
		return -1;
	if (store_ids_begin(st) == -1)
		return store_abort(st);
	st->batch = 1;
	return 0;
}

/*
 * A row to insert: kept, with a copy of its text, until STORE_PEND_ROWS
 * wait (or their texts fill the buffer), then inserted together.
 */
static int
store_pend_add(struct store *st, long long conv, enum store_dir dir,
    long long time_ms, const char *text, size_t len, long long id)
{
	struct store_pend	*p;

	if (st->pend_text == NULL &&
	    (st->pend_text = malloc(STORE_PEND_BYTES)) == NULL)
		return store_fail(st, "out of memory");
	if (st->pend_used + len > STORE_PEND_BYTES &&
	    store_pend_flush(st) == -1)
		return -1;
	p = &st->pend[st->npend++];
	p->conv = conv;
	p->dir = (int)dir;
	p->time_ms = time_ms;
	p->id = id;
	p->off = st->pend_used;
	p->len = len;
	memcpy(st->pend_text + st->pend_used, text, len);
	st->pend_used += len;
	if (st->npend == STORE_PEND_ROWS)
		return store_pend_flush(st);
	return 0;
}

/*
 * The waiting rows into msg: STORE_PEND_ROWS in one statement, fewer
 * one by one. A failure fails the whole write (pend_failed): rows the
 * caller was told are stored would be missing.
 */
static int
store_pend_flush(struct store *st)
{
	sqlite3_stmt	*s;
	int		 i = 0, ret = 0;

	if (st->npend == STORE_PEND_ROWS) {
		if ((s = store_pend_stmt(st)) == NULL)
			ret = -1;
		else
			ret = store_pend_insert(st, s, 0, STORE_PEND_ROWS);
		i = STORE_PEND_ROWS;
	}
	for (; ret == 0 && i < st->npend; i++)
		ret = store_pend_insert(st, store_stmt(st, ST_MSG_ADD), i, 1);
	st->npend = 0;
	st->pend_used = 0;
	if (ret == -1)
		st->pend_failed = 1;
	return ret;
}

/* Rows [from, from + n) through s, whose VALUES are n rows of five. */
static int
store_pend_insert(struct store *st, sqlite3_stmt *s, int from, int n)
{
	struct store_pend	*p;
	int			 i, rc;

	for (i = 0; i < n; i++) {
		p = &st->pend[from + i];
		sqlite3_bind_int64(s, i * 5 + 1, p->conv);
		sqlite3_bind_int(s, i * 5 + 2, p->dir);
		sqlite3_bind_int64(s, i * 5 + 3, p->time_ms);
		sqlite3_bind_text(s, i * 5 + 4, st->pend_text + p->off,
		    (int)p->len, SQLITE_STATIC);
		if (st->ids_auto)
			sqlite3_bind_null(s, i * 5 + 5);
		else
			sqlite3_bind_int64(s, i * 5 + 5, p->id);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "add message");
	if (sqlite3_last_insert_rowid(st->db) != st->pend[from + n - 1].id)
		return store_fail(st, "message ids out of step");
	return 0;
}

/* The INSERT of STORE_PEND_ROWS rows, made at its first use. */
static sqlite3_stmt *
store_pend_stmt(struct store *st)
{
	static const char	head[] = "INSERT INTO msg (conv, dir,"
				    " time_ms, text, id) VALUES ";
	static const char	row[] = ",(?,?,?,?,?)";
	char			sql[sizeof head + STORE_PEND_ROWS *
				    sizeof row];
	size_t			n = sizeof head - 1;
	int			i;

	if (st->pend_st != NULL)
		return st->pend_st;
	memcpy(sql, head, n);
	for (i = 0; i < STORE_PEND_ROWS; i++) {
		memcpy(sql + n, row + (i == 0), sizeof row - 1 - (i == 0));
		n += sizeof row - 1 - (i == 0);
	}
	sql[n] = '\0';
	if (sqlite3_prepare_v3(st->db, sql, (int)n, SQLITE_PREPARE_PERSISTENT,
	    &st->pend_st, NULL) != SQLITE_OK) {
		store_sqlfail(st, "add message");
		return NULL;
	}
	return st->pend_st;
}

/*
 * A write that adds messages begins: the next id after msg_hw's. If no
 * row past the newest is gone, SQLite's next rowid (the largest + 1) is
 * that one, and the INSERTs let it choose (store_pend_insert() checks).
 */
static int
store_ids_begin(struct store *st)
{
	sqlite3_stmt	*s = store_stmt(st, ST_HW_GET);
	long long	 top = 0;
	int		 rc;

	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		st->hw = sqlite3_column_int64(s, 0);
		top = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_sqlfail(st, "message id");
	st->ids_auto = top == st->hw;
	if (top > st->hw)
		st->hw = top;
	st->next_id = st->hw + 1;
	st->run.conv = 0;
	st->npend = 0;
	st->pend_used = 0;
	st->pend_failed = 0;
	return 0;
}

/* It ends: its last run written, msg_hw raised to its last id. */
static int
store_ids_end(struct store *st)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (store_run_flush(st) == -1)
		return -1;
	if (st->next_id - 1 == st->hw)
		return 0;
	s = store_stmt(st, ST_HW_SET);
	sqlite3_bind_int64(s, 1, st->next_id - 1);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "message id");
}

/* Row id of conv stored: the run grows, or the one before is written. */
static int
store_run_note(struct store *st, long long conv, long long id)
{
	if (st->run.conv == conv && st->run.hi == id - 1) {
		st->run.hi = id;
		return 0;
	}
	if (store_run_flush(st) == -1)
		return -1;
	st->run.conv = conv;
	st->run.lo = st->run.hi = id;
	return 0;
}

/*
 * The run into msg_run: the conversation's last run grows if it ends
 * just before (the previous write ended with this conversation), or a
 * new one. Ids are consecutive: no other row lies between the two.
 */
static int
store_run_flush(struct store *st)
{
	sqlite3_stmt	*s;
	int		 rc, i;

	if (st->run.conv == 0)
		return 0;
	for (i = 0; i < 2; i++) {
		s = store_stmt(st, i == 0 ? ST_RUN_GROW : ST_RUN_ADD);
		sqlite3_bind_int64(s, 1, st->run.conv);
		sqlite3_bind_int64(s, 2, st->run.lo);
		sqlite3_bind_int64(s, 3, st->run.hi);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return store_sqlfail(st, "message run");
		if (i == 0 && sqlite3_changes(st->db) > 0)
			break;
	}
	st->run.conv = 0;
	return 0;
}

/* A conversation of the batch gets its newest time. */
static int
store_conv_touch(void *ctx, long long conv, long long last_ms)
{
	struct store	*st = ctx;
	sqlite3_stmt	*s = store_stmt(st, ST_CONV_TOUCH);
	int		 rc;

	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, last_ms);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "conversation time");
}

/* Commit the batch (nothing open: 0). */
int
sqlite_batch_end(struct store *st)
{
	int	rc;

	if (!st->batch)
		return 0;
	st->batch = 0;
	rc = store_memo_dirty(&st->memo, store_conv_touch, st);
	store_memo_clear(&st->memo);
	if (rc == -1 || store_pend_flush(st) == -1 || st->pend_failed ||
	    store_ids_end(st) == -1 || store_exec(st, ST_COMMIT) == -1)
		return store_abort(st);
	return 0;
}

/* One row of two integers from sql (?1 bound to account if given). */
static int
store_two_ints(struct store *st, const char *sql, long long account,
    long long *a, long long *b)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sqlfail(st, "stats");
	if (account > 0)
		sqlite3_bind_int64(s, 1, account);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*a = sqlite3_column_int64(s, 0);
		*b = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_sqlfail(st, "stats");
}

/* How many messages are kept (account NULL: all), the oldest's time. */
int
sqlite_stats(struct store *st, const char *account, long long *count,
    long long *oldest_ms)
{
	long long	acc;

	if (account == NULL)
		return store_two_ints(st, "SELECT count(*), min(time_ms) FROM"
		    " msg", 0, count, oldest_ms);
	if (store_account_id(st, account, &acc) == -1)
		return -1;
	return store_two_ints(st, "SELECT count(*), min(time_ms) FROM msg"
	    " WHERE conv IN (SELECT id FROM conv WHERE account = ?1)", acc,
	    count, oldest_ms);
}

/* The store's bytes (its search file's too), and the search index's. */
int
sqlite_size(struct store *st, long long *total, long long *index)
{
	const char	*file = sqlite3_db_filename(st->db, "main");
	char		 path[4096];
	long long	 pages = 0, size = 0;
	struct stat	 sb;

	if (store_two_ints(st, "SELECT page_count, page_size FROM"
	    " pragma_page_count, pragma_page_size", 0, &pages, &size) == -1)
		return -1;
	*total = pages * size;
	*index = -1;
	if (file != NULL && (size_t)snprintf(path, sizeof path, "%s%s", file,
	    STORE_SEARCH_SUFFIX) < sizeof path && stat(path, &sb) == 0) {
		*index = (long long)sb.st_size;
		*total += *index;
	}
	return 0;
}
