package io.stedi.lakehouse.sim.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** Jackson plumbing shared by the simulator: one mapper, and compact single-line JSON writing in a fixed order. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private Json() {}

  /** Writes one JSON value with {@code body} and returns it as a single line. */
  public static String write(IoConsumer<JsonGenerator> body) {
    StringWriter w = new StringWriter(160);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      body.accept(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  /** Rounds to 3 decimals (as the phone app reports) and never returns -0.0. */
  public static double round3(double v) {
    double r = Math.round(v * 1000.0) / 1000.0;
    return r == 0 ? 0.0 : r;
  }

  /** A consumer that may throw IOException. */
  @FunctionalInterface
  public interface IoConsumer<T> {
    void accept(T t) throws IOException;
  }
}
