/*
 * tests/header_twice_test.c - every public header included twice, in two
 * orders: include guards hold and no header depends on another's order.
 */
#include "tally/results.h"
#include "tally/linehash.h"
#include "tally/corr.h"
#include "tally/cache.h"
#include "tally/detector.h"
#include "tally/sarif.h"
#include "tally/snapshot.h"
#include "tally/pool.h"
#include "tally/batch.h"
#include "tally/engine.h"
#include "tally/common.h"
#include "tally.h"
#include "tally/common.h"
#include "tally/engine.h"
#include "tally/batch.h"
#include "tally/pool.h"
#include "tally/snapshot.h"
#include "tally/sarif.h"
#include "tally/linehash.h"
#include "tally/detector.h"
#include "tally/cache.h"
#include "tally/corr.h"
#include "tally/results.h"
#include "tally.h"

#include <string.h>

int
main(void)
{
	return strcmp(tally_version(), TALLY_VERSION_STRING) != 0;
}
