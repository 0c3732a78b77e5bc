// Baseline for bench/load-bench.sh: parse every line of a JSON-lines file with plain Jackson and nothing else.
// Run with the writer's classpath: java -cp "writer/target/lib/*" bench/JacksonParseOnly.java FILE [tree|stream]
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public class JacksonParseOnly {
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String mode = args.length > 1 ? args[1] : "tree";
    ObjectMapper mapper = new ObjectMapper();
    JsonFactory factory = new JsonFactory();
    long start = System.nanoTime();
    long lines = 0;
    long checksum = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (mode.equals("tree")) {
          JsonNode n = mapper.readTree(line);
          checksum += n.size();
        } else {
          try (JsonParser p = factory.createParser(line)) {
            while (p.nextToken() != null) {
              checksum++;
            }
          }
        }
        lines++;
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf("mode=%s lines=%d seconds=%.2f rows_per_s=%.0f checksum=%d%n", mode, lines, secs, lines / secs, checksum);
  }
}
