/*
 * The IRC listening socket: accepts clients, refuses them in plain words
 * past max-clients or per-address, and survives running out of file
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

#include <event2/listener.h>

#include "session.h"

static struct evconnlistener	*listener;
static int			 reserve_fd = -1;
static struct event		*resume_ev;

static void	listener_on_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	listener_on_error(struct evconnlistener *, void *);
static void	listener_on_resume(evutil_socket_t, short, void *);
static void	listener_refuse(int, const char *);
static void	listener_host(const struct sockaddr *, char *, size_t);
static int	listener_parse(const char *, struct sockaddr_storage *,
		    int *);

/* Numeric ADDR:PORT or [ADDR6]:PORT; port 0 is allowed (any free). */
static int
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

/* Open and listen on ADDR:PORT; prints "listening on" once it works. */
int
listener_start(const char *spec)
{
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof ss;
	char			 host[HOST_MAX], out[HOST_MAX + 16];
	socklen_t		 len = sizeof ss;
	unsigned		 port;

	if (listener_parse(spec, &ss, &sslen) == -1) {
		log_warnx("listen: \"%s\" is not ADDR:PORT", spec);
		return -1;
	}
	listener = evconnlistener_new_bind(ev_base, listener_on_accept, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    511, (struct sockaddr *)&ss, sslen);
	if (listener == NULL) {
		log_warn("listen on %s", spec);
		return -1;
	}
	evconnlistener_set_error_cb(listener, listener_on_error);
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	resume_ev = event_new(ev_base, -1, 0, listener_on_resume, NULL);
	getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&ss,
	    &len);
	listener_host((struct sockaddr *)&ss, host, sizeof host);
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	snprintf(out, sizeof out, ss.ss_family == AF_INET6 ? "[%s]:%u" :
	    "%s:%u", host, port);
	printf("listening on %s\n", out);
	fflush(stdout);
	log_info("listening on %s", out);
	return 0;
}

/* Close the listening socket (shutdown); sessions stay. */
void
listener_stop(void)
{
	if (listener != NULL) {
		evconnlistener_free(listener);
		listener = NULL;
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

/* A refusal the client can read, written without waiting. */
static void
listener_refuse(int fd, const char *why)
{
	char	line[256];
	int	n;

	n = snprintf(line, sizeof line, "ERROR :Closing link: %s\r\n", why);
	if (send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("refusal not sent: %s", strerror(errno));
	close(fd);
}

static void
listener_on_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	char	host[HOST_MAX], why[128];
	int	one = 1;

	(void)l;
	(void)salen;
	(void)arg;
	listener_host(sa, host, sizeof host);
	if (session_count() >= (unsigned)conf.max_clients) {
		log_warnx("refused %s: max-clients %lld reached", host,
		    conf.max_clients);
		snprintf(why, sizeof why, "Server full: %lld clients "
		    "(max-clients)", conf.max_clients);
		listener_refuse(fd, why);
		return;
	}
	if (session_addr_acquire(host) == -1) {
		log_warnx("refused %s: per-address limit %lld reached", host,
		    conf.per_address);
		snprintf(why, sizeof why, "Too many connections from your "
		    "address: %lld (per-address)", conf.per_address);
		listener_refuse(fd, why);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	/* small replies go out now, not after the client's delayed ACK */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		log_debug("TCP_NODELAY: %s", strerror(errno));
	if (session_new(fd, host) == NULL)
		session_addr_release(host);
}

/*
 * accept() failed. Out of descriptors: free the reserve one to take the
 * waiting client and tell it so, then pause accepting briefly, so the
 * loop never spins on a connection it cannot take.
 */
static void
listener_on_error(struct evconnlistener *l, void *arg)
{
	struct timeval	tv = { 0, 250000 };
	int		err = EVUTIL_SOCKET_ERROR(), fd;

	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM) {
		log_warnx("accept: %s", strerror(err));
		return;
	}
	log_warnx("accept: %s: refusing clients for now", strerror(err));
	if (reserve_fd != -1) {
		close(reserve_fd);
		reserve_fd = -1;
		fd = accept(evconnlistener_get_fd(l), NULL, NULL);
		if (fd != -1)
			listener_refuse(fd, "Server out of resources "
			    "(file descriptors), try again later");
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	evconnlistener_disable(l);
	event_add(resume_ev, &tv);
}

static void
listener_on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (listener != NULL)
		evconnlistener_enable(listener);
}
