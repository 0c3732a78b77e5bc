-- Incremental stedi.step_trainer_trusted: new landing readings of curated customers' serial numbers, plus
-- every landing reading of customers curated for the first time in this run. ${new_step_min} and
-- ${new_step_max} are the time bounds of new_step_trainer_trusted.
CACHE TABLE new_step_trainer_trusted AS
SELECT DISTINCT s.sensorReadingTime, s.serialNumber, s.distanceFromObject
FROM (
  SELECT sensorReadingTime, serialNumber, distanceFromObject
  FROM new_step_trainer_landing s
  WHERE EXISTS (
    SELECT 1 FROM stedi.customers_curated c
    WHERE c.serialNumber = s.serialNumber
      AND (${consent_window} = false OR s.sensorReadingTime >= c.shareWithResearchAsOfDate))
  UNION ALL
  SELECT sensorReadingTime, serialNumber, distanceFromObject
  FROM stedi.step_trainer_landing s
  WHERE EXISTS (
    SELECT 1 FROM newly_curated c
    WHERE c.serialNumber = s.serialNumber
      AND (${consent_window} = false OR s.sensorReadingTime >= c.shareWithResearchAsOfDate))
) s;

INSERT INTO stedi.step_trainer_trusted
SELECT n.*
FROM new_step_trainer_trusted n
LEFT ANTI JOIN (
  SELECT * FROM stedi.step_trainer_trusted WHERE sensorReadingTime BETWEEN ${new_step_min} AND ${new_step_max}
) t
ON t.sensorReadingTime = n.sensorReadingTime AND t.serialNumber = n.serialNumber
   AND t.distanceFromObject = n.distanceFromObject
