/*
 * loadgen: logs in pairs of sessions (IRC or the chat protocol) plus idle
 * ones, then has each sender send numbered, timestamped messages to its
 * receiver and checks they arrive whole and in order. A benchmark tool,
 * not a test: report.c turns what it counted into one line.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>

#include "loadgen.h"

#define LG_TICK_US	1000	/* rate mode: how often senders catch up */
#define LG_READ_MAX	65536	/* one read() at most */

static struct lg_opts	 o;
static struct event_base *base;
static struct lg_conn	*conns;
static unsigned		 nconns, next_connect, logging_in;
static struct lg_result	 res;
static struct lg_hist	*hist;
static uint64_t		 t_connect, t_traffic, t_last;
static struct event	*tick, *deadline;
static struct sockaddr_storage target;
static socklen_t	 target_len;
static char		*pad;		/* o.size bytes of 'x' */

static int	setup_target(void);
static void	raise_nofile(void);
static void	conns_new(void);
static struct lg_conn *partner(const struct lg_conn *);
static void	connect_more(void);
static int	conn_connect(struct lg_conn *);
static void	conn_dead(struct lg_conn *, const char *);
static void	conn_flush(struct lg_conn *);
static void	conn_login(struct lg_conn *);
static void	conn_ready(struct lg_conn *);
static void	on_write(evutil_socket_t, short, void *);
static void	on_read(evutil_socket_t, short, void *);
static void	conn_lines(struct lg_conn *);
static char	*irc_command(char *);
static void	irc_line(struct lg_conn *, char *);
static void	chat_line(struct lg_conn *, char *);
static void	traffic_start(void);
static uint64_t	sender_due(const struct lg_conn *);
static void	sender_pump(struct lg_conn *);
static void	receiver_got(struct lg_conn *, const char *);
static void	check_done(void);
static void	check_end(void);
static void	on_tick(evutil_socket_t, short, void *);
static void	on_deadline(evutil_socket_t, short, void *);

static int
setup_target(void)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&target;

	memset(&target, 0, sizeof target);
	if (inet_pton(AF_INET, o.host, &sin->sin_addr) != 1 ||
	    (ntohl(sin->sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s: only 127.x.x.x targets\n",
		    o.host);
		return -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)o.port);
	target_len = sizeof *sin;
	return 0;
}

/* Thousands of sessions: the soft fd limit up to the hard one. */
static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			perror("loadgen: setrlimit");
	}
}

/* Senders a0.., receivers b0.., idle i0..; pairs log in first. */
static void
conns_new(void)
{
	struct lg_conn	*c;
	size_t		 rxcap = LG_LINE_MIN + 2 * (size_t)o.size;
	unsigned	 i;

	nconns = o.pairs * 2 + o.idle;
	if ((conns = calloc(nconns ? nconns : 1, sizeof *conns)) == NULL)
		abort();
	for (i = 0; i < nconns; i++) {
		c = &conns[i];
		c->fd = -1;
		if (i < o.pairs * 2) {
			c->role = i % 2 ? ROLE_RECEIVER : ROLE_SENDER;
			c->idx = i / 2;
		} else {
			c->role = ROLE_IDLE;
			c->idx = i - o.pairs * 2;
		}
		snprintf(c->name, sizeof c->name, "%s%c%u", o.prefix,
		    c->role == ROLE_SENDER ? 'a' : c->role == ROLE_RECEIVER ?
		    'b' : 'i', c->idx);
		c->rxcap = rxcap;
		if ((c->rx = malloc(rxcap)) == NULL ||
		    (c->tx = evbuffer_new()) == NULL)
			abort();
	}
}

/* A sender's receiver, a receiver's sender. */
static struct lg_conn *
partner(const struct lg_conn *c)
{
	return &conns[c->idx * 2 + (c->role == ROLE_SENDER)];
}

/* Keep o.concurrency logins under way until every session has started. */
static void
connect_more(void)
{
	struct lg_conn	*c;

	while (logging_in < o.concurrency && next_connect < nconns) {
		c = &conns[next_connect++];
		logging_in++;
		if (conn_connect(c) == -1)
			conn_dead(c, strerror(errno));
	}
}

static int
conn_connect(struct lg_conn *c)
{
	struct sockaddr_in	src;
	int			one = 1;

	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* the port is picked at connect(), per destination */
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof one);
	memset(&src, 0, sizeof src);
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000001U +
	    (uint32_t)((c - conns) % o.sources));
	if (bind(c->fd, (struct sockaddr *)&src, sizeof src) == -1)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&target, target_len) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	c->state = ST_CONNECTING;
	c->rev = event_new(base, c->fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(base, c->fd, EV_WRITE | EV_PERSIST, on_write, c);
	if (c->rev == NULL || c->wev == NULL || event_add(c->wev, NULL) == -1)
		return -1;
	return 0;
}

/* Closed or failed: counted, never retried. */
static void
conn_dead(struct lg_conn *c, const char *why)
{
	enum lg_state	was = c->state;

	if (was == ST_DEAD)
		return;
	c->state = ST_DEAD;
	if (c->rev != NULL)
		event_del(c->rev);
	if (c->wev != NULL)
		event_del(c->wev);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	if (was == ST_READY) {
		res.closed++;
		fprintf(stderr, "loadgen: %s closed: %s\n", c->name, why);
	} else {
		res.login_fail++;
		logging_in--;
		fprintf(stderr, "loadgen: %s login failed: %s\n", c->name, why);
		if (c->role != ROLE_IDLE)
			event_base_loopbreak(base);	/* a pair is lost */
		else {
			connect_more();
			check_done();
		}
	}
}

/* Write what is queued; what the socket refuses waits for EV_WRITE. */
static void
conn_flush(struct lg_conn *c)
{
	if (c->state == ST_DEAD || c->state == ST_CONNECTING)
		return;
	while (evbuffer_get_length(c->tx) > 0) {
		if (evbuffer_write(c->tx, c->fd) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_dead(c, strerror(errno));
			return;
		}
	}
	if (evbuffer_get_length(c->tx) > 0)
		event_add(c->wev, NULL);
	else
		event_del(c->wev);
}

static void
conn_login(struct lg_conn *c)
{
	c->state = ST_LOGIN;
	if (o.proto == LG_CHAT)
		evbuffer_add_printf(c->tx, "HELLO-FROM %s\n", c->name);
	else {
		if (o.pass != NULL)
			evbuffer_add_printf(c->tx, "PASS %s:%s\r\n", c->name,
			    o.pass);
		evbuffer_add_printf(c->tx, "NICK %s\r\nUSER %s 0 * :loadgen"
		    "\r\n", c->name, c->name);
	}
	event_add(c->rev, NULL);
	conn_flush(c);
}

static void
conn_ready(struct lg_conn *c)
{
	c->state = ST_READY;
	res.logins++;
	logging_in--;
	connect_more();
	check_done();
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
	struct lg_conn	*c = arg;
	int		 err = 0;
	socklen_t	 len = sizeof err;

	(void)what;
	if (c->state == ST_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			conn_dead(c, strerror(err));
			return;
		}
		conn_login(c);
		return;
	}
	conn_flush(c);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct lg_conn	*c = arg;
	size_t		 room;
	ssize_t		 n;

	(void)what;
	room = c->rxcap - c->rxlen;
	if (room > LG_READ_MAX)
		room = LG_READ_MAX;
	n = read(fd, c->rx + c->rxlen, room);
	if (n == 0) {
		conn_dead(c, "end of file");
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			conn_dead(c, strerror(errno));
		return;
	}
	c->rxlen += (size_t)n;
	conn_lines(c);
	if (c->state != ST_DEAD && c->rxlen == c->rxcap)
		conn_dead(c, "line longer than the receive buffer");
}

/* Every whole line in rx, then the rest moves to the front. */
static void
conn_lines(struct lg_conn *c)
{
	char	*p = c->rx, *end = c->rx + c->rxlen, *lf;

	while (c->state != ST_DEAD && (lf = memchr(p, '\n', (size_t)(end -
	    p))) != NULL) {
		*lf = '\0';
		if (lf > p && lf[-1] == '\r')
			lf[-1] = '\0';
		if (o.proto == LG_IRC)
			irc_line(c, p);
		else
			chat_line(c, p);
		p = lf + 1;
	}
	if (c->state == ST_DEAD)
		return;
	c->rxlen = (size_t)(end - p);
	memmove(c->rx, p, c->rxlen);
	if (c->role == ROLE_SENDER && t_traffic != 0)
		sender_pump(c);
	else if (c->role == ROLE_RECEIVER && t_traffic != 0 && o.proto ==
	    LG_IRC)
		sender_pump(partner(c));
}

/* [":prefix"] command params: the command word, prefix skipped. */
static char *
irc_command(char *line)
{
	if (*line == ':')
		line += strcspn(line, " ");
	return line + strspn(line, " ");
}

static void
irc_line(struct lg_conn *c, char *line)
{
	char	*cmd = irc_command(line), *text;

	if (strncmp(cmd, "PING ", 5) == 0) {
		evbuffer_add_printf(c->tx, "PONG %s\r\n", cmd + 5);
		conn_flush(c);
	} else if (strncmp(cmd, "ERROR ", 6) == 0)
		conn_dead(c, cmd);
	else if (c->state == ST_LOGIN) {
		if (strncmp(cmd, "001 ", 4) == 0)
			conn_ready(c);
		else if (strncmp(cmd, "433 ", 4) == 0 ||
		    strncmp(cmd, "432 ", 4) == 0)
			conn_dead(c, cmd);
	} else if (c->role == ROLE_RECEIVER &&
	    strncmp(cmd, "PRIVMSG ", 8) == 0 &&
	    (text = strstr(cmd, " :")) != NULL)
		receiver_got(c, text + 2);
	else if (c->role == ROLE_SENDER && (strncmp(cmd, "401 ", 4) == 0 ||
	    strstr(cmd, "not delivered") != NULL)) {
		res.refused++;
		c->acked++;		/* frees its window slot */
		check_end();
	}
}

static void
chat_line(struct lg_conn *c, char *line)
{
	if (c->state == ST_LOGIN) {
		if (strncmp(line, "HELLO ", 6) == 0)
			conn_ready(c);
		else
			conn_dead(c, line);
	} else if (strcmp(line, "SEND-OK") == 0)
		c->acked++;
	else if (strcmp(line, "UNKNOWN") == 0 ||
	    strcmp(line, "BAD-DEST-USER") == 0 ||
	    strncmp(line, "BAD-RQST", 8) == 0) {
		res.refused++;
		c->acked++;
		check_end();
	} else if (c->role == ROLE_RECEIVER &&
	    strncmp(line, "DELIVERY ", 9) == 0) {
		line += 9;
		line += strcspn(line, " ");
		receiver_got(c, line + (*line == ' '));
	}
}

/* Everyone is in (or failed): the clock for traffic starts. */
static void
traffic_start(void)
{
	struct timeval	tv = { 0, LG_TICK_US };
	unsigned	i;

	t_traffic = lg_now_ns();
	res.login_s = (double)(t_traffic - t_connect) / 1e9;
	t_last = t_traffic;
	if (o.rate > 0) {
		tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
		if (tick == NULL || event_add(tick, &tv) == -1)
			abort();
	}
	for (i = 0; i < o.pairs; i++)
		sender_pump(&conns[i * 2]);
}

/* Rate mode: how many of this sender's messages are due by now. */
static uint64_t
sender_due(const struct lg_conn *c)
{
	double	per_sender = o.rate / o.pairs, t, due;

	t = (double)(lg_now_ns() - t_traffic) / 1e9;
	/* senders offset by a fraction of a period: no lockstep bursts */
	due = t * per_sender + (double)c->idx / o.pairs + 1;
	return due >= o.messages ? o.messages : (uint64_t)due;
}

/* Queue what the window (and the rate) allows; one write for all. */
static void
sender_pump(struct lg_conn *c)
{
	const char	*to = partner(c)->name;
	uint64_t	 limit = o.messages, done, now;
	char		 line[LG_NAME_MAX + 64 + LG_SIZE_MAX + 2];
	int		 n, cmd, queued = 0;
	size_t		 len;

	if (c->state != ST_READY)
		return;
	if (o.rate > 0)
		limit = sender_due(c);
	/* IRC has no ack: in flight until the receiver has it */
	done = o.proto == LG_CHAT ? c->acked : partner(c)->got + c->acked;
	now = lg_now_ns();
	while (c->sent < limit && c->sent - done < o.window) {
		/* the text is "<seq> <ns> " padded with x to --size */
		cmd = snprintf(line, sizeof line, o.proto == LG_IRC ?
		    "PRIVMSG %s :" : "SEND %s ", to);
		n = snprintf(line + cmd, sizeof line - (size_t)cmd,
		    "%llu %llu ", (unsigned long long)c->sent,
		    (unsigned long long)now);
		len = (size_t)(cmd + n);
		if ((unsigned)n < o.size) {
			memcpy(line + len, pad, o.size - (size_t)n);
			len += o.size - (size_t)n;
		}
		if (o.proto == LG_IRC)
			line[len++] = '\r';
		line[len++] = '\n';
		evbuffer_add(c->tx, line, len);
		c->sent++;
		queued = 1;
	}
	if (queued)
		conn_flush(c);
}

/* "<seq> <sent_ns> xxx...": latency, order, count. */
static void
receiver_got(struct lg_conn *c, const char *text)
{
	unsigned long long	 seq, ts;
	char			*end;
	uint64_t		 now = lg_now_ns();

	seq = strtoull(text, &end, 10);
	if (end == text || *end != ' ')
		return;			/* not ours */
	ts = strtoull(end + 1, &end, 10);
	if (ts > now)
		return;
	lg_hist_add(hist, now - ts);
	/* a gap is a message lost (or refused) before this one */
	if (seq < c->next_seq)
		res.misordered++;
	else {
		res.delivered++;
		c->next_seq = seq + 1;
	}
	c->got++;
	t_last = now;
	check_end();
}

/* Every message accounted for: arrived, or refused by the server. */
static void
check_end(void)
{
	if (res.delivered + res.misordered + res.refused >= res.expected)
		event_base_loopbreak(base);
}

/* Logins all settled: traffic, or the end of an idle-only run. */
static void
check_done(void)
{
	if (t_traffic != 0 || res.logins + res.login_fail < nconns)
		return;
	traffic_start();
	if (o.pairs == 0)
		event_base_loopbreak(base);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	unsigned	i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < o.pairs; i++)
		sender_pump(&conns[i * 2]);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fprintf(stderr, "loadgen: --timeout reached\n");
	event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	struct timeval	tv;

	signal(SIGPIPE, SIG_IGN);
	if (lg_opts_parse(&o, argc, argv) == -1 || setup_target() == -1)
		return 2;
	raise_nofile();
	if ((base = event_base_new()) == NULL ||
	    (hist = calloc(1, sizeof *hist)) == NULL ||
	    (pad = malloc(o.size)) == NULL)
		abort();
	memset(pad, 'x', o.size);
	conns_new();
	res.expected = (uint64_t)o.pairs * o.messages;
	res.base_rss_kib = lg_rss_kib(&o, "VmRSS");
	res.srv_cpu_s = lg_srv_cpu_s(&o);
	tv.tv_sec = (time_t)o.timeout;
	tv.tv_usec = (suseconds_t)((o.timeout - (double)tv.tv_sec) * 1e6);
	deadline = evtimer_new(base, on_deadline, NULL);
	if (deadline == NULL || evtimer_add(deadline, &tv) == -1)
		abort();
	t_connect = lg_now_ns();
	connect_more();
	check_done();
	event_base_dispatch(base);
	if (t_traffic == 0)
		res.login_s = (double)(lg_now_ns() - t_connect) / 1e9;
	else
		res.send_s = (double)(t_last - t_traffic) / 1e9;
	res.peak_rss_kib = lg_rss_kib(&o, "VmHWM");
	res.srv_cpu_s = lg_srv_cpu_s(&o) - res.srv_cpu_s;
	res.load_cpu_s = lg_self_cpu_s();
	lg_report(&o, &res, hist);
	return res.delivered == res.expected && res.login_fail == 0 ? 0 : 1;
}
