/*
 * search_bench: what SEARCH costs (issue 16). Stores N messages (default
 * 1,000,000) of Zipf-distributed pseudo-words over a few accounts and
 * peers, in batches as a busy gateway would, then prints the size of the
 * FTS5 index per message and against the text, and p50/p99 latency of
 * store_search() for several kinds of query. Not run by ctest: figures.
 * usage: search_bench [-n messages] [-q queries] [-l limit] [-d dir]
 *        [-u postgresql://URI] (a PostgreSQL database, empty, instead)
 */
#include <sys/stat.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

#define BENCH_ACCOUNTS	10
#define BENCH_PEERS	20
#define BENCH_WORDS	20000	/* vocabulary */
#define BENCH_BATCH	5000	/* messages per transaction */
#define BENCH_KINDS	6

struct bench {
	long		 n;
	int		 queries;
	int		 limit;
	const char	*dir;
	const char	*uri;		/* PostgreSQL, or NULL: a file */
	char		 path[512];
	char		 words[BENCH_WORDS][12];
	double		 cdf[BENCH_WORDS];	/* Zipf, s = 1 */
	uint64_t	 rng;
	long long	 text_bytes;
};

static const char *const bench_kinds[BENCH_KINDS] = {
	"one common word", "one rare word", "two words",
	"a two-word phrase", "common word, in=peer", "rare word, in=peer",
};

static double	bench_now(void);
static uint64_t	bench_rand(struct bench *);
static int	bench_word(struct bench *);
static void	bench_vocab(struct bench *);
static int	bench_args(struct bench *, int, char **);
static int	bench_fill(struct bench *, struct store *);
static int	bench_index(struct store *);
static void	bench_count(void *, const struct store_msg *);
static int	bench_cmp(const void *, const void *);
static void	bench_query(struct bench *, int, struct search_req *,
		    char *, char *);
static int	bench_search(struct bench *, struct store *);

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* xorshift64*: the same run every time. */
static uint64_t
bench_rand(struct bench *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 2685821657736338717ULL;
}

/* A word index by Zipf's law (rank 0 most common). */
static int
bench_word(struct bench *b)
{
	double	u = (double)(bench_rand(b) >> 11) / (double)(1ULL << 53);
	int	lo = 0, hi = BENCH_WORDS - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (b->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Pseudo-words of 2..4 syllables, and their Zipf weights. */
static void
bench_vocab(struct bench *b)
{
	static const char *const syl[] = { "ka", "lo", "mi", "ne", "ru",
	    "sa", "to", "vi", "da", "pe", "qu", "zo", "ba", "fi", "go", "hu" };
	double		 sum = 0;
	int		 i, k, n;
	unsigned	 x;

	for (i = 0; i < BENCH_WORDS; i++) {
		b->words[i][0] = '\0';
		n = 2 + i % 3;
		for (k = 0, x = (unsigned)i * 2654435761u; k < n; k++, x >>= 4)
			strcat(b->words[i], syl[x % 16]);
		sum += 1.0 / (i + 1);
	}
	for (i = 0; i < BENCH_WORDS; i++)
		b->cdf[i] = (i > 0 ? b->cdf[i - 1] : 0) + 1.0 / (i + 1) / sum;
}

static int
bench_args(struct bench *b, int argc, char **argv)
{
	int	c;

	b->n = 1000000;
	b->queries = 1000;
	b->limit = 50;
	b->dir = "/tmp";
	b->rng = 88172645463325252ULL;
	while ((c = getopt(argc, argv, "n:q:l:d:u:")) != -1) {
		if (c == 'n')
			b->n = strtol(optarg, NULL, 10);
		else if (c == 'q')
			b->queries = atoi(optarg);
		else if (c == 'l')
			b->limit = atoi(optarg);
		else if (c == 'd')
			b->dir = optarg;
		else if (c == 'u')
			b->uri = optarg;
		else
			return -1;
	}
	if (b->n < 1000 || b->queries < 10 || b->limit < 1 ||
	    b->limit > STORE_LIMIT_MAX)
		return -1;
	if (b->uri != NULL)
		snprintf(b->path, sizeof b->path, "%s", b->uri);
	else
		snprintf(b->path, sizeof b->path, "%s/search_bench.%ld.db",
		    b->dir, (long)getpid());
	return 0;
}

/* N messages of 3..17 words, BENCH_BATCH a transaction. */
static int
bench_fill(struct bench *b, struct store *st)
{
	char	 acc[16], peer[16], text[256];
	long	 i;
	int	 k, words;
	size_t	 n;

	for (i = 0; i < b->n; i++) {
		if (i % BENCH_BATCH == 0 && (store_batch_end(st) == -1 ||
		    store_batch_begin(st) == -1))
			goto fail;
		snprintf(acc, sizeof acc, "user%ld", i % BENCH_ACCOUNTS);
		snprintf(peer, sizeof peer, "peer%ld",
		    (i / BENCH_ACCOUNTS * 7) % BENCH_PEERS);
		words = 3 + (int)(bench_rand(b) % 15);
		for (k = 0, n = 0; k < words; k++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s",
			    k ? " " : "", b->words[bench_word(b)]);
		b->text_bytes += (long long)n;
		if (store_msg_add(st, acc, i % 3 ? STORE_IN : STORE_OUT, peer,
		    text, n, 1700000000000LL + i * 1000, NULL) == -1)
			goto fail;
	}
	if (store_batch_end(st) == -1)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "fill: %s\n", store_error(st));
	return -1;
}

/* SQLite: the search index takes what was stored (the indexer's steps). */
static int
bench_index(struct store *st)
{
	double		t0 = bench_now();
	long long	done;
	int		rc;

	while ((rc = store_index(st, 1024, &done)) == 1)
		;
	if (rc == -1) {
		fprintf(stderr, "index: %s\n", store_error(st));
		return -1;
	}
	if (store_index_apart(st))
		printf("indexed in %.1f s, in steps of 1024 rows\n",
		    (bench_now() - t0) / 1e3);
	return 0;
}

static void
bench_count(void *ctx, const struct store_msg *m)
{
	(void)m;
	(*(long *)ctx)++;
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One query of a kind: common words are ranks < 50, rare ones > 5000. */
static void
bench_query(struct bench *b, int kind, struct search_req *q, char *acc,
    char *peer)
{
	int	common = (int)(bench_rand(b) % 50);
	int	rare = 5000 + (int)(bench_rand(b) % (BENCH_WORDS - 5000));

	memset(q, 0, sizeof *q);
	q->after_ms = q->before_ms = -1;
	q->limit = b->limit;
	snprintf(acc, 16, "user%d", (int)(bench_rand(b) % BENCH_ACCOUNTS));
	snprintf(peer, 16, "peer%d", (int)(bench_rand(b) % BENCH_PEERS));
	if (kind == 0 || kind == 4)
		snprintf(q->text, sizeof q->text, "%s", b->words[common]);
	else if (kind == 1 || kind == 5)
		snprintf(q->text, sizeof q->text, "%s", b->words[rare]);
	else if (kind == 2)
		snprintf(q->text, sizeof q->text, "%s %s", b->words[common],
		    b->words[bench_word(b)]);
	else
		snprintf(q->text, sizeof q->text, "\"%s %s\"",
		    b->words[bench_rand(b) % 10], b->words[bench_rand(b) % 10]);
	if (kind >= 4)
		snprintf(q->in, sizeof q->in, "%s", peer);
}

/* Each kind: b->queries searches, p50 and p99 printed; all, too. */
static int
bench_search(struct bench *b, struct store *st)
{
	struct search_req	 q;
	char			 acc[16], peer[16];
	double			*lat, *all, t0;
	long			 rows, total_rows;
	int			 kind, i, nall = 0;

	lat = calloc((size_t)b->queries, sizeof *lat);
	all = calloc((size_t)b->queries * BENCH_KINDS, sizeof *all);
	if (lat == NULL || all == NULL)
		return -1;
	for (kind = 0; kind < BENCH_KINDS; kind++) {
		total_rows = 0;
		for (i = 0; i < b->queries; i++) {
			bench_query(b, kind, &q, acc, peer);
			rows = 0;
			t0 = bench_now();
			if (store_search(st, acc, &q, bench_count, &rows) ==
			    -1) {
				fprintf(stderr, "search: %s\n",
				    store_error(st));
				return -1;
			}
			lat[i] = all[nall++] = bench_now() - t0;
			total_rows += rows;
		}
		qsort(lat, (size_t)b->queries, sizeof *lat, bench_cmp);
		printf("  %-22s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  "
		    "(%.1f rows/query)\n", bench_kinds[kind],
		    lat[b->queries / 2], lat[b->queries * 99 / 100],
		    lat[b->queries - 1], (double)total_rows / b->queries);
	}
	qsort(all, (size_t)nall, sizeof *all, bench_cmp);
	printf("  %-22s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n",
	    "all kinds", all[nall / 2], all[nall * 99 / 100], all[nall - 1]);
	free(lat);
	free(all);
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench	*b = calloc(1, sizeof *b);
	struct store	*st;
	char		 err[600], name[16];
	long long	 total, index;
	double		 t0;
	int		 i;

	if (b == NULL || bench_args(b, argc, argv) == -1) {
		fprintf(stderr, "usage: search_bench [-n messages >= 1000] "
		    "[-q queries per kind] [-l limit] [-d dir] [-u URI]\n");
		return 2;
	}
	bench_vocab(b);
	store_pwhash_weak(1);
	if ((st = store_open(b->path, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < BENCH_ACCOUNTS; i++) {
		snprintf(name, sizeof name, "user%d", i);
		store_user_add(st, name, "pw");
	}
	t0 = bench_now();
	if (bench_fill(b, st) == -1)
		return 1;
	printf("search_bench: %ld messages (%.1f bytes of text each, %d "
	    "accounts, %d peers, %d-word Zipf vocabulary), %s %s, "
	    "stored in %.1f s (%.1f µs/message in batches of %d)\n", b->n,
	    (double)b->text_bytes / b->n, BENCH_ACCOUNTS, BENCH_PEERS,
	    BENCH_WORDS, b->uri != NULL ? "PostgreSQL" : "SQLite",
	    b->uri != NULL ? "GIN" : sqlite3_libversion(),
	    (bench_now() - t0) / 1e3,
	    (bench_now() - t0) * 1e3 / b->n, BENCH_BATCH);
	if (bench_index(st) == -1)
		return 1;
	store_close(st);		/* checkpoint */
	if ((st = store_open(b->path, err, sizeof err)) == NULL ||
	    store_size(st, &total, &index) == -1)
		return 1;
	printf("index (FILE-search): %.1f MB, %.1f bytes/message, %.2fx the "
	    "text (%.1f MB); whole file %.1f MB\n", index / 1e6,
	    (double)index / b->n, (double)index / b->text_bytes,
	    b->text_bytes / 1e6, total / 1e6);
	printf("store_search, limit %d, %d queries per kind, warm cache:\n",
	    b->limit, b->queries);
	if (bench_search(b, st) == -1)
		return 1;
	store_close(st);
	if (b->uri != NULL) {
		free(b);
		return 0;
	}
	unlink(b->path);
	snprintf(err, sizeof err, "%s-wal", b->path);
	unlink(err);
	snprintf(err, sizeof err, "%s-shm", b->path);
	unlink(err);
	free(b);
	return 0;
}
