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

/* A read out for a session: what its answer needs. */
struct history_ask {
	enum reader_kind kind;
	char		*label;		/* labeled-response: the answer's */
	char		 nick[2 * CHAT_NAME_MAX + 2];	/* the target asked */
	char		 context[16];	/* CHATHISTORY's subcommand */
};

static void	history_fail(struct session *, const char *, const char *,
		    const char *, const char *);
static const char *history_account(struct session *, const char *);
static const char *history_batch(struct session *, const char *,
		    const char *, char *, size_t);
static int	history_ask(struct session *, struct reader_req *,
		    const char *, const char *);
static void	history_done(struct session *, void *,
		    const struct reader_result *);
static void	history_rows(struct session *, const struct reader_result *,
		    const char *);
static void	history_targets(struct session *,
		    const struct reader_result *, const char *);
static void	history_answer(struct session *, struct history_ask *,
		    const struct reader_result *);
static void	history_marker(struct session *, struct history_ask *,
		    const struct reader_result *);
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

/*
 * Queue a read for s (its input waits until the answer): 0, or -1 after
 * telling it the store has too many reads waiting.
 */
static int
history_ask(struct session *s, struct reader_req *rq, const char *nick,
    const char *context)
{
	struct history_ask	*h = xcalloc(1, sizeof *h);
	const char		*cmd = rq->kind == READER_SEARCH ? "SEARCH" :
	    rq->kind == READER_MARKER_GET || rq->kind == READER_MARKER_SET ?
	    "MARKREAD" : "CHATHISTORY";

	h->kind = rq->kind;
	snprintf(h->nick, sizeof h->nick, "%s", nick != NULL ? nick : "");
	snprintf(h->context, sizeof h->context, "%s", context);
	if (reader_read(s->id, rq, history_done, h) == 0) {
		h->label = irc_label_take(s);	/* the answer carries it */
		return 0;
	}
	free(h);
	log_warnx("s%u: %s: too many reads wait for the store", s->id, cmd);
	history_fail(s, cmd, rq->kind == READER_HISTORY ||
	    rq->kind == READER_TARGETS ? "MESSAGE_ERROR" : "INTERNAL_ERROR",
	    rq->kind == READER_HISTORY || rq->kind == READER_TARGETS ? context :
	    rq->kind == READER_SEARCH ? "*" : nick, "Too many requests wait "
	    "for the history store: try again in a moment");
	return -1;
}

/* The store answered: the replies, under the request's label. */
static void
history_done(struct session *s, void *ctx, const struct reader_result *r)
{
	struct history_ask	*h = ctx;

	if (s != NULL) {
		irc_label_begin(s, h->label);
		if (h->kind == READER_MARKER_GET || h->kind == READER_MARKER_SET)
			history_marker(s, h, r);
		else
			history_answer(s, h, r);
		if (!(s->flags & SESSION_DEAD))
			irc_label_end(s);
	}
	free(h->label);
	free(h);
}

/* Messages; a reply holds fewer rows than asked past sendq-max / 2. */
static void
history_rows(struct session *s, const struct reader_result *r,
    const char *batch)
{
	int	i;

	for (i = 0; i < r->nrows && !(s->flags & SESSION_DEAD); i++)
		if (session_queued(s) <= (size_t)conf.sendq_max / 2)
			irc_msg_show(s, &r->rows[i], 1, batch);
}

static void
history_targets(struct session *s, const struct reader_result *r,
    const char *batch)
{
	char	nick[NICK_MAX + 1], tm[CHATHISTORY_TIME_SIZE];
	int	i;

	for (i = 0; i < r->nrows && !(s->flags & SESSION_DEAD); i++) {
		if (names_from_upstream(r->rows[i].peer, nick,
		    sizeof nick) == -1 ||
		    chathistory_time_format(r->rows[i].time_ms, tm,
		    sizeof tm) == -1)
			continue;
		irc_send_raw(s, "%s%s%s:%s CHATHISTORY TARGETS %s %s",
		    batch != NULL ? "@batch=" : "", batch != NULL ? batch : "",
		    batch != NULL ? " " : "", conf.server_name, nick, tm);
	}
}

/* CHATHISTORY and SEARCH: a batch of rows, or FAIL. */
static void
history_answer(struct session *s, struct history_ask *h,
    const struct reader_result *r)
{
	const char	*batch, *cmd = h->kind == READER_SEARCH ? "SEARCH" :
	    "CHATHISTORY";
	char		 id[16];

	if (r->n == -1)
		log_warnx("s%u: %s: %s", s->id, cmd, r->why);
	batch = history_batch(s, h->kind == READER_SEARCH ? "soju.im/search" :
	    h->kind == READER_TARGETS ? "draft/chathistory-targets" :
	    "chathistory", h->kind == READER_HISTORY ? h->nick : NULL, id,
	    sizeof id);
	if (h->kind == READER_TARGETS)
		history_targets(s, r, batch);
	else
		history_rows(s, r, batch);
	if (batch != NULL && !(s->flags & SESSION_DEAD))
		irc_send_raw(s, ":%s BATCH -%s", conf.server_name, batch);
	if (r->n != -1 || (s->flags & SESSION_DEAD))
		return;
	if (h->kind == READER_SEARCH)
		history_fail(s, "SEARCH", "INTERNAL_ERROR", "*", "The history "
		    "could not be searched");
	else
		history_fail(s, "CHATHISTORY", "MESSAGE_ERROR", h->context,
		    "The history could not be read");
}

/* CHATHISTORY subcommand target|* selectors... limit */
void
irc_cmd_chathistory(struct session *s, struct irc_msg *m)
{
	struct reader_req	 rq;
	enum chathistory_err	 e;
	const char		*account, *nick = NULL;
	int			 bad;

	if ((account = history_account(s, "CHATHISTORY")) == NULL)
		return;
	memset(&rq, 0, sizeof rq);
	e = chathistory_parse(m->nparams, m->params, (int)conf.playback_max,
	    &rq.ch, &bad);
	if (e == CHATHISTORY_OK && rq.ch.cmd != CHATHISTORY_TARGETS) {
		nick = rq.ch.target;
		if (names_to_upstream(nick, rq.name, sizeof rq.name) == -1)
			e = CHATHISTORY_ERR_BAD_TARGET;
	}
	if (e != CHATHISTORY_OK) {
		history_fail(s, "CHATHISTORY", chathistory_err_code(e),
		    bad >= 0 ? m->params[bad] : m->params[0],
		    chathistory_err_text(e));
		return;
	}
	rq.kind = rq.ch.cmd == CHATHISTORY_TARGETS ? READER_TARGETS :
	    READER_HISTORY;
	snprintf(rq.account, sizeof rq.account, "%s", account);
	history_ask(s, &rq, nick, m->params[0]);
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

/* The marker as stored now, to s (get) or every client (set). */
static void
history_marker(struct session *s, struct history_ask *h,
    const struct reader_result *r)
{
	struct history_marker	 hm;
	char			 stamp[CHATHISTORY_TIME_SIZE + 16];
	char			 tm[CHATHISTORY_TIME_SIZE];

	if (r->n == -1) {
		log_warnx("s%u: MARKREAD: %s", s->id, r->why);
		history_fail(s, "MARKREAD", "INTERNAL_ERROR", h->nick,
		    "The read marker could not be kept");
		return;
	}
	if ((h->kind == READER_MARKER_GET && r->n == 0) ||
	    chathistory_time_format(r->value, tm, sizeof tm) == -1)
		snprintf(stamp, sizeof stamp, "*");
	else
		snprintf(stamp, sizeof stamp, "timestamp=%s", tm);
	hm.target = h->nick;
	hm.stamp = stamp;
	if (h->kind == READER_MARKER_SET)
		link_sessions(s->link, history_marker_one, &hm);
	else
		irc_send_raw(s, ":%s MARKREAD %s %s", conf.server_name,
		    h->nick, stamp);
}

/*
 * MARKREAD target [timestamp=...]: ask for the marker, or move it (only
 * forward); every client of the account with draft/read-marker hears
 * where it is now.
 */
void
irc_cmd_markread(struct session *s, struct irc_msg *m)
{
	struct reader_req	 rq;
	const char		*account, *target = m->params[0];

	if ((account = history_account(s, "MARKREAD")) == NULL)
		return;
	memset(&rq, 0, sizeof rq);
	if (names_to_upstream(target, rq.name, sizeof rq.name) == -1) {
		history_fail(s, "MARKREAD", "INVALID_TARGET", target,
		    "No such nick");
		return;
	}
	rq.kind = READER_MARKER_GET;
	if (m->nparams > 1) {
		if (strncmp(m->params[1], "timestamp=", 10) != 0 ||
		    chathistory_time_parse(m->params[1] + 10, &rq.arg) == -1) {
			history_fail(s, "MARKREAD", "INVALID_PARAMS",
			    m->params[1], "Not a timestamp=YYYY-MM-DDThh:mm:"
			    "ss.sssZ");
			return;
		}
		rq.kind = READER_MARKER_SET;
	}
	snprintf(rq.account, sizeof rq.account, "%s", account);
	history_ask(s, &rq, target, "*");
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
	struct reader_req	 rq;
	enum search_err		 e;
	const char		*account;

	if ((account = history_account(s, "SEARCH")) == NULL)
		return;
	memset(&rq, 0, sizeof rq);
	if ((e = search_parse(m->params[0], (int)conf.playback_max,
	    &rq.search)) != SEARCH_OK) {
		history_fail(s, "SEARCH", "INVALID_PARAMS", "*",
		    search_err_text(e));
		return;
	}
	if (history_search_names(s, &rq.search) == -1) {
		history_fail(s, "SEARCH", "INVALID_PARAMS", "*", "in= or "
		    "from= is not a nick of the chat network");
		return;
	}
	rq.kind = READER_SEARCH;
	snprintf(rq.account, sizeof rq.account, "%s", account);
	history_ask(s, &rq, NULL, "*");
}
