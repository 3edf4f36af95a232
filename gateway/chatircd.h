/*
 * chatircd: shared structures and the functions each gateway file offers.
 * One header for the whole daemon, like tmux.h; protocol codecs stay in
 * protocols/.
 */
#ifndef CHATIRCD_H
#define CHATIRCD_H

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>

#include "chat.h"
#include "irc.h"
#include "linebuf.h"

#define CHATIRCD_VERSION	"chatircd-0.1.0"
#define NICKLEN			CHAT_NAME_MAX	/* ISUPPORT NICKLEN */
#define NICK_MAX		(2 * CHAT_NAME_MAX + 1)	/* a mapped name */
#define HOST_MAX		64
#define TARGETS_MAX		4		/* ISUPPORT TARGMAX */
#define NAME_ATTEMPTS		12		/* logins tried per registration */

/* conf.c: the options table fills this. */
struct conf {
	char		*listen;
	char		*upstream;
	char		*server_name;
	char		*network;
	char		*motd_file;
	char		*dialect;
	long long	 irc_line_max;
	long long	 upstream_line_max;
	long long	 sendq_soft;
	long long	 sendq_max;
	long long	 max_pending;
	long long	 max_clients;
	long long	 per_address;
	long long	 reg_timeout;
	long long	 poll_interval;
	char		*channel;
	char		*upstream_bind;		/* reconnect.c */
	long long	 upstream_per_address;
	long long	 upstream_timeout;
	long long	 keepalive;
	long long	 reconnect_min;
	long long	 reconnect_max;
	long long	 hold_max;
	long long	 ping_interval;
	long long	 ping_timeout;
	int		 debug;
	int		 check_only;
};
extern struct conf	 conf;

int	 conf_parse_args(int, char **);
void	 conf_free(void);
void	 conf_log(void);

/* log.c */
void	 log_init(int);
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
const char *log_escape(const char *, size_t);

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
size_t	 xstrlcat(char *, const char *, size_t);

/* main.c */
extern struct event_base	*ev_base;
extern struct evdns_base	*dns_base;
extern time_t			 start_time;

/* listener.c */
int	 listener_start(const char *);
void	 listener_stop(void);
void	 listener_addr_release(const char *);

/* Capabilities a client may enable (CAP REQ). */
#define CAP_ECHO_MESSAGE	0x01
#define CAP_SERVER_TIME		0x02
#define CAP_MESSAGE_TAGS	0x04
#define CAP_MULTI_PREFIX	0x08
#define CAP_CAP_NOTIFY		0x10
#define CAP_USERHOST_NAMES	0x20
#define CAP_STANDARD_REPLIES	0x40

/* session.c: one IRC client and its upstream connection. */
#define SESSION_REGISTERED	0x01	/* 001 sent */
#define SESSION_DEAD		0x02	/* closing; the reaper frees */
#define SESSION_CAP_NEG		0x04	/* CAP LS/REQ seen, no CAP END */
#define SESSION_HAVE_NICK	0x08
#define SESSION_HAVE_USER	0x10
#define SESSION_LOGGING_IN	0x20	/* upstream login in progress */
#define SESSION_THROTTLED	0x40	/* upstream reads paused: sendq */
#define SESSION_AWAY		0x80
#define SESSION_RECONNECTING	0x100	/* upstream lost, logging in again */
#define SESSION_PINGED		0x200	/* PING sent to an idle client */

struct upstream;
struct reconn;
struct control;

struct session {
	unsigned		 id;
	int			 flags;
	unsigned		 caps;
	int			 cap_version;
	struct bufferevent	*irc;
	struct linebuf		 rx;
	struct event		*reaper;
	struct event		*timer;		/* registration, linger */
	struct upstream		*up;		/* NULL between connections */
	char			 host[HOST_MAX];	/* client address */
	char			 nick[NICK_MAX + 1];	/* as the client sees */
	char			 nick_key[NICK_MAX + 1];	/* folded */
	char			 name[CHAT_NAME_MAX + 1];	/* upstream */
	char			 want[NICKLEN + 1];	/* first NICK asked */
	char			 base[CHAT_NAME_MAX + 1];	/* retry stem */
	int			 attempt;	/* logins tried */
	char			 refused[CHAT_NAME_MAX + 1];	/* first taken */
	int			 refused_why;	/* CHAT_IN_USE, BAD_RQST_BODY */
	char			 umodes[8];
	struct reconn		*rc;		/* reconnect.c, on demand */
	struct control		*ctl;		/* control.c: &chat, MONITOR */
	time_t			 last_rx;	/* client line, monotonic s */
};

struct session	*session_new(int, const char *);
void		 session_close(struct session *, const char *);
void		 session_close_all(const char *);
unsigned	 session_count(void);
struct session	*session_find_nick(const char *);
void		 session_set_nick(struct session *, const char *);
void		 session_foreach(void (*)(struct session *, void *), void *);
void		 session_throttle(struct session *, int);
void		 session_upstream_lost(struct session *, const char *);
void		 session_registered(struct session *);
void		 session_reap_all(void);

/* upstream.c: one connection to the chat server. */
enum req_kind {
	REQ_NONE = 0,	/* unsolicited (DELIVERY) */
	REQ_ANY,	/* whatever is at the head (BAD-RQST-*) */
	REQ_HELLO,
	REQ_SEND,
	REQ_WHO
};

/* What a WHO request answers, once the user list is in. */
enum who_for {
	WHO_FOR_NAMES,
	WHO_FOR_WHO,
	WHO_FOR_WHOIS,
	WHO_FOR_ISON,
	WHO_FOR_USERHOST,
	WHO_FOR_LUSERS,
	WHO_FOR_NICK,
	WHO_FOR_KEEPALIVE,	/* answers nobody: upstream still there */
	WHO_FOR_JOIN,		/* control.c: the &chat nick list */
	WHO_FOR_CHAT_WHO,	/* control.c: !who typed in &chat */
	WHO_FOR_POLL		/* presence.c: the shared poll */
};

/* upstream_send()'s notice argument for "@user text" typed in &chat. */
#define SEND_CONTROL	2

struct up_req {
	enum req_kind	 kind;
	int		 who_for;	/* WHO: enum who_for */
	int		 notice;	/* SEND: from a NOTICE */
	int		 retried;	/* WHO: other dialect tried */
	int		 dialect;	/* WHO: the keyword's dialect */
	char		*target;	/* SEND: the IRC target; WHO: argument */
	char		*text;		/* SEND: text as sent upstream */
	char		*echo;		/* SEND: text for echo-message */
	time_t		 sent;		/* monotonic s, silence detection */
	struct up_req	*prev, *next;
};

struct upstream {
	struct session		*s;
	struct bufferevent	*bev;
	struct linebuf		 rx;
	struct event		*reaper;
	int			 connected;
	int			 ready;		/* HELLO received */
	int			 closed;
	unsigned		 npending;
	struct up_req		*pending;	/* utlist, request order */
	int			 bind_ix;	/* reconnect.c's address slot */
	int			 draining;	/* replaced: close when idle */
	int			 eof;		/* closed by the server */
	unsigned		 login_seq;	/* HELLO order, all sessions */
	time_t			 last_rx;	/* monotonic s */
	char			 name[CHAT_NAME_MAX + 1];
};

int		 upstream_init(const char *, const char *);
void		 upstream_shutdown(void);
struct upstream	*upstream_connect(struct session *, const char *);
void		 upstream_close(struct upstream *);
int		 upstream_can_queue(struct upstream *);
int		 upstream_send(struct upstream *, const char *, const char *,
		    const char *, size_t, int, const char *);
int		 upstream_who(struct upstream *, enum who_for, const char *);
void		 upstream_resume(struct upstream *);
const char	*upstream_host(void);
const char	*upstream_dialect_name(void);
void		 upstream_fail(struct upstream *, const char *);

/* reconnect.c: upstream lost and found again, NICK, pings, bind. */
time_t		 reconnect_now(void);
void		 reconnect_init(void);
void		 reconnect_shutdown(void);
void		 reconnect_free(struct session *);
void		 reconnect_lost(struct session *, struct upstream *,
		    const char *);
void		 reconnect_hello(struct session *, struct upstream *,
		    const char *);
void		 reconnect_refused(struct session *, struct upstream *,
		    enum chat_type);
void		 reconnect_side_lost(struct session *, struct upstream *,
		    const char *);
int		 reconnect_holding(struct session *);
void		 reconnect_hold(struct session *, const char *, const char *,
		    const char *, int, const char *);
void		 reconnect_nick(struct session *, const char *, const char *);
void		 reconnect_ping_timer(struct session *);
void		 reconnect_flush(struct session *);
void		 reconnect_drained(struct session *, struct upstream *);
void		 reconnect_slot_freed(void);

/* upbind.c: local addresses for upstreams, logins counted on each. */
int		 upbind_init(const char *);
int		 upbind_pick(void);
int		 upbind_take(int *);
void		 upbind_ready(struct upstream *);
void		 upbind_gone(struct upstream *);
int		 upbind_suspect(struct upstream *, unsigned, unsigned *);
int		 upbind_judge(int, unsigned, unsigned);

/* names.c: upstream names <-> IRC nicks. */
int	 names_to_upstream(const char *, char *, size_t);
int	 names_from_upstream(const char *, char *, size_t);
void	 names_login_base(const char *, char *, size_t);
int	 names_candidate(const char *, int, char *, size_t);

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

/* irc_cmd_login.c: the login attempts behind registration. */
void	 irc_login_start(struct session *);
void	 irc_login_ok(struct session *, const char *);
void	 irc_login_refused(struct session *, enum chat_type, const char *);
void	 irc_login_lost(struct session *, const char *);
void	 irc_cmd_motd_send(struct session *);

/* irc_cmd_query.c: answers once the user list is in. */
void	 irc_query_answer(struct session *, struct up_req *, char *);
void	 irc_query_failed(struct session *, struct up_req *, const char *);

/* irc_cmd_msg.c: answers to SEND and incoming DELIVERY. */
void	 irc_msg_sent(struct session *, struct up_req *);
void	 irc_msg_unknown(struct session *, struct up_req *);
void	 irc_msg_refused(struct session *, struct up_req *, const char *);
void	 irc_msg_delivery(struct session *, const char *, char *, size_t);

/* presence.c: who is online upstream, shared by every session. */
void		 presence_init(void);
void		 presence_shutdown(void);
void		 presence_update(const char *);
int		 presence_online(const char *);
unsigned	 presence_count(void);
int		 presence_fresh(void);
int		 presence_poll_due(struct session *);
int		 presence_poll(struct session *);
void		 presence_foreach(void (*)(const char *, void *), void *);

/* control.c: the &chat channel, its commands, MONITOR. */
void		 control_login(struct session *);
void		 control_free(struct session *);
int		 control_is_channel(const char *);
void		 control_join_list(struct session *);
int		 control_part(struct session *, const char *);
int		 control_joined(struct session *);
unsigned	 control_names(struct session *, int);
void		 control_changed(const char *, int);
void		 control_privmsg(struct session *, const char *);
void		 control_who_answer(struct session *, struct up_req *);
void		 control_sent(struct session *, struct up_req *, int,
		    const char *);
void		 control_ison(struct session *, const char *);
void		 control_monitor(struct session *, struct irc_msg *);
void		 control_set_away(struct session *, const char *);
const char	*control_away(struct session *);
int		 control_monitor_max(void);

/* irc_cmd_chan.c: channel commands for &chat; 403 for the rest. */
void		 chan_mode(struct session *, struct irc_msg *);
void		 chan_names(struct session *, const char *);
void		 chan_who(struct session *, const char *);

/* irc_send.c */
int	 irc_send_fail(struct session *, const char *, const char *,
	    const char *, const char *, const char *, ...)
	    __attribute__((format(printf, 6, 7)));
int	 irc_send_raw(struct session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 irc_send_num(struct session *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 irc_send_notice(struct session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 irc_send_error(struct session *, const char *);
int	 irc_send_line(struct session *, const char *, size_t);
const char *irc_send_time_tag(char *, size_t);
const char *irc_target(struct session *);

#endif
