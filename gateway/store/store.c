/*
 * store: what the store does the same on any database (the backends,
 * sqlite*.c and postgres*.c, call it; backend.c picks one; search.c
 * too): the error text, the rules for names, client names and msgids,
 * and the argon2id password hashes (libsodium). No SQL here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chat.h"
#include "store_int.h"

_Static_assert(STORE_HASH_SIZE >= crypto_pwhash_STRBYTES, "hash buffer");

static int	store_pwhash_min;

static struct store_common *store_c(struct store *);

/* What every backend's struct store starts with. */
static struct store_common *
store_c(struct store *st)
{
	return (struct store_common *)(void *)st;
}

/* The last failure's text. */
const char *
store_error(const struct store *st)
{
	return ((const struct store_common *)(const void *)st)->err;
}

/* Tests only: libsodium's minimum argon2id cost for new hashes. */
void
store_pwhash_weak(int on)
{
	store_pwhash_min = on;
}

/* Set the error text and return -1. */
int
store_fail(struct store *st, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(store_c(st)->err, sizeof store_c(st)->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Account and peer names: the chat protocol's rule. */
int
store_name_ok(const char *s)
{
	return s != NULL && chat_name_valid(s, strnlen(s, STORE_NAME_MAX + 1),
	    STORE_NAME_MAX);
}

/* Client names: 1..STORE_CLIENT_MAX of [A-Za-z0-9._-]. */
int
store_client_ok(const char *s)
{
	size_t	i, n = strnlen(s, STORE_CLIENT_MAX + 1);

	if (n == 0 || n > STORE_CLIENT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Our msgids: a row id in decimal, no sign, no leading zero. */
int
store_msgid_parse(const char *s, long long *id)
{
	size_t		i, n = strnlen(s, CHATHISTORY_MSGID_MAX);
	long long	v = 0;

	if (n == 0 || n >= CHATHISTORY_MSGID_MAX || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (STORE_ID_NONE - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*id = v;
	return 0;
}

/* argon2id through libsodium; the cost is stored in the hash string. */
int
store_hash(struct store *st, const char *password, char *out, size_t size)
{
	size_t	n = strnlen(password, STORE_PASS_MAX + 1);

	if (n == 0 || n > STORE_PASS_MAX)
		return store_fail(st, "password must be 1..%d bytes",
		    STORE_PASS_MAX);
	if (size < crypto_pwhash_STRBYTES ||
	    crypto_pwhash_str(out, password, n, store_pwhash_min ?
	    crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    store_pwhash_min ? crypto_pwhash_MEMLIMIT_MIN :
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return store_fail(st, "password hashing failed (memory?)");
	return 0;
}

/*
 * An unknown name costs what a wrong password costs, so the time of a
 * refusal does not tell which names exist.
 */
void
store_check_dummy(struct store *st, const char *password, size_t n)
{
	if (store_c(st)->dummy[0] == '\0' &&
	    store_hash(st, "chatircd", store_c(st)->dummy,
	    sizeof store_c(st)->dummy) == -1)
		return;
	if (n > 0 && n <= STORE_PASS_MAX &&
	    crypto_pwhash_str_verify(store_c(st)->dummy, password, n) == 0)
		return;			/* "chatircd" itself: no matter */
}

/*
 * 1 if password matches hash (from store_user_hash). Touches no store,
 * so any thread may call it; it takes the hash's cost (argon2id).
 */
int
store_hash_verify(const char *hash, const char *password)
{
	size_t	n = strnlen(password, STORE_PASS_MAX + 1);

	return n > 0 && n <= STORE_PASS_MAX &&
	    crypto_pwhash_str_verify(hash, password, n) == 0;
}

/* Our msgids from their row ids: buf holds STORE_MSGID_SIZE. */
void
store_msgid_format(char *buf, long long id)
{
	char	tmp[24];
	size_t	n = 0;

	if (id < 0)
		id = 0;
	do
		tmp[n++] = (char)('0' + id % 10);
	while ((id /= 10) > 0 && n < sizeof tmp);
	while (n > 0)
		*buf++ = tmp[--n];
	*buf = '\0';
}

/* The stand-in hash for names that do not exist (made once): 0 or -1. */
int
store_dummy_hash(struct store *st, char *buf)
{
	struct store_common	*c = store_c(st);

	if (c->dummy[0] == '\0' &&
	    store_hash(st, "chatircd", c->dummy, sizeof c->dummy) == -1)
		return -1;
	memcpy(buf, c->dummy, crypto_pwhash_STRBYTES);
	return 0;
}

/* "ACC PEER" into key (sizeof a memo's key; peer is store_name_ok()). */
static void
store_memo_key(char *key, long long acc, const char *peer)
{
	size_t	n;

	store_msgid_format(key, acc);
	n = strlen(key);
	key[n++] = ' ';
	memcpy(key + n, peer, strlen(peer) + 1);
}

static void
store_memo_put(struct store_memo_entry **head, const char *key,
    long long id, long long last_ms)
{
	struct store_memo_entry	*e;

	if ((e = calloc(1, sizeof *e)) == NULL)
		return;			/* only a lookup again next time */
	snprintf(e->key, sizeof e->key, "%s", key);
	e->id = id;
	e->last_ms = last_ms;
	HASH_ADD_STR(*head, key, e);
}

int
store_memo_account(struct store_memo *m, const char *name, long long *id)
{
	struct store_memo_entry	*e;

	HASH_FIND_STR(m->accts, name, e);
	if (e == NULL)
		return 0;
	*id = e->id;
	return 1;
}

void
store_memo_account_put(struct store_memo *m, const char *name, long long id)
{
	if (strlen(name) < sizeof m->accts->key)
		store_memo_put(&m->accts, name, id, 0);
}

int
store_memo_conv(struct store_memo *m, long long acc, const char *peer,
    long long time_ms, long long *conv)
{
	struct store_memo_entry	*e;
	char			 key[sizeof e->key];

	store_memo_key(key, acc, peer);
	HASH_FIND_STR(m->convs, key, e);
	if (e == NULL)
		return 0;
	if (time_ms > e->last_ms) {
		e->last_ms = time_ms;
		e->dirty = 1;
	}
	*conv = e->id;
	return 1;
}

void
store_memo_conv_put(struct store_memo *m, long long acc, const char *peer,
    long long time_ms, long long conv)
{
	char	key[sizeof m->convs->key];

	store_memo_key(key, acc, peer);
	store_memo_put(&m->convs, key, conv, time_ms);
}

int
store_memo_dirty(struct store_memo *m, int (*fn)(void *, long long,
    long long), void *ctx)
{
	struct store_memo_entry	*e, *tmp;

	HASH_ITER(hh, m->convs, e, tmp)
		if (e->dirty && fn(ctx, e->id, e->last_ms) == -1)
			return -1;
	return 0;
}

void
store_memo_clear(struct store_memo *m)
{
	struct store_memo_entry	*e, *tmp;

	HASH_ITER(hh, m->convs, e, tmp) {
		HASH_DEL(m->convs, e);
		free(e);
	}
	HASH_ITER(hh, m->accts, e, tmp) {
		HASH_DEL(m->accts, e);
		free(e);
	}
}
