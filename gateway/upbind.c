/*
 * Local addresses for upstream connections (--upstream-bind) and the
 * logins on each: the configured limit (--upstream-per-address) and the
 * one learned when the chat server evicts a login. When to reconnect is
 * reconnect.c's.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "chatircd.h"

#define BIND_MAX	16	/* --upstream-bind addresses */
#define EVICT_WINDOW	3	/* s: a close this soon after a login */

struct bind_slot {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 text[64];
	int			 used;		/* upstreams on this address */
	int			 limit;		/* learned from evictions */
	time_t			 last_login;
	unsigned		 last_sid;
};

/* Logins on one address, counted when an eviction is judged. */
struct survivors {
	int		 ix;
	unsigned	 seq;
	int		 old;		/* logged in before the loss */
	int		 n;		/* logged in now */
};

static struct bind_slot	 slots[BIND_MAX];
static int		 nslots = 1;	/* slot 0: no bind, or the first */
static int		 have_bind;
static unsigned		 login_seq;

static int	upbind_full(int);
static void	upbind_survivor(struct session *, void *);

/* Parse --upstream-bind (NULL: none); -1 if it is not an address list. */
int
upbind_init(const char *list)
{
	char	*copy, *p, *tok, *save = NULL;
	int	 n = 0, len;

	if (list == NULL)
		return 0;
	copy = xstrdup(list);
	for (p = copy; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		len = sizeof slots[n].ss;
		if (n == BIND_MAX || evutil_parse_sockaddr_port(tok,
		    (struct sockaddr *)&slots[n].ss, &len) == -1) {
			free(copy);
			return -1;
		}
		slots[n].len = (socklen_t)len;
		snprintf(slots[n].text, sizeof slots[n].text, "%s", tok);
		log_info("upstream-bind: %s", tok);
		n++;
	}
	free(copy);
	if (n == 0)
		return -1;
	nslots = n;
	have_bind = 1;
	return 0;
}

/* Full: the configured limit or the one the server showed us. */
static int
upbind_full(int ix)
{
	struct bind_slot	*b = &slots[ix];

	return (conf.upstream_per_address > 0 &&
	    b->used >= conf.upstream_per_address) ||
	    (b->limit > 0 && b->used >= b->limit);
}

/* The least used address with room, or -1 when all are full. */
int
upbind_pick(void)
{
	int	i, best = -1;

	for (i = 0; i < nslots; i++)
		if (!upbind_full(i) &&
		    (best == -1 || slots[i].used < slots[best].used))
			best = i;
	return best;
}

/*
 * Count a new upstream on an address and make its socket, bound to that
 * address (*fd -1: no --upstream-bind, libevent makes it). Returns the
 * address's index, -1 when all are full or the socket failed.
 */
int
upbind_take(int *fd)
{
	struct bind_slot	*b;
	int			 ix = upbind_pick();

	*fd = -1;
	if (ix == -1)
		return -1;
	b = &slots[ix];
	if (have_bind) {
		*fd = socket(b->ss.ss_family, SOCK_STREAM, 0);
		if (*fd == -1 || evutil_make_socket_nonblocking(*fd) == -1 ||
		    bind(*fd, (struct sockaddr *)&b->ss, b->len) == -1) {
			log_warn("upstream-bind %s", b->text);
			if (*fd != -1)
				evutil_closesocket(*fd);
			*fd = -1;
			return -1;
		}
		evutil_make_socket_closeonexec(*fd);
	}
	b->used++;
	return ix;
}

/* HELLO on u: remember when and who, to recognise evictions. */
void
upbind_ready(struct upstream *u)
{
	if (u->bind_ix < 0)
		return;
	u->login_seq = ++login_seq;
	slots[u->bind_ix].last_login = reconnect_now();
	slots[u->bind_ix].last_sid = u->s != NULL ? u->s->id : 0;
}

/* u is closing: its address has room again. */
void
upbind_gone(struct upstream *u)
{
	if (u->bind_ix < 0)
		return;
	slots[u->bind_ix].used--;
	u->bind_ix = -1;
	reconnect_slot_freed();
}

/*
 * u of session id was closed by the server right after another session
 * logged in from the same address: maybe the server's per-address limit
 * evicted it. *seq is the point to judge from (upbind_judge), a moment
 * later, when a restart would have closed the others too.
 */
int
upbind_suspect(struct upstream *u, unsigned id, unsigned *seq)
{
	struct bind_slot	*b;

	if (!u->eof || !u->ready || u->bind_ix < 0)
		return 0;
	b = &slots[u->bind_ix];
	if (b->last_sid == id ||
	    reconnect_now() - b->last_login > EVICT_WINDOW)
		return 0;
	*seq = login_seq;
	return 1;
}

static void
upbind_survivor(struct session *s, void *arg)
{
	struct survivors	*sv = arg;
	struct upstream		*u = s->up;

	if (u == NULL || u->closed || !u->ready || u->bind_ix != sv->ix)
		return;
	sv->n++;
	if (u->login_seq <= sv->seq)
		sv->old++;
}

/*
 * Logins older than seq still alive on address ix: an eviction, not a
 * restart; the logins alive now are what the server allows, from now on
 * that address's limit (returned). 0: not an eviction.
 */
int
upbind_judge(int ix, unsigned seq, unsigned id)
{
	struct bind_slot	*b = &slots[ix];
	struct survivors	 sv = { ix, seq, 0, 0 };

	session_foreach(upbind_survivor, &sv);
	if (sv.old == 0)
		return 0;
	if (b->limit == 0 || sv.n < b->limit)
		b->limit = sv.n;
	log_warnx("s%u: evicted by the chat server (%d logins from %s "
	    "remain): upstream logins there now limited to %d", id, sv.n,
	    have_bind ? b->text : "the gateway's address", b->limit);
	return b->limit;
}
