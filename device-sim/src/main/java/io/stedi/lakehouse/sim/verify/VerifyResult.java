package io.stedi.lakehouse.sim.verify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code sim verify} found.
 *
 * @param ledgerEntries ledger lines by status (acked, failed, sent, rejected)
 * @param tableRows rows of the ledger's devices and users within their own ledger time span, by zone
 * @param missing acknowledged readings not in the table (counted per missing copy)
 * @param duplicated rows beyond what the ledger allows (acknowledged plus in-doubt copies)
 * @param unexpected rows in scope that the ledger does not know, or knows only as rejected
 * @param inDoubtLanded failed or QoS 0 readings that did land (allowed)
 * @param inDoubtMissing failed or QoS 0 readings that did not land (allowed)
 * @param examples up to a few keys per problem, for the report
 */
public record VerifyResult(Map<String, Long> ledgerEntries, Map<String, Long> tableRows, long missing, long duplicated,
    long unexpected, long inDoubtLanded, long inDoubtMissing, Map<String, List<String>> examples) {

  /** No loss and no duplicate. */
  public boolean ok() {
    return missing == 0 && duplicated == 0;
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", ok());
    m.put("ledger_entries", ledgerEntries);
    m.put("table_rows", tableRows);
    m.put("missing", missing);
    m.put("duplicated", duplicated);
    m.put("unexpected", unexpected);
    m.put("in_doubt_landed", inDoubtLanded);
    m.put("in_doubt_missing", inDoubtMissing);
    m.put("examples", examples);
    return m;
  }

  /** A human-readable report. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("ledger: ").append(ledgerEntries).append('\n');
    b.append("table rows in scope: ").append(tableRows).append('\n');
    b.append(String.format("missing %d, duplicated %d, unexpected %d (in doubt: %d landed, %d not)%n", missing,
        duplicated, unexpected, inDoubtLanded, inDoubtMissing));
    examples.forEach((kind, keys) -> {
      if (!keys.isEmpty()) {
        b.append("  ").append(kind).append(" e.g.:\n");
        keys.forEach(k -> b.append("    ").append(k).append('\n'));
      }
    });
    b.append(ok() ? "OK: every acknowledged reading landed exactly once" : "FAILED: readings were lost or duplicated");
    return b.toString();
  }
}
