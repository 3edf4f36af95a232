/*
 * The IRC command table and its dispatcher: one row per command, with
 * the registration state and parameter count it needs. 451, 461 and 421
 * are answered here so that handlers only do their own work.
 */
#include <stdlib.h>
#include <string.h>

#include "commands/gw.h"
#include "irc/numeric.h"

#define CMD_ANY		0x0	/* before and after registration */
#define CMD_REG		0x1	/* only once registered (else 451) */

struct irc_cmd {
	const char	*name;
	int		 min_params;
	int		 flags;
	void		(*fn)(struct session *, struct irc_msg *);
};

static const struct irc_cmd irc_cmds[] = {	/* sorted: bsearch() */
	{ "ADMIN",	0, CMD_REG,	irc_cmd_admin },	/* 402 */
	{ "AUTHENTICATE", 1, CMD_ANY,	irc_cmd_authenticate },	/* 904 */
	{ "AWAY",	0, CMD_REG,	irc_cmd_away },
	{ "CAP",	1, CMD_ANY,	irc_cmd_cap },		/* 410 */
	{ "CHATHISTORY", 1, CMD_REG,	irc_cmd_chathistory },	/* FAIL */
	{ "HELP",	0, CMD_ANY,	irc_cmd_help },		/* 524 */
	{ "INFO",	0, CMD_REG,	irc_cmd_info },
	{ "ISON",	1, CMD_REG,	irc_cmd_ison },
	{ "JOIN",	1, CMD_REG,	irc_cmd_join },		/* 403 */
	{ "LIST",	0, CMD_REG,	irc_cmd_list },
	{ "LUSERS",	0, CMD_ANY,	irc_cmd_lusers },	/* 451 */
	{ "MARKREAD",	1, CMD_REG,	irc_cmd_markread },	/* FAIL */
	{ "MODE",	1, CMD_REG,	irc_cmd_mode },		/* 501 502 */
	{ "MONITOR",	1, CMD_REG,	irc_cmd_monitor },	/* 734 */
	{ "MOTD",	0, CMD_REG,	irc_cmd_motd },		/* 422 */
	{ "NAMES",	0, CMD_REG,	irc_cmd_names },
	{ "NICK",	0, CMD_ANY,	irc_cmd_nick },		/* 431 432 433 */
	{ "NOTICE",	0, CMD_REG,	irc_cmd_notice },
	{ "PART",	1, CMD_REG,	irc_cmd_part },		/* 403 */
	{ "PASS",	1, CMD_ANY,	irc_cmd_pass },		/* 462 */
	{ "PING",	0, CMD_ANY,	irc_cmd_ping },		/* 409 */
	{ "PONG",	0, CMD_ANY,	irc_cmd_pong },
	{ "PRIVMSG",	0, CMD_REG,	irc_cmd_privmsg },	/* 411 412 */
	{ "QUIT",	0, CMD_ANY,	irc_cmd_quit },
	{ "TAGMSG",	1, CMD_REG,	irc_cmd_tagmsg },
	{ "TIME",	0, CMD_REG,	irc_cmd_time },
	{ "TOPIC",	1, CMD_REG,	irc_cmd_topic },	/* 403 */
	{ "USER",	4, CMD_ANY,	irc_cmd_user },		/* 462 */
	{ "USERHOST",	1, CMD_REG,	irc_cmd_userhost },
	{ "VERSION",	0, CMD_REG,	irc_cmd_version },
	{ "WHO",	0, CMD_REG,	irc_cmd_who },
	{ "WHOIS",	1, CMD_REG,	irc_cmd_whois },	/* 401 */
	{ "WHOWAS",	1, CMD_REG,	irc_cmd_whowas },	/* 406 */
};

static int	irc_cmd_compare(const void *, const void *);
static const char *irc_cmd_label(struct irc_msg *);

static int
irc_cmd_compare(const void *key, const void *row)
{
	return strcmp(key, ((const struct irc_cmd *)row)->name);
}

/* Parse one client line and run its command's handler. */
void
irc_cmd_dispatch(struct session *s, char *line, size_t len)
{
	struct irc_msg		 m;
	const struct irc_cmd	*c;

	if (log_debugging())
		log_debug("s%u: irc -> %s", s->id, log_escape(line, len));
	switch (irc_parse_len(line, len, &m)) {	/* NUL dropped */
	case IRC_PARSE_OK:
		break;
	case IRC_PARSE_TAGS_TOO_LONG:
		irc_send_num(s, ERR_INPUTTOOLONG, ":Input line was too long");
		return;
	case IRC_PARSE_BAD_COMMAND:
		irc_send_num(s, ERR_UNKNOWNCOMMAND, "%s :Unknown command",
		    m.command != NULL ? m.command : "?");
		return;
	default:
		return;			/* empty lines are allowed */
	}
	c = bsearch(m.command, irc_cmds, sizeof irc_cmds / sizeof irc_cmds[0],
	    sizeof irc_cmds[0], irc_cmd_compare);
	irc_label_begin(s, irc_cmd_label(&m));
	if (c == NULL)
		irc_send_num(s, ERR_UNKNOWNCOMMAND, "%s :Unknown command",
		    m.command);
	else if ((c->flags & CMD_REG) && !(s->flags & SESSION_REGISTERED))
		irc_send_num(s, ERR_NOTREGISTERED, ":You have not registered");
	else if (m.nparams < c->min_params)
		irc_send_num(s, ERR_NEEDMOREPARAMS,
		    "%s :Not enough parameters", c->name);
	else
		c->fn(s, &m);
	irc_label_end(s);		/* a reply that came now, or ACK */
}

/* The value of the command's label tag (labeled-response), or NULL. */
static const char *
irc_cmd_label(struct irc_msg *m)
{
	char	*cur = m->tags, *key, *value;

	while (cur != NULL && irc_tag_next(&cur, &key, &value))
		if (strcmp(key, "label") == 0 && value[0] != '\0')
			return value;
	return NULL;
}
