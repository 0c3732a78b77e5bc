package io.stedi.lakehouse.sim.faults;

import io.stedi.lakehouse.sim.config.SimConfig;

/**
 * Decides, deterministically under a seed, where faults happen. Every decision is a pure function of the seed,
 * the fault type and the id of the thing it concerns (a message, a reading, a device, a second of the run), so
 * the same seed gives the same faults whatever the thread timing, and each fault type occurs at about its rate
 * independently of the others.
 */
public final class FaultModel {
  /** Id spaces, so that a device's and a phone's decisions differ even when their numbers are equal. */
  public static final int STEP_TRAINER = 1;
  public static final int PHONE = 2;
  public static final int CUSTOMER = 3;
  public static final int PHONE_BATCH = 4;

  private final long seed;
  private final double malformed;
  private final double duplicate;
  private final double reconnect;
  private final double reconnectFraction;
  private final double skew;
  private final long skewMaxMillis;
  private final double late;
  private final long lateMaxMillis;

  public FaultModel(long seed, double malformed, double duplicate, double reconnect, double reconnectFraction,
      double skew, long skewMaxMillis, double late, long lateMaxMillis) {
    this.seed = seed;
    this.malformed = malformed;
    this.duplicate = duplicate;
    this.reconnect = reconnect;
    this.reconnectFraction = reconnectFraction;
    this.skew = skew;
    this.skewMaxMillis = skewMaxMillis;
    this.late = late;
    this.lateMaxMillis = Math.max(1, lateMaxMillis);
  }

  /** The fault rates of a config. */
  public static FaultModel from(SimConfig c) {
    return new FaultModel(c.get(SimConfig.SEED), c.fraction(SimConfig.FAULT_MALFORMED),
        c.fraction(SimConfig.FAULT_DUPLICATE), c.fraction(SimConfig.FAULT_RECONNECT),
        c.fraction(SimConfig.FAULT_RECONNECT_FRACTION), c.fraction(SimConfig.FAULT_CLOCK_SKEW),
        c.get(SimConfig.FAULT_CLOCK_SKEW_MAX).toMillis(), c.fraction(SimConfig.FAULT_LATE),
        c.get(SimConfig.FAULT_LATE_MAX).toMillis());
  }

  /** No faults at all. */
  public static FaultModel none(long seed) {
    return new FaultModel(seed, 0, 0, 0, 0, 0, 0, 0, 1);
  }

  /** The configured rate of a fault type (for a storm: per second). */
  public double rate(FaultType t) {
    switch (t) {
      case MALFORMED:
        return malformed;
      case DUPLICATE:
        return duplicate;
      case RECONNECT_STORM:
        return reconnect;
      case CLOCK_SKEW:
        return skew;
      default:
        return late;
    }
  }

  /** Whether any fault can happen. */
  public boolean any() {
    return malformed > 0 || duplicate > 0 || reconnect > 0 || skew > 0 || late > 0;
  }

  /** A message id from the sender's id space, its number and the message's sequence number. */
  public static long messageId(int space, int sender, long seq) {
    return ((long) space << 56) ^ ((long) sender << 32) ^ seq;
  }

  /** Whether an extra malformed payload follows message {@code id}. */
  public boolean malformed(long id) {
    return uniform(FaultType.MALFORMED, id, 0) < malformed;
  }

  /** How the malformed payload after message {@code id} is broken (all kinds about equally often). */
  public MalformedKind malformedKind(long id) {
    MalformedKind[] k = MalformedKind.values();
    return k[(int) Math.min(k.length - 1, uniform(FaultType.MALFORMED, id, 1) * k.length)];
  }

  /** Whether message {@code id} is delivered twice. */
  public boolean duplicate(long id) {
    return uniform(FaultType.DUPLICATE, id, 0) < duplicate;
  }

  /** Whether a reconnect storm starts in second {@code second} of the run. */
  public boolean stormAt(long second) {
    return uniform(FaultType.RECONNECT_STORM, second, 0) < reconnect;
  }

  /** Whether device {@code device} takes part in the storm of second {@code second}. */
  public boolean inStorm(long second, int device) {
    return stormAt(second) && uniform(FaultType.RECONNECT_STORM, second, 1 + (long) device) < reconnectFraction;
  }

  /**
   * The clock error of a device or phone, in milliseconds: 0 for most, for a fraction {@code clock-skew-rate}
   * a non-zero offset of up to {@code clock-skew-max} in either direction.
   */
  public long clockSkewMillis(int space, int index) {
    long id = messageId(space, index, 0);
    if (skewMaxMillis <= 0 || uniform(FaultType.CLOCK_SKEW, id, 0) >= skew) {
      return 0;
    }
    long magnitude = 1 + (long) (uniform(FaultType.CLOCK_SKEW, id, 1) * skewMaxMillis);
    return uniform(FaultType.CLOCK_SKEW, id, 2) < 0.5 ? -Math.min(magnitude, skewMaxMillis)
        : Math.min(magnitude, skewMaxMillis);
  }

  /** How late reading {@code id} is delivered, in milliseconds (0: on time; else 1..late-max). */
  public long lateDelayMillis(long id) {
    if (uniform(FaultType.LATE, id, 0) >= late) {
      return 0;
    }
    return Math.min(lateMaxMillis, 1 + (long) (uniform(FaultType.LATE, id, 1) * lateMaxMillis));
  }

  /** A uniform double in [0, 1) from the seed, the fault type, an id and a sub-decision number. */
  double uniform(FaultType type, long id, long sub) {
    long h = mix(seed ^ 0x5DEECE66DL * (type.ordinal() + 1));
    h = mix(h ^ id);
    h = mix(h ^ (sub * 0x9E3779B97F4A7C15L));
    return (h >>> 11) * 0x1.0p-53;
  }

  /** SplitMix64's finaliser: a bijective, well-mixed 64-bit hash. */
  static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
