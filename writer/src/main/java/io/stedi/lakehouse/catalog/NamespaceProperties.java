package io.stedi.lakehouse.catalog;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;

/**
 * Writes one namespace property, the way every catalog accepts. Iceberg's REST client checks its arguments with
 * {@code updates.containsKey(null)} and {@code removals.contains(null)}, which throw NullPointerException on the JDK's
 * immutable {@code Map.of} and {@code Set.of}; the JDBC catalog does not check, so only a REST catalog failed (the
 * gateway could not take its lease). Hence mutable copies, made here once.
 */
public final class NamespaceProperties {
  private NamespaceProperties() {}

  /** Sets {@code key} to {@code value} in namespace {@code ns}. */
  public static void set(SupportsNamespaces catalog, Namespace ns, String key, String value) {
    Map<String, String> update = new HashMap<>();
    update.put(key, value);
    catalog.setProperties(ns, update);
  }

  /** Removes {@code key} from namespace {@code ns}. */
  public static void remove(SupportsNamespaces catalog, Namespace ns, String key) {
    Set<String> removal = new HashSet<>();
    removal.add(key);
    catalog.removeProperties(ns, removal);
  }
}
