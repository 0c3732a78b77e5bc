package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.catalog.Retry;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.io.DataFileSink;
import io.stedi.lakehouse.parse.LandingParser;
import io.stedi.lakehouse.parse.ParseResult;
import io.stedi.lakehouse.parse.Rejection;
import io.stedi.lakehouse.table.Quarantine;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One commit cycle: reads new WAL records into data files per table, then commits each table once. */
final class CycleWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CycleWriter.class);
  static final String QUARANTINE = "QUARANTINE";

  private final Map<String, Table> tables;
  private final Map<String, Long> positions;
  private final LakehouseConfig config;
  private final String instanceId;
  private final CommitStats stats;
  private final SideEntrySink sideSink;
  private final EntryFilter filter;
  private final String cycleId = UUID.randomUUID().toString();
  private final Map<String, DataFileSink> sinks = new LinkedHashMap<>();

  CycleWriter(Map<String, Table> tables, Map<String, Long> positions, LakehouseConfig config, String instanceId,
      CommitStats stats, SideEntrySink sideSink, EntryFilter filter) {
    this.sideSink = sideSink;
    this.filter = filter;
    this.tables = tables;
    this.positions = positions;
    this.config = config;
    this.instanceId = instanceId;
    this.stats = stats;
  }

  /** Writes every durable entry after {@code afterLsn} not yet committed to its table; returns the last LSN read. */
  long drain(WriteAheadLog wal, long afterLsn) {
    long[] last = {afterLsn};
    long[] dropped = {0};
    int maxPayload = config.get(LakehouseConfig.QUARANTINE_PAYLOAD_BYTES);
    wal.readAfter(afterLsn, rec -> {
      for (WalEntry e : WalEntry.decode(rec.payload())) {
        if (e.isSide()) {
          sideSink.accept(e);
          continue;
        }
        String t = e.target() == null ? QUARANTINE : e.target().name();
        if (rec.lsn() <= positions.get(t)) {
          continue; // already committed to this table before a restart
        }
        if (e.target() == null) {
          String[] f = e.quarantineFields();
          if (filter.dropQuarantine(f[0], f[1], f[4], f[5])) {
            dropped[0]++;
            continue;
          }
          Rejection r = new Rejection(ErrorCode.valueOf(f[2]), f[3], f[4]);
          sink(t).write(Quarantine.record(f[0], f[1], r, f[5], maxPayload, e.arrivalMillis(), e.source(), e.key()));
        } else {
          ParseResult p = LandingParser.parse(e.target(), new String(e.body(), java.nio.charset.StandardCharsets.UTF_8));
          if (!p.ok()) {
            // Cannot happen for entries the product validated; never drop it silently.
            throw new IllegalStateException("wal entry " + e.key() + " at lsn " + rec.lsn() + " does not parse: "
                + p.rejection().message());
          }
          if (filter.dropLanding(p.row())) {
            dropped[0]++;
            continue;
          }
          DataFileSink sink = sink(t);
          sink.write(p.row().toRecord(sink.schema(), e.arrivalMillis() * 1000L, e.source(), e.key()));
        }
      }
      last[0] = rec.lsn();
    });
    if (dropped[0] > 0) {
      LOG.info("writer {} commit {}: dropped {} waiting entries of forgotten identities", instanceId, cycleId, dropped[0]);
    }
    return last[0];
  }

  private DataFileSink sink(String t) {
    return sinks.computeIfAbsent(t, k ->
        new DataFileSink(tables.get(k), config.get(LakehouseConfig.TARGET_FILE_BYTES), cycleId));
  }

  /** Commits each table that received rows, recording {@code upTo} as its position. */
  void commitAll(long upTo) {
    int retries = config.get(LakehouseConfig.COMMIT_RETRIES);
    for (Map.Entry<String, DataFileSink> e : sinks.entrySet()) {
      Table table = tables.get(e.getKey());
      List<DataFile> files = e.getValue().finish();
      long rows = e.getValue().records();
      if (files.isEmpty()) {
        continue;
      }
      long start = System.nanoTime();
      Retry.run("commit " + cycleId + " to " + table.name(), retries, () -> commitOne(table, files, upTo, rows));
      positions.put(e.getKey(), upTo);
      long ms = (System.nanoTime() - start) / 1_000_000;
      stats.recordCommit(e.getKey(), rows, ms);
      LOG.debug("writer {} commit {}: {} rows in {} files to {} through lsn {} in {} ms", instanceId, cycleId, rows,
          files.size(), table.name(), upTo, ms);
    }
  }

  /** Closes any data files still open (after a failure they become orphans for maintenance to remove). */
  @Override
  public void close() {
    for (DataFileSink s : sinks.values()) {
      try {
        s.finish();
      } catch (RuntimeException e) {
        LOG.warn("writer {} commit {}: closing data files of {} failed: {}", instanceId, cycleId, s.schema(), e.toString());
      }
    }
  }

  private void commitOne(Table table, List<DataFile> files, long upTo, long rows) {
    if (CommitPositions.committed(table, instanceId, upTo)) {
      return; // an earlier attempt whose outcome was unknown did land
    }
    String key = CommitPositions.key(instanceId);
    try {
      Transaction txn = table.newTransaction();
      var append = txn.newFastAppend();
      files.forEach(append::appendFile);
      append.set(key, Long.toString(upTo));
      append.set("stedi.source", "wal");
      append.set("stedi.writer", instanceId);
      append.set("stedi.commit-id", cycleId);
      append.commit();
      txn.updateProperties().set(key, Long.toString(upTo)).commit();
      txn.commitTransaction();
    } catch (CommitStateUnknownException unknown) {
      // The catalog may or may not have taken it: look before trying again, or we could add it twice.
      LOG.warn("writer {} commit {} to {}: outcome unknown, checking the table: {}", instanceId, cycleId, table.name(),
          unknown.getMessage());
      if (!CommitPositions.committed(table, instanceId, upTo)) {
        throw new org.apache.iceberg.exceptions.CommitFailedException(unknown, "commit %s not found after unknown outcome",
            cycleId);
      }
    }
  }
}
