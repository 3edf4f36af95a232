/*
 * writer: every write of a message to the store happens here, on one
 * thread with its own store connection, so the loop reads the chat
 * connections at full speed whatever the disk does. The loop queues jobs
 * (a copy of the message each); the thread takes all that is queued (up
 * to WRITER_BATCH) into one transaction, commits, and hands the jobs back
 * in the order queued through a pipe; only then does the loop show them.
 * A second thread copies the WAL into the database (a checkpoint syncs
 * the disk: tens of ms the writer must not wait). Bounds per account are
 * the caller's (account.c, store-queue-max). The search index (SQLite)
 * is not written here: each commit tells the indexer thread how many
 * rows it owes (indexer.c); a search's turn in the queue (writer_index)
 * says which rows it must find.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "indexer.h"
#include "writer.h"

#define WRITER_BATCH	8192	/* messages per transaction at most */
#define WRITER_RETRY_MS	50	/* the database is locked: again soon */
#define WRITER_CKPT	4096	/* WAL pages that call for a checkpoint */
#define WRITER_CKPT_GAP_MS 10	/* between two: each syncs the disk twice */
#define WRITER_WAL_MAX	16384	/* past it the writer checkpoints itself */
#define WRITER_SLOTS	(2 * WRITER_BATCH)	/* a power of two */

enum writer_kind {
	WRITER_MSG,
	WRITER_PURGE,
	WRITER_OUTBOX_ADD,	/* u.m: peer is the target */
	WRITER_OUTBOX_ANSWER,	/* u.a */
	WRITER_INDEX		/* a search: the last row stored before it */
};

struct writer_job {
	struct writer_job	*next;
	writer_done_fn		*done;
	void			*ctx;
	long long		 time_ms;
	union {
		struct {		/* a message: peer, text follow */
			const char	*account;	/* the caller's */
			const char	*peer;
			const char	*text;
			size_t		 text_len;
		} m;
		struct {
			long long	 max_age_s;
			long long	 max_per_account;
			int		 budget;
		} p;
		struct {		/* answer follows */
			const char	*answer;
			int		 state;
			int		 result;
		} a;
	} u;
	char			*why;
	long long		 outbox;	/* MSG: its outbox row, or 0 */
	long long		 id;		/* the thread's answer */
	unsigned char		 kind;		/* enum writer_kind */
	unsigned char		 dir;		/* enum store_dir */
	signed char		 ok;
	signed char		 more;
	signed char		 held;
};

/* A FIFO: jobs come back in the order they were queued. */
struct writer_fifo {
	struct writer_job	*head;
	struct writer_job	*tail;
};

static struct store	*wst;		/* the thread's connection */
static struct store	*cst;		/* the checkpointer's */
static pthread_t	 wthread, cthread;
static int		 wstarted, cstarted;
static pthread_cond_t	 ccv = PTHREAD_COND_INITIALIZER;
static int		 cwant;		/* under wmu: a checkpoint is due */
static pthread_mutex_t	 wmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 wcv = PTHREAD_COND_INITIALIZER;
static struct writer_fifo wtodo, wdone;	/* under wmu */
static int		 wstop;		/* under wmu */
static int		 widle;		/* under wmu: waiting on wcv */
static int		 wwoken;	/* under wmu: a byte is in the pipe */
static int		 wpipe[2] = { -1, -1 };
static struct event	*wev;
static struct event	*wkick;		/* the loop's: hand wlocal over */
static int		 wkicked;	/* the loop's: wkick is active */
static struct writer_fifo wlocal;	/* the loop's: queued this turn */
static long long	 wlast;		/* the thread's: the last row stored */
/* the thread's: a commit's messages in the order stored (writer_order) */
static struct writer_job *win[WRITER_BATCH], *wout[WRITER_BATCH];
static int		 wgroup[WRITER_BATCH], wstart[WRITER_BATCH];
static unsigned		 wgslot[WRITER_BATCH];	/* a group's slot */
static int		 wslot[WRITER_SLOTS];	/* 1 + index into win, or 0 */

static void	*writer_main(void *);
static void	*writer_ckpt_main(void *);
static void	 writer_wal_bound(void);
static void	 writer_run(struct writer_job *);
static void	 writer_run_msgs(struct writer_job *, struct writer_job *);
static void	 writer_run_outbox(struct writer_job *);
static int	 writer_order(struct writer_job *, struct writer_job *);
static unsigned	 writer_conv_hash(const struct writer_job *);
static struct writer_job *writer_msg_job(enum writer_kind, const char *,
		    enum store_dir, const char *, const char *, size_t,
		    long long, writer_done_fn *, void *);
static int	 writer_begin(void);
static int	 writer_stopping(void);
static void	 writer_fail(struct writer_job *, struct writer_job *,
		    const char *);
static void	 writer_queue(struct writer_job *);
static void	 writer_on_kick(evutil_socket_t, short, void *);
static void	 writer_hand_over(void);
static void	 writer_on_done(evutil_socket_t, short, void *);
static void	 writer_finish(void);
static void	 writer_fifo_add(struct writer_fifo *, struct writer_job *);
static void	 writer_fifo_join(struct writer_fifo *, struct writer_job *,
		    struct writer_job *);

/* Open the thread's own connection to db and start it. */
int
writer_start(const char *db, char *err, size_t errlen)
{
	if ((wst = store_open(db, err, errlen)) == NULL)
		return -1;
	if (store_bulk(wst) == -1) {
		snprintf(err, errlen, "%s", store_error(wst));
		return -1;
	}
	if ((cst = store_open(db, err, errlen)) == NULL)
		return -1;
	if (pipe2(wpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	wev = event_new(ev_base, wpipe[0], EV_READ | EV_PERSIST,
	    writer_on_done, NULL);
	event_add(wev, NULL);
	wkick = event_new(ev_base, -1, 0, writer_on_kick, NULL);
	if (pthread_create(&wthread, NULL, writer_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the store thread");
		return -1;
	}
	wstarted = 1;
	if (pthread_create(&cthread, NULL, writer_ckpt_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		return -1;
	}
	cstarted = 1;
	return 0;
}

/*
 * Stop: the thread writes everything queued first, then each job's
 * callback runs here (so a message the chat server confirmed is kept).
 */
void
writer_stop(void)
{
	writer_hand_over();
	pthread_mutex_lock(&wmu);
	wstop = 1;
	pthread_cond_signal(&wcv);
	pthread_cond_signal(&ccv);
	pthread_mutex_unlock(&wmu);
	if (cstarted)
		pthread_join(cthread, NULL);
	cstarted = 0;
	if (wstarted) {
		pthread_join(wthread, NULL);
		wstarted = 0;
		writer_finish();
	}
	if (wev != NULL)
		event_free(wev);
	wev = NULL;
	if (wkick != NULL)
		event_free(wkick);
	wkick = NULL;
	wkicked = 0;
	if (wpipe[0] != -1) {
		close(wpipe[0]);
		close(wpipe[1]);
	}
	wpipe[0] = wpipe[1] = -1;
	store_close(cst);
	store_close(wst);		/* the last one: checkpoints all */
	wst = cst = NULL;
}

/* The memory a queued message takes, for the caller's bound. */
size_t
writer_cost(size_t peer_len, size_t text_len)
{
	return sizeof(struct writer_job) + peer_len + text_len + 2;
}

/* A message job (a copy of peer and text), not queued yet. */
static struct writer_job *
writer_msg_job(enum writer_kind kind, const char *account, enum store_dir dir,
    const char *peer, const char *text, size_t len, long long time_ms,
    writer_done_fn *done, void *ctx)
{
	size_t			 pl = strlen(peer) + 1;
	struct writer_job	*j = xmalloc(sizeof *j + pl + len + 1);
	char			*p = (char *)(j + 1);

	memset(j, 0, sizeof *j);
	j->kind = (unsigned char)kind;
	j->done = done;
	j->ctx = ctx;
	j->dir = (unsigned char)dir;
	j->time_ms = time_ms;
	j->u.m.account = account;
	j->u.m.peer = memcpy(p, peer, pl);
	j->u.m.text = memcpy(p + pl, text, len);
	p[pl + len] = '\0';
	j->u.m.text_len = len;
	return j;
}

/*
 * Queue a message; done(ctx, result) runs on the loop once it is stored.
 * account must stay as it is until then (the thread reads it). outbox:
 * the row it answers (marked done in the same transaction), or 0.
 */
void
writer_msg(const char *account, enum store_dir dir, const char *peer,
    const char *text, size_t len, long long time_ms, long long outbox,
    writer_done_fn *done, void *ctx)
{
	struct writer_job	*j;

	j = writer_msg_job(WRITER_MSG, account, dir, peer, text, len,
	    time_ms, done, ctx);
	j->outbox = outbox;
	writer_queue(j);
}

/*
 * Queue an outbox row (PostgreSQL); done hears its id and whether a
 * gateway holds the account. account must stay until then.
 */
void
writer_outbox_add(const char *account, const char *target, const char *text,
    size_t len, writer_done_fn *done, void *ctx)
{
	writer_queue(writer_msg_job(WRITER_OUTBOX_ADD, account, STORE_OUT,
	    target, text, len, core_wall_ms(), done, ctx));
}

/* Queue an outbox row's answer (or its return to pending). */
void
writer_outbox_answer(long long id, enum store_outbox_state state, int result,
    const char *answer, writer_done_fn *done, void *ctx)
{
	size_t			 al = strlen(answer) + 1;
	struct writer_job	*j = xmalloc(sizeof *j + al);

	memset(j, 0, sizeof *j);
	j->kind = WRITER_OUTBOX_ANSWER;
	j->done = done;
	j->ctx = ctx;
	j->id = id;
	j->u.a.answer = memcpy(j + 1, answer, al);
	j->u.a.state = (int)state;
	j->u.a.result = result;
	writer_queue(j);
}

/*
 * Queue a search's turn: done hears (result id) the last row stored
 * before it, which the search must find (indexer_wait).
 */
void
writer_index(writer_done_fn *done, void *ctx)
{
	struct writer_job	*j = xcalloc(1, sizeof *j);

	j->kind = WRITER_INDEX;
	j->done = done;
	j->ctx = ctx;
	writer_queue(j);
}

/* Queue one bounded retention batch (store_purge) behind the messages. */
void
writer_purge(long long now_ms, long long max_age_s,
    long long max_per_account, int budget, writer_done_fn *done, void *ctx)
{
	struct writer_job	*j = xcalloc(1, sizeof *j);

	j->kind = WRITER_PURGE;
	j->done = done;
	j->ctx = ctx;
	j->time_ms = now_ms;
	j->u.p.max_age_s = max_age_s;
	j->u.p.max_per_account = max_per_account;
	j->u.p.budget = budget;
	writer_queue(j);
}

static void
writer_fifo_add(struct writer_fifo *f, struct writer_job *j)
{
	j->next = NULL;
	writer_fifo_join(f, j, j);
}

/* The list head..tail (tail->next NULL) after f's jobs. */
static void
writer_fifo_join(struct writer_fifo *f, struct writer_job *head,
    struct writer_job *tail)
{
	if (f->tail != NULL)
		f->tail->next = head;
	else
		f->head = head;
	f->tail = tail;
}

/* A job for the thread, in order after every job queued before. */
static void
writer_queue(struct writer_job *j)
{
	/*
	 * The jobs of a turn of the loop go to the thread together, once
	 * the turn has queued what it read (wkick runs after the callbacks
	 * active now): one lock and at most one wake-up for all of them.
	 * Woken at the first job, the thread took one job a commit, and
	 * each job cost the loop a futex call.
	 */
	writer_fifo_add(&wlocal, j);
	if (wkick == NULL)
		writer_hand_over();
	else if (!wkicked) {
		wkicked = 1;
		event_active(wkick, 0, 0);
	}
}

/* The loop's turn is over: its jobs to the thread. */
static void
writer_on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	wkicked = 0;
	writer_hand_over();
}

/* wlocal onto the thread's FIFO, the thread woken if it waits. */
static void
writer_hand_over(void)
{
	if (wlocal.head == NULL)
		return;
	pthread_mutex_lock(&wmu);
	writer_fifo_join(&wtodo, wlocal.head, wlocal.tail);
	if (widle)
		pthread_cond_signal(&wcv);
	pthread_mutex_unlock(&wmu);
	wlocal.head = wlocal.tail = NULL;
}

static int
writer_stopping(void)
{
	int	stop;

	pthread_mutex_lock(&wmu);
	stop = wstop;
	pthread_mutex_unlock(&wmu);
	return stop;
}

static void *
writer_main(void *arg)
{
	struct writer_job	*batch, *last;
	char			 c = 'w';
	int			 n;

	(void)arg;
	pthread_mutex_lock(&wmu);
	for (;;) {
		while (wtodo.head == NULL && !wstop) {
			widle = 1;
			pthread_cond_wait(&wcv, &wmu);
			widle = 0;
		}
		if (wtodo.head == NULL)
			break;			/* stopping, all written */
		batch = last = wtodo.head;
		for (n = 1; last->next != NULL && n < WRITER_BATCH; n++)
			last = last->next;
		wtodo.head = last->next;
		if (wtodo.head == NULL)
			wtodo.tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&wmu);
		writer_run(batch);
		writer_wal_bound();
		indexer_owed(n);
		pthread_mutex_lock(&wmu);
		writer_fifo_join(&wdone, batch, last);
		/* a byte already waits unread: the loop will see these too */
		if (!wwoken && write(wpipe[1], &c, 1) == 1)
			wwoken = 1;
		if (store_wal_pages(wst) >= WRITER_CKPT && !cwant) {
			cwant = 1;
			pthread_cond_signal(&ccv);
		}
	}
	pthread_mutex_unlock(&wmu);
	return NULL;
}

/*
 * The checkpoint thread copies the WAL while the writer goes on, but the
 * WAL starts over only after a checkpoint that caught up with the last
 * commit, which under a steady flow of commits it never does. So past
 * WRITER_WAL_MAX pages the writer runs one itself, between two commits:
 * most pages are copied already; the WAL is then reused from its start.
 */
static void
writer_wal_bound(void)
{
	if (store_wal_pages(wst) >= WRITER_WAL_MAX &&
	    store_checkpoint(wst) == -1)
		log_warnx("store checkpoint: %s", store_error(wst));
}

/* The checkpoint thread: a PASSIVE checkpoint whenever the WAL is long. */
static void *
writer_ckpt_main(void *arg)
{
	struct timespec	gap = { 0, WRITER_CKPT_GAP_MS * 1000000L };

	(void)arg;
	pthread_mutex_lock(&wmu);
	for (;;) {
		while (!cwant && !wstop)
			pthread_cond_wait(&ccv, &wmu);
		if (wstop)
			break;
		cwant = 0;
		pthread_mutex_unlock(&wmu);
		if (store_checkpoint(cst) == -1)
			log_warnx("store checkpoint: %s", store_error(cst));
		nanosleep(&gap, NULL);
		pthread_mutex_lock(&wmu);
	}
	pthread_mutex_unlock(&wmu);
	return NULL;
}

/* The thread: runs of messages in one transaction each, purges alone. */
static void
writer_run(struct writer_job *batch)
{
	struct writer_job	*j = batch, *end;

	while (j != NULL) {
		if (j->kind == WRITER_OUTBOX_ADD ||
		    j->kind == WRITER_OUTBOX_ANSWER) {
			writer_run_outbox(j);
			j = j->next;
			continue;
		}
		if (j->kind == WRITER_INDEX) {
			j->ok = 1;
			j->id = wlast;
			j = j->next;
			continue;
		}
		if (j->kind == WRITER_PURGE) {
			j->more = (signed char)store_purge(wst, j->time_ms,
			    j->u.p.max_age_s, j->u.p.max_per_account,
			    j->u.p.budget);
			if (!(j->ok = j->more != -1))
				j->why = strdup(store_error(wst));
			j = j->next;
			continue;
		}
		for (end = j; end != NULL && end->kind == WRITER_MSG;)
			end = end->next;
		writer_run_msgs(j, end);
		j = end;
	}
}

/* An outbox job, alone: one statement, its own transaction. */
static void
writer_run_outbox(struct writer_job *j)
{
	long long	id = 0;
	int		held = 0;

	if (j->kind == WRITER_OUTBOX_ADD)
		j->ok = store_outbox_add(wst, j->u.m.account, j->u.m.peer,
		    j->u.m.text, j->u.m.text_len, j->time_ms, &id, &held) == 0;
	else
		j->ok = store_outbox_answer(wst, j->id,
		    (enum store_outbox_state)j->u.a.state, j->u.a.result,
		    j->u.a.answer) == 0;
	if (!j->ok)
		j->why = strdup(store_error(wst));
	else if (j->kind == WRITER_OUTBOX_ADD) {
		j->id = id;
		j->held = (signed char)held;
	}
}

/*
 * BEGIN, waiting while another process (the account tools) holds the
 * write lock; unless stopping, it never gives up: the queue's bound says
 * what cannot wait.
 */
static int
writer_begin(void)
{
	struct timespec	ts = { 0, WRITER_RETRY_MS * 1000000L };

	while (store_batch_begin(wst) == -1) {
		if (writer_stopping())
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* A conversation's hash: its account and peer. */
static unsigned
writer_conv_hash(const struct writer_job *k)
{
	const unsigned char	*p;
	unsigned		 h = 2166136261u;	/* FNV-1a */

	for (p = (const unsigned char *)k->u.m.account; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (p = (const unsigned char *)k->u.m.peer; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/*
 * Messages [j, end) (at most WRITER_BATCH) into wout in the order they
 * are stored: conversation by conversation, in the order each came
 * first, each in the order queued. A conversation's rows of a commit
 * then have consecutive ids, one run of msg_run (SQLite); the loop
 * still shows them in the order queued. Returns how many. Static
 * tables, not uthash: no allocation per commit.
 */
static int
writer_order(struct writer_job *j, struct writer_job *end)
{
	struct writer_job	*k;
	unsigned		 h;
	int			 n = 0, groups = 0, g, i, s, at;

	for (k = j; k != end; k = k->next, n++) {
		h = writer_conv_hash(k) & (WRITER_SLOTS - 1);
		while ((s = wslot[h]) != 0 && (strcmp(win[s - 1]->u.m.peer,
		    k->u.m.peer) != 0 || strcmp(win[s - 1]->u.m.account,
		    k->u.m.account) != 0))
			h = (h + 1) & (WRITER_SLOTS - 1);
		if (s == 0) {
			wslot[h] = n + 1;
			wgslot[groups] = h;
			wstart[groups] = 0;
			g = groups++;
		} else
			g = wgroup[s - 1];
		win[n] = k;
		wgroup[n] = g;
		wstart[g]++;
	}
	for (g = 0, at = 0; g < groups; g++) {	/* counts to starts */
		i = wstart[g];
		wstart[g] = at;
		at += i;
	}
	for (i = 0; i < n; i++)
		wout[wstart[wgroup[i]]++] = win[i];
	for (g = 0; g < groups; g++)
		wslot[wgslot[g]] = 0;
	return n;
}

/* Messages [j, end): one group commit. */
static void
writer_run_msgs(struct writer_job *j, struct writer_job *end)
{
	struct writer_job	*k;
	struct store_stamp	 stamp;
	int			 i, n;

	if (writer_begin() == -1) {
		writer_fail(j, end, store_error(wst));
		return;
	}
	n = writer_order(j, end);
	for (i = 0; i < n; i++) {
		k = wout[i];
		if (store_msg_add(wst, k->u.m.account, (enum store_dir)k->dir,
		    k->u.m.peer, k->u.m.text, k->u.m.text_len, k->time_ms,
		    &stamp) == 0 && (k->outbox == 0 ||
		    store_outbox_done(wst, k->outbox, stamp.id) == 0)) {
			k->ok = 1;
			k->id = stamp.id;
			k->time_ms = stamp.time_ms;
			if (stamp.id > wlast)
				wlast = stamp.id;
		} else
			k->why = strdup(store_error(wst));
	}
	if (store_batch_end(wst) == -1)
		writer_fail(j, end, store_error(wst));
}

/* The commit failed: none of [j, end) is stored. */
static void
writer_fail(struct writer_job *j, struct writer_job *end, const char *why)
{
	for (; j != end; j = j->next) {
		j->ok = 0;
		if (j->why == NULL)
			j->why = strdup(why);
	}
}

/* The loop: written jobs are back. */
static void
writer_on_done(evutil_socket_t fd, short what, void *arg)
{
	char	buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof buf) > 0)
		;
	writer_finish();
}

/* Each written job's callback, in the order queued; then it is freed. */
static void
writer_finish(void)
{
	struct writer_job	*list, *j;
	struct writer_result	 r;

	pthread_mutex_lock(&wmu);
	list = wdone.head;
	wdone.head = wdone.tail = NULL;
	wwoken = 0;
	pthread_mutex_unlock(&wmu);
	while ((j = list) != NULL) {
		list = j->next;
		memset(&r, 0, sizeof r);
		r.ok = j->ok;
		r.why = j->why != NULL ? j->why : "out of memory";
		r.more = j->more == 1;
		r.id = j->id;
		r.held = j->held;
		if (j->kind == WRITER_MSG || j->kind == WRITER_OUTBOX_ADD) {
			if (j->ok && j->kind == WRITER_MSG)
				store_msgid_format(r.msg.msgid, j->id);
			r.msg.time_ms = j->time_ms;
			r.msg.dir = (enum store_dir)j->dir;
			r.msg.peer = j->u.m.peer;
			r.msg.text = j->u.m.text;
			r.msg.text_len = j->u.m.text_len;
		}
		j->done(j->ctx, &r);
		free(j->why);
		free(j);
	}
}
