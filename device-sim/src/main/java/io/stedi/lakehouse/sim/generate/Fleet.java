package io.stedi.lakehouse.sim.generate;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Invents customers: registration, consent (about half share for research, some only later), consent changes
 * and withdrawals, customers with a phone but no Step Trainer yet, serial numbers given twice (the known
 * fulfilment defect), and the instants at which each customer's devices take readings (every 2–4 s; some
 * customers start at exactly the same millisecond as another). One {@link SplittableRandom} consumed in a fixed
 * order: the same seed and config give the same fleet.
 */
public final class Fleet {
  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  private static final String[] FIRST = {"Santosh", "Frank", "Sarah", "Jo", "Liz", "Danny", "Ben", "Chris", "Steph",
      "Trevor", "Lyn", "Senthil", "Sean", "Jacob", "Spencer", "Angie", "Ahmed", "Larry", "Eric", "Gail", "Craig",
      "John", "Bobby", "Rick", "Dan", "Kathy", "Mona", "Max", "Carmen", "Julian", "Aisha", "Mei", "Olga", "Ravi",
      "Ingrid", "Tomas", "Yuki", "Priya", "Kwame", "Lucia"};
  private static final String[] LAST = {"Spencer", "Doshi", "Clayton", "Jones", "Wilson", "Hansen", "Lincoln",
      "Mitra", "Phillips", "Anandh", "Aristotle", "Fibonacci", "Abram", "Davis", "Miller", "Staples", "Lee", "Habschied",
      "Bryant", "Stark", "Young", "Smith", "Ahmed", "Evans", "Kim", "Nguyen", "Garcia", "Okafor", "Tanaka", "Silva",
      "Novak", "Patel", "Berg", "Rossi"};

  private final List<Customer> customers;

  private Fleet(List<Customer> customers) {
    this.customers = List.copyOf(customers);
  }

  public List<Customer> customers() {
    return customers;
  }

  /** The fleet of {@code sim.customers} customers under {@code sim.seed}. */
  public static Fleet generate(SimConfig c) {
    SplittableRandom rnd = new SplittableRandom(c.get(SimConfig.SEED));
    int n = c.get(SimConfig.CUSTOMERS);
    double research = c.fraction(SimConfig.RESEARCH_SHARE);
    double lateConsent = c.fraction(SimConfig.LATE_CONSENT);
    double withdraw = c.fraction(SimConfig.WITHDRAW_RATE);
    double change = c.fraction(SimConfig.CONSENT_CHANGE_RATE);
    double phoneOnly = c.fraction(SimConfig.PHONE_ONLY_RATE);
    double sharedSerial = c.fraction(SimConfig.SHARED_SERIAL_RATE);
    double collision = c.fraction(SimConfig.COLLISION_RATE);
    long intervalMin = c.get(SimConfig.INTERVAL_MIN).toMillis();
    long intervalMax = c.get(SimConfig.INTERVAL_MAX).toMillis();
    int readings = c.get(SimConfig.READINGS_PER_CUSTOMER);

    // Pass 1: profiles, registration and first consent, and each customer's natural session.
    Profile[] p = new Profile[n];
    Set<String> emails = new HashSet<>();
    List<String> serials = new ArrayList<>();
    long clock = c.get(SimConfig.START);
    for (int i = 0; i < n; i++) {
      Profile x = new Profile();
      x.first = FIRST[rnd.nextInt(FIRST.length)];
      x.last = LAST[rnd.nextInt(LAST.length)];
      String base = x.first + "." + x.last;
      String email = base + "@test.com";
      for (int k = 2; !emails.add(email); k++) {
        email = base + k + "@test.com";
      }
      x.email = email;
      x.phone = "801555" + String.format("%04d", rnd.nextInt(10_000));
      x.birthDay = LocalDate.of(1930 + rnd.nextInt(76), 1 + rnd.nextInt(12), 1 + rnd.nextInt(28)).toString();
      x.registration = i == 0 ? clock : (clock += 1_000 + rnd.nextLong(10 * MINUTE));
      x.hasTrainer = rnd.nextDouble() >= phoneOnly;
      x.sharedSerial = !serials.isEmpty() && rnd.nextDouble() < sharedSerial;
      x.serial = x.sharedSerial ? serials.get(rnd.nextInt(serials.size())) : uuid(rnd);
      if (!x.sharedSerial) {
        serials.add(x.serial);
      }
      x.research = rnd.nextDouble() < research;
      x.lateConsent = x.research && rnd.nextDouble() < lateConsent;
      x.researchDate = !x.research ? null : x.lateConsent ? x.registration + MINUTE + rnd.nextLong(3 * DAY)
          : x.registration;
      x.publicDate = rnd.nextDouble() < 0.3 ? x.registration + (rnd.nextBoolean() ? 0 : rnd.nextLong(DAY)) : null;
      x.friendsDate = rnd.nextDouble() < 0.3 ? x.registration + (rnd.nextBoolean() ? 0 : rnd.nextLong(DAY)) : null;
      x.sessionStart = x.registration + 10 * MINUTE + rnd.nextLong(2 * DAY);
      x.collisionWanted = rnd.nextDouble() < collision;
      x.withdraw = x.research && rnd.nextDouble() < withdraw;
      x.change = !x.research && rnd.nextDouble() < change;
      p[i] = x;
    }
    // Pass 2: collisions. A customer that collides starts at another customer's first instant, when that
    // instant is at or after its own registration (a device cannot read before it is registered).
    for (int i = 0; i < n; i++) {
      if (!p[i].collisionWanted || n < 2) {
        continue;
      }
      int start = rnd.nextInt(n);
      for (int k = 0; k < n; k++) {
        int j = (start + k) % n;
        if (j != i && !p[j].collided && p[j].sessionStart >= p[i].registration) {
          p[i].sessionStart = p[j].sessionStart;
          p[i].collided = true;
          break;
        }
      }
    }
    // Pass 3: instants and the later records (withdrawal, consent change).
    List<Customer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Profile x = p[i];
      long[] instants = new long[readings];
      long t = x.sessionStart;
      for (int k = 0; k < readings; k++) {
        instants[k] = t;
        t += intervalMin + (intervalMax > intervalMin ? rnd.nextLong(intervalMax - intervalMin + 1) : 0);
      }
      long firstUpdate = max(x.registration, x.researchDate, x.publicDate, x.friendsDate);
      List<CustomerRecord> records = new ArrayList<>(2);
      records.add(new CustomerRecord(x.first + " " + x.last, x.email, x.phone, x.birthDay, x.serial, x.registration,
          firstUpdate, x.researchDate, x.publicDate, x.friendsDate, false));
      if (x.withdraw) {
        long when = Math.max(firstUpdate, instants[readings - 1]) + HOUR + rnd.nextLong(5 * DAY);
        records.add(new CustomerRecord(x.first + " " + x.last, x.email, x.phone, x.birthDay, x.serial, x.registration,
            when, null, x.publicDate, x.friendsDate, true));
      } else if (x.change) {
        long span = instants[readings - 1] - instants[0] + 1;
        long when = Math.max(firstUpdate + MINUTE, instants[0] + rnd.nextLong(span));
        records.add(new CustomerRecord(x.first + " " + x.last, x.email, x.phone, x.birthDay, x.serial, x.registration,
            when, when, x.publicDate, x.friendsDate, false));
      }
      out.add(new Customer(i, x.first + " " + x.last, x.email, x.phone, x.birthDay, x.serial, x.registration,
          x.hasTrainer, x.sharedSerial, x.research, x.lateConsent, x.withdraw, x.change, x.collided,
          Arrays.copyOf(instants, readings), List.copyOf(records)));
    }
    return new Fleet(out);
  }

  private static long max(long a, Long... others) {
    long m = a;
    for (Long o : others) {
      if (o != null && o > m) {
        m = o;
      }
    }
    return m;
  }

  /** A random UUID-shaped serial number (as the Step Trainers carry). */
  static String uuid(SplittableRandom rnd) {
    String h = String.format("%016x%016x", rnd.nextLong(), rnd.nextLong());
    return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-"
        + h.substring(20, 32);
  }

  private static final class Profile {
    String first;
    String last;
    String email;
    String phone;
    String birthDay;
    String serial;
    long registration;
    boolean hasTrainer;
    boolean sharedSerial;
    boolean research;
    boolean lateConsent;
    Long researchDate;
    Long publicDate;
    Long friendsDate;
    long sessionStart;
    boolean collisionWanted;
    boolean collided;
    boolean withdraw;
    boolean change;
  }
}
