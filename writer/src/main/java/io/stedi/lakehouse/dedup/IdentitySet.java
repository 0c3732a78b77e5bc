package io.stedi.lakehouse.dedup;

/**
 * One open-addressing hash table of 128-bit identities in a single {@code long[]} (two slots per identity), each
 * tagged with the generation that added it: a lookup is one probe sequence whatever the number of generations, and
 * no object is allocated per identity. A generation is dropped by declaring it dead ({@link #live}); its entries
 * stay in the table, ignored, until the next {@link #compact}. The low 16 bits of the first word hold the tag, so an
 * identity keeps 112 bits. Load factor at most 1/2 (an unsuccessful lookup probes about 2.5 slots). Not thread-safe.
 */
final class IdentitySet {
  private static final long TAG = 0xFFFFL;

  private long[] slots;
  private int mask;
  /** Occupied slots, live or dead. */
  private int used;
  /** Generation tags from {@code oldest} to {@code newest} (mod 2^16) are live. */
  private int oldest;
  private int newest;

  IdentitySet(int expected) {
    int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    slots = new long[cap * 2];
    mask = cap - 1;
  }

  /** Occupied slots, including entries of dead generations not compacted yet. */
  int used() {
    return used;
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

  boolean contains(long hi, long lo) {
    long key = hi & ~TAG;
    for (int i = index(lo); ; i = (i + 1) & mask) {
      long h = slots[2 * i];
      long l = slots[2 * i + 1];
      if (h == 0 && l == 0) {
        return false;
      }
      if (l == lo && (h & ~TAG) == key && isLive(h & TAG)) {
        return true;
      }
    }
  }

  /**
   * Reads the first slot of each identity's probe sequence, in a loop whose loads do not depend on each other, so
   * the CPU has their cache misses in flight together; the lookups after it then find the lines in cache.
   */
  void touch(java.util.List<ReadingIdentity.Id> ids) {
    long sink = 0;
    for (ReadingIdentity.Id id : ids) {
      if (id != null) {
        sink += slots[2 * index(id.lo()) + 1];
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
    if ((used + 1) * 2L > mask + 1L) {
      grow();
    }
    if (hi == 0 && lo == 0) {
      lo = 1; // all zero marks an empty slot
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

  /** Drops the entries of dead generations; returns how many live ones are left. */
  int compact() {
    rebuild(slots.length / 2);
    return used;
  }

  private int index(long lo) {
    // the identity is a cryptographic hash already: its low bits are uniform
    return (int) (lo ^ (lo >>> 32)) & mask;
  }

  private void grow() {
    int live = 0;
    for (int i = 0; i < slots.length; i += 2) {
      if ((slots[i] != 0 || slots[i + 1] != 0) && isLive(slots[i] & TAG)) {
        live++;
      }
    }
    // grow only when mostly live; otherwise compacting at the same size frees enough room
    rebuild(live * 4L > mask + 1L ? (mask + 1) * 2 : mask + 1);
  }

  private void rebuild(int capacity) {
    long[] old = slots;
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
