/*
 * NICK after login, make before break: the new name logs in on a second
 * connection; only after its HELLO does it replace the first, whose
 * replies are still awaited (a WHO at its tail) before it closes a grace
 * moment later. What NICK means to the IRC client is irc_cmd_login.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "link_int.h"
#include "irc/numeric.h"

static void	link_nick_one(struct session *, void *);

/* A numeric (or with num 0 a NOTICE) to the session that asked NICK. */
void
link_nick_reply(struct link *l, int num, const char *fmt, ...)
{
	struct session	*s = session_find_id(l->nick_sid);
	char		 buf[IRC_LINE_MAX];
	va_list		 ap;

	if (s == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (num == 0)
		irc_send_notice(s, "%s", buf);
	else
		irc_send_num(s, num, "%s", buf);
}

/*
 * NICK after login: log in as the new name on a second connection; the
 * old one stays until that worked, so nothing sent to either is lost.
 */
void
link_nick(struct link *l, struct session *s, const char *nick,
    const char *name)
{
	if ((l->flags & LINK_AWAY) || l->up == NULL) {
		irc_send_num(s, RPL_TRYAGAIN, "NICK :The chat server is not "
		    "connected; please wait a while and try again.");
		return;
	}
	if (l->nick_up != NULL) {
		irc_send_num(s, RPL_TRYAGAIN, "NICK :A nick change is under "
		    "way; please wait a while and try again.");
		return;
	}
	if (upbind_pick() == -1) {
		irc_send_num(s, RPL_TRYAGAIN, "NICK :The gateway has no free "
		    "chat server login slot for a second login now; please "
		    "wait a while and try again.");
		return;
	}
	snprintf(l->nick_want, sizeof l->nick_want, "%s", nick);
	l->nick_sid = s->id;
	log_info("s%u: nick change to %s: logging in as %s", l->id,
	    log_escape(nick, strlen(nick)), name);
	l->nick_up = upstream_connect(name, l->id, &link_up_hooks, l);
	if (l->nick_up == NULL)
		irc_send_num(s, RPL_TRYAGAIN, "NICK :Cannot reach the chat "
		    "server now; please wait a while and try again.");
}

struct link_nick {
	const char	*was_name;
	const char	*nick;
};

static void
link_nick_one(struct session *s, void *arg)
{
	struct link_nick	*n = arg;
	char			 was[NICK_MAX + 1];

	snprintf(was, sizeof was, "%s", s->nick);
	session_set_nick(s, n->nick);
	irc_send_raw(s, ":%s!%s@%s NICK :%s", was, n->was_name, s->host,
	    n->nick);
}

/*
 * The new login is in: it becomes l->up, the clients are told, and the
 * old connection closes once its replies are in (a WHO at its tail marks
 * the point after which nothing more can be sent to the old name).
 */
void
link_nick_swap(struct link *l, struct upstream *u, const char *name)
{
	struct upstream		*old = l->up;
	struct link_nick	 n;
	char			 nick[NICK_MAX + 1];
	char			 was_name[CHAT_NAME_MAX + 1];

	l->nick_up = NULL;
	l->up = u;
	upstream_set_keepalive(u, 1);
	link_old_close(l, "the connection of an earlier nick closed");
	if (l->flags & LINK_DEAD)
		return;
	if (old != NULL) {
		upstream_set_keepalive(old, 0);
		l->old_up = old;
		l->draining = 1;
	}
	snprintf(nick, sizeof nick, "%s", l->nick_want);
	snprintf(was_name, sizeof was_name, "%s", l->name);
	log_info("s%u: nick %s -> %s (chat name %s)", l->id,
	    log_escape(l->name, strlen(l->name)), nick, name);
	snprintf(l->name, sizeof l->name, "%s", name);
	names_login_base(nick, l->base, sizeof l->base);
	n.was_name = was_name;
	n.nick = nick;
	link_renamed(l, name);
	link_sessions(l, link_nick_one, &n);
	if (l->flags & LINK_DEAD)
		return;
	presence_set(was_name, 0);	/* MONITOR hears at once */
	if (!(l->flags & LINK_DEAD))
		presence_set(name, 1);
	if ((l->flags & LINK_DEAD) || old == NULL)
		return;
	upstream_who(old, 1, NULL, NULL);
	if (upstream_npending(old) == 0)
		link_drained(l);
}

/*
 * The replaced connection answered everything: it closes a moment later,
 * since a DELIVERY the server confirmed to its sender may still be on
 * its way to the old name.
 */
void
link_drained(struct link *l)
{
	l->draining = 0;
	log_debug("s%u: old upstream drained, closing soon", l->id);
	core_timer_ms(l->grace, NICK_GRACE_MS);
}

void
link_on_grace(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	link_old_close(arg, "the connection of your old nick closed");
}

/* Close the old login now; what it still waited for is named. */
void
link_old_close(struct link *l, const char *why)
{
	struct upstream	*old = l->old_up;

	event_del(l->grace);
	if (old == NULL)
		return;
	l->old_up = NULL;
	l->draining = 0;
	if (strcmp(upstream_name(old), l->name) != 0)
		presence_set(upstream_name(old), 0);	/* lists lag: hold */
	upstream_close(old, why);
}
