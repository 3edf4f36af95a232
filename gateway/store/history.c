/*
 * history: what a CHATHISTORY request reads of one conversation, the same
 * on every backend. Selectors become row id bounds: a msgid is its row id;
 * a time is found by a binary search over ids (stored times never go
 * back, so time order is id order, and no index on time is kept). The
 * backend answers three questions (struct store_hist_ops): the first row
 * at or after an id, the newest id, and the rows of a range.
 */
#include "store_int.h"

static int	hist_first(const struct store_hist *, int, long long,
		    long long *);
static int	hist_lo(const struct store_hist *,
		    const struct chathistory_bound *, long long *);
static int	hist_hi(const struct store_hist *,
		    const struct chathistory_bound *, long long *);
static int	hist_pos(const struct store_hist *,
		    const struct chathistory_bound *, long long *);
static int	hist_around(const struct store_hist *,
		    const struct chathistory_req *, store_msg_cb *, void *);
static int	hist_between(const struct store_hist *,
		    const struct chathistory_req *, store_msg_cb *, void *);

/* A msgid selector as a row id; past any id we issue, the same bound. */
static long long
hist_ref_id(const struct chathistory_bound *b)
{
	if (b->value < 1)
		return 1;
	return b->value > STORE_ID_NONE ? STORE_ID_NONE : b->value;
}

static int
hist_range(const struct store_hist *h, struct store_range r, int limit,
    int down, store_msg_cb *cb, void *ctx)
{
	if (limit <= 0 || r.lo + 1 >= r.hi)
		return 0;
	return h->ops->range(h->st, h->conv, h->peer, r, limit, down, cb, ctx);
}

/*
 * The first row id whose time is past t (GT) or at least t (GE), or
 * STORE_ID_NONE: at most ~60 probes of the primary key.
 */
static int
hist_first(const struct store_hist *h, int ge, long long t, long long *id)
{
	long long	lo = 1, hi = 0, mid, tm = 0, at = 0;
	int		r;

	*id = STORE_ID_NONE;
	if (h->ops->max_id(h->st, &hi) == -1)
		return -1;
	if ((r = h->ops->probe(h->st, hi, &tm, &at)) <= 0)
		return r;
	if (ge ? tm < t : tm <= t)
		return 0;		/* even the newest is before */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (h->ops->probe(h->st, mid, &tm, &at) == -1)
			return -1;
		if (ge ? tm >= t : tm > t)
			hi = mid;
		else
			lo = at + 1;
	}
	if (h->ops->probe(h->st, lo, &tm, &at) == -1)
		return -1;
	*id = at;
	return 0;
}

/* A selector as a lower bound: rows after it have id > *lo. */
static int
hist_lo(const struct store_hist *h, const struct chathistory_bound *b,
    long long *lo)
{
	long long	id;

	switch (b->ref) {
	case CHATHISTORY_REF_NONE:
		*lo = 0;
		return 0;
	case CHATHISTORY_REF_MSGID:
		*lo = hist_ref_id(b);
		return 0;
	case CHATHISTORY_REF_TIME:	/* time > T: from its first row */
		if (hist_first(h, 0, b->value, &id) == -1)
			return -1;
		*lo = id - 1;
		return 0;
	}
	return store_fail(h->st, "bad selector");
}

/* A selector as an upper bound: rows before it have id < *hi. */
static int
hist_hi(const struct store_hist *h, const struct chathistory_bound *b,
    long long *hi)
{
	switch (b->ref) {
	case CHATHISTORY_REF_NONE:
		*hi = STORE_ID_NONE;
		return 0;
	case CHATHISTORY_REF_MSGID:
		*hi = hist_ref_id(b);
		return 0;
	case CHATHISTORY_REF_TIME:	/* time < T: to the first >= T */
		return hist_first(h, 1, b->value, hi);
	}
	return store_fail(h->st, "bad selector");
}

/*
 * Where a selector sits in msgid order, doubled so that a time falls
 * between rows: msgid N is 2N, a time just before its first row >= it.
 * BETWEEN compares its two selectors this way.
 */
static int
hist_pos(const struct store_hist *h, const struct chathistory_bound *b,
    long long *pos)
{
	long long	id;

	if (b->ref == CHATHISTORY_REF_MSGID) {
		*pos = 2 * hist_ref_id(b);
		return 0;
	}
	if (hist_hi(h, b, &id) == -1)
		return -1;
	*pos = 2 * id - 1;
	return 0;
}

/*
 * AROUND: limit/2 rows before the selector, the rest from it on (a msgid
 * selector's own message included, since that is the context asked for).
 */
static int
hist_around(const struct store_hist *h, const struct chathistory_req *req,
    store_msg_cb *cb, void *ctx)
{
	struct store_range	r;
	long long		c;
	int			before, after;

	if (req->a.ref == CHATHISTORY_REF_MSGID)
		c = hist_ref_id(&req->a);
	else if (hist_hi(h, &req->a, &c) == -1)
		return -1;
	r.lo = 0;
	r.hi = c;
	if ((before = hist_range(h, r, req->limit / 2, 1, cb, ctx)) == -1)
		return -1;
	r.lo = c - 1;
	r.hi = STORE_ID_NONE;
	if ((after = hist_range(h, r, req->limit - before, 0, cb, ctx)) == -1)
		return -1;
	return before + after;
}

/*
 * BETWEEN: counted from the first selector towards the second, both
 * excluded; backwards in time when the first is the later one.
 */
static int
hist_between(const struct store_hist *h, const struct chathistory_req *req,
    store_msg_cb *cb, void *ctx)
{
	struct store_range	r;
	long long		pa, pb;

	if (hist_pos(h, &req->a, &pa) == -1 || hist_pos(h, &req->b, &pb) == -1)
		return -1;
	if (pa == pb)
		return 0;
	if (pa < pb) {
		if (hist_lo(h, &req->a, &r.lo) == -1 ||
		    hist_hi(h, &req->b, &r.hi) == -1)
			return -1;
		return hist_range(h, r, req->limit, 0, cb, ctx);
	}
	if (hist_lo(h, &req->b, &r.lo) == -1 ||
	    hist_hi(h, &req->a, &r.hi) == -1)
		return -1;
	return hist_range(h, r, req->limit, 1, cb, ctx);
}

/* Run a chathistory request (not TARGETS) on account's conversation. */
int
store_history_run(struct store *st, const struct store_hist_ops *ops,
    const char *account, const struct chathistory_req *req, store_msg_cb *cb,
    void *ctx)
{
	struct store_hist	 h = { st, ops, 0, req->target };
	struct store_range	 r = { 0, STORE_ID_NONE };
	int			 found;

	if (req->limit < 1 || req->limit > STORE_LIMIT_MAX ||
	    req->cmd == CHATHISTORY_TARGETS || req->target == NULL)
		return store_fail(st, "bad history request");
	if (!store_name_ok(req->target))	/* no such conversation */
		return ops->conv(st, account, NULL, &h.conv) == -1 ? -1 : 0;
	if ((found = ops->conv(st, account, req->target, &h.conv)) <= 0)
		return found;
	switch (req->cmd) {
	case CHATHISTORY_LATEST:
	case CHATHISTORY_AFTER:
		if (hist_lo(&h, &req->a, &r.lo) == -1)
			return -1;
		return hist_range(&h, r, req->limit,
		    req->cmd == CHATHISTORY_LATEST, cb, ctx);
	case CHATHISTORY_BEFORE:
		if (hist_hi(&h, &req->a, &r.hi) == -1)
			return -1;
		return hist_range(&h, r, req->limit, 1, cb, ctx);
	case CHATHISTORY_AROUND:
		return hist_around(&h, req, cb, ctx);
	case CHATHISTORY_BETWEEN:
		return hist_between(&h, req, cb, ctx);
	case CHATHISTORY_TARGETS:
		break;
	}
	return store_fail(st, "bad history request");
}
