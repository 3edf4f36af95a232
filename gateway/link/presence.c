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

struct presence_user {
	char		 name[CHAT_NAME_MAX + 1];	/* key: upstream */
	unsigned	 gen;
	UT_hash_handle	 hh;
};

static struct presence_user	*users;
static unsigned			 nusers;
static unsigned			 nusers_max;	/* the most at once */
static unsigned			 generation;
static long long		 updated_ms = -1;	/* never */
static long long		 asked_ms = -1;	/* poll in flight */
static void			(*changed)(const char *, int);

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
	nusers = 0;
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
