/*
 * writer: the bouncer's store writes on a thread of their own (writer.c),
 * private to bouncer/. The loop queues; the thread writes what is queued
 * in one transaction (a group commit) and hands each job back, in the
 * order queued, to the loop through a pipe. Outbox rows (several
 * gateways on PostgreSQL) are written here too.
 */
#ifndef WRITER_H
#define WRITER_H

#include "store/store.h"

/* What became of a job, for its callback (pointers live until it ends). */
struct writer_result {
	int		 ok;		/* stored (message), ran (purge) */
	const char	*why;		/* !ok: the store's words */
	struct store_msg msg;		/* message jobs: msgid "" unless ok */
	int		 more;		/* purge: more is due soon */
	long long	 id;		/* outbox add: the row */
	int		 held;		/* outbox add: a gateway holds it */
};

typedef void	writer_done_fn(void *ctx, const struct writer_result *);

int		 writer_start(const char *db, char *err, size_t errlen);
void		 writer_stop(void);
size_t		 writer_cost(size_t peer_len, size_t text_len);
void		 writer_msg(const char *account, enum store_dir,
		    const char *peer, const char *text, size_t len,
		    long long time_ms, long long outbox, writer_done_fn *,
		    void *ctx);
void		 writer_outbox_add(const char *account, const char *target,
		    const char *text, size_t len, writer_done_fn *, void *ctx);
void		 writer_outbox_answer(long long id, enum store_outbox_state,
		    int result, const char *answer, writer_done_fn *,
		    void *ctx);
void		 writer_index(writer_done_fn *, void *ctx);
void		 writer_purge(long long now_ms, long long max_age_s,
		    long long max_per_account, int budget, writer_done_fn *,
		    void *ctx);

#endif
