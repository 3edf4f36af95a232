/*
 * reader: the store's reads (CHATHISTORY, MARKREAD, SEARCH, playback,
 * the news of other gateways, positions) on one thread with its own store
 * connection, so a slow or locked database never stops the loop. The loop
 * queues a copy of each request; the thread runs them in the order queued
 * and copies the rows; the loop gets them back, in that order, through a
 * pipe and calls each request's continuation. One thread, one FIFO: the
 * answers of one session come in the order it asked. The session's input
 * waits while it has a read out (reader_busy, gw.c's ready hook). With a
 * store that indexes apart (SQLite) a search first takes its turn in the
 * writer's queue (writer_index: the last row stored before it), then
 * waits for the indexer thread to index up to that row (indexer_wait):
 * it finds everything stored before it was asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>

#include "bouncer/account.h"
#include "bouncer/indexer.h"
#include "bouncer/writer.h"

#define READER_SESSION_MAX	4	/* reads queued for one session */

struct reader_job {
	struct reader_job	*next;
	struct reader_req	 req;
	reader_done_fn		*done;
	void			*ctx;
	unsigned		 sid;
	/* the thread's answer */
	int			 n;
	long long		 value, value2;
	char			*why;
	struct store_msg	*rows;
	int			 nrows;
	int			 size;		/* rows allocated */
	long long		 cut;
	size_t			 bytes;
	size_t			 budget;	/* sendq-max when queued */
};

/* Reads out per session, for its input to wait. */
struct reader_sess {
	unsigned	 sid;
	int		 n;
	UT_hash_handle	 hh;
};

static struct store		*rst;	/* the thread's connection */
static pthread_t		 rthread;
static int			 rstarted;
static pthread_mutex_t		 rmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 rcv = PTHREAD_COND_INITIALIZER;
static struct reader_job	*rtodo, *rtodo_tail;	/* under rmu */
static struct reader_job	*rdone, *rdone_tail;	/* under rmu */
static int			 rstop;			/* under rmu */
static int			 rwoken;		/* under rmu */
static int			 rpipe[2] = { -1, -1 };
static struct event		*rev;
static int			 rjobs;		/* the loop's: queued, unread */
static struct reader_sess	*rsess;

static void	*reader_main(void *);
static void	 reader_run(struct reader_job *);
static void	 reader_row(void *, const struct store_msg *);
static void	 reader_target(void *, const char *, long long);
static void	 reader_user(void *, const char *, const char *);
static void	 reader_on_done(evutil_socket_t, short, void *);
static void	 reader_finish(void);
static void	 reader_free(struct reader_job *);
static void	 reader_push(struct reader_job *);
static void	 reader_stored(void *, const struct writer_result *);
static void	 reader_indexed(void *, int, const char *);
static struct reader_sess *reader_sess(unsigned);

/* Open the thread's own connection to db and start it. */
int
reader_start(const char *db, char *err, size_t errlen)
{
	if ((rst = store_open(db, err, errlen)) == NULL)
		return -1;
	if (pipe2(rpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	rev = event_new(ev_base, rpipe[0], EV_READ | EV_PERSIST,
	    reader_on_done, NULL);
	event_add(rev, NULL);
	if (pthread_create(&rthread, NULL, reader_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the store read thread");
		return -1;
	}
	rstarted = 1;
	return 0;
}

/* Stop: what is queued runs first (positions are saved), then answers. */
void
reader_stop(void)
{
	struct reader_sess	*r, *tmp;

	pthread_mutex_lock(&rmu);
	rstop = 1;
	pthread_cond_signal(&rcv);
	pthread_mutex_unlock(&rmu);
	if (rstarted) {
		pthread_join(rthread, NULL);
		rstarted = 0;
		reader_finish();
	}
	if (rev != NULL)
		event_free(rev);
	rev = NULL;
	if (rpipe[0] != -1) {
		close(rpipe[0]);
		close(rpipe[1]);
	}
	rpipe[0] = rpipe[1] = -1;
	store_close(rst);
	rst = NULL;
	HASH_ITER(hh, rsess, r, tmp) {
		HASH_DEL(rsess, r);
		free(r);
	}
}

static struct reader_sess *
reader_sess(unsigned sid)
{
	struct reader_sess	*r;

	HASH_FIND_INT(rsess, &sid, r);
	return r;
}

/* 1 while session s has a read out: its input waits. */
int
reader_busy(const struct session *s)
{
	return reader_sess(s->id) != NULL;
}

/*
 * Queue a read for session sid (0: none); done(s, ctx, result) runs on
 * the loop, s NULL once that session is gone. -1: too many reads queued
 * (READER_SESSION_MAX for the session, read-queue-max in all but
 * positions); done never runs.
 */
int
reader_read(unsigned sid, const struct reader_req *req,
    reader_done_fn *done, void *ctx)
{
	struct reader_job	*j;
	struct reader_sess	*r = NULL;

	/* a position is saved once per client closing: max-clients bounds */
	if (rst == NULL || (rjobs >= conf.read_queue_max &&
	    req->kind != READER_SEEN) ||
	    (sid != 0 && (r = reader_sess(sid)) != NULL &&
	    r->n >= READER_SESSION_MAX))
		return -1;
	if (sid != 0 && r == NULL) {
		r = xcalloc(1, sizeof *r);
		r->sid = sid;
		HASH_ADD_INT(rsess, sid, r);
	}
	if (r != NULL)
		r->n++;
	rjobs++;
	j = xcalloc(1, sizeof *j);
	j->req = *req;
	if (req->kind == READER_HISTORY)
		j->req.ch.target = j->req.name;	/* the copy's own */
	j->done = done;
	j->ctx = ctx;
	j->sid = sid;
	j->budget = req->kind == READER_ACCOUNTS ? SIZE_MAX :
	    (size_t)conf.sendq_max;	/* SIGHUP: the loop's */
	if (req->kind == READER_SEARCH && store_index_deferred(rst))
		writer_index(reader_stored, j);
	else
		reader_push(j);
	return 0;
}

/* What was stored before the search: it waits for the index to have it. */
static void
reader_stored(void *ctx, const struct writer_result *r)
{
	indexer_wait(r->id, reader_indexed, ctx);
}

/* The index has the search's rows (or could not): now the search. */
static void
reader_indexed(void *ctx, int ok, const char *why)
{
	struct reader_job	*j = ctx;

	if (!ok)
		log_warnx("search: the index may miss the newest messages: "
		    "%s", why);
	if (rst == NULL) {		/* stopped: answers are dropped */
		rjobs--;
		reader_free(j);
		return;
	}
	reader_push(j);
}

/* To the thread. */
static void
reader_push(struct reader_job *j)
{
	pthread_mutex_lock(&rmu);
	if (rtodo_tail != NULL)
		rtodo_tail->next = j;
	else
		rtodo = j;
	rtodo_tail = j;
	pthread_cond_signal(&rcv);
	pthread_mutex_unlock(&rmu);
}

static void *
reader_main(void *arg)
{
	struct reader_job	*j;
	char			 c = 'r';

	(void)arg;
	pthread_mutex_lock(&rmu);
	for (;;) {
		while (rtodo == NULL && !rstop)
			pthread_cond_wait(&rcv, &rmu);
		if ((j = rtodo) == NULL)
			break;			/* stopping, all read */
		if ((rtodo = j->next) == NULL)
			rtodo_tail = NULL;
		j->next = NULL;
		pthread_mutex_unlock(&rmu);
		reader_run(j);
		pthread_mutex_lock(&rmu);
		if (rdone_tail != NULL)
			rdone_tail->next = j;
		else
			rdone = j;
		rdone_tail = j;
		if (!rwoken && write(rpipe[1], &c, 1) == 1)
			rwoken = 1;
	}
	pthread_mutex_unlock(&rmu);
	return NULL;
}

/* The thread: one request on its own connection. */
static void
reader_run(struct reader_job *j)
{
	struct reader_req	*q = &j->req;

	switch (q->kind) {
	case READER_HISTORY:
		j->n = store_history(rst, q->account, &q->ch, reader_row, j);
		break;
	case READER_TARGETS:
		j->n = store_targets(rst, q->account, &q->ch, reader_target,
		    j);
		break;
	case READER_MARKER_GET:
		j->n = store_marker_get(rst, q->account, q->name, &j->value);
		break;
	case READER_MARKER_SET:
		j->n = store_marker_set(rst, q->account, q->name, q->arg,
		    &j->value);
		break;
	case READER_SEARCH:
		j->n = store_search(rst, q->account, &q->search, reader_row,
		    j);
		break;
	case READER_UNSEEN:
		j->n = store_unseen(rst, q->account, q->name, q->limit,
		    reader_row, j, &j->value);
		break;
	case READER_SINCE:
		j->n = store_since(rst, q->account, q->arg, q->limit,
		    reader_row, j);
		break;
	case READER_NEWEST:
		j->n = store_newest(rst, q->account, &j->value);
		break;
	case READER_SEEN:
		j->n = store_seen(rst, q->account, q->name, q->msgid);
		break;
	case READER_STATS:
		j->n = store_stats(rst, q->account, &j->value, &j->value2);
		break;
	case READER_ACCOUNTS:
		if ((j->n = store_accounts_changed(rst)) == 1 || q->arg) {
			j->value = 1;
			if ((j->n = store_user_list(rst, reader_user, j)) == 0)
				j->n = 1;
		}
		break;
	}
	if (j->n == -1)
		j->why = strdup(store_error(rst));
}

/*
 * A row, copied (the store's pointers live only during the call). Past
 * sendq-max bytes in one answer the rest is counted, not kept: a session
 * never takes more than half of it at once anyway.
 */
static void
reader_row(void *ctx, const struct store_msg *m)
{
	struct reader_job	*j = ctx;
	struct store_msg	*rows;
	size_t			 pl = strlen(m->peer) + 1;
	char			*p;
	int			 size;

	if (j->cut > 0 || j->bytes + pl + m->text_len > j->budget) {
		j->cut++;
		return;
	}
	if (j->nrows == j->size) {
		size = j->size > 0 ? j->size * 2 : 16;
		if ((rows = realloc(j->rows, size * sizeof *rows)) == NULL) {
			j->cut++;
			return;
		}
		j->rows = rows;
		j->size = size;
	}
	if ((p = malloc(pl + m->text_len + 1)) == NULL) {
		j->cut++;
		return;
	}
	rows = &j->rows[j->nrows++];
	*rows = *m;
	rows->peer = memcpy(p, m->peer, pl);
	rows->text = memcpy(p + pl, m->text, m->text_len);
	p[pl + m->text_len] = '\0';
	j->bytes += pl + m->text_len + sizeof *rows;
}

/* TARGETS: a peer and the time of its latest message, as a row. */
static void
reader_target(void *ctx, const char *peer, long long last_ms)
{
	struct store_msg	m;

	memset(&m, 0, sizeof m);
	m.peer = peer;
	m.text = "";
	m.time_ms = last_ms;
	reader_row(ctx, &m);
}

/* An account (the whole list is kept: the loop deletes what is not). */
static void
reader_user(void *ctx, const char *name, const char *chat_name)
{
	struct store_msg	m;

	memset(&m, 0, sizeof m);
	m.peer = name;
	m.text = chat_name;
	m.text_len = strlen(chat_name);
	reader_row(ctx, &m);
}

/* The loop: answers are back. */
static void
reader_on_done(evutil_socket_t fd, short what, void *arg)
{
	char	buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof buf) > 0)
		;
	reader_finish();
}

/*
 * Each answer's continuation, in the order queued; a session whose last
 * read this was reads its input again.
 */
static void
reader_finish(void)
{
	struct reader_job	*list, *j;
	struct reader_result	 res;
	struct reader_sess	*r;
	struct session		*s;

	pthread_mutex_lock(&rmu);
	list = rdone;
	rdone = rdone_tail = NULL;
	rwoken = 0;
	pthread_mutex_unlock(&rmu);
	while ((j = list) != NULL) {
		list = j->next;
		rjobs--;
		if (j->sid != 0 && (r = reader_sess(j->sid)) != NULL &&
		    --r->n == 0) {
			HASH_DEL(rsess, r);
			free(r);
		}
		memset(&res, 0, sizeof res);
		res.kind = j->req.kind;
		res.n = j->n;
		res.why = j->why != NULL ? j->why : "out of memory";
		res.rows = j->rows;
		res.nrows = j->nrows;
		res.cut = j->cut;
		res.value = j->value;
		res.value2 = j->value2;
		s = j->sid != 0 ? session_find_id(j->sid) : NULL;
		j->done(s, j->ctx, &res);
		if (j->sid != 0 && (s = session_find_id(j->sid)) != NULL &&
		    !reader_busy(s))
			session_resume(s);
		reader_free(j);
	}
}

static void
reader_free(struct reader_job *j)
{
	int	i;

	for (i = 0; i < j->nrows; i++)
		free((char *)j->rows[i].peer);	/* text shares the block */
	free(j->rows);
	free(j->why);
	free(j);
}
