package io.stedi.lakehouse.dedup;

/**
 * An open-addressing hash set of 128-bit identities held in one {@code long[]} (two slots per identity), so a
 * million identities cost 32 MB at most and no object each. The all-zero identity is the empty-slot marker;
 * {@link ReadingIdentity} never produces it. Not thread-safe.
 */
final class IdentitySet {
  private long[] slots;
  private int size;
  private int mask;

  IdentitySet(int expected) {
    int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    slots = new long[cap * 2];
    mask = cap - 1;
  }

  int size() {
    return size;
  }

  boolean contains(long hi, long lo) {
    for (int i = index(hi, lo); ; i = (i + 1) & mask) {
      long h = slots[2 * i];
      long l = slots[2 * i + 1];
      if (h == 0 && l == 0) {
        return false;
      }
      if (h == hi && l == lo) {
        return true;
      }
    }
  }

  /** Adds an identity; returns false when it was there already. */
  boolean add(long hi, long lo) {
    if ((size + 1) * 4L > (mask + 1) * 3L) {
      grow();
    }
    for (int i = index(hi, lo); ; i = (i + 1) & mask) {
      long h = slots[2 * i];
      long l = slots[2 * i + 1];
      if (h == 0 && l == 0) {
        slots[2 * i] = hi;
        slots[2 * i + 1] = lo;
        size++;
        return true;
      }
      if (h == hi && l == lo) {
        return false;
      }
    }
  }

  private int index(long hi, long lo) {
    // the identity is a cryptographic hash already: its low bits are uniform
    return (int) (lo ^ (lo >>> 32)) & mask;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    mask = (mask << 1) | 1;
    size = 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != 0 || old[i + 1] != 0) {
        add(old[i], old[i + 1]);
      }
    }
  }
}
