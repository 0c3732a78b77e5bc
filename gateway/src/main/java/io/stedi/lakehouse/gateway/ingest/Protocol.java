package io.stedi.lakehouse.gateway.ingest;

/** How a payload reached the gateway. */
public enum Protocol {
  /** The gateway's own MQTT listener: a device connected to it. */
  MQTT("mqtt", "mqtt"),
  /** Bridge mode: a message taken from an external broker's shared subscription. */
  BRIDGE("bridge", "mqtt"),
  /** The app's HTTPS API. */
  HTTPS("https", "https");

  private final String label;
  private final String source;

  Protocol(String label, String source) {
    this.label = label;
    this.source = source;
  }

  /** The name in metrics labels, quarantine rows and delivery keys. */
  public String label() {
    return label;
  }

  /** What the landing rows' {@code _stedi_source} says: the wire protocol the sender spoke. */
  public String source() {
    return source;
  }
}
