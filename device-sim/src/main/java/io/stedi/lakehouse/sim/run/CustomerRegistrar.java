package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import io.stedi.lakehouse.sim.generate.Customer;
import io.stedi.lakehouse.sim.generate.Fleet;
import io.stedi.lakehouse.sim.model.CustomerRecord;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the customer of every phone before readings start ({@code POST /v1/customers} with the phone's token),
 * so curation finds an owner and a consent for each phone's and Step Trainer's readings.
 *
 * <p>Phone k's customer: the token's email, the serial of Step Trainer k when the run has one (phone k rides along
 * with Step Trainer k, as {@code bin/stedi devices provision} pairs them), else a serial of its own (a customer
 * with the app but no Step Trainer yet). Name, phone, birthday and consent come from customer k of the
 * {@link Fleet} that {@code sim generate} invents under the same {@code sim.seed} (about half share for research,
 * some only later), with its dates moved to now: registration now, consent dates at or after it. Registrations are
 * not readings: they are counted in the report, not written to the ledger.
 */
final class CustomerRegistrar {
  private static final Logger LOG = LoggerFactory.getLogger(CustomerRegistrar.class);
  /** Requests in flight at once: enough to register thousands in seconds without opening thousands of sockets. */
  private static final int PARALLEL = 32;

  private final RunContext c;
  private final URI uri;
  private final List<Customer> profiles;
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  CustomerRegistrar(RunContext c) {
    this.c = c;
    this.uri = HttpApi.endpoint(c.s.http(), "customers");
    // Only the profiles are needed: one reading instant each keeps a large fleet cheap.
    this.profiles = Fleet.generate(c.cfg.with(Map.of(SimConfig.CUSTOMERS.name(), String.valueOf(c.s.phones()),
        SimConfig.READINGS_PER_CUSTOMER.name(), "1"))).customers();
  }

  /** Registers every phone's customer; completes (never exceptionally) when each is registered or has failed. */
  CompletableFuture<Void> registerAll() {
    AtomicInteger next = new AtomicInteger();
    CompletableFuture<?>[] lanes = new CompletableFuture<?>[Math.min(PARALLEL, c.s.phones())];
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] = lane(next);
    }
    return CompletableFuture.allOf(lanes).whenComplete((v, e) -> LOG.info("{} of {} customers registered",
        c.customersRegistered.get(), c.s.phones()));
  }

  private CompletableFuture<Void> lane(AtomicInteger next) {
    int k = next.getAndIncrement();
    if (k >= c.s.phones()) {
      return CompletableFuture.completedFuture(null);
    }
    return register(k).thenCompose(v -> lane(next));
  }

  private CompletableFuture<Void> register(int k) {
    SimCredentials.Token t = c.s.credentials().tokens().get(k);
    String serial = k < c.s.devices() ? c.s.credentials().devices().get(k).serial() : ownSerial(t.email());
    // The body is built once: every retry must send the same bytes under the same Idempotency-Key.
    String body = record(profiles.get(k).first(), t.email(), serial, System.currentTimeMillis()).toJson();
    CompletableFuture<Void> done = new CompletableFuture<>();
    attempt(k, t.token(), c.s.runId() + "-c" + k, body, 0, done);
    return done;
  }

  private void attempt(int k, String token, String key, String body, int attempt, CompletableFuture<Void> done) {
    c.httpClient.sendAsync(HttpApi.post(uri, c.cfg.get(SimConfig.HTTP_TIMEOUT), token, key, body),
        HttpResponse.BodyHandlers.ofString()).whenComplete((resp, err) -> {
          try {
            int status = err == null ? resp.statusCode() : -1;
            if (HttpApi.mayRetry(c, status, err, attempt) || HttpApi.mayRetryFreshToken(c, status, attempt)) {
              c.scheduler.schedule(() -> attempt(k, token, key, body, attempt + 1, done),
                  HttpApi.retryDelayMillis(resp, attempt), TimeUnit.MILLISECONDS);
              return;
            }
            if (status == 202) {
              c.customersRegistered.incrementAndGet();
            } else {
              c.customersFailed.incrementAndGet();
              String why = err != null ? MqttLink.unwrap(err).toString() : "HTTP " + status + " " + resp.body();
              if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("phone {}: registering its customer failed: {}", k, why);
              } else {
                LOG.debug("phone {}: registering its customer failed: {}", k, why);
              }
            }
            done.complete(null);
          } catch (RuntimeException e) {
            c.customersFailed.incrementAndGet();
            LOG.error("phone {}: handling the registration response failed", k, e);
            done.complete(null);
          }
        });
  }

  /**
   * The registration record: the generated profile's consent moved so that it registers at {@code now} (consent
   * dates keep their distance to the registration: equal to it, or later), with the phone's email and serial.
   */
  static CustomerRecord record(CustomerRecord profile, String email, String serial, long now) {
    long shift = now - profile.registrationDate();
    return new CustomerRecord(nameOf(email), email, profile.phone(), profile.birthDay(), serial, now,
        profile.lastUpdateDate() + shift, plus(profile.shareWithResearchAsOfDate(), shift),
        plus(profile.shareWithPublicAsOfDate(), shift), plus(profile.shareWithFriendsAsOfDate(), shift), false);
  }

  /** "Sim.Customer7@sim.stedi.test" is "Sim Customer7". */
  static String nameOf(String email) {
    String local = email.substring(0, Math.max(0, email.indexOf('@')));
    String name = local.replace('.', ' ').replace('_', ' ').trim();
    return name.isEmpty() ? email : name;
  }

  /** A phone-only customer's serial: stable for an email, so every run registers the same one. */
  static String ownSerial(String email) {
    return UUID.nameUUIDFromBytes(("stedi-sim phone-only " + email.toLowerCase(java.util.Locale.ROOT))
        .getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static Long plus(Long t, long shift) {
    return t == null ? null : t + shift;
  }
}
