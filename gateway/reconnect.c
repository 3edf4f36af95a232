/*
 * A session outlives its upstream: reconnects with backoff and jitter,
 * messages held meanwhile, silence detection, NICK after login on a
 * second connection (make before break), local bind addresses with their
 * login counts (no eviction wars), and pings to idle IRC clients.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <utlist.h>

#include "casemap.h"
#include "chatircd.h"
#include "numeric.h"

#define EVICT_JUDGE_MS	300	/* then see whether the others survived */
#define EVICT_MAX	3	/* evictions before timers stop retrying */
#define EXCERPT		40	/* bytes of text named in a report */
#define NICK_GRACE_MS	1000	/* the old login stays after its replies */

struct held {
	char		*target;
	char		*name;
	char		*text;
	char		*echo;
	int		 notice;
	struct held	*next;
};

struct reconn {
	struct session	*s;
	struct event	*retry;
	int		 tries;		/* failed attempts: the backoff */
	int		 attempt;	/* name candidate in this login */
	int		 waiting;	/* for a free login slot */
	int		 evictions;
	int		 suspect;	/* closed just after another login */
	int		 suspect_ix;
	unsigned	 suspect_seq;
	char		 why[128];	/* of the loss, for the notice */
	char		 refused[CHAT_NAME_MAX + 1];
	struct held	*held;
	unsigned	 nheld;
	struct upstream	*nick_up;	/* NICK: the new login */
	char		 nick_want[NICK_MAX + 1];
	struct upstream	*old_up;	/* NICK: the old one, draining */
	struct event	*grace;		/* then closes old_up */
};

/* One pass of the silence sweep. */
struct rc_sweep {
	time_t		 now;
	time_t		 hung;	/* a probe unanswered, sent then; else -1 */
	unsigned	 hung_sid;	/* on this session's upstream */
};

static unsigned		 nwaiting;
static struct event	*sweep;

static struct reconn *rc_get(struct session *);
static void	rc_schedule(struct session *, long long);
static void	rc_backoff(struct session *);
static void	rc_on_retry(evutil_socket_t, short, void *);
static void	rc_try(struct session *);
static void	rc_report(struct session *, struct upstream *, const char *);
static void	rc_judge(struct session *);
static void	rc_tell_lost(struct session *);
static void	rc_wake(struct session *, void *);
static void	rc_held_free(struct held *);
static void	rc_nick_swap(struct session *, struct upstream *,
		    const char *);
static void	rc_renamed(struct session *, const char *);
static void	rc_on_grace(evutil_socket_t, short, void *);
static void	rc_old_close(struct session *, const char *);
static void	rc_on_sweep(evutil_socket_t, short, void *);
static void	rc_sweep_one(struct session *, void *);
static void	rc_check(struct upstream *, struct rc_sweep *, int);
static void	rc_suspect(struct session *, void *);

/* Seconds on a clock that does not jump. */
time_t
reconnect_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Bind addresses from --upstream-bind; the silence sweep, once a second. */
void
reconnect_init(void)
{
	struct timeval	tv = { 1, 0 };

	if (upbind_init(conf.upstream_bind) == -1)
		fatalx("upstream-bind: \"%s\" is not a list of at most 16 "
		    "numeric addresses", conf.upstream_bind);
	sweep = event_new(ev_base, -1, EV_PERSIST, rc_on_sweep, NULL);
	event_add(sweep, &tv);
}

/* Free the sweep timer. */
void
reconnect_shutdown(void)
{
	if (sweep != NULL)
		event_free(sweep);
	sweep = NULL;
}

/* An upstream address has room again: waiting sessions try. */
void
reconnect_slot_freed(void)
{
	if (nwaiting > 0)
		session_foreach(rc_wake, NULL);
}

static void
rc_wake(struct session *s, void *arg)
{
	struct timeval	tv = { 0, 0 };

	(void)arg;
	if (s->rc != NULL && s->rc->waiting && s->up == NULL)
		event_add(s->rc->retry, &tv);
}

static struct reconn *
rc_get(struct session *s)
{
	struct reconn	*rc = s->rc;

	if (rc == NULL) {
		rc = xcalloc(1, sizeof *rc);
		rc->s = s;
		rc->retry = event_new(ev_base, -1, 0, rc_on_retry, s);
		rc->grace = event_new(ev_base, -1, 0, rc_on_grace, s);
		s->rc = rc;
	}
	return rc;
}

static void
rc_held_free(struct held *h)
{
	free(h->target);
	free(h->name);
	free(h->text);
	free(h->echo);
	free(h);
}

/* The session is closing: its extra upstreams and held messages go. */
void
reconnect_free(struct session *s)
{
	struct reconn	*rc = s->rc;
	struct held	*h, *tmp;

	if (rc == NULL)
		return;
	if (rc->waiting)
		nwaiting--;
	if (rc->nick_up != NULL)
		upstream_close(rc->nick_up);
	if (rc->old_up != NULL)
		upstream_close(rc->old_up);
	LL_FOREACH_SAFE(rc->held, h, tmp)
		rc_held_free(h);
	if (rc->nheld > 0)
		log_info("s%u: %u held messages dropped with the session",
		    s->id, rc->nheld);
	event_free(rc->retry);
	event_free(rc->grace);
	free(rc);
	s->rc = NULL;
}

/* Every request u still waited for, named to the user. */
static void
rc_report(struct session *s, struct upstream *u, const char *why)
{
	struct up_req	*r;

	DL_FOREACH(u->pending, r) {
		if (r->kind == REQ_SEND) {
			irc_send_notice(s, "%s to %s not confirmed: %s; it may "
			    "or may not have arrived: %.*s%s",
			    r->notice ? "Notice" : "Message", r->target, why,
			    EXCERPT, r->text,
			    strlen(r->text) > EXCERPT ? "..." : "");
			log_info("s%u: SEND to %s not confirmed", s->id,
			    log_escape(r->target, strlen(r->target)));
		} else if (r->kind == REQ_WHO &&
		    r->who_for != WHO_FOR_KEEPALIVE &&
		    r->who_for != WHO_FOR_POLL)	/* nobody asked */
			irc_query_failed(s, r, why);
		r->kind = REQ_NONE;	/* reported once */
		if (s->flags & SESSION_DEAD)
			return;
	}
}

/* Judge a suspected eviction (upbind_judge) and tell the user. */
static void
rc_judge(struct session *s)
{
	struct reconn	*rc = s->rc;
	int		 limit;

	rc->suspect = 0;
	limit = upbind_judge(rc->suspect_ix, rc->suspect_seq, s->id);
	if (limit == 0) {
		rc_tell_lost(s);
		return;
	}
	rc->evictions++;
	irc_send_notice(s, "The chat server closed your connection right "
	    "after another user of this gateway logged in: it keeps at most "
	    "%d logins per source address and drops the oldest. The gateway "
	    "will not log you in again until a login slot is free (the "
	    "operator can spread users over more addresses with "
	    "--upstream-bind). Messages you send meanwhile are held (up to "
	    "%lld).", limit, conf.hold_max);
}

static void
rc_tell_lost(struct session *s)
{
	irc_send_notice(s, "The connection to the chat server was lost (%s); "
	    "the gateway is reconnecting. Messages you send meanwhile are "
	    "held (up to %lld) and sent once it is back.", s->rc->why,
	    conf.hold_max);
}

/*
 * The upstream u of a logged-in session is gone: say so (once per
 * outage), report what was in flight and log in again later.
 */
void
reconnect_lost(struct session *s, struct upstream *u, const char *why)
{
	struct reconn	*rc = rc_get(s);
	int		 first = !(s->flags & SESSION_RECONNECTING);

	if (u != NULL)
		rc_report(s, u, "the chat server connection was lost");
	if (s->flags & SESSION_DEAD)
		return;
	if (rc->nick_up != NULL) {
		upstream_close(rc->nick_up);
		rc->nick_up = NULL;
		irc_send_notice(s, "Your nick change to %s was cancelled: the "
		    "chat server connection was lost", rc->nick_want);
	}
	s->flags |= SESSION_RECONNECTING;
	if (first) {
		rc->tries = 0;
		rc->attempt = 0;
		rc->refused[0] = '\0';
		snprintf(rc->why, sizeof rc->why, "%s", why);
	}
	if (u != NULL && upbind_suspect(u, s->id, &rc->suspect_seq)) {
		rc->suspect = 1;
		rc->suspect_ix = u->bind_ix;
		rc_schedule(s, EVICT_JUDGE_MS);
		return;
	}
	if (first)
		rc_tell_lost(s);
	if (!(s->flags & SESSION_DEAD))	/* a notice can hit sendq-max */
		rc_backoff(s);
}

/* Try again after the next backoff step: min * 2^tries, with jitter. */
static void
rc_backoff(struct session *s)
{
	struct reconn	*rc = s->rc;
	long long	 ms = conf.reconnect_min;
	int		 i;

	for (i = 0; i < rc->tries && ms < conf.reconnect_max; i++)
		ms *= 2;
	if (ms > conf.reconnect_max)
		ms = conf.reconnect_max;
	rc->tries++;
	/* full range would allow 0: keep at least half the step */
	ms = ms / 2 + random() % (ms / 2 + 1);
	rc_schedule(s, ms);
}

static void
rc_schedule(struct session *s, long long ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(s->rc->retry, &tv);
	log_debug("s%u: reconnect in %lld ms", s->id, ms);
}

static void
rc_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	rc_try(arg);
}

/* One login attempt, unless every address is at its limit. */
static void
rc_try(struct session *s)
{
	struct reconn	*rc = s->rc;
	char		 name[CHAT_NAME_MAX + 1];

	if ((s->flags & SESSION_DEAD) || s->up != NULL)
		return;
	if (rc->suspect) {
		rc_judge(s);
		if (s->flags & SESSION_DEAD)
			return;
	}
	if (upbind_pick() == -1) {
		if (!rc->waiting) {
			rc->waiting = 1;
			nwaiting++;
			log_info("s%u: every upstream address is at its login "
			    "limit: waiting for a free slot", s->id);
		}
		/* evicted often: only a freed slot wakes it (no war) */
		if (rc->evictions < EVICT_MAX)
			rc_schedule(s, conf.reconnect_max);
		return;
	}
	if (rc->waiting) {
		rc->waiting = 0;
		nwaiting--;
	}
	if (rc->attempt == 0)
		snprintf(name, sizeof name, "%s", s->name);
	else if (names_candidate(s->base, rc->attempt, name,
	    sizeof name) == -1) {
		session_close(s, "No usable chat name");
		return;
	}
	log_info("s%u: reconnect attempt %d as %s", s->id, rc->tries, name);
	s->up = upstream_connect(s, name);
	if (s->up == NULL)
		rc_backoff(s);
}

/* HELLO on a connection of s that is not its first login. */
void
reconnect_hello(struct session *s, struct upstream *u, const char *name)
{
	struct reconn	*rc = rc_get(s);

	if (u == rc->nick_up) {
		rc_nick_swap(s, u, name);
		return;
	}
	s->flags &= ~SESSION_RECONNECTING;
	rc->tries = 0;
	log_info("s%u: logged in again as %s", s->id, name);
	if (strcmp(name, s->name) != 0) {
		rc_renamed(s, name);
		if (s->flags & SESSION_DEAD)
			return;
		irc_send_notice(s, "Cannot log in as %s. %s Successfully "
		    "logged in as %s! Your nick is %s; /nick picks another.",
		    rc->refused[0] != '\0' ? rc->refused : s->name,
		    "That username is already in use.", name, s->nick);
	}
	irc_send_notice(s, "Reconnected to the chat server as %s.%s", name,
	    rc->nheld > 0 ? " Sending the messages held meanwhile." : "");
	reconnect_flush(s);
}

/* The client's nick follows the upstream name; it sees the NICK line. */
static void
rc_renamed(struct session *s, const char *name)
{
	char	nick[NICK_MAX + 1];

	if (names_from_upstream(name, nick, sizeof nick) == -1)
		snprintf(nick, sizeof nick, "%s", name);
	irc_send_raw(s, ":%s!%s@%s NICK :%s", s->nick, s->name, s->host,
	    nick);
	session_set_nick(s, nick);
	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->want, sizeof s->want, "%.*s", NICKLEN, nick);
}

/* Send held messages while the upstream takes them, oldest first. */
void
reconnect_flush(struct session *s)
{
	struct reconn	*rc = s->rc;
	struct held	*h;

	if (rc == NULL || (s->flags & SESSION_RECONNECTING))
		return;
	while ((h = rc->held) != NULL && upstream_can_queue(s->up)) {
		LL_DELETE(rc->held, h);
		rc->nheld--;
		upstream_send(s->up, h->target, h->name, h->text,
		    strlen(h->text), h->notice, h->echo);
		rc_held_free(h);
	}
}

/* 1 while messages must wait: upstream away or older ones still held. */
int
reconnect_holding(struct session *s)
{
	return (s->flags & SESSION_RECONNECTING) ||
	    (s->rc != NULL && s->rc->held != NULL);
}

/* Keep a message for after the login; past hold-max, say it is lost. */
void
reconnect_hold(struct session *s, const char *target, const char *name,
    const char *text, int notice, const char *echo)
{
	struct reconn	*rc = rc_get(s);
	struct held	*h;

	if (rc->nheld >= (unsigned)conf.hold_max) {
		log_info("s%u: hold-max %lld reached", s->id, conf.hold_max);
		irc_send_notice(s, "%s to %s not delivered: the chat server "
		    "connection is down and %lld messages already wait "
		    "(hold-max): %.*s%s", notice ? "Notice" : "Message", target,
		    conf.hold_max, EXCERPT, text,
		    strlen(text) > EXCERPT ? "..." : "");
		return;
	}
	h = xcalloc(1, sizeof *h);
	h->target = xstrdup(target);
	h->name = xstrdup(name);
	h->text = xstrdup(text);
	h->echo = echo != NULL ? xstrdup(echo) : NULL;
	h->notice = notice;
	LL_APPEND(rc->held, h);
	rc->nheld++;
	reconnect_flush(s);	/* upstream back, older ones drained */
}

/* A login on another connection of s failed (IN-USE, BUSY, bad name). */
void
reconnect_refused(struct session *s, struct upstream *u, enum chat_type t)
{
	struct reconn	*rc = rc_get(s);

	upstream_close(u);	/* the server closes after a failed login */
	if (u == rc->nick_up) {
		rc->nick_up = NULL;
		if (t == CHAT_IN_USE)
			irc_send_num(s, ERR_NICKNAMEINUSE, "%s :Nickname is "
			    "already in use", rc->nick_want);
		else if (t == CHAT_BUSY)
			irc_send_num(s, RPL_TRYAGAIN, "NICK :Cannot log in. "
			    "The server is full!");
		else
			irc_send_num(s, ERR_ERRONEUSNICKNAME, "%s :Erroneous "
			    "nickname: the chat server refused it",
			    rc->nick_want);
		return;
	}
	s->up = NULL;
	log_info("s%u: login again as %s refused: %s", s->id, u->name,
	    chat_type_name(t));
	if (t == CHAT_BUSY) {
		rc_backoff(s);
		return;
	}
	if (rc->refused[0] == '\0')
		snprintf(rc->refused, sizeof rc->refused, "%s", u->name);
	if (++rc->attempt >= NAME_ATTEMPTS) {
		rc->attempt = 0;
		rc_backoff(s);
		return;
	}
	rc_try(s);
}

/* An upstream that is not s->up failed: the NICK login or a drained one. */
void
reconnect_side_lost(struct session *s, struct upstream *u, const char *why)
{
	struct reconn	*rc = s->rc;

	if (rc == NULL)
		return;
	if (u == rc->nick_up) {
		rc->nick_up = NULL;
		irc_send_num(s, RPL_TRYAGAIN, "NICK :Cannot change nick to %s "
		    "now (%s). Please wait a while and try again.",
		    rc->nick_want, why);
	} else if (u == rc->old_up) {
		rc->old_up = NULL;
		rc_report(s, u, "the old connection closed after the nick "
		    "change");
	}
}

/*
 * The replaced connection answered everything: it closes a moment later,
 * since a DELIVERY the server confirmed to its sender may still be on
 * its way to the old name.
 */
void
reconnect_drained(struct session *s, struct upstream *u)
{
	struct timeval	tv = { 0, NICK_GRACE_MS * 1000 };

	u->draining = 0;
	if (s->rc == NULL || s->rc->old_up != u) {
		upstream_close(u);
		return;
	}
	log_debug("s%u: old upstream drained, closing soon", s->id);
	event_add(s->rc->grace, &tv);
}

static void
rc_on_grace(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	rc_old_close(arg, "the connection of your old nick closed");
}

/* Close the old login now; what it still waited for is named. */
static void
rc_old_close(struct session *s, const char *why)
{
	struct reconn	*rc = s->rc;
	struct upstream	*old = rc->old_up;

	event_del(rc->grace);
	if (old == NULL)
		return;
	rc->old_up = NULL;
	rc_report(s, old, why);		/* may close s: rc is not used again */
	upstream_close(old);
}

/*
 * NICK after login: log in as the new name on a second connection; the
 * old one stays until that worked, so nothing sent to either is lost.
 */
void
reconnect_nick(struct session *s, const char *nick, const char *name)
{
	struct reconn	*rc = rc_get(s);

	if ((s->flags & SESSION_RECONNECTING) || s->up == NULL) {
		irc_send_num(s, RPL_TRYAGAIN, "NICK :The chat server is not "
		    "connected; please wait a while and try again.");
		return;
	}
	if (rc->nick_up != NULL) {
		irc_send_num(s, RPL_TRYAGAIN, "NICK :A nick change is under "
		    "way; please wait a while and try again.");
		return;
	}
	if (upbind_pick() == -1) {
		irc_send_num(s, RPL_TRYAGAIN, "NICK :The gateway has no free "
		    "chat server login slot for a second login now; please "
		    "wait a while and try again.");
		return;
	}
	snprintf(rc->nick_want, sizeof rc->nick_want, "%s", nick);
	log_info("s%u: nick change to %s: logging in as %s", s->id,
	    log_escape(nick, strlen(nick)), name);
	rc->nick_up = upstream_connect(s, name);
	if (rc->nick_up == NULL)
		irc_send_num(s, RPL_TRYAGAIN, "NICK :Cannot reach the chat "
		    "server now; please wait a while and try again.");
}

/*
 * The new login is in: it becomes s->up, the client is told, and the old
 * connection closes once its replies are in (a WHO at its tail marks the
 * point after which nothing more can be sent to the old name).
 */
static void
rc_nick_swap(struct session *s, struct upstream *u, const char *name)
{
	struct reconn	*rc = s->rc;
	struct upstream	*old = s->up;
	char		 nick[NICK_MAX + 1], was[NICK_MAX + 1];
	char		 was_name[CHAT_NAME_MAX + 1];

	rc->nick_up = NULL;
	s->up = u;
	if (s->flags & SESSION_THROTTLED)
		bufferevent_disable(u->bev, EV_READ);
	rc_old_close(s, "the connection of an earlier nick closed");
	if (s->flags & SESSION_DEAD)
		return;
	if (old != NULL) {		/* from here session_close closes it */
		old->draining = 1;
		rc->old_up = old;
	}
	snprintf(nick, sizeof nick, "%s", rc->nick_want);
	snprintf(was, sizeof was, "%s", s->nick);
	snprintf(was_name, sizeof was_name, "%s", s->name);
	log_info("s%u: nick %s -> %s (chat name %s)", s->id,
	    log_escape(was, strlen(was)), nick, name);
	session_set_nick(s, nick);
	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->want, sizeof s->want, "%.*s", NICKLEN, nick);
	names_login_base(nick, s->base, sizeof s->base);
	irc_send_raw(s, ":%s!%s@%s NICK :%s", was, was_name, s->host, nick);
	if ((s->flags & SESSION_DEAD) || old == NULL)
		return;
	upstream_who(old, WHO_FOR_KEEPALIVE, NULL);
	if (old->pending == NULL)
		reconnect_drained(s, old);
}

/*
 * The session timer after registration: PING a client silent for
 * ping-interval; one that stays silent ping-timeout longer is dropped.
 */
void
reconnect_ping_timer(struct session *s)
{
	struct timeval	 tv = { 0, 0 };
	time_t		 idle = reconnect_now() - s->last_rx;
	char		 why[64];

	if (s->flags & SESSION_PINGED) {
		snprintf(why, sizeof why, "Ping timeout: %lld seconds",
		    (long long)idle);
		session_close(s, why);
		return;
	}
	if (idle >= conf.ping_interval) {
		s->flags |= SESSION_PINGED;
		irc_send_raw(s, "PING :%s", conf.server_name);
		tv.tv_sec = conf.ping_timeout;
	} else
		tv.tv_sec = conf.ping_interval - idle;
	event_add(s->timer, &tv);
}

/*
 * Once a second: requests unanswered past upstream-timeout fail their
 * connection. When one was a probe (the shared poll or a keep-alive),
 * the server itself looks hung: every session silent since then is
 * asked too, so each finds out within one more upstream-timeout.
 */
static void
rc_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct rc_sweep	sw = { reconnect_now(), -1, 0 };

	(void)fd;
	(void)what;
	(void)arg;
	session_foreach(rc_sweep_one, &sw);
	if (sw.hung == -1)
		return;
	log_info("s%u: a user-list probe went unanswered: probing every "
	    "session silent since then", sw.hung_sid);
	session_foreach(rc_suspect, &sw);
}

static void
rc_sweep_one(struct session *s, void *arg)
{
	struct rc_sweep	*sw = arg;

	if (s->rc != NULL && s->rc->nick_up != NULL)
		rc_check(s->rc->nick_up, sw, 0);
	if (s->rc != NULL && s->rc->old_up != NULL)
		rc_check(s->rc->old_up, sw, 0);
	if (s->up != NULL && !(s->flags & SESSION_DEAD))
		rc_check(s->up, sw, 1);
}

/*
 * A request unanswered past upstream-timeout: the connection is dead.
 * Else, with keepalive, a WHO after keepalive seconds of silence, a
 * tenth of it earlier or not by session id, so that sessions logged in
 * together do not all ask in the same second.
 */
static void
rc_check(struct upstream *u, struct rc_sweep *sw, int keepalive)
{
	struct up_req	*r = u->pending;
	char		 why[128];
	long long	 quiet = conf.keepalive;

	if (u->s != NULL)
		quiet -= u->s->id % (conf.keepalive / 10 + 1);

	if (u->closed)
		return;
	if (r != NULL && sw->now - r->sent >= conf.upstream_timeout) {
		if (r->kind == REQ_WHO && (r->who_for == WHO_FOR_POLL ||
		    r->who_for == WHO_FOR_KEEPALIVE) && r->sent > sw->hung) {
			sw->hung = r->sent;
			sw->hung_sid = u->s != NULL ? u->s->id : 0;
		}
		snprintf(why, sizeof why, "no answer from the chat server for "
		    "%lld seconds", (long long)(sw->now - r->sent));
		upstream_fail(u, why);
	} else if (keepalive && u->ready && r == NULL &&
	    sw->now - u->last_rx >= quiet)
		upstream_who(u, WHO_FOR_KEEPALIVE, NULL);
}

/*
 * A logged-in session whose upstream has said nothing since the
 * unanswered probe was sent (same second counts) and waits for nothing
 * (else that request times out by itself) gets a keep-alive WHO now.
 */
static void
rc_suspect(struct session *s, void *arg)
{
	struct rc_sweep	*sw = arg;
	struct upstream	*u = s->up;

	if ((s->flags & (SESSION_DEAD | SESSION_RECONNECTING)) ||
	    !(s->flags & SESSION_REGISTERED) || u == NULL || u->closed ||
	    !u->ready || u->pending != NULL || u->last_rx > sw->hung)
		return;
	log_debug("s%u: upstream silent since the unanswered probe: "
	    "keep-alive", s->id);
	upstream_who(u, WHO_FOR_KEEPALIVE, NULL);
}
