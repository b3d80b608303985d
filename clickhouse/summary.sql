-- clickhouse/summary.sql - the counts of `tally summary --format json`
-- over the union of the inputs of any set of sources, from the fleet's
-- tables (schema.sql). clickhouse/summary.sh runs these and prints the
-- JSON; a dashboard runs them as they are.
--
-- {sources} stands for the sources' SQL list ('job-1', 'job-2', ...).
-- Run every query with the setting distributed_group_by_no_merge = 1
-- (HTTP: &distributed_group_by_no_merge=1; clickhouse-client:
-- --distributed_group_by_no_merge=1). Each inner SELECT reads the
-- Distributed table, so it runs whole on every shard, on its local table,
-- and the shards' answers are not merged but handed to the outer SELECT,
-- which adds them up. That is exact because tally_results is sharded by
-- the key: all rows of one key, from every source, are on one shard, so
-- a shard's distinct keys are distinct in the fleet too. (Without the
-- setting the answers would be right as well, but each shard would ship
-- its whole set of keys to the node that asked.)
--
-- What `tally summary` counts, in these terms (a key is one unique
-- result: tool, rule, file, message, line, column, offset and the
-- suppressed flag; rows of one key from different sources are one result):
--   total       the results the inputs held: the sum of count over the
--               rows, each (source, key, level, suppression, baseline)
--               once - FINAL collapses a batch that was inserted twice
--   unique      distinct keys not suppressed
--   suppressed  distinct keys suppressed
--   duplicates  total - unique - suppressed
--   by_level, by_tool, by_rule, by_file
--               distinct keys not suppressed, by that field (tool, rule
--               and file are part of the key; a level is not: a key read
--               with several levels counts once, at the level of its first
--               reading - the least (source, seq))
--   by_suppression_status, by_baseline_state
--               distinct (key, status) pairs, suppressed keys included: a
--               result that came as underReview and as rejected counts
--               under both, once each
-- Zero counts do not appear; `tally summary` lists by_rule and by_file by
-- count, highest first, then by name.

-- name: totals
SELECT sum(t) AS total, sum(u) AS `unique`, sum(s) AS suppressed,
    sum(t) - sum(u) - sum(s) AS duplicates
FROM (
    SELECT sum(count) AS t,
        uniqExactIf(key, suppressed = 0) AS u,
        uniqExactIf(key, suppressed = 1) AS s
    FROM tally_results FINAL
    WHERE source IN ({sources})
);

-- name: by_level
-- Each shard picks the level of each of its keys; the shards then ship
-- one small row per key (the level alone), so this one query grows with
-- the unique results. Where a key never comes with two levels (the usual
-- case), SELECT level, uniqExact(key) ... GROUP BY level, summed as below,
-- gives the same counts and ships one row per level and shard.
SELECT level, count() AS n
FROM (
    SELECT argMin(level, (source, seq)) AS level
    FROM tally_results
    WHERE source IN ({sources}) AND suppressed = 0
    GROUP BY key
)
GROUP BY level
ORDER BY n DESC, level;

-- name: by_tool
SELECT tool, sum(k) AS n
FROM (
    SELECT tool, uniqExact(key) AS k
    FROM tally_results
    WHERE source IN ({sources}) AND suppressed = 0
    GROUP BY tool
)
GROUP BY tool
ORDER BY n DESC, tool;

-- name: by_rule
SELECT tool, rule, sum(k) AS n
FROM (
    SELECT tool, rule, uniqExact(key) AS k
    FROM tally_results
    WHERE source IN ({sources}) AND suppressed = 0
    GROUP BY tool, rule
)
GROUP BY tool, rule
ORDER BY n DESC, tool, rule;

-- name: by_file
SELECT file, sum(k) AS n
FROM (
    SELECT file, uniqExact(key) AS k
    FROM tally_results
    WHERE source IN ({sources}) AND suppressed = 0
    GROUP BY file
)
GROUP BY file
ORDER BY n DESC, file;

-- name: by_suppression_status
SELECT suppression, sum(k) AS n
FROM (
    SELECT suppression, uniqExact(key) AS k
    FROM tally_results
    WHERE source IN ({sources}) AND suppression != ''
    GROUP BY suppression
)
GROUP BY suppression
ORDER BY n DESC, suppression;

-- name: by_baseline_state
SELECT baseline, sum(k) AS n
FROM (
    SELECT baseline, uniqExact(key) AS k
    FROM tally_results
    WHERE source IN ({sources}) AND baseline != ''
    GROUP BY baseline
)
GROUP BY baseline
ORDER BY n DESC, baseline;
