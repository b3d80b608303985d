/*
 * kernels/count_scalar.c - counting kernels, scalar.
 *
 * tallyk_level_hist_scalar is the reference for the SIMD level histograms.
 * tallyk_count_ids_scalar counts dense ids with four sub-histograms: rows
 * i, i+1, i+2, i+3 add into different arrays, so two equal ids in a row do
 * not wait on each other's store (a store-to-load forwarding chain of ~5
 * cycles each); the sub-histograms are summed at the end. Ids are read
 * two per 64-bit load, which halves the load uops (bench/RESULTS.md,
 * Kernels).
 * tallyk_count_ids_plain is the one-array loop it is measured against.
 * tallyk_pair_ids_scalar turns two id columns into one dense pair id, so
 * that pairs are counted by the same id kernel.
 */
#include <string.h>

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

/*
 * The id stream is read 4 KiB ahead by software: with the hardware
 * prefetcher alone a 20 M-row column (80 MB) counted at 1.2-1.3 G rows/s,
 * against 3.1 G when it sits in L2; with this, 1.8-2.0 G, and 5.2 G on two
 * threads (bench/RESULTS.md, Kernels; 2, 8 or 16 KiB ahead measured the
 * same).
 * Prefetches never fault, so running past the end is harmless.
 */
#define ID_AHEAD 1024

void
tallyk_count_ids_scalar(const uint32_t *id, size_t n, uint64_t *counts,
    uint32_t nbins, uint32_t *scratch)
{
	uint32_t *h0 = scratch, *h1 = scratch + nbins, *h2 = scratch + 2 * nbins;
	uint32_t *h3 = scratch + 3 * (size_t)nbins;
	size_t i = 0;

	/* 32-bit sub-counts: flushed every 2^31 rows so they cannot wrap. */
	while (i < n) {
		size_t end = n - i > (1u << 31) ? i + (1u << 31) : n;

		memset(scratch, 0, 4 * (size_t)nbins * sizeof(*scratch));
		for (; i + 4 <= end; i += 4) {
			uint64_t x, y;

			if (i % 16 == 0) /* one line, ID_AHEAD ids ahead */
				__builtin_prefetch(id + i + ID_AHEAD);
			memcpy(&x, id + i, 8); /* two ids per load */
			memcpy(&y, id + i + 2, 8);
			h0[(uint32_t)x]++;
			h1[x >> 32]++;
			h2[(uint32_t)y]++;
			h3[y >> 32]++;
		}
		for (; i < end; i++)
			h0[id[i]]++;
		for (uint32_t b = 0; b < nbins; b++)
			counts[b] += (uint64_t)h0[b] + h1[b] + h2[b] + h3[b];
	}
}

void
tallyk_pair_ids_scalar(const uint32_t *a, const uint32_t *b, size_t n,
    uint32_t nb, uint32_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = a[i] * nb + b[i];
}
