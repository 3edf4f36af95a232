/*
 * loadgen, the benchmark load generator: its options, its connections and
 * the latency histogram, shared by loadgen.c (sessions and traffic) and
 * report.c (options, figures, the result line).
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/buffer.h>

#define LG_NAME_MAX	32
#define LG_PIDS_MAX	8
#define LG_SOURCES_MAX	250		/* 127.0.0.1 .. 127.0.0.250 */
#define LG_LINE_MIN	4096		/* rx buffer floor per connection */
#define LG_SIZE_MAX	400		/* --size: fits an IRC line */

enum lg_proto { LG_IRC, LG_CHAT };
enum lg_role { ROLE_SENDER, ROLE_RECEIVER, ROLE_IDLE };
enum lg_state { ST_WAITING, ST_CONNECTING, ST_LOGIN, ST_READY, ST_DEAD };

struct lg_opts {
	enum lg_proto	 proto;
	char		 host[64];
	int		 port;
	unsigned	 pairs;
	unsigned	 messages;	/* per sender */
	unsigned	 window;	/* in flight per sender */
	unsigned	 size;		/* bytes of message text */
	double		 rate;		/* msg/s in all; 0: as fast as the window */
	unsigned	 idle;
	unsigned	 sources;	/* 127.0.0.1 .. 127.0.0.<sources> */
	unsigned	 concurrency;	/* logins under way at once */
	double		 timeout;	/* seconds for the whole run */
	const char	*prefix;	/* of every session name */
	const char	*pass;		/* IRC: PASS <name>:<pass> (ZNC) */
	int		 pids[LG_PIDS_MAX];
	unsigned	 npids;
};

struct lg_conn {
	int		 fd;
	enum lg_role	 role;
	enum lg_state	 state;
	unsigned	 idx;		/* pair number, or idle number */
	char		 name[LG_NAME_MAX];
	struct event	*rev, *wev;
	char		*rx;
	size_t		 rxlen, rxcap;
	struct evbuffer	*tx;

	uint64_t	 sent;		/* sender */
	uint64_t	 acked;		/* sender, chat: SEND-OK or UNKNOWN */
	uint64_t	 got;		/* receiver: messages with our text */
	uint64_t	 next_seq;	/* receiver: the one expected next */
};

/* Latency: exact below 1024 ns, then 512 steps per power of two. */
#define LG_HIST_LINEAR	1024
#define LG_HIST_SUB	512
#define LG_HIST_BUCKETS	(LG_HIST_LINEAR + 54 * LG_HIST_SUB)

struct lg_hist {
	uint64_t	 count[LG_HIST_BUCKETS];
	uint64_t	 n;
};

struct lg_result {
	uint64_t	 delivered, expected, misordered, refused;
	unsigned	 logins, login_fail, closed;
	double		 login_s, send_s;
	long		 base_rss_kib, peak_rss_kib;
	double		 srv_cpu_s, load_cpu_s;	/* over the whole run */
};

/* report.c */
int	 lg_opts_parse(struct lg_opts *, int, char **);
void	 lg_hist_add(struct lg_hist *, uint64_t ns);
double	 lg_hist_pct_ms(const struct lg_hist *, double pct);
long	 lg_rss_kib(const struct lg_opts *, const char *field);
double	 lg_srv_cpu_s(const struct lg_opts *);
double	 lg_self_cpu_s(void);
void	 lg_report(const struct lg_opts *, const struct lg_result *,
	    const struct lg_hist *);
uint64_t lg_now_ns(void);

#endif
