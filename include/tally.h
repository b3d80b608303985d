/*
 * tally.h - umbrella header for the tally aggregation engine.
 *
 * The public surface is:
 *   tally/common.h    status codes, allocator hook, levels, version
 *   tally/engine.h    engine lifecycle, tools, interned strings, batches
 *   tally/snapshot.h  snapshots and their queries
 *   tally/detector.h  pooled detector objects
 *   tally/cache.h     caches by content hash (the persistent level)
 *   tally/sarif.h     SARIF 2.1.0 reading, merging, baselines (libtally_formats)
 *   tally/corr.h cross-tool correlation clusters (libtally_formats)
 * No header pulls in a dependency's headers.
 */
#ifndef TALLY_H
#define TALLY_H

#include "tally/common.h"
#include "tally/engine.h"
#include "tally/batch.h"
#include "tally/pool.h"
#include "tally/detector.h"
#include "tally/cache.h"
#include "tally/snapshot.h"
#include "tally/sarif.h"
#include "tally/linehash.h"
#include "tally/corr.h"
#include "tally/results.h"

#endif /* TALLY_H */
