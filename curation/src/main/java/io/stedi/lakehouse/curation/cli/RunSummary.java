package io.stedi.lakehouse.curation.cli;

import io.stedi.lakehouse.curation.jobs.RunReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;

/** The short table {@code stedi curate} prints after each run. */
final class RunSummary {
  private RunSummary() {}

  static void print(PrintWriter out, RunReport r) {
    double secs = Duration.between(r.startedAt(), r.endedAt()).toMillis() / 1000.0;
    out.printf("curation run %s: %s in %.1f s (%s)%n", r.runId(), r.status(), secs, r.options());
    if (r.error() != null) {
      out.printf("  error: %s%n", r.error());
    }
    if (!r.rowsWritten().isEmpty()) {
      out.printf("  %-26s %12s  %s%n", "table", "rows", "dropped by rule");
      for (Map.Entry<String, Long> e : r.rowsWritten().entrySet()) {
        StringBuilder dropped = new StringBuilder();
        for (Map.Entry<String, Long> d : r.rowsDropped().entrySet()) {
          if (d.getKey().startsWith(e.getKey() + ".") && d.getValue() > 0) {
            dropped.append(dropped.length() == 0 ? "" : ", ").append(d.getKey().substring(e.getKey().length() + 1))
                .append('=').append(d.getValue());
          }
        }
        out.printf("  %-26s %,12d  %s%n", e.getKey(), e.getValue(), dropped);
      }
    }
    if (!r.quality().isEmpty()) {
      long failed = r.quality().stream().filter(RunReport.QualityResult::failed).count();
      out.printf("  data quality: %d checks, %d failed%n", r.quality().size(), failed);
      for (RunReport.QualityResult q : r.quality()) {
        if (q.failed()) {
          out.printf("    %s %s on %s: %s%n", q.level().toUpperCase(java.util.Locale.ROOT), q.check(), q.table(), q.message());
        }
      }
    }
    out.flush();
  }
}
