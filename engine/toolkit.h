/*
 * engine/toolkit.h - the small machinery both libraries share (internal):
 * error details.
 *
 * libtally and libtally_formats each hold a hidden copy of these (the
 * tally_toolkit object library), so that neither exports them.
 */
#ifndef TALLY_ENGINE_TOOLKIT_H
#define TALLY_ENGINE_TOOLKIT_H

#include <stdint.h>

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error details (struct tally_error) ---- */

/* Clear @err (NULL is a no-op): status TALLY_OK, no offset, no message. */
void tallyi_error_clear(tally_error *err);

/*
 * Fill @err (NULL is a no-op) with @code, @off (UINT64_MAX: none) and a
 * printf-style message; a known offset is named first ("byte N: ...").
 * Return: @code, so that a failing path can `return tallyi_error_set(...)`.
 */
int tallyi_error_set(tally_error *err, int code, uint64_t off,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif /* TALLY_ENGINE_TOOLKIT_H */
