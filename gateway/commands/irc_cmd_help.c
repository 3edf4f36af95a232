/*
 * HELP the IRCv3 way (704, 705..., 706; 524 for a subject it does not
 * know): one topic per command of irc_cmd.c's table and one for &chat,
 * whose lines are control.c's. Also ADMIN (256-259).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/gw.h"
#include "irc/numeric.h"

#define HELP_WIDTH	64	/* bytes of command names per index line */

struct help_topic {
	const char	*name;		/* sorted: bsearch() */
	const char	*usage;		/* the 704 line */
	const char	*text[4];	/* NULL after the last */
};

/* "&chat" in a text stands for --channel. */
static const struct help_topic help_topics[] = {
	{ "ADMIN", "ADMIN [server]", { "Who runs this gateway (256, 257, "
	    "258, 259).", NULL } },
	{ "AUTHENTICATE", "AUTHENTICATE PLAIN, then AUTHENTICATE base64", {
	    "SASL PLAIN for an account of this gateway (--db): 900 and 903, "
	    "or 904.", NULL } },
	{ "AWAY", "AWAY [:text]", { "Marks you away: other users of this "
	    "gateway see the text in WHOIS (301) and a G in WHO &chat.",
	    "AWAY alone: you are back.", NULL } },
	{ "CAP", "CAP LS [302] | LIST | REQ :[-]cap ... | END", { "IRCv3 "
	    "capabilities: cap-notify echo-message message-tags "
	    "multi-prefix server-time standard-replies userhost-in-names "
	    "(with --db also the history ones and soju.im/search).",
	    "REQ :-cap turns one off again.", NULL } },
	{ "CHATHISTORY", "CHATHISTORY LATEST|BEFORE|AFTER|AROUND|BETWEEN "
	    "nick ... limit | TARGETS ...", { "The messages an account (--db) "
	    "sent and received, in a batch (IRCv3 chathistory).", NULL } },
	{ "HELP", "HELP [subject]", { "HELP alone lists the commands; HELP "
	    "<command> or HELP &chat tells more.", NULL } },
	{ "INFO", "INFO", { "What this gateway is and which chat server it "
	    "logs you in to (371, 374).", NULL } },
	{ "ISON", "ISON nick ...", { "Which of these nicks are online on the "
	    "chat server (303).", NULL } },
	{ "JOIN", "JOIN &chat | JOIN 0", { "Joins &chat, the only channel: "
	    "everyone online on the chat server. JOIN 0 leaves it.", NULL } },
	{ "LIST", "LIST", { "&chat and how many are online (321, 322, 323).",
	    NULL } },
	{ "LUSERS", "LUSERS", { "Users of the chat server and clients of "
	    "this gateway, now and at most (251, 254, 255, 265, 266).",
	    NULL } },
	{ "MARKREAD", "MARKREAD nick [timestamp=...]", { "Where you have "
	    "read up to with nick, shared by the clients of an account "
	    "(--db).", NULL } },
	{ "MODE", "MODE nick [+i|-i] | MODE &chat [b|e|I]", { "Your user "
	    "modes (only i); the modes of &chat are fixed (+nt).", NULL } },
	{ "MONITOR", "MONITOR + nick,... | - nick,... | C | L | S", {
	    "Tells you when those nicks come online (730) and leave (731); "
	    "up to 100.", NULL } },
	{ "MOTD", "MOTD", { "The message of the day (375, 372, 376), or "
	    "422.", NULL } },
	{ "NAMES", "NAMES [&chat]", { "Everyone online on the chat server "
	    "(353, 366).", NULL } },
	{ "NICK", "NICK nick", { "Your nick is your chat name: an upper-case "
	    "X is written _x, a leading digit gets _ in front.", "After "
	    "login NICK logs in again under the new name.", NULL } },
	{ "NOTICE", "NOTICE nick :text", { "Like PRIVMSG, but no error "
	    "comes back.", NULL } },
	{ "PART", "PART &chat [:reason]", { "Leaves &chat; JOIN &chat comes "
	    "back.", NULL } },
	{ "PASS", "PASS [name[@client]:]password", { "Sent before NICK and "
	    "USER: the password of an account (--db); unused without one.",
	    NULL } },
	{ "PING", "PING token", { "PONG token comes back; 409 without a "
	    "token.", NULL } },
	{ "PONG", "PONG token", { "The answer to the PING the gateway sends "
	    "when you are silent.", NULL } },
	{ "PRIVMSG", "PRIVMSG nick[,nick...] :text", { "Sends text to each "
	    "chat user (at most 4); long texts arrive as several lines.",
	    "In &chat: its own commands (HELP &chat).", "PRIVMSG *chatircd "
	    ":help: the service of accounts (--db): passwd, sessions, status, "
	    "search; user and server for admins.", NULL } },
	{ "QUIT", "QUIT [:reason]", { "Logs out of the chat server and "
	    "closes the connection.", NULL } },
	{ "SEARCH", "SEARCH text=words;in=nick;from=nick;after=ts;before=ts;"
	    "limit=n", { "The messages of an account (--db) with these words, "
	    "in a soju.im/search batch; PRIVMSG *chatircd :search words "
	    "gives plain lines.", NULL } },
	{ "TAGMSG", "TAGMSG target", { "Accepted and dropped: the chat "
	    "server has no tags.", NULL } },
	{ "TIME", "TIME", { "The gateway's time (391).", NULL } },
	{ "TOPIC", "TOPIC &chat", { "What &chat is (332, 333); it cannot be "
	    "changed.", NULL } },
	{ "USER", "USER user mode * :realname", { "Registers, with NICK; "
	    "other users of this gateway see user and realname in WHOIS.",
	    "With accounts (--db) user may be name@client.", NULL } },
	{ "USERHOST", "USERHOST nick ...", { "nick=+name@host for up to 5 "
	    "nicks online (302).", NULL } },
	{ "VERSION", "VERSION", { "The gateway's version, its chat server "
	    "and that server's dialect (351).", NULL } },
	{ "WHO", "WHO [mask | &chat]", { "352 for each user online whose "
	    "nick matches mask (* and ? allowed), then 315.", NULL } },
	{ "WHOIS", "WHOIS nick", { "311, 312 (301 when away), 318; 401 when "
	    "nobody by that name is online.", NULL } },
	{ "WHOWAS", "WHOWAS nick", { "406: the chat server keeps no history.",
	    NULL } },
};
#define NTOPICS	(sizeof help_topics / sizeof help_topics[0])

static int	help_compare(const void *, const void *);
static void	help_line(struct session *, int, const char *,
		    const char *);
static void	help_index(struct session *);
static void	help_chat(struct session *, const char *);
static int	help_here(const char *);

static int
help_compare(const void *key, const void *row)
{
	return strcasecmp(key, ((const struct help_topic *)row)->name);
}

/* One 704/705/706 line, with "&chat" written as --channel. */
static void
help_line(struct session *s, int num, const char *subject, const char *text)
{
	char		 buf[IRC_LINE_MAX] = "";
	const char	*p;
	size_t		 n;

	while ((p = strstr(text, "&chat")) != NULL) {
		n = (size_t)(p - text);
		if (n >= sizeof buf - strlen(buf))
			break;
		strncat(buf, text, n);
		xstrlcat(buf, conf.channel, sizeof buf);
		text = p + 5;
	}
	xstrlcat(buf, text, sizeof buf);
	irc_send_num(s, num, "%s :%s", subject, buf);
}

/* HELP alone: what the gateway is, its commands, what &chat takes. */
static void
help_index(struct session *s)
{
	char		 line[IRC_LINE_MAX] = "Commands:";
	const char	*h, *dash;
	size_t		 i, len;

	irc_send_num(s, RPL_HELPSTART, "* :** %s help **", CHATIRCD_VERSION);
	irc_send_num(s, RPL_HELPTXT, "* :");
	irc_send_num(s, RPL_HELPTXT, "* :An IRC gateway to the chat server "
	    "%s: your nick is your chat name, /msg user text sends to a "
	    "chat user.", upstream_host());
	for (i = 0; i < NTOPICS; i++) {
		if (strlen(line) + 1 + strlen(help_topics[i].name) >
		    HELP_WIDTH) {
			irc_send_num(s, RPL_HELPTXT, "* :%s", line);
			snprintf(line, sizeof line, "   ");
		}
		xstrlcat(line, " ", sizeof line);
		xstrlcat(line, help_topics[i].name, sizeof line);
	}
	irc_send_num(s, RPL_HELPTXT, "* :%s", line);
	snprintf(line, sizeof line, "In %s type:", conf.channel);
	for (i = 0; (h = control_help(i)) != NULL; i++) {
		dash = strstr(h, " - ");	/* the words before it */
		len = strlen(line);
		snprintf(line + len, sizeof line - len, "%s%.*s",
		    i > 0 ? ", " : " ", (int)(dash != NULL ? (size_t)(dash -
		    h) : strlen(h)), h);
	}
	irc_send_num(s, RPL_HELPTXT, "* :%s.", line);
	irc_send_num(s, RPL_ENDOFHELP, "* :HELP <command> or HELP %s tells "
	    "more.", conf.channel);
}

/* HELP &chat: the channel and control.c's lines. */
static void
help_chat(struct session *s, const char *subject)
{
	unsigned	i;

	irc_send_num(s, RPL_HELPSTART, "%s :** %s **", subject, conf.channel);
	irc_send_num(s, RPL_HELPTXT, "%s :", subject);
	irc_send_num(s, RPL_HELPTXT, "%s :Its nick list is everyone online on "
	    "the chat server %s. Typed in it:", subject, upstream_host());
	for (i = 0; control_help(i) != NULL; i++)
		irc_send_num(s, control_help(i + 1) != NULL ? RPL_HELPTXT :
		    RPL_ENDOFHELP, "%s :%s", subject, control_help(i));
}

/* HELP [subject] (modern IRC: the subject as asked, or * if invalid). */
void
irc_cmd_help(struct session *s, struct irc_msg *m)
{
	const char		*subject = m->nparams > 0 ? m->params[0] : "";
	const struct help_topic	*t;
	int			 i;

	if (subject[0] == '\0') {
		help_index(s);
		return;
	}
	if (control_is_channel(subject)) {
		help_chat(s, subject);
		return;
	}
	t = bsearch(subject, help_topics, NTOPICS, sizeof help_topics[0],
	    help_compare);
	if (t == NULL) {
		irc_send_num(s, ERR_HELPNOTFOUND, "%s :No help available on "
		    "this topic", strchr(subject, ' ') != NULL ||
		    subject[0] == ':' ? "*" : subject);
		return;
	}
	help_line(s, RPL_HELPSTART, subject, t->usage);
	irc_send_num(s, RPL_HELPTXT, "%s :", subject);
	for (i = 0; t->text[i] != NULL; i++)
		help_line(s, t->text[i + 1] != NULL ? RPL_HELPTXT :
		    RPL_ENDOFHELP, subject, t->text[i]);
}

/* 1 if an ADMIN target means this gateway: its name, or a user on it. */
static int
help_here(const char *target)
{
	char	name[CHAT_NAME_MAX + 1];

	return strcasecmp(target, conf.server_name) == 0 ||
	    fnmatch(target, conf.server_name, 0) == 0 ||
	    session_find_nick(target) != NULL ||
	    (names_to_upstream(target, name, sizeof name) == 0 &&
	    presence_online(name));
}

/* ADMIN [target]: 256-259, or 402 for another server. */
void
irc_cmd_admin(struct session *s, struct irc_msg *m)
{
	if (m->nparams > 0 && m->params[0][0] != '\0' &&
	    !help_here(m->params[0])) {
		irc_send_num(s, ERR_NOSUCHSERVER, "%s :No such server",
		    m->params[0]);
		return;
	}
	irc_send_num(s, RPL_ADMINME, "%s :Administrative info about %s",
	    conf.server_name, conf.server_name);
	irc_send_num(s, RPL_ADMINLOC1, ":%s, an IRC gateway to the chat "
	    "server %s", CHATIRCD_VERSION, upstream_host());
	irc_send_num(s, RPL_ADMINLOC2, ":Each IRC session is one login on "
	    "that chat server; its operator runs this gateway");
	irc_send_num(s, RPL_ADMINEMAIL, ":No administrator e-mail address "
	    "is configured");
}
