/*
 * UTF-8 helpers for cutting text: validity and character boundaries.
 * Invalid bytes count as one-byte characters, so nothing is ever lost.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* 1 if s[0..len) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int	utf8_valid(const char *s, size_t len);
/* Length of the character at s (1..4; 1 for an invalid byte; 0 if len 0). */
size_t	utf8_char_len(const char *s, size_t len);
/* Largest n <= max such that s[0..n) ends on a character boundary. */
size_t	utf8_cut(const char *s, size_t len, size_t max);

#endif
