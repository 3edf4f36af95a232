/*
 * The &chat channel: every session joins it after login, its nick list is
 * presence.c's table, and text typed in it is the seed's commands (!who,
 * @user message, !quit, help). Also each session's MONITOR list and AWAY
 * text. Channel queries (MODE, WHO, LIST...) are irc_cmd_chan.c's.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "casemap.h"
#include "control/control.h"
#include "textsafe.h"
#include "irc/numeric.h"

#define MONITOR_MAX	100		/* ISUPPORT MONITOR */
#define NAMES_LINE	300		/* bytes of names per line */

struct control {
	int		 joined;		/* in &chat */
	int		 waiting;		/* in join_wait: once only */
	char		*away;
	unsigned	 nmon;
	char		 (*mon)[NICK_MAX + 1];	/* folded nicks */
};

/* "@user message" on its way. */
struct control_at {
	unsigned	 sid;
	char		*user;
	char		*text;
};

struct control_cmd {
	const char	*name;
	void		(*fn)(struct session *, const char *);
};

struct control_change {
	const char	*name;
	char		 nick[NICK_MAX + 1];
	char		 key[NICK_MAX + 1];
	int		 online;
	int		 large;		/* past channel-large: no JOIN/QUIT */
};

struct control_away {
	struct session	*s;
	const char	*text;
};

struct control_names {
	struct session	*s;
	char		 line[IRC_LINE_MAX];
	size_t		 len;
	unsigned	 n;
	int		 bare;		/* !who: nicks only */
};

static void	control_cmd_help(struct session *, const char *);
static void	control_cmd_quit(struct session *, const char *);
static void	control_cmd_who(struct session *, const char *);

static const struct control_cmd control_cmds[] = {	/* typed in &chat */
	{ "!help",	control_cmd_help },
	{ "!quit",	control_cmd_quit },
	{ "!who",	control_cmd_who },
	{ "help",	control_cmd_help },
};

static const char *const control_help_lines[] = {	/* help, HELP &chat */
	"!who - list the online users",
	("@user message - send a message to user (or /msg user message, "
	    "which opens a window for the talk)"),
	"!quit - leave (like /quit)",
	"help - these lines",
};

static unsigned long	 nmonitoring;	/* MONITOR entries, all sessions */

static struct control *control_get(struct session *);
static void	control_say(struct session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	control_at(struct session *, const char *);
static void	control_tell(struct session *, void *);
static void	control_names_add(const char *, void *);
static void	control_names_flush(struct control_names *, int);
static int	control_mon_find(struct control *, const char *);
static void	control_mon_status(struct session *, const char *, int);
static void	control_join_list(struct session *);
static void	control_join_flush(void);
static void	control_join_done(void *, enum up_result, char *);
static void	control_who_done(void *, enum up_result, char *);
static void	control_who_answer(struct session *);
static void	control_at_done(void *, enum up_result, char *);
static void	control_away_take(struct session *, void *);
static void	control_away_notify(struct session *, void *);
static void	control_away_any(struct session *, void *);

static struct control *
control_get(struct session *s)
{
	if (s->ctl == NULL)
		s->ctl = xcalloc(1, sizeof *s->ctl);
	return s->ctl;
}

/* A NOTICE from the gateway into &chat, where the user typed. */
static void
control_say(struct session *s, const char *fmt, ...)
{
	char	buf[IRC_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	irc_send_raw(s, ":%s!gateway@%s NOTICE %s :%s", conf.server_name,
	    conf.server_name, conf.channel, buf);
}

/* 1 if name is the control channel (any case). */
int
control_is_channel(const char *name)
{
	return strcasecmp(name, conf.channel) == 0;
}

/* Free what the session kept here. */
void
control_free(struct session *s)
{
	if (s->ctl == NULL)
		return;
	nmonitoring -= s->ctl->nmon;
	free(s->ctl->away);
	free(s->ctl->mon);
	free(s->ctl);
	s->ctl = NULL;
}

/*
 * Logged in: join &chat (unless --channel none), as control_join(); a
 * client attached to an away account is away too.
 */
void
control_login(struct session *s)
{
	const char	*away = control_away(s);

	if (away != NULL && control_get(s)->away == NULL)
		s->ctl->away = xstrdup(away);
	if (conf.channel_join)
		control_join(s, 1);
}

/*
 * Sessions waiting to join &chat until a user list asked after their
 * login comes back: one WHO serves all who log in while it is out, so N
 * logins do not pull N lists (issue 9).
 */
static unsigned		*join_wait;	/* session ids */
static size_t		 njoin_wait, join_wait_cap;
static long long	 join_asked = -1;	/* core_now_ms(); -1: none */

/*
 * Join &chat once the user list is in: with ask, or when the shared
 * list is stale, after the join WHO under way (or one of its own); else
 * at once.
 */
void
control_join(struct session *s, int ask)
{
	struct control	*c = control_get(s);
	long long	 now = core_now_ms();

	if (c->joined || c->waiting)
		return;			/* a JOIN repeated while it waits */
	if (!ask && presence_fresh()) {
		control_join_list(s);
		return;
	}
	if (join_asked < 0 || now - join_asked > conf.upstream_timeout * 1000) {
		if (link_who(s->link, control_join_done, NULL) == -1) {
			control_join_list(s);	/* from the shared list */
			return;
		}
		join_asked = now;
	}
	if (njoin_wait == join_wait_cap) {
		join_wait_cap = join_wait_cap ? join_wait_cap * 2 : 16;
		join_wait = reallocarray(join_wait, join_wait_cap,
		    sizeof *join_wait);
		if (join_wait == NULL)
			fatal("control_join");
	}
	join_wait[njoin_wait++] = s->id;
	c->waiting = 1;
}

/* The join WHO is answered (or failed): every waiting session joins. */
static void
control_join_done(void *ctx, enum up_result r, char *list)
{
	(void)ctx;
	(void)list;
	join_asked = -1;
	if (r != UP_CANCELLED)
		control_join_flush();
	else if (njoin_wait > 0)	/* its session left: ask again */
		control_join_flush();
}

static void
control_join_flush(void)
{
	struct session	*s;
	unsigned	*ids = join_wait;
	size_t		 i, n = njoin_wait;

	join_wait = NULL;
	njoin_wait = join_wait_cap = 0;
	for (i = 0; i < n; i++)
		if ((s = session_find_id(ids[i])) != NULL) {
			control_get(s)->waiting = 0;
			control_join_list(s);
		}
	free(ids);
}

/* Shutdown: forget who waited. */
void
control_shutdown(void)
{
	free(join_wait);
	join_wait = NULL;
	njoin_wait = join_wait_cap = 0;
}

/* 1 past channel-large: &chat lists nobody and shows no JOIN/QUIT. */
static int
control_large(void)
{
	return conf.channel_large > 0 &&
	    presence_count() > (unsigned)conf.channel_large;
}

/* 332 and 333: what &chat is. */
void
control_topic(struct session *s)
{
	irc_send_num(s, RPL_TOPIC, "%s :Everyone online on %s. Type help",
	    conf.channel, upstream_host());
	irc_send_num(s, RPL_TOPICWHOTIME, "%s %s %lld", conf.channel,
	    conf.server_name, (long long)start_time);
}

/* JOIN, topic and the nick list, from the presence table. */
static void
control_join_list(struct session *s)
{
	struct control	*c = control_get(s);

	if (c->joined || (s->flags & SESSION_DEAD))
		return;
	c->joined = 1;
	irc_send_raw(s, ":%s!%s@%s JOIN %s", s->nick, SNAME(s),
	    upstream_host_irc(), conf.channel);
	control_topic(s);
	if (control_large())
		irc_send_num(s, RPL_NAMREPLY, "= %s :%s", conf.channel,
		    s->nick);
	else
		control_names(s, 0);
	irc_send_num(s, RPL_ENDOFNAMES, "%s :End of /NAMES list",
	    conf.channel);
	if (control_large())
		control_say(s, "%u users are online: too many to list at "
		    "join or to follow arrivals here (channel-large %lld). "
		    "/names %s or !who lists them, MONITOR follows whom you "
		    "choose.", presence_count(), conf.channel_large,
		    conf.channel);
}

/* Leave &chat (PART); 0, or -1 if s was not in it. */
int
control_part(struct session *s, const char *why)
{
	struct control	*c = control_get(s);

	if (!c->joined)
		return -1;
	c->joined = 0;
	irc_send_raw(s, ":%s!%s@%s PART %s :%s", s->nick, SNAME(s),
	    upstream_host_irc(), conf.channel, why);
	return 0;
}

/* 1 if s is in &chat. */
int
control_joined(struct session *s)
{
	return s->ctl != NULL && s->ctl->joined;
}

static void
control_names_flush(struct control_names *cn, int last)
{
	if (cn->len == 0 || (!last && cn->len < NAMES_LINE))
		return;
	if (cn->bare)
		control_say(cn->s, "%s", cn->line);
	else
		irc_send_num(cn->s, RPL_NAMREPLY, "= %s :%s", conf.channel,
		    cn->line);
	cn->len = 0;
	cn->line[0] = '\0';
}

static void
control_names_add(const char *name, void *arg)
{
	struct control_names	*cn = arg;
	struct session		*s = cn->s;
	char			 nick[NICK_MAX + 1];
	int			 uh;

	uh = !cn->bare && (s->caps & CAP_USERHOST_NAMES);
	if (strcmp(name, SNAME(s)) == 0)
		snprintf(nick, sizeof nick, "%s", s->nick);
	else if (names_from_upstream(name, nick, sizeof nick) == -1)
		return;
	cn->n++;
	cn->len += (size_t)snprintf(cn->line + cn->len,
	    sizeof cn->line - cn->len, uh ? "%s%s!%s@%s" : "%s%s",
	    cn->len ? (cn->bare ? ", " : " ") : "", nick, name,
	    upstream_host_irc());
	control_names_flush(cn, 0);
}

/*
 * 353 lines of everyone online (own nick always in), or with bare the
 * !who lines. Returns how many names.
 */
unsigned
control_names(struct session *s, int bare)
{
	struct control_names	cn;

	memset(&cn, 0, sizeof cn);
	cn.s = s;
	cn.bare = bare;
	if (SNAME(s)[0] != '\0' && !presence_online(SNAME(s)))
		control_names_add(SNAME(s), &cn);
	presence_foreach(control_names_add, &cn);
	control_names_flush(&cn, 1);
	return cn.n;
}

/* One user came or went: JOIN/QUIT to each session in &chat, MONITOR. */
void
control_changed(const char *name, int online)
{
	struct control_change	ch;

	memset(&ch, 0, sizeof ch);
	ch.name = name;
	ch.online = online;
	if (names_from_upstream(name, ch.nick, sizeof ch.nick) == -1 ||
	    casemap_fold(ch.key, sizeof ch.key, ch.nick) == -1)
		return;
	if (log_debugging())
		log_debug("presence: %s %s", log_escape(name, strlen(name)),
		    online ? "online" : "gone");
	ch.large = control_large();
	if (ch.large && nmonitoring == 0)
		return;			/* nobody to tell: O(1) per change */
	session_foreach(control_tell, &ch);
}

static void
control_tell(struct session *s, void *arg)
{
	struct control_change	*ch = arg;
	struct control		*c = s->ctl;

	if (c == NULL || !(s->flags & SESSION_REGISTERED))
		return;
	if (c->nmon > 0 && control_mon_find(c, ch->key) >= 0)
		control_mon_status(s, ch->name, ch->online);
	if (!c->joined || ch->large || strcmp(ch->name, SNAME(s)) == 0)
		return;
	if (ch->online)
		irc_send_raw(s, ":%s!%s@%s JOIN %s", ch->nick, ch->name,
		    upstream_host_irc(), conf.channel);
	else
		irc_send_raw(s, ":%s!%s@%s QUIT :Left the chat server",
		    ch->nick, ch->name, upstream_host_irc());
}

/* Text typed in &chat: a command, @user message, or a hint. */
void
control_privmsg(struct session *s, const char *text)
{
	char	 word[16];
	size_t	 i, wlen;

	if (s->caps & CAP_ECHO_MESSAGE)
		irc_send_raw(s, ":%s!%s@%s PRIVMSG %s :%s", s->nick, SNAME(s),
		    upstream_host_irc(), conf.channel, text);
	while (*text == ' ')
		text++;
	if (*text == '@') {
		control_at(s, text + 1);
		return;
	}
	wlen = strcspn(text, " ");
	if (wlen < sizeof word) {
		memcpy(word, text, wlen);
		word[wlen] = '\0';
		for (i = 0; i < sizeof control_cmds / sizeof control_cmds[0];
		    i++)
			if (strcasecmp(word, control_cmds[i].name) == 0) {
				control_cmds[i].fn(s, text + wlen);
				return;
			}
	}
	control_say(s, "Not sent to anyone: \"%.80s%s\" (%s is not a chat "
	    "room). Type help, !who, @user message, or /msg user message",
	    text, strlen(text) > 80 ? "..." : "", conf.channel);
}

/* Line i of what may be typed in &chat; NULL past the last. */
const char *
control_help(unsigned i)
{
	if (i >= sizeof control_help_lines / sizeof control_help_lines[0])
		return NULL;
	return control_help_lines[i];
}

static void
control_cmd_help(struct session *s, const char *args)
{
	unsigned	i;

	(void)args;
	control_say(s, "%s: everyone online on %s is in its nick list. "
	    "Commands typed here:", conf.channel, upstream_host());
	for (i = 0; control_help(i) != NULL; i++)
		control_say(s, "%s", control_help(i));
}

static void
control_cmd_quit(struct session *s, const char *args)
{
	(void)args;
	session_close(s, "Quit: !quit");
}

static void
control_cmd_who(struct session *s, const char *args)
{
	(void)args;
	if (link_who(s->link, control_who_done,
	    (void *)(uintptr_t)s->id) == -1)
		control_who_answer(s);		/* from the shared list */
}

/* The user list for !who is in (presence has it), or not: say why. */
static void
control_who_done(void *ctx, enum up_result r, char *arg)
{
	struct session	*s = session_find_id((unsigned)(uintptr_t)ctx);

	if (s == NULL || r == UP_CANCELLED)
		return;
	if (r != UP_OK)
		irc_send_fail(s, "FAIL", "WHO", "UPSTREAM_REFUSED", NULL, "The "
		    "chat server could not list its users: %s", arg);
	if (!(s->flags & SESSION_DEAD))
		control_who_answer(s);
}

/* !who: everyone online, from the shared list. */
static void
control_who_answer(struct session *s)
{
	unsigned	n = presence_count();

	if (SNAME(s)[0] != '\0' && !presence_online(SNAME(s)))
		n++;
	control_say(s, "There are %u online users:", n);
	control_names(s, 1);
}

/* "@user message": one SEND; the answer comes to control_at_done(). */
static void
control_at(struct session *s, const char *text)
{
	char			 user[NICK_MAX + 1], name[CHAT_NAME_MAX + 1];
	size_t			 ulen = strcspn(text, " ");
	const char		*msg = text + ulen;
	struct control_at	*a;
	int			 rc;

	while (*msg == ' ')
		msg++;
	if (ulen == 0 || *msg == '\0') {
		control_say(s, "Usage: @user message (nothing was sent)");
		return;
	}
	if (ulen >= sizeof user) {
		control_say(s, "The destination user does not exist: %.*s... "
		    "(message not delivered)", (int)(sizeof user - 1), text);
		return;
	}
	memcpy(user, text, ulen);
	user[ulen] = '\0';
	if (chat_name_valid(user, ulen, CHAT_NAME_MAX) &&
	    presence_online(user))
		memcpy(name, user, ulen + 1);	/* <= CHAT_NAME_MAX */
	else if (names_to_upstream(user, name, sizeof name) == -1) {
		control_say(s, "The destination user does not exist: %s "
		    "(message not delivered)", user);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->sid = s->id;
	a->user = xstrdup(user);
	a->text = xstrdup(msg);
	rc = link_send(s->link, name, msg, strlen(msg), control_at_done, a);
	if (rc != 0) {
		control_say(s, "Message to %s not delivered: %s", user,
		    rc == LINK_HOLD_FULL ? "the chat server connection is "
		    "down" : "too many requests await the chat server, send "
		    "it again");
		control_at_done(a, UP_CANCELLED, NULL);
	}
}

/* The answer to "@user message", said in &chat. */
static void
control_at_done(void *ctx, enum up_result r, char *why)
{
	struct control_at	*a = ctx;
	struct session		*s = session_find_id(a->sid);

	if (s == NULL || r == UP_CANCELLED)
		;
	else if (r == UP_OK)
		control_say(s, "Message to %s delivered.", a->user);
	else if (r == UP_UNKNOWN)
		control_say(s, "The destination user does not exist: %s "
		    "(message not delivered: \"%.60s%s\")", a->user,
		    a->text, strlen(a->text) > 60 ? "..." : "");
	else if (r == UP_REFUSED)
		control_say(s, "Message to %s not delivered: %s", a->user,
		    why);
	else
		control_say(s, "Message to %s not confirmed: %s; it may or "
		    "may not have arrived", a->user, why);
	free(a->user);
	free(a->text);
	free(a);
}

/* ISON from the shared list (303). */
void
control_ison(struct session *s, const char *nicks)
{
	char	 copy[IRC_LINE_MAX], out[IRC_LINE_MAX], *p, *t;
	char	*save = NULL, name[CHAT_NAME_MAX + 1], canon[NICK_MAX + 1];
	size_t	 len = 0;

	out[0] = '\0';
	snprintf(copy, sizeof copy, "%s", nicks);
	for (p = copy; (t = strtok_r(p, " ", &save)) != NULL; p = NULL) {
		if (len + sizeof canon + 2 >= sizeof out)
			break;
		if (names_to_upstream(t, name, sizeof name) == 0 &&
		    presence_online(name) &&
		    names_from_upstream(name, canon, sizeof canon) == 0)
			len += (size_t)snprintf(out + len, sizeof out - len,
			    "%s%s", len ? " " : "", canon);
	}
	irc_send_num(s, RPL_ISON, ":%s", out);
}

/*
 * AWAY text (NULL: back) of the user behind s: one nick, one state, so
 * an account's clients all take it; away-notify tells the others.
 */
void
control_set_away(struct session *s, const char *text)
{
	struct control_away	ca;
	char			*safe = NULL;
	size_t			 len;

	if (text != NULL) {
		len = strnlen(text, 300);	/* others see it: safe */
		safe = xmalloc(TEXTSAFE_MAX(len) + 1);
		textsafe_text(safe, TEXTSAFE_MAX(len) + 1, text, len);
	}
	ca.s = s;
	ca.text = safe;
	if (s->link != NULL)
		link_sessions(s->link, control_away_take, &ca);
	else
		control_away_take(s, &ca);
	session_foreach(control_away_notify, &ca);
	free(safe);
}

static void
control_away_take(struct session *t, void *arg)
{
	struct control_away	*ca = arg;
	struct control		*c = control_get(t);

	free(c->away);
	c->away = ca->text != NULL ? xstrdup(ca->text) : NULL;
}

/*
 * IRCv3 away-notify: the account's other clients, and those sharing
 * &chat with s, see "AWAY :text" or "AWAY" under the cap.
 */
static void
control_away_notify(struct session *t, void *arg)
{
	struct control_away	*ca = arg;
	struct session		*s = ca->s;

	if (t == s || !(t->caps & CAP_AWAY_NOTIFY) ||
	    !(t->flags & SESSION_REGISTERED) || (t->link != s->link &&
	    !(control_joined(t) && control_joined(s))))
		return;
	if (ca->text != NULL)
		irc_send_raw(t, ":%s!%s@%s AWAY :%s", s->nick, SNAME(s),
		    upstream_host_irc(), ca->text);
	else
		irc_send_raw(t, ":%s!%s@%s AWAY", s->nick, SNAME(s),
		    upstream_host_irc());
}

static void
control_away_any(struct session *t, void *arg)
{
	struct control_away	*ca = arg;

	if (ca->text == NULL && t->ctl != NULL)
		ca->text = t->ctl->away;
}

/* The AWAY text of the user behind s (any client of it), or NULL. */
const char *
control_away(struct session *s)
{
	struct control_away	ca;

	if (s->link == NULL || (s->ctl != NULL && s->ctl->away != NULL))
		return s->ctl != NULL ? s->ctl->away : NULL;
	ca.s = s;
	ca.text = NULL;
	link_sessions(s->link, control_away_any, &ca);
	return ca.text;
}

/* The AWAY text of the user of this gateway named name upstream. */
const char *
control_away_name(const char *name)
{
	char		 nick[NICK_MAX + 1];
	struct session	*t;

	if (names_from_upstream(name, nick, sizeof nick) == -1 ||
	    (t = session_find_nick(nick)) == NULL ||
	    strcmp(SNAME(t), name) != 0)
		return NULL;
	return control_away(t);
}

/* ISUPPORT MONITOR. */
int
control_monitor_max(void)
{
	return MONITOR_MAX;
}

static int
control_mon_find(struct control *c, const char *key)
{
	unsigned	i;

	for (i = 0; i < c->nmon; i++)
		if (strcmp(c->mon[i], key) == 0)
			return (int)i;
	return -1;
}

/* 730 (online, with its mask) or 731 for one upstream name. */
static void
control_mon_status(struct session *s, const char *name, int online)
{
	char	nick[NICK_MAX + 1];

	if (names_from_upstream(name, nick, sizeof nick) == -1)
		return;
	if (online)
		irc_send_num(s, RPL_MONONLINE, ":%s!%s@%s", nick, name,
		    upstream_host_irc());
	else
		irc_send_num(s, RPL_MONOFFLINE, ":%s", nick);
}

/*
 * IRCv3 monitor: each target added gets 730 or 731; those past the limit
 * are not added and go, all of them, in one 734.
 */
static void
control_mon_add(struct session *s, char *targets)
{
	struct control	*c = control_get(s);
	char		*p, *t, *save = NULL, key[NICK_MAX + 1];
	char		 name[CHAT_NAME_MAX + 1], full[IRC_LINE_MAX];

	full[0] = '\0';
	for (p = targets; (t = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (casemap_fold(key, sizeof key, t) == -1 ||
		    names_to_upstream(t, name, sizeof name) == -1) {
			irc_send_num(s, RPL_MONOFFLINE, ":%s", t);
			continue;
		}
		if (control_mon_find(c, key) < 0) {
			if (c->nmon >= MONITOR_MAX) {
				if (full[0] != '\0')	/* one line: fits */
					xstrlcat(full, ",", sizeof full);
				xstrlcat(full, t, sizeof full);
				continue;
			}
			if (c->mon == NULL)
				c->mon = xcalloc(MONITOR_MAX, sizeof *c->mon);
			nmonitoring++;
			snprintf(c->mon[c->nmon++], sizeof c->mon[0], "%s",
			    key);
		}
		control_mon_status(s, name, presence_online(name));
	}
	if (full[0] != '\0')
		irc_send_num(s, ERR_MONLISTFULL, "%d %s :Monitor list is "
		    "full.", MONITOR_MAX, full);
}

static void
control_mon_del(struct session *s, char *targets)
{
	struct control	*c = control_get(s);
	char		*p, *t, *save = NULL, key[NICK_MAX + 1];
	int		 i;

	for (p = targets; (t = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (casemap_fold(key, sizeof key, t) == -1 ||
		    (i = control_mon_find(c, key)) < 0)
			continue;
		memcpy(c->mon[i], c->mon[c->nmon - 1], sizeof c->mon[0]);
		c->nmon--;
		nmonitoring--;
	}
}

static void
control_mon_list(struct session *s, int status)
{
	struct control	*c = control_get(s);
	char		 name[CHAT_NAME_MAX + 1];
	unsigned	 i;

	for (i = 0; i < c->nmon; i++) {
		if (!status)
			irc_send_num(s, RPL_MONLIST, ":%s", c->mon[i]);
		else if (names_to_upstream(c->mon[i], name, sizeof name) == 0)
			control_mon_status(s, name, presence_online(name));
	}
	if (!status)
		irc_send_num(s, RPL_ENDOFMONLIST, ":End of MONITOR list");
}

/* MONITOR + - C L S (IRCv3 monitor), answered from the shared list. */
void
control_monitor(struct session *s, struct irc_msg *m)
{
	char	targets[IRC_LINE_MAX];
	char	op = m->params[0][0];

	snprintf(targets, sizeof targets, "%s",
	    m->nparams > 1 ? m->params[1] : "");
	if ((op == '+' || op == '-') && targets[0] == '\0') {
		irc_send_num(s, ERR_NEEDMOREPARAMS, "MONITOR :Not enough "
		    "parameters");
		return;
	}
	switch (op) {
	case '+':
		control_mon_add(s, targets);
		break;
	case '-':
		control_mon_del(s, targets);
		break;
	case 'C':
	case 'c':
		nmonitoring -= control_get(s)->nmon;
		control_get(s)->nmon = 0;
		break;
	case 'L':
	case 'l':
		control_mon_list(s, 0);
		break;
	case 'S':
	case 's':
		control_mon_list(s, 1);
		break;
	default:
		irc_send_num(s, ERR_UNKNOWNCOMMAND, "MONITOR :Unknown MONITOR "
		    "subcommand %.1s (use + - C L S)", m->params[0]);
		break;
	}
}
