package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.ManualTimeSource;
import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.eventbus.Message;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API over a real HTTP socket, fed a clock model and a stand-in selector over the event bus. */
class ApiVerticleTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    private final ManualTimeSource clock = new ManualTimeSource(T0);
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;
    private int port;
    private long deployedNanos;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        ApiVerticle api = new ApiVerticle(clock, new MonotonicReader(), TestMesh.node(clock));
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("selectorTimeoutMillis", 300))).await();
        port = api.httpPort();
        deployedNanos = System.nanoTime();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject getJson(String path, int expectedStatus) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        return new JsonObject(response.body());
    }

    /** A clock synchronised at T0 to true time 0.3 s ahead of local, bound 2.5 ms. */
    private void publishSynchronisedModel() throws InterruptedException {
        ClockModel model = new ClockModel(new ClockModel.Correction(T0, 300_000_000L, 0, 0, 0),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0, 0.0025)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("node-s", 7, true, 2, LeapIndicator.NO_WARNING, "127.0.0.2:123", null, 0.003),
                new ClockModel.Tracking(3, 0.0001, false, 0, null), null);
        vertx.eventBus().publish(EventBusAddresses.CLOCK_MODEL, JsonObject.mapFrom(model),
                new DeliveryOptions().setLocalOnly(true));
        awaitServed(time -> "SYNCHRONIZED".equals(time.getString("status")));
    }

    /**
     * Until the time the node serves (asked on the event bus) shows a model just published: its delivery is
     * asynchronous, and a fixed pause is missed by an event loop a loaded machine holds up.
     */
    private void awaitServed(Predicate<JsonObject> applied) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> vertx.eventBus()
                .<JsonObject>request(EventBusAddresses.TIME, null).await().body(), applied);
    }

    @Test
    void timeBeforeSynchronisationIsUnsynchronisedWithoutABound() throws Exception {
        JsonObject time = getJson("/time", 200);
        assertThat(time.getString("status")).isEqualTo("UNSYNCHRONIZED");
        assertThat(time.getString("nowNs")).isEqualTo(Long.toString(T0));
        assertThat(time.getValue("earliestNs")).isNull();
        assertThat(time.getValue("errorBoundNs")).isNull();
        assertThat(time.getString("leap")).isEqualTo("unsync");
    }

    @Test
    void timeServesTheBoundedIntervalWithNanosecondStrings() throws Exception {
        publishSynchronisedModel();
        clock.advanceNanos(2 * S);
        JsonObject time = getJson("/time", 200);
        long now = T0 + 2 * S + 300_000_000L;
        // rootDelay/2 + rootDispersion + 15 ppm × 2 s, and the nanosecond each side is widened by for now's rounding
        long bound = 2_500_000L + 30_000L + 1;
        assertThat(time.getString("status")).isEqualTo("SYNCHRONIZED");
        assertThat(time.getString("nowNs")).isEqualTo(Long.toString(now));
        assertThat(time.getLong("errorBoundNs")).isEqualTo(bound);
        assertThat(time.getString("earliestNs")).isEqualTo(Long.toString(now - bound));
        assertThat(time.getString("latestNs")).isEqualTo(Long.toString(now + bound));
        assertThat(Instant.parse(time.getString("now"))).isEqualTo(Instant.ofEpochSecond(0, 0).plusNanos(now));
        assertThat(time.getString("now")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");
        assertThat(time.getInteger("stratum")).isEqualTo(2);
        assertThat(time.getString("leap")).isEqualTo("none");
    }

    /**
     * A plain GET /time is answered past the router; with a query, a trailing slash or HEAD it is the same answer, and
     * other methods are refused as on every route.
     */
    @Test
    void timeAnswersAlikeWithAndWithoutTheRouter() throws Exception {
        publishSynchronisedModel();
        JsonObject plain = getJson("/time", 200);
        for (String path : List.of("/time?x=1", "/time/")) {
            // The manual clock stands still: each reading moves now on by a nanosecond (never the same twice).
            JsonObject answer = getJson(path, 200);
            assertThat(answer.fieldNames()).as(path).isEqualTo(plain.fieldNames());
            for (String field : List.of("earliestNs", "latestNs", "status", "stratum", "leap")) {
                assertThat(answer.getValue(field)).as(path + " " + field).isEqualTo(plain.getValue(field));
            }
        }
        RawHttpExchange.Answer head = RawHttpExchange.send(port, "HEAD", "/time");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.contentType()).startsWith("application/json");
        assertThat(head.body()).isEmpty();
        for (String method : List.of("DELETE", "PUT")) {
            RawHttpExchange.Answer refused = RawHttpExchange.send(port, method, "/time");
            assertThat(refused.status()).as(method).isEqualTo(405);
            assertThat(new JsonObject(refused.body()).getString("error")).contains("not allowed");
        }
    }

    /** The clock's history is kept by the node, a point a second: what a dashboard opened later still shows. */
    @Test
    void historyServesTheClockRecordedEverySecondBoundedAndFilteredBySeconds() throws Exception {
        // A point while unsynchronised, and one synchronised: waited for, a loaded machine may run the timer late.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> getJson("/history", 200).getJsonArray("points"), p -> !p.isEmpty());
        publishSynchronisedModel();
        clock.advanceNanos(2 * S);
        JsonArray points = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> getJson("/history", 200).getJsonArray("points"), p -> "SYNCHRONIZED"
                        .equals(p.getJsonObject(p.size() - 1).getString("status")));
        long seconds = (System.nanoTime() - deployedNanos) / S;
        assertThat(points.size()).as("a point a second, %d s since the start", seconds).isBetween(2, 1 + (int) seconds);
        JsonObject first = points.getJsonObject(0);
        JsonObject last = points.getJsonObject(points.size() - 1);
        assertThat(first.getString("status")).isEqualTo("UNSYNCHRONIZED");
        assertThat(first.getValue("errorBoundNs")).isNull();
        assertThat(last.getString("status")).isEqualTo("SYNCHRONIZED");
        assertThat(last.getLong("errorBoundNs")).isPositive();
        assertThat(last.getDouble("lastOffsetSeconds")).isEqualTo(0.0001);
        assertThat(Instant.parse(last.getString("at")).toEpochMilli()).isEqualTo(last.getLong("atMs"))
                .isGreaterThanOrEqualTo((T0 + 2 * S + 300_000_000L) / 1_000_000L);
        assertThat(getJson("/history?seconds=1", 200).getJsonArray("points"))
                .allSatisfy(p -> assertThat(((JsonObject) p).getString("status")).isEqualTo("SYNCHRONIZED"));
        for (String bad : List.of("0", "3601", "x")) {
            assertThat(getJson("/history?seconds=" + bad, 400).getString("error")).contains("seconds");
        }
    }

    @Test
    void eventBusAnswersWithTheSameJson() throws Exception {
        publishSynchronisedModel();
        JsonObject reply = vertx.eventBus().<JsonObject>request(EventBusAddresses.TIME, null).await().body();
        assertThat(reply.getString("status")).isEqualTo("SYNCHRONIZED");
        assertThat(reply.fieldNames()).containsExactlyInAnyOrderElementsOf(getJson("/time", 200).fieldNames());
    }

    @Test
    void servedTimeNeverRunsBackwardsWhenTheModelStepsBack() throws Exception {
        publishSynchronisedModel();
        long before = Long.parseLong(getJson("/time", 200).getString("nowNs"));
        ClockModel back = new ClockModel(new ClockModel.Correction(T0, -700_000_000L, 0, 0, 0),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0, 0.0025)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("node-s", 8, true, 2, LeapIndicator.NO_WARNING, "127.0.0.2:123", null, 0.003),
                new ClockModel.Tracking(4, -1.0, true, 0, null), null);
        vertx.eventBus().publish(EventBusAddresses.CLOCK_MODEL, JsonObject.mapFrom(back),
                new DeliveryOptions().setLocalOnly(true));
        awaitServed(time -> time.getString("earliestNs") != null
                && Long.parseLong(time.getString("earliestNs")) <= T0 - 700_000_000L);
        JsonObject after = getJson("/time", 200);
        assertThat(Long.parseLong(after.getString("nowNs"))).isGreaterThanOrEqualTo(before);
        assertThat(Long.parseLong(after.getString("latestNs"))).isGreaterThanOrEqualTo(before);
        assertThat(Long.parseLong(after.getString("earliestNs"))).isLessThanOrEqualTo(T0 - 700_000_000L);
    }

    @Test
    void sourcesAndStatusNeedASelectorAndSaySoWithout() throws Exception {
        JsonObject sources = getJson("/sources", 503);
        assertThat(sources.getString("error")).startsWith("no active selector answered");
        JsonObject status = getJson("/status", 200);
        assertThat(status.getValue("selection")).isNull();
        assertThat(status.getString("selectionError")).startsWith("no active selector answered");
    }

    @Test
    void sourcesComeFromTheSelectorAndFilterByState() throws Exception {
        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, m -> TestMesh.answer(m, new JsonArray()
                .add(new JsonObject().put("address", "a:123").put("state", "selected"))
                .add(new JsonObject().put("address", "b:123").put("state", "falseticker")))).completion().await();
        HttpResponse<String> all = get("/sources");
        assertThat(new JsonArray(all.body())).hasSize(2);
        HttpResponse<String> liars = get("/sources?state=falseticker");
        assertThat(new JsonArray(liars.body())).singleElement()
                .satisfies(o -> assertThat(((JsonObject) o).getString("address")).isEqualTo("b:123"));
    }

    /** An uninvited member answering on the selector's address: unsealed, under another key, or for another request. */
    @Test
    void aSelectorAnswerNotSealedByAMemberForThisRequestIsNotShown() throws Exception {
        MeshAuth outsider = MeshAuth.keyed("node-s", ClusterKey.random(), clock);
        MeshAuth member = MeshAuth.keyed("node-s", TestMesh.KEY, clock);
        JsonArray lie = new JsonArray().add(new JsonObject().put("address", "evil:123").put("state", "selected"));
        List<java.util.function.Function<Message<JsonObject>, Object>> forgeries = List.of(
                m -> lie,
                m -> outsider.seal(m.address(), new JsonObject().put("nonce", TestMesh.request(m).getValue("nonce")).put("answer", lie)),
                m -> member.seal(m.address(), new JsonObject().put("nonce", 42L).put("answer", lie)),
                m -> member.seal(EventBusAddresses.SELECTOR_STATUS, new JsonObject().put("nonce", TestMesh.request(m).getValue("nonce"))
                        .put("answer", lie)));
        for (var forgery : forgeries) {
            var consumer = vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES,
                    m -> m.reply(forgery.apply(m)));
            consumer.completion().await();
            assertThat(getJson("/sources", 503).getString("error")).contains("not sealed by a member for this request");
            consumer.unregister().await();
        }
    }

    /** A keyed event-bus client's request carries a nonce: the answer is sealed with it; a plain request gets plain JSON. */
    @Test
    void eventBusTimeAnswersAreSealedWhenTheRequestCarriesANonce() throws Exception {
        publishSynchronisedModel();
        JsonObject plain = vertx.eventBus().<JsonObject>request(EventBusAddresses.TIME, new JsonObject()).await().body();
        assertThat(plain.getString("status")).isEqualTo("SYNCHRONIZED");
        Object sealed = vertx.eventBus().request(EventBusAddresses.TIME, new JsonObject().put("nonce", 7L)).await().body();
        MeshAuth client = MeshAuth.keyed("client", TestMesh.KEY, clock);
        assertThat(client.openReply(EventBusAddresses.TIME, EventBusAddresses.TIME, null, 7L, sealed))
                .hasValueSatisfying(body -> assertThat(body.getString("status")).isEqualTo("SYNCHRONIZED"));
        assertThat(client.openReply(EventBusAddresses.TIME, EventBusAddresses.TIME, null, 8L, sealed)).isEmpty();
    }

    @Test
    void statusCombinesTrackingAndTheSelectorsDecisions() throws Exception {
        publishSynchronisedModel();
        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS, m -> TestMesh.answer(m, new JsonObject()
                .put("selectorNode", "node-s").put("decisions", new JsonArray().add(new JsonObject()
                        .put("wanted", TestMesh.request(m).getInteger("decisions")))))).completion().await();
        JsonObject status = getJson("/status?decisions=3", 200);
        assertThat(status.getString("status")).isEqualTo("SYNCHRONIZED");
        assertThat(status.getString("systemPeer")).isEqualTo("127.0.0.2:123");
        assertThat(status.getDouble("frequencyPpm")).isZero();
        assertThat(status.getDouble("rootDelaySeconds")).isEqualTo(0.003);
        assertThat(status.getDouble("boundGrowthPpm")).isEqualTo(15.0);
        assertThat(status.getJsonObject("selection").getString("selectorNode")).isEqualTo("node-s");
        assertThat(status.getJsonObject("selection").getJsonArray("decisions").getJsonObject(0).getInteger("wanted"))
                .isEqualTo(3);
    }

    @Test
    void healthFlipsWithSynchronisationAndTheSelector() throws Exception {
        assertThat(getJson("/health/live", 200).getString("status")).isEqualTo("UP");
        JsonObject notReady = getJson("/health/ready", 503);
        assertThat(notReady.getString("status")).isEqualTo("DOWN");
        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS,
                m -> TestMesh.answer(m, new JsonObject().put("selectorNode", "node-s"))).completion().await();
        publishSynchronisedModel();
        // The discipline follows another leader's authenticated references: node-s is an impostor.
        var mesh = vertx.eventBus().<JsonObject>localConsumer(EventBusAddresses.MESH_STATUS,
                m -> m.reply(new JsonObject().put("leader", "node-x")));
        mesh.completion().await();
        JsonObject impostor = getJson("/health/ready", 503);
        assertThat(impostor.encode()).contains("selector node-s answers, but the authenticated references come from node-x");
        mesh.unregister().await();
        vertx.eventBus().<JsonObject>localConsumer(EventBusAddresses.MESH_STATUS,
                m -> m.reply(new JsonObject().put("leader", "node-s"))).completion().await();
        assertThat(getJson("/health/ready", 200).getString("status")).isEqualTo("UP");
        clock.advanceNanos(11 * S); // holdover: still ready while the bound is within 100 ms
        assertThat(getJson("/health/ready", 200).getString("status")).isEqualTo("UP");
        clock.advanceNanos(10_000 * S); // 15 ppm × 10,000 s = 150 ms: past the limit
        JsonObject tooWide = getJson("/health/ready", 503);
        assertThat(tooWide.encode()).contains("\"limitSeconds\":0.1");
    }

    /** Found by HttpParameterFuzzProperties: these were a plain-text 400, logged by vertx-web at ERROR. */
    @Test
    void queriesWhoseEscapesDoNotDecodeGetJsonErrors() throws Exception {
        for (String target : List.of("/sources?state=%", "/status?decisions=%G1", "/status?x=%&decisions=3")) {
            RawHttpExchange.Answer answer = RawHttpExchange.send(port, "GET", target);
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.contentType()).startsWith("application/json");
            assertThat(new JsonObject(answer.body()).getString("error")).startsWith("bad request: ");
        }
    }

    @Test
    void badRequestsGetJsonErrors() throws Exception {
        assertThat(getJson("/nope", 404).getString("error")).contains("/nope");
        assertThat(getJson("/sources?state=liar", 400).getString("error")).contains("state must be one of");
        assertThat(getJson("/status?decisions=abc", 400).getString("error")).contains("decisions must be");
        assertThat(getJson("/status?decisions=65", 400).getString("error")).contains("0 to 64");
        // "٥" (Arabic-Indic five): Integer.parseInt read it as 5; found by HttpParameterFuzzProperties.
        assertThat(getJson("/status?decisions=%D9%A5", 400).getString("error")).contains("decisions must be");
        assertThat(getJson("/status?decisions=%2B0000000000007", 200).getString("status")).isEqualTo("UNSYNCHRONIZED");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/time"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(new JsonObject(post.body()).getString("error")).contains("not allowed");
    }
}
