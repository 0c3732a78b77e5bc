package io.stedi.lakehouse.sim.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.generate.Customer;
import io.stedi.lakehouse.sim.generate.Fleet;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CustomerRegistrarTest {
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void theRegistrationIsTheGeneratedProfileMovedToNowWithThePhonesEmailAndSerial() {
    CustomerRecord profile = new CustomerRecord("Santosh Spencer", "Santosh.Spencer@test.com", "8015551212",
        "1943-01-01", "a6a3a450-6513-270e-269e-0d37f2a74de4", 1_000L, 6_000L, 6_000L, 1_000L, null, false);
    CustomerRecord r = CustomerRegistrar.record(profile, "Demo.Customer7@sim.stedi.test", "demo-st-7", NOW);
    assertThat(r.customerName()).isEqualTo("Demo Customer7");
    assertThat(r.email()).isEqualTo("Demo.Customer7@sim.stedi.test");
    assertThat(r.serialNumber()).isEqualTo("demo-st-7");
    assertThat(r.phone()).isEqualTo("8015551212");
    assertThat(r.birthDay()).isEqualTo("1943-01-01");
    assertThat(r.registrationDate()).isEqualTo(NOW);
    assertThat(r.shareWithResearchAsOfDate()).isEqualTo(NOW + 5_000); // late consent keeps its distance
    assertThat(r.shareWithPublicAsOfDate()).isEqualTo(NOW);
    assertThat(r.shareWithFriendsAsOfDate()).isNull();
    assertThat(r.lastUpdateDate()).isEqualTo(NOW + 5_000);
    assertThat(r.toJson()).doesNotContain("shareWithFriendsAsOfDate");
  }

  @Test
  void aboutHalfShareForResearchAtOrAfterRegistrationAndTheSameSeedGivesTheSameMix() {
    SimConfig cfg = SimConfig.defaults().with(Map.of("sim.seed", "9", "sim.customers", "400",
        "sim.readings-per-customer", "1"));
    List<Customer> a = Fleet.generate(cfg).customers();
    List<Customer> b = Fleet.generate(cfg).customers();
    long sharing = 0;
    for (int k = 0; k < a.size(); k++) {
      CustomerRecord r = CustomerRegistrar.record(a.get(k).first(), "X.Customer" + k + "@t.test", "s-" + k, NOW);
      assertThat(r).isEqualTo(CustomerRegistrar.record(b.get(k).first(), "X.Customer" + k + "@t.test", "s-" + k, NOW));
      if (r.shareWithResearchAsOfDate() != null) {
        sharing++;
        assertThat(r.shareWithResearchAsOfDate()).isGreaterThanOrEqualTo(r.registrationDate());
      }
    }
    assertThat(sharing).isBetween(160L, 240L);
  }

  @Test
  void aPhoneOnlyCustomerGetsAStableSerialOfItsOwn() {
    String s = CustomerRegistrar.ownSerial("Demo.Customer30@sim.stedi.test");
    assertThat(s).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .isEqualTo(CustomerRegistrar.ownSerial("demo.customer30@SIM.STEDI.TEST"))
        .isNotEqualTo(CustomerRegistrar.ownSerial("Demo.Customer31@sim.stedi.test"));
    assertThat(CustomerRegistrar.nameOf("a.b_c@x.y")).isEqualTo("a b c");
  }
}
