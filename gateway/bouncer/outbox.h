/*
 * outbox: what a client sends at a gateway that does not hold its
 * account goes out through the holder (outbox.c), private to bouncer/
 * (account.c and outbox.c). The origin queues a row and answers its
 * client when the row is done (the stored message comes with the live
 * news) or answered; the holder takes the rows of its accounts (holder.c
 * news), sends them upstream and stores or answers them.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include "bouncer/account.h"
#include "bouncer/holder.h"

/* The origin: news came; 1 to wait (a row's id is not known yet). */
int		 outbox_news(const char *account, long long shown);
/* The origin: a live row; 1 if it answered one of ours (not shown). */
int		 outbox_shown(const char *account, const struct store_msg *);
/* The holder: a row taken for account (link NULL: gone). */
void		 outbox_take(struct link *, const char *account,
		    const struct holder_out *);
/* The holder, shutting down: a row taken goes back, unsent. */
void		 outbox_back(const struct holder_out *);
/* The holder: account's link was parked; what it held goes back. */
void		 outbox_parked(struct link *);
void		 outbox_shutdown(void);

/* account.c's, for outbox.c. */
int		 account_store_out(struct link *, const char *,
		    const char *, size_t, long long, account_stored_fn *,
		    void *);
void		 account_show(struct link *, const struct store_msg *);
void		 account_news(const char *);

#endif
