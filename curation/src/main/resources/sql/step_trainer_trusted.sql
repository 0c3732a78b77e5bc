-- stedi.step_trainer_trusted: Step Trainer readings whose serialNumber belongs to a customers_curated
-- customer. Exact duplicates count once. With --consent window, a reading is kept only if it was taken at or
-- after the research consent date of a curated customer who owns that serial number.
--
-- Written in time order, duplicates removed in the same sort, as accelerometer_trusted.sql explains.
CREATE OR REPLACE TABLE stedi.step_trainer_trusted USING iceberg
-- read.split.target-size: files of a few MB each become one read task each instead of being packed into one task of
-- at least 16 MB (Iceberg's adaptive split size), so that the jobs reading this table use every core.
-- write.parquet.row-group-size-bytes: the files maintenance compacts (in time order) are 128 MB; row groups of 8 MB
-- keep a time-bounded read of them to the row groups of its time range.
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd', 'read.split.target-size' = '8388608',
               'write.parquet.row-group-size-bytes' = '8388608')
AS
WITH trusted AS (
  SELECT ${time_range(step_trainer_landing, s.sensorReadingTime)} AS time_range,
         s.sensorReadingTime, s.serialNumber, s.distanceFromObject
  FROM stedi.step_trainer_landing s
  WHERE EXISTS (
    SELECT 1
    FROM stedi.customers_curated c
    WHERE c.serialNumber = s.serialNumber
      AND (${consent_window} = false OR s.sensorReadingTime >= c.shareWithResearchAsOfDate)
  )
  DISTRIBUTE BY time_range
),
numbered AS (
  SELECT *,
         row_number() OVER (PARTITION BY sensorReadingTime, time_range, serialNumber, distanceFromObject
                            ORDER BY sensorReadingTime) AS copy
  FROM trusted
)
SELECT sensorReadingTime, serialNumber, distanceFromObject
FROM numbered
WHERE copy = 1
