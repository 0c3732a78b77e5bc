package io.stedi.lakehouse.sim.cli;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import io.stedi.lakehouse.sim.generate.Fleet;
import io.stedi.lakehouse.sim.generate.GenerateSummary;
import io.stedi.lakehouse.sim.generate.LandingFiles;
import io.stedi.lakehouse.sim.generate.ReadingGenerator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stedi sim generate}: landing files for {@code bin/stedi load}. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Write landing JSON-lines files for bin/stedi load: DIR/customer/customer-1.json, "
        + "DIR/accelerometer/accelerometer-1.json and DIR/step_trainer/step_trainer-1.json.",
        "The mix (consent, withdrawals, phones without a Step Trainer, shared serials, same-millisecond readings) "
            + "and faults are set with -c sim.<key>=<value>; the same seed gives byte-identical files."},
    footer = {"", "Example: bin/stedi sim generate --out /tmp/landing --customers 200 --seed 7 && "
        + "bin/stedi load customer /tmp/landing/customer"})
final class GenerateCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;
  @Mixin
  SimOptions options;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the three zones into.")
  Path out;

  @Option(names = "--customers", paramLabel = "N", description = "Customers to invent (sim.customers, default 100).")
  Integer customers;

  @Option(names = "--seed", paramLabel = "S", description = "Random seed (sim.seed, default 42).")
  Long seed;

  @Override
  public Integer call() {
    Map<String, String> flags = new LinkedHashMap<>();
    if (customers != null) {
      flags.put(SimConfig.CUSTOMERS.name(), customers.toString());
    }
    if (seed != null) {
      flags.put(SimConfig.SEED.name(), seed.toString());
    }
    SimConfig cfg = options.sim(flags);
    GenerateSummary s = generate(cfg, out);
    spec.commandLine().getOut().println(s.describe());
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Generates the fleet, its readings and faults, and writes the files. */
  static GenerateSummary generate(SimConfig cfg, Path out) {
    Fleet fleet = Fleet.generate(cfg);
    ReadingGenerator sensors = new ReadingGenerator(cfg.get(SimConfig.SEED), cfg.get(SimConfig.DISTANCE_MIN),
        cfg.get(SimConfig.DISTANCE_MAX));
    return LandingFiles.write(out, fleet, sensors, FaultModel.from(cfg));
  }
}
