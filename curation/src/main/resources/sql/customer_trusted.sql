-- stedi.customer_trusted: the latest version of each customer (by lastUpdateDate, then arrival), kept only
-- when that latest version carries a research consent date. One row per email. A customer whose newest
-- record withdraws consent (shareWithResearchAsOfDate null) is therefore dropped.
CREATE OR REPLACE TABLE stedi.customer_trusted USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.parquet.compression-codec' = 'zstd')
AS
WITH versions AS (
  SELECT *,
         row_number() OVER (
           PARTITION BY email
           ORDER BY coalesce(lastUpdateDate, registrationDate) DESC, _stedi_arrival DESC, _stedi_key DESC
         ) AS version_rank
  FROM stedi.customer_landing
  WHERE email IS NOT NULL
)
SELECT customerName, email, phone, birthDay, serialNumber, registrationDate, lastUpdateDate,
       shareWithResearchAsOfDate, shareWithPublicAsOfDate, shareWithFriendsAsOfDate
FROM versions
WHERE version_rank = 1
  AND shareWithResearchAsOfDate IS NOT NULL
