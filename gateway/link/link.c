/*
 * A link is one chat identity: the upstream login behind one or more IRC
 * sessions. It owns the connection, the one login loop (the first login
 * is a re-login before registration: a refused name tries the next one,
 * a lost connection retries with backoff and jitter), the messages held
 * while the connection is away (link_send.c), NICK as a second login
 * that replaces the first (link_nick.c), eviction handling with upbind.c,
 * and the shared presence poll. An ephemeral link closes when its last session
 * goes; an account's link (link_new_fixed) stays logged in without any,
 * keeps its one name (no candidates) and is closed by link_close_all().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <utlist.h>

#include "link_int.h"
#include "irc/numeric.h"

#define EVICT_JUDGE_MS	300	/* then see whether the others survived */
#define EVICT_MAX	3	/* evictions before timers stop retrying */
#define STABLE_MS	30000	/* a login that lasts this resets backoff */
#define SNAP_STACK	8	/* sessions iterated without allocating */

/* Survivors of a suspected eviction, counted over all links. */
struct link_census {
	int		 ix;
	unsigned	 seq;
	int		 old, n;
};

static struct link_hooks	 hooks;
static struct link		*links;
static unsigned			 nwaiting;
static unsigned			 last_poller;
static struct event		*poll_ev;

static void	link_on_hello(void *, struct upstream *, const char *);
static void	link_on_refused(void *, struct upstream *, enum chat_type);
static void	link_on_delivery(void *, struct upstream *, const char *,
		    char *, size_t);
static void	link_on_list(void *, struct upstream *, const char *);
static void	link_on_answered(void *, struct upstream *);
static void	link_on_lost(void *, struct upstream *, const char *);

const struct upstream_hooks link_up_hooks = {
	link_on_hello, link_on_refused, link_on_delivery, link_on_list,
	link_on_answered, link_on_lost
};

static void	link_close(struct link *);
static void	link_fail(struct link *, const char *);
static void	link_try(struct link *);
static void	link_connected(struct link *, struct upstream *);
static void	link_welcome(struct link *);
static void	link_again(struct link *, const char *);
static void	link_refused_name(struct link *, const char *,
		    enum chat_type);
static void	link_fixed_refused(struct link *, const char *,
		    enum chat_type);
static void	link_lost(struct link *, struct upstream *, const char *);
static void	link_backoff(struct link *);
static void	link_judge(struct link *);
static void	link_tell_lost(struct link *);
static void	link_rename(struct link *, const char *);
static void	link_on_retry(evutil_socket_t, short, void *);
static void	link_on_stable(evutil_socket_t, short, void *);
static void	link_on_reap(evutil_socket_t, short, void *);
static void	link_on_poll(evutil_socket_t, short, void *);
static void	link_slot_freed(void);

/* The layer above: set once, before the first link. */
void
link_set_hooks(const struct link_hooks *h)
{
	hooks = *h;
}

/* Bind addresses from --upstream-bind; the shared presence poll. */
void
link_init(void)
{
	if (upbind_init(conf.upstream_bind) == -1)
		fatalx("upstream-bind: \"%s\" is not a list of at most 16 "
		    "numeric addresses", conf.upstream_bind);
	upbind_set_freed(link_slot_freed);
	poll_ev = event_new(ev_base, -1, EV_PERSIST, link_on_poll, NULL);
	core_timer_ms(poll_ev, conf.poll_interval * 1000);
	log_debug("presence: one shared poll every %lld s", conf.poll_interval);
}

/* Stop the poll (shutdown; the links go with their sessions). */
void
link_shutdown(void)
{
	if (poll_ev != NULL)
		event_free(poll_ev);
	poll_ev = NULL;
}

/*
 * A new identity for session s, logging in as base (or the next free
 * name); refused names the nick that could not be one, with why.
 */
struct link *
link_new(struct session *s, const char *base, const char *refused, int why)
{
	struct link	*l;

	l = xcalloc(1, sizeof *l);
	l->id = s->id;
	l->reaper = event_new(ev_base, -1, 0, link_on_reap, l);
	l->retry = event_new(ev_base, -1, 0, link_on_retry, l);
	l->grace = event_new(ev_base, -1, 0, link_on_grace, l);
	l->stable = event_new(ev_base, -1, 0, link_on_stable, l);
	snprintf(l->base, sizeof l->base, "%s", base);
	snprintf(l->refused, sizeof l->refused, "%s", refused);
	l->refused_why = why;
	l->cap = 1;
	l->sess = xcalloc(l->cap, sizeof *l->sess);
	l->sess[l->nsess++] = s;
	s->link = l;
	DL_APPEND(links, l);
	counters.links++;
	link_try(l);
	return l;
}

/*
 * An account's identity: logs in as name now, with no session attached,
 * and stays logged in (reconnecting as usual) until link_close_all().
 * A name in use upstream is retried with backoff, never replaced.
 */
struct link *
link_new_fixed(const char *name, unsigned id, void *data, int parked)
{
	struct link	*l;

	l = xcalloc(1, sizeof *l);
	l->id = id;
	l->flags = LINK_FIXED | LINK_LOGGED_IN | LINK_AWAY;
	l->data = data;
	l->reaper = event_new(ev_base, -1, 0, link_on_reap, l);
	l->retry = event_new(ev_base, -1, 0, link_on_retry, l);
	l->grace = event_new(ev_base, -1, 0, link_on_grace, l);
	l->stable = event_new(ev_base, -1, 0, link_on_stable, l);
	snprintf(l->name, sizeof l->name, "%s", name);
	snprintf(l->base, sizeof l->base, "%s", name);
	snprintf(l->why, sizeof l->why, "not logged in yet");
	DL_APPEND(links, l);
	counters.links++;
	if (parked) {
		l->flags |= LINK_PARKED;
		snprintf(l->why, sizeof l->why, "%s", "the account is logged "
		    "in through another gateway");
	}
	link_try(l);
	return l;
}

/* What the layer above hung on l (link_new_fixed). */
void *
link_data(struct link *l)
{
	return l->data;
}

/* Sessions attached now. */
unsigned
link_nsessions(struct link *l)
{
	return l->nsess;
}

/* Attach s to a live link; it hears everything from now on. */
void
link_attach(struct link *l, struct session *s)
{
	if (l->nsess == l->cap) {
		l->cap = l->cap == 0 ? 2 : l->cap * 2;
		l->sess = reallocarray(l->sess, l->cap, sizeof *l->sess);
		if (l->sess == NULL)
			fatal("link_attach");
	}
	l->sess[l->nsess++] = s;
	s->link = l;
}

/*
 * Why l cannot send now ("" when it can): for a client that attaches
 * while the chat server connection is down or the name is taken.
 */
const char *
link_trouble(struct link *l)
{
	return (l->flags & LINK_AWAY) ? l->why : "";
}

/*
 * Close every link, persistent ones too (shutdown), each after taking
 * what its server had already sent.
 */
void
link_close_all(void)
{
	struct link	*l;

	while ((l = links) != NULL) {
		if (l->up != NULL)
			upstream_drain(l->up);
		link_close(l);
	}
}

/*
 * An account's link goes for good (its account was deleted): every
 * session is told why and closed, then the upstream login ends.
 */
void
link_close_fixed(struct link *l, const char *why)
{
	link_notice(l, "%s", why);
	link_fail(l, why);
	link_close(l);
}

/*
 * An account's link that must not be logged in here (another gateway
 * holds the account, or this one lost the right to): its login ends now,
 * as an outage does (the clients told once, what they send held), and
 * it does not log in again until link_unpark().
 */
void
link_park(struct link *l, const char *why)
{
	struct upstream	*u = l->up;

	if (l->flags & (LINK_PARKED | LINK_DEAD))
		return;
	l->flags |= LINK_PARKED;
	if (u != NULL) {
		l->up = NULL;
		if (l->flags & LINK_LOGGED_IN)
			link_lost(l, u, why);
		else
			upstream_close(u, why);
	}
	if (l->flags & LINK_DEAD)
		return;
	l->flags |= LINK_AWAY;
	snprintf(l->why, sizeof l->why, "%s", why);
	event_del(l->retry);
	l->suspect = 0;
}

/* Log in again (at once, the backoff reset). */
void
link_unpark(struct link *l)
{
	if (!(l->flags & LINK_PARKED) || (l->flags & LINK_DEAD))
		return;
	l->flags &= ~LINK_PARKED;
	l->tries = 0;
	l->attempt = 0;
	link_try(l);
}

int
link_parked(struct link *l)
{
	return (l->flags & LINK_PARKED) != 0;
}

/* s goes: it no longer hears of l; the last one closes l. */
void
link_detach(struct link *l, struct session *s)
{
	unsigned	i;

	for (i = 0; i < l->nsess; i++)
		if (l->sess[i] == s)
			break;
	if (i == l->nsess)
		return;
	l->sess[i] = l->sess[--l->nsess];
	if (l->nick_sid == s->id)
		l->nick_sid = 0;
	s->link = NULL;
	if (l->nsess == 0 && !(l->flags & LINK_FIXED))
		link_close(l);
}

/*
 * fn for each live session of l, from a copy of the list: fn may close
 * sessions (which detach themselves) and the loop frees none of them
 * before it returns.
 */
void
link_sessions(struct link *l, void (*fn)(struct session *, void *),
    void *arg)
{
	struct session	*stack[SNAP_STACK], **snap = stack;
	unsigned	 i, n = l->nsess;

	if (n == 0)
		return;
	if (n > SNAP_STACK)
		snap = xcalloc(n, sizeof *snap);
	memcpy(snap, l->sess, n * sizeof *snap);
	for (i = 0; i < n; i++)
		if (!(snap[i]->flags & SESSION_DEAD))
			fn(snap[i], arg);
	if (snap != stack)
		free(snap);
}

/* The chat name logged in as; "" before the first login. */
const char *
link_name(struct link *l)
{
	return l != NULL ? l->name : "";
}

/* The first name refused in the first login ("" if none), and why. */
const char *
link_refused(struct link *l, int *why)
{
	*why = l->refused_why;
	return l->refused;
}

static void
link_close(struct link *l)
{
	struct held	*h, *tmp;

	if (l->flags & LINK_DEAD)
		return;
	l->flags |= LINK_DEAD;
	DL_DELETE(links, l);
	counters.links--;
	if ((l->flags & LINK_LOGGED_IN) && l->name[0] != '\0')
		presence_set(l->name, 0);	/* MONITOR hears at once */
	if (l->waiting)
		nwaiting--;
	event_del(l->retry);
	event_del(l->grace);
	event_del(l->stable);
	if (l->nick_up != NULL)
		upstream_close(l->nick_up, NULL);
	if (l->old_up != NULL)
		upstream_close(l->old_up, NULL);
	if (l->up != NULL)
		upstream_close(l->up, NULL);
	l->up = l->nick_up = l->old_up = NULL;
	if (l->nheld > 0)
		log_info("s%u: %u held messages dropped with the session",
		    l->id, l->nheld);
	LL_FOREACH_SAFE(l->held, h, tmp)
		link_held_free(h, UP_CANCELLED);
	l->held = NULL;
	l->nheld = 0;
	event_active(l->reaper, EV_TIMEOUT, 0);
}

static void
link_on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct link	*l = arg;

	(void)fd;
	(void)what;
	event_free(l->reaper);
	event_free(l->retry);
	event_free(l->grace);
	event_free(l->stable);
	free(l->sess);
	free(l);
}

static void
link_fail_one(struct session *s, void *why)
{
	session_close(s, why);
}

/* The login cannot go on: every session closes with why (and so l). */
static void
link_fail(struct link *l, const char *why)
{
	link_sessions(l, link_fail_one, (void *)why);
}

static void
link_notice_one(struct session *s, void *text)
{
	irc_send_notice(s, "%s", (const char *)text);
}

/* A NOTICE from the gateway to every session of l. */
void
link_notice(struct link *l, const char *fmt, ...)
{
	char	buf[IRC_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	link_sessions(l, link_notice_one, buf);
}

/*
 * One login attempt: the current name first when logging in again, else
 * the next candidate from base; unless every address is at its limit.
 */
static void
link_try(struct link *l)
{
	char	name[CHAT_NAME_MAX + 1];
	int	again = l->flags & LINK_LOGGED_IN;

	if ((l->flags & (LINK_DEAD | LINK_PARKED)) || l->up != NULL)
		return;
	if (l->suspect) {
		link_judge(l);
		if (l->flags & LINK_DEAD)
			return;
	}
	if (again && l->attempt == 0)
		snprintf(name, sizeof name, "%s", l->name);
	else if (names_candidate(l->base, l->attempt, name,
	    sizeof name) == -1) {
		link_fail(l, "No usable chat name");
		return;
	}
	if (upbind_pick() == -1) {
		if (!again) {
			link_fail(l, "Cannot log in: this gateway already has "
			    "as many chat server logins per address as it may "
			    "(upstream-per-address, or the server's own "
			    "limit); try again later");
			return;
		}
		if (!l->waiting) {
			l->waiting = 1;
			nwaiting++;
			log_info("s%u: every upstream address is at its login "
			    "limit: waiting for a free slot", l->id);
		}
		/* evicted often: only a freed slot wakes it (no war) */
		if (l->evictions < EVICT_MAX)
			core_timer_ms(l->retry, conf.reconnect_max);
		return;
	}
	if (l->waiting) {
		l->waiting = 0;
		nwaiting--;
	}
	if (again)
		log_info("s%u: reconnect attempt %d as %s", l->id, l->tries,
		    name);
	else
		log_info("s%u: login attempt %d as %s", l->id,
		    l->attempt + 1, name);
	l->up = upstream_connect(name, l->id, &link_up_hooks, l);
	if (l->up != NULL)
		link_connected(l, l->up);
	else if (!again)
		link_fail(l, "Cannot connect to the chat server: out of "
		    "resources");
	else
		link_backoff(l);
}

/* u is l's connection from now on: probed when silent. */
static void
link_connected(struct link *l, struct upstream *u)
{
	(void)l;
	upstream_set_keepalive(u, 1);
}

static void
link_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	link_try(arg);
}

static void
link_wake(struct link *l)
{
	if (l->waiting && l->up == NULL)
		core_timer_ms(l->retry, 0);
}

/* An upstream address has room again: waiting links try. */
static void
link_slot_freed(void)
{
	struct link	*l, *tmp;

	if (nwaiting == 0)
		return;
	DL_FOREACH_SAFE(links, l, tmp)
		link_wake(l);
}

static void
link_on_hello(void *arg, struct upstream *u, const char *name)
{
	struct link	*l = arg;

	if (u == l->nick_up)
		link_nick_swap(l, u, name);
	else if (u != l->up)
		return;
	else if (l->flags & LINK_LOGGED_IN)
		link_again(l, name);
	else {
		l->flags |= LINK_LOGGED_IN;
		snprintf(l->name, sizeof l->name, "%s", name);
		core_timer_ms(l->stable, STABLE_MS);
		link_welcome(l);
		if (!(l->flags & LINK_DEAD))
			presence_set(name, 1);
	}
}

/*
 * The login lasted STABLE_MS: the backoff starts from the bottom again,
 * and clients told of flapping logins hear that it is over.
 */
static void
link_on_stable(evutil_socket_t fd, short what, void *arg)
{
	struct link	*l = arg;

	(void)fd;
	(void)what;
	l->tries = 0;
	if (!(l->flags & LINK_FLAPPING))
		return;
	l->flags &= ~LINK_FLAPPING;
	log_info("s%u: the login lasted %d s: backoff reset", l->id,
	    STABLE_MS / 1000);
	link_notice(l, "The connection to the chat server has held for %d "
	    "seconds: back to normal.", STABLE_MS / 1000);
}

static void
link_welcome_one(struct session *s, void *arg)
{
	(void)arg;
	hooks.welcome(s);
}

static void
link_welcome(struct link *l)
{
	link_sessions(l, link_welcome_one, NULL);
}

/* Logged in again after a loss, maybe under another name. */
static void
link_again(struct link *l, const char *name)
{
	l->flags &= ~(LINK_AWAY | LINK_TAKEN);
	core_timer_ms(l->stable, STABLE_MS);	/* then tries go back to 0 */
	log_info("s%u: logged in again as %s", l->id, name);
	if (strcmp(name, l->name) != 0) {
		link_rename(l, name);
		if (l->flags & LINK_DEAD)
			return;
	}
	if (!(l->flags & LINK_FLAPPING))
		link_notice(l, "Reconnected to the chat server as %s.%s",
		    name, l->nheld > 0 ? " Sending the messages held "
		    "meanwhile." : "");
	if (!(l->flags & LINK_DEAD))
		link_flush(l);
}

struct link_rename {
	struct link	*l;
	const char	*was;		/* the old chat name */
	const char	*name;
	char		 nick[NICK_MAX + 1];
	const char	*refused;
};

static void
link_rename_one(struct session *s, void *arg)
{
	struct link_rename	*r = arg;

	irc_send_raw(s, ":%s!%s@%s NICK :%s", s->nick, r->was, s->host,
	    r->nick);
	session_set_nick(s, r->nick);
	irc_send_notice(s, "Cannot log in as %s. That username is already "
	    "in use. Successfully logged in as %s! Your nick is %s; /nick "
	    "picks another.", r->refused, r->name, s->nick);
}

/* The old name was taken: the clients' nick follows the new one. */
static void
link_rename(struct link *l, const char *name)
{
	struct link_rename	r;
	char			was[CHAT_NAME_MAX + 1];

	snprintf(was, sizeof was, "%s", l->name);
	r.l = l;
	r.was = was;
	r.name = name;
	r.refused = l->refused[0] != '\0' ? l->refused : was;
	if (names_from_upstream(name, r.nick, sizeof r.nick) == -1)
		snprintf(r.nick, sizeof r.nick, "%s", name);
	snprintf(l->name, sizeof l->name, "%s", name);
	link_sessions(l, link_rename_one, &r);
	if (!(l->flags & LINK_DEAD))
		presence_set(name, 1);
}

static void
link_on_refused(void *arg, struct upstream *u, enum chat_type t)
{
	struct link	*l = arg;

	if (u == l->nick_up) {
		l->nick_up = NULL;
		if (t == CHAT_IN_USE)
			link_nick_reply(l, ERR_NICKNAMEINUSE, "%s :Nickname is "
			    "already in use", l->nick_want);
		else if (t == CHAT_BUSY)
			link_nick_reply(l, RPL_TRYAGAIN, "NICK :Cannot log in. "
			    "The server is full!");
		else
			link_nick_reply(l, ERR_ERRONEUSNICKNAME, "%s :Erroneous "
			    "nickname: the chat server refused it",
			    l->nick_want);
		return;
	}
	if (u != l->up)
		return;
	l->up = NULL;
	link_refused_name(l, upstream_name(u), t);
}

/* A login refused: the next name, a pause, or (first login) the end. */
static void
link_refused_name(struct link *l, const char *name, enum chat_type t)
{
	int	again = l->flags & LINK_LOGGED_IN;

	log_info(again ? "s%u: login again as %s refused: %s" :
	    "s%u: login as %s refused: %s", l->id, name, chat_type_name(t));
	if (l->flags & LINK_FIXED) {
		link_fixed_refused(l, name, t);
		return;
	}
	if (t == CHAT_BUSY) {
		if (again) {
			link_backoff(l);
			return;
		}
		link_notice(l, "Cannot log in. The server is full!");
		link_fail(l, "The chat server is full");
		return;
	}
	if (l->refused[0] == '\0') {
		snprintf(l->refused, sizeof l->refused, "%s", name);
		l->refused_why = t == CHAT_IN_USE ? CHAT_IN_USE :
		    CHAT_BAD_RQST_BODY;
	}
	if (++l->attempt < NAME_ATTEMPTS)
		link_try(l);
	else if (!again)
		link_fail(l, "Cannot log in: no free chat name found, "
		    "reconnect with another nick");
	else {
		l->attempt = 0;
		link_backoff(l);
	}
}

/*
 * An account's name refused: it keeps the name and tries again later;
 * its clients hear once why (and each new one on attach).
 */
static void
link_fixed_refused(struct link *l, const char *name, enum chat_type t)
{
	if (t == CHAT_BUSY)
		snprintf(l->why, sizeof l->why, "the chat server is full");
	else if (t == CHAT_IN_USE)
		snprintf(l->why, sizeof l->why, "the chat name %s is in use "
		    "on the chat server; the gateway keeps trying to log in "
		    "as %s", name, name);
	else
		snprintf(l->why, sizeof l->why, "the chat server refused the "
		    "name %s", name);
	if (!(l->flags & LINK_TAKEN)) {
		l->flags |= LINK_TAKEN;
		link_notice(l, "Cannot log in to the chat server: %s.",
		    l->why);
	}
	if (!(l->flags & LINK_DEAD))
		link_backoff(l);
}

static void
link_on_lost(void *arg, struct upstream *u, const char *why)
{
	struct link	*l = arg;

	if (u == l->nick_up) {
		l->nick_up = NULL;
		link_nick_reply(l, RPL_TRYAGAIN, "NICK :Cannot change nick to "
		    "%s now (%s). Please wait a while and try again.",
		    l->nick_want, why);
	} else if (u == l->old_up) {
		l->old_up = NULL;
		upstream_close(u, "the old connection closed after the nick "
		    "change");
	} else if (u == l->up) {
		l->up = NULL;
		if (l->flags & LINK_LOGGED_IN)
			link_lost(l, u, why);
		else
			link_fail(l, why);
	}
}

/*
 * The connection of a logged-in link is gone: what was in flight is
 * reported (each request's continuation), the clients are told once per
 * outage, and the link logs in again later.
 */
static void
link_lost(struct link *l, struct upstream *u, const char *why)
{
	int	first = !(l->flags & LINK_AWAY);
	int	ix = upstream_bind_ix(u), evict = 0;
	/* a re-login that did not last: the server breaks what it accepts */
	int	brief = first && l->tries > 0 &&
		    event_pending(l->stable, EV_TIMEOUT, NULL);

	event_del(l->stable);
	if (upstream_eof(u) && upstream_ready(u))
		evict = upbind_suspect(ix, l->id, &l->suspect_seq);
	upstream_close(u, "the chat server connection was lost");
	if (l->flags & LINK_DEAD)
		return;
	if (l->nick_up != NULL) {
		upstream_close(l->nick_up, NULL);
		l->nick_up = NULL;
		link_nick_reply(l, 0, "Your nick change to %s was cancelled: "
		    "the chat server connection was lost", l->nick_want);
	}
	l->flags |= LINK_AWAY;
	if (first) {
		l->attempt = 0;
		l->refused[0] = '\0';
		snprintf(l->why, sizeof l->why, "%s", why);
	}
	if (brief && !(l->flags & LINK_FLAPPING)) {
		l->flags |= LINK_FLAPPING;	/* told once, not every cycle */
		log_info("s%u: a login did not last %d s: backing off", l->id,
		    STABLE_MS / 1000);
		link_notice(l, "The chat server keeps closing the connection "
		    "soon after login (%s). The gateway tries again with "
		    "growing pauses (up to %lld s) and will say when a login "
		    "lasts; messages you send meanwhile are held (up to %lld).",
		    why, conf.reconnect_max / 1000, conf.hold_max);
		if (l->flags & LINK_DEAD)
			return;
		first = 0;
	} else if (l->flags & LINK_FLAPPING)
		first = 0;			/* said already */
	if (evict) {
		l->suspect = 1;
		l->suspect_ix = ix;
		core_timer_ms(l->retry, EVICT_JUDGE_MS);
		return;
	}
	if (first)
		link_tell_lost(l);
	if (!(l->flags & LINK_DEAD))	/* a notice can hit sendq-max */
		link_backoff(l);
}

static void
link_tell_lost(struct link *l)
{
	link_notice(l, "The connection to the chat server was lost (%s); "
	    "the gateway is reconnecting. Messages you send meanwhile are "
	    "held (up to %lld) and sent once it is back.", l->why,
	    conf.hold_max);
}

/* Try again after the next backoff step: min * 2^tries, with jitter. */
static void
link_backoff(struct link *l)
{
	long long	ms = conf.reconnect_min;
	int		i;

	for (i = 0; i < l->tries && ms < conf.reconnect_max; i++)
		ms *= 2;
	if (ms > conf.reconnect_max)
		ms = conf.reconnect_max;
	l->tries++;
	/* full range would allow 0: keep at least half the step */
	ms = ms / 2 + random() % (ms / 2 + 1);
	core_timer_ms(l->retry, ms);
	log_debug("s%u: reconnect in %lld ms", l->id, ms);
}

/* Judge a suspected eviction (upbind_judge) and tell the user. */
static void
link_judge(struct link *l)
{
	struct link_census	 c = { l->suspect_ix, l->suspect_seq, 0, 0 };
	struct link		*o;
	int			 limit;

	l->suspect = 0;
	DL_FOREACH(links, o) {
		if (!upstream_ready(o->up) ||
		    upstream_bind_ix(o->up) != c.ix)
			continue;
		c.n++;
		if (upstream_login_seq(o->up) <= c.seq)
			c.old++;
	}
	limit = upbind_judge(c.ix, c.old, c.n, l->id);
	if (limit == 0) {
		link_tell_lost(l);
		return;
	}
	l->evictions++;
	link_notice(l, "The chat server closed your connection right after "
	    "another user of this gateway logged in: it keeps at most %d "
	    "logins per source address and drops the oldest. The gateway "
	    "will not log you in again until a login slot is free (the "
	    "operator can spread users over more addresses with "
	    "--upstream-bind). Messages you send meanwhile are held (up to "
	    "%lld).", limit, conf.hold_max);
}

/* The layer above hears of a new name (NICK, saved for an account). */
void
link_renamed(struct link *l, const char *name)
{
	if (hooks.renamed != NULL)
		hooks.renamed(l, name);
}

static void
link_on_delivery(void *arg, struct upstream *u, const char *from,
    char *text, size_t len)
{
	struct link	*l = arg;

	(void)u;
	hooks.delivery(l, from, text, len);
}

static void
link_on_list(void *arg, struct upstream *u, const char *list)
{
	(void)arg;
	(void)u;
	presence_update(list);
}

/* A reply came: held messages may go, or the old login has drained. */
static void
link_on_answered(void *arg, struct upstream *u)
{
	struct link	*l = arg;

	if (u == l->old_up) {
		if (l->draining && upstream_npending(u) == 0)
			link_drained(l);
		return;
	}
	link_flush(l);
	link_resume(l);
}

/* A link that may ask for everyone: logged in, free to send. */
static int
link_can_poll(struct link *l)
{
	return (l->flags & LINK_LOGGED_IN) && !(l->flags & LINK_DEAD) &&
	    upstream_can_queue(l->up);
}

/*
 * The shared list is stale and no poll is in flight: the link after the
 * last one that polled (by id, wrapping) asks for the gateway.
 */
static void
link_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct link	*l, *next = NULL, *first = NULL;

	(void)fd;
	(void)what;
	(void)arg;
	if (!presence_due())
		return;
	DL_FOREACH(links, l) {
		if (!link_can_poll(l))
			continue;
		if (first == NULL || l->id < first->id)
			first = l;
		if (l->id > last_poller && (next == NULL || l->id < next->id))
			next = l;
	}
	if ((l = next != NULL ? next : first) == NULL ||
	    upstream_who(l->up, 1, NULL, NULL) == -1)
		return;
	presence_asked();
	last_poller = l->id;
	log_debug("s%u: presence poll", l->id);
}
