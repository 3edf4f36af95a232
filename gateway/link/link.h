/*
 * The link layer: one chat identity (link.c), its upstream connection,
 * login attempts, backoff, messages held meanwhile, NICK by a second
 * login, eviction handling, and the sessions attached to it; and the
 * table of who is online (presence.c). It calls the IRC side and the
 * chat side below; what a delivery or a login means to an IRC client
 * goes up through struct link_hooks, set once.
 */
#ifndef LINK_H
#define LINK_H

#include "irc/session.h"
#include "chat/upstream.h"

#define LINK_BUSY	-1	/* max-pending: send it again later */
#define LINK_HOLD_FULL	-2	/* upstream away and hold-max reached */

struct link;

struct link_hooks {
	/* the first login is in: each attached session, once */
	void	(*welcome)(struct session *);
	/* a DELIVERY: once per link, for its sessions */
	void	(*delivery)(struct link *, const char *, char *, size_t);
	/* NICK: the link logs in under a new name from now on */
	void	(*renamed)(struct link *, const char *);
};

void		 link_set_hooks(const struct link_hooks *);
void		 link_init(void);
void		 link_shutdown(void);
struct link	*link_new(struct session *, const char *, const char *, int);
struct link	*link_new_fixed(const char *, unsigned, void *, int);
void		 link_park(struct link *, const char *);
void		 link_unpark(struct link *);
int		 link_parked(struct link *);
void		 link_close_all(void);
void		 link_close_fixed(struct link *, const char *);
void		*link_data(struct link *);
unsigned	 link_nsessions(struct link *);
const char	*link_trouble(struct link *);
void		 link_attach(struct link *, struct session *);
void		 link_detach(struct link *, struct session *);
void		 link_sessions(struct link *,
		    void (*)(struct session *, void *), void *);
const char	*link_name(struct link *);
const char	*link_refused(struct link *, int *);
int		 link_send(struct link *, const char *, const char *, size_t,
		    up_done_fn *, void *);
void		 link_unhold(struct link *, up_done_fn *);
int		 link_who(struct link *, up_done_fn *, void *);
void		 link_nick(struct link *, struct session *, const char *,
		    const char *);
int		 link_ready(struct link *);

/* presence.c: who is online upstream, one table for the gateway. */
void		 presence_init(void (*)(const char *, int));
void		 presence_shutdown(void);
void		 presence_update(const char *);
void		 presence_set(const char *, int);
int		 presence_online(const char *);
unsigned	 presence_count(void);
unsigned	 presence_max(void);
int		 presence_fresh(void);
int		 presence_due(void);
void		 presence_asked(void);
void		 presence_foreach(void (*)(const char *, void *), void *);

/* The chat name of a session's login ("" before it). */
#define SNAME(s)	link_name((s)->link)

#endif
