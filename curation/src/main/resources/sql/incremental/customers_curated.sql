-- Incremental stedi.customers_curated: trusted customers whose first trusted readings arrived in this run.
CACHE TABLE newly_curated AS
SELECT c.*
FROM stedi.customer_trusted c
WHERE EXISTS (SELECT 1 FROM new_accelerometer_trusted a WHERE a.user = c.email)
  AND NOT EXISTS (SELECT 1 FROM stedi.customers_curated k WHERE k.email = c.email);

INSERT INTO stedi.customers_curated SELECT * FROM newly_curated
