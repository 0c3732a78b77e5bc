-- stedi.step_trainer_trusted: Step Trainer readings whose serialNumber belongs to a customers_curated
-- customer. Exact duplicates count once. With --consent window, a reading is kept only if it was taken at or
-- after the research consent date of a curated customer who owns that serial number.
--
-- Written in time order, duplicates removed in the same sort, as accelerometer_trusted.sql explains.
CREATE OR REPLACE TABLE stedi.step_trainer_trusted USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd')
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
         row_number() OVER (PARTITION BY time_range, sensorReadingTime, serialNumber, distanceFromObject
                            ORDER BY sensorReadingTime) AS copy
  FROM trusted
)
SELECT sensorReadingTime, serialNumber, distanceFromObject
FROM numbered
WHERE copy = 1
