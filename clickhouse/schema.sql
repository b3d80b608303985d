-- clickhouse/schema.sql - the fleet's tables of tally results, created on
-- every node of cluster tally_cluster (clickhouse/cluster.sh does it; in
-- production run it on each shard). Works on ClickHouse 18.16 (Debian 12)
-- and later. Rows come from `tally export --clickhouse-url`: one JSON
-- object a line (JSONEachRow), one row per unique result of one source
-- (a CI job), see clickhouse/README.md.
--
-- tally_results_local: a shard's rows.
--
-- ReplacingMergeTree: rows with an equal sorting key collapse into one
-- (at merges, and at read time with FINAL). The sorting key is the row's
-- identity within a source: (source, key) plus the three fields a part
-- keeps apart for one key (level, suppression status, baselineState; a
-- result read with two levels, or two states, is two rows of a part,
-- each with its own count). So a batch that `tally export` sends again
-- after a timeout or a 5xx - the same rows, byte for byte - never counts
-- twice, and no insert needs a deduplication token (18.16 has none; its
-- own block deduplication is only for Replicated tables).
-- Rows of one key from different sources stay apart: a source's count is
-- its own; the queries (summary.sql) count distinct keys across sources.
--
-- No partitions: a retried batch must meet its first copy to collapse,
-- and rows of one (source, key) in two partitions never would. A source
-- is removed with ALTER TABLE tally_results_local DELETE WHERE source = ..
-- on every shard.
--
-- seq: the row's place in its export (0, 1, ...: the order tally read
-- the results first), so that a key read with several levels takes the
-- level of its first reading, as `tally summary` does. An export without
-- it inserts 0 (DEFAULT).
CREATE TABLE IF NOT EXISTS tally_results_local
(
    key String,
    source String,
    tool String,
    tool_version String,
    rule String,
    file String,
    line UInt32,
    `column` UInt32,
    `offset` UInt64,
    level String,
    message String,
    suppressed UInt8,
    suppression String,
    baseline String,
    cwe UInt32 DEFAULT 0,
    count UInt64,
    seq UInt64 DEFAULT 0
)
ENGINE = ReplacingMergeTree()
PARTITION BY tuple()
ORDER BY (source, key, level, suppression, baseline);

-- tally_results: the whole fleet; insert here and query here.
--
-- Sharded by a hash of the key (not of the source): every copy of one
-- result, whatever source sent it, lands on the same shard. So the exact
-- deduplication - distinct keys, GROUP BY key - is complete on each shard
-- alone: the shards' key sets are disjoint, and a fleet count is the sum
-- of the shards' counts (summary.sql runs each aggregate on the shards,
-- with distributed_group_by_no_merge = 1, and sums their small answers).
-- Sharding by source would spread one key over several shards, and every
-- distinct count would have to ship all keys to one node.
CREATE TABLE IF NOT EXISTS tally_results AS tally_results_local
ENGINE = Distributed(tally_cluster, currentDatabase(), tally_results_local,
    cityHash64(key));
