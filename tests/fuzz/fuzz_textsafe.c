/*
 * Fuzz textsafe: whatever the bytes, the text and name outputs hold no
 * ESC, no C1 (raw or as UTF-8), no BS, DEL, NUL, CR or LF, are valid
 * UTF-8 within TEXTSAFE_MAX, do not change when rewritten again, and a
 * short dst gets a prefix of whole characters of the same output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textsafe.h"
#include "utf8.h"

#define FUZZ_CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_chars(const char *, size_t, int);
static void	check_one(const char *, size_t, size_t, int);

/* Character by character: nothing that can drive a terminal. */
static void
check_chars(const char *out, size_t n, int name)
{
	const unsigned char	*p = (const unsigned char *)out;
	size_t			 i, c;
	int			 action = !name && textsafe_is_action(out, n);

	FUZZ_CHECK(utf8_valid(out, n));
	FUZZ_CHECK(memchr(out, 0x1b, n) == NULL);
	for (i = 0; i < n; i += c) {
		c = utf8_char_len(out + i, n - i);
		FUZZ_CHECK(c > 1 || p[i] < 0x80);	/* no raw C1 */
		FUZZ_CHECK(!(c == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0));
		FUZZ_CHECK(p[i] != 0x7f);
		if (p[i] >= 0x20)
			FUZZ_CHECK(!(name && p[i] == ' '));
		else if (p[i] == 0x01)
			FUZZ_CHECK(action && (i == 0 || i == n - 1));
		else
			FUZZ_CHECK(!name && p[i] != 0 &&
			    strchr("\x02\x03\x0f\x11\x16\x1d\x1e\x1f",
			    p[i]) != NULL);
	}
}

static void
check_one(const char *in, size_t len, size_t small, int name)
{
	size_t	(*fn)(char *, size_t, const char *, size_t) =
		    name ? textsafe_name : textsafe_text;
	size_t	(*span)(const char *, size_t) =
		    name ? textsafe_name_span : textsafe_text_span;
	size_t	 size = TEXTSAFE_MAX(len) + 1, n, again, cut;
	char	*out = malloc(size), *out2 = malloc(size);

	FUZZ_CHECK(out != NULL && out2 != NULL);
	n = fn(out, size, in, len);
	FUZZ_CHECK(n < size && strlen(out) == n);
	FUZZ_CHECK(len == 0 || n > 0);
	check_chars(out, n, name);
	FUZZ_CHECK((span(in, len) == len) ==
	    (n == len && memcmp(out, in, len) == 0));
	again = fn(out2, size, out, n);		/* idempotent */
	FUZZ_CHECK(again == n && memcmp(out, out2, n) == 0);
	FUZZ_CHECK(span(out, n) == n);
	if (small > size)
		small = size;
	memset(out2, 'X', size);
	FUZZ_CHECK(fn(out2, small, in, len) == n);
	if (small > 0) {
		cut = strlen(out2);
		FUZZ_CHECK(cut < small && memcmp(out2, out, cut) == 0);
		FUZZ_CHECK(utf8_cut(out, n, cut) == cut);
		FUZZ_CHECK(cut == n ||
		    cut + utf8_char_len(out + cut, n - cut) >= small);
		if (small < size)
			FUZZ_CHECK(out2[small] == 'X');
	} else
		FUZZ_CHECK(out2[0] == 'X');
	free(out);
	free(out2);
}

/* First byte: a short dst size to try; the rest is the text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data + 1;
	size_t		 small;

	if (size == 0)
		return 0;
	small = data[0];
	check_one(in, size - 1, small, 0);
	check_one(in, size - 1, small, 1);
	return 0;
}
