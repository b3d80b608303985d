/*
 * engine/toolkit.c - the out-of-line parts of engine/toolkit.h.
 */
#include "engine/toolkit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
tallyi_error_clear(tally_error *err)
{
	if (err == NULL)
		return;
	err->status = TALLY_OK;
	err->offset = UINT64_MAX;
	err->message[0] = '\0';
}

int
tallyi_error_set(tally_error *err, int code, uint64_t off, const char *fmt,
    ...)
{
	va_list ap;
	size_t n = 0;

	if (err == NULL)
		return code;
	err->status = code;
	err->offset = off;
	if (off != UINT64_MAX)
		n = (size_t)snprintf(err->message, sizeof(err->message),
		    "byte %llu: ", (unsigned long long)off);
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof(err->message) - n, fmt, ap);
	va_end(ap);
	return code;
}
