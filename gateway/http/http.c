/*
 * The HTTP listeners (http-listen, https-listen, metrics-listen) and the
 * route of a request: a file, the metrics or a WebSocket upgrade (which
 * takes the connection over). Connections are http_conn.c's.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>


#include "http/http.h"

enum http_kind { HTTP_WEB, HTTP_METRICS };

struct http_listener {
	struct evconnlistener	*ev;
	enum http_kind		 kind;
	int			 tls;
	struct http_listener	*next;
};

static struct http_listener	*http_listeners;

static int	 http_open(const char *, enum http_kind, int);
static int	 http_open_list(const char *, enum http_kind, int);
static void	 http_on_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	 http_route(struct http_conn *, const struct http_req *,
		    void *);

/* Listen on ADDR:PORT; prints "listening on ADDR:PORT (http)". */
static int
http_open(const char *spec, enum http_kind kind, int tls)
{
	struct sockaddr_storage	 ss;
	struct http_listener	*l;
	int			 sslen = sizeof ss;
	socklen_t		 len = sizeof ss;
	char			 host[HOST_MAX];
	unsigned		 port;
	const void		*a;

	if (listener_parse(spec, &ss, &sslen) == -1) {
		log_warnx("listen: \"%s\" is not ADDR:PORT", spec);
		return -1;
	}
	l = xcalloc(1, sizeof *l);
	l->kind = kind;
	l->tls = tls;
	l->ev = evconnlistener_new_bind(ev_base, http_on_accept, l,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    511, (struct sockaddr *)&ss, sslen);
	if (l->ev == NULL) {
		log_warn("listen on %s", spec);
		free(l);
		return -1;
	}
	l->next = http_listeners;
	http_listeners = l;
	getsockname(evconnlistener_get_fd(l->ev), (struct sockaddr *)&ss,
	    &len);
	a = ss.ss_family == AF_INET6 ?
	    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
	    (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
	if (inet_ntop(ss.ss_family, a, host, sizeof host) == NULL)
		snprintf(host, sizeof host, "unknown");
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	printf(ss.ss_family == AF_INET6 ? "listening on [%s]:%u (%s)\n" :
	    "listening on %s:%u (%s)\n", host, port, kind == HTTP_METRICS ?
	    "metrics" : tls ? "https" : "http");
	fflush(stdout);
	return 0;
}

static int
http_open_list(const char *list, enum http_kind kind, int tls)
{
	char	*copy, *p, *spec, *save = NULL;
	int	 rc = 0;

	if (list == NULL)
		return 0;
	copy = xstrdup(list);
	for (p = copy; rc == 0 && (spec = strtok_r(p, ",", &save)) != NULL;
	    p = NULL)
		if (strcmp(spec, "none") != 0)
			rc = http_open(spec, kind, tls);
	free(copy);
	return rc;
}

/*
 * Every http-listen, https-listen and metrics-listen address is well
 * formed and, beyond loopback, authenticated or --insecure-listen; before
 * the start line, as listener_check_all(), so a refusal is alone.
 */
int
http_check(void)
{
	if ((conf.http_listen != NULL &&
	    listener_check("http-listen", conf.http_listen) == -1) ||
	    (conf.https_listen != NULL &&
	    listener_check("https-listen", conf.https_listen) == -1) ||
	    (conf.metrics_listen != NULL &&
	    listener_check("metrics-listen", conf.metrics_listen) == -1))
		return -1;
	return 0;
}

/* Open what http_check() accepted; -1 after saying why. */
int
http_start(void)
{
	if ((conf.http_listen != NULL || conf.https_listen != NULL) &&
	    http_file_init() == -1)
		return -1;
	if (http_open_list(conf.http_listen, HTTP_WEB, 0) == -1 ||
	    http_open_list(conf.https_listen, HTTP_WEB, 1) == -1 ||
	    http_open_list(conf.metrics_listen, HTTP_METRICS, 0) == -1)
		return -1;
	return 0;
}

/*
 * Close the listeners and the requests under way (shutdown); WebSocket
 * sessions close as sessions do, and their sockets with them.
 */
void
http_stop(void)
{
	struct http_listener	*l;

	while ((l = http_listeners) != NULL) {
		http_listeners = l->next;
		evconnlistener_free(l->ev);
		free(l);
	}
	http_conn_free_all();
}

/* Free everything left (after the loop ended). */
void
http_free(void)
{
	http_stop();
	http_ws_close_all();
	http_file_free();
}

static void
http_on_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct http_listener	*l = arg;
	struct bufferevent	*bev;
	char			 host[HOST_MAX];
	const void		*a;
	int			 one = 1;

	(void)evl;
	(void)salen;
	if (http_conn_count() >= (unsigned)conf.max_clients) {
		log_warnx("http: refused a client: %u requests under way "
		    "(max-clients)", http_conn_count());
		evutil_closesocket(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		log_debug("TCP_NODELAY: %s", strerror(errno));
	a = sa->sa_family == AF_INET6 ?
	    (const void *)&((struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, host, sizeof host) == NULL)
		snprintf(host, sizeof host, "unknown");
	if (l->tls)
		bev = listener_tls_bev(fd);	/* closes fd on failure */
	else if ((bev = bufferevent_socket_new(ev_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		evutil_closesocket(fd);
	if (bev != NULL)
		http_conn_new(bev, host, http_route, l);
}

static void
http_route(struct http_conn *c, const struct http_req *r, void *arg)
{
	struct http_listener	*l = arg;
	char			 path[HTTP_TARGET_MAX];
	int			 get = strcmp(r->method, "GET") == 0;

	if (!get && strcmp(r->method, "HEAD") != 0) {
		http_conn_refuse(c, 405, "only GET and HEAD");
		return;
	}
	if (http_path(r->target, path, sizeof path) == -1) {
		http_conn_refuse(c, 404, "no such file");
		return;
	}
	if (l->kind == HTTP_METRICS) {
		if (strcmp(path, "/metrics") == 0)
			http_metrics_serve(c);
		else
			http_conn_refuse(c, 404, "only /metrics here");
	} else if (strcmp(path, "/socket") == 0 && get)
		http_ws_upgrade(c, r);
	else
		http_file_serve(c, path);
}

