/*
 * chatd's listener and tables: accepting connections, the names logged in
 * (login order, per source address), the connection limits. What one
 * connection says and hears is client.c's business.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <uthash.h>
#include <utlist.h>

#include "chatd.h"

#define SERVER_BACKLOG		128
#define SERVER_RETRY_SEC	1	/* listener pause when out of fds */
#define SERVER_HANDSHAKE_SLACK	64	/* connections beyond max-clients */

/* The logged-in clients of one source address, oldest first. */
struct server_host {
	char		 key[CHATD_ADDR_MAX];
	unsigned	 count;
	struct client	*clients;
	UT_hash_handle	 hh;
};

static struct evconnlistener	*listener;
static struct event		*listener_retry;
static struct client		*all;		/* every client not yet freed */
static struct client		*logins;	/* logged in, login order */
static struct client		*by_name;
static struct server_host	*hosts;
static unsigned			 n_conns;	/* sockets, logged in or not */
static unsigned			 n_users;	/* logged-in sockets */

static int	server_parse_bind(const char *, int, struct sockaddr_storage *,
		    socklen_t *);
static void	server_print_listening(void);
static void	server_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	server_accept_error(struct evconnlistener *, void *);
static void	server_resume(evutil_socket_t, short, void *);
static void	server_refuse(evutil_socket_t);
static void	server_nodelay(evutil_socket_t);
static void	server_host_add(struct client *);
static void	server_host_remove(struct client *);

static int
server_parse_bind(const char *addr, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[CHATD_ADDR_MAX];
	size_t			 n = strlen(addr);

	if (n >= sizeof host)
		return -1;
	/* "[::1]" as well as "::1" */
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		memcpy(host, addr + 1, n - 2);
		host[n - 2] = '\0';
	} else
		memcpy(host, addr, n + 1);
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof *sin6;
		return 0;
	}
	return -1;
}

/* The one line on stdout: scripts wait for it to learn the real port. */
static void
server_print_listening(void)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	char			 host[INET6_ADDRSTRLEN];
	int			 port;

	if (getsockname(evconnlistener_get_fd(listener),
	    (struct sockaddr *)&ss, &len) == -1) {
		chatd_log(0, "getsockname: %s", strerror(errno));
		return;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		port = ntohs(sin6->sin6_port);
		printf("listening on [%s]:%d\n", host, port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		port = ntohs(sin->sin_port);
		printf("listening on %s:%d\n", host, port);
	}
	fflush(stdout);
}

/* Bind and listen on --bind/--port; prints "listening on". */
int
server_listen(void)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	if (server_parse_bind(chatd_conf.bind, chatd_conf.port, &ss,
	    &len) == -1) {
		chatd_log(0, "--bind %s: not an IPv4 or IPv6 address",
		    chatd_conf.bind);
		return -1;
	}
	listener = evconnlistener_new_bind(chatd_base, server_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    SERVER_BACKLOG, (struct sockaddr *)&ss, (int)len);
	if (listener == NULL) {
		chatd_log(0, "cannot listen on %s port %d: %s", chatd_conf.bind,
		    chatd_conf.port, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(listener, server_accept_error);
	listener_retry = evtimer_new(chatd_base, server_resume, NULL);
	if (listener_retry == NULL) {
		chatd_log(0, "evtimer_new failed");
		return -1;
	}
	server_print_listening();
	return 0;
}

/* Past every limit: a BUSY line if the socket takes it, then closed. */
static void
server_refuse(evutil_socket_t fd)
{
	static const char	busy[] = "BUSY\n";
	ssize_t			n;

	n = send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
	evutil_closesocket(fd);
}

/*
 * Replies are small and each one answers a request: Nagle would hold one
 * back until the peer's delayed ACK (tens of ms on loopback, issue 9).
 */
static void
server_nodelay(evutil_socket_t fd)
{
	int	on = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
		chatd_log(0, "setsockopt TCP_NODELAY: %s", strerror(errno));
}

static void
server_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)arg;
	if (n_conns >= chatd_conf.max_clients + SERVER_HANDSHAKE_SLACK) {
		chatd_log(1, "refused a connection: %u open", n_conns);
		server_refuse(fd);
		return;
	}
	server_nodelay(fd);
	client_new(fd, sa, (socklen_t)salen);
}

/* Out of descriptors: accepting again at once would spin, so wait. */
static void
server_accept_error(struct evconnlistener *l, void *arg)
{
	struct timeval	tv = { SERVER_RETRY_SEC, 0 };
	int		err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM) {
		chatd_log(0, "accept: %s: not accepting for %d s",
		    strerror(err), SERVER_RETRY_SEC);
		evconnlistener_disable(l);
		evtimer_add(listener_retry, &tv);
	} else
		chatd_log(0, "accept: %s", strerror(err));
}

static void
server_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	evconnlistener_enable(listener);
}

/* Close the listener and free every client, bots included. */
void
server_shutdown(void)
{
	struct client	*c, *tmp;

	if (listener != NULL)
		evconnlistener_free(listener);
	listener = NULL;
	if (listener_retry != NULL)
		event_free(listener_retry);
	listener_retry = NULL;
	DL_FOREACH_SAFE(all, c, tmp)
		client_free(c);
	client_cleanup();
}

/* Track a new client (socket or bot) until client_free(). */
void
server_add(struct client *c)
{
	DL_APPEND(all, c);
	if (!(c->flags & CLIENT_BOT))
		n_conns++;
}

/* Forget a client that is being freed. */
void
server_unlink(struct client *c)
{
	DL_DELETE(all, c);
	if (!(c->flags & CLIENT_BOT))
		n_conns--;
}

/* The logged-in client called name, or NULL. */
struct client *
server_find(const char *name)
{
	struct client	*c = NULL;

	HASH_FIND_STR(by_name, name, c);
	return c;
}

static void
server_host_add(struct client *c)
{
	struct server_host	*h;

	HASH_FIND_STR(hosts, c->host, h);
	if (h == NULL) {
		if ((h = calloc(1, sizeof *h)) == NULL)
			abort();
		memcpy(h->key, c->host, sizeof h->key);
		HASH_ADD_STR(hosts, key, h);
	}
	DL_APPEND2(h->clients, c, aprev, anext);
	h->count++;
}

static void
server_host_remove(struct client *c)
{
	struct server_host	*h;

	HASH_FIND_STR(hosts, c->host, h);
	if (h == NULL)
		return;
	DL_DELETE2(h->clients, c, aprev, anext);
	if (--h->count == 0) {
		HASH_DEL(hosts, h);
		free(h);
	}
}

/*
 * Log c in as name. The per-address limit evicts that address's oldest
 * login silently, as the reference server does; --max-clients gives BUSY.
 */
int
server_login(struct client *c, const char *name, enum chat_type *reply)
{
	struct server_host	*h = NULL;
	struct client		*evict = NULL;

	if (server_find(name) != NULL) {
		*reply = CHAT_IN_USE;
		return -1;
	}
	if (!(c->flags & CLIENT_BOT)) {
		HASH_FIND_STR(hosts, c->host, h);
		if (chatd_conf.per_address > 0 && h != NULL &&
		    h->count >= chatd_conf.per_address)
			evict = h->clients;
		if (evict == NULL && n_users >= chatd_conf.max_clients) {
			*reply = CHAT_BUSY;
			return -1;
		}
		if (evict != NULL)
			client_close(evict, 0, "per-address limit");
		server_host_add(c);
		n_users++;
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	HASH_ADD_STR(by_name, name, c);
	DL_APPEND2(logins, c, lprev, lnext);
	c->flags |= CLIENT_LOGGED_IN;
	return 0;
}

/* Take c out of the name tables; nothing if it was not logged in. */
void
server_logout(struct client *c)
{
	if (!(c->flags & CLIENT_LOGGED_IN))
		return;
	c->flags &= ~CLIENT_LOGGED_IN;
	HASH_DEL(by_name, c);
	DL_DELETE2(logins, c, lprev, lnext);
	if (!(c->flags & CLIENT_BOT)) {
		server_host_remove(c);
		n_users--;
	}
}

char *
server_names(size_t *lenp)
{
	struct client	*c;
	size_t		 len = 0, n;
	char		*list, *p;

	DL_FOREACH2(logins, c, lnext)
		len += strlen(c->name) + 1;
	if ((list = malloc(len + 1)) == NULL)
		return NULL;
	p = list;
	DL_FOREACH2(logins, c, lnext) {
		if (p != list)
			*p++ = ',';
		n = strlen(c->name);
		memcpy(p, c->name, n);
		p += n;
	}
	*p = '\0';
	*lenp = (size_t)(p - list);
	return list;
}
