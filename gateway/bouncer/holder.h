/*
 * holder: which accounts this gateway logs in upstream when several
 * gateways share one PostgreSQL database (holder.c), private to
 * bouncer/. A thread with its own connection holds one advisory lock per
 * account it serves (the server drops them when that session ends) and
 * tells the loop, through a pipe, what it got, what to hand over,
 * when it lost them all, and the outbox rows of its accounts to send.
 * Not started with SQLite (one gateway per file).
 */
#ifndef HOLDER_H
#define HOLDER_H

#include <stddef.h>

enum holder_news {
	HOLDER_GOT,		/* name: held now, log it in upstream */
	HOLDER_HAND,		/* name: park it, then holder_parked(name) */
	HOLDER_LOST,		/* every hold is gone (why): park them all */
	HOLDER_LOG,		/* why: a line for the log */
	HOLDER_NEWS,		/* some gateway stored messages */
	HOLDER_SEND		/* name: an outbox row to send (out) */
};

/* An outbox row taken for an account held here (HOLDER_SEND). */
struct holder_out {
	long long	 id;
	const char	*target;
	const char	*text;
	size_t		 len;
};

typedef void	holder_news_fn(enum holder_news, const char *name,
		    const char *why, const struct holder_out *);

int		 holder_start(const char *db, holder_news_fn *, char *err,
		    size_t errlen);
void		 holder_stop(void);
/* The loop parked name's link (HOLDER_HAND): the lock may go now. */
void		 holder_parked(const char *name);

#endif
