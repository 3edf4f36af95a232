/*
 * Replies to an IRC client, formatted here: numerics, notices, FAIL,
 * each line cut to the IRC bound on a UTF-8 boundary. The send queue is
 * session.c's (session_write).
 */
#include <sys/time.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "session.h"
#include "utf8.h"

static int	irc_send_vfmt(struct session *, const char *, const char *,
		    va_list) __attribute__((format(printf, 3, 0)));

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
	return session_write(s, buf, len);
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
