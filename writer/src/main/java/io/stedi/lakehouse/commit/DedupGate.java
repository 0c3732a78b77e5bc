package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.dedup.DedupWindow;
import io.stedi.lakehouse.dedup.ReadingIdentity;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The write path's dedup step, between the protocols and the log: each landing row's content identity is looked
 * up in the {@link DedupWindow} (rows already durable) and among the appends still on their way to disk. A row
 * found in either is not written again; its caller's future completes with the earlier delivery's, so an
 * acknowledgement still means "durable". Quarantine and side entries pass through untouched.
 */
final class DedupGate {
  private final WriteAheadLog wal;
  private final DedupWindow window;
  private final Map<ReadingIdentity.Id, CompletableFuture<Long>> inFlight = new ConcurrentHashMap<>();

  DedupGate(WriteAheadLog wal, DedupWindow window) {
    this.wal = wal;
    this.window = window;
  }

  /** Adds the identity of every landing row still in the log (after a restart); returns how many. */
  long rebuildFromLog() {
    long[] n = {0};
    wal.readAfter(-1, rec -> {
      List<WalEntry> entries;
      try {
        entries = WalEntry.decode(rec.payload());
      } catch (StediException undecodable) {
        return; // the commit cycle quarantines it
      }
      for (WalEntry e : entries) {
        if (e.kind() == WalEntry.EntryKind.LANDING) {
          try {
            window.add(window.identity().of(e.target().walId(), e.contentBytes()));
            n[0]++;
          } catch (StediException unwritable) {
            // quarantined by the commit cycle
          }
        }
      }
    });
    return n[0];
  }

  CompletableFuture<Long> append(List<WalEntry> entries) {
    ReadingIdentity.Id[] ids = new ReadingIdentity.Id[entries.size()];
    for (int i = 0; i < ids.length; i++) {
      WalEntry e = entries.get(i);
      if (e.kind() == WalEntry.EntryKind.LANDING) {
        ids[i] = window.identity().of(e.target().walId(), e.contentBytes());
      }
    }
    CompletableFuture<Long> mine = new CompletableFuture<>();
    List<WalEntry> fresh = new ArrayList<>(entries.size());
    List<ReadingIdentity.Id> freshIds = new ArrayList<>(entries.size());
    List<CompletableFuture<Long>> earlier = null;
    long duplicates = 0;
    // No lock of the gate's own: the ingest threads and the log's sync thread (which moves identities from in
    // flight to the window on completion) used to share one, and JFR showed the event loop blocked on it for up to
    // 85 ms. A completion adds to the window before it leaves the in-flight map, so an identity that slipped
    // between this lookup and the putIfAbsent below shows up in the window's addition count and is looked up again.
    long additionsBefore = window.additions();
    boolean[] durable = window.containsAll(ids);
    int[] freshAt = new int[ids.length]; // where in fresh each of freshIds sits
    for (int i = 0; i < ids.length; i++) {
      ReadingIdentity.Id id = ids[i];
      if (id == null) {
        fresh.add(entries.get(i));
        continue;
      }
      if (durable[i]) {
        duplicates++;
        continue;
      }
      CompletableFuture<Long> other = inFlight.putIfAbsent(id, mine);
      if (other != null) {
        duplicates++;
        if (other != mine) {
          if (earlier == null) {
            earlier = new ArrayList<>(2);
          }
          earlier.add(other);
        }
        continue;
      }
      fresh.add(entries.get(i));
      freshAt[freshIds.size()] = fresh.size() - 1;
      freshIds.add(id);
    }
    if (!freshIds.isEmpty() && window.additions() != additionsBefore) {
      duplicates += dropDurableSince(fresh, freshIds, freshAt, mine);
    }
    if (duplicates > 0) {
      window.countDuplicate(duplicates);
    }
    if (fresh.isEmpty()) {
      mine.complete(wal.durableLsn());
    } else {
      wal.append(WalEntry.encode(fresh)).whenComplete((lsn, err) -> {
        if (err == null) {
          window.addAll(freshIds); // before leaving the in-flight map: see append
        }
        for (ReadingIdentity.Id id : freshIds) {
          inFlight.remove(id, mine);
        }
        if (err != null) {
          mine.completeExceptionally(err);
        } else {
          mine.complete(lsn);
        }
      });
    }
    if (earlier == null) {
      return mine;
    }
    List<CompletableFuture<Long>> all = new ArrayList<>(earlier);
    all.add(mine);
    // the newest of the LSNs: mine alone may be the log's durable LSN from before the earlier deliveries landed
    // (-1 on a fresh log), which is not where this batch's rows are
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
        .thenApply(x -> all.stream().mapToLong(CompletableFuture::join).max().orElseThrow());
  }

  /**
   * Looks the batch's fresh identities up again after another delivery's completion added identities to the window
   * meanwhile; drops those now durable (and their in-flight claims) from {@code fresh}. Returns how many it dropped.
   */
  private long dropDurableSince(List<WalEntry> fresh, List<ReadingIdentity.Id> freshIds, int[] freshAt,
      CompletableFuture<Long> mine) {
    boolean[] now = window.containsAll(freshIds.toArray(new ReadingIdentity.Id[0]));
    long dropped = 0;
    for (int k = now.length - 1; k >= 0; k--) { // from the end, so that earlier positions in fresh stay valid
      if (now[k]) {
        inFlight.remove(freshIds.get(k), mine);
        fresh.remove(freshAt[k]);
        freshIds.remove(k);
        dropped++;
      }
    }
    return dropped;
  }
}
