package io.stedi.lakehouse.sim.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.longs;

import io.stedi.lakehouse.sim.config.SimConfig;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultModelTest {
  private static final int N = 200_000;

  private static FaultModel model(long seed) {
    return FaultModel.from(SimConfig.defaults().with(Map.of("sim.seed", Long.toString(seed),
        "sim.fault.malformed-rate", "0.02", "sim.fault.duplicate-rate", "0.05", "sim.fault.reconnect-rate", "0.1",
        "sim.fault.reconnect-fraction", "0.3", "sim.fault.clock-skew-rate", "0.15", "sim.fault.clock-skew-max", "2m",
        "sim.fault.late-rate", "0.08", "sim.fault.late-max", "7s")));
  }

  private static long id(int i) {
    return FaultModel.messageId(FaultModel.STEP_TRAINER, i % 997, i / 997);
  }

  @Test
  void eachFaultTypeHappensAtAboutItsRate() {
    FaultModel f = model(3);
    int malformed = 0;
    int dup = 0;
    int late = 0;
    int storms = 0;
    int skewed = 0;
    for (int i = 0; i < N; i++) {
      malformed += f.malformed(id(i)) ? 1 : 0;
      dup += f.duplicate(id(i)) ? 1 : 0;
      late += f.lateDelayMillis(id(i)) > 0 ? 1 : 0;
      storms += f.stormAt(i) ? 1 : 0;
      skewed += f.clockSkewMillis(FaultModel.PHONE, i) != 0 ? 1 : 0;
    }
    assertThat(malformed / (double) N).isCloseTo(0.02, within(0.003));
    assertThat(dup / (double) N).isCloseTo(0.05, within(0.004));
    assertThat(late / (double) N).isCloseTo(0.08, within(0.004));
    assertThat(storms / (double) N).isCloseTo(0.1, within(0.004));
    assertThat(skewed / (double) N).isCloseTo(0.15, within(0.004));
  }

  @Test
  void aStormTakesAboutItsFractionOfTheDevices() {
    FaultModel f = model(4);
    long in = 0;
    long stormSeconds = 0;
    for (int s = 0; s < 5_000; s++) {
      if (!f.stormAt(s)) {
        for (int d = 0; d < 10; d++) {
          assertThat(f.inStorm(s, d)).isFalse();
        }
        continue;
      }
      stormSeconds++;
      for (int d = 0; d < 200; d++) {
        in += f.inStorm(s, d) ? 1 : 0;
      }
    }
    assertThat(in / (stormSeconds * 200.0)).isCloseTo(0.3, within(0.01));
  }

  @Test
  void malformedKindsAreAllUsedAboutEqually() {
    FaultModel f = model(5);
    Map<MalformedKind, Integer> kinds = new EnumMap<>(MalformedKind.class);
    for (int i = 0; i < N; i++) {
      kinds.merge(f.malformedKind(id(i)), 1, Integer::sum);
    }
    assertThat(kinds).hasSize(4);
    kinds.values().forEach(n -> assertThat(n / (double) N).isCloseTo(0.25, within(0.01)));
  }

  @Test
  void skewAndDelayStayWithinTheirBounds() {
    FaultModel f = model(6);
    boolean negative = false;
    boolean positive = false;
    for (int i = 0; i < N; i++) {
      long s = f.clockSkewMillis(FaultModel.STEP_TRAINER, i);
      assertThat(Math.abs(s)).isLessThanOrEqualTo(120_000);
      negative |= s < 0;
      positive |= s > 0;
      assertThat(f.lateDelayMillis(id(i))).isBetween(0L, 7_000L);
    }
    assertThat(negative && positive).isTrue();
  }

  @Test
  void decisionsAreAFunctionOfTheSeedOnly() {
    FaultModel a = model(9);
    FaultModel b = model(9);
    FaultModel other = model(10);
    int differences = 0;
    for (int i = 0; i < 10_000; i++) {
      assertThat(a.duplicate(id(i))).isEqualTo(b.duplicate(id(i)));
      assertThat(a.malformed(id(i))).isEqualTo(b.malformed(id(i)));
      assertThat(a.lateDelayMillis(id(i))).isEqualTo(b.lateDelayMillis(id(i)));
      assertThat(a.clockSkewMillis(FaultModel.PHONE, i)).isEqualTo(b.clockSkewMillis(FaultModel.PHONE, i));
      assertThat(a.inStorm(i, 3)).isEqualTo(b.inStorm(i, 3));
      differences += a.duplicate(id(i)) != other.duplicate(id(i)) ? 1 : 0;
    }
    assertThat(differences).isPositive();
  }

  @Test
  void faultTypesAreIndependent() {
    FaultModel f = model(11);
    int both = 0;
    for (int i = 0; i < N; i++) {
      both += f.duplicate(id(i)) && f.lateDelayMillis(id(i)) > 0 ? 1 : 0;
    }
    assertThat(both / (double) N).isCloseTo(0.05 * 0.08, within(0.001));
  }

  @Test
  void noFaultsByDefault() {
    FaultModel f = FaultModel.from(SimConfig.defaults());
    assertThat(f.any()).isFalse();
    for (int i = 0; i < 10_000; i++) {
      assertThat(f.malformed(id(i)) || f.duplicate(id(i)) || f.stormAt(i) || f.lateDelayMillis(id(i)) > 0
          || f.clockSkewMillis(FaultModel.PHONE, i) != 0).isFalse();
    }
  }

  @Test
  void anyRateIsMet() {
    qt().withExamples(30).forAll(longs().all(), doubles().between(0.0, 1.0)).checkAssert((seed, rate) -> {
      FaultModel f = new FaultModel(seed, rate, 0, 0, 0, 0, 0, 0, 1);
      int hits = 0;
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        hits += f.malformed(id(i)) ? 1 : 0;
      }
      assertThat(hits / (double) n).isCloseTo(rate, within(0.015));
    });
  }
}
