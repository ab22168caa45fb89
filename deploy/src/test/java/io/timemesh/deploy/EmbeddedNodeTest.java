package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node deployed into a clustered Vert.x the test built ({@link TimemeshNode#deploy}), as a Vert.x service
 * embeds it: it synchronises to simulated servers, counts what it does in its /metrics, and on stop leaves the
 * caller's Vert.x running with nothing of the node's left in it.
 */
class EmbeddedNodeTest {

    @Test
    void aNodeDeployedIntoTheCallersClusteredVertxSynchronisesCountsAndUndeploysCleanly() throws Exception {
        try (LoopbackCluster cluster = new LoopbackCluster(1); MeshFixture mesh = new MeshFixture()) {
            Vertx vertx = cluster.start(0);
            SimulatedNtpServer liar = null;
            for (int i = 1; i <= 4; i++) {
                SimulatedNtpServer server = mesh.server("127.0.31." + i, i < 4 ? MeshFixture.truthful(1, 1)
                        : MeshFixture.truthful(1, 1).withOffset(1.3)); // one second off the truth
                liar = i == 4 ? server : liar;
            }
            JsonObject config = new JsonObject().put("nodeName", "embedded")
                    .put("sources", new JsonArray(mesh.servers.stream().map(SimulatedNtpServer::hostPort).toList()))
                    .put("pollSeconds", 1).put("httpHost", "127.0.0.1").put("httpPort", 0)
                    .put("ntpHost", "127.0.0.1").put("ntpPort", 0)
                    .put("sampler", new JsonObject().put("timeoutMillis", 500));
            mesh.node = TimemeshNode.deploy(vertx, new NodeConfig(config), mesh.local, HostResolver.IP_LITERALS_ONLY)
                    .await(60, TimeUnit.SECONDS);
            assertThat(mesh.node.vertx()).isSameAs(vertx);

            MeshFixture.Answer answer = mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(30));
            assertThat(answer.status()).isEqualTo("SYNCHRONIZED");
            assertThat(answer.holdsTruth()).as(answer.json().encode()).isTrue();
            // The first majority (3 of 4) can come before the liar's first sample; the next selection has it.
            assertThat(mesh.awaitState(liar, "falseticker", Duration.ofSeconds(10))).isEqualTo("falseticker");
            assertThat(ntpAnswered(mesh.node.ntpPort())).isTrue();

            Map<String, Double> metrics = awaitMetrics(mesh, "timemesh_source_last_sample_age_seconds");
            assertThat(metrics.get("timemesh_exchanges_total{outcome=\"ok\"}")).isGreaterThanOrEqualTo(4.0);
            assertThat(metrics.get("timemesh_exchanges_total{outcome=\"timeout\"}")).isNotNull();
            assertThat(metrics.get("timemesh_selections_total{status=\"majority\"}")).isPositive();
            assertThat(metrics.get("timemesh_falseticker_verdicts_total{source=\"" + liar.hostPort() + "\"}")).isPositive();
            // The first reference steps the clock forward by the servers' +0.3 s.
            assertThat(metrics.get("timemesh_clock_steps_total{direction=\"forward\"}")).isGreaterThanOrEqualTo(1.0);
            assertThat(metrics.get("timemesh_ntp_requests_total{outcome=\"answered\",reason=\"served\"}")).isEqualTo(1.0);
            assertThat(metrics.get("timemesh_ntp_requests_total{outcome=\"dropped\",reason=\"malformed\"}")).isZero();
            assertThat(metrics.get("timemesh_source_last_sample_age_seconds{source=\"" + liar.hostPort() + "\"}"))
                    .isBetween(0.0, 5.0);

            int httpPort = mesh.node.httpPort();
            mesh.node.stop().await(30, TimeUnit.SECONDS);
            mesh.node = null;
            assertThat(vertx.deploymentIDs()).as("the node's verticles, undeployed").isEmpty();
            assertThat(vertx.isClustered()).isTrue();
            assertThatThrownBy(() -> NodeHttp.text("127.0.0.1", httpPort, "/time"))
                    .isInstanceOf(ConnectException.class);
        }
    }

    /** One NTP client request to the node; whether a server reply came within a second. */
    private static boolean ntpAnswered(int port) throws Exception {
        try (DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(1_000);
            byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(42, 6, -20));
            client.send(new DatagramPacket(request, request.length, InetAddress.getByName("127.0.0.1"), port));
            byte[] buffer = new byte[100];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            client.receive(reply);
            return NtpPacketCodec.decode(buffer, 0, reply.getLength()) instanceof DecodeResult.Decoded decoded
                    && decoded.packet().originTimestamp() == 42;
        }
    }

    /**
     * /metrics as series → value, once a series named {@code wanted} is in it (the per-source gauges come with a
     * scrape once the selector has the sources' views).
     */
    private static Map<String, Double> awaitMetrics(MeshFixture mesh, String wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String text = NodeHttp.text("127.0.0.1", mesh.node.httpPort(), "/metrics");
        while (!text.contains(wanted + "{") && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(500);
            text = NodeHttp.text("127.0.0.1", mesh.node.httpPort(), "/metrics");
        }
        Map<String, Double> series = new HashMap<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return series;
    }
}
