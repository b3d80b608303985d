/*
 * tally.h - umbrella header for the tally aggregation engine.
 *
 * The public surface is (libtally unless marked):
 *   tally/common.h    status codes, error details, allocator hook, levels,
 *                     version
 *   tally/engine.h    engine lifecycle, tools, interned strings
 *   tally/batch.h     batches: how violations reach an engine
 *   tally/pool.h      tasks and task groups on the engine's workers
 *   tally/detector.h  pooled detector objects
 *   tally/cache.h     caches by content hash: L1, L2 and the persistent L3
 *   tally/snapshot.h  snapshots and their queries
 *   tally/results.h   stored results: packed violations replayed into an
 *                     engine
 *   tally/sarif.h     SARIF 2.1.0 reading, merge, diff (libtally_formats)
 *   tally/linehash.h  GitHub's line hashes of source files
 *                     (libtally_formats)
 *   tally/corr.h      cross-tool correlation clusters (libtally_formats)
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
#include "tally/part.h"

#endif /* TALLY_H */
