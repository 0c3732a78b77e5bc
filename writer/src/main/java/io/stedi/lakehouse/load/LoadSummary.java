package io.stedi.lakehouse.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What one {@code stedi load} did.
 *
 * @param zone the zone loaded
 * @param files every input file considered
 * @param skippedFiles files whose content was already in the table (by content hash), so nothing was added
 * @param rowsLoaded rows appended to the landing table
 * @param rejectedByReason rejected lines by reason code (quarantined)
 * @param blankLines empty lines, ignored
 * @param bytes bytes read
 * @param elapsed wall time
 * @param snapshotId the landing table's new snapshot, or -1 when nothing was committed
 */
public record LoadSummary(String zone, List<String> files, List<String> skippedFiles, long rowsLoaded,
    Map<String, Long> rejectedByReason, long blankLines, long bytes, Duration elapsed, long snapshotId) {

  public long rowsRejected() {
    return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
  }
}
