/*
 * The built-in users: echobot sends every message straight back; delaybot
 * sends it back twice, each line written in two pieces with a pause
 * between them, so that clients meet lines split across reads.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <utlist.h>

#include "chatd.h"

/* delaybot's answer to one message: two lines, three writes. */
struct bot_job {
	struct client	*to;		/* holds a reference */
	char		*buf;		/* both lines */
	size_t		 len;
	size_t		 cut[2];	/* the middles of line 1 and line 2 */
	size_t		 off;		/* bytes written so far */
	int		 step;		/* next piece: 0, 1, 2 */
	struct event	*ev;
	struct bot_job	*prev, *next;
};

static struct bot_job	*bot_jobs;

static void	bots_echo(struct client *, struct client *, const char *,
		    size_t);
static void	bots_delay(struct client *, struct client *, const char *,
		    size_t);
static void	bots_job_run(evutil_socket_t, short, void *);
static void	bots_job_free(struct bot_job *);

/* Log in echobot and delaybot. */
void
bots_start(void)
{
	if (client_new_bot("echobot", bots_echo) == NULL ||
	    client_new_bot("delaybot", bots_delay) == NULL)
		chatd_log(0, "cannot start the bots");
}

/* Drop delaybot's unfinished answers; the bots are freed with the rest. */
void
bots_shutdown(void)
{
	struct bot_job	*j, *tmp;

	DL_FOREACH_SAFE(bot_jobs, j, tmp)
		bots_job_free(j);
}

static void
bots_echo(struct client *bot, struct client *from, const char *text,
    size_t len)
{
	client_send(from, CHAT_DELIVERY, bot->name, text, len);
}

/* SEND-OK is out already: answer twice, in three writes. */
static void
bots_delay(struct client *bot, struct client *from, const char *text,
    size_t len)
{
	struct bot_job	*j;
	size_t		 cap = len + CHAT_NAME_MAX + 32, n;

	if (client_queued(from) + 2 * cap > chatd_conf.sendq_max) {
		client_close(from, 0, "sendq exceeded (delaybot)");
		return;
	}
	if ((j = calloc(1, sizeof *j)) == NULL ||
	    (j->buf = malloc(2 * cap)) == NULL ||
	    (j->ev = evtimer_new(chatd_base, bots_job_run, j)) == NULL)
		goto fail;
	n = chat_build(j->buf, cap, CHAT_DELIVERY, bot->name, text, len);
	if (n >= cap)
		goto fail;
	memcpy(j->buf + n, j->buf, n);
	j->len = 2 * n;
	j->cut[0] = n / 2;
	j->cut[1] = n + n / 2;
	j->to = from;
	client_ref(from);
	from->bot_bytes += j->len;
	DL_APPEND(bot_jobs, j);
	bots_job_run(-1, 0, j);
	return;
fail:
	if (j != NULL) {
		if (j->ev != NULL)
			event_free(j->ev);
		free(j->buf);
		free(j);
	}
	chatd_log(0, "delaybot: out of memory");
}

static void
bots_job_run(evutil_socket_t fd, short what, void *arg)
{
	struct bot_job	*j = arg;
	struct timeval	 tv;
	size_t		 end;
	int		 r;

	(void)fd;
	(void)what;
	tv.tv_sec = chatd_conf.delaybot_pause_ms / 1000;
	tv.tv_usec = (chatd_conf.delaybot_pause_ms % 1000) * 1000;
	end = j->step < 2 ? j->cut[j->step] : j->len;
	/* Counted in client_queued() as bot_bytes until written. */
	j->to->bot_bytes -= end - j->off;
	r = client_piece(j->to, j, j->buf + j->off, end - j->off);
	if (r == 1) {
		/* another answer's line is unfinished: wait for it */
		j->to->bot_bytes += end - j->off;
		evtimer_add(j->ev, &tv);
		return;
	}
	j->off = end;
	if (r == -1 || ++j->step == 3)
		bots_job_free(j);
	else
		evtimer_add(j->ev, &tv);
}

static void
bots_job_free(struct bot_job *j)
{
	DL_DELETE(bot_jobs, j);
	j->to->bot_bytes -= j->len - j->off;
	/* A client that stopped sending waited only for these answers. */
	if ((j->to->flags & CLIENT_EOF) && j->to->bot_bytes == 0)
		client_close(j->to, 1, "connection closed by peer");
	client_unref(j->to);
	event_free(j->ev);
	free(j->buf);
	free(j);
}
