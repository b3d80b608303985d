/*
 * tests/header_cxx_test.cpp - the public headers compile as C++ (extern "C"
 * guards, no C-only constructs) and link from a C++ program.
 */
#include "tally.h"

#include <cstdio>
#include <cstring>

int
main()
{
	tally_config cfg = TALLY_CONFIG_INIT;
	tally_sarif_options opt = TALLY_SARIF_OPTIONS_INIT;
	tally_engine *e = nullptr;
	int rc;

	cfg.workers = 1;
	rc = tally_engine_create(&e, &cfg);
	if (rc != TALLY_OK) {
		std::fprintf(stderr, "create: %s\n", tally_strerror(rc));
		return 1;
	}
	/* The pool API from C++: a task group in C++ memory, a lambda as a
	 * plain function pointer. */
	{
		tally_pool_group g;
		int ran = 0;

		tally_pool_group_init(e, &g);
		tally_pool_submit(e, &g, [](void *p) { *(int *)p = 1; }, &ran);
		if (tally_pool_group_wait(&g) != TALLY_OK || ran != 1) {
			std::fprintf(stderr, "pool task did not run\n");
			return 1;
		}
	}
	tally_engine_destroy(e);
	(void)opt;
	return std::strcmp(tally_version(), TALLY_VERSION_STRING) != 0;
}
