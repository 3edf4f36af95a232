/*
 * IRCv3 draft/chathistory (CHATHISTORY LATEST BEFORE AFTER AROUND BETWEEN
 * TARGETS), draft/read-marker (MARKREAD) and soju.im/search (SEARCH),
 * answered from the bouncer's store (account.c) for the session's
 * account. Targets are nicks; the store keys them by chat name. Errors
 * are FAIL lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/gw.h"
#include "irc/numeric.h"
#include "store/store.h"

struct history_out {
	struct session	*s;
	const char	*batch;		/* NULL without CAP batch */
};

static void	history_fail(struct session *, const char *, const char *,
		    const char *, const char *);
static const char *history_account(struct session *, const char *);
static const char *history_batch(struct session *, const char *,
		    const char *, char *, size_t);
static void	history_row(void *, const struct store_msg *);
static void	history_target(void *, const char *, long long);
static void	history_marker_one(struct session *, void *);
static int	history_search_names(struct session *, struct search_req *);

/*
 * FAIL cmd code context :text. A client that asked for the history caps
 * reads FAIL whether or not it took standard-replies; others get the
 * NOTICE of irc_send_fail().
 */
static void
history_fail(struct session *s, const char *cmd, const char *code,
    const char *context, const char *text)
{
	if (s->caps & (CAP_CHATHISTORY | CAP_READ_MARKER | CAP_SEARCH))
		irc_send_raw(s, ":%s FAIL %s %s %s :%s", conf.server_name, cmd,
		    code, context, text);
	else
		irc_send_fail(s, "FAIL", cmd, code, context, "%s", text);
}

/* The session's account, or NULL after telling it there is none. */
static const char *
history_account(struct session *s, const char *cmd)
{
	const char	*a = account_of(s->link);

	if (a == NULL)
		history_fail(s, cmd, "MESSAGE_ERROR", "*", "History is kept "
		    "for accounts only, and this session has none");
	return a;
}

/* Open a batch (CAP batch): its id in buf, else NULL. */
static const char *
history_batch(struct session *s, const char *type, const char *target,
    char *buf, size_t size)
{
	static unsigned	seq;

	if (!(s->caps & CAP_BATCH))
		return NULL;
	snprintf(buf, size, "h%u", ++seq);
	irc_send_raw(s, ":%s BATCH +%s %s%s%s", conf.server_name, buf, type,
	    target != NULL ? " " : "", target != NULL ? target : "");
	return buf;
}

static void
history_row(void *ctx, const struct store_msg *m)
{
	struct history_out	*o = ctx;

	/* a reply may hold fewer rows than asked: half of sendq-max at most */
	if (!(o->s->flags & SESSION_DEAD) &&
	    session_queued(o->s) <= (size_t)conf.sendq_max / 2)
		irc_msg_show(o->s, m, 1, o->batch);
}

static void
history_target(void *ctx, const char *peer, long long last_ms)
{
	struct history_out	*o = ctx;
	char			 nick[NICK_MAX + 1], tm[CHATHISTORY_TIME_SIZE];

	if (names_from_upstream(peer, nick, sizeof nick) == -1 ||
	    chathistory_time_format(last_ms, tm, sizeof tm) == -1)
		return;
	irc_send_raw(o->s, "%s%s%s:%s CHATHISTORY TARGETS %s %s",
	    o->batch != NULL ? "@batch=" : "", o->batch != NULL ? o->batch :
	    "", o->batch != NULL ? " " : "", conf.server_name, nick, tm);
}

/* CHATHISTORY subcommand target|* selectors... limit */
void
irc_cmd_chathistory(struct session *s, struct irc_msg *m)
{
	struct chathistory_req	 req;
	struct history_out	 o = { s, NULL };
	enum chathistory_err	 e;
	const char		*account, *nick = NULL;
	char			 name[CHAT_NAME_MAX + 1], id[16];
	int			 bad, n;

	if ((account = history_account(s, "CHATHISTORY")) == NULL)
		return;
	e = chathistory_parse(m->nparams, m->params, (int)conf.playback_max,
	    &req, &bad);
	if (e == CHATHISTORY_OK && req.cmd != CHATHISTORY_TARGETS) {
		nick = req.target;
		if (names_to_upstream(nick, name, sizeof name) == -1)
			e = CHATHISTORY_ERR_BAD_TARGET;
		else
			req.target = name;
	}
	if (e != CHATHISTORY_OK) {
		history_fail(s, "CHATHISTORY", chathistory_err_code(e),
		    bad >= 0 ? m->params[bad] : m->params[0],
		    chathistory_err_text(e));
		return;
	}
	if (req.cmd == CHATHISTORY_TARGETS) {
		o.batch = history_batch(s, "draft/chathistory-targets", NULL,
		    id, sizeof id);
		n = store_targets(account_store(), account, &req,
		    history_target, &o);
	} else {
		o.batch = history_batch(s, "chathistory", nick, id, sizeof id);
		n = store_history(account_store(), account, &req, history_row,
		    &o);
	}
	if (n == -1)
		log_warnx("s%u: CHATHISTORY: %s", s->id,
		    store_error(account_store()));
	if (o.batch != NULL)
		irc_send_raw(s, ":%s BATCH -%s", conf.server_name, o.batch);
	if (n == -1)
		history_fail(s, "CHATHISTORY", "MESSAGE_ERROR", m->params[0],
		    "The history could not be read");
}

struct history_marker {
	const char	*target;
	const char	*stamp;
};

static void
history_marker_one(struct session *s, void *arg)
{
	struct history_marker	*hm = arg;

	if (s->caps & CAP_READ_MARKER)
		irc_send_raw(s, ":%s MARKREAD %s %s", conf.server_name,
		    hm->target, hm->stamp);
}

/*
 * MARKREAD target [timestamp=...]: ask for the marker, or move it (only
 * forward); every client of the account with draft/read-marker hears
 * where it is now.
 */
void
irc_cmd_markread(struct session *s, struct irc_msg *m)
{
	struct history_marker	 hm;
	const char		*account, *target = m->params[0];
	char			 name[CHAT_NAME_MAX + 1];
	char			 stamp[CHATHISTORY_TIME_SIZE + 16];
	char			 tm[CHATHISTORY_TIME_SIZE];
	long long		 ms, now;
	int			 r;

	if ((account = history_account(s, "MARKREAD")) == NULL)
		return;
	if (names_to_upstream(target, name, sizeof name) == -1) {
		history_fail(s, "MARKREAD", "INVALID_TARGET", target,
		    "No such nick");
		return;
	}
	if (m->nparams > 1) {
		if (strncmp(m->params[1], "timestamp=", 10) != 0 ||
		    chathistory_time_parse(m->params[1] + 10, &ms) == -1) {
			history_fail(s, "MARKREAD", "INVALID_PARAMS",
			    m->params[1], "Not a timestamp=YYYY-MM-DDThh:mm:"
			    "ss.sssZ");
			return;
		}
		r = store_marker_set(account_store(), account, name, ms, &now);
	} else
		r = store_marker_get(account_store(), account, name, &now);
	if (r == -1) {
		log_warnx("s%u: MARKREAD: %s", s->id,
		    store_error(account_store()));
		history_fail(s, "MARKREAD", "INTERNAL_ERROR", target,
		    "The read marker could not be kept");
		return;
	}
	if ((m->nparams == 1 && r == 0) ||
	    chathistory_time_format(now, tm, sizeof tm) == -1)
		snprintf(stamp, sizeof stamp, "*");
	else
		snprintf(stamp, sizeof stamp, "timestamp=%s", tm);
	hm.target = target;
	hm.stamp = stamp;
	if (m->nparams > 1)
		link_sessions(s->link, history_marker_one, &hm);
	else
		irc_send_raw(s, ":%s MARKREAD %s %s", conf.server_name,
		    target, stamp);
}

/* in= and from= are nicks: to chat names; from= may be the account. */
static int
history_search_names(struct session *s, struct search_req *q)
{
	char	name[CHAT_NAME_MAX + 1];

	if (q->in[0] != '\0') {
		if (names_to_upstream(q->in, name, sizeof name) == -1)
			return -1;
		snprintf(q->in, sizeof q->in, "%s", name);
	}
	if (q->from[0] != '\0') {
		if (names_to_upstream(q->from, name, sizeof name) == -1)
			return -1;
		snprintf(q->from, sizeof q->from, "%s", name);
		q->from_self = strcmp(name, SNAME(s)) == 0;
	}
	return 0;
}

/*
 * SEARCH key=value;... (soju.im/search): the newest matches, at most
 * playback-max, oldest first, in a soju.im/search batch.
 */
void
irc_cmd_search(struct session *s, struct irc_msg *m)
{
	struct search_req	 q;
	struct history_out	 o = { s, NULL };
	enum search_err		 e;
	const char		*account;
	char			 id[16];
	int			 n;

	if ((account = history_account(s, "SEARCH")) == NULL)
		return;
	if ((e = search_parse(m->params[0], (int)conf.playback_max, &q)) !=
	    SEARCH_OK) {
		history_fail(s, "SEARCH", "INVALID_PARAMS", "*",
		    search_err_text(e));
		return;
	}
	if (history_search_names(s, &q) == -1) {
		history_fail(s, "SEARCH", "INVALID_PARAMS", "*", "in= or "
		    "from= is not a nick of the chat network");
		return;
	}
	o.batch = history_batch(s, "soju.im/search", NULL, id, sizeof id);
	n = store_search(account_store(), account, &q, history_row, &o);
	if (o.batch != NULL)
		irc_send_raw(s, ":%s BATCH -%s", conf.server_name, o.batch);
	if (n == -1) {
		log_warnx("s%u: SEARCH: %s", s->id,
		    store_error(account_store()));
		history_fail(s, "SEARCH", "INTERNAL_ERROR", "*", "The history "
		    "could not be searched");
	}
}
