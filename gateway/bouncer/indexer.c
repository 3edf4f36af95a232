/*
 * indexer: the search index of a store that indexes apart is brought up
 * to date here, on a thread with its own connection, so that no group
 * commit waits for it. SQLite: a file of its own (FILE-search); a step
 * reads the new rows from the store (a snapshot: no lock the writer
 * waits for) and indexes them in the search file's own transaction, so
 * its few ms, and the tens of ms of an FTS5 merge, never hold back a
 * commit (in the writer's thread they did: the p99 of the bouncer at
 * 5,000 msg/s). PostgreSQL: one of msg_todo's id ranges into msg_word.
 * Steps of istep rows (store_index_step(): SQLite 1,024, PostgreSQL 128,
 * short enough not to hold up the writer's backend on a shared core):
 * once that many are owed, INDEXER_MS after the first, one after the
 * other while more wait. The thread is niced (INDEXER_NICE): with the
 * machine busy the message path goes first and the index lags. While
 * the writer commits, a step is followed by a pause of INDEXER_YIELD
 * times its length (unless a search waits): PostgreSQL's backend does a
 * step's work, and a nice value of ours does not reach it (its steps
 * took 45 % of a core shared with the writer's backend in a relay). A
 * SQLite search waits here (indexer_wait) until its rows are in.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "store/store.h"
#include "indexer.h"

#define INDEXER_MS	500	/* the longest a row waits to be searchable */
#define INDEXER_NICE	10	/* below the loop and the writer */
#define INDEXER_RETRY_MS 5000	/* after an error (a full disk...) */
#define INDEXER_BUSY_MS	100	/* a commit this recent: the writer is busy */
#define INDEXER_YIELD	3	/* then a pause of 3 steps' time after one */
#define INDEXER_YIELD_MAX_MS 200

struct indexer_waiter {
	struct indexer_waiter	*next;
	long long		 upto;		/* rows up to it must be in */
	unsigned long		 gen;		/* steps begun before it */
	indexer_done_fn		*done;
	void			*ctx;
	int			 ok;
	char			*why;
};

static struct store		*ist;		/* the thread's connection */
static int			 istep;		/* rows a step (store's choice) */
static pthread_t		 ithread;
static int			 istarted;	/* the loop's */
static pthread_mutex_t		 imu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 icv = PTHREAD_COND_INITIALIZER;
static int			 irunning;	/* under imu */
static int			 istop;		/* under imu */
static int			 iidle;		/* under imu: waiting on icv */
static long long		 iowed;		/* under imu: rows committed */
static int			 imore;		/* under imu: the last step's */
static int			 ifailing;	/* the thread's: said so */
static int			 iheld;		/* under imu: failed, until idue */
static int			 iyield;	/* under imu: yields, until idue */
static long long		 iowed_ms;	/* under imu: the last commit's */
static unsigned long		 igen;		/* under imu: steps begun */
static struct timespec		 idue;		/* under imu: CLOCK_REALTIME */
static struct indexer_waiter	*iwait;		/* under imu */
static struct indexer_waiter	*iback;		/* under imu: for the loop */
static int			 iwoken;	/* under imu: a byte is sent */
static int			 ipipe[2] = { -1, -1 };
static struct event		*iev;

static void	*indexer_main(void *);
static int	 indexer_due(void);
static void	 indexer_yield(long long);
static void	 indexer_sleep(void);
static void	 indexer_due_in(long);
static void	 indexer_after(int, long long, unsigned long);
static void	 indexer_back(struct indexer_waiter *, int, const char *);
static void	 indexer_on_back(evutil_socket_t, short, void *);
static void	 indexer_finish(void);

/* Open the thread's own connection to db and start it, if needed. */
int
indexer_start(const char *db, char *err, size_t errlen)
{
	if ((ist = store_open(db, err, errlen)) == NULL)
		return -1;
	if (!store_index_apart(ist)) {		/* indexed as added */
		store_close(ist);
		ist = NULL;
		return 0;
	}
	istep = store_index_step(ist);	/* SQLite 1,024; PostgreSQL 128 */
	if (pipe2(ipipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	iev = event_new(ev_base, ipipe[0], EV_READ | EV_PERSIST,
	    indexer_on_back, NULL);
	event_add(iev, NULL);
	pthread_mutex_lock(&imu);
	irunning = 1;
	iowed = 1;			/* what the last run left: soon */
	indexer_due_in(INDEXER_MS);
	pthread_mutex_unlock(&imu);
	if (pthread_create(&ithread, NULL, indexer_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the search index thread");
		return -1;
	}
	istarted = 1;
	return 0;
}

/* Stop (between two steps): waiting searches go on without it. */
void
indexer_stop(void)
{
	pthread_mutex_lock(&imu);
	istop = 1;
	irunning = 0;
	pthread_cond_signal(&icv);
	pthread_mutex_unlock(&imu);
	if (istarted) {
		pthread_join(ithread, NULL);
		istarted = 0;
	}
	pthread_mutex_lock(&imu);
	indexer_back(iwait, 1, NULL);
	iwait = NULL;
	pthread_mutex_unlock(&imu);
	indexer_finish();
	if (iev != NULL)
		event_free(iev);
	iev = NULL;
	if (ipipe[0] != -1) {
		close(ipipe[0]);
		close(ipipe[1]);
	}
	ipipe[0] = ipipe[1] = -1;
	store_close(ist);
	ist = NULL;
}

/* The writer's thread, after a commit: wake the thread only for a step. */
void
indexer_owed(int n)
{
	pthread_mutex_lock(&imu);
	if (irunning) {
		/* the first: the thread sleeps again, until it is due */
		if (iowed == 0 && !iyield)
			indexer_due_in(INDEXER_MS);
		iowed_ms = core_now_ms();
		if (iidle && !iheld &&
		    (iowed == 0 || iowed + n >= istep))
			pthread_cond_signal(&icv);
		iowed += n;
	}
	pthread_mutex_unlock(&imu);
}

/* The loop: done runs once rows up to upto are searchable. */
void
indexer_wait(long long upto, indexer_done_fn *done, void *ctx)
{
	struct indexer_waiter	*w;

	if (!istarted) {
		done(ctx, 1, NULL);
		return;
	}
	pthread_mutex_lock(&imu);
	if (iheld) {			/* failing: the index as it is */
		pthread_mutex_unlock(&imu);
		done(ctx, 0, "the search index is failing (see the log)");
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->upto = upto;
	w->done = done;
	w->ctx = ctx;
	w->gen = igen;
	w->next = iwait;
	iwait = w;
	if (iidle)
		pthread_cond_signal(&icv);
	pthread_mutex_unlock(&imu);
}

static void *
indexer_main(void *arg)
{
	long long	done = 0, t0;
	unsigned long	gen;
	int		rc;

	(void)arg;
	/* this thread only (Linux); raising a nice value needs no right */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), INDEXER_NICE);
	pthread_mutex_lock(&imu);
	for (;;) {
		while (!istop && !indexer_due())
			indexer_sleep();
		if (istop)
			break;
		iowed = 0;
		gen = ++igen;
		pthread_mutex_unlock(&imu);
		t0 = core_now_ms();
		rc = store_index(ist, istep, &done);
		t0 = core_now_ms() - t0;
		if (rc == -1 && !ifailing)	/* once, not every retry */
			log_warnx("store search index: %s (searches go on "
			    "without the newest messages; retrying every %d s)",
			    store_error(ist), INDEXER_RETRY_MS / 1000);
		else if (rc != -1 && ifailing)
			log_info("store search index: working again");
		ifailing = rc == -1;
		pthread_mutex_lock(&imu);
		indexer_after(rc, done, gen);
		if (rc != -1)
			indexer_yield(t0);
	}
	pthread_mutex_unlock(&imu);
	return NULL;
}

/* Under imu: is a step due? */
static int
indexer_due(void)
{
	struct timespec	now;
	int		past;

	if (!iheld && iwait != NULL)
		return 1;
	if (!iyield && !iheld && (imore || iowed >= istep))
		return 1;
	if (iowed == 0 && !iyield)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	past = now.tv_sec > idue.tv_sec ||
	    (now.tv_sec == idue.tv_sec && now.tv_nsec >= idue.tv_nsec);
	if (past)
		iheld = iyield = 0;
	return past && (imore || iowed > 0);
}

/* Under imu, after a step of ms: pause if the writer is busy. */
static void
indexer_yield(long long ms)
{
	long long	now = core_now_ms();

	if (iwait != NULL || (!imore && iowed == 0) ||
	    now - iowed_ms >= INDEXER_BUSY_MS)
		return;
	ms *= INDEXER_YIELD;
	iyield = 1;
	indexer_due_in(ms < 1 ? 1 : ms > INDEXER_YIELD_MAX_MS ?
	    INDEXER_YIELD_MAX_MS : ms);
}

/* Under imu: sleep until woken, or until the owed rows are due. */
static void
indexer_sleep(void)
{
	iidle = 1;
	if (iowed == 0 && !iyield)
		pthread_cond_wait(&icv, &imu);
	else
		(void)pthread_cond_timedwait(&icv, &imu, &idue);
	iidle = 0;
}

/* Under imu: the next step is due ms from now. */
static void
indexer_due_in(long ms)
{
	clock_gettime(CLOCK_REALTIME, &idue);
	idue.tv_nsec += ms * 1000000L;
	idue.tv_sec += idue.tv_nsec / 1000000000L;
	idue.tv_nsec %= 1000000000L;
}

/*
 * Under imu, after step gen (rc, done: store_index's): the searches it
 * satisfied go back to the loop. A search's rows are in once the index
 * reaches its upto, or once a step begun after it found nothing more
 * (its rows were deleted, or it came before any commit of this run).
 * After an error the searches go on with the index as it is, and the
 * next try is INDEXER_RETRY_MS later.
 */
static void
indexer_after(int rc, long long done, unsigned long gen)
{
	struct indexer_waiter	**wp = &iwait, *w, *ready = NULL;

	if (rc == -1) {
		indexer_back(iwait, 0, store_error(ist));
		iwait = NULL;
		imore = 0;
		if (iowed == 0)
			iowed = 1;
		iheld = 1;
		indexer_due_in(INDEXER_RETRY_MS);
		return;
	}
	imore = rc == 1;
	while ((w = *wp) != NULL) {
		if ((w->upto > 0 && done >= w->upto) ||
		    (rc == 0 && gen > w->gen)) {
			*wp = w->next;
			w->next = ready;
			ready = w;
		} else
			wp = &w->next;
	}
	indexer_back(ready, 1, NULL);
}

/* Under imu: the list w to the loop, each with ok and why. */
static void
indexer_back(struct indexer_waiter *w, int ok, const char *why)
{
	struct indexer_waiter	*next;
	char			 c = 'i';

	if (w == NULL)
		return;
	for (; w != NULL; w = next) {
		next = w->next;
		w->ok = ok;
		w->why = why != NULL ? strdup(why) : NULL;
		w->next = iback;
		iback = w;
	}
	if (!iwoken && ipipe[1] != -1 && write(ipipe[1], &c, 1) == 1)
		iwoken = 1;
}

static void
indexer_on_back(evutil_socket_t fd, short what, void *arg)
{
	char	buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof buf) > 0)
		;
	indexer_finish();
}

/* The loop: each search that waited goes on. */
static void
indexer_finish(void)
{
	struct indexer_waiter	*list, *w;

	pthread_mutex_lock(&imu);
	list = iback;
	iback = NULL;
	iwoken = 0;
	pthread_mutex_unlock(&imu);
	while ((w = list) != NULL) {
		list = w->next;
		w->done(w->ctx, w->ok, w->why != NULL ? w->why :
		    "out of memory");
		free(w->why);
		free(w);
	}
}
