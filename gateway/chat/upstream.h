/*
 * The chat side: connections to the chat server (upstream.c) and the
 * local addresses they leave from (upbind.c). Knows nothing of IRC. A
 * connection reports to its owner through struct upstream_hooks, set when
 * it is made; each request carries its own continuation, called exactly
 * once with what became of it.
 */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include "core/core.h"

struct upstream;

enum up_result {
	UP_OK,		/* SEND-OK; WHO: arg is the user list */
	UP_UNKNOWN,	/* UNKNOWN / BAD-DEST-USER */
	UP_REFUSED,	/* BAD-RQST-*: arg says why */
	UP_LOST,	/* the connection went first: arg says why */
	UP_CANCELLED	/* closed by its owner: nothing to tell */
};

/* A request's continuation: ctx is the caller's, arg as above. */
typedef void	 up_done_fn(void *, enum up_result, char *);

struct upstream_hooks {
	void	(*hello)(void *, struct upstream *, const char *);
	void	(*refused)(void *, struct upstream *, enum chat_type);
	void	(*delivery)(void *, struct upstream *, const char *, char *,
		    size_t);
	void	(*list)(void *, struct upstream *, const char *);
	void	(*answered)(void *, struct upstream *);	/* after a reply */
	void	(*lost)(void *, struct upstream *, const char *);
};

int		 upstream_init(const char *, const char *);
void		 upstream_shutdown(void);
struct upstream	*upstream_connect(const char *, unsigned,
		    const struct upstream_hooks *, void *);
void		 upstream_close(struct upstream *, const char *);
int		 upstream_can_queue(struct upstream *);
int		 upstream_send(struct upstream *, const char *, const char *,
		    size_t, up_done_fn *, void *);
int		 upstream_who(struct upstream *, int, up_done_fn *, void *);
void		 upstream_drain(struct upstream *);
void		 upstream_set_keepalive(struct upstream *, int);
int		 upstream_ready(struct upstream *);
int		 upstream_eof(struct upstream *);
unsigned	 upstream_npending(struct upstream *);
int		 upstream_bind_ix(struct upstream *);
unsigned	 upstream_login_seq(struct upstream *);
const char	*upstream_name(struct upstream *);
const char	*upstream_host(void);
const char	*upstream_host_irc(void);
const char	*upstream_dialect_name(void);

/* upbind.c: local addresses, logins counted on each. */
int		 upbind_init(const char *);
void		 upbind_set_freed(void (*)(void));
int		 upbind_pick(void);
int		 upbind_take(int *);
unsigned	 upbind_ready(int, unsigned);
void		 upbind_gone(int);
int		 upbind_suspect(int, unsigned, unsigned *);
int		 upbind_judge(int, int, int, unsigned);

#endif
