/*
 * holder: one upstream login per account over all the gateways on one
 * PostgreSQL database. Each gateway's holder thread has a connection of
 * its own whose session holds a lock per account it serves
 * (pg_try_advisory_lock; store_hold) and one that marks it live
 * (store_join). Every HOLDER_POLL_MS it takes free accounts up to its
 * share (the accounts over the live gateways, rounded up) and hands
 * those past it to the others; the loop logs in only what it holds.
 * When a gateway dies (kill -9, machine gone) the server ends its
 * session and drops its locks, and the others take its accounts at
 * their next poll. When this connection breaks, the loop parks every
 * account at once (HOLDER_LOST: never two holders) and the thread opens
 * a new one with backoff. The same session LISTENs: "messages stored"
 * is news for the loop's parked accounts; "outbox row queued" (and
 * every round) makes it take the pending outbox rows of the accounts
 * it holds (store_outbox_take), for the loop to send (outbox.c); right
 * after it takes an account, the rows its last holder left sending
 * are answered "not confirmed" (store_outbox_lost). The loop hears
 * everything through a pipe, in order; it alone touches links.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uthash.h>

#include "chat/upstream.h"
#include "core/core.h"
#include "holder.h"
#include "store/store.h"

#define HOLDER_POLL_MS		1000
#define HOLDER_BACKOFF_MIN_MS	500
#define HOLDER_BACKOFF_MAX_MS	8000
#define HOLDER_WHY_MAX		256
#define HOLDER_TAKE		64	/* outbox rows taken at once */
#define HOLDER_KEEP_MS		600000	/* answered outbox rows kept */

/* An account as the thread sees it: held, handed over, or neither. */
struct holder_acct {
	char		 name[STORE_NAME_MAX + 1];
	long long	 key;		/* store_hold()'s, while held */
	int		 held;
	int		 handing;	/* HOLDER_HAND sent, not parked yet */
	int		 listed;	/* in the last store_user_list() */
	UT_hash_handle	 hh;
};

/* A piece of news for the loop (or a parked name for the thread). */
struct holder_msg {
	enum holder_news	 kind;
	char			 name[STORE_NAME_MAX + 1];
	char			 why[HOLDER_WHY_MAX];
	struct holder_out	 out;	/* HOLDER_SEND: target, text follow */
	struct holder_msg	*next;
};

static pthread_t	 hthread;
static pthread_mutex_t	 hmu = PTHREAD_MUTEX_INITIALIZER;
static struct holder_msg *hnews, *hnews_tail;	/* under hmu: to the loop */
static struct holder_msg *hparked;		/* under hmu: to the thread */
static int		 hstop;			/* under hmu */
static int		 hpipe[2] = { -1, -1 };	/* news waiting */
static int		 hwake[2] = { -1, -1 };	/* the thread's wake-up */
static struct event	*hev;
static holder_news_fn	*hfn;
static char		*hdb;
static int		 hstarted;

/* The thread's own (no lock: only it touches them). */
static struct store	*hst;
static struct holder_acct *haccts;
static unsigned		 hheld;
static int		 hbackoff;
static long long	 hpurged_ms;	/* the outbox's last purge */

static void	*holder_main(void *);
static void	 holder_post(enum holder_news, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static void	 holder_on_news(evutil_socket_t, short, void *);
static void	 holder_backoff(void);
static int	 holder_connect(void);
static void	 holder_drop(const char *);
static int	 holder_round(void);
static void	 holder_listed(void *, const char *, const char *);
static int	 holder_release_parked(void);
static int	 holder_wait(int);
static int	 holder_sleep(int);
static int	 holder_stopping(void);
static void	 holder_queue(struct holder_msg *);
static int	 holder_take(void);
static void	 holder_taken(void *, const struct store_outbox *);
static int	 holder_outbox_tidy(void);
static int	 holder_failed(int, const char *);

int
holder_start(const char *db, holder_news_fn *fn, char *err, size_t errlen)
{
	hfn = fn;
	hdb = xstrdup(db);
	if (pipe2(hpipe, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(hwake, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "holder pipe: %s", strerror(errno));
		return -1;
	}
	hev = event_new(ev_base, hpipe[0], EV_READ | EV_PERSIST,
	    holder_on_news, NULL);
	if (hev == NULL || event_add(hev, NULL) == -1) {
		snprintf(err, errlen, "holder: event");
		return -1;
	}
	if (pthread_create(&hthread, NULL, holder_main, NULL) != 0) {
		snprintf(err, errlen, "holder thread: %s", strerror(errno));
		return -1;
	}
	hstarted = 1;
	return 0;
}

/* The thread ends; its connection closes, so its locks go with it. */
void
holder_stop(void)
{
	struct holder_msg	*m;
	char			 c = 's';

	if (hstarted) {
		pthread_mutex_lock(&hmu);
		hstop = 1;
		pthread_mutex_unlock(&hmu);
		if (write(hwake[1], &c, 1) == -1)
			(void)0;	/* full: it wakes anyway */
		pthread_join(hthread, NULL);
		hstarted = 0;
	}
	while ((m = hnews) != NULL) {
		hnews = m->next;
		if (m->kind == HOLDER_SEND)	/* the loop gives them back */
			hfn(m->kind, m->name, m->why, &m->out);
		free(m);
	}
	while ((m = hparked) != NULL) {
		hparked = m->next;
		free(m);
	}
	hnews_tail = NULL;
	if (hev != NULL)
		event_free(hev);
	hev = NULL;
	if (hpipe[0] != -1) {
		close(hpipe[0]);
		close(hpipe[1]);
		close(hwake[0]);
		close(hwake[1]);
	}
	hpipe[0] = hpipe[1] = hwake[0] = hwake[1] = -1;
	free(hdb);
	hdb = NULL;
}

/* From the loop: name's link is parked, its lock may be released. */
void
holder_parked(const char *name)
{
	struct holder_msg	*m = xcalloc(1, sizeof *m);

	snprintf(m->name, sizeof m->name, "%s", name);
	pthread_mutex_lock(&hmu);
	m->next = hparked;
	hparked = m;
	pthread_mutex_unlock(&hmu);
}

/* Thread: queue news for the loop, one byte in the pipe. */
static void
holder_post(enum holder_news kind, const char *name, const char *fmt, ...)
{
	struct holder_msg	*m = xcalloc(1, sizeof *m);
	va_list			 ap;

	m->kind = kind;
	snprintf(m->name, sizeof m->name, "%s", name != NULL ? name : "");
	va_start(ap, fmt);
	vsnprintf(m->why, sizeof m->why, fmt, ap);
	va_end(ap);
	holder_queue(m);
}

/* Thread: one more piece of news, and a byte in the pipe. */
static void
holder_queue(struct holder_msg *m)
{
	char	c = 'h';

	pthread_mutex_lock(&hmu);
	if (hnews_tail != NULL)
		hnews_tail->next = m;
	else
		hnews = m;
	hnews_tail = m;
	pthread_mutex_unlock(&hmu);
	if (write(hpipe[1], &c, 1) == -1)
		(void)0;		/* full: a byte is there already */
}

/* Loop: every piece of news, in order. */
static void
holder_on_news(evutil_socket_t fd, short what, void *arg)
{
	struct holder_msg	*list, *m;
	char			 buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&hmu);
	list = hnews;
	hnews = hnews_tail = NULL;
	pthread_mutex_unlock(&hmu);
	while ((m = list) != NULL) {
		list = m->next;
		hfn(m->kind, m->name, m->why, m->kind == HOLDER_SEND ?
		    &m->out : NULL);
		free(m);
	}
}

static int
holder_stopping(void)
{
	int	stop;

	pthread_mutex_lock(&hmu);
	stop = hstop;
	pthread_mutex_unlock(&hmu);
	return stop;
}

/*
 * Sleep ms, or less: woken by holder_stop(), or by the connection (what
 * the server sends; a closed socket). 1 if the connection broke.
 */
static int
holder_wait(int ms)
{
	struct pollfd	pfd[2];
	char		buf[16];
	int		n = 1, news = 0;

	/* what a round's queries read already waits in libpq, not the socket */
	if (hst != NULL && !store_ok(hst))
		return 1;
	if (hst != NULL && (news = store_news(hst)) != 0) {
		if (news & STORE_NEWS_MSG)
			holder_post(HOLDER_NEWS, NULL, "news");
		if ((news & STORE_NEWS_SEND) && holder_take() == -1)
			return 1;
		ms = 0;
	}
	pfd[0].fd = hwake[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = hst != NULL ? store_fd(hst) : -1;
	pfd[1].events = POLLIN;
	if (pfd[1].fd != -1)
		n = 2;
	if (poll(pfd, (nfds_t)n, ms) > 0) {
		if (pfd[0].revents)
			while (read(hwake[0], buf, sizeof buf) > 0)
				;
		if (n == 2 && pfd[1].revents && !store_ok(hst))
			return 1;
		if (n == 2 && (news = store_news(hst)) & STORE_NEWS_MSG)
			holder_post(HOLDER_NEWS, NULL, "news");
		if (n == 2 && (news & STORE_NEWS_SEND) && holder_take() == -1)
			return 1;
	}
	return 0;
}

/* The pause before the next connection attempt: doubling, bounded. */
static void
holder_backoff(void)
{
	hbackoff = hbackoff == 0 ? HOLDER_BACKOFF_MIN_MS : hbackoff * 2;
	if (hbackoff > HOLDER_BACKOFF_MAX_MS)
		hbackoff = HOLDER_BACKOFF_MAX_MS;
}

/* Until the next round: news passed on meanwhile. 1: connection broke. */
static int
holder_sleep(int ms)
{
	long long	end = core_now_ms() + ms, left;

	while ((left = end - core_now_ms()) > 0 && !holder_stopping())
		if (holder_wait((int)left))
			return 1;
	return 0;
}

/* A new connection, counted as a live gateway: 0, or -1 (backoff). */
static int
holder_connect(void)
{
	char	err[256];

	if ((hst = store_open(hdb, err, sizeof err)) == NULL) {
		holder_backoff();
		holder_post(HOLDER_LOG, NULL, "holder: database not reachable "
		    "(%s): trying again in %d ms", err, hbackoff);
		return -1;
	}
	if (store_join(hst) == -1 || store_listen(hst) == -1) {
		holder_backoff();
		holder_post(HOLDER_LOG, NULL, "holder: %s", store_error(hst));
		store_close(hst);
		hst = NULL;
		return -1;
	}
	holder_post(HOLDER_LOG, NULL, "holder: database session up: "
	    "taking this gateway's share of the accounts");
	hbackoff = 0;
	return 0;
}

/*
 * The session is gone, and every lock with it: the loop parks all at
 * once, before anything else it hears from here.
 */
static void
holder_drop(const char *why)
{
	struct holder_acct	*a, *tmp;
	struct holder_msg	*list, *m;
	unsigned		 n = hheld;

	HASH_ITER(hh, haccts, a, tmp) {
		HASH_DEL(haccts, a);
		free(a);
	}
	hheld = 0;
	pthread_mutex_lock(&hmu);
	list = hparked;
	hparked = NULL;
	pthread_mutex_unlock(&hmu);
	while ((m = list) != NULL) {
		list = m->next;
		free(m);
	}
	holder_post(HOLDER_LOST, NULL, "the database session was lost (%s): "
	    "the %u upstream logins it held stop now", why, n);
	store_close(hst);
	hst = NULL;
}

/* store_user_list(): an account the gateways share. */
static void
holder_listed(void *ctx, const char *name, const char *chat_name)
{
	struct holder_acct	*a;

	(void)ctx;
	(void)chat_name;
	HASH_FIND_STR(haccts, name, a);
	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		snprintf(a->name, sizeof a->name, "%s", name);
		HASH_ADD_STR(haccts, name, a);
	}
	a->listed = 1;
}

/* The loop parked these: release their locks. */
static int
holder_release_parked(void)
{
	struct holder_acct	*a;
	struct holder_msg	*list, *m;
	int			 rc = 0;

	pthread_mutex_lock(&hmu);
	list = hparked;
	hparked = NULL;
	pthread_mutex_unlock(&hmu);
	while ((m = list) != NULL) {
		list = m->next;
		HASH_FIND_STR(haccts, m->name, a);
		if (a != NULL && a->held && rc == 0) {
			if (store_unhold(hst, a->key) == -1)
				rc = -1;
			a->held = a->handing = 0;
			hheld--;
		}
		free(m);
	}
	return rc;
}

/*
 * One poll: release what the loop parked, read the accounts and the
 * number of live gateways, take free accounts up to this gateway's
 * share, hand over those past it. -1 if the connection failed.
 */
static int
holder_round(void)
{
	struct holder_acct	*a, *tmp;
	unsigned		 naccts, share, handing = 0;
	int			 live, r;

	if (holder_release_parked() == -1)
		return -1;
	HASH_ITER(hh, haccts, a, tmp)
		a->listed = 0;
	if (store_user_list(hst, holder_listed, NULL) == -1 ||
	    (live = store_gateways(hst)) == -1)
		return -1;
	if (live < 1)
		live = 1;
	naccts = HASH_COUNT(haccts);
	share = (naccts + (unsigned)live - 1) / (unsigned)live;
	HASH_ITER(hh, haccts, a, tmp) {
		if (a->listed)
			continue;
		if (a->held && store_unhold(hst, a->key) == -1)
			return -1;	/* deleted: the loop closes it */
		if (a->held)
			hheld--;
		HASH_DEL(haccts, a);
		free(a);
	}
	HASH_ITER(hh, haccts, a, tmp) {
		if (a->held || hheld >= share)
			continue;
		if ((r = store_hold(hst, a->name, &a->key)) == -1) {
			if (!store_ok(hst))
				return -1;
			continue;		/* deleted meanwhile */
		}
		/* what its last holder was sending: sent or not, unknown */
		if (r == 1 && holder_failed(store_outbox_lost(hst, a->name,
		    UP_LOST, "the gateway that was sending it stopped before "
		    "the chat server's answer"), "outbox") == -1)
			return -1;
		if (r == 1) {
			a->held = 1;
			hheld++;
			holder_post(HOLDER_GOT, a->name, "held");
		}
	}
	HASH_ITER(hh, haccts, a, tmp)
		handing += a->handing;
	HASH_ITER(hh, haccts, a, tmp) {
		if (hheld - handing <= share)
			break;
		if (a->held && !a->handing) {
			a->handing = 1;
			handing++;
			holder_post(HOLDER_HAND, a->name, "%d gateways share "
			    "%u accounts", live, naccts);
		}
	}
	return holder_outbox_tidy();
}

/*
 * Each round: the rows a NOTIFY may have missed (this session was
 * new), and now and then the answered ones go. -1: connection broke.
 */
static int
holder_outbox_tidy(void)
{
	long long	now = core_wall_ms();

	if (holder_take() == -1)
		return -1;
	if (now - hpurged_ms < HOLDER_KEEP_MS / 10)
		return 0;
	hpurged_ms = now;
	return holder_failed(store_outbox_purge(hst, now - HOLDER_KEEP_MS),
	    "outbox purge");
}

/*
 * A call's -1: the connection broke (-1 too), or the statement failed
 * (logged; the holds stand: 0).
 */
static int
holder_failed(int rc, const char *what)
{
	if (rc != -1)
		return 0;
	if (!store_ok(hst))
		return -1;
	holder_post(HOLDER_LOG, NULL, "holder: %s: %s", what,
	    store_error(hst));
	return 0;
}

/* The outbox rows of the accounts held here, to the loop in id order. */
static int
holder_take(void)
{
	int	n;

	if (hheld == 0)
		return 0;
	do {
		n = store_outbox_take(hst, HOLDER_TAKE, holder_taken, NULL);
	} while (n == HOLDER_TAKE);
	return holder_failed(n, "outbox");
}

static void
holder_taken(void *ctx, const struct store_outbox *o)
{
	size_t			 tl = strlen(o->target) + 1;
	struct holder_msg	*m = xcalloc(1, sizeof *m + tl + o->text_len);
	char			*p = (char *)(m + 1);

	(void)ctx;
	m->kind = HOLDER_SEND;
	snprintf(m->name, sizeof m->name, "%s", o->account);
	m->out.id = o->id;
	m->out.target = memcpy(p, o->target, tl);
	m->out.text = memcpy(p + tl, o->text, o->text_len);
	m->out.len = o->text_len;
	holder_queue(m);
}

static void *
holder_main(void *arg)
{
	(void)arg;
	while (!holder_stopping()) {
		if (hst == NULL && holder_connect() == -1) {
			(void)holder_wait(hbackoff);
			continue;
		}
		if (holder_round() == -1 || !store_ok(hst)) {
			holder_drop(store_error(hst));
			continue;
		}
		if (holder_sleep(HOLDER_POLL_MS))
			holder_drop(store_error(hst));
	}
	if (hst != NULL)
		store_close(hst);
	hst = NULL;
	while (haccts != NULL) {
		struct holder_acct	*a = haccts;

		HASH_DEL(haccts, a);
		free(a);
	}
	return NULL;
}
