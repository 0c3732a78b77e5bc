-- stedi.accelerometer_trusted: phone readings of customers in customer_trusted (matched by email = user).
-- Exact duplicates (every column equal, e.g. a retried delivery) count once; readings that differ only in
-- x/y/z are distinct readings and all stay. With --consent window, only readings taken at or after the
-- customer's shareWithResearchAsOfDate are kept.
--
-- Written in time order, so that each data file covers one stretch of time and incremental runs read only the
-- files they need: ${time_range(...)} sends each reading to the shuffle partition of its time range (the ranges come
-- from the landing table's file statistics; see TimeRanges), and within a partition the rows are sorted by time.
-- The duplicates go in the same pass: the first row of each group of equal rows is kept (row_number, not DISTINCT,
-- so that the sort does both jobs; the time leads the groups' columns, so the sort orders by it and time_range, a
-- function of it, only makes the partitioning fit the groups). x + 0.0 turns -0.0 into 0.0, as DISTINCT's grouping
-- did.
CREATE OR REPLACE TABLE stedi.accelerometer_trusted USING iceberg
-- read.split.target-size: files of a few MB each become one read task each instead of being packed into one task of
-- at least 16 MB (Iceberg's adaptive split size), so that the jobs reading this table use every core.
-- write.parquet.row-group-size-bytes: the files maintenance compacts (in time order) are 128 MB; row groups of 8 MB
-- keep a time-bounded read of them to the row groups of its time range.
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd', 'read.split.target-size' = '8388608',
               'write.parquet.row-group-size-bytes' = '8388608')
AS
WITH trusted AS (
  SELECT ${time_range(accelerometer_landing, a.timestamp)} AS time_range,
         a.user, a.timestamp, a.x + 0.0 AS x, a.y + 0.0 AS y, a.z + 0.0 AS z
  FROM stedi.accelerometer_landing a
  JOIN stedi.customer_trusted c ON a.user = c.email
  WHERE ${consent_window} = false
     OR a.timestamp >= c.shareWithResearchAsOfDate
  DISTRIBUTE BY time_range
),
numbered AS (
  SELECT *, row_number() OVER (PARTITION BY timestamp, time_range, user, x, y, z ORDER BY timestamp) AS copy
  FROM trusted
)
SELECT user, timestamp, x, y, z
FROM numbered
WHERE copy = 1
