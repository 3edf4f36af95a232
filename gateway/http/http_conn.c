/*
 * One HTTP client until its request is answered: a bounded head read
 * within http-timeout, handed to its listener's route, then the answer
 * written and the connection closed (one request per connection).
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "http/http.h"
#include "utlist.h"

struct http_conn {
	struct bufferevent	*bev;
	struct event		*timer;
	http_route_fn		*route;
	void			*arg;
	int			 done;		/* reply queued */
	int			 head;		/* HEAD: no body */
	char			 host[HOST_MAX];
	struct http_conn	*prev, *next;
};

static struct http_conn		*http_conns;
static unsigned			 http_nconns;

static const char *http_status_text(int);
static void	 http_conn_error(struct http_conn *, int, const char *,
		    const char *);
static void	 http_conn_on_read(struct bufferevent *, void *);
static void	 http_conn_on_write(struct bufferevent *, void *);
static void	 http_conn_on_event(struct bufferevent *, short, void *);
static void	 http_conn_on_timer(evutil_socket_t, short, void *);

/* A client on bev (the conn owns it) from host; route gets its request. */
struct http_conn *
http_conn_new(struct bufferevent *bev, const char *host,
    http_route_fn *route, void *arg)
{
	struct http_conn	*c;
	struct timeval		 tv = { conf.http_timeout, 0 };

	c = xcalloc(1, sizeof *c);
	c->bev = bev;
	c->route = route;
	c->arg = arg;
	snprintf(c->host, sizeof c->host, "%s", host);
	c->timer = event_new(ev_base, -1, 0, http_conn_on_timer, c);
	DL_APPEND(http_conns, c);
	http_nconns++;
	bufferevent_setcb(bev, http_conn_on_read, http_conn_on_write,
	    http_conn_on_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	event_add(c->timer, &tv);
	return c;
}

/* Requests under way (not WebSocket sessions). */
unsigned
http_conn_count(void)
{
	return http_nconns;
}

/* Free every request under way (shutdown). */
void
http_conn_free_all(void)
{
	while (http_conns != NULL)
		http_conn_free(http_conns);
}

static const char *
http_status_text(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* Free c and its connection now. */
void
http_conn_free(struct http_conn *c)
{
	DL_DELETE(http_conns, c);
	http_nconns--;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	event_free(c->timer);
	free(c);
}

/* The connection, taken over (a WebSocket): c is freed, not the bev. */
struct bufferevent *
http_conn_take(struct http_conn *c)
{
	struct bufferevent	*bev = c->bev;

	c->bev = NULL;
	http_conn_free(c);
	return bev;
}

const char *
http_conn_host(struct http_conn *c)
{
	return c->host;
}

/* The status line and the fields every answer has. */
void
http_conn_head(struct http_conn *c, int status, const char *type,
    size_t len, const char *extra)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nServer: chatircd\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n"
	    "Connection: close\r\n%s\r\n", status, http_status_text(status),
	    type, len, extra != NULL ? extra : "");
}

/* The head is out; body bytes follow unless HEAD asked. */
void
http_conn_body(struct http_conn *c, const void *body, size_t len)
{
	if (!c->head)
		evbuffer_add(bufferevent_get_output(c->bev), body, len);
}

/* Everything is queued: close once it is written. */
void
http_conn_done(struct http_conn *c)
{
	c->done = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

/* A whole short answer; errors say why in their text body. */
void
http_conn_reply(struct http_conn *c, int status, const char *type,
    const char *extra, const char *body, size_t len)
{
	log_debug("http %s: %d %s", c->host, status,
	    http_status_text(status));
	http_conn_head(c, status, type, len, extra);
	http_conn_body(c, body, len);
	http_conn_done(c);
}

static void
http_conn_error(struct http_conn *c, int status, const char *why,
    const char *extra)
{
	char	body[256];
	int	n;

	n = snprintf(body, sizeof body, "%d %s: %s\n", status,
	    http_status_text(status), why);
	if (n < 0 || (size_t)n >= sizeof body)
		n = (int)sizeof body - 1;
	http_conn_reply(c, status, "text/plain; charset=utf-8", extra, body,
	    (size_t)n);
}

/* Refuse with status and why (a plain-text body). */
void
http_conn_refuse(struct http_conn *c, int status, const char *why)
{
	http_conn_error(c, status, why, NULL);
}

static void
http_conn_on_read(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct http_req		 r;
	size_t			 len, used = 0;
	const char		*why, *p;

	if (c->done) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	len = evbuffer_get_length(in);
	if (len > HTTP_HEADER_MAX)
		len = HTTP_HEADER_MAX;
	p = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
	switch (http_req_parse(&r, p, len, &used, &why)) {
	case HTTP_PARSE_MORE:
		return;
	case HTTP_PARSE_TOO_BIG:
		http_conn_refuse(c, 431, why);
		return;
	case HTTP_PARSE_BAD:
		log_debug("http %s: bad request: %s", c->host, why);
		http_conn_refuse(c, 400, why);
		return;
	case HTTP_PARSE_OK:
		break;
	}
	evbuffer_drain(in, used);
	event_del(c->timer);
	counters.http_requests++;
	c->head = strcmp(r.method, "HEAD") == 0;
	c->route(c, &r, c->arg);
}

/*
 * The answer is written: send FIN and read until the client closes
 * (closing with unread input would reset the connection and lose the
 * answer, RFC 1122 4.2.2.13); the timer still bounds it.
 */
static void
http_conn_on_write(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;
	struct timeval		 tv = { 2, 0 };
	int			 fd = bufferevent_getfd(bev);

	if (!c->done || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (c->done == 2 || fd == -1 ||
	    bufferevent_openssl_get_ssl(bev) != NULL ||
	    shutdown(fd, SHUT_WR) == -1) {
		http_conn_free(c);
		return;
	}
	c->done = 2;
	bufferevent_enable(bev, EV_READ);
	event_del(c->timer);
	event_add(c->timer, &tv);
}

static void
http_conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		http_conn_free(arg);
}

/* http-timeout: a client that never finished its request. */
static void
http_conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn	*c = arg;

	(void)fd;
	(void)what;
	if (c->done) {
		http_conn_free(c);
		return;
	}
	log_info("http %s: no complete request in %lld s (http-timeout)",
	    c->host, conf.http_timeout);
	http_conn_refuse(c, 408, "no complete request in time "
	    "(http-timeout)");
}
