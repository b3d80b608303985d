/*
 * kernels/fingerprint_scalar.c - the reference fingerprint kernel: XXH64 of
 * each row's 32-byte key (fingerprint_impl.h), one row at a time.
 */
#include "kernels/fingerprint_impl.h"
#include "kernels/kernels.h"

void
tallyk_fingerprint_scalar(const tallyk_keycols *c, size_t n, uint64_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tallyk_fingerprint_row(TALLYK_LANES(c, i));
}
