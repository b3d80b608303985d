/*
 * engine/debug.c - the failure path of TALLY_ASSERT, TALLY_ALWAYS and
 * TALLY_NEVER (compiled into each library: internal symbols are not
 * shared).
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine/cc.h"

void
tallyi_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "tally: assertion failed: %s (%s:%d)\n", expr, file,
	    line);
	abort();
}
