package io.stedi.lakehouse.dedup;

/**
 * Open-addressing hash tables of 128-bit identities in {@code long[]}s (two slots per identity), each tagged with the
 * generation that added it: a lookup is one probe sequence whatever the number of generations, and no object is
 * allocated per identity. A generation is dropped by declaring it dead ({@link #live}); its entries stay, ignored,
 * until their table is rebuilt. The low 16 bits of the first word hold the tag, so an identity keeps 112 bits. Load
 * factor at most 1/2 (an unsuccessful lookup probes about 2.5 slots).
 *
 * <p>The identities are split over {@value #SHARDS} tables by the top bits of their low word, and each table grows
 * or drops its dead entries on its own when it is half full. A rebuild then moves 1/{@value #SHARDS} of the
 * identities: one table of all of them made the caller that crossed its threshold rebuild millions of entries at
 * once, under the window's lock, which stalled every ingest thread for 10-85 ms (JFR monitor-enter events of the
 * gateway at 60 k msgs/s). Not thread-safe for writers; {@link #contains} and {@link #touch} may race one writer
 * (the caller validates such a read afterwards, see {@link DedupWindow#containsAll}).
 */
final class IdentitySet {
  private static final long TAG = 0xFFFFL;
  static final int SHARD_BITS = 8;
  static final int SHARDS = 1 << SHARD_BITS;

  private final Shard[] shards = new Shard[SHARDS];
  /** Generation tags from {@code oldest} to {@code newest} (mod 2^16) are live. */
  private int oldest;
  private int newest;
  /** Most slots one rebuild has copied (tests check that rebuilds stay small). */
  private int largestRebuild;

  IdentitySet(int expected) {
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = new Shard(Math.max(1, expected / SHARDS));
    }
  }

  /** Occupied slots, including entries of dead generations not dropped yet. */
  int used() {
    int n = 0;
    for (Shard s : shards) {
      n += s.used;
    }
    return n;
  }

  /** Most slots one rebuild (growth or dropping dead entries) has copied since this set was made. */
  int largestRebuild() {
    return largestRebuild;
  }

  /** Declares generations {@code oldest..newest} (mod 2^16, at most 2^15 of them) live and every other one dead. */
  void live(int oldest, int newest) {
    this.oldest = oldest & (int) TAG;
    this.newest = newest & (int) TAG;
  }

  private boolean isLive(long tag) {
    int age = (newest - (int) tag) & (int) TAG;
    int span = (newest - oldest) & (int) TAG;
    return age <= span;
  }

  private Shard shard(long lo) {
    return shards[(int) (lo >>> (64 - SHARD_BITS))];
  }

  boolean contains(long hi, long lo) {
    return shard(lo).contains(hi, lo);
  }

  /**
   * Reads the first slot of each identity's probe sequence, in a loop whose loads do not depend on each other, so
   * the CPU has their cache misses in flight together; the lookups after it then find the lines in cache.
   */
  void touch(java.util.List<ReadingIdentity.Id> ids) {
    long sink = 0;
    for (ReadingIdentity.Id id : ids) {
      if (id != null) {
        long[] t = shard(id.lo()).slots; // one read of the array: see contains
        sink += t[2 * index(id.lo(), (t.length >>> 1) - 1) + 1];
      }
    }
    touched = sink; // a field, so that the loads are not optimised away
  }

  @SuppressWarnings("unused")
  private long touched;

  /**
   * Adds an identity in generation {@code gen} (or moves it there when it is in the table already, live or dead);
   * returns false when it was live already.
   */
  boolean add(long hi, long lo, int gen) {
    if (hi == 0 && lo == 0) {
      lo = 1; // all zero marks an empty slot
    }
    return shard(lo).add(hi, lo, gen);
  }

  private static int index(long lo, int mask) {
    // the identity is a cryptographic hash already: its low bits are uniform
    return (int) (lo ^ (lo >>> 32)) & mask;
  }

  /** One table: linear probing over {@code slots}, two longs per identity. */
  private final class Shard {
    /** Replaced by a rebuild (the old array is not written again); lookups read it once (see {@link #contains}). */
    long[] slots;
    int mask;
    /** Occupied slots, live or dead. */
    int used;

    Shard(int expected) {
      int cap = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
      slots = new long[cap * 2];
      mask = cap - 1;
    }

    int index(long lo) {
      return IdentitySet.index(lo, mask);
    }

    /**
     * Reads the table once and takes its mask from its length, so that a lookup racing a rebuild (the window's
     * optimistic reads) probes one consistent array and ends: no array is ever more than half full.
     */
    boolean contains(long hi, long lo) {
      long key = hi & ~TAG;
      long[] t = slots;
      int m = (t.length >>> 1) - 1;
      for (int i = IdentitySet.index(lo, m); ; i = (i + 1) & m) {
        long h = t[2 * i];
        long l = t[2 * i + 1];
        if (h == 0 && l == 0) {
          return false;
        }
        if (l == lo && (h & ~TAG) == key && isLive(h & TAG)) {
          return true;
        }
      }
    }

    boolean add(long hi, long lo, int gen) {
      if ((used + 1) * 2L > mask + 1L) {
        grow();
      }
      long key = hi & ~TAG;
      long tagged = key | (gen & TAG);
      for (int i = index(lo); ; i = (i + 1) & mask) {
        long h = slots[2 * i];
        long l = slots[2 * i + 1];
        if (h == 0 && l == 0) {
          slots[2 * i] = tagged;
          slots[2 * i + 1] = lo;
          used++;
          return true;
        }
        if (l == lo && (h & ~TAG) == key) {
          boolean wasLive = isLive(h & TAG);
          slots[2 * i] = tagged;
          return !wasLive;
        }
      }
    }

    private void grow() {
      int live = 0;
      for (int i = 0; i < slots.length; i += 2) {
        if ((slots[i] != 0 || slots[i + 1] != 0) && isLive(slots[i] & TAG)) {
          live++;
        }
      }
      // grow only when mostly live; otherwise dropping the dead entries at the same size frees enough room
      rebuild(live * 4L > mask + 1L ? (mask + 1) * 2 : mask + 1);
    }

    void rebuild(int capacity) {
      long[] old = slots;
      largestRebuild = Math.max(largestRebuild, old.length / 2);
      slots = new long[capacity * 2];
      mask = capacity - 1;
      used = 0;
      for (int i = 0; i < old.length; i += 2) {
        long h = old[i];
        long l = old[i + 1];
        if ((h != 0 || l != 0) && isLive(h & TAG)) {
          for (int j = index(l); ; j = (j + 1) & mask) {
            if (slots[2 * j] == 0 && slots[2 * j + 1] == 0) {
              slots[2 * j] = h;
              slots[2 * j + 1] = l;
              used++;
              break;
            }
          }
        }
      }
    }
  }
}
