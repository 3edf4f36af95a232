/*
 * The bottom layer of chatircd: options, logging, allocation, the event
 * base and its clock, and the name mapping. Every other layer may call
 * these; nothing here calls up.
 */
#ifndef CORE_H
#define CORE_H

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <event2/event.h>
#include <event2/dns.h>

#include "casemap.h"
#include "chat.h"
#include "irc.h"
#include "linebuf.h"

#define CHATIRCD_VERSION	"chatircd-" CHATIRCD_RELEASE	/* CMakeLists.txt */
/* ISUPPORT NICKLEN: the longest mapped name (64 capitals: 128) */
#define NICKLEN			CASEMAP_NICK_MAX
#define NICK_MAX		(CASEMAP_NICK_MAX + 1)	/* with room to spare */
#define HOST_MAX		64
#define TARGETS_MAX		4		/* ISUPPORT TARGMAX */
#define NAME_ATTEMPTS		12		/* logins tried per round */

/* conf.c: the options table fills this. */
struct conf {
	char		*listen;	/* ADDR:PORT[,ADDR:PORT...] */
	char		*tls_listen;	/* likewise, or NULL */
	char		*tls_cert;
	char		*tls_key;
	char		*password_file;
	char		*http_listen;		/* http/: like listen */
	char		*https_listen;
	char		*http_origin;		/* globs, comma-joined */
	char		*http_root;
	long long	 http_timeout;
	char		*metrics_listen;
	int		 insecure_listen;
	long long	 sts_duration;
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
	int		 channel_join;	/* join it at login (not "none") */
	long long	 channel_large;
	char		*upstream_bind;
	long long	 upstream_per_address;
	long long	 upstream_timeout;
	long long	 keepalive;
	long long	 reconnect_min;
	long long	 reconnect_max;
	long long	 hold_max;
	long long	 ping_interval;
	long long	 ping_timeout;
	char		*db;			/* the bouncer: account.c */
	int		 allow_anonymous;
	long long	 max_attach;
	long long	 playback_max;
	long long	 history_max_age;
	long long	 history_max;
	long long	 store_queue_max;
	long long	 store_spool_max;
	long long	 read_queue_max;
	int		 debug;
	int		 check_only;
};
extern struct conf	 conf;

int	 conf_parse_args(int, char **);
int	 conf_reload(void);
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
int	 log_debugging(void);

/* auth.c: who may register; the gateway password. */
int	 auth_init(void);
void	 auth_free(void);
int	 auth_configured(void);
int	 auth_password_ok(const char *);

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
size_t	 xstrlcat(char *, const char *, size_t);

/* sbuf.c: a bounded line built without printf (always terminated). */
struct sbuf {
	char	*buf;
	size_t	 size;
	size_t	 len;		/* as snprintf's: what it wanted to hold */
};
void	 sbuf_init(struct sbuf *, char *, size_t);
void	 sbuf_add(struct sbuf *, const char *, size_t);
void	 sbuf_str(struct sbuf *, const char *);
void	 sbuf_chr(struct sbuf *, char);

/* core.c: the loop every layer schedules on, and one clock. */
extern struct event_base	*ev_base;
extern struct evdns_base	*dns_base;
extern time_t			 start_time;

int		 core_init(void);
void		 core_free(void);
time_t		 core_now(void);		/* monotonic seconds */
long long	 core_now_ms(void);		/* monotonic ms */
long long	 core_wall_ms(void);		/* ms since the epoch */
void		 core_timer_ms(struct event *, long long);

/*
 * core.c: figures each layer counts where the event happens, so that
 * /metrics (http/) reads them without calling up. Gauges go up and down.
 */
struct core_counters {
	unsigned long long	links;		/* gauge: chat identities */
	unsigned long long	upstreams;	/* gauge: connected */
	unsigned long long	ws_sessions;	/* gauge: over WebSocket */
	unsigned long long	messages_sent;	/* SEND-OK from the server */
	unsigned long long	messages_delivered;	/* DELIVERY */
	unsigned long long	upstream_errors;	/* connections lost */
	unsigned long long	store_writes;	/* messages stored */
	unsigned long long	sendq_closes;	/* SendQ exceeded */
	unsigned long long	http_requests;
};
extern struct core_counters	 counters;

/* names.c: upstream names <-> IRC nicks. */
int	 names_to_upstream(const char *, char *, size_t);
int	 names_from_upstream(const char *, char *, size_t);
size_t	 names_upstream_len(const char *);
void	 names_login_base(const char *, char *, size_t);
int	 names_candidate(const char *, int, char *, size_t);

#endif
