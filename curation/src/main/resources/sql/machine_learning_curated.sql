-- stedi.machine_learning_curated: each step_trainer_trusted reading paired with accelerometer_trusted readings.
--   --ml-join owner (default): only readings of the same customer, i.e. the phone's user owns the Step
--     Trainer's serial number in customers_curated.
--   --ml-join timestamp: the original Glue job's join on time alone, which pairs one customer's step reading
--     with another customer's phone reading whenever their timestamps collide.
--   --ml-tolerance 0 (default): every phone reading taken at the same millisecond (sensorReadingTime = timestamp),
--     the seed's exact join.
--   --ml-tolerance D > 0 (owner join only): the one phone reading nearest in time within D (an as-of join).
--     Ties go to the earlier phone reading; readings of the same millisecond to the smallest x, then y, then z.
--     A reading of a serial shared by several customers gets the nearest reading among its owners' phones.
-- No PII and no raw serial (customers_curated maps serials to emails): customerKey and deviceKey are HMACs of
-- the email and of the serial with a secret kept in config, never in a table.
CREATE OR REPLACE TABLE stedi.machine_learning_curated USING iceberg
-- read.split.target-size: files of a few MB each become one read task each instead of being packed into one task of
-- at least 16 MB (Iceberg's adaptive split size), so that the jobs reading this table use every core.
-- write.parquet.row-group-size-bytes: the files maintenance compacts (in time order) are 128 MB; row groups of 8 MB
-- keep a time-bounded read of them to the row groups of its time range.
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd', 'read.split.target-size' = '8388608',
               'write.parquet.row-group-size-bytes' = '8388608')
AS
WITH customer_keys AS (
  -- the keyed hashes once per customer and per serial number, not once per row: customers_curated holds every
  -- phone user of accelerometer_trusted (one row per email) and the owners of every step_trainer_trusted serial
  SELECT email, stedi_customer_key(email) AS customerKey FROM stedi.customers_curated
),
device_keys AS (
  SELECT serialNumber, stedi_device_key(serialNumber) AS deviceKey
  FROM (SELECT DISTINCT serialNumber FROM stedi.customers_curated)
),
steps AS (
  -- each step reading under the time buckets a partner can be in: its own (exact join), or its own and both
  -- neighbours (buckets as wide as the tolerance), so that the join stays an equi-join on the bucket
  SELECT s.*, bucket
  FROM stedi.step_trainer_trusted s
  LATERAL VIEW explode(sequence(s.sensorReadingTime div ${ml_bucket_ms} - ${ml_neighbour_buckets},
                                s.sensorReadingTime div ${ml_bucket_ms} + ${ml_neighbour_buckets})) b AS bucket
),
candidates AS (
  SELECT s.sensorReadingTime, s.serialNumber, s.distanceFromObject, a.user, a.timestamp, a.x, a.y, a.z,
         row_number() OVER (
           PARTITION BY s.sensorReadingTime, s.serialNumber, s.distanceFromObject
           ORDER BY abs(a.timestamp - s.sensorReadingTime), a.timestamp, a.x, a.y, a.z
         ) AS nearness
  FROM steps s
  JOIN stedi.accelerometer_trusted a
    ON a.timestamp div ${ml_bucket_ms} = s.bucket
   AND abs(a.timestamp - s.sensorReadingTime) <= ${ml_tolerance_ms}
  WHERE '${ml_join}' = 'timestamp'
     OR EXISTS (
       SELECT 1
       FROM stedi.customers_curated c
       WHERE c.email = a.user AND c.serialNumber = s.serialNumber
     )
)
SELECT p.sensorReadingTime, d.deviceKey, p.distanceFromObject, p.x, p.y, p.z, k.customerKey
FROM candidates p
LEFT JOIN device_keys d ON d.serialNumber = p.serialNumber
LEFT JOIN customer_keys k ON k.email = p.user
WHERE ${ml_tolerance_ms} = 0 OR nearness = 1
-- In time order, one stretch of time per data file (see accelerometer_trusted.sql). A shuffle of its own: the rows
-- of a broadcast join would keep accelerometer_trusted's clustering, but above the broadcast limit the join
-- shuffles both sides by time bucket, which scatters every stretch over every task.
DISTRIBUTE BY ${time_range(step_trainer_landing, sensorReadingTime)}
SORT BY sensorReadingTime
