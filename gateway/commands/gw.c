/*
 * Wiring: the hooks of the layers below point at the IRC meaning above.
 * A session detaches from its link when it goes (a plain session's link
 * closes then; an account's stays); a client's input waits while its
 * link awaits max-pending replies, or while the store reads for it.
 */
#include "commands/gw.h"

static void	gw_on_closing(struct session *, const char *);
static void	gw_on_freeing(struct session *);
static int	gw_on_ready(struct session *);

static const struct session_hooks gw_session_hooks = {
	irc_cmd_dispatch, gw_on_closing, gw_on_freeing, gw_on_ready
};

static const struct link_hooks gw_link_hooks = {
	irc_login_ok, irc_msg_delivery, account_renamed
};

static const struct account_hooks gw_account_hooks = {
	irc_login_ok, irc_msg_show, irc_login_caps
};

static void
gw_on_closing(struct session *s, const char *why)
{
	(void)why;
	account_detach(s);
	if (s->link != NULL)
		link_detach(s->link, s);
}

static void
gw_on_freeing(struct session *s)
{
	control_free(s);
	account_free(s);
}

/* Backpressure: a client's lines wait while its link has no room. */
static int
gw_on_ready(struct session *s)
{
	if (reader_busy(s))
		return 0;		/* a read's answer comes first */
	if (s->link == NULL || link_ready(s->link))
		return 1;
	if (!(s->flags & SESSION_WAITING))
		log_info("s%u: max-pending %lld reached: its input waits for "
		    "replies", s->id, conf.max_pending);
	return 0;
}

/* Hooks, the upstream address, the link layer and presence. */
void
gw_init(void)
{
	session_set_hooks(&gw_session_hooks);
	link_set_hooks(&gw_link_hooks);
	account_set_hooks(&gw_account_hooks);
	if (upstream_init(conf.upstream, conf.dialect) == -1)
		fatalx("upstream: \"%s\" is not HOST:PORT", conf.upstream);
	link_init();
	presence_init(control_changed);
	account_init();		/* --db: every account logs in now */
}

/* Shutting down: the links of accounts go too (sessions close apart). */
void
gw_stop(void)
{
	link_close_all();
	account_stop();		/* their links are gone */
}

/* Undo gw_init (after every session was reaped). */
void
gw_shutdown(void)
{
	link_close_all();
	link_shutdown();
	presence_shutdown();
	upstream_shutdown();
	account_shutdown();
	control_shutdown();
}
