/*
 * chatircd start-up and shutdown: options, file descriptor limit, the
 * event loop, signals. Sessions and connections are the other files'.
 */
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "store/store.h"
#include "commands/gw.h"
#include "http/http.h"

static struct event	*ev_term, *ev_int, *ev_stop, *ev_hup;
static int		 stopping;

static void	main_raise_nofile(void);
static void	main_on_signal(evutil_socket_t, short, void *);
static void	main_on_stop_check(evutil_socket_t, short, void *);
static void	main_on_hup(evutil_socket_t, short, void *);

static void
main_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		log_debug("limit open-files %llu",
		    (unsigned long long)rl.rlim_cur);
		/* the sum conf.c sizes the default max-clients by */
		if ((unsigned long long)conf.max_clients * 2 + 16 >
		    (unsigned long long)rl.rlim_cur)
			log_warnx("max-clients %lld needs %lld descriptors, "
			    "only %llu allowed: expect refusals",
			    conf.max_clients, conf.max_clients * 2 + 16,
			    (unsigned long long)rl.rlim_cur);
	}
}

/* SIGTERM/SIGINT: every client gets an ERROR, then the loop ends. */
static void
main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct timeval	tv = { 0, 50000 };

	(void)what;
	(void)arg;
	if (stopping++) {
		event_base_loopbreak(ev_base);
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	listener_stop();
	http_stop();
	session_close_all("Server shutting down");
	gw_stop();
	ev_stop = event_new(ev_base, -1, EV_PERSIST, main_on_stop_check,
	    NULL);
	event_add(ev_stop, &tv);
}

/* SIGHUP: the TLS certificate is read again (sessions keep theirs). */
static void
main_on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	log_info("SIGHUP: reloading the configuration file and the TLS "
	    "certificate");
	conf_reload();
	listener_tls_reload();
}

/*
 * Wait for the ERRORs to drain (each session lingers at most 5 s), and
 * for WebSockets to send their close frames (as long at most).
 */
static void
main_on_stop_check(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (session_count() == 0 && counters.ws_sessions == 0)
		event_base_loopbreak(ev_base);
}

/*
 * --add-user NAME, --del-user NAME, --passwd NAME, --list-users: an
 * account action instead of the daemon. They leave argv, the rest is
 * options as usual (--db among them). Returns the argument count left.
 */
static int
main_account_action(int argc, char **argv, const char **op,
    const char **name)
{
	static const char	*ops[] = { "add-user", "del-user", "passwd" };
	int			 i, j, n = 1;
	size_t			 k;

	for (i = 1; i < argc; i++) {
		for (k = 0, j = 0; k < sizeof ops / sizeof ops[0]; k++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, ops[k]) == 0 && i + 1 < argc) {
				*op = ops[k];
				*name = argv[++i];
				j = 1;
			}
		if (!j && strcmp(argv[i], "--list-users") == 0) {
			*op = "list-users";
			j = 1;
		}
		if (!j)
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

int
main(int argc, char **argv)
{
	const char	*op = NULL, *name = "";
	int		 rc;

	argc = main_account_action(argc, argv, &op, &name);
	if (conf_parse_args(argc, argv) == -1)
		return 1;
	if (op != NULL) {
		if (conf.db == NULL) {
			fprintf(stderr, "chatircd: --%s needs --db FILE\n", op);
			conf_free();
			return 1;
		}
		rc = account_cli_run(conf.db, op, name);
		conf_free();
		return rc;
	}
	if (conf.check_only) {
		fprintf(stderr, "chatircd: configuration OK\n");
		conf_free();
		return 0;
	}
	log_init(conf.debug);
	signal(SIGPIPE, SIG_IGN);
	main_raise_nofile();
	conf_log();
	if (core_init() == -1)
		fatalx("cannot make the event base or the resolver");
	srandom((unsigned)start_time ^ (unsigned)getpid());
	gw_init();
	ev_term = evsignal_new(ev_base, SIGTERM, main_on_signal, NULL);
	ev_int = evsignal_new(ev_base, SIGINT, main_on_signal, NULL);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	ev_hup = evsignal_new(ev_base, SIGHUP, main_on_hup, NULL);
	event_add(ev_hup, NULL);
	if (auth_init() == -1 || listener_check_all() == -1 ||
	    http_check() == -1)
		return 1;	/* the refusal is the only line */
	/* before "listening on", which tells scripts the start is over */
	log_info("chatircd %s: IRC clients on %s%s%s, chat server %s "
	    "(dialect %s), max-clients %lld", CHATIRCD_RELEASE, conf.listen,
	    conf.tls_listen != NULL ? ", TLS on " : "",
	    conf.tls_listen != NULL ? conf.tls_listen : "", conf.upstream,
	    conf.dialect, conf.max_clients);
	if (listener_start() == -1 || http_start() == -1)
		return 1;

	event_base_dispatch(ev_base);

	session_reap_all();
	listener_stop();
	http_free();
	gw_shutdown();
	event_base_loop(ev_base, EVLOOP_NONBLOCK);
	if (ev_stop != NULL)
		event_free(ev_stop);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	auth_free();
	core_free();
	conf_free();
	log_info("exiting");
	return 0;
}
