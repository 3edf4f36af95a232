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
 * Printable form of network text for a log line: control bytes and
 * backslashes escaped, cut at 200 bytes. A static buffer: one per line.
 */
const char *
log_escape(const char *s, size_t len)
{
	static char	 buf[4 * 200 + 8];
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < len && i < 200; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			o += (size_t)snprintf(buf + o, sizeof buf - o,
			    "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "...");
	buf[o] = '\0';
	return buf;
}
