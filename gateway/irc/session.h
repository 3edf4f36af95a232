/*
 * The IRC side: the listening sockets, one session per IRC client (its
 * socket, framing, bounds, lifetime, pings) and the formatted replies.
 * It knows nothing of the chat server; what a line means goes up through
 * struct session_hooks, set once.
 */
#ifndef SESSION_H
#define SESSION_H

#include <event2/bufferevent.h>

#include "core/core.h"

/* Capabilities a client may enable (CAP REQ). */
#define CAP_ECHO_MESSAGE	0x01
#define CAP_SERVER_TIME		0x02
#define CAP_MESSAGE_TAGS	0x04
#define CAP_MULTI_PREFIX	0x08
#define CAP_CAP_NOTIFY		0x10
#define CAP_USERHOST_NAMES	0x20
#define CAP_STANDARD_REPLIES	0x40
#define CAP_BATCH		0x80
#define CAP_CHATHISTORY		0x100	/* draft/chathistory */
#define CAP_READ_MARKER		0x200	/* draft/read-marker */
#define CAP_LABELED		0x400	/* labeled-response */
#define CAP_SASL		0x800
#define CAP_AWAY_NOTIFY		0x1000	/* away-notify */

#define SESSION_REGISTERED	0x01	/* 001 sent */
#define SESSION_DEAD		0x02	/* closing; the reaper frees */
#define SESSION_CAP_NEG		0x04	/* CAP LS/REQ seen, no CAP END */
#define SESSION_HAVE_NICK	0x08
#define SESSION_HAVE_USER	0x10
#define SESSION_LOGGING_IN	0x20	/* input waits: login under way */
#define SESSION_THROTTLED	0x40	/* output past sendq-soft (logged) */
#define SESSION_AWAY		0x80
#define SESSION_PINGED		0x200	/* PING sent to an idle client */
#define SESSION_AUTHED		0x100	/* PASS held the gateway password */
#define SESSION_WAITING		0x400	/* input waits: the layer above is busy */
#define SESSION_SENDQ		0x800	/* closed past sendq-max: output lost */
#define SESSION_WEBSOCKET	0x8000	/* over WebSocket (http/): no STS */

#define USERLEN			32	/* bytes of USER's user name kept */
#define REALNAME_MAX		128	/* bytes of its realname kept */

struct link;
struct control;
struct account_sess;
struct label;

struct session {
	unsigned		 id;
	int			 flags;
	unsigned		 caps;
	int			 cap_version;
	struct bufferevent	*irc;
	struct linebuf		 rx;
	struct event		*reaper;
	struct event		*timer;		/* registration, ping, linger */
	char			 host[HOST_MAX];	/* client address */
	char			 nick[NICK_MAX + 1];	/* as the client sees */
	char			 nick_key[NICK_MAX + 1];	/* folded */
	char			 want[NICKLEN + 1];	/* first NICK asked */
	char			 umodes[8];
	time_t			 last_rx;	/* client line, core_now() */
	struct label		*label;		/* labeled-response, while set */
	/* the layers above keep theirs here; this layer never reads them */
	struct link		*link;
	struct control		*ctl;
	struct account_sess	*acct;
	char			 user[USERLEN + 1];	/* USER's, for WHOIS */
	char			 realname[REALNAME_MAX + 1];
	time_t			 signon;	/* 001 sent, time() */
	time_t			 last_msg;	/* PRIVMSG/NOTICE, time() */
};

/* What the session layer tells the layers above. */
struct session_hooks {
	void	(*line)(struct session *, char *, size_t);
	void	(*closing)(struct session *, const char *);	/* now DEAD */
	void	(*freeing)(struct session *);		/* reaper, last */
	int	(*ready)(struct session *);	/* may it take a line now? */
};

void		 session_set_hooks(const struct session_hooks *);
struct session	*session_new(struct bufferevent *, const char *);
void		 session_close(struct session *, const char *);
void		 session_close_slow(struct session *, const char *);
int		 session_tls(struct session *);
void		 session_close_all(const char *);
void		 session_reap_all(void);
unsigned	 session_count(void);
unsigned	 session_users(unsigned *);
unsigned	 session_unknown(void);
struct session	*session_find_id(unsigned);
struct session	*session_find_nick(const char *);
void		 session_set_nick(struct session *, const char *);
void		 session_foreach(void (*)(struct session *, void *), void *);
void		 session_registered(struct session *);
void		 session_resume(struct session *);
int		 session_write(struct session *, const char *, size_t);
size_t		 session_queued(struct session *);
int		 session_addr_acquire(const char *);
void		 session_addr_release(const char *);

/* listener.c */
int		 listener_check_all(void);
int		 listener_start(void);
int		 listener_check(const char *, const char *);
struct sockaddr_storage;
int		 listener_parse(const char *, struct sockaddr_storage *, int *);
struct bufferevent *listener_tls_bev(int);
int		 listener_tls_reload(void);
unsigned	 listener_tls_port(void);
void		 listener_stop(void);

/* irc_send.c: replies, cut to the IRC bound on character boundaries. */
int	 irc_send_fail(struct session *, const char *, const char *,
	    const char *, const char *, const char *, ...)
	    __attribute__((format(printf, 6, 7)));
int	 irc_send_raw(struct session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 irc_send_num(struct session *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 irc_send_notice(struct session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 irc_send_line(struct session *, const char *, size_t);
const char *irc_send_time_tag(char *, size_t);
const char *irc_target(struct session *);
void	 irc_label_begin(struct session *, const char *);
void	 irc_label_end(struct session *);
char	*irc_label_take(struct session *);

#endif
