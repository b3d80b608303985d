/*
 * kernels/fingerprint_scalar.c - the reference fingerprint kernel, one row
 * at a time (the definition is in fingerprint_impl.h).
 */
#include "kernels/fingerprint_impl.h"
#include "kernels/kernels.h"

void
tallyk_fingerprint_scalar(const tallyk_keycols *c, size_t n, uint64_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tallyk_fingerprint_row(TALLYK_ROW(c, i));
}
