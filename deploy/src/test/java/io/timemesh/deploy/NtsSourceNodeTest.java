package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ChronydServer;
import io.timemesh.testkit.TamperingUdpProxy;
import io.timemesh.testkit.TestCertificate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A node with chronyd as its NTS source (RFC 8915), chronyd on loopback with a certificate the test makes.
 * chronyd's NTS-KE sends our NTP to a tampering proxy ({@code ntsntpserver}), so an on-path attacker can be
 * switched on: one flipped bit of T3 must cost the source its samples, with the reason shown, and must never
 * move the served time.
 */
@Tag("chrony")
class NtsSourceNodeTest {
    private static final String CHRONYD = "127.0.12.6";
    private static final String PROXY = "127.0.12.7";

    @Test
    void aNodeSynchronisesToChronydOverNtsAndRefusesTamperedReplies() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned(Path.of("target", "nts-node-test"), CHRONYD);
        try (ChronydServer chronyd = ChronydServer.startNts(CHRONYD, certificate, "ntsntpserver " + PROXY);
             TamperingUdpProxy proxy = TamperingUdpProxy.start(PROXY, chronyd.port(),
                     new InetSocketAddress(CHRONYD, chronyd.port()))) {
            JsonObject config = new JsonObject().put("nodeName", "nts-node").put("pollSeconds", 1)
                    .put("sources", new JsonArray().add(new JsonObject().put("address", CHRONYD).put("nts", true)
                            .put("ntsKePort", chronyd.ntsKePort()).put("trustedCertificates", certificate.certificate().toString())))
                    .put("httpHost", "127.0.0.1").put("httpPort", 0);
            TimemeshNode node = TimemeshNode.start(new NodeConfig(config), new MonotonicTimescale(), HostResolver.SYSTEM)
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            try {
                int port = node.httpPort();
                JsonObject synced = awaitSource(port, s -> "selected".equals(s.getString("state")), 30);
                assertThat(synced.getString("auth")).isEqualTo("NTS");
                assertThat(synced.getInteger("ntsCookies")).isEqualTo(8);
                assertThat(synced.getLong("ntsLastKeyExchangeNs")).isPositive();
                assertThat(NodeHttp.time(new MonotonicTimescale(), "127.0.0.1", port).json().getString("status"))
                        .isEqualTo("SYNCHRONIZED");
                CommandLine cli = TimemeshCli.commandLine();
                StringWriter table = new StringWriter();
                cli.setOut(new PrintWriter(table));
                assertThat(cli.execute("sources", "--url", "http://127.0.0.1:" + port)).isZero();
                assertThat(table.toString().lines().filter(l -> l.contains(CHRONYD + ":123"))).singleElement().asString()
                        .startsWith("* ").contains(" NTS:8 ");
                // chronyd serves this machine's clock, which the node's timescale starts at: the truth, 0, lies in
                // the source's interval (its offset ± root distance), up to the anchoring's few microseconds.
                assertThat(Math.abs(synced.getLong("offsetNs"))).as("%s", synced)
                        .isLessThanOrEqualTo(synced.getLong("rootDistanceNs") + 100_000L);

                proxy.tamperAt(47); // the low byte of T3: a 2^-32 s change no check on the header alone could see
                JsonObject refused = awaitSource(port, s -> s.getString("reason", "").contains("not authenticated"), 20);
                assertThat(refused.getString("reason")).contains("NTS: authentication failed");
                double ageAtRefusal = refused.getDouble("lastSampleAgeSeconds");
                TimeUnit.SECONDS.sleep(3);
                JsonObject later = source(port);
                assertThat(proxy.tampered()).isGreaterThanOrEqualTo(3);
                // No tampered reply became a sample: the last one keeps ageing.
                assertThat(later.getDouble("lastSampleAgeSeconds")).isGreaterThan(ageAtRefusal + 2.5);
            } finally {
                node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static JsonObject sourceOrNull(int port) throws Exception {
        String body = NodeHttp.text("127.0.0.1", port, "/sources");
        return body.startsWith("[") ? source(port) : null;
    }

    private static JsonObject source(int port) throws Exception {
        JsonArray sources = NodeHttp.answeredSources("127.0.0.1", port, Duration.ofSeconds(10));
        assertThat(sources).hasSize(1);
        return sources.getJsonObject(0);
    }

    /** The source once {@code condition} holds; until the selector leads, /sources answers 503 and is asked again. */
    private static JsonObject awaitSource(int port, Predicate<JsonObject> condition, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        JsonObject source = sourceOrNull(port);
        while ((source == null || !condition.test(source)) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
            source = sourceOrNull(port);
        }
        assertThat(source).as("/sources answered within %d s", seconds).isNotNull();
        assertThat(condition).as("source now: %s", source).accepts(source);
        return source;
    }
}
