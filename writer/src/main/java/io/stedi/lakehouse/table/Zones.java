package io.stedi.lakehouse.table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A set of landing zones with unique ids, names and tables; {@link #STANDARD} is the product's. */
public final class Zones {
  /** The zones this version of the product lands. */
  public static final Zones STANDARD = new Zones(List.of(Zone.CUSTOMER, Zone.ACCELEROMETER, Zone.STEP_TRAINER));

  private final List<Zone> zones;
  private final Zone[] byId = new Zone[256];

  private Zones(List<Zone> zones) {
    this.zones = List.copyOf(zones);
    for (Zone z : zones) {
      if (byId[z.walId()] != null) {
        throw new IllegalArgumentException("zone id " + z.walId() + " used by " + byId[z.walId()] + " and " + z);
      }
      for (Zone o : zones) {
        if (o != z && (o.cliName().equals(z.cliName()) || o.landingTable().equals(z.landingTable()))) {
          throw new IllegalArgumentException("zones " + o + " and " + z + " share a name or table");
        }
      }
      byId[z.walId()] = z;
    }
  }

  /** These zones and one more. */
  public Zones with(Zone extra) {
    List<Zone> l = new ArrayList<>(zones);
    l.add(extra);
    return new Zones(l);
  }

  /** The zones, in declaration order. */
  public List<Zone> list() {
    return zones;
  }

  /** The zone with this stable id; fails on an id this version does not know (a log of a newer version). */
  public Zone byWalId(int id) {
    Zone z = id >= 0 && id < byId.length ? byId[id] : null;
    if (z == null) {
      throw new IllegalArgumentException("unknown zone id " + id + " (written by a newer version?)");
    }
    return z;
  }

  /** The zone with this CLI name (dashes accepted). */
  public Zone byName(String s) {
    String n = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (Zone z : zones) {
      if (z.cliName().equals(n)) {
        return z;
      }
    }
    throw new IllegalArgumentException("unknown zone '" + s + "': expected one of "
        + String.join(", ", zones.stream().map(Zone::cliName).toList()));
  }
}
