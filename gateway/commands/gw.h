/*
 * commands: what IRC means here. The command table and its handlers by
 * topic (irc_cmd*.c), and gw.c, which sets the hooks of the layers below
 * to these functions. It calls the bouncer and the &chat control below;
 * nothing calls it but main.c.
 */
#ifndef GW_H
#define GW_H

#include "bouncer/account.h"
#include "control/control.h"

/* gw.c */
void	 gw_init(void);
void	 gw_stop(void);
void	 gw_shutdown(void);

/* irc_cmd.c: the command table; the handlers live by topic. */
void	 irc_cmd_dispatch(struct session *, char *, size_t);
#define IRC_CMD(name) \
	void irc_cmd_##name(struct session *, struct irc_msg *)
IRC_CMD(away);	IRC_CMD(cap);	IRC_CMD(info);	IRC_CMD(ison);
IRC_CMD(join);	IRC_CMD(list);	IRC_CMD(lusers); IRC_CMD(mode);
IRC_CMD(motd);	IRC_CMD(names);	IRC_CMD(nick);	IRC_CMD(notice);
IRC_CMD(part);	IRC_CMD(pass);	IRC_CMD(ping);	IRC_CMD(pong);
IRC_CMD(privmsg); IRC_CMD(quit); IRC_CMD(tagmsg); IRC_CMD(time);
IRC_CMD(topic);	IRC_CMD(user);	IRC_CMD(userhost); IRC_CMD(version);
IRC_CMD(who);	IRC_CMD(whois);	IRC_CMD(whowas); IRC_CMD(monitor);
IRC_CMD(authenticate); IRC_CMD(chathistory); IRC_CMD(markread);
IRC_CMD(search);
IRC_CMD(admin);	IRC_CMD(help);			/* irc_cmd_help.c */

/* irc_cmd_login.c: registration and the welcome once logged in. */
void	 irc_login_ok(struct session *);
void	 irc_login_caps(struct session *, char *, size_t);

/* irc_cmd_msg.c: DELIVERY becomes PRIVMSG for each session. */
void	 irc_msg_delivery(struct link *, const char *, char *, size_t);
void	 irc_msg_show(struct session *, const struct store_msg *, int,
	    const char *);

/* irc_cmd_chan.c: channel commands for &chat; 403 for the rest. */
void		 chan_mode(struct session *, struct irc_msg *);
void		 chan_names(struct session *, const char *);
void		 chan_who(struct session *, const char *);

#endif
