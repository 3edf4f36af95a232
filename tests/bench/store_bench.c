/*
 * store_bench: what the bouncer's store costs per message. Inserts N
 * messages (one transaction each, as the gateway does) over a few
 * accounts and peers, then prints microseconds per insert, bytes on disk
 * per message, and the time of a LATEST query, a playback and a purge
 * batch. Not run by ctest: figures, not a pass or a fail.
 * usage: store_bench [-n messages] [-t text bytes] [-b batch] [-d dir]
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

#define BENCH_ACCOUNTS	4
#define BENCH_PEERS	20
#define BENCH_SAMPLES	200000

struct bench {
	long		 n;
	long		 text_len;
	long		 batch;		/* messages per commit; 0: one each */
	const char	*dir;
	char		 path[512];
	double		*lat;		/* µs per insert */
};

static double	bench_now(void);
static long long bench_size(const char *);
static int	bench_cmp(const void *, const void *);
static void	bench_count(void *, const struct store_msg *);
static int	bench_args(struct bench *, int, char **);
static int	bench_insert(struct bench *, struct store *);
static void	bench_queries(struct store *);

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The database and its WAL, in bytes. */
static long long
bench_size(const char *path)
{
	struct stat	sb;
	char		wal[600];
	long long	n = 0;

	if (stat(path, &sb) == 0)
		n += sb.st_size;
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	return n;
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
bench_count(void *ctx, const struct store_msg *m)
{
	(void)m;
	(*(long *)ctx)++;
}

static int
bench_args(struct bench *b, int argc, char **argv)
{
	int	c;

	b->n = 20000;
	b->text_len = 80;
	b->dir = "/tmp";
	b->batch = 0;
	while ((c = getopt(argc, argv, "n:t:b:d:")) != -1) {
		if (c == 'n')
			b->n = strtol(optarg, NULL, 10);
		else if (c == 'b')
			b->batch = strtol(optarg, NULL, 10);
		else if (c == 't')
			b->text_len = strtol(optarg, NULL, 10);
		else if (c == 'd')
			b->dir = optarg;
		else
			return -1;
	}
	if (b->n < 1 || b->n > BENCH_SAMPLES || b->text_len < 1 ||
	    b->batch < 0 ||
	    b->text_len > STORE_TEXT_MAX)
		return -1;
	snprintf(b->path, sizeof b->path, "%s/store_bench.%ld.db", b->dir,
	    (long)getpid());
	return 0;
}

/* N inserts, one transaction each, timed one by one. */
static int
bench_insert(struct bench *b, struct store *st)
{
	char		 acc[16], peer[16], *text;
	long		 i;
	double		 t0;

	if ((text = malloc((size_t)b->text_len)) == NULL)
		return -1;
	for (i = 0; i < b->text_len; i++)
		text[i] = (char)('a' + i % 26);
	for (i = 0; i < b->n; i++) {
		snprintf(acc, sizeof acc, "user%ld", i % BENCH_ACCOUNTS);
		snprintf(peer, sizeof peer, "peer%ld", (i * 7) % BENCH_PEERS);
		t0 = bench_now();
		if (b->batch > 0 && i % b->batch == 0 &&
		    (store_batch_end(st) == -1 ||
		    store_batch_begin(st) == -1)) {
			fprintf(stderr, "batch: %s\n", store_error(st));
			free(text);
			return -1;
		}
		if (store_msg_add(st, acc, i % 3 ? STORE_IN : STORE_OUT, peer,
		    text, (size_t)b->text_len, 1700000000000LL + i, NULL) ==
		    -1) {
			fprintf(stderr, "insert: %s\n", store_error(st));
			free(text);
			return -1;
		}
		b->lat[i] = bench_now() - t0;
	}
	free(text);
	return store_batch_end(st);
}

static void
bench_queries(struct store *st)
{
	struct chathistory_req	req;
	long			rows = 0;
	long long		left;
	double			t0;
	int			more, batches = 0;

	memset(&req, 0, sizeof req);
	req.cmd = CHATHISTORY_LATEST;
	req.target = "peer3";
	req.limit = 100;
	t0 = bench_now();
	store_history(st, "user1", &req, bench_count, &rows);
	printf("LATEST peer3 * 100:        %8.1f µs (%ld rows)\n",
	    bench_now() - t0, rows);
	rows = 0;
	t0 = bench_now();
	store_unseen(st, "user2", "phone", 500, bench_count, &rows, &left);
	printf("playback 500 of unseen:    %8.1f µs (%ld rows, %lld left "
	    "out)\n", bench_now() - t0, rows, left);
	t0 = bench_now();
	do {
		more = store_purge(st, 1700000000000LL + 1000000, 0, 1000, 500);
		batches++;
	} while (more == 1);
	printf("purge to 1000/account:     %8.1f µs per 500-row batch "
	    "(%d batches)\n", (bench_now() - t0) / batches, batches);
}

int
main(int argc, char **argv)
{
	struct bench	 b;
	struct store	*st;
	char		 err[600];
	long long	 empty, full;
	double		 sum = 0;
	long		 i;

	memset(&b, 0, sizeof b);
	if (bench_args(&b, argc, argv) == -1) {
		fprintf(stderr, "usage: store_bench [-n 1..%d] [-t bytes] "
		    "[-b batch] [-d dir]\n", BENCH_SAMPLES);
		return 2;
	}
	if ((b.lat = calloc((size_t)b.n, sizeof *b.lat)) == NULL)
		return 1;
	if ((st = store_open(b.path, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < BENCH_ACCOUNTS; i++) {
		snprintf(err, sizeof err, "user%ld", i);
		store_pwhash_weak(1);
		store_user_add(st, err, "pw");
	}
	store_close(st);			/* checkpoint: the WAL goes */
	empty = bench_size(b.path);
	if ((st = store_open(b.path, err, sizeof err)) == NULL ||
	    bench_insert(&b, st) == -1)
		return 1;
	store_close(st);
	full = bench_size(b.path);
	for (i = 0; i < b.n; i++)
		sum += b.lat[i];
	qsort(b.lat, (size_t)b.n, sizeof *b.lat, bench_cmp);
	printf("store_bench: %ld messages of %ld bytes, %d accounts, %d peers,"
	    " SQLite %s, WAL, synchronous=NORMAL, %s\n", b.n, b.text_len,
	    BENCH_ACCOUNTS, BENCH_PEERS, sqlite3_libversion(), b.dir);
	printf("insert (%s %ld):  %8.1f µs mean, %.1f p50, %.1f p99,"
	    " %.1f max\n", b.batch > 0 ? "commits of" : "transactions of",
	    b.batch > 0 ? b.batch : 1L, sum / b.n, b.lat[b.n / 2],
	    b.lat[b.n * 99 / 100], b.lat[b.n - 1]);
	printf("on disk:                   %8.1f bytes/message (%.1f over the"
	    " text)\n", (double)(full - empty) / b.n,
	    (double)(full - empty) / b.n - b.text_len);
	if ((st = store_open(b.path, err, sizeof err)) == NULL)
		return 1;
	bench_queries(st);
	store_close(st);
	unlink(b.path);
	free(b.lat);
	return 0;
}
