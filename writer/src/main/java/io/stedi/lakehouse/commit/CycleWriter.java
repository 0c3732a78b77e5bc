package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.dedup.DedupWindow;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.io.DataFileSink;
import io.stedi.lakehouse.parse.LandingRow;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Quarantine;
import io.stedi.lakehouse.wal.WalRecord;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads new write-ahead log records into Parquet data files, one set per table (a "chunk"). Nothing is committed
 * here: the coordinator adds the chunk to its {@link PendingCommit}. An entry that cannot be written (it no longer
 * decodes or validates, say after an upgrade tightened a rule) becomes a quarantine row with the reason; a whole
 * record that does not decode is also copied byte for byte to {@code <wal.dir>/poison/} so nothing is lost.
 */
final class CycleWriter {
  private static final Logger LOG = LoggerFactory.getLogger(CycleWriter.class);
  static final String QUARANTINE = "quarantine";

  private final Map<String, Table> tables;
  private final Map<String, Long> positions;
  private final LakehouseConfig config;
  private final String instanceId;
  private final SideEntrySink sideSink;
  private final EntryFilter filter;
  private final DedupWindow dedup;
  private final String chunkId = UUID.randomUUID().toString();
  private final Map<String, DataFileSink> sinks = new LinkedHashMap<>();
  private long poisoned;

  /**
   * @param tables per table, what to write data files with (read-only metadata copies: no catalog round trip)
   */
  CycleWriter(Map<String, Table> tables, Map<String, Long> positions, LakehouseConfig config, String instanceId,
      SideEntrySink sideSink, EntryFilter filter, DedupWindow dedup) {
    this.sideSink = sideSink;
    this.filter = filter;
    this.tables = tables;
    this.positions = positions;
    this.config = config;
    this.instanceId = instanceId;
    this.dedup = dedup;
  }

  /** Writes every durable entry after {@code afterLsn} not yet committed to its table; returns the last LSN read. */
  long drain(WriteAheadLog wal, long afterLsn) {
    long[] last = {afterLsn};
    long[] dropped = {0};
    int maxPayload = config.get(LakehouseConfig.QUARANTINE_PAYLOAD_BYTES);
    wal.readAfter(afterLsn, rec -> {
      List<WalEntry> entries;
      try {
        entries = WalEntry.decode(rec.payload());
      } catch (StediException e) {
        poisonRecord(wal, rec, e, maxPayload);
        last[0] = rec.lsn();
        return;
      }
      for (WalEntry e : entries) {
        if (e.isSide()) {
          sideSink.accept(e);
          continue;
        }
        String t = e.kind() == WalEntry.EntryKind.QUARANTINE ? QUARANTINE : e.target().landingTable();
        if (e.kind() == WalEntry.EntryKind.LANDING) {
          try {
            byte[] content = e.contentBytes();
            dedup.record(dedup.identity().of(e.target().walId(), content));
          } catch (StediException bad) {
            // handled below, where the row is needed
          }
        }
        if (rec.lsn() <= positions.get(t)) {
          continue; // already committed to this table before a restart
        }
        if (e.kind() == WalEntry.EntryKind.QUARANTINE) {
          writeQuarantine(e, t, maxPayload, dropped);
        } else {
          writeLanding(e, t, rec.lsn(), maxPayload, dropped);
        }
      }
      last[0] = rec.lsn();
    });
    if (dropped[0] > 0) {
      LOG.info("writer {} chunk {}: dropped {} waiting entries of forgotten identities", instanceId, chunkId, dropped[0]);
    }
    return last[0];
  }

  private void writeLanding(WalEntry e, String t, long lsn, int maxPayload, long[] dropped) {
    LandingRow row;
    try {
      row = e.row();
    } catch (StediException bad) {
      poisoned++;
      LOG.error("writer {}: wal entry {} at lsn {} cannot be written to {} ({}); it goes to stedi.quarantine instead",
          instanceId, e.key(), lsn, e.target().landingTable(), bad.code().code());
      if (positions.get(QUARANTINE) < lsn) {
        String text = e.jsonBody() ? new String(e.body(), java.nio.charset.StandardCharsets.UTF_8) : null;
        if (!filter.dropQuarantine(e.target().cliName(), "wal " + e.source(), bad.getMessage(), text)) {
          sink(QUARANTINE).write(Quarantine.record(e.target().cliName(), "wal " + e.source(),
              new Rejection(ErrorCode.UNWRITABLE_ENTRY, null, bad.getMessage()), text, maxPayload, e.arrivalMillis(),
              e.source(), e.key()));
        }
      }
      return;
    }
    if (filter.dropLanding(row)) {
      dropped[0]++;
      return;
    }
    DataFileSink sink = sink(t);
    sink.write(row.toRecord(sink.schema(), arrival(e.arrivalMillis()), e.source(), e.key()));
  }

  private void writeQuarantine(WalEntry e, String t, int maxPayload, long[] dropped) {
    WalEntry.QuarantineFields f;
    try {
      f = e.quarantineFields();
    } catch (StediException bad) {
      poisoned++;
      LOG.error("writer {}: quarantine entry {} does not decode; kept as a quarantine row without content", instanceId,
          e.key());
      f = new WalEntry.QuarantineFields(null, "wal " + e.source(), ErrorCode.UNWRITABLE_ENTRY, null, bad.getMessage(),
          null);
    }
    if (filter.dropQuarantine(f.zone(), f.origin(), f.message(), f.payload())) {
      dropped[0]++;
      return;
    }
    Rejection r = new Rejection(f.code(), f.field(), f.message());
    sink(t).write(Quarantine.record(f.zone(), f.origin(), r, f.payload(), maxPayload, e.arrivalMillis(), e.source(),
        e.key()));
  }

  /** A record that does not decode at all: keep its bytes on disk and say so in quarantine. */
  private void poisonRecord(WriteAheadLog wal, WalRecord rec, StediException e, int maxPayload) {
    poisoned++;
    Path dir = wal.dir().resolve("poison");
    Path file = dir.resolve(String.format("%020d.bin", rec.lsn()));
    try {
      Files.createDirectories(dir);
      Files.write(file, rec.payload(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    } catch (IOException io) {
      throw new UncheckedIOException("cannot keep undecodable wal record " + rec.lsn() + " in " + file, io);
    }
    LOG.error("writer {}: wal record at lsn {} does not decode ({}); its bytes are kept in {}", instanceId, rec.lsn(),
        e.getMessage(), file);
    if (positions.get(QUARANTINE) < rec.lsn()) {
      sink(QUARANTINE).write(Quarantine.record(null, "wal lsn " + rec.lsn(),
          new Rejection(ErrorCode.UNWRITABLE_ENTRY, null, e.getMessage() + "; bytes kept in " + file), null, maxPayload,
          System.currentTimeMillis(), "wal", instanceId + ":poison:" + rec.lsn()));
    }
  }

  /**
   * The arrival time as the timestamp value, shared by consecutive rows that arrived together (a batch is one WAL
   * record): converting it per row, and the partition key the sink derives from it, showed in JFR profiles of the
   * commit thread (about 14 % under HTTPS load).
   */
  private java.time.OffsetDateTime arrival(long millis) {
    if (millis != lastArrivalMillis || lastArrival == null) {
      lastArrivalMillis = millis;
      lastArrival = java.time.OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(millis), java.time.ZoneOffset.UTC);
    }
    return lastArrival;
  }

  private long lastArrivalMillis;
  private java.time.OffsetDateTime lastArrival;

  private DataFileSink sink(String t) {
    return sinks.computeIfAbsent(t, k ->
        new DataFileSink(tables.get(k), config.get(LakehouseConfig.TARGET_FILE_BYTES), chunkId));
  }

  /** Entries that could not be written and went to quarantine in this chunk. */
  long poisoned() {
    return poisoned;
  }

  /** Closes the files and returns them with their row counts, per table. */
  Map<String, PendingCommit.Files> finish() {
    Map<String, PendingCommit.Files> out = new LinkedHashMap<>();
    for (Map.Entry<String, DataFileSink> e : sinks.entrySet()) {
      List<DataFile> files = e.getValue().finish();
      if (!files.isEmpty()) {
        out.put(e.getKey(), new PendingCommit.Files(files, e.getValue().records()));
      }
    }
    return out;
  }

  /** After a failure: closes what is open and deletes every file this chunk wrote (best effort). */
  void abandon() {
    for (Map.Entry<String, DataFileSink> e : sinks.entrySet()) {
      try {
        for (DataFile f : e.getValue().finish()) {
          tables.get(e.getKey()).io().deleteFile(f.location());
        }
      } catch (RuntimeException ex) {
        LOG.warn("writer {} chunk {}: cleaning up data files of {} failed (maintenance removes orphans): {}",
            instanceId, chunkId, e.getKey(), ex.toString());
      }
    }
  }
}
