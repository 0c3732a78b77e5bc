package io.stedi.lakehouse.gateway.auth;

import io.stedi.lakehouse.erasure.IdentityKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device secrets and API tokens, stored as salted hashes in one JSON file that the CLI edits and a running
 * gateway re-reads when it changes (so {@code devices add} and {@code revoke} take effect without a restart).
 * Edits take a file lock and replace the file atomically.
 */
public final class CredentialStore {
  private static final Logger LOG = LoggerFactory.getLogger(CredentialStore.class);

  /** A device: its serial number is its MQTT user name. */
  /**
   * A device: its secret's salted hash, when the secret was issued, and the customer it is paired with (the
   * normalised email an operator bound with {@code devices add --owner} or {@code devices pair}; null while
   * unpaired). Files written before pairing existed read with a null owner.
   */
  public record Device(String serial, String salt, String hash, String createdAt, boolean revoked, String owner) {
    Device withOwner(String o) {
      return new Device(serial, salt, hash, createdAt, revoked, o);
    }
  }

  /** An API token; {@code email} binds it to one customer (null: a service token). */
  public record Token(String id, String name, String email, String salt, String hash, String createdAt, boolean revoked) {}

  /** The file's content. */
  public record Contents(Map<String, Device> devices, Map<String, Token> tokens) {
    static Contents empty() {
      return new Contents(new TreeMap<>(), new TreeMap<>());
    }
  }

  /**
   * How often a failed check may re-read the file: credentials added a moment ago work at once, while a stream of
   * unknown names or wrong secrets costs at most this many file checks per second (a check is one stat; the
   * file is read only when it changed).
   */
  static final long MISS_RELOAD_INTERVAL_NANOS = 100_000_000L;

  private final CredentialFile file;
  private volatile Contents contents = Contents.empty();
  private final java.util.function.LongSupplier nanoTime;
  private final java.util.concurrent.atomic.AtomicLong lastMissReload;

  public CredentialStore(Path file) {
    this(file, System::nanoTime);
  }

  /** A store whose re-read rate limit runs on {@code nanoTime} (tests). */
  CredentialStore(Path file, java.util.function.LongSupplier nanoTime) {
    this.file = new CredentialFile(file);
    this.nanoTime = nanoTime;
    this.lastMissReload = new java.util.concurrent.atomic.AtomicLong(nanoTime.getAsLong() - MISS_RELOAD_INTERVAL_NANOS);
    reloadIfChanged();
  }

  /**
   * Re-reads the file if it changed since the last read. Cheap; the gateway calls it every
   * {@code gateway.credentials.refresh} and when a check fails.
   *
   * @return whether new contents were loaded
   */
  public synchronized boolean reloadIfChanged() {
    try {
      Contents c = file.readIfChanged();
      if (c == null) {
        return false;
      }
      use(c);
      LOG.info("credentials loaded from {}: {} devices, {} tokens", file.path(), c.devices().size(), c.tokens().size());
      return true;
    } catch (IOException e) {
      LOG.warn("cannot read credentials file {}, keeping the previous ones: {}", file.path(), e.toString());
      return false;
    }
  }

  /**
   * After a failed check: re-reads the file if it changed, unless a failed check already did so in the last
   * {@link #MISS_RELOAD_INTERVAL_NANOS}. Returns whether new contents were loaded (then the check is worth
   * repeating).
   */
  private boolean reloadOnMiss() {
    long now = nanoTime.getAsLong();
    long last = lastMissReload.get();
    if (now - last < MISS_RELOAD_INTERVAL_NANOS || !lastMissReload.compareAndSet(last, now)) {
      return false;
    }
    return reloadIfChanged();
  }

  /**
   * Checks a device's MQTT credentials. A device added (or given a new secret) a moment ago by another process
   * is found: a failed check re-reads the file first (rate-limited, see {@link #reloadOnMiss}).
   */
  public boolean authenticateDevice(String serial, String secret) {
    return deviceMatches(serial, secret) || (serial != null && reloadOnMiss() && deviceMatches(serial, secret));
  }

  private boolean deviceMatches(String serial, String secret) {
    Device d = serial == null ? null : contents.devices().get(serial);
    return d != null && !d.revoked() && Credentials.matches(d.salt(), d.hash(), secret);
  }

  /** Whether a device is registered and not revoked (checked again for connections opened before a revocation). */
  public boolean deviceActive(String serial) {
    Device d = serial == null ? null : contents.devices().get(serial);
    return d != null && !d.revoked();
  }

  /**
   * {@link #deviceActive} for one device, re-read only when the credentials change (every change installs new
   * contents): an MQTT connection checks it on every publish, and a sorted-map lookup per message showed in its
   * profile. For one connection's thread.
   */
  public java.util.function.BooleanSupplier deviceActiveCheck(String serial) {
    return new java.util.function.BooleanSupplier() {
      private Contents seen;
      private boolean active;

      @Override
      public boolean getAsBoolean() {
        Contents now = contents;
        if (now != seen) {
          Device d = serial == null ? null : now.devices().get(serial);
          active = d != null && !d.revoked();
          seen = now;
        }
        return active;
      }
    };
  }

  /** When the device's current secret was issued (ISO-8601), or null for an unknown or revoked device. */
  public String deviceCreatedAt(String serial) {
    Device d = serial == null ? null : contents.devices().get(serial);
    return d == null || d.revoked() ? null : d.createdAt();
  }

  /**
   * Finds the token a bearer value {@code <id>.<secret>} belongs to, if valid and not revoked. A token created a
   * moment ago by another process is found: a failed check re-reads the file first (rate-limited).
   */
  public Optional<Token> authenticateToken(String bearer) {
    Optional<Token> t = tokenMatching(bearer);
    return t.isPresent() || bearer == null || !reloadOnMiss() ? t : tokenMatching(bearer);
  }

  private Optional<Token> tokenMatching(String bearer) {
    if (bearer == null) {
      return Optional.empty();
    }
    int dot = bearer.indexOf('.');
    if (dot <= 0) {
      return Optional.empty();
    }
    Token t = contents.tokens().get(bearer.substring(0, dot));
    if (t == null || t.revoked() || !Credentials.matches(t.salt(), t.hash(), bearer.substring(dot + 1))) {
      return Optional.empty();
    }
    return Optional.of(t);
  }

  /** Registers a device (or issues a new secret to a known one) and returns the secret, shown once. */
  public String addDevice(String serial) {
    return provision(List.of(serial), Map.of()).deviceSecrets().get(serial);
  }

  /**
   * Registers many devices and tokens in one locked, fsynced rewrite of the file (load tests provision thousands;
   * one {@link #addDevice} per device would rewrite the whole file each time). Returns serial to secret and
   * bearer token to email, each shown once.
   */
  public Provisioned provision(List<String> serials, Map<String, String> tokenNameToEmail) {
    Map<String, String> secrets = new java.util.LinkedHashMap<>();
    Map<String, String> bearers = new java.util.LinkedHashMap<>();
    String now = Instant.now().toString();
    edit(c -> {
      for (String serial : serials) {
        String secret = Credentials.newSecret();
        String salt = Credentials.newSalt();
        Device old = c.devices().get(serial);
        // a new secret for a known device keeps its pairing
        c.devices().put(serial, new Device(serial, salt, Credentials.hash(salt, secret), now, false,
            old == null ? null : old.owner()));
        secrets.put(serial, secret);
      }
      for (Map.Entry<String, String> e : tokenNameToEmail.entrySet()) {
        String id = Credentials.newId();
        String secret = Credentials.newSecret();
        String salt = Credentials.newSalt();
        c.tokens().put(id, new Token(id, e.getKey(), e.getValue(), salt, Credentials.hash(salt, secret), now, false));
        bearers.put(id + "." + secret, e.getValue());
      }
    });
    return new Provisioned(secrets, bearers);
  }

  /** What {@link #provision} issued: serial to secret, bearer token to email. */
  public record Provisioned(Map<String, String> deviceSecrets, Map<String, String> tokenEmails) {}

  /** Revokes a device; returns false if unknown. */
  public boolean revokeDevice(String serial) {
    boolean[] found = {false};
    edit(c -> {
      Device d = c.devices().get(serial);
      if (d != null) {
        c.devices().put(serial, new Device(d.serial(), d.salt(), d.hash(), d.createdAt(), true, d.owner()));
        found[0] = true;
      }
    });
    return found[0];
  }

  /**
   * The normalised email of the customer an active device is paired with, or null (unknown, revoked, unpaired).
   * Serials match in any case, as erasure and curation match them: {@code ALICE-ST-1} names the device
   * {@code alice-st-1}.
   */
  public String deviceOwner(String serial) {
    return serial == null ? null : owners.get(IdentityKind.normalize(serial));
  }

  private void use(Contents c) {
    Map<String, String> o = new java.util.HashMap<>();
    for (Device d : c.devices().values()) {
      if (d.owner() != null && !d.revoked()) {
        o.put(IdentityKind.normalize(d.serial()), d.owner());
      }
    }
    owners = Map.copyOf(o);
    contents = c;
  }

  private volatile Map<String, String> owners = Map.of();

  /**
   * Pairs known devices with a customer (the operator's binding: whoever holds the device and its secret is that
   * customer); returns the serials that are not registered. Pairing again with another email moves the device.
   */
  public List<String> pairDevices(List<String> serials, String email) {
    String owner = IdentityKind.normalize(email);
    List<String> unknown = new ArrayList<>();
    edit(c -> {
      for (String serial : serials) {
        Device d = c.devices().get(serial);
        if (d == null) {
          unknown.add(serial);
        } else {
          c.devices().put(serial, d.withOwner(owner));
        }
      }
    });
    return unknown;
  }

  /**
   * Removes what the credentials file holds of forgotten people: tokens bound to a forgotten email and issued
   * before the request (deleted, so a new consent needs a newly issued token), the pairing of devices owned by a
   * forgotten email, and the record of a forgotten device issued before the request (re-provisioning issues a new
   * one). Rewrites the file only when something matched.
   *
   * @param forgottenSince when an email or serial was forgotten (null: it was not)
   * @return how many tokens and devices were removed or unpaired
   */
  public Scrubbed scrub(java.util.function.BiFunction<IdentityKind, String, Instant> forgottenSince) {
    java.util.function.Predicate<Token> token = t -> issuedBefore(t.createdAt(),
        t.email() == null ? null : forgottenSince.apply(IdentityKind.EMAIL, t.email()));
    java.util.function.Predicate<Device> device = d -> issuedBefore(d.createdAt(),
        forgottenSince.apply(IdentityKind.SERIAL, d.serial()));
    java.util.function.Predicate<Device> owner = d -> d.owner() != null
        && forgottenSince.apply(IdentityKind.EMAIL, d.owner()) != null;
    Contents now = contents;
    if (now.tokens().values().stream().noneMatch(token)
        && now.devices().values().stream().noneMatch(device.or(owner))) {
      return new Scrubbed(0, Set.of());
    }
    int[] n = {0};
    Set<String> tokenIds = new java.util.HashSet<>();
    edit(c -> {
      for (Token t : new ArrayList<>(c.tokens().values())) {
        if (token.test(t)) {
          c.tokens().remove(t.id());
          tokenIds.add(t.id());
          n[0]++;
        }
      }
      for (Device d : new ArrayList<>(c.devices().values())) {
        if (device.test(d)) {
          c.devices().remove(d.serial());
          n[0]++;
        } else if (owner.test(d)) {
          c.devices().put(d.serial(), d.withOwner(null));
          n[0]++;
        }
      }
    });
    return new Scrubbed(n[0], Set.copyOf(tokenIds));
  }

  /**
   * What a scrub changed.
   *
   * @param changed credentials removed or unpaired
   * @param removedTokens ids of the tokens removed (their idempotency records go too)
   */
  public record Scrubbed(int changed, Set<String> removedTokens) {}

  private static boolean issuedBefore(String createdAt, Instant since) {
    if (since == null) {
      return false;
    }
    try {
      return !Instant.parse(createdAt).isAfter(since);
    } catch (RuntimeException e) {
      return true; // no readable issue time: treat it as issued before
    }
  }

  /** Creates a token and returns the bearer value {@code <id>.<secret>}, shown once. */
  public String createToken(String name, String email) {
    Map<String, String> one = new java.util.HashMap<>();
    one.put(name, email); // email may be null: a service token
    return provision(List.of(), one).tokenEmails().keySet().iterator().next();
  }


  /** Revokes every token with this name or id; returns how many. */
  public int revokeToken(String nameOrId) {
    int[] n = {0};
    edit(c -> {
      for (Token t : new ArrayList<>(c.tokens().values())) {
        if (t.id().equals(nameOrId) || t.name().equals(nameOrId)) {
          c.tokens().put(t.id(), new Token(t.id(), t.name(), t.email(), t.salt(), t.hash(), t.createdAt(), true));
          n[0]++;
        }
      }
    });
    return n[0];
  }

  public List<Device> devices() {
    return List.copyOf(contents.devices().values());
  }

  public List<Token> tokens() {
    return List.copyOf(contents.tokens().values());
  }

  private void edit(java.util.function.Consumer<Contents> change) {
    use(file.edit(change));
  }
}
