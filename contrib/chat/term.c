/*
 * chat's terminal side: read stdin from the event loop without blocking,
 * frame it into bounded lines, run the name prompt and the commands
 * (!quit, !who, @user message), and print network text escaped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "client.h"
#include "utf8.h"

struct term_cmd {
	const char	 *name;
	void		(*fn)(struct client *, char *, size_t);
};

static void	term_on_read(evutil_socket_t, short, void *);
static void	term_on_pump(evutil_socket_t, short, void *);
static void	term_on_drain(evutil_socket_t, short, void *);
static void	term_pump(struct client *);
static int	term_next(struct client *, char **, size_t *);
static void	term_eof(struct client *);
static void	term_line(struct client *, char *, size_t);
static void	term_name(struct client *, char *, size_t);
static void	term_cmd_quit(struct client *, char *, size_t);
static void	term_cmd_who(struct client *, char *, size_t);
static void	term_cmd_send(struct client *, char *, size_t);
static void	term_hint(void);

static const struct term_cmd term_cmds[] = {
	{ "!quit",	term_cmd_quit },
	{ "!who",	term_cmd_who },
};

/* Start reading stdin; -1 on failure. */
int
term_start(struct client *c)
{
	if ((c->stdin_tty = edit_start()) == -1)
		return -1;
	linebuf_init(&c->in, CLIENT_LINE_MAX);
	c->stdin_ev = event_new(c->base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    term_on_read, c);
	c->pump_ev = event_new(c->base, -1, 0, term_on_pump, c);
	c->drain_ev = evtimer_new(c->base, term_on_drain, c);
	if (c->stdin_ev == NULL || c->pump_ev == NULL || c->drain_ev == NULL)
		return -1;
	return 0;
}

void
term_stop(struct client *c)
{
	if (c->stdin_ev != NULL)
		event_free(c->stdin_ev);
	if (c->pump_ev != NULL)
		event_free(c->pump_ev);
	if (c->drain_ev != NULL)
		event_free(c->drain_ev);
	linebuf_free(&c->in);
	edit_stop();
}

/* Ask for a name, then go on reading stdin from the event loop. */
void
term_prompt(struct client *c)
{
	/* on a terminal edit.c draws it when input is awaited */
	if (!c->stdin_tty) {
		fputs("Enter a name:\n", stdout);
		fflush(stdout);
	}
	term_resume(c);
}

/* Resume handling stdin lines after the current callback. */
void
term_resume(struct client *c)
{
	event_active(c->pump_ev, EV_TIMEOUT, 0);
}

/* stdin is closed and a reply came: quit once nothing is pending. */
void
term_check_drained(struct client *c)
{
	struct timeval	 now = { 0, 0 };

	/* not at once: a DELIVERY read along with the reply is shown too */
	if (c->stdin_eof && c->pcount == 0 && c->state == CLIENT_READY)
		evtimer_add(c->drain_ev, &now);
}

/* Print our own words, one line. */
void
term_say(const char *fmt, ...)
{
	va_list	 ap;

	edit_hide();
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	edit_show();
}

/* The same on stderr, for what ends the program. */
void
term_err(const char *fmt, ...)
{
	va_list	 ap;

	edit_hide();
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	edit_show();
}

/*
 * Print network text: C0 and C1 controls, DEL and bytes that are not
 * UTF-8 as \xNN (\u0080..\u009f for C1), so nothing drives the terminal.
 */
void
term_escaped(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;

	edit_hide();
	while (i < len) {
		if (u[i] < 0x20 || u[i] == 0x7f) {
			printf("\\x%02x", u[i++]);
			continue;
		}
		if (u[i] < 0x80) {
			putchar(u[i++]);
			continue;
		}
		n = utf8_char_len(s + i, len - i);
		if (n == 1)
			printf("\\x%02x", u[i]);
		else if (u[i] == 0xc2 && u[i + 1] < 0xa0)
			printf("\\u%04x", u[i + 1]);
		else
			fwrite(s + i, 1, n, stdout);
		i += n;
	}
}

/* Print our own text without a newline; "\n" ends and flushes a line. */
void
term_raw(const char *s)
{
	edit_hide();
	fputs(s, stdout);
	if (strchr(s, '\n') != NULL) {
		fflush(stdout);
		edit_show();
	}
}

static void
term_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	ssize_t		 n;

	(void)what;
	n = read(fd, c->inbuf, sizeof c->inbuf);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	c->in_off = 0;
	c->in_len = n > 0 ? (size_t)n : 0;
	if (n <= 0) {
		c->stdin_eof = 1;
		/* a last line without LF still counts */
		if (linebuf_pending(&c->in) > 0) {
			c->inbuf[0] = '\n';
			c->in_len = 1;
		}
	}
	event_del(c->stdin_ev);
	term_pump(c);
}

static void
term_on_pump(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	term_pump(arg);
}

static void
term_on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	(void)fd, (void)what;
	if (c->pcount == 0) {
		client_exit(c, 0);
		return;
	}
	term_say("No reply from the server to the last request; quitting.");
	client_exit(c, 1);
}

/* Hand lines to the handlers while the state lets us, then read more. */
static void
term_pump(struct client *c)
{
	char	*line;
	size_t	 len;

	/* a full FIFO of requests: wait for replies (net_reply resumes) */
	while (!c->done && c->state != CLIENT_HANDSHAKE &&
	    c->pcount < CLIENT_PENDING_MAX) {
		switch (term_next(c, &line, &len)) {
		case 1:
			edit_prompt(NULL);	/* until input is awaited */
			term_line(c, line, len);
			break;
		case -1:
			term_eof(c);
			return;
		default:
			edit_prompt(c->state == CLIENT_NAME ? "Enter a name: " :
			    "> ");
			event_add(c->stdin_ev, NULL);
			return;
		}
	}
}

/* Next stdin line: 1 with *line, 0 if more must be read, -1 at the end. */
static int
term_next(struct client *c, char **line, size_t *len)
{
	enum linebuf_result	 r;
	size_t			 n;
	int			 e;

	for (;;) {
		if (c->stdin_tty && c->in_off < c->in_len) {
			e = edit_byte(c->inbuf[c->in_off++], line, len);
			if (e == -1)
				c->stdin_eof = 1;
			if (e != 0)
				return e;
			continue;
		}
		if (c->stdin_tty)
			return c->stdin_eof ? -1 : 0;
		if ((r = linebuf_next(&c->in, line, len)) == LINEBUF_LINE)
			return 1;
		if (r == LINEBUF_TOO_LONG) {
			term_say("Line too long (over %d bytes), ignored.",
			    CLIENT_LINE_MAX);
			continue;
		}
		if (c->in_off == c->in_len)
			return c->stdin_eof ? -1 : 0;
		n = linebuf_feed(&c->in, c->inbuf + c->in_off,
		    c->in_len - c->in_off);
		if (n == (size_t)-1) {
			term_err("chat: out of memory");
			client_exit(c, 1);
			return 0;
		}
		c->in_off += n;
	}
}

/* End of input: quit, once the replies still owed have been shown. */
static void
term_eof(struct client *c)
{
	struct timeval	 tv = { CLIENT_DRAIN_SECS, 0 };

	if (c->state != CLIENT_READY || c->pcount == 0) {
		client_exit(c, 0);
		return;
	}
	evtimer_add(c->drain_ev, &tv);
}

static void
term_line(struct client *c, char *line, size_t len)
{
	size_t	 i;

	if (c->state == CLIENT_NAME) {
		term_name(c, line, len);
		return;
	}
	if (len == 0)
		return;
	if (line[0] == '@') {
		term_cmd_send(c, line, len);
		return;
	}
	for (i = 0; i < sizeof term_cmds / sizeof term_cmds[0]; i++) {
		if (strlen(term_cmds[i].name) == len &&
		    memcmp(term_cmds[i].name, line, len) == 0) {
			term_cmds[i].fn(c, line, len);
			return;
		}
	}
	term_hint();
}

/* Check the name here, so only a plausible one costs a connection. */
static void
term_name(struct client *c, char *line, size_t len)
{
	if (len == 0) {
		term_prompt(c);
		return;
	}
	if (len > CHAT_NAME_MAX) {
		term_say("Cannot log in. That username is too long "
		    "(at most %d characters).", CHAT_NAME_MAX);
		term_prompt(c);
		return;
	}
	if (!chat_name_valid(line, len, CHAT_NAME_MAX)) {
		term_raw("Cannot log in as ");
		term_escaped(line, len);
		term_say(". That username contains disallowed characters "
		    "(letters and digits only).");
		term_prompt(c);
		return;
	}
	memcpy(c->name, line, len);
	c->name[len] = '\0';
	if (net_connect(c) == -1)
		client_exit(c, 1);
}

static void
term_cmd_quit(struct client *c, char *line, size_t len)
{
	(void)line, (void)len;
	client_exit(c, 0);
}

static void
term_cmd_who(struct client *c, char *line, size_t len)
{
	(void)line, (void)len;
	net_request(c, REQ_WHO, NULL, NULL, 0);
}

/* @user message: the message runs to the end of the line. */
static void
term_cmd_send(struct client *c, char *line, size_t len)
{
	char	*sp = memchr(line, ' ', len);
	size_t	 nlen;

	if (sp == NULL || sp == line + 1 || sp + 1 == line + len) {
		term_say("Usage: @user message");
		return;
	}
	*sp = '\0';
	nlen = sp - (line + 1);
	/* a name of other characters cannot be logged in */
	if (!chat_name_valid(line + 1, nlen, nlen)) {
		term_say("The destination user does not exist");
		return;
	}
	net_request(c, REQ_SEND, line + 1, sp + 1, len - nlen - 2);
}

static void
term_hint(void)
{
	term_say("Commands: @user message, !who, !quit");
}
