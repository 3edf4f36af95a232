/*
 * Presence: one table of who is online upstream, shared by every session
 * (they all talk to the same server). Any WHO-OK/LIST-OK that any session
 * receives refreshes it; when it grows stale, one logged-in session polls
 * for the whole gateway, in turn. Changes go to control.c, which tells
 * the IRC clients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uthash.h>

#include "chatircd.h"

struct presence_user {
	char		 name[CHAT_NAME_MAX + 1];	/* key: upstream */
	unsigned	 gen;
	UT_hash_handle	 hh;
};

struct presence_pick {
	unsigned	 after;		/* last session that polled */
	struct session	*next;		/* lowest id above it */
	struct session	*first;		/* lowest id: wraps */
};

static struct presence_user	*users;
static unsigned			 nusers;
static unsigned			 generation;
static long long		 updated_ms = -1;	/* never */
static long long		 asked_ms = -1;	/* poll in flight */
static unsigned			 last_poller;
static struct event		*poll_ev;

static long long presence_now(void);
static void	presence_on_tick(evutil_socket_t, short, void *);
static void	presence_pick(struct session *, void *);
static int	presence_can_poll(struct session *);

static long long
presence_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start the poll timer (poll-interval). */
void
presence_init(void)
{
	struct timeval	tv = { conf.poll_interval, 0 };

	poll_ev = event_new(ev_base, -1, EV_PERSIST, presence_on_tick, NULL);
	event_add(poll_ev, &tv);
	log_info("presence: one shared poll every %lld s", conf.poll_interval);
}

/* Stop polling and forget everyone. */
void
presence_shutdown(void)
{
	struct presence_user	*p, *tmp;

	if (poll_ev != NULL)
		event_free(poll_ev);
	poll_ev = NULL;
	HASH_ITER(hh, users, p, tmp) {
		HASH_DEL(users, p);
		free(p);
	}
	nusers = 0;
}

/*
 * A fresh user list (comma separated, as WHO-OK carries it): arrivals
 * and departures go to control.c, one call each.
 */
void
presence_update(const char *list)
{
	struct presence_user	*p, *tmp;
	char			*copy, *cur, *n;
	size_t			 len;

	copy = xstrdup(list);
	cur = copy;
	generation++;
	while ((n = chat_list_next(&cur)) != NULL) {
		len = strlen(n);
		if (!chat_name_valid(n, len, CHAT_NAME_MAX))
			continue;	/* IRC could not show it */
		HASH_FIND(hh, users, n, len, p);
		if (p != NULL) {
			p->gen = generation;
			continue;
		}
		p = xcalloc(1, sizeof *p);
		memcpy(p->name, n, len + 1);
		p->gen = generation;
		HASH_ADD_STR(users, name, p);
		nusers++;
		control_changed(p->name, 1);
	}
	free(copy);
	HASH_ITER(hh, users, p, tmp) {
		if (p->gen == generation)
			continue;
		HASH_DEL(users, p);
		nusers--;
		control_changed(p->name, 0);
		free(p);
	}
	updated_ms = presence_now();
	asked_ms = -1;
}

/* 1 if the upstream name is online (as of the last list). */
int
presence_online(const char *name)
{
	struct presence_user	*p;

	HASH_FIND_STR(users, name, p);
	return p != NULL;
}

/* Users online upstream. */
unsigned
presence_count(void)
{
	return nusers;
}

/* 1 if a list came within two poll intervals. */
int
presence_fresh(void)
{
	return updated_ms >= 0 &&
	    presence_now() - updated_ms < 2000 * conf.poll_interval;
}

/* Call fn for every online upstream name. */
void
presence_foreach(void (*fn)(const char *, void *), void *arg)
{
	struct presence_user	*p, *tmp;

	HASH_ITER(hh, users, p, tmp)
		fn(p->name, arg);
}

/*
 * 1 when the shared list is stale, so that a WHO on s's upstream now
 * would serve as the gateway's presence poll too (reconnect.c's
 * keep-alive may use presence_poll() then instead of a WHO of its own).
 */
int
presence_poll_due(struct session *s)
{
	long long	now = presence_now();

	return presence_can_poll(s) && (updated_ms < 0 ||
	    now - updated_ms >= 500 * conf.poll_interval) &&
	    (asked_ms < 0 || now - asked_ms >= 2000 * conf.poll_interval);
}

/* Ask the user list on s's upstream for everyone; -1 if it cannot. */
int
presence_poll(struct session *s)
{
	if (!presence_can_poll(s) ||
	    upstream_who(s->up, WHO_FOR_POLL, NULL) == -1)
		return -1;
	asked_ms = presence_now();
	last_poller = s->id;
	log_debug("s%u: presence poll", s->id);
	return 0;
}

static int
presence_can_poll(struct session *s)
{
	return (s->flags & SESSION_REGISTERED) &&
	    !(s->flags & SESSION_DEAD) && upstream_can_queue(s->up);
}

/* The sessions take turns: the next id after the last poller's. */
static void
presence_pick(struct session *s, void *arg)
{
	struct presence_pick	*pk = arg;

	if (!presence_can_poll(s))
		return;
	if (pk->first == NULL || s->id < pk->first->id)
		pk->first = s;
	if (s->id > pk->after && (pk->next == NULL || s->id < pk->next->id))
		pk->next = s;
}

/*
 * Half an interval without a list (queries from clients count too) and
 * no poll in flight: one session asks for the gateway.
 */
static void
presence_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct presence_pick	 pk = { last_poller, NULL, NULL };
	struct session		*s;
	long long		 now = presence_now();

	(void)fd;
	(void)what;
	(void)arg;
	if (updated_ms >= 0 && now - updated_ms < 500 * conf.poll_interval)
		return;
	if (asked_ms >= 0 && now - asked_ms < 2000 * conf.poll_interval)
		return;
	session_foreach(presence_pick, &pk);
	s = pk.next != NULL ? pk.next : pk.first;
	if (s != NULL)
		presence_poll(s);
}
