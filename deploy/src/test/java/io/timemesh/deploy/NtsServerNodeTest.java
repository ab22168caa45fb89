package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ChronydClient;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.timemesh.testkit.TestCertificate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node serving NTS (RFC 8915), read by chronyd as its NTS client and by our own {@code query --nts}: both
 * authenticate, and both read the node's time (a simulated source 0.25 s ahead of this machine's clock).
 */
@Tag("chrony")
class NtsServerNodeTest {
    private static final String NODE = "127.0.12.10";

    @Test
    void chronydReadsOurTimeOverNts() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        TestCertificate certificate = TestCertificate.selfSigned(Path.of("target", "nts-server-test"), NODE);
        try (SimulatedNtpServer source = SimulatedNtpServer.start("127.0.12.11", local,
                ServerBehaviour.truthful().withOffset(0.25))) {
            JsonObject config = new JsonObject().put("nodeName", "nts-server").put("pollSeconds", 1)
                    .put("sources", new JsonArray().add(source.hostPort()))
                    .put("httpHost", "127.0.0.1").put("httpPort", 0).put("ntpHost", NODE).put("ntpPort", 0)
                    .put("ntsServer", new JsonObject().put("kePort", 0)
                            .put("certificate", certificate.certificate().toString())
                            .put("key", certificate.key().toString()));
            TimemeshNode node = TimemeshNode.start(new NodeConfig(config), local, HostResolver.IP_LITERALS_ONLY)
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            try {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!"SYNCHRONIZED".equals(NodeHttp.time(local, "127.0.0.1", node.httpPort()).status())
                        && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(200);
                }
                TimeUnit.SECONDS.sleep(5); // let the first correction's slew finish, as a node serving clients has
                double[] before = servedOffsetSeconds(local, node.httpPort());
                ChronydClient.Measurement nts = ChronydClient.measureNtsOffset(NODE, node.ntpPort(), node.ntsKePort(),
                        certificate.certificate());
                ChronydClient.Measurement plainMeasurement = ChronydClient.measureOffset(NODE, node.ntpPort());
                double chrony = nts.offsetSeconds();
                double plain = plainMeasurement.offsetSeconds();
                double[] after = servedOffsetSeconds(local, node.httpPort());
                System.out.printf("chronyd -Q with NTS against the node: %+.6f s, without: %+.6f s; the node's own "
                        + "offset %+.6f s ± %.6f before, %+.6f s ± %.6f after (truth +0.25 s)%n", chrony, plain, before[0],
                        before[1], after[0], after[1]);
                // chronyd over NTS agrees with the node's own offset within 1 ms (typically a few hundred µs), plus
                // what our own reading of it over HTTP cannot tell (half its round trip, large on a loaded machine),
                // plus what chronyd's cannot (half its exchanges' largest delay).
                assertThat(chrony).isCloseTo((before[0] + after[0]) / 2,
                        within(0.001 + Math.max(before[1], after[1]) + nts.delaySeconds() / 2));
                assertThat(chrony).isCloseTo(0.25, within(0.002 + nts.delaySeconds() / 2));
                assertThat(plain).isCloseTo(0.25, within(0.002 + plainMeasurement.delaySeconds() / 2));

                CliRun ours = CliRun.of("query", "--json", "--samples", "3", "--interval", "0.1", "--nts",
                        "--nts-ke-port", String.valueOf(node.ntsKePort()), "--nts-trusted-certificates",
                        certificate.certificate().toString(), NODE + ":" + node.ntpPort());
                assertThat(ours.exitCode()).as(ours.out() + ours.err()).isZero();
                assertThat(new JsonArray(ours.out()).getJsonObject(0).getDouble("offsetSeconds")).isCloseTo(0.25, within(0.002));
            } finally {
                node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The offset the node serves over HTTP, from the quickest of ten reads: its interval's midpoint less the
     * local clock mid-request, and half that read's round trip (how far off the midpoint can be), both in s.
     */
    private static double[] servedOffsetSeconds(MonotonicTimescale local, int httpPort) throws Exception {
        MeshFixture.Answer best = null;
        for (int i = 0; i < 10; i++) {
            MeshFixture.Answer answer = NodeHttp.time(local, "127.0.0.1", httpPort);
            if (best == null || answer.receivedLocal() - answer.sentLocal() < best.receivedLocal() - best.sentLocal()) {
                best = answer;
            }
        }
        long earliest = Long.parseLong(best.json().getString("earliestNs"));
        long latest = Long.parseLong(best.json().getString("latestNs"));
        return new double[] {(earliest / 2 + latest / 2 - best.sentLocal() / 2 - best.receivedLocal() / 2) / 1e9,
                (best.receivedLocal() - best.sentLocal()) / 2e9};
    }
}
