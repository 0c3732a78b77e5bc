package io.stedi.lakehouse.gateway.auth;

import io.stedi.lakehouse.commit.ScrubMarkers;
import io.stedi.lakehouse.erasure.ForgottenIdentities;
import io.stedi.lakehouse.erasure.IdentityKind;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of the right to be forgotten: refuses serial numbers and users erased with
 * {@code bin/stedi forget} until they register again. A serial registers again when {@code devices add} issues
 * it a secret after the request; an email when {@code POST /v1/customers} accepts a new record for it after the
 * request (remembered in {@link Reregistrations}).
 */
public final class ErasureGuard implements ForgottenIdentities.Registrations, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ErasureGuard.class);

  private final CredentialStore credentials;
  private final Reregistrations reregistrations;
  private volatile ForgottenIdentities forgotten = ForgottenIdentities.none();

  /**
   * @param reregistrationsFile where re-registered email hashes are kept
   */
  public ErasureGuard(CredentialStore credentials, Path reregistrationsFile) {
    this.credentials = credentials;
    this.reregistrations = new Reregistrations(reregistrationsFile);
  }

  /** Starts answering from {@code identities} (built with this guard as its {@link ForgottenIdentities.Registrations}). */
  public void use(ForgottenIdentities identities) {
    this.forgotten = identities;
  }

  public ForgottenIdentities identities() {
    return forgotten;
  }

  /** Whether a Step Trainer with this serial must be refused. */
  public boolean serialRefused(String serial) {
    return forgotten.isForgotten(IdentityKind.SERIAL, serial);
  }

  /** Whether readings of this user (email) must be refused. */
  public boolean userRefused(String email) {
    return forgotten.isForgotten(IdentityKind.EMAIL, email);
  }

  /**
   * Called before a customer record of a forgotten email is appended: the registration lifts the refusal in memory
   * (so that the commit-time filter lets the record through); {@link #customerRegistered} makes that durable once
   * the record is, {@link #registrationFailed} takes it back when the record could not be stored.
   */
  public void customerRegistering(String email) {
    reregistrations.begin(forgotten.hash(IdentityKind.EMAIL, email), Instant.now());
  }

  /** The record of a registration begun with {@link #customerRegistering} is durable: the lift is recorded durably. */
  public void customerRegistered(String email) {
    reregistrations.commit(forgotten.hash(IdentityKind.EMAIL, email));
    LOG.info("a forgotten customer registered again; their readings are accepted from now on");
  }

  /** The record of a registration begun with {@link #customerRegistering} was not stored: the refusal stands. */
  public void registrationFailed(String email) {
    reregistrations.abort(forgotten.hash(IdentityKind.EMAIL, email));
  }

  @Override
  public Instant registeredAt(IdentityKind kind, String value) {
    if (kind == IdentityKind.SERIAL) {
      String created = credentials.deviceCreatedAt(value);
      try {
        return created == null ? null : Instant.parse(created);
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return reregistrations.at(forgotten.hash(kind, value));
  }

  /**
   * Makes the gateway's own files forget too, once per new erasure request: the credentials of forgotten people
   * ({@link CredentialStore#scrub}) and every write-ahead log segment holding their readings (the log is rolled,
   * committed through the erasure filter, and its committed segments deleted) and the idempotency records of their
   * removed tokens; then it tells {@code forget} so ({@link ScrubMarkers}). Blocking: run it off the event loop.
   *
   * @return whether a new request was handled
   */
  public boolean scrub(io.stedi.lakehouse.commit.CommitCoordinator coordinator,
      io.stedi.lakehouse.gateway.ingest.IdempotencyStore idempotency, org.apache.iceberg.catalog.Catalog catalog) {
    // a new request is a newer request time (a repeated forget of known hashes too), not a bigger set of hashes
    Instant through = forgotten.newestRequest();
    if (through == null || through.equals(scrubbedThrough)) {
      return false;
    }
    int requests = forgotten.size();
    CredentialStore.Scrubbed s = credentials.scrub(forgotten::forgottenSince);
    int answers = idempotency.dropTokens(s.removedTokens());
    coordinator.scrubLog();
    ScrubMarkers.mark(catalog, coordinator.instanceId(), through);
    scrubbedThrough = through;
    LOG.info("erasure: {} request(s) known; removed or unpaired {} credential(s) and {} idempotency record(s); "
        + "write-ahead log rolled and committed segments deleted", requests, s.changed(), answers);
    return true;
  }

  private volatile Instant scrubbedThrough;

  @Override
  public void close() {
    forgotten.close();
  }
}
