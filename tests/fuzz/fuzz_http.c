/*
 * Fuzz the HTTP side's parsers (gateway/http/http_req.c): the request
 * head in one piece and cut at an offset the input picks, the path
 * decoder, the Origin and Host readers, and the UTF-8 repair of text
 * WebSocket messages. Whatever the bytes: no crash, every field within
 * its bound and terminated, a cut head parses as the whole one, a
 * decoded path never holds a "." or ".." segment, repaired text is
 * valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "utf8.h"

#define FUZZ_CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_req(const struct http_req *);
static void	check_path(const char *);

static void
check_req(const struct http_req *r)
{
	FUZZ_CHECK(memchr(r->method, '\0', sizeof r->method) != NULL);
	FUZZ_CHECK(memchr(r->target, '\0', sizeof r->target) != NULL);
	FUZZ_CHECK(memchr(r->host, '\0', sizeof r->host) != NULL);
	FUZZ_CHECK(memchr(r->origin, '\0', sizeof r->origin) != NULL);
	FUZZ_CHECK(memchr(r->ws_protocol, '\0', sizeof r->ws_protocol));
	FUZZ_CHECK(strchr(r->target, ' ') == NULL);
}

static void
check_path(const char *target)
{
	char	path[HTTP_TARGET_MAX], host[HTTP_FIELD_MAX];

	if (http_path(target, path, sizeof path) == 0) {
		FUZZ_CHECK(path[0] == '/');
		FUZZ_CHECK(strstr(path, "/../") == NULL);
		FUZZ_CHECK(strstr(path, "/./") == NULL);
		FUZZ_CHECK(strchr(path, '\\') == NULL);
		FUZZ_CHECK(strlen(path) < 3 ||
		    strcmp(path + strlen(path) - 3, "/..") != 0);
	}
	if (http_origin_host(target, host, sizeof host) == 0)
		FUZZ_CHECK(strlen(host) < sizeof host && host[0] != '\0');
	if (http_host_only(target, host, sizeof host) == 0)
		FUZZ_CHECK(strlen(host) < sizeof host);
	(void)http_token_has(target, "websocket");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_req	 whole, part;
	static char		 fixed[3 * 20000 + 8];
	enum http_parse		 rw, rp;
	const char		*why;
	size_t			 used = 0, used2 = 0, cut, n;
	char			*s;

	if (size > 20000)
		return 0;
	rw = http_req_parse(&whole, (const char *)data, size, &used, &why);
	check_req(&whole);
	if (rw == HTTP_PARSE_OK) {
		FUZZ_CHECK(used <= size && used <= HTTP_HEADER_MAX);
		check_path(whole.target);
	}
	if (rw == HTTP_PARSE_BAD || rw == HTTP_PARSE_TOO_BIG)
		FUZZ_CHECK(why != NULL);
	/* the same head read as it arrives: a prefix never says more */
	cut = size > 0 ? data[0] % (size + 1) : 0;
	rp = http_req_parse(&part, (const char *)data, cut, &used2, &why);
	if (rp == HTTP_PARSE_OK && rw == HTTP_PARSE_OK)
		FUZZ_CHECK(used2 == used &&
		    strcmp(part.target, whole.target) == 0);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	check_path(s);
	free(s);
	n = http_ws_utf8_fix((const char *)data, size, fixed, sizeof fixed);
	FUZZ_CHECK(n <= sizeof fixed && utf8_valid(fixed, n));
	return 0;
}
