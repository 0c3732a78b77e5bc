package io.stedi.lakehouse.gateway.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Who may see /status by default: loopback peers only. */
class StatusRoutesTest {
  @Test
  void onlyLoopbackPeersAreLoopback() {
    assertThat(StatusRoutes.loopback("127.0.0.1")).isTrue();
    assertThat(StatusRoutes.loopback("127.3.4.5")).isTrue();
    assertThat(StatusRoutes.loopback("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(StatusRoutes.loopback("10.0.0.7")).isFalse();
    assertThat(StatusRoutes.loopback("192.168.1.20")).isFalse();
    assertThat(StatusRoutes.loopback("::ffff:10.0.0.7")).isFalse();
    assertThat(StatusRoutes.loopback(null)).isFalse();
  }
}
