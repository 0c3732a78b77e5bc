package io.stedi.lakehouse.sim.generate;

import com.fasterxml.jackson.databind.JsonNode;
import io.stedi.lakehouse.sim.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helper: the parsed lines of generated landing files. */
final class GeneratedFiles {
  final List<JsonNode> customers;
  final List<JsonNode> accelerometer;
  final List<JsonNode> stepTrainer;
  final List<String> customerLines;

  GeneratedFiles(Path dir) {
    customerLines = lines(dir.resolve(LandingFiles.CUSTOMER_FILE));
    customers = parse(customerLines);
    accelerometer = parse(lines(dir.resolve(LandingFiles.ACCELEROMETER_FILE)));
    stepTrainer = parse(lines(dir.resolve(LandingFiles.STEP_TRAINER_FILE)));
  }

  static List<String> lines(Path f) {
    try {
      return Files.readAllLines(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<JsonNode> parse(List<String> lines) {
    List<JsonNode> out = new ArrayList<>();
    for (String l : lines) {
      try {
        out.add(Json.MAPPER.readTree(l));
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + l, e);
      }
    }
    return out;
  }

  static long accelTime(JsonNode n) {
    return n.has("timestamp") ? n.get("timestamp").asLong() : n.get("timeStamp").asLong();
  }
}
