/*
 * *chatircd, the bouncer's service nick (like soju's BouncerServ and
 * ZNC's *status): a PRIVMSG to it is a command, never sent upstream, and
 * every reply is a PRIVMSG from *chatircd!service@<server name> (so it
 * lands in the query window the user typed in; a labeled command gets
 * it labeled, the dispatcher sees to that). Anyone with an account may
 * change their password and see their sessions and status; admins manage
 * accounts and the server. Every change is logged with who made it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "bouncer/account.h"
#include "store/store.h"
#include "textsafe.h"

#define SERVICE_ARGS	8	/* words of a command line we look at */
#define SERVICE_TOKEN	16	/* hex digits of a deletion token */
#define SERVICE_TTL	60	/* s a deletion token stays good */
#define SERVICE_PENDING	8	/* deletions awaiting their token */

struct service_ctx {
	struct session	*s;
	const char	*account;	/* NULL: the session has none */
	int		 argc;		/* words after the command's name */
	char		*argv[SERVICE_ARGS];
	const char	*rest;		/* the text after the command's name */
};

struct service_cmd {
	const char	*name;		/* one word, or two ("user create") */
	const char	*usage;
	int		 admin;
	int		 min, max;	/* words after the name; -1: any */
	void		(*fn)(struct service_ctx *);
	const char	*help;
};

/* A user delete asked for: done when the same admin sends the token. */
struct service_pending {
	char		 admin[STORE_NAME_MAX + 1];
	char		 name[STORE_NAME_MAX + 1];
	char		 token[SERVICE_TOKEN + 1];
	time_t		 until;
};

static void	service_reply(struct service_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static const struct service_cmd *service_find(struct service_ctx *,
		    char **, int, int *);
static int	service_may(struct service_ctx *, const struct service_cmd *);
static void	service_echo(struct service_ctx *, const char *);
static int	service_help_match(const char *, const char *);
static void	service_help(struct service_ctx *);
static const char *service_after_word(const char *);
static void	service_passwd(struct service_ctx *);
static void	service_sessions(struct service_ctx *);
static void	service_session_one(struct session *, void *);
static void	service_status(struct service_ctx *);
static void	service_statused(struct session *, void *,
		    const struct reader_result *);
struct service_read;
static int	service_read(struct service_ctx *, struct reader_req *,
		    int, reader_done_fn *);
static int	service_answer(struct session *, struct service_read *,
		    struct service_ctx *);
static void	service_answered(struct session *, struct service_read *);
static void	service_search(struct service_ctx *);
static void	service_searched(struct session *, void *,
		    const struct reader_result *);
static void	service_search_one(void *, const struct store_msg *);
static void	service_user_create(struct service_ctx *);
static void	service_user_delete(struct service_ctx *);
static void	service_user_passwd(struct service_ctx *);
static void	service_user_list(struct service_ctx *);
static void	service_user_one(void *, const char *, const char *);
static struct service_pending *service_pending_find(const char *,
		    const char *, int);
static void	service_count_one(void *, const char *, const char *);
static void	service_server_status(struct service_ctx *);
static void	service_server_notice(struct service_ctx *);
static void	service_notice_one(struct session *, void *);
static void	service_when(time_t, char *, size_t);

static const struct service_cmd service_cmds[] = {
	{ "help", "[COMMAND]", 0, 0, 2, service_help,
	    "the commands, or how to use one" },
	{ "passwd", "NEWPASSWORD", 0, 1, -1, service_passwd,
	    "change your password (your other clients stay attached)" },
	{ "sessions", "", 0, 0, 0, service_sessions,
	    "your attached clients: client name, address, since, caps" },
	{ "status", "", 0, 0, 0, service_status,
	    "upstream login, chat name, messages stored, oldest kept" },
	{ "search", "TEXT", 0, 1, -1, service_search,
	    "your stored messages with these words (\"a phrase\" too)" },
	{ "user create", "NAME PASSWORD [-admin]", 1, 2, -1,
	    service_user_create, "create an account; it may log in at once" },
	{ "user delete", "NAME [TOKEN]", 1, 1, 2, service_user_delete,
	    "delete an account and its history (asks for a token first)" },
	{ "user passwd", "NAME PASSWORD", 1, 2, -1, service_user_passwd,
	    "set an account's password" },
	{ "user list", "", 1, 0, 0, service_user_list,
	    "every account: chat name, admin, clients, upstream" },
	{ "server status", "", 1, 0, 0, service_server_status,
	    "sessions, links, upstream state, store size" },
	{ "server notice", "TEXT", 1, 1, -1, service_server_notice,
	    "a NOTICE to every client attached to this gateway" },
};
#define SERVICE_NCMDS	(sizeof service_cmds / sizeof service_cmds[0])

static struct service_pending	service_pending[SERVICE_PENDING];

/* 1 if target is the service's nick (any case). */
int
service_is(const char *target)
{
	return strcasecmp(target, SERVICE_NICK) == 0;
}

static void
service_reply(struct service_ctx *c, const char *fmt, ...)
{
	char	buf[IRC_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	irc_send_raw(c->s, ":%s!service@%s PRIVMSG %s :%s", SERVICE_NICK,
	    conf.server_name, c->s->nick, buf);
}

/*
 * The command named by the first words (two-word names first); *used
 * gets how many words the name took. NULL: none (told already).
 */
static const struct service_cmd *
service_find(struct service_ctx *c, char **w, int n, int *used)
{
	const struct service_cmd	*cmd;
	size_t				 i, len;
	int				 group = 0;

	for (i = 0; i < SERVICE_NCMDS; i++) {
		cmd = &service_cmds[i];
		len = strcspn(cmd->name, " ");
		if (strncasecmp(w[0], cmd->name, len) != 0 ||
		    w[0][len] != '\0')
			continue;
		if (cmd->name[len] == '\0') {
			*used = 1;
			return cmd;
		}
		group = 1;
		if (n > 1 && strcasecmp(w[1], cmd->name + len + 1) == 0) {
			*used = 2;
			return cmd;
		}
	}
	if (group)
		service_reply(c, "%s needs a subcommand: see help %s", w[0],
		    w[0]);
	else
		service_reply(c, "Unknown command %.32s: see help", w[0]);
	return NULL;
}

/* Admin commands ask the store each time: --set-admin counts at once. */
static int
service_may(struct service_ctx *c, const struct service_cmd *cmd)
{
	int	admin;

	if (cmd->fn == service_help)
		return 1;
	if (c->account == NULL) {
		service_reply(c, "%s", account_enabled() ? "Only a client "
		    "logged in to an account can use *chatircd" : "This "
		    "gateway keeps no accounts (no --db): *chatircd has "
		    "nothing to do here");
		return 0;
	}
	if (!cmd->admin)
		return 1;
	if ((admin = store_user_admin(account_store(), c->account)) == 1)
		return 1;
	if (admin == -1)
		log_warnx("s%u: service: %s", c->s->id,
		    store_error(account_store()));
	service_reply(c, "Permission denied: %s is for admins, and %s is "
	    "not one (chatircd --set-admin NAME makes one)", cmd->name,
	    c->account);
	log_info("s%u: service: %s may not run %s", c->s->id, c->account,
	    cmd->name);
	return 0;
}

/* PRIVMSG *chatircd :text: run the command it names. */
void
service_privmsg(struct session *s, const char *text)
{
	struct service_ctx		 c;
	const struct service_cmd	*cmd;
	char				 buf[IRC_LINE_MAX];
	char				*w[SERVICE_ARGS + 2];
	char				*p, *save = NULL;
	int				 n = 0, used = 0, i;

	memset(&c, 0, sizeof c);
	c.s = s;
	c.account = account_of(s->link);
	service_echo(&c, text);
	snprintf(buf, sizeof buf, "%s", text);
	for (p = strtok_r(buf, " ", &save); p != NULL && n < SERVICE_ARGS + 2;
	    p = strtok_r(NULL, " ", &save))
		w[n++] = p;
	if (n == 0) {
		service_reply(&c, "Say help for the commands");
		return;
	}
	if ((cmd = service_find(&c, w, n, &used)) == NULL ||
	    !service_may(&c, cmd))
		return;
	c.rest = text + (w[used - 1] - buf) + strlen(w[used - 1]);
	c.rest += strspn(c.rest, " ");
	for (i = used; i < n && c.argc < SERVICE_ARGS; i++)
		c.argv[c.argc++] = w[i];
	if (c.argc < cmd->min || (cmd->max >= 0 && n - used > cmd->max)) {
		service_reply(&c, "Usage: %s %s", cmd->name, cmd->usage);
		return;
	}
	cmd->fn(&c);
}

/* echo-message: the client sees its line as it would any PRIVMSG. */
static void
service_echo(struct service_ctx *c, const char *text)
{
	if (c->s->caps & CAP_ECHO_MESSAGE)
		irc_send_raw(c->s, ":%s!%s@%s PRIVMSG %s :%s", c->s->nick,
		    SNAME(c->s)[0] != '\0' ? SNAME(c->s) : "user", c->s->host,
		    SERVICE_NICK, text);
}

/* help q: q names the command, or the first word of two-word ones. */
static int
service_help_match(const char *q, const char *name)
{
	size_t	n = strcspn(name, " ");

	return strcasecmp(q, name) == 0 || (strlen(q) == n &&
	    strncasecmp(q, name, n) == 0);
}

static void
service_help(struct service_ctx *c)
{
	char	q[64] = "";
	size_t	i;
	int	n = 0;

	if (c->argc > 0)
		snprintf(q, sizeof q, "%s%s%s", c->argv[0], c->argc > 1 ?
		    " " : "", c->argc > 1 ? c->argv[1] : "");
	for (i = 0; i < SERVICE_NCMDS; i++) {
		if (q[0] != '\0' &&
		    !service_help_match(q, service_cmds[i].name))
			continue;
		service_reply(c, "%s%s%s: %s%s", service_cmds[i].name,
		    service_cmds[i].usage[0] ? " " : "", service_cmds[i].usage,
		    service_cmds[i].help, service_cmds[i].admin ? " (admin)" :
		    "");
		n++;
	}
	if (n == 0)
		service_reply(c, "No command %s: see help", q);
	else if (q[0] == '\0')
		service_reply(c, "Send these as /msg %s COMMAND", SERVICE_NICK);
}

/* The text after its first word and the spaces after that. */
static const char *
service_after_word(const char *s)
{
	s += strcspn(s, " ");
	return s + strspn(s, " ");
}

/* Hashing (argon2id, ~65 ms) runs on the loop: once per command. */
static void
service_passwd(struct service_ctx *c)
{
	if (store_user_passwd(account_store(), c->account, c->rest) == -1) {
		service_reply(c, "Password not changed: %s",
		    store_error(account_store()));
		return;
	}
	log_info("s%u: service: %s changed its own password", c->s->id,
	    c->account);
	service_reply(c, "Password changed: it counts from the next login; "
	    "clients attached now stay attached");
}

struct service_list {
	struct service_ctx	*c;
	int			 n;
	int			 cut;
};

static void
service_sessions(struct service_ctx *c)
{
	struct service_list	l = { c, 0, 0 };

	link_sessions(c->s->link, service_session_one, &l);
	service_reply(c, "%d client%s attached to %s", l.n, l.n == 1 ? "" :
	    "s", c->account);
}

static void
service_session_one(struct session *s, void *arg)
{
	struct service_list	*l = arg;
	char			 caps[256], when[32];
	const char		*client = account_client(s);

	account_caps(s, caps, sizeof caps);
	service_when(account_since(s), when, sizeof when);
	service_reply(l->c, "%s%s%s from %s since %s, caps: %s%s",
	    client[0] != '\0' ? "client " : "", client[0] != '\0' ? client :
	    "no client name", "", s->host, when, caps[0] ? caps : "none",
	    s == l->c->s ? " (this one)" : "");
	l->n++;
}

static void
service_when(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "?");
}

/* A read of the store for a command, answered later under its label. */
struct service_read {
	char	*label;
	int	 limit;
};

/* Queue a read for c's session: 0, or -1 after saying the store is busy. */
static int
service_read(struct service_ctx *c, struct reader_req *rq, int limit,
    reader_done_fn *done)
{
	struct service_read	*r = xcalloc(1, sizeof *r);

	snprintf(rq->account, sizeof rq->account, "%s", c->account);
	r->limit = limit;
	if (reader_read(c->s->id, rq, done, r) == 0) {
		r->label = irc_label_take(c->s);
		return 0;
	}
	free(r);
	log_warnx("s%u: service: too many reads wait for the store",
	    c->s->id);
	service_reply(c, "Too many requests wait for the store: try again in "
	    "a moment");
	return -1;
}

/* The loop's part of a read's answer: c for s, under the label. */
static int
service_answer(struct session *s, struct service_read *r,
    struct service_ctx *c)
{
	memset(c, 0, sizeof *c);
	if (s == NULL || (c->account = account_of(s->link)) == NULL) {
		free(r->label);
		free(r);
		return -1;
	}
	c->s = s;
	irc_label_begin(s, r->label);
	return 0;
}

static void
service_answered(struct session *s, struct service_read *r)
{
	if (!(s->flags & SESSION_DEAD))
		irc_label_end(s);
	free(r->label);
	free(r);
}

static void
service_status(struct service_ctx *c)
{
	struct reader_req	rq;

	memset(&rq, 0, sizeof rq);
	rq.kind = READER_STATS;
	service_read(c, &rq, 0, service_statused);
}

/* status: the login, then what the store counted (on the reader). */
static void
service_statused(struct session *s, void *ctx, const struct reader_result *r)
{
	struct service_ctx	 c;
	const char		*trouble;
	char			 when[32];

	if (service_answer(s, ctx, &c) == -1)
		return;
	trouble = link_trouble(s->link);
	if (trouble[0] == '\0')
		service_reply(&c, "Account %s: logged in upstream as %s",
		    c.account, link_name(s->link));
	else
		service_reply(&c, "Account %s: not logged in upstream as %s: "
		    "%s", c.account, link_name(s->link), trouble);
	if (r->n == -1)
		service_reply(&c, "Messages stored: unknown (%s)", r->why);
	else {
		service_when(r->value2 >= 0 ? (time_t)(r->value2 / 1000) : 0,
		    when, sizeof when);
		service_reply(&c, "Messages stored: %lld%s%s; clients "
		    "attached: %u", r->value, r->value > 0 ? ", the oldest "
		    "from " : "", r->value > 0 ? when : "",
		    link_nsessions(s->link));
	}
	service_answered(s, ctx);
}

/* search TEXT: the newest matches (playback-max), as plain lines. */
static void
service_search(struct service_ctx *c)
{
	struct reader_req	rq;

	memset(&rq, 0, sizeof rq);
	rq.kind = READER_SEARCH;
	rq.search.after_ms = rq.search.before_ms = -1;
	rq.search.limit = (int)conf.playback_max;
	if (strlen(c->rest) > SEARCH_TEXT_MAX || !search_text_ok(c->rest)) {
		service_reply(c, "Nothing to search for: give words (at most "
		    "%d bytes)", SEARCH_TEXT_MAX);
		return;
	}
	snprintf(rq.search.text, sizeof rq.search.text, "%s", c->rest);
	service_read(c, &rq, rq.search.limit, service_searched);
}

static void
service_searched(struct session *s, void *ctx, const struct reader_result *r)
{
	struct service_read	*sr = ctx;
	struct service_ctx	 c;
	struct service_list	 l = { &c, 0, 0 };
	int			 i;

	if (service_answer(s, sr, &c) == -1)
		return;
	for (i = 0; i < r->nrows; i++)
		service_search_one(&l, &r->rows[i]);
	l.cut += (int)r->cut;
	if (r->n == -1) {
		log_warnx("s%u: service search: %s", s->id, r->why);
		service_reply(&c, "The search failed");
	} else if (r->n == 0)
		service_reply(&c, "No stored message has those words");
	else if (l.cut > 0)
		service_reply(&c, "%d found; %d not shown (more than half of "
		    "sendq-max at once): narrow the search", r->n, l.cut);
	else
		service_reply(&c, "%d found%s", r->n, r->n == sr->limit ?
		    " (the newest; playback-max is the most at once)" : "");
	service_answered(s, sr);
}

static void
service_search_one(void *ctx, const struct store_msg *m)
{
	struct service_list	*l = ctx;
	struct session		*s = l->c->s;
	char			 peer[NICK_MAX + 1], when[32], *safe;
	size_t			 n;

	if ((s->flags & SESSION_DEAD) || l->cut > 0 ||
	    session_queued(s) > (size_t)conf.sendq_max / 2) {
		l->cut++;
		return;
	}
	if (names_from_upstream(m->peer, peer, sizeof peer) == -1)
		snprintf(peer, sizeof peer, "?");
	service_when((time_t)(m->time_ms / 1000), when, sizeof when);
	safe = xmalloc(TEXTSAFE_MAX(m->text_len) + 1);
	n = textsafe_text(safe, TEXTSAFE_MAX(m->text_len) + 1, m->text,
	    m->text_len);
	if (m->dir == STORE_IN)
		service_reply(l->c, "[%s] <%s> %.*s", when, peer, (int)n, safe);
	else
		service_reply(l->c, "[%s] <%s> (to %s) %.*s", when, s->nick,
		    peer, (int)n, safe);
	free(safe);
}

/* The password is the rest of the line, less a last word -admin. */
static void
service_user_create(struct service_ctx *c)
{
	struct store	*st = account_store();
	char		 pass[STORE_PASS_MAX + 1];
	size_t		 n;
	int		 admin = 0;

	n = strlen(service_after_word(c->rest));
	if (n > 7 && strcasecmp(service_after_word(c->rest) + n - 7,
	    " -admin") == 0) {
		admin = 1;
		n -= 7;
	}
	if (n > STORE_PASS_MAX) {
		service_reply(c, "Passwords are 1..%d bytes", STORE_PASS_MAX);
		return;
	}
	snprintf(pass, sizeof pass, "%.*s", (int)n,
	    service_after_word(c->rest));
	if (store_user_add(st, c->argv[0], pass) == -1 ||
	    (admin && store_user_set_admin(st, c->argv[0], 1) == -1)) {
		sodium_memzero(pass, sizeof pass);
		service_reply(c, "Account %.64s not created: %s", c->argv[0],
		    store_error(st));
		return;
	}
	sodium_memzero(pass, sizeof pass);
	log_info("s%u: service: %s created account %s%s", c->s->id,
	    c->account, c->argv[0], admin ? " (admin)" : "");
	account_refresh();
	service_reply(c, "Account %s created%s: it may log in now",
	    c->argv[0], admin ? " (admin)" : "");
}

/* The pending deletion of name by this admin, or a free slot. */
static struct service_pending *
service_pending_find(const char *admin, const char *name, int make)
{
	struct service_pending	*p, *free_slot = NULL;
	time_t			 now = time(NULL);
	size_t			 i;

	for (i = 0; i < SERVICE_PENDING; i++) {
		p = &service_pending[i];
		if (p->until < now)
			p->admin[0] = '\0';
		if (p->admin[0] == '\0' && free_slot == NULL)
			free_slot = p;
		if (p->admin[0] != '\0' && strcmp(p->admin, admin) == 0 &&
		    strcmp(p->name, name) == 0)
			return p;
	}
	if (!make)
		return NULL;
	return free_slot != NULL ? free_slot : &service_pending[0];
}

static void
service_user_delete(struct service_ctx *c)
{
	struct service_pending	*p;
	unsigned char		 raw[SERVICE_TOKEN / 2];
	const char		*name = c->argv[0];

	if (strcmp(name, c->account) == 0) {
		service_reply(c, "You cannot delete the account you are "
		    "using; another admin can");
		return;
	}
	if (store_user_admin(account_store(), name) == -1) {
		service_reply(c, "No account %.64s", name);
		return;
	}
	p = service_pending_find(c->account, name, c->argc == 1);
	if (c->argc == 1 && p != NULL) {
		randombytes_buf(raw, sizeof raw);
		sodium_bin2hex(p->token, sizeof p->token, raw, sizeof raw);
		snprintf(p->admin, sizeof p->admin, "%s", c->account);
		snprintf(p->name, sizeof p->name, "%s", name);
		p->until = time(NULL) + SERVICE_TTL;
		service_reply(c, "This deletes %s with its whole history and "
		    "closes its clients. To go on, within %d s: user delete "
		    "%s %s", name, SERVICE_TTL, name, p->token);
		return;
	}
	if (p == NULL || strlen(c->argv[1]) != SERVICE_TOKEN ||
	    sodium_memcmp(p->token, c->argv[1], SERVICE_TOKEN) != 0) {
		service_reply(c, "Wrong or expired token: send user delete %s "
		    "for a new one", name);
		return;
	}
	p->admin[0] = '\0';
	if (store_user_del(account_store(), name) == -1) {
		service_reply(c, "Account %s not deleted: %s", name,
		    store_error(account_store()));
		return;
	}
	log_info("s%u: service: %s deleted account %s", c->s->id, c->account,
	    name);
	account_refresh();
	service_reply(c, "Account %s deleted", name);
}

static void
service_user_passwd(struct service_ctx *c)
{
	if (store_user_passwd(account_store(), c->argv[0],
	    service_after_word(c->rest)) == -1) {
		service_reply(c, "Password of %.64s not changed: %s",
		    c->argv[0], store_error(account_store()));
		return;
	}
	log_info("s%u: service: %s set the password of %s", c->s->id,
	    c->account, c->argv[0]);
	service_reply(c, "Password of %s changed: it counts from the next "
	    "login", c->argv[0]);
}

static void
service_user_list(struct service_ctx *c)
{
	struct service_list	l = { c, 0, 0 };

	if (store_user_list(account_store(), service_user_one, &l) == -1) {
		service_reply(c, "The accounts could not be read: %s",
		    store_error(account_store()));
		return;
	}
	service_reply(c, "%d account%s", l.n, l.n == 1 ? "" : "s");
}

static void
service_user_one(void *ctx, const char *name, const char *chat_name)
{
	struct service_list	*l = ctx;
	struct link		*k = account_link(name);
	int			 admin;

	admin = store_user_admin(account_store(), name);

	service_reply(l->c, "%s: chat name %s%s, %u client%s attached, %s",
	    name, chat_name, admin == 1 ? ", admin" : "",
	    k != NULL ? link_nsessions(k) : 0,
	    k != NULL && link_nsessions(k) == 1 ? "" : "s",
	    k == NULL ? "not loaded" : link_trouble(k)[0] == '\0' ?
	    "logged in upstream" : "not logged in upstream");
	l->n++;
}

struct service_count {
	int	accounts;
	int	up;
};

static void
service_count_one(void *ctx, const char *name, const char *chat_name)
{
	struct service_count	*n = ctx;
	struct link		*k = account_link(name);

	(void)chat_name;
	n->accounts++;
	if (k != NULL && link_trouble(k)[0] == '\0')
		n->up++;
}

static void
service_server_status(struct service_ctx *c)
{
	struct service_count	 n = { 0, 0 };
	struct store		*st = account_store();
	long long		 msgs = 0, oldest, total = 0, index = -1;
	char			 shown[256];	/* a password hidden */

	if (store_user_list(st, service_count_one, &n) == -1 ||
	    store_stats(st, NULL, &msgs, &oldest) == -1 ||
	    store_size(st, &total, &index) == -1) {
		service_reply(c, "The store could not be read: %s",
		    store_error(st));
		return;
	}
	service_reply(c, "Sessions: %u (max-clients %lld); links: %llu",
	    session_count(), conf.max_clients, counters.links);
	service_reply(c, "Upstream %s: %d of %d accounts logged in; %u chat "
	    "users online", conf.upstream, n.up, n.accounts, presence_count());
	service_reply(c, "Store %s: %lld KiB, %lld messages, search index "
	    "%lld KiB", store_shown(conf.db, shown, sizeof shown),
	    total / 1024, msgs, index >= 0 ? index / 1024 : 0);
}

static void
service_server_notice(struct service_ctx *c)
{
	struct service_list	l = { c, 0, 0 };

	log_info("s%u: service: %s sent a server notice: %s", c->s->id,
	    c->account, log_escape(c->rest, strlen(c->rest)));
	session_foreach(service_notice_one, &l);
	service_reply(c, "Notice sent to %d client%s", l.n, l.n == 1 ? "" :
	    "s");
}

static void
service_notice_one(struct session *s, void *arg)
{
	struct service_list	*l = arg;

	if (!(s->flags & SESSION_REGISTERED) || (s->flags & SESSION_DEAD))
		return;
	irc_send_raw(s, ":%s!service@%s NOTICE %s :[notice from %s] %s",
	    SERVICE_NICK, conf.server_name, s->nick, l->c->account,
	    l->c->rest);
	l->n++;
}
