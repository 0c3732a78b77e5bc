package io.stedi.lakehouse.curation.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stedi.lakehouse.curation.SparkTestBase;
import io.stedi.lakehouse.curation.config.CurationConfig;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --ml-tolerance}: each Step Trainer reading paired with its customer's nearest phone reading within the
 * tolerance (an as-of join), on written-out rows whose clocks disagree by a few milliseconds.
 *
 * <p>alice and erin share serial S-A (the fulfilment defect), frank has S-F; all consent. Step readings and the
 * phone readings near them, tolerance 50 ms:
 * <pre>
 *   S-A 1000: alice 995 (5 ms), alice 1010 (10 ms); frank 1001 is nearer but not an owner   -> alice x=1
 *   S-A 2000: alice 1990 and 2010 (10 ms each)                                              -> the earlier, x=3
 *   S-A 3000: alice 3000 x=5 and x=6 (same millisecond)                                     -> x=5
 *   S-A 3003: the same two, 3 ms away                                                        -> x=5
 *   S-A 4010: erin 4000 and alice 4020 (10 ms each)                                          -> erin's, x=10
 *   S-A 5000: alice 5200 (200 ms)                                                            -> none
 *   S-A 6000: alice 6050 (exactly 50 ms: within)                                             -> x=12
 *   S-F 7000: frank 7001                                                                     -> x=8
 * </pre>
 */
class MlToleranceTest extends SparkTestBase {
  private static final String SECRET = "test-secret-of-at-least-16";

  @BeforeEach
  void landing() {
    LandingRows.reset(spark, config);
    new LandingRows(spark)
        .customer("alice@x.com", "S-A", 100, 10L).customer("erin@x.com", "S-A", 100, 10L)
        .customer("frank@x.com", "S-F", 100, 10L)
        .accel("alice@x.com", 995, 1).accel("alice@x.com", 1010, 2).accel("frank@x.com", 1001, 9)
        .accel("alice@x.com", 1990, 3).accel("alice@x.com", 2010, 4)
        .accel("alice@x.com", 3000, 6).accel("alice@x.com", 3000, 5)
        .accel("erin@x.com", 4000, 10).accel("alice@x.com", 4020, 11)
        .accel("alice@x.com", 5200, 7).accel("alice@x.com", 6050, 12).accel("frank@x.com", 7001, 8)
        .step("S-A", 1000).step("S-A", 2000).step("S-A", 3000).step("S-A", 3003).step("S-A", 4010)
        .step("S-A", 5000).step("S-A", 6000).step("S-F", 7000)
        .flush();
  }

  private static RunReport curate(String tolerance) {
    CurationConfig c = CurationConfig.embedded(config.home(), Map.of("curation.ml-tolerance", tolerance,
        "curation.customer-key-secret", SECRET));
    RunReport r = new CurationRunner(spark, c).run();
    assertThat(r.error()).isNull();
    return r;
  }

  private static Object[] pair(String serial, long time, double x, String email) {
    return new Object[] {CustomerKey.device(SECRET, serial), time, x, CustomerKey.of(SECRET, email)};
  }

  @Test
  void eachStepReadingGetsItsCustomersNearestPhoneReadingWithinTheTolerance() {
    RunReport r = curate("50ms");
    assertThat(r.status()).isEqualTo("ok");
    assertThat(sql("SELECT deviceKey, sensorReadingTime, x, customerKey FROM stedi.machine_learning_curated"))
        .containsExactlyInAnyOrder(row(pair("S-A", 1000, 1.0, "alice@x.com")), row(pair("S-A", 2000, 3.0, "alice@x.com")),
            row(pair("S-A", 3000, 5.0, "alice@x.com")), row(pair("S-A", 3003, 5.0, "alice@x.com")),
            row(pair("S-A", 4010, 10.0, "erin@x.com")), row(pair("S-A", 6000, 12.0, "alice@x.com")),
            row(pair("S-F", 7000, 8.0, "frank@x.com")));
    assertThat(r.rowsDropped()).containsEntry("machine_learning_curated.no_matching_reading", 1L);
    assertThat(r.options()).isEqualTo("ml-join=owner,consent=flag,ml-tolerance=50ms");
  }

  @Test
  void zeroToleranceIsTheExactJoinWithEveryReadingOfTheSameMillisecond() {
    RunReport r = curate("0");
    assertThat(sql("SELECT deviceKey, sensorReadingTime, x, customerKey FROM stedi.machine_learning_curated"))
        .containsExactlyInAnyOrder(row(pair("S-A", 3000, 5.0, "alice@x.com")), row(pair("S-A", 3000, 6.0, "alice@x.com")));
    assertThat(r.rowsDropped()).containsEntry("machine_learning_curated.no_matching_reading", 7L);
    assertThat(r.options()).isEqualTo("ml-join=owner,consent=flag");
  }

  @Test
  void aToleranceMakesEveryRunAFullOne() {
    curate("50ms");
    new LandingRows(spark).accel("alice@x.com", 4999, 13).step("S-A", 8000).flush();
    RunReport second = curate("50ms");
    // alice's new reading at 4999 is the old step reading at 5000's partner now: an append-only run could not
    // have found it
    assertThat(second.status()).isEqualTo("ok");
    assertThat(sql("SELECT x FROM stedi.machine_learning_curated WHERE sensorReadingTime = 5000"))
        .containsExactly(row(13.0));
  }

  @Test
  void aToleranceIsRefusedOnTheTimestampJoinAndOutsideItsRange() {
    assertThatThrownBy(() -> CurationConfig.embedded(config.home(), Map.of("curation.ml-tolerance", "50ms",
        "curation.ml-join", "timestamp"))).hasMessageContaining("curation.ml-tolerance needs curation.ml-join=owner");
    assertThatThrownBy(() -> CurationConfig.embedded(config.home(), Map.of("curation.ml-tolerance", "11s")))
        .hasMessageContaining("between 0 and 10s");
  }
}
