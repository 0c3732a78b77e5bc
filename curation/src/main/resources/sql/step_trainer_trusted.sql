-- stedi.step_trainer_trusted: Step Trainer readings whose serialNumber belongs to a customers_curated
-- customer. Exact duplicates count once. With --consent window, a reading is kept only if it was taken at or
-- after the research consent date of a curated customer who owns that serial number.
CREATE OR REPLACE TABLE stedi.step_trainer_trusted USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd')
AS
SELECT DISTINCT s.sensorReadingTime, s.serialNumber, s.distanceFromObject
FROM stedi.step_trainer_landing s
WHERE EXISTS (
  SELECT 1
  FROM stedi.customers_curated c
  WHERE c.serialNumber = s.serialNumber
    AND (${consent_window} = false OR s.sensorReadingTime >= c.shareWithResearchAsOfDate)
)
ORDER BY s.sensorReadingTime
