/*
 * indexer: the search index (SQLite: a file of its own) brought up to
 * date on a thread of its own (indexer.c), private to bouncer/. The
 * writer says what it committed; a search waits here for the rows it
 * must find.
 */
#ifndef INDEXER_H
#define INDEXER_H

typedef void	indexer_done_fn(void *ctx, int ok, const char *why);

/* Start the thread if the store indexes apart (store_index_apart). */
int		 indexer_start(const char *db, char *err, size_t errlen);
void		 indexer_stop(void);
/* The writer's thread: n more rows committed. */
void		 indexer_owed(int n);
/*
 * The loop: done(ctx, ok, why) runs on the loop once every row up to
 * id upto is in the index (at once without the thread), ok 0 if the
 * index failed.
 */
void		 indexer_wait(long long upto, indexer_done_fn *, void *ctx);

#endif
