/*
 * postgres_msg: the PostgreSQL backend's messages, chathistory queries,
 * playback and retention purge; the same answers as sqlite_msg.c (a
 * msgid is the row id, stored times never go back, so a time selector
 * is a binary search of row ids). Message text is bytea, read back in
 * binary: the bytes as they came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_int.h"


static int	pg_msg_conv(struct store *, const char *, const char *,
		    long long, long long *);
static int	pg_conv_touch(void *, long long, long long);
static int	pg_next_id(struct store *, long long *);
static int	pg_copy_row(struct store *, long long, long long,
		    enum store_dir, long long, const char *, size_t);
static int	pg_copy_send(struct store *);
static char	*pg_put_be(char *, unsigned long long, int);
static int	pg_max_id(struct store *, long long *);
static int	pg_range(struct store *, long long, const char *,
		    struct store_range, int, int, store_msg_cb *, void *);
static int	pg_conv_find(struct store *, const char *, const char *,
		    long long *);
static int	pg_probe(struct store *, long long, long long *,
		    long long *);
static int	pg_purge_counts(struct store *, long long, int *);
static int	pg_purge_step(struct store *, enum pg_st, long long,
		    long long, int *);

/*
 * The conversation (account, peer): from the batch's memo, or the
 * account and the conversation in one upsert (then in the memo).
 */
static int
pg_msg_conv(struct store *st, const char *account, const char *peer,
    long long time_ms, long long *conv)
{
	struct pg_args	 a;
	PGresult	*r;
	long long	 acc;
	int		 n, known;

	known = st->batch && store_memo_account(&st->memo, account, &acc);
	if (known && store_memo_conv(&st->memo, acc, peer, time_ms, conv))
		return 0;
	pg_args_init(&a);
	pg_arg_str(&a, account);
	pg_arg_str(&a, peer);
	pg_arg_int(&a, time_ms);
	if ((r = pg_run(st, PG_CONV_UPSERT, &a, "add conversation")) == NULL)
		return -1;
	if ((n = PQntuples(r)) == 1) {
		*conv = pg_col_int(r, 0, 0);
		acc = pg_col_int(r, 0, 1);
	}
	PQclear(r);
	if (n != 1)
		return store_fail(st, "no such user");
	if (st->batch && !known)
		store_memo_account_put(&st->memo, account, acc);
	if (st->batch)
		store_memo_conv_put(&st->memo, acc, peer, time_ms, *conv);
	return 0;
}

int
pg_msg_add(struct store *st, const char *account, enum store_dir dir,
    const char *peer, const char *text, size_t text_len, long long time_ms,
    struct store_stamp *out)
{
	struct pg_args	a;
	long long	conv = 0, id = 0;

	if (!store_name_ok(peer) || text_len == 0 ||
	    text_len > STORE_TEXT_MAX || time_ms < 0 ||
	    (dir != STORE_IN && dir != STORE_OUT))
		return store_fail(st, "bad message");
	if (time_ms < st->last_ms)
		time_ms = st->last_ms;	/* the clock went back */
	if (!st->batch && pg_do(st, PG_BEGIN, NULL, "begin", NULL) == -1)
		return -1;
	if (pg_msg_conv(st, account, peer, time_ms, &conv) == -1)
		return st->batch ? -1 : pg_abort(st);
	if (st->batch) {		/* one COPY at the batch's end */
		if (pg_next_id(st, &id) == -1 || pg_copy_row(st, id, conv,
		    dir, time_ms, text, text_len) == -1 ||
		    (st->copy_len >= PG_COPY_FLUSH && pg_copy_send(st) == -1))
			return -1;
		if (st->todo_lo == 0 || id < st->todo_lo)
			st->todo_lo = id;
		if (id > st->todo_hi)
			st->todo_hi = id;
	} else {
		pg_args_init(&a);
		pg_arg_int(&a, conv);
		pg_arg_int(&a, (long long)dir);
		pg_arg_int(&a, time_ms);
		pg_arg_bin(&a, text, text_len);
		if (pg_int(st, PG_MSG_ADD, &a, &id, "add message") != 1 ||
		    pg_todo_add(st, id, id) == -1)
			return pg_abort(st);
	}
	if (!st->batch && pg_do(st, PG_COMMIT, NULL, "commit", NULL) == -1)
		return pg_abort(st);
	st->last_ms = time_ms;
	if (out != NULL) {
		store_msgid_format(out->msgid, id);
		out->id = id;
		out->time_ms = time_ms;
	}
	return 0;
}

/* The first row at or after id x: 1 with its time and id, 0, -1. */
static int
pg_probe(struct store *st, long long x, long long *time_ms, long long *id)
{
	struct pg_args	 a;
	PGresult	*r;
	int		 found;

	pg_args_init(&a);
	pg_arg_int(&a, x);
	if ((r = pg_run(st, PG_PROBE, &a, "time bound")) == NULL)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		*time_ms = pg_col_int(r, 0, 0);
		*id = pg_col_int(r, 0, 1);
	}
	PQclear(r);
	return found;
}

/* The newest row id (0: none). */
static int
pg_max_id(struct store *st, long long *id)
{
	return pg_int(st, PG_MAX_ID, NULL, id, "time bound") == -1 ? -1 : 0;
}

/* Rows (id, time_ms, dir, text[, peer]) to cb, in the query's order. */
int
pg_rows(struct store *st, enum pg_st which, const struct pg_args *a,
    const char *peer, store_msg_cb *cb, void *ctx)
{
	struct store_msg	 m;
	PGresult		*r;
	int			 i, n;

	if ((r = pg_run(st, which, a, "history")) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		store_msgid_format(m.msgid, pg_col_int(r, i, 0));
		m.time_ms = pg_col_int(r, i, 1);
		m.dir = pg_col_int(r, i, 2) ? STORE_OUT : STORE_IN;
		m.text = PQgetvalue(r, i, 3);
		m.text_len = (size_t)PQgetlength(r, i, 3);
		m.peer = peer != NULL ? peer : PQgetvalue(r, i, 4);
		cb(ctx, &m);
	}
	PQclear(r);
	return n;
}

/* Up to limit rows of a conversation in rg (history.c). */
static int
pg_range(struct store *st, long long conv, const char *peer,
    struct store_range rg, int limit, int down, store_msg_cb *cb, void *ctx)
{
	struct pg_args	a;

	pg_args_init(&a);
	pg_arg_int(&a, conv);
	pg_arg_int(&a, rg.lo);
	pg_arg_int(&a, rg.hi);
	pg_arg_int(&a, limit);
	return pg_rows(st, down ? PG_RANGE_DESC : PG_RANGE_ASC, &a, peer, cb,
	    ctx);
}

/* The account (-1 if unknown), then its conversation with peer: 1, 0. */
static int
pg_conv_find(struct store *st, const char *account, const char *peer,
    long long *conv)
{
	struct pg_args	a;
	long long	acc;

	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	if (peer == NULL)
		return 0;
	pg_args_init(&a);
	pg_arg_int(&a, acc);
	pg_arg_str(&a, peer);
	return pg_int(st, PG_CONV_FIND, &a, conv, "conversation");
}

static const struct store_hist_ops pg_hist = {
	.conv = pg_conv_find,
	.probe = pg_probe,
	.max_id = pg_max_id,
	.range = pg_range,
};

/* A chathistory request on one conversation (history.c). */
int
pg_history(struct store *st, const char *account,
    const struct chathistory_req *req, store_msg_cb *cb, void *ctx)
{
	return store_history_run(st, &pg_hist, account, req, cb, ctx);
}

int
pg_targets(struct store *st, const char *account,
    const struct chathistory_req *req, store_target_cb *cb, void *ctx)
{
	struct pg_args	 a;
	PGresult	*r;
	long long	 acc, lo = req->a.value, hi = req->b.value;
	int		 i, n;

	if (req->cmd != CHATHISTORY_TARGETS || req->limit < 1 ||
	    req->limit > STORE_LIMIT_MAX ||
	    req->a.ref != CHATHISTORY_REF_TIME ||
	    req->b.ref != CHATHISTORY_REF_TIME)
		return store_fail(st, "bad targets request");
	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	if (lo == hi)
		return 0;
	pg_args_init(&a);
	pg_arg_int(&a, acc);
	pg_arg_int(&a, lo < hi ? lo : hi);
	pg_arg_int(&a, lo < hi ? hi : lo);
	pg_arg_int(&a, req->limit);
	if ((r = pg_run(st, lo < hi ? PG_TARGETS_ASC : PG_TARGETS_DESC, &a,
	    "targets")) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		cb(ctx, PQgetvalue(r, i, 0), pg_col_int(r, i, 1));
	PQclear(r);
	return n;
}

int
pg_unseen(struct store *st, const char *account, const char *client,
    int limit, store_msg_cb *cb, void *ctx, long long *left_out)
{
	struct pg_args	a;
	long long	acc, pos, total = 0;
	int		n;

	*left_out = 0;
	if (limit < 0 || limit > STORE_LIMIT_MAX)
		return store_fail(st, "bad playback limit");
	if (pg_account_id(st, account, &acc) == -1 ||
	    pg_position(st, acc, client, &pos) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_int(&a, acc);
	pg_arg_int(&a, pos);
	if (pg_int(st, PG_UNSEEN_COUNT, &a, &total, "unseen") != 1)
		return -1;
	pg_arg_int(&a, limit);
	if ((n = pg_rows(st, PG_UNSEEN, &a, NULL, cb, ctx)) == -1)
		return -1;
	*left_out = total > n ? total - n : 0;
	return n;
}

/*
 * A batch's msgids, taken from the sequence PG_RESERVE_IDS at a time
 * (one round trip for many messages); unused ones are gaps, as a
 * rolled-back insert leaves.
 */
static int
pg_next_id(struct store *st, long long *id)
{
	struct pg_args	 a;
	PGresult	*r;
	int		 i;

	if (st->iid >= st->nids) {
		pg_args_init(&a);
		pg_arg_int(&a, PG_RESERVE_IDS);
		if ((r = pg_run(st, PG_RESERVE, &a, "reserve ids")) == NULL)
			return -1;
		st->nids = PQntuples(r) < PG_RESERVE_IDS ? PQntuples(r) :
		    PG_RESERVE_IDS;
		for (i = 0; i < st->nids; i++)
			st->ids[i] = pg_col_int(r, i, 0);
		PQclear(r);
		st->iid = 0;
		if (st->nids == 0)
			return store_fail(st, "reserve ids: none");
	}
	*id = st->ids[st->iid++];
	return 0;
}

/*
 * One row of COPY's binary format (the server parses no text: a COPY
 * costs it 12 % less than with the text as bytea hex), after the
 * format's header if it is the first.
 */
static int
pg_copy_row(struct store *st, long long id, long long conv,
    enum store_dir dir, long long time_ms, const char *text, size_t len)
{
	static const char	 head[19] = "PGCOPY\n\377\r\n\0";	/* + 8 zeros */
	size_t			 need = st->copy_len + sizeof head + 2 +
				    3 * 12 + 6 + 4 + len + 2;
	char			*p;

	if (need > st->copy_cap) {
		size_t	cap = st->copy_cap ? st->copy_cap : 65536;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(st->copy, cap)) == NULL)
			return store_fail(st, "out of memory");
		st->copy = p;
		st->copy_cap = cap;
	}
	p = st->copy + st->copy_len;
	if (st->copy_len == 0) {
		memcpy(p, head, sizeof head);	/* flags, extension: 0 */
		p += sizeof head;
	}
	p = pg_put_be(p, 5, 2);			/* fields */
	p = pg_put_be(pg_put_be(p, 8, 4), (unsigned long long)id, 8);
	p = pg_put_be(pg_put_be(p, 8, 4), (unsigned long long)conv, 8);
	p = pg_put_be(pg_put_be(p, 2, 4), (unsigned long long)dir, 2);
	p = pg_put_be(pg_put_be(p, 8, 4), (unsigned long long)time_ms, 8);
	p = pg_put_be(p, len, 4);
	memcpy(p, text, len);
	p += len;
	st->copy_len = (size_t)(p - st->copy);
	return 0;
}

/* v as n bytes, most significant first; past them. */
static char *
pg_put_be(char *p, unsigned long long v, int n)
{
	int	i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (char)(v & 0xff);
	return p + n;
}

/* The batch's rows in one COPY (inside its transaction). */
static int
pg_copy_send(struct store *st)
{
	PGresult	*r;
	int		 ok;

	if (st->copy_len == 0)
		return 0;
	st->copy[st->copy_len++] = '\377';	/* the trailer: -1 fields */
	st->copy[st->copy_len++] = '\377';
	r = PQexec(st->conn, "COPY msg (id, conv, dir, time_ms, text)"
	    " FROM STDIN WITH (FORMAT binary)");
	ok = PQresultStatus(r) == PGRES_COPY_IN;
	PQclear(r);
	if (ok)
		ok = PQputCopyData(st->conn, st->copy, (int)st->copy_len) == 1;
	st->copy_len = 0;
	if (PQputCopyEnd(st->conn, ok ? NULL : "not sent") != 1)
		ok = 0;
	while ((r = PQgetResult(st->conn)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			ok = 0;
		PQclear(r);
	}
	return ok ? 0 : pg_connfail(st, "add messages");
}

/* Live news for another gateway's clients: rows past after. */
int
pg_since(struct store *st, const char *account, long long after,
    int limit, store_msg_cb *cb, void *ctx)
{
	struct pg_args	a;
	long long	acc;

	if (limit < 1 || limit > STORE_LIMIT_MAX)
		return store_fail(st, "bad limit");
	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_int(&a, acc);
	pg_arg_int(&a, after);
	pg_arg_int(&a, limit);
	return pg_rows(st, PG_SINCE, &a, NULL, cb, ctx);
}

int
pg_newest(struct store *st, const char *account, long long *id)
{
	struct pg_args	a;
	long long	acc;

	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_int(&a, acc);
	return pg_int(st, PG_NEWEST, &a, id, "newest") == 1 ? 0 : -1;
}

/* One bounded DELETE (see sqlite_msg.c); *left loses the rows taken. */
static int
pg_purge_step(struct store *st, enum pg_st which, long long x,
    long long y, int *left)
{
	struct pg_args	a;
	long long	n = 0;

	pg_args_init(&a);
	pg_arg_int(&a, x);
	if (which == PG_PURGE_AGE)
		pg_arg_int(&a, *left);
	else if (which == PG_PURGE_COUNT) {
		pg_arg_int(&a, y);
		pg_arg_int(&a, *left);
	}
	if (pg_do(st, which, &a, "purge", &n) == -1)
		return -1;
	*left -= (int)n;
	return 0;
}

static int
pg_purge_counts(struct store *st, long long max, int *left)
{
	struct pg_args	 a;
	PGresult	*r;
	long long	 id, last = 0;
	int		 i, found, ret = 0;

	if ((r = pg_run(st, PG_ACCOUNTS, NULL, "purge")) == NULL)
		return -1;
	for (i = 0; ret == 0 && *left > 0 && i < PQntuples(r); i++) {
		id = pg_col_int(r, i, 0);
		pg_args_init(&a);
		pg_arg_int(&a, id);
		pg_arg_int(&a, max);
		if ((found = pg_int(st, PG_PURGE_CUT, &a, &last,
		    "purge")) == -1)
			ret = -1;
		else if (found && pg_purge_step(st, PG_PURGE_COUNT, id, last,
		    left) == -1)
			ret = -1;
	}
	PQclear(r);
	return ret;
}

int
pg_purge(struct store *st, long long now_ms, long long max_age_s,
    long long max_per_account, int budget)
{
	int	left = budget, conv_left = budget;

	if (budget < 1 || max_age_s < 0 || max_age_s > STORE_AGE_MAX ||
	    max_per_account < 0)
		return store_fail(st, "bad purge bounds");
	if (pg_do(st, PG_BEGIN, NULL, "begin", NULL) == -1)
		return -1;
	if (max_age_s > 0 && pg_purge_step(st, PG_PURGE_AGE,
	    now_ms - max_age_s * 1000, 0, &left) == -1)
		return pg_abort(st);
	if (max_per_account > 0 && left > 0 &&
	    pg_purge_counts(st, max_per_account, &left) == -1)
		return pg_abort(st);
	if (pg_purge_step(st, PG_PURGE_CONV, conv_left, 0, &conv_left) == -1 ||
	    pg_do(st, PG_COMMIT, NULL, "commit", NULL) == -1)
		return pg_abort(st);
	return left <= 0 || conv_left <= 0;
}

int
pg_batch_begin(struct store *st)
{
	if (st->batch)
		return 0;
	if (pg_do(st, PG_BEGIN, NULL, "begin", NULL) == -1)
		return -1;
	st->batch = 1;
	st->todo_lo = st->todo_hi = 0;
	return 0;
}

/* A conversation of the batch gets its newest time. */
static int
pg_conv_touch(void *ctx, long long conv, long long last_ms)
{
	struct pg_args	a;

	pg_args_init(&a);
	pg_arg_int(&a, conv);
	pg_arg_int(&a, last_ms);
	return pg_do(ctx, PG_CONV_TOUCH, &a, "conversation time", NULL);
}

int
pg_batch_end(struct store *st)
{
	int	rc;

	if (!st->batch)
		return 0;
	st->batch = 0;
	rc = pg_copy_send(st);
	if (rc == 0)
		rc = store_memo_dirty(&st->memo, pg_conv_touch, st);
	/* the indexer's range; the other gateways hear of it (NOTIFY) */
	if (rc == 0 && st->todo_lo > 0)
		rc = pg_todo_add(st, st->todo_lo, st->todo_hi);
	st->todo_lo = st->todo_hi = 0;
	store_memo_clear(&st->memo);
	if (rc == -1 || pg_do(st, PG_COMMIT, NULL, "commit", NULL) == -1)
		return pg_abort(st);
	return 0;
}
