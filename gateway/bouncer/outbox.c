/*
 * The outbox (issue 19): with several gateways on one PostgreSQL
 * database, what a client sends at a gateway whose account's link is
 * parked (another gateway holds the login) becomes a row; the holder's
 * thread takes the rows of the accounts it holds (holder.c), and here
 * the holder sends each upstream as a local client's message goes: on
 * SEND-OK it is stored, the row marked done in the same transaction;
 * any other answer is written to the row. The origin learns both from
 * the news (NOTIFY at the commit): a done row's message comes with the
 * live rows (account_live), and instead of being shown it answers the
 * client that sent it (the echo, the other clients' copy); an answered
 * row answers at once (401, FAIL, not confirmed). The store is written
 * before anyone is shown anything; nothing is dropped untold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>
#include <utlist.h>

#include "bouncer/outbox.h"
#include "bouncer/writer.h"

#define OUTBOX_CHUNK	1000	/* row ids in one state query */

/* The origin: one message sent through another gateway, unanswered. */
struct outbox_far {
	struct outbox_acct	*oa;
	long long		 id;	/* its row; 0 until written */
	long long		 msg;	/* done: the stored message's row */
	unsigned		 sid;	/* the session that sent it */
	account_sent_fn		*fn;
	void			*ctx;
	struct outbox_far	*prev, *next;
};

/* The origin: an account's unanswered rows, in the order sent. */
struct outbox_acct {
	char			 name[STORE_NAME_MAX + 1];
	struct outbox_far	*far;
	unsigned		 n;
	unsigned		 unknown;	/* rows not written yet */
	int			 deferred;	/* news waits for them */
	UT_hash_handle		 hh;
};

/* The holder: a row on its way upstream. */
struct outbox_out {
	long long		 id;
	char			 account[STORE_NAME_MAX + 1];
	char			*target;
	char			*text;
	size_t			 len;
};

static struct outbox_acct *oaccts;
static int		 unholding;	/* in link_unhold(): never sent */

static struct outbox_acct *outbox_acct(const char *, int);
static void	outbox_added(void *, const struct writer_result *);
static void	outbox_answer(struct outbox_far *, enum up_result,
		    const char *, const struct store_msg *);
static void	outbox_state(void *, const struct store_outbox *);
static int	outbox_refresh(struct outbox_acct *);
static struct outbox_far *outbox_local(const char *, long long);
static void	outbox_sent(void *, enum up_result, char *);
static void	outbox_stored(void *, struct link *, const struct store_msg *,
		    int);
static void	outbox_reply(struct outbox_out *, enum store_outbox_state,
		    enum up_result, const char *, const struct store_msg *);
static void	outbox_written(void *, const struct writer_result *);

static struct outbox_acct *
outbox_acct(const char *name, int make)
{
	struct outbox_acct	*oa;

	HASH_FIND_STR(oaccts, name, oa);
	if (oa == NULL && make) {
		oa = xcalloc(1, sizeof *oa);
		snprintf(oa->name, sizeof oa->name, "%s", name);
		HASH_ADD_STR(oaccts, name, oa);
	}
	return oa;
}

/*
 * 1 if what l's clients send goes through another gateway: an
 * account's link, parked, on a shared database.
 */
int
outbox_wanted(struct link *l)
{
	struct store	*st = account_store();

	return st != NULL && l != NULL && store_shared(st) &&
	    account_of(l) != NULL && link_parked(l);
}

/*
 * The origin: queue s's message to name for the holder; fn hears what
 * became of it. 0, or LINK_HOLD_FULL when hold-max of this account's
 * messages already wait here (fn is not called then).
 */
int
outbox_send(struct session *s, const char *name, const char *text,
    size_t len, account_sent_fn *fn, void *ctx)
{
	struct outbox_acct	*oa = outbox_acct(account_of(s->link), 1);
	struct outbox_far	*f;

	if (oa->n >= (unsigned)conf.hold_max) {
		log_info("s%u: hold-max %lld reached (outbox)", s->id,
		    conf.hold_max);
		return LINK_HOLD_FULL;
	}
	f = xcalloc(1, sizeof *f);
	f->oa = oa;
	f->sid = s->id;
	f->fn = fn;
	f->ctx = ctx;
	DL_APPEND(oa->far, f);
	oa->n++;
	oa->unknown++;
	writer_outbox_add(oa->name, name, text, len, outbox_added, f);
	return 0;
}

/* The row is written (or not): its id; told if nobody holds it. */
static void
outbox_added(void *ctx, const struct writer_result *r)
{
	struct outbox_far	*f = ctx;
	struct outbox_acct	*oa = f->oa;
	struct session		*s = session_find_id(f->sid);
	char			 why[300];

	oa->unknown--;
	if (!r->ok) {
		log_warnx("account %s: outbox row not written: %s", oa->name,
		    r->why);
		snprintf(why, sizeof why, "it could not be queued for the "
		    "gateway that holds the account (%s)", r->why);
		outbox_answer(f, UP_REFUSED, why, NULL);
	} else {
		f->id = r->id;
		if (!r->held && s != NULL)
			irc_send_notice(s, "No gateway is logged in to the "
			    "chat server for this account now: your message "
			    "waits (up to hold-max %lld) and goes out once one "
			    "is.", conf.hold_max);
	}
	if (oa->unknown == 0 && oa->deferred) {
		oa->deferred = 0;
		account_news(oa->name);
	}
}

/* An answer to the client that sent f, and f gone. */
static void
outbox_answer(struct outbox_far *f, enum up_result r, const char *why,
    const struct store_msg *m)
{
	struct outbox_acct	*oa = f->oa;

	DL_DELETE(oa->far, f);
	oa->n--;
	f->fn(f->ctx, account_link(oa->name), r, why != NULL ? why : "", m);
	free(f);
}

/* store_outbox_state(): done (its message comes live) or answered. */
static void
outbox_state(void *ctx, const struct store_outbox *o)
{
	struct outbox_acct	*oa = ctx;
	struct outbox_far	*f;

	DL_FOREACH(oa->far, f)
		if (f->id == o->id)
			break;
	if (f == NULL)
		return;
	if (o->state == STORE_OUTBOX_DONE)
		f->msg = o->msg;
	else if (o->result >= UP_OK && o->result <= UP_LOST)
		outbox_answer(f, (enum up_result)o->result, o->answer, NULL);
	else
		outbox_answer(f, UP_LOST, "an answer this gateway does not "
		    "know", NULL);
}

/* Read the rows of oa not known to be done: -1 if the store failed. */
static int
outbox_refresh(struct outbox_acct *oa)
{
	struct outbox_far	*f;
	long long		*ids;
	int			 i, n = 0, rc = 0;

	ids = xcalloc(oa->n + 1, sizeof *ids);
	DL_FOREACH(oa->far, f)
		if (f->id != 0 && f->msg == 0)
			ids[n++] = f->id;
	for (i = 0; i < n && rc != -1; i += OUTBOX_CHUNK)
		rc = store_outbox_state(account_store(), ids + i,
		    n - i < OUTBOX_CHUNK ? n - i : OUTBOX_CHUNK, outbox_state,
		    oa);
	if (rc == -1)
		log_warnx("account %s: outbox: %s", oa->name,
		    store_error(account_store()));
	free(ids);
	return rc == -1 ? -1 : 0;
}

/*
 * The origin, on news: answered rows answer their clients now. shown:
 * the newest row shown live, and the live rows past it follow (a done
 * row is answered when its message comes); -1: none follow, so a done
 * row's client gets its echo now, without its msgid (the account's
 * link is not parked here any more, or nobody watches). 1: a row's id
 * is not known yet, wait (account_news() runs again).
 */
int
outbox_news(const char *account, long long shown)
{
	struct outbox_acct	*oa = outbox_acct(account, 0);
	struct outbox_far	*f, *tmp;

	if (oa == NULL || oa->far == NULL)
		return 0;
	if (oa->unknown > 0) {
		oa->deferred = 1;
		return 1;
	}
	if (outbox_refresh(oa) == -1)
		return 0;
	DL_FOREACH_SAFE(oa->far, f, tmp)
		if (f->msg != 0 && (shown < 0 || f->msg <= shown))
			outbox_answer(f, UP_OK, NULL, NULL);
	return 0;
}

/*
 * The origin, a live row m of account: if it is the message of one of
 * our rows, the client that sent it gets its echo and the others their
 * copy (the sender's continuation does both), and m is not shown again.
 */
int
outbox_shown(const char *account, const struct store_msg *m)
{
	struct outbox_acct	*oa = outbox_acct(account, 0);
	struct outbox_far	*f;
	long long		 id;
	int			 again;

	if (oa == NULL || oa->far == NULL || m->dir != STORE_OUT)
		return 0;
	id = strtoll(m->msgid, NULL, 10);	/* ours: a decimal row id */
	for (again = 1;; again = 0) {
		DL_FOREACH(oa->far, f)
			if (f->msg == id)
				break;
		if (f != NULL) {
			outbox_answer(f, UP_OK, NULL, m);
			return 1;
		}
		/* marked done after the news was read: read again, once */
		if (!again || outbox_refresh(oa) == -1)
			return 0;
	}
}

/* The holder: a local client's unanswered row, if id is one. */
static struct outbox_far *
outbox_local(const char *account, long long id)
{
	struct outbox_acct	*oa = outbox_acct(account, 0);
	struct outbox_far	*f;

	if (oa == NULL)
		return NULL;
	DL_FOREACH(oa->far, f)
		if (f->id == id)
			return f;
	return NULL;
}

/*
 * The holder: a row taken for an account held here goes upstream as a
 * local client's message does (held while the login is not ready, in
 * order). A parked link gives it back: the next holder takes it.
 */
void
outbox_take(struct link *l, const char *account, const struct holder_out *o)
{
	struct outbox_out	*w;
	size_t			 tl = strlen(o->target) + 1;
	int			 rc;

	w = xcalloc(1, sizeof *w + tl + o->len + 1);
	w->id = o->id;
	snprintf(w->account, sizeof w->account, "%s", account);
	w->target = memcpy(w + 1, o->target, tl);
	w->text = memcpy(w->target + tl, o->text, o->len);
	w->len = o->len;
	if (l == NULL) {
		outbox_reply(w, STORE_OUTBOX_ANSWERED, UP_REFUSED, "the "
		    "account was deleted", NULL);
		return;
	}
	if (link_parked(l)) {
		outbox_reply(w, STORE_OUTBOX_PENDING, UP_OK, "", NULL);
		return;
	}
	rc = link_send(l, w->target, w->text, w->len, outbox_sent, w);
	if (rc == LINK_HOLD_FULL || rc == LINK_BUSY)
		outbox_reply(w, STORE_OUTBOX_ANSWERED, UP_REFUSED, "too many "
		    "messages wait at the gateway that holds the account "
		    "(hold-max), send it again", NULL);
}

/* The holder: the chat server's answer to a row. */
static void
outbox_sent(void *ctx, enum up_result r, char *why)
{
	struct outbox_out	*w = ctx;
	struct link		*l = account_link(w->account);

	if (r == UP_OK && l != NULL && account_store_out(l, w->target,
	    w->text, w->len, w->id, outbox_stored, w) == 0)
		return;			/* outbox_stored() goes on */
	if (r == UP_OK)
		outbox_reply(w, STORE_OUTBOX_ANSWERED, UP_OK, "delivered, "
		    "but not stored", NULL);
	else if (r == UP_CANCELLED && unholding)	/* parked, never sent */
		outbox_reply(w, STORE_OUTBOX_PENDING, UP_OK, "", NULL);
	else if (r == UP_CANCELLED)	/* closed: it may have gone */
		outbox_reply(w, STORE_OUTBOX_ANSWERED, UP_LOST, "the gateway "
		    "that holds the account stopped before the chat server's "
		    "answer", NULL);
	else
		outbox_reply(w, STORE_OUTBOX_ANSWERED, r, why != NULL ? why :
		    "", NULL);
}

/*
 * The holder: stored, the row done in the same commit. This gateway's
 * clients see it now (the sender's own answer, if it is one of ours);
 * the others' with the news.
 */
static void
outbox_stored(void *ctx, struct link *l, const struct store_msg *m,
    int stored)
{
	struct outbox_out	*w = ctx;
	struct outbox_far	*f;

	if (!stored) {
		outbox_reply(w, STORE_OUTBOX_ANSWERED, UP_OK, "delivered, "
		    "but not stored", NULL);
		return;
	}
	if ((f = outbox_local(w->account, w->id)) != NULL)
		outbox_answer(f, UP_OK, NULL, m);
	else if (l != NULL)
		account_show(l, m);
	free(w);
}

/*
 * The holder: the row's answer written (pending: given back), a local
 * client's answered now; w freed.
 */
static void
outbox_reply(struct outbox_out *w, enum store_outbox_state state,
    enum up_result r, const char *why, const struct store_msg *m)
{
	struct outbox_far	*f;

	writer_outbox_answer(w->id, state, (int)r, why, outbox_written, NULL);
	if (state == STORE_OUTBOX_ANSWERED &&
	    (f = outbox_local(w->account, w->id)) != NULL)
		outbox_answer(f, r, why, m);
	free(w);
}

static void
outbox_written(void *ctx, const struct writer_result *r)
{
	(void)ctx;
	if (!r->ok)
		log_warnx("outbox row not answered: %s", r->why);
}

/* The holder parked l: the rows it still held go back to pending. */
void
outbox_parked(struct link *l)
{
	unholding = 1;
	link_unhold(l, outbox_sent);
	unholding = 0;
}

void
outbox_back(const struct holder_out *o)
{
	writer_outbox_answer(o->id, STORE_OUTBOX_PENDING, UP_OK, "",
	    outbox_written, NULL);
}

/* Shutting down: every client that waits is answered (not confirmed). */
void
outbox_shutdown(void)
{
	struct outbox_acct	*oa, *tmp;

	HASH_ITER(hh, oaccts, oa, tmp) {
		while (oa->far != NULL)
			outbox_answer(oa->far, UP_CANCELLED, NULL, NULL);
		HASH_DEL(oaccts, oa);
		free(oa);
	}
}
