/*
 * search: the attributes of soju.im/search's SEARCH command ("text=brown;
 * in=bob;limit=10", escaped like message tag values) parsed into a
 * request, the same for every store backend. No I/O: the caller sends
 * FAIL or asks the store.
 */
#ifndef SEARCH_H
#define SEARCH_H

#include <stddef.h>

#include "chathistory.h"

#define SEARCH_TEXT_MAX		400	/* bytes of text= after unescaping */
#define SEARCH_NAME_MAX		CHATHISTORY_TARGET_MAX	/* in=, from= */
#define SEARCH_ATTRS_MAX	2048	/* bytes of the whole parameter */

struct search_req {
	char		 text[SEARCH_TEXT_MAX + 1];	/* "": any text */
	char		 in[SEARCH_NAME_MAX + 1];	/* "": every peer */
	char		 from[SEARCH_NAME_MAX + 1];	/* "": anyone */
	long long	 after_ms;	/* exclusive; -1: no bound */
	long long	 before_ms;	/* exclusive; -1: no bound */
	int		 limit;		/* 1..the caller's maximum */
	/* set by the caller before store_search(), names as the store's */
	int		 from_self;	/* from= is the account itself */
};

enum search_err {
	SEARCH_OK = 0,
	SEARCH_ERR_EMPTY,		/* no attribute */
	SEARCH_ERR_TOO_LONG,		/* the parameter or a value */
	SEARCH_ERR_SYNTAX,		/* an attribute without key=value */
	SEARCH_ERR_UNKNOWN,		/* a key we do not know */
	SEARCH_ERR_TWICE,		/* a key given twice */
	SEARCH_ERR_BAD_TIME,
	SEARCH_ERR_BAD_LIMIT,
	SEARCH_ERR_BAD_NAME,		/* in=, from=: empty or a control */
	SEARCH_ERR_NO_WORDS		/* text= holds nothing to look for */
};

/*
 * Parse SEARCH's parameter. A limit above max_limit is lowered to it; no
 * limit means max_limit. Returns SEARCH_OK or the reason; the FAIL code
 * is INVALID_PARAMS for every one, search_err_text() says which.
 */
enum search_err	 search_parse(const char *attrs, int max_limit,
		    struct search_req *req);
const char	*search_err_text(enum search_err);

/*
 * A byte that makes a word worth looking for (a letter, a digit, UTF-8);
 * text with none holds nothing to search for. Each backend turns the
 * words into its engine's query (SQLite: sqlite_search.c; PostgreSQL:
 * postgres_search.c).
 */
int		 search_wordy(unsigned char);
int		 search_text_ok(const char *text);

/*
 * The user's words and "phrases" of text= (a quote opens a phrase, the
 * next closes it or the end does), each with a wordy byte given to fn in
 * turn (not NUL-terminated). Returns how many, or -1 when fn does.
 */
typedef int	 search_word_fn(void *ctx, const char *word, size_t len);
int		 search_split(const char *text, search_word_fn *, void *ctx);

/* Who from= and in= leave: the peer ("" all) and the direction. */
enum search_dir {
	SEARCH_DIR_ANY = -1,
	SEARCH_DIR_IN = 0,		/* from= the peer: store.h's STORE_IN */
	SEARCH_DIR_OUT = 1		/* from= the account: STORE_OUT */
};
/* 0: nothing can match (from= one peer, in= another); 1: *peer, *dir. */
int		 search_scope(const struct search_req *, const char **peer,
		    enum search_dir *);

#endif
