package io.stedi.lakehouse.config;

/** Which Iceberg catalog holds the tables. */
public enum CatalogType {
  /** Iceberg JdbcCatalog on a SQLite file under {@code stedi.home}: the embedded default. */
  SQLITE,
  /** Iceberg JdbcCatalog on PostgreSQL (or another JDBC database). */
  JDBC,
  /** An Iceberg REST catalog. */
  REST,
  /** AWS Glue Data Catalog through iceberg-aws. */
  GLUE
}
