/*
 * bouncer: the accounts of --db (account.c). Each account is a link of
 * link_new_fixed() that stays logged in upstream while no client is
 * attached; PASS, USER NAME@CLIENT and SASL PLAIN choose it; attach,
 * playback and positions; every message stored (by the writer thread,
 * writer.c) before it is shown; accounts read when used. The
 * only owner of the store in the daemon. It calls the link layer, the
 * IRC side, the store and core; what an attach means to IRC (the welcome,
 * a message shown) goes up through struct account_hooks, set once.
 */
#ifndef ACCOUNT_H
#define ACCOUNT_H

#include "link/link.h"
#include "store/store.h"

struct account_hooks {
	/* registration done: the welcome burst to an attached session */
	void	(*welcome)(struct session *);
	/* one message to a session, live or replayed (1), in a batch */
	void	(*show)(struct session *, const struct store_msg *, int,
		    const char *);
};

#define ACCOUNT_FULL	1	/* store-queue-max: not kept (told, counted) */

/* A message is stored (stored 1) or could not be (0); link NULL: gone. */
typedef void	account_stored_fn(void *ctx, struct link *,
		    const struct store_msg *, int stored);

void		 account_set_hooks(const struct account_hooks *);
void		 account_init(void);
void		 account_stop(void);
void		 account_shutdown(void);
int		 account_enabled(void);
struct store	*account_store(void);
const char	*account_of(struct link *);
void		 account_pass(struct session *, const char *);
void		 account_user(struct session *, const char *);
void		 account_authenticate(struct session *, const char *);
int		 account_register(struct session *);
void		 account_detach(struct session *);
void		 account_free(struct session *);
void		 account_shown(struct session *, const char *);
int		 account_store_msg(struct link *, enum store_dir, const char *,
		    const char *, size_t, account_stored_fn *, void *);
void		 account_renamed(struct link *, const char *);
void		 account_refresh(void);
long long	 account_lost(void);

#endif
