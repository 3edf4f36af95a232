/*
 * chathistory: the parameters of the IRCv3 draft/chathistory command
 * (extensions/chathistory.md) parsed into a typed request, and the
 * server-time timestamp format both ways. No I/O: the caller sends the
 * FAIL line and asks the store.
 */
#ifndef CHATHISTORY_H
#define CHATHISTORY_H

#include <stddef.h>

#define CHATHISTORY_TIME_LEN	24	/* YYYY-MM-DDThh:mm:ss.sssZ */
#define CHATHISTORY_TIME_SIZE	(CHATHISTORY_TIME_LEN + 1)
#define CHATHISTORY_MSGID_MAX	20	/* digits of a positive int64 */
#define CHATHISTORY_TARGET_MAX	128	/* longer ones are refused */

enum chathistory_cmd {
	CHATHISTORY_LATEST,
	CHATHISTORY_BEFORE,
	CHATHISTORY_AFTER,
	CHATHISTORY_AROUND,
	CHATHISTORY_BETWEEN,
	CHATHISTORY_TARGETS
};

enum chathistory_ref {
	CHATHISTORY_REF_NONE,	/* "*" (LATEST only) */
	CHATHISTORY_REF_MSGID,	/* msgid=N: ours are positive integers */
	CHATHISTORY_REF_TIME	/* timestamp=...: ms since the epoch */
};

struct chathistory_bound {
	enum chathistory_ref	 ref;
	long long		 value;	/* msgid, or time in ms */
};

struct chathistory_req {
	enum chathistory_cmd	 cmd;
	const char		*target;	/* argv's; NULL for TARGETS */
	struct chathistory_bound a;	/* the first selector */
	struct chathistory_bound b;	/* BETWEEN and TARGETS: the second */
	int			 limit;	/* 1..the caller's maximum */
};

/* Why a command was refused: the FAIL code and its description. */
enum chathistory_err {
	CHATHISTORY_OK = 0,
	CHATHISTORY_ERR_UNKNOWN_COMMAND,	/* INVALID_PARAMS */
	CHATHISTORY_ERR_NEED_MORE_PARAMS,	/* INVALID_PARAMS */
	CHATHISTORY_ERR_TOO_MANY_PARAMS,	/* INVALID_PARAMS */
	CHATHISTORY_ERR_BAD_TARGET,		/* INVALID_TARGET */
	CHATHISTORY_ERR_BAD_TIMESTAMP,		/* INVALID_PARAMS */
	CHATHISTORY_ERR_BAD_MSGID,		/* INVALID_PARAMS */
	CHATHISTORY_ERR_BAD_SELECTOR,		/* INVALID_PARAMS */
	CHATHISTORY_ERR_BAD_REFTYPE,		/* INVALID_MSGREFTYPE */
	CHATHISTORY_ERR_BAD_LIMIT		/* INVALID_PARAMS */
};

/*
 * Parse argv[0..argc) (the parameters after CHATHISTORY: subcommand, then
 * the rest). A limit above max_limit is lowered to it (the spec lets the
 * server cap it; ISUPPORT CHATHISTORY=max_limit). On failure returns the
 * reason and sets *bad to the index of the offending parameter (-1 when
 * none is to blame, as for missing parameters). req->target points into
 * argv.
 */
enum chathistory_err chathistory_parse(int argc, char *const argv[],
	    int max_limit, struct chathistory_req *req, int *bad);

/* "INVALID_PARAMS", "INVALID_TARGET" or "INVALID_MSGREFTYPE". */
const char	*chathistory_err_code(enum chathistory_err);

/* The human part of the FAIL line, e.g. "Unknown command". */
const char	*chathistory_err_text(enum chathistory_err);

/* The subcommand's name as the spec spells it. */
const char	*chathistory_cmd_name(enum chathistory_cmd);

/*
 * "YYYY-MM-DDThh:mm:ss.sssZ" (1..9 fraction digits, or none) to ms since
 * the epoch, years 1970..9999. Returns 0, or -1 if malformed.
 */
int	chathistory_time_parse(const char *s, long long *ms);

/* ms since the epoch to "YYYY-MM-DDThh:mm:ss.sssZ"; -1 if out of range. */
int	chathistory_time_format(long long ms, char *buf, size_t size);

#endif
