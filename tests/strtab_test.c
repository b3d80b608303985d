/*
 * tests/strtab_test.c - interned strings: dense ids, exact bytes, segments
 * that never move, concurrent lookups while interning.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "engine/strtab.h"

static tallyi_mem mem;
static tallyi_strtab t;

static void
setup(void)
{
	cr_assert(eq(int, tallyi_mem_init(&mem, NULL), TALLY_OK));
	cr_assert(eq(int, tallyi_strtab_init(&t, &mem), TALLY_OK));
}

static void
teardown(void)
{
	tallyi_strtab_fini(&t);
	tallyi_mem_fini(&mem);
}

TestSuite(strtab, .init = setup, .fini = teardown, .timeout = 60);

Test(strtab, ids_are_dense_and_stable)
{
	char s[32];
	uint32_t id;

	/* Enough strings to fill several segments (256, 512, 1024, ...). */
	for (uint32_t i = 0; i < 20000; i++) {
		int n = snprintf(s, sizeof(s), "s%u", i);

		cr_assert(eq(int, tallyi_strtab_intern(&t, s, (size_t)n, &id), 0));
		cr_assert(eq(u32, id, i));
	}
	cr_expect(eq(u32, tallyi_strtab_count(&t), 20000));
	for (uint32_t i = 0; i < 20000; i += 7) {
		int n = snprintf(s, sizeof(s), "s%u", i);
		const tallyi_strent *e = tallyi_strtab_entry(&t, i);

		cr_assert(eq(int, tallyi_strtab_intern(&t, s, (size_t)n, &id), 0));
		cr_expect(eq(u32, id, i));
		cr_expect(eq(u32, e->len, (uint32_t)n));
		cr_expect(eq(int, memcmp(e->p, s, (size_t)n), 0));
		cr_expect(eq(chr, e->p[n], '\0'));
	}
}

Test(strtab, empty_and_big_strings)
{
	static char big[200000];
	uint32_t a, b, c;

	memset(big, 'x', sizeof(big));
	cr_assert(eq(int, tallyi_strtab_intern(&t, "", 0, &a), 0));
	cr_assert(eq(int, tallyi_strtab_intern(&t, big, sizeof(big), &b), 0));
	cr_assert(eq(int, tallyi_strtab_intern(&t, "y", 1, &c), 0));
	cr_expect(eq(u32, tallyi_strtab_entry(&t, a)->len, 0));
	cr_expect(eq(u32, tallyi_strtab_entry(&t, b)->len, sizeof(big)));
	cr_expect(eq(int, memcmp(tallyi_strtab_entry(&t, b)->p, big,
	    sizeof(big)), 0));
	/* A big string gets its own block; small ones keep filling the old. */
	cr_expect(eq(str, (char *)tallyi_strtab_entry(&t, c)->p, "y"));
	big[100] = 'z';
	cr_assert(eq(int, tallyi_strtab_intern(&t, big, sizeof(big), &c), 0));
	cr_expect(not(eq(u32, b, c)));
}

Test(strtab, aux_is_set_once)
{
	uint32_t id;

	cr_assert(eq(int, tallyi_strtab_intern(&t, "tool", 4, &id), 0));
	cr_assert(eq(int, tallyi_strtab_set_aux(&t, id, "", 0), 0));
	cr_expect(eq(ptr, tallyi_load_ptr(&tallyi_strtab_entry(&t, id)->aux,
	    TALLY_ACQUIRE), NULL));
	cr_assert(eq(int, tallyi_strtab_set_aux(&t, id, "1.0", 3), 0));
	cr_assert(eq(int, tallyi_strtab_set_aux(&t, id, "2.0", 3), 0));
	cr_expect(eq(str, ((tallyi_straux *)tallyi_load_ptr(
	    &tallyi_strtab_entry(&t, id)->aux, TALLY_ACQUIRE))->s, "1.0"));
}

/* Readers look ids up while a writer interns: entries never move. */
static void *
reader(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int round = 0; round < 200; round++) {
		uint32_t n = tallyi_strtab_count(&t);

		for (uint32_t i = 0; i < n; i++) {
			const tallyi_strent *e = tallyi_strtab_entry(&t, i);
			char s[32];
			int len = snprintf(s, sizeof(s), "k%u", i);

			bad += e->len != (uint32_t)len ||
			    memcmp(e->p, s, (size_t)len) != 0;
		}
	}
	return (void *)bad;
}

Test(strtab, lookups_run_concurrently_with_interning)
{
	pthread_t th;
	void *bad;
	char s[32];
	uint32_t id;

	cr_assert(eq(int, pthread_create(&th, NULL, reader, NULL), 0));
	for (uint32_t i = 0; i < 50000; i++) {
		int n = snprintf(s, sizeof(s), "k%u", i);

		cr_assert(eq(int, tallyi_strtab_intern(&t, s, (size_t)n, &id), 0));
	}
	pthread_join(th, &bad);
	cr_expect(eq(long, (long)bad, 0));
}
