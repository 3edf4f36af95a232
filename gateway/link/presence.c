/*
 * Presence: one table of who is online upstream, shared by every link
 * (they all talk to the same server). Any WHO-OK/LIST-OK that any link
 * receives refreshes it; when it grows stale (presence_due), link.c has
 * one link poll for the whole gateway. Each arrival and departure goes to
 * the function given to presence_init(), which tells the IRC clients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uthash.h>

#include "link/link.h"

#define PRESENCE_GONE_MS	5000	/* lists asked before a logout lag */

struct presence_user {
	char		 name[CHAT_NAME_MAX + 1];	/* key: upstream */
	unsigned	 gen;
	long long	 until;		/* gone: lists ignored till then */
	UT_hash_handle	 hh;
};

static struct presence_user	*users;
static struct presence_user	*gone;	/* logged out through us */
static unsigned			 nusers;
static unsigned			 nusers_max;	/* the most at once */
static unsigned			 generation;
static long long		 updated_ms = -1;	/* never */
static long long		 asked_ms = -1;	/* poll in flight */
static void			(*changed)(const char *, int);
static int			 busy;	/* telling: no change meanwhile */

/* Arrivals and departures will go to fn. */
void
presence_init(void (*fn)(const char *, int))
{
	changed = fn;
}

/* Forget everyone. */
void
presence_shutdown(void)
{
	struct presence_user	*p, *tmp;

	HASH_ITER(hh, users, p, tmp) {
		HASH_DEL(users, p);
		free(p);
	}
	HASH_ITER(hh, gone, p, tmp) {
		HASH_DEL(gone, p);
		free(p);
	}
	nusers = 0;
}

/*
 * 1 if name logged out through this gateway a moment ago: a list asked
 * before may still show it. Forgets those whose moment is over.
 */
static int
presence_gone(const char *name, size_t len)
{
	struct presence_user	*p;

	HASH_FIND(hh, gone, name, len, p);
	if (p == NULL)
		return 0;
	if (core_now_ms() < p->until)
		return 1;
	HASH_DEL(gone, p);
	free(p);
	return 0;
}

/* Remember (or forget, with 0) that name logged out through us. */
static void
presence_mark_gone(const char *name, size_t len, int on)
{
	struct presence_user	*p;

	HASH_FIND(hh, gone, name, len, p);
	if (p == NULL && on) {
		p = xcalloc(1, sizeof *p);
		memcpy(p->name, name, len + 1);
		HASH_ADD_STR(gone, name, p);
	} else if (p != NULL && !on) {
		HASH_DEL(gone, p);
		free(p);
		return;
	}
	if (p != NULL)
		p->until = core_now_ms() + PRESENCE_GONE_MS;
}

/*
 * A fresh user list (comma separated, as WHO-OK carries it): arrivals
 * and departures go to the changed function, one call each.
 */
void
presence_update(const char *list)
{
	struct presence_user	*p, *tmp;
	char			*copy, *cur, *n;
	size_t			 len;

	if (busy)
		return;		/* a client closed while told: next list */
	busy = 1;
	copy = xstrdup(list);
	cur = copy;
	generation++;
	while ((n = chat_list_next(&cur)) != NULL) {
		len = strlen(n);
		if (!chat_name_valid(n, len, CHAT_NAME_MAX) ||
		    presence_gone(n, len))
			continue;	/* IRC could not show it; or stale */
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
		changed(p->name, 1);
	}
	free(copy);
	HASH_ITER(hh, users, p, tmp) {
		if (p->gen == generation)
			continue;
		HASH_DEL(users, p);
		nusers--;
		changed(p->name, 0);
		free(p);
	}
	if (nusers > nusers_max)
		nusers_max = nusers;
	updated_ms = core_now_ms();
	asked_ms = -1;
	busy = 0;
}

/*
 * A name logged in (online) or out through this gateway: the table and
 * the changed function know at once, not at the next list.
 */
void
presence_set(const char *name, int online)
{
	struct presence_user	*p;
	size_t			 len = strlen(name);

	if (busy || !chat_name_valid(name, len, CHAT_NAME_MAX))
		return;		/* the next list tells */
	presence_mark_gone(name, len, !online);
	HASH_FIND(hh, users, name, len, p);
	busy = 1;
	if (online && p == NULL) {
		p = xcalloc(1, sizeof *p);
		memcpy(p->name, name, len + 1);
		p->gen = generation;
		HASH_ADD_STR(users, name, p);
		if (++nusers > nusers_max)
			nusers_max = nusers;
		changed(p->name, 1);
	} else if (!online && p != NULL) {
		HASH_DEL(users, p);
		nusers--;
		changed(name, 0);
		free(p);
	}
	busy = 0;
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

/* The most users online at once, as the lists showed. */
unsigned
presence_max(void)
{
	return nusers_max;
}

/* 1 if a list came within two poll intervals. */
int
presence_fresh(void)
{
	return updated_ms >= 0 &&
	    core_now_ms() - updated_ms < 2000 * conf.poll_interval;
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
 * 1 when half an interval went by without a list (queries from clients
 * count too) and no poll is in flight: time for one link to ask.
 */
int
presence_due(void)
{
	long long	now = core_now_ms();

	if (updated_ms >= 0 && now - updated_ms < 500 * conf.poll_interval)
		return 0;
	return asked_ms < 0 || now - asked_ms >= 2000 * conf.poll_interval;
}

/* A poll went out: none other until it is answered or stale. */
void
presence_asked(void)
{
	asked_ms = core_now_ms();
}
