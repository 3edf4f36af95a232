/*
 * linebuf: lines cut at every offset, many per chunk, CRLF and LF, empty
 * and overlong lines, and the memory bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linebuf.h"

#define GOT_MAX		2048
#define TOO_LONG	"<too long>"

struct got {
	int	 n;
	char	*lines[GOT_MAX];
};

static void	got_free(struct got *);
static void	drain(struct linebuf *, struct got *);
static void	feed(struct linebuf *, struct got *, const char *, size_t);
static void	feed_pieces(size_t, const char *, size_t, size_t,
		    struct got *);
static void	expect_lines(const struct got *, const char *const *, int);

static void
got_free(struct got *g)
{
	int	i;

	for (i = 0; i < g->n; i++)
		free(g->lines[i]);
	g->n = 0;
}

/* Take every complete line out; each must be NUL-terminated in place. */
static void
drain(struct linebuf *lb, struct got *g)
{
	enum linebuf_result	 r;
	char			*line;
	size_t			 len;

	while ((r = linebuf_next(lb, &line, &len)) != LINEBUF_NONE) {
		assert_true(g->n < GOT_MAX);
		if (r == LINEBUF_TOO_LONG) {
			g->lines[g->n++] = strdup(TOO_LONG);
			continue;
		}
		assert_int_equal(r, LINEBUF_LINE);
		assert_true(len <= lb->max);
		assert_int_equal(line[len], '\0');
		assert_null(memchr(line, '\n', len));
		g->lines[g->n++] = strndup(line, len);
	}
	assert_true(lb->cap <= lb->max + 2);
}

/* Feed all of p, taking lines out whenever the framer is full. */
static void
feed(struct linebuf *lb, struct got *g, const char *p, size_t n)
{
	size_t	k;
	int	stuck = 0;

	while (n > 0) {
		k = linebuf_feed(lb, p, n);
		assert_int_not_equal(k, (size_t)-1);
		assert_true(k <= n);
		assert_true(lb->cap <= lb->max + 2);
		stuck = k == 0 ? stuck + 1 : 0;
		assert_true(stuck < 3);
		p += k;
		n -= k;
		drain(lb, g);
	}
}

/* Feed s as pieces: [0, split) and the rest, or byte by byte if step. */
static void
feed_pieces(size_t max, const char *s, size_t split, size_t step,
    struct got *g)
{
	struct linebuf	lb;
	size_t		len = strlen(s), i;

	linebuf_init(&lb, max);
	if (step > 0) {
		for (i = 0; i < len; i += step)
			feed(&lb, g, s + i, len - i < step ? len - i : step);
	} else {
		feed(&lb, g, s, split);
		feed(&lb, g, s + split, len - split);
	}
	drain(&lb, g);
	assert_int_equal(linebuf_pending(&lb), 0);
	assert_null(lb.buf);		/* drained: nothing held */
	linebuf_free(&lb);
}

static void
expect_lines(const struct got *g, const char *const *want, int n)
{
	int	i;

	assert_int_equal(g->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(g->lines[i], want[i]);
}

static const char mixed[] = "HELLO alice\r\nWHO\n\nSEND bob hi there\r\n"
    "\r\nDELIVERY x \xc3\xa9t\xc3\xa9\n";
static const char *const mixed_want[] = { "HELLO alice", "WHO", "",
    "SEND bob hi there", "", "DELIVERY x \xc3\xa9t\xc3\xa9" };

static void
test_every_split(void **state)
{
	struct got	g = { 0 };
	size_t		i, max;

	(void)state;
	/* 17 is the longest line exactly; larger bounds change nothing. */
	for (max = 17; max <= 1024; max = max * 4) {
		for (i = 0; i <= strlen(mixed); i++) {
			feed_pieces(max, mixed, i, 0, &g);
			expect_lines(&g, mixed_want, 6);
			got_free(&g);
		}
	}
}

static void
test_byte_at_a_time(void **state)
{
	struct got	g = { 0 };
	size_t		step;

	(void)state;
	for (step = 1; step <= 8; step++) {
		feed_pieces(17, mixed, 0, step, &g);
		expect_lines(&g, mixed_want, 6);
		got_free(&g);
	}
}

static void
test_many_in_one_chunk(void **state)
{
	struct linebuf	 lb;
	struct got	 g = { 0 };
	char		*big, want[32];
	size_t		 off = 0;
	int		 i;

	(void)state;
	big = malloc(1000 * 16);
	assert_non_null(big);
	for (i = 0; i < 1000; i++)
		off += (size_t)sprintf(big + off, "SEND u%d x%s", i,
		    i % 2 ? "\r\n" : "\n");
	linebuf_init(&lb, 64);
	feed(&lb, &g, big, off);
	assert_int_equal(g.n, 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(want, sizeof want, "SEND u%d x", i);
		assert_string_equal(g.lines[i], want);
	}
	got_free(&g);
	linebuf_free(&lb);
	free(big);
}

/* A full line's worth held: feed takes only what fits. */
static void
test_feed_takes_what_fits(void **state)
{
	struct linebuf	 lb;
	char		*line;
	size_t		 len;

	(void)state;
	linebuf_init(&lb, 4);
	assert_int_equal(linebuf_feed(&lb, "ab\ncd\nef\n", 9), 6);
	assert_int_equal(lb.cap, 6);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_LINE);
	assert_string_equal(line, "ab");
	assert_int_equal(linebuf_feed(&lb, "ef\n", 3), 3);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_LINE);
	assert_string_equal(line, "cd");
	assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_LINE);
	assert_string_equal(line, "ef");
	assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_NONE);
	linebuf_free(&lb);
}

static void
test_cr_handling(void **state)
{
	struct got		 g = { 0 };
	static const char *const want[] = { "a\r", "", "b", "\rc", "d\re" };

	(void)state;
	feed_pieces(8, "a\r\r\n\r\nb\r\n\rc\nd\re\n", 0, 1, &g);
	expect_lines(&g, want, 5);
	got_free(&g);
}

static void
test_bound_exact(void **state)
{
	struct got		 g = { 0 };
	static const char *const want[] = { "12345678", "12345678",
	    TOO_LONG, TOO_LONG, "x" };
	size_t			 i;
	const char		*s = "12345678\n12345678\r\n123456789\n"
	    "123456789\r\nx\n";

	(void)state;
	for (i = 0; i <= strlen(s); i++) {
		feed_pieces(8, s, i, 0, &g);
		expect_lines(&g, want, 5);
		got_free(&g);
	}
}

static void
test_too_long_resumes(void **state)
{
	struct got		 g = { 0 };
	static const char *const want[] = { "short", TOO_LONG, "after", "",
	    TOO_LONG, "end" };
	char			 s[512];
	size_t			 i;

	(void)state;
	snprintf(s, sizeof s, "short\n%0100d\nafter\n\n%050d\r\nend\n", 0, 0);
	for (i = 0; i <= strlen(s); i++) {
		feed_pieces(8, s, i, 0, &g);
		expect_lines(&g, want, 6);
		got_free(&g);
	}
	feed_pieces(8, s, 0, 1, &g);
	expect_lines(&g, want, 6);
	got_free(&g);
	feed_pieces(8, s, 0, 7, &g);
	expect_lines(&g, want, 6);
	got_free(&g);
}

/* A megabyte with no LF: memory stays at the bound, skipped counts it. */
static void
test_endless_line(void **state)
{
	struct linebuf	 lb;
	struct got	 g = { 0 };
	char		 chunk[4096];
	int		 i;

	(void)state;
	memset(chunk, 'x', sizeof chunk);
	linebuf_init(&lb, 100);
	for (i = 0; i < 256; i++) {
		feed(&lb, &g, chunk, sizeof chunk);
		assert_true(lb.cap <= 102);
	}
	assert_int_equal(g.n, 0);
	assert_int_equal(lb.skipped, 256 * sizeof chunk);
	feed(&lb, &g, "\nok\n", 4);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], TOO_LONG);
	assert_string_equal(g.lines[1], "ok");
	assert_int_equal(lb.skipped, 256 * sizeof chunk);
	got_free(&g);
	linebuf_free(&lb);
}

static void
test_idle_holds_nothing(void **state)
{
	struct linebuf	 lb;
	struct got	 g = { 0 };
	char		*line;
	size_t		 len;

	(void)state;
	linebuf_init(&lb, 65536);
	assert_null(lb.buf);
	assert_int_equal(lb.cap, 0);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_NONE);
	feed(&lb, &g, "abc\nde", 6);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "abc");
	assert_int_equal(linebuf_pending(&lb), 2);
	assert_non_null(lb.buf);
	assert_true(lb.cap < 1024);	/* grows with what it holds */
	feed(&lb, &g, "f\n", 2);
	assert_string_equal(g.lines[1], "def");
	assert_null(lb.buf);
	assert_int_equal(lb.cap, 0);
	got_free(&g);
	linebuf_free(&lb);
	linebuf_init(&lb, 10);		/* may be initialised again */
	feed(&lb, &g, "x\n", 2);
	assert_int_equal(g.n, 1);
	got_free(&g);
	linebuf_free(&lb);
}

static void
test_pending(void **state)
{
	struct linebuf	 lb;

	(void)state;
	linebuf_init(&lb, 100);
	assert_int_equal(linebuf_pending(&lb), 0);
	assert_int_equal(linebuf_feed(&lb, "ab\ncd\nxyz", 9), 9);
	assert_int_equal(linebuf_pending(&lb), 3);
	assert_int_equal(linebuf_feed(&lb, "\n", 1), 1);
	assert_int_equal(linebuf_pending(&lb), 0);
	linebuf_free(&lb);
}

/* NUL bytes are data: the length, not the terminator, says where it ends. */
static void
test_nul_inside(void **state)
{
	struct linebuf	 lb;
	char		*line;
	size_t		 len;

	(void)state;
	linebuf_init(&lb, 10);
	assert_int_equal(linebuf_feed(&lb, "a\0b\n", 4), 4);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINEBUF_LINE);
	assert_int_equal(len, 3);
	assert_memory_equal(line, "a\0b", 4);
	linebuf_free(&lb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_many_in_one_chunk),
		cmocka_unit_test(test_feed_takes_what_fits),
		cmocka_unit_test(test_cr_handling),
		cmocka_unit_test(test_bound_exact),
		cmocka_unit_test(test_too_long_resumes),
		cmocka_unit_test(test_endless_line),
		cmocka_unit_test(test_idle_holds_nothing),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_nul_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
