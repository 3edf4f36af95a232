/*
 * The top layer: what IRC means here. The command table and its handlers
 * by topic (irc_cmd*.c), the &chat channel, MONITOR and AWAY (control.c),
 * and gw.c, which sets the hooks of the layers below to these functions.
 */
#ifndef GW_H
#define GW_H

#include "link.h"
#include "store.h"

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
IRC_CMD(admin);	IRC_CMD(help);			/* irc_cmd_help.c */

/* irc_cmd_login.c: registration and the welcome once logged in. */
void	 irc_login_ok(struct session *);

/* irc_cmd_msg.c: DELIVERY becomes PRIVMSG for each session. */
void	 irc_msg_delivery(struct link *, const char *, char *, size_t);
void	 irc_msg_show(struct session *, const struct store_msg *, int,
	    const char *);

/* account.c: the bouncer (--db): accounts, attach, the store's part. */
void		 account_init(void);
void		 account_shutdown(void);
int		 account_enabled(void);
struct store	*account_store(void);
const char	*account_of(struct link *);
void		 account_pass(struct session *, const char *);
void		 account_user(struct session *, const char *);
void		 account_authenticate(struct session *, const char *);
int		 account_register(struct session *);
void		 account_detach(struct session *);
void		 account_free(struct session *);
void		 account_shown(struct session *, const char *);
int		 account_store_msg(struct link *, enum store_dir, const char *,
		    const char *, size_t, struct store_msg *);
void		 account_renamed(struct link *, const char *);
void		 account_store_sync(void);

/* control.c: the &chat channel, its commands, MONITOR, AWAY. */
void		 control_login(struct session *);
void		 control_free(struct session *);
void		 control_shutdown(void);
int		 control_is_channel(const char *);
void		 control_join(struct session *, int);
int		 control_part(struct session *, const char *);
int		 control_joined(struct session *);
unsigned	 control_names(struct session *, int);
void		 control_changed(const char *, int);
void		 control_privmsg(struct session *, const char *);
void		 control_ison(struct session *, const char *);
void		 control_monitor(struct session *, struct irc_msg *);
void		 control_set_away(struct session *, const char *);
const char	*control_away(struct session *);
int		 control_monitor_max(void);
void		 control_topic(struct session *);
const char	*control_help(unsigned);

/* irc_cmd_chan.c: channel commands for &chat; 403 for the rest. */
void		 chan_mode(struct session *, struct irc_msg *);
void		 chan_names(struct session *, const char *);
void		 chan_who(struct session *, const char *);

/* The chat name of a session's login ("" before it). */
#define SNAME(s)	link_name((s)->link)

#endif
