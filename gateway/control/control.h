/*
 * control: the &chat channel (control.c): joined after login, JOIN and
 * QUIT as people come and go upstream, its commands (!who @user !quit
 * help); MONITOR and AWAY, which live on the same presence table. It
 * calls the link layer, the IRC side and core; presence changes come up
 * to control_changed(), the hook gw.c gives presence_init().
 */
#ifndef CONTROL_H
#define CONTROL_H

#include "link/link.h"

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
const char	*control_away_name(const char *);
int		 control_monitor_max(void);
void		 control_topic(struct session *);
const char	*control_help(unsigned);

#endif
