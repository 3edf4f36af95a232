/*
 * Channel commands: JOIN PART TOPIC LIST here, and the channel side of
 * MODE NAMES WHO. The only channel is &chat (control.c); any other name
 * gets 403 saying so. Answers come from the shared presence list, so
 * irssi's one-at-a-time sync (MODE, WHO, MODE b) never waits upstream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "commands/gw.h"
#include "irc/numeric.h"

#define ONLY_CHAT	"%s :No such channel (the only channel on this " \
			"network is %s)"

struct chan_who {
	struct session	*s;
};

static void	chan_no_such(struct session *, const char *);
static void	chan_who_one(const char *, void *);
static void	chan_who_line(struct session *, const char *, const char *);

static void
chan_no_such(struct session *s, const char *name)
{
	irc_send_num(s, ERR_NOSUCHCHANNEL, ONLY_CHAT, name, conf.channel);
}

/* JOIN &chat (after PART or --channel none); "JOIN 0" leaves it. */
void
irc_cmd_join(struct session *s, struct irc_msg *m)
{
	char	 chans[IRC_LINE_MAX], *p, *t, *save = NULL;

	if (m->params[0][0] == '\0') {
		irc_send_num(s, ERR_NEEDMOREPARAMS, "JOIN :Not enough "
		    "parameters");
		return;
	}
	if (strcmp(m->params[0], "0") == 0) {
		control_part(s, "Left all channels");
		return;
	}
	snprintf(chans, sizeof chans, "%s", m->params[0]);
	for (p = chans; (t = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (!control_is_channel(t))
			chan_no_such(s, t);
		else
			control_join(s, 0);
		if (s->flags & SESSION_DEAD)
			break;
	}
}

/* PART &chat [reason]: no JOIN/QUIT lines until JOIN &chat. */
void
irc_cmd_part(struct session *s, struct irc_msg *m)
{
	char	 chans[IRC_LINE_MAX], *p, *t, *save = NULL;

	snprintf(chans, sizeof chans, "%s", m->params[0]);
	for (p = chans; (t = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (!control_is_channel(t))
			chan_no_such(s, t);
		else if (control_part(s, m->nparams > 1 ? m->params[1] :
		    "Leaving") == -1)
			irc_send_num(s, ERR_NOTONCHANNEL, "%s :You're not on "
			    "that channel", t);
	}
}

/* TOPIC &chat: what the channel is; setting it is refused (482). */
void
irc_cmd_topic(struct session *s, struct irc_msg *m)
{
	const char	*c = m->params[0];

	if (!control_is_channel(c)) {
		chan_no_such(s, c);
		return;
	}
	if (m->nparams > 1) {
		irc_send_num(s, ERR_CHANOPRIVSNEEDED, "%s :You're not channel "
		    "operator (the topic of %s is fixed)", conf.channel,
		    conf.channel);
		return;
	}
	control_topic(s);
}

/* LIST [channels]: &chat and how many are in it. */
void
irc_cmd_list(struct session *s, struct irc_msg *m)
{
	char	 chans[IRC_LINE_MAX], *p, *t, *save = NULL;
	int	 show = m->nparams == 0 || m->params[0][0] == '\0';
	unsigned n = presence_count();

	if (!show) {
		snprintf(chans, sizeof chans, "%s", m->params[0]);
		for (p = chans; (t = strtok_r(p, ",", &save)) != NULL;
		    p = NULL)
			show |= control_is_channel(t) || t[0] == '>' ||
			    t[0] == '<' || strcmp(t, "*") == 0;
	}
	if (SNAME(s)[0] != '\0' && !presence_online(SNAME(s)))
		n++;
	irc_send_num(s, RPL_LISTSTART, "Channel :Users  Name");
	if (show)
		irc_send_num(s, RPL_LIST, "%s %u :Everyone online on %s. Type "
		    "help", conf.channel, n, upstream_host());
	irc_send_num(s, RPL_LISTEND, ":End of /LIST");
}

/* MODE &chat [modes]: +nt, no bans; changes need ops nobody has. */
void
chan_mode(struct session *s, struct irc_msg *m)
{
	const char	*c = m->params[0], *p;
	int		 set = 0;

	if (!control_is_channel(c)) {
		chan_no_such(s, c);
		return;
	}
	if (m->nparams < 2) {
		irc_send_num(s, RPL_CHANNELMODEIS, "%s +nt", conf.channel);
		irc_send_num(s, RPL_CREATIONTIME, "%s %lld", conf.channel,
		    (long long)start_time);
		return;
	}
	p = m->params[1];
	set = (p[0] == '+' || p[0] == '-') && m->nparams > 2;
	for (; *p == '+' || *p == '-'; p++)
		set |= p[0] == '-';
	if (!set && strcmp(p, "b") == 0)
		irc_send_num(s, RPL_ENDOFBANLIST, "%s :End of channel ban "
		    "list", conf.channel);
	else if (!set && strcmp(p, "e") == 0)
		irc_send_num(s, RPL_ENDOFEXCEPTLIST, "%s :End of channel "
		    "exception list", conf.channel);
	else if (!set && strcmp(p, "I") == 0)
		irc_send_num(s, RPL_ENDOFINVITELIST, "%s :End of channel "
		    "invite list", conf.channel);
	else
		irc_send_num(s, ERR_CHANOPRIVSNEEDED, "%s :You're not channel "
		    "operator (the modes of %s are fixed)", conf.channel,
		    conf.channel);
}

/* NAMES &chat (or another channel: 403). */
void
chan_names(struct session *s, const char *c)
{
	if (!control_is_channel(c)) {
		chan_no_such(s, c);
		irc_send_num(s, RPL_ENDOFNAMES, "%s :End of /NAMES list", c);
		return;
	}
	control_names(s, 0);
	irc_send_num(s, RPL_ENDOFNAMES, "%s :End of /NAMES list",
	    conf.channel);
}

static void
chan_who_line(struct session *s, const char *nick, const char *name)
{
	struct session	*t = session_find_nick(nick);

	irc_send_num(s, RPL_WHOREPLY, "%s %s %s %s %s %c :0 %s", conf.channel,
	    name, upstream_host_irc(), conf.server_name, nick,
	    t != NULL && control_away(t) != NULL ? 'G' : 'H', name);
}

static void
chan_who_one(const char *name, void *arg)
{
	struct chan_who	*cw = arg;
	char		 nick[NICK_MAX + 1];

	if (strcmp(name, SNAME(cw->s)) == 0)
		chan_who_line(cw->s, cw->s->nick, name);
	else if (names_from_upstream(name, nick, sizeof nick) == 0)
		chan_who_line(cw->s, nick, name);
}

/* WHO &chat: 352 for everyone in it, then 315 (no WHOX). */
void
chan_who(struct session *s, const char *c)
{
	struct chan_who	cw = { s };

	if (control_is_channel(c)) {
		if (SNAME(s)[0] != '\0' && !presence_online(SNAME(s)))
			chan_who_line(s, s->nick, SNAME(s));
		presence_foreach(chan_who_one, &cw);
	}
	irc_send_num(s, RPL_ENDOFWHO, "%s :End of WHO list", c);
}
