/*
 * postgres_outbox: the outbox of several gateways on one database
 * (issue 19). A gateway that does not hold an account queues what its
 * clients send as rows; the gateway whose session holds the account's
 * advisory lock takes them, sends them upstream and answers each row:
 * done (the stored message's row, in the same transaction) or answered
 * (a result code of the caller's and its words). NOTIFY chatircd_send
 * says a row waits, chatircd_msg that one was answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_int.h"

#define OUTBOX_IDS_MAX	4096	/* ids in one state query */

static void	pg_outbox_row(const PGresult *, int, int,
		    struct store_outbox *);

/* Queue a row; *held: does a gateway hold the account now? */
int
pg_outbox_add(struct store *st, const char *account, const char *target,
    const char *text, size_t len, long long now_ms, long long *id, int *held)
{
	struct pg_args	 a;
	PGresult	*r;
	long long	 acc;

	if (!store_name_ok(target) || len == 0 || len > STORE_TEXT_MAX)
		return store_fail(st, "bad message");
	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_int(&a, acc);
	pg_arg_str(&a, target);
	pg_arg_bin(&a, text, len);
	pg_arg_int(&a, now_ms);
	if ((r = pg_run(st, PG_OUTBOX_ADD, &a, "outbox add")) == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return store_fail(st, "outbox add: no row");
	}
	*id = pg_col_int(r, 0, 0);
	*held = pg_col_int(r, 0, 1) > 0;
	PQclear(r);
	return 0;
}

/* In the transaction that stores its message (the writer's batch). */
int
pg_outbox_done(struct store *st, long long id, long long msg)
{
	struct pg_args	a;

	pg_args_init(&a);
	pg_arg_int(&a, id);
	pg_arg_int(&a, msg);
	return pg_do(st, PG_OUTBOX_DONE, &a, "outbox done", NULL);
}

/* A row answered (or given back: pending); never one already done. */
int
pg_outbox_answer(struct store *st, long long id,
    enum store_outbox_state state, int result, const char *answer)
{
	struct pg_args	a;

	pg_args_init(&a);
	pg_arg_int(&a, id);
	pg_arg_int(&a, (long long)state);
	pg_arg_int(&a, result);
	pg_arg_str(&a, answer);
	return pg_do(st, PG_OUTBOX_ANSWER, &a, "outbox answer", NULL);
}

/* Columns from first: id, account or state..., as the query has them. */
static void
pg_outbox_row(const PGresult *r, int row, int take, struct store_outbox *o)
{
	memset(o, 0, sizeof *o);
	o->id = pg_col_int(r, row, 0);
	if (take) {
		o->account = PQgetvalue(r, row, 1);
		o->target = PQgetvalue(r, row, 2);
		o->text = PQgetvalue(r, row, 3);
		o->text_len = (size_t)PQgetlength(r, row, 3);
		o->state = STORE_OUTBOX_SENDING;
		o->answer = "";
		return;
	}
	o->state = (int)pg_col_int(r, row, 1);
	o->msg = pg_col_int(r, row, 2);
	o->result = (int)pg_col_int(r, row, 3);
	o->answer = PQgetvalue(r, row, 4);
}

/* The pending rows of the accounts this session holds: now sending. */
int
pg_outbox_take(struct store *st, int limit, store_outbox_cb *cb, void *ctx)
{
	struct pg_args		 a;
	struct store_outbox	 o;
	PGresult		*r;
	int			 i, n;

	if (limit < 1 || limit > STORE_LIMIT_MAX)
		return store_fail(st, "bad limit");
	pg_args_init(&a);
	pg_arg_int(&a, limit);
	if ((r = pg_run(st, PG_OUTBOX_TAKE, &a, "outbox take")) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		pg_outbox_row(r, i, 1, &o);
		cb(ctx, &o);
	}
	PQclear(r);
	return n;
}

/* Taking an account over: what its last holder left sending. */
int
pg_outbox_lost(struct store *st, const char *account, int result,
    const char *why)
{
	struct pg_args	a;
	long long	n = 0;

	pg_args_init(&a);
	pg_arg_str(&a, account);
	pg_arg_int(&a, result);
	pg_arg_str(&a, why);
	if (pg_int(st, PG_OUTBOX_LOST, &a, &n, "outbox lost") == -1)
		return -1;
	return (int)n;
}

/* Which of ids are done or answered: each through cb, in id order. */
int
pg_outbox_state(struct store *st, const long long *ids, int n,
    store_outbox_cb *cb, void *ctx)
{
	struct pg_args		 a;
	struct store_outbox	 o;
	PGresult		*r;
	char			*list;
	size_t			 size, len = 0;
	int			 i, rows;

	if (n < 1 || n > OUTBOX_IDS_MAX)
		return store_fail(st, "bad outbox id count");
	size = (size_t)n * 21 + 3;
	if ((list = malloc(size)) == NULL)
		return store_fail(st, "out of memory");
	list[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, size - len, "%s%lld",
		    i > 0 ? "," : "", ids[i]);
	snprintf(list + len, size - len, "}");
	pg_args_init(&a);
	pg_arg_str(&a, list);
	r = pg_run(st, PG_OUTBOX_STATE, &a, "outbox state");
	free(list);
	if (r == NULL)
		return -1;
	rows = PQntuples(r);
	for (i = 0; i < rows; i++) {
		pg_outbox_row(r, i, 0, &o);
		cb(ctx, &o);
	}
	PQclear(r);
	return rows;
}

/* Rows done or answered before before_ms, a bounded batch. */
int
pg_outbox_purge(struct store *st, long long before_ms)
{
	struct pg_args	a;
	long long	n = 0;

	pg_args_init(&a);
	pg_arg_int(&a, before_ms);
	if (pg_do(st, PG_OUTBOX_PURGE, &a, "outbox purge", &n) == -1)
		return -1;
	return (int)n;
}
