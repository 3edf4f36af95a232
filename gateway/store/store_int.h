/*
 * store_int: what store.c (names, msgids, password hashes, errors) and a
 * backend (sqlite.c, sqlite_msg.c) share. Nobody else includes it.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sodium.h>

#include "store.h"

#define STORE_ERR_MAX	256
#define STORE_ID_NONE	(1LL << 60)	/* past any msgid we issue */

/*
 * Every backend's struct store starts with this, so store.c works on any
 * of them without knowing the rest.
 */
struct store_common {
	char		 err[STORE_ERR_MAX];
	char		 dummy[crypto_pwhash_STRBYTES];	/* unknown names */
};

/* Set the error text; returns -1. */
int		 store_fail(struct store *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* 1 if s is a valid account or peer name; a client name. */
int		 store_name_ok(const char *);
int		 store_client_ok(const char *);

/* A msgid we issued (a decimal row id) to its number; -1 if it is not. */
int		 store_msgid_parse(const char *s, long long *id);

/* argon2id of password into out (crypto_pwhash_STRBYTES): 0 or -1. */
int		 store_hash(struct store *, const char *password, char *out,
		    size_t size);
/* The stand-in hash for an unknown name, into buf: 0 or -1. */
int		 store_dummy_hash(struct store *, char *buf);
/* Check password against the stand-in (what a wrong one costs). */
void		 store_check_dummy(struct store *, const char *password,
		    size_t n);

#endif
