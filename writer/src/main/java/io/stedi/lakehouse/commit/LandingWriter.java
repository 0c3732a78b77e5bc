package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.io.DataFileSink;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Quarantine;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer thread's share of a commit chunk: decodes landing entries from their binary WAL form, drops those of
 * forgotten identities, and writes the rest into data files of its own. Confined to one thread at a time (a
 * {@link WriterPool} worker, or the commit thread itself).
 */
final class LandingWriter {
  private static final Logger LOG = LoggerFactory.getLogger(LandingWriter.class);

  /** A landing entry of a WAL record, for table {@code table}. */
  record Item(WalEntry entry, String table, long lsn) {}

  private final Map<String, Table> tables;
  private final Map<String, Long> positions;
  private final long targetFileBytes;
  private final String operationId;
  private final String instanceId;
  private final EntryFilter filter;
  private final int maxPayload;
  private final AtomicLong poisoned;
  private final AtomicLong dropped;
  private final Map<String, DataFileSink> sinks = new LinkedHashMap<>();
  private final Map<String, GenericRecord> reusable = new HashMap<>();
  private long lastArrivalMillis;
  private OffsetDateTime lastArrival;

  LandingWriter(Map<String, Table> tables, Map<String, Long> positions, long targetFileBytes, String operationId,
      String instanceId, EntryFilter filter, int maxPayload, AtomicLong poisoned, AtomicLong dropped) {
    this.tables = tables;
    this.positions = positions;
    this.targetFileBytes = targetFileBytes;
    this.operationId = operationId;
    this.instanceId = instanceId;
    this.filter = filter;
    this.maxPayload = maxPayload;
    this.poisoned = poisoned;
    this.dropped = dropped;
  }

  void write(List<Item> items) {
    for (Item it : items) {
      write(it.entry(), it.table(), it.lsn());
    }
  }

  private void write(WalEntry e, String t, long lsn) {
    LandingRow row;
    try {
      row = e.row();
    } catch (StediException bad) {
      poisoned.incrementAndGet();
      LOG.error("writer {}: wal entry {} at lsn {} cannot be written to {} ({}); it goes to stedi.quarantine instead",
          instanceId, e.key(), lsn, e.target().landingTable(), bad.code().code());
      if (positions.get(CycleWriter.QUARANTINE) < lsn) {
        String text = e.jsonBody() ? new String(e.body(), java.nio.charset.StandardCharsets.UTF_8) : null;
        if (!filter.dropQuarantine(e.target().cliName(), "wal " + e.source(), bad.getMessage(), text)) {
          sink(CycleWriter.QUARANTINE).write(Quarantine.record(e.target().cliName(), "wal " + e.source(),
              new Rejection(ErrorCode.UNWRITABLE_ENTRY, null, bad.getMessage()), text, maxPayload, e.arrivalMillis(),
              e.source(), e.key()));
        }
      }
      return;
    }
    if (filter.dropLanding(row)) {
      dropped.incrementAndGet();
      return;
    }
    DataFileSink sink = sink(t);
    GenericRecord r = reusable.computeIfAbsent(t, k -> GenericRecord.create(sink.schema()));
    row.fill(r, arrival(e.arrivalMillis()), e.source(), e.key());
    sink.write(r);
  }

  /**
   * The arrival time as the timestamp value, shared by consecutive rows that arrived together (a batch is one WAL
   * record): converting it per row, and the partition key the sink derives from it, showed in JFR profiles of the
   * commit thread (about 14 % under HTTPS load).
   */
  private OffsetDateTime arrival(long millis) {
    if (millis != lastArrivalMillis || lastArrival == null) {
      lastArrivalMillis = millis;
      lastArrival = OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }
    return lastArrival;
  }

  DataFileSink sink(String t) {
    return sinks.computeIfAbsent(t, k -> new DataFileSink(tables.get(k), targetFileBytes, operationId));
  }

  /** This writer's sinks by table (read after its last task completed). */
  Map<String, DataFileSink> sinks() {
    return sinks;
  }
}
