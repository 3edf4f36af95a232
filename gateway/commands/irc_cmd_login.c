/*
 * Registration: NICK, USER, PASS, CAP and QUIT; once they are in, a link
 * (link.c) logs in upstream, trying the next free name when one is taken,
 * and calls irc_login_ok() with the welcome: the user is told in words
 * which name they got. NICK after login is the link's second login.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "casemap.h"
#include "commands/gw.h"
#include "irc/numeric.h"
#include "textsafe.h"

struct cap_row {
	const char	*name;
	unsigned	 bit;
	int		 bouncer;	/* offered only with --db */
	const char	*value;		/* CAP LS 302 */
};

static const struct cap_row caps[] = {	/* offered in CAP LS, in order */
	{ "away-notify",	CAP_AWAY_NOTIFY,	0, NULL },
	{ "batch",		CAP_BATCH,		0, NULL },
	{ "cap-notify",		CAP_CAP_NOTIFY,		0, NULL },
	{ "draft/chathistory",	CAP_CHATHISTORY,	1, NULL },
	{ "draft/read-marker",	CAP_READ_MARKER,	1, NULL },
	{ "echo-message",	CAP_ECHO_MESSAGE,	0, NULL },
	{ "labeled-response",	CAP_LABELED,		0, NULL },
	{ "message-tags",	CAP_MESSAGE_TAGS,	0, NULL },
	{ "multi-prefix",	CAP_MULTI_PREFIX,	0, NULL },
	{ "sasl",		CAP_SASL,		1, "PLAIN" },
	{ "server-time",	CAP_SERVER_TIME,	0, NULL },
	{ "standard-replies",	CAP_STANDARD_REPLIES,	0, NULL },
	{ "userhost-in-names",	CAP_USERHOST_NAMES,	0, NULL },
};
#define NCAPS	(sizeof caps / sizeof caps[0])

static void	irc_login_maybe(struct session *);
static int	irc_pass_check(struct session *, const char *);
static void	irc_pass_refuse(struct session *, const char *);
static const char *irc_login_why(const char *, int, char *, size_t);
static void	irc_login_welcome(struct session *);
static void	irc_motd_send(struct session *);
static void	irc_cap_ls(struct session *, const char *);
static void	irc_cap_req(struct session *, char *);
static void	irc_cap_list(struct session *, const char *);
static const struct cap_row *irc_cap_find(const char *);

/* NICK: before login it picks the name to try; after, see below. */
void
irc_cmd_nick(struct session *s, struct irc_msg *m)
{
	char	 name[CHAT_NAME_MAX + 1], a[NICK_MAX + 1], b[NICK_MAX + 1];
	char	*nick;

	if (m->nparams < 1 || m->params[0][0] == '\0') {
		irc_send_num(s, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	nick = m->params[0];
	if (!(s->flags & SESSION_REGISTERED)) {
		if (s->flags & SESSION_LOGGING_IN)
			return;		/* the login under way decides */
		snprintf(s->want, sizeof s->want, "%s", nick);
		if (irc_nick_valid(s->want, NICKLEN))
			session_set_nick(s, s->want);
		s->flags |= SESSION_HAVE_NICK;
		irc_login_maybe(s);
		return;
	}
	if (casemap_fold(a, sizeof a, nick) == 0 &&
	    casemap_fold(b, sizeof b, s->nick) == 0 && strcmp(a, b) == 0) {
		if (strcmp(nick, s->nick) != 0) {	/* same name, new case */
			irc_send_raw(s, ":%s!%s@%s NICK :%s", s->nick, SNAME(s),
			    s->host, nick);
			session_set_nick(s, nick);
		}
		return;
	}
	if (names_upstream_len(nick) > CHAT_NAME_MAX) {
		irc_send_num(s, ERR_ERRONEUSNICKNAME, "%s :Erroneous nickname: "
		    "too long for the chat server (a chat name of %zu "
		    "characters; it takes at most %d)", nick,
		    names_upstream_len(nick), CHAT_NAME_MAX);
		return;
	}
	if (!irc_nick_valid(nick, NICKLEN) ||
	    names_to_upstream(nick, name, sizeof name) == -1) {
		irc_send_num(s, ERR_ERRONEUSNICKNAME, "%s :Erroneous nickname: "
		    "chat names are letters and digits (see docs/mapping.md "
		    "for upper case)", nick);
		return;
	}
	link_nick(s->link, s, nick, name);	/* make before break */
}

/*
 * USER user mode * :realname: user (before any '@') and realname kept
 * for WHOIS, terminal-safe; with --db the user names the account
 * (NAME@CLIENT).
 */
void
irc_cmd_user(struct session *s, struct irc_msg *m)
{
	if (s->flags & (SESSION_REGISTERED | SESSION_LOGGING_IN)) {
		irc_send_num(s, ERR_ALREADYREGISTRED,
		    ":You may not reregister");
		return;
	}
	if (m->params[0][0] == '\0' || m->params[3][0] == '\0') {
		irc_send_num(s, ERR_NEEDMOREPARAMS, "USER :Not enough "
		    "parameters");
		return;
	}
	textsafe_name(s->user, sizeof s->user, m->params[0],
	    strcspn(m->params[0], "@"));
	textsafe_text(s->realname, sizeof s->realname, m->params[3],
	    strlen(m->params[3]));
	if (account_enabled())
		account_user(s, m->params[0]);
	s->flags |= SESSION_HAVE_USER;
	irc_login_maybe(s);
}

/*
 * PASS: the gateway password (--password-file), judged at once (a wrong
 * one gets 464 and the connection closes); with --db an account's
 * password (NAME[@CLIENT]:PASSWORD, or the password of USER's name);
 * else the chat protocol has none: unused.
 */
void
irc_cmd_pass(struct session *s, struct irc_msg *m)
{
	if (s->flags & (SESSION_REGISTERED | SESSION_LOGGING_IN)) {
		irc_send_num(s, ERR_ALREADYREGISTRED,
		    ":You may not reregister");
		return;
	}
	if (irc_pass_check(s, m->params[0]) == -1)
		irc_pass_refuse(s, "Password incorrect");
}

/*
 * The one place a PASS is judged: -1 refuses it now. The gateway password
 * lets s in; with --db anything else is kept for account_register(),
 * which judges it as NAME[@CLIENT]:PASSWORD once registration completes.
 */
static int
irc_pass_check(struct session *s, const char *pass)
{
	if (conf.password_file != NULL && auth_password_ok(pass)) {
		s->flags |= SESSION_AUTHED;
		return 0;
	}
	if (account_enabled()) {
		account_pass(s, pass);
		return 0;
	}
	return conf.password_file != NULL ? -1 : 0;
}

/* 464, then the connection closes after a second (slows guessing). */
static void
irc_pass_refuse(struct session *s, const char *why)
{
	log_info("s%u from %s: %s", s->id, s->host, why);
	irc_send_num(s, ERR_PASSWDMISMATCH, ":%s", why);
	session_close_slow(s, why);
}

/* AUTHENTICATE: SASL PLAIN for an account (account.c). */
void
irc_cmd_authenticate(struct session *s, struct irc_msg *m)
{
	account_authenticate(s, m->params[0]);
}

/* QUIT: the upstream goes at once, so the name is free again. */
void
irc_cmd_quit(struct session *s, struct irc_msg *m)
{
	char	reason[300];

	snprintf(reason, sizeof reason, "Quit: %s",
	    m->nparams > 0 ? m->params[0] : "");
	session_close(s, reason);
}

/* CAP LS/LIST/REQ/END (IRCv3 capability negotiation 3.2). */
void
irc_cmd_cap(struct session *s, struct irc_msg *m)
{
	char	*sub = m->params[0];

	if (strcasecmp(sub, "LS") == 0) {
		if (!(s->flags & SESSION_REGISTERED))
			s->flags |= SESSION_CAP_NEG;
		irc_cap_ls(s, m->nparams > 1 ? m->params[1] : NULL);
	} else if (strcasecmp(sub, "LIST") == 0)
		irc_cap_list(s, "LIST");
	else if (strcasecmp(sub, "REQ") == 0) {
		if (!(s->flags & SESSION_REGISTERED))
			s->flags |= SESSION_CAP_NEG;
		irc_cap_req(s, m->nparams > 1 ? m->params[1] : "");
	} else if (strcasecmp(sub, "END") == 0) {
		s->flags &= ~SESSION_CAP_NEG;
		irc_login_maybe(s);
	} else
		irc_send_num(s, ERR_INVALIDCAPCMD, "%s :Invalid CAP command",
		    sub);
}

static void
irc_cap_ls(struct session *s, const char *version)
{
	char		list[256] = "", sts[48];
	size_t		i;
	unsigned	port;

	if (version != NULL && atoi(version) >= 302) {
		s->cap_version = 302;
		s->caps |= CAP_CAP_NOTIFY;	/* implied by 302 */
	}
	for (i = 0; i < NCAPS; i++) {
		if (caps[i].bouncer && !account_enabled())
			continue;
		if (list[0] != '\0')
			xstrlcat(list, " ", sizeof list);
		xstrlcat(list, caps[i].name, sizeof list);
		if (caps[i].value != NULL && s->cap_version >= 302) {
			xstrlcat(list, "=", sizeof list);
			xstrlcat(list, caps[i].value, sizeof list);
		}
	}
	/*
	 * IRCv3 sts: a value, so only for 302; never requested (NAK); not
	 * over WebSocket, whose page a port of IRC over TLS does not serve
	 */
	if (s->cap_version >= 302 && conf.sts_duration > 0 &&
	    !(s->flags & SESSION_WEBSOCKET) &&
	    (port = listener_tls_port()) != 0) {
		if (session_tls(s))
			snprintf(sts, sizeof sts, " sts=duration=%lld",
			    conf.sts_duration);
		else
			snprintf(sts, sizeof sts, " sts=port=%u", port);
		xstrlcat(list, sts, sizeof list);
	}
	irc_send_raw(s, ":%s CAP %s LS :%s", conf.server_name,
	    irc_target(s), list);
}

static void
irc_cap_list(struct session *s, const char *verb)
{
	char	list[256] = "";
	size_t	i;

	for (i = 0; i < NCAPS; i++) {
		if (!(s->caps & caps[i].bit))
			continue;
		if (list[0] != '\0')
			xstrlcat(list, " ", sizeof list);
		xstrlcat(list, caps[i].name, sizeof list);
	}
	irc_send_raw(s, ":%s CAP %s %s :%s", conf.server_name, irc_target(s),
	    verb, list);
}

static const struct cap_row *
irc_cap_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCAPS; i++)
		if (strcmp(caps[i].name, name) == 0 &&
		    (!caps[i].bouncer || account_enabled()))
			return &caps[i];
	return NULL;
}

/* All or nothing: one unknown name NAKs the whole request. */
static void
irc_cap_req(struct session *s, char *list)
{
	char			 copy[IRC_LINE_MAX], *p, *tok, *save = NULL;
	const struct cap_row	*c;
	unsigned		 on = 0, off = 0;
	int			 ok = 1;

	snprintf(copy, sizeof copy, "%s", list);
	for (p = copy; (tok = strtok_r(p, " ", &save)) != NULL; p = NULL) {
		c = irc_cap_find(tok[0] == '-' ? tok + 1 : tok);
		if (c == NULL) {
			ok = 0;
			break;
		}
		if (tok[0] == '-')
			off |= c->bit;
		else
			on |= c->bit;
	}
	if (ok && (on | off) != 0) {
		s->caps = (s->caps | on) & ~off;
		irc_send_raw(s, ":%s CAP %s ACK :%s", conf.server_name,
		    irc_target(s), list);
	} else
		irc_send_raw(s, ":%s CAP %s NAK :%s", conf.server_name,
		    irc_target(s), list);
}

/* NICK and USER are in and CAP negotiation is over: log in upstream. */
static void
irc_login_maybe(struct session *s)
{
	const int	need = SESSION_HAVE_NICK | SESSION_HAVE_USER;
	char		name[CHAT_NAME_MAX + 1], base[CHAT_NAME_MAX + 1];
	const char	*refused = "";

	if ((s->flags & need) != need || (s->flags & (SESSION_CAP_NEG |
	    SESSION_REGISTERED | SESSION_LOGGING_IN | SESSION_DEAD)))
		return;
	if (account_register(s))
		return;			/* an account's client, or refused */
	if (conf.password_file != NULL && !(s->flags & SESSION_AUTHED)) {
		irc_pass_refuse(s, "Password required");
		return;	/* no login upstream before the password */
	}
	names_login_base(s->want, base, sizeof base);
	if (!irc_nick_valid(s->want, NICKLEN) ||
	    names_to_upstream(s->want, name, sizeof name) == -1)
		refused = s->want;
	s->flags |= SESSION_LOGGING_IN;
	link_new(s, base, refused, CHAT_BAD_RQST_BODY);
}

/* The link logged in: the client gets its welcome and joins &chat. */
void
irc_login_ok(struct session *s)
{
	char		 nick[NICK_MAX + 1], a[NICK_MAX + 1], b[NICK_MAX + 1];
	char		 because[128];
	const char	*name = SNAME(s), *refused;
	int		 why;

	if (names_from_upstream(name, nick, sizeof nick) == -1)
		snprintf(nick, sizeof nick, "%s", name);
	if (casemap_fold(a, sizeof a, nick) == 0 &&
	    casemap_fold(b, sizeof b, s->want) == 0 && strcmp(a, b) == 0)
		snprintf(nick, sizeof nick, "%s", s->want);
	session_set_nick(s, nick);
	session_registered(s);
	log_info("s%u: logged in as %s (nick %s)", s->id, name,
	    log_escape(nick, strlen(nick)));
	irc_login_welcome(s);
	refused = link_refused(s->link, &why);
	if (refused[0] != '\0')
		irc_send_notice(s, "Cannot log in as %s. %s Successfully "
		    "logged in as %s! Your nick is %s; /nick picks another.",
		    refused, irc_login_why(refused, why, because,
		    sizeof because), name, s->nick);
	control_login(s);	/* &chat */
}

/* Why the name of nick was refused, in words that are true. */
static const char *
irc_login_why(const char *nick, int why, char *buf, size_t size)
{
	size_t	len;

	if (why == CHAT_IN_USE)
		return "That username is already in use.";
	if ((len = names_upstream_len(nick)) > CHAT_NAME_MAX) {
		snprintf(buf, size, "That name is too long for the chat "
		    "server: %zu characters, and it takes at most %d.", len,
		    CHAT_NAME_MAX);
		return buf;
	}
	if (len > 0)
		return "The chat server refused that name.";
	return "That username contains disallowed characters.";
}

static void
irc_login_welcome(struct session *s)
{
	char	created[64];

	strftime(created, sizeof created, "%Y-%m-%d %H:%M:%S UTC",
	    gmtime(&start_time));
	irc_send_num(s, RPL_WELCOME, ":Welcome to the %s network, %s "
	    "(logged in to the chat server as %s)", conf.network, s->nick,
	    SNAME(s));
	irc_send_num(s, RPL_YOURHOST, ":Your host is %s, running version %s",
	    conf.server_name, CHATIRCD_VERSION);
	irc_send_num(s, RPL_CREATED, ":This server was created %s", created);
	irc_send_num(s, RPL_MYINFO, "%s %s i bnt", conf.server_name,
	    CHATIRCD_VERSION);
	irc_send_num(s, RPL_ISUPPORT, "CASEMAPPING=ascii CHANTYPES=& "
	    "CHANMODES=b,,,nt CHANLIMIT=&:1 MONITOR=%d NETWORK=%s "
	    "NICKLEN=%d TARGMAX=PRIVMSG:%d,NOTICE:%d,WHOIS:1,ISON:,"
	    "USERHOST:5,MONITOR: :are supported by this server",
	    control_monitor_max(), conf.network, NICKLEN, TARGETS_MAX,
	    TARGETS_MAX);
	if (account_enabled())
		irc_send_num(s, RPL_ISUPPORT, "CHATHISTORY=%lld "
		    "MSGREFTYPES=msgid,timestamp :are supported by this server",
		    conf.playback_max);
	irc_motd_send(s);
}

/* MOTD from --motd-file, read when asked; 422 without one. */
static void
irc_motd_send(struct session *s)
{
	FILE	*f = NULL;
	char	 line[400];
	int	 n = 0;

	if (conf.motd_file != NULL)
		f = fopen(conf.motd_file, "r");
	if (f == NULL) {
		irc_send_num(s, ERR_NOMOTD, ":MOTD File is missing");
		return;
	}
	irc_send_num(s, RPL_MOTDSTART, ":- %s Message of the day - ",
	    conf.server_name);
	while (n++ < 200 && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		irc_send_num(s, RPL_MOTD, ":- %s", line);
	}
	fclose(f);
	irc_send_num(s, RPL_ENDOFMOTD, ":End of /MOTD command.");
}

/* MOTD command. */
void
irc_cmd_motd(struct session *s, struct irc_msg *m)
{
	(void)m;
	irc_motd_send(s);
}
