/*
 * Fuzz the CHATHISTORY parameter parser and the timestamp codec. Input:
 * a byte for the server's limit, then parameters separated by spaces.
 * Checks what a caller relies on: a parsed request is complete and in
 * range, a refusal names a parameter that exists, and every timestamp
 * that parses formats back to the same instant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define FUZZ_CHECK(x)	do { if (!(x)) abort(); } while (0)
#define FUZZ_ARGS	8
#define FUZZ_INPUT_MAX	4096

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_time(const char *);
static void	check_req(const struct chathistory_req *, int, char **, int);
static void	check_bound(const struct chathistory_bound *, int);

/* A timestamp that parses formats to text that parses to the same ms. */
static void
check_time(const char *s)
{
	char		buf[CHATHISTORY_TIME_SIZE];
	long long	ms, again;

	if (chathistory_time_parse(s, &ms) == -1)
		return;
	FUZZ_CHECK(ms >= 0);
	FUZZ_CHECK(chathistory_time_format(ms, buf, sizeof buf) == 0);
	FUZZ_CHECK(strlen(buf) == CHATHISTORY_TIME_LEN);
	FUZZ_CHECK(chathistory_time_parse(buf, &again) == 0 && again == ms);
}

static void
check_bound(const struct chathistory_bound *b, int star_ok)
{
	char	buf[CHATHISTORY_TIME_SIZE];

	if (b->ref == CHATHISTORY_REF_NONE)
		FUZZ_CHECK(star_ok);
	else if (b->ref == CHATHISTORY_REF_MSGID)
		FUZZ_CHECK(b->value > 0);
	else
		FUZZ_CHECK(chathistory_time_format(b->value, buf,
		    sizeof buf) == 0);
}

static void
check_req(const struct chathistory_req *req, int argc, char **argv, int max)
{
	FUZZ_CHECK(req->limit >= 1 && req->limit <= max);
	FUZZ_CHECK(chathistory_cmd_name(req->cmd)[0] != '?');
	if (req->cmd == CHATHISTORY_TARGETS) {
		FUZZ_CHECK(req->target == NULL && argc == 4);
		FUZZ_CHECK(req->a.ref == CHATHISTORY_REF_TIME &&
		    req->b.ref == CHATHISTORY_REF_TIME);
	} else {
		FUZZ_CHECK(req->target == argv[1] && *req->target != '\0');
		FUZZ_CHECK(strlen(req->target) <= CHATHISTORY_TARGET_MAX);
	}
	check_bound(&req->a, req->cmd == CHATHISTORY_LATEST);
	if (req->cmd == CHATHISTORY_BETWEEN)
		check_bound(&req->b, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 *copy, *argv[FUZZ_ARGS + 1], *p;
	struct chathistory_req	 req;
	enum chathistory_err	 e;
	int			 argc = 0, bad, max, i;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	max = data[0];			/* 0 too: the parser makes it 1 */
	copy = malloc(size);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (p = strtok(copy, " "); p != NULL && argc < FUZZ_ARGS + 1;
	    p = strtok(NULL, " "))
		argv[argc++] = p;
	for (i = 0; i < argc; i++) {
		check_time(argv[i]);
		if (strncmp(argv[i], "timestamp=", 10) == 0)
			check_time(argv[i] + 10);
	}
	e = chathistory_parse(argc, argv, max, &req, &bad);
	if (e == CHATHISTORY_OK)
		check_req(&req, argc, argv, max < 1 ? 1 : max);
	else {
		FUZZ_CHECK(bad >= -1 && bad < argc);
		FUZZ_CHECK(chathistory_err_code(e) != NULL);
		FUZZ_CHECK(chathistory_err_text(e) != NULL);
	}
	free(copy);
	return 0;
}
