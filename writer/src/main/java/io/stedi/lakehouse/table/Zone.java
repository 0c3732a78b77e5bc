package io.stedi.lakehouse.table;

import static org.apache.iceberg.types.Types.NestedField.optional;

import io.stedi.lakehouse.erasure.IdentityKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;

/**
 * A landing zone's descriptor: the one place that says what a zone's records are. Its seed fields (JSON
 * names, aliases, types, required, ranges), the landing table's name and schema, the identity columns that
 * say whose data a record is (what {@code forget} matches and what the gateway checks against the sender), the
 * columns a reading's dedup identity covers, how the gateway receives it, and the stable id the write-ahead
 * log stores. The parser, table creation, the WAL codec, dedup, erasure filters (gateway, WAL and curation),
 * drop counters, quality checks and the simulator's verifier all read it; none of them switch on a zone.
 *
 * <p>Adding a sensor type is a descriptor here (and in {@link Zones#STANDARD}), its curation SQL and its test
 * data. {@code ThrowawayZoneTest} builds one in a test and runs it through every stage.
 */
public final class Zone {
  /** A customer record from the app: who the customer is, their Step Trainer, and what they consented to. */
  public static final Zone CUSTOMER = builder(1, "customer", "customer_landing")
      .field(ZoneField.string("customerName"))
      .field(ZoneField.string("email").mandatory().emailAddress())
      .field(ZoneField.string("phone"))
      .field(ZoneField.string("birthDay"))
      .field(ZoneField.string("serialNumber").mandatory())
      .field(ZoneField.time("registrationDate").mandatory())
      .field(ZoneField.time("lastUpdateDate"))
      .field(ZoneField.time("shareWithResearchAsOfDate"))
      .field(ZoneField.time("shareWithPublicAsOfDate"))
      .field(ZoneField.time("shareWithFriendsAsOfDate"))
      .owner(IdentityKind.EMAIL, "email").identity(IdentityKind.SERIAL, "serialNumber")
      .eventTime("registrationDate").http("customers", false, true)
      .build();

  /** A phone accelerometer reading. */
  public static final Zone ACCELEROMETER = builder(2, "accelerometer", "accelerometer_landing")
      .field(ZoneField.string("user").mandatory().emailAddress())
      .field(ZoneField.time("timestamp").mandatory().alias("timeStamp"))
      .field(ZoneField.number("x", -1000.0, 1000.0).mandatory())
      .field(ZoneField.number("y", -1000.0, 1000.0).mandatory())
      .field(ZoneField.number("z", -1000.0, 1000.0).mandatory())
      .owner(IdentityKind.EMAIL, "user").eventTime("timestamp").http("accelerometer", true, false)
      .build();

  /** A Step Trainer reading: the distance from the sensor to the user's foot. */
  public static final Zone STEP_TRAINER = builder(3, "step_trainer", "step_trainer_landing")
      .field(ZoneField.time("sensorReadingTime").mandatory())
      .field(ZoneField.string("serialNumber").mandatory())
      .field(ZoneField.integer("distanceFromObject", 0, 100_000).mandatory())
      .owner(IdentityKind.SERIAL, "serialNumber").eventTime("sensorReadingTime").mqtt("step-trainer")
      .build();

  private final int walId;
  private final String name;
  private final String landingTable;
  private final List<ZoneField> fields;
  private final Map<String, Integer> index;
  private final Schema schema;
  private final IdentityKind ownerKind;
  private final String ownerColumn;
  private final Map<IdentityKind, String> identityColumns;
  private final String eventTimeColumn;
  private final List<String> dedupColumns;
  private final String httpPath;
  private final boolean httpBatch;
  private final boolean registration;
  private final String mqttTopic;

  private Zone(Builder b) {
    this.walId = b.walId;
    this.name = b.name;
    this.landingTable = b.landingTable;
    this.fields = List.copyOf(b.fields);
    Map<String, Integer> idx = new LinkedHashMap<>();
    Types.NestedField[] seed = new Types.NestedField[fields.size()];
    for (int i = 0; i < fields.size(); i++) {
      ZoneField f = fields.get(i);
      seed[i] = optional(i + 1, f.name(), f.type().iceberg());
      putUnique(idx, f.name(), i);
      f.aliases().forEach(a -> putUnique(idx, a, idx.get(f.name())));
    }
    this.index = Map.copyOf(idx);
    this.schema = LandingTables.withMeta(seed);
    this.ownerKind = Objects.requireNonNull(b.ownerKind, "a zone needs an owner column");
    this.ownerColumn = column(b.ownerColumn);
    Map<IdentityKind, String> ids = new LinkedHashMap<>(b.identities);
    ids.put(ownerKind, ownerColumn);
    ids.values().forEach(this::column);
    this.identityColumns = Collections.unmodifiableMap(ids);
    this.eventTimeColumn = column(Objects.requireNonNull(b.eventTime, "a zone needs an event-time column"));
    this.dedupColumns = b.dedup == null ? fields.stream().map(ZoneField::name).toList() : List.copyOf(b.dedup);
    dedupColumns.forEach(this::column);
    this.httpPath = b.httpPath;
    this.httpBatch = b.httpBatch;
    this.registration = b.registration;
    this.mqttTopic = b.mqttTopic;
    if (mqttTopic != null && ownerKind != IdentityKind.SERIAL) {
      throw new IllegalArgumentException("zone " + name + ": MQTT senders are devices, so its owner must be a serial");
    }
  }

  private static void putUnique(Map<String, Integer> idx, String name, int i) {
    if (idx.putIfAbsent(name, i) != null) {
      throw new IllegalArgumentException("field name " + name + " given twice");
    }
  }

  private String column(String c) {
    if (!index.containsKey(c) || !fields.get(index.get(c)).name().equals(c)) {
      throw new IllegalArgumentException("zone " + name + " has no field " + c);
    }
    return c;
  }

  /** Starts a descriptor. {@code walId} is persisted: never reuse or renumber one. */
  public static Builder builder(int walId, String name, String landingTable) {
    return new Builder(walId, name, landingTable);
  }

  /**
   * The zone's stable id in persisted formats (the write-ahead log, dedup identities). Never reuse or renumber
   * one: logs written by earlier versions name zones by it.
   */
  public int walId() {
    return walId;
  }

  /** The landing table's name inside namespace {@code stedi}. */
  public String landingTable() {
    return landingTable;
  }

  /** The name used on the command line and in quarantine rows: customer, accelerometer, step_trainer. */
  public String cliName() {
    return name;
  }

  /** The seed fields, in column order. */
  public List<ZoneField> fields() {
    return fields;
  }

  /** The column index of a JSON name or alias, or -1. */
  public int indexOf(String jsonName) {
    Integer i = index.get(jsonName);
    return i == null ? -1 : i;
  }

  /** The landing table's schema: the seed fields (ids from 1), then the {@code _stedi_*} metadata columns. */
  public Schema schema() {
    return schema;
  }

  /** The kind of identity the sender must have for this zone's records: a customer's email or a device serial. */
  public IdentityKind ownerKind() {
    return ownerKind;
  }

  /** The column that says whose record this is; the gateway checks it against the authenticated sender. */
  public String ownerColumn() {
    return ownerColumn;
  }

  /** Every column holding an identity {@code forget} must match, by kind (the owner column included). */
  public Map<IdentityKind, String> identityColumns() {
    return identityColumns;
  }

  /** The column with the reading's own time (not its arrival). */
  public String eventTimeColumn() {
    return eventTimeColumn;
  }

  /** The columns a record's dedup identity covers: two records equal in all of them are one reading. */
  public List<String> dedupColumns() {
    return dedupColumns;
  }

  /** Whether the dedup identity covers every seed column in order (then it is the whole binary row). */
  public boolean dedupOnWholeRow() {
    return dedupColumns.size() == fields.size();
  }

  /** The path under {@code /v1/} the app posts this zone to, or null when HTTP does not take it. */
  public String httpPath() {
    return httpPath;
  }

  /** Whether an HTTP post carries a JSON array of records (else exactly one object). */
  public boolean httpBatch() {
    return httpBatch;
  }

  /** Whether a record of this zone is a (re-)registration of its owner, which lifts an erasure refusal. */
  public boolean registration() {
    return registration;
  }

  /** The topic segment devices publish to ({@code stedi/<segment>/<serial>/readings}), or null. */
  public String mqttTopic() {
    return mqttTopic;
  }

  /** The standard zone with this stable id. */
  public static Zone fromWalId(int id) {
    return Zones.STANDARD.byWalId(id);
  }

  /** The standard zones. */
  public static List<Zone> values() {
    return Zones.STANDARD.list();
  }

  /** Parses a CLI zone name among the standard zones; also accepts dashes. */
  public static Zone fromCli(String s) {
    return Zones.STANDARD.byName(s);
  }

  @Override
  public String toString() {
    return name;
  }

  /** Builds a {@link Zone}. */
  public static final class Builder {
    private final int walId;
    private final String name;
    private final String landingTable;
    private final List<ZoneField> fields = new ArrayList<>();
    private final Map<IdentityKind, String> identities = new LinkedHashMap<>();
    private IdentityKind ownerKind;
    private String ownerColumn;
    private String eventTime;
    private List<String> dedup;
    private String httpPath;
    private boolean httpBatch;
    private boolean registration;
    private String mqttTopic;

    private Builder(int walId, String name, String landingTable) {
      if (walId < 1 || walId > 255) {
        throw new IllegalArgumentException("zone ids are 1..255, got " + walId);
      }
      this.walId = walId;
      this.name = name.toLowerCase(Locale.ROOT);
      this.landingTable = landingTable;
    }

    /** Adds a seed field; column order is the order of these calls. */
    public Builder field(ZoneField f) {
      fields.add(f);
      return this;
    }

    /** The identity the sender must have, and the column that holds it. */
    public Builder owner(IdentityKind kind, String column) {
      this.ownerKind = kind;
      this.ownerColumn = column;
      return this;
    }

    /** Another column holding an identity that {@code forget} must match. */
    public Builder identity(IdentityKind kind, String column) {
      identities.put(kind, column);
      return this;
    }

    /** The column with the record's own time. */
    public Builder eventTime(String column) {
      this.eventTime = column;
      return this;
    }

    /** The columns of the dedup identity (default: all seed fields). */
    public Builder dedup(String... columns) {
      this.dedup = List.of(columns);
      return this;
    }

    /** Served at {@code POST /v1/<path>}; {@code batch}: a JSON array; {@code registration}: see {@link Zone#registration()}. */
    public Builder http(String path, boolean batch, boolean registration) {
      this.httpPath = path;
      this.httpBatch = batch;
      this.registration = registration;
      return this;
    }

    /** Published by devices to {@code stedi/<segment>/<serial>/readings}. */
    public Builder mqtt(String segment) {
      this.mqttTopic = segment;
      return this;
    }

    public Zone build() {
      return new Zone(this);
    }
  }
}
