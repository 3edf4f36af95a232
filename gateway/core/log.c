/*
 * Logging to stderr (stdout carries only the "listening on" line), and
 * log_escape() so that network text cannot drive a terminal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "utf8.h"

static int	log_debug_on;

static void	log_vwrite(const char *, const char *, va_list, int)
		    __attribute__((format(printf, 2, 0)));

/* 1 when debug lines are written: hot paths test it before escaping. */
int
log_debugging(void)
{
	return log_debug_on;
}

/* Start logging; debug lines only when asked for. */
void
log_init(int debug)
{
	log_debug_on = debug;
}

static void
log_vwrite(const char *level, const char *fmt, va_list ap, int err)
{
	char		 when[32];
	struct tm	 tm;
	time_t		 now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s chatircd %s: ", when, level);
	vfprintf(stderr, fmt, ap);
	if (err != 0)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

/* A warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	err = errno;

	va_start(ap, fmt);
	log_vwrite("warning", fmt, ap, err);
	va_end(ap);
	errno = err;
}

/* A warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("warning", fmt, ap, 0);
	va_end(ap);
}

/* An event worth a line in normal operation. */
void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("info", fmt, ap, 0);
	va_end(ap);
}

/* Only with -d. */
void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite("debug", fmt, ap, 0);
	va_end(ap);
}

/* Log with strerror(errno) and exit 1. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	err = errno;

	va_start(ap, fmt);
	log_vwrite("fatal", fmt, ap, err);
	va_end(ap);
	exit(1);
}

/* Log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("fatal", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/*
 * Printable form of network text for a log line, cut at 200 bytes. A
 * static buffer: one per line. Kept: printable ASCII and valid UTF-8
 * other than U+0080..U+009F. As \xNN: C0 controls, DEL, the backslash,
 * C1 controls in both encodings (a raw 0x9b, the 8-bit CSI, and C2 9B)
 * and every byte of invalid UTF-8, so nothing a peer sends can drive
 * the terminal or journal that shows the log.
 */
const char *
log_escape(const char *s, size_t len)
{
	static char	 buf[4 * 200 + 8];
	size_t		 i = 0, k, n, o = 0, clen;
	unsigned char	 c;

	n = len > 200 ? utf8_cut(s, len, 200) : len;
	while (i < n) {
		c = (unsigned char)s[i];
		clen = c >= 0x80 ? utf8_char_len(s + i, n - i) : 1;
		if (clen > 1 && !(c == 0xc2 &&
		    (unsigned char)s[i + 1] < 0xa0)) {
			memcpy(buf + o, s + i, clen);	/* valid, not C1 */
			o += clen;
		} else if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			for (k = 0; k < clen; k++)
				o += (size_t)snprintf(buf + o, sizeof buf - o,
				    "\\x%02x", (unsigned char)s[i + k]);
		i += clen;
	}
	if (n < len)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "...");
	buf[o] = '\0';
	return buf;
}
