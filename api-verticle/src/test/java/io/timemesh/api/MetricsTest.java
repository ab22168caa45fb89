package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.ManualTimeSource;
import io.timemesh.core.time.OffsetInterval;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GET /metrics scraped and parsed as Prometheus text: timemesh's series, Vert.x's and the JVM's. */
class MetricsTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;
    /** The API's wait for the selector's answer, ms: ten times the late answer's 100 ms. */
    private static final int SELECTOR_TIMEOUT_MILLIS = 1_000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    /** Series name with labels → value, from the text exposition format. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> series = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return series;
    }

    @Test
    void metricsCarryTheClockTheReferenceTheSourcesAndVertxItself() throws Exception {
        vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
                .setEnabled(true).setJvmMetricsEnabled(true))).withMetrics(HttpRequestMeters.factory(registry)).build();
        AtomicInteger asked = new AtomicInteger();
        // The first scrape's ask only: later ones go unanswered, so the sample age below is the received one grown.
        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, m -> {
            if (asked.getAndIncrement() == 0) {
                TestMesh.answer(m, new JsonArray().add(new JsonObject().put("address", "127.0.5.1:123")
                        .put("state", "selected").put("offsetNs", 300_000_000L).put("delayNs", 4_000_000L)
                        .put("jitterNs", 100_000L).put("rootDistanceNs", 3_000_000L).put("reach", 255)
                        .put("lastSampleAgeSeconds", 3.0)));
            }
        }).completion().await();
        ManualTimeSource clock = new ManualTimeSource(T0);
        ApiVerticle api = new ApiVerticle(clock, new MonotonicReader(), TestMesh.node(clock), registry);
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0))).await();
        ClockModel model = new ClockModel(new ClockModel.Correction(T0, 300_000_000L, 2e-6, 0, 0),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0, 0.0025)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("sel", 7, true, 2, LeapIndicator.NO_WARNING, "127.0.5.1:123", null, 0.003),
                new ClockModel.Tracking(3, 0.0001, false, 0, null), null);
        vertx.eventBus().publish(EventBusAddresses.CLOCK_MODEL, JsonObject.mapFrom(model),
                new DeliveryOptions().setLocalOnly(true));
        vertx.eventBus().publish(EventBusAddresses.REFERENCE_APPLIED, JsonObject.mapFrom(new Reference(new Reference.Identity("sel", 1, T0, T0),
                Reference.Status.MAJORITY, 0.3, new OffsetInterval(0.297, 0.303), new OffsetInterval(0.299, 0.301),
                new Reference.Vote(4, 5, List.of("a", "b", "c", "d"), List.of("e"), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", null, 0.003))));
        // The reference applied (published, so seen a little later): waited for, not slept on, on a loaded machine.
        Map<String, Double> series = await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> parse(scrape(api)), scraped -> scraped.containsKey("timemesh_source_reach{source=\"127.0.5.1:123\"}")
                        && Double.valueOf(4.0).equals(scraped.get("timemesh_reference_survivors")));
        assertThat(series.get("timemesh_clock_error_bound_seconds")).isCloseTo(0.0025, within(1e-6));
        assertThat(series.get("timemesh_clock_status{status=\"SYNCHRONIZED\"}")).isEqualTo(1.0);
        assertThat(series.get("timemesh_clock_status{status=\"HOLDOVER\"}")).isEqualTo(0.0);
        assertThat(series.get("timemesh_clock_frequency_offset_ratio")).isEqualTo(2e-6);
        assertThat(series.get("timemesh_reference_interval_width_seconds")).isCloseTo(0.006, within(1e-12));
        assertThat(series.get("timemesh_reference_survivors")).isEqualTo(4.0);
        assertThat(series.get("timemesh_reference_falsetickers")).isEqualTo(1.0);
        assertThat(series.get("timemesh_source_offset_seconds{source=\"127.0.5.1:123\"}")).isCloseTo(0.3, within(1e-12));
        assertThat(series.get("timemesh_source_delay_seconds{source=\"127.0.5.1:123\"}")).isCloseTo(0.004, within(1e-12));
        assertThat(series.get("timemesh_source_reach{source=\"127.0.5.1:123\"}")).isEqualTo(255.0);
        assertThat(series.get("timemesh_source_last_sample_age_seconds{source=\"127.0.5.1:123\"}")).isEqualTo(3.0);
        clock.advanceNanos(1_500_000_000L); // the sample ages between the selector's answers
        assertThat(registry.get("timemesh_source_last_sample_age_seconds").tag("source", "127.0.5.1:123").gauge()
                .value()).isCloseTo(4.5, within(1e-9));
        assertThat(series.get("timemesh_source_state{source=\"127.0.5.1:123\",state=\"selected\"}")).isEqualTo(1.0);
        assertThat(series.get("timemesh_source_state{source=\"127.0.5.1:123\",state=\"falseticker\"}")).isEqualTo(0.0);
        assertThat(series.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
        assertThat(series.keySet()).anyMatch(k -> k.startsWith("vertx_eventbus_"));
        assertThat(series.keySet()).anyMatch(k -> k.startsWith("vertx_http_server_"));
    }

    /**
     * The per-source gauges are asked of the selector when a scrape is due, not on a timer (issue 14: the views of
     * 1,000 sources every 2 s were a tenth of a sampling node's CPU): none asked before the first scrape; scrapes
     * arriving while an ask is pending wait for it and share it; a scrape within 2 s of an ask reuses its views; a
     * selector that does not answer delays the scrape by the API's selector timeout, no more, and the scrape still
     * answers with the views last received.
     */
    @Test
    void sourcesAreAskedForAtTheScrapeNotOnATimer() throws Exception {
        vertx = Vertx.vertx();
        AtomicInteger asked = new AtomicInteger();
        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, m -> {
            if (asked.incrementAndGet() == 1) { // answered 100 ms late, well within the 1 s wait: scrapes wait for it
                vertx.setTimer(100, id -> TestMesh.answer(m, new JsonArray().add(new JsonObject()
                        .put("address", "127.0.5.2:123").put("state", "selected").put("reach", 255))));
            } // later asks go unanswered: a selector gone
        }).completion().await();
        ApiVerticle api = deploy();
        Thread.sleep(2_500); // longer than the timer that asked every 2 s before
        assertThat(asked).as("asks before any scrape").hasValue(0);

        long sent = System.nanoTime(); // before the ask
        var first = http.sendAsync(metricsRequest(api), HttpResponse.BodyHandlers.ofString());
        var second = http.sendAsync(metricsRequest(api), HttpResponse.BodyHandlers.ofString());
        for (var scraped : List.of(first.get(10, TimeUnit.SECONDS), second.get(10, TimeUnit.SECONDS))) {
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(parse(scraped.body()).get("timemesh_source_reach{source=\"127.0.5.2:123\"}"))
                    .as("the scrape's own ask, answered").isEqualTo(255.0);
        }
        long answered = System.nanoTime(); // after the ask
        assertThat(asked).as("two scrapes at once, one ask").hasValue(1);
        TimeUnit.NANOSECONDS.sleep(Math.max(0, sent + 1_100_000_000L - System.nanoTime()));
        scrape(api); // a new scrape (the last is over 1 s old)
        if (System.nanoTime() - sent < 1_900_000_000L) { // else a stalled machine took it past the views' 2 s
            assertThat(asked).as("a scrape within 2 s of the ask reuses its views").hasValue(1);
        }

        TimeUnit.NANOSECONDS.sleep(Math.max(0, answered + 2_100_000_000L - System.nanoTime()));
        int asks = asked.get();
        long started = System.nanoTime();
        Map<String, Double> unanswered = parse(scrape(api));
        assertThat(asked).as("views over 2 s old asked for again").hasValue(asks + 1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("waited for the selector's timeout only")
                .isGreaterThanOrEqualTo(Duration.ofMillis(SELECTOR_TIMEOUT_MILLIS)).isLessThan(Duration.ofSeconds(5));
        assertThat(unanswered.get("timemesh_source_reach{source=\"127.0.5.2:123\"}")).as("the views last received")
                .isEqualTo(255.0);
    }

    /**
     * A node with no selector's handler (a single node before its selector leads, or one without the role): the
     * ask fails at once, inside the request, and every later scrape is still a new one, not the first one's text.
     */
    @Test
    void scrapesGoOnWhereNoSelectorAnswers() throws Exception {
        vertx = Vertx.vertx();
        ApiVerticle api = deploy();
        assertThat(parse(scrape(api)).get("timemesh_reference_survivors")).isZero();
        vertx.eventBus().publish(EventBusAddresses.REFERENCE_APPLIED, JsonObject.mapFrom(new Reference(
                new Reference.Identity("sel", 1, T0, T0), Reference.Status.MAJORITY, 0.3, new OffsetInterval(0.297, 0.303),
                new OffsetInterval(0.299, 0.301), new Reference.Vote(4, 5, List.of("a", "b", "c", "d"), List.of("e"),
                List.of()), new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", null, 0.003))));
        Map<String, Double> later = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                .until(() -> parse(scrape(api)), scraped -> Double.valueOf(4.0).equals(scraped.get(
                        "timemesh_reference_survivors")));
        assertThat(later).doesNotContainKey("timemesh_source_reach{source=\"127.0.5.2:123\"}");
    }

    private ApiVerticle deploy() {
        ManualTimeSource clock = new ManualTimeSource(T0);
        ApiVerticle api = new ApiVerticle(clock, new MonotonicReader(), TestMesh.node(clock), registry);
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("selectorTimeoutMillis", SELECTOR_TIMEOUT_MILLIS))).await();
        return api;
    }

    private static HttpRequest metricsRequest(ApiVerticle api) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.httpPort() + "/metrics")).build();
    }

    private String scrape(ApiVerticle api) throws Exception {
        HttpResponse<String> response = http.send(metricsRequest(api), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
