/*
 * kernels/dispatch.c - choose the kernel variants once, from what the CPU
 * and the OS support, or the one a test or TALLY_ISA forces.
 *
 * This unit is compiled with baseline flags only: it must run on any
 * x86-64 to find out what else may run. A variant is usable when CPUID says
 * the CPU has the instructions AND XGETBV says the OS saves the registers
 * they use (XCR0 bits 1-2 for YMM; bits 5-7 too for the AVX-512 opmask and
 * ZMM state): a CPU with AVX-512 under an OS that does not enable it must
 * not run it. The table is resolved on first use and published with an
 * atomic store; only whole-column loops go through it.
 */
#if defined(__AVX__)
#error "kernels/dispatch.c must be compiled without ISA flags"
#endif

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t
xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static tallyk_isa
detect(void)
{
	unsigned a, b, c, d;
	uint64_t xcr0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return TALLYK_ISA_SCALAR;
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
		return TALLYK_ISA_SCALAR;
	xcr0 = xgetbv0();
	if ((xcr0 & 0x6) != 0x6)
		return TALLYK_ISA_SCALAR; /* the OS does not save YMM */
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_AVX2))
		return TALLYK_ISA_SCALAR;
	if ((xcr0 & 0xe0) == 0xe0 && (b & bit_AVX512F) &&
	    (b & bit_AVX512DQ) && (b & bit_AVX512BW) && (b & bit_AVX512VL))
		return TALLYK_ISA_AVX512;
	return TALLYK_ISA_AVX2;
}
#else
static tallyk_isa
detect(void)
{
	return TALLYK_ISA_SCALAR;
}
#endif

#define TALLYK_TABLE(ISA, isa)                                             \
	{ ISA, tallyk_fingerprint_##isa, tallyk_level_hist_##isa,          \
	    tallyk_select_level_ge_##isa, tallyk_select_file_in_##isa,     \
	    tallyk_topk_##isa }

static const tallyk_table tables[TALLYK_ISA_COUNT] = {
	TALLYK_TABLE(TALLYK_ISA_SCALAR, scalar),
#if !defined(TALLY_NO_AVX2)
	TALLYK_TABLE(TALLYK_ISA_AVX2, avx2),
#else
	{ TALLYK_ISA_AVX2, NULL, NULL, NULL, NULL, NULL },
#endif
#if !defined(TALLY_NO_AVX512)
	TALLYK_TABLE(TALLYK_ISA_AVX512, avx512),
#else
	{ TALLYK_ISA_AVX512, NULL, NULL, NULL, NULL, NULL },
#endif
};

static const char *const names[TALLYK_ISA_COUNT] = { "scalar", "avx2",
	"avx512" };

static const tallyk_table *_Atomic active;

int
tallyk_isa_supported(tallyk_isa isa)
{
	if ((unsigned)isa >= TALLYK_ISA_COUNT || tables[isa].fingerprint == NULL)
		return 0;
	return isa <= detect();
}

const tallyk_table *
tallyk_table_of(tallyk_isa isa)
{
	return tallyk_isa_supported(isa) ? &tables[isa] : NULL;
}

const char *
tallyk_isa_name(tallyk_isa isa)
{
	return (unsigned)isa < TALLYK_ISA_COUNT ? names[isa] : "unknown";
}

/*
 * TALLY_ISA names a variant to use instead of the best one; a variant the
 * CPU lacks, or an unknown name, falls back to the best supported one (a
 * forced variant must never crash the host, and a library must not fail
 * it). The tally command refuses both before it starts (cli/main.c), so
 * that nobody measures or tests another variant than the one asked for.
 */
static const tallyk_table *
resolve(void)
{
	const char *want = getenv("TALLY_ISA");
	tallyk_isa best = detect();

	while (best > TALLYK_ISA_SCALAR && tables[best].fingerprint == NULL)
		best--;
	if (want != NULL) {
		for (unsigned i = 0; i < TALLYK_ISA_COUNT; i++)
			if (strcmp(want, names[i]) == 0 &&
			    tallyk_isa_supported((tallyk_isa)i))
				return &tables[i];
	}
	return &tables[best];
}

const tallyk_table *
tallyk_kernels(void)
{
	const tallyk_table *t = atomic_load_explicit(&active,
	    memory_order_acquire);

	if (t == NULL) {
		/* Racing first calls resolve the same table; any store wins. */
		t = resolve();
		atomic_store_explicit(&active, t, memory_order_release);
	}
	return t;
}

int
tallyk_kernels_force(tallyk_isa isa)
{
	if (!tallyk_isa_supported(isa))
		return -1;
	atomic_store_explicit(&active, &tables[isa], memory_order_release);
	return 0;
}
