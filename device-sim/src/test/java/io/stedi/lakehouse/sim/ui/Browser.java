package io.stedi.lakehouse.sim.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven through its chromedriver (both from {@code .ci/run}): the pages are checked
 * as a person's browser renders them, console included.
 */
final class Browser implements AutoCloseable {
  static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
  static final File CHROMIUM = new File("/usr/bin/chromium");

  final ChromeDriver driver;

  Browser() {
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM);
    o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2400",
        // the pages must not need the network: a request to anywhere but loopback fails the page's checks
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    o.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
        .usingAnyFreePort().build();
    driver = new ChromeDriver(service, o);
  }

  static boolean available() {
    return CHROMEDRIVER.canExecute() && CHROMIUM.canExecute();
  }

  /** The console's errors since the last call (a page that loads something it cannot reach logs one). */
  List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
  }

  /** Saves what the browser shows under {@code target/screenshots/NAME.png}. */
  Path screenshot(String name) throws java.io.IOException {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Path png = dir.resolve(name + ".png");
    Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
    assertThat(Files.size(png)).isPositive();
    return png;
  }

  @Override
  public void close() {
    driver.quit();
  }
}
