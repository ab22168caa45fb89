package io.timemesh.api;

import io.timemesh.core.message.SourceState;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.ManualTimeSource;
import io.timemesh.core.time.OffsetInterval;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Adversarial HTTP requests against a real {@link ApiVerticle} on a loopback socket, sent byte for byte: every
 * request is answered or its connection closed within {@link RawHttpExchange#ANSWER_LIMIT_MILLIS}, never with a
 * 5xx, every 4xx of ours is JSON with an "error", and /sources and /status apply their documented parameter
 * rules. A fuzz suite: its tries come from jqwik.tries.default (src/test/resources/junit-platform.properties in
 * CI, raised by bench/fuzz.sh).
 */
class HttpParameterFuzzProperties {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    private static Vertx vertx;
    private static int port;
    /** Exceptions no handler caught, reported to Vert.x instead. */
    private static final Queue<Throwable> ESCAPED = new ConcurrentLinkedQueue<>();

    /** One server for the whole suite, synchronised, with a selector that always answers. */
    @BeforeContainer
    static void deploy() throws Exception {
        vertx = Vertx.vertx();
        vertx.exceptionHandler(ESCAPED::add);
        fakeSelector();
        ApiVerticle api = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0))).await();
        port = api.httpPort();
        ClockModel synchronised = new ClockModel(new ClockModel.Correction(T0, 300_000_000L, 0, 0, 0),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0, 0.0025)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("node-s", 7, true, 2, LeapIndicator.NO_WARNING, "127.0.0.2:123", null, 0.003),
                new ClockModel.Tracking(3, 0.0001, false, 0, null), null);
        vertx.eventBus().publish(EventBusAddresses.CLOCK_MODEL, JsonObject.mapFrom(synchronised),
                new DeliveryOptions().setLocalOnly(true));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!send("GET", "/time", List.of()).body().contains("\"status\":\"SYNCHRONIZED\"")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the clock model never reached the API");
            }
            Thread.sleep(10); // the model travels the event bus; /health/ready needs it
        }
    }

    /** One source in every state; decisions echo how many were asked for. */
    private static void fakeSelector() {
        JsonArray sources = new JsonArray(SourceState.labels().stream()
                .map(state -> new JsonObject().put("address", state + ":123").put("state", state)).toList());
        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, m -> TestMesh.answer(m, sources))
                .completion().await();
        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS, m -> TestMesh.answer(m, new JsonObject()
                .put("selectorNode", "node-s").put("wanted", TestMesh.request(m).getInteger("decisions")))).completion().await();
        // The node's discipline follows node-s's authenticated references: ready.
        vertx.eventBus().<JsonObject>localConsumer(EventBusAddresses.MESH_STATUS,
                m -> m.reply(new JsonObject().put("leader", "node-s"))).completion().await();
    }

    @AfterContainer
    static void stillServesTimeAfterTheRun() throws Exception {
        try {
            assertThat(send("GET", "/time", List.of()).status()).isEqualTo(200);
            assertThat(ESCAPED).isEmpty();
        } finally {
            vertx.close().await();
        }
    }

    @Property
    void sourcesAndStatusApplyTheirParameterRules(@ForAll("parameterRoutes") String path,
                                                  @ForAll("queries") List<QueryParam> query) throws Exception {
        RawHttpExchange.Answer answer = send("GET", path, query);
        assertAnsweredWithoutServerError("GET", answer);
        assertThat(answer.status()).as(answer.body())
                .isEqualTo(ApiRules.expectedStatus("GET", path, query).orElseThrow());
        if (answer.status() == 200) {
            assertSelectorReplyServed(path, query, answer.body());
        }
        // Both verdicts must be exercised, or the generators have drifted to one side (checked at the end of a run
        // of CI's budget or more; a handful of tries may well miss one).
        Statistics.collect(path, answer.status());
        Statistics.coverage(checker -> {
            checker.check(path, 200).percentage(p -> p >= 10);
            checker.check(path, 400).percentage(p -> p >= 10);
        });
    }

    @Property
    void everyWellFormedRequestIsAnsweredWithoutServerError(
            @ForAll("methods") String method, @ForAll("paths") String path, @ForAll("queries") List<QueryParam> query)
            throws Exception {
        RawHttpExchange.Answer answer = send(method, path, query);
        assertAnsweredWithoutServerError(method, answer);
        Statistics.collect(answer.status());
        ApiRules.expectedStatus(method, path, query)
                .ifPresent(expected -> assertThat(answer.status()).as(answer.body()).isEqualTo(expected));
    }

    @Property
    void malformedRequestsAreRefusedOrClosedNeverHung(@ForAll("malformed") byte[] request) throws Exception {
        RawHttpExchange.Answer answer = RawHttpExchange.send(port, request, true);
        Statistics.collect(answer.closedUnanswered() ? "closed" : answer.status());
        // 505 is how HTTP refuses a version it does not implement: a refusal, not a failure.
        assertThat(answer.closedUnanswered() || answer.status() < 500 || answer.status() == 505).as(answer.head()).isTrue();
        // Netty's refusals too (400, 414, 431) and the version's carry our JSON error.
        boolean head = new String(request, StandardCharsets.ISO_8859_1).startsWith("HEAD ");
        if (answer.status() >= 400 && !head) {
            assertThat(answer.contentType()).as(answer.head()).startsWith("application/json");
            assertThat(new JsonObject(answer.body()).getValue("error")).isInstanceOf(String.class);
        }
        assertThat(ESCAPED).isEmpty();
    }

    private static RawHttpExchange.Answer send(String method, String path, List<QueryParam> query) throws Exception {
        return RawHttpExchange.send(port, method, query.isEmpty() ? path : path + "?" + QueryParam.query(query));
    }

    /** Answered, no 5xx, a 4xx carries a JSON error (a HEAD answer carries no body at all), nothing escaped. */
    private static void assertAnsweredWithoutServerError(String method, RawHttpExchange.Answer answer) {
        assertThat(answer.closedUnanswered()).as("closed without an answer").isFalse();
        assertThat(answer.status()).as(answer.head()).isLessThan(500);
        if (answer.status() >= 400 && !method.equals("HEAD")) {
            assertThat(answer.contentType()).as(answer.head()).startsWith("application/json");
            assertThat(new JsonObject(answer.body()).getValue("error")).isInstanceOf(String.class);
        }
        assertThat(ESCAPED).isEmpty();
    }

    /** A valid query got the selector's reply: the sources of the asked state, or as many decisions as asked. */
    private static void assertSelectorReplyServed(String path, List<QueryParam> query, String body) {
        if (path.equals("/sources")) {
            List<String> state = QueryParam.decodedValues(query, "state").orElseThrow();
            JsonArray shown = new JsonArray(body);
            assertThat(shown).hasSize(state.isEmpty() ? SourceState.labels().size() : 1);
            shown.forEach(source -> assertThat(((JsonObject) source).getString("state")).isIn(
                    state.isEmpty() ? SourceState.labels() : state));
        } else {
            assertThat(new JsonObject(body).getJsonObject("selection").getInteger("wanted"))
                    .isEqualTo(ApiRules.expectedDecisions(query));
        }
    }

    @Provide
    Arbitrary<String> parameterRoutes() {
        return Arbitraries.of(ApiRules.PARAMETER_ROUTES);
    }

    @Provide
    Arbitrary<String> methods() {
        return FuzzRequests.methods();
    }

    @Provide
    Arbitrary<String> paths() {
        return FuzzRequests.paths();
    }

    @Provide
    Arbitrary<List<QueryParam>> queries() {
        return FuzzRequests.queries();
    }

    @Provide
    Arbitrary<byte[]> malformed() {
        return FuzzRequests.malformed();
    }
}
