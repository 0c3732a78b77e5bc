package io.stedi.lakehouse.curation.maintain;

import io.stedi.lakehouse.curation.config.CurationConfig;
import java.time.Duration;

/** The maintain.* keys a run uses, read once. */
record MaintenanceSettings(long targetFileSize, Duration snapshotRetention, int retainLast, Duration orphanMinAge,
    int manifestRewriteThreshold) {
  /**
   * Fewest small files in a partition worth a rewrite (Iceberg's default). One file more per partition does not
   * justify rewriting a partition, and a partition that has it gets compacted at a later run.
   */
  static final int MIN_INPUT_FILES = 5;

  static MaintenanceSettings from(CurationConfig c) {
    return new MaintenanceSettings(c.get(CurationConfig.MAINTAIN_TARGET_FILE_SIZE),
        c.get(CurationConfig.MAINTAIN_SNAPSHOT_RETENTION), c.get(CurationConfig.MAINTAIN_RETAIN_LAST),
        c.get(CurationConfig.MAINTAIN_ORPHAN_MIN_AGE), c.get(CurationConfig.MAINTAIN_MANIFEST_REWRITE_THRESHOLD));
  }
}
