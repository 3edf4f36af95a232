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
	/* the names of a session's capabilities, for the service */
	void	(*caps)(struct session *, char *, size_t);
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
struct link	*account_link(const char *);
const char	*account_client(struct session *);
time_t		 account_since(struct session *);
void		 account_caps(struct session *, char *, size_t);

/*
 * outbox.c: with several gateways on one PostgreSQL database, what a
 * client sends while its account's link is parked goes out through the
 * gateway that holds the account. fn hears the chat server's answer
 * there: UP_OK with the stored message (NULL: delivered, not stored),
 * UP_UNKNOWN, UP_REFUSED or UP_LOST with why; link NULL: the account is
 * gone. outbox_send: 0, or LINK_HOLD_FULL (hold-max wait already).
 */
typedef void	account_sent_fn(void *ctx, struct link *, enum up_result,
		    const char *why, const struct store_msg *);
int		 outbox_wanted(struct link *);
int		 outbox_send(struct session *, const char *, const char *,
		    size_t, account_sent_fn *, void *);

/*
 * service.c: *chatircd, the bouncer's service nick (never a chat name:
 * chat names are letters and digits). A PRIVMSG to it is a command;
 * replies are PRIVMSGs from *chatircd!service@<server name>.
 */
#define SERVICE_NICK	"*chatircd"
int		 service_is(const char *);
void		 service_privmsg(struct session *, const char *);

#endif
