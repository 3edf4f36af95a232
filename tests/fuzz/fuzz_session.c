/*
 * One real gateway session per input: the bytes before the first NUL come
 * from an IRC client (a socket pair), the bytes after it from the chat
 * server (an in-process listener the gateway connects to, answering every
 * login attempt the same way). Then the client hangs up, and the session
 * must be gone within a bounded number of loop turns: no session outlives
 * its client, and ASan sees every byte it touched. The gateway runs as a
 * bouncer (--db, one account alice:pw, anonymous allowed), so PASS, SASL,
 * CHATHISTORY, MARKREAD, SEARCH and the *chatircd service are reached
 * too.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "commands/gw.h"

#define UP_MAX		16	/* upstream connections kept per input */
#define TURNS		64	/* loop turns while the client talks */
#define CLOSE_TURNS	400	/* loop turns allowed to reap it */

static int		 up_listen = -1;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	char			 up[64], db[64], err[128];
	char			*argv[] = { "fuzz", "--upstream", up,
				    "--reconnect-min", "10", "--db", db,
				    "--allow-anonymous", NULL };
	int			 argc = 8;
	struct store		*st;

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
	snprintf(db, sizeof db, "/tmp/fuzz_session.%d.db", (int)getpid());
	unlink(db);
	store_pwhash_weak(1);
	if ((st = store_open(db, err, sizeof err)) == NULL ||
	    store_user_add(st, "alice", "pw") == -1)
		abort();
	store_close(st);
	if (conf_parse_args(argc, argv) == -1)
		abort();
	log_init(0);
	start_time = time(NULL);
	ev_base = event_base_new();
	dns_base = evdns_base_new(ev_base, 0);
	if (ev_base == NULL || dns_base == NULL)
		abort();
	gw_init();
}

/* Accept the gateway's new upstream connections; each gets the script. */
static void
fuzz_accept(int *ups, int *nups, const uint8_t *script, size_t len)
{
	int	fd;

	while (*nups < UP_MAX && (fd = accept(up_listen, NULL, NULL)) != -1) {
		fuzz_nonblock(fd);
		if (len > 0 && write(fd, script, len) == -1)
			;	/* the gateway may have closed it already */
		ups[(*nups)++] = fd;
	}
}

/* Read and forget what the gateway wrote, so it never blocks on us. */
static void
fuzz_drain(int fd)
{
	char	buf[4096];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

/* One line of the client's bytes per loop turn, as a person types. */
static void
fuzz_feed_line(int fd, const uint8_t **data, size_t *len)
{
	const uint8_t	*lf = memchr(*data, '\n', *len);
	size_t		 n = lf ? (size_t)(lf - *data) + 1 : *len;
	ssize_t		 w;

	if (n == 0 || (w = write(fd, *data, n)) <= 0)
		return;
	*data += w;
	*len -= (size_t)w;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nul = memchr(data, 0, size);
	size_t		 irc_len = nul ? (size_t)(nul - data) : size;
	const uint8_t	*script = nul ? nul + 1 : data + size;
	size_t		 script_len = (size_t)(data + size - script);
	int		 sv[2], ups[UP_MAX], nups = 0, i;

	if (up_listen == -1)
		fuzz_init();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	fuzz_nonblock(sv[0]);
	fuzz_nonblock(sv[1]);
	if (session_new(bufferevent_socket_new(ev_base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE), "127.0.0.1") == NULL)
		abort();
	for (i = 0; i < TURNS; i++) {
		fuzz_feed_line(sv[1], &data, &irc_len);
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		fuzz_accept(ups, &nups, script, script_len);
		fuzz_drain(sv[1]);
		for (int j = 0; j < nups; j++)
			fuzz_drain(ups[j]);
	}
	close(sv[1]);
	for (i = 0; i < nups; i++)
		close(ups[i]);
	for (i = 0; i < CLOSE_TURNS && session_count() > 0; i++) {
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		nups = 0;
		fuzz_accept(ups, &nups, NULL, 0);
		for (int j = 0; j < nups; j++)
			close(ups[j]);
	}
	if (session_count() != 0) {
		fprintf(stderr, "fuzz_session: a session outlived its "
		    "client\n");
		abort();
	}
	return 0;
}
