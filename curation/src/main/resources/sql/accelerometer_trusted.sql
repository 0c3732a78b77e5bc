-- stedi.accelerometer_trusted: phone readings of customers in customer_trusted (matched by email = user).
-- Exact duplicates (every column equal, e.g. a retried delivery) count once; readings that differ only in
-- x/y/z are distinct readings and all stay. With --consent window, only readings taken at or after the
-- customer's shareWithResearchAsOfDate are kept.
CREATE OR REPLACE TABLE stedi.accelerometer_trusted USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd')
AS
SELECT DISTINCT a.user, a.timestamp, a.x, a.y, a.z
FROM stedi.accelerometer_landing a
JOIN stedi.customer_trusted c ON a.user = c.email
WHERE ${consent_window} = false
   OR a.timestamp >= c.shareWithResearchAsOfDate
-- sorted by time, so that data files cover time ranges and incremental runs read only the files they need
ORDER BY a.timestamp
