/*
 * The bouncer (--db): accounts from the store, each a link that stays
 * logged in upstream whether or not an IRC client is attached; who a
 * client is (PASS NAME[@CLIENT]:PASSWORD, USER NAME@CLIENT, SASL PLAIN);
 * attaching a client to its account's link; and the store's part of
 * every message: queued for the writer thread (writer.c) and shown only
 * once committed, replayed on attach. Accounts are read from the store
 * when used: a login asks it, and a poll notices accounts added or
 * deleted by another process. Without --db none of this runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uthash.h>

#include "bouncer/account.h"
#include "bouncer/holder.h"
#include "bouncer/indexer.h"
#include "bouncer/outbox.h"
#include "bouncer/spool.h"
#include "bouncer/writer.h"
#include "irc/numeric.h"
#include "store/store.h"

#define PURGE_EVERY_MS	60000	/* retention, a batch at a time */
#define PURGE_SOON_MS	100	/* the next batch, while more is due */
#define PURGE_BATCH	500
#define POLL_MS		1000	/* accounts changed by another process? */
#define TELL_MS		1000	/* "not kept" at most this often */
#define SASL_CHUNK	400	/* IRCv3 sasl: AUTHENTICATE lines */
#define SASL_MAX	1200	/* bytes of a PLAIN message, decoded */
#define LIVE_BATCH	100	/* news: rows per read */
#define LIVE_MARK	0x1	/* read the newest row: news starts there */
#define LIVE_NEWS	0x2	/* read the rows past live_id, show them */
#define LIVE_UNPARK	0x4	/* then log in (held here now) */
#define UNSPOOL_MAX	1024	/* spooled messages queued at once */

struct auth_job;

struct account {
	char		 name[STORE_NAME_MAX + 1];
	struct link	*link;		/* NULL once deleted */
	unsigned	 refs;		/* the table, sessions, queued writes */
	unsigned	 mark;		/* account_refresh(): still stored */
	size_t		 queued;	/* bytes waiting for the writer */
	struct spool	*spool;		/* received, waiting on disk */
	account_stored_fn *spool_fn;	/* what goes on with each of them */
	long long	 spooled;	/* since the spool was last empty */
	long long	 lost;		/* not kept (store-queue-max) */
	long long	 untold;	/* of those, not told yet */
	long long	 told_ms;
	long long	 live_id;	/* parked: newest row shown from news;
					   -1: none marked yet */
	unsigned	 live_want;	/* LIVE_*: reads to run, in turn */
	int		 live_busy;	/* one of them is out */
	UT_hash_handle	 hh;
};

/* A message waiting for the writer: whose, and who goes on with it. */
struct account_wait {
	struct account		*acct;
	size_t			 cost;
	account_stored_fn	*fn;
	void			*ctx;
};

/* A client's credentials and its place in the history. */
struct account_sess {
	struct account	*acct;		/* once authenticated */
	char		*pass;		/* PASS, until registration */
	char		 user[STORE_NAME_MAX + STORE_CLIENT_MAX + 2];
	char		 client[STORE_CLIENT_MAX + 1];
	char		 last[STORE_MSGID_SIZE];	/* newest one shown */
	time_t		 since;		/* attached at (wall clock) */
	int		 refused;	/* closing in a moment */
	int		 sasl;		/* AUTHENTICATE PLAIN under way */
	int		 told;		/* 900 sent (SASL) */
	int		 checking;	/* a password check is out */
	char		*sasl_buf;	/* base64 so far */
	size_t		 sasl_len;
	int		 replaying;	/* playback being read: live waits */
	struct account_held *held, *held_tail;
	size_t		 held_bytes;
};

/* A live message that came while the playback was being read. */
struct account_held {
	struct account_held	*next;
	struct store_msg	 m;	/* peer and text follow */
};

struct playback {
	struct session	*s;
	int		 n;
	long long	 cut;		/* not sent: the queue was full */
};

static struct store	*st;		/* the loop's: reads, positions */
static int		 shared;	/* PostgreSQL: logins per holder.c */
static struct account	*accounts;
static unsigned		 refresh_mark;
static long long	 lost_total;	/* not kept, all accounts */
static int		 links_gone;	/* shutting down: account_stop() */
static int		 unspool_off;	/* the writer stops: no more refills */
static int		 spool_broken;	/* a spool file could not be made */
static struct event	*purge_ev;
static struct event	*poll_ev;
static int		 poll_busy;	/* a poll's read is out */
static unsigned long	 refresh_gen;	/* account_refresh() calls */
static const struct account_hooks *hooks;

static struct account_sess *account_sess(struct session *);
static struct account	*account_find(const char *);
static struct account	*account_new(const char *, const char *);
static void	account_add(void *, const char *, const char *);
static void	account_delete(struct account *);
static void	account_unref(struct account *);
static void	account_not_kept(struct account *);
static int	account_spool(struct account *, const char *, const char *,
		    size_t, account_stored_fn *);
static void	account_unspool(struct account *, size_t, long long);
static void	account_spool_drop(struct account *, const char *);
static const char *account_spool_dir(char *, size_t);
static void	account_wait_msg(struct account *, enum store_dir,
		    const char *, const char *, size_t, long long, long long,
		    account_stored_fn *, void *);
static void	account_tell_lost(struct account *);
static void	account_tell_one(struct session *, void *);
static void	account_on_stored(void *, const struct writer_result *);
static int	account_queue(struct link *, enum store_dir, const char *,
		    const char *, size_t, long long, account_stored_fn *,
		    void *);
static void	account_purged(void *, const struct writer_result *);
static void	account_on_poll(evutil_socket_t, short, void *);
static void	account_polled(struct session *, void *,
		    const struct reader_result *);
static void	account_on_holder(enum holder_news, const char *,
		    const char *, const struct holder_out *);
static void	account_news_one(struct account *);
static void	account_live_mark(struct account *);
static void	account_live(struct account *);
static void	account_live_kick(struct account *);
static void	account_lived(struct session *, void *,
		    const struct reader_result *);
static void	account_live_one(struct account *, const struct store_msg *);
static void	account_live_show(struct session *, void *);
static int	account_check(struct session *, const char *, const char *,
		    int);
static void	account_checked(struct session *, struct auth_job *);
static void	account_on_auth(evutil_socket_t, short, void *);
static void	account_auth_lookup(struct auth_job *);
static void	account_auth_start(void);
static void	account_auth_stop(void);
static void	account_refuse(struct session *, int, const char *);
static void	account_on_purge(evutil_socket_t, short, void *);
static void	account_attach(struct session *);
static void	account_playback(struct session *);
static void	account_replay_one(void *, const struct store_msg *);
static void	account_replayed(struct session *, void *,
		    const struct reader_result *);
static long long account_held_first(struct account_sess *);
static void	account_held_show(struct session *);
static void	account_held_free(struct account_sess *);
static void	account_seen(struct session *, void *,
		    const struct reader_result *);
static int	account_split(const char *, char *, size_t, char *, size_t);
static void	account_sasl_done(struct session *);

/* 1 when chatircd runs as a bouncer (--db). */
/* Set once, before account_init(). */
void
account_set_hooks(const struct account_hooks *h)
{
	hooks = h;
}

int
account_enabled(void)
{
	return st != NULL;
}

/* The store, for the history commands (NULL without --db). */
struct store *
account_store(void)
{
	return st;
}

/* Open the store, start its writer, log every account in upstream. */
void
account_init(void)
{
	char		 err[256], shown[256];
	const char	*db;

	if (conf.db == NULL)
		return;
	db = store_shown(conf.db, shown, sizeof shown);
	if (sodium_init() == -1)
		fatalx("libsodium cannot start");
	if ((st = store_open(conf.db, err, sizeof err)) == NULL)
		fatalx("db %s: %s", db, err);
	if (indexer_start(conf.db, err, sizeof err) == -1 ||
	    writer_start(conf.db, err, sizeof err) == -1 ||
	    reader_start(conf.db, err, sizeof err) == -1)
		fatalx("db %s: %s", db, err);
	/* PostgreSQL: other gateways may share it; log in what we hold */
	if ((shared = store_shared(st)) &&
	    holder_start(conf.db, account_on_holder, err, sizeof err) == -1)
		fatalx("db %s: %s", db, err);
	refresh_mark = 1;
	if (store_accounts_changed(st) == -1 ||
	    store_user_list(st, account_add, NULL) == -1)
		fatalx("db %s: %s", db, store_error(st));
	log_info("bouncer: %u accounts in %s", HASH_COUNT(accounts), db);
	account_auth_start();
	purge_ev = event_new(ev_base, -1, 0, account_on_purge, NULL);
	core_timer_ms(purge_ev, PURGE_SOON_MS);
	poll_ev = event_new(ev_base, -1, 0, account_on_poll, NULL);
	core_timer_ms(poll_ev, POLL_MS);
}

/*
 * Close the store (after every link closed): what is queued is written
 * first, and nobody is shown it any more.
 */
void
account_shutdown(void)
{
	struct account	*a, *tmp;

	links_gone = 1;			/* the holder's last news: given back */
	holder_stop();
	account_auth_stop();
	indexer_stop();			/* waiting searches: to the reader */
	reader_stop();			/* positions saved, answers dropped */
	HASH_ITER(hh, accounts, a, tmp) {
		a->link = NULL;
		if (spool_count(a->spool) > 0)
			log_info("account %s: %lld received messages waiting "
			    "on disk are stored before the end", a->name,
			    spool_count(a->spool));
		account_unspool(a, SIZE_MAX, LLONG_MAX);
	}
	unspool_off = 1;
	writer_stop();
	outbox_shutdown();
	HASH_ITER(hh, accounts, a, tmp) {
		HASH_DEL(accounts, a);
		account_unref(a);
	}
	if (purge_ev != NULL)
		event_free(purge_ev);
	if (poll_ev != NULL)
		event_free(poll_ev);
	purge_ev = poll_ev = NULL;
	if (st != NULL)
		store_close(st);
	st = NULL;
}

/*
 * Shutting down, the links closed (gw_stop): what is still queued is
 * written, but shown to nobody, and the account list is not read again.
 */
void
account_stop(void)
{
	struct account	*a, *tmp;

	links_gone = 1;
	HASH_ITER(hh, accounts, a, tmp)
		a->link = NULL;
	if (poll_ev != NULL)
		event_del(poll_ev);
}

/* A new account: its link logs in upstream now. */
static struct account *
account_new(const char *name, const char *chat_name)
{
	struct account	*a = xcalloc(1, sizeof *a);
	static unsigned	 id = 1000000;	/* apart from session ids */

	snprintf(a->name, sizeof a->name, "%s", name);
	a->refs = 1;
	a->mark = refresh_mark;
	a->live_id = -1;
	HASH_ADD_STR(accounts, name, a);
	a->link = link_new_fixed(chat_name, ++id, a, shared);
	return a;
}

/* store_user_list(): one stored account, known or new (ctx: log it). */
static void
account_add(void *ctx, const char *name, const char *chat_name)
{
	struct account	*a;

	if ((a = account_find(name)) != NULL) {
		a->mark = refresh_mark;
		return;
	}
	if (ctx != NULL)
		log_info("account %s added to the store: logging in as %s",
		    name, chat_name);
	account_new(name, chat_name);
}

/* Deleted from the store: its clients are told and closed, it logs out. */
static void
account_delete(struct account *a)
{
	char		 why[STORE_NAME_MAX + 64];
	struct link	*l = a->link;

	log_info("account %s deleted from the store: its %u clients are "
	    "closed, its chat login ends", a->name, link_nsessions(l));
	HASH_DEL(accounts, a);
	snprintf(why, sizeof why, "Account %s was deleted from this bouncer",
	    a->name);
	link_close_fixed(l, why);
	a->link = NULL;
	account_spool_drop(a, "the account was deleted");
	account_unref(a);
}

static void
account_unref(struct account *a)
{
	if (--a->refs != 0)
		return;
	spool_free(a->spool);
	free(a);
}

/*
 * Read the account list now: new accounts log in, deleted ones go. The
 * poll calls it when another process changed an account; anything that
 * changes one in this process calls it at once.
 */
void
account_refresh(void)
{
	struct account	*a, *tmp;

	if (st == NULL || links_gone)
		return;
	refresh_mark++;
	refresh_gen++;			/* a poll read before this is stale */
	if (store_user_list(st, account_add, &refresh_mark) == -1) {
		log_warnx("accounts not read: %s", store_error(st));
		return;
	}
	HASH_ITER(hh, accounts, a, tmp)
		if (a->mark != refresh_mark)
			account_delete(a);
}

/*
 * The poll's answer (the reader thread: a database that is slow or away
 * never stops the loop): on a change, the whole list, applied as
 * account_refresh() does, unless a refresh came since it was asked.
 */
static void
account_polled(struct session *s, void *ctx, const struct reader_result *r)
{
	struct account	*a, *tmp;
	int		 i;

	(void)s;
	poll_busy = 0;
	if (r->n == -1) {
		log_warnx("accounts poll: %s", r->why);
		return;
	}
	if (r->value != 1 || st == NULL || links_gone ||
	    (unsigned long)(uintptr_t)ctx != refresh_gen)
		return;
	refresh_mark++;
	for (i = 0; i < r->nrows; i++)
		account_add(&refresh_mark, r->rows[i].peer, r->rows[i].text);
	HASH_ITER(hh, accounts, a, tmp)
		if (a->mark != refresh_mark)
			account_delete(a);
}

/* Every POLL_MS: a read of shared memory, the list only on a change. */
static void
account_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct reader_req	rq;

	(void)fd;
	(void)what;
	(void)arg;
	memset(&rq, 0, sizeof rq);
	rq.kind = READER_ACCOUNTS;
	if (!poll_busy && reader_read(0, &rq, account_polled,
	    (void *)(uintptr_t)refresh_gen) == 0)
		poll_busy = 1;		/* else: again at the next turn */
	core_timer_ms(poll_ev, POLL_MS);
}

/*
 * holder.c's news (PostgreSQL): an account held here logs in upstream;
 * one handed to another gateway, or all when the database session is
 * lost, stop at once (parked: their clients told, what they send held).
 */
static void
account_on_holder(enum holder_news kind, const char *name, const char *why,
    const struct holder_out *out)
{
	struct account	*a, *tmp;

	if (links_gone && kind == HOLDER_SEND)
		outbox_back(out);	/* for the next holder */
	if (links_gone && kind != HOLDER_LOG)
		return;			/* shutting down: the links are closed */
	switch (kind) {
	case HOLDER_LOG:
		log_info("%s", why);
		return;
	case HOLDER_NEWS:
		HASH_ITER(hh, accounts, a, tmp)
			account_news_one(a);
		return;
	case HOLDER_SEND:
		a = account_find(name);
		outbox_take(a != NULL ? a->link : NULL, name, out);
		return;
	case HOLDER_LOST:
		log_warnx("holder: %s", why);
		HASH_ITER(hh, accounts, a, tmp)
			if (a->link != NULL) {
				link_park(a->link, "this gateway lost its "
				    "database session; another one takes "
				    "over");
				outbox_parked(a->link);
				a->live_want &= ~LIVE_UNPARK;
				account_live_mark(a);
			}
		return;
	case HOLDER_GOT:
		if ((a = account_find(name)) == NULL) {
			account_refresh();	/* added since the last poll */
			a = account_find(name);
		}
		if (a == NULL || a->link == NULL) {
			holder_parked(name);
			return;
		}
		log_info("account %s: held by this gateway: logging in "
		    "upstream", name);
		if (link_nsessions(a->link) == 0) {
			link_unpark(a->link);
			return;
		}
		/* what the last holder stored is shown first, then the login */
		a->live_want |= LIVE_NEWS | LIVE_UNPARK;
		account_live_kick(a);
		return;
	case HOLDER_HAND:
		if ((a = account_find(name)) != NULL && a->link != NULL) {
			log_info("account %s: handed to another gateway (%s)",
			    name, why);
			link_park(a->link, "the account moves to another "
			    "gateway");
			outbox_parked(a->link);
			a->live_want &= ~LIVE_UNPARK;
			account_live_mark(a);
		}
		holder_parked(name);
		return;
	}
}

/*
 * News for one account: a parked one's clients get the rows stored
 * elsewhere; any account's outbox rows sent from here may be answered.
 */
static void
account_news_one(struct account *a)
{
	if (a->link != NULL && link_parked(a->link) &&
	    link_nsessions(a->link) > 0)
		account_live(a);
	else if (a->link != NULL)
		(void)outbox_news(a->name, -1);
}

/* outbox.c: the news an outbox row waited for (its id is known now). */
void
account_news(const char *name)
{
	struct account	*a;

	if (!links_gone && (a = account_find(name)) != NULL)
		account_news_one(a);
}

/*
 * A parked account's clients get what the holder stores from here on:
 * the newest row now is where news starts (older rows are playback's).
 */
static void
account_live_mark(struct account *a)
{
	a->live_want |= LIVE_MARK;
	account_live_kick(a);
}

/* News (NOTIFY): the rows another gateway stored, to every client. */
static void
account_live(struct account *a)
{
	if (outbox_news(a->name, a->live_id < 0 ? 0 : a->live_id))
		return;			/* a row of ours is being written */
	a->live_want |= LIVE_NEWS;
	account_live_kick(a);
}

/*
 * The next read an account's news wants, on the reader thread, one at a
 * time (each starts where the last one ended); once none is left, the
 * login a HOLDER_GOT waits for.
 */
static void
account_live_kick(struct account *a)
{
	struct reader_req	rq;

	if (a->live_busy || a->live_want == 0 || a->link == NULL)
		return;
	memset(&rq, 0, sizeof rq);
	snprintf(rq.account, sizeof rq.account, "%s", a->name);
	if ((a->live_want & LIVE_MARK) || a->live_id < 0) {
		rq.kind = READER_NEWEST;	/* nothing shown yet: from now */
		a->live_want &= a->live_id < 0 ? ~(LIVE_MARK | LIVE_NEWS) :
		    ~LIVE_MARK;
	} else if (a->live_want & LIVE_NEWS) {
		rq.kind = READER_SINCE;
		rq.arg = a->live_id;
		rq.limit = LIVE_BATCH;
		a->live_want &= ~LIVE_NEWS;
	} else {
		a->live_want = 0;
		link_unpark(a->link);
		return;
	}
	if (reader_read(0, &rq, account_lived, a) == -1) {
		log_warnx("account %s: news not read: too many reads wait for "
		    "the store", a->name);
		if (a->live_want & LIVE_UNPARK)
			link_unpark(a->link);
		a->live_want = 0;
		return;
	}
	a->refs++;
	a->live_busy = 1;
}

static void
account_lived(struct session *s, void *ctx, const struct reader_result *r)
{
	struct account	*a = ctx;
	int		 i;

	(void)s;
	a->live_busy = 0;
	if (r->n == -1)
		log_warnx("account %s: news: %s", a->name, r->why);
	else if (r->kind == READER_NEWEST && r->value > a->live_id)
		a->live_id = r->value;	/* 0: none stored yet */
	else if (r->kind == READER_SINCE) {
		for (i = 0; i < r->nrows && a->link != NULL; i++)
			account_live_one(a, &r->rows[i]);
		if (r->n == LIVE_BATCH || r->cut > 0)
			a->live_want |= LIVE_NEWS;	/* more */
	}
	account_live_kick(a);
	account_unref(a);
}

static void
account_live_one(struct account *a, const struct store_msg *m)
{
	a->live_id = strtoll(m->msgid, NULL, 10);
	if (outbox_shown(a->name, m))
		return;			/* sent from here: its sender answers */
	link_sessions(a->link, account_live_show, (void *)m);
}

static void
account_live_show(struct session *s, void *m)
{
	if (!(s->flags & SESSION_DEAD))
		hooks->show(s, m, 0, NULL);
}

/* Messages not kept (store-queue-max), in all since start. */
long long
account_lost(void)
{
	return lost_total;
}

/* The link of an account by name, or NULL. */
struct link *
account_link(const char *name)
{
	struct account	*a = account_find(name);

	return a != NULL ? a->link : NULL;
}

/* The client name a session logged in with ("" if none). */
const char *
account_client(struct session *s)
{
	return s->acct != NULL ? s->acct->client : "";
}

/* When the session attached to its account (0 if it did not). */
time_t
account_since(struct session *s)
{
	return s->acct != NULL && s->acct->acct != NULL ? s->acct->since : 0;
}

/* The names of s's capabilities (the layer above knows them). */
void
account_caps(struct session *s, char *buf, size_t size)
{
	if (hooks != NULL && hooks->caps != NULL)
		hooks->caps(s, buf, size);
	else if (size > 0)
		buf[0] = '\0';
}

static struct account *
account_find(const char *name)
{
	struct account	*a;

	HASH_FIND_STR(accounts, name, a);
	return a;
}

/* The account behind a link, or NULL for a plain gateway session. */
const char *
account_of(struct link *l)
{
	struct account	*a;

	if (st == NULL || l == NULL || (a = link_data(l)) == NULL)
		return NULL;
	return a->name;
}

static struct account_sess *
account_sess(struct session *s)
{
	if (s->acct == NULL)
		s->acct = xcalloc(1, sizeof *s->acct);
	return s->acct;
}

/* The session is closing: its place in the history is kept (queued). */
void
account_detach(struct session *s)
{
	struct account_sess	*as = s->acct;
	struct reader_req	 rq;

	if (as == NULL || as->acct == NULL || as->acct->link == NULL ||
	    as->last[0] == '\0')
		return;
	if (s->flags & SESSION_SENDQ) {		/* queued, never received */
		log_info("s%u: closed past sendq-max: its playback position "
		    "stays where it was", s->id);
		return;
	}
	memset(&rq, 0, sizeof rq);
	rq.kind = READER_SEEN;
	snprintf(rq.account, sizeof rq.account, "%s", as->acct->name);
	snprintf(rq.name, sizeof rq.name, "%s", as->client);
	snprintf(rq.msgid, sizeof rq.msgid, "%s", as->last);
	if (reader_read(0, &rq, account_seen, NULL) == -1)
		log_warnx("s%u: playback position not saved: too many reads "
		    "wait for the store", s->id);
	as->last[0] = '\0';
}

/* The reader saved a position (store_seen). */
static void
account_seen(struct session *s, void *ctx, const struct reader_result *r)
{
	(void)s;
	(void)ctx;
	if (r->n == -1)
		log_warnx("playback position: %s", r->why);
}

/* The session is freed: so is what it kept here. */
void
account_free(struct session *s)
{
	struct account_sess	*as = s->acct;

	if (as == NULL)
		return;
	if (as->acct != NULL)
		account_unref(as->acct);
	account_held_free(as);
	if (as->pass != NULL)
		sodium_memzero(as->pass, strlen(as->pass));
	free(as->pass);
	free(as->sasl_buf);
	free(as);
	s->acct = NULL;
}

/* PASS: kept until registration decides (a gateway without --db: no use). */
void
account_pass(struct session *s, const char *pass)
{
	struct account_sess	*as = account_sess(s);

	if (as->pass != NULL) {
		sodium_memzero(as->pass, strlen(as->pass));
		free(as->pass);
	}
	as->pass = xstrndup(pass, strnlen(pass, STORE_NAME_MAX +
	    STORE_CLIENT_MAX + STORE_PASS_MAX + 3));
}

/* USER NAME[@CLIENT]: who, when PASS holds only the password. */
void
account_user(struct session *s, const char *user)
{
	snprintf(account_sess(s)->user, sizeof account_sess(s)->user, "%s",
	    user);
}

/* "NAME@CLIENT" into its parts; -1 if either is not allowed. */
static int
account_split(const char *who, char *name, size_t nsize, char *client,
    size_t csize)
{
	size_t		 n = strcspn(who, "@");
	const char	*c = who[n] == '@' ? who + n + 1 : "";

	if (n == 0 || n >= nsize || strlen(c) >= csize ||
	    c[strspn(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-")] != '\0')
		return -1;
	memcpy(name, who, n);
	name[n] = '\0';
	snprintf(client, csize, "%s", c);
	return 0;
}

/*
 * Password checks run in one thread of their own (argon2id costs ~65 ms
 * and 64 MiB each; the loop must not wait): the loop queues a job, the
 * thread reads the account from the store (its own connection: what is
 * stored now, not a copy made at start), checks the password and hands
 * the job back through a pipe; the loop finds the session again by id.
 */
struct auth_job {
	unsigned	 sid;
	int		 sasl;		/* answer 903/904, not attach */
	char		 name[STORE_NAME_MAX + 1];
	char		 client[STORE_CLIENT_MAX + 1];
	char		 chat[STORE_NAME_MAX + 1];	/* its chat name */
	char		 hash[STORE_HASH_SIZE];
	int		 found;		/* 1, 0 no such account, -1 error */
	char		 err[128];
	char		 pass[STORE_PASS_MAX + 1];
	int		 ok;		/* the thread's answer */
	struct auth_job	*next;
};

#define AUTH_JOBS_MAX	64	/* checks queued at once */

static pthread_t	 auth_thread;
static struct store	*auth_st;		/* the thread's connection */
static int		 auth_started;
static pthread_mutex_t	 auth_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 auth_cv = PTHREAD_COND_INITIALIZER;
static struct auth_job	*auth_todo, *auth_done;	/* LIFO: order is moot */
static int		 auth_stop;
static unsigned		 auth_njobs;		/* queued, checked, unread */
static int		 auth_pipe[2] = { -1, -1 };
static struct event	*auth_ev;

/* The thread: the account as stored now (a stand-in hash if none). */
static void
account_auth_lookup(struct auth_job *j)
{
	j->found = store_user_hash(auth_st, j->name, j->hash);
	if (j->found == 1 && store_user_chat_name(auth_st, j->name, j->chat,
	    sizeof j->chat) == -1)
		j->found = -1;
	if (j->found == -1) {
		snprintf(j->err, sizeof j->err, "%s", store_error(auth_st));
		snprintf(j->hash, sizeof j->hash, "-");	/* never matches */
	}
}

static void *
account_auth_main(void *arg)
{
	struct auth_job	*j;
	char		 c = 'x';

	(void)arg;
	pthread_mutex_lock(&auth_mu);
	for (;;) {
		while (auth_todo == NULL && !auth_stop)
			pthread_cond_wait(&auth_cv, &auth_mu);
		if (auth_stop)
			break;
		j = auth_todo;
		auth_todo = j->next;
		pthread_mutex_unlock(&auth_mu);
		account_auth_lookup(j);
		j->ok = store_hash_verify(j->hash, j->pass) && j->found == 1;
		sodium_memzero(j->pass, sizeof j->pass);
		pthread_mutex_lock(&auth_mu);
		j->next = auth_done;
		auth_done = j;
		/* a full pipe already holds a wakeup: nothing lost */
		if (write(auth_pipe[1], &c, 1) == -1 && errno != EAGAIN)
			log_warn("password check thread: wakeup");
	}
	pthread_mutex_unlock(&auth_mu);
	return NULL;
}

static void
account_auth_start(void)
{
	char	err[256], shown[256];

	if ((auth_st = store_open(conf.db, err, sizeof err)) == NULL)
		fatalx("db %s: %s", store_shown(conf.db, shown, sizeof shown),
		    err);
	if (pipe2(auth_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	auth_ev = event_new(ev_base, auth_pipe[0], EV_READ | EV_PERSIST,
	    account_on_auth, NULL);
	event_add(auth_ev, NULL);
	if (pthread_create(&auth_thread, NULL, account_auth_main, NULL) != 0)
		fatalx("cannot start the password check thread");
	auth_started = 1;
}

static void
account_auth_free_list(struct auth_job *j)
{
	struct auth_job	*next;

	for (; j != NULL; j = next) {
		next = j->next;
		sodium_memzero(j, sizeof *j);
		free(j);
	}
}

static void
account_auth_stop(void)
{
	if (!auth_started)
		return;
	pthread_mutex_lock(&auth_mu);
	auth_stop = 1;
	pthread_cond_broadcast(&auth_cv);
	pthread_mutex_unlock(&auth_mu);
	pthread_join(auth_thread, NULL);
	auth_started = 0;
	account_auth_free_list(auth_todo);
	account_auth_free_list(auth_done);
	auth_todo = auth_done = NULL;
	event_free(auth_ev);
	close(auth_pipe[0]);
	close(auth_pipe[1]);
	store_close(auth_st);
	auth_st = NULL;
}

/* Checked jobs are back: each goes on with its session, if it lives. */
static void
account_on_auth(evutil_socket_t fd, short what, void *arg)
{
	struct auth_job	*list, *j;
	char		 buf[64];
	struct session	*s;

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&auth_mu);
	list = auth_done;
	auth_done = NULL;
	pthread_mutex_unlock(&auth_mu);
	while ((j = list) != NULL) {
		list = j->next;
		auth_njobs--;
		if ((s = session_find_id(j->sid)) != NULL)
			account_checked(s, j);
		sodium_memzero(j, sizeof *j);
		free(j);
	}
}

/*
 * Check who ("NAME[@CLIENT]") and password in the thread; the session's
 * input waits meanwhile. -1: refused at once (bad name, busy, error).
 */
static int
account_check(struct session *s, const char *who, const char *password,
    int sasl)
{
	struct auth_job	*j;

	if (auth_njobs >= AUTH_JOBS_MAX) {
		log_warnx("s%u: %u password checks already queued: refused",
		    s->id, auth_njobs);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	if (account_split(who, j->name, sizeof j->name, j->client,
	    sizeof j->client) == -1 || strlen(password) > STORE_PASS_MAX) {
		log_info("s%u: login refused: bad account or client name, or "
		    "password too long", s->id);
		free(j);
		return -1;
	}
	j->sid = s->id;
	j->sasl = sasl;
	snprintf(j->pass, sizeof j->pass, "%s", password);
	auth_njobs++;
	s->acct->checking = 1;
	s->flags |= SESSION_LOGGING_IN | SESSION_WAITING;
	pthread_mutex_lock(&auth_mu);
	j->next = auth_todo;
	auth_todo = j;
	pthread_cond_signal(&auth_cv);
	pthread_mutex_unlock(&auth_mu);
	return 0;
}

/* The thread has checked s's password: go on, or refuse. */
static void
account_checked(struct session *s, struct auth_job *j)
{
	struct account_sess	*as = account_sess(s);
	struct account		*a = NULL;

	as->checking = 0;
	if (j->found == 0 && account_find(j->name) != NULL)
		account_refresh();	/* deleted since the last look */
	if (!j->ok) {
		log_info("s%u: login as %s refused: %s", s->id,
		    log_escape(j->name, strlen(j->name)), j->found == 1 ?
		    "wrong password" : j->found == 0 ? "no such account" :
		    j->err);
		account_refuse(s, j->sasl ? ERR_SASLFAIL : ERR_PASSWDMISMATCH,
		    j->sasl ? "SASL authentication failed" :
		    "Password incorrect");
		return;
	}
	if ((a = account_find(j->name)) == NULL && links_gone) {
		account_refuse(s, ERR_PASSWDMISMATCH, "Shutting down");
		return;
	}
	if (a == NULL) {
		log_info("account %s added to the store: logging in as %s",
		    j->name, j->chat);
		a = account_new(j->name, j->chat);	/* added since */
	}
	as->acct = a;
	a->refs++;
	snprintf(as->client, sizeof as->client, "%s", j->client);
	log_info("s%u: account %s%s%s", s->id, a->name,
	    j->client[0] != '\0' ? ", client " : "", j->client);
	if (!j->sasl) {
		account_attach(s);		/* registration was waiting */
		return;
	}
	irc_send_num(s, RPL_LOGGEDIN, "%s!%s@%s %s :You are now logged in "
	    "as %s", s->nick, a->name, s->host, a->name, a->name);
	irc_send_num(s, RPL_SASLSUCCESS, ":SASL authentication successful");
	as->told = 1;
	s->flags &= ~SESSION_LOGGING_IN;	/* CAP END and the rest */
	session_resume(s);
}

/*
 * A client that may not in: the numeric now, the close a second later
 * (guessing costs time; session_close_slow), reading nothing meanwhile.
 */
static void
account_refuse(struct session *s, int num, const char *text)
{
	struct account_sess	*as = account_sess(s);

	if (as->refused)
		return;
	as->refused = 1;
	irc_send_num(s, num, ":%s", text);
	s->flags |= SESSION_LOGGING_IN;
	session_close_slow(s, text);
}

/*
 * NICK, USER and CAP END are in. 0: no account here, log in as a plain
 * gateway session. 1: handled (attached to the account, or refused).
 */
int
account_register(struct session *s)
{
	struct account_sess	*as;
	char			*colon;
	int			 ok;

	if (st == NULL)
		return 0;
	as = account_sess(s);
	if (as->refused || as->checking)
		return 1;		/* its check goes on when answered */
	if (as->acct == NULL && as->pass != NULL) {
		colon = strchr(as->pass, ':');
		if (colon != NULL) {
			*colon = '\0';
			ok = account_check(s, as->pass, colon + 1, 0) == 0;
		} else
			ok = account_check(s, as->user, as->pass, 0) == 0;
		sodium_memzero(as->pass, strlen(as->pass) + (colon ? 1 : 0));
		if (colon != NULL)
			sodium_memzero(colon + 1, strlen(colon + 1));
		free(as->pass);
		as->pass = NULL;
		if (!ok)
			account_refuse(s, ERR_PASSWDMISMATCH,
			    "Password incorrect");
		return 1;		/* account_checked() attaches */
	}
	if (as->acct != NULL) {
		account_attach(s);
		return 1;
	}
	if (conf.allow_anonymous)
		return 0;
	account_refuse(s, ERR_PASSWDMISMATCH, "Password required: PASS "
	    "account:password, or SASL PLAIN (this gateway has accounts)");
	return 1;
}

/* Registration done for an account: the client joins its link. */
static void
account_attach(struct session *s)
{
	struct account	*a = s->acct->acct;
	const char	*trouble;

	if (a->link == NULL) {
		account_refuse(s, ERR_PASSWDMISMATCH, "This account was "
		    "deleted");
		return;
	}
	if (link_nsessions(a->link) >= (unsigned)conf.max_attach) {
		account_refuse(s, ERR_PASSWDMISMATCH, "Too many clients "
		    "attached to this account (max-attach)");
		return;
	}
	link_attach(a->link, s);
	s->acct->since = time(NULL);
	if (!s->acct->told)
		irc_send_num(s, RPL_LOGGEDIN, "%s!%s@%s %s :You are now "
		    "logged in as %s", s->want, SNAME(s), s->host, a->name,
		    a->name);
	s->flags |= SESSION_LOGGING_IN;		/* as a login would */
	hooks->welcome(s);
	if (s->flags & SESSION_DEAD)
		return;
	trouble = link_trouble(a->link);
	if (outbox_wanted(a->link))
		irc_send_notice(s, "This account is logged in through "
		    "another gateway; what you send goes out through it.");
	else if (trouble[0] != '\0')
		irc_send_notice(s, "Not connected to the chat server now (%s). "
		    "Messages you send are held (up to %lld) and sent once it "
		    "is back.", trouble, conf.hold_max);
	log_info("s%u: attached to account %s (%u clients)", s->id, a->name,
	    link_nsessions(a->link));
	if (shared && link_parked(a->link) && link_nsessions(a->link) == 1)
		account_live_mark(a);	/* older: the playback's */
	account_playback(s);
}

/*
 * What came while this client was away, unless it asks for history
 * itself (draft/chathistory): oldest first, at most playback-max, read by
 * the reader thread; live messages wait meanwhile (account_hold), so they
 * follow it.
 */
static void
account_playback(struct session *s)
{
	struct account_sess	*as = s->acct;
	struct reader_req	 rq;

	if (s->caps & CAP_CHATHISTORY)
		return;
	memset(&rq, 0, sizeof rq);
	rq.kind = READER_UNSEEN;
	snprintf(rq.account, sizeof rq.account, "%s", as->acct->name);
	snprintf(rq.name, sizeof rq.name, "%s", as->client);
	rq.limit = (int)conf.playback_max;
	if (reader_read(s->id, &rq, account_replayed, NULL) == -1) {
		log_warnx("s%u: playback: too many reads wait for the store",
		    s->id);
		irc_send_notice(s, "Nothing was replayed: the store is busy. "
		    "Ask with CHATHISTORY, or attach again later.");
		return;
	}
	as->replaying = 1;
}

/* The playback is read: its rows, then the live ones held meanwhile. */
static void
account_replayed(struct session *s, void *ctx, const struct reader_result *r)
{
	struct playback	 pb = { s, 0, 0 };
	long long	 first;
	int		 i;

	(void)ctx;
	if (s == NULL)
		return;			/* what it held goes with it */
	s->acct->replaying = 0;
	if (r->n == -1)
		log_warnx("s%u: playback: %s", s->id, r->why);
	first = account_held_first(s->acct);	/* held: shown after */
	for (i = 0; i < r->nrows; i++)
		if (strtoll(r->rows[i].msgid, NULL, 10) < first)
			account_replay_one(&pb, &r->rows[i]);
	pb.cut += r->cut;
	if (r->value > 0 && !(s->flags & SESSION_DEAD))
		irc_send_notice(s, "%lld older messages were not replayed "
		    "(playback-max %lld).", r->value, conf.playback_max);
	if (pb.cut > 0 && !(s->flags & SESSION_DEAD))
		irc_send_notice(s, "%lld newer messages were not replayed yet "
		    "(more than half of sendq-max %lld bytes at once): they "
		    "come at the next attach, or ask with CHATHISTORY.", pb.cut,
		    conf.sendq_max);
	if (pb.n > 0 && !(s->flags & SESSION_DEAD))
		log_info("s%u: replayed %d messages", s->id, pb.n);
	account_held_show(s);
}

/*
 * While s's playback is read, a live message waits for it (copied): 1 if
 * held. Past sendq-max bytes held the client is closed, its position
 * where it was (nothing was shown yet).
 */
int
account_hold(struct session *s, const struct store_msg *m)
{
	struct account_sess	*as = s->acct;
	struct account_held	*h;
	size_t			 pl;
	char			*p;

	if (as == NULL || !as->replaying)
		return 0;
	pl = strlen(m->peer) + 1;
	if (as->held_bytes + sizeof *h + pl + m->text_len >
	    (size_t)conf.sendq_max) {
		log_warnx("s%u: sendq-max reached by messages waiting for "
		    "its playback", s->id);
		session_close(s, "SendQ exceeded");
		return 1;
	}
	h = xmalloc(sizeof *h + pl + m->text_len + 1);
	p = (char *)(h + 1);
	h->next = NULL;
	h->m = *m;
	h->m.peer = memcpy(p, m->peer, pl);
	h->m.text = memcpy(p + pl, m->text, m->text_len);
	p[pl + m->text_len] = '\0';
	as->held_bytes += sizeof *h + pl + m->text_len;
	if (as->held_tail != NULL)
		as->held_tail->next = h;
	else
		as->held = h;
	as->held_tail = h;
	return 1;
}

/* The row id of the first message held (later ones are newer). */
static long long
account_held_first(struct account_sess *as)
{
	struct account_held	*h;
	long long		 id;

	for (h = as->held; h != NULL; h = h->next)
		if ((id = strtoll(h->m.msgid, NULL, 10)) > 0)
			return id;
	return LLONG_MAX;
}

static void
account_held_show(struct session *s)
{
	struct account_held	*h;

	for (h = s->acct->held; h != NULL; h = h->next)
		if (!(s->flags & SESSION_DEAD))
			hooks->show(s, &h->m, 0, NULL);
	account_held_free(s->acct);
}

static void
account_held_free(struct account_sess *as)
{
	struct account_held	*h;

	while ((h = as->held) != NULL) {
		as->held = h->next;
		free(h);
	}
	as->held_tail = NULL;
	as->held_bytes = 0;
}

static void
account_replay_one(void *ctx, const struct store_msg *m)
{
	struct playback	*pb = ctx;

	if (pb->s->flags & SESSION_DEAD)
		return;
	if (pb->cut > 0 ||
	    session_queued(pb->s) > (size_t)conf.sendq_max / 2) {
		pb->cut++;	/* its position stays before this one */
		return;
	}
	hooks->show(pb->s, m, 1, NULL);
	pb->n++;
}

/* A message was shown to s: its place in the history moves there. */
void
account_shown(struct session *s, const char *msgid)
{
	if (s->acct != NULL && s->acct->acct != NULL)
		snprintf(s->acct->last, sizeof s->acct->last, "%s", msgid);
}

/*
 * Store a message of link l before anyone sees it: queued for the writer,
 * and fn(ctx, link, message, stored) runs once it is committed (or failed:
 * stored 0, no msgid), in the order queued. -1: not an account's link (no
 * store, fn never runs); ACCOUNT_FULL: store-queue-max reached, the
 * message is not kept (logged, told, counted; fn never runs).
 */
int
account_store_msg(struct link *l, enum store_dir dir, const char *peer,
    const char *text, size_t len, account_stored_fn *fn, void *ctx)
{
	return account_queue(l, dir, peer, text, len, 0, fn, ctx);
}

/*
 * outbox.c: as account_store_msg() for a message sent for another
 * gateway; its outbox row is marked done in the same commit.
 */
int
account_store_out(struct link *l, const char *peer, const char *text,
    size_t len, long long outbox, account_stored_fn *fn, void *ctx)
{
	return account_queue(l, STORE_OUT, peer, text, len, outbox, fn, ctx);
}

/* outbox.c: a stored message to every client of l. */
void
account_show(struct link *l, const struct store_msg *m)
{
	link_sessions(l, account_live_show, (void *)m);
}

static int
account_queue(struct link *l, enum store_dir dir, const char *peer,
    const char *text, size_t len, long long outbox, account_stored_fn *fn,
    void *ctx)
{
	struct account	*a;
	size_t		 cost;
	int		 spoolable;

	if (st == NULL || l == NULL || (a = link_data(l)) == NULL)
		return -1;
	cost = writer_cost(strlen(peer), len);
	/* received messages only: their order, and nothing to carry along */
	spoolable = dir == STORE_IN && outbox == 0 && ctx == NULL;
	if ((spoolable && spool_count(a->spool) > 0) ||
	    a->queued + cost > (size_t)conf.store_queue_max) {
		if (spoolable && account_spool(a, peer, text, len, fn) == 0)
			return 0;
		account_not_kept(a);
		return ACCOUNT_FULL;
	}
	account_wait_msg(a, dir, peer, text, len, core_wall_ms(), outbox, fn,
	    ctx);
	return 0;
}

/* Queued for the writer: fn(ctx, ...) once it is stored. */
static void
account_wait_msg(struct account *a, enum store_dir dir, const char *peer,
    const char *text, size_t len, long long time_ms, long long outbox,
    account_stored_fn *fn, void *ctx)
{
	struct account_wait	*w = xmalloc(sizeof *w);

	w->acct = a;
	w->cost = writer_cost(strlen(peer), len);
	w->fn = fn;
	w->ctx = ctx;
	a->queued += w->cost;
	a->refs++;
	writer_msg(a->name, dir, peer, text, len, time_ms, outbox,
	    account_on_stored, w);
}

/*
 * Past store-queue-max: a received message waits on disk, in order, up
 * to store-spool-max (0: never). -1: not there (full, off, the disk).
 */
static int
account_spool(struct account *a, const char *peer, const char *text,
    size_t len, account_stored_fn *fn)
{
	char		 err[256], dir[PATH_MAX];

	if (spool_broken || (a->spool_fn != NULL && a->spool_fn != fn) ||
	    spool_bytes(a->spool) + (long long)spool_cost(strlen(peer), len) >
	    conf.store_spool_max)
		return -1;
	if (a->spool == NULL) {
		if ((a->spool = spool_new(account_spool_dir(dir, sizeof dir),
		    err, sizeof err)) == NULL) {
			log_warnx("account %s: no spool (not tried again "
			    "until a restart): %s", a->name, err);
			spool_broken = 1;
			return -1;
		}
	}
	if (spool_put(a->spool, core_wall_ms(), peer, text, len) == -1) {
		log_warnx("account %s: spool: %s", a->name, strerror(errno));
		return -1;
	}
	if (a->spooled++ == 0)
		log_info("account %s: store-queue-max (%lld bytes) reached: "
		    "received messages wait on disk (store-spool-max %lld "
		    "bytes) until the store catches up", a->name,
		    conf.store_queue_max, conf.store_spool_max);
	a->spool_fn = fn;
	return 0;
}

/* Where spools go: by the SQLite file, else $TMPDIR or /var/tmp. */
static const char *
account_spool_dir(char *buf, size_t size)
{
	const char	*tmp = getenv("TMPDIR"), *slash;

	if (!shared) {			/* a SQLite file */
		if ((slash = strrchr(conf.db, '/')) == NULL)
			return ".";
		snprintf(buf, size, "%.*s", (int)(slash - conf.db), conf.db);
		return buf[0] != '\0' ? buf : "/";
	}
	return tmp != NULL && tmp[0] != '\0' ? tmp : "/var/tmp";
}

/*
 * The queue has room again: spooled messages join it, oldest first, at
 * most max of them, while it holds less than upto bytes (shutting down:
 * all of them).
 */
static void
account_unspool(struct account *a, size_t upto, long long max)
{
	static char	 peer[UINT8_MAX + 1], text[SPOOL_MAX + 1]; /* any */
	long long	 time_ms;
	size_t		 len;
	int		 rc = 0;

	while (max-- > 0 && spool_count(a->spool) > 0 && a->queued < upto &&
	    (rc = spool_get(a->spool, &time_ms, peer, sizeof peer, text,
	    sizeof text, &len)) == 1)
		account_wait_msg(a, STORE_IN, peer, text, len, time_ms, 0,
		    a->spool_fn, NULL);
	if (rc == -1)
		account_spool_drop(a, strerror(errno));
	if (a->spool != NULL && spool_count(a->spool) == 0) {
		log_info("account %s: the store caught up: %lld messages that "
		    "waited on disk are queued", a->name, a->spooled);
		spool_free(a->spool);		/* its buffers and its file */
		a->spool = NULL;
		a->spooled = 0;
		a->spool_fn = NULL;
	}
}

/* The spool cannot go on (why): what waits in it is not kept, and told. */
static void
account_spool_drop(struct account *a, const char *why)
{
	long long	n = spool_count(a->spool);

	if (n > 0) {
		log_warnx("account %s: %lld received messages waiting on disk "
		    "are not kept: %s", a->name, n, why);
		a->lost += n;
		a->untold += n;
		lost_total += n;
		if (a->link != NULL)
			account_tell_lost(a);
	}
	spool_free(a->spool);
	a->spool = NULL;
	a->spooled = 0;
	a->spool_fn = NULL;
}

/* Back from the writer: the caller goes on with it. */
static void
account_on_stored(void *ctx, const struct writer_result *r)
{
	struct account_wait	*w = ctx;
	struct account		*a = w->acct;

	a->queued -= w->cost;
	if (spool_count(a->spool) > 0 && !unspool_off &&
	    a->queued <= (size_t)conf.store_queue_max / 2)
		account_unspool(a, (size_t)conf.store_queue_max, UNSPOOL_MAX);
	if (r->ok)
		counters.store_writes++;
	if (!r->ok && a->link != NULL)
		log_warnx("account %s: message not stored: %s", a->name,
		    r->why);
	w->fn(w->ctx, a->link, &r->msg, r->ok);
	if (a->untold > 0 && (a->queued == 0 ||
	    core_wall_ms() - a->told_ms >= TELL_MS))
		account_tell_lost(a);
	account_unref(a);
	free(w);
}

/* Past store-queue-max: counted, and told at most once a TELL_MS. */
static void
account_not_kept(struct account *a)
{
	a->lost++;
	a->untold++;
	lost_total++;
	if (core_wall_ms() - a->told_ms >= TELL_MS)
		account_tell_lost(a);
}

static void
account_tell_one(struct session *s, void *text)
{
	irc_send_notice(s, "%s", (const char *)text);
}

/* The log and the account's clients hear how many were not kept. */
static void
account_tell_lost(struct account *a)
{
	char	text[256];

	log_warnx("account %s: store-queue-max (%lld bytes) reached: %lld "
	    "messages not kept (%lld for this account, %lld in all)",
	    a->name, conf.store_queue_max, a->untold, a->lost, lost_total);
	snprintf(text, sizeof text, "%lld messages could not be kept: the "
	    "store is behind (store-queue-max %lld bytes); they were neither "
	    "stored nor shown (%lld for this account so far)", a->untold,
	    conf.store_queue_max, a->lost);
	if (a->link != NULL)
		link_sessions(a->link, account_tell_one, text);
	a->untold = 0;
	a->told_ms = core_wall_ms();
}

/* NICK on an account's link: its chat name from now on. */
void
account_renamed(struct link *l, const char *name)
{
	const char	*a = account_of(l);

	if (a != NULL && store_user_set_chat_name(st, a, name) == -1)
		log_warnx("account %s: chat name not saved: %s", a,
		    store_error(st));
}

/*
 * Retention: one bounded batch at a time on the writer's thread, the
 * next soon while more is due, else a minute later.
 */
static void
account_on_purge(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	writer_purge(core_wall_ms(), conf.history_max_age * 86400,
	    conf.history_max, PURGE_BATCH, account_purged, NULL);
}

static void
account_purged(void *ctx, const struct writer_result *r)
{
	(void)ctx;
	if (!r->ok)
		log_warnx("retention purge: %s", r->why);
	if (purge_ev != NULL)
		core_timer_ms(purge_ev, r->more ? PURGE_SOON_MS :
		    PURGE_EVERY_MS);
}

/* AUTHENTICATE (IRCv3 sasl, PLAIN only). */
void
account_authenticate(struct session *s, const char *arg)
{
	struct account_sess	*as = account_sess(s);
	size_t			 n = strlen(arg);

	if (st == NULL || (s->flags & SESSION_REGISTERED) || as->checking ||
	    as->acct != NULL) {
		irc_send_num(s, ERR_SASLFAIL, ":SASL authentication failed");
		return;
	}
	if (strcmp(arg, "*") == 0) {
		as->sasl = 0;
		irc_send_num(s, ERR_SASLABORTED, ":SASL authentication "
		    "aborted");
		return;
	}
	if (!as->sasl) {
		if (strcasecmp(arg, "PLAIN") != 0) {
			irc_send_num(s, RPL_SASLMECHS, "PLAIN :are available "
			    "SASL mechanisms");
			irc_send_num(s, ERR_SASLFAIL, ":SASL authentication "
			    "failed");
			return;
		}
		as->sasl = 1;
		as->sasl_len = 0;
		irc_send_raw(s, "AUTHENTICATE +");
		return;
	}
	if (strcmp(arg, "+") != 0) {
		if (as->sasl_len + n > SASL_MAX * 4 / 3 + 4) {
			as->sasl = 0;
			irc_send_num(s, ERR_SASLTOOLONG, ":SASL message too "
			    "long");
			return;
		}
		as->sasl_buf = realloc(as->sasl_buf, as->sasl_len + n + 1);
		if (as->sasl_buf == NULL)
			fatal("account_authenticate");
		memcpy(as->sasl_buf + as->sasl_len, arg, n + 1);
		as->sasl_len += n;
	}
	if (n == SASL_CHUNK)
		return;			/* more follows */
	account_sasl_done(s);
}

/* The whole PLAIN message is in: authzid NUL authcid NUL password. */
static void
account_sasl_done(struct session *s)
{
	struct account_sess	*as = s->acct;
	unsigned char		 msg[SASL_MAX + 1];
	size_t			 len = 0, a, b;
	const char		*who;
	int			 ok = 0;

	as->sasl = 0;
	if (as->sasl_len > 0 && sodium_base642bin(msg, SASL_MAX,
	    as->sasl_buf, as->sasl_len, NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0) {
		msg[len] = '\0';
		a = strnlen((char *)msg, len);
		b = a < len ? strnlen((char *)msg + a + 1, len - a - 1) : 0;
		if (a < len && a + 1 + b < len) {
			who = (char *)msg + a + 1;	/* authcid */
			if (*who == '\0')
				who = (char *)msg;
			ok = account_check(s, who, (char *)msg + a + b + 2,
			    1) == 0;
		}
	}
	sodium_memzero(msg, sizeof msg);
	if (as->sasl_buf != NULL)
		sodium_memzero(as->sasl_buf, as->sasl_len);
	as->sasl_len = 0;
	if (!ok)
		account_refuse(s, ERR_SASLFAIL, "SASL authentication failed");
	/* else account_checked() answers */
}
