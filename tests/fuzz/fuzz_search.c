/*
 * Fuzz the SEARCH attribute parser and the FTS5 query builder. Input: a
 * byte for the server's limit, then the attributes. Checks what a caller
 * relies on: a parsed request is in range and its names printable; and
 * every query search_fts_query() makes (of the parsed text, and of the
 * raw input) is strings only, which FTS5 itself accepts: no text a user
 * types can become an FTS5 syntax error; search_text_ok() (search.c,
 * any backend) says there is a word exactly when a query is made; and
 * PostgreSQL's split (pg_search_words(), postgres_search.c) makes one
 * line per FTS5 string, each non-empty with a word byte in it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/sqlite_int.h"

#define FUZZ_CHECK(x)	do { if (!(x)) abort(); } while (0)
#define FUZZ_INPUT_MAX	4096

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static sqlite3	*fuzz_db;
static sqlite3_stmt *fuzz_match;

static void	check_query(const char *);
static void	check_pg(const char *, const char *);
static void	check_name(const char *);
static void	check_req(const struct search_req *, int);

/* An FTS5 table to ask; made once. */
static void
fuzz_open(void)
{
	if (fuzz_db != NULL)
		return;
	FUZZ_CHECK(sqlite3_open(":memory:", &fuzz_db) == SQLITE_OK);
	FUZZ_CHECK(sqlite3_exec(fuzz_db, "CREATE VIRTUAL TABLE t USING fts5"
	    " (x); INSERT INTO t VALUES ('brown fox \"quoted\" NEAR OR')",
	    NULL, NULL, NULL) == SQLITE_OK);
	FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db, "SELECT rowid FROM t WHERE"
	    " t MATCH ?1", -1, &fuzz_match, NULL) == SQLITE_OK);
}

/* One non-empty line per FTS5 string of q, each with a word byte. */
static void
check_pg(const char *text, const char *q)
{
	char		 w[SEARCH_TEXT_MAX + 2];
	const char	*p;
	size_t		 n, strings = 0, lines = 0;
	int		 rc, word = 0;

	rc = pg_search_words(text, w, sizeof w);
	FUZZ_CHECK(rc == (q != NULL ? 0 : -1));
	if (rc == -1)
		return;
	n = strlen(w);
	FUZZ_CHECK(n > 0 && w[0] != '\n' && w[n - 1] != '\n');
	for (p = w; *p != '\0'; p++) {
		FUZZ_CHECK(*p != '\r');
		if (*p == '\n') {
			FUZZ_CHECK(word && p[1] != '\n');
			lines++;
			word = 0;
		} else if (search_wordy((unsigned char)*p))
			word = 1;
	}
	FUZZ_CHECK(word);
	for (p = q; *p != '\0'; p++)
		strings += *p == ' ' && p[-1] == '"' && p[1] == '"';
	FUZZ_CHECK(strings == lines);
}

/* "w" "w" ...: quotes doubled inside; and FTS5 runs it without error. */
static void
check_query(const char *text)
{
	char	q[SEARCH_QUERY_SIZE];
	size_t	i, n;
	int	in = 0, rc;

	if (strlen(text) > SEARCH_TEXT_MAX)
		return;
	/* the backend-neutral check agrees with the FTS5 builder */
	rc = search_fts_query(text, q, sizeof q);
	FUZZ_CHECK(search_text_ok(text) == (rc == 0));
	check_pg(text, rc == 0 ? q : NULL);
	if (rc == -1)
		return;
	n = strlen(q);
	FUZZ_CHECK(n >= 3 && q[0] == '"' && q[n - 1] == '"');
	for (i = 0; i < n; i++) {
		if (q[i] != '"') {
			FUZZ_CHECK(in || q[i] == ' ');
			continue;
		}
		if (in && q[i + 1] == '"')
			i++;		/* a doubled quote inside */
		else
			in = !in;
	}
	FUZZ_CHECK(!in);
	fuzz_open();
	sqlite3_reset(fuzz_match);
	sqlite3_bind_text(fuzz_match, 1, q, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(fuzz_match)) == SQLITE_ROW)
		;
	FUZZ_CHECK(rc == SQLITE_DONE);
}

static void
check_name(const char *s)
{
	if (*s == '\0')
		return;
	for (; *s != '\0'; s++)
		FUZZ_CHECK((unsigned char)*s > ' ' && *s != 0x7f);
}

static void
check_req(const struct search_req *req, int max)
{
	FUZZ_CHECK(req->limit >= 1 && req->limit <= max);
	FUZZ_CHECK(strlen(req->text) <= SEARCH_TEXT_MAX);
	FUZZ_CHECK(req->after_ms >= -1 && req->before_ms >= -1);
	check_name(req->in);
	check_name(req->from);
	if (req->text[0] != '\0')
		check_query(req->text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct search_req	 req;
	enum search_err		 e;
	char			*copy;
	int			 max;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	max = data[0];
	copy = malloc(size);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	e = search_parse(copy, max, &req);
	FUZZ_CHECK(search_err_text(e) != NULL);
	if (e == SEARCH_OK)
		check_req(&req, max < 1 ? 1 : max);
	check_query(copy);
	free(copy);
	return 0;
}
