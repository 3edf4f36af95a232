/*
 * Queries and small commands: NAMES WHO WHOIS ISON USERHOST LUSERS are
 * answered from an upstream WHO/LIST (one request each; its continuation
 * carries the query's row and argument); MODE AWAY VERSION TIME INFO PING
 * are answered locally; channels (&chat) are irc_cmd_chan.c's.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "casemap.h"
#include "commands/gw.h"
#include "irc/numeric.h"

/* One kind of query: its answer from the list, and its end line. */
struct query {
	const char	*cmd;
	void		(*answer)(struct session *, char *, const char *);
	int		 end;		/* numeric closing a failed one */
	int		 head;		/* before its text: 0 none, 1 "*", */
					/* 2 the argument (or "*") */
	const char	*end_text;
};

/* A query awaiting the user list. */
struct query_ask {
	unsigned		 sid;
	const struct query	*q;
	char			*arg;
	char			*label;		/* labeled-response, or NULL */
};

static void	irc_query_names(struct session *, char *, const char *);
static void	irc_query_who(struct session *, char *, const char *);
static void	irc_query_whois(struct session *, char *, const char *);
static void	irc_query_ison(struct session *, char *, const char *);
static void	irc_query_userhost(struct session *, char *, const char *);
static void	irc_query_lusers(struct session *, char *, const char *);

static const struct query q_names = { "NAMES", irc_query_names,
	RPL_ENDOFNAMES, 1, "End of /NAMES list" };
static const struct query q_who = { "WHO", irc_query_who,
	RPL_ENDOFWHO, 2, "End of WHO list" };
static const struct query q_whois = { "WHOIS", irc_query_whois,
	RPL_ENDOFWHOIS, 2, "End of /WHOIS list" };
static const struct query q_ison = { "ISON", irc_query_ison,
	RPL_ISON, 0, "" };
static const struct query q_userhost = { "USERHOST", irc_query_userhost,
	RPL_USERHOST, 0, "" };
static const struct query q_lusers = { "LUSERS", irc_query_lusers,
	0, 0, NULL };

static void	irc_query_ask(struct session *, const struct query *,
		    const char *);
static void	irc_query_done(void *, enum up_result, char *);
static void	irc_query_end(struct session *, const struct query *,
		    const char *);
static int	irc_query_has(char *, const char *);
static void	irc_query_nicks(struct session *, char *, const char *, int);
static int	irc_is_channel(const char *);
static void	irc_query_join(struct irc_msg *, char *, size_t);
static void	irc_lusers_send(struct session *, unsigned);

static int
irc_is_channel(const char *t)
{
	return t[0] != '\0' && strchr("#&+!", t[0]) != NULL;
}

/* One WHO/LIST upstream for query q; 263 when too many wait. */
static void
irc_query_ask(struct session *s, const struct query *q, const char *arg)
{
	struct query_ask	*a = xcalloc(1, sizeof *a);

	a->sid = s->id;
	a->q = q;
	a->arg = xstrdup(arg != NULL ? arg : "");
	if (link_who(s->link, irc_query_done, a) == 0) {
		a->label = irc_label_take(s);	/* the answer carries it */
		return;
	}
	free(a->arg);
	free(a);
	log_info("s%u: max-pending %lld reached", s->id, conf.max_pending);
	if (q == &q_lusers) {
		irc_lusers_send(s, presence_count());	/* never without */
		return;
	}
	irc_send_num(s, RPL_TRYAGAIN, "%s :Please wait a while and try "
	    "again.", q->cmd);
	if (q->end_text != NULL && q->head != 0)
		irc_query_end(s, q, arg != NULL ? arg : "");	/* 318... */
}

static void
irc_query_end(struct session *s, const struct query *q, const char *arg)
{
	if (q->head == 0)
		irc_send_num(s, q->end, ":%s", q->end_text);
	else
		irc_send_num(s, q->end, "%s :%s", q->head == 2 &&
		    arg[0] != '\0' ? arg : "*", q->end_text);
}

/*
 * The user list is in (list is consumed), or it is not: the user hears
 * why, then the query's usual end line.
 */
static void
irc_query_done(void *ctx, enum up_result r, char *arg)
{
	struct query_ask	*a = ctx;
	struct session		*s = session_find_id(a->sid);

	if (s != NULL && r != UP_CANCELLED)
		irc_label_begin(s, a->label);
	if (s != NULL && r == UP_OK)
		a->q->answer(s, arg, a->arg);
	else if (s != NULL && (r == UP_REFUSED || r == UP_LOST)) {
		irc_send_fail(s, "FAIL", "WHO", "UPSTREAM_REFUSED", NULL, "The "
		    "chat server could not list its users: %s", arg);
		if (a->q == &q_lusers)
			irc_lusers_send(s, presence_count());
		else if (a->q->end_text != NULL)
			irc_query_end(s, a->q, a->arg);
	}
	if (s != NULL)
		irc_label_end(s);
	free(a->label);
	free(a->arg);
	free(a);
}

/* 1 if the upstream name of nick is in the list (which is left as is). */
static int
irc_query_has(char *list, const char *nick)
{
	char	 name[CHAT_NAME_MAX + 1], copy[IRC_LINE_MAX], *cur, *n;
	char	*big = NULL;
	size_t	 len = strlen(list);
	int	 found = 0;

	if (names_to_upstream(nick, name, sizeof name) == -1)
		return 0;
	cur = len < sizeof copy ? copy : (big = xmalloc(len + 1));
	memcpy(cur, list, len + 1);
	while (!found && (n = chat_list_next(&cur)) != NULL)
		found = strcmp(n, name) == 0;
	free(big);
	return found;
}

static void
irc_query_names(struct session *s, char *list, const char *arg)
{
	char	 line[IRC_LINE_MAX], nick[NICK_MAX + 1], *n;
	size_t	 len = 0;
	int	 uh = s->caps & CAP_USERHOST_NAMES;

	(void)arg;
	line[0] = '\0';
	while ((n = chat_list_next(&list)) != NULL) {
		if (names_from_upstream(n, nick, sizeof nick) == -1)
			continue;
		if (len > 300) {
			irc_send_num(s, RPL_NAMREPLY, "= * :%s", line);
			len = 0;
		}
		len += (size_t)snprintf(line + len, sizeof line - len,
		    uh ? "%s%s!%s@%s" : "%s%s", len ? " " : "", nick, n,
		    upstream_host_irc());
	}
	if (len > 0)
		irc_send_num(s, RPL_NAMREPLY, "= * :%s", line);
	irc_send_num(s, RPL_ENDOFNAMES, "* :End of /NAMES list");
}

static void
irc_query_who(struct session *s, char *list, const char *mask)
{
	char	 fmask[NICK_MAX + 1] = "*", nick[NICK_MAX + 1], key[NICK_MAX + 1];
	char	*n;

	if (mask[0] != '\0' && strcmp(mask, "0") != 0 &&
	    casemap_fold(fmask, sizeof fmask, mask) == -1)
		snprintf(fmask, sizeof fmask, "-");
	while ((n = chat_list_next(&list)) != NULL) {
		if (names_from_upstream(n, nick, sizeof nick) == -1 ||
		    casemap_fold(key, sizeof key, nick) == -1 ||
		    fnmatch(fmask, key, 0) != 0)
			continue;
		irc_send_num(s, RPL_WHOREPLY, "* %s %s %s %s %c :0 %s", n,
		    upstream_host_irc(), conf.server_name, nick,
		    control_away_name(n) != NULL ? 'G' : 'H', n);
	}
	irc_send_num(s, RPL_ENDOFWHO, "%s :End of WHO list",
	    mask[0] ? mask : "*");
}

static void
irc_query_whois(struct session *s, char *list, const char *nick)
{
	char		 name[CHAT_NAME_MAX + 1], canon[NICK_MAX + 1];
	struct session	*t;

	if (names_to_upstream(nick, name, sizeof name) == 0 &&
	    irc_query_has(list, nick) &&
	    names_from_upstream(name, canon, sizeof canon) == 0) {
		/* a user of this gateway: what its USER said */
		if ((t = session_find_nick(canon)) != NULL &&
		    strcmp(SNAME(t), name) != 0)
			t = NULL;
		irc_send_num(s, RPL_WHOISUSER, "%s %s %s * :%s", canon,
		    t != NULL && t->user[0] != '\0' ? t->user : name,
		    upstream_host_irc(), t != NULL ? t->realname : name);
		irc_send_num(s, RPL_WHOISSERVER, "%s %s :chat server %s "
		    "(%s dialect)", canon, conf.server_name, upstream_host(),
		    upstream_dialect_name());
		if (t != NULL)
			irc_send_num(s, RPL_WHOISIDLE, "%s %lld %lld :seconds "
			    "idle, signon time", canon, (long long)(time(NULL) -
			    t->last_msg), (long long)t->signon);
		if (t != NULL && control_away(t) != NULL)
			irc_send_num(s, RPL_AWAY, "%s :%s", canon,
			    control_away(t));
	} else
		irc_send_num(s, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    nick);
	irc_send_num(s, RPL_ENDOFWHOIS, "%s :End of /WHOIS list", nick);
}

static void
irc_query_ison(struct session *s, char *list, const char *nicks)
{
	irc_query_nicks(s, list, nicks, 0);
}

static void
irc_query_userhost(struct session *s, char *list, const char *nicks)
{
	irc_query_nicks(s, list, nicks, 1);
}

/* ISON (303) or USERHOST (302, at most 5) for space-separated nicks. */
static void
irc_query_nicks(struct session *s, char *list, const char *nicks,
    int userhost)
{
	char	 copy[IRC_LINE_MAX], out[IRC_LINE_MAX], *p, *t, *save = NULL;
	char	 name[CHAT_NAME_MAX + 1], canon[NICK_MAX + 1];
	size_t	 len = 0;
	int	 n = 0;

	out[0] = '\0';
	snprintf(copy, sizeof copy, "%s", nicks);
	for (p = copy; (t = strtok_r(p, " ", &save)) != NULL; p = NULL) {
		if ((userhost && ++n > 5) || len > sizeof out - 200)
			break;
		if (!irc_query_has(list, t) ||
		    names_to_upstream(t, name, sizeof name) == -1 ||
		    names_from_upstream(name, canon, sizeof canon) == -1)
			continue;
		if (userhost)	/* RFC 2812 5.1: '-' away, '+' here */
			len += (size_t)snprintf(out + len, sizeof out - len,
			    "%s%s=%c%s@%s", len ? " " : "", canon,
			    control_away_name(name) != NULL ? '-' : '+', name,
			    upstream_host_irc());
		else
			len += (size_t)snprintf(out + len, sizeof out - len,
			    "%s%s", len ? " " : "", canon);
	}
	if (userhost)
		irc_send_num(s, RPL_USERHOST, ":%s", out);
	else
		irc_send_num(s, RPL_ISON, ":%s", out);
}

/* From an upstream list: its users IRC can name, as WHO lists them. */
static void
irc_query_lusers(struct session *s, char *list, const char *arg)
{
	char		 nick[NICK_MAX + 1], *n;
	unsigned	 users = 0;

	(void)arg;
	while ((n = chat_list_next(&list)) != NULL)
		if (names_from_upstream(n, nick, sizeof nick) == 0)
			users++;
	irc_lusers_send(s, users);
}

/*
 * RFC 2812 3.4.2 and 265/266, every line always: users upstream, no
 * operators, connections not registered yet, the one channel (&chat),
 * the clients logged in here.
 */
static void
irc_lusers_send(struct session *s, unsigned n)
{
	unsigned	most = presence_max(), here, here_most;

	if (most < n)
		most = n;
	here = session_users(&here_most);
	irc_send_num(s, RPL_LUSERCLIENT, ":There are %u users and 0 services "
	    "on 1 servers", n);
	irc_send_num(s, RPL_LUSEROP, "0 :operator(s) online");
	irc_send_num(s, RPL_LUSERUNKNOWN, "%u :unknown connection(s)",
	    session_unknown());
	irc_send_num(s, RPL_LUSERCHANNELS, "1 :channels formed");
	irc_send_num(s, RPL_LUSERME, ":I have %u clients and 1 servers",
	    here);
	irc_send_num(s, RPL_LOCALUSERS, "%u %u :Current local users %u, max "
	    "%u", here, here_most, here, here_most);
	irc_send_num(s, RPL_GLOBALUSERS, "%u %u :Current global users %u, "
	    "max %u", n, most, n, most);
}

/* NAMES [channel]: without one, everyone upstream. */
void
irc_cmd_names(struct session *s, struct irc_msg *m)
{
	if (m->nparams > 0 && m->params[0][0] != '\0')
		chan_names(s, m->params[0]);
	else
		irc_query_ask(s, &q_names, NULL);
}

/* WHO [mask]: 352 for each matching user upstream (no WHOX). */
void
irc_cmd_who(struct session *s, struct irc_msg *m)
{
	const char	*mask = m->nparams > 0 ? m->params[0] : "";

	if (irc_is_channel(mask))
		chan_who(s, mask);
	else
		irc_query_ask(s, &q_who, mask);
}

/* WHOIS [server] nick: the last parameter, first of a comma list. */
void
irc_cmd_whois(struct session *s, struct irc_msg *m)
{
	char	nick[IRC_LINE_MAX];

	snprintf(nick, sizeof nick, "%s", m->params[m->nparams - 1]);
	nick[strcspn(nick, ",")] = '\0';
	if (nick[0] == '\0')
		irc_send_num(s, ERR_NONICKNAMEGIVEN, ":No nickname given");
	else
		irc_query_ask(s, &q_whois, nick);
}

/* WHOWAS: the chat server keeps no history. */
void
irc_cmd_whowas(struct session *s, struct irc_msg *m)
{
	irc_send_num(s, ERR_WASNOSUCHNICK, "%s :There was no such nickname",
	    m->params[0]);
	irc_send_num(s, RPL_ENDOFWHOWAS, "%s :End of WHOWAS", m->params[0]);
}

/* The parameters as one space-separated list (ISON, USERHOST). */
static void
irc_query_join(struct irc_msg *m, char *buf, size_t size)
{
	int	i;

	buf[0] = '\0';
	for (i = 0; i < m->nparams; i++) {
		if (i > 0)
			xstrlcat(buf, " ", size);
		xstrlcat(buf, m->params[i], size);
	}
}

/* ISON nick...: may come as many parameters or one. */
void
irc_cmd_ison(struct session *s, struct irc_msg *m)
{
	char	nicks[IRC_LINE_MAX];

	irc_query_join(m, nicks, sizeof nicks);
	if (presence_fresh())
		control_ison(s, nicks);
	else
		irc_query_ask(s, &q_ison, nicks);
}

/* USERHOST nick... (at most 5). */
void
irc_cmd_userhost(struct session *s, struct irc_msg *m)
{
	char	nicks[IRC_LINE_MAX];

	irc_query_join(m, nicks, sizeof nicks);
	irc_query_ask(s, &q_userhost, nicks);
}

/*
 * LUSERS: users upstream (asked, as WHO does, so the two agree), clients
 * here. Before registration (unless clients must authenticate), and
 * when the chat server cannot answer, from the shared list.
 */
void
irc_cmd_lusers(struct session *s, struct irc_msg *m)
{
	(void)m;
	if (!(s->flags & SESSION_REGISTERED) && auth_configured())
		irc_send_num(s, ERR_NOTREGISTERED, ":You have not registered");
	else if (!(s->flags & SESSION_REGISTERED))
		irc_lusers_send(s, presence_count());
	else
		irc_query_ask(s, &q_lusers, NULL);
}

/* MODE: own user modes (+i only); channels do not exist yet. */
void
irc_cmd_mode(struct session *s, struct irc_msg *m)
{
	char		 a[NICK_MAX + 1], b[NICK_MAX + 1];
	const char	*p;
	int		 add = 1, was = strchr(s->umodes, 'i') != NULL, now;

	if (irc_is_channel(m->params[0])) {
		chan_mode(s, m);
		return;
	}
	if (casemap_fold(a, sizeof a, m->params[0]) == -1 ||
	    casemap_fold(b, sizeof b, s->nick) == -1 || strcmp(a, b) != 0) {
		irc_send_num(s, ERR_USERSDONTMATCH, ":Can't change mode for "
		    "other users");
		return;
	}
	if (m->nparams < 2) {
		irc_send_num(s, RPL_UMODEIS, "%s", s->umodes);
		return;
	}
	now = was;
	for (p = m->params[1]; *p != '\0'; p++) {
		if (*p == '+' || *p == '-')
			add = *p == '+';
		else if (*p == 'i')
			now = add;
		else
			irc_send_num(s, ERR_UMODEUNKNOWNFLAG, ":Unknown MODE "
			    "flag");
	}
	if (now == was)
		return;
	snprintf(s->umodes, sizeof s->umodes, now ? "+i" : "+");
	irc_send_raw(s, ":%s!%s@%s MODE %s :%ci", s->nick, SNAME(s),
	    upstream_host_irc(), s->nick, now ? '+' : '-');
}

/* AWAY [text]: 306 / 305; WHOIS and WHO &chat show it to others here. */
void
irc_cmd_away(struct session *s, struct irc_msg *m)
{
	if (m->nparams > 0 && m->params[0][0] != '\0') {
		s->flags |= SESSION_AWAY;
		control_set_away(s, m->params[0]);
		irc_send_num(s, RPL_NOWAWAY, ":You have been marked as being "
		    "away");
	} else {
		s->flags &= ~SESSION_AWAY;
		control_set_away(s, NULL);
		irc_send_num(s, RPL_UNAWAY, ":You are no longer marked as "
		    "being away");
	}
}

/* VERSION */
void
irc_cmd_version(struct session *s, struct irc_msg *m)
{
	(void)m;
	irc_send_num(s, RPL_VERSION, "%s. %s :IRC gateway to the chat "
	    "protocol, upstream %s (%s dialect)", CHATIRCD_VERSION,
	    conf.server_name, upstream_host(), upstream_dialect_name());
}

/* TIME */
void
irc_cmd_time(struct session *s, struct irc_msg *m)
{
	char	buf[64];
	time_t	now = time(NULL);

	(void)m;
	strftime(buf, sizeof buf, "%A %B %d %Y -- %H:%M:%S +00:00",
	    gmtime(&now));
	irc_send_num(s, RPL_TIME, "%s :%s", conf.server_name, buf);
}

/* INFO */
void
irc_cmd_info(struct session *s, struct irc_msg *m)
{
	(void)m;
	irc_send_num(s, RPL_INFO, ":%s: an IRC gateway to the chat protocol",
	    CHATIRCD_VERSION);
	irc_send_num(s, RPL_INFO, ":Each IRC session is one login on the "
	    "chat server %s (%s dialect)", upstream_host(),
	    upstream_dialect_name());
	irc_send_num(s, RPL_INFO, ":Chat names map to nicks: upper-case X "
	    "is _x, a leading digit gets _ in front");
	irc_send_num(s, RPL_ENDOFINFO, ":End of /INFO list");
}

/* PING token -> PONG, before registration too. */
void
irc_cmd_ping(struct session *s, struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0][0] == '\0') {
		irc_send_num(s, ERR_NOORIGIN, ":No origin specified");
		return;
	}
	irc_send_raw(s, ":%s PONG %s :%s", conf.server_name,
	    conf.server_name, m->params[0]);
}

/* PONG: nothing to do until the gateway pings (next issue). */
void
irc_cmd_pong(struct session *s, struct irc_msg *m)
{
	(void)s;
	(void)m;
}

/* MONITOR + - C L S: control.c keeps the list. */
void
irc_cmd_monitor(struct session *s, struct irc_msg *m)
{
	control_monitor(s, m);
}
