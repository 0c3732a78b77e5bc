package io.stedi.lakehouse.sim.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.cli.CliSupport;
import io.stedi.lakehouse.config.LakehouseConfig;
import io.stedi.lakehouse.load.BulkLoader;
import io.stedi.lakehouse.load.LoadProgress;
import io.stedi.lakehouse.load.LoadSummary;
import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.table.Zone;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's bulk loader (what {@code bin/stedi load} runs) accepts the generated files. */
class GeneratedFilesLoadTest {
  @TempDir
  Path tmp;

  private static GenerateSummary generate(SimConfig c, Path dir) {
    return LandingFiles.write(dir, Fleet.generate(c), new ReadingGenerator(c.get(SimConfig.SEED),
        c.get(SimConfig.DISTANCE_MIN), c.get(SimConfig.DISTANCE_MAX)), FaultModel.from(c));
  }

  @Test
  void loadAcceptsEveryGeneratedLine() {
    SimConfig c = SimConfig.defaults().with(Map.of("sim.customers", "150", "sim.seed", "11"));
    GenerateSummary s = generate(c, tmp.resolve("landing"));
    LakehouseConfig lake = LakehouseConfig.embedded(tmp.resolve("home"));
    Catalog catalog = Catalogs.open(lake);
    try {
      BulkLoader loader = new BulkLoader(catalog, lake);
      LoadSummary customers = loader.load(Zone.CUSTOMER, List.of(tmp.resolve("landing/customer").toString()),
          LoadProgress.NONE);
      LoadSummary accel = loader.load(Zone.ACCELEROMETER, List.of(tmp.resolve("landing/accelerometer").toString()),
          LoadProgress.NONE);
      LoadSummary steps = loader.load(Zone.STEP_TRAINER, List.of(tmp.resolve("landing/step_trainer").toString()),
          LoadProgress.NONE);
      assertThat(customers.rowsRejected()).isZero();
      assertThat(accel.rowsRejected()).isZero();
      assertThat(steps.rowsRejected()).isZero();
      assertThat(customers.rowsLoaded()).isEqualTo(s.customerRecords());
      assertThat(accel.rowsLoaded()).isEqualTo(s.accelReadings());
      assertThat(steps.rowsLoaded()).isEqualTo(s.stepReadings());
    } finally {
      CliSupport.closeQuietly(catalog);
    }
  }

  @Test
  void malformedLinesAreQuarantinedWithEveryReasonAndDuplicatesLand() {
    SimConfig c = SimConfig.defaults().with(Map.of("sim.customers", "60", "sim.seed", "5",
        "sim.fault.malformed-rate", "0.05", "sim.fault.duplicate-rate", "0.02", "sim.fault.late-rate", "0.05",
        "sim.fault.clock-skew-rate", "0.2"));
    GenerateSummary s = generate(c, tmp.resolve("landing"));
    assertThat(s.malformedLines()).isPositive();
    assertThat(s.duplicateLines()).isPositive();
    LakehouseConfig lake = LakehouseConfig.embedded(tmp.resolve("home"));
    Catalog catalog = Catalogs.open(lake);
    try {
      BulkLoader loader = new BulkLoader(catalog, lake);
      LoadSummary accel = loader.load(Zone.ACCELEROMETER, List.of(tmp.resolve("landing/accelerometer").toString()),
          LoadProgress.NONE);
      LoadSummary steps = loader.load(Zone.STEP_TRAINER, List.of(tmp.resolve("landing/step_trainer").toString()),
          LoadProgress.NONE);
      assertThat(accel.rowsRejected() + steps.rowsRejected()).isEqualTo(s.malformedLines());
      assertThat(accel.rowsLoaded() + steps.rowsLoaded()).isEqualTo(s.accelReadings() + s.stepReadings()
          + s.duplicateLines() - customerDuplicates(c));
      Map<String, Long> reasons = new java.util.TreeMap<>(accel.rejectedByReason());
      steps.rejectedByReason().forEach((k, v) -> reasons.merge(k, v, Long::sum));
      assertThat(reasons.keySet()).containsExactlyInAnyOrder("malformed_json", "missing_field", "wrong_type",
          "impossible_value");
    } finally {
      CliSupport.closeQuietly(catalog);
    }
  }

  /** Duplicated customer lines (not loaded in this test). */
  private static long customerDuplicates(SimConfig c) {
    FaultModel f = FaultModel.from(c);
    long n = 0;
    for (Customer cu : Fleet.generate(c).customers()) {
      for (int r = 0; r < cu.records().size(); r++) {
        n += f.duplicate(FaultModel.messageId(FaultModel.CUSTOMER, cu.index(), r)) ? 1 : 0;
      }
    }
    return n;
  }
}
