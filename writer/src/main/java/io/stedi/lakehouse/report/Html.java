package io.stedi.lakehouse.report;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a {@link ReportData} as one self-contained HTML page: inline CSS and SVG, no script, no link to
 * anything, so it opens offline and can be mailed. Numbers a test or a reader may want to pick out carry
 * {@code data-*} attributes naming what they count.
 */
public final class Html {
  private static final Map<String, String> ZONE_COLOURS = Map.of("landing", Svg.COLOURS[0], "trusted", Svg.COLOURS[1],
      "curated", Svg.COLOURS[2], "records", "#999999");
  private static final int BUCKETS = 40;

  private Html() {}

  /** The page. */
  public static String render(ReportData d) {
    StringBuilder b = new StringBuilder(16_384);
    b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>STEDI Lakehouse report</title>")
        .append("<style>body{font-family:sans-serif;margin:2em;color:#222;max-width:70em}h2{margin-top:1.6em;")
        .append("border-bottom:1px solid #ccc}table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:")
        .append("1px solid #eee;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}")
        .append(".Success,.ok,.complete{color:#007a3d}.Warning,.pending{color:#a36200}.Error,.Failure,.failed{color:")
        .append("#c00}svg text{font-size:12px;fill:#222}.note{color:#666;font-size:.9em}</style></head><body>")
        .append("<h1>STEDI Lakehouse report</h1><p class=\"note\">Generated ").append(d.generatedAt().truncatedTo(
            ChronoUnit.SECONDS)).append(" from the catalog alone (snapshot summaries and history, the run records). ")
        .append("It holds no personal data: erasure receipts and quarantined payloads are counted, never shown.</p>");
    freshness(b, d);
    funnel(b, d);
    drops(b, d);
    quality(b, d);
    landed(b, d);
    runs(b, d);
    maintenance(b, d);
    erasure(b, d);
    return b.append("</body></html>\n").toString();
  }

  private static void freshness(StringBuilder b, ReportData d) {
    b.append("<h2>Freshness</h2><table><tr><th>table</th><th>last commit (UTC)</th><th>age</th></tr>");
    for (ReportData.TableRow t : d.tables()) {
      if (!t.zone().equals("records") && t.lastCommit() != null) {
        b.append("<tr><td>").append(esc(t.name())).append("</td><td>").append(t.lastCommit().truncatedTo(ChronoUnit.SECONDS))
            .append("</td><td class=\"n\">").append(age(Duration.between(t.lastCommit(), d.generatedAt()))).append("</td></tr>");
      }
    }
    b.append("</table>");
    ReportData.CurationRun last = d.lastEffectiveRun();
    Instant newestLanding = d.tables().stream().filter(t -> t.name().endsWith("_landing") && t.lastCommit() != null)
        .map(ReportData.TableRow::lastCommit).max(Instant::compareTo).orElse(null);
    if (last == null) {
      b.append("<p id=\"curation-lag\">No curation run yet: run <code>bin/stedi curate</code>.</p>");
    } else if (newestLanding != null && newestLanding.isAfter(last.startedAt())) {
      b.append("<p id=\"curation-lag\">Landing data is newer than the last curation run (").append(
          age(Duration.between(last.startedAt(), newestLanding))).append(" of readings not yet curated).</p>");
    } else {
      b.append("<p id=\"curation-lag\">The curated tables include every landed reading (last run ended ")
          .append(last.endedAt() == null ? "?" : last.endedAt().truncatedTo(ChronoUnit.SECONDS)).append(").</p>");
    }
  }

  private static void funnel(StringBuilder b, ReportData d) {
    b.append("<h2>Zones: landing &rarr; trusted &rarr; curated</h2>");
    List<Svg.Bar> bars = d.tables().stream().filter(t -> !t.zone().equals("records") && !t.name().equals("quarantine"))
        .map(t -> new Svg.Bar(t.name(), t.rows(), ZONE_COLOURS.get(t.zone()))).toList();
    b.append(Svg.bars("funnel", "rows per table, by zone", bars));
    b.append("<table id=\"tables\"><tr><th>zone</th><th>table</th><th>rows</th><th>data files</th><th>bytes</th></tr>");
    for (ReportData.TableRow t : d.tables()) {
      b.append("<tr><td>").append(t.zone()).append("</td><td>").append(esc(t.name()))
          .append("</td><td class=\"n\" data-rows=\"").append(esc(t.name())).append("\">").append(fmt(t.rows()))
          .append("</td><td class=\"n\">").append(fmt(t.files())).append("</td><td class=\"n\">").append(fmt(t.bytes()))
          .append("</td></tr>");
    }
    b.append("</table>");
  }

  private static void drops(StringBuilder b, ReportData d) {
    b.append("<h2>Rows dropped by each privacy rule</h2>");
    ReportData.CurationRun last = d.lastEffectiveRun();
    if (last == null) {
      b.append("<p>No curation run yet.</p>");
      return;
    }
    b.append("<p class=\"note\">Run of ").append(last.startedAt().truncatedTo(ChronoUnit.SECONDS)).append(" (")
        .append(esc(last.status())).append(", ").append(esc(last.options()))
        .append("); an incremental run counts the new readings only.</p>");
    List<Svg.Bar> bars = last.dropped().entrySet().stream()
        .map(e -> new Svg.Bar(e.getKey(), e.getValue(), Svg.COLOURS[5])).toList();
    b.append(Svg.bars("drops", "rows dropped per rule", bars));
  }

  private static void quality(StringBuilder b, ReportData d) {
    b.append("<h2>Data quality</h2>");
    ReportData.CurationRun last = d.lastEffectiveRun();
    if (last == null || last.quality().isEmpty()) {
      b.append("<p>No checks recorded yet.</p>");
      return;
    }
    long failed = last.quality().stream().filter(c -> !c.status().equals("Success")).count();
    b.append("<p id=\"quality-summary\" data-checks=\"").append(last.quality().size()).append("\" data-failed=\"")
        .append(failed).append("\">").append(last.quality().size()).append(" checks, ").append(failed)
        .append(" not passed.</p><table id=\"quality\"><tr><th>table</th><th>check</th><th>level</th><th>status</th></tr>");
    for (ReportData.Check c : last.quality()) {
      b.append("<tr><td>").append(esc(c.table())).append("</td><td>").append(esc(c.check())).append("</td><td>")
          // a warning-level check that did not pass is a warning, not an error
          .append(esc(c.level())).append("</td><td class=\"").append(c.status().equals("Success") ? "Success"
              : esc(c.level())).append("\">").append(esc(c.status()))
          .append("</td></tr>");
    }
    b.append("</table>");
  }

  private static void landed(StringBuilder b, ReportData d) {
    b.append("<h2>Readings landed over time</h2>");
    if (d.landed().isEmpty()) {
      b.append("<p>Nothing landed yet.</p>");
      return;
    }
    long first = d.landed().get(0).at().toEpochMilli();
    long last = d.landed().get(d.landed().size() - 1).at().toEpochMilli();
    long width = Math.max(1, (last - first) / BUCKETS + 1);
    Map<String, long[]> series = new LinkedHashMap<>();
    for (ReportData.Landed l : d.landed()) {
      long[] v = series.computeIfAbsent(l.table(), t -> new long[BUCKETS + 1]);
      v[(int) ((l.at().toEpochMilli() - first) / width)] += l.rows();
    }
    b.append("<p class=\"note\">Rows per commit of each landing table, in ").append(BUCKETS + 1)
        .append(" time buckets of ").append(age(Duration.ofMillis(width)))
        .append(", as far back as snapshots are kept (maintain expires older ones).</p>");
    b.append(Svg.lines("landed", "rows landed over time per zone", series,
        Instant.ofEpochMilli(first).truncatedTo(ChronoUnit.SECONDS).toString(),
        Instant.ofEpochMilli(last).truncatedTo(ChronoUnit.SECONDS).toString()));
  }

  private static void runs(StringBuilder b, ReportData d) {
    b.append("<h2>Recent curation runs</h2>");
    if (d.curationRuns().isEmpty()) {
      b.append("<p>None yet.</p>");
      return;
    }
    b.append(Svg.bars("run-durations", "curation run durations (ms)", d.curationRuns().stream()
        .map(r -> new Svg.Bar(r.startedAt().truncatedTo(ChronoUnit.SECONDS) + " " + r.status(), millis(r.startedAt(),
            r.endedAt()), Svg.COLOURS[4])).toList()));
    b.append("<table id=\"curation-runs\"><tr><th>started (UTC)</th><th>duration</th><th>status</th><th>options</th></tr>");
    for (ReportData.CurationRun r : d.curationRuns()) {
      b.append("<tr><td>").append(r.startedAt().truncatedTo(ChronoUnit.SECONDS)).append("</td><td class=\"n\">")
          .append(age(Duration.ofMillis(millis(r.startedAt(), r.endedAt())))).append("</td><td class=\"")
          .append(esc(r.status())).append("\">").append(esc(r.status())).append("</td><td>").append(esc(r.options()))
          .append("</td></tr>");
    }
    b.append("</table>");
  }

  private static void maintenance(StringBuilder b, ReportData d) {
    b.append("<h2>Recent maintenance</h2>");
    if (d.maintenanceRuns().isEmpty()) {
      b.append("<p>None yet (<code>bin/stedi maintain</code>, or <code>curate --every</code>).</p>");
      return;
    }
    b.append("<table id=\"maintenance-runs\"><tr><th>started (UTC)</th><th>table</th><th>duration</th><th>data files</th>")
        .append("<th>snapshots expired</th><th>status</th></tr>");
    for (ReportData.MaintenanceRun r : d.maintenanceRuns()) {
      b.append("<tr><td>").append(r.startedAt() == null ? "" : r.startedAt().truncatedTo(ChronoUnit.SECONDS))
          .append("</td><td>").append(esc(r.table())).append("</td><td class=\"n\">")
          .append(age(Duration.ofMillis(millis(r.startedAt(), r.finishedAt())))).append("</td><td class=\"n\">")
          .append(fmt(r.filesBefore())).append(" &rarr; ").append(fmt(r.filesAfter())).append("</td><td class=\"n\">")
          .append(fmt(r.snapshotsExpired())).append("</td><td class=\"").append(esc(r.status())).append("\">")
          .append(esc(r.status())).append("</td></tr>");
    }
    b.append("</table>");
  }

  private static void erasure(StringBuilder b, ReportData d) {
    b.append("<h2>Erasure and quarantine</h2><table id=\"receipts\"><tr><th>erasure requests</th><th></th></tr>");
    if (d.receiptsByStatus().isEmpty()) {
      b.append("<tr><td>none</td><td class=\"n\">0</td></tr>");
    }
    d.receiptsByStatus().forEach((status, n) -> b.append("<tr><td class=\"").append(esc(status)).append("\">")
        .append(esc(status)).append("</td><td class=\"n\" data-receipts=\"").append(esc(status)).append("\">")
        .append(fmt(n)).append("</td></tr>"));
    d.rowsErased().forEach((table, n) -> b.append("<tr><td>rows erased from ").append(esc(table))
        .append("</td><td class=\"n\">").append(fmt(n)).append("</td></tr>"));
    b.append("</table><table id=\"quarantine\"><tr><th>quarantined, by reason</th><th></th></tr>");
    if (d.quarantineByReason().isEmpty()) {
      b.append("<tr><td>none</td><td class=\"n\">0</td></tr>");
    }
    d.quarantineByReason().forEach((reason, n) -> b.append("<tr><td>").append(esc(reason))
        .append("</td><td class=\"n\" data-quarantine=\"").append(esc(reason)).append("\">").append(fmt(n))
        .append("</td></tr>"));
    b.append("</table>");
  }

  private static long millis(Instant from, Instant to) {
    return from == null || to == null ? 0 : Math.max(0, Duration.between(from, to).toMillis());
  }

  private static String fmt(long n) {
    return String.format("%,d", n);
  }

  /** A short human duration: 850 ms, 12.3 s, 4 min, 3 h, 2 d. */
  static String age(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    if (ms < 3_600_000) {
      return ms / 60_000 + " min";
    }
    return ms < 86_400_000 ? ms / 3_600_000 + " h" : ms / 86_400_000 + " d";
  }

  /** HTML-escapes text for element content and attribute values. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
