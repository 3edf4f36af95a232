/*
 * The web client's static files: from http-root, or the installed
 * share/chatircd/web (the source tree's web/ when run from a build).
 * Only regular files under the root (no "..", no symlink out of it),
 * each with its MIME type and a strict Content-Security-Policy.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/http.h"

#define HTTP_FILE_MAX	(4 * 1024 * 1024)	/* one file's bytes */

/* No inline script or style; the page talks to its own host only. */
#define HTTP_CSP	"Content-Security-Policy: default-src 'none'; " \
	"script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; " \
	"form-action 'none'; frame-ancestors 'none'\r\n" \
	"Referrer-Policy: no-referrer\r\n"

static const struct {
	const char	*ext;
	const char	*type;
} http_mime[] = {
	{ "css",	"text/css; charset=utf-8" },
	{ "html",	"text/html; charset=utf-8" },
	{ "ico",	"image/x-icon" },
	{ "js",		"text/javascript; charset=utf-8" },
	{ "json",	"application/json" },
	{ "png",	"image/png" },
	{ "svg",	"image/svg+xml" },
	{ "txt",	"text/plain; charset=utf-8" },
	{ "webmanifest", "application/manifest+json" },
	{ "woff2",	"font/woff2" },
};

static char	*http_root;		/* realpath() of the root */

static const char *http_file_type(const char *);
static int	 http_file_read(int, size_t, char **);

/* Find the root: -1 after saying why there is none. */
int
http_file_init(void)
{
	const char	*want = conf.http_root;
	struct stat	 st;

	if (want == NULL)
		want = stat(CHATIRCD_WEB_DIR, &st) == 0 ? CHATIRCD_WEB_DIR :
		    CHATIRCD_SOURCE_WEB;
	free(http_root);
	if ((http_root = realpath(want, NULL)) == NULL ||
	    stat(http_root, &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_warnx("http-root %s: %s", want, http_root == NULL ?
		    strerror(errno) : "not a directory");
		free(http_root);
		http_root = NULL;
		return -1;
	}
	log_info("http: web client from %s", http_root);
	return 0;
}

void
http_file_free(void)
{
	free(http_root);
	http_root = NULL;
}

static const char *
http_file_type(const char *path)
{
	const char	*dot = strrchr(path, '.');
	size_t		 i;

	if (dot != NULL && strchr(dot, '/') == NULL)
		for (i = 0; i < sizeof http_mime / sizeof http_mime[0]; i++)
			if (strcasecmp(dot + 1, http_mime[i].ext) == 0)
				return http_mime[i].type;
	return "application/octet-stream";
}

static int
http_file_read(int fd, size_t len, char **out)
{
	size_t	got = 0;
	ssize_t	n;

	*out = xmalloc(len + 1);
	while (got < len) {
		n = read(fd, *out + got, len - got);
		if (n <= 0) {
			free(*out);
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

/* Answer GET path (decoded, checked by http_path()). */
void
http_file_serve(struct http_conn *c, const char *path)
{
	char		 want[PATH_MAX], *real = NULL, *body = NULL;
	size_t		 rlen;
	struct stat	 st;
	int		 fd = -1, n;

	n = snprintf(want, sizeof want, "%s%s%s", http_root, path,
	    path[strlen(path) - 1] == '/' ? "index.html" : "");
	if (n < 0 || (size_t)n >= sizeof want ||
	    (real = realpath(want, NULL)) == NULL)
		goto missing;
	rlen = strlen(http_root);
	/* the file, symlinks resolved, is still under the root */
	if (strncmp(real, http_root, rlen) != 0 || real[rlen] != '/' ||
	    (fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto missing;
	if (st.st_size > HTTP_FILE_MAX ||
	    http_file_read(fd, (size_t)st.st_size, &body) == -1) {
		log_warnx("http: %s: cannot serve (%lld bytes)", real,
		    (long long)st.st_size);
		http_conn_refuse(c, 503, "cannot read that file");
		goto out;
	}
	log_debug("http %s: 200 %s", http_conn_host(c), path);
	http_conn_head(c, 200, http_file_type(real), (size_t)st.st_size,
	    HTTP_CSP);
	http_conn_body(c, body, (size_t)st.st_size);
	http_conn_done(c);
	goto out;
missing:
	http_conn_refuse(c, 404, "no such file");
out:
	if (fd != -1)
		close(fd);
	free(body);
	free(real);
}
