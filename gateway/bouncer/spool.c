/*
 * spool: received messages that wait on disk, in order, once an
 * account's queue for the writer is full (store-queue-max): a file of
 * its own per account, unnamed (O_TMPFILE: gone with the process), read
 * back as the queue drains (its owner frees it once empty: its 128 KiB
 * of buffers and the file go). Appends go through a buffer; a record is
 * its time, its lengths, peer and text. Plain file I/O: the loop calls
 * it, each call bounded by SPOOL_BUF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "bouncer/spool.h"

#define SPOOL_BUF	SPOOL_MAX	/* write and read buffers */
#define SPOOL_HDR	13		/* time (8), text length (4), peer (1) */

struct spool {
	int		 fd;
	off_t		 woff;		/* written to the file up to here */
	off_t		 roff;		/* read from the file up to here */
	size_t		 wlen;		/* in wbuf, after woff */
	size_t		 rpos, rlen;	/* rbuf[rpos, rlen): read, not taken */
	long long	 count;		/* records waiting */
	long long	 bytes;		/* their bytes */
	unsigned char	 wbuf[SPOOL_BUF];
	unsigned char	 rbuf[SPOOL_BUF];
};

static int	spool_flush(struct spool *);
static int	spool_ready(const struct spool *);
static int	spool_fill(struct spool *);

/* An empty spool in dir (an unnamed file): NULL with err set. */
struct spool *
spool_new(const char *dir, char *err, size_t errlen)
{
	struct spool	*sp;
	int		 fd;

	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	sp = xcalloc(1, sizeof *sp);
	sp->fd = fd;
	return sp;
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	close(sp->fd);
	free(sp);
}

long long
spool_count(const struct spool *sp)
{
	return sp != NULL ? sp->count : 0;
}

long long
spool_bytes(const struct spool *sp)
{
	return sp != NULL ? sp->bytes : 0;
}

/* The bytes a record of peer and text takes. */
size_t
spool_cost(size_t peer_len, size_t text_len)
{
	return SPOOL_HDR + peer_len + text_len;
}

/* Append one record: 0, or -1 with errno (ENOSPC, EMSGSIZE...). */
int
spool_put(struct spool *sp, long long time_ms, const char *peer,
    const char *text, size_t len)
{
	size_t		 pl = strlen(peer), n = spool_cost(pl, len);
	unsigned char	*p;
	uint64_t	 t = (uint64_t)time_ms;
	uint32_t	 l = (uint32_t)len;

	if (pl > UINT8_MAX || n > SPOOL_BUF) {
		errno = EMSGSIZE;
		return -1;
	}
	if (sp->wlen + n > SPOOL_BUF && spool_flush(sp) == -1)
		return -1;
	p = sp->wbuf + sp->wlen;
	memcpy(p, &t, 8);
	memcpy(p + 8, &l, 4);
	p[12] = (unsigned char)pl;
	memcpy(p + SPOOL_HDR, peer, pl);
	memcpy(p + SPOOL_HDR + pl, text, len);
	sp->wlen += n;
	sp->count++;
	sp->bytes += (long long)n;
	return 0;
}

/* The write buffer to the file. */
static int
spool_flush(struct spool *sp)
{
	size_t	o = 0;
	ssize_t	w;

	while (o < sp->wlen) {
		w = pwrite(sp->fd, sp->wbuf + o, sp->wlen - o, sp->woff);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			memmove(sp->wbuf, sp->wbuf + o, sp->wlen - o);
			sp->wlen -= o;
			return -1;
		}
		o += (size_t)w;
		sp->woff += w;
	}
	sp->wlen = 0;
	return 0;
}

/* A whole record in the read buffer? */
static int
spool_ready(const struct spool *sp)
{
	const unsigned char	*p = sp->rbuf + sp->rpos;
	size_t			 have = sp->rlen - sp->rpos;
	uint32_t		 l;

	if (have < SPOOL_HDR)
		return 0;
	memcpy(&l, p + 8, 4);
	return have >= spool_cost(p[12], l);
}

/* More of the file into the read buffer (the writes flushed first). */
static int
spool_fill(struct spool *sp)
{
	ssize_t	r;

	if (sp->roff >= sp->woff && spool_flush(sp) == -1)
		return -1;
	memmove(sp->rbuf, sp->rbuf + sp->rpos, sp->rlen - sp->rpos);
	sp->rlen -= sp->rpos;
	sp->rpos = 0;
	do
		r = pread(sp->fd, sp->rbuf + sp->rlen, SPOOL_BUF - sp->rlen,
		    sp->roff);
	while (r == -1 && errno == EINTR);
	if (r <= 0) {
		if (r == 0)
			errno = EIO;
		return -1;
	}
	sp->rlen += (size_t)r;
	sp->roff += r;
	return 0;
}

/*
 * The oldest record: 1 with *time_ms, peer (NUL-terminated) and text
 * (*len bytes, then a NUL) filled, 0 if none waits, -1 with errno
 * (EMSGSIZE: a buffer too small for it; SPOOL_MAX is enough for both).
 */
int
spool_get(struct spool *sp, long long *time_ms, char *peer, size_t peer_size,
    char *text, size_t text_size, size_t *len)
{
	unsigned char	*p;
	uint64_t	 t;
	uint32_t	 l;
	size_t		 pl;

	if (sp->count == 0)
		return 0;
	while (!spool_ready(sp))
		if (spool_fill(sp) == -1)
			return -1;
	p = sp->rbuf + sp->rpos;
	memcpy(&t, p, 8);
	memcpy(&l, p + 8, 4);
	pl = p[12];
	if (pl >= peer_size || l >= text_size) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(peer, p + SPOOL_HDR, pl);
	peer[pl] = '\0';
	memcpy(text, p + SPOOL_HDR + pl, l);
	text[l] = '\0';
	*time_ms = (long long)t;
	*len = l;
	sp->rpos += spool_cost(pl, l);
	sp->count--;
	sp->bytes -= (long long)spool_cost(pl, l);
	return 1;
}
