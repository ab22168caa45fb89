package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.client.TimeInterval;
import io.timemesh.client.TimemeshClient;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ChronydClient;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The whole single-node mesh in one JVM over real sockets: simulated servers → sampler → selector →
 * discipline → HTTP. The node's local timescale is the simulation's reference, and the truthful
 * servers run 0.3 s ahead of it, so true time is exactly local time + 0.3 s.
 */
@Tag("slow")
class SingleNodeMeshTest {

    private static final long TRUE_OFFSET_NANOS = 300_000_000L;

    private final MonotonicTimescale local = new MonotonicTimescale();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<SimulatedNtpServer> servers = new ArrayList<>();
    private TimemeshNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.stop().await();
        }
        servers.forEach(SimulatedNtpServer::close);
    }

    private SimulatedNtpServer server(String address, ServerBehaviour behaviour) throws Exception {
        SimulatedNtpServer server = SimulatedNtpServer.start(address, local, behaviour);
        servers.add(server);
        return server;
    }

    private static ServerBehaviour truthful(long outMillis, long backMillis) {
        return ServerBehaviour.truthful().withOffset(0.3)
                .withDelays(Duration.ofMillis(outMillis), Duration.ofMillis(backMillis))
                .withJitter(Duration.ofMillis(1));
    }

    private void startNode(String name) {
        JsonArray sources = new JsonArray(servers.stream().map(SimulatedNtpServer::hostPort).toList());
        NodeConfig config = new NodeConfig(new JsonObject().put("nodeName", name).put("sources", sources)
                .put("pollSeconds", 1).put("httpHost", "127.0.0.1").put("httpPort", 0)
                .put("ntpHost", "127.0.0.1").put("ntpPort", 0)
                .put("sampler", new JsonObject().put("timeoutMillis", 500)));
        node = TimemeshNode.start(config, local, HostResolver.IP_LITERALS_ONLY).await();
    }

    /** One GET /time, with the local time just before the request and just after the answer. */
    private record Answer(JsonObject json, long sentLocal, long receivedLocal) {
        String status() {
            return json.getString("status");
        }

        long now() {
            return Long.parseLong(json.getString("nowNs"));
        }

        /** True time was inside the served interval, widened by our own round trip as a remote client must. */
        boolean holdsTruth() {
            if (json.getString("earliestNs") == null) {
                return false;
            }
            long earliest = Long.parseLong(json.getString("earliestNs"));
            long latest = Long.parseLong(json.getString("latestNs"));
            return earliest <= receivedLocal + TRUE_OFFSET_NANOS && sentLocal + TRUE_OFFSET_NANOS <= latest;
        }

        /**
         * How far the served interval's midpoint lies from true time. The reading was taken somewhere
         * between sending and receiving, so that is the distance to the truth window, 0 inside it.
         */
        long midpointErrorNanos() {
            long earliest = Long.parseLong(json.getString("earliestNs"));
            long latest = Long.parseLong(json.getString("latestNs"));
            long midpoint = earliest + (latest - earliest) / 2;
            return Math.max(0, Math.max(sentLocal + TRUE_OFFSET_NANOS - midpoint, midpoint - receivedLocal - TRUE_OFFSET_NANOS));
        }
    }

    private Answer time() throws Exception {
        long sent = local.nowNanos();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.httpPort() + "/time")).build(), HttpResponse.BodyHandlers.ofString());
        long received = local.nowNanos();
        assertThat(response.statusCode()).isEqualTo(200);
        return new Answer(new JsonObject(response.body()), sent, received);
    }

    /** Runs a timemesh command in-process and returns what it printed; it must succeed. */
    private static String cli(String... args) {
        CommandLine cli = TimemeshCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).as(String.join(" ", args)).isZero();
        return out.toString();
    }

    private JsonArray sources() throws Exception {
        return new JsonArray(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
                + "/sources")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private Answer awaitStatus(String status, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        Answer answer = time();
        while (!answer.status().equals(status) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
            answer = time();
        }
        return answer;
    }

    @Test
    void fourTruthfulOneLiarServesTheTruthThenHoldsOverWhenAllFallSilent() throws Exception {
        // Asymmetric paths in both directions, up to 20 ms one way, 1 ms jitter.
        server("127.0.1.1", truthful(20, 2));
        server("127.0.1.2", truthful(2, 20));
        server("127.0.1.3", truthful(12, 4));
        server("127.0.1.4", truthful(4, 12));
        SimulatedNtpServer liar = server("127.0.1.5", ServerBehaviour.truthful().withOffset(1.2));
        long started = System.nanoTime();
        startNode("mesh-a");

        Answer synced = awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20));
        assertThat(synced.status()).isEqualTo("SYNCHRONIZED");
        System.out.printf("SYNCHRONIZED after %.1f s%n", (System.nanoTime() - started) / 1e9);
        TimeUnit.SECONDS.sleep(4); // let the filters fill, as a running node's are

        long worstMidpoint = 0;
        long worstCentred = 0;
        long widest = 0;
        long previousNow = Long.MIN_VALUE;
        for (int i = 0; i < 250; i++) {
            Answer answer = time();
            assertThat(answer.status()).isEqualTo("SYNCHRONIZED");
            assertThat(answer.holdsTruth()).as("query %d: %s", i, answer.json()).isTrue();
            assertThat(answer.now()).isGreaterThanOrEqualTo(previousNow);
            previousNow = answer.now();
            worstMidpoint = Math.max(worstMidpoint, answer.midpointErrorNanos());
            worstCentred = Math.max(worstCentred, Math.abs(answer.now()
                    - ((answer.sentLocal() + answer.receivedLocal()) / 2 + TRUE_OFFSET_NANOS)));
            widest = Math.max(widest, answer.json().getLong("errorBoundNs"));
            TimeUnit.MILLISECONDS.sleep(10);
        }
        System.out.printf("250 queries: worst distance of the midpoint from the truth window %.3f ms,"
                + " worst |now - truth at mid-request| %.3f ms, widest bound ±%.3f ms%n",
                worstMidpoint / 1e6, worstCentred / 1e6, widest / 1e6);
        assertThat(worstMidpoint).isLessThanOrEqualTo(2_000_000L);

        // A standard NTP client of the node sees true time: chronyd -Q (against this machine's clock,
        // which the local timescale was anchored to at the test's start) measures the 0.3 s.
        double chrony = ChronydClient.measureOffsetSeconds("127.0.0.1", node.ntpPort());
        System.out.printf("chronyd -Q against the node's NTP server: %+.6f s (truth +0.300000 s)%n", chrony);
        assertThat(chrony).isCloseTo(0.3, within(0.002));

        // The client library's intervals hold the truth, and commit wait waits until the truth has passed.
        TimemeshClient client = TimemeshClient.http(URI.create("http://127.0.0.1:" + node.httpPort()));
        for (int i = 0; i < 50; i++) {
            long before = local.nowNanos() + TRUE_OFFSET_NANOS;
            TimeInterval interval = client.now();
            long after = local.nowNanos() + TRUE_OFFSET_NANOS;
            assertThat(interval.earliestNanos()).isLessThanOrEqualTo(after);
            assertThat(interval.latestNanos()).isGreaterThanOrEqualTo(before);
        }
        Instant commit = client.now().latest().plusMillis(5);
        TimeInterval waited = client.waitUntilAfter(commit);
        long truthAfterWait = local.nowNanos() + TRUE_OFFSET_NANOS;
        assertThat(truthAfterWait).isGreaterThan(commit.getEpochSecond() * 1_000_000_000L + commit.getNano());
        assertThat(waited.earliest()).isAfter(commit);
        assertThat(client.after(commit)).isTrue();
        assertThat(client.before(commit.plusSeconds(60))).isTrue();

        // The operator views read the same node.
        String sourcesTable = cli("sources", "--url", "http://127.0.0.1:" + node.httpPort());
        assertThat(sourcesTable.lines().filter(l -> l.contains(liar.hostPort()))).singleElement()
                .satisfies(l -> assertThat(l).startsWith("x ").contains("does not cover"));
        assertThat(sourcesTable.lines().filter(l -> l.startsWith("* "))).hasSize(1);
        assertThat(cli("tracking", "--url", "http://127.0.0.1:" + node.httpPort()))
                .contains("Status          : SYNCHRONIZED", "Stratum         : 2");
        assertThat(cli("selection", "-n", "1", "--url", "http://127.0.0.1:" + node.httpPort()))
                .contains("MAJORITY", "4 of 5 agree", "falseticker");
        assertThat(new JsonArray(cli("sources", "--json", "--url", "http://127.0.0.1:" + node.httpPort()))).hasSize(5);

        JsonObject liarView = sources().stream().map(JsonObject.class::cast)
                .filter(s -> s.getString("address").equals(liar.hostPort())).findFirst().orElseThrow();
        assertThat(liarView.getString("state")).isEqualTo("falseticker");
        assertThat(liarView.getLong("outliers")).isPositive();

        // Every source falls silent: HOLDOVER, the bound keeps growing, the truth stays inside.
        servers.forEach(s -> s.behaviour(s.behaviour().withFault(Fault.SILENT)));
        Answer holdover = awaitStatus("HOLDOVER", Duration.ofSeconds(15));
        assertThat(holdover.status()).isEqualTo("HOLDOVER");
        assertThat(holdover.holdsTruth()).isTrue();
        TimeUnit.SECONDS.sleep(2);
        Answer later = time();
        assertThat(later.status()).isEqualTo("HOLDOVER");
        assertThat(later.holdsTruth()).isTrue();
        assertThat(later.json().getLong("errorBoundNs")).isGreaterThan(holdover.json().getLong("errorBoundNs"));
        assertThat(later.now()).isGreaterThan(holdover.now());
        assertThat(sources()).allSatisfy(s -> assertThat(((JsonObject) s).getString("state")).isEqualTo("unreachable"));
    }

    @Test
    void twoAgreeingLiarsAgainstTwoTruthfulSourcesNeverSynchronise() throws Exception {
        server("127.0.2.1", truthful(3, 3));
        server("127.0.2.2", truthful(2, 4));
        server("127.0.2.3", ServerBehaviour.truthful().withOffset(1.2));
        server("127.0.2.4", ServerBehaviour.truthful().withOffset(1.201));
        startNode("mesh-b");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        int answers = 0;
        while (System.nanoTime() < deadline) {
            Answer answer = time();
            assertThat(answer.status()).isEqualTo("UNSYNCHRONIZED");
            answers++;
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(answers).isGreaterThan(20);
        assertThat(sources()).hasSize(4)
                .allSatisfy(s -> assertThat(((JsonObject) s).getString("state")).isEqualTo("candidate"));
    }
}
