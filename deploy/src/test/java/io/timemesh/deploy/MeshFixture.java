package io.timemesh.deploy;

import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One node in this JVM against simulated servers, whose local timescale is the simulation's: true time
 * is exactly local time + {@link #TRUE_OFFSET_NANOS}, because the truthful servers run that far ahead.
 */
final class MeshFixture implements AutoCloseable {
    static final long TRUE_OFFSET_NANOS = 300_000_000L;
    private static final String LOOPBACK = "127.0.0.1";

    final MonotonicTimescale local = new MonotonicTimescale();
    final List<SimulatedNtpServer> servers = new ArrayList<>();
    TimemeshNode node;

    static ServerBehaviour truthful(long outMillis, long backMillis) {
        return ServerBehaviour.truthful().withOffset(0.3)
                .withDelays(Duration.ofMillis(outMillis), Duration.ofMillis(backMillis))
                .withJitter(Duration.ofMillis(1));
    }

    SimulatedNtpServer server(String address, ServerBehaviour behaviour) throws Exception {
        SimulatedNtpServer server = SimulatedNtpServer.start(address, local, behaviour);
        servers.add(server);
        return server;
    }

    void startNode(String name, JsonObject extra) {
        startNode(name, extra, HostResolver.IP_LITERALS_ONLY);
    }

    /** Starts the node on the servers as sources; {@code extra} may replace any setting, "sources" too. */
    void startNode(String name, JsonObject extra, HostResolver resolver) {
        JsonArray sources = new JsonArray(servers.stream().map(SimulatedNtpServer::hostPort).toList());
        JsonObject config = new JsonObject().put("nodeName", name).put("sources", sources)
                .put("pollSeconds", 1).put("httpHost", "127.0.0.1").put("httpPort", 0)
                .put("sampler", new JsonObject().put("timeoutMillis", 500)).mergeIn(extra);
        node = TimemeshNode.start(new NodeConfig(config), local, resolver).await();
    }

    /** One GET /time, with the local time just before the request and just after the answer. */
    record Answer(int httpStatus, JsonObject json, long sentLocal, long receivedLocal) {
        String status() {
            return json.getString("status");
        }

        long now() {
            return Long.parseLong(json.getString("nowNs"));
        }

        boolean bounded() {
            return json.getString("earliestNs") != null;
        }

        long earliest() {
            return Long.parseLong(json.getString("earliestNs"));
        }

        long latest() {
            return Long.parseLong(json.getString("latestNs"));
        }

        /** True time was inside the served interval, widened by our own round trip as a remote client must. */
        boolean holdsTruth() {
            return bounded() && earliest() <= receivedLocal + TRUE_OFFSET_NANOS && sentLocal + TRUE_OFFSET_NANOS <= latest();
        }

        /**
         * How far the served interval's midpoint lies from true time. The reading was taken somewhere
         * between sending and receiving, so that is the distance to the truth window, 0 inside it.
         */
        long midpointErrorNanos() {
            long midpoint = earliest() + (latest() - earliest()) / 2;
            return Math.max(0, Math.max(sentLocal + TRUE_OFFSET_NANOS - midpoint, midpoint - receivedLocal - TRUE_OFFSET_NANOS));
        }
    }

    Answer time() throws Exception {
        return NodeHttp.time(local, LOOPBACK, node.httpPort());
    }

    /** The node's sources, asked again while the selector does not answer in time (a 503), up to 10 s. */
    JsonArray sources() throws Exception {
        return NodeHttp.answeredSources(LOOPBACK, node.httpPort(), Duration.ofSeconds(10));
    }

    JsonObject status() throws Exception {
        return NodeHttp.status(LOOPBACK, node.httpPort(), 0);
    }

    /** The state /sources shows for {@code server}, or "absent" when it does not list it. */
    String stateOf(SimulatedNtpServer server) throws Exception {
        return sources().stream().map(JsonObject.class::cast).filter(s -> s.getString("address").equals(server.hostPort()))
                .findFirst().map(s -> s.getString("state")).orElse("absent");
    }

    /**
     * The state the selector reports for {@code server} once it is {@code state}, or the last one seen after
     * {@code limit}: on a loaded machine one late reply can show a source unreachable for a poll.
     */
    String awaitState(SimulatedNtpServer server, String state, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        String seen = stateOf(server);
        while (!seen.equals(state) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
            seen = stateOf(server);
        }
        return seen;
    }

    Answer awaitStatus(String status, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        Answer answer = time();
        while (!answer.status().equals(status) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
            answer = time();
        }
        return answer;
    }

    @Override
    public void close() {
        if (node != null) {
            node.stop().await();
        }
        servers.forEach(SimulatedNtpServer::close);
    }
}
