/*
 * One chatd connection: framing its input, the handshake, the command table
 * for what it may send, and a bound on what is queued for it. Tables of
 * names and the listener are server.c's; the bots are bots.c's.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "chatd.h"

#define CMD_PRELOGIN	0x01	/* only before HELLO */
#define CMD_LOGIN	0x02	/* only after HELLO */

struct client_cmd {
	enum chat_type	 type;
	int		 flags;
	void		(*fn)(struct client *, struct chat_msg *);
};

static void	client_cmd_hello(struct client *, struct chat_msg *);
static void	client_cmd_who(struct client *, struct chat_msg *);
static void	client_cmd_send(struct client *, struct chat_msg *);

/* What a client may send; the dispatcher checks login state and dialect. */
static const struct client_cmd client_cmds[] = {
	{ CHAT_HELLO_FROM,	CMD_PRELOGIN,	client_cmd_hello },
	{ CHAT_WHO,		CMD_LOGIN,	client_cmd_who },
	{ CHAT_LIST,		CMD_LOGIN,	client_cmd_who },
	{ CHAT_SEND,		CMD_LOGIN,	client_cmd_send },
};

static unsigned	 client_next_id = 1;
static char	*client_scratch;	/* one built line; single-threaded */
static size_t	 client_scratch_size;

static void	client_set_addr(struct client *, const struct sockaddr *,
		    socklen_t);
static void	client_read(struct bufferevent *, void *);
static void	client_write(struct bufferevent *, void *);
static void	client_event(struct bufferevent *, short, void *);
static void	client_timeout(evutil_socket_t, short, void *);
static void	client_reap(evutil_socket_t, short, void *);
static void	client_linger_flushed(struct client *);
static void	client_linger_discard(struct bufferevent *, void *);
static void	client_linger_done(struct client *);
static void	client_process(struct client *);
static int	client_feed(struct client *, struct evbuffer *);
static void	client_line(struct client *, char *, size_t);
static void	client_reject(struct client *, enum chat_type);
static void	client_check_pause(struct client *);
static int	client_queue(struct client *, const char *, size_t, int);
static enum chat_type client_unknown_reply(const struct client *);

static void
client_set_addr(struct client *c, const struct sockaddr *sa, socklen_t len)
{
	char	host[INET6_ADDRSTRLEN], serv[8];

	if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(c->host, sizeof c->host, "?");
		snprintf(c->addr, sizeof c->addr, "?");
		return;
	}
	snprintf(c->host, sizeof c->host, "%s", host);
	if (sa->sa_family == AF_INET6)
		snprintf(c->addr, sizeof c->addr, "[%s]:%s", host, serv);
	else
		snprintf(c->addr, sizeof c->addr, "%s:%s", host, serv);
}

/* A connection just accepted on fd (now ours to close); NULL on failure. */
struct client *
client_new(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct timeval	 tv = { (time_t)chatd_conf.handshake_timeout, 0 };
	struct client	*c;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		evutil_closesocket(fd);
		return NULL;
	}
	c->id = client_next_id++;
	c->refs = 1;
	client_set_addr(c, sa, len);
	linebuf_init(&c->rx, chatd_conf.line_max);
	c->bev = bufferevent_socket_new(chatd_base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->held = evbuffer_new();
	c->timer = evtimer_new(chatd_base, client_timeout, c);
	c->reaper = event_new(chatd_base, -1, 0, client_reap, c);
	if (c->bev == NULL || c->held == NULL || c->timer == NULL ||
	    c->reaper == NULL)
		goto fail;
	bufferevent_setcb(c->bev, client_read, client_write, client_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, chatd_conf.sendq_max / 4,
	    0);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1 ||
	    evtimer_add(c->timer, &tv) == -1)
		goto fail;
	server_add(c);
	chatd_log(1, "c%u: connection from %s", c->id, c->addr);
	return c;
fail:
	chatd_log(0, "cannot set up a connection from %s", c->addr);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	else
		evutil_closesocket(fd);
	if (c->held != NULL)
		evbuffer_free(c->held);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->reaper != NULL)
		event_free(c->reaper);
	linebuf_free(&c->rx);
	free(c);
	return NULL;
}

/* Free what every client shares; at shutdown, after the last client_free(). */
void
client_cleanup(void)
{
	free(client_scratch);
	client_scratch = NULL;
	client_scratch_size = 0;
}

/* A built-in user, logged in at once; it lives until shutdown. */
struct client *
client_new_bot(const char *name, client_bot_fn fn)
{
	struct client	*c;
	enum chat_type	 reply;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->id = client_next_id++;
	c->refs = 1;
	c->flags = CLIENT_BOT;
	c->bot = fn;
	snprintf(c->host, sizeof c->host, "bot");
	snprintf(c->addr, sizeof c->addr, "bot");
	server_add(c);
	if (server_login(c, name, &reply) == -1)
		chatd_log(0, "bot %s: name taken", name);
	return c;
}

/* Free c at once; only the reaper and shutdown call this. */
void
client_free(struct client *c)
{
	server_logout(c);
	server_unlink(c);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->held != NULL)
		evbuffer_free(c->held);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->reaper != NULL)
		event_free(c->reaper);
	linebuf_free(&c->rx);
	free(c);
}

void
client_ref(struct client *c)
{
	c->refs++;
}

/* Drop a reference; at 0 the loop frees c after the current callback. */
void
client_unref(struct client *c)
{
	if (--c->refs == 0 && c->reaper != NULL)
		event_active(c->reaper, EV_TIMEOUT, 0);
}

static void
client_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	client_free(arg);
}

/*
 * Start closing c: out of every table at once, freed by the loop later.
 * With flush, what is queued is still written (at most CHATD_LINGER_SEC).
 * A bot's unfinished line and what waits behind it are dropped.
 */
void
client_close(struct client *c, int flush, const char *reason)
{
	struct timeval	tv = { CHATD_LINGER_SEC, 0 };
	char		name[CHAT_NAME_MAX * 4 + 8];

	if (c->flags & (CLIENT_DEAD | CLIENT_BOT))
		return;
	c->flags |= CLIENT_DEAD;
	if (c->flags & CLIENT_LOGGED_IN)
		chatd_log(0, "c%u: logout %s from %s: %s", c->id,
		    chatd_escape(name, sizeof name, c->name, strlen(c->name)),
		    c->addr, reason);
	else
		chatd_log(1, "c%u: closed %s: %s", c->id, c->addr, reason);
	server_logout(c);
	evtimer_del(c->timer);
	bufferevent_disable(c->bev, EV_READ);
	if (flush && evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		c->flags |= CLIENT_LINGER;
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		evtimer_add(c->timer, &tv);
		return;
	}
	bufferevent_disable(c->bev, EV_WRITE);
	client_unref(c);
}

/*
 * The last reply is out: send FIN, and read until the peer's, so that what
 * it still sends cannot make the kernel reset the connection before the
 * reply is read.
 */
static void
client_linger_flushed(struct client *c)
{
	if (!(c->flags & CLIENT_LINGER) || (c->flags & CLIENT_DRAINING))
		return;
	c->flags |= CLIENT_DRAINING;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_setcb(c->bev, client_linger_discard, NULL, client_event,
	    c);
	bufferevent_disable(c->bev, EV_WRITE);
	bufferevent_enable(c->bev, EV_READ);
}

static void
client_linger_discard(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
client_linger_done(struct client *c)
{
	if (!(c->flags & CLIENT_LINGER))
		return;
	c->flags &= ~CLIENT_LINGER;
	evtimer_del(c->timer);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	client_unref(c);
}

static void
client_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)what;
	if (c->flags & CLIENT_DEAD)
		client_linger_done(c);
	else if (!(c->flags & CLIENT_LOGGED_IN))
		client_close(c, 0, "handshake timeout");
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	if (c->flags & CLIENT_DEAD)
		client_linger_done(c);
	else if ((what & BEV_EVENT_EOF) && c->bot_bytes > 0)
		c->flags |= CLIENT_EOF;		/* bots.c closes it after */
	else if (what & BEV_EVENT_EOF)
		client_close(c, 1, "connection closed by peer");
	else if (what & BEV_EVENT_ERROR)
		client_close(c, 0, strerror(EVUTIL_SOCKET_ERROR()));
}

static void
client_write(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	if (c->flags & CLIENT_DEAD) {
		client_linger_flushed(c);
		return;
	}
	if ((c->flags & CLIENT_PAUSED) &&
	    client_queued(c) <= chatd_conf.sendq_max / 4) {
		c->flags &= ~CLIENT_PAUSED;
		bufferevent_enable(c->bev, EV_READ);
		client_process(c);
	}
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	client_process(arg);
}

/* Lines in order until input runs out, c closes or its output backs up. */
static void
client_process(struct client *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	enum linebuf_result	 r;
	char			*line;
	size_t			 len;

	while (!(c->flags & (CLIENT_DEAD | CLIENT_PAUSED))) {
		r = linebuf_next(&c->rx, &line, &len);
		if (r == LINEBUF_LINE) {
			client_line(c, line, len);
			client_check_pause(c);
		} else if (r == LINEBUF_TOO_LONG) {
			chatd_log(1, "c%u: line over %zu bytes", c->id,
			    chatd_conf.line_max);
			client_reject(c, CHAT_BAD_RQST_BODY);
		} else if (client_feed(c, in) <= 0)
			break;
	}
}

/*
 * Move the first chunk of input into the framer. An overlong line is
 * discarded by linebuf; one that goes on for twice the bound without an
 * LF is not a line at all, and costs the connection.
 */
static int
client_feed(struct client *c, struct evbuffer *in)
{
	struct evbuffer_iovec	 v;
	const char		*lf;
	size_t			 n;

	if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
		return 0;
	n = linebuf_feed(&c->rx, v.iov_base, v.iov_len);
	if (n == (size_t)-1 || n == 0) {
		client_close(c, 0, n == 0 ? "framer stalled" : "out of memory");
		return -1;
	}
	if ((lf = memrchr(v.iov_base, '\n', n)) != NULL)
		c->since_lf = n - (size_t)(lf - (const char *)v.iov_base) - 1;
	else
		c->since_lf += n;
	evbuffer_drain(in, n);
	if (c->since_lf > 2 * chatd_conf.line_max) {
		client_close(c, 0, "no end of line in twice --line-max");
		return -1;
	}
	return 1;
}

/*
 * One line from c: parse, check it against its table row, run it. The
 * header is judged first (keyword, dialect, login state), then the body.
 */
static void
client_line(struct client *c, char *line, size_t len)
{
	const struct client_cmd	*cmd = NULL;
	struct chat_msg		 m;
	enum chat_parse_result	 r;
	enum chat_dialect	 d;
	size_t			 i;

	r = chat_parse_client(line, len, &m);
	for (i = 0; r != CHAT_PARSE_BAD_HEADER &&
	    i < sizeof client_cmds / sizeof client_cmds[0]; i++)
		if (client_cmds[i].type == m.type)
			cmd = &client_cmds[i];
	d = cmd != NULL ? chat_type_dialect(cmd->type) : CHAT_DIALECT_UNKNOWN;
	if (cmd == NULL ||
	    (chatd_conf.only_dialect != CHAT_DIALECT_UNKNOWN &&
	    d != CHAT_DIALECT_UNKNOWN && d != chatd_conf.only_dialect) ||
	    ((cmd->flags & CMD_LOGIN) && !(c->flags & CLIENT_LOGGED_IN)) ||
	    ((cmd->flags & CMD_PRELOGIN) && (c->flags & CLIENT_LOGGED_IN)))
		client_reject(c, CHAT_BAD_RQST_HDR);
	else if (r == CHAT_PARSE_BAD_BODY)
		client_reject(c, CHAT_BAD_RQST_BODY);
	else
		cmd->fn(c, &m);
}

/* An error reply; before login it ends the connection, as the reference's. */
static void
client_reject(struct client *c, enum chat_type reply)
{
	client_send(c, reply, NULL, NULL, 0);
	if (!(c->flags & CLIENT_LOGGED_IN))
		client_close(c, 1, chat_type_name(reply));
}

static void
client_cmd_hello(struct client *c, struct chat_msg *m)
{
	char		name[CHAT_NAME_MAX * 4 + 8];
	size_t		len = strlen(m->name);
	enum chat_type	reply;

	if (!chat_name_valid(m->name, len, CHAT_NAME_MAX)) {
		chatd_log(0, "c%u: bad name \"%s\" from %s", c->id,
		    chatd_escape(name, sizeof name, m->name, len), c->addr);
		client_reject(c, CHAT_BAD_RQST_BODY);
		return;
	}
	if (server_login(c, m->name, &reply) == -1) {
		chatd_log(0, "c%u: login %s from %s: %s", c->id, m->name,
		    c->addr, chat_type_name(reply));
		client_reject(c, reply);
		return;
	}
	evtimer_del(c->timer);
	chatd_log(0, "c%u: login %s from %s", c->id, c->name, c->addr);
	client_send(c, CHAT_HELLO, c->name, NULL, 0);
}

static void
client_cmd_who(struct client *c, struct chat_msg *m)
{
	char	*list;
	size_t	 len = 0;

	c->dialect = chat_type_dialect(m->type);
	if ((list = server_names(&len)) == NULL) {
		client_close(c, 0, "out of memory");
		return;
	}
	client_send(c, m->type == CHAT_WHO ? CHAT_WHO_OK : CHAT_LIST_OK,
	    NULL, list, len);
	free(list);
}

static enum chat_type
client_unknown_reply(const struct client *c)
{
	enum chat_dialect	d = c->dialect;

	if (d == CHAT_DIALECT_UNKNOWN)
		d = chatd_conf.dialect;
	return d == CHAT_DIALECT_ORIGINAL ? CHAT_UNKNOWN : CHAT_BAD_DEST_USER;
}

/*
 * SEND: a reader too slow for the message is closed and the sender told
 * UNKNOWN, as it is no longer logged in. To itself or a bot: SEND-OK
 * first, so the answer follows it.
 */
static void
client_cmd_send(struct client *c, struct chat_msg *m)
{
	struct client	*to;

	if (m->text == NULL || m->text_len == 0) {
		client_send(c, CHAT_BAD_RQST_BODY, NULL, NULL, 0);
		return;
	}
	if ((to = server_find(m->name)) == NULL)
		client_send(c, client_unknown_reply(c), NULL, NULL, 0);
	else if (to == c || (to->flags & CLIENT_BOT)) {
		if (client_send(c, CHAT_SEND_OK, NULL, NULL, 0) == -1)
			return;
		if (to->flags & CLIENT_BOT)
			to->bot(to, c, m->text, m->text_len);
		else
			client_send(c, CHAT_DELIVERY, c->name, m->text,
			    m->text_len);
	} else if (client_send(to, CHAT_DELIVERY, c->name, m->text,
	    m->text_len) == -1)
		client_send(c, client_unknown_reply(c), NULL, NULL, 0);
	else
		client_send(c, CHAT_SEND_OK, NULL, NULL, 0);
}

/* Its own replies back up: read no more requests until they drain. */
static void
client_check_pause(struct client *c)
{
	if (c->flags & CLIENT_DEAD)
		return;
	if (client_queued(c) > chatd_conf.sendq_max / 2) {
		c->flags |= CLIENT_PAUSED;
		bufferevent_disable(c->bev, EV_READ);
	}
}

/* Bytes queued for c: written, held behind a bot's piece, or to come. */
size_t
client_queued(const struct client *c)
{
	if (c->bev == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    evbuffer_get_length(c->held) + c->bot_bytes;
}

/* Queue bytes for c; unless direct, behind an unfinished piece. */
static int
client_queue(struct client *c, const char *data, size_t len, int direct)
{
	if (c->flags & (CLIENT_DEAD | CLIENT_BOT))
		return -1;
	if (client_queued(c) + len > chatd_conf.sendq_max) {
		chatd_log(0, "c%u: %zu bytes queued, over --sendq-max",
		    c->id, client_queued(c) + len);
		client_close(c, 0, "sendq exceeded");
		return -1;
	}
	if (c->piece_owner != NULL && !direct)
		return evbuffer_add(c->held, data, len);
	return bufferevent_write(c->bev, data, len);
}

/*
 * Queue one message for c. Returns -1 if c is closed (or was closed by
 * this: its queue was full).
 */
int
client_send(struct client *c, enum chat_type type, const char *name,
    const char *text, size_t len)
{
	size_t	 n, want;
	char	*big;
	int	 r;

	want = chatd_conf.line_max + CHAT_NAME_MAX + 64;
	if (client_scratch == NULL) {
		if ((client_scratch = malloc(want)) == NULL)
			return -1;
		client_scratch_size = want;
	}
	n = chat_build(client_scratch, client_scratch_size, type, name, text,
	    len);
	if (n < client_scratch_size)
		return client_queue(c, client_scratch, n, 0);
	/* A user list can outgrow a line. */
	if ((big = malloc(n + 1)) == NULL)
		return -1;
	chat_build(big, n + 1, type, name, text, len);
	r = client_queue(c, big, n, 0);
	free(big);
	return r;
}

/*
 * Raw bytes from a writer (owner) that may leave a line unfinished; the
 * others' lines wait in c->held until it finishes. Returns 1 if another
 * owner's line is unfinished (try later), -1 if c is closed.
 */
int
client_piece(struct client *c, const void *owner, const char *data,
    size_t len)
{
	if (c->piece_owner != NULL && c->piece_owner != owner)
		return (c->flags & CLIENT_DEAD) ? -1 : 1;
	if (client_queue(c, data, len, 1) == -1)
		return -1;
	if (len > 0)
		c->piece_owner = data[len - 1] == '\n' ? NULL : owner;
	if (c->piece_owner == NULL && evbuffer_get_length(c->held) > 0)
		bufferevent_write_buffer(c->bev, c->held);
	return 0;
}
