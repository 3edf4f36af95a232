/*
 * Upstream connections to the chat server: connect (names resolved with
 * evdns), HELLO-FROM handshake, the FIFO of requests awaiting replies,
 * the reply table and the dialect (detected or forced). What a reply
 * means to the IRC client is the irc_* files' business.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <utlist.h>

#include "chatircd.h"

/* TCP keep-alive: a vanished peer is noticed without our traffic. */
#define KA_IDLE		60	/* seconds idle before the first probe */
#define KA_INTVL	10	/* seconds between probes */
#define KA_CNT		3	/* unanswered probes: the connection fails */

struct up_reply {
	enum chat_type	 type;
	enum req_kind	 kind;
	/* returns 1 when it kept req (sent again), else req is freed */
	int		(*fn)(struct upstream *, struct up_req *,
			    struct chat_msg *);
};

static int	up_on_hello(struct upstream *, struct up_req *,
		    struct chat_msg *);
static int	up_on_refused(struct upstream *, struct up_req *,
		    struct chat_msg *);
static int	up_on_send_ok(struct upstream *, struct up_req *,
		    struct chat_msg *);
static int	up_on_unknown(struct upstream *, struct up_req *,
		    struct chat_msg *);
static int	up_on_who_ok(struct upstream *, struct up_req *,
		    struct chat_msg *);
static int	up_on_delivery(struct upstream *, struct up_req *,
		    struct chat_msg *);
static int	up_on_bad(struct upstream *, struct up_req *,
		    struct chat_msg *);

/* Replies come in request order; DELIVERY may come between any two. */
static const struct up_reply up_replies[] = {
	{ CHAT_HELLO,		REQ_HELLO,	up_on_hello },
	{ CHAT_IN_USE,		REQ_HELLO,	up_on_refused },
	{ CHAT_BUSY,		REQ_HELLO,	up_on_refused },
	{ CHAT_SEND_OK,		REQ_SEND,	up_on_send_ok },
	{ CHAT_UNKNOWN,		REQ_SEND,	up_on_unknown },
	{ CHAT_BAD_DEST_USER,	REQ_SEND,	up_on_unknown },
	{ CHAT_WHO_OK,		REQ_WHO,	up_on_who_ok },
	{ CHAT_LIST_OK,		REQ_WHO,	up_on_who_ok },
	{ CHAT_DELIVERY,	REQ_NONE,	up_on_delivery },
	{ CHAT_BAD_RQST_HDR,	REQ_ANY,	up_on_bad },
	{ CHAT_BAD_RQST_BODY,	REQ_ANY,	up_on_bad },
};

static char		*up_host;
static unsigned short	 up_port;
static enum chat_dialect up_dialect;		/* current guess or forced */
static int		 up_dialect_forced;

static void	up_on_read(struct bufferevent *, void *);
static void	up_on_event(struct bufferevent *, short, void *);
static void	up_on_reap(evutil_socket_t, short, void *);
static void	up_process(struct upstream *);
static void	up_line(struct upstream *, char *, size_t);
static void	up_fail(struct upstream *, const char *);
static void	up_push(struct upstream *, struct up_req *);
static void	up_req_free(struct up_req *);
static void	up_write(struct upstream *, enum chat_type, const char *,
		    const char *, size_t);
static void	up_learn(enum chat_type);
static void	up_keepalive(struct upstream *);

/* Remember HOST:PORT and the dialect option; -1 if HOST:PORT is bad. */
int
upstream_init(const char *spec, const char *dialect)
{
	const char	*colon = strrchr(spec, ':');
	char		*end;
	long		 port;
	size_t		 hlen;

	if (colon == NULL || colon == spec)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[' && hlen > 2 && spec[hlen - 1] == ']')
		up_host = xstrndup(spec + 1, hlen - 2);
	else
		up_host = xstrndup(spec, hlen);
	up_port = (unsigned short)port;
	if (strcmp(dialect, "original") == 0) {
		up_dialect = CHAT_DIALECT_ORIGINAL;
		up_dialect_forced = 1;
	} else if (strcmp(dialect, "newer") == 0) {
		up_dialect = CHAT_DIALECT_NEWER;
		up_dialect_forced = 1;
	}
	log_info("upstream %s port %u, dialect %s", up_host, up_port,
	    dialect);
	return 0;
}

/* Free what upstream_init kept. */
void
upstream_shutdown(void)
{
	free(up_host);
	up_host = NULL;
}

/* The chat server's host, as users' host part. */
const char *
upstream_host(void)
{
	return up_host;
}

/* "original", "newer" or "unknown" (not detected yet). */
const char *
upstream_dialect_name(void)
{
	if (up_dialect == CHAT_DIALECT_ORIGINAL)
		return "original";
	if (up_dialect == CHAT_DIALECT_NEWER)
		return "newer";
	return "unknown";
}

/*
 * A new connection that logs in as name; replies reach s. NULL when not
 * even a socket could be made (s is told nothing: the caller decides).
 */
struct upstream *
upstream_connect(struct session *s, const char *name)
{
	struct upstream		*u;
	struct up_req		*req;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	int			 fd, family = AF_UNSPEC;

	u = xcalloc(1, sizeof *u);
	u->s = s;
	snprintf(u->name, sizeof u->name, "%s", name);
	if ((u->bind_ix = upbind_take(&fd)) == -1) {
		free(u);
		return NULL;
	}
	if (fd != -1 && getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		family = ss.ss_family;	/* --upstream-bind: same family */
	u->last_rx = reconnect_now();
	u->bev = bufferevent_socket_new(ev_base, fd,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (u->bev == NULL) {
		if (fd != -1)
			evutil_closesocket(fd);
		upbind_gone(u);
		free(u);
		return NULL;
	}
	u->reaper = event_new(ev_base, -1, 0, up_on_reap, u);
	linebuf_init(&u->rx, (size_t)conf.upstream_line_max);
	bufferevent_setcb(u->bev, up_on_read, NULL, up_on_event, u);
	bufferevent_enable(u->bev, EV_READ | EV_WRITE);
	req = xcalloc(1, sizeof *req);
	req->kind = REQ_HELLO;
	up_push(u, req);
	up_write(u, CHAT_HELLO_FROM, name, NULL, 0);
	if (bufferevent_socket_connect_hostname(u->bev, dns_base, family,
	    up_host, up_port) == -1) {
		log_warn("s%u: upstream connect", s->id);
		u->s = NULL;
		upstream_close(u);
		return NULL;
	}
	log_debug("s%u: upstream connecting as %s", s->id, name);
	return u;
}

/* Drop the connection now; the loop frees it. Its session is not told. */
void
upstream_close(struct upstream *u)
{
	if (u->closed)
		return;
	u->closed = 1;
	u->s = NULL;
	upbind_gone(u);
	bufferevent_disable(u->bev, EV_READ | EV_WRITE);
	event_active(u->reaper, EV_TIMEOUT, 0);
}

static void
up_on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct upstream	*u = arg;
	struct up_req	*r, *tmp;

	(void)fd;
	(void)what;
	DL_FOREACH_SAFE(u->pending, r, tmp) {
		DL_DELETE(u->pending, r);
		up_req_free(r);
	}
	linebuf_free(&u->rx);
	bufferevent_free(u->bev);
	event_free(u->reaper);
	free(u);
}

/* The connection failed under its session: tell the session. */
static void
up_fail(struct upstream *u, const char *why)
{
	struct session	*s = u->s;

	if (u->closed)
		return;
	if (s != NULL)
		log_info("s%u: upstream lost: %s", s->id, why);
	if (s != NULL && s->up == u) {
		session_upstream_lost(s, why);	/* reads u->pending first */
		upstream_close(u);
	} else {
		upstream_close(u);
		if (s != NULL)
			reconnect_side_lost(s, u, why);
	}
}

/* The connection is no good (silence): as if it had failed. */
void
upstream_fail(struct upstream *u, const char *why)
{
	up_fail(u, why);
}

/* 1 if another request may be sent (max-pending). */
int
upstream_can_queue(struct upstream *u)
{
	return u != NULL && !u->closed && u->ready &&
	    u->npending < (unsigned)conf.max_pending;
}

static void
up_push(struct upstream *u, struct up_req *req)
{
	req->sent = reconnect_now();
	DL_APPEND(u->pending, req);
	u->npending++;
}

static void
up_req_free(struct up_req *r)
{
	free(r->target);
	free(r->text);
	free(r->echo);
	free(r);
}

static void
up_write(struct upstream *u, enum chat_type type, const char *name,
    const char *text, size_t len)
{
	char	 stack[600], *buf = stack;
	size_t	 need, size = sizeof stack;

	need = chat_build(buf, size, type, name, text, len);
	if (need >= size) {
		size = need + 1;
		buf = xmalloc(size);
		chat_build(buf, size, type, name, text, len);
	}
	bufferevent_write(u->bev, buf, need);
	if (buf != stack)
		free(buf);
}

/*
 * SEND name text for the IRC target; echo (may be NULL) is what
 * echo-message shows once SEND-OK came. -1 past max-pending.
 */
int
upstream_send(struct upstream *u, const char *target, const char *name,
    const char *text, size_t len, int notice, const char *echo)
{
	struct up_req	*req;

	if (!upstream_can_queue(u))
		return -1;
	req = xcalloc(1, sizeof *req);
	req->kind = REQ_SEND;
	req->notice = notice;
	req->target = xstrdup(target);
	req->text = xstrndup(text, len);
	if (echo != NULL)
		req->echo = xstrdup(echo);
	up_push(u, req);
	up_write(u, CHAT_SEND, name, text, len);
	return 0;
}

static void
up_write_who(struct upstream *u, struct up_req *req)
{
	req->dialect = (int)up_dialect;
	up_write(u, up_dialect == CHAT_DIALECT_NEWER ? CHAT_LIST : CHAT_WHO,
	    NULL, NULL, 0);
}

/* Ask for the user list on behalf of an IRC query. -1 past max-pending. */
int
upstream_who(struct upstream *u, enum who_for why, const char *arg)
{
	struct up_req	*req;

	if (!upstream_can_queue(u))
		return -1;
	req = xcalloc(1, sizeof *req);
	req->kind = REQ_WHO;
	req->who_for = why;
	req->target = xstrdup(arg != NULL ? arg : "");
	up_push(u, req);
	up_write_who(u, req);
	return 0;
}

/* Read again after the client's sendq drained. */
void
upstream_resume(struct upstream *u)
{
	if (u->closed)
		return;
	bufferevent_enable(u->bev, EV_READ);
	up_process(u);
}

static void
up_on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	up_process(arg);
}

/* Take lines while the session can take output. */
static void
up_process(struct upstream *u)
{
	struct evbuffer		*in = bufferevent_get_input(u->bev);
	struct evbuffer_iovec	 v;
	enum linebuf_result	 r;
	char			*line;
	size_t			 len, taken;
	int			 drained = 0;

	while (!u->closed && u->s != NULL &&
	    !(u->s->flags & (SESSION_DEAD | SESSION_THROTTLED))) {
		r = linebuf_next(&u->rx, &line, &len);
		if (r == LINEBUF_LINE) {
			up_line(u, line, len);
			continue;
		}
		if (r == LINEBUF_TOO_LONG) {
			log_warnx("s%u: upstream line over upstream-line-max "
			    "%lld bytes", u->s->id, conf.upstream_line_max);
			up_fail(u, "the chat server sent a line longer than "
			    "upstream-line-max");
			break;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 ||
		    v.iov_len == 0) {
			drained = 1;	/* every complete line was taken */
			break;
		}
		taken = linebuf_feed(&u->rx, v.iov_base, v.iov_len);
		if (taken == (size_t)-1 || taken == 0) {
			up_fail(u, "out of memory");
			break;
		}
		evbuffer_drain(in, taken);
	}
	if (drained && !u->closed && !u->rx.skipping &&
	    linebuf_pending(&u->rx) == 0) {
		linebuf_free(&u->rx);	/* idle sessions hold no buffer */
		linebuf_init(&u->rx, (size_t)conf.upstream_line_max);
	}
}

static void
up_line(struct upstream *u, char *line, size_t len)
{
	struct chat_msg		 m;
	const struct up_reply	*row = NULL;
	struct up_req		*head = u->pending;
	size_t			 i;

	log_debug("s%u: upstream <- %s", u->s->id, log_escape(line, len));
	u->last_rx = reconnect_now();
	if (chat_parse_server(line, len, &m) != CHAT_PARSE_OK) {
		log_warnx("s%u: unparsable line from upstream: %s", u->s->id,
		    log_escape(line, len));
		up_fail(u, "the chat server sent a message the gateway does "
		    "not understand");
		return;
	}
	for (i = 0; i < sizeof up_replies / sizeof up_replies[0]; i++)
		if (up_replies[i].type == m.type)
			row = &up_replies[i];
	if (row == NULL || (row->kind != REQ_NONE && (head == NULL ||
	    (row->kind != REQ_ANY && row->kind != head->kind)))) {
		log_warnx("s%u: desync: %s does not answer %s", u->s->id,
		    chat_type_name(m.type), head == NULL ? "anything" :
		    "the oldest request");
		up_fail(u, "out of step with the chat server");
		return;
	}
	up_learn(m.type);
	if (row->kind == REQ_NONE) {
		row->fn(u, NULL, &m);
		return;
	}
	DL_DELETE(u->pending, head);
	u->npending--;
	if (row->fn(u, head, &m) == 0)
		up_req_free(head);
	if (u->closed || u->s == NULL)
		return;
	if (u->draining && u->pending == NULL)
		reconnect_drained(u->s, u);
	else if (u->s->rc != NULL)
		reconnect_flush(u->s);
}

/* auto dialect: a dialect-only reply settles the question. */
static void
up_learn(enum chat_type type)
{
	enum chat_dialect	d = chat_type_dialect(type);

	if (up_dialect_forced || d == CHAT_DIALECT_UNKNOWN ||
	    d == up_dialect)
		return;
	up_dialect = d;
	log_info("upstream dialect: %s (detected from %s)",
	    upstream_dialect_name(), chat_type_name(type));
}

static int
up_on_hello(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)req;
	u->ready = 1;
	snprintf(u->name, sizeof u->name, "%s", m->name);
	upbind_ready(u);
	if (u != u->s->up || (u->s->flags & SESSION_RECONNECTING))
		reconnect_hello(u->s, u, u->name);
	else
		irc_login_ok(u->s, u->name);
	return 0;
}

static int
up_on_refused(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	struct session	*s = u->s;

	(void)req;
	if (u != s->up || (s->flags & SESSION_RECONNECTING)) {
		reconnect_refused(s, u, m->type);
		return 0;
	}
	upstream_close(u);	/* the server closes after a failed login */
	s->up = NULL;
	irc_login_refused(s, m->type, u->name);
	return 0;
}

static int
up_on_send_ok(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)m;
	irc_msg_sent(u->s, req);
	return 0;
}

static int
up_on_unknown(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)m;
	irc_msg_unknown(u->s, req);
	return 0;
}

static int
up_on_who_ok(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	presence_update(m->text != NULL ? m->text : "");
	irc_query_answer(u->s, req, m->text != NULL ? m->text : "");
	return 0;
}

static int
up_on_delivery(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)req;
	irc_msg_delivery(u->s, m->name, m->text, m->text_len);
	return 0;
}

/*
 * BAD-RQST-HDR/BODY answer whatever is oldest. A WHO the server did not
 * know in auto mode: try the other dialect's keyword once, at the tail.
 */
static int
up_on_bad(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	struct session	*s = u->s;
	const char	*why = m->type == CHAT_BAD_RQST_HDR ?
			    "Error: Unknown issue in previous message header." :
			    "Error: Unknown issue in previous message body.";

	switch (req->kind) {
	case REQ_HELLO:
		if (u != s->up || (s->flags & SESSION_RECONNECTING)) {
			reconnect_refused(s, u, m->type);
			return 0;
		}
		upstream_close(u);
		s->up = NULL;
		irc_login_refused(s, m->type, u->name);
		return 0;
	case REQ_WHO:
		if (m->type == CHAT_BAD_RQST_HDR && !up_dialect_forced &&
		    !req->retried) {
			/* a WHO sent before an earlier switch: just resend */
			if (req->dialect == (int)up_dialect) {
				up_dialect = up_dialect == CHAT_DIALECT_NEWER ?
				    CHAT_DIALECT_ORIGINAL : CHAT_DIALECT_NEWER;
				log_info("upstream dialect: trying %s "
				    "(BAD-RQST-HDR)", upstream_dialect_name());
			}
			req->retried = 1;
			up_push(u, req);
			up_write_who(u, req);
			return 1;
		}
		irc_query_failed(s, req, why);
		return 0;
	case REQ_SEND:
		irc_msg_refused(s, req, why);
		return 0;
	default:
		return 0;
	}
}

static void
up_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct upstream	*u = arg;
	char		 why[256];
	int		 dns_err, err;

	if (what & BEV_EVENT_CONNECTED) {
		u->connected = 1;
		up_keepalive(u);
		log_debug("s%u: upstream connected", u->s ? u->s->id : 0);
		return;
	}
	dns_err = bufferevent_socket_get_dns_error(bev);
	err = EVUTIL_SOCKET_ERROR();
	if (err == EMFILE || err == ENFILE)
		snprintf(why, sizeof why, "The gateway is out of resources "
		    "(file descriptors), try again later");
	else if (dns_err != 0)
		snprintf(why, sizeof why, "Cannot resolve the chat server "
		    "%s: %s", up_host, evutil_gai_strerror(dns_err));
	else if (!u->connected)
		snprintf(why, sizeof why, "Cannot reach the chat server at "
		    "%s port %u: %s", up_host, up_port, strerror(err));
	else if (what & BEV_EVENT_EOF) {
		u->eof = 1;
		snprintf(why, sizeof why, "The chat server closed the "
		    "connection");
	}
	else
		snprintf(why, sizeof why, "Chat server connection error: %s",
		    strerror(err));
	up_fail(u, why);
}

/*
 * Kernel keep-alive probes on the connected socket: a host that vanished
 * or a path that broke ends in a socket error (up_on_event, then the
 * reconnect logic) even while nobody talks. Failure only costs that.
 */
static void
up_keepalive(struct upstream *u)
{
	evutil_socket_t	fd = bufferevent_getfd(u->bev);
	int		on = 1, idle = KA_IDLE, intvl = KA_INTVL, cnt = KA_CNT;

	if (fd == -1)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof idle) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof intvl) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) == -1)
		log_warn("s%u: upstream TCP keep-alive",
		    u->s != NULL ? u->s->id : 0);
}
