/*
 * What link.c, link_nick.c and link_send.c share about a link: its
 * struct and the functions they call in each other. Only these three
 * include it; everyone else has link.h.
 */
#ifndef LINK_INT_H
#define LINK_INT_H

#include "link/link.h"

#define LINK_DEAD	0x01	/* closing; the reaper frees */
#define LINK_LOGGED_IN	0x02	/* the first login is done */
#define LINK_AWAY	0x04	/* upstream lost, logging in again */
#define LINK_FIXED	0x08	/* an account: its name only, stays up */
#define LINK_TAKEN	0x10	/* FIXED: told that its name is in use */
#define LINK_FLAPPING	0x20	/* logins do not last: told once */
#define LINK_PARKED	0x40	/* FIXED: logged in elsewhere (link_park) */

#define EXCERPT		40	/* bytes of text named in a report */
#define NICK_GRACE_MS	1000	/* the old login stays after its replies */

struct held {
	char		*name;
	char		*text;
	up_done_fn	*done;
	void		*ctx;
	struct held	*next;
};

struct link {
	unsigned	 id;		/* its first session's: logs */
	int		 flags;
	struct event	*reaper;
	struct event	*retry;
	struct event	*grace;		/* then closes old_up */
	struct event	*stable;	/* the login lasted: backoff resets */
	struct upstream	*up;		/* NULL between connections */
	struct upstream	*nick_up;	/* NICK: the new login */
	struct upstream	*old_up;	/* NICK: the old one, draining */
	int		 draining;	/* old_up: its last replies awaited */
	char		 name[CHAT_NAME_MAX + 1];	/* logged in as */
	char		 base[CHAT_NAME_MAX + 1];	/* candidates' stem */
	char		 refused[NICK_MAX + 1];	/* first nick refused */
	int		 refused_why;	/* CHAT_IN_USE, BAD_RQST_BODY */
	int		 attempt;	/* name candidate in this round */
	int		 tries;		/* failed rounds: the backoff */
	int		 waiting;	/* for a free login slot */
	int		 evictions;
	int		 suspect;	/* closed just after another login */
	int		 suspect_ix;
	unsigned	 suspect_seq;
	char		 why[128];	/* of the loss, for the notice */
	struct held	*held;
	unsigned	 nheld;
	char		 nick_want[NICK_MAX + 1];
	unsigned	 nick_sid;	/* the session that asked */
	struct session	**sess;
	unsigned	 nsess, cap;
	void		*data;		/* the layer above's */
	struct link	*prev, *next;	/* every live link */
};

/* link.c */
extern const struct upstream_hooks link_up_hooks;	/* every connection's */
void	link_notice(struct link *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	link_renamed(struct link *, const char *);

/* link_nick.c: NICK as a second login */
void	link_nick_reply(struct link *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	link_nick_swap(struct link *, struct upstream *, const char *);
void	link_drained(struct link *);
void	link_old_close(struct link *, const char *);
void	link_on_grace(evutil_socket_t, short, void *);

/* link_send.c: held messages, requests, backpressure */
void	link_held_free(struct held *, enum up_result);
void	link_flush(struct link *);
void	link_resume(struct link *);

#endif
