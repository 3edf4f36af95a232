/*
 * The options table: every setting is one row (name, bounds, default,
 * help), read from the command line or from a -f file of "name value"
 * lines. Checking values is here; using them is everyone else's.
 */
#include <sys/resource.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

struct conf	conf;

/* OPT_LIST: given again, it adds (comma-separated) */
enum opt_type { OPT_STR, OPT_NUM, OPT_LIST, OPT_FLAG };

struct opt {
	const char	*name;
	enum opt_type	 type;
	size_t		 off;
	long long	 min, max, def;
	const char	*sdef;
	const char	*help;
};

#define STR(f)	OPT_STR, offsetof(struct conf, f), 0, 0, 0
#define NUM(f)	OPT_NUM, offsetof(struct conf, f)
#define LIST(f)	OPT_LIST, offsetof(struct conf, f), 0, 0, 0
#define FLAG(f)	OPT_FLAG, offsetof(struct conf, f), 0, 1, 0, NULL

static const struct opt opts[] = {
	{ "listen",		LIST(listen), "127.0.0.1:6667",
	    "ADDR:PORT for IRC clients (port 0: any free port; again: "
	    "one more)" },
	{ "tls-listen",		LIST(tls_listen), NULL,
	    "ADDR:PORT for IRC clients over TLS (again: one more)" },
	{ "tls-cert",		STR(tls_cert), NULL,
	    "PEM certificate (chain) for tls-listen, reread on SIGHUP" },
	{ "tls-key",		STR(tls_key), NULL,
	    "PEM private key for tls-cert, reread on SIGHUP" },
	{ "http-listen",	LIST(http_listen), NULL,
	    "ADDR:PORT for browsers: the web client at /, IRCv3 WebSocket at "
	    "/socket (again: one more)" },
	{ "https-listen",	LIST(https_listen), NULL,
	    "ADDR:PORT as http-listen over TLS (tls-cert, tls-key; again: "
	    "one more)" },
	{ "http-origin",	LIST(http_origin), NULL,
	    "glob of a foreign Origin whose pages may use /socket (again: "
	    "one more; this host's own always may)" },
	{ "http-root",		STR(http_root), NULL,
	    "directory of the web client served at / (none: the installed "
	    "one)" },
	{ "http-timeout",	NUM(http_timeout), 1, 3600, 10, NULL,
	    "seconds an HTTP client has to send its request" },
	{ "metrics-listen",	LIST(metrics_listen), NULL,
	    "ADDR:PORT serving Prometheus text at /metrics (again: one "
	    "more)" },
	{ "password-file",	STR(password_file), NULL,
	    "file whose first line is the password clients send with PASS" },
	{ "insecure-listen",	FLAG(insecure_listen),
	    "allow a non-loopback listen without a password (no value)" },
	{ "sts-duration",	NUM(sts_duration), 0, 31536000, 0, NULL,
	    "seconds of the IRCv3 STS policy offered with tls-listen "
	    "(0: none)" },
	{ "upstream",		STR(upstream), "127.0.0.1:5378",
	    "HOST:PORT of the chat server" },
	/* a dot, so clients (irc-framework) see a server, not a user;
	 * .invalid (RFC 6761) never resolves to a real host */
	{ "server-name",	STR(server_name), "chatircd.invalid",
	    "name the gateway gives itself in IRC replies" },
	{ "network",		STR(network), "chat",
	    "ISUPPORT NETWORK name" },
	{ "motd-file",		STR(motd_file), NULL,
	    "message of the day file (none: 422)" },
	{ "dialect",		STR(dialect), "auto",
	    "upstream dialect: auto, original (WHO) or newer (LIST)" },
	{ "irc-line-max",	NUM(irc_line_max), 512, 4096, 512, NULL,
	    "longest IRC line in bytes with CR LF, tags apart (417 past it)" },
	{ "upstream-line-max",	NUM(upstream_line_max), 1024, 16777216,
	    1048576, NULL,
	    "longest upstream line (a user list of ~100,000 names fits the "
	    "default); past it the upstream is dropped" },
	{ "sendq-soft",		NUM(sendq_soft), 1024, 1073741824, 65536,
	    NULL, "queued bytes to a client past which it is logged as "
	    "slow (nothing upstream waits for it)" },
	{ "sendq-max",		NUM(sendq_max), 4096, 1073741824, 4194304,
	    NULL, "queued bytes to a client past which it is closed "
	    "(SendQ exceeded)" },
	{ "max-pending",	NUM(max_pending), 1, 4096, 64, NULL,
	    "upstream requests awaiting a reply, per session" },
	{ "max-clients",	NUM(max_clients), 1, 1000000, 10000, NULL,
	    "IRC sessions in all (a default above what the descriptor "
	    "limit holds, 2 each + 16, is lowered)" },
	{ "per-address",	NUM(per_address), 1, 1000000, 256, NULL,
	    "IRC sessions per client address" },
	{ "reg-timeout",	NUM(reg_timeout), 1, 3600, 60, NULL,
	    "seconds a client has to complete registration" },
	{ "poll-interval",	NUM(poll_interval), 1, 3600, 5, NULL,
	    "seconds between user list polls (one for the whole gateway)" },
	{ "channel-large",	NUM(channel_large), 0, 10000000, 1000, NULL,
	    "users online past which &chat shows no JOIN/QUIT and no nick "
	    "list at join (NAMES on request; 0: never)" },
	{ "channel",		STR(channel), "&chat",
	    "name of the channel listing everyone online (starts with &), "
	    "joined at login; none: &chat, joined only by JOIN" },
	{ "upstream-bind",	STR(upstream_bind), NULL,
	    "ADDR[,ADDR...] local addresses for upstream connections, "
	    "sessions spread over them" },
	{ "upstream-per-address", NUM(upstream_per_address), 0, 1000000, 0,
	    NULL, "upstream logins per bind address (0: unlimited)" },
	{ "upstream-timeout",	NUM(upstream_timeout), 1, 3600, 30, NULL,
	    "seconds an upstream request may wait for its reply before the "
	    "connection counts as lost" },
	{ "keepalive",		NUM(keepalive), 1, 86400, 600, NULL,
	    "seconds one session's upstream may stay silent before it gets "
	    "a keep-alive WHO of its own (the shared poll probes the server "
	    "for all)" },
	{ "reconnect-min",	NUM(reconnect_min), 10, 3600000, 1000, NULL,
	    "first reconnect delay in ms (doubles, with jitter)" },
	{ "reconnect-max",	NUM(reconnect_max), 10, 3600000, 60000, NULL,
	    "longest reconnect delay in ms" },
	{ "hold-max",		NUM(hold_max), 0, 100000, 100, NULL,
	    "messages held per session while the upstream is away" },
	{ "ping-interval",	NUM(ping_interval), 1, 86400, 90, NULL,
	    "seconds of client silence before the gateway sends PING" },
	{ "ping-timeout",	NUM(ping_timeout), 1, 86400, 60, NULL,
	    "seconds to answer that PING before the client is dropped" },
	{ "db",			STR(db), NULL,
	    "SQLite file or postgresql:// URI of the bouncer: accounts "
	    "and their history (none: no accounts)" },
	{ "debug",		FLAG(debug),
	    "debug lines in the log (as -d)" },
	{ "allow-anonymous",	FLAG(allow_anonymous),
	    "with db: let clients without an account in (as without db)" },
	{ "max-attach",		NUM(max_attach), 1, 1000, 10, NULL,
	    "IRC clients attached to one account at once" },
	{ "playback-max",	NUM(playback_max), 1, 1000, 500, NULL,
	    "messages replayed on attach, and per CHATHISTORY request" },
	{ "history-max-age",	NUM(history_max_age), 0, 36500, 365, NULL,
	    "days a stored message is kept (0: no age limit)" },
	{ "history-max",	NUM(history_max), 0, 100000000, 100000, NULL,
	    "messages kept per account (0: no count limit)" },
	{ "store-queue-max",	NUM(store_queue_max), 4096, 1073741824,
	    8388608, NULL,
	    "bytes of messages per account waiting to be stored; past it "
	    "a message is not kept (logged, told, counted)" },
	{ "store-spool-max",	NUM(store_spool_max), 0, 1099511627776LL,
	    268435456, NULL,
	    "bytes of received messages per account waiting on disk once "
	    "store-queue-max is reached (0: none); past it a message is not "
	    "kept" },
	{ "read-queue-max",	NUM(read_queue_max), 1, 65536, 256, NULL,
	    "reads waiting for the store (history, search, playback), "
	    "all clients; past it a request gets FAIL" },
};

static unsigned char	 given[sizeof opts / sizeof opts[0]];

static const struct opt	*conf_find(const char *);
static long long conf_default(const struct opt *);
static int	 conf_set(const struct opt *, const char *, const char *,
		    int);
static int	 conf_read_file(const char *);
static int	 conf_reload_one(const struct opt *, const char *,
		    const char *, int);
static const char	*conf_path;	/* -f, for SIGHUP */
static int		 conf_reloading;

/* What SIGHUP may change: these apply from the next use on. */
static const char *const conf_live[] = {
	"motd-file", "max-clients", "per-address", "reg-timeout",
	"ping-interval", "ping-timeout", "sendq-soft", "sendq-max",
	"hold-max", "max-attach", "playback-max", "history-max-age",
	"history-max", "store-queue-max", "store-spool-max", "read-queue-max", "channel-large", "upstream-timeout",
	"keepalive", "reconnect-min", "reconnect-max", "debug",
};
static void	 conf_usage(FILE *);
static void	 conf_defaults(void);
static int	 conf_check(void);

static const struct opt *
conf_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

/*
 * A row's default; max-clients' is lowered to what the descriptor hard
 * limit (main.c raises to it) holds, so that a default never warns.
 */
static long long
conf_default(const struct opt *o)
{
	struct rlimit	rl;
	long long	fit;

	if (o->off != offsetof(struct conf, max_clients) ||
	    getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_max >= (rlim_t)o->def * 2 + 16)
		return o->def;
	fit = ((long long)rl.rlim_max - 16) / 2;
	return fit < o->min ? o->min : fit;
}

static int
conf_set(const struct opt *o, const char *value, const char *where,
    int line)
{
	char		*end, **sp, *old;
	long long	 v;
	size_t		 len;

	if (o->type == OPT_FLAG) {	/* a file may say yes or no */
		if (*value != '\0' && strcmp(value, "yes") != 0 &&
		    strcmp(value, "no") != 0) {
			fprintf(stderr, "chatircd: %s:%d: %s: \"%s\" is not "
			    "yes or no\n", where, line, o->name, value);
			return -1;
		}
		*(int *)((char *)&conf + o->off) = strcmp(value, "no") != 0;
		return 0;
	}
	sp = (char **)((char *)&conf + o->off);
	if (o->type == OPT_LIST && given[o - opts] && *sp != NULL) {
		old = *sp;
		len = strlen(old) + 1 + strlen(value) + 1;
		*sp = xmalloc(len);
		snprintf(*sp, len, "%s,%s", old, value);
		free(old);
		return 0;
	}
	given[o - opts] = 1;
	if (o->type == OPT_STR || o->type == OPT_LIST) {
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	}
	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < o->min ||
	    v > o->max) {
		fprintf(stderr, "chatircd: %s:%d: %s: \"%s\" is not a number "
		    "from %lld to %lld\n", where, line, o->name, value,
		    o->min, o->max);
		return -1;
	}
	*(long long *)((char *)&conf + o->off) = v;
	return 0;
}

static int
conf_read_file(const char *path)
{
	FILE		*f;
	char		 line[1024], *p, *name, *value, *e;
	int		 n = 0, rc = 0, c;
	const struct opt *o;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "chatircd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		n++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "chatircd: %s:%d: line longer than %zu "
			    "bytes\n", path, n, sizeof line - 2);
			rc = -1;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		name = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		value = p;
		for (e = value + strlen(value); e > value &&
		    isspace((unsigned char)e[-1]); e--)
			e[-1] = '\0';
		if ((o = conf_find(name)) == NULL) {
			fprintf(stderr, "chatircd: %s:%d: unknown option "
			    "\"%s\"\n", path, n, name);
			rc = -1;
		} else if ((conf_reloading ? conf_reload_one(o, value, path,
		    n) : conf_set(o, value, path, n)) == -1)
			rc = -1;
	}
	fclose(f);
	return rc;
}

static void
conf_usage(FILE *out)
{
	size_t	i;

	fprintf(out, "usage: chatircd [-dnv] [-f config] [--option value]"
	    "...\n       chatircd --version\n"
	    "       chatircd --db FILE --add-user|--del-user|--passwd|"
	    "--set-admin NAME [--admin|--no-admin]\n"
	    "       chatircd --db FILE --list-users\n"
	    "options (also \"name value\" lines in the -f file):\n");
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		if (opts[i].type == OPT_FLAG)
			fprintf(out, "  --%-18s %s\n", opts[i].name,
			    opts[i].help);
		else if (opts[i].type != OPT_NUM)
			fprintf(out, "  --%-18s %s (default %s)\n",
			    opts[i].name, opts[i].help,
			    opts[i].sdef ? opts[i].sdef : "none");
		else
			fprintf(out, "  --%-18s %s (%lld..%lld, default "
			    "%lld)\n", opts[i].name, opts[i].help,
			    opts[i].min, opts[i].max, conf_default(&opts[i]));
	}
}

static void
conf_defaults(void)
{
	size_t	i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		if (opts[i].type == OPT_NUM)
			*(long long *)((char *)&conf + opts[i].off) =
			    conf_default(&opts[i]);
		else if (opts[i].sdef != NULL)
			*(char **)((char *)&conf + opts[i].off) =
			    xstrdup(opts[i].sdef);
	}
}

static int
conf_check(void)
{
	if (strcmp(conf.dialect, "auto") != 0 &&
	    strcmp(conf.dialect, "original") != 0 &&
	    strcmp(conf.dialect, "newer") != 0) {
		fprintf(stderr, "chatircd: dialect: \"%s\" is not auto, "
		    "original or newer\n", conf.dialect);
		return -1;
	}
	if (conf.reconnect_min > conf.reconnect_max) {
		fprintf(stderr, "chatircd: reconnect-min (%lld) must not be "
		    "above reconnect-max (%lld)\n", conf.reconnect_min,
		    conf.reconnect_max);
		return -1;
	}
	conf.channel_join = strcmp(conf.channel, "none") != 0;
	if (!conf.channel_join) {
		free(conf.channel);
		conf.channel = xstrdup("&chat");
	}
	if (conf.channel[0] != '&' || strlen(conf.channel) < 2 ||
	    strlen(conf.channel) > 50 ||
	    conf.channel[strcspn(conf.channel, " ,:\a\r\n")] != '\0') {
		fprintf(stderr, "chatircd: channel: \"%s\" must be none or "
		    "start with '&', be 2 to 50 characters and hold no space, "
		    "',' or ':'\n", conf.channel);
		return -1;
	}
	if (conf.sendq_soft >= conf.sendq_max) {
		fprintf(stderr, "chatircd: sendq-soft (%lld) must be below "
		    "sendq-max (%lld)\n", conf.sendq_soft, conf.sendq_max);
		return -1;
	}
	/* one upstream line becomes ~1.3x its size in IRC lines */
	if (conf.sendq_max < conf.sendq_soft + 2 * conf.upstream_line_max) {
		fprintf(stderr, "chatircd: sendq-max (%lld) must be at least "
		    "sendq-soft + 2 * upstream-line-max (%lld)\n",
		    conf.sendq_max,
		    conf.sendq_soft + 2 * conf.upstream_line_max);
		return -1;
	}
	if (conf.tls_listen != NULL && (conf.tls_cert == NULL ||
	    conf.tls_key == NULL)) {
		fprintf(stderr, "chatircd: tls-listen needs tls-cert and "
		    "tls-key\n");
		return -1;
	}
	if (conf.https_listen != NULL && (conf.tls_cert == NULL ||
	    conf.tls_key == NULL)) {
		fprintf(stderr, "chatircd: https-listen needs tls-cert and "
		    "tls-key\n");
		return -1;
	}
	if (*conf.server_name == '\0' || *conf.network == '\0' ||
	    conf.server_name[strcspn(conf.server_name, " :!@*?,")] != '\0' ||
	    conf.network[strcspn(conf.network, " :,")] != '\0') {
		fprintf(stderr, "chatircd: server-name and network may not "
		    "be empty or hold spaces, ':', '!', '@', '*', '?' or ','\n");
		return -1;
	}
	return 0;
}

/*
 * Fill conf from defaults, then -f file, then the other arguments in
 * order. Returns 0, or -1 after telling the user what is wrong.
 */
int
conf_parse_args(int argc, char **argv)
{
	const struct opt	*o;
	const char		*a;
	int			 i;

	conf_defaults();
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-d") == 0 || strcmp(a, "-v") == 0)
			conf.debug = 1;
		else if (strcmp(a, "-n") == 0)
			conf.check_only = 1;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			conf_usage(stdout);	/* asked for: not an error */
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("chatircd %s\n", CHATIRCD_RELEASE);
			exit(0);
		} else if (strcmp(a, "-f") == 0) {
			if (i + 1 < argc)
				conf_path = argv[i + 1];
			if (++i == argc || conf_read_file(argv[i]) == -1) {
				if (i == argc)
					conf_usage(stderr);
				return -1;
			}
		} else if (strncmp(a, "--", 2) == 0 &&
		    (o = conf_find(a + 2)) != NULL && o->type == OPT_FLAG) {
			conf_set(o, "", "command line", i);
		} else if (strncmp(a, "--", 2) == 0 &&
		    (o = conf_find(a + 2)) != NULL) {
			if (++i == argc) {
				fprintf(stderr, "chatircd: %s needs a value\n",
				    a);
				return -1;
			}
			if (conf_set(o, argv[i], "command line", i) == -1)
				return -1;
		} else {
			fprintf(stderr, "chatircd: unknown argument \"%s\"\n",
			    a);
			conf_usage(stderr);
			return -1;
		}
	}
	return conf_check();
}

/* One line per bound at -v, so a log shows what the process enforces. */
void
conf_log(void)
{
	size_t	i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (opts[i].type == OPT_NUM)
			log_debug("limit %s %lld", opts[i].name,
			    *(long long *)((char *)&conf + opts[i].off));
}

/* The value of o now, as text (numbers in decimal), for comparing. */
static void
conf_value(const struct opt *o, char *buf, size_t size)
{
	const char	*str;

	if (o->type == OPT_STR) {
		str = *(char **)((char *)&conf + o->off);
		snprintf(buf, size, "%s", str != NULL ? str : "");
	} else if (o->type == OPT_FLAG)
		snprintf(buf, size, "%s", *(int *)((char *)&conf + o->off) ?
		    "yes" : "no");
	else
		snprintf(buf, size, "%lld",
		    *(long long *)((char *)&conf + o->off));
}

/* One line of the file at SIGHUP: applied if it may be, else named. */
static int
conf_reload_one(const struct opt *o, const char *value, const char *where,
    int line)
{
	char	before[512], after[512];
	size_t	i;
	int	live = 0;

	for (i = 0; i < sizeof conf_live / sizeof conf_live[0]; i++)
		live |= strcmp(conf_live[i], o->name) == 0;
	conf_value(o, before, sizeof before);
	if (o->type == OPT_FLAG && *value == '\0')
		value = "yes";
	if (strcmp(before, value) == 0)
		return 0;
	if (!live) {
		log_warnx("reload: %s is %s in %s but stays %s until a restart",
		    o->name, value, where, before);
		return 0;
	}
	if (conf_set(o, value, where, line) == -1)
		return -1;
	conf_value(o, after, sizeof after);
	log_info("reload: %s %s -> %s", o->name, before, after);
	return 0;
}

/*
 * SIGHUP: read the -f file again. What may change from the next use on
 * (limits for new sessions, the MOTD, debug lines, retention...) does,
 * each change logged; the rest is named as needing a restart. A file
 * that does not check keeps every number as it was. -1: nothing read.
 */
int
conf_reload(void)
{
	long long	saved[sizeof opts / sizeof opts[0]];
	size_t		i;
	int		rc;

	if (conf_path == NULL) {
		log_info("reload: no -f file; nothing to read");
		return -1;
	}
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (opts[i].type == OPT_NUM)
			saved[i] = *(long long *)((char *)&conf + opts[i].off);
	conf_reloading = 1;
	rc = conf_read_file(conf_path);
	conf_reloading = 0;
	if (rc == 0 && conf_check() == 0) {
		log_init(conf.debug);
		return 0;
	}
	log_warnx("reload: %s has errors (see above): the limits stay as "
	    "they were", conf_path);
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (opts[i].type == OPT_NUM)
			*(long long *)((char *)&conf + opts[i].off) = saved[i];
	return -1;
}

/* Free the strings the table holds. */
void
conf_free(void)
{
	size_t	i;
	char	**sp;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (opts[i].type == OPT_STR || opts[i].type == OPT_LIST) {
			sp = (char **)((char *)&conf + opts[i].off);
			free(*sp);
			*sp = NULL;
		}
}
