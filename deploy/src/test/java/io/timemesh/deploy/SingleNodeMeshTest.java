package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.client.TimeInterval;
import io.timemesh.client.TimemeshClient;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ChronydClient;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
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

    private static final long TRUE_OFFSET_NANOS = MeshFixture.TRUE_OFFSET_NANOS;

    private final MeshFixture mesh = new MeshFixture();
    private final MonotonicTimescale local = mesh.local;
    private TimemeshNode node;

    @AfterEach
    void stop() {
        mesh.close();
    }

    private SimulatedNtpServer server(String address, ServerBehaviour behaviour) throws Exception {
        return mesh.server(address, behaviour);
    }

    private static ServerBehaviour truthful(long outMillis, long backMillis) {
        return MeshFixture.truthful(outMillis, backMillis);
    }

    private void startNode(String name) {
        mesh.startNode(name, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0));
        node = mesh.node;
    }

    private MeshFixture.Answer time() throws Exception {
        return mesh.time();
    }

    private JsonArray sources() throws Exception {
        return mesh.sources();
    }

    private MeshFixture.Answer awaitStatus(String status, Duration limit) throws Exception {
        return mesh.awaitStatus(status, limit);
    }

    /** Runs a timemesh command in-process and returns what it printed; it must succeed. */
    private static String cli(String... args) {
        CommandLine cli = TimemeshCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).as(String.join(" ", args)).isZero();
        return out.toString();
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

        MeshFixture.Answer synced = awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20));
        assertThat(synced.status()).isEqualTo("SYNCHRONIZED");
        System.out.printf("SYNCHRONIZED after %.1f s%n", (System.nanoTime() - started) / 1e9);
        TimeUnit.SECONDS.sleep(4); // let the filters fill, as a running node's are

        long worstMidpoint = 0;
        long worstCentred = 0;
        long widest = 0;
        long previousNow = Long.MIN_VALUE;
        for (int i = 0; i < 250; i++) {
            MeshFixture.Answer answer = time();
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
        ChronydClient.Measurement chrony = ChronydClient.measureOffset("127.0.0.1", node.ntpPort());
        System.out.printf("chronyd -Q against the node's NTP server: %s (truth +0.300000 s)%n", chrony);
        assertThat(chrony.offsetSeconds()).isCloseTo(0.3, within(0.002 + chrony.delaySeconds() / 2));

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
        mesh.servers.forEach(s -> s.behaviour(s.behaviour().withFault(Fault.SILENT)));
        MeshFixture.Answer holdover = awaitStatus("HOLDOVER", Duration.ofSeconds(15));
        assertThat(holdover.status()).isEqualTo("HOLDOVER");
        assertThat(holdover.holdsTruth()).isTrue();
        // The served interval sits about the estimate (which a residual still being slewed in may move)
        // and its half-width grows at exactly the stated rate.
        JsonObject before = mesh.status();
        TimeUnit.SECONDS.sleep(2);
        MeshFixture.Answer later = time();
        JsonObject after = mesh.status();
        assertThat(later.status()).isEqualTo("HOLDOVER");
        assertThat(later.holdsTruth()).isTrue();
        assertThat(later.now()).isGreaterThan(holdover.now());
        double grown = after.getDouble("halfWidthSeconds") - before.getDouble("halfWidthSeconds");
        double elapsed = after.getDouble("lastUpdateAgeSeconds") - before.getDouble("lastUpdateAgeSeconds");
        assertThat(elapsed).isGreaterThan(1.5);
        assertThat(grown).isCloseTo(after.getDouble("boundGrowthPpm") * 1e-6 * elapsed, within(1e-9));
        assertThat(grown).isPositive();
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
            MeshFixture.Answer answer = time();
            assertThat(answer.status()).isEqualTo("UNSYNCHRONIZED");
            answers++;
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(answers).isGreaterThan(20);
        assertThat(sources()).hasSize(4)
                .allSatisfy(s -> assertThat(((JsonObject) s).getString("state")).isEqualTo("candidate"));
    }
}
