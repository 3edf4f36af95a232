/*
 * Fuzz store_shown(): whatever --db holds, the text for the log fits the
 * buffer, is NUL-terminated, and shows no password: after "user:" in a
 * URI's authority and after "password=" only "***" (or the URI is
 * replaced whole).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define FUZZ_CHECK(x)	do { if (!(x)) abort(); } while (0)
#define FUZZ_MAX	1024

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 pfx[] = "postgresql://";
	char			 db[FUZZ_MAX + sizeof pfx], buf[64];
	const char		*out, *pw, *auth, *end, *at;
	size_t			 n = size > FUZZ_MAX ? FUZZ_MAX : size;
	int			 as_uri = n > 0 && (data[0] & 1);

	if (as_uri) {			/* a URI most of the time */
		memcpy(db, pfx, sizeof pfx - 1);
		memcpy(db + sizeof pfx - 1, data + 1, n - 1);
		db[sizeof pfx - 1 + n - 1] = '\0';
	} else {
		memcpy(db, data, n);
		db[n] = '\0';
	}
	out = store_shown(db, buf, sizeof buf);
	FUZZ_CHECK(out != NULL);
	if (out == db)
		return 0;		/* not a URI: a path, shown as it is */
	FUZZ_CHECK(out == buf || strcmp(out, "postgresql://...") == 0);
	if (out != buf)
		return 0;
	FUZZ_CHECK(memchr(buf, '\0', sizeof buf) != NULL);
	if ((pw = strstr(buf, "password=")) != NULL)
		FUZZ_CHECK(strcmp(pw, "password=***") == 0);
	/* a password in the authority (to its first '/') shows as "***" */
	auth = strstr(buf, "://") + 3;
	end = auth + strcspn(auth, "/");
	for (at = end; at > auth && at[-1] != '@'; at--)
		;
	if (at > auth && memchr(auth, ':', (size_t)(at - 1 - auth)) != NULL)
		FUZZ_CHECK(at - 1 - auth >= 4 &&
		    memcmp(at - 4, "***@", 4) == 0);
	return 0;
}
