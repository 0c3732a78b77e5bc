package io.stedi.lakehouse.sim.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stedi.lakehouse.catalog.Catalogs;
import io.stedi.lakehouse.config.ConfigSources;
import io.stedi.lakehouse.config.LakehouseConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * {@code bin/stedi report} on the bundled example data, opened in headless Chromium: the numbers the page shows
 * are the rows the tables hold (counted here by reading every row, not from the summaries the report uses), the
 * charts are drawn, and the console is clean.
 */
class ReportInBrowserIT {
  private static final Path STEDI = Path.of("..", "bin", "stedi");

  @TempDir
  Path dir;

  private void stedi(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(STEDI.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", args) + ": " + Files.readString(dir.resolve("out.txt"))).isZero();
  }

  @Test
  void theReportShowsWhatTheTablesHold() throws Exception {
    assumeTrue(Browser.available(), "chromium and chromium-driver are not installed (.ci/run installs them)");
    Path home = dir.resolve("home");
    for (String zone : List.of("customer", "accelerometer", "step_trainer")) {
      stedi("load", zone, Path.of("..", "examples", "landing", zone).toString(), "--home", home.toString(), "--no-progress");
    }
    stedi("curate", "--home", home.toString());
    Path html = dir.resolve("report.html");
    stedi("report", "--home", home.toString(), "--out", html.toString());
    assertThat(Files.readString(html)).doesNotContain("http://", "https://", "<script", "src=");

    Map<String, Long> counted = countEveryTable(home);
    try (Browser b = new Browser()) {
      b.driver.get(html.toUri().toString());
      for (Map.Entry<String, Long> e : counted.entrySet()) {
        WebElement cell = b.driver.findElement(By.cssSelector("td[data-rows='" + e.getKey() + "']"));
        assertThat(number(cell.getText())).as("rows of %s on the page", e.getKey()).isEqualTo(e.getValue());
      }
      List<WebElement> bars = b.driver.findElements(By.cssSelector("svg#funnel g.bar"));
      assertThat(bars).extracting(g -> g.getAttribute("data-label")).contains("customer_trusted",
          "accelerometer_trusted", "machine_learning_curated");
      for (WebElement g : bars) {
        assertThat(Long.parseLong(g.getAttribute("data-value"))).isEqualTo(counted.get(g.getAttribute("data-label")));
        assertThat(g.findElement(By.tagName("rect")).getSize().getWidth() > 0 || counted.get(g.getAttribute("data-label")) == 0)
            .isTrue();
      }
      assertThat(b.driver.findElements(By.cssSelector("svg#landed polyline.series"))).hasSize(3);
      assertThat(b.driver.findElements(By.cssSelector("svg#drops g.bar"))).isNotEmpty();
      WebElement quality = b.driver.findElement(By.id("quality-summary"));
      assertThat(b.driver.findElements(By.cssSelector("table#quality tr"))).hasSize(
          Integer.parseInt(quality.getAttribute("data-checks")) + 1);
      assertThat(b.driver.findElement(By.id("curation-lag")).getText()).contains("include every landed reading");
      assertThat(b.consoleErrors()).isEmpty();
      b.screenshot("report");
    }
  }

  /** Every table's rows, read row by row (deletes applied by the reader). */
  private static Map<String, Long> countEveryTable(Path home) throws Exception {
    LakehouseConfig config = LakehouseConfig.from(ConfigSources.defaults()
        .withOverrides(Map.of(LakehouseConfig.HOME.name(), home.toString())));
    Map<String, Long> counts = new LinkedHashMap<>();
    Catalog catalog = Catalogs.open(config);
    try {
      for (TableIdentifier id : catalog.listTables(Namespace.of("stedi"))) {
        Table t = catalog.loadTable(id);
        long n = 0;
        try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
          for (Record ignored : rows) {
            n++;
          }
        }
        counts.put(id.name(), n);
      }
    } finally {
      if (catalog instanceof AutoCloseable c) {
        c.close();
      }
    }
    assertThat(counts).containsKeys("customer_trusted", "machine_learning_curated");
    assertThat(counts.get("customer_trusted")).isPositive();
    return counts;
  }

  private static long number(String text) {
    return Long.parseLong(text.replace(",", "").strip());
  }
}
