/* Placeholder until the gateway lands (issue 3). */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "chatircd: not built yet\n");
	return 1;
}
