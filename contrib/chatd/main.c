/*
 * chatd start-up: options, logging to stderr, signals, the event loop and
 * an orderly shutdown. The server itself lives in server.c and client.c.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "chatd.h"

enum opt_id {
	OPT_BIND = 256, OPT_PORT, OPT_MAX_CLIENTS, OPT_PER_ADDRESS,
	OPT_DIALECT, OPT_ONLY_DIALECT, OPT_NO_BOTS, OPT_DELAYBOT_PAUSE,
	OPT_HANDSHAKE_TIMEOUT, OPT_LINE_MAX, OPT_SENDQ_MAX, OPT_VERSION
};

/* Numeric options: one row each, bounds checked by opt_number(). */
struct opt_num {
	int		 id;
	const char	*name;
	long long	 min, max;
};

static const struct opt_num opt_nums[] = {
	{ OPT_PORT,		 "port",		0, 65535 },
	{ OPT_MAX_CLIENTS,	 "max-clients",		1, 1000000 },
	{ OPT_PER_ADDRESS,	 "per-address",		0, 1000000 },
	{ OPT_DELAYBOT_PAUSE,	 "delaybot-pause",	0, 60000 },
	{ OPT_HANDSHAKE_TIMEOUT, "handshake-timeout",	1, 86400 },
	{ OPT_LINE_MAX,		 "line-max",		64, 64 << 20 },
	{ OPT_SENDQ_MAX,	 "sendq-max",		1024, 1LL << 32 },
};

static const struct option long_opts[] = {
	{ "bind",		required_argument, NULL, OPT_BIND },
	{ "port",		required_argument, NULL, OPT_PORT },
	{ "max-clients",	required_argument, NULL, OPT_MAX_CLIENTS },
	{ "per-address",	required_argument, NULL, OPT_PER_ADDRESS },
	{ "dialect",		required_argument, NULL, OPT_DIALECT },
	{ "only-dialect",	required_argument, NULL, OPT_ONLY_DIALECT },
	{ "no-bots",		no_argument,	   NULL, OPT_NO_BOTS },
	{ "delaybot-pause",	required_argument, NULL, OPT_DELAYBOT_PAUSE },
	{ "handshake-timeout",	required_argument, NULL,
	    OPT_HANDSHAKE_TIMEOUT },
	{ "line-max",		required_argument, NULL, OPT_LINE_MAX },
	{ "sendq-max",		required_argument, NULL, OPT_SENDQ_MAX },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL,			0,		   NULL, 0 }
};

struct chatd_conf chatd_conf = {
	.bind = "127.0.0.1",
	.port = 5378,
	.max_clients = 1000,
	.per_address = 0,
	.dialect = CHAT_DIALECT_NEWER,
	.only_dialect = CHAT_DIALECT_UNKNOWN,
	.bots = 1,
	.delaybot_pause_ms = 500,
	.handshake_timeout = 20,
	.line_max = 65536,
	.sendq_max = 1048576,
	.verbose = 0,
};
struct event_base *chatd_base;

static void		 usage(FILE *, int) __attribute__((noreturn));
static long long	 opt_number(int, const char *);
static enum chat_dialect opt_dialect(const char *, const char *);
static void		 opt_parse(int, char **);
static void		 raise_nofile(void);
static void		 on_signal(evutil_socket_t, short, void *);

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: chatd [--bind ADDR] [--port N] [--max-clients N]"
	    " [--per-address N]\n"
	    "             [--dialect original|newer]"
	    " [--only-dialect original|newer]\n"
	    "             [--no-bots] [--delaybot-pause MS]"
	    " [--handshake-timeout SEC]\n"
	    "             [--line-max BYTES] [--sendq-max BYTES] [-v] [-h]"
	    " [--version]\n");
	exit(status);
}

void
chatd_vlog(int verbose, const char *fmt, va_list ap)
{
	if (verbose && !chatd_conf.verbose)
		return;
	fputs("chatd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Log one line to stderr; verbose lines only with -v. */
void
chatd_log(int verbose, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	chatd_vlog(verbose, fmt, ap);
	va_end(ap);
}

/* Escape network text for a log line: \xNN for anything but printable ASCII. */
const char *
chatd_escape(char *dst, size_t size, const char *src, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;
	unsigned char		 ch;

	if (size == 0)
		return "";
	for (i = 0; i < len; i++) {
		ch = (unsigned char)src[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			if (o + 1 >= size)
				break;
			dst[o++] = (char)ch;
		} else {
			if (o + 4 >= size)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		}
	}
	if (i < len && o + 3 < size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

static long long
opt_number(int id, const char *arg)
{
	const struct opt_num	*o = NULL;
	char			*end;
	long long		 v;
	size_t			 i;

	for (i = 0; i < sizeof opt_nums / sizeof opt_nums[0]; i++)
		if (opt_nums[i].id == id)
			o = &opt_nums[i];
	if (o == NULL)
		abort();
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < o->min ||
	    v > o->max) {
		fprintf(stderr, "chatd: --%s: want a number from %lld to %lld,"
		    " not \"%s\"\n", o->name, o->min, o->max, arg);
		exit(2);
	}
	return v;
}

static enum chat_dialect
opt_dialect(const char *opt, const char *arg)
{
	if (strcmp(arg, "original") == 0)
		return CHAT_DIALECT_ORIGINAL;
	if (strcmp(arg, "newer") == 0)
		return CHAT_DIALECT_NEWER;
	fprintf(stderr, "chatd: --%s: want original or newer, not \"%s\"\n",
	    opt, arg);
	exit(2);
}

static void
opt_parse(int argc, char **argv)
{
	struct chatd_conf	*c = &chatd_conf;
	int			 ch, dialect_set = 0;

	while ((ch = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (ch) {
		case OPT_BIND:
			c->bind = optarg;
			break;
		case OPT_PORT:
			c->port = (int)opt_number(ch, optarg);
			break;
		case OPT_MAX_CLIENTS:
			c->max_clients = (unsigned)opt_number(ch, optarg);
			break;
		case OPT_PER_ADDRESS:
			c->per_address = (unsigned)opt_number(ch, optarg);
			break;
		case OPT_DIALECT:
			c->dialect = opt_dialect("dialect", optarg);
			dialect_set = 1;
			break;
		case OPT_ONLY_DIALECT:
			c->only_dialect = opt_dialect("only-dialect", optarg);
			break;
		case OPT_NO_BOTS:
			c->bots = 0;
			break;
		case OPT_DELAYBOT_PAUSE:
			c->delaybot_pause_ms = (unsigned)opt_number(ch, optarg);
			break;
		case OPT_HANDSHAKE_TIMEOUT:
			c->handshake_timeout = (unsigned)opt_number(ch, optarg);
			break;
		case OPT_LINE_MAX:
			c->line_max = (size_t)opt_number(ch, optarg);
			break;
		case OPT_SENDQ_MAX:
			c->sendq_max = (size_t)opt_number(ch, optarg);
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'h':
			usage(stdout, 0);
		case OPT_VERSION:
			/* CHATIRCD_RELEASE: project(VERSION) in CMakeLists.txt */
			printf("chatd %s\n", CHATIRCD_RELEASE);
			exit(0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	/* A server that knows one dialect answers in it. */
	if (c->only_dialect != CHAT_DIALECT_UNKNOWN && !dialect_set)
		c->dialect = c->only_dialect;
	/* One relayed line must fit: DELIVERY, a name, the text, LF. */
	if (c->sendq_max < c->line_max + CHAT_NAME_MAX + 16) {
		fprintf(stderr, "chatd: --sendq-max must be at least --line-max"
		    " + %d\n", CHAT_NAME_MAX + 16);
		exit(2);
	}
}

/* Connections are file descriptors: allow as many as the hard limit does. */
static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			chatd_log(0, "setrlimit: %s", strerror(errno));
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)chatd_conf.max_clients + 16)
		chatd_log(0, "only %llu file descriptors for %u clients",
		    (unsigned long long)rl.rlim_cur, chatd_conf.max_clients);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	chatd_log(0, "signal %d: shutting down", (int)sig);
	event_base_loopbreak(chatd_base);
}

int
main(int argc, char **argv)
{
	struct event	*sigint, *sigterm;
	int		 status = 0;

	opt_parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if ((chatd_base = event_base_new()) == NULL) {
		chatd_log(0, "event_base_new failed");
		return 1;
	}
	sigint = evsignal_new(chatd_base, SIGINT, on_signal, NULL);
	sigterm = evsignal_new(chatd_base, SIGTERM, on_signal, NULL);
	if (sigint == NULL || sigterm == NULL || evsignal_add(sigint, NULL) ||
	    evsignal_add(sigterm, NULL)) {
		chatd_log(0, "cannot handle signals");
		status = 1;
	} else if (server_listen() == -1)
		status = 1;
	else {
		if (chatd_conf.bots)
			bots_start();
		if (event_base_dispatch(chatd_base) == -1)
			status = 1;
	}
	bots_shutdown();
	server_shutdown();
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	event_base_free(chatd_base);
	libevent_global_shutdown();
	return status;
}
