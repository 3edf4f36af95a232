/*
 * spool: an account's received messages waiting on disk, in order, past
 * store-queue-max (account.c): an unnamed file, appended to and read
 * back. No I/O but the file's.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>

#define SPOOL_MAX	(64 * 1024)	/* a record's bytes at most */

struct spool;

/* An empty spool, a file in dir: NULL with err set. */
struct spool	*spool_new(const char *dir, char *err, size_t errlen);
void		 spool_free(struct spool *);
/* Records waiting, and their bytes (0 for NULL). */
long long	 spool_count(const struct spool *);
long long	 spool_bytes(const struct spool *);
/* The bytes a record takes. */
size_t		 spool_cost(size_t peer_len, size_t text_len);
/* Append: 0, or -1 with errno (the disk full, EMSGSIZE). */
int		 spool_put(struct spool *, long long time_ms, const char *peer,
		    const char *text, size_t len);
/* The oldest: 1 (peer, text NUL-terminated, *len), 0 none, -1 errno. */
int		 spool_get(struct spool *, long long *time_ms, char *peer,
		    size_t peer_size, char *text, size_t text_size, size_t *len);

#endif
