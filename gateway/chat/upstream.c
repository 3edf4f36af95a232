/*
 * Upstream connections to the chat server: connect (names resolved with
 * evdns), HELLO-FROM handshake, the FIFO of requests awaiting replies
 * (each with its continuation), the reply table, the dialect (detected or
 * forced), and the once-a-second sweep for silent connections. Who owns a
 * connection, and what a reply means to anyone, is the owner's business.
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

#include "chat/upstream.h"

/* TCP keep-alive: a vanished peer is noticed without our traffic. */
#define KA_IDLE		60	/* seconds idle before the first probe */
#define KA_INTVL	10	/* seconds between probes */
#define KA_CNT		3	/* unanswered probes: the connection fails */
#define UP_LOG_LINE	201	/* log_escape() shows 200, then "..." */

enum req_kind {
	REQ_NONE = 0,	/* unsolicited (DELIVERY) */
	REQ_ANY,	/* whatever is at the head (BAD-RQST-*) */
	REQ_HELLO,
	REQ_SEND,
	REQ_WHO
};

struct up_req {
	enum req_kind	 kind;
	int		 probe;		/* WHO: a keep-alive or the poll */
	int		 retried;	/* WHO: other dialect tried */
	int		 dialect;	/* WHO: the keyword's dialect */
	up_done_fn	*done;		/* NULL: nobody waits for it */
	void		*ctx;
	time_t		 sent;		/* core_now(), silence detection */
	struct up_req	*prev, *next;
};

struct upstream {
	unsigned		 id;		/* the owner's, for logs */
	const struct upstream_hooks *hooks;
	void			*owner;
	struct bufferevent	*bev;
	struct linebuf		 rx;
	struct event		*reaper;
	int			 connected;
	int			 ready;		/* HELLO received */
	int			 closed;
	int			 keepalive;	/* probe it when silent */
	int			 eof;		/* closed by the server */
	unsigned		 npending;
	struct up_req		*pending;	/* utlist, request order */
	int			 bind_ix;	/* upbind.c's address slot */
	unsigned		 login_seq;	/* HELLO order, all owners */
	time_t			 last_rx;	/* core_now() */
	enum chat_dialect	 dialect;	/* detected here; it stays */
	char			 name[CHAT_NAME_MAX + 1];
	struct upstream		*prev, *next;	/* every open connection */
};

/* One pass of the silence sweep. */
struct up_sweep {
	time_t		 now;
	time_t		 hung;	/* a probe unanswered, sent then; else -1 */
	unsigned	 hung_id;	/* on this connection */
};

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
static char		*up_host_irc;	/* never starts with ':' */
static unsigned short	 up_port;
static enum chat_dialect up_dialect;		/* current guess or forced */
static int		 up_dialect_forced;
static struct upstream	*conns;			/* open ones */
static struct event	*sweep;

static void	up_on_read(struct bufferevent *, void *);
static void	up_on_event(struct bufferevent *, short, void *);
static void	up_on_reap(evutil_socket_t, short, void *);
static void	up_process(struct upstream *);
static void	up_line(struct upstream *, char *, size_t);
static void	up_fail(struct upstream *, const char *);
static void	up_push(struct upstream *, struct up_req *);
static void	up_write(struct upstream *, enum chat_type, const char *,
		    const char *, size_t);
static int	up_learn(struct upstream *, enum chat_type);
static int	up_on_odd(struct upstream *, struct up_req *,
		    struct chat_msg *);
static void	up_keepalive(struct upstream *);
static void	up_finish(struct up_req *, enum up_result, char *);
static void	up_on_sweep(evutil_socket_t, short, void *);
static void	up_check(struct upstream *, struct up_sweep *);

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
	hlen = strlen(up_host) + 2;
	up_host_irc = xmalloc(hlen);
	snprintf(up_host_irc, hlen, "%s%s", up_host[0] == ':' ? "0" : "",
	    up_host);
	up_port = (unsigned short)port;
	if (strcmp(dialect, "original") == 0) {
		up_dialect = CHAT_DIALECT_ORIGINAL;
		up_dialect_forced = 1;
	} else if (strcmp(dialect, "newer") == 0) {
		up_dialect = CHAT_DIALECT_NEWER;
		up_dialect_forced = 1;
	}
	log_debug("upstream %s port %u, dialect %s", up_host, up_port,
	    dialect);
	sweep = event_new(ev_base, -1, EV_PERSIST, up_on_sweep, NULL);
	core_timer_ms(sweep, 1000);
	return 0;
}

/* Free what upstream_init kept. */
void
upstream_shutdown(void)
{
	if (sweep != NULL)
		event_free(sweep);
	sweep = NULL;
	free(up_host);
	free(up_host_irc);
	up_host = up_host_irc = NULL;
}

/* The chat server's host as given (for text). */
const char *
upstream_host(void)
{
	return up_host;
}

/*
 * The host as users' host part on IRC, where a parameter starting with
 * ':' would be read as the last one: an IPv6 "::1" is "0::1", as IRC
 * servers write it.
 */
const char *
upstream_host_irc(void)
{
	return up_host_irc;
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
 * A new connection that logs in as name, reporting to hooks with owner;
 * id names it in logs. NULL when not even a socket could be made or every
 * local address is at its limit (nobody is told: the caller decides).
 */
struct upstream *
upstream_connect(const char *name, unsigned id,
    const struct upstream_hooks *hooks, void *owner)
{
	struct upstream		*u;
	struct up_req		*req;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	int			 fd, family = AF_UNSPEC;

	u = xcalloc(1, sizeof *u);
	u->id = id;
	u->hooks = hooks;
	u->owner = owner;
	snprintf(u->name, sizeof u->name, "%s", name);
	if ((u->bind_ix = upbind_take(&fd)) == -1) {
		free(u);
		return NULL;
	}
	if (fd != -1 && getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		family = ss.ss_family;	/* --upstream-bind: same family */
	u->last_rx = core_now();
	u->dialect = CHAT_DIALECT_UNKNOWN;
	u->bev = bufferevent_socket_new(ev_base, fd,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (u->bev == NULL) {
		if (fd != -1)
			evutil_closesocket(fd);
		upbind_gone(u->bind_ix);
		free(u);
		return NULL;
	}
	u->reaper = event_new(ev_base, -1, 0, up_on_reap, u);
	linebuf_init(&u->rx, (size_t)conf.upstream_line_max);
	DL_APPEND(conns, u);
	bufferevent_setcb(u->bev, up_on_read, NULL, up_on_event, u);
	bufferevent_enable(u->bev, EV_READ | EV_WRITE);
	req = xcalloc(1, sizeof *req);
	req->kind = REQ_HELLO;
	up_push(u, req);
	up_write(u, CHAT_HELLO_FROM, name, NULL, 0);
	if (bufferevent_socket_connect_hostname(u->bev, dns_base, family,
	    up_host, up_port) == -1) {
		log_warn("s%u: upstream connect", id);
		upstream_close(u, NULL);
		return NULL;
	}
	log_debug("s%u: upstream connecting as %s", id, name);
	return u;
}

/*
 * Drop the connection now; the loop frees it. Each request still waiting
 * hears of it: UP_LOST with why, or with why NULL UP_CANCELLED. The owner
 * hears nothing more from it.
 */
void
upstream_close(struct upstream *u, const char *why)
{
	struct up_req	*list, *r, *tmp;
	char		 buf[256];

	if (u->closed)
		return;
	u->closed = 1;
	if (u->connected)
		counters.upstreams--;
	DL_DELETE(conns, u);
	upbind_gone(u->bind_ix);
	u->bind_ix = -1;
	bufferevent_disable(u->bev, EV_READ | EV_WRITE);
	event_active(u->reaper, EV_TIMEOUT, 0);
	list = u->pending;
	u->pending = NULL;
	u->npending = 0;
	DL_FOREACH_SAFE(list, r, tmp) {
		DL_DELETE(list, r);
		snprintf(buf, sizeof buf, "%s", why != NULL ? why : "");
		up_finish(r, why != NULL ? UP_LOST : UP_CANCELLED, buf);
	}
}

/* A request is over: its continuation hears how, then it is freed. */
static void
up_finish(struct up_req *r, enum up_result res, char *arg)
{
	if (r->done != NULL)
		r->done(r->ctx, res, arg);
	free(r);
}

static void
up_on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct upstream	*u = arg;

	(void)fd;
	(void)what;
	linebuf_free(&u->rx);
	bufferevent_free(u->bev);
	event_free(u->reaper);
	free(u);
}

/*
 * The connection failed: its owner hears first (and may close it with
 * words of its own for the requests still waiting), then it closes.
 */
static void
up_fail(struct upstream *u, const char *why)
{
	if (u->closed)
		return;
	log_info("s%u: upstream lost: %s", u->id, why);
	counters.upstream_errors++;
	u->hooks->lost(u->owner, u, why);
	upstream_close(u, why);
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
	req->sent = core_now();
	DL_APPEND(u->pending, req);
	u->npending++;
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

/* SEND name text; done hears the answer. -1 past max-pending. */
int
upstream_send(struct upstream *u, const char *name, const char *text,
    size_t len, up_done_fn *done, void *ctx)
{
	struct up_req	*req;

	if (!upstream_can_queue(u))
		return -1;
	req = xcalloc(1, sizeof *req);
	req->kind = REQ_SEND;
	req->done = done;
	req->ctx = ctx;
	up_push(u, req);
	up_write(u, CHAT_SEND, name, text, len);
	return 0;
}

static void
up_write_who(struct upstream *u, struct up_req *req)
{
	enum chat_dialect	d = u->dialect != CHAT_DIALECT_UNKNOWN ?
				    u->dialect : up_dialect;

	req->dialect = (int)d;
	up_write(u, d == CHAT_DIALECT_NEWER ? CHAT_LIST : CHAT_WHO, NULL,
	    NULL, 0);
}

/*
 * Ask for the user list; done (may be NULL) hears it. A probe (keep-alive
 * or the shared poll) unanswered tells the sweep the server may hang.
 * -1 past max-pending.
 */
int
upstream_who(struct upstream *u, int probe, up_done_fn *done, void *ctx)
{
	struct up_req	*req;

	if (!upstream_can_queue(u))
		return -1;
	req = xcalloc(1, sizeof *req);
	req->kind = REQ_WHO;
	req->probe = probe;
	req->done = done;
	req->ctx = ctx;
	up_push(u, req);
	up_write_who(u, req);
	return 0;
}

/*
 * Before a planned close (shutdown): take what the server already sent
 * and the kernel holds, so a DELIVERY it counts as done is not dropped.
 */
void
upstream_drain(struct upstream *u)
{
	struct evbuffer	*in;
	evutil_socket_t	 fd;
	int		 i;

	if (u->closed || (fd = bufferevent_getfd(u->bev)) == -1)
		return;
	in = bufferevent_get_input(u->bev);
	for (i = 0; i < 64 && evbuffer_read(in, fd, 65536) > 0; i++)
		;
	up_process(u);
}

/* Probe this connection with a WHO when it stays silent (keepalive). */
void
upstream_set_keepalive(struct upstream *u, int on)
{
	u->keepalive = on;
}

/* 1 once HELLO came. */
int
upstream_ready(struct upstream *u)
{
	return u != NULL && !u->closed && u->ready;
}

/* 1 if the server closed it (not an error, not us). */
int
upstream_eof(struct upstream *u)
{
	return u->eof;
}

/* Requests awaiting a reply. */
unsigned
upstream_npending(struct upstream *u)
{
	return u->npending;
}

/* The local address slot (upbind.c), -1 once closed. */
int
upstream_bind_ix(struct upstream *u)
{
	return u->bind_ix;
}

/* The name it logs in (or logged in) as. */
const char *
upstream_name(struct upstream *u)
{
	return u->name;
}

/* HELLO order among all connections (upbind_ready). */
unsigned
upstream_login_seq(struct upstream *u)
{
	return u->login_seq;
}

/*
 * A chat server that keeps Nagle on waits for our ACK before its next
 * small write: ACK at once (Linux turns quick ACKs off again by itself,
 * so it is asked for on every read).
 */
static void
up_on_read(struct bufferevent *bev, void *arg)
{
	evutil_socket_t	fd = bufferevent_getfd(bev);
	int		one = 1;

	if (fd != -1)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof one);
	up_process(arg);
}

/* Take lines while the owner can take them. */
static void
up_process(struct upstream *u)
{
	struct evbuffer		*in = bufferevent_get_input(u->bev);
	struct evbuffer_iovec	 v;
	enum linebuf_result	 r;
	char			*line;
	size_t			 len, taken;
	int			 drained = 0;

	while (!u->closed) {
		r = linebuf_next(&u->rx, &line, &len);
		if (r == LINEBUF_LINE) {
			up_line(u, line, len);
			continue;
		}
		if (r == LINEBUF_TOO_LONG) {
			log_warnx("s%u: upstream line over upstream-line-max "
			    "%lld bytes", u->id, conf.upstream_line_max);
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
		linebuf_free(&u->rx);	/* idle connections hold no buffer */
		linebuf_init(&u->rx, (size_t)conf.upstream_line_max);
	}
}

static void
up_line(struct upstream *u, char *line, size_t len)
{
	struct chat_msg		 m;
	const struct up_reply	*row = NULL;
	struct up_req		*head = u->pending;
	char			 seen[UP_LOG_LINE];
	size_t			 i, nseen;
	int			 odd;

	if (log_debugging())
		log_debug("s%u: upstream <- %s", u->id, log_escape(line, len));
	u->last_rx = core_now();
	nseen = len < sizeof seen ? len : sizeof seen;
	memcpy(seen, line, nseen);	/* the parser cuts the line in place */
	if (chat_parse_server(line, len, &m) != CHAT_PARSE_OK) {
		log_warnx("s%u: unparsable line from upstream: %s", u->id,
		    log_escape(seen, nseen));
		up_fail(u, "the chat server sent a message the gateway does "
		    "not understand");
		return;
	}
	for (i = 0; i < sizeof up_replies / sizeof up_replies[0]; i++)
		if (up_replies[i].type == m.type)
			row = &up_replies[i];
	if (row == NULL || (row->kind != REQ_NONE && (head == NULL ||
	    (row->kind != REQ_ANY && row->kind != head->kind)))) {
		log_warnx("s%u: desync: %s does not answer %s", u->id,
		    chat_type_name(m.type), head == NULL ? "anything" :
		    "the oldest request");
		up_fail(u, "out of step with the chat server");
		return;
	}
	odd = up_learn(u, m.type) == -1;
	if (row->kind == REQ_NONE) {
		row->fn(u, NULL, &m);
		return;
	}
	DL_DELETE(u->pending, head);
	u->npending--;
	if ((odd ? up_on_odd : row->fn)(u, head, &m) == 0)
		free(head);
	if (!u->closed)
		u->hooks->answered(u->owner, u);
}

/*
 * auto dialect: the first dialect-only reply on a connection settles it
 * for that connection, and is the guess for new ones. A reply of the
 * other dialect after that is odd (-1): it never flips the dialect.
 */
static int
up_learn(struct upstream *u, enum chat_type type)
{
	enum chat_dialect	d = chat_type_dialect(type);

	if (up_dialect_forced || d == CHAT_DIALECT_UNKNOWN)
		return 0;
	if (u->dialect != CHAT_DIALECT_UNKNOWN)
		return d == u->dialect ? 0 : -1;
	u->dialect = d;
	if (d != up_dialect) {
		up_dialect = d;
		log_info("upstream dialect: %s (detected from %s)",
		    upstream_dialect_name(), chat_type_name(type));
	}
	return 0;
}

/* A reply of the other dialect than the one detected: an error. */
static int
up_on_odd(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	log_warnx("s%u: %s from a chat server detected as %s dialect: "
	    "answered as an error", u->id, chat_type_name(m->type),
	    u->dialect == CHAT_DIALECT_NEWER ? "newer" : "original");
	if (req->done != NULL)
		req->done(req->ctx, req->kind == REQ_SEND ? UP_UNKNOWN :
		    UP_REFUSED, "the chat server answered in another dialect");
	return 0;
}

static int
up_on_hello(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)req;
	if (!chat_name_valid(m->name, strlen(m->name), CHAT_NAME_MAX)) {
		log_warnx("s%u: HELLO with a name that is not one: %s", u->id,
		    log_escape(m->name, strlen(m->name)));
		up_fail(u, "the chat server logged in a name that is not a "
		    "chat name");
		return 0;
	}
	u->ready = 1;
	snprintf(u->name, sizeof u->name, "%s", m->name);
	u->login_seq = upbind_ready(u->bind_ix, u->id);
	u->hooks->hello(u->owner, u, u->name);
	return 0;
}

/* IN-USE, BUSY: the server closes after a failed login; so do we. */
static int
up_on_refused(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)req;
	upstream_close(u, NULL);
	u->hooks->refused(u->owner, u, m->type);
	return 0;
}

static int
up_on_send_ok(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)u;
	(void)m;
	counters.messages_sent++;
	if (req->done != NULL)
		req->done(req->ctx, UP_OK, NULL);
	return 0;
}

static int
up_on_unknown(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)u;
	(void)m;
	if (req->done != NULL)
		req->done(req->ctx, UP_UNKNOWN, NULL);
	return 0;
}

/* Every user list goes to the owner; then to whoever asked. */
static int
up_on_who_ok(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	char	empty[1] = "";
	char	*list = m->text != NULL ? m->text : empty;

	u->hooks->list(u->owner, u, list);
	if (req->done != NULL)
		req->done(req->ctx, UP_OK, list);
	return 0;
}

static int
up_on_delivery(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	(void)req;
	counters.messages_delivered++;
	u->hooks->delivery(u->owner, u, m->name, m->text, m->text_len);
	return 0;
}

/*
 * BAD-RQST-HDR/BODY answer whatever is oldest. A WHO the server did not
 * know in auto mode: try the other dialect's keyword once, at the tail.
 */
static int
up_on_bad(struct upstream *u, struct up_req *req, struct chat_msg *m)
{
	char	why[64];

	snprintf(why, sizeof why, "Error: Unknown issue in previous message "
	    "%s.", m->type == CHAT_BAD_RQST_HDR ? "header" : "body");
	switch (req->kind) {
	case REQ_HELLO:
		upstream_close(u, NULL);
		u->hooks->refused(u->owner, u, m->type);
		return 0;
	case REQ_WHO:
		if (m->type == CHAT_BAD_RQST_HDR && !up_dialect_forced &&
		    u->dialect == CHAT_DIALECT_UNKNOWN && !req->retried) {
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
		break;
	default:
		break;
	}
	if (req->done != NULL)
		req->done(req->ctx, UP_REFUSED, why);
	return 0;
}

static void
up_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct upstream	*u = arg;
	char		 why[256];
	int		 dns_err, err;

	if (what & BEV_EVENT_CONNECTED) {
		u->connected = 1;
		counters.upstreams++;
		up_keepalive(u);
		log_debug("s%u: upstream connected", u->id);
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
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
		log_warn("s%u: upstream TCP_NODELAY", u->id);
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof idle) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof intvl) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) == -1)
		log_warn("s%u: upstream TCP keep-alive", u->id);
}

/*
 * Once a second: requests unanswered past upstream-timeout fail their
 * connection. When one was a probe (the shared poll or a keep-alive),
 * the server itself looks hung: every probed connection silent since
 * then is asked too, so each finds out within one more upstream-timeout.
 */
static void
up_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct up_sweep	 sw = { core_now(), -1, 0 };
	struct upstream	*u, *tmp;

	(void)fd;
	(void)what;
	(void)arg;
	DL_FOREACH_SAFE(conns, u, tmp)
		up_check(u, &sw);
	if (sw.hung == -1)
		return;
	log_info("s%u: a user-list probe went unanswered: probing every "
	    "session silent since then", sw.hung_id);
	DL_FOREACH_SAFE(conns, u, tmp) {
		if (u->closed || !u->keepalive || !u->ready ||
		    u->pending != NULL ||
		    u->last_rx > sw.hung)
			continue;
		log_debug("s%u: upstream silent since the unanswered probe: "
		    "keep-alive", u->id);
		upstream_who(u, 1, NULL, NULL);
	}
}

/*
 * A request unanswered past upstream-timeout: the connection is dead.
 * Else, if probed, a WHO after keepalive seconds of silence, a tenth of
 * it earlier or not by id, so that owners logged in together do not all
 * ask in the same second.
 */
static void
up_check(struct upstream *u, struct up_sweep *sw)
{
	struct up_req	*r = u->pending;
	char		 why[128];
	long long	 quiet = conf.keepalive;

	quiet -= u->id % (conf.keepalive / 10 + 1);
	if (u->closed)		/* closed by an earlier one's owner */
		return;
	if (r != NULL && sw->now - r->sent >= conf.upstream_timeout) {
		if (r->kind == REQ_WHO && r->probe && r->sent > sw->hung) {
			sw->hung = r->sent;
			sw->hung_id = u->id;
		}
		snprintf(why, sizeof why, "no answer from the chat server for "
		    "%lld seconds", (long long)(sw->now - r->sent));
		up_fail(u, why);
	} else if (u->keepalive && u->ready && r == NULL &&
	    sw->now - u->last_rx >= quiet)
		upstream_who(u, 1, NULL, NULL);
}
