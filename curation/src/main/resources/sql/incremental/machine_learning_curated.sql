-- Incremental stedi.machine_learning_curated: the pairs that involve a new step reading or a new phone
-- reading, with the same join rule as the full job; pairs already in the table are not added again. The time
-- bounds of the new rows (${new_step_min}..${new_step_max}, ${new_accel_min}..${new_accel_max}) limit what is read.
-- (No WITH clause: Spark does not find a cached query with CTEs again, and every read of the view recomputed it.)
CACHE TABLE new_machine_learning_curated AS
SELECT p.sensorReadingTime, d.deviceKey, p.distanceFromObject, p.x, p.y, p.z, k.customerKey
FROM (
  -- a pair of a new step reading and a new phone reading comes from both sides: once
  SELECT DISTINCT * FROM (
    SELECT s.sensorReadingTime, s.serialNumber, s.distanceFromObject, a.user, a.x, a.y, a.z
    FROM new_step_trainer_trusted s
    JOIN (SELECT * FROM stedi.accelerometer_trusted WHERE timestamp BETWEEN ${new_step_min} AND ${new_step_max}) a
      ON a.timestamp = s.sensorReadingTime
    WHERE '${ml_join}' = 'timestamp'
       OR EXISTS (SELECT 1 FROM stedi.customers_curated c WHERE c.email = a.user AND c.serialNumber = s.serialNumber)
    UNION ALL
    SELECT s.sensorReadingTime, s.serialNumber, s.distanceFromObject, a.user, a.x, a.y, a.z
    FROM (SELECT * FROM stedi.step_trainer_trusted WHERE sensorReadingTime BETWEEN ${new_accel_min} AND ${new_accel_max}) s
    JOIN new_accelerometer_trusted a ON a.timestamp = s.sensorReadingTime
    WHERE '${ml_join}' = 'timestamp'
       OR EXISTS (SELECT 1 FROM stedi.customers_curated c WHERE c.email = a.user AND c.serialNumber = s.serialNumber)
  )
) p
-- the keyed hashes once per serial number and per customer, not once per pair (see machine_learning_curated.sql)
LEFT JOIN (
  SELECT serialNumber, stedi_device_key(serialNumber) AS deviceKey
  FROM (SELECT DISTINCT serialNumber FROM stedi.customers_curated)
) d ON d.serialNumber = p.serialNumber
LEFT JOIN (SELECT email, stedi_customer_key(email) AS customerKey FROM stedi.customers_curated) k ON k.email = p.user;

INSERT INTO stedi.machine_learning_curated
SELECT n.*
FROM new_machine_learning_curated n
LEFT ANTI JOIN (
  SELECT * FROM stedi.machine_learning_curated
  WHERE sensorReadingTime BETWEEN least(${new_step_min}, ${new_accel_min}) AND greatest(${new_step_max}, ${new_accel_max})
) t
ON t.sensorReadingTime = n.sensorReadingTime AND t.deviceKey = n.deviceKey
   AND t.distanceFromObject = n.distanceFromObject AND t.x = n.x AND t.y = n.y AND t.z = n.z
   AND t.customerKey = n.customerKey
