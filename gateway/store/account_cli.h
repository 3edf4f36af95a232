/*
 * account_cli: chatircd --db FILE --add-user/--del-user/--passwd/--set-admin
 * NAME and --list-users, run before the daemon starts; main.c calls it.
 */
#ifndef ACCOUNT_CLI_H
#define ACCOUNT_CLI_H

#include <stdio.h>

/*
 * op is "add-user", "del-user", "passwd", "set-admin" or "list-users"
 * (name unused). add-user and passwd read the password as one line of
 * standard input. admin: 1 (--admin), 0 (--no-admin) or -1 (neither)
 * for add-user, passwd and set-admin (-1 there means 1). Messages go to
 * stderr, the list to stdout. Returns the exit code.
 */
int	account_cli_run(const char *db, const char *op, const char *name,
	    int admin);

/* The same with the streams given (tests). */
int	account_cli_run_io(const char *db, const char *op, const char *name,
	    int admin, FILE *in, FILE *out, FILE *err);

#endif
