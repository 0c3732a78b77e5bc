package io.stedi.lakehouse.curation.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one curation run did; also a row of {@code stedi.curation_runs}.
 *
 * @param status ok, no_change (nothing new since the last run), or failed
 * @param sourceSnapshots the landing tables' snapshot ids the run read (-1: empty table)
 * @param rowsWritten rows in each output table after the run
 * @param rowsDropped rows left out, by "table.rule" (no_consent, unknown_customer, before_consent, no_matching_reading)
 * @param quality the data-quality results
 */
public record RunReport(String runId, Instant startedAt, Instant endedAt, String options, String status,
    Map<String, Long> sourceSnapshots, Map<String, Long> rowsWritten, Map<String, Long> rowsDropped,
    List<QualityResult> quality, String error) {

  /** One data-quality check's outcome. */
  public record QualityResult(String table, String check, String level, String status, String message) {
    public boolean failed() {
      return !"Success".equals(status);
    }
  }

  /** Whether an error-level quality check failed. */
  public boolean qualityErrors() {
    return quality.stream().anyMatch(q -> q.failed() && "Error".equals(q.level()));
  }
}
