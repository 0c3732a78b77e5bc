package io.stedi.lakehouse.sim.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.stedi.lakehouse.sim.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The provisioned credentials {@code sim run} uses, as JSON:
 * {@code {"devices":[{"serial":"...","secret":"..."}],"tokens":[{"token":"...","email":"..."}]}}. Provision them
 * beforehand with {@code bin/stedi devices add SERIAL} (prints the secret) and
 * {@code bin/stedi tokens create NAME --email EMAIL} (prints the token).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SimCredentials(List<Device> devices, List<Token> tokens) {

  public SimCredentials {
    devices = devices == null ? List.of() : List.copyOf(devices);
    tokens = tokens == null ? List.of() : List.copyOf(tokens);
  }

  /** A Step Trainer: MQTT user name = serial, password = secret. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Device(String serial, String secret) {}

  /** A phone app install: a bearer token bound to the customer's email. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Token(String token, String email) {}

  /** Reads and checks a credentials file. */
  public static SimCredentials read(Path file) {
    SimCredentials c;
    try {
      c = Json.MAPPER.readValue(Files.readAllBytes(file), SimCredentials.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("--credentials " + file + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < c.devices().size(); i++) {
      Device d = c.devices().get(i);
      if (d == null || d.serial() == null || d.serial().isBlank() || d.secret() == null) {
        throw new IllegalArgumentException("--credentials " + file + ": devices[" + i + "] needs serial and secret");
      }
    }
    for (int i = 0; i < c.tokens().size(); i++) {
      Token t = c.tokens().get(i);
      if (t == null || t.token() == null || t.token().isBlank() || t.email() == null || t.email().indexOf('@') <= 0) {
        throw new IllegalArgumentException("--credentials " + file + ": tokens[" + i + "] needs token and email");
      }
    }
    return c;
  }

  /** Writes the file (tests and provisioning scripts). */
  public void write(Path file) {
    try {
      Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
