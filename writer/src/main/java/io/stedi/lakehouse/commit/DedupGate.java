package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.dedup.DedupWindow;
import io.stedi.lakehouse.dedup.ReadingIdentity;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.wal.WriteAheadLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The write path's dedup step, between the protocols and the log: each landing row's content identity is looked
 * up in the {@link DedupWindow} (rows already durable) and among the appends still on their way to disk. A row
 * found in either is not written again; its caller's future completes with the earlier delivery's, so an
 * acknowledgement still means "durable". Quarantine and side entries pass through untouched.
 */
final class DedupGate {
  private final WriteAheadLog wal;
  private final DedupWindow window;
  private final Map<ReadingIdentity.Id, CompletableFuture<Long>> inFlight = new HashMap<>();

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
    synchronized (inFlight) {
      // under the same lock as the completion that moves an identity from in flight to the window, so none is missed
      boolean[] durable = window.containsAll(ids);
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
        freshIds.add(id);
      }
    }
    if (duplicates > 0) {
      window.countDuplicate(duplicates);
    }
    if (fresh.isEmpty()) {
      mine.complete(wal.durableLsn());
    } else {
      wal.append(WalEntry.encode(fresh)).whenComplete((lsn, err) -> {
        synchronized (inFlight) {
          if (err == null) {
            window.addAll(freshIds);
          }
          for (ReadingIdentity.Id id : freshIds) {
            inFlight.remove(id, mine);
          }
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
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).thenApply(x -> mine.join());
  }
}
