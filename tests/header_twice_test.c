/*
 * tests/header_twice_test.c - every public header included twice, in two
 * orders: include guards hold and no header depends on another's order.
 */
#include "tally/replay.h"
#include "tally/correlate.h"
#include "tally/cache.h"
#include "tally/detector.h"
#include "tally/sarif.h"
#include "tally/snapshot.h"
#include "tally/pool.h"
#include "tally/engine.h"
#include "tally/common.h"
#include "tally.h"
#include "tally/common.h"
#include "tally/engine.h"
#include "tally/pool.h"
#include "tally/snapshot.h"
#include "tally/sarif.h"
#include "tally/detector.h"
#include "tally/cache.h"
#include "tally/correlate.h"
#include "tally/replay.h"
#include "tally.h"

#include <string.h>

int
main(void)
{
	return strcmp(tally_version(), TALLY_VERSION_STRING) != 0;
}
