/*
 * postgres_search: soju.im/search and the store's figures in the
 * PostgreSQL backend. The user's words and "phrases", split as
 * sqlite_search.c splits them, go to the server one a line; msg_query()
 * (postgres.c's schema step 4) makes each a phraseto_tsquery() and ANDs
 * them, so no text is tsquery syntax or an error. The GIN index
 * msg_word_fts answers it for the rows indexed, msg_words() for those
 * still waiting in msg_todo. pg_index() is the indexer thread's step
 * (schema step 8): the words of one waiting id range.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "postgres_int.h"

static int	pg_two_ints(struct store *, enum pg_st, const struct pg_args *,
		    long long *, long long *);
static int	pg_index_range(struct store *, const char *, long long,
		    long long, long long);

struct pg_words {
	char	*out;
	size_t	 size, o;
};

/* One word or phrase, a line of its own (a phrase's lines: spaces). */
static int
pg_word(void *ctx, const char *w, size_t n)
{
	struct pg_words	*pw = ctx;
	size_t		 i;

	if (pw->o + n + 2 > pw->size)
		return -1;
	if (pw->o > 0)
		pw->out[pw->o++] = '\n';
	for (i = 0; i < n; i++)
		pw->out[pw->o++] = w[i] == '\n' || w[i] == '\r' ? ' ' : w[i];
	pw->out[pw->o] = '\0';
	return 0;
}

/* The words and phrases of text, one a line, into out: 0, or -1. */
int
pg_search_words(const char *text, char *out, size_t size)
{
	struct pg_words	pw = { out, size, 0 };

	if (size == 0)
		return -1;
	out[0] = '\0';
	return search_split(text, pg_word, &pw) > 0 ? 0 : -1;
}

/* Search an account's messages (PostgreSQL: a tsvector GIN index). */
int
pg_search(struct store *st, const char *account, const struct search_req *q,
    store_msg_cb *cb, void *ctx)
{
	char		 words[SEARCH_TEXT_MAX + 2];
	const char	*peer;
	struct pg_args	 a;
	long long	 acc;
	enum search_dir	 dir;

	words[0] = '\0';
	if (q->text[0] != '\0' &&
	    pg_search_words(q->text, words, sizeof words) == -1)
		return store_fail(st, "no word to search for");
	if (!search_scope(q, &peer, &dir))
		return 0;
	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_bin(&a, words, strlen(words));
	pg_arg_int(&a, acc);
	pg_arg_str(&a, peer);
	pg_arg_int(&a, (long long)dir);
	pg_arg_int(&a, q->after_ms);
	pg_arg_int(&a, q->before_ms < 0 ? LLONG_MAX : q->before_ms);
	pg_arg_int(&a, q->limit < 1 ? 1 : q->limit);
	return pg_rows(st, words[0] != '\0' ? PG_SEARCH : PG_SEARCH_ALL, &a,
	    NULL, cb, ctx);
}

/* One row of two integers (NULL: -1). */
static int
pg_two_ints(struct store *st, enum pg_st which, const struct pg_args *a,
    long long *x, long long *y)
{
	PGresult	*r;

	if ((r = pg_run(st, which, a, "stats")) == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return store_fail(st, "stats: no row");
	}
	*x = PQgetisnull(r, 0, 0) ? -1 : pg_col_int(r, 0, 0);
	*y = PQgetisnull(r, 0, 1) ? -1 : pg_col_int(r, 0, 1);
	PQclear(r);
	return 0;
}

/* How many messages are kept (account NULL: all), the oldest's time. */
int
pg_stats(struct store *st, const char *account, long long *count,
    long long *oldest_ms)
{
	struct pg_args	a;
	long long	acc;

	if (account == NULL)
		return pg_two_ints(st, PG_STATS, NULL, count, oldest_ms);
	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_int(&a, acc);
	return pg_two_ints(st, PG_STATS_ACCOUNT, &a, count, oldest_ms);
}

/* The database's bytes, and the search index's. */
int
pg_size(struct store *st, long long *total, long long *index)
{
	return pg_two_ints(st, PG_SIZE, NULL, total, index);
}

/*
 * A commit's messages, ids lo..hi: their words are owed (msg_todo), and
 * the other gateways are told (NOTIFY chatircd_msg, at the commit).
 */
int
pg_todo_add(struct store *st, long long lo, long long hi)
{
	struct pg_args	a;

	pg_args_init(&a);
	pg_arg_int(&a, lo);
	pg_arg_int(&a, hi);
	return pg_do(st, PG_TODO_ADD, &a, "search index range", NULL);
}

/*
 * One step: a waiting range no other gateway is working on, its first
 * max_rows ids indexed and taken off it, in one transaction. 1: done,
 * more may wait; 0: nothing waits (*done LLONG_MAX); -1.
 */
int
pg_index(struct store *st, int max_rows, long long *done)
{
	PGresult	*r;
	char		 tid[32];
	long long	 lo = 0, hi = 0;
	int		 n;

	if (st->batch || max_rows < 1)
		return store_fail(st, "search index: not inside a batch");
	if (pg_do(st, PG_BEGIN, NULL, "begin", NULL) == -1)
		return -1;
	if (pg_do(st, PG_INDEX_ASYNC, NULL, "search index", NULL) == -1 ||
	    (r = pg_run(st, PG_TODO_TAKE, NULL, "search index")) == NULL)
		return pg_abort(st);
	if ((n = PQntuples(r)) == 1) {
		snprintf(tid, sizeof tid, "%.*s", PQgetlength(r, 0, 0),
		    PQgetvalue(r, 0, 0));
		lo = pg_col_int(r, 0, 1);
		hi = pg_col_int(r, 0, 2);
	}
	PQclear(r);
	if (n == 0) {
		*done = LLONG_MAX;
		return pg_do(st, PG_COMMIT, NULL, "commit", NULL);
	}
	*done = hi - lo < max_rows ? hi : lo + max_rows - 1;
	if (pg_index_range(st, tid, lo, *done, hi) == -1)
		return pg_abort(st);
	if (pg_do(st, PG_COMMIT, NULL, "commit", NULL) == -1)
		return pg_abort(st);
	return 1;
}

/* The words of ids lo..end; the range tid (lo..hi) cut there or gone. */
static int
pg_index_range(struct store *st, const char *tid, long long lo,
    long long end, long long hi)
{
	struct pg_args	a;

	pg_args_init(&a);
	pg_arg_int(&a, lo);
	pg_arg_int(&a, end);
	if (pg_do(st, PG_WORDS_ADD, &a, "search index", NULL) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_str(&a, tid);
	if (end == hi)
		return pg_do(st, PG_TODO_DONE, &a, "search index", NULL);
	pg_arg_int(&a, end + 1);
	return pg_do(st, PG_TODO_CUT, &a, "search index", NULL);
}
