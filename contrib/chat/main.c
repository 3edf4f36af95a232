/*
 * chat, a terminal client for the chat protocol: parses HOST[:PORT], sets
 * up the event loop and runs until !quit, end of input or a lost server.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "client.h"

#define CHAT_DEFAULT_HOST	"127.0.0.1"
#define CHAT_DEFAULT_PORT	"5378"

static int	main_parse_target(char *, const char **, const char **);
static int	main_port_valid(const char *);
static struct event_base *main_base(void);
static void	main_on_signal(evutil_socket_t, short, void *);
static void	usage(void) __attribute__((noreturn));

int
main(int argc, char *argv[])
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCONT };
	struct event	*sigev[sizeof sigs / sizeof sigs[0]] = { NULL };
	struct client	 c;
	int		 ch;
	size_t		 i;

	while ((ch = getopt(argc, argv, "h")) != -1)
		usage();
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();

	memset(&c, 0, sizeof c);
	c.host = CHAT_DEFAULT_HOST;
	c.port = CHAT_DEFAULT_PORT;
	if (argc == 1 && main_parse_target(argv[0], &c.host, &c.port) == -1)
		return 2;

	signal(SIGPIPE, SIG_IGN);
	if ((c.base = main_base()) == NULL || term_start(&c) == -1) {
		fprintf(stderr, "chat: cannot set up the event loop\n");
		return 1;
	}
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		sigev[i] = evsignal_new(c.base, sigs[i], main_on_signal, &c);
		if (sigev[i] != NULL)
			event_add(sigev[i], NULL);
	}
	term_prompt(&c);
	event_base_dispatch(c.base);

	net_close(&c);
	term_stop(&c);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigev[i] != NULL)
			event_free(sigev[i]);
	event_base_free(c.base);
	fflush(stdout);
	return c.exit_code;
}

/* Stop the event loop; main() returns code. */
void
client_exit(struct client *c, int code)
{
	if (c->done)
		return;
	c->done = 1;
	c->exit_code = code;
	event_base_loopbreak(c->base);
}

/* A signal that ends us still gives the terminal back; 128 + signal. */
static void
main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	if (sig == SIGCONT)
		edit_resume();
	else
		client_exit(arg, 128 + (int)sig);
}

/* HOST, HOST:PORT, [V6ADDR], [V6ADDR]:PORT; a bare V6ADDR has no port. */
static int
main_parse_target(char *arg, const char **host, const char **port)
{
	char	*end, *colon;

	if (arg[0] == '[') {
		if ((end = strchr(arg, ']')) == NULL ||
		    (end[1] != '\0' && end[1] != ':')) {
			fprintf(stderr, "chat: bad address: %s\n", arg);
			return -1;
		}
		*end = '\0';
		*host = arg + 1;
		if (end[1] == ':')
			*port = end + 2;
	} else if ((colon = strchr(arg, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		*colon = '\0';
		*host = arg;
		*port = colon + 1;
	} else
		*host = arg;
	if (**host == '\0') {
		fprintf(stderr, "chat: empty host name\n");
		return -1;
	}
	if (!main_port_valid(*port)) {
		fprintf(stderr, "chat: bad port: %s\n", *port);
		return -1;
	}
	return 0;
}

static int
main_port_valid(const char *s)
{
	char	*end;
	long	 n;

	if (*s < '0' || *s > '9')
		return 0;
	n = strtol(s, &end, 10);
	return *end == '\0' && n >= 1 && n <= 65535;
}

/* epoll refuses files and /dev/null: for `chat < file` use poll. */
static struct event_base *
main_base(void)
{
	struct event_config	*cfg;
	struct event_base	*base;
	struct stat		 st;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	if (fstat(STDIN_FILENO, &st) == 0 && !S_ISFIFO(st.st_mode) &&
	    !S_ISSOCK(st.st_mode) && !isatty(STDIN_FILENO))
		event_config_avoid_method(cfg, "epoll");
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static void
usage(void)
{
	fprintf(stderr, "usage: chat [HOST[:PORT]]\n"
	    "  default 127.0.0.1:5378; IPv6 as [::1]:5378\n"
	    "  commands: @user message, !who, !quit\n");
	exit(2);
}
