package io.stedi.lakehouse.commit;

import io.stedi.lakehouse.catalog.NamespaceProperties;
import io.stedi.lakehouse.error.ErrorCode;
import io.stedi.lakehouse.error.StediException;
import io.stedi.lakehouse.table.LandingTables;
import java.io.Closeable;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live writer per {@code writer.instance-id}, across machines: a lease kept as a property of the {@code stedi}
 * namespace in the catalog (JDBC, SQLite, REST and Glue catalogs all store namespace properties), renewed every
 * third of {@code writer.lease-ttl}. Two writers with one id would each skip the other's log positions, so a second
 * one is refused at start while the first one's lease is live.
 *
 * <p>A lease names its holder's host and write-ahead log folder. A restart right after a crash (kill -9) finds
 * its own unexpired lease: since it already holds that folder's file lock, the old holder is dead, and it takes
 * the lease over at once instead of waiting for the lease to expire.
 */
final class InstanceLease implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceLease.class);

  private final SupportsNamespaces catalog;
  private final String property;
  private final String owner = UUID.randomUUID().toString();
  private final String holder;
  private final long ttlMillis;
  private final ScheduledExecutorService renewer;
  private volatile boolean lost;

  private InstanceLease(SupportsNamespaces catalog, String instanceId, Path walDir, long ttlMillis) {
    this.catalog = catalog;
    this.property = PREFIX + instanceId + SUFFIX;
    this.holder = host() + ":" + walDir;
    this.ttlMillis = ttlMillis;
    this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "writer-lease-" + instanceId);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Takes the lease, or fails with {@link ErrorCode#INSTANCE_IN_USE} when another live writer holds it. Call it
   * while holding the write-ahead log folder's lock. Returns null when the catalog keeps no namespace properties.
   */
  static InstanceLease acquire(Catalog catalog, String instanceId, Path walDir, long ttlMillis) {
    if (!(catalog instanceof SupportsNamespaces) || ttlMillis <= 0) {
      LOG.warn("writer {}: the catalog keeps no namespace properties; a second writer with this id is not detected",
          instanceId);
      return null;
    }
    InstanceLease l = new InstanceLease((SupportsNamespaces) catalog, instanceId, walDir, ttlMillis);
    Lease current;
    try {
      current = l.read();
    } catch (RuntimeException e) {
      if (io.stedi.lakehouse.catalog.Retry.classify(e).retryable()) {
        throw e; // the catalog is unreachable: the writer cannot start anyway
      }
      // e.g. a REST catalog that does not implement namespace properties
      LOG.warn("writer {}: this catalog keeps no namespace properties ({}); a second writer with this id is not "
          + "detected", instanceId, e.toString());
      l.renewer.shutdownNow();
      return null;
    }
    long now = System.currentTimeMillis();
    if (current != null && !current.owner.equals(l.owner) && current.expires > now && !current.holder.equals(l.holder)) {
      throw new StediException(ErrorCode.INSTANCE_IN_USE, "writer.instance-id " + instanceId + " is in use by a "
          + "live writer at " + current.holder + " (its lease in the catalog runs for another "
          + (current.expires - now) / 1000 + " s); give every gateway its own writer.instance-id, or stop the other one");
    }
    if (current != null && current.holder.equals(l.holder) && current.expires > now) {
      LOG.info("writer {}: taking over the lease of a previous process in {} (it is gone: this one holds its log lock)",
          instanceId, walDir);
    }
    l.write();
    Lease mine = l.read();
    if (mine == null || !mine.owner.equals(l.owner)) {
      throw new StediException(ErrorCode.INSTANCE_IN_USE, "writer.instance-id " + instanceId + " was taken by "
          + (mine == null ? "nobody" : mine.holder) + " while this writer started; give every gateway its own id");
    }
    long every = Math.max(100, ttlMillis / 3);
    l.renewer.scheduleWithFixedDelay(l::renew, every, every, TimeUnit.MILLISECONDS);
    return l;
  }

  private record Lease(String owner, String holder, long expires) {}

  private Lease read() {
    return parse(catalog.loadNamespaceMetadata(LandingTables.NAMESPACE).get(property));
  }

  private static Lease parse(String v) {
    if (v == null) {
      return null;
    }
    String[] p = v.split("\\|", 3);
    try {
      return p.length == 3 ? new Lease(p[0], p[2], Long.parseLong(p[1])) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The ids of the writers whose lease in {@code namespaceProperties} is live at {@code nowMillis}. */
  static java.util.Set<String> liveWriters(Map<String, String> namespaceProperties, long nowMillis) {
    java.util.Set<String> ids = new java.util.TreeSet<>();
    namespaceProperties.forEach((k, v) -> {
      if (k.startsWith(PREFIX) && k.endsWith(SUFFIX)) {
        Lease l = parse(v);
        if (l != null && l.expires() > nowMillis) {
          ids.add(k.substring(PREFIX.length(), k.length() - SUFFIX.length()));
        }
      }
    });
    return ids;
  }

  private static final String PREFIX = "stedi.writer.";
  private static final String SUFFIX = ".lease";

  private void write() {
    NamespaceProperties.set(catalog, LandingTables.NAMESPACE, property,
        owner + "|" + (System.currentTimeMillis() + ttlMillis) + "|" + holder);
  }

  private void renew() {
    try {
      Lease current = read();
      if (current != null && !current.owner.equals(owner)) {
        if (!lost) {
          LOG.error("writer lease {}: taken over by {}; this writer stops committing (two writers with one "
              + "writer.instance-id would corrupt each other's positions)", property, current.holder);
        }
        lost = true;
        return;
      }
      write();
    } catch (RuntimeException e) {
      // the catalog is down: nobody else can take the lease through it either; the WAL buffers meanwhile
      LOG.warn("writer lease {}: renewal failed, retrying: {}", property, e.toString());
    }
  }

  /** Whether another writer has taken the lease (this one must not commit). */
  boolean lost() {
    return lost;
  }

  @Override
  public void close() {
    renewer.shutdownNow();
    try {
      Lease current = read();
      if (current != null && current.owner.equals(owner)) {
        NamespaceProperties.remove(catalog, LandingTables.NAMESPACE, property);
      }
    } catch (RuntimeException e) {
      LOG.warn("writer lease {}: could not release it (it expires by itself): {}", property, e.toString());
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown-host";
    }
  }
}
