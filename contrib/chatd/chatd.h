/*
 * chatd, the reference chat server: shared types and the functions each of
 * its files (main, server, client, bots) offers the others.
 */
#ifndef CHATD_H
#define CHATD_H

#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>

#include <event2/event.h>
#include <uthash.h>

#include "chat.h"
#include "linebuf.h"

#define CHATD_ADDR_MAX		64	/* "[v6]:port" text, NUL included */
#define CHATD_LINGER_SEC	5	/* to flush a last reply, then close */

struct chatd_conf {
	const char		*bind;
	int			 port;
	unsigned		 max_clients;
	unsigned		 per_address;	/* 0: no limit */
	enum chat_dialect	 dialect;	/* for unknown destinations */
	enum chat_dialect	 only_dialect;	/* UNKNOWN: both accepted */
	int			 bots;
	unsigned		 delaybot_pause_ms;
	unsigned		 handshake_timeout;
	size_t			 line_max;
	size_t			 sendq_max;
	int			 verbose;
};

/* Set by main() before anything else runs; read-only afterwards. */
extern struct chatd_conf	 chatd_conf;
extern struct event_base	*chatd_base;

struct bufferevent;
struct evbuffer;
struct client;

/* A built-in user: gets the messages sent to it instead of a socket. */
typedef void (*client_bot_fn)(struct client *bot, struct client *from,
    const char *text, size_t len);

#define CLIENT_LOGGED_IN	0x01
#define CLIENT_DEAD		0x02	/* closed: out of every table */
#define CLIENT_PAUSED		0x04	/* not reading: own output backed up */
#define CLIENT_BOT		0x08
#define CLIENT_LINGER		0x10	/* dead, last output draining */
#define CLIENT_EOF		0x20	/* peer done sending; bots still owe */
#define CLIENT_DRAINING		0x40	/* linger: FIN sent, reading to EOF */

struct client {
	unsigned		 id;
	int			 flags;
	unsigned		 refs;		/* at 0 the reaper frees it */
	char			 name[CHAT_NAME_MAX + 1];
	char			 host[CHATD_ADDR_MAX];	/* per-address key */
	char			 addr[CHATD_ADDR_MAX];	/* for logs */
	enum chat_dialect	 dialect;	/* last WHO/LIST it used */

	struct bufferevent	*bev;		/* NULL for bots */
	struct linebuf		 rx;
	size_t			 since_lf;	/* bytes since the last LF */
	struct evbuffer		*held;		/* lines behind a piece */
	const void		*piece_owner;	/* wrote an unfinished line */
	size_t			 bot_bytes;	/* bots' answers to come */
	struct event		*timer;		/* handshake, then linger */
	struct event		*reaper;
	client_bot_fn		 bot;

	struct client		*prev, *next;		/* server: all */
	struct client		*lprev, *lnext;		/* server: logins */
	struct client		*aprev, *anext;		/* server: same host */
	UT_hash_handle		 hh;			/* server: by name */
};

/* main.c */
void	chatd_log(int verbose, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	chatd_vlog(int verbose, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Copy src into dst (size bytes) with control and non-ASCII bytes escaped. */
const char *chatd_escape(char *dst, size_t size, const char *src, size_t len);

/* server.c */
int	server_listen(void);
void	server_shutdown(void);
void	server_add(struct client *);
void	server_unlink(struct client *);
struct client *server_find(const char *name);
/* Log a client in; returns 0, or -1 with the failure reply in *reply. */
int	server_login(struct client *, const char *name, enum chat_type *reply);
void	server_logout(struct client *);
/* The logged-in names, comma separated, in login order (caller frees). */
char	*server_names(size_t *len);

/* client.c */
struct client *client_new(int fd, const struct sockaddr *, socklen_t);
struct client *client_new_bot(const char *name, client_bot_fn);
void	client_close(struct client *, int flush, const char *reason);
void	client_free(struct client *);
void	client_cleanup(void);
void	client_ref(struct client *);
void	client_unref(struct client *);
int	client_send(struct client *, enum chat_type, const char *name,
	    const char *text, size_t len);
int	client_piece(struct client *, const void *owner, const char *,
	    size_t);
size_t	client_queued(const struct client *);

/* bots.c */
void	bots_start(void);
void	bots_shutdown(void);

#endif
