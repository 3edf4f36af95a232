/*
 * sqlite: the store's SQLite backend (with sqlite_msg.c): opening and
 * migrating the database, accounts, playback positions and read markers;
 * messages and their queries are in sqlite_msg.c. What does not depend on
 * the database (names, msgids, password hashes, errors) is store.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sqlite_int.h"

#define STORE_BUSY_MS	2000	/* the CLI and the daemon may meet */
#define STORE_APP_ID	0x63697263	/* PRAGMA application_id */
/* per connection: the indexes' hot pages stay cached (SQLite: 2 MiB) */
#define STORE_CACHE_KIB	"16384"
/* WAL pages between checkpoints (SQLite: 1000): hot pages copied once */
#define STORE_CHECKPOINT	"8192"

/* The search index kept in step with msg (steps 4 and 5 make them). */
#define STORE_FTS_TRIGGERS \
	"CREATE TRIGGER msg_fts_del AFTER DELETE ON msg BEGIN" \
	"  INSERT INTO msg_fts (msg_fts, rowid, text)" \
	"  VALUES ('delete', old.id, old.text);" \
	" END;" \
	"CREATE TRIGGER msg_fts_upd AFTER UPDATE OF text ON msg BEGIN" \
	"  INSERT INTO msg_fts (msg_fts, rowid, text)" \
	"  VALUES ('delete', old.id, old.text);" \
	"  INSERT INTO msg_fts (rowid, text) VALUES (new.id, new.text);" \
	" END;"

/* A deleted row's words kept for the search file; texts never change. */
#define STORE_GONE_TRIGGERS \
	"CREATE TRIGGER msg_gone AFTER DELETE ON msg BEGIN" \
	"  INSERT INTO fts_gone (id, text) VALUES (old.id, old.text);" \
	" END;" \
	"CREATE TRIGGER msg_text_kept BEFORE UPDATE OF text ON msg BEGIN" \
	"  SELECT RAISE (ABORT, 'a stored message does not change');" \
	" END;"

/*
 * Schema steps: migrations[v] takes a database from user_version v to
 * v + 1. Append, never edit: a shipped step is history.
 */
static const char *const store_migrations[STORE_VERSION] = {
	/* 0 -> 1: accounts, conversations, messages, playback positions */
	"CREATE TABLE account ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  chat_name TEXT NOT NULL,"
	"  pwhash TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE conv ("
	"  id INTEGER PRIMARY KEY,"
	"  account INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,"
	"  peer TEXT NOT NULL,"
	"  last_ms INTEGER NOT NULL,"
	"  UNIQUE (account, peer));"
	"CREATE INDEX conv_last ON conv (account, last_ms);"
	"CREATE TABLE msg ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  account INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,"
	"  conv INTEGER NOT NULL REFERENCES conv (id) ON DELETE CASCADE,"
	"  dir INTEGER NOT NULL CHECK (dir IN (0, 1)),"
	"  time_ms INTEGER NOT NULL,"
	"  text TEXT NOT NULL);"
	"CREATE INDEX msg_conv ON msg (conv, id);"
	"CREATE INDEX msg_account ON msg (account, id);"
	"CREATE INDEX msg_time ON msg (time_ms);"
	"CREATE TABLE client ("
	"  account INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  seen INTEGER NOT NULL,"
	"  PRIMARY KEY (account, name)) WITHOUT ROWID;",
	/* 1 -> 2: draft/read-marker */
	"CREATE TABLE marker ("
	"  account INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,"
	"  target TEXT NOT NULL,"
	"  time_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (account, target)) WITHOUT ROWID;",
	/* 2 -> 3: a count of account changes, for the daemon's poll */
	"CREATE TABLE account_gen (n INTEGER NOT NULL);"
	"INSERT INTO account_gen (n) VALUES (0);"
	"CREATE TRIGGER account_gen_add AFTER INSERT ON account"
	"  BEGIN UPDATE account_gen SET n = n + 1; END;"
	"CREATE TRIGGER account_gen_del AFTER DELETE ON account"
	"  BEGIN UPDATE account_gen SET n = n + 1; END;"
	"CREATE TRIGGER account_gen_set AFTER UPDATE ON account"
	"  BEGIN UPDATE account_gen SET n = n + 1; END;"
	/* times follow ids (never back): time bounds search the row ids */
	"DROP INDEX msg_time;",
	/*
	 * 3 -> 4: admin accounts; an FTS5 index over msg (external
	 * content: the text is not kept twice), kept in step by triggers on
	 * every delete, retention's and an account's deletion included
	 * (issue 16). New rows are indexed by store_msg_add() and
	 * store_batch_end(), a batch in one statement: FTS5 writes its
	 * pending terms out at every statement, so a trigger per insert
	 * made a segment per row (20 us a row; 1-3 us so). columnsize=0: no
	 * per-row size table, results go by time, not bm25; detail=full
	 * (the default) keeps positions, for phrases. rebuild indexes what
	 * is stored.
	 */
	"ALTER TABLE account ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;"
	"CREATE VIRTUAL TABLE msg_fts USING fts5 (text, content = 'msg',"
	"  content_rowid = 'id', columnsize = 0,"
	"  tokenize = 'unicode61 remove_diacritics 2');"
	"INSERT INTO msg_fts (msg_fts, rank) VALUES ('automerge', 8);"
	STORE_FTS_TRIGGERS
	"INSERT INTO msg_fts (msg_fts) VALUES ('rebuild');",
	/*
	 * 4 -> 5: no msg.account (issue 18): its index took a page per
	 * account into every commit (40 % of the bouncer relay); a message
	 * reaches its account through its conversation. SQLite drops no
	 * column with a foreign key, so the table is made anew: the same
	 * ids (msgids, the search index's rowids), the id sequence kept.
	 */
	"DROP TRIGGER msg_fts_del;"
	"DROP TRIGGER msg_fts_upd;"
	"CREATE TABLE msg5 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  conv INTEGER NOT NULL REFERENCES conv (id) ON DELETE CASCADE,"
	"  dir INTEGER NOT NULL CHECK (dir IN (0, 1)),"
	"  time_ms INTEGER NOT NULL,"
	"  text TEXT NOT NULL);"
	"INSERT INTO msg5 (id, conv, dir, time_ms, text)"
	"  SELECT id, conv, dir, time_ms, text FROM msg ORDER BY id;"
	"DELETE FROM sqlite_sequence WHERE name = 'msg5';"
	"INSERT INTO sqlite_sequence (name, seq)"
	"  SELECT 'msg5', seq FROM sqlite_sequence WHERE name = 'msg';"
	"DROP TABLE msg;"
	"ALTER TABLE msg5 RENAME TO msg;"
	"CREATE INDEX msg_conv ON msg (conv, id);"
	STORE_FTS_TRIGGERS,
	/*
	 * 5 -> 6: the search index off the message path (issue 18): the
	 * writer commits messages and indexes them in steps of its own
	 * (sqlite_index()), fts_done.upto the last id indexed; the triggers
	 * take out of the index only what is in it.
	 */
	"CREATE TABLE fts_done (upto INTEGER NOT NULL);"
	"INSERT INTO fts_done (upto) SELECT coalesce(max(id), 0) FROM msg;"
	"DROP TRIGGER msg_fts_del;"
	"DROP TRIGGER msg_fts_upd;"
	"CREATE TRIGGER msg_fts_del AFTER DELETE ON msg"
	"  WHEN old.id <= (SELECT upto FROM fts_done) BEGIN"
	"  INSERT INTO msg_fts (msg_fts, rowid, text)"
	"  VALUES ('delete', old.id, old.text);"
	" END;"
	"CREATE TRIGGER msg_fts_upd AFTER UPDATE OF text ON msg"
	"  WHEN old.id <= (SELECT upto FROM fts_done) BEGIN"
	"  INSERT INTO msg_fts (msg_fts, rowid, text)"
	"  VALUES ('delete', old.id, old.text);"
	"  INSERT INTO msg_fts (rowid, text) VALUES (new.id, new.text);"
	" END;",
	/*
	 * 6 -> 7: the search index in a file of its own (FILE-search,
	 * sqlite_search.c), written by a thread of its own: its steps and
	 * their merges (up to tens of ms) no longer hold this file's write
	 * lock, which every group commit takes. A deleted row leaves its
	 * text in fts_gone, for that thread to take it out of the index
	 * (FTS5 without content needs the words it indexed); a text never
	 * changes. search_file.token tells a search file made for this
	 * store from one left by another; the index is made again.
	 */
	"DROP TRIGGER msg_fts_del;"
	"DROP TRIGGER msg_fts_upd;"
	"DROP TABLE msg_fts;"
	"DROP TABLE fts_done;"
	"CREATE TABLE fts_gone ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  id INTEGER NOT NULL,"
	"  text TEXT NOT NULL);"
	STORE_GONE_TRIGGERS
	"CREATE TABLE search_file (token INTEGER NOT NULL);"
	"INSERT INTO search_file (token) VALUES (abs(random()));",
	/*
	 * 7 -> 8: PostgreSQL's step 8 takes its search index off the
	 * COPY; this store's already is. The same version on both.
	 */
	"SELECT 1;",
	/*
	 * 8 -> 9: a conversation's rows found through runs of ids (issue
	 * 18). In a commit, msg_conv's entry took 0.7 of a row's 1.8 us,
	 * AUTOINCREMENT 0.4, the foreign key's check 0.2. The writer now
	 * stores a commit's messages conversation by conversation, so the
	 * rows of one conversation have consecutive ids: one msg_run row
	 * (conv, lo, hi) for them, grown when the next commit goes on with
	 * the same conversation. A run holds rows of its conversation only;
	 * retention may leave its lo below its first row, never its hi
	 * above its last. The store gives ids itself: msg_hw, the highest
	 * ever given, so none is given twice. A conversation deleted takes
	 * its rows and runs along (conv_gone). The stored rows become runs
	 * of consecutive ids.
	 */
	"DROP TRIGGER msg_gone;"
	"DROP TRIGGER msg_text_kept;"
	"CREATE TABLE msg_hw (id INTEGER NOT NULL);"
	"INSERT INTO msg_hw (id) SELECT max(coalesce((SELECT seq FROM"
	"  sqlite_sequence WHERE name = 'msg'), 0),"
	"  coalesce((SELECT max(id) FROM msg), 0));"
	"CREATE TABLE msg9 ("
	"  id INTEGER PRIMARY KEY,"
	"  conv INTEGER NOT NULL,"
	"  dir INTEGER NOT NULL CHECK (dir IN (0, 1)),"
	"  time_ms INTEGER NOT NULL,"
	"  text TEXT NOT NULL);"
	"INSERT INTO msg9 (id, conv, dir, time_ms, text)"
	"  SELECT id, conv, dir, time_ms, text FROM msg ORDER BY id;"
	"DROP TABLE msg;"
	"ALTER TABLE msg9 RENAME TO msg;"
	"CREATE TABLE msg_run ("
	"  conv INTEGER NOT NULL,"
	"  hi INTEGER NOT NULL,"
	"  lo INTEGER NOT NULL CHECK (lo <= hi),"
	"  PRIMARY KEY (conv, hi)) WITHOUT ROWID;"
	"CREATE INDEX msg_run_hi ON msg_run (hi);"
	"INSERT INTO msg_run (conv, hi, lo)"
	"  SELECT conv, max(id), min(id) FROM (SELECT id, conv,"
	"  row_number() OVER (ORDER BY id) - row_number() OVER"
	"  (PARTITION BY conv ORDER BY id) AS g FROM msg) GROUP BY conv, g;"
	STORE_GONE_TRIGGERS
	"CREATE TRIGGER conv_gone AFTER DELETE ON conv BEGIN"
	"  DELETE FROM msg WHERE id IN (SELECT m.id FROM msg_run AS r"
	"  JOIN msg AS m ON m.id >= r.lo AND m.id <= r.hi"
	"  WHERE r.conv = old.id);"
	"  DELETE FROM msg_run WHERE conv = old.id;"
	" END;",
};

/*
 * An account's messages, through its conversations' runs (msg_run),
 * sorted (+id: not a walk of every account's rows by id).
 */
#define ST_CONVS	"(SELECT id FROM conv WHERE account = ?1)"

/* The rows m of the runs r (ST_RUN_ROWS "WHERE ..."). */
#define ST_RUN_ROWS \
	" msg_run AS r JOIN msg AS m ON m.id >= r.lo AND m.id <= r.hi"

/*
 * A conversation's rows with ids in (?2, ?3): its runs ending past ?2,
 * up to the first that ends at or past ?3 (runs are disjoint, so the
 * one that can hold ?3 - 1), in id order without a sort.
 */
#define ST_RANGE_ROWS \
	"SELECT m.id, m.time_ms, m.dir, m.text FROM" ST_RUN_ROWS \
	" WHERE r.conv = ?1 AND r.hi > ?2 AND r.hi <= coalesce((SELECT hi" \
	" FROM msg_run WHERE conv = ?1 AND hi >= ?3 ORDER BY hi LIMIT 1)," \
	" ?3) AND m.id > ?2 AND m.id < ?3"

/* Runs with no row left (a NOT EXISTS of ST_RUN_EMPTY*). */
#define ST_RUN_NONE \
	" NOT EXISTS (SELECT 1 FROM msg WHERE id >= msg_run.lo" \
	" AND id <= msg_run.hi)"

static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_ACCOUNT_ID] = "SELECT id FROM account WHERE name = ?1",
	[ST_USER_ADD] = "INSERT INTO account (name, chat_name, pwhash,"
	    " created_ms) VALUES (?1, ?1, ?2, ?3)",
	[ST_USER_DEL] = "DELETE FROM account WHERE name = ?1",
	[ST_USER_PASSWD] = "UPDATE account SET pwhash = ?2 WHERE name = ?1",
	[ST_USER_HASH] = "SELECT pwhash FROM account WHERE name = ?1",
	[ST_USER_LIST] = "SELECT name, chat_name FROM account ORDER BY name",
	[ST_USER_CHAT] = "SELECT chat_name FROM account WHERE name = ?1",
	[ST_USER_SET_CHAT] = "UPDATE account SET chat_name = ?2"
	    " WHERE name = ?1",
	[ST_CONV_UPSERT] = "INSERT INTO conv (account, peer, last_ms)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (account, peer)"
	    " DO UPDATE SET last_ms = max(last_ms, excluded.last_ms)"
	    " RETURNING id",
	[ST_CONV_FIND] = "SELECT id FROM conv WHERE account = ?1"
	    " AND peer = ?2",
	[ST_CONV_TOUCH] = "UPDATE conv SET last_ms = max(last_ms, ?2)"
	    " WHERE id = ?1",
	[ST_MSG_ADD] = "INSERT INTO msg (conv, dir, time_ms, text, id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_HW_GET] = "SELECT (SELECT id FROM msg_hw),"
	    " coalesce((SELECT max(id) FROM msg), 0)",
	[ST_HW_SET] = "UPDATE msg_hw SET id = ?1 WHERE id < ?1",
	[ST_RUN_GROW] = "UPDATE msg_run SET hi = ?3 WHERE conv = ?1"
	    " AND hi = ?2 - 1",
	[ST_RUN_ADD] = "INSERT INTO msg_run (conv, hi, lo) VALUES (?1, ?3, ?2)",
	[ST_RUN_EMPTY] = "DELETE FROM msg_run WHERE hi < coalesce((SELECT"
	    " min(id) FROM msg), (SELECT id FROM msg_hw) + 1)",
	[ST_RUN_EMPTY_ACC] = "DELETE FROM msg_run WHERE conv IN " ST_CONVS
	    " AND hi <= ?2 AND" ST_RUN_NONE,
	[ST_MAX_TIME] = "SELECT coalesce((SELECT time_ms FROM msg"
	    " ORDER BY id DESC LIMIT 1), 0)",
	[ST_MAX_ID] = "SELECT coalesce(max(id), 0) FROM msg",
	[ST_PROBE] = "SELECT time_ms, id FROM msg WHERE id >= ?1"
	    " ORDER BY id LIMIT 1",
	[ST_RANGE_ASC] = ST_RANGE_ROWS " ORDER BY r.hi, m.id LIMIT ?4",
	[ST_RANGE_DESC] = "SELECT id, time_ms, dir, text FROM ("
	    ST_RANGE_ROWS " ORDER BY r.hi DESC, m.id DESC LIMIT ?4)"
	    " ORDER BY id",
	[ST_TARGETS_ASC] = "SELECT peer, last_ms FROM conv"
	    " WHERE account = ?1 AND last_ms > ?2 AND last_ms < ?3"
	    " ORDER BY last_ms, id LIMIT ?4",
	[ST_TARGETS_DESC] = "SELECT peer, last_ms FROM"
	    " (SELECT id, peer, last_ms FROM conv WHERE account = ?1"
	    " AND last_ms > ?2 AND last_ms < ?3"
	    " ORDER BY last_ms DESC, id DESC LIMIT ?4) ORDER BY last_ms, id",
	[ST_POS_GET] = "SELECT seen FROM client WHERE account = ?1"
	    " AND name = ?2",
	[ST_POS_SET] = "INSERT INTO client (account, name, seen)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (account, name)"
	    " DO UPDATE SET seen = max(seen, excluded.seen)",
	[ST_UNSEEN_COUNT] = "SELECT count(*) FROM" ST_RUN_ROWS
	    " WHERE r.conv IN " ST_CONVS " AND r.hi > ?2 AND m.id > ?2",
	[ST_UNSEEN] = "SELECT u.id, u.time_ms, u.dir, u.text, c.peer FROM"
	    " msg AS u JOIN conv AS c ON c.id = u.conv WHERE u.id IN"
	    " (SELECT m.id FROM" ST_RUN_ROWS " WHERE r.conv IN " ST_CONVS
	    " AND r.hi > ?2 AND m.id > ?2 ORDER BY +m.id DESC LIMIT ?3)"
	    " ORDER BY u.id",
	[ST_MARKER_GET] = "SELECT time_ms FROM marker WHERE account = ?1"
	    " AND target = ?2",
	[ST_MARKER_SET] = "INSERT INTO marker (account, target, time_ms)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (account, target)"
	    " DO UPDATE SET time_ms = excluded.time_ms",
	[ST_PURGE_AGE] = "DELETE FROM msg WHERE id IN (SELECT id FROM"
	    " (SELECT id, time_ms FROM msg ORDER BY id LIMIT ?2)"
	    " WHERE time_ms < ?1)",
	[ST_ACCOUNTS] = "SELECT id FROM account ORDER BY id",
	[ST_PURGE_CUT] = "SELECT m.id FROM" ST_RUN_ROWS " WHERE r.conv IN "
	    ST_CONVS " ORDER BY +m.id DESC LIMIT 1 OFFSET ?2",
	[ST_PURGE_COUNT] = "DELETE FROM msg WHERE id IN (SELECT m.id FROM"
	    ST_RUN_ROWS " WHERE r.conv IN " ST_CONVS " AND r.lo <= ?2"
	    " AND m.id <= ?2 ORDER BY +m.id LIMIT ?3)",
	[ST_PURGE_CONV] = "DELETE FROM conv WHERE id IN (SELECT id FROM conv"
	    " AS c WHERE NOT EXISTS (SELECT 1 FROM msg_run"
	    " WHERE msg_run.conv = c.id) LIMIT ?1)",
	[ST_ACCOUNT_GEN] = "SELECT n FROM account_gen",
	[ST_USER_ADMIN] = "SELECT admin FROM account WHERE name = ?1",
	[ST_USER_SET_ADMIN] = "UPDATE account SET admin = ?2 WHERE name = ?1",
};

static const struct store_ops sqlite_ops = {
	.close = sqlite_close,
	.bulk = sqlite_bulk,
	.wal_pages = sqlite_wal_pages,
	.checkpoint = sqlite_checkpoint,
	.user_add = sqlite_user_add,
	.user_del = sqlite_user_del,
	.user_passwd = sqlite_user_passwd,
	.user_list = sqlite_user_list,
	.accounts_changed = sqlite_accounts_changed,
	.user_check = sqlite_user_check,
	.user_hash = sqlite_user_hash,
	.user_chat_name = sqlite_user_chat_name,
	.user_set_chat_name = sqlite_user_set_chat_name,
	.msg_add = sqlite_msg_add,
	.batch_begin = sqlite_batch_begin,
	.batch_end = sqlite_batch_end,
	.index = sqlite_index,
	.search_waits = 1,
	.index_step = 1024,	/* fewer FTS5 segments than 256 (p99) */
	.history = sqlite_history,
	.targets = sqlite_targets,
	.unseen = sqlite_unseen,
	.seen = sqlite_seen,
	.marker_get = sqlite_marker_get,
	.marker_set = sqlite_marker_set,
	.purge = sqlite_purge,
	.user_admin = sqlite_user_admin,
	.user_set_admin = sqlite_user_set_admin,
	.search = sqlite_search,
	.stats = sqlite_stats,
	.size = sqlite_size,
};

static int	store_pragmas(struct store *);
static int	store_version_ok(struct store *);
static int	store_migrate(struct store *);
static int	store_int_query(struct store *, const char *, long long *);
static int	store_prepare(struct store *);
static int	store_pos_set(struct store *, long long, const char *,
		    long long);
static int	store_marker_read(struct store *, long long, const char *,
		    long long *);

/*
 * Create the file with mode 0600 (SQLite gives -wal and -shm its mode).
 * An existing file is only looked at and chmod()ed by name: closing any
 * descriptor of it would drop the POSIX locks of every SQLite connection
 * this process already has on it (the writer's, the password thread's),
 * and another process could then reset the WAL under them.
 */
int
store_create_file(const char *path, char *err, size_t errlen)
{
	struct stat	sb;
	int		fd;

	if (stat(path, &sb) == -1 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1 && errno == EEXIST)	/* raced: it is there */
			return store_create_file(path, err, errlen);
		if (fd == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		close(fd);		/* new: nobody has it open */
		return 0;
	}
	if (stat(path, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if ((sb.st_mode & 07777) != 0600 && chmod(path, 0600) == -1) {
		snprintf(err, errlen, "%s: chmod 0600: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * WAL with synchronous=NORMAL: a commit is in the WAL file (the kernel's
 * page cache) before COMMIT returns, so a process crash or kill -9 loses
 * nothing committed; only a power loss or kernel crash can lose the last
 * commits before a checkpoint syncs them. That is the bouncer's promise.
 */
static int
store_pragmas(struct store *st)
{
	sqlite3_stmt	*s;
	long long	 v;
	int		 wal = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s,
	    NULL) != SQLITE_OK)
		return store_sqlfail(st, "journal_mode");
	if (sqlite3_step(s) == SQLITE_ROW)
		wal = sqlite3_stricmp((const char *)sqlite3_column_text(s, 0),
		    "wal") == 0;
	sqlite3_finalize(s);
	if (!wal)
		return store_fail(st, "cannot use WAL mode: %s",
		    sqlite3_errmsg(st->db));
	if (sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA cache_size = -" STORE_CACHE_KIB ";"
	    "PRAGMA wal_autocheckpoint = " STORE_CHECKPOINT, NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_sqlfail(st, "pragmas");
	if (store_int_query(st, "PRAGMA foreign_keys", &v) == -1 || v != 1)
		return store_fail(st, "SQLite without foreign keys");
	return 0;
}

/*
 * Ours and not from the future? Asked before anything is written, so a
 * file we refuse is left as it was (journal mode included).
 */
static int
store_version_ok(struct store *st)
{
	long long	v = 0, n = 0;	/* -O3 cannot see the -1 path */

	if (store_int_query(st, "PRAGMA user_version", &v) == -1 ||
	    store_int_query(st, "SELECT count(*) FROM sqlite_schema", &n) == -1)
		return -1;
	if (v > STORE_VERSION)
		return store_fail(st, "database schema version %lld is newer "
		    "than this chatircd knows (%d)", v, STORE_VERSION);
	if (v == 0 && n != 0)
		return store_fail(st, "not a chatircd database (tables, no "
		    "version)");
	return 0;
}

/* A one-number query (a PRAGMA): 0 and *v, or -1. */
static int
store_int_query(struct store *st, const char *sql, long long *v)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sqlfail(st, sql);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_sqlfail(st, sql);
	return 0;
}

/* Bring the schema to STORE_VERSION in one transaction. */
static int
store_migrate(struct store *st)
{
	long long	 v;
	char		 pragma[64], *msg = NULL;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_sqlfail(st, "begin");
	/* again, under the lock: another process may have migrated it */
	if (store_version_ok(st) == -1 ||
	    store_int_query(st, "PRAGMA user_version", &v) == -1)
		goto fail;
	for (; v < STORE_VERSION; v++)
		if (sqlite3_exec(st->db, store_migrations[v], NULL, NULL,
		    &msg) != SQLITE_OK) {
			store_fail(st, "migration to %lld: %s", v + 1, msg);
			sqlite3_free(msg);
			goto fail;
		}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;"
	    "PRAGMA application_id = %d", STORE_VERSION, STORE_APP_ID);
	if (sqlite3_exec(st->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_sqlfail(st, "schema version");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
store_prepare(struct store *st)
{
	int	i;

	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(st->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->st[i], NULL) != SQLITE_OK)
			return store_sqlfail(st, store_sql[i]);
	return 0;
}

/* Open, create or migrate the database at path. */
struct store *
sqlite_open(const char *path, char *err, size_t errlen)
{
	struct store	*st;
	sqlite3_stmt	*s;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return NULL;
	}
	if (store_create_file(path, err, errlen) == -1)
		return NULL;
	if ((st = calloc(1, sizeof *st)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/*
	 * No memory statistics (a global mutex on every allocation); one
	 * thread uses a connection at a time, so none per connection either.
	 * The first call wins (before SQLite starts); later ones are moot.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		store_sqlfail(st, path);
		goto fail;
	}
	if (sqlite3_busy_timeout(st->db, STORE_BUSY_MS) != SQLITE_OK ||
	    store_version_ok(st) == -1 || store_pragmas(st) == -1 ||
	    store_migrate(st) == -1 || store_prepare(st) == -1)
		goto fail;
	s = store_stmt(st, ST_MAX_TIME);
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_sqlfail(st, "max time");
		goto fail;
	}
	st->last_ms = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	st->c.ops = &sqlite_ops;
	return st;
fail:
	snprintf(err, errlen, "%s: %s", path, st->c.err);
	sqlite_close(st);
	return NULL;
}

/* Finalize every statement and close the database (checkpoints the WAL). */
void
sqlite_close(struct store *st)
{
	int	i;

	if (st == NULL)
		return;
	store_memo_clear(&st->memo);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->st[i]);
	sqlite3_finalize(st->pend_st);
	free(st->pend_text);
	store_search_close(st);
	sqlite3_close(st->db);
	free(st);
}

/*
 * Did an account change (added, deleted, new password) since the last
 * call? PRAGMA data_version moves when another connection commits (a
 * read of shared memory); only then is account_gen read. 1, 0 or -1.
 */
int
sqlite_accounts_changed(struct store *st)
{
	long long	v = 0, gen = 0;

	if (store_int_query(st, "PRAGMA data_version", &v) == -1)
		return -1;
	if (v == st->data_version)
		return 0;
	st->data_version = v;
	if (store_step_int(st, store_stmt(st, ST_ACCOUNT_GEN), &gen,
	    "account_gen") != 1)
		return -1;
	if (gen == st->account_gen)
		return 0;
	st->account_gen = gen;
	return 1;
}

/* After each commit of a bulk connection: how long the WAL is now. */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store	*st = arg;

	(void)db;
	(void)name;
	st->wal_pages = pages;
	return SQLITE_OK;
}

/*
 * For a connection that only adds messages and purges (the writer
 * thread's): no foreign key checks per row, two lookups fewer per
 * message (its ids come from the same transaction, so they hold; what it
 * deletes has no rows pointing at it), and no checkpoints in its commits
 * (a checkpoint syncs the disk: tens of ms): sqlite_wal_pages() says when
 * another connection should run sqlite_checkpoint().
 */
int
sqlite_bulk(struct store *st)
{
	if (sqlite3_exec(st->db, "PRAGMA foreign_keys = OFF", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_sqlfail(st, "foreign_keys");
	sqlite3_wal_hook(st->db, store_wal_hook, st);	/* replaces auto */
	return 0;
}

/* WAL pages after the last commit of a bulk connection. */
int
sqlite_wal_pages(const struct store *st)
{
	return st->wal_pages;
}

/*
 * Copy the WAL into the database as far as no reader needs it, without
 * blocking the writer (PASSIVE); the next write then starts the WAL over.
 */
int
sqlite_checkpoint(struct store *st)
{
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL) != SQLITE_OK)
		return store_sqlfail(st, "checkpoint");
	return 0;
}

/* A cached statement, ready to bind. */
sqlite3_stmt *
store_stmt(struct store *st, enum store_st which)
{
	sqlite3_stmt	*s = st->st[which];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Set the error text from SQLite and return -1. */
int
store_sqlfail(struct store *st, const char *what)
{
	return store_fail(st, "%s: %s", what, st->db != NULL ?
	    sqlite3_errmsg(st->db) : "no database");
}

/* Run a statement that returns no rows. */
int
store_exec(struct store *st, enum store_st which)
{
	sqlite3_stmt	*s = store_stmt(st, which);
	int		 rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, store_sql[which]);
	return 0;
}

/* Roll back the open transaction; the first error's text stays. */
int
store_abort(struct store *st)
{
	char	keep[STORE_ERR_MAX];

	memcpy(keep, st->c.err, sizeof keep);
	(void)store_exec(st, ST_ROLLBACK);
	memcpy(st->c.err, keep, sizeof keep);
	return -1;
}

/* An account's row id. */
int
store_account_id(struct store *st, const char *name, long long *id)
{
	sqlite3_stmt	*s = store_stmt(st, ST_ACCOUNT_ID);
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return store_fail(st, "no such user");
	return store_sqlfail(st, "account");
}

/* Create an account; its chat name is its name. */
int
sqlite_user_add(struct store *st, const char *name, const char *password)
{
	char		 hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt	*s;
	int		 rc;
	long long	 dummy;

	if (!store_name_ok(name))
		return store_fail(st, "account names are 1..%d letters and "
		    "digits", STORE_NAME_MAX);
	if (store_account_id(st, name, &dummy) == 0)
		return store_fail(st, "user exists");
	if (store_hash(st, password, hash, sizeof hash) == -1)
		return -1;
	s = store_stmt(st, ST_USER_ADD);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (long long)time(NULL) * 1000);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sodium_memzero(hash, sizeof hash);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "add user");
	return 0;
}

/* Delete an account with its messages, positions and markers. */
int
sqlite_user_del(struct store *st, const char *name)
{
	sqlite3_stmt	*s = store_stmt(st, ST_USER_DEL);
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "delete user");
	if (sqlite3_changes(st->db) == 0)
		return store_fail(st, "no such user");
	return 0;
}

/* Set a new password. */
int
sqlite_user_passwd(struct store *st, const char *name, const char *password)
{
	char		 hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt	*s;
	int		 rc;
	long long	 id;

	if (store_account_id(st, name, &id) == -1 ||
	    store_hash(st, password, hash, sizeof hash) == -1)
		return -1;
	s = store_stmt(st, ST_USER_PASSWD);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sodium_memzero(hash, sizeof hash);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "passwd");
	return 0;
}

/* Every account, by name. */
int
sqlite_user_list(struct store *st, store_user_cb *cb, void *ctx)
{
	sqlite3_stmt	*s = store_stmt(st, ST_USER_LIST);
	int		 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb(ctx, (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "list users");
	return 0;
}

/*
 * The password hash of an account, for a check made elsewhere (a thread:
 * store_hash_verify()): 1, or 0 for no such account with a stand-in hash
 * in buf that costs the same to check, or -1. buf holds
 * crypto_pwhash_STRBYTES.
 */
int
sqlite_user_hash(struct store *st, const char *name, char *buf)
{
	sqlite3_stmt	*s = store_stmt(st, ST_USER_HASH);
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		snprintf(buf, crypto_pwhash_STRBYTES, "%s",
		    sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "user hash");
	return store_dummy_hash(st, buf) == -1 ? -1 : 0;
}

/* Check a password: ok, wrong password, no such user, or an error. */
enum store_check
sqlite_user_check(struct store *st, const char *name, const char *password)
{
	sqlite3_stmt	*s = store_stmt(st, ST_USER_HASH);
	char		 hash[crypto_pwhash_STRBYTES];
	size_t		 n = strnlen(password, STORE_PASS_MAX + 1);
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		snprintf(hash, sizeof hash, "%s", sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		store_check_dummy(st, password, n);
		store_fail(st, "no such user");
		return STORE_CHECK_NO_USER;
	}
	if (rc != SQLITE_ROW) {
		store_sqlfail(st, "check user");
		return STORE_CHECK_ERROR;
	}
	if (n == 0 || n > STORE_PASS_MAX ||
	    crypto_pwhash_str_verify(hash, password, n) != 0) {
		store_fail(st, "wrong password");
		return STORE_CHECK_BAD_PASSWORD;
	}
	return STORE_CHECK_OK;
}

/* The chat name an account logs in with. */
int
sqlite_user_chat_name(struct store *st, const char *name, char *buf,
    size_t size)
{
	sqlite3_stmt	*s = store_stmt(st, ST_USER_CHAT);
	int		 rc, n = 0;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		n = snprintf(buf, size, "%s", sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return store_fail(st, "no such user");
	if (rc != SQLITE_ROW)
		return store_sqlfail(st, "chat name");
	if (n < 0 || (size_t)n >= size)
		return store_fail(st, "chat name too long for the buffer");
	return 0;
}

/* Log an account in upstream under another chat name. */
int
sqlite_user_set_chat_name(struct store *st, const char *name,
    const char *chat_name)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (!store_name_ok(chat_name))
		return store_fail(st, "chat names are 1..%d letters and digits",
		    STORE_NAME_MAX);
	s = store_stmt(st, ST_USER_SET_CHAT);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, chat_name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "set chat name");
	if (sqlite3_changes(st->db) == 0)
		return store_fail(st, "no such user");
	return 0;
}

/* 1 if the account may run admin commands, 0 if not, -1. */
int
sqlite_user_admin(struct store *st, const char *name)
{
	sqlite3_stmt	*s = store_stmt(st, ST_USER_ADMIN);
	long long	 v = 0;
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = store_step_int(st, s, &v, "admin")) == 0)
		return store_fail(st, "no such user");
	return rc == -1 ? -1 : v != 0;
}

/* Make an account admin (on 1) or not (0). */
int
sqlite_user_set_admin(struct store *st, const char *name, int on)
{
	sqlite3_stmt	*s = store_stmt(st, ST_USER_SET_ADMIN);
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, on != 0);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "set admin");
	if (sqlite3_changes(st->db) == 0)
		return store_fail(st, "no such user");
	return 0;
}

/* Raise one position row to at least id. */
static int
store_pos_set(struct store *st, long long account, const char *client,
    long long id)
{
	sqlite3_stmt	*s = store_stmt(st, ST_POS_SET);
	int		 rc;

	sqlite3_bind_int64(s, 1, account);
	sqlite3_bind_text(s, 2, client, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "seen");
	return 0;
}

/*
 * Where playback starts for (account, client): the client's own row, else
 * the account's ("" row), else the beginning.
 */
int
store_position(struct store *st, long long account, const char *client,
    long long *id)
{
	sqlite3_stmt	*s;
	int		 rc, pass;

	*id = 0;
	if (client != NULL && *client != '\0' && !store_client_ok(client))
		return store_fail(st, "client names are 1..%d of "
		    "[A-Za-z0-9._-]", STORE_CLIENT_MAX);
	for (pass = client == NULL || *client == '\0'; pass < 2; pass++) {
		s = store_stmt(st, ST_POS_GET);
		sqlite3_bind_int64(s, 1, account);
		sqlite3_bind_text(s, 2, pass == 0 ? client : "", -1,
		    SQLITE_STATIC);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW)
			*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc == SQLITE_ROW)
			return 0;
		if (rc != SQLITE_DONE)
			return store_sqlfail(st, "position");
	}
	return 0;
}

/*
 * A client saw msgid: its own position and the account's move up to it
 * (so a client without a name, or a new one, starts past what any client
 * of the account has seen).
 */
int
sqlite_seen(struct store *st, const char *account, const char *client,
    const char *msgid)
{
	long long	acc, id;

	if (store_msgid_parse(msgid, &id) == -1)
		return store_fail(st, "not one of our msgids");
	if (client != NULL && *client != '\0' && !store_client_ok(client))
		return store_fail(st, "client names are 1..%d of "
		    "[A-Za-z0-9._-]", STORE_CLIENT_MAX);
	if (store_account_id(st, account, &acc) == -1 ||
	    store_exec(st, ST_BEGIN) == -1)
		return -1;
	if ((client != NULL && *client != '\0' &&
	    store_pos_set(st, acc, client, id) == -1) ||
	    store_pos_set(st, acc, "", id) == -1 ||
	    store_exec(st, ST_COMMIT) == -1)
		return store_abort(st);
	return 0;
}

/* The marker row of an account id: 1 and *time_ms, 0 if none, -1. */
static int
store_marker_read(struct store *st, long long acc, const char *target,
    long long *time_ms)
{
	sqlite3_stmt	*s = store_stmt(st, ST_MARKER_GET);

	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_text(s, 2, target, -1, SQLITE_STATIC);
	return store_step_int(st, s, time_ms, "marker");
}

int
store_step_int(struct store *st, sqlite3_stmt *s, long long *out,
    const char *what)
{
	int	rc;

	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_sqlfail(st, what);
}

/* The read marker of (account, target). */
int
sqlite_marker_get(struct store *st, const char *account, const char *target,
    long long *time_ms)
{
	long long	acc;

	if (store_account_id(st, account, &acc) == -1)
		return -1;
	return store_marker_read(st, acc, target, time_ms);
}

/* read-marker: "MUST only ever increase"; *stored is the kept value. */
int
sqlite_marker_set(struct store *st, const char *account, const char *target,
    long long time_ms, long long *stored)
{
	sqlite3_stmt	*s;
	long long	 acc, old = -1;
	int		 rc, have;

	if (target == NULL || *target == '\0' ||
	    strnlen(target, STORE_TARGET_MAX + 1) > STORE_TARGET_MAX ||
	    time_ms < 0)
		return store_fail(st, "bad read marker");
	if (store_account_id(st, account, &acc) == -1 ||
	    store_exec(st, ST_BEGIN) == -1)
		return -1;
	if ((have = store_marker_read(st, acc, target, &old)) == -1)
		return store_abort(st);
	if (have && old >= time_ms) {
		*stored = old;
		return store_exec(st, ST_COMMIT) == -1 ? store_abort(st) : 0;
	}
	s = store_stmt(st, ST_MARKER_SET);
	sqlite3_bind_int64(s, 1, acc);
	sqlite3_bind_text(s, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, time_ms);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_sqlfail(st, "set marker");
		return store_abort(st);
	}
	if (store_exec(st, ST_COMMIT) == -1)
		return store_abort(st);
	*stored = time_ms;
	return 1;
}
