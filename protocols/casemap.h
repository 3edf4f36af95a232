/*
 * Nick case folding as advertised in ISUPPORT CASEMAPPING=ascii, and the
 * reversible mapping between case-sensitive chat names and IRC nicks.
 */
#ifndef CASEMAP_H
#define CASEMAP_H

#include <stddef.h>

#include "chat.h"

/*
 * Longest nick casemap_to_nick() makes: every letter of a longest chat
 * name a capital ("_x" each), or a digit and 63 capitals. ISUPPORT
 * NICKLEN must say this (128), not CHAT_NAME_MAX.
 */
#define CASEMAP_NICK_MAX	(2 * CHAT_NAME_MAX)

/*
 * Fold src into dst (size bytes, NUL included). Returns 0, or -1 when
 * src does not fit (dst is then an empty string).
 */
int	casemap_fold(char *dst, size_t size, const char *src);
/* strcmp() of the folded forms. */
int	casemap_cmp(const char *, const char *);

/*
 * The IRC nick of chat name (chat_name_valid(), at most CHAT_NAME_MAX)
 * into dst (size bytes; CASEMAP_NICK_MAX + 1 always do): 0, or -1 when
 * name is no chat name or dst is too small (dst is then "").
 */
int	casemap_to_nick(char *dst, size_t size, const char *name);
/*
 * The chat name behind nick, typed in any case: 0, or -1 when no chat
 * name maps to it or dst is too small (dst is then "").
 */
int	casemap_to_name(char *dst, size_t size, const char *nick);
/*
 * The same, cut to what fits in dst and CHAT_NAME_MAX: returns the
 * length of the whole chat name (more than CHAT_NAME_MAX: it was cut),
 * or 0 when no chat name maps to nick (dst is then "").
 */
size_t	casemap_to_name_cut(char *dst, size_t size, const char *nick);

#endif
