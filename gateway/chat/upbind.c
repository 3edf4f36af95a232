/*
 * Local addresses for upstream connections (--upstream-bind) and the
 * logins on each: the configured limit (--upstream-per-address) and the
 * one learned when the chat server evicts a login. When to log in again is
 * the link layer's; it is told when an address has room (upbind_set_freed).
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "chat/upstream.h"

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

static struct bind_slot	 slots[BIND_MAX];
static int		 nslots = 1;	/* slot 0: no bind, or the first */
static int		 have_bind;
static unsigned		 login_seq;
static void		(*freed)(void);

static int	upbind_full(int);

/* Called whenever an address gets room again. */
void
upbind_set_freed(void (*fn)(void))
{
	freed = fn;
}

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

/* A login on address ix by owner id: remember when and who; its seq. */
unsigned
upbind_ready(int ix, unsigned id)
{
	if (ix < 0)
		return 0;
	slots[ix].last_login = core_now();
	slots[ix].last_sid = id;
	return ++login_seq;
}

/* A connection on ix is closing: the address has room again. */
void
upbind_gone(int ix)
{
	if (ix < 0)
		return;
	slots[ix].used--;
	if (freed != NULL)
		freed();
}

/*
 * A ready login of owner id on ix was closed by the server right after
 * another owner logged in from the same address: maybe the server's
 * per-address limit evicted it. *seq is the point to judge from
 * (upbind_judge), a moment later, when a restart would have closed the
 * others too.
 */
int
upbind_suspect(int ix, unsigned id, unsigned *seq)
{
	struct bind_slot	*b;

	if (ix < 0)
		return 0;
	b = &slots[ix];
	if (b->last_sid == id || core_now() - b->last_login > EVICT_WINDOW)
		return 0;
	*seq = login_seq;
	return 1;
}

/*
 * old logins from before the loss still alive on address ix (n in all):
 * an eviction, not a restart; the logins alive now are what the server
 * allows, from now on that address's limit (returned). 0: not one.
 */
int
upbind_judge(int ix, int old, int n, unsigned id)
{
	struct bind_slot	*b = &slots[ix];

	if (old == 0)
		return 0;
	if (b->limit == 0 || n < b->limit)
		b->limit = n;
	log_warnx("s%u: evicted by the chat server (%d logins from %s "
	    "remain): upstream logins there now limited to %d", id, n,
	    have_bind ? b->text : "the gateway's address", b->limit);
	return b->limit;
}
