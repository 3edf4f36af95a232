/*
 * The IRC listening sockets, plain (--listen) and TLS (--tls-listen, its
 * certificate reread on SIGHUP): accept clients, refuse them in plain
 * words past max-clients or per-address, and survive running out of file
 * descriptors without spinning. Sessions themselves are session.c's.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "irc/session.h"

struct listener {
	struct evconnlistener	*ev;
	int			 tls;
	unsigned		 port;
	struct listener		*next;
};

static struct listener		*listeners;	/* in the order given */
static SSL_CTX			*tls_ctx;	/* for new connections */
static int			 reserve_fd = -1;
static struct event		*resume_ev;

static void	listener_on_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	listener_on_error(struct evconnlistener *, void *);
static void	listener_on_resume(evutil_socket_t, short, void *);
static void	listener_refuse(int, const char *);
static void	listener_host(const struct sockaddr *, char *, size_t);
static int	listener_loopback(const struct sockaddr_storage *);
static int	listener_open(const char *, int);
static SSL_CTX	*listener_tls_ctx(char *, size_t);
static struct bufferevent *listener_bev(struct listener *, int);

/* Numeric ADDR:PORT or [ADDR6]:PORT; port 0 is allowed (any free). */
int
listener_parse(const char *spec, struct sockaddr_storage *ss, int *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	const char		*colon = strrchr(spec, ':');
	char			 host[HOST_MAX], *end;
	size_t			 hlen;
	long			 port;

	memset(ss, 0, sizeof *ss);
	if (colon == NULL)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
		return -1;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[' && hlen > 2 && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof host)
		return -1;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		*len = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		*len = sizeof *sin6;
	} else
		return -1;
	return 0;
}

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int
listener_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
	    sin6->sin6_addr.s6_addr[12] == 127;
}

/*
 * Each address of a list option (ADDR:PORT[,ADDR:PORT...]) is well
 * formed; one beyond loopback needs a way to authenticate clients
 * (http/ checks its options here too).
 */
int
listener_check(const char *opt, const char *list)
{
	struct sockaddr_storage	 ss;
	char			*copy, *p, *spec, *save = NULL;
	int			 len, rc = 0;

	copy = xstrdup(list);
	for (p = copy; rc == 0 && (spec = strtok_r(p, ",", &save)) != NULL;
	    p = NULL) {
		if (strcmp(spec, "none") == 0)
			continue;
		if (listener_parse(spec, &ss, &len) == -1) {
			log_warnx("%s: \"%s\" is not ADDR:PORT", opt, spec);
			rc = -1;
		} else if (listener_loopback(&ss) || auth_configured())
			continue;
		else if (!conf.insecure_listen) {
			log_warnx("%s %s is not a loopback address: anyone "
			    "could log in; give --password-file FILE (clients "
			    "then send PASS), or --insecure-listen to allow "
			    "it without authentication", opt, spec);
			rc = -1;
		} else
			log_warnx("%s %s is not a loopback address and has no "
			    "authentication (--insecure-listen): anyone who "
			    "can reach it can log in", opt, spec);
	}
	free(copy);
	return rc;
}

/* Open and listen on ADDR:PORT; prints "listening on" once it works. */
static int
listener_open(const char *spec, int tls)
{
	struct sockaddr_storage	 ss;
	struct listener		*l, **tail;
	int			 sslen = sizeof ss;
	char			 host[HOST_MAX], out[HOST_MAX + 16];
	socklen_t		 len = sizeof ss;

	if (listener_parse(spec, &ss, &sslen) == -1) {
		log_warnx("listen: \"%s\" is not ADDR:PORT", spec);
		return -1;
	}
	l = xcalloc(1, sizeof *l);
	l->tls = tls;
	l->ev = evconnlistener_new_bind(ev_base, listener_on_accept, l,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    511, (struct sockaddr *)&ss, sslen);
	if (l->ev == NULL) {
		log_warn("listen on %s", spec);
		free(l);
		return -1;
	}
	evconnlistener_set_error_cb(l->ev, listener_on_error);
	for (tail = &listeners; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = l;
	getsockname(evconnlistener_get_fd(l->ev), (struct sockaddr *)&ss,
	    &len);
	listener_host((struct sockaddr *)&ss, host, sizeof host);
	l->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	snprintf(out, sizeof out, ss.ss_family == AF_INET6 ? "[%s]:%u" :
	    "%s:%u", host, l->port);
	printf("listening on %s%s\n", out, tls ? " (tls)" : "");
	fflush(stdout);
	log_debug("listening on %s%s", out, tls ? " (tls)" : "");
	return 0;
}

/*
 * A TLS context from tls-cert and tls-key: TLS 1.2 and later. NULL with
 * OpenSSL's reason in why.
 */
static SSL_CTX *
listener_tls_ctx(char *why, size_t size)
{
	SSL_CTX		*ctx;
	const char	*step = "SSL_CTX_new";

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	step = "TLS 1.2";
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	step = conf.tls_cert;
	if (SSL_CTX_use_certificate_chain_file(ctx, conf.tls_cert) != 1)
		goto fail;
	step = conf.tls_key;
	if (SSL_CTX_use_PrivateKey_file(ctx, conf.tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	return ctx;
fail:
	snprintf(why, size, "%s: ", step);
	ERR_error_string_n(ERR_peek_last_error(), why + strlen(why),
	    size - strlen(why));
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * Every listen and tls-listen address is well formed and, beyond
 * loopback, authenticated or --insecure-listen (one warning each then);
 * before the start line, so a refused start logs the refusal only.
 */
int
listener_check_all(void)
{
	if (listener_check("listen", conf.listen) == -1 ||
	    (conf.tls_listen != NULL &&
	    listener_check("tls-listen", conf.tls_listen) == -1))
		return -1;
	return 0;
}

/* Open every listener of listener_check_all(); -1 after saying why. */
int
listener_start(void)
{
	char		 why[256], *copy, *p, *spec, *save;
	const char	*list;
	int		 tls, rc = 0;

	if ((conf.tls_listen != NULL || conf.https_listen != NULL) &&
	    (tls_ctx = listener_tls_ctx(why, sizeof why)) == NULL) {
		log_warnx("tls: %s", why);
		return -1;
	}
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	resume_ev = event_new(ev_base, -1, 0, listener_on_resume, NULL);
	for (tls = 0; tls < 2 && rc == 0; tls++) {
		if ((list = tls ? conf.tls_listen : conf.listen) == NULL)
			continue;
		copy = xstrdup(list);
		save = NULL;
		for (p = copy; rc == 0 &&
		    (spec = strtok_r(p, ",", &save)) != NULL; p = NULL)
			if (strcmp(spec, "none") != 0)
				rc = listener_open(spec, tls);
		free(copy);
	}
	if (rc == 0 && listeners == NULL) {
		log_warnx("listen: none, and no tls-listen");
		rc = -1;
	}
	return rc;
}

/* SIGHUP: new TLS connections get the certificate read again. */
int
listener_tls_reload(void)
{
	SSL_CTX	*ctx;
	char	 why[256];

	if (tls_ctx == NULL) {
		log_info("tls: no tls-listen, no certificate to reload");
		return 0;
	}
	if ((ctx = listener_tls_ctx(why, sizeof why)) == NULL) {
		log_warnx("tls: certificate not reloaded, the old one stays: "
		    "%s", why);
		return -1;
	}
	SSL_CTX_free(tls_ctx);	/* sessions hold references to theirs */
	tls_ctx = ctx;
	log_info("tls: certificate reloaded from %s (key %s); sessions "
	    "keep theirs", conf.tls_cert, conf.tls_key);
	return 0;
}

/* The port of the first TLS listener (0: none), for STS. */
unsigned
listener_tls_port(void)
{
	struct listener	*l;

	for (l = listeners; l != NULL; l = l->next)
		if (l->tls)
			return l->port;
	return 0;
}

/* Close the listening sockets (shutdown); sessions stay. */
void
listener_stop(void)
{
	struct listener	*l;

	while ((l = listeners) != NULL) {
		listeners = l->next;
		evconnlistener_free(l->ev);
		free(l);
	}
	if (tls_ctx != NULL) {
		SSL_CTX_free(tls_ctx);
		tls_ctx = NULL;
	}
	if (resume_ev != NULL) {
		event_free(resume_ev);
		resume_ev = NULL;
	}
	if (reserve_fd != -1) {
		close(reserve_fd);
		reserve_fd = -1;
	}
}

static void
listener_host(const struct sockaddr *sa, char *buf, size_t size)
{
	const void	*p;

	if (sa->sa_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		p = &((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, p, buf, size) == NULL)
		snprintf(buf, size, "unknown");
}

/*
 * A refusal the client can read, written without waiting; a TLS client
 * (why NULL) could not read it before a handshake: it is only closed.
 */
static void
listener_refuse(int fd, const char *why)
{
	char	line[256];
	int	n;

	if (why == NULL) {
		close(fd);
		return;
	}
	n = snprintf(line, sizeof line, "ERROR :Closing link: %s\r\n", why);
	if (send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("refusal not sent: %s", strerror(errno));
	close(fd);
}

/*
 * The client's bufferevent: plain, or TLS with a fresh SSL from the
 * current context (the handshake runs as the session starts). NULL with
 * the socket closed.
 */
static struct bufferevent *
listener_bev(struct listener *l, int fd)
{
	struct bufferevent	*bev;

	if (!l->tls) {
		if ((bev = bufferevent_socket_new(ev_base, fd,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL)
			evutil_closesocket(fd);
		return bev;
	}
	return listener_tls_bev(fd);
}

/*
 * A TLS server bufferevent on fd from the current context (https-listen
 * shares it); NULL with the socket closed.
 */
struct bufferevent *
listener_tls_bev(int fd)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(tls_ctx)) == NULL) {
		ERR_clear_error();
		evutil_closesocket(fd);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(ev_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		return NULL;
	}
	/* a client that closes without close_notify has just closed */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void
listener_on_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener		*l = arg;
	struct bufferevent	*bev;
	char			 host[HOST_MAX], why[128];
	int			 one = 1;

	(void)evl;
	(void)salen;
	listener_host(sa, host, sizeof host);
	if (session_count() >= (unsigned)conf.max_clients) {
		log_warnx("refused %s: max-clients %lld reached", host,
		    conf.max_clients);
		snprintf(why, sizeof why, "Server full: %lld clients "
		    "(max-clients)", conf.max_clients);
		listener_refuse(fd, l->tls ? NULL : why);
		return;
	}
	if (session_addr_acquire(host) == -1) {
		log_warnx("refused %s: per-address limit %lld reached", host,
		    conf.per_address);
		snprintf(why, sizeof why, "Too many connections from your "
		    "address: %lld (per-address)", conf.per_address);
		listener_refuse(fd, l->tls ? NULL : why);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	/* small replies go out now, not after the client's delayed ACK */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		log_debug("TCP_NODELAY: %s", strerror(errno));
	if ((bev = listener_bev(l, fd)) == NULL) {
		log_warnx("refused %s: no bufferevent", host);
		session_addr_release(host);
		return;
	}
	session_new(bev, host);
}

/*
 * accept() failed. Out of descriptors: free the reserve one to take the
 * waiting client and tell it so, then pause accepting briefly, so the
 * loop never spins on a connection it cannot take.
 */
static void
listener_on_error(struct evconnlistener *evl, void *arg)
{
	struct listener	*l = arg, *o;
	struct timeval	 tv = { 0, 250000 };
	int		 err = EVUTIL_SOCKET_ERROR(), fd;

	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM) {
		log_warnx("accept: %s", strerror(err));
		return;
	}
	log_warnx("accept: %s: refusing clients for now", strerror(err));
	if (reserve_fd != -1) {
		close(reserve_fd);
		reserve_fd = -1;
		fd = accept(evconnlistener_get_fd(evl), NULL, NULL);
		if (fd != -1)
			listener_refuse(fd, l->tls ? NULL : "Server out of "
			    "resources (file descriptors), try again later");
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	for (o = listeners; o != NULL; o = o->next)
		evconnlistener_disable(o->ev);
	event_add(resume_ev, &tv);
}

static void
listener_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l;

	(void)fd;
	(void)what;
	(void)arg;
	for (l = listeners; l != NULL; l = l->next)
		evconnlistener_enable(l->ev);
}
