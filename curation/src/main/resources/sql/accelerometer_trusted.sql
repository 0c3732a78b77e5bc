-- stedi.accelerometer_trusted: phone readings of customers in customer_trusted (matched by email = user).
-- Exact duplicates (every column equal, e.g. a retried delivery) count once; readings that differ only in
-- x/y/z are distinct readings and all stay. With --consent window, only readings taken at or after the
-- customer's shareWithResearchAsOfDate are kept.
--
-- Written in time order, so that each data file covers one stretch of time and incremental runs read only the
-- files they need: ${time_range(...)} sends each reading to the shuffle partition of its time range (the ranges come
-- from the landing table's file statistics; see TimeRanges), and within a partition the rows are sorted by time.
-- The duplicates go in the same pass: the first row of each group of equal rows is kept (row_number, not DISTINCT,
-- so that the sort does both jobs). x + 0.0 turns -0.0 into 0.0, which DISTINCT's grouping also did.
CREATE OR REPLACE TABLE stedi.accelerometer_trusted USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd')
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
  SELECT *, row_number() OVER (PARTITION BY time_range, timestamp, user, x, y, z ORDER BY timestamp) AS copy
  FROM trusted
)
SELECT user, timestamp, x, y, z
FROM numbered
WHERE copy = 1
