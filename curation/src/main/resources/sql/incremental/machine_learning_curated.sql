-- Incremental stedi.machine_learning_curated: the pairs that involve a new step reading or a new phone
-- reading, with the same join rule as the full job; pairs already in the table are not added again. The time
-- bounds of the new rows (${new_step_min}..${new_step_max}, ${new_accel_min}..${new_accel_max}) limit what is read.
CACHE TABLE new_machine_learning_curated AS
SELECT DISTINCT * FROM (
  SELECT s.sensorReadingTime, stedi_device_key(s.serialNumber) AS deviceKey, s.distanceFromObject, a.x, a.y, a.z,
         stedi_customer_key(a.user) AS customerKey
  FROM new_step_trainer_trusted s
  JOIN (SELECT * FROM stedi.accelerometer_trusted WHERE timestamp BETWEEN ${new_step_min} AND ${new_step_max}) a
    ON a.timestamp = s.sensorReadingTime
  WHERE '${ml_join}' = 'timestamp'
     OR EXISTS (SELECT 1 FROM stedi.customers_curated c WHERE c.email = a.user AND c.serialNumber = s.serialNumber)
  UNION ALL
  SELECT s.sensorReadingTime, stedi_device_key(s.serialNumber) AS deviceKey, s.distanceFromObject, a.x, a.y, a.z,
         stedi_customer_key(a.user) AS customerKey
  FROM (SELECT * FROM stedi.step_trainer_trusted WHERE sensorReadingTime BETWEEN ${new_accel_min} AND ${new_accel_max}) s
  JOIN new_accelerometer_trusted a ON a.timestamp = s.sensorReadingTime
  WHERE '${ml_join}' = 'timestamp'
     OR EXISTS (SELECT 1 FROM stedi.customers_curated c WHERE c.email = a.user AND c.serialNumber = s.serialNumber)
);

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
