/*
 * chathistory: CHATHISTORY parameters to a typed request, checked against
 * IRCv3 extensions/chathistory.md, and server-time timestamps both ways.
 * Pure functions; the store runs the request, the IRC side sends FAIL.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chathistory.h"

#define MS_PER_DAY	86400000LL
#define YEAR_MIN	1970
#define YEAR_MAX	9999
#define LIMIT_DIGITS	9	/* a limit past 999999999 is malformed */

struct chathistory_sub {
	const char		*name;
	enum chathistory_cmd	 cmd;
	int			 argc;	/* the subcommand included */
};

/* argc with the subcommand: "LATEST target * 10", "TARGETS a b 10" */
static const struct chathistory_sub chathistory_subs[] = {
	{ "LATEST",	CHATHISTORY_LATEST,	4 },
	{ "BEFORE",	CHATHISTORY_BEFORE,	4 },
	{ "AFTER",	CHATHISTORY_AFTER,	4 },
	{ "AROUND",	CHATHISTORY_AROUND,	4 },
	{ "BETWEEN",	CHATHISTORY_BETWEEN,	5 },
	{ "TARGETS",	CHATHISTORY_TARGETS,	4 },
};

static const char *const chathistory_texts[] = {
	[CHATHISTORY_OK] = "OK",
	[CHATHISTORY_ERR_UNKNOWN_COMMAND] = "Unknown command",
	[CHATHISTORY_ERR_NEED_MORE_PARAMS] = "Insufficient parameters",
	[CHATHISTORY_ERR_TOO_MANY_PARAMS] = "Too many parameters",
	[CHATHISTORY_ERR_BAD_TARGET] = "Messages could not be retrieved",
	[CHATHISTORY_ERR_BAD_TIMESTAMP] = "Invalid timestamp",
	[CHATHISTORY_ERR_BAD_MSGID] = "Invalid msgid",
	[CHATHISTORY_ERR_BAD_SELECTOR] = "Invalid message selector",
	[CHATHISTORY_ERR_BAD_REFTYPE] = "Unsupported message reference type",
	[CHATHISTORY_ERR_BAD_LIMIT] = "Invalid limit",
};

static const int chathistory_mdays[12] = {
	31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
};

static const struct chathistory_sub *chathistory_sub_find(const char *);
static enum chathistory_err chathistory_bound(const char *, int,
		    struct chathistory_bound *);
static enum chathistory_err chathistory_limit(const char *, int, int *);
static int	chathistory_digits(const char *, size_t, int *);
static int	chathistory_leap(int);
static long long chathistory_days(int, int, int);
static int	chathistory_target_ok(const char *);
static void	chathistory_put(char *, long long, int);

static const struct chathistory_sub *
chathistory_sub_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof chathistory_subs / sizeof chathistory_subs[0];
	    i++)
		if (strcasecmp(name, chathistory_subs[i].name) == 0)
			return &chathistory_subs[i];
	return NULL;
}

/* A target is one IRC parameter: not empty, bounded, no space or control. */
static int
chathistory_target_ok(const char *t)
{
	size_t	i, n = strnlen(t, CHATHISTORY_TARGET_MAX + 1);

	if (n == 0 || n > CHATHISTORY_TARGET_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] <= ' ' || t[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * One selector: "*" when star_ok, "msgid=N" (N a positive integer without
 * leading zeros, since we issue no other kind), "timestamp=T".
 */
static enum chathistory_err
chathistory_bound(const char *s, int star_ok, struct chathistory_bound *b)
{
	const char	*eq = strchr(s, '=');
	size_t		 i, n;
	long long	 v = 0;

	if (star_ok && strcmp(s, "*") == 0) {
		b->ref = CHATHISTORY_REF_NONE;
		b->value = 0;
		return CHATHISTORY_OK;
	}
	if (eq == NULL || eq == s)
		return CHATHISTORY_ERR_BAD_SELECTOR;
	if (strncmp(s, "timestamp=", 10) == 0) {
		b->ref = CHATHISTORY_REF_TIME;
		if (chathistory_time_parse(s + 10, &b->value) == -1)
			return CHATHISTORY_ERR_BAD_TIMESTAMP;
		return CHATHISTORY_OK;
	}
	if (strncmp(s, "msgid=", 6) != 0)
		return CHATHISTORY_ERR_BAD_REFTYPE;
	s += 6;
	n = strnlen(s, CHATHISTORY_MSGID_MAX);
	if (n == 0 || n >= CHATHISTORY_MSGID_MAX || s[0] == '0')
		return CHATHISTORY_ERR_BAD_MSGID;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (0x7fffffffffffffffLL - (s[i] - '0')) / 10)
			return CHATHISTORY_ERR_BAD_MSGID;
		v = v * 10 + (s[i] - '0');
	}
	b->ref = CHATHISTORY_REF_MSGID;
	b->value = v;
	return CHATHISTORY_OK;
}

/* A positive decimal limit; above max it becomes max. */
static enum chathistory_err
chathistory_limit(const char *s, int max, int *limit)
{
	size_t	n = strnlen(s, LIMIT_DIGITS + 1);
	int	v;

	if (n == 0 || n > LIMIT_DIGITS || chathistory_digits(s, n, &v) == -1 ||
	    s[n] != '\0' || v < 1)
		return CHATHISTORY_ERR_BAD_LIMIT;
	if (max < 1)
		max = 1;
	*limit = v > max ? max : v;
	return CHATHISTORY_OK;
}

/* Parse a CHATHISTORY command's parameters. */
enum chathistory_err
chathistory_parse(int argc, char *const argv[], int max_limit,
    struct chathistory_req *req, int *bad)
{
	const struct chathistory_sub	*sub;
	enum chathistory_err		 e;
	int				 i = 1;

	memset(req, 0, sizeof *req);
	*bad = -1;
	if (argc < 1)
		return CHATHISTORY_ERR_NEED_MORE_PARAMS;
	if ((sub = chathistory_sub_find(argv[0])) == NULL) {
		*bad = 0;
		return CHATHISTORY_ERR_UNKNOWN_COMMAND;
	}
	req->cmd = sub->cmd;
	if (argc < sub->argc)
		return CHATHISTORY_ERR_NEED_MORE_PARAMS;
	if (argc > sub->argc)
		return CHATHISTORY_ERR_TOO_MANY_PARAMS;
	if (sub->cmd != CHATHISTORY_TARGETS) {
		if (!chathistory_target_ok(argv[i])) {
			*bad = i;
			return CHATHISTORY_ERR_BAD_TARGET;
		}
		req->target = argv[i++];
	}
	*bad = i;
	e = chathistory_bound(argv[i++], sub->cmd == CHATHISTORY_LATEST,
	    &req->a);
	if (e == CHATHISTORY_OK && (sub->cmd == CHATHISTORY_BETWEEN ||
	    sub->cmd == CHATHISTORY_TARGETS)) {
		*bad = i;
		e = chathistory_bound(argv[i++], 0, &req->b);
	}
	if (e == CHATHISTORY_OK && sub->cmd == CHATHISTORY_TARGETS &&
	    (req->a.ref != CHATHISTORY_REF_TIME ||
	    req->b.ref != CHATHISTORY_REF_TIME)) {
		*bad = req->a.ref != CHATHISTORY_REF_TIME ? 1 : 2;
		e = CHATHISTORY_ERR_BAD_TIMESTAMP;	/* spec: MUST */
	}
	if (e != CHATHISTORY_OK)
		return e;
	*bad = i;
	if ((e = chathistory_limit(argv[i], max_limit, &req->limit)) !=
	    CHATHISTORY_OK)
		return e;
	*bad = -1;
	return CHATHISTORY_OK;
}

/* The standard-replies code for a parse failure. */
const char *
chathistory_err_code(enum chathistory_err e)
{
	if (e == CHATHISTORY_ERR_BAD_TARGET)
		return "INVALID_TARGET";
	if (e == CHATHISTORY_ERR_BAD_REFTYPE)
		return "INVALID_MSGREFTYPE";
	return "INVALID_PARAMS";
}

/* The description for a parse failure. */
const char *
chathistory_err_text(enum chathistory_err e)
{
	if ((size_t)e >= sizeof chathistory_texts / sizeof chathistory_texts[0])
		return "Invalid parameters";
	return chathistory_texts[e];
}

/* The subcommand's name. */
const char *
chathistory_cmd_name(enum chathistory_cmd cmd)
{
	size_t	i;

	for (i = 0; i < sizeof chathistory_subs / sizeof chathistory_subs[0];
	    i++)
		if (chathistory_subs[i].cmd == cmd)
			return chathistory_subs[i].name;
	return "?";
}

/* n decimal digits at s into *v; -1 on anything else. n <= 9. */
static int
chathistory_digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

static int
chathistory_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (Gregorian; y >= 1970, m 1..12). */
static long long
chathistory_days(int y, int m, int d)
{
	long long	days;
	int		p = y - 1, i;

	/* leap years in [1970, y): those up to y-1 minus those up to 1969 */
	days = 365LL * (y - 1970) + (p / 4 - p / 100 + p / 400) -
	    (1969 / 4 - 1969 / 100 + 1969 / 400);
	for (i = 1; i < m; i++)
		days += chathistory_mdays[i - 1] +
		    (i == 2 && chathistory_leap(y));
	return days + d - 1;
}

/* server-time text to ms since the epoch. */
int
chathistory_time_parse(const char *s, long long *ms)
{
	static const char	 shape[] = "dddd-dd-ddTdd:dd:dd";
	int			 y, mo, d, h, mi, sec, frac = 0, nfrac = 0;
	size_t			 i;

	for (i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') :
		    s[i] != shape[i])
			return -1;
	(void)chathistory_digits(s, 4, &y);
	(void)chathistory_digits(s + 5, 2, &mo);
	(void)chathistory_digits(s + 8, 2, &d);
	(void)chathistory_digits(s + 11, 2, &h);
	(void)chathistory_digits(s + 14, 2, &mi);
	(void)chathistory_digits(s + 17, 2, &sec);
	s += sizeof shape - 1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (*s - '0');
		if (nfrac == 0 || nfrac > 9)
			return -1;
		for (i = (size_t)nfrac; i < 3; i++)
			frac *= 10;
	}
	if (strcmp(s, "Z") != 0 || y < YEAR_MIN || y > YEAR_MAX ||
	    mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 ||
	    d > chathistory_mdays[mo - 1] + (mo == 2 && chathistory_leap(y)))
		return -1;
	*ms = chathistory_days(y, mo, d) * MS_PER_DAY +
	    ((h * 60LL + mi) * 60 + sec) * 1000 + frac;
	return 0;
}

/* ms since the epoch to server-time text. */
int
chathistory_time_format(long long ms, char *buf, size_t size)
{
	long long	days, rem;
	int		y, m = 1;

	if (ms < 0 || ms >= chathistory_days(YEAR_MAX + 1, 1, 1) * MS_PER_DAY ||
	    size < CHATHISTORY_TIME_SIZE)
		return -1;
	days = ms / MS_PER_DAY;
	rem = ms % MS_PER_DAY;
	y = YEAR_MIN + (int)(days / 366);	/* never past the answer */
	while (chathistory_days(y + 1, 1, 1) <= days)
		y++;
	days -= chathistory_days(y, 1, 1);
	while (days >= chathistory_mdays[m - 1] + (m == 2 &&
	    chathistory_leap(y))) {
		days -= chathistory_mdays[m - 1] + (m == 2 &&
		    chathistory_leap(y));
		m++;
	}
	/* YYYY-MM-DDThh:mm:ss.sssZ, without printf (every line shown) */
	chathistory_put(buf, y, 4);
	buf[4] = '-';
	chathistory_put(buf + 5, m, 2);
	buf[7] = '-';
	chathistory_put(buf + 8, days + 1, 2);
	buf[10] = 'T';
	chathistory_put(buf + 11, rem / 3600000, 2);
	buf[13] = ':';
	chathistory_put(buf + 14, rem / 60000 % 60, 2);
	buf[16] = ':';
	chathistory_put(buf + 17, rem / 1000 % 60, 2);
	buf[19] = '.';
	chathistory_put(buf + 20, rem % 1000, 3);
	buf[23] = 'Z';
	buf[CHATHISTORY_TIME_LEN] = '\0';
	return 0;
}

/* v (0 <= v < 10^n) as n decimal digits, leading zeros. */
static void
chathistory_put(char *p, long long v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}
