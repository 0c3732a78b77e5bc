package io.stedi.lakehouse.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The write-ahead log's budget rules: acknowledgement pacing from the pace fill up, shares above the threshold. */
class WalSharesTest {
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong pending = new AtomicLong();

  @Test
  void acknowledgementsAreHeldInProportionToTheBacklogBetweenPaceAndThreshold() {
    // budget 1000 bytes, pacing from a backlog of 5 % (50 bytes), shares from 25 % (250 bytes)
    WalShares s = new WalShares(used::get, pending::get, 1000, 0.25, 0.10, 0.05);
    used.set(900);
    assertThat(s.ackDelayMillis()).as("committed bytes in a live segment are no backlog").isZero();
    pending.set(0);
    assertThat(s.ackDelayMillis()).isZero();
    pending.set(50);
    assertThat(s.ackDelayMillis()).as("at the pace fill itself").isZero();
    pending.set(51);
    assertThat(s.ackDelayMillis()).as("just above it: held, if briefly").isEqualTo(1);
    pending.set(150);
    assertThat(s.ackDelayMillis()).isEqualTo(WalShares.MAX_ACK_DELAY_MILLIS / 2);
    pending.set(250);
    assertThat(s.ackDelayMillis()).isEqualTo(WalShares.MAX_ACK_DELAY_MILLIS);
    pending.set(900);
    assertThat(s.ackDelayMillis()).as("never longer than the maximum").isEqualTo(WalShares.MAX_ACK_DELAY_MILLIS);
  }

  @Test
  void aPaceFillAtOrAboveTheShareThresholdTurnsPacingOff() {
    WalShares s = new WalShares(used::get, pending::get, 1000, 0.25, 0.10, 0.25);
    pending.set(990);
    assertThat(s.ackDelayMillis()).isZero();
  }

  @Test
  void aboveTheThresholdEachSenderIsHeldToItsShare() {
    WalShares s = new WalShares(used::get, pending::get, 1000, 0.25, 0.10, 0.05);
    used.set(100);
    assertThat(s.admit("a", 500)).as("below the threshold nobody is counted").isTrue();
    used.set(300);
    assertThat(s.admit("a", 60)).isTrue();
    assertThat(s.admit("a", 60)).as("a's share is 100 bytes").isFalse();
    assertThat(s.admit("b", 60)).as("b has a share of its own").isTrue();
  }
}
