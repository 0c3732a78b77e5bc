package io.stedi.lakehouse.sim.generate;

import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.Json;
import io.stedi.lakehouse.sim.model.StepReading;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the sensors report. A Step Trainer's distance to the foot walks within [distance-min, distance-max]; the
 * phone reports 2 or 3 accelerometer readings (x/y/z in ±1 g, 3 decimals, all different) at each instant the
 * Step Trainer reads. Each device and phone has its own random stream derived from the seed and its number, so
 * its readings do not depend on the order in which devices are asked (or on threads in {@code sim run}).
 */
public final class ReadingGenerator {
  private final long seed;
  private final int distanceMin;
  private final int distanceMax;

  public ReadingGenerator(long seed, int distanceMin, int distanceMax) {
    this.seed = seed;
    this.distanceMin = distanceMin;
    this.distanceMax = distanceMax;
  }

  /** The sensor state of one Step Trainer. */
  public StepTrainer stepTrainer(int index, String serial) {
    return new StepTrainer(serial, new SplittableRandom(seed ^ (0x632BE59BD9B4E019L * (2L * index + 1))));
  }

  /** The sensor state of one phone. */
  public Phone phone(int index, String user) {
    return new Phone(user, new SplittableRandom(~seed ^ (0x8CB92BA72F3D8DD7L * (2L * index + 1))));
  }

  /** One Step Trainer: successive readings move the distance a little. */
  public final class StepTrainer {
    private final String serial;
    private final SplittableRandom rnd;
    private int distance = -1;

    StepTrainer(String serial, SplittableRandom rnd) {
      this.serial = serial;
      this.rnd = rnd;
    }

    public String serial() {
      return serial;
    }

    /** The reading taken at {@code time} (device clock). */
    public StepReading readAt(long time) {
      int span = distanceMax - distanceMin;
      if (distance < 0) {
        distance = distanceMin + (span == 0 ? 0 : rnd.nextInt(span + 1));
      } else {
        int step = rnd.nextInt(81) - 40;
        distance = Math.max(distanceMin, Math.min(distanceMax, distance + step));
      }
      return new StepReading(time, serial, distance);
    }
  }

  /** One phone: 2 or 3 accelerometer readings per instant. */
  public final class Phone {
    private final String user;
    private final SplittableRandom rnd;

    Phone(String user, SplittableRandom rnd) {
      this.user = user;
      this.rnd = rnd;
    }

    public String user() {
      return user;
    }

    /** The 2 or 3 readings taken at {@code time} (phone clock); their x values all differ. */
    public List<AccelReading> readAt(long time) {
      int count = 2 + rnd.nextInt(2);
      List<AccelReading> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        double x;
        boolean clash;
        do {
          x = Json.round3(rnd.nextDouble(-1.0, 1.0));
          final double xx = x;
          clash = out.stream().anyMatch(r -> r.x() == xx);
        } while (clash);
        double y = Json.round3(rnd.nextDouble(-1.0, 1.0));
        double z = Json.round3(rnd.nextDouble(-1.0, 1.0));
        out.add(new AccelReading(user, time, x, y, z, rnd.nextBoolean()));
      }
      return out;
    }
  }
}
