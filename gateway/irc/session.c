/*
 * Sessions: one IRC client each. Owns the session tables and the counts
 * per client address (uthash); creates, closes and reaps; frames input,
 * bounds output and pings idle clients. What a line means, and any chat
 * identity behind it, are the layers above (struct session_hooks).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <uthash.h>

#include "casemap.h"
#include "irc/session.h"
#include "utf8.h"

/* A session with the hash handles only this file knows about. */
struct session_entry {
	struct session	 s;
	UT_hash_handle	 hh_id;
	UT_hash_handle	 hh_nick;
	int		 in_nick;
	char		 slow_why[128];	/* session_close_slow()'s reason */
	long long	 linger_end;	/* core_now_ms() the linger ends */
};

#define SESSION_IRC_GONE	0x1000	/* socket failed: no linger */
#define SESSION_HALF_CLOSED	0x2000	/* ERROR sent, FIN sent */
#define SESSION_CLOSE_SOON	0x4000	/* session_close_slow(): no input */
#define LINGER_SECONDS		3
#define STOP_POLL_MS		20	/* shutdown: is the ERROR taken? */
#define SLOW_CLOSE_SECONDS	1
#define IRC_INPUT_HELD		(16 * 1024)	/* unread socket input bound */

struct addr_count {
	char		 host[HOST_MAX];
	unsigned	 n;
	UT_hash_handle	 hh;
};

static struct session_hooks	 hooks;
static struct addr_count	*addrs;		/* live sessions per host */
static struct session_entry	*by_id;		/* every allocated one */
static struct session_entry	*by_nick;	/* registered, live */
static unsigned			 next_id;
static unsigned			 nsessions;
static unsigned			 nusers;	/* registered, live */
static unsigned			 nusers_max;	/* the most at once */
static int			 stopping;	/* wait for the ACK, not EOF */

static struct session_entry *session_entry(struct session *);
static void	session_on_read(struct bufferevent *, void *);
static void	session_on_write(struct bufferevent *, void *);
static void	session_on_event(struct bufferevent *, short, void *);
static void	session_on_timer(evutil_socket_t, short, void *);
static void	session_on_reap(evutil_socket_t, short, void *);
static void	session_reap(struct session *);
static void	session_line(struct session *, char *, size_t);
static void	session_too_long(struct session *);
static void	session_nick_remove(struct session_entry *);
static void	session_half_close(struct session *);
static int	session_unacked(struct session *);
static void	session_error(struct session *, const char *);
static void	session_ping(struct session *);
static void	session_throttle(struct session *, int);

/* The layers above: set once, before the first session. */
void
session_set_hooks(const struct session_hooks *h)
{
	hooks = *h;
}

/* Count a session from host; -1 past per-address. */
int
session_addr_acquire(const char *host)
{
	struct addr_count	*a;

	HASH_FIND_STR(addrs, host, a);
	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		snprintf(a->host, sizeof a->host, "%s", host);
		HASH_ADD_STR(addrs, host, a);
	}
	if (a->n >= (unsigned)conf.per_address)
		return -1;
	a->n++;
	return 0;
}

/* A session from host has gone: it no longer counts. */
void
session_addr_release(const char *host)
{
	struct addr_count	*a;

	HASH_FIND_STR(addrs, host, a);
	if (a == NULL)
		return;
	if (--a->n == 0) {
		HASH_DEL(addrs, a);
		free(a);
	}
}

/*
 * The ERROR is out: send FIN and read until the client closes, since
 * closing with unread input would reset the connection and lose the
 * ERROR on its way (RFC 1122 4.2.2.13). The linger timer still bounds it.
 * Over TLS a close_notify goes first (RFC 8446 6.1), so the client
 * knows the ERROR was all; its own close_notify or FIN ends the read.
 * At shutdown the client's kernel having taken every byte (all of it
 * acknowledged) ends it too: then no reset can lose the ERROR.
 */
static void
session_half_close(struct session *s)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(s->irc);
	struct timeval	 tv = { 0, STOP_POLL_MS * 1000 };

	if (ssl != NULL && !(s->flags & SESSION_HALF_CLOSED) &&
	    SSL_shutdown(ssl) < 0) {
		ERR_clear_error();
		event_active(s->reaper, EV_TIMEOUT, 0);
		return;
	}
	if ((s->flags & SESSION_HALF_CLOSED) ||
	    shutdown(bufferevent_getfd(s->irc), SHUT_WR) == -1) {
		event_active(s->reaper, EV_TIMEOUT, 0);
		return;
	}
	s->flags |= SESSION_HALF_CLOSED;
	bufferevent_enable(s->irc, EV_READ);
	if (stopping) {
		event_del(s->timer);
		event_add(s->timer, &tv);
	}
}

/* 1 while bytes sent to the client are not acknowledged (or unknown). */
static int
session_unacked(struct session *s)
{
	int	n = 0;

#if defined(SIOCOUTQ)
	if (ioctl(bufferevent_getfd(s->irc), SIOCOUTQ, &n) == -1)
		return 0;
#elif defined(FIONWRITE)
	if (ioctl(bufferevent_getfd(s->irc), FIONWRITE, &n) == -1)
		return 0;
#endif
	return n > 0;
}

static struct session_entry *
session_entry(struct session *s)
{
	return (struct session_entry *)s;	/* s is the first member */
}

/*
 * A new session on an accepted connection: the listener made its
 * bufferevent (plain or TLS, BEV_OPT_CLOSE_ON_FREE); the session owns it.
 */
struct session *
session_new(struct bufferevent *bev, const char *host)
{
	struct session_entry	*e;
	struct session		*s;
	struct timeval		 tv = { conf.reg_timeout, 0 };

	e = xcalloc(1, sizeof *e);
	s = &e->s;
	s->id = ++next_id;
	snprintf(s->host, sizeof s->host, "%s", host);
	s->irc = bev;
	s->reaper = event_new(ev_base, -1, 0, session_on_reap, s);
	s->timer = event_new(ev_base, -1, 0, session_on_timer, s);
	/* RFC 1459 2.3: 512 bytes with CR LF; IRCv3 tags come on top. */
	linebuf_init(&s->rx, (size_t)conf.irc_line_max - 2 + IRC_TAGS_MAX +
	    1);
	snprintf(s->nick, sizeof s->nick, "*");
	s->last_rx = core_now();
	snprintf(s->umodes, sizeof s->umodes, "+");
	bufferevent_setcb(s->irc, session_on_read, session_on_write,
	    session_on_event, s);
	bufferevent_setwatermark(s->irc, EV_WRITE,
	    (size_t)conf.sendq_soft / 2, 0);
	/* unread input is bounded too (it waits while a login runs) */
	bufferevent_setwatermark(s->irc, EV_READ, 0, IRC_INPUT_HELD);
	bufferevent_enable(s->irc, EV_READ | EV_WRITE);
	event_add(s->timer, &tv);
	HASH_ADD(hh_id, by_id, s.id, sizeof s->id, e);
	nsessions++;
	log_info("s%u: connected from %s%s (%u sessions)", s->id, host,
	    session_tls(s) ? " over TLS" : "", nsessions);
	return s;
}

/* Did the client come over TLS? */
int
session_tls(struct session *s)
{
	return bufferevent_openssl_get_ssl(s->irc) != NULL;
}

/*
 * Close s in a second, its input discarded meanwhile (a hang-up still
 * closes it at once): a wrong password costs the guesser time (the reply
 * was queued before).
 */
void
session_close_slow(struct session *s, const char *reason)
{
	struct session_entry	*e = session_entry(s);
	struct timeval		 tv = { SLOW_CLOSE_SECONDS, 0 };

	if (s->flags & (SESSION_DEAD | SESSION_CLOSE_SOON))
		return;
	s->flags |= SESSION_CLOSE_SOON;
	snprintf(e->slow_why, sizeof e->slow_why, "%s", reason);
	/* still read (and discard): a client that hangs up is gone now */
	event_del(s->timer);
	event_add(s->timer, &tv);
}

/* Sessions that exist, closing ones included. */
unsigned
session_count(void)
{
	return nsessions;
}

/* Connections not registered yet, nor closing (LUSERS 253). */
unsigned
session_unknown(void)
{
	struct session_entry	*e, *tmp;
	unsigned		 n = 0;

	HASH_ITER(hh_id, by_id, e, tmp)
		if (!(e->s.flags & (SESSION_DEAD | SESSION_REGISTERED)))
			n++;
	return n;
}

/* Registered sessions not closing; *max: the most there were at once. */
unsigned
session_users(unsigned *max)
{
	*max = nusers_max;
	return nusers;
}

/*
 * Start closing: no lookup finds s any more, the layers above let go,
 * the client gets ERROR and the loop frees s once that drained (<= 5 s).
 */
void
session_close(struct session *s, const char *reason)
{
	struct session_entry	*e = session_entry(s);
	struct timeval		 tv = { LINGER_SECONDS, 0 };
	char			 nick[4 * NICK_MAX + 8];

	if (s->flags & SESSION_DEAD)
		return;			/* normal: both sides fail at once */
	s->flags |= SESSION_DEAD;
	if (s->flags & SESSION_REGISTERED)
		nusers--;
	/* one static buffer per log_escape(): the nick is copied first */
	snprintf(nick, sizeof nick, "%s", log_escape(s->nick,
	    strlen(s->nick)));
	log_info("s%u %s: closed: %s", s->id, nick, log_escape(reason,
	    strlen(reason)));	/* a QUIT's text is the client's */
	session_nick_remove(e);
	session_addr_release(s->host);	/* a lingering one does not count */
	if (hooks.closing != NULL)
		hooks.closing(s, reason);
	bufferevent_disable(s->irc, EV_READ);
	if (s->flags & SESSION_IRC_GONE) {
		event_active(s->reaper, EV_TIMEOUT, 0);
		return;
	}
	session_error(s, reason);
	bufferevent_setwatermark(s->irc, EV_WRITE, 0, 0);
	event_del(s->timer);
	event_add(s->timer, &tv);
	e->linger_end = core_now_ms() + LINGER_SECONDS * 1000;
}

/* Close every session (shutdown). */
void
session_close_all(const char *reason)
{
	struct session_entry	*e, *tmp;

	stopping = 1;
	HASH_ITER(hh_id, by_id, e, tmp)
		session_close(&e->s, reason);
}

/* Free every session at once, lingering or not (after the loop ended). */
void
session_reap_all(void)
{
	struct session_entry	*e, *tmp;

	HASH_ITER(hh_id, by_id, e, tmp) {
		if (!(e->s.flags & SESSION_DEAD))
			session_close(&e->s, "Server shutting down");
		session_reap(&e->s);
	}
}

static void
session_reap(struct session *s)
{
	struct session_entry	*e = session_entry(s);

	if (hooks.freeing != NULL)
		hooks.freeing(s);
	HASH_DELETE(hh_id, by_id, e);
	session_nick_remove(e);
	/* a WebSocket's end of its pair (http/): the other end hears EOF */
	if (bufferevent_pair_get_partner(s->irc) != NULL)
		bufferevent_flush(s->irc, EV_WRITE, BEV_FINISHED);
	bufferevent_free(s->irc);
	event_free(s->reaper);
	event_free(s->timer);
	linebuf_free(&s->rx);
	nsessions--;
	log_debug("s%u: freed (%u sessions)", s->id, nsessions);
	free(e);
}

static void
session_on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	session_reap(arg);
}

static void
session_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct timeval	 tv = { 0, 0 };

	(void)fd;
	(void)what;
	if ((s->flags & SESSION_DEAD) && stopping &&
	    core_now_ms() < session_entry(s)->linger_end &&
	    session_unacked(s)) {
		tv.tv_usec = STOP_POLL_MS * 1000;	/* still on its way */
		event_add(s->timer, &tv);
	} else if (s->flags & SESSION_DEAD)	/* taken, or linger over */
		event_active(s->reaper, EV_TIMEOUT, 0);
	else if (s->flags & SESSION_CLOSE_SOON)
		session_close(s, session_entry(s)->slow_why);
	else if (s->flags & SESSION_REGISTERED)
		session_ping(s);
	else
		session_close(s, "Registration timed out");
}

/* The client is logged in: the registration timer stops. */
void
session_registered(struct session *s)
{
	struct session_entry	*e = session_entry(s);

	if (!(s->flags & (SESSION_REGISTERED | SESSION_DEAD)) &&
	    ++nusers > nusers_max)
		nusers_max = nusers;
	if (!(s->flags & SESSION_REGISTERED))
		s->signon = s->last_msg = time(NULL);	/* WHOIS 317 */
	s->flags |= SESSION_REGISTERED;
	s->flags &= ~SESSION_LOGGING_IN;
	/* lines that waited for the login: after the welcome is queued */
	bufferevent_trigger(s->irc, EV_READ, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
	event_del(s->timer);
	session_ping(s);	/* arms the idle-client ping */
	session_nick_remove(e);
	if (casemap_fold(s->nick_key, sizeof s->nick_key, s->nick) == 0) {
		HASH_ADD_KEYPTR(hh_nick, by_nick, s->nick_key,
		    strlen(s->nick_key), e);
		e->in_nick = 1;
	}
}

static void
session_nick_remove(struct session_entry *e)
{
	if (e->in_nick) {
		HASH_DELETE(hh_nick, by_nick, e);
		e->in_nick = 0;
	}
}

/* Give s another nick, keeping the nick table right. */
void
session_set_nick(struct session *s, const char *nick)
{
	struct session_entry	*e = session_entry(s);

	session_nick_remove(e);
	snprintf(s->nick, sizeof s->nick, "%s", nick);
	if ((s->flags & SESSION_REGISTERED) && !(s->flags & SESSION_DEAD) &&
	    casemap_fold(s->nick_key, sizeof s->nick_key, s->nick) == 0) {
		HASH_ADD_KEYPTR(hh_nick, by_nick, s->nick_key,
		    strlen(s->nick_key), e);
		e->in_nick = 1;
	}
}

/* The registered session with that nick (any case), or NULL. */
struct session *
session_find_nick(const char *nick)
{
	char			 key[NICK_MAX + 1];
	struct session_entry	*e = NULL;

	if (casemap_fold(key, sizeof key, nick) == 0)
		HASH_FIND(hh_nick, by_nick, key, strlen(key), e);
	return e != NULL ? &e->s : NULL;
}

/* Call fn for every live session. */
void
session_foreach(void (*fn)(struct session *, void *), void *arg)
{
	struct session_entry	*e, *tmp;

	HASH_ITER(hh_id, by_id, e, tmp)
		if (!(e->s.flags & SESSION_DEAD))
			fn(&e->s, arg);
}

/*
 * Past sendq-soft a slow client is logged (once until it drained to half
 * of it). Nothing upstream slows for it: it costs its own session only,
 * closed past sendq-max.
 */
static void
session_throttle(struct session *s, int on)
{
	if (on && !(s->flags & SESSION_THROTTLED)) {
		s->flags |= SESSION_THROTTLED;
		log_info("s%u: sendq-soft %lld reached (%zu queued): a slow "
		    "client", s->id, conf.sendq_soft,
		    evbuffer_get_length(bufferevent_get_output(s->irc)));
	} else if (!on && (s->flags & SESSION_THROTTLED)) {
		s->flags &= ~SESSION_THROTTLED;
		log_debug("s%u: sendq drained", s->id);
	}
}

/* Queue one complete line (CR LF included) and check the send queue. */
int
session_write(struct session *s, const char *line, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(s->irc);
	size_t		 queued;

	if (s->flags & SESSION_DEAD)
		return -1;
	evbuffer_add(out, line, len);
	queued = evbuffer_get_length(out);
	if (queued > (size_t)conf.sendq_max) {
		log_warnx("s%u: sendq-max %lld exceeded (%zu queued)", s->id,
		    conf.sendq_max, queued);
		evbuffer_drain(out, queued);
		s->flags |= SESSION_SENDQ;
		counters.sendq_closes++;
		session_close(s, "SendQ exceeded");
		return -1;
	}
	if (queued > (size_t)conf.sendq_soft)
		session_throttle(s, 1);
	return 0;
}

/* The last line a closing client gets. */
static void
session_error(struct session *s, const char *reason)
{
	char	line[IRC_LINE_MAX];
	int	n;

	n = snprintf(line, sizeof line - 2, "ERROR :Closing link: %s[%s] "
	    "(%s)", s->flags & SESSION_HAVE_NICK ? s->nick : "", s->host,
	    reason);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 3)
		n = (int)utf8_cut(line, sizeof line - 3, sizeof line - 3);
	line[n++] = '\r';
	line[n++] = '\n';
	bufferevent_write(s->irc, line, (size_t)n);	/* even when dead */
}

/*
 * The session timer after registration: PING a client silent for
 * ping-interval; one that stays silent ping-timeout longer is dropped.
 */
static void
session_ping(struct session *s)
{
	struct timeval	 tv = { 0, 0 };
	time_t		 idle = core_now() - s->last_rx;
	char		 why[64];
	int		 n;

	if (s->flags & SESSION_PINGED) {
		snprintf(why, sizeof why, "Ping timeout: %lld seconds",
		    (long long)idle);
		session_close(s, why);
		return;
	}
	if (idle >= conf.ping_interval) {
		s->flags |= SESSION_PINGED;
		n = snprintf(why, sizeof why, "PING :%s\r\n",
		    conf.server_name);
		if (n > 0 && (size_t)n < sizeof why)
			session_write(s, why, (size_t)n);
		tv.tv_sec = conf.ping_timeout;
	} else
		tv.tv_sec = conf.ping_interval - idle;
	event_add(s->timer, &tv);
}

/* Bytes queued to the client, not yet taken by its socket. */
size_t
session_queued(struct session *s)
{
	return evbuffer_get_length(bufferevent_get_output(s->irc));
}

/* The layer above can take lines again: those waiting are read. */
void
session_resume(struct session *s)
{
	if (!(s->flags & SESSION_WAITING) || (s->flags & SESSION_DEAD))
		return;
	s->flags &= ~SESSION_WAITING;
	bufferevent_trigger(s->irc, EV_READ, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

/* The live session with that id, or NULL (a continuation's check). */
struct session *
session_find_id(unsigned id)
{
	struct session_entry	*e;

	HASH_FIND(hh_id, by_id, &id, sizeof id, e);
	return e != NULL && !(e->s.flags & SESSION_DEAD) ? &e->s : NULL;
}

static void
session_on_read(struct bufferevent *bev, void *arg)
{
	struct session		*s = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v;
	enum linebuf_result	 r;
	char			*line;
	size_t			 len, taken;

	/* lingering, or refused and closing soon: read and discard */
	if (s->flags & (SESSION_DEAD | SESSION_CLOSE_SOON)) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	s->last_rx = core_now();
	s->flags &= ~SESSION_PINGED;
	/*
	 * While the login is under way, lines wait (in the framer and the
	 * socket): a PRIVMSG pipelined after NICK/USER is run once 001 is
	 * out, as any IRC server that registers at once would.
	 */
	while (!(s->flags & (SESSION_DEAD | SESSION_LOGGING_IN |
	    SESSION_CLOSE_SOON))) {
		if (hooks.ready != NULL && !hooks.ready(s)) {
			s->flags |= SESSION_WAITING;	/* session_resume() */
			break;
		}
		r = linebuf_next(&s->rx, &line, &len);
		if (r == LINEBUF_LINE) {
			session_line(s, line, len);
			continue;
		}
		if (r == LINEBUF_TOO_LONG) {
			session_too_long(s);
			continue;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			break;
		taken = linebuf_feed(&s->rx, v.iov_base, v.iov_len);
		if (taken == (size_t)-1) {
			session_close(s, "Out of memory");
			break;
		}
		if (taken == 0)
			break;	/* cannot happen: the framer frees room */
		evbuffer_drain(in, taken);
	}
	/* complete lines may wait in the framer: free it only when empty */
	if (!(s->flags & (SESSION_DEAD | SESSION_LOGGING_IN |
	    SESSION_WAITING | SESSION_CLOSE_SOON)) && !s->rx.skipping &&
	    linebuf_pending(&s->rx) == 0) {
		linebuf_free(&s->rx);	/* idle sessions hold no buffer */
		linebuf_init(&s->rx, (size_t)conf.irc_line_max - 2 +
		    IRC_TAGS_MAX + 1);
	}
}

/* 417, written here since the line never reaches the layers above. */
static void
session_too_long(struct session *s)
{
	char	line[IRC_LINE_MAX];
	int	n;

	n = snprintf(line, sizeof line, ":%s 417 %s :Input line was too "
	    "long\r\n", conf.server_name, s->nick);
	if (n > 0 && (size_t)n < sizeof line)
		session_write(s, line, (size_t)n);
}

/* One line from the client: bounds, then the layer above. */
static void
session_line(struct session *s, char *line, size_t len)
{
	size_t	body = len;
	char	*sp;

	if (line[0] == '@' && (sp = memchr(line, ' ', len)) != NULL)
		body = len - (size_t)(sp + 1 - line);
	else if (line[0] == '@')
		body = 0;
	/* RFC 1459 2.3 / IRCv3: 512 bytes with CR LF, tags apart. */
	if (body + 2 > (size_t)conf.irc_line_max ||
	    len - body > IRC_TAGS_MAX + 1) {
		log_debug("s%u: %zu-byte line refused (irc-line-max %lld)",
		    s->id, len, conf.irc_line_max);
		session_too_long(s);
		return;
	}
	hooks.line(s, line, len);
}

static void
session_on_write(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	if (s->flags & SESSION_DEAD) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			session_half_close(s);
		return;
	}
	session_throttle(s, 0);
}

static void
session_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;
	char		 why[128], tls[96];
	unsigned long	 err;

	if (what == BEV_EVENT_CONNECTED) {	/* the TLS handshake is done */
		log_debug("s%u: %s", s->id,
		    SSL_get_version(bufferevent_openssl_get_ssl(bev)));
		return;
	}
	s->flags |= SESSION_IRC_GONE;
	if (s->flags & SESSION_DEAD) {
		event_active(s->reaper, EV_TIMEOUT, 0);
		return;
	}
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof why, "Connection closed");
	else if ((err = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(err, tls, sizeof tls);
		snprintf(why, sizeof why, "TLS error: %s", tls);
		while (bufferevent_get_openssl_error(bev) != 0)
			;
	} else
		snprintf(why, sizeof why, "Connection error: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
	session_close(s, why);
}
