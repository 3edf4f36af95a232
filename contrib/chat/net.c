/*
 * chat's side of the wire: connect, handshake, match replies to the FIFO of
 * requests, detect the dialect (WHO, then LIST on BAD-RQST-HDR) and show
 * what arrives. Terminal input and output are term.c's.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "client.h"

#define REQ_ANY		(REQ_SEND | REQ_WHO | REQ_LIST)

struct net_reply {
	enum chat_type	  type;
	int		  want;		/* request kinds it answers, or 0 */
	void		(*fn)(struct client *, struct chat_msg *,
			    struct client_pending *);
};

static int	net_dial(struct client *);
static void	net_on_read(struct bufferevent *, void *);
static void	net_on_event(struct bufferevent *, short, void *);
static void	net_line(struct client *, char *, size_t);
static void	net_handshake(struct client *, struct chat_msg *);
static void	net_reply(struct client *, struct chat_msg *);
static void	net_unexpected(const char *, const char *, size_t);
static void	net_on_send_ok(struct client *, struct chat_msg *,
		    struct client_pending *);
static void	net_on_unknown(struct client *, struct chat_msg *,
		    struct client_pending *);
static void	net_on_list(struct client *, struct chat_msg *,
		    struct client_pending *);
static void	net_on_delivery(struct client *, struct chat_msg *,
		    struct client_pending *);
static void	net_on_bad_hdr(struct client *, struct chat_msg *,
		    struct client_pending *);
static void	net_on_bad_body(struct client *, struct chat_msg *,
		    struct client_pending *);
static int	net_send(struct client *, enum chat_type, const char *,
		    const char *, size_t);
static int	net_push(struct client *, enum client_req, int);

static const struct net_reply net_replies[] = {
	{ CHAT_SEND_OK,		REQ_SEND,		net_on_send_ok },
	{ CHAT_UNKNOWN,		REQ_SEND,		net_on_unknown },
	{ CHAT_BAD_DEST_USER,	REQ_SEND,		net_on_unknown },
	{ CHAT_WHO_OK,		REQ_WHO | REQ_LIST,	net_on_list },
	{ CHAT_LIST_OK,		REQ_WHO | REQ_LIST,	net_on_list },
	{ CHAT_DELIVERY,	0,			net_on_delivery },
	{ CHAT_BAD_RQST_HDR,	REQ_ANY,		net_on_bad_hdr },
	{ CHAT_BAD_RQST_BODY,	REQ_ANY,		net_on_bad_body },
};

/* Connect and send HELLO-FROM c->name; -1 (said why) on failure. */
int
net_connect(struct client *c)
{
	int		 fd;
	struct timeval	 tv = { CLIENT_HANDSHAKE_SECS, 0 };

	if ((fd = net_dial(c)) == -1)
		return -1;
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	c->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		term_err("chat: out of memory");
		return -1;
	}
	linebuf_init(&c->rx, CLIENT_LINE_MAX);
	bufferevent_setcb(c->bev, net_on_read, NULL, net_on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
	c->state = CLIENT_HANDSHAKE;
	return net_send(c, CHAT_HELLO_FROM, c->name, NULL, 0);
}

/* Drop the connection and everything pending on it. */
void
net_close(struct client *c)
{
	if (c->bev == NULL)
		return;
	bufferevent_free(c->bev);
	c->bev = NULL;
	linebuf_free(&c->rx);
	c->phead = c->pcount = 0;
	c->state = CLIENT_NAME;
}

/* Send a request and remember it; -1 (said why) if refused. */
int
net_request(struct client *c, enum client_req kind, const char *name,
    const char *text, size_t len)
{
	enum chat_type	 type = CHAT_SEND;

	if (c->pcount == CLIENT_PENDING_MAX) {
		term_say("Too many requests awaiting replies; try again soon.");
		return -1;
	}
	if (kind == REQ_WHO && c->dialect == CHAT_DIALECT_NEWER)
		kind = REQ_LIST;
	if (kind == REQ_WHO)
		type = CHAT_WHO;
	else if (kind == REQ_LIST)
		type = CHAT_LIST;
	if (net_send(c, type, name, text, len) == -1)
		return -1;
	return net_push(c, kind, 0);
}

/* Blocking resolve and connect: nothing else can happen meanwhile. */
static int
net_dial(struct client *c)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, err, saved = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(c->host, c->port, &hints, &res)) != 0) {
		term_err("chat: %s: %s", c->host, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		term_err("chat: cannot connect to %s port %s: %s",
		    c->host, c->port, strerror(saved));
	return fd;
}

static void
net_on_read(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*input = bufferevent_get_input(bev);
	char		 chunk[4096], *line;
	size_t		 len, n, off;
	int		 got;
	enum linebuf_result r;

	while (c->bev != NULL && !c->done &&
	    (got = evbuffer_remove(input, chunk, sizeof chunk)) > 0) {
		for (off = 0; c->bev != NULL && !c->done &&
		    off < (size_t)got; off += n) {
			n = linebuf_feed(&c->rx, chunk + off, got - off);
			if (n == (size_t)-1) {
				term_err("chat: out of memory");
				client_exit(c, 1);
				return;
			}
			while (c->bev != NULL && !c->done &&
			    (r = linebuf_next(&c->rx, &line, &len)) !=
			    LINEBUF_NONE) {
				if (r == LINEBUF_LINE)
					net_line(c, line, len);
				else
					term_say("(a line of over %d bytes "
					    "from the server was dropped)",
					    CLIENT_LINE_MAX);
			}
		}
	}
}

static void
net_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;
	int		 err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		term_err("chat: no answer from the server");
	else if (what & BEV_EVENT_EOF)
		term_err("chat: the server closed the connection");
	else
		term_err("chat: connection lost: %s",
		    evutil_socket_error_to_string(err));
	net_close(c);
	client_exit(c, 1);
}

static void
net_line(struct client *c, char *line, size_t len)
{
	struct chat_msg	 m;
	char		 copy[80];
	size_t		 keep = len < sizeof copy ? len : sizeof copy;

	memcpy(copy, line, keep);	/* the parser cuts the line up */
	if (chat_parse_server(line, len, &m) != CHAT_PARSE_OK) {
		net_unexpected("Unrecognised line from the server: ", copy,
		    keep);
		return;
	}
	if (chat_type_dialect(m.type) != CHAT_DIALECT_UNKNOWN)
		c->dialect = chat_type_dialect(m.type);
	if (c->state == CLIENT_HANDSHAKE)
		net_handshake(c, &m);
	else
		net_reply(c, &m);
}

static void
net_handshake(struct client *c, struct chat_msg *m)
{
	switch (m->type) {
	case CHAT_HELLO:
		c->state = CLIENT_READY;
		bufferevent_set_timeouts(c->bev, NULL, NULL);
		term_say("Successfully logged in as %s!", c->name);
		term_say("Type @user message, !who or !quit.");
		term_resume(c);
		break;
	case CHAT_IN_USE:
		term_say("Cannot log in as %s. That username is already in "
		    "use.", c->name);
		net_close(c);		/* as the server does: reconnect */
		term_prompt(c);
		break;
	case CHAT_BAD_RQST_BODY:
		term_say("Cannot log in as %s. That username contains "
		    "disallowed characters.", c->name);
		net_close(c);
		term_prompt(c);
		break;
	case CHAT_BUSY:
		term_say("Cannot log in. The server is full!");
		net_close(c);
		client_exit(c, 1);
		break;
	case CHAT_BAD_RQST_HDR:
		term_say("Error: Unknown issue in previous message header.");
		net_close(c);
		client_exit(c, 1);
		break;
	default:
		net_unexpected("Unexpected before login: ",
		    chat_type_name(m->type), strlen(chat_type_name(m->type)));
		break;
	}
}

/* Look the reply up; all but DELIVERY answer the oldest request. */
static void
net_reply(struct client *c, struct chat_msg *m)
{
	const struct net_reply	*r = NULL;
	struct client_pending	 head = { REQ_NONE, 0 };
	const char		*kw = chat_type_name(m->type);
	size_t			 i;

	for (i = 0; i < sizeof net_replies / sizeof net_replies[0]; i++)
		if (net_replies[i].type == m->type)
			r = &net_replies[i];
	if (r == NULL) {
		net_unexpected("Unexpected from the server: ", kw, strlen(kw));
		return;
	}
	if (r->want != 0) {
		if (c->pcount == 0 ||
		    !(c->pending[c->phead].kind & r->want)) {
			net_unexpected("Reply to nothing we asked: ", kw,
			    strlen(kw));
			return;
		}
		head = c->pending[c->phead];
		c->phead = (c->phead + 1) % CLIENT_PENDING_MAX;
		if (c->pcount-- == CLIENT_PENDING_MAX)
			term_resume(c);	/* stdin paused on a full FIFO */
	}
	r->fn(c, m, &head);
	term_check_drained(c);
}

static void
net_unexpected(const char *what, const char *text, size_t len)
{
	term_raw(what);
	term_escaped(text, len);
	term_raw("\n");
}

static void
net_on_send_ok(struct client *c, struct chat_msg *m,
    struct client_pending *p)
{
	(void)c, (void)m, (void)p;
	term_say("Message sent.");
}

static void
net_on_unknown(struct client *c, struct chat_msg *m,
    struct client_pending *p)
{
	(void)c, (void)m, (void)p;
	term_say("The destination user does not exist");
}

static void
net_on_list(struct client *c, struct chat_msg *m, struct client_pending *p)
{
	char	*cursor = m->text, *name;
	size_t	 n = 0, i;

	(void)c, (void)p;
	/* count first: chat_list_next() cuts the list up as it goes */
	for (i = 0; m->text != NULL && m->text[i] != '\0'; i++)
		if (m->text[i] != ',' && (i == 0 || m->text[i - 1] == ','))
			n++;
	term_say("There are %zu online users:", n);
	cursor = m->text;
	while (cursor != NULL && (name = chat_list_next(&cursor)) != NULL) {
		term_raw("  ");
		term_escaped(name, strlen(name));
		term_raw("\n");
	}
}

static void
net_on_delivery(struct client *c, struct chat_msg *m,
    struct client_pending *p)
{
	(void)c, (void)p;
	term_raw("From ");
	term_escaped(m->name, strlen(m->name));
	term_raw(": ");
	term_escaped(m->text, m->text_len);
	term_raw("\n");
}

/* WHO unknown here? Then it is the newer dialect: LIST, and remember. */
static void
net_on_bad_hdr(struct client *c, struct chat_msg *m,
    struct client_pending *p)
{
	enum client_req	 other;

	(void)m;
	if (p->kind != REQ_SEND && !p->retried) {
		other = p->kind == REQ_WHO ? REQ_LIST : REQ_WHO;
		c->dialect = other == REQ_LIST ? CHAT_DIALECT_NEWER :
		    CHAT_DIALECT_ORIGINAL;
		if (net_send(c, other == REQ_LIST ? CHAT_LIST : CHAT_WHO,
		    NULL, NULL, 0) == 0)
			net_push(c, other, 1);
		return;
	}
	term_say("Error: Unknown issue in previous message header.");
}

static void
net_on_bad_body(struct client *c, struct chat_msg *m,
    struct client_pending *p)
{
	(void)c, (void)m, (void)p;
	term_say("Error: Unknown issue in previous message body.");
}

static int
net_send(struct client *c, enum chat_type type, const char *name,
    const char *text, size_t len)
{
	static char	 line[CLIENT_LINE_MAX + 2];
	size_t		 n;

	n = chat_build(line, sizeof line, type, name, text, len);
	if (n >= sizeof line) {
		term_say("Message too long (at most %d bytes).",
		    CLIENT_LINE_MAX);
		return -1;
	}
	if (bufferevent_write(c->bev, line, n) == -1) {
		term_err("chat: out of memory");
		client_exit(c, 1);
		return -1;
	}
	return 0;
}

static int
net_push(struct client *c, enum client_req kind, int retried)
{
	struct client_pending	*p;

	p = &c->pending[(c->phead + c->pcount) % CLIENT_PENDING_MAX];
	p->kind = kind;
	p->retried = retried;
	c->pcount++;
	return 0;
}
