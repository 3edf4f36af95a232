/*
 * The HTTP/1.1 request head (RFC 9112), parsed from a bounded buffer
 * with no I/O: the request line and the few fields the gateway reads.
 * Everything else is skipped; a malformed head is refused with a reason.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

struct http_field {
	const char	*name;
	size_t		 off;
	int		 join;		/* repeated: comma-joined */
};

#define F(n, f, j)	{ n, offsetof(struct http_req, f), j }
static const struct http_field http_fields[] = {
	F("Connection", connection, 1),
	F("Host", host, 0),
	F("Origin", origin, 0),
	F("Sec-WebSocket-Key", ws_key, 0),
	F("Sec-WebSocket-Protocol", ws_protocol, 1),
	F("Sec-WebSocket-Version", ws_version, 0),
	F("Upgrade", upgrade, 1),
};
#undef F

static const char *http_req_line(struct http_req *, const char *,
		    size_t);
static const char *http_req_field(struct http_req *, const char *,
		    size_t, unsigned char *);
static int	 http_tchar(int);
static int	 http_hex(int);

/* RFC 9110 5.6.2: token characters. */
static int
http_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* "GET /target HTTP/1.1"; NULL or why not. */
static const char *
http_req_line(struct http_req *r, const char *p, size_t len)
{
	const char	*sp1, *sp2, *end = p + len;
	size_t		 n;

	if ((sp1 = memchr(p, ' ', len)) == NULL)
		return "no request target";
	n = (size_t)(sp1 - p);
	if (n == 0 || n >= sizeof r->method)
		return "bad method";
	for (size_t i = 0; i < n; i++)
		if (!http_tchar((unsigned char)p[i]))
			return "bad method";
	memcpy(r->method, p, n);
	r->method[n] = '\0';
	if ((sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1))) == NULL)
		return "no HTTP version";
	n = (size_t)(sp2 - sp1 - 1);
	if (n == 0)
		return "empty request target";
	if (n >= sizeof r->target)
		return "request target too long";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)sp1[1 + i] <= ' ' ||
		    (unsigned char)sp1[1 + i] >= 0x7f)
			return "bad character in the request target";
	memcpy(r->target, sp1 + 1, n);
	r->target[n] = '\0';
	if (end - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)sp2[8]))
		return "not HTTP/1.x";
	r->minor = sp2[8] - '0';
	return NULL;
}

/* "Name: value"; a field the gateway keeps is stored. */
static const char *
http_req_field(struct http_req *r, const char *p, size_t len,
    unsigned char *seen)
{
	const char	*colon, *v, *e;
	char		*dst;
	size_t		 n, i, have;

	if (len > 0 && (p[0] == ' ' || p[0] == '\t'))
		return "folded header line";
	if ((colon = memchr(p, ':', len)) == NULL || colon == p)
		return "header line without a name";
	for (i = 0; p + i < colon; i++)
		if (!http_tchar((unsigned char)p[i]))
			return "bad header name";
	for (v = colon + 1, e = p + len; v < e && (*v == ' ' || *v == '\t');
	    v++)
		;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (i = 0; v + i < e; i++)
		if (((unsigned char)v[i] < ' ' && v[i] != '\t') ||
		    v[i] == 0x7f)
			return "control character in a header";
	n = (size_t)(colon - p);
	for (i = 0; i < sizeof http_fields / sizeof http_fields[0]; i++) {
		if (strlen(http_fields[i].name) != n ||
		    strncasecmp(http_fields[i].name, p, n) != 0)
			continue;
		dst = (char *)r + http_fields[i].off;
		if (seen[i] && !http_fields[i].join)
			return "repeated header";
		have = strlen(dst);
		if (have + 2 + (size_t)(e - v) >= HTTP_FIELD_MAX)
			return "header value too long";
		if (seen[i]) {
			memcpy(dst + have, ", ", 2);
			have += 2;
		}
		memcpy(dst + have, v, (size_t)(e - v));
		dst[have + (size_t)(e - v)] = '\0';
		seen[i] = 1;
	}
	return NULL;
}

/*
 * The head in buf[0..len): HTTP_PARSE_OK with *used its bytes (blank
 * line included), MORE while incomplete, BAD or TOO_BIG with *why.
 * Lines end in CR LF or a bare LF (RFC 9112 2.2).
 */
enum http_parse
http_req_parse(struct http_req *r, const char *buf, size_t len,
    size_t *used, const char **why)
{
	unsigned char	 seen[sizeof http_fields / sizeof http_fields[0]];
	const char	*p = buf, *nl, *end;
	size_t		 llen;
	int		 first = 1;

	memset(r, 0, sizeof *r);
	memset(seen, 0, sizeof seen);
	*why = NULL;
	end = buf + (len > HTTP_HEADER_MAX ? HTTP_HEADER_MAX : len);
	/* RFC 9112 2.2: ignore empty lines before the request line */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		llen = (size_t)(nl - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (memchr(p, '\r', llen) != NULL || memchr(p, '\0', llen))
			*why = "stray CR or NUL in the head";
		else if (llen == 0 && !first) {
			*used = (size_t)(nl + 1 - buf);
			if (r->minor >= 1 && r->host[0] == '\0')
				*why = "no Host header";
			return *why == NULL ? HTTP_PARSE_OK : HTTP_PARSE_BAD;
		} else if (first)
			*why = http_req_line(r, p, llen);
		else
			*why = http_req_field(r, p, llen, seen);
		if (*why != NULL)
			return HTTP_PARSE_BAD;
		first = 0;
		p = nl + 1;
	}
	if (len >= HTTP_HEADER_MAX) {
		*why = "request head too large";
		return HTTP_PARSE_TOO_BIG;
	}
	return HTTP_PARSE_MORE;
}

/* Does the comma-separated list hold token (case-insensitive)? */
int
http_token_has(const char *list, const char *token)
{
	size_t		 n = strlen(token), m;
	const char	*p = list;

	while (*p != '\0') {
		p += strspn(p, " \t,");
		m = strcspn(p, ",");
		while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		if (m == n && strncasecmp(p, token, n) == 0)
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

static int
http_hex(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The target's path, percent-decoded, without its query: -1 if it is
 * not absolute, holds NUL, a backslash, or a "." or ".." segment.
 */
int
http_path(const char *target, char *out, size_t size)
{
	size_t	i, o = 0;
	int	hi, lo, c;

	if (target[0] != '/')
		return -1;
	for (i = 0; target[i] != '\0' && target[i] != '?' &&
	    target[i] != '#'; i++) {
		c = (unsigned char)target[i];
		if (c == '%') {
			if ((hi = http_hex((unsigned char)target[i + 1])) < 0 ||
			    (lo = http_hex((unsigned char)target[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == '\0' || c == '\\' || o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	/* no "." or ".." segment, however it was spelled */
	for (i = 0; i < o; i++)
		if (out[i] == '/' && out[i + 1] == '.' && (out[i + 2] == '/' ||
		    out[i + 2] == '\0' || (out[i + 2] == '.' &&
		    (out[i + 3] == '/' || out[i + 3] == '\0'))))
			return -1;
	return 0;
}

/* "host[:port]" or "[v6]:port" without the port, lower-cased. */
int
http_host_only(const char *hp, char *out, size_t size)
{
	const char	*e;
	size_t		 n, i;

	if (hp[0] == '[') {
		if ((e = strchr(hp, ']')) == NULL)
			return -1;
		e++;
	} else
		e = hp + strcspn(hp, ":");
	n = (size_t)(e - hp);
	if (n == 0 || n >= size)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)hp[i]);
	out[n] = '\0';
	return 0;
}

/* An Origin's host (RFC 6454: scheme "://" host [":" port]). */
int
http_origin_host(const char *origin, char *out, size_t size)
{
	const char	*p = strstr(origin, "://");

	if (p == NULL || p[3] == '\0')
		return -1;
	return http_host_only(p + 3, out, size);
}
