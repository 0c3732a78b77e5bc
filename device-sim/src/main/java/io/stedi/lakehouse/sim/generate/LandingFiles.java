package io.stedi.lakehouse.sim.generate;

import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.sim.model.AccelReading;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import io.stedi.lakehouse.sim.model.StepReading;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a fleet's landing files in the STEDI landing format, one JSON object per line:
 * {@code DIR/customer/customer-1.json}, {@code DIR/accelerometer/accelerometer-1.json} and
 * {@code DIR/step_trainer/step_trainer-1.json}. Lines are ordered by time (customer records by lastUpdateDate),
 * ties by customer, so the same fleet and faults always give byte-identical files.
 *
 * <p>Faults: a skewed device's or phone's times are shifted; a late reading is written further down (by its
 * delay), keeping its own time; a duplicated line is written twice; a malformed line follows the line it was
 * derived from (and is quarantined by {@code bin/stedi load}).
 */
public final class LandingFiles {
  public static final String CUSTOMER_FILE = "customer/customer-1.json";
  public static final String ACCELEROMETER_FILE = "accelerometer/accelerometer-1.json";
  public static final String STEP_TRAINER_FILE = "step_trainer/step_trainer-1.json";

  private LandingFiles() {}

  /** Writes the three files under {@code dir} (replacing them) and says what is in them. */
  public static GenerateSummary write(Path dir, Fleet fleet, ReadingGenerator sensors, FaultModel faults) {
    Counts counts = new Counts();
    List<Line> customers = new ArrayList<>();
    List<Line> steps = new ArrayList<>();
    List<Line> accels = new ArrayList<>();
    for (Customer c : fleet.customers()) {
      for (int r = 0; r < c.records().size(); r++) {
        CustomerRecord rec = c.records().get(r);
        customers.add(new Line(rec.lastUpdateDate(), c.index(), r, FaultModel.messageId(FaultModel.CUSTOMER, c.index(), r),
            rec.toJson(), null));
      }
      long stepSkew = faults.clockSkewMillis(FaultModel.STEP_TRAINER, c.index());
      long phoneSkew = faults.clockSkewMillis(FaultModel.PHONE, c.index());
      counts.skewed += (c.hasTrainer() && stepSkew != 0 ? 1 : 0) + (phoneSkew != 0 ? 1 : 0);
      ReadingGenerator.StepTrainer trainer = sensors.stepTrainer(c.index(), c.serialNumber());
      ReadingGenerator.Phone phone = sensors.phone(c.index(), c.email());
      long[] instants = c.instants();
      for (int k = 0; k < instants.length; k++) {
        if (c.hasTrainer()) {
          StepReading s = trainer.readAt(instants[k] + stepSkew);
          long id = FaultModel.messageId(FaultModel.STEP_TRAINER, c.index(), k);
          long late = faults.lateDelayMillis(id);
          counts.late += late > 0 ? 1 : 0;
          steps.add(new Line(s.sensorReadingTime() + late, c.index(), k, id, s.toJson(),
              s.toMalformedJson(faults.malformedKind(id))));
        }
        List<AccelReading> readings = phone.readAt(instants[k] + phoneSkew);
        for (int j = 0; j < readings.size(); j++) {
          AccelReading a = readings.get(j);
          long seq = 4L * k + j;
          long id = FaultModel.messageId(FaultModel.PHONE, c.index(), seq);
          long late = faults.lateDelayMillis(id);
          counts.late += late > 0 ? 1 : 0;
          accels.add(new Line(a.timestamp() + late, c.index(), seq, id, a.toJson(),
              a.toMalformedJson(faults.malformedKind(id))));
        }
      }
    }
    try {
      writeLines(dir.resolve(CUSTOMER_FILE), customers, faults, counts, true);
      counts.customerRecords = customers.size();
      writeLines(dir.resolve(STEP_TRAINER_FILE), steps, faults, counts, false);
      writeLines(dir.resolve(ACCELEROMETER_FILE), accels, faults, counts, false);
    } catch (IOException e) {
      throw new UncheckedIOException("writing landing files under " + dir + ": " + e.getMessage(), e);
    }
    List<Customer> cs = fleet.customers();
    return new GenerateSummary(dir, cs.size(), counts.customerRecords,
        cs.stream().filter(Customer::researchAtRegistration).count(),
        cs.stream().filter(Customer::lateConsent).count(),
        cs.stream().filter(Customer::withdrew).count(),
        cs.stream().filter(Customer::changedConsent).count(),
        cs.stream().filter(c -> !c.hasTrainer()).count(),
        cs.stream().filter(Customer::sharedSerial).count(),
        cs.stream().filter(Customer::collided).count(),
        steps.size(), accels.size(), counts.malformed, counts.duplicates, counts.late, counts.skewed);
  }

  private static void writeLines(Path file, List<Line> lines, FaultModel faults, Counts counts, boolean customer)
      throws IOException {
    lines.sort(Comparator.comparingLong(Line::order).thenComparingInt(Line::customer).thenComparingLong(Line::seq));
    Files.createDirectories(file.getParent());
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Line l : lines) {
        w.write(l.json());
        w.write('\n');
        if (faults.duplicate(l.id())) {
          counts.duplicates++;
          w.write(l.json());
          w.write('\n');
        }
        if (!customer && faults.malformed(l.id())) {
          counts.malformed++;
          w.write(l.malformed());
          w.write('\n');
        }
      }
    }
  }

  private record Line(long order, int customer, long seq, long id, String json, String malformed) {}

  private static final class Counts {
    long malformed;
    long duplicates;
    long late;
    long skewed;
    long customerRecords;
  }
}
