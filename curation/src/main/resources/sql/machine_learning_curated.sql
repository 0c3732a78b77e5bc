-- stedi.machine_learning_curated: each step_trainer_trusted reading paired with the accelerometer_trusted
-- readings taken at the same millisecond (sensorReadingTime = timestamp).
--   --ml-join owner (default): only readings of the same customer, i.e. the phone's user owns the Step
--     Trainer's serial number in customers_curated.
--   --ml-join timestamp: the original Glue job's join on time alone, which pairs one customer's step reading
--     with another customer's phone reading whenever their timestamps collide.
-- No PII and no raw serial (customers_curated maps serials to emails): customerKey and deviceKey are HMACs of
-- the email and of the serial with a secret kept in config, never in a table.
CREATE OR REPLACE TABLE stedi.machine_learning_curated USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd')
AS
SELECT s.sensorReadingTime, stedi_device_key(s.serialNumber) AS deviceKey, s.distanceFromObject, a.x, a.y, a.z,
       stedi_customer_key(a.user) AS customerKey
FROM stedi.step_trainer_trusted s
JOIN stedi.accelerometer_trusted a ON a.timestamp = s.sensorReadingTime
WHERE '${ml_join}' = 'timestamp'
   OR EXISTS (
     SELECT 1
     FROM stedi.customers_curated c
     WHERE c.email = a.user AND c.serialNumber = s.serialNumber
   )
ORDER BY s.sensorReadingTime
