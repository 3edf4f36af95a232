/*
 * Replies to an IRC client, formatted here: numerics, notices, FAIL,
 * each line cut to the IRC bound on a UTF-8 boundary; IRCv3
 * labeled-response (the reply to a labeled command: one line with the
 * label, several in a labeled batch, none as ACK). The send queue is
 * session.c's (session_write).
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "irc/session.h"
#include "utf8.h"

/* A labeled command's reply: its first line waits to see if one follows. */
struct label {
	char	 value[IRC_LABEL_MAX + 1];
	char	 batch[16];	/* "" until a second line opens it */
	char	*held;		/* the first line, CR LF included */
	size_t	 held_len;
	unsigned n;
};

static int	irc_send_vfmt(struct session *, const char *, const char *,
		    va_list) __attribute__((format(printf, 3, 0)));
static int	irc_label_line(struct session *, const char *, size_t);
static int	irc_label_write(struct session *, const char *, const char *,
		    size_t);

/*
 * Format a line without CR LF: head is copied as it is (it may hold a
 * server name or nick, never a format), then fmt. The part after the
 * tags is cut to the IRC line bound on a character boundary.
 */
static int
irc_send_vfmt(struct session *s, const char *head, const char *fmt,
    va_list ap)
{
	char	 buf[IRC_TAGS_MAX + IRC_LINE_MAX + 8], *body;
	int	 n;
	size_t	 len, blen, hlen;

	hlen = strlen(head);
	if (hlen > sizeof buf - 3)
		hlen = sizeof buf - 3;
	memcpy(buf, head, hlen);
	n = vsnprintf(buf + hlen, sizeof buf - 2 - hlen, fmt, ap);
	if (n < 0)
		return -1;
	len = hlen + (size_t)n;
	if (len > sizeof buf - 3)
		len = sizeof buf - 3;
	body = buf;
	if (buf[0] == '@' && (body = memchr(buf, ' ', len)) != NULL)
		body++;
	else
		body = buf;
	blen = len - (size_t)(body - buf);
	if (blen > IRC_LINE_MAX - 2) {
		blen = utf8_cut(body, blen, IRC_LINE_MAX - 2);
		len = (size_t)(body - buf) + blen;
	}
	buf[len++] = '\r';
	buf[len++] = '\n';
	if (s->label != NULL)
		return irc_label_line(s, buf, len);
	return session_write(s, buf, len);
}

/* A complete line (CR LF included, within the bounds) as it is. */
int
irc_send_line(struct session *s, const char *line, size_t len)
{
	if (s->label != NULL)
		return irc_label_line(s, line, len);
	return session_write(s, line, len);
}

/* line with tag ("k=v", or NULL) in front, merged with its own tags. */
static int
irc_label_write(struct session *s, const char *tag, const char *line,
    size_t len)
{
	char	buf[IRC_TAGS_MAX + IRC_LINE_MAX + 64];
	int	n;

	if (tag == NULL)
		return session_write(s, line, len);
	if (line[0] == '@')
		n = snprintf(buf, sizeof buf, "@%s;%.*s", tag, (int)len - 1,
		    line + 1);
	else
		n = snprintf(buf, sizeof buf, "@%s %.*s", tag, (int)len, line);
	if (n < 0 || (size_t)n >= sizeof buf)
		return session_write(s, line, len);	/* never happens */
	return session_write(s, buf, (size_t)n);
}

/*
 * A line of a labeled reply: the first is held; the second opens the
 * labeled batch (the first goes out in it), the rest join it.
 */
static int
irc_label_line(struct session *s, const char *line, size_t len)
{
	struct label	*lb = s->label;
	char		 tag[IRC_LABEL_MAX + 16], open[IRC_LINE_MAX];
	static unsigned	 seq;
	int		 n;

	if (lb->n++ == 0) {
		lb->held = xmalloc(len);
		memcpy(lb->held, line, len);
		lb->held_len = len;
		return 0;
	}
	if (lb->batch[0] == '\0') {
		snprintf(lb->batch, sizeof lb->batch, "L%u", ++seq);
		n = snprintf(open, sizeof open, ":%s BATCH +%s "
		    "labeled-response\r\n", conf.server_name, lb->batch);
		snprintf(tag, sizeof tag, "label=%s", lb->value);
		irc_label_write(s, lb->value[0] ? tag : NULL, open, (size_t)n);
		snprintf(tag, sizeof tag, "batch=%s", lb->batch);
		irc_label_write(s, tag, lb->held, lb->held_len);
		free(lb->held);
		lb->held = NULL;
	}
	snprintf(tag, sizeof tag, "batch=%s", lb->batch);
	return irc_label_write(s, tag, line, len);
}

/* A command with @label= starts (label NULL: none). */
void
irc_label_begin(struct session *s, const char *label)
{
	if (label == NULL || !(s->caps & CAP_LABELED) || s->label != NULL ||
	    strlen(label) > IRC_LABEL_MAX)
		return;
	s->label = xcalloc(1, sizeof *s->label);
	snprintf(s->label->value, sizeof s->label->value, "%s", label);
}

/*
 * The reply is complete: the held line with the label, the batch
 * closed, or ACK when there was nothing to say.
 */
void
irc_label_end(struct session *s)
{
	struct label	*lb = s->label;
	char		 tag[IRC_LABEL_MAX + 16], line[IRC_LINE_MAX];
	int		 n;

	if (lb == NULL)
		return;
	s->label = NULL;
	snprintf(tag, sizeof tag, "label=%s", lb->value);
	if (lb->n == 0) {
		n = snprintf(line, sizeof line, ":%s ACK\r\n",
		    conf.server_name);
		irc_label_write(s, tag, line, (size_t)n);
	} else if (lb->batch[0] == '\0')
		irc_label_write(s, tag, lb->held, lb->held_len);
	else {
		n = snprintf(line, sizeof line, ":%s BATCH -%s\r\n",
		    conf.server_name, lb->batch);
		session_write(s, line, (size_t)n);
	}
	free(lb->held);
	free(lb);
}

/*
 * The reply comes later (an upstream answer): the label is the caller's
 * to give back with irc_label_begin() then; nothing is said now.
 */
char *
irc_label_take(struct session *s)
{
	char	*v;

	if (s->label == NULL || s->label->n > 0)
		return NULL;
	v = xstrdup(s->label->value);
	free(s->label);
	s->label = NULL;
	return v;
}

/* A line from printf arguments, CR LF added. */
int
irc_send_raw(struct session *s, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = irc_send_vfmt(s, "", fmt, ap);
	va_end(ap);
	return rc;
}

/* ":server NNN nick " and the rest. */
int
irc_send_num(struct session *s, int num, const char *fmt, ...)
{
	char	pfx[IRC_LINE_MAX];
	va_list	ap;
	int	rc;

	snprintf(pfx, sizeof pfx, ":%s %03d %s ", conf.server_name, num,
	    irc_target(s));
	va_start(ap, fmt);
	rc = irc_send_vfmt(s, pfx, fmt, ap);
	va_end(ap);
	return rc;
}

/* A NOTICE from the server, in words. */
int
irc_send_notice(struct session *s, const char *fmt, ...)
{
	char	pfx[IRC_LINE_MAX];
	va_list	ap;
	int	rc;

	snprintf(pfx, sizeof pfx, ":%s NOTICE %s :", conf.server_name,
	    irc_target(s));
	va_start(ap, fmt);
	rc = irc_send_vfmt(s, pfx, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * A failure the user should see: with CAP standard-replies "FAIL/WARN/
 * NOTE cmd code [context] :text", else a NOTICE with the same text.
 */
int
irc_send_fail(struct session *s, const char *kind, const char *cmd,
    const char *code, const char *context, const char *fmt, ...)
{
	char	pfx[IRC_LINE_MAX];
	va_list	ap;
	int	rc;

	if (s->caps & CAP_STANDARD_REPLIES)
		snprintf(pfx, sizeof pfx, ":%s %s %s %s%s%s :",
		    conf.server_name, kind, cmd, code, context ? " " : "",
		    context ? context : "");
	else
		snprintf(pfx, sizeof pfx, ":%s NOTICE %s :",
		    conf.server_name, irc_target(s));
	va_start(ap, fmt);
	rc = irc_send_vfmt(s, pfx, fmt, ap);
	va_end(ap);
	return rc;
}

/* The nick replies are addressed to: "*" before NICK. */
const char *
irc_target(struct session *s)
{
	return s->nick;
}

/* IRCv3 server-time tag value for now: "2026-01-02T03:04:05.678Z". */
const char *
irc_send_time_tag(char *buf, size_t size)
{
	struct timeval	tv;
	struct tm	tm;
	char		tmp[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", tmp, (int)(tv.tv_usec / 1000));
	return buf;
}
