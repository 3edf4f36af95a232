/*
 * spool.c alone: records come back whole and in order across many
 * buffers of writes and reads, interleaved, and the spool still works
 * once emptied; a record too big, or a buffer too small, is refused.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bouncer/spool.h"

static char	peer[256], text[SPOOL_MAX + 1];

static struct spool *
new_spool(void)
{
	char		 err[256];
	const char	*tmp = getenv("TMPDIR");
	struct spool	*sp = spool_new(tmp != NULL ? tmp : "/tmp", err,
	    sizeof err);

	assert_non_null(sp);
	return sp;
}

/* Record i's text: "i:" and letters, of a length that varies with i. */
static size_t
record(int i, char *buf)
{
	size_t	n = 8 + (size_t)(i * 37) % 700;
	int	k = snprintf(buf, n + 1, "%d:", i);

	memset(buf + k, 'a' + i % 26, n - (size_t)k);
	return n;
}

static void
check_next(struct spool *sp, int i)
{
	char		 want[1024];
	size_t		 n = record(i, want), len;
	long long	 t;

	assert_int_equal(spool_get(sp, &t, peer, sizeof peer, text,
	    sizeof text, &len), 1);
	assert_int_equal(t, 1000LL + i);
	assert_string_equal(peer, i % 2 ? "bob" : "carol");
	assert_int_equal(len, n);
	assert_memory_equal(text, want, n);
	assert_int_equal(text[len], '\0');
}

static void
put(struct spool *sp, int i)
{
	char	buf[1024];
	size_t	n = record(i, buf);

	assert_int_equal(spool_put(sp, 1000LL + i, i % 2 ? "bob" : "carol",
	    buf, n), 0);
}

static void
test_order_across_buffers(void **state)
{
	struct spool	*sp = new_spool();
	long long	 t;
	size_t		 len;
	int		 i, got = 0;

	(void)state;
	for (i = 0; i < 5000; i++) {		/* several MiB: many flushes */
		put(sp, i);
		if (i % 3 == 0)			/* reads between the writes */
			check_next(sp, got++);
	}
	assert_int_equal(spool_count(sp), 5000 - got);
	assert_true(spool_bytes(sp) > 0);
	while (got < 5000)
		check_next(sp, got++);
	assert_int_equal(spool_count(sp), 0);
	assert_int_equal(spool_bytes(sp), 0);
	assert_int_equal(spool_get(sp, &t, peer, sizeof peer, text,
	    sizeof text, &len), 0);
	put(sp, 7);				/* still usable once empty */
	check_next(sp, 7);
	spool_free(sp);
}

static void
test_too_big_refused(void **state)
{
	struct spool	*sp = new_spool();
	static char	 big[SPOOL_MAX];
	char		 small[4];
	long long	 t;
	size_t		 len;

	(void)state;
	memset(big, 'x', sizeof big);
	errno = 0;
	assert_int_equal(spool_put(sp, 1, "bob", big, sizeof big), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(spool_count(sp), 0);
	assert_int_equal(spool_put(sp, 2, "bob", "hello", 5), 0);
	/* a buffer too small for the record: refused, not overrun */
	assert_int_equal(spool_get(sp, &t, peer, sizeof peer, small,
	    sizeof small, &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	spool_free(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_across_buffers),
		cmocka_unit_test(test_too_big_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
