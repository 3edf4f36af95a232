/*
 * account_cli: account maintenance from the command line against the
 * store, then exit. The password comes from one line of input so that
 * scripts can pipe it; it is never an argument (ps would show it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "account_cli.h"
#include "store.h"

struct account_cli_list {
	struct store	*st;
	FILE		*out;
};

static int	account_cli_password(FILE *, FILE *, char *, size_t);
static void	account_cli_print(void *, const char *, const char *);
static int	account_cli_op(struct store *, const char *, const char *,
		    int, const char *, FILE *);

/* One line, CR LF or LF stripped; -1 if empty, too long or missing. */
static int
account_cli_password(FILE *in, FILE *err, char *buf, size_t size)
{
	size_t	n;

	if (isatty(fileno(in)))
		fputs("Password: ", err);
	if (fgets(buf, (int)size, in) == NULL) {
		fputs("chatircd: no password on standard input\n", err);
		return -1;
	}
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(in)) {
		fprintf(err, "chatircd: password longer than %d bytes\n",
		    STORE_PASS_MAX);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0 || strlen(buf) != n) {
		fputs("chatircd: empty password (or a NUL in it)\n", err);
		return -1;
	}
	return 0;
}

static void
account_cli_print(void *ctx, const char *name, const char *chat_name)
{
	struct account_cli_list	*l = ctx;

	fprintf(l->out, "%s %s%s\n", name, chat_name,
	    store_user_admin(l->st, name) == 1 ? " admin" : "");
}

/* Run one account operation with the process's standard streams. */
int
account_cli_run(const char *db, const char *op, const char *name, int admin)
{
	return account_cli_run_io(db, op, name, admin, stdin, stdout, stderr);
}

/* The operation itself, on an open store; 0 or -1. */
static int
account_cli_op(struct store *st, const char *op, const char *name,
    int admin, const char *pass, FILE *out)
{
	struct account_cli_list	 l = { st, out };
	int			 rc;

	if (strcmp(op, "list-users") == 0)
		return store_user_list(st, account_cli_print, &l);
	if (strcmp(op, "del-user") == 0)
		return store_user_del(st, name);
	if (strcmp(op, "set-admin") == 0)
		return store_user_set_admin(st, name, admin != 0);
	rc = strcmp(op, "add-user") == 0 ? store_user_add(st, name, pass) :
	    store_user_passwd(st, name, pass);
	if (rc == 0 && admin != -1)
		rc = store_user_set_admin(st, name, admin);
	return rc;
}

/* Run one account operation. */
int
account_cli_run_io(const char *db, const char *op, const char *name,
    int admin, FILE *in, FILE *out, FILE *err)
{
	char		 why[512], pass[STORE_PASS_MAX + 2] = "";
	struct store	*st;
	int		 rc = -1, need_pass, need_name;

	need_pass = strcmp(op, "add-user") == 0 || strcmp(op, "passwd") == 0;
	need_name = need_pass || strcmp(op, "del-user") == 0 ||
	    strcmp(op, "set-admin") == 0;
	if (!need_name && strcmp(op, "list-users") != 0) {
		fprintf(err, "chatircd: unknown account operation %s\n", op);
		return EXIT_FAILURE;
	}
	if (need_name && (name == NULL || *name == '\0')) {
		fprintf(err, "chatircd: --%s needs a NAME\n", op);
		return EXIT_FAILURE;
	}
	if ((st = store_open(db, why, sizeof why)) == NULL) {
		fprintf(err, "chatircd: %s\n", why);
		return EXIT_FAILURE;
	}
	if (need_pass && account_cli_password(in, err, pass, sizeof pass) == -1)
		goto done;
	rc = account_cli_op(st, op, name, admin, pass, out);
	if (rc == -1)
		fprintf(err, "chatircd: %s%s%s\n", name != NULL ? name : "",
		    name != NULL ? ": " : "", store_error(st));
done:
	sodium_memzero(pass, sizeof pass);
	store_close(st);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
