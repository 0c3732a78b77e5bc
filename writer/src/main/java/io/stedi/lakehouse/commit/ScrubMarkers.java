package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.catalog.NamespaceProperties;
import io.stedi.lakehouse.table.LandingTables;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;

/**
 * How {@code bin/stedi forget} learns that every live gateway has scrubbed its own copies (write-ahead log,
 * credentials, idempotency records) of a forgotten identity: after a scrub, a gateway records in the {@code stedi}
 * namespace properties the time of the newest erasure request it covered; a receipt is complete only when every
 * writer with a live lease ({@link InstanceLease}) has recorded a time at or after its request.
 */
public final class ScrubMarkers {
  private ScrubMarkers() {}

  private static String property(String instanceId) {
    return "stedi.writer." + instanceId + ".scrubbed-through";
  }

  /** Records that writer {@code instanceId} scrubbed every request made up to {@code through}. */
  public static void mark(Catalog catalog, String instanceId, Instant through) {
    if (catalog instanceof SupportsNamespaces ns && through != null) {
      NamespaceProperties.set(ns, LandingTables.NAMESPACE, property(instanceId), Long.toString(through.toEpochMilli()));
    }
  }

  /**
   * The live writers that have not yet scrubbed a request made at {@code requestedAt}; empty when the catalog keeps
   * no namespace properties (there is nothing to coordinate through) or the namespace does not exist.
   */
  public static Set<String> behind(Catalog catalog, Instant requestedAt) {
    if (!(catalog instanceof SupportsNamespaces ns) || !ns.namespaceExists(LandingTables.NAMESPACE)) {
      return Set.of();
    }
    Map<String, String> props = ns.loadNamespaceMetadata(LandingTables.NAMESPACE);
    Set<String> behind = new TreeSet<>();
    for (String id : InstanceLease.liveWriters(props, System.currentTimeMillis())) {
      String v = props.get(property(id));
      long through;
      try {
        through = v == null ? -1 : Long.parseLong(v);
      } catch (NumberFormatException e) {
        through = -1;
      }
      if (through < requestedAt.toEpochMilli()) {
        behind.add(id);
      }
    }
    return behind;
  }
}
