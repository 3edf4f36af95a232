/*
 * loadgen's options and figures: the command line, the latency histogram,
 * the servers' memory from /proc and the one result line. What goes over
 * the sockets is loadgen.c's.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

static int	opt_uint(const char *, const char *, unsigned, unsigned,
		    unsigned *);
static int	opt_target(struct lg_opts *, const char *);
static void	usage(void);
static size_t	hist_index(uint64_t);
static double	hist_value(size_t);
static long	rss_of(int, const char *);

static const struct option lg_longopts[] = {
	{ "proto",	 required_argument, NULL, 'P' },
	{ "target",	 required_argument, NULL, 't' },
	{ "pairs",	 required_argument, NULL, 'n' },
	{ "messages",	 required_argument, NULL, 'm' },
	{ "window",	 required_argument, NULL, 'w' },
	{ "size",	 required_argument, NULL, 's' },
	{ "rate",	 required_argument, NULL, 'r' },
	{ "idle",	 required_argument, NULL, 'k' },
	{ "sources",	 required_argument, NULL, 'a' },
	{ "concurrency", required_argument, NULL, 'c' },
	{ "timeout",	 required_argument, NULL, 'T' },
	{ "prefix",	 required_argument, NULL, 'x' },
	{ "pass",	 required_argument, NULL, 'p' },
	{ "pid",	 required_argument, NULL, 'i' },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(void)
{
	fprintf(stderr,
"usage: loadgen --target HOST:PORT [--proto irc|chat] [--pairs N]\n"
"               [--messages M] [--window W] [--size BYTES] [--rate MSG_S]\n"
"               [--idle K] [--sources S] [--concurrency C] [--timeout SEC]\n"
"               [--prefix P] [--pass SECRET] [--pid PID]...\n"
"Sessions log in (IRC: NICK/USER until 001; chat: HELLO-FROM until HELLO),\n"
"then each of N senders sends M numbered, timestamped messages to its\n"
"receiver, at most W in flight (chat: until SEND-OK; IRC: until the\n"
"receiver has it). One result line on stdout; exit 0 if all arrived.\n");
}

static int
opt_uint(const char *name, const char *arg, unsigned min, unsigned max,
    unsigned *out)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *arg == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "loadgen: --%s %s: want %u..%u\n", name, arg,
		    min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
opt_target(struct lg_opts *o, const char *arg)
{
	const char	*colon = strrchr(arg, ':');
	unsigned	 port;
	size_t		 n;

	if (colon == NULL || (n = (size_t)(colon - arg)) == 0 ||
	    n >= sizeof o->host) {
		fprintf(stderr, "loadgen: --target %s: want HOST:PORT\n", arg);
		return -1;
	}
	memcpy(o->host, arg, n);
	o->host[n] = '\0';
	if (opt_uint("target", colon + 1, 1, 65535, &port) == -1)
		return -1;
	o->port = (int)port;
	return 0;
}

/* Fill o from argv; -1 after a message on a bad option. */
int
lg_opts_parse(struct lg_opts *o, int argc, char **argv)
{
	unsigned	v;
	int		ch, rc = 0;
	char		*end;

	memset(o, 0, sizeof *o);
	o->proto = LG_IRC;
	o->pairs = 10;
	o->messages = 1000;
	o->window = 16;
	o->size = 64;
	o->sources = 1;
	o->concurrency = 64;
	o->timeout = 60;
	o->prefix = "";
	while (rc == 0 && (ch = getopt_long(argc, argv, "h", lg_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'P':
			if (strcmp(optarg, "irc") == 0)
				o->proto = LG_IRC;
			else if (strcmp(optarg, "chat") == 0)
				o->proto = LG_CHAT;
			else
				rc = -1;
			break;
		case 't':
			rc = opt_target(o, optarg);
			break;
		case 'n':
			rc = opt_uint("pairs", optarg, 0, 100000, &o->pairs);
			break;
		case 'm':
			rc = opt_uint("messages", optarg, 1, 100000000,
			    &o->messages);
			break;
		case 'w':
			rc = opt_uint("window", optarg, 1, 65536, &o->window);
			break;
		case 's':
			rc = opt_uint("size", optarg, 1, LG_SIZE_MAX, &o->size);
			break;
		case 'r':
			o->rate = strtod(optarg, &end);
			if (*end != '\0' || o->rate < 0 || o->rate > 1e8)
				rc = -1;
			break;
		case 'k':
			rc = opt_uint("idle", optarg, 0, 1000000, &o->idle);
			break;
		case 'a':
			rc = opt_uint("sources", optarg, 1, LG_SOURCES_MAX,
			    &o->sources);
			break;
		case 'c':
			rc = opt_uint("concurrency", optarg, 1, 100000,
			    &o->concurrency);
			break;
		case 'T':
			o->timeout = strtod(optarg, &end);
			if (*end != '\0' || o->timeout <= 0 || o->timeout > 86400)
				rc = -1;
			break;
		case 'x':
			if (strlen(optarg) > 8)
				rc = -1;
			o->prefix = optarg;
			break;
		case 'p':
			o->pass = optarg;
			break;
		case 'i':
			if (o->npids == LG_PIDS_MAX ||
			    opt_uint("pid", optarg, 1, 1U << 30, &v) == -1)
				rc = -1;
			else
				o->pids[o->npids++] = (int)v;
			break;
		default:
			rc = -1;
		}
	}
	if (rc == 0 && (optind != argc || o->host[0] == '\0'))
		rc = -1;
	if (rc == -1)
		usage();
	return rc;
}

/* CLOCK_MONOTONIC in ns: one clock for send stamps and arrivals. */
uint64_t
lg_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static size_t
hist_index(uint64_t ns)
{
	int	top, shift;
	size_t	i;

	if (ns < LG_HIST_LINEAR)
		return (size_t)ns;
	top = 63 - __builtin_clzll(ns);		/* >= 10 */
	shift = top - 9;
	i = LG_HIST_LINEAR + (size_t)(top - 10) * LG_HIST_SUB +
	    (size_t)((ns >> shift) & (LG_HIST_SUB - 1));
	return i < LG_HIST_BUCKETS ? i : LG_HIST_BUCKETS - 1;
}

/* The middle of bucket i, in ns. */
static double
hist_value(size_t i)
{
	size_t	top, sub;

	if (i < LG_HIST_LINEAR)
		return (double)i;
	top = (i - LG_HIST_LINEAR) / LG_HIST_SUB + 10;
	sub = (i - LG_HIST_LINEAR) % LG_HIST_SUB;
	return ((double)(LG_HIST_SUB + sub) + 0.5) * (double)(1ULL <<
	    (top - 9));
}

void
lg_hist_add(struct lg_hist *h, uint64_t ns)
{
	h->count[hist_index(ns)]++;
	h->n++;
}

/* The pct-th percentile in ms (0 with no samples). */
double
lg_hist_pct_ms(const struct lg_hist *h, double pct)
{
	uint64_t	want, seen = 0;
	size_t		i;

	if (h->n == 0)
		return 0;
	want = (uint64_t)((double)h->n * pct / 100.0);
	if (want >= h->n)
		want = h->n - 1;
	for (i = 0; i < LG_HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen > want)
			return hist_value(i) / 1e6;
	}
	return hist_value(LG_HIST_BUCKETS - 1) / 1e6;
}

/* One "Field: N kB" line of /proc/PID/status; -1 if unreadable. */
static long
rss_of(int pid, const char *field)
{
	char	 path[64], line[256];
	size_t	 n = strlen(field);
	long	 kib = -1;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kib = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

/* field (VmRSS, VmHWM) summed over the --pid processes; -1: none. */
long
lg_rss_kib(const struct lg_opts *o, const char *field)
{
	long		sum = -1, v;
	unsigned	i;

	for (i = 0; i < o->npids; i++)
		if ((v = rss_of(o->pids[i], field)) >= 0)
			sum = (sum < 0 ? 0 : sum) + v;
	return sum;
}

/* user + system CPU seconds of the --pid processes, from /proc/PID/stat. */
double
lg_srv_cpu_s(const struct lg_opts *o)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut, st;
	double		 sum = 0;
	unsigned	 i;
	size_t		 n;
	FILE		*f;

	for (i = 0; i < o->npids; i++) {
		snprintf(path, sizeof path, "/proc/%d/stat", o->pids[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* after "(comm)": state, 5 ints, 5 counters, utime, stime */
		if ((p = strrchr(buf, ')')) != NULL && sscanf(p + 1,
		    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		    &ut, &st) == 2)
			sum += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	}
	return sum;
}

/* loadgen's own user + system CPU seconds so far. */
double
lg_self_cpu_s(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* The one result line. */
void
lg_report(const struct lg_opts *o, const struct lg_result *r,
    const struct lg_hist *h)
{
	double	msg_s = r->send_s > 0 ? (double)r->delivered / r->send_s : 0;

	printf("proto=%s pairs=%u window=%u size=%u rate=%.0f idle=%u "
	    "delivered=%llu/%llu misordered=%llu refused=%llu msg_s=%.0f "
	    "p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f logins=%u/%u closed=%u "
	    "login_s=%.3f base_rss_kib=%ld peak_rss_kib=%ld srv_cpu_s=%.2f "
	    "load_cpu_s=%.2f\n",
	    o->proto == LG_IRC ? "irc" : "chat", o->pairs, o->window, o->size,
	    o->rate, o->idle, (unsigned long long)r->delivered,
	    (unsigned long long)r->expected,
	    (unsigned long long)r->misordered,
	    (unsigned long long)r->refused, msg_s,
	    lg_hist_pct_ms(h, 50), lg_hist_pct_ms(h, 99),
	    lg_hist_pct_ms(h, 99.9), r->logins, o->pairs * 2 + o->idle,
	    r->closed, r->login_s, r->base_rss_kib, r->peak_rss_kib,
	    r->srv_cpu_s, r->load_cpu_s);
	fflush(stdout);
}
