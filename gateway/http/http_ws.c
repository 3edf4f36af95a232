/*
 * IRCv3 WebSocket (ircv3.net/specs/extensions/websocket) at /socket: the
 * upgrade (RFC 6455 4.2, SHA-1 and base64 from OpenSSL), then libwslay
 * frames between the client's socket and one end of a bufferevent pair
 * whose other end is an ordinary session: every bound of session.c
 * (line length, sendq, registration, per-address) applies unchanged.
 * One IRC line per message; text messages are always valid UTF-8.
 */
#include <sys/socket.h>

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include <openssl/evp.h>

#include <wslay/wslay.h>

#include "http/http.h"
#include "utf8.h"
#include "utlist.h"

/* RFC 6455 1.3 */
#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_HELD		(16 * 1024)	/* to the session: pause */
#define WS_OUT_HIGH	(64 * 1024)	/* to the client, then pause */
#define WS_LINGER	5		/* seconds to get our close out */

#define WS_PAIR_GONE	0x01		/* the session let go */
#define WS_ENDING	0x02		/* close sent or received */
#define WS_IN_FULL	0x04		/* client input paused */
#define WS_HALF		0x08		/* FIN sent, read to EOF */

enum ws_mode { WS_AUTO, WS_BINARY, WS_TEXT };

struct http_ws {
	struct bufferevent	*sock;		/* the client's */
	struct bufferevent	*pair;		/* our end of a pair */
	wslay_event_context_ptr	 ctx;
	struct event		*timer;
	enum ws_mode		 mode;
	int			 last_op;	/* client's, for WS_AUTO */
	int			 flags;
	int			 close_code;	/* queued after ERROR */
	char			 close_why[124];	/* 6455 5.5 */
	struct http_ws		*prev, *next;
};

static struct http_ws	*http_ws_all;
static char		 ws_scratch[3 * (IRC_TAGS_MAX + IRC_LINE_MAX + 8)];

static int	 ws_key_ok(const char *);
static int	 ws_origin_ok(const struct http_req *);
static enum ws_mode ws_choose(const char *, const char **);
static void	 ws_accept_key(const char *, char *);
static struct http_ws *ws_new(struct bufferevent *, enum ws_mode);
static void	 ws_free(struct http_ws *);
static void	 ws_end(struct http_ws *, int, const char *);
static void	 ws_flush(struct http_ws *);
static void	 ws_send_line(struct http_ws *, const char *, size_t);
static void	 ws_take_line(struct http_ws *, const uint8_t *, size_t);
static ssize_t	 ws_on_recv(wslay_event_context_ptr, uint8_t *, size_t,
		    int, void *);
static ssize_t	 ws_on_send(wslay_event_context_ptr, const uint8_t *,
		    size_t, int, void *);
static void	 ws_on_msg(wslay_event_context_ptr,
		    const struct wslay_event_on_msg_recv_arg *, void *);
static void	 ws_on_sock_read(struct bufferevent *, void *);
static void	 ws_on_sock_write(struct bufferevent *, void *);
static void	 ws_on_sock_event(struct bufferevent *, short, void *);
static void	 ws_on_pair_read(struct bufferevent *, void *);
static void	 ws_on_pair_write(struct bufferevent *, void *);
static void	 ws_on_pair_event(struct bufferevent *, short, void *);
static void	 ws_on_timer(evutil_socket_t, short, void *);

static const struct wslay_event_callbacks ws_callbacks = {
	ws_on_recv, ws_on_send, NULL, NULL, NULL, NULL, ws_on_msg
};

/* RFC 6455 4.1: base64 of 16 bytes. */
static int
ws_key_ok(const char *key)
{
	unsigned char	raw[32];

	return strlen(key) == 24 && strcmp(key + 22, "==") == 0 &&
	    EVP_DecodeBlock(raw, (const unsigned char *)key, 24) == 18;
}

/*
 * A browser says where its page came from: this host, or one an
 * http-origin glob names (matched against the whole Origin and its host).
 * No Origin: not a browser, nothing to check.
 */
static int
ws_origin_ok(const struct http_req *r)
{
	char	oh[HTTP_FIELD_MAX], hh[HTTP_FIELD_MAX], *copy, *p, *pat;
	char	*save = NULL;
	int	ok = 0;

	if (r->origin[0] == '\0')
		return 1;
	if (http_origin_host(r->origin, oh, sizeof oh) == -1)
		oh[0] = '\0';
	if (oh[0] != '\0' && http_host_only(r->host, hh, sizeof hh) == 0 &&
	    strcmp(oh, hh) == 0)
		return 1;
	if (conf.http_origin == NULL)
		return 0;
	copy = xstrdup(conf.http_origin);
	for (p = copy; !ok && (pat = strtok_r(p, ",", &save)) != NULL;
	    p = NULL)
		ok = fnmatch(pat, r->origin, FNM_CASEFOLD) == 0 ||
		    (oh[0] != '\0' && fnmatch(pat, oh, FNM_CASEFOLD) == 0);
	free(copy);
	return ok;
}

/* The first subprotocol of the client's list we speak (else none). */
static enum ws_mode
ws_choose(const char *list, const char **name)
{
	const char	*p = list;
	size_t		 n;

	*name = NULL;
	while (*p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 16 && strncmp(p, "binary.ircv3.net", n) == 0) {
			*name = "binary.ircv3.net";
			return WS_BINARY;
		}
		if (n == 14 && strncmp(p, "text.ircv3.net", n) == 0) {
			*name = "text.ircv3.net";
			return WS_TEXT;
		}
		p += n;
	}
	return WS_AUTO;
}

/* Sec-WebSocket-Accept: base64(SHA-1(key GUID)); out holds 29 bytes. */
static void
ws_accept_key(const char *key, char *out)
{
	char		 in[24 + sizeof WS_GUID];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	snprintf(in, sizeof in, "%s%s", key, WS_GUID);
	EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

/* Answer the upgrade at /socket: 101 and a session, or why not. */
void
http_ws_upgrade(struct http_conn *c, const struct http_req *r)
{
	struct bufferevent	*bev, *ends[2];
	struct http_ws		*ws;
	char			 accept[32], host[HOST_MAX], why[128];
	const char		*proto;
	enum ws_mode		 mode;

	if (!http_token_has(r->upgrade, "websocket") ||
	    !http_token_has(r->connection, "upgrade")) {
		http_conn_refuse(c, 426, "/socket is IRC over WebSocket: "
		    "send Upgrade: websocket");
		return;
	}
	if (strcmp(r->ws_version, "13") != 0) {
		http_conn_head(c, 426, "text/plain", 0,
		    "Sec-WebSocket-Version: 13\r\n");
		http_conn_done(c);
		return;
	}
	if (!ws_key_ok(r->ws_key)) {
		http_conn_refuse(c, 400, "bad Sec-WebSocket-Key");
		return;
	}
	if (!ws_origin_ok(r)) {
		log_info("http %s: WebSocket refused: Origin %s is not this "
		    "host (http-origin)", http_conn_host(c),
		    log_escape(r->origin, strlen(r->origin)));
		http_conn_refuse(c, 403, "this Origin may not connect "
		    "(http-origin)");
		return;
	}
	mode = ws_choose(r->ws_protocol, &proto);
	ws_accept_key(r->ws_key, accept);
	snprintf(host, sizeof host, "%s", http_conn_host(c));
	bev = http_conn_take(c);
	evbuffer_add_printf(bufferevent_get_output(bev), "HTTP/1.1 101 "
	    "Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
	    "Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s\r\n", accept,
	    proto != NULL ? "Sec-WebSocket-Protocol: " : "",
	    proto != NULL ? proto : "", proto != NULL ? "\r\n" : "");
	if ((ws = ws_new(bev, mode)) == NULL)
		return;
	why[0] = '\0';
	if (session_count() >= (unsigned)conf.max_clients)
		snprintf(why, sizeof why, "Server full: %lld clients "
		    "(max-clients)", conf.max_clients);
	else if (session_addr_acquire(host) == -1)
		snprintf(why, sizeof why, "Too many connections from your "
		    "address: %lld (per-address)", conf.per_address);
	else if (bufferevent_pair_new(ev_base, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS, ends) == -1) {
		session_addr_release(host);
		snprintf(why, sizeof why, "Out of memory");
	}
	if (why[0] != '\0') {
		log_warnx("refused %s (WebSocket): %s", host, why);
		ws->flags |= WS_PAIR_GONE;
		ws_end(ws, 1008, why);
		ws_flush(ws);
		return;
	}
	ws->pair = ends[1];
	bufferevent_setcb(ws->pair, ws_on_pair_read, ws_on_pair_write,
	    ws_on_pair_event, ws);
	bufferevent_setwatermark(ws->pair, EV_READ, 0, WS_OUT_HIGH);
	bufferevent_enable(ws->pair, EV_READ | EV_WRITE);
	counters.ws_sessions++;
	session_new(ends[0], host)->flags |= SESSION_WEBSOCKET;
	ws_on_sock_read(ws->sock, ws);	/* frames sent with the upgrade */
}

/* The WebSocket on bev (101 queued); NULL with bev freed. */
static struct http_ws *
ws_new(struct bufferevent *bev, enum ws_mode mode)
{
	struct http_ws	*ws;

	ws = xcalloc(1, sizeof *ws);
	ws->sock = bev;
	ws->mode = mode;
	ws->last_op = WSLAY_TEXT_FRAME;
	if (wslay_event_context_server_init(&ws->ctx, &ws_callbacks, ws)
	    != 0) {
		bufferevent_free(bev);
		free(ws);
		return NULL;
	}
	/* one IRC line with its tags (and a CR LF a client may add) */
	wslay_event_config_set_max_recv_msg_length(ws->ctx,
	    (uint64_t)conf.irc_line_max + IRC_TAGS_MAX + 1);
	ws->timer = event_new(ev_base, -1, 0, ws_on_timer, ws);
	bufferevent_setcb(bev, ws_on_sock_read, ws_on_sock_write,
	    ws_on_sock_event, ws);
	bufferevent_setwatermark(bev, EV_READ, 0, WS_OUT_HIGH);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	DL_APPEND(http_ws_all, ws);
	return ws;
}

/* Free ws now; a session still on the pair hears EOF. */
static void
ws_free(struct http_ws *ws)
{
	DL_DELETE(http_ws_all, ws);
	if (ws->pair != NULL) {
		counters.ws_sessions--;
		bufferevent_flush(ws->pair, EV_WRITE, BEV_FINISHED);
		bufferevent_free(ws->pair);
	}
	bufferevent_free(ws->sock);
	wslay_event_context_free(ws->ctx);
	event_free(ws->timer);
	free(ws);
}

/* Every WebSocket, now (shutdown, after the sessions went). */
void
http_ws_close_all(void)
{
	while (http_ws_all != NULL)
		ws_free(http_ws_all);
}

/*
 * Start closing: a last ERROR line if why, then a close frame with code
 * (and why, cut to RFC 6455 5.5's 123 bytes). Queued only: ws_flush()
 * sends the close after the ERROR (wslay sends control frames first),
 * and this may run inside wslay's own callback.
 */
static void
ws_end(struct http_ws *ws, int code, const char *why)
{
	struct timeval	 tv = { WS_LINGER, 0 };
	char		 line[192];
	int		 len;

	if (ws->flags & WS_ENDING)
		return;
	if (why != NULL) {
		len = snprintf(line, sizeof line, "ERROR :Closing link: %s",
		    why);
		if (len > 0 && (size_t)len < sizeof line)
			ws_send_line(ws, line, (size_t)len);
		memcpy(ws->close_why, why, utf8_cut(why, strlen(why),
		    sizeof ws->close_why - 1));
	}
	ws->close_code = code;
	ws->flags |= WS_ENDING;
	event_add(ws->timer, &tv);
}

/* Frames out; once the close is out and written, finish. */
static void
ws_flush(struct http_ws *ws)
{
	struct timeval	tv = { WS_LINGER, 0 };

	if (wslay_event_send(ws->ctx) != 0) {
		ws_free(ws);
		return;
	}
	if (ws->close_code != 0) {
		wslay_event_queue_close(ws->ctx, (uint16_t)ws->close_code,
		    (const uint8_t *)ws->close_why, strlen(ws->close_why));
		ws->close_code = 0;
		if (wslay_event_send(ws->ctx) != 0) {
			ws_free(ws);
			return;
		}
	}
	if (wslay_event_want_read(ws->ctx) || wslay_event_want_write(ws->ctx))
		return;
	ws->flags |= WS_ENDING;
	if (!evtimer_pending(ws->timer, NULL))
		event_add(ws->timer, &tv);
	if (ws->pair != NULL && !(ws->flags & WS_PAIR_GONE)) {
		/* the client closed: its session ends like a TCP one */
		ws->flags |= WS_PAIR_GONE;
		bufferevent_flush(ws->pair, EV_WRITE, BEV_FINISHED);
	}
	if (evbuffer_get_length(bufferevent_get_output(ws->sock)) == 0)
		ws_on_sock_write(ws->sock, ws);
}

/* One line from the session (no CR LF) as one message. */
static void
ws_send_line(struct http_ws *ws, const char *line, size_t len)
{
	struct wslay_event_msg	 m;
	int			 op = ws->mode == WS_BINARY ?
				    WSLAY_BINARY_FRAME : ws->mode == WS_TEXT ?
				    WSLAY_TEXT_FRAME : ws->last_op;

	m.opcode = (uint8_t)op;
	m.msg = (const uint8_t *)line;
	m.msg_length = len;
	if (op == WSLAY_TEXT_FRAME && !utf8_valid(line, len)) {
		m.msg_length = http_ws_utf8_fix(line, len, ws_scratch,
		    sizeof ws_scratch);
		m.msg = (const uint8_t *)ws_scratch;
	}
	if (wslay_event_queue_msg(ws->ctx, &m) != 0)
		log_debug("http: WebSocket message not queued");
}

/*
 * Valid UTF-8 of s: each invalid byte becomes U+FFFD (WHATWG's
 * "replacement" decoding, one per byte). Returns the bytes written.
 */
size_t
http_ws_utf8_fix(const char *s, size_t len, char *out, size_t size)
{
	size_t	i = 0, o = 0, n;

	while (i < len && o + 4 <= size) {
		n = utf8_char_len(s + i, len - i);
		if (n == 1 && (unsigned char)s[i] >= 0x80)
			n = 0;
		else if (n > 1 && !utf8_valid(s + i, n))
			n = 0;
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	return o;
}

/* One message from the client: one IRC line for the session. */
static void
ws_take_line(struct http_ws *ws, const uint8_t *msg, size_t len)
{
	struct evbuffer	*out;

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	/* an empty message (msg may be NULL) is an empty line: ignored */
	if (len == 0 || (ws->flags & (WS_PAIR_GONE | WS_ENDING)))
		return;
	if (memchr(msg, '\n', len) != NULL || memchr(msg, '\r', len) !=
	    NULL) {
		ws_end(ws, 1007, "one IRC line per WebSocket message");
		return;
	}
	out = bufferevent_get_output(ws->pair);
	/* one add: each one moves data across the pair */
	if (len + 2 <= sizeof ws_scratch) {
		memcpy(ws_scratch, msg, len);
		memcpy(ws_scratch + len, "\r\n", 2);
		evbuffer_add(out, ws_scratch, len + 2);
	} else {
		evbuffer_add(out, msg, len);
		evbuffer_add(out, "\r\n", 2);
	}
	if (evbuffer_get_length(out) > WS_HELD)
		ws->flags |= WS_IN_FULL;	/* the session is busy */
}

static ssize_t
ws_on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    int flags, void *arg)
{
	struct http_ws	*ws = arg;
	size_t		 n;

	(void)flags;
	if (ws->flags & WS_IN_FULL) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	n = evbuffer_remove(bufferevent_get_input(ws->sock), buf, len);
	if (n == 0 || n == (size_t)-1) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return (ssize_t)n;
}

static ssize_t
ws_on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct http_ws	*ws = arg;

	(void)ctx;
	(void)flags;
	evbuffer_add(bufferevent_get_output(ws->sock), data, len);
	return (ssize_t)len;
}

static void
ws_on_msg(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct http_ws	*ws = user;

	(void)ctx;
	if (arg->opcode != WSLAY_TEXT_FRAME &&
	    arg->opcode != WSLAY_BINARY_FRAME)
		return;		/* ping, pong and close are wslay's */
	ws->last_op = arg->opcode;
	ws_take_line(ws, arg->msg, arg->msg_length);
}

static void
ws_on_sock_read(struct bufferevent *bev, void *arg)
{
	struct http_ws	*ws = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (ws->flags & WS_HALF) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (wslay_event_recv(ws->ctx) != 0) {
		ws_free(ws);
		return;
	}
	ws_flush(ws);
}

/*
 * Output drained: more of the session's lines may go; after the close,
 * FIN and read to EOF (a reset could lose the close frame).
 */
static void
ws_on_sock_write(struct bufferevent *bev, void *arg)
{
	struct http_ws	*ws = arg;
	int		 fd = bufferevent_getfd(bev);

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (!(ws->flags & WS_ENDING) || wslay_event_want_write(ws->ctx)) {
		if (ws->pair != NULL)
			ws_on_pair_read(ws->pair, ws);
		return;
	}
	if (ws->flags & WS_HALF)
		return;
	if (bufferevent_openssl_get_ssl(bev) != NULL ||
	    shutdown(fd, SHUT_WR) == -1) {
		ws_free(ws);
		return;
	}
	ws->flags |= WS_HALF;
}

static void
ws_on_sock_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ws_free(arg);
}

/*
 * The session's lines: one message each, while the client keeps up; the
 * frames go out once per batch (WS_OUT_HIGH bytes of lines at most).
 */
static void
ws_on_pair_read(struct bufferevent *bev, void *arg)
{
	struct http_ws		*ws = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer		*out = bufferevent_get_output(ws->sock);
	struct evbuffer_ptr	 eol;
	size_t			 eol_len, batch = 0;
	char			*line;

	while (!(ws->flags & WS_ENDING) &&
	    evbuffer_get_length(out) + batch < WS_OUT_HIGH) {
		eol = evbuffer_search_eol(in, NULL, &eol_len,
		    EVBUFFER_EOL_CRLF);
		if (eol.pos < 0)
			break;
		line = (char *)evbuffer_pullup(in,
		    eol.pos + (ev_ssize_t)eol_len);
		ws_send_line(ws, line, (size_t)eol.pos);
		evbuffer_drain(in, (size_t)eol.pos + eol_len);
		batch += (size_t)eol.pos + 4;
	}
	if (batch > 0 && wslay_event_send(ws->ctx) != 0)
		log_debug("http: WebSocket frames not sent");
}

/* The session took our lines: read the client again. */
static void
ws_on_pair_write(struct bufferevent *bev, void *arg)
{
	struct http_ws	*ws = arg;

	(void)bev;
	if (!(ws->flags & WS_IN_FULL))
		return;
	ws->flags &= ~WS_IN_FULL;
	ws_on_sock_read(ws->sock, ws);
}

/* The session is gone (reaped): its last lines, then a close frame. */
static void
ws_on_pair_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_ws	*ws = arg;

	(void)what;
	if (ws->flags & WS_PAIR_GONE)
		return;
	ws_on_pair_read(bev, ws);
	ws->flags |= WS_PAIR_GONE;
	ws_end(ws, WSLAY_CODE_NORMAL_CLOSURE, NULL);
	ws_flush(ws);
}

static void
ws_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ws_free(arg);
}
