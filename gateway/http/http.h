/*
 * The HTTP side: another transport of the IRC side. --http-listen and
 * --https-listen serve the web client (static files) at / and IRCv3
 * WebSocket at /socket, each WebSocket a session like any TCP one;
 * --metrics-listen serves Prometheus text at /metrics.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "irc/session.h"

#define HTTP_HEADER_MAX		8192	/* request line and fields */
#define HTTP_TARGET_MAX		1024
#define HTTP_FIELD_MAX		512	/* one kept field's value */

/* What the gateway reads of a request (http_req.c, no I/O). */
struct http_req {
	char	method[16];
	char	target[HTTP_TARGET_MAX];
	int	minor;				/* HTTP/1.minor */
	char	host[HTTP_FIELD_MAX];
	char	origin[HTTP_FIELD_MAX];
	char	upgrade[HTTP_FIELD_MAX];
	char	connection[HTTP_FIELD_MAX];
	char	ws_key[HTTP_FIELD_MAX];
	char	ws_version[HTTP_FIELD_MAX];
	char	ws_protocol[HTTP_FIELD_MAX];	/* all, comma-joined */
};

enum http_parse {
	HTTP_PARSE_OK,
	HTTP_PARSE_MORE,	/* no blank line yet */
	HTTP_PARSE_BAD,		/* 400, with why */
	HTTP_PARSE_TOO_BIG	/* 431 */
};

enum http_parse	 http_req_parse(struct http_req *, const char *, size_t,
		    size_t *, const char **);
int		 http_token_has(const char *, const char *);
int		 http_path(const char *, char *, size_t);
int		 http_origin_host(const char *, char *, size_t);
int		 http_host_only(const char *, char *, size_t);

/* http.c */
int		 http_check(void);
int		 http_start(void);
void		 http_stop(void);
void		 http_free(void);

/* http_conn.c: one HTTP client until its request is answered. */
struct http_conn;
typedef void	 http_route_fn(struct http_conn *, const struct http_req *,
		    void *);
struct http_conn *http_conn_new(struct bufferevent *, const char *,
		    http_route_fn *, void *);
unsigned	 http_conn_count(void);
void		 http_conn_free_all(void);
struct bufferevent *http_conn_take(struct http_conn *);
const char	*http_conn_host(struct http_conn *);
void		 http_conn_head(struct http_conn *, int, const char *,
		    size_t, const char *);
void		 http_conn_body(struct http_conn *, const void *, size_t);
void		 http_conn_done(struct http_conn *);
void		 http_conn_reply(struct http_conn *, int, const char *,
		    const char *, const char *, size_t);
void		 http_conn_refuse(struct http_conn *, int, const char *);
void		 http_conn_free(struct http_conn *);

/* http_file.c, http_metrics.c, http_ws.c: the three answers. */
void		 http_file_serve(struct http_conn *, const char *);
int		 http_file_init(void);
void		 http_file_free(void);
void		 http_metrics_serve(struct http_conn *);
void		 http_ws_upgrade(struct http_conn *,
		    const struct http_req *);
void		 http_ws_close_all(void);
size_t		 http_ws_utf8_fix(const char *, size_t, char *, size_t);

#endif
