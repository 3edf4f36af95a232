/*
 * account_cli: chatircd --db FILE --add-user/--del-user/--passwd NAME and
 * --list-users, run before the daemon starts; main.c calls it.
 */
#ifndef ACCOUNT_CLI_H
#define ACCOUNT_CLI_H

#include <stdio.h>

/*
 * op is "add-user", "del-user", "passwd" or "list-users" (name unused).
 * add-user and passwd read the password as one line of standard input.
 * Messages go to stderr, the list to stdout. Returns the exit code.
 */
int	account_cli_run(const char *db, const char *op, const char *name);

/* The same with the streams given (tests). */
int	account_cli_run_io(const char *db, const char *op, const char *name,
	    FILE *in, FILE *out, FILE *err);

#endif
