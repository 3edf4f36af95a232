/*
 * One real WebSocket session per input (gateway/http/http_ws.c): the
 * harness sends an upgrade to /socket (the first byte picks the
 * subprotocol: binary, text or none), then the rest of the input as the
 * client's frames, a piece per loop turn, through libwslay into a real
 * session on a bufferevent pair; the chat server is an in-process
 * listener that never answers. Then the client hangs up: the session,
 * the WebSocket and the HTTP request must all be gone within a bounded
 * number of loop turns, and ASan sees every byte touched.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "commands/gw.h"
#include "http/http.h"

#define TURNS		48	/* loop turns while the client talks */
#define CLOSE_TURNS	400	/* loop turns allowed to free it all */
#define PIECE		97	/* bytes of frames per turn */

static int		 up_listen = -1;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_nonblock(int);
static void	fuzz_init(void);
static void	fuzz_route(struct http_conn *, const struct http_req *,
		    void *);
static void	fuzz_drain(int);
static void	fuzz_close_ups(void);

static void
fuzz_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void
fuzz_init(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			 up[64];
	char			*argv[] = { "fuzz", "--upstream", up,
				    "--reconnect-min", "10", NULL };

	signal(SIGPIPE, SIG_IGN);	/* as main.c: a closed peer is EPIPE */
	up_listen = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (up_listen == -1 ||
	    bind(up_listen, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(up_listen, 64) == -1 ||
	    getsockname(up_listen, (struct sockaddr *)&sin, &len) == -1)
		abort();
	fuzz_nonblock(up_listen);
	snprintf(up, sizeof up, "127.0.0.1:%d", ntohs(sin.sin_port));
	if (conf_parse_args(5, argv) == -1)
		abort();
	log_init(0);
	start_time = time(NULL);
	ev_base = event_base_new();
	dns_base = evdns_base_new(ev_base, 0);
	if (ev_base == NULL || dns_base == NULL)
		abort();
	gw_init();
}

/* http.c's route for /socket, without a listener. */
static void
fuzz_route(struct http_conn *c, const struct http_req *r, void *arg)
{
	(void)arg;
	if (strcmp(r->target, "/socket") == 0)
		http_ws_upgrade(c, r);
	else
		http_conn_refuse(c, 404, "no such file");
}

/* Read and forget what the gateway wrote, so it never blocks on us. */
static void
fuzz_drain(int fd)
{
	char	buf[4096];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

/* Upstream connections are accepted and closed: no login ever. */
static void
fuzz_close_ups(void)
{
	int	fd;

	while ((fd = accept(up_listen, NULL, NULL)) != -1)
		close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protos[] = { "binary.ircv3.net",
		"text.ircv3.net", "example.org" };
	char			 req[512];
	struct bufferevent	*bev;
	int			 sv[2], i, n;
	ssize_t			 w;

	if (up_listen == -1)
		fuzz_init();
	if (size == 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	fuzz_nonblock(sv[0]);
	fuzz_nonblock(sv[1]);
	bev = bufferevent_socket_new(ev_base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	http_conn_new(bev, "127.0.0.1", fuzz_route, NULL);
	n = snprintf(req, sizeof req, "GET /socket HTTP/1.1\r\nHost: x\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
	    protos[data[0] % 3]);
	if (write(sv[1], req, (size_t)n) != n)
		abort();
	data++;
	size--;
	for (i = 0; i < TURNS; i++) {
		if (size > 0 && (w = write(sv[1], data, size < PIECE ? size :
		    PIECE)) > 0) {
			data += w;
			size -= (size_t)w;
		}
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		fuzz_close_ups();
		fuzz_drain(sv[1]);
	}
	close(sv[1]);
	for (i = 0; i < CLOSE_TURNS && (session_count() > 0 ||
	    counters.ws_sessions > 0 || http_conn_count() > 0); i++) {
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		fuzz_close_ups();
	}
	if (session_count() != 0 || counters.ws_sessions != 0 ||
	    http_conn_count() != 0) {
		fprintf(stderr, "fuzz_websocket: %u sessions, %llu "
		    "WebSockets, %u requests outlived their client\n",
		    session_count(), counters.ws_sessions, http_conn_count());
		abort();
	}
	return 0;
}
