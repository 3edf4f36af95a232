/*
 * Who may register: the gateway password of --password-file, read once
 * at start and kept only as its SHA-256, so that every comparison takes
 * the same time whatever the lengths. What PASS carries is the login's.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/core.h"

#define AUTH_LINE_MAX	512	/* a PASS parameter cannot be longer */

static unsigned char	 pass_md[EVP_MAX_MD_SIZE];
static unsigned		 pass_md_len;

static int	auth_digest(const char *, size_t, unsigned char *,
		    unsigned *);

static int
auth_digest(const char *data, size_t len, unsigned char *md, unsigned *mdlen)
{
	return EVP_Digest(data, len, md, mdlen, EVP_sha256(), NULL) == 1 ?
	    0 : -1;
}

/*
 * Does every client have to prove who it is? The one place that says so,
 * for the listeners: a gateway password, or the bouncer's accounts (--db)
 * unless anonymous clients are let in too. A non-loopback listener needs
 * this (or --insecure-listen).
 */
int
auth_configured(void)
{
	return conf.password_file != NULL ||
	    (conf.db != NULL && !conf.allow_anonymous);
}

/* Read --password-file's first line; -1 after saying why. */
int
auth_init(void)
{
	FILE	*f;
	char	 line[AUTH_LINE_MAX + 2];
	size_t	 len;

	if (conf.password_file == NULL)
		return 0;
	if ((f = fopen(conf.password_file, "r")) == NULL) {
		log_warn("password-file %s", conf.password_file);
		return -1;
	}
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	fclose(f);
	len = strcspn(line, "\r\n");
	if (len == 0 || len > AUTH_LINE_MAX) {
		log_warnx("password-file %s: the first line must be a "
		    "password of 1 to %d bytes", conf.password_file,
		    AUTH_LINE_MAX);
		explicit_bzero(line, sizeof line);
		return -1;
	}
	line[len] = '\0';
	if (auth_digest(line, len, pass_md, &pass_md_len) == -1) {
		explicit_bzero(line, sizeof line);
		log_warnx("password-file: SHA-256 unavailable");
		return -1;
	}
	explicit_bzero(line, sizeof line);
	log_info("password-file %s: clients must send PASS",
	    conf.password_file);
	return 0;
}

/* Forget the password. */
void
auth_free(void)
{
	explicit_bzero(pass_md, sizeof pass_md);
	pass_md_len = 0;
}

/* Is this the gateway password? In constant time (digests compared). */
int
auth_password_ok(const char *given)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned	mdlen = 0;

	if (pass_md_len == 0 ||
	    auth_digest(given, strlen(given), md, &mdlen) == -1 ||
	    mdlen != pass_md_len)
		return 0;
	return CRYPTO_memcmp(md, pass_md, mdlen) == 0;
}
