package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.TrustManagerFactory;

/**
 * What {@code sim run} does.
 *
 * @param devices Step Trainers to run (the first {@code devices} of the credentials file)
 * @param phones phones to run (the first {@code phones} tokens); phone k rides along with Step Trainer k
 * @param ratePerDevice Step Trainer readings per second per device (each phone sends 2–3 readings per tick)
 * @param duration how long readings are produced
 * @param qos 0 or 1
 * @param mqtt the MQTT server, or null when no device runs
 * @param http the HTTP base URL, or null when no phone runs
 * @param trust TLS trust (null: the JDK default)
 * @param insecure skip TLS host name checks (self-signed test servers)
 * @param runId prefix of client ids and Idempotency-Keys, unique per run
 * @param register whether each phone's customer is registered (POST /v1/customers) before readings start
 */
public record RunSettings(int devices, int phones, double ratePerDevice, Duration duration, int qos,
    Endpoints.MqttAddress mqtt, URI http, TrustManagerFactory trust, boolean insecure, SimCredentials credentials,
    Path ledger, String runId, SimConfig config, boolean register) {

  public RunSettings {
    if (devices < 0 || phones < 0 || devices + phones == 0) {
      throw new IllegalArgumentException("--devices and --phones must not be negative, and one must be positive");
    }
    if (devices > credentials.devices().size()) {
      throw new IllegalArgumentException("--devices " + devices + " but the credentials file has only "
          + credentials.devices().size() + " devices");
    }
    if (phones > credentials.tokens().size()) {
      throw new IllegalArgumentException("--phones " + phones + " but the credentials file has only "
          + credentials.tokens().size() + " tokens");
    }
    if (!(ratePerDevice > 0) || ratePerDevice > 10_000) {
      throw new IllegalArgumentException("--rate must be more than 0 and at most 10000 readings per second per device");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive");
    }
    if (qos != 0 && qos != 1) {
      throw new IllegalArgumentException("--qos must be 0 or 1");
    }
    if (devices > 0 && mqtt == null) {
      throw new IllegalArgumentException("--mqtt is required when --devices is positive");
    }
    if (phones > 0 && http == null) {
      throw new IllegalArgumentException("--http is required when --phones is positive");
    }
  }
}
