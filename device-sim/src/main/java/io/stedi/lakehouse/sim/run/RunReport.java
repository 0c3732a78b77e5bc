package io.stedi.lakehouse.sim.run;

import io.stedi.lakehouse.sim.config.SimConfig;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The report of a run: an ordered map (written as JSON by {@code --report}) and its human summary. */
final class RunReport {
  private RunReport() {}

  /** The report of a finished run that started at {@code started} and took {@code elapsed} seconds. */
  static Map<String, Object> of(RunContext c, List<MqttDevice> devices, List<HttpPhone> phones, Instant started,
      double elapsed) {
    RunSettings s = c.s;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("run_id", s.runId());
    r.put("started", started.toString());
    r.put("duration_s", s.duration().toMillis() / 1000.0);
    r.put("elapsed_s", Math.round(elapsed * 1000) / 1000.0);
    r.put("devices", s.devices());
    r.put("phones", s.phones());
    r.put("rate_per_device", s.ratePerDevice());
    r.put("qos", s.qos());
    r.put("mqtt_version", c.cfg.get(SimConfig.MQTT_VERSION));
    r.put("mqtt_target", s.mqtt() == null ? null : (s.mqtt().tls() ? "mqtts://" : "mqtt://") + s.mqtt().host() + ":"
        + s.mqtt().port());
    r.put("http_target", s.http() == null ? null : s.http().toString());
    r.put("customers_registered", c.customersRegistered.get());
    r.put("customers_failed", c.customersFailed.get());
    long sent = c.mqtt.sent.get() + c.http.sent.get();
    long acked = c.mqtt.acknowledged.get() + c.http.acknowledged.get();
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("sent", sent);
    total.put("acknowledged", acked);
    total.put("rejected", c.mqtt.rejected.get() + c.http.rejected.get());
    total.put("failed", c.mqtt.failed.get() + c.http.failed.get());
    total.put("unsent", c.unsent.get());
    r.put("total", total);
    r.put("throughput_acked_per_s", elapsed <= 0 ? 0 : Math.round(acked / elapsed * 10) / 10.0);
    r.put("mqtt", c.mqtt.toMap());
    r.put("http", c.http.toMap());
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("connect_failures", c.connectFailures.get());
    f.put("reconnect_storms", c.storms.get());
    f.put("reconnects", c.reconnects.get());
    f.put("skewed_clocks", devices.stream().filter(d -> d.skew != 0).count()
        + phones.stream().filter(p -> p.skew != 0).count());
    f.put("malformed_acknowledged", c.malformedAcknowledged.get());
    r.put("faults", f);
    Map<String, Object> l = new LinkedHashMap<>();
    l.put("file", s.ledger().toString());
    l.put("lines", c.ledger.lines());
    l.put("dropped_after_close", c.ledger.dropped());
    r.put("ledger", l);
    return r;
  }

  /** A one-paragraph human summary of a report. */
  @SuppressWarnings("unchecked")
  static String describe(Map<String, Object> r) {
    Map<String, Object> t = (Map<String, Object>) r.get("total");
    Map<String, Object> m = (Map<String, Object>) r.get("mqtt");
    Map<String, Object> h = (Map<String, Object>) r.get("http");
    Map<String, Object> f = (Map<String, Object>) r.get("faults");
    StringBuilder b = new StringBuilder();
    b.append(String.format("run %s: %s devices, %s phones, %s readings/s per device, qos %s, %.1f s%n", r.get("run_id"),
        r.get("devices"), r.get("phones"), r.get("rate_per_device"), r.get("qos"), (Double) r.get("elapsed_s")));
    b.append(String.format("  customers: registered %s, failed %s%n", r.get("customers_registered"),
        r.get("customers_failed")));
    b.append(String.format("  total: sent %s, acknowledged %s, rejected %s, failed %s, unsent %s; throughput %s acked/s%n",
        t.get("sent"), t.get("acknowledged"), t.get("rejected"), t.get("failed"), t.get("unsent"),
        r.get("throughput_acked_per_s")));
    for (Map.Entry<String, Map<String, Object>> c : List.of(Map.entry("mqtt", m), Map.entry("http", h))) {
      Map<String, Object> v = c.getValue();
      Map<String, Object> lat = (Map<String, Object>) v.get("ack_latency_ms");
      b.append(String.format("  %-4s: sent %s, acknowledged %s, rejected %s, failed %s (%s messages, %s retries); "
          + "ack latency ms p50 %s p90 %s p99 %s p99.9 %s max %s%n", c.getKey(), v.get("sent"), v.get("acknowledged"),
          v.get("rejected"), v.get("failed"), v.get("messages"), v.get("retries"), lat.get("p50"), lat.get("p90"),
          lat.get("p99"), lat.get("p99.9"), lat.get("max")));
    }
    b.append(String.format("  faults: malformed sent %s (rejected %s), duplicates sent %s (acknowledged %s), late %s, "
        + "storms %s (reconnects %s), skewed clocks %s, connect failures %s%n",
        (Long) m.get("malformed_sent") + (Long) h.get("malformed_sent"),
        (Long) m.get("malformed_rejected") + (Long) h.get("malformed_rejected"),
        (Long) m.get("duplicates_sent") + (Long) h.get("duplicates_sent"),
        (Long) m.get("duplicates_acknowledged") + (Long) h.get("duplicates_acknowledged"),
        (Long) m.get("late") + (Long) h.get("late"), f.get("reconnect_storms"), f.get("reconnects"),
        f.get("skewed_clocks"), f.get("connect_failures")));
    Map<String, Object> l = (Map<String, Object>) r.get("ledger");
    b.append(String.format("  ledger: %s (%s lines)", l.get("file"), l.get("lines")));
    return b.toString();
  }
}
