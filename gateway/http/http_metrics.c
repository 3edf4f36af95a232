/*
 * /metrics: the Prometheus text format (version 0.0.4), each figure with
 * its HELP and TYPE lines, read from core's counters and the session
 * table; nothing is computed on the message path.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "http/http.h"


static void	http_metrics_one(struct evbuffer *, const char *,
		    const char *, const char *, unsigned long long);

static void
http_metrics_one(struct evbuffer *out, const char *name, const char *type,
    const char *help, unsigned long long v)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
	    name, help, name, type, name, v);
}

/* Answer GET /metrics. */
void
http_metrics_serve(struct http_conn *c)
{
	struct evbuffer	*out = evbuffer_new();
	unsigned	 users, max;
	size_t		 len;

	users = session_users(&max);
	http_metrics_one(out, "chatircd_sessions", "gauge",
	    "IRC sessions connected (TCP, TLS and WebSocket)",
	    session_count());
	http_metrics_one(out, "chatircd_websocket_sessions", "gauge",
	    "IRC sessions over WebSocket", counters.ws_sessions);
	http_metrics_one(out, "chatircd_users", "gauge",
	    "registered IRC sessions", users);
	http_metrics_one(out, "chatircd_links", "gauge",
	    "chat identities (one per logged-in user or account)",
	    counters.links);
	http_metrics_one(out, "chatircd_upstream_connections", "gauge",
	    "connections to the chat server", counters.upstreams);
	http_metrics_one(out, "chatircd_messages_sent_total", "counter",
	    "messages the chat server confirmed (SEND-OK)",
	    counters.messages_sent);
	http_metrics_one(out, "chatircd_messages_delivered_total", "counter",
	    "messages the chat server delivered (DELIVERY)",
	    counters.messages_delivered);
	http_metrics_one(out, "chatircd_upstream_errors_total", "counter",
	    "chat server connections lost or failed",
	    counters.upstream_errors);
	http_metrics_one(out, "chatircd_store_writes_total", "counter",
	    "messages written to the bouncer's store", counters.store_writes);
	http_metrics_one(out, "chatircd_sendq_closes_total", "counter",
	    "IRC clients closed past sendq-max", counters.sendq_closes);
	http_metrics_one(out, "chatircd_http_requests_total", "counter",
	    "HTTP requests read (files, WebSocket upgrades, metrics)",
	    counters.http_requests);
	len = evbuffer_get_length(out);
	http_conn_head(c, 200, "text/plain; version=0.0.4; charset=utf-8",
	    len, NULL);
	http_conn_body(c, evbuffer_pullup(out, -1), len);
	http_conn_done(c);
	evbuffer_free(out);
}
