-- Incremental stedi.accelerometer_trusted: only when customer_landing did not change since the last run.
-- new_accelerometer_landing holds the landing rows appended since then; the same rule as the full job picks
-- the trusted ones, and rows already in the table (exact duplicates) are not added again.
-- ${new_accel_min} and ${new_accel_max} are the time bounds of new_accelerometer_trusted.
CACHE TABLE new_accelerometer_trusted AS
SELECT DISTINCT a.user, a.timestamp, a.x, a.y, a.z
FROM new_accelerometer_landing a
JOIN stedi.customer_trusted c ON a.user = c.email
WHERE ${consent_window} = false
   OR a.timestamp >= c.shareWithResearchAsOfDate;

-- Append what is not there yet. The table is sorted by time, so the time bounds of the new rows let Iceberg
-- skip every data file outside them.
INSERT INTO stedi.accelerometer_trusted
SELECT n.*
FROM new_accelerometer_trusted n
LEFT ANTI JOIN (
  SELECT * FROM stedi.accelerometer_trusted WHERE timestamp BETWEEN ${new_accel_min} AND ${new_accel_max}
) t
ON t.user = n.user AND t.timestamp = n.timestamp AND t.x = n.x AND t.y = n.y AND t.z = n.z
