/*
 * PRIVMSG and NOTICE become one SEND per target, each carrying its own
 * continuation (SEND-OK, UNKNOWN, refused, lost); DELIVERY comes back here
 * from the link. CTCP ACTION travels as "* name text", which reads well
 * in a plain chat client too; other CTCP is refused locally.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw.h"
#include "textsafe.h"
#include "numeric.h"

#define CTCP	'\001'
#define EXCERPT	40		/* bytes of text named in a report */

/* A SEND on its way: what its answer needs to reach the client. */
struct msg_sent {
	unsigned	 sid;
	int		 notice;
	char		*target;	/* as the client wrote it */
	char		*text;		/* as sent upstream */
	char		*echo;		/* as the client sent it */
};

static void	irc_msg_one(struct session *, const char *, const char *,
		    int);
static int	irc_msg_is_channel(const char *);
static void	irc_msg_tell(struct session *, const char *, const char *,
		    const char *);
static void	irc_msg_send(struct session *, const char *, const char *,
		    const char *, int, const char *);
static void	irc_msg_done(void *, enum up_result, char *);
static void	irc_msg_echo(struct session *, struct msg_sent *);

struct msg_delivery {
	const char	*nick;
	const char	*user;
	const char	*text;
	size_t		 len;
	int		 action;
};
static void	irc_msg_pieces(struct session *, void *);
static void	irc_msg_unshown(struct session *, void *);
static size_t	irc_msg_no_ctcp(char *, size_t);

/* PRIVMSG target[,target] :text */
void
irc_cmd_privmsg(struct session *s, struct irc_msg *m)
{
	char	 targets[IRC_LINE_MAX], *p, *t, *save = NULL;
	int	 notice = strcmp(m->command, "NOTICE") == 0, n = 0;

	if (m->nparams < 1 || m->params[0][0] == '\0') {
		if (!notice)
			irc_send_num(s, ERR_NORECIPIENT,
			    ":No recipient given (PRIVMSG)");
		return;
	}
	if (m->nparams < 2 || m->params[1][0] == '\0') {
		if (!notice)
			irc_send_num(s, ERR_NOTEXTTOSEND, ":No text to send");
		return;
	}
	snprintf(targets, sizeof targets, "%s", m->params[0]);
	for (p = targets; (t = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (++n > TARGETS_MAX) {
			if (!notice)
				irc_send_num(s, ERR_TOOMANYTARGETS, "%s :Too "
				    "many recipients, at most %d", t,
				    TARGETS_MAX);
			break;
		}
		irc_msg_one(s, t, m->params[1], notice);
		if (s->flags & SESSION_DEAD)
			break;
	}
}

/* NOTICE: like PRIVMSG, but no error numeric ever answers it. */
void
irc_cmd_notice(struct session *s, struct irc_msg *m)
{
	irc_cmd_privmsg(s, m);
}

/* TAGMSG carries only tags (typing...): the chat protocol has none. */
void
irc_cmd_tagmsg(struct session *s, struct irc_msg *m)
{
	(void)s;
	(void)m;
}

static int
irc_msg_is_channel(const char *t)
{
	return strchr("#&+!", t[0]) != NULL;
}

/* A sentence to the user about a message that did not go out. */
static void
irc_msg_tell(struct session *s, const char *target, const char *what,
    const char *why)
{
	irc_send_fail(s, "FAIL", strcmp(what, "Notice") == 0 ? "NOTICE" :
	    "PRIVMSG", "NOT_DELIVERED", target, "%s to %s not delivered: %s",
	    what, target, why);
}

static void
irc_msg_one(struct session *s, const char *target, const char *text,
    int notice)
{
	char		 name[CHAT_NAME_MAX + 1], buf[IRC_LINE_MAX + 64];
	const char	*send = text, *end;

	if (irc_msg_is_channel(target)) {
		if (notice)
			return;
		if (control_is_channel(target))
			control_privmsg(s, text);
		else
			irc_send_num(s, ERR_NOSUCHCHANNEL, "%s :No such channel "
			    "(the only channel on this network is %s); not "
			    "delivered", target, conf.channel);
		return;
	}
	if (names_to_upstream(target, name, sizeof name) == -1) {
		if (!notice)
			irc_send_num(s, ERR_NOSUCHNICK, "%s :No such "
			    "nick/channel", target);
		return;
	}
	if (text[0] == CTCP) {
		if (strncmp(text + 1, "ACTION ", 7) != 0) {
			if (!notice)
				irc_send_fail(s, "FAIL", "PRIVMSG",
				    "CTCP_UNSUPPORTED", target, "CTCP %.*s is "
				    "not available to chat users; nothing was "
				    "sent to %s", (int)strcspn(text + 1, " \001"),
				    text + 1, target);
			return;
		}
		end = strchr(text + 8, CTCP);
		snprintf(buf, sizeof buf, "* %s %.*s", SNAME(s),
		    end != NULL ? (int)(end - text - 8) : (int)strlen(text + 8),
		    text + 8);
		send = buf;
	}
	irc_msg_send(s, target, name, send, notice, text);
}

/* One SEND for the link; what comes of it is irc_msg_done()'s. */
static void
irc_msg_send(struct session *s, const char *target, const char *name,
    const char *send, int notice, const char *echo)
{
	struct msg_sent	*m = xcalloc(1, sizeof *m);
	char		 why[128];
	int		 rc;

	m->sid = s->id;
	m->notice = notice;
	m->target = xstrdup(target);
	m->text = xstrdup(send);
	m->echo = xstrdup(echo);
	rc = link_send(s->link, name, send, strlen(send), irc_msg_done, m);
	if (rc == LINK_HOLD_FULL)
		irc_send_notice(s, "%s to %s not delivered: the chat server "
		    "connection is down and %lld messages already wait "
		    "(hold-max): %.*s%s", notice ? "Notice" : "Message", target,
		    conf.hold_max, EXCERPT, send,
		    strlen(send) > EXCERPT ? "..." : "");
	else if (rc == LINK_BUSY) {
		snprintf(why, sizeof why, "too many messages await the chat "
		    "server's answer (max-pending %lld), send it again",
		    conf.max_pending);
		log_info("s%u: max-pending %lld reached", s->id,
		    conf.max_pending);
		irc_msg_tell(s, target, "Message", why);
	}
	if (rc != 0)
		irc_msg_done(m, UP_CANCELLED, NULL);
}

/*
 * What became of a SEND: delivered (echo-message shows it now), nobody of
 * that name (401), refused (the server's words) or lost in flight.
 */
static void
irc_msg_done(void *ctx, enum up_result r, char *why)
{
	struct msg_sent	*m = ctx;
	struct session	*s = session_find_id(m->sid);
	const char	*what = m->notice ? "Notice" : "Message";

	if (s != NULL && r == UP_OK)
		irc_msg_echo(s, m);
	else if (s != NULL && r == UP_UNKNOWN && !m->notice)
		irc_send_num(s, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    m->target);
	else if (s != NULL && r == UP_REFUSED)
		irc_msg_tell(s, m->target, what, why);
	else if (s != NULL && r == UP_LOST) {
		irc_send_notice(s, "%s to %s not confirmed: %s; it may or may "
		    "not have arrived: %.*s%s", what, m->target, why, EXCERPT,
		    m->text, strlen(m->text) > EXCERPT ? "..." : "");
		log_info("s%u: SEND to %s not confirmed", s->id,
		    log_escape(m->target, strlen(m->target)));
	}
	free(m->target);
	free(m->text);
	free(m->echo);
	free(m);
}

/* SEND-OK: delivered. With echo-message the client sees it now. */
static void
irc_msg_echo(struct session *s, struct msg_sent *m)
{
	char	tm[40];

	if (!(s->caps & CAP_ECHO_MESSAGE))
		return;
	if (s->caps & CAP_SERVER_TIME)
		irc_send_raw(s, "@time=%s :%s!%s@%s %s %s :%s",
		    irc_send_time_tag(tm, sizeof tm), s->nick, SNAME(s),
		    upstream_host(), m->notice ? "NOTICE" : "PRIVMSG",
		    m->target, m->echo);
	else
		irc_send_raw(s, ":%s!%s@%s %s %s :%s", s->nick, SNAME(s),
		    upstream_host(), m->notice ? "NOTICE" : "PRIVMSG",
		    m->target, m->echo);
}

/*
 * DELIVERY user text -> PRIVMSG to each session of the link, in pieces
 * that fit 512 bytes and end on character boundaries. "* user text" from
 * user, or a well-formed CTCP ACTION, is an ACTION; any other \001 is
 * removed, so a chat user cannot start CTCP exchanges; what could drive
 * a terminal becomes U+FFFD (textsafe.c).
 */
void
irc_msg_delivery(struct link *l, const char *user, char *text, size_t len)
{
	struct msg_delivery	 d;
	char			 nick[NICK_MAX + 1], *safe = NULL;
	char			 stand[] = TEXTSAFE_REPL;
	size_t			 ulen = strlen(user);

	d.action = textsafe_is_action(text, len);
	if (!d.action && len > 0 && (len = irc_msg_no_ctcp(text, len)) == 0) {
		text = stand;		/* only \001s: never an empty line */
		len = TEXTSAFE_REPL_LEN;
	}
	if (textsafe_text_span(text, len) < len) {
		safe = xmalloc(TEXTSAFE_MAX(len) + 1);
		len = textsafe_text(safe, TEXTSAFE_MAX(len) + 1, text, len);
		text = safe;
	}
	if (d.action) {				/* \1ACTION text\1 */
		len = len > 9 ? len - 9 : 0;
		text += len > 0 ? 8 : 0;
	} else if (len > ulen + 3 && text[0] == '*' && text[1] == ' ' &&
	    strncmp(text + 2, user, ulen) == 0 && text[ulen + 2] == ' ') {
		d.action = 1;
		text += ulen + 3;
		len -= ulen + 3;
	}
	d.user = user;
	d.text = text;
	d.len = len;
	if (names_from_upstream(user, nick, sizeof nick) == -1) {
		log_warnx("DELIVERY from a name IRC cannot show: %s",
		    log_escape(user, strlen(user)));
		link_sessions(l, irc_msg_unshown, &d);
	} else {
		d.nick = nick;
		link_sessions(l, irc_msg_pieces, &d);
	}
	free(safe);
}

/* The text without its \001s (in place); its new length. */
static size_t
irc_msg_no_ctcp(char *text, size_t len)
{
	size_t	i, o;

	for (i = o = 0; i < len; i++)
		if (text[i] != CTCP)
			text[o++] = text[i];
	return o;
}

static void
irc_msg_unshown(struct session *s, void *arg)
{
	struct msg_delivery	*d = arg;
	char			 who[TEXTSAFE_MAX(16) + 1];

	textsafe_name(who, sizeof who, d->user, strnlen(d->user, 16));
	irc_send_notice(s, "From a chat user whose name IRC cannot show "
	    "(%s...): %.*s", who, (int)d->len, d->text);
}

static void
irc_msg_pieces(struct session *s, void *arg)
{
	struct msg_delivery	*d = arg;
	const char		*text = d->text;
	size_t			 len = d->len;
	char			 tags[64] = "", tm[40];
	size_t			 fixed, max, piece, next;
	int			 first = 1;

	if (s->caps & CAP_SERVER_TIME)
		snprintf(tags, sizeof tags, "@time=%s ",
		    irc_send_time_tag(tm, sizeof tm));
	/* ":nick!user@host PRIVMSG me :" + CR LF (+ "\1ACTION " "\1") */
	fixed = 1 + strlen(d->nick) + 1 + strlen(d->user) + 1 +
	    strlen(upstream_host()) + 9 + strlen(s->nick) + 2 + 2 +
	    (d->action ? 9 : 0);
	max = fixed + 32 < IRC_LINE_MAX ? IRC_LINE_MAX - fixed : 32;
	while ((len > 0 || first) && !(s->flags & SESSION_DEAD)) {
		first = 0;
		piece = len > 0 ? irc_split(text, len, max, &next) : 0;
		if (len == 0)
			next = 0;
		irc_send_raw(s, "%s:%s!%s@%s PRIVMSG %s :%s%.*s%s", tags,
		    d->nick, d->user, upstream_host(), s->nick,
		    d->action ? "\001ACTION " : "", (int)piece, text,
		    d->action ? "\001" : "");
		text += next;
		len -= next;
	}
}
