package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in Debian's headless Chromium, driven by its chromedriver: the page must draw one bar
 * per answering source, the highlighted agreed region, name the falseticker, list every configured source
 * (the mute one too, with why), and show the history the node kept before the page opened on a 24-hour
 * ISO time axis. A missing browser fails the test (CI installs chromium and chromium-driver). The
 * screenshot is kept as target/dashboard.png.
 */
@Tag("slow")
class DashboardTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final MonotonicTimescale local = new MonotonicTimescale();
    private final List<SimulatedNtpServer> servers = new ArrayList<>();
    private TimemeshNode node;
    private ChromeDriver browser;

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (node != null) {
            node.stop().await();
        }
        servers.forEach(SimulatedNtpServer::close);
    }

    @Test
    void dashboardDrawsEverySourceTheAgreedRegionTheFalsetickerAndTheNodesHistory() throws Exception {
        for (int i = 1; i <= 4; i++) {
            servers.add(SimulatedNtpServer.start("127.0.6." + i, local, ServerBehaviour.truthful().withOffset(0.3)
                    .withDelays(Duration.ofMillis(i), Duration.ofMillis(5 - i))));
        }
        SimulatedNtpServer liar = SimulatedNtpServer.start("127.0.6.5", local, ServerBehaviour.truthful().withOffset(0.33));
        servers.add(liar);
        SimulatedNtpServer mute = SimulatedNtpServer.start("127.0.6.6", local,
                ServerBehaviour.truthful().withFault(ServerBehaviour.Fault.SILENT));
        servers.add(mute);
        node = TimemeshNode.start(new NodeConfig(new JsonObject().put("nodeName", "dash")
                        .put("sources", new JsonArray(servers.stream().map(SimulatedNtpServer::hostPort).toList()))
                        .put("pollSeconds", 1).put("httpHost", "127.0.0.1").put("httpPort", 0)
                        .put("sampler", new JsonObject().put("timeoutMillis", 500))),
                local, HostResolver.IP_LITERALS_ONLY).await();
        TimeUnit.SECONDS.sleep(5); // history the node keeps before anyone looks

        assertThat(Path.of(CHROMIUM)).as("Debian's chromium (scripts/install-test-deps installs it)").exists();
        assertThat(Path.of(CHROMEDRIVER)).as("Debian's chromium-driver").exists();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                "--user-data-dir=" + Files.createTempDirectory("chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(Path.of(CHROMEDRIVER).toFile())
                .build(), options);
        browser.get("http://127.0.0.1:" + node.httpPort() + "/");

        JavascriptExecutor js = browser;
        try {
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> Boolean.TRUE.equals(js.executeScript(
                    "const c = window.timemeshCharts && window.timemeshCharts.intervals;"
                            + "return !!c && c.sourceBars === 5 && c.region !== null"
                            + " && document.querySelectorAll('#falsetickers li.falseticker').length === 1"
                            + " && document.querySelectorAll('#sources tr.source').length === 6"
                            + " && !!document.querySelector('#sources tr.source[data-state=unreachable]')")));
        } catch (TimeoutException e) {
            saveScreenshot();
            throw new AssertionError("the dashboard did not show 5 bars, 6 sources (one unreachable), the region and the"
                    + " falseticker; browser log: "
                    + browser.manage().logs().get(LogType.BROWSER).getAll(), e);
        }

        assertThat(((Number) js.executeScript("return window.timemeshCharts.intervals.sourceBars")).intValue()).isEqualTo(5);
        @SuppressWarnings("unchecked")
        List<Number> region = (List<Number>) js.executeScript("return window.timemeshCharts.intervals.region");
        assertThat(region.get(0).doubleValue()).isLessThan(0.3).isGreaterThan(0.29);
        assertThat(region.get(1).doubleValue()).isGreaterThan(0.3).isLessThan(0.31);
        @SuppressWarnings("unchecked")
        List<String> labels = (List<String>) js.executeScript("return window.timemeshCharts.intervals.data.labels");
        assertThat(labels).hasSize(7).anyMatch(l -> l.startsWith("chosen region (4 of 6)"));
        // The history came from the node: the page's first answer held the seconds before it opened.
        assertThat(((Number) js.executeScript("return window.timemeshCharts.history.fromNode")).intValue())
                .isGreaterThanOrEqualTo(4);
        @SuppressWarnings("unchecked")
        List<String> times = (List<String>) js.executeScript("return window.timemeshCharts.history.data.labels");
        assertThat(times).allMatch(t -> t.matches("([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d"), "ISO 8601, 24-hour");
        assertThat((String) js.executeScript("return window.timemeshCharts.history.options.scales.x.title.text"))
                .contains("UTC", "24-hour");
        // The page redraws its tables every poll, so a row read element by element can go stale between two
        // reads: one script takes the rows, the falsetickers and the status from the same drawing.
        @SuppressWarnings("unchecked")
        Map<String, Object> page = (Map<String, Object>) js.executeScript(
                "return {rows: Array.from(document.querySelectorAll('#sources tr.source')).map(r => ({"
                        + " text: r.innerText, state: r.getAttribute('data-state'),"
                        + " auth: r.querySelectorAll('td')[2].innerText})),"
                        + " falsetickers: Array.from(document.querySelectorAll('#falsetickers li.falseticker'))"
                        + ".map(li => li.innerText),"
                        + " status: document.getElementById('status').innerText};");
        @SuppressWarnings("unchecked")
        List<Map<String, String>> sources = (List<Map<String, String>>) page.get("rows");
        assertThat(sources).hasSize(6);
        Map<String, String> silent = sources.stream().filter(r -> r.get("text").startsWith(mute.hostPort()))
                .findFirst().orElseThrow();
        assertThat(silent.get("state")).isEqualTo("unreachable");
        assertThat(silent.get("text")).contains("timeout"); // why: its exchanges time out
        // The auth column: plain NTP sources here (NTS ones show NTS:cookies, as NtsSourceNodeTest checks the CLI).
        assertThat(silent.get("auth")).isEqualTo("–");
        @SuppressWarnings("unchecked")
        List<String> falsetickers = (List<String>) page.get("falsetickers");
        assertThat(falsetickers).singleElement().satisfies(li -> assertThat(li).startsWith(liar.hostPort()));
        assertThat(page.get("status")).isEqualTo("SYNCHRONIZED");

        new WebDriverWait(browser, Duration.ofSeconds(15)).until(b -> ((Number) js.executeScript(
                "return window.timemeshCharts.history.data.labels.length")).intValue() >= 8); // a little history
        saveScreenshot();
    }

    private void saveScreenshot() throws IOException {
        Path screenshot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.createDirectories(Path.of("target"));
        Files.copy(screenshot, Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
