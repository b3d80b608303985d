/*
 * kernels/count_scalar.c - counting kernels, scalar.
 *
 * tallyk_level_hist_scalar is the reference for the SIMD level histograms.
 * tallyk_count_ids_plain counts dense ids in one array (kernels.h says why
 * it is the one kept).
 */
#include "kernels/kernels.h"

void
tallyk_level_hist_scalar(const uint8_t *level, size_t n, uint64_t hist[4])
{
	uint64_t h[4][4] = { { 0 } };
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		h[0][level[i] & 3] += level[i] < 4;
		h[1][level[i + 1] & 3] += level[i + 1] < 4;
		h[2][level[i + 2] & 3] += level[i + 2] < 4;
		h[3][level[i + 3] & 3] += level[i + 3] < 4;
	}
	for (; i < n; i++)
		h[0][level[i] & 3] += level[i] < 4;
	for (int v = 0; v < 4; v++)
		hist[v] += h[0][v] + h[1][v] + h[2][v] + h[3][v];
}

void
tallyk_count_ids_plain(const uint32_t *id, size_t n, uint64_t *counts)
{
	for (size_t i = 0; i < n; i++)
		counts[id[i]]++;
}
