package io.stedi.lakehouse.sim.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.faults.FaultModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LandingFilesTest {
  @TempDir
  static Path tmp;
  static GeneratedFiles files;
  static GenerateSummary summary;
  static Fleet fleet;

  static SimConfig config(long seed, int customers) {
    return SimConfig.defaults().with(Map.of("sim.seed", Long.toString(seed), "sim.customers",
        Integer.toString(customers)));
  }

  static GenerateSummary generate(SimConfig c, Path dir) {
    return LandingFiles.write(dir, Fleet.generate(c), new ReadingGenerator(c.get(SimConfig.SEED),
        c.get(SimConfig.DISTANCE_MIN), c.get(SimConfig.DISTANCE_MAX)), FaultModel.from(c));
  }

  @BeforeAll
  static void generateOnce() {
    SimConfig c = config(7, 1000);
    fleet = Fleet.generate(c);
    summary = generate(c, tmp.resolve("main"));
    files = new GeneratedFiles(tmp.resolve("main"));
  }

  @Test
  void sameSeedGivesByteIdenticalFiles() throws IOException {
    generate(config(7, 1000), tmp.resolve("again"));
    generate(config(8, 1000), tmp.resolve("other"));
    for (String f : List.of(LandingFiles.CUSTOMER_FILE, LandingFiles.ACCELEROMETER_FILE, LandingFiles.STEP_TRAINER_FILE)) {
      assertThat(Files.readAllBytes(tmp.resolve("again").resolve(f))).isEqualTo(
          Files.readAllBytes(tmp.resolve("main").resolve(f)));
      assertThat(Files.readAllBytes(tmp.resolve("other").resolve(f))).isNotEqualTo(
          Files.readAllBytes(tmp.resolve("main").resolve(f)));
    }
  }

  @Test
  void aboutHalfShareForResearch() {
    long sharing = files.customers.stream().filter(n -> n.hasNonNull("shareWithResearchAsOfDate"))
        .map(n -> n.get("email").asText()).distinct().count();
    // First records only: about half; newer records add the ones who agreed later.
    long atRegistration = fleet.customers().stream().filter(Customer::researchAtRegistration).count();
    assertThat(atRegistration).isBetween(430L, 570L);
    assertThat(sharing).isGreaterThanOrEqualTo(atRegistration);
    assertThat(summary.researchSharers()).isEqualTo(atRegistration);
  }

  @Test
  void consentIsNeverBeforeRegistrationAndSometimesLater() {
    int later = 0;
    for (JsonNode n : files.customers) {
      long reg = n.get("registrationDate").asLong();
      for (String k : List.of("shareWithResearchAsOfDate", "shareWithPublicAsOfDate", "shareWithFriendsAsOfDate")) {
        if (n.hasNonNull(k)) {
          assertThat(n.get(k).asLong()).as("%s of %s", k, n).isGreaterThanOrEqualTo(reg);
          assertThat(n.get("lastUpdateDate").asLong()).isGreaterThanOrEqualTo(n.get(k).asLong());
          if (k.startsWith("shareWithResearch") && n.get(k).asLong() > reg) {
            later++;
          }
        }
      }
    }
    assertThat(later).isGreaterThan(50);
  }

  @Test
  void consentDatesAreAbsentWhenNotGiven() {
    for (int i = 0; i < files.customers.size(); i++) {
      JsonNode n = files.customers.get(i);
      for (String k : List.of("shareWithPublicAsOfDate", "shareWithFriendsAsOfDate")) {
        assertThat(!n.has(k) || n.get(k).isNumber()).as(files.customerLines.get(i)).isTrue();
      }
    }
    assertThat(files.customers).anyMatch(n -> !n.has("shareWithResearchAsOfDate"));
  }

  @Test
  void someWithdrawWithANewerRecordWhoseResearchDateIsNull() {
    Map<String, List<JsonNode>> byEmail = files.customers.stream()
        .collect(Collectors.groupingBy(n -> n.get("email").asText()));
    long withdrawals = 0;
    long changes = 0;
    for (List<JsonNode> recs : byEmail.values()) {
      assertThat(recs).hasSizeBetween(1, 2);
      if (recs.size() == 2) {
        JsonNode first = recs.get(0);
        JsonNode second = recs.get(1);
        assertThat(second.get("lastUpdateDate").asLong()).isGreaterThan(first.get("lastUpdateDate").asLong());
        if (first.hasNonNull("shareWithResearchAsOfDate")) {
          assertThat(second.has("shareWithResearchAsOfDate")).isTrue();
          assertThat(second.get("shareWithResearchAsOfDate").isNull()).isTrue();
          withdrawals++;
        } else {
          assertThat(second.get("shareWithResearchAsOfDate").asLong()).isGreaterThan(first.get("registrationDate").asLong());
          changes++;
        }
      }
    }
    assertThat(withdrawals).isEqualTo(summary.withdrawals()).isBetween(25L, 80L);
    assertThat(changes).isEqualTo(summary.consentChanges()).isGreaterThan(20);
  }

  @Test
  void stepReadingsComeEveryTwoToFourSecondsWithPlausibleDistances() {
    Map<String, Long> owners = new HashMap<>();
    fleet.customers().forEach(c -> owners.merge(c.serialNumber(), 1L, Long::sum));
    Map<String, List<Long>> bySerial = new TreeMap<>();
    for (JsonNode n : files.stepTrainer) {
      assertThat(n.get("distanceFromObject").asInt()).isBetween(100, 400);
      String serial = n.get("serialNumber").asText();
      if (owners.get(serial) == 1) {
        bySerial.computeIfAbsent(serial, k -> new java.util.ArrayList<>()).add(n.get("sensorReadingTime").asLong());
      }
    }
    assertThat(bySerial).hasSizeGreaterThan(700);
    for (List<Long> times : bySerial.values()) {
      assertThat(times).hasSize(20);
      for (int i = 1; i < times.size(); i++) {
        assertThat(times.get(i) - times.get(i - 1)).isBetween(2000L, 4000L);
      }
    }
    for (Customer c : fleet.customers()) {
      for (int i = 1; i < c.instants().length; i++) {
        assertThat(c.instants()[i] - c.instants()[i - 1]).isBetween(2000L, 4000L);
      }
      assertThat(c.instants()[0]).isGreaterThan(c.registrationDate());
    }
  }

  @Test
  void twoOrThreePhoneReadingsAtEachStepTrainerInstant() {
    Map<String, Long> perInstant = files.accelerometer.stream().collect(Collectors.groupingBy(
        n -> n.get("user").asText() + "@" + GeneratedFiles.accelTime(n), Collectors.counting()));
    assertThat(perInstant.values()).allMatch(n -> n == 2 || n == 3);
    assertThat(perInstant.values()).contains(2L, 3L);
    for (Customer c : fleet.customers()) {
      for (long t : c.instants()) {
        assertThat(perInstant.get(c.email() + "@" + t)).isBetween(2L, 3L);
      }
    }
    assertThat(files.accelerometer).anyMatch(n -> n.has("timeStamp")).anyMatch(n -> n.has("timestamp"));
  }

  @Test
  void differentCustomersSometimesReadAtTheSameMillisecond() {
    Map<Long, Set<String>> serialsAt = new HashMap<>();
    for (JsonNode n : files.stepTrainer) {
      serialsAt.computeIfAbsent(n.get("sensorReadingTime").asLong(), k -> new HashSet<>())
          .add(n.get("serialNumber").asText());
    }
    long collisions = serialsAt.values().stream().filter(s -> s.size() > 1).count();
    assertThat(collisions).isGreaterThanOrEqualTo(50);
    Map<Long, Set<String>> usersAt = new HashMap<>();
    for (JsonNode n : files.accelerometer) {
      usersAt.computeIfAbsent(GeneratedFiles.accelTime(n), k -> new HashSet<>()).add(n.get("user").asText());
    }
    assertThat(usersAt.values().stream().filter(s -> s.size() > 1).count()).isGreaterThanOrEqualTo(50);
  }

  @Test
  void aFewCustomersShareASerialNumber() {
    Map<String, Set<String>> emailsBySerial = new HashMap<>();
    for (JsonNode n : files.customers) {
      emailsBySerial.computeIfAbsent(n.get("serialNumber").asText(), k -> new HashSet<>()).add(n.get("email").asText());
    }
    long shared = emailsBySerial.values().stream().filter(s -> s.size() > 1).count();
    assertThat(shared).isBetween(20L, 80L);
  }

  @Test
  void somePhonesHaveNoStepTrainerYet() {
    Set<String> serialsWithReadings = files.stepTrainer.stream().map(n -> n.get("serialNumber").asText())
        .collect(Collectors.toSet());
    Set<String> usersWithReadings = files.accelerometer.stream().map(n -> n.get("user").asText())
        .collect(Collectors.toSet());
    List<Customer> phoneOnly = fleet.customers().stream().filter(c -> !c.hasTrainer()).toList();
    assertThat(phoneOnly).hasSizeBetween(60, 140);
    long provable = 0;
    for (Customer c : phoneOnly) {
      assertThat(usersWithReadings).contains(c.email());
      boolean serialUsedByTrainer = fleet.customers().stream()
          .anyMatch(o -> o.hasTrainer() && o.serialNumber().equals(c.serialNumber()));
      if (!serialUsedByTrainer) {
        assertThat(serialsWithReadings).doesNotContain(c.serialNumber());
        provable++;
      }
    }
    assertThat(provable).isGreaterThan(50);
  }

  @Test
  void invariantsHoldForAnySeed() {
    qt().withExamples(25).forAll(longs().all(), integers().between(1, 60)).checkAssert((seed, n) -> {
      Fleet f = Fleet.generate(config(seed, n));
      assertThat(f.customers()).hasSize(n);
      assertThat(f.customers().stream().map(Customer::email).distinct().count()).isEqualTo((long) n);
      for (Customer c : f.customers()) {
        for (var r : c.records()) {
          if (r.shareWithResearchAsOfDate() != null) {
            assertThat(r.shareWithResearchAsOfDate()).isGreaterThanOrEqualTo(r.registrationDate());
          }
          assertThat(r.lastUpdateDate()).isGreaterThanOrEqualTo(r.registrationDate());
        }
        for (int i = 1; i < c.instants().length; i++) {
          assertThat(c.instants()[i] - c.instants()[i - 1]).isBetween(2000L, 4000L);
        }
      }
    });
  }
}
