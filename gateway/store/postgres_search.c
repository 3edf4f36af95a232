/*
 * postgres_search: soju.im/search and the store's figures in the
 * PostgreSQL backend. The user's words and "phrases", split as
 * sqlite_search.c splits them, go to the server one a line; msg_query()
 * (postgres.c's schema step 4) makes each a phraseto_tsquery() and ANDs
 * them, so no text is tsquery syntax or an error. The GIN index msg_fts
 * over msg_words(text) answers it.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "postgres_int.h"

static int	pg_two_ints(struct store *, enum pg_st, const struct pg_args *,
		    long long *, long long *);

/* The words and phrases of text, one a line, into out: 0, or -1. */
int
pg_search_words(const char *text, char *out, size_t size)
{
	const char	*p = text, *end;
	size_t		 o = 0, n, i;
	int		 words = 0;

	out[0] = '\0';
	while (*p != '\0') {
		p += strspn(p, " \t\r\n\f\v");
		if (*p == '\0')
			break;
		if (*p == '"') {
			p++;
			end = p + strcspn(p, "\"");
		} else
			end = p + strcspn(p, " \t\r\n\f\v");
		n = (size_t)(end - p);
		for (i = 0; i < n && !search_wordy((unsigned char)p[i]); i++)
			;
		if (i < n) {
			if (o + n + 2 > size)
				return -1;
			if (o > 0)
				out[o++] = '\n';
			for (i = 0; i < n; i++)	/* a phrase's lines: spaces */
				out[o++] = p[i] == '\n' || p[i] == '\r' ? ' ' :
				    p[i];
			out[o] = '\0';
			words++;
		}
		p = end + (*end == '"');
	}
	return words > 0 ? 0 : -1;
}

/* Search an account's messages (PostgreSQL: a tsvector GIN index). */
int
pg_search(struct store *st, const char *account, const struct search_req *q,
    store_msg_cb *cb, void *ctx)
{
	char		 words[SEARCH_TEXT_MAX + 2];
	const char	*peer = q->in;
	struct pg_args	 a;
	long long	 acc;
	int		 dir = -1;

	words[0] = '\0';
	if (q->text[0] != '\0' &&
	    pg_search_words(q->text, words, sizeof words) == -1)
		return store_fail(st, "no word to search for");
	if (q->from[0] != '\0' && q->from_self)
		dir = STORE_OUT;
	else if (q->from[0] != '\0') {
		if (peer[0] != '\0' && strcmp(peer, q->from) != 0)
			return 0;	/* from someone else in another query */
		dir = STORE_IN;
		peer = q->from;
	}
	if (pg_account_id(st, account, &acc) == -1)
		return -1;
	pg_args_init(&a);
	pg_arg_bin(&a, words, strlen(words));
	pg_arg_int(&a, acc);
	pg_arg_str(&a, peer);
	pg_arg_int(&a, dir);
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
