-- stedi.customers_curated: the customer_trusted customers with at least one accelerometer_trusted reading.
-- One row per customer.
CREATE OR REPLACE TABLE stedi.customers_curated USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd')
AS
SELECT c.*
FROM stedi.customer_trusted c
WHERE EXISTS (SELECT 1 FROM stedi.accelerometer_trusted a WHERE a.user = c.email)
