/*
 * PRIVMSG and NOTICE become one SEND per target, each carrying its own
 * continuation (SEND-OK, UNKNOWN, refused, lost); DELIVERY comes back here
 * from the link. CTCP ACTION travels as "* name text", which reads well
 * in a plain chat client too; other CTCP is refused locally.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands/gw.h"
#include "store/store.h"
#include "textsafe.h"
#include "irc/numeric.h"

#define CTCP	'\001'
#define EXCERPT	40		/* bytes of text named in a report */

/* A SEND on its way: what its answer needs to reach the client. */
struct msg_sent {
	unsigned	 sid;
	struct link	*link;		/* lives until this is answered */
	int		 notice;
	char		*target;	/* as the client wrote it */
	char		*name;		/* the chat name it went to */
	char		*text;		/* as sent upstream */
	char		*echo;		/* as the client sent it */
	const struct store_msg *stored;	/* while it is shown */
	char		*label;		/* labeled-response, or NULL */
};

static void	irc_msg_one(struct session *, const char *, const char *,
		    int);
static int	irc_msg_is_channel(const char *);
static void	irc_msg_tell(struct session *, const char *, const char *,
		    const char *);
static void	irc_msg_send(struct session *, const char *, const char *,
		    const char *, int, const char *);
static void	irc_msg_done(void *, enum up_result, char *);
static void	irc_msg_far_done(void *, struct link *, enum up_result,
		    const char *, const struct store_msg *);
static void	irc_msg_stored_out(void *, struct link *,
		    const struct store_msg *, int);
static void	irc_msg_answer(struct msg_sent *, enum up_result,
		    const char *, const struct store_msg *);
static void	irc_msg_stored_in(void *, struct link *,
		    const struct store_msg *, int);
static void	irc_msg_echo(struct session *, struct msg_sent *,
		    const struct store_msg *);
static void	irc_msg_mirror(struct session *, void *);

/* One message as lines to one client. */
struct msg_lines {
	const char	*tags;		/* "" or "@...; " */
	const char	*from;		/* nick!user@host */
	const char	*cmd;		/* NULL: PRIVMSG */
	const char	*to;
	const char	*lead;		/* "[12:34] " in replays, or "" */
	const char	*text;
	size_t		 len;
	int		 action;
};
static void	irc_msg_show_one(struct session *, void *);
static void	irc_msg_lines(struct session *, const struct msg_lines *);
static size_t	irc_msg_no_ctcp(char *, size_t);
static void	irc_msg_tags(struct session *, const struct store_msg *,
		    const char *, char *, size_t);
static void	irc_msg_from(char *, size_t, const char *, const char *);

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
	s->last_msg = time(NULL);	/* WHOIS 317: idle since */
	targets[0] = '\0';
	xstrlcat(targets, m->params[0], sizeof targets);
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
	const char	*send = text, *end, *away;

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
	if (service_is(target)) {	/* never a chat name: never upstream */
		if (!notice)
			service_privmsg(s, text);
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
	if (!notice && (away = control_away_name(name)) != NULL)
		irc_send_num(s, RPL_AWAY, "%s :%s", target, away);
	irc_msg_send(s, target, name, send, notice, text);
}

/* One SEND for the link; what comes of it is irc_msg_done()'s. */
static void
irc_msg_send(struct session *s, const char *target, const char *name,
    const char *send, int notice, const char *echo)
{
	struct msg_sent	*m;
	char		 why[128], *p;
	size_t		 tl = strlen(target) + 1, nl = strlen(name) + 1;
	size_t		 sl = strlen(send) + 1, el = strlen(echo) + 1;
	int		 rc;

	/* one allocation a message: the strings follow the struct */
	m = xcalloc(1, sizeof *m + tl + nl + sl + el);
	p = (char *)(m + 1);
	m->target = memcpy(p, target, tl);
	m->name = memcpy(p += tl, name, nl);
	m->text = memcpy(p += nl, send, sl);
	m->echo = memcpy(p + sl, echo, el);
	m->sid = s->id;
	m->link = s->link;
	m->notice = notice;
	/* parked: through the gateway that holds the account (outbox.c) */
	if (outbox_wanted(s->link))
		rc = outbox_send(s, name, send, strlen(send),
		    irc_msg_far_done, m);
	else
		rc = link_send(s->link, name, send, strlen(send),
		    irc_msg_done, m);
	if (rc == 0 && (s->caps & CAP_ECHO_MESSAGE))
		m->label = irc_label_take(s);	/* the echo is the reply */
	if (rc == LINK_HOLD_FULL)
		irc_send_notice(s, "%s to %s not delivered: %s %lld messages "
		    "already wait (hold-max): %.*s%s", notice ? "Notice" :
		    "Message", target, outbox_wanted(s->link) ? "no gateway "
		    "has sent the" : "the chat server connection is down and",
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
 * What became of a SEND: delivered (for an account, stored first, then
 * shown on its other clients; echo-message shows it to the sender), nobody
 * of that name (401), refused (the server's words) or lost in flight.
 */
static void
irc_msg_done(void *ctx, enum up_result r, char *why)
{
	struct msg_sent	*m = ctx;

	if (r == UP_OK && account_store_msg(m->link, STORE_OUT, m->name,
	    m->text, strlen(m->text), irc_msg_stored_out, m) == 0)
		return;			/* irc_msg_stored_out() goes on */
	irc_msg_answer(m, r, why, NULL);
}

/*
 * Sent through another gateway: its answer, the message stored there
 * already (the live news brings it here instead of showing it).
 */
static void
irc_msg_far_done(void *ctx, struct link *l, enum up_result r,
    const char *why, const struct store_msg *stored)
{
	struct msg_sent	*m = ctx;

	m->link = l;			/* NULL: the account is gone */
	irc_msg_answer(m, r, why, stored);
}

/* A confirmed SEND is stored: now its echo and its mirrors. */
static void
irc_msg_stored_out(void *ctx, struct link *l, const struct store_msg *sm,
    int stored)
{
	struct msg_sent	*m = ctx;

	m->link = l;			/* NULL: the account is gone */
	irc_msg_answer(m, UP_OK, NULL, stored ? sm : NULL);
}

/* The answer to the client, and m freed. */
static void
irc_msg_answer(struct msg_sent *m, enum up_result r, const char *why,
    const struct store_msg *stored)
{
	struct session	*s = session_find_id(m->sid);
	const char	*what = m->notice ? "Notice" : "Message";

	if (s != NULL && r != UP_CANCELLED)
		irc_label_begin(s, m->label);
	if (stored != NULL && m->link != NULL) {
		m->stored = stored;
		link_sessions(m->link, irc_msg_mirror, m);
	}
	if (s != NULL && r == UP_OK)
		irc_msg_echo(s, m, stored);
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
	if (s != NULL)
		irc_label_end(s);
	free(m->label);
	free(m);
}

/* The account's other clients see what one of them sent. */
static void
irc_msg_mirror(struct session *s, void *arg)
{
	struct msg_sent	*m = arg;
	struct msg_lines ml;
	char		 from[NICK_MAX + CHAT_NAME_MAX + HOST_MAX + 3];
	char		 tags[IRC_TAGS_MAX];

	if (s->id == m->sid || account_hold(s, m->stored))
		return;		/* the sender; a client in playback: later */
	irc_msg_from(from, sizeof from, s->nick, SNAME(s));
	irc_msg_tags(s, m->stored, NULL, tags, sizeof tags);
	account_shown(s, m->stored->msgid);
	memset(&ml, 0, sizeof ml);
	ml.tags = tags;
	ml.from = from;
	ml.cmd = m->notice ? "NOTICE" : NULL;
	ml.to = m->target;
	ml.lead = "";
	ml.text = m->echo;
	ml.len = strlen(m->echo);
	irc_msg_lines(s, &ml);
}

/* SEND-OK: delivered. With echo-message the client sees it now. */
static void
irc_msg_echo(struct session *s, struct msg_sent *m,
    const struct store_msg *stored)
{
	struct msg_lines ml;
	char		 from[NICK_MAX + CHAT_NAME_MAX + HOST_MAX + 3];
	char		 tags[IRC_TAGS_MAX];

	if (stored != NULL)
		account_shown(s, stored->msgid);
	if (!(s->caps & CAP_ECHO_MESSAGE))
		return;
	irc_msg_tags(s, stored, NULL, tags, sizeof tags);
	irc_msg_from(from, sizeof from, s->nick, SNAME(s));
	memset(&ml, 0, sizeof ml);
	ml.tags = tags;
	ml.from = from;
	ml.cmd = m->notice ? "NOTICE" : "PRIVMSG";
	ml.to = m->target;
	ml.lead = "";
	ml.text = m->echo;	/* its prefix is longer: split as needed */
	ml.len = strlen(m->echo);
	irc_msg_lines(s, &ml);
}

/*
 * DELIVERY user text: stored first when the link is an account's, then
 * shown to each client of the link.
 */
void
irc_msg_delivery(struct link *l, const char *user, char *text, size_t len)
{
	struct store_msg	m;

	if (account_store_msg(l, STORE_IN, user, text, len, irc_msg_stored_in,
	    NULL) != -1)
		return;		/* shown once stored, or not kept (told) */
	memset(&m, 0, sizeof m);
	m.dir = STORE_IN;
	m.peer = user;
	m.text = text;
	m.text_len = len;
	link_sessions(l, irc_msg_show_one, &m);
}

/* Stored (or the store failed: shown all the same, without a msgid). */
static void
irc_msg_stored_in(void *ctx, struct link *l, const struct store_msg *m,
    int stored)
{
	(void)ctx;
	(void)stored;
	if (l != NULL)
		link_sessions(l, irc_msg_show_one, (void *)m);
}

static void
irc_msg_show_one(struct session *s, void *arg)
{
	irc_msg_show(s, arg, 0, NULL);
}

/* IRCv3 tags for a message line: batch, msgid, time; "" or "@...; ". */
static void
irc_msg_tags(struct session *s, const struct store_msg *m,
    const char *batch, char *buf, size_t size)
{
	char		tm[40];
	struct sbuf	b;

	sbuf_init(&b, buf, size);
	if (batch != NULL) {
		sbuf_str(&b, "@batch=");
		sbuf_str(&b, batch);
	}
	if (m != NULL && m->msgid[0] != '\0' &&
	    (s->caps & CAP_MESSAGE_TAGS)) {
		sbuf_str(&b, b.len ? ";msgid=" : "@msgid=");
		sbuf_str(&b, m->msgid);
	}
	if (s->caps & CAP_SERVER_TIME) {
		if (m != NULL && m->time_ms > 0)
			chathistory_time_format(m->time_ms, tm, sizeof tm);
		else
			irc_send_time_tag(tm, sizeof tm);
		sbuf_str(&b, b.len ? ";time=" : "@time=");
		sbuf_str(&b, tm);
	}
	if (b.len > 0 && b.len + 1 < size)
		sbuf_chr(&b, ' ');
}

/* A line's source, nick!user@host. */
static void
irc_msg_from(char *buf, size_t size, const char *nick, const char *user)
{
	struct sbuf	b;

	sbuf_init(&b, buf, size);
	sbuf_str(&b, nick);
	sbuf_chr(&b, '!');
	sbuf_str(&b, user);
	sbuf_chr(&b, '@');
	sbuf_str(&b, upstream_host_irc());
}

/*
 * One message to s, live or replayed (then without server-time the time
 * leads the text as "[HH:MM] "). A text from a chat user: "* user text"
 * from user, or a well-formed CTCP ACTION, is an ACTION; any other \001
 * is removed, so a chat user cannot start CTCP exchanges; what could
 * drive a terminal becomes U+FFFD (textsafe.c).
 */
void
irc_msg_show(struct session *s, const struct store_msg *m, int replay,
    const char *batch)
{
	struct msg_lines	 ml;
	char			 tags[IRC_TAGS_MAX], lead[16] = "";
	char			 from[NICK_MAX + CHAT_NAME_MAX + HOST_MAX + 3];
	char			 peer[NICK_MAX + 1], who[TEXTSAFE_MAX(16) + 1];
	char			*copy = NULL, *safe = NULL;
	char			 stand[] = TEXTSAFE_REPL;
	const char		*sender = m->dir == STORE_IN ? m->peer : SNAME(s);
	size_t			 len = m->text_len, slen = strlen(sender);
	time_t			 t;
	struct tm		 tm;

	if (!replay && account_hold(s, m))
		return;			/* shown after its playback */
	memset(&ml, 0, sizeof ml);
	ml.text = m->text;
	ml.action = textsafe_is_action(m->text, len);
	if (!ml.action && memchr(m->text, CTCP, len) != NULL) {
		copy = xmalloc(len + 1);	/* only then: the hot path */
		memcpy(copy, m->text, len);
		copy[len] = '\0';
		ml.text = copy;
		if ((len = irc_msg_no_ctcp(copy, len)) == 0) {
			ml.text = stand;	/* only \001s: no empty line */
			len = TEXTSAFE_REPL_LEN;
		}
	}
	if (textsafe_text_span(ml.text, len) < len) {
		safe = xmalloc(TEXTSAFE_MAX(len) + 1);
		len = textsafe_text(safe, TEXTSAFE_MAX(len) + 1, ml.text, len);
		ml.text = safe;
	}
	if (ml.action) {			/* \1ACTION text\1 */
		len = len > 9 ? len - 9 : 0;
		ml.text += len > 0 ? 8 : 0;
	} else if (len > slen + 3 && ml.text[0] == '*' && ml.text[1] == ' ' &&
	    strncmp(ml.text + 2, sender, slen) == 0 &&
	    ml.text[slen + 2] == ' ') {
		ml.action = 1;
		ml.text += slen + 3;
		len -= slen + 3;
	}
	ml.len = len;
	if (names_from_upstream(m->peer, peer, sizeof peer) == -1) {
		log_warnx("s%u: a message with a name IRC cannot show: %s",
		    s->id, log_escape(m->peer, strlen(m->peer)));
		textsafe_name(who, sizeof who, m->peer, strnlen(m->peer, 16));
		irc_send_notice(s, "From a chat user whose name IRC cannot "
		    "show (%s...): %.*s", who, (int)ml.len, ml.text);
		goto done;
	}
	if (m->dir == STORE_IN)
		irc_msg_from(from, sizeof from, peer, m->peer);
	else
		irc_msg_from(from, sizeof from, s->nick, SNAME(s));
	if (replay && !(s->caps & CAP_SERVER_TIME) && m->time_ms > 0) {
		t = (time_t)(m->time_ms / 1000);
		localtime_r(&t, &tm);
		strftime(lead, sizeof lead, "[%H:%M] ", &tm);
	}
	irc_msg_tags(s, m, batch, tags, sizeof tags);
	ml.tags = tags;
	ml.from = from;
	ml.to = m->dir == STORE_IN ? s->nick : peer;
	ml.lead = lead;
	irc_msg_lines(s, &ml);
	if (m->msgid[0] != '\0')
		account_shown(s, m->msgid);
done:
	free(safe);
	free(copy);
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

/* In pieces that fit 512 bytes and end on character boundaries. */
static void
irc_msg_lines(struct session *s, const struct msg_lines *ml)
{
	const char	*text = ml->text;
	char		 buf[IRC_TAGS_MAX + IRC_LINE_MAX + 64];
	size_t		 len = ml->len, head, max, piece, next, n;
	size_t		 lead = strlen(ml->lead);
	int		 first = 1;
	struct sbuf	 b;

	/* "tags:from PRIVMSG to :" is the same for every piece */
	sbuf_init(&b, buf, sizeof buf);
	sbuf_str(&b, ml->tags);
	sbuf_chr(&b, ':');
	sbuf_str(&b, ml->from);
	sbuf_chr(&b, ' ');
	sbuf_str(&b, ml->cmd != NULL ? ml->cmd : "PRIVMSG");
	sbuf_chr(&b, ' ');
	sbuf_str(&b, ml->to);
	sbuf_str(&b, ml->action ? " :\001ACTION " : " :");
	head = b.len;
	if (head >= sizeof buf - IRC_LINE_MAX)
		return;			/* cannot be: tags and names are bounded */
	/* the bound counts from ':' after the tags: + lead, "\1", CR LF */
	n = head - strlen(ml->tags) + lead + (ml->action ? 1 : 0) + 2;
	max = n + 32 < IRC_LINE_MAX ? IRC_LINE_MAX - n : 32;
	while ((len > 0 || first) && !(s->flags & SESSION_DEAD)) {
		piece = len > 0 ? irc_split(text, len, max, &next) : 0;
		if (len == 0)
			next = 0;
		n = head;
		if (first && lead > 0) {
			memcpy(buf + n, ml->lead, lead);
			n += lead;
		}
		memcpy(buf + n, text, piece);
		n += piece;
		if (ml->action)
			buf[n++] = '\001';
		buf[n++] = '\r';
		buf[n++] = '\n';
		irc_send_line(s, buf, n);	/* no printf on the hot path */
		first = 0;
		text += next;
		len -= next;
	}
}
