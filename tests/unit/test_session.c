/*
 * The IRC side alone: session.c, irc_send.c on a socket pair, with hooks
 * of the test's own in place of the IRC meaning and no chat code in the
 * path. Lines within bounds go up, overlong ones get 417 here, input
 * waits while the layer above is busy, a slow client is dropped past
 * sendq-max, and every session is reaped.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "irc/session.h"

struct seen {
	int	 lines, closing, freeing;
	int	 busy;			/* ready() says no */
	char	 last[600], why[128];
};

static struct seen	 seen;

static void
on_line(struct session *s, char *line, size_t len)
{
	(void)s;
	seen.lines++;
	snprintf(seen.last, sizeof seen.last, "%.*s", (int)len, line);
}

static void
on_closing(struct session *s, const char *why)
{
	(void)s;
	seen.closing++;
	snprintf(seen.why, sizeof seen.why, "%s", why);
}

static void
on_freeing(struct session *s)
{
	(void)s;
	seen.freeing++;
}

static int
on_ready(struct session *s)
{
	(void)s;
	return !seen.busy;
}

static const struct session_hooks hooks = {
	on_line, on_closing, on_freeing, on_ready
};

static void
turns(int n)
{
	while (n-- > 0) {
		event_base_loop(ev_base, EVLOOP_NONBLOCK);
		usleep(500);
	}
}

/* A session on one end of a pair; *peer is the client's end. */
static struct session *
pair(int *peer)
{
	struct session	*s;
	int		 sv[2];

	memset(&seen, 0, sizeof seen);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	assert_int_equal(session_addr_acquire("127.0.0.1"), 0);
	s = session_new(bufferevent_socket_new(ev_base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE), "127.0.0.1");
	assert_non_null(s);
	*peer = sv[1];
	return s;
}

/* What the client got so far, as one string. */
static char *
client_read(int fd, char *buf, size_t size)
{
	ssize_t	n;
	size_t	len = 0;

	turns(5);
	while (len + 1 < size && (n = read(fd, buf + len,
	    size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static void
test_lines_go_up_split_anywhere(void **state)
{
	struct session	*s;
	const char	*in = "NICK alice\r\nUSER a 0 * :A\nPING x\r\n";
	size_t		 i;
	int		 fd;

	(void)state;
	s = pair(&fd);
	for (i = 0; i < strlen(in); i++) {
		assert_int_equal(write(fd, in + i, 1), 1);
		turns(1);
	}
	assert_int_equal(seen.lines, 3);
	assert_string_equal(seen.last, "PING x");
	assert_int_equal(session_find_id(s->id) == s, 1);
	close(fd);
	turns(10);
	assert_int_equal(seen.closing, 1);
	assert_string_equal(seen.why, "Connection closed");
	assert_int_equal(seen.freeing, 1);
	assert_int_equal(session_count(), 0);
}

static void
test_overlong_line_gets_417(void **state)
{
	char	 line[700], buf[2048];
	int	 fd;

	(void)state;
	pair(&fd);
	memset(line, 'x', sizeof line);
	memcpy(line, "PRIVMSG a :", 11);
	line[sizeof line - 2] = '\r';
	line[sizeof line - 1] = '\n';
	assert_int_equal(write(fd, line, sizeof line), (ssize_t)sizeof line);
	assert_int_equal(write(fd, "PING y\r\n", 8), 8);
	assert_non_null(strstr(client_read(fd, buf, sizeof buf),
	    " 417 * :Input line was too long\r\n"));
	assert_int_equal(seen.lines, 1);	/* PING y only */
	assert_string_equal(seen.last, "PING y");
	close(fd);
	turns(10);
	assert_int_equal(session_count(), 0);
}

static void
test_replies_are_cut_on_characters(void **state)
{
	struct session	*s;
	char		 text[600], buf[2048], *crlf;
	int		 fd;

	(void)state;
	s = pair(&fd);
	memset(text, 0, sizeof text);
	for (size_t i = 0; i + 2 < sizeof text; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);	/* é, 2 bytes each */
	irc_send_notice(s, "%s", text);
	client_read(fd, buf, sizeof buf);
	crlf = strstr(buf, "\r\n");
	assert_non_null(crlf);
	assert_true(crlf - buf <= IRC_LINE_MAX - 2);
	assert_int_equal(strncmp(buf, ":chatircd.invalid NOTICE * :\xc3\xa9",
	    30), 0);
	/* no half character before CR LF */
	assert_int_equal((unsigned char)crlf[-1], 0xa9);
	session_close(s, "bye");
	assert_int_equal(seen.closing, 1);
	turns(10);
	close(fd);
	turns(10);
	assert_int_equal(session_count(), 0);
}

static void
test_input_waits_while_busy(void **state)
{
	struct session	*s;
	int		 fd;

	(void)state;
	s = pair(&fd);
	seen.busy = 1;
	assert_int_equal(write(fd, "A 1\r\nB 2\r\nC 3\r\n", 15), 15);
	turns(10);
	assert_int_equal(seen.lines, 0);	/* they wait, none refused */
	seen.busy = 0;
	session_resume(s);
	turns(10);
	assert_int_equal(seen.lines, 3);
	assert_string_equal(seen.last, "C 3");
	close(fd);
	turns(10);
	assert_int_equal(session_count(), 0);
}

static void
test_slow_client_dropped_past_sendq_max(void **state)
{
	struct session	*s;
	char		 line[400];
	int		 fd, i;

	(void)state;
	s = pair(&fd);
	memset(line, 'z', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	for (i = 0; i < 2000 && !(s->flags & SESSION_DEAD); i++)
		irc_send_notice(s, "%s", line);	/* the client reads none */
	assert_int_equal(seen.closing, 1);
	assert_string_equal(seen.why, "SendQ exceeded");
	assert_true(s->flags & SESSION_SENDQ);
	close(fd);
	turns(10);
	assert_int_equal(seen.freeing, 1);
	assert_int_equal(session_count(), 0);
}

static int
setup(void **state)
{
	char	*argv[] = { "t", "--sendq-soft", "4096", "--sendq-max",
		    "140000", "--upstream-line-max", "1024", NULL };

	(void)state;
	signal(SIGPIPE, SIG_IGN);	/* as chatircd does */
	if (conf_parse_args(7, argv) == -1)
		return -1;
	log_init(0);
	if (core_init() == -1)
		return -1;
	session_set_hooks(&hooks);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	session_reap_all();
	core_free();
	conf_free();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_go_up_split_anywhere),
		cmocka_unit_test(test_overlong_line_gets_417),
		cmocka_unit_test(test_replies_are_cut_on_characters),
		cmocka_unit_test(test_input_waits_while_busy),
		cmocka_unit_test(test_slow_client_dropped_past_sendq_max),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
