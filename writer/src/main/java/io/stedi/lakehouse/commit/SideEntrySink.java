package io.stedi.lakehouse.commit;

/**
 * Receives side entries (see {@link WalEntry#side}) from the commit coordinator. Called on the coordinator's
 * thread before the WAL segment holding the entry can be deleted, and again for every entry still in the log
 * after a restart; implementations must be idempotent and make the entry durable before returning.
 */
@FunctionalInterface
public interface SideEntrySink {
  SideEntrySink NONE = e -> { };

  void accept(WalEntry entry);
}
