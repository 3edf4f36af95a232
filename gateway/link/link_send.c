/*
 * What a link sends: SENDs and WHOs to its connection, messages held (in
 * order, at most hold-max) while it is away or max-pending requests
 * await replies, and the backpressure that makes its clients' input wait
 * meanwhile.
 */
#include <stdlib.h>
#include <string.h>

#include <utlist.h>

#include "link_int.h"

static void	link_resume_one(struct session *, void *);

void
link_held_free(struct held *h, enum up_result res)
{
	char	empty[1] = "";

	if (h->done != NULL)
		h->done(h->ctx, res, empty);
	free(h->name);
	free(h->text);
	free(h);
}

/* Send held messages while the upstream takes them, oldest first. */
void
link_flush(struct link *l)
{
	struct held	*h;

	if (l->flags & (LINK_AWAY | LINK_DEAD))
		return;
	while ((h = l->held) != NULL && upstream_can_queue(l->up)) {
		LL_DELETE(l->held, h);
		l->nheld--;
		upstream_send(l->up, h->name, h->text, strlen(h->text),
		    h->done, h->ctx);
		free(h->name);
		free(h->text);
		free(h);
	}
}

/*
 * SEND name text; done hears the answer. While the upstream is away, or
 * max-pending requests await replies, or older messages still wait, it
 * is held, in order. 0, or LINK_HOLD_FULL past hold-max (away) or
 * LINK_BUSY (max-pending and hold-max): done is not called then.
 */
int
link_send(struct link *l, const char *name, const char *text, size_t len,
    up_done_fn *done, void *ctx)
{
	struct held	*h;

	if (!(l->flags & LINK_AWAY) && l->held == NULL &&
	    upstream_send(l->up, name, text, len, done, ctx) == 0)
		return 0;
	if (l->nheld >= (unsigned)conf.hold_max) {
		log_info("s%u: hold-max %lld reached", l->id, conf.hold_max);
		return (l->flags & LINK_AWAY) ? LINK_HOLD_FULL : LINK_BUSY;
	}
	h = xcalloc(1, sizeof *h);
	h->name = xstrdup(name);
	h->text = xstrndup(text, len);
	h->done = done;
	h->ctx = ctx;
	LL_APPEND(l->held, h);
	l->nheld++;
	link_flush(l);		/* upstream back, older ones drained */
	return 0;
}

/*
 * The held messages whose continuation is done leave the queue (done
 * hears UP_CANCELLED): what a parked account's link held for another
 * gateway goes back to it. The others stay, in order.
 */
void
link_unhold(struct link *l, up_done_fn *done)
{
	struct held	*h, *tmp;

	LL_FOREACH_SAFE(l->held, h, tmp) {
		if (h->done != done)
			continue;
		LL_DELETE(l->held, h);
		l->nheld--;
		link_held_free(h, UP_CANCELLED);
	}
}

/* Ask for the user list; done hears it. -1 if it cannot go now. */
int
link_who(struct link *l, up_done_fn *done, void *ctx)
{
	if (l == NULL || l->up == NULL)
		return -1;
	return upstream_who(l->up, 0, done, ctx);
}

/*
 * 1 if a session of l may send another line now: not while max-pending
 * requests await replies (backpressure: its input waits in its socket
 * and is read again when a reply comes), nor while held messages wait
 * for room. While the upstream is away, lines are taken (and held or
 * refused past hold-max), since a reconnect may take minutes.
 */
int
link_ready(struct link *l)
{
	if (l->flags & (LINK_AWAY | LINK_DEAD))
		return 1;
	return l->held == NULL && upstream_can_queue(l->up);
}

static void
link_resume_one(struct session *s, void *arg)
{
	(void)arg;
	session_resume(s);
}

/* Room again: the sessions whose input waited read on. */
void
link_resume(struct link *l)
{
	if (!(l->flags & LINK_DEAD) && link_ready(l))
		link_sessions(l, link_resume_one, NULL);
}
