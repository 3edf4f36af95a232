/*
 * store: schema creation, mode and migrations, accounts, every
 * chathistory subcommand with its bounds and limits, TARGETS, playback
 * per client and per account, read markers, purge in batches, the
 * CHATHISTORY parameter parser, timestamps and the account CLI.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/sqlite_int.h"

#define ROWS_MAX	64
#define SEC		1000LL

struct fixture {
	char		 dir[64];
	char		 path[96];
	struct store	*st;
};

struct rows {
	int		 n;
	long long	 id[ROWS_MAX];
	long long	 time_ms[ROWS_MAX];
	char		 peer[ROWS_MAX][STORE_NAME_MAX + 1];
	char		 text[ROWS_MAX][32];
	enum store_dir	 dir[ROWS_MAX];
};

static int	setup(void **);
static int	teardown(void **);
static void	collect(void *, const struct store_msg *);
static void	collect_target(void *, const char *, long long);
static long long sql_int(const char *, const char *);
static void	sql_exec(const char *, const char *);
static void	add(struct store *, const char *, enum store_dir,
		    const char *, const char *, long long, long long *);
static int	history(struct store *, const char *, const char *,
		    struct rows *);
static int	search(struct store *, const char *, const char *,
		    struct rows *);
static void	expect_ids(const struct rows *, const long long *,
		    const long long *, int);

/* A fresh directory per test; the store opened inside it. */
static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);
	char		 err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/bouncer.db", f->dir);
	store_pwhash_weak(1);
	f->st = store_open(f->path, err, sizeof err);
	if (f->st == NULL)
		print_error("%s\n", err);
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[128];

	static const char *const ext[] = { "-wal", "-shm", "-search",
	    "-search-wal", "-search-shm" };
	size_t		 i;

	store_close(f->st);
	unlink(f->path);
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, ext[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
collect(void *ctx, const struct store_msg *m)
{
	struct rows	*r = ctx;

	assert_true(r->n < ROWS_MAX);
	r->id[r->n] = strtoll(m->msgid, NULL, 10);
	r->time_ms[r->n] = m->time_ms;
	r->dir[r->n] = m->dir;
	snprintf(r->peer[r->n], sizeof r->peer[0], "%s", m->peer);
	assert_true(m->text_len < sizeof r->text[0]);
	memcpy(r->text[r->n], m->text, m->text_len);
	r->text[r->n][m->text_len] = '\0';
	if (r->n > 0)			/* ascending, whatever the query */
		assert_true(r->id[r->n - 1] < r->id[r->n]);
	r->n++;
}

static void
collect_target(void *ctx, const char *peer, long long last_ms)
{
	struct rows	*r = ctx;

	assert_true(r->n < ROWS_MAX);
	snprintf(r->peer[r->n], sizeof r->peer[0], "%s", peer);
	r->time_ms[r->n] = last_ms;
	if (r->n > 0)
		assert_true(r->time_ms[r->n - 1] <= last_ms);
	r->n++;
}

/* One number from the database behind the store's back. */
static long long
sql_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*s;
	long long	 v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void
sql_exec(const char *path, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
add(struct store *st, const char *acc, enum store_dir dir, const char *peer,
    const char *text, long long t, long long *id)
{
	struct store_stamp	stamp;

	assert_int_equal(store_msg_add(st, acc, dir, peer, text, strlen(text),
	    t, &stamp), 0);
	assert_int_equal(stamp.time_ms, t);
	if (id != NULL)
		*id = strtoll(stamp.msgid, NULL, 10);
}

/* Parse "SUB target a [b] limit" (max 50) and run it for acc. */
static int
history(struct store *st, const char *acc, const char *cmd, struct rows *r)
{
	char			 buf[256], *argv[8], *p;
	struct chathistory_req	 req;
	int			 argc = 0, bad;

	snprintf(buf, sizeof buf, "%s", cmd);
	for (p = strtok(buf, " "); p != NULL && argc < 8;
	    p = strtok(NULL, " "))
		argv[argc++] = p;
	assert_int_equal(chathistory_parse(argc, argv, 50, &req, &bad),
	    CHATHISTORY_OK);
	memset(r, 0, sizeof *r);
	if (req.cmd == CHATHISTORY_TARGETS)
		return store_targets(st, acc, &req, collect_target, r);
	return store_history(st, acc, &req, collect, r);
}

/* The rows are exactly want[0..n) as indexes into ids. */
static void
expect_ids(const struct rows *r, const long long *ids, const long long *want,
    int n)
{
	int	i;

	assert_int_equal(r->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(r->id[i], ids[want[i]]);
}

static void
test_create(void **state)
{
	struct fixture	*f = *state;
	struct stat	 sb;

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    STORE_VERSION);
	assert_int_equal(sql_int(f->path,
	    "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = "
	    "'wal'"), 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM sqlite_schema"
	    " WHERE name IN ('account', 'msg', 'conv', 'client', 'marker')"),
	    5);
}

/* An existing empty file (version 0) with a loose mode: fixed, created. */
static void
test_mode_fixed(void **state)
{
	char		 dir[] = "/tmp/test_store.XXXXXX", path[64];
	char		 err[256];
	struct store	*st;
	struct stat	 sb;
	int		 fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/db", dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0644)) != -1);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_non_null(st = store_open(path, err, sizeof err));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	store_close(st);
	/* reopening an up-to-date file changes nothing */
	assert_non_null(st = store_open(path, err, sizeof err));
	store_close(st);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), STORE_VERSION);
	unlink(path);
	rmdir(dir);
}

/* The v1 schema as it shipped: a fixture, not the code's own SQL. */
static const char v1_schema[] =
	"CREATE TABLE account (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL UNIQUE, chat_name TEXT NOT NULL,"
	" pwhash TEXT NOT NULL, created_ms INTEGER NOT NULL);"
	"CREATE TABLE conv (id INTEGER PRIMARY KEY, account INTEGER NOT NULL"
	" REFERENCES account (id) ON DELETE CASCADE, peer TEXT NOT NULL,"
	" last_ms INTEGER NOT NULL, UNIQUE (account, peer));"
	"CREATE INDEX conv_last ON conv (account, last_ms);"
	"CREATE TABLE msg (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" account INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,"
	" conv INTEGER NOT NULL REFERENCES conv (id) ON DELETE CASCADE,"
	" dir INTEGER NOT NULL CHECK (dir IN (0, 1)),"
	" time_ms INTEGER NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX msg_conv ON msg (conv, id);"
	"CREATE INDEX msg_account ON msg (account, id);"
	"CREATE INDEX msg_time ON msg (time_ms);"
	"CREATE TABLE client (account INTEGER NOT NULL REFERENCES account (id)"
	" ON DELETE CASCADE, name TEXT NOT NULL, seen INTEGER NOT NULL,"
	" PRIMARY KEY (account, name)) WITHOUT ROWID;"
	"PRAGMA user_version = 1;";

static void
test_migrate_v1(void **state)
{
	struct fixture	*f = *state;
	char		 hash[crypto_pwhash_STRBYTES], sql[512], err[256];
	struct rows	 r;
	long long	 t;

	store_close(f->st);
	f->st = NULL;
	unlink(f->path);
	sql_exec(f->path, v1_schema);
	assert_int_equal(crypto_pwhash_str(hash, "pw", 2,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	snprintf(sql, sizeof sql, "INSERT INTO account VALUES (1, 'alice',"
	    " 'alice', '%s', 0); INSERT INTO conv VALUES (1, 1, 'bob', 5000);"
	    " INSERT INTO msg VALUES (1, 1, 1, 0, 5000, 'old hi');"
	    " INSERT INTO msg VALUES (3, 1, 1, 1, 5500, 'old yo');"
	    /* the newest ids were purged: the next is still past them */
	    " UPDATE sqlite_sequence SET seq = 7 WHERE name = 'msg';", hash);
	sql_exec(f->path, sql);
	assert_non_null(f->st = store_open(f->path, err, sizeof err));
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    STORE_VERSION);
	assert_int_equal(store_user_check(f->st, "alice", "pw"),
	    STORE_CHECK_OK);
	/* v4: not admin; what was stored before is in the search index */
	assert_int_equal(store_user_admin(f->st, "alice"), 0);
	assert_int_equal(search(f->st, "alice", "text=hi", &r), 1);
	assert_int_equal(search(f->st, "alice", "text=yo", &r), 1);
	assert_int_equal(history(f->st, "alice", "LATEST bob * 10", &r), 2);
	assert_string_equal(r.text[0], "old hi");
	assert_int_equal(r.id[1], 3);
	assert_int_equal(store_marker_set(f->st, "alice", "bob", 5000, &t), 1);
	/* v5: no msg.account, its index gone with it */
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM"
	    " pragma_table_info('msg') WHERE name = 'account'"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM sqlite_master"
	    " WHERE name = 'msg_account'"), 0);
	/* new messages follow the old ones in time and msgid, never reuse */
	add(f->st, "alice", STORE_OUT, "bob", "new", 6000, &t);
	assert_int_equal(t, 8);
	assert_int_equal(search(f->st, "alice", "text=new", &r), 1);
	/* v9: the old rows one run, the new one a run of its own */
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg_run"
	    " WHERE conv = 1 AND lo = 1 AND hi = 3"), 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg_run"), 2);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM sqlite_master"
	    " WHERE name = 'msg_conv'"), 0);
	/* a deleted old message leaves the search index (its trigger) */
	sql_exec(f->path, "DELETE FROM msg WHERE id = 1");
	assert_int_equal(search(f->st, "alice", "text=hi", &r), 0);
}

/*
 * Schema 9: a write's rows of one conversation are one run of msg_run,
 * grown by the next write that goes on with it; history crosses runs;
 * a deleted account takes its rows and runs along.
 */
static void
test_runs(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	struct rows	 r;
	char		 cmd[64];
	long long	 id[9];
	int		 i;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_batch_begin(st), 0);
	for (i = 1; i <= 7; i++)
		add(st, "alice", STORE_IN, i == 4 || i == 5 ? "carol" : "bob",
		    "x", i * SEC, &id[i]);
	assert_int_equal(store_batch_end(st), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg_run"), 3);
	add(st, "alice", STORE_OUT, "bob", "y", 8 * SEC, &id[8]);
	assert_int_equal(id[8], id[7] + 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg_run"), 3);
	snprintf(cmd, sizeof cmd, "SELECT lo FROM msg_run WHERE hi = %lld",
	    id[8]);
	assert_int_equal(sql_int(f->path, cmd), id[6]);
	assert_int_equal(history(st, "alice", "LATEST bob * 10", &r), 6);
	assert_int_equal(r.id[2], id[3]);
	assert_int_equal(r.id[3], id[6]);
	assert_string_equal(r.text[5], "y");
	snprintf(cmd, sizeof cmd, "AFTER bob msgid=%lld 2", id[2]);
	assert_int_equal(history(st, "alice", cmd, &r), 2);
	assert_int_equal(r.id[0], id[3]);
	assert_int_equal(r.id[1], id[6]);
	snprintf(cmd, sizeof cmd, "BEFORE bob msgid=%lld 2", id[6]);
	assert_int_equal(history(st, "alice", cmd, &r), 2);
	assert_int_equal(r.id[1], id[3]);
	assert_int_equal(history(st, "alice", "LATEST carol * 10", &r), 2);
	assert_int_equal(store_user_del(st, "alice"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg_run"), 0);
	/* ids are never given twice, also past deleted rows */
	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	add(st, "alice", STORE_IN, "bob", "z", 9 * SEC, &id[0]);
	assert_int_equal(id[0], id[8] + 1);
}

static void
test_refuse_newer(void **state)
{
	struct fixture	*f = *state;
	char		 err[256];

	store_close(f->st);
	sql_exec(f->path, "PRAGMA user_version = 99");
	f->st = store_open(f->path, err, sizeof err);
	assert_null(f->st);
	assert_non_null(strstr(err, "newer"));
	/* and it was left alone */
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"), 99);
	sql_exec(f->path, "PRAGMA journal_mode = DELETE");
	assert_null(store_open(f->path, err, sizeof err));
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM "
	    "pragma_journal_mode WHERE journal_mode = 'delete'"), 1);
}

static void
test_refuse_foreign(void **state)
{
	char		 dir[] = "/tmp/test_store.XXXXXX", path[64];
	char		 err[256];
	struct store	*st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/db", dir);
	sql_exec(path, "CREATE TABLE t (x)");
	st = store_open(path, err, sizeof err);
	assert_null(st);
	assert_non_null(strstr(err, "not a chatircd database"));
	assert_int_equal(sql_int(path, "SELECT count(*) FROM "
	    "pragma_journal_mode WHERE journal_mode = 'delete'"), 1);
	unlink(path);
	snprintf(path, sizeof path, "%s/nodir/db", dir);
	assert_null(store_open(path, err, sizeof err));
	rmdir(dir);
}

static void
list_cb(void *ctx, const char *name, const char *chat)
{
	char	*buf = ctx;
	size_t	 n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s=%s;", name, chat);
}

static void
test_users(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	char		 list[256] = "", chat[STORE_NAME_MAX + 1], big[600];

	assert_int_equal(store_user_add(st, "alice", "secret"), 0);
	assert_int_equal(store_user_add(st, "alice", "other"), -1);
	assert_string_equal(store_error(st), "user exists");
	assert_int_equal(store_user_add(st, "bad name", "x"), -1);
	assert_int_equal(store_user_add(st, "", "x"), -1);
	assert_int_equal(store_user_add(st, "bob", ""), -1);
	memset(big, 'p', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(store_user_add(st, "bob", big), -1);
	memset(big, 'n', 65);
	big[65] = '\0';
	assert_int_equal(store_user_add(st, big, "x"), -1);
	big[64] = '\0';
	assert_int_equal(store_user_add(st, big, "x"), 0);
	assert_int_equal(store_user_del(st, big), 0);
	assert_int_equal(store_user_add(st, "bob", "hunter2"), 0);

	assert_int_equal(store_user_check(st, "alice", "secret"),
	    STORE_CHECK_OK);
	assert_int_equal(store_user_check(st, "alice", "Secret"),
	    STORE_CHECK_BAD_PASSWORD);
	assert_int_equal(store_user_check(st, "alice", ""),
	    STORE_CHECK_BAD_PASSWORD);
	assert_int_equal(store_user_check(st, "carol", "secret"),
	    STORE_CHECK_NO_USER);

	assert_int_equal(store_user_passwd(st, "alice", "new"), 0);
	assert_int_equal(store_user_check(st, "alice", "secret"),
	    STORE_CHECK_BAD_PASSWORD);
	assert_int_equal(store_user_check(st, "alice", "new"),
	    STORE_CHECK_OK);
	assert_int_equal(store_user_passwd(st, "carol", "x"), -1);

	assert_int_equal(store_user_chat_name(st, "alice", chat, sizeof chat),
	    0);
	assert_string_equal(chat, "alice");
	assert_int_equal(store_user_set_chat_name(st, "alice", "Alice2"), 0);
	assert_int_equal(store_user_set_chat_name(st, "alice", "a b"), -1);
	assert_int_equal(store_user_set_chat_name(st, "carol", "c"), -1);
	assert_int_equal(store_user_chat_name(st, "alice", chat, 3), -1);
	assert_int_equal(store_user_list(st, list_cb, list), 0);
	assert_string_equal(list, "alice=Alice2;bob=bob;");

	assert_int_equal(store_user_del(st, "bob"), 0);
	assert_int_equal(store_user_del(st, "bob"), -1);
	assert_string_equal(store_error(st), "no such user");
	assert_int_equal(store_user_check(st, "bob", "hunter2"),
	    STORE_CHECK_NO_USER);
}

static void
test_msg_add(void **state)
{
	struct fixture		*f = *state;
	struct store		*st = f->st;
	struct store_stamp	 a, b;
	char			*big;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "bob", "hi", 2,
	    10 * SEC, &a), 0);
	assert_int_equal(store_msg_add(st, "alice", STORE_OUT, "bob", "yo", 2,
	    11 * SEC, &b), 0);
	assert_true(strtoll(a.msgid, NULL, 10) < strtoll(b.msgid, NULL, 10));
	/* the clock went back: the stored time does not */
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "bob", "z", 1,
	    5 * SEC, &b), 0);
	assert_int_equal(b.time_ms, 11 * SEC);
	assert_int_equal(store_msg_add(st, "nobody", STORE_IN, "bob", "x", 1,
	    0, NULL), -1);
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "b b", "x", 1,
	    0, NULL), -1);
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "bob", "", 0,
	    0, NULL), -1);
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "bob", "x", 1,
	    -1, NULL), -1);
	assert_non_null(big = calloc(1, STORE_TEXT_MAX + 1));
	memset(big, 'x', STORE_TEXT_MAX + 1);
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "bob", big,
	    STORE_TEXT_MAX + 1, 20 * SEC, NULL), -1);
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "bob", big,
	    STORE_TEXT_MAX, 20 * SEC, NULL), 0);
	free(big);
	/* deleting the account takes its messages */
	assert_int_equal(store_user_del(st, "alice"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM conv"), 0);
}

/*
 * alice <-> bob: ids[1..10] at 1..10 s, carol's messages in between;
 * bob's own account has a conversation with alice too.
 */
static void
history_fixture(struct store *st, long long *ids)
{
	char	text[16];
	int	i;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_user_add(st, "bob", "pw"), 0);
	ids[0] = 0;
	for (i = 1; i <= 10; i++) {
		snprintf(text, sizeof text, "m%d", i);
		add(st, "alice", i % 2 ? STORE_IN : STORE_OUT, "bob", text,
		    i * SEC, &ids[i]);
		add(st, "alice", STORE_IN, "carol", "c", i * SEC + 500, NULL);
		add(st, "bob", STORE_OUT, "alice", "b", i * SEC + 600, NULL);
	}
}

/* LATEST, BEFORE, AFTER */
static void
test_history_lba(void **state)
{
	struct fixture	*f = *state;
	long long	 ids[11];
	struct rows	 r;
	char		 cmd[128], ts[CHATHISTORY_TIME_SIZE];

	history_fixture(f->st, ids);
	assert_int_equal(history(f->st, "alice", "LATEST bob * 3", &r), 3);
	expect_ids(&r, ids, (const long long[]){ 8, 9, 10 }, 3);
	assert_string_equal(r.peer[0], "bob");
	assert_string_equal(r.text[2], "m10");
	assert_int_equal(r.dir[2], STORE_OUT);
	assert_int_equal(r.dir[1], STORE_IN);
	assert_int_equal(r.time_ms[2], 10 * SEC);
	assert_int_equal(history(f->st, "alice", "LATEST bob * 50", &r), 10);

	snprintf(cmd, sizeof cmd, "LATEST bob msgid=%lld 2", ids[7]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 2);
	expect_ids(&r, ids, (const long long[]){ 9, 10 }, 2);
	snprintf(cmd, sizeof cmd, "LATEST bob msgid=%lld 5", ids[7]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 3);
	/* timestamps exclude their own instant */
	chathistory_time_format(7 * SEC, ts, sizeof ts);
	snprintf(cmd, sizeof cmd, "LATEST bob timestamp=%s 5", ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 3);
	expect_ids(&r, ids, (const long long[]){ 8, 9, 10 }, 3);

	snprintf(cmd, sizeof cmd, "BEFORE bob msgid=%lld 2", ids[5]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 2);
	expect_ids(&r, ids, (const long long[]){ 3, 4 }, 2);
	chathistory_time_format(5 * SEC, ts, sizeof ts);
	snprintf(cmd, sizeof cmd, "BEFORE bob timestamp=%s 50", ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 4);
	expect_ids(&r, ids, (const long long[]){ 1, 2, 3, 4 }, 4);
	snprintf(cmd, sizeof cmd, "BEFORE bob msgid=%lld 5", ids[1]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 0);

	snprintf(cmd, sizeof cmd, "AFTER bob msgid=%lld 2", ids[5]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 2);
	expect_ids(&r, ids, (const long long[]){ 6, 7 }, 2);
	snprintf(cmd, sizeof cmd, "AFTER bob timestamp=%s 50", ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 5);
	expect_ids(&r, ids, (const long long[]){ 6, 7, 8, 9, 10 }, 5);
	/* between two instants: 5.2 s sits after m5, before m6 */
	chathistory_time_format(5 * SEC + 200, ts, sizeof ts);
	snprintf(cmd, sizeof cmd, "AFTER bob timestamp=%s 1", ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 1);
	expect_ids(&r, ids, (const long long[]){ 6 }, 1);
	snprintf(cmd, sizeof cmd, "BEFORE bob timestamp=%s 1", ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 1);
	expect_ids(&r, ids, (const long long[]){ 5 }, 1);
	/* past the end, before the start */
	assert_int_equal(history(f->st, "alice",
	    "AFTER bob timestamp=2030-01-01T00:00:00.000Z 5", &r), 0);
	assert_int_equal(history(f->st, "alice",
	    "BEFORE bob timestamp=2030-01-01T00:00:00.000Z 2", &r), 2);
	expect_ids(&r, ids, (const long long[]){ 9, 10 }, 2);
}

static void
test_history_around_between(void **state)
{
	struct fixture	*f = *state;
	long long	 ids[11];
	struct rows	 r;
	char		 cmd[160], ts[CHATHISTORY_TIME_SIZE];
	char		 ts2[CHATHISTORY_TIME_SIZE];

	history_fixture(f->st, ids);
	snprintf(cmd, sizeof cmd, "AROUND bob msgid=%lld 4", ids[5]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 4);
	expect_ids(&r, ids, (const long long[]){ 3, 4, 5, 6 }, 4);
	snprintf(cmd, sizeof cmd, "AROUND bob msgid=%lld 5", ids[5]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 5);
	expect_ids(&r, ids, (const long long[]){ 3, 4, 5, 6, 7 }, 5);
	snprintf(cmd, sizeof cmd, "AROUND bob msgid=%lld 1", ids[5]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 1);
	expect_ids(&r, ids, (const long long[]){ 5 }, 1);
	/* at the start the after side takes what the before side lacks */
	snprintf(cmd, sizeof cmd, "AROUND bob msgid=%lld 4", ids[1]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 4);
	expect_ids(&r, ids, (const long long[]){ 1, 2, 3, 4 }, 4);
	snprintf(cmd, sizeof cmd, "AROUND bob msgid=%lld 6", ids[10]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 4);
	expect_ids(&r, ids, (const long long[]){ 7, 8, 9, 10 }, 4);
	chathistory_time_format(5 * SEC, ts, sizeof ts);
	snprintf(cmd, sizeof cmd, "AROUND bob timestamp=%s 2", ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 2);
	expect_ids(&r, ids, (const long long[]){ 4, 5 }, 2);

	snprintf(cmd, sizeof cmd, "BETWEEN bob msgid=%lld msgid=%lld 3",
	    ids[2], ids[8]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 3);
	expect_ids(&r, ids, (const long long[]){ 3, 4, 5 }, 3);
	/* backwards: counted from the first selector, still ascending */
	snprintf(cmd, sizeof cmd, "BETWEEN bob msgid=%lld msgid=%lld 3",
	    ids[8], ids[2]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 3);
	expect_ids(&r, ids, (const long long[]){ 5, 6, 7 }, 3);
	snprintf(cmd, sizeof cmd, "BETWEEN bob msgid=%lld msgid=%lld 50",
	    ids[8], ids[2]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 5);
	expect_ids(&r, ids, (const long long[]){ 3, 4, 5, 6, 7 }, 5);
	chathistory_time_format(2 * SEC, ts, sizeof ts);
	chathistory_time_format(8 * SEC, ts2, sizeof ts2);
	snprintf(cmd, sizeof cmd, "BETWEEN bob timestamp=%s timestamp=%s 50",
	    ts, ts2);
	assert_int_equal(history(f->st, "alice", cmd, &r), 5);
	expect_ids(&r, ids, (const long long[]){ 3, 4, 5, 6, 7 }, 5);
	snprintf(cmd, sizeof cmd, "BETWEEN bob timestamp=%s timestamp=%s 2",
	    ts2, ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 2);
	expect_ids(&r, ids, (const long long[]){ 6, 7 }, 2);
	/* mixed kinds, both ways */
	chathistory_time_format(5 * SEC, ts, sizeof ts);
	snprintf(cmd, sizeof cmd, "BETWEEN bob msgid=%lld timestamp=%s 50",
	    ids[2], ts);
	assert_int_equal(history(f->st, "alice", cmd, &r), 2);
	expect_ids(&r, ids, (const long long[]){ 3, 4 }, 2);
	snprintf(cmd, sizeof cmd, "BETWEEN bob timestamp=%s msgid=%lld 50",
	    ts, ids[2]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 2);
	expect_ids(&r, ids, (const long long[]){ 3, 4 }, 2);
	/* msgids past any we issued are bounds like any other */
	assert_int_equal(history(f->st, "alice",
	    "BETWEEN bob msgid=9223372036854775807 msgid=1 2", &r), 2);
	expect_ids(&r, ids, (const long long[]){ 9, 10 }, 2);
	assert_int_equal(history(f->st, "alice",
	    "AROUND bob msgid=9223372036854775807 4", &r), 2);
	assert_int_equal(history(f->st, "alice",
	    "AFTER bob msgid=9223372036854775807 4", &r), 0);
	assert_int_equal(history(f->st, "alice",
	    "BEFORE bob msgid=9223372036854775807 1", &r), 1);
	snprintf(cmd, sizeof cmd, "BETWEEN bob msgid=%lld msgid=%lld 50",
	    ids[4], ids[4]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 0);
	snprintf(cmd, sizeof cmd, "BETWEEN bob msgid=%lld msgid=%lld 50",
	    ids[4], ids[5]);
	assert_int_equal(history(f->st, "alice", cmd, &r), 0);
}

static void
test_history_scope(void **state)
{
	struct fixture		*f = *state;
	struct chathistory_req	 req;
	long long		 ids[11];
	struct rows		 r;

	history_fixture(f->st, ids);
	assert_int_equal(history(f->st, "alice", "LATEST carol * 50", &r), 10);
	assert_int_equal(history(f->st, "alice", "LATEST dave * 50", &r), 0);
	assert_int_equal(history(f->st, "alice", "LATEST #chan * 50", &r), 0);
	assert_int_equal(history(f->st, "bob", "LATEST bob * 50", &r), 0);
	assert_int_equal(history(f->st, "bob", "LATEST alice * 50", &r), 10);
	assert_string_equal(r.text[0], "b");
	memset(&req, 0, sizeof req);
	req.cmd = CHATHISTORY_LATEST;
	req.target = "bob";
	req.limit = 5;
	assert_int_equal(store_history(f->st, "nobody", &req, collect, &r), -1);
	req.limit = STORE_LIMIT_MAX + 1;
	assert_int_equal(store_history(f->st, "alice", &req, collect, &r), -1);
	req.limit = 0;
	assert_int_equal(store_history(f->st, "alice", &req, collect, &r), -1);
}

/*
 * Random requests against a model of the spec written from the text:
 * exclusive bounds, a time sits just before the first message at or
 * after it, AROUND's split, BETWEEN counted from its first selector.
 * Several messages share each time, and other conversations interleave.
 */
#define MODEL_N		60

struct model {
	long long	id[3 * MODEL_N];	/* all conversations */
	long long	t[3 * MODEL_N];
	int		bob[3 * MODEL_N];	/* 1: alice <-> bob */
	int		n;
};

/* Is message i inside "after b" (lower) or "before b" (upper)? */
static int
model_in(const struct model *m, int i, const struct chathistory_bound *b,
    int lower)
{
	if (b->ref == CHATHISTORY_REF_NONE)
		return 1;
	if (b->ref == CHATHISTORY_REF_MSGID)
		return lower ? m->id[i] > b->value : m->id[i] < b->value;
	return lower ? m->t[i] > b->value : m->t[i] < b->value;
}

/* A selector's place: 2 * msgid, or just before the first row >= time. */
static long long
model_pos(const struct model *m, const struct chathistory_bound *b)
{
	int	i;

	if (b->ref == CHATHISTORY_REF_MSGID)
		return 2 * b->value;
	for (i = 0; i < m->n; i++)
		if (m->t[i] >= b->value)
			return 2 * m->id[i] - 1;
	return 2 * (1LL << 60) - 1;
}

/* The expected ids: bob's rows in [lo, hi] of the filtered list. */
static int
model_take(const struct model *m, const struct chathistory_bound *lo,
    const struct chathistory_bound *hi, int limit, int from_end,
    long long *out)
{
	long long	keep[3 * MODEL_N];
	int		i, n = 0, start;

	for (i = 0; i < m->n; i++)
		if (m->bob[i] && (lo == NULL || model_in(m, i, lo, 1)) &&
		    (hi == NULL || model_in(m, i, hi, 0)))
			keep[n++] = m->id[i];
	start = from_end && n > limit ? n - limit : 0;
	for (i = 0; i < n - start && i < limit; i++)
		out[i] = keep[start + i];
	return i;
}

static int
model_run(const struct model *m, const struct chathistory_req *q,
    long long *out)
{
	struct chathistory_bound	c = q->a;
	int				n;

	switch (q->cmd) {
	case CHATHISTORY_LATEST:
		return model_take(m, &q->a, NULL, q->limit, 1, out);
	case CHATHISTORY_BEFORE:
		return model_take(m, NULL, &q->a, q->limit, 1, out);
	case CHATHISTORY_AFTER:
		return model_take(m, &q->a, NULL, q->limit, 0, out);
	case CHATHISTORY_AROUND:
		n = model_take(m, NULL, &q->a, q->limit / 2, 1, out);
		c.value--;	/* msgid X itself, or time >= T, is after */
		return n + model_take(m, &c, NULL, q->limit - n, 0, out + n);
	case CHATHISTORY_BETWEEN:
		if (model_pos(m, &q->a) < model_pos(m, &q->b))
			return model_take(m, &q->a, &q->b, q->limit, 0, out);
		if (model_pos(m, &q->a) > model_pos(m, &q->b))
			return model_take(m, &q->b, &q->a, q->limit, 1, out);
		return 0;
	case CHATHISTORY_TARGETS:
		break;
	}
	return -1;
}

static void
model_ref(const struct model *m, struct chathistory_bound *b)
{
	int	i = rand() % m->n;

	if (rand() % 2) {
		b->ref = CHATHISTORY_REF_MSGID;
		b->value = m->id[i] + rand() % 3 - 1;
		if (b->value < 1)
			b->value = 1;
	} else {
		b->ref = CHATHISTORY_REF_TIME;
		b->value = m->t[i] + (rand() % 3 - 1) * 500;
		if (b->value < 0)
			b->value = 0;
	}
}

static void
test_history_model(void **state)
{
	struct fixture		*f = *state;
	struct model		 m;
	struct chathistory_req	 q;
	struct rows		 r;
	long long		 want[3 * MODEL_N];
	int			 i, k, n, got;

	srand(8);
	memset(&m, 0, sizeof m);
	assert_int_equal(store_user_add(f->st, "alice", "pw"), 0);
	for (i = 0; i < 3 * MODEL_N; i++) {
		m.bob[i] = i % 3 != 1;
		m.t[i] = (i / 4) * SEC;		/* four rows per instant */
		add(f->st, "alice", STORE_IN, m.bob[i] ? "bob" : "carol", "x",
		    m.t[i], &m.id[i]);
		m.n++;
	}
	for (k = 0; k < 3000; k++) {
		memset(&q, 0, sizeof q);
		q.cmd = (enum chathistory_cmd)(rand() % 5);
		q.target = "bob";
		q.limit = 1 + rand() % 12;
		model_ref(&m, &q.a);
		model_ref(&m, &q.b);
		if (q.cmd == CHATHISTORY_LATEST && rand() % 4 == 0)
			q.a.ref = CHATHISTORY_REF_NONE;
		n = model_run(&m, &q, want);
		memset(&r, 0, sizeof r);
		got = store_history(f->st, "alice", &q, collect, &r);
		assert_int_equal(got, r.n);
		if (r.n != n)
			print_error("case %d: %s a=%d:%lld b=%d:%lld limit %d: "
			    "%d rows, want %d\n", k, chathistory_cmd_name(q.cmd),
			    q.a.ref, q.a.value, q.b.ref, q.b.value, q.limit,
			    r.n, n);
		assert_int_equal(r.n, n);
		for (i = 0; i < n; i++)
			assert_int_equal(r.id[i], want[i]);
	}
}

static void
test_targets(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	struct rows	 r;
	char		 cmd[160], a[CHATHISTORY_TIME_SIZE];
	char		 b[CHATHISTORY_TIME_SIZE];

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	add(st, "alice", STORE_IN, "bob", "1", 1 * SEC, NULL);
	add(st, "alice", STORE_IN, "carol", "2", 2 * SEC, NULL);
	add(st, "alice", STORE_OUT, "bob", "3", 3 * SEC, NULL);
	add(st, "alice", STORE_IN, "dave", "4", 4 * SEC, NULL);
	chathistory_time_format(0, a, sizeof a);
	chathistory_time_format(10 * SEC, b, sizeof b);
	snprintf(cmd, sizeof cmd, "TARGETS timestamp=%s timestamp=%s 10", a, b);
	assert_int_equal(history(st, "alice", cmd, &r), 3);
	assert_string_equal(r.peer[0], "carol");
	assert_string_equal(r.peer[1], "bob");
	assert_int_equal(r.time_ms[1], 3 * SEC);
	assert_string_equal(r.peer[2], "dave");
	/* backwards: the latest two, delivered ascending */
	snprintf(cmd, sizeof cmd, "TARGETS timestamp=%s timestamp=%s 2", b, a);
	assert_int_equal(history(st, "alice", cmd, &r), 2);
	assert_string_equal(r.peer[0], "bob");
	assert_string_equal(r.peer[1], "dave");
	snprintf(cmd, sizeof cmd, "TARGETS timestamp=%s timestamp=%s 1", a, b);
	assert_int_equal(history(st, "alice", cmd, &r), 1);
	assert_string_equal(r.peer[0], "carol");
	/* exclusive, and on the latest message only: bob's 1 s is not his */
	chathistory_time_format(2 * SEC, a, sizeof a);
	chathistory_time_format(4 * SEC, b, sizeof b);
	snprintf(cmd, sizeof cmd, "TARGETS timestamp=%s timestamp=%s 10", a, b);
	assert_int_equal(history(st, "alice", cmd, &r), 1);
	assert_string_equal(r.peer[0], "bob");
	chathistory_time_format(500, a, sizeof a);
	chathistory_time_format(1500, b, sizeof b);
	snprintf(cmd, sizeof cmd, "TARGETS timestamp=%s timestamp=%s 10", a, b);
	assert_int_equal(history(st, "alice", cmd, &r), 0);
	snprintf(cmd, sizeof cmd, "TARGETS timestamp=%s timestamp=%s 10", a, a);
	assert_int_equal(history(st, "alice", cmd, &r), 0);
}

static void
test_unseen(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	long long	 ids[7], left;
	struct rows	 r;
	char		 msgid[32];
	int		 i;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_user_add(st, "bob", "pw"), 0);
	for (i = 1; i <= 6; i++) {
		add(st, "alice", STORE_IN, i % 2 ? "bob" : "carol", "x",
		    i * SEC, &ids[i]);
		add(st, "bob", STORE_IN, "alice", "y", i * SEC, NULL);
	}
	memset(&r, 0, sizeof r);
	assert_int_equal(store_unseen(st, "alice", NULL, 10, collect, &r,
	    &left), 6);
	assert_int_equal(left, 0);
	assert_string_equal(r.peer[0], "bob");
	assert_string_equal(r.peer[1], "carol");
	/* the newest are shown, the older counted */
	memset(&r, 0, sizeof r);
	assert_int_equal(store_unseen(st, "alice", "phone", 2, collect, &r,
	    &left), 2);
	expect_ids(&r, ids, (const long long[]){ 5, 6 }, 2);
	assert_int_equal(left, 4);
	assert_int_equal(store_unseen(st, "alice", NULL, 0, collect, &r,
	    &left), 0);
	assert_int_equal(left, 6);

	snprintf(msgid, sizeof msgid, "%lld", ids[2]);
	assert_int_equal(store_seen(st, "alice", "laptop", msgid), 0);
	snprintf(msgid, sizeof msgid, "%lld", ids[4]);
	assert_int_equal(store_seen(st, "alice", "phone", msgid), 0);
	/* positions never go back */
	snprintf(msgid, sizeof msgid, "%lld", ids[1]);
	assert_int_equal(store_seen(st, "alice", "phone", msgid), 0);

	memset(&r, 0, sizeof r);
	assert_int_equal(store_unseen(st, "alice", "laptop", 10, collect, &r,
	    &left), 4);
	expect_ids(&r, ids, (const long long[]){ 3, 4, 5, 6 }, 4);
	memset(&r, 0, sizeof r);
	assert_int_equal(store_unseen(st, "alice", "phone", 10, collect, &r,
	    &left), 2);
	expect_ids(&r, ids, (const long long[]){ 5, 6 }, 2);
	/* unnamed and new clients start where any client of alice got */
	memset(&r, 0, sizeof r);
	assert_int_equal(store_unseen(st, "alice", "", 10, collect, &r,
	    &left), 2);
	memset(&r, 0, sizeof r);
	assert_int_equal(store_unseen(st, "alice", "tablet", 10, collect, &r,
	    &left), 2);
	/* bob's position is his own */
	memset(&r, 0, sizeof r);
	assert_int_equal(store_unseen(st, "bob", NULL, 10, collect, &r,
	    &left), 6);

	assert_int_equal(store_seen(st, "alice", "bad client!", msgid), -1);
	assert_int_equal(store_seen(st, "alice", "phone", "abc"), -1);
	assert_int_equal(store_seen(st, "alice", "phone", "012"), -1);
	assert_int_equal(store_seen(st, "nobody", "phone", msgid), -1);
	assert_int_equal(store_unseen(st, "alice", "x y", 10, collect, &r,
	    &left), -1);
	assert_int_equal(store_unseen(st, "alice", NULL, STORE_LIMIT_MAX + 1,
	    collect, &r, &left), -1);
}

static void
test_markers(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	long long	 t = 0, stored = 0;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_user_add(st, "bob", "pw"), 0);
	assert_int_equal(store_marker_get(st, "alice", "carol", &t), 0);
	assert_int_equal(store_marker_set(st, "alice", "carol", 5000, &stored),
	    1);
	assert_int_equal(stored, 5000);
	assert_int_equal(store_marker_set(st, "alice", "carol", 4000, &stored),
	    0);
	assert_int_equal(stored, 5000);
	assert_int_equal(store_marker_set(st, "alice", "carol", 5000, &stored),
	    0);
	assert_int_equal(store_marker_get(st, "alice", "carol", &t), 1);
	assert_int_equal(t, 5000);
	assert_int_equal(store_marker_set(st, "alice", "carol", 6000, &stored),
	    1);
	assert_int_equal(store_marker_get(st, "bob", "carol", &t), 0);
	assert_int_equal(store_marker_get(st, "nobody", "carol", &t), -1);
	assert_int_equal(store_marker_set(st, "nobody", "carol", 1, &stored),
	    -1);
	assert_int_equal(store_marker_set(st, "alice", "", 1, &stored), -1);
	assert_int_equal(store_marker_set(st, "alice", "c", -1, &stored), -1);
}

static void
test_purge(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	struct rows	 r;
	int		 i;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_user_add(st, "bob", "pw"), 0);
	add(st, "alice", STORE_IN, "zed", "z", 0, NULL);
	for (i = 0; i < 50; i++)
		add(st, "alice", STORE_IN, "bob", "x", i * SEC, NULL);
	for (i = 0; i < 8; i++)
		add(st, "bob", STORE_IN, "alice", "y", 50 * SEC + i, NULL);
	/* older than 60 s at 100 s: times 0..39 s, 41 rows, 15 a call */
	assert_int_equal(store_purge(st, 100 * SEC, 60, 0, 15), 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg"), 44);
	assert_int_equal(store_purge(st, 100 * SEC, 60, 0, 15), 1);
	assert_int_equal(store_purge(st, 100 * SEC, 60, 0, 15), 0);
	assert_int_equal(history(st, "alice", "LATEST bob * 50", &r), 10);
	assert_int_equal(r.time_ms[0], 40 * SEC);
	assert_int_equal(history(st, "alice",
	    "TARGETS timestamp=1970-01-01T00:00:00.000Z"
	    " timestamp=2000-01-01T00:00:00.000Z 10", &r), 1);
	/* zed's conversation went with its last message */
	assert_string_equal(r.peer[0], "bob");
	/* at most 5 per account, 3 rows a call */
	assert_int_equal(store_purge(st, 100 * SEC, 0, 5, 3), 1);
	assert_int_equal(store_purge(st, 100 * SEC, 0, 5, 3), 1);
	assert_int_equal(store_purge(st, 100 * SEC, 0, 5, 3), 0);
	assert_int_equal(history(st, "alice", "LATEST bob * 50", &r), 5);
	assert_int_equal(r.time_ms[0], 45 * SEC);
	assert_int_equal(history(st, "bob", "LATEST alice * 50", &r), 5);
	assert_int_equal(r.time_ms[0], 50 * SEC + 3);
	assert_int_equal(store_purge(st, 100 * SEC, 0, 5, 3), 0);
	assert_int_equal(store_purge(st, 100 * SEC, 0, 5, 0), -1);
	assert_int_equal(store_purge(st, 100 * SEC, -1, 5, 10), -1);
	assert_int_equal(store_purge(st, 100 * SEC, STORE_AGE_MAX + 1, 5, 10),
	    -1);
	assert_int_equal(store_purge(st, 100 * SEC, STORE_AGE_MAX, 5, 10), 0);
}

/*
 * kill -9 in the middle of inserts: every msgid the child reported after
 * store_msg_add() returned (what a client could have been shown) is in
 * the database when it is opened again.
 */
static void
test_kill9(void **state)
{
	struct fixture	*f = *state;
	struct rows	 r;
	long long	 id, last = 0, got = 0, left;
	char		 err[256];
	pid_t		 pid;
	int		 p[2], status;
	FILE		*in;

	assert_int_equal(store_user_add(f->st, "alice", "pw"), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		struct store_stamp	stamp;
		struct store		*st;

		close(p[0]);
		if ((st = store_open(f->path, err, sizeof err)) == NULL)
			_exit(1);
		for (id = 0;; id++) {
			if (store_msg_add(st, "alice", STORE_IN, "bob", "x", 1,
			    id, &stamp) == -1)
				_exit(1);
			id = strtoll(stamp.msgid, NULL, 10);
			if (write(p[1], &id, sizeof id) != sizeof id)
				_exit(1);
		}
	}
	close(p[1]);
	assert_non_null(in = fdopen(p[0], "r"));
	while (got < 300 && fread(&id, sizeof id, 1, in) == 1)
		got++;
	assert_int_equal(kill(pid, SIGKILL), 0);
	while (fread(&id, sizeof id, 1, in) == 1) {
		assert_true(id > last);
		last = id;
		got++;
	}
	fclose(in);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_non_null(f->st = store_open(f->path, err, sizeof err));
	memset(&r, 0, sizeof r);
	assert_true(store_unseen(f->st, "alice", NULL, 0, collect, &r,
	    &left) == 0);
	print_message("reported %lld, stored %lld\n", got, left);
	assert_true(left >= got);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM msg"), left);
	assert_true(sql_int(f->path, "SELECT max(id) FROM msg") >= last);
}

struct parse_case {
	const char		*cmd;
	enum chathistory_err	 err;
	int			 bad;
};

static const struct parse_case parse_cases[] = {
	{ "", CHATHISTORY_ERR_NEED_MORE_PARAMS, -1 },
	{ "FETCH bob * 10", CHATHISTORY_ERR_UNKNOWN_COMMAND, 0 },
	{ "LATEST bob *", CHATHISTORY_ERR_NEED_MORE_PARAMS, -1 },
	{ "LATEST bob * 10 x", CHATHISTORY_ERR_TOO_MANY_PARAMS, -1 },
	{ "BETWEEN bob msgid=1 10", CHATHISTORY_ERR_NEED_MORE_PARAMS, -1 },
	{ "TARGETS timestamp=2020-01-01T00:00:00.000Z 10",
	    CHATHISTORY_ERR_NEED_MORE_PARAMS, -1 },
	{ "BEFORE bob * 10", CHATHISTORY_ERR_BAD_SELECTOR, 2 },
	{ "AFTER bob 12 10", CHATHISTORY_ERR_BAD_SELECTOR, 2 },
	{ "AFTER bob =12 10", CHATHISTORY_ERR_BAD_SELECTOR, 2 },
	{ "AFTER bob id=12 10", CHATHISTORY_ERR_BAD_REFTYPE, 2 },
	{ "AFTER bob msgid= 10", CHATHISTORY_ERR_BAD_MSGID, 2 },
	{ "AFTER bob msgid=0 10", CHATHISTORY_ERR_BAD_MSGID, 2 },
	{ "AFTER bob msgid=012 10", CHATHISTORY_ERR_BAD_MSGID, 2 },
	{ "AFTER bob msgid=-1 10", CHATHISTORY_ERR_BAD_MSGID, 2 },
	{ "AFTER bob msgid=abc 10", CHATHISTORY_ERR_BAD_MSGID, 2 },
	{ "AFTER bob msgid=9223372036854775808 10",
	    CHATHISTORY_ERR_BAD_MSGID, 2 },
	{ "AFTER bob msgid=99999999999999999999 10",
	    CHATHISTORY_ERR_BAD_MSGID, 2 },
	{ "AFTER bob timestamp=2020-01-01 10",
	    CHATHISTORY_ERR_BAD_TIMESTAMP, 2 },
	{ "AFTER bob timestamp=2020-13-01T00:00:00.000Z 10",
	    CHATHISTORY_ERR_BAD_TIMESTAMP, 2 },
	{ "BETWEEN bob msgid=1 * 10", CHATHISTORY_ERR_BAD_SELECTOR, 3 },
	{ "BETWEEN bob msgid=1 timestamp=x 10",
	    CHATHISTORY_ERR_BAD_TIMESTAMP, 3 },
	{ "TARGETS msgid=1 timestamp=2020-01-01T00:00:00.000Z 10",
	    CHATHISTORY_ERR_BAD_TIMESTAMP, 1 },
	{ "TARGETS timestamp=2020-01-01T00:00:00.000Z msgid=1 10",
	    CHATHISTORY_ERR_BAD_TIMESTAMP, 2 },
	{ "TARGETS * timestamp=2020-01-01T00:00:00.000Z 10",
	    CHATHISTORY_ERR_BAD_SELECTOR, 1 },
	{ "LATEST bob * 0", CHATHISTORY_ERR_BAD_LIMIT, 3 },
	{ "LATEST bob * -1", CHATHISTORY_ERR_BAD_LIMIT, 3 },
	{ "LATEST bob * 1x", CHATHISTORY_ERR_BAD_LIMIT, 3 },
	{ "LATEST bob * 1234567890", CHATHISTORY_ERR_BAD_LIMIT, 3 },
	{ "LATEST bob * ", CHATHISTORY_ERR_NEED_MORE_PARAMS, -1 },
	{ "latest bob * 10", CHATHISTORY_OK, -1 },
	{ "BETWEEN bob msgid=1 msgid=5 10", CHATHISTORY_OK, -1 },
	{ "AROUND bob timestamp=2020-01-01T00:00:00Z 10", CHATHISTORY_OK, -1 },
};

static void
test_parse_errors(void **state)
{
	char			 buf[128], *argv[8], *p;
	struct chathistory_req	 req;
	size_t			 i;
	int			 argc, bad;

	(void)state;
	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		print_message("case %zu: %s\n", i, parse_cases[i].cmd);
		snprintf(buf, sizeof buf, "%s", parse_cases[i].cmd);
		argc = 0;
		for (p = strtok(buf, " "); p != NULL; p = strtok(NULL, " "))
			argv[argc++] = p;
		assert_int_equal(chathistory_parse(argc, argv, 100, &req, &bad),
		    parse_cases[i].err);
		assert_int_equal(bad, parse_cases[i].bad);
		assert_non_null(chathistory_err_text(parse_cases[i].err));
	}
	assert_string_equal(chathistory_err_code(CHATHISTORY_ERR_BAD_TARGET),
	    "INVALID_TARGET");
	assert_string_equal(chathistory_err_code(CHATHISTORY_ERR_BAD_REFTYPE),
	    "INVALID_MSGREFTYPE");
	assert_string_equal(chathistory_err_code(CHATHISTORY_ERR_BAD_LIMIT),
	    "INVALID_PARAMS");
	assert_string_equal(chathistory_err_text(
	    CHATHISTORY_ERR_UNKNOWN_COMMAND), "Unknown command");
	assert_string_equal(chathistory_cmd_name(CHATHISTORY_AROUND),
	    "AROUND");
}

static void
test_parse_ok(void **state)
{
	char			 s0[] = "BETWEEN", s1[] = "bob",
				 s2[] = "msgid=7",
				 s3[] = "timestamp=2019-01-04T14:33:26.123Z",
				 s4[] = "500", t1[] = "b\001b", t2[] = "";
	char			*argv[] = { s0, s1, s2, s3, s4 };
	struct chathistory_req	 req;
	int			 bad;

	(void)state;
	assert_int_equal(chathistory_parse(5, argv, 100, &req, &bad),
	    CHATHISTORY_OK);
	assert_int_equal(req.cmd, CHATHISTORY_BETWEEN);
	assert_string_equal(req.target, "bob");
	assert_int_equal(req.a.ref, CHATHISTORY_REF_MSGID);
	assert_int_equal(req.a.value, 7);
	assert_int_equal(req.b.ref, CHATHISTORY_REF_TIME);
	assert_int_equal(req.b.value, 1546612406123LL);
	assert_int_equal(req.limit, 100);	/* capped */
	argv[1] = t1;
	assert_int_equal(chathistory_parse(5, argv, 100, &req, &bad),
	    CHATHISTORY_ERR_BAD_TARGET);
	assert_int_equal(bad, 1);
	argv[1] = t2;
	assert_int_equal(chathistory_parse(5, argv, 100, &req, &bad),
	    CHATHISTORY_ERR_BAD_TARGET);
}

static void
test_time(void **state)
{
	static const char *const bad[] = {
		"", "2020-01-01T00:00:00.000", "2020-01-01T00:00:00.Z",
		"2020-01-01T00:00:00.0000000000Z", "2020-02-30T00:00:00Z",
		"2023-02-29T00:00:00Z", "1900-02-28T00:00:00Z",
		"1969-12-31T23:59:59.999Z", "2020-01-01T24:00:00Z",
		"2020-01-01T00:60:00Z", "2020-01-01T00:00:60Z",
		"2020-01-01 00:00:00Z", "2020-1-01T00:00:00Z",
		"2020-01-01T00:00:00.000Zx", "+020-01-01T00:00:00Z",
		"2020-00-10T00:00:00Z", "2020-01-00T00:00:00Z",
	};
	char		buf[CHATHISTORY_TIME_SIZE];
	long long	ms, t;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		print_message("bad %s\n", bad[i]);
		assert_int_equal(chathistory_time_parse(bad[i], &ms), -1);
	}
	assert_int_equal(chathistory_time_parse("1970-01-01T00:00:00.000Z",
	    &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(chathistory_time_parse("2024-02-29T12:00:00.5Z",
	    &ms), 0);
	assert_int_equal(ms, 1709208000500LL);
	assert_int_equal(chathistory_time_parse("2000-03-01T00:00:00.123456Z",
	    &ms), 0);
	assert_int_equal(ms, 951868800123LL);
	assert_int_equal(chathistory_time_parse("2100-03-01T00:00:00Z", &ms),
	    0);
	assert_int_equal(ms, 4107542400000LL);
	assert_int_equal(chathistory_time_format(1546612406123LL, buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "2019-01-04T14:33:26.123Z");
	/* round trips across leap years and century rules */
	for (t = 0; t < 300LL * 365 * 86400000;
	    t += 86400000LL * 97 + 1234567) {
		assert_int_equal(chathistory_time_format(t, buf, sizeof buf),
		    0);
		assert_int_equal(chathistory_time_parse(buf, &ms), 0);
		assert_int_equal(ms, t);
	}
	assert_int_equal(chathistory_time_parse("9999-12-31T23:59:59.999Z",
	    &ms), 0);
	assert_int_equal(chathistory_time_format(ms, buf, sizeof buf), 0);
	assert_int_equal(chathistory_time_format(ms + 1, buf, sizeof buf), -1);
	assert_int_equal(chathistory_time_format(-1, buf, sizeof buf), -1);
	assert_int_equal(chathistory_time_format(0, buf, 10), -1);
}

/* Run the CLI with stdin text; *out gets what it printed. */
static int
cli(const char *db, const char *op, const char *name, const char *input,
    char *out, size_t outlen)
{
	FILE	*in, *o, *e;
	int	 rc;
	size_t	 n;

	if (*input == '\0')		/* fmemopen() refuses size 0 */
		in = fopen("/dev/null", "r");
	else
		in = fmemopen((void *)(uintptr_t)input, strlen(input), "r");
	assert_non_null(in);
	assert_non_null(o = tmpfile());
	assert_non_null(e = tmpfile());
	rc = account_cli_run_io(db, op, name, -1, in, o, e);
	rewind(o);
	n = fread(out, 1, outlen - 1, o);
	out[n] = '\0';
	fclose(in);
	fclose(o);
	fclose(e);
	return rc;
}

/* Parse SEARCH attributes (max 50) and run them for acc, as indexed. */
static int
search_now(struct store *st, const char *acc, const char *attrs,
    struct rows *r)
{
	struct search_req	req;

	assert_int_equal(search_parse(attrs, 50, &req), SEARCH_OK);
	memset(r, 0, sizeof *r);
	return store_search(st, acc, &req, collect, r);
}

/* The same once the search index has every row (the indexer's steps). */
static int
search(struct store *st, const char *acc, const char *attrs, struct rows *r)
{
	long long	done;
	int		rc;

	while ((rc = store_index(st, 1000, &done)) == 1)
		;
	assert_int_equal(rc, 0);
	return search_now(st, acc, attrs, r);
}

/* An SQL integer from the search index's own file (path-search). */
static long long
search_int(const char *path, const char *sql)
{
	char	p[160];

	snprintf(p, sizeof p, "%s-search", path);
	return sql_int(p, sql);
}

/* FTS5's check of the search index's own structure. */
static void
search_check(const char *path)
{
	char	p[160];

	snprintf(p, sizeof p, "%s-search", path);
	sql_exec(p, "INSERT INTO msg_fts (msg_fts, rank)"
	    " VALUES ('integrity-check', 0)");
}

static void
test_admin(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(store_user_add(f->st, "root", "pw"), 0);
	assert_int_equal(store_user_admin(f->st, "root"), 0);
	assert_int_equal(store_user_set_admin(f->st, "root", 1), 0);
	assert_int_equal(store_user_admin(f->st, "root"), 1);
	assert_int_equal(store_user_set_admin(f->st, "root", 0), 0);
	assert_int_equal(store_user_admin(f->st, "root"), 0);
	assert_int_equal(store_user_admin(f->st, "nobody"), -1);
	assert_int_equal(store_user_set_admin(f->st, "nobody", 1), -1);
	assert_string_equal(store_error(f->st), "no such user");
}

static void
test_search(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	struct rows	 r;
	long long	 n, oldest;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_user_add(st, "bob", "pw"), 0);
	add(st, "alice", STORE_IN, "bob", "the quick brown fox", 1 * SEC, NULL);
	add(st, "alice", STORE_OUT, "bob", "a brown dog", 2 * SEC, NULL);
	add(st, "alice", STORE_IN, "carol", "Brown bread", 3 * SEC, NULL);
	add(st, "alice", STORE_IN, "carol", "brownie", 4 * SEC, NULL);
	add(st, "alice", STORE_IN, "carol", "quick, brown!", 5 * SEC, NULL);
	add(st, "bob", STORE_IN, "alice", "brown too", 6 * SEC, NULL);
	/* the word, any case, whole words only, this account only */
	assert_int_equal(search(st, "alice", "text=brown", &r), 4);
	assert_string_equal(r.text[0], "the quick brown fox");
	assert_string_equal(r.text[3], "quick, brown!");
	/* words AND; a phrase keeps its order */
	assert_int_equal(search(st, "alice", "text=quick\\sbrown", &r), 2);
	assert_int_equal(search(st, "alice", "text=\"brown\\squick\"", &r),
	    0);
	assert_int_equal(search(st, "alice", "text=\"quick\\sbrown\"", &r),
	    2);
	/* in=, from= (a peer, or the account itself: from_self), times */
	assert_int_equal(search(st, "alice", "text=brown;in=carol", &r), 2);
	assert_int_equal(search(st, "alice", "text=brown;from=bob", &r), 1);
	assert_string_equal(r.text[0], "the quick brown fox");
	assert_int_equal(search(st, "alice", "text=brown;from=bob;in=carol",
	    &r), 0);
	assert_int_equal(search(st, "alice", "text=brown;limit=2;"
	    "after=1970-01-01T00:00:01.000Z;before=1970-01-01T00:00:05.000Z",
	    &r), 2);
	assert_string_equal(r.text[0], "a brown dog");
	assert_int_equal(search(st, "alice", "text=brown;limit=1", &r), 1);
	assert_string_equal(r.text[0], "quick, brown!");	/* the newest */
	assert_int_equal(search(st, "alice", "in=carol", &r), 3);
	assert_int_equal(search(st, "alice", "text=zebra", &r), 0);
	/* hostile text is words, never FTS5 syntax */
	assert_int_equal(search(st, "alice", "text=brown\\sOR\\squick", &r), 0);
	assert_int_equal(search(st, "alice", "text=NEAR(brown\\sfox)", &r), 0);
	assert_int_equal(search(st, "alice", "text=text:brown", &r), 0);
	assert_int_equal(search(st, "alice", "text=brow*", &r), 0);
	assert_int_equal(search(st, "alice", "text=\"brown", &r), 4);
	assert_int_equal(search(st, "alice", "text=br\"own", &r), 0);
	assert_int_equal(search(st, "alice", "text=-brown\\s^fox", &r), 1);
	assert_int_equal(store_stats(st, "alice", &n, &oldest), 0);
	assert_int_equal(n, 5);
	assert_int_equal(oldest, 1 * SEC);
	/* retention and a deleted account leave the index in step */
	assert_int_equal(store_purge(st, 10 * SEC, 0, 2, 100), 0);
	assert_int_equal(search(st, "alice", "text=brown", &r), 1);
	assert_int_equal(store_user_del(st, "bob"), 0);
	assert_int_equal(search_int(f->path, "SELECT count(*) FROM msg_fts"
	    " WHERE msg_fts MATCH 'too'"), 1);	/* until the next step */
	assert_int_equal(search(st, "alice", "text=brown", &r), 1);
	assert_int_equal(search_int(f->path, "SELECT count(*) FROM msg_fts"
	    " WHERE msg_fts MATCH 'too'"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM fts_gone"), 0);
	search_check(f->path);
}

/*
 * The writer's path: a group commit's rows are searchable once
 * store_index() took them, in steps of at most max_rows, a failed add
 * among them; rows that retention took before they were indexed, and
 * retention after, leave the index whole (integrity-check) and only
 * what the table holds found.
 */
static void
test_search_batch(void **state)
{
	struct fixture	*f = *state;
	struct store	*st = f->st;
	struct rows	 r;
	long long	 id;
	long long	 done = -1;
	char		 err[256];
	int		 i, steps = 0;

	assert_int_equal(store_user_add(st, "alice", "pw"), 0);
	assert_int_equal(store_batch_begin(st), 0);
	for (i = 0; i < 30; i++)
		add(st, "alice", i % 2 ? STORE_IN : STORE_OUT, "bob",
		    i % 3 ? "plain words" : "a needle here", (i + 1) * SEC,
		    &id);
	assert_int_equal(store_msg_add(st, "alice", STORE_IN, "bad name",
	    "needle", 4, 40 * SEC, NULL), -1);
	add(st, "alice", STORE_IN, "carol", "needle last", 41 * SEC, &id);
	assert_int_equal(store_index(st, 8, &done), -1);	/* in a batch */
	assert_int_equal(store_batch_end(st), 0);
	assert_int_equal(search_now(st, "alice", "text=needle", &r), 0);
	while (store_index(st, 8, &done) == 1)
		steps++;
	assert_int_equal(steps, 3);			/* 31 rows, 8 a step */
	assert_int_equal(done, id);
	assert_int_equal(store_index(st, 8, &done), 0);
	assert_int_equal(search_now(st, "alice", "text=needle", &r), 11);
	assert_string_equal(r.text[10], "needle last");
	add(st, "alice", STORE_IN, "carol", "needle alone", 42 * SEC, &id);
	assert_int_equal(search_now(st, "alice", "text=needle", &r), 11);
	assert_int_equal(search(st, "alice", "text=needle;limit=1", &r), 1);
	assert_string_equal(r.text[0], "needle alone");
	/* a batch purged before it is indexed: the index never had it */
	assert_int_equal(store_batch_begin(st), 0);
	for (i = 0; i < 10; i++)
		add(st, "alice", STORE_IN, "dave", "needle unindexed",
		    (43 + i) * SEC, &id);
	assert_int_equal(store_batch_end(st), 0);
	assert_int_equal(store_purge(st, 50 * SEC, 0, 5, 100), 0);
	assert_int_equal(store_index(st, 100, &done), 0);
	assert_int_equal(search_now(st, "alice", "text=needle", &r), 5);
	search_check(f->path);
	assert_int_equal(store_purge(st, 60 * SEC, 0, 2, 100), 0);
	assert_int_equal(search(st, "alice", "text=needle", &r), 2);
	search_check(f->path);
	/* every word of the purged rows left the index, not only their ids */
	assert_int_equal(search_int(f->path, "SELECT count(*) FROM msg_fts"
	    " WHERE msg_fts MATCH 'needle'"), 2);
	/* a search file of another store is made again, not trusted */
	sql_exec(f->path, "UPDATE search_file SET token = token + 1");
	store_close(st);
	f->st = st = store_open(f->path, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(search(st, "alice", "text=needle", &r), 2);
	assert_int_equal(search_int(f->path, "SELECT upto FROM fts_state"),
	    id);
	search_check(f->path);
}

static void
test_search_parse(void **state)
{
	static const struct {
		const char	*attrs;
		enum search_err	 e;
	} bad[] = {
		{ "", SEARCH_ERR_EMPTY },
		{ ";;", SEARCH_ERR_EMPTY },
		{ "text", SEARCH_ERR_SYNTAX },
		{ "=x", SEARCH_ERR_SYNTAX },
		{ "colour=red", SEARCH_ERR_UNKNOWN },
		{ "textual=x", SEARCH_ERR_UNKNOWN },
		{ "text=a;text=b", SEARCH_ERR_TWICE },
		{ "text=", SEARCH_ERR_NO_WORDS },
		{ "text=***\\s\"\"", SEARCH_ERR_NO_WORDS },
		{ "after=yesterday", SEARCH_ERR_BAD_TIME },
		{ "limit=0", SEARCH_ERR_BAD_LIMIT },
		{ "limit=-1", SEARCH_ERR_BAD_LIMIT },
		{ "limit=", SEARCH_ERR_BAD_LIMIT },
		{ "in=", SEARCH_ERR_BAD_NAME },
		{ "from=a\\sb", SEARCH_ERR_BAD_NAME },
	};
	struct search_req	req;
	char			q[SEARCH_QUERY_SIZE], big[SEARCH_ATTRS_MAX + 8];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(search_parse(bad[i].attrs, 50, &req),
		    bad[i].e);
		assert_non_null(search_err_text(bad[i].e));
	}
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "text=", 5);
	assert_int_equal(search_parse(big, 50, &req), SEARCH_ERR_TOO_LONG);
	assert_int_equal(search_parse("limit=99999999999999999999;"
	    "before=timestamp=2020-01-01T00:00:00.000Z;in=bob", 50, &req),
	    SEARCH_OK);
	assert_int_equal(req.limit, 50);
	assert_int_equal(req.before_ms, 1577836800000LL);
	assert_int_equal(req.after_ms, -1);
	assert_string_equal(req.in, "bob");
	assert_int_equal(search_parse("text=a\\:b\\sc\\\\", 5, &req),
	    SEARCH_OK);
	assert_string_equal(req.text, "a;b c\\");
	assert_int_equal(req.limit, 5);
	assert_int_equal(search_fts_query("say \"hi there\" x\"y OR (",
	    q, sizeof q), 0);
	assert_string_equal(q, "\"say\" \"hi there\" \"x\"\"y\" \"OR\"");
	assert_int_equal(search_fts_query("  ", q, sizeof q), -1);
	assert_int_equal(search_fts_query("word", q, 6), -1);
}

static void
test_cli(void **state)
{
	struct fixture	*f = *state;
	char		 out[256], big[STORE_PASS_MAX + 10];

	store_close(f->st);
	f->st = NULL;
	assert_int_equal(cli(f->path, "add-user", "alice", "s3cret\n", out,
	    sizeof out), 0);
	assert_int_equal(cli(f->path, "add-user", "alice", "x\n", out,
	    sizeof out), 1);
	assert_int_equal(cli(f->path, "add-user", "bob", "pw\r\n", out,
	    sizeof out), 0);
	assert_int_equal(cli(f->path, "add-user", "carol", "", out,
	    sizeof out), 1);
	assert_int_equal(cli(f->path, "add-user", "carol", "\n", out,
	    sizeof out), 1);
	memset(big, 'p', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(cli(f->path, "add-user", "carol", big, out,
	    sizeof out), 1);
	big[STORE_PASS_MAX] = '\0';	/* the bound, no LF */
	assert_int_equal(cli(f->path, "add-user", "carol", big, out,
	    sizeof out), 0);
	assert_int_equal(cli(f->path, "list-users", NULL, "", out,
	    sizeof out), 0);
	assert_string_equal(out, "alice alice\nbob bob\ncarol carol\n");
	assert_int_equal(cli(f->path, "passwd", "alice", "n3w\n", out,
	    sizeof out), 0);
	assert_int_equal(cli(f->path, "passwd", "dave", "n3w\n", out,
	    sizeof out), 1);
	assert_int_equal(cli(f->path, "del-user", "bob", "", out,
	    sizeof out), 0);
	assert_int_equal(cli(f->path, "del-user", "bob", "", out,
	    sizeof out), 1);
	assert_int_equal(cli(f->path, "del-user", NULL, "", out,
	    sizeof out), 1);
	assert_int_equal(cli(f->path, "frobnicate", "bob", "", out,
	    sizeof out), 1);
	assert_int_equal(cli("/nonexistent/dir/db", "list-users", NULL, "",
	    out, sizeof out), 1);
	f->st = store_open(f->path, out, sizeof out);
	assert_non_null(f->st);
	assert_int_equal(store_user_check(f->st, "alice", "n3w"),
	    STORE_CHECK_OK);
	assert_int_equal(store_user_check(f->st, "bob", "pw"),
	    STORE_CHECK_NO_USER);
	assert_int_equal(store_user_check(f->st, "carol", big),
	    STORE_CHECK_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test(test_mode_fixed),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_newer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
		cmocka_unit_test(test_refuse_foreign),
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msg_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_lba, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_around_between,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_scope, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_model, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unseen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9, setup, teardown),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_batch, setup,
		    teardown),
		cmocka_unit_test(test_search_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
