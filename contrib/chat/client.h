/*
 * Shared state of chat, the terminal client: one connection, the name
 * prompt, the FIFO of requests awaiting replies and the stdin framer.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stddef.h>

#include "chat.h"
#include "linebuf.h"

#define CLIENT_LINE_MAX		(64 * 1024)	/* server and terminal lines */
#define CLIENT_PENDING_MAX	256		/* requests awaiting a reply */
#define CLIENT_HANDSHAKE_SECS	30		/* wait for HELLO at most */
#define CLIENT_DRAIN_SECS	5		/* replies awaited after EOF */

enum client_state {
	CLIENT_NAME = 0,	/* asking for a name, not connected */
	CLIENT_HANDSHAKE,	/* HELLO-FROM sent, stdin paused */
	CLIENT_READY		/* logged in: commands and deliveries */
};

/* What a request was, so its reply can be matched: bits, see net.c. */
enum client_req {
	REQ_NONE = 0,
	REQ_SEND = 1,
	REQ_WHO = 2,
	REQ_LIST = 4
};

struct client_pending {
	enum client_req	 kind;
	int		 retried;	/* WHO/LIST: other keyword tried */
};

struct event_base;
struct event;
struct bufferevent;

struct client {
	struct event_base	*base;
	const char		*host;
	const char		*port;
	enum client_state	 state;
	enum chat_dialect	 dialect;
	char			 name[CHAT_NAME_MAX + 1];

	struct bufferevent	*bev;		/* NULL when not connected */
	struct linebuf		 rx;
	struct client_pending	 pending[CLIENT_PENDING_MAX];
	size_t			 phead;
	size_t			 pcount;

	struct event		*stdin_ev;
	struct event		*pump_ev;	/* term_pump() from the loop */
	struct event		*drain_ev;	/* gives up waiting after EOF */
	struct linebuf		 in;
	char			 inbuf[4096];	/* read, not yet fed to in */
	size_t			 in_off;
	size_t			 in_len;
	int			 stdin_tty;	/* edit.c reads the keys */
	int			 stdin_eof;

	int			 done;
	int			 exit_code;
};

/* Stop the event loop; main() returns code. */
void	client_exit(struct client *, int code);

/* Connect and send HELLO-FROM c->name; -1 (said why) on failure. */
int	net_connect(struct client *);
/* Drop the connection and everything pending on it. */
void	net_close(struct client *);
/* Send a request and remember it; -1 (said why) if refused. */
int	net_request(struct client *, enum client_req, const char *,
	    const char *, size_t);

/* Take over the terminal on stdin; 0 if it is not one, -1 on failure. */
int	edit_start(void);
/* Give the terminal back as it was, the cursor on a fresh line. */
void	edit_stop(void);
/* After SIGCONT: the shell may have reset the terminal while stopped. */
void	edit_resume(void);
/* Clear the prompt and line off the screen before other output. */
void	edit_hide(void);
/* Draw the prompt and the line typed so far again, if hidden. */
void	edit_show(void);
/* Set the prompt (NULL: none, as while logging in) and draw it. */
void	edit_prompt(const char *);
/* One typed byte: 1 a line is complete, -1 end of input, else 0. */
int	edit_byte(unsigned char, char **, size_t *);

/* Start reading stdin; -1 on failure. */
int	term_start(struct client *);
void	term_stop(struct client *);
/* Ask for a name, then go on reading stdin from the event loop. */
void	term_prompt(struct client *);
/* Resume handling stdin lines after the current callback. */
void	term_resume(struct client *);
/* stdin is closed and a reply came: quit once nothing is pending. */
void	term_check_drained(struct client *);
/* Print our own words, one line. */
void	term_say(const char *, ...) __attribute__((format(printf, 1, 2)));
/* The same on stderr, for what ends the program. */
void	term_err(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Print network text with control characters escaped. */
void	term_escaped(const char *, size_t);
/* Print our own text as is; a "\n" in it ends the line and flushes. */
void	term_raw(const char *);

#endif
