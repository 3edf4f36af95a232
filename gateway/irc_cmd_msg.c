/*
 * PRIVMSG and NOTICE become one SEND per target; SEND-OK, UNKNOWN and
 * DELIVERY come back here. CTCP ACTION travels as "* name text", which
 * reads well in a plain chat client too; other CTCP is refused locally.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatircd.h"
#include "numeric.h"

#define CTCP	'\001'

static void	irc_msg_one(struct session *, const char *, const char *,
		    int);
static int	irc_msg_is_channel(const char *);
static void	irc_msg_tell(struct session *, const char *, const char *,
		    const char *);
static void	irc_msg_pieces(struct session *, const char *, const char *,
		    const char *, size_t, int);

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
	char		 why[128];

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
		snprintf(buf, sizeof buf, "* %s %.*s", s->name,
		    end != NULL ? (int)(end - text - 8) : (int)strlen(text + 8),
		    text + 8);
		send = buf;
	}
	if (reconnect_holding(s)) {	/* upstream away: held, in order */
		reconnect_hold(s, target, name, send, notice, text);
		return;
	}
	if (upstream_send(s->up, target, name, send, strlen(send), notice,
	    text) == -1) {
		snprintf(why, sizeof why, "too many messages await the chat "
		    "server's answer (max-pending %lld), send it again",
		    conf.max_pending);
		log_info("s%u: max-pending %lld reached", s->id,
		    conf.max_pending);
		irc_msg_tell(s, target, "Message", why);
	}
}

/* SEND-OK: delivered. With echo-message the client sees it now. */
void
irc_msg_sent(struct session *s, struct up_req *req)
{
	char	tm[40];

	if (req->notice == SEND_CONTROL) {
		control_sent(s, req, 1, NULL);
		return;
	}
	if (!(s->caps & CAP_ECHO_MESSAGE))
		return;
	if (s->caps & CAP_SERVER_TIME)
		irc_send_raw(s, "@time=%s :%s!%s@%s %s %s :%s",
		    irc_send_time_tag(tm, sizeof tm), s->nick, s->name,
		    upstream_host(), req->notice ? "NOTICE" : "PRIVMSG",
		    req->target, req->echo != NULL ? req->echo : req->text);
	else
		irc_send_raw(s, ":%s!%s@%s %s %s :%s", s->nick, s->name,
		    upstream_host(), req->notice ? "NOTICE" : "PRIVMSG",
		    req->target, req->echo != NULL ? req->echo : req->text);
}

/* UNKNOWN / BAD-DEST-USER: nobody of that name is logged in. */
void
irc_msg_unknown(struct session *s, struct up_req *req)
{
	if (req->notice == SEND_CONTROL) {
		control_sent(s, req, 0, NULL);
		return;
	}
	if (!req->notice)
		irc_send_num(s, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    req->target);
}

/* BAD-RQST-*: the server refused the SEND; the user learns why. */
void
irc_msg_refused(struct session *s, struct up_req *req, const char *why)
{
	if (req->notice == SEND_CONTROL) {
		control_sent(s, req, -1, why);
		return;
	}
	irc_msg_tell(s, req->target, req->notice ? "Notice" : "Message", why);
}

/*
 * DELIVERY user text -> PRIVMSG, in pieces that fit 512 bytes and end on
 * character boundaries. "* user text" from user is an ACTION; any other
 * \001 is removed, so a chat user cannot start CTCP exchanges.
 */
void
irc_msg_delivery(struct session *s, const char *user, char *text,
    size_t len)
{
	char	nick[NICK_MAX + 1];
	size_t	ulen = strlen(user), i, o;
	int	action = 0;

	len = irc_strip(text, len);
	for (i = o = 0; i < len; i++)
		if (text[i] != CTCP)
			text[o++] = text[i];
	len = o;
	if (names_from_upstream(user, nick, sizeof nick) == -1) {
		log_warnx("s%u: DELIVERY from a name IRC cannot show: %s",
		    s->id, log_escape(user, strlen(user)));
		irc_send_notice(s, "From a chat user whose name IRC cannot "
		    "show (%.16s...): %.*s", user, (int)len, text);
		return;
	}
	if (len > ulen + 3 && text[0] == '*' && text[1] == ' ' &&
	    strncmp(text + 2, user, ulen) == 0 && text[ulen + 2] == ' ') {
		action = 1;
		text += ulen + 3;
		len -= ulen + 3;
	}
	irc_msg_pieces(s, nick, user, text, len, action);
}

static void
irc_msg_pieces(struct session *s, const char *nick, const char *user,
    const char *text, size_t len, int action)
{
	char	 tags[64] = "", tm[40];
	size_t	 fixed, max, piece, next;
	int	 first = 1;

	if (s->caps & CAP_SERVER_TIME)
		snprintf(tags, sizeof tags, "@time=%s ",
		    irc_send_time_tag(tm, sizeof tm));
	/* ":nick!user@host PRIVMSG me :" + CR LF (+ "\1ACTION " "\1") */
	fixed = 1 + strlen(nick) + 1 + strlen(user) + 1 +
	    strlen(upstream_host()) + 9 + strlen(s->nick) + 2 + 2 +
	    (action ? 9 : 0);
	max = fixed + 32 < IRC_LINE_MAX ? IRC_LINE_MAX - fixed : 32;
	while ((len > 0 || first) && !(s->flags & SESSION_DEAD)) {
		first = 0;
		piece = len > 0 ? irc_split(text, len, max, &next) : 0;
		if (len == 0)
			next = 0;
		irc_send_raw(s, "%s:%s!%s@%s PRIVMSG %s :%s%.*s%s", tags,
		    nick, user, upstream_host(), s->nick,
		    action ? "\001ACTION " : "", (int)piece, text,
		    action ? "\001" : "");
		text += next;
		len -= next;
	}
}
