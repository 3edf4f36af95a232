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
int		 account_hold(struct session *, const struct store_msg *);
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
 * reader.c: the store's reads on a thread of their own connection; each
 * request is copied when queued, its answer comes back to the loop in the
 * order queued (one FIFO), to a continuation.
 */
enum reader_kind {
	READER_HISTORY,		/* store_history: ch, name the target */
	READER_TARGETS,		/* store_targets: ch */
	READER_MARKER_GET,	/* name the target; value: its time */
	READER_MARKER_SET,	/* name, arg the time; value: now stored */
	READER_SEARCH,		/* store_search: search */
	READER_UNSEEN,		/* name the client, limit; value: left out */
	READER_SINCE,		/* arg the row id after, limit */
	READER_NEWEST,		/* value: the newest row id */
	READER_SEEN,		/* name the client, msgid */
	READER_STATS,		/* store_stats: value count, value2 oldest */
	READER_ACCOUNTS		/* value 1: changed (arg 1: read anyway),
				 * rows: peer the name, text the chat name */
};

struct reader_req {
	enum reader_kind	 kind;
	char			 account[STORE_NAME_MAX + 1];
	char			 name[STORE_TARGET_MAX + 1];
	char			 msgid[STORE_MSGID_SIZE];
	struct chathistory_req	 ch;
	struct search_req	 search;
	long long		 arg;
	int			 limit;
};

/* An answer; rows (TARGETS: peer and time_ms) live until done returns. */
struct reader_result {
	enum reader_kind	 kind;
	int			 n;	/* the store's return; -1: failed */
	const char		*why;	/* n == -1: the store's words */
	const struct store_msg	*rows;
	int			 nrows;
	long long		 cut;	/* rows past sendq-max bytes: not kept */
	long long		 value;
	long long		 value2;
};

/* s: the session the read was for, NULL once it is gone (or none). */
typedef void	reader_done_fn(struct session *s, void *ctx,
		    const struct reader_result *);

int		 reader_start(const char *db, char *err, size_t errlen);
void		 reader_stop(void);
int		 reader_read(unsigned sid, const struct reader_req *,
		    reader_done_fn *, void *ctx);
int		 reader_busy(const struct session *);

/*
 * service.c: *chatircd, the bouncer's service nick (never a chat name:
 * chat names are letters and digits). A PRIVMSG to it is a command;
 * replies are PRIVMSGs from *chatircd!service@<server name>.
 */
#define SERVICE_NICK	"*chatircd"
int		 service_is(const char *);
void		 service_privmsg(struct session *, const char *);

#endif
