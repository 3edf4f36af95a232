/*
 * The chat side alone: upstream.c and upbind.c against a chat server
 * played by the test on a loopback socket, with no IRC code linked in
 * the path. Each request's continuation must hear exactly what became of
 * it; the owner's hooks get HELLO, refusals, deliveries, lists and loss.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chat/upstream.h"

struct seen {
	int		 hello, refused, lost, answered, lists, deliveries;
	int		 eof;		/* upstream_eof() when lost */
	enum chat_type	 refused_type;
	char		 name[64], why[256], list[256], from[64], text[256];
};

struct done {
	int		 calls;
	enum up_result	 res;
	char		 arg[256];
};

static int		 srv = -1;	/* the fake chat server's listener */
static struct seen	 seen;

static void
on_hello(void *o, struct upstream *u, const char *name)
{
	(void)o;
	(void)u;
	seen.hello++;
	snprintf(seen.name, sizeof seen.name, "%s", name);
}

static void
on_refused(void *o, struct upstream *u, enum chat_type t)
{
	(void)o;
	(void)u;
	seen.refused++;
	seen.refused_type = t;
}

static void
on_delivery(void *o, struct upstream *u, const char *from, char *text,
    size_t len)
{
	(void)o;
	(void)u;
	seen.deliveries++;
	snprintf(seen.from, sizeof seen.from, "%s", from);
	snprintf(seen.text, sizeof seen.text, "%.*s", (int)len, text);
}

static void
on_list(void *o, struct upstream *u, const char *list)
{
	(void)o;
	(void)u;
	seen.lists++;
	snprintf(seen.list, sizeof seen.list, "%s", list);
}

static void
on_answered(void *o, struct upstream *u)
{
	(void)o;
	(void)u;
	seen.answered++;
}

static void
on_lost(void *o, struct upstream *u, const char *why)
{
	(void)o;
	seen.lost++;
	seen.eof = upstream_eof(u);
	snprintf(seen.why, sizeof seen.why, "%s", why);
}

static const struct upstream_hooks hooks = {
	on_hello, on_refused, on_delivery, on_list, on_answered, on_lost
};

static void
done_fn(void *ctx, enum up_result res, char *arg)
{
	struct done	*d = ctx;

	d->calls++;
	d->res = res;
	snprintf(d->arg, sizeof d->arg, "%s", arg != NULL ? arg : "");
}

/* Run the loop until *flag is set or 3 s passed. */
static void
spin(const int *flag)
{
	int	i;

	for (i = 0; i < 3000 && !*flag; i++) {
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		if (!*flag)
			usleep(1000);
	}
}

/* The server side of the gateway's next connection. */
static int
server_accept(void)
{
	struct pollfd	pfd = { srv, POLLIN, 0 };
	int		i, fd;

	for (i = 0; i < 3000; i++) {
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 1) == 1 &&
		    (fd = accept(srv, NULL, NULL)) != -1)
			return fd;
	}
	fail_msg("the gateway did not connect");
	return -1;
}

/* One line the gateway wrote, without LF. */
static void
server_expect(int fd, const char *want)
{
	char	buf[512];
	size_t	n = 0;
	ssize_t	r;
	int	i;

	for (i = 0; i < 3000 && (n == 0 || buf[n - 1] != '\n'); i++) {
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		r = recv(fd, buf + n, 1, MSG_DONTWAIT);
		if (r == 1)
			n++;
		else
			usleep(1000);
		assert_true(n < sizeof buf);
	}
	assert_true(n > 0);
	buf[n - 1] = '\0';
	assert_string_equal(buf, want);
}

static void
server_say(int fd, const char *line)
{
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
}

/* A logged-in connection as alice, and its server side. */
static struct upstream *
login(int *fd)
{
	struct upstream	*u;

	memset(&seen, 0, sizeof seen);
	u = upstream_connect("alice", 7, &hooks, NULL);
	assert_non_null(u);
	*fd = server_accept();
	server_expect(*fd, "HELLO-FROM alice");
	server_say(*fd, "HELLO alice\n");
	spin(&seen.hello);
	assert_string_equal(seen.name, "alice");
	assert_true(upstream_ready(u));
	return u;
}

static void
test_send_answers_in_order(void **state)
{
	struct upstream	*u;
	struct done	 a = { 0 }, b = { 0 }, c = { 0 };
	int		 fd;

	(void)state;
	u = login(&fd);
	assert_int_equal(upstream_send(u, "bob", "hi", 2, done_fn, &a), 0);
	assert_int_equal(upstream_send(u, "carol", "yo", 2, done_fn, &b), 0);
	assert_int_equal(upstream_who(u, 0, done_fn, &c), 0);
	server_expect(fd, "SEND bob hi");
	server_expect(fd, "SEND carol yo");
	server_expect(fd, "WHO");
	/* a DELIVERY between replies answers nothing */
	server_say(fd, "SEND-OK\nDELIVERY dave hello there\nUNKNOWN\n"
	    "WHO-OK alice,bob\n");
	spin(&c.calls);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res, UP_OK);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.res, UP_UNKNOWN);
	assert_int_equal(c.res, UP_OK);
	assert_string_equal(c.arg, "alice,bob");
	assert_int_equal(seen.lists, 1);
	assert_string_equal(seen.list, "alice,bob");
	assert_int_equal(seen.deliveries, 1);
	assert_string_equal(seen.from, "dave");
	assert_string_equal(seen.text, "hello there");
	assert_int_equal(seen.answered, 4);	/* HELLO and three */
	upstream_close(u, NULL);
	close(fd);
}

static void
test_loss_reaches_every_request(void **state)
{
	struct upstream	*u;
	struct done	 a = { 0 }, b = { 0 };

	int		 fd;

	(void)state;
	u = login(&fd);
	upstream_send(u, "bob", "one", 3, done_fn, &a);
	upstream_who(u, 0, done_fn, &b);
	server_expect(fd, "SEND bob one");
	server_expect(fd, "WHO");
	close(fd);			/* the server goes away */
	spin(&seen.lost);
	assert_string_equal(seen.why, "The chat server closed the connection");
	assert_int_equal(seen.eof, 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res, UP_LOST);
	assert_string_equal(a.arg, "The chat server closed the connection");
	assert_int_equal(b.res, UP_LOST);	/* u is reaped: not used */
}

static void
test_close_cancels(void **state)
{
	struct upstream	*u;
	struct done	 a = { 0 };
	int		 fd;

	(void)state;
	u = login(&fd);
	upstream_send(u, "bob", "x", 1, done_fn, &a);
	upstream_close(u, NULL);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res, UP_CANCELLED);
	upstream_close(u, "again");	/* once only */
	assert_int_equal(a.calls, 1);
	assert_int_equal(seen.lost, 0);	/* the owner closed it: no news */
	close(fd);
}

static void
test_refused_login(void **state)
{
	struct upstream	*u;
	int		 fd;

	(void)state;
	memset(&seen, 0, sizeof seen);
	u = upstream_connect("bob", 8, &hooks, NULL);
	assert_non_null(u);
	fd = server_accept();
	server_expect(fd, "HELLO-FROM bob");
	server_say(fd, "IN-USE\n");
	spin(&seen.refused);
	assert_int_equal(seen.refused_type, CHAT_IN_USE);
	assert_int_equal(seen.lost, 0);
	close(fd);
}

static void
test_desync_fails_the_connection(void **state)
{
	struct done	 a = { 0 };
	int		 fd;

	(void)state;
	login(&fd);
	server_say(fd, "SEND-OK\n");	/* nothing was sent */
	spin(&seen.lost);
	assert_string_equal(seen.why, "out of step with the chat server");
	assert_int_equal(a.calls, 0);
	close(fd);
}

static void
test_max_pending(void **state)
{
	struct upstream	*u;
	struct done	 d[4];
	int		 fd, i;

	(void)state;
	memset(d, 0, sizeof d);
	u = login(&fd);
	for (i = 0; i < 3; i++)		/* --max-pending 3 */
		assert_int_equal(upstream_send(u, "bob", "m", 1, done_fn,
		    &d[i]), 0);
	assert_int_equal(upstream_npending(u), 3);
	assert_int_equal(upstream_send(u, "bob", "m", 1, done_fn, &d[3]), -1);
	assert_int_equal(d[3].calls, 0);
	upstream_close(u, "gone");
	assert_int_equal(d[0].res, UP_LOST);
	assert_string_equal(d[1].arg, "gone");
	close(fd);
}

static void
test_bad_request_refuses_send(void **state)
{
	struct upstream	*u;
	struct done	 a = { 0 };
	int		 fd;

	(void)state;
	u = login(&fd);
	upstream_send(u, "bob", "x", 1, done_fn, &a);
	server_expect(fd, "SEND bob x");
	server_say(fd, "BAD-RQST-BODY\n");
	spin(&a.calls);
	assert_int_equal(a.res, UP_REFUSED);
	assert_string_equal(a.arg,
	    "Error: Unknown issue in previous message body.");
	upstream_close(u, NULL);
	close(fd);
}

static int
setup(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			 up[64];
	char			*argv[] = { "t", "--upstream", up,
				    "--max-pending", "3", NULL };

	(void)state;
	srv = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (srv == -1 || bind(srv, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(srv, 8) == -1 ||
	    getsockname(srv, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	snprintf(up, sizeof up, "127.0.0.1:%d", ntohs(sin.sin_port));
	if (conf_parse_args(5, argv) == -1)
		return -1;
	log_init(0);
	if (core_init() == -1 || upbind_init(NULL) == -1 ||
	    upstream_init(conf.upstream, conf.dialect) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	upstream_shutdown();
	event_base_loop(ev_base, EVLOOP_NONBLOCK);	/* reapers */
	core_free();
	conf_free();
	close(srv);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_answers_in_order),
		cmocka_unit_test(test_loss_reaches_every_request),
		cmocka_unit_test(test_close_cancels),
		cmocka_unit_test(test_refused_login),
		cmocka_unit_test(test_desync_fails_the_connection),
		cmocka_unit_test(test_max_pending),
		cmocka_unit_test(test_bad_request_refuses_send),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
