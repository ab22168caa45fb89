package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.sampler.nts.NtsKeClient;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ChronydClient;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.timemesh.testkit.TestCertificate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One NTS service for a cluster: chronyd runs NTS-KE with node A, whose answer sends its NTP to node B, and
 * B opens A's cookies because the nodes share their cookie keys through the trusted mesh; and A, restarted,
 * still opens the cookies it handed out before.
 */
@Tag("chrony")
class NtsClusterTest {
    private static final String A = "127.0.12.14";
    private static final String B = "127.0.12.15";

    @Test
    void chronydRunsKeyExchangeWithOneNodeAndItsNtpWithTheOther() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        Path directory = Files.createDirectories(Path.of("target", "nts-cluster-test"));
        Path keyFile = directory.resolve("cluster.key");
        Files.writeString(keyFile, ClusterKey.generate());
        TestCertificate certificateA = TestCertificate.selfSigned(directory, A);
        TestCertificate certificateB = TestCertificate.selfSigned(directory, B);
        int ntpPort = portFreeOnBoth();
        int memberA = LoopbackCluster.freeTcpPort();
        int memberB = LoopbackCluster.freeTcpPort();
        String clusterName = "nts-" + UUID.randomUUID();
        try (SimulatedNtpServer source = SimulatedNtpServer.start("127.0.12.16", local,
                ServerBehaviour.truthful().withOffset(0.25))) {
            TimemeshNode a = start(local, node("a", A, ntpPort, certificateA, B, clusterName, memberA, memberA, memberB,
                    keyFile, source));
            TimemeshNode b = start(local, node("b", B, ntpPort, certificateB, null, clusterName, memberB, memberA, memberB,
                    keyFile, source));
            try {
                long deadline = System.nanoTime() + 40_000_000_000L;
                while ((!synced(local, a) || !synced(local, b)) && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(200);
                }
                TimeUnit.MILLISECONDS.sleep(NtsKeyShare.SHARE_MILLIS + 3_000); // keys shared, the first slew done
                ChronydClient.Measurement chrony = ChronydClient.measureNtsOffset(A, ntpPort, a.ntsKePort(),
                        certificateA.certificate());
                System.out.printf("chronyd -Q, NTS-KE with node A, NTP with node B: %s (truth +0.25 s)%n", chrony);
                assertThat(chrony.offsetSeconds()).isCloseTo(0.25, within(0.002 + chrony.delaySeconds() / 2));

                // Cookies from A's NTS-KE still open at A after A restarts: B kept A's keys in the mesh.
                NtsKeClient.Result ke = NtsKeClient.trusting(certificateA.certificate())
                        .exchange(A, a.ntsKePort(), Duration.ofSeconds(5));
                NtsClientSession session = new NtsClientSession(ke.keys(), ke.response(), A, ntpPort, 0);
                a.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                a = start(local, node("a", A, ntpPort, certificateA, B, clusterName, memberA, memberA, memberB, keyFile,
                        source));
                // Back in the cluster (synchronised through it), then one key share later: a NAK empties the jar, so
                // the old cookies get one try, made once A can have read the keys.
                long rejoined = System.nanoTime() + 40_000_000_000L;
                while (!synced(local, a) && System.nanoTime() < rejoined) {
                    TimeUnit.MILLISECONDS.sleep(200);
                }
                TimeUnit.MILLISECONDS.sleep(NtsKeyShare.SHARE_MILLIS + 1_000);
                byte[] reply = null;
                for (int attempt = 0; attempt < 3 && reply == null; attempt++) { // a request lost on a loaded machine
                    byte[] request = session.seal(NtpPacketCodec.encode(NtpPacket.clientRequest(1, 0, -20)),
                            new SecureRandom());
                    try {
                        reply = exchange(A, ntpPort, request);
                    } catch (SocketTimeoutException lost) {
                        System.out.println("NtsClusterTest: no reply within 2 s, asked again");
                    }
                }
                assertThat(reply).as("a reply from the restarted A").isNotNull();
                assertThat(session.open(reply, reply.length)).isEqualTo(NtsClientSession.Reply.AUTHENTICATED);
            } finally {
                b.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                a.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static JsonObject node(String name, String host, int ntpPort, TestCertificate certificate, String ntpServer,
                                   String clusterName, int memberPort, int memberA, int memberB, Path keyFile,
                                   SimulatedNtpServer source) {
        JsonObject nts = new JsonObject().put("kePort", 0).put("certificate", certificate.certificate().toString())
                .put("key", certificate.key().toString());
        if (ntpServer != null) {
            nts.put("ntpServer", ntpServer);
        }
        return new JsonObject().put("nodeName", name).put("pollSeconds", 1)
                .put("sources", new JsonArray().add(source.hostPort()))
                .put("httpHost", "127.0.0.1").put("httpPort", 0).put("ntpHost", host).put("ntpPort", ntpPort)
                .put("ntsServer", nts).put("clusterName", clusterName)
                .put("cluster", new JsonObject().put("host", "127.0.0.1").put("port", memberPort)
                        .put("members", new JsonArray().add("127.0.0.1:" + memberA).add("127.0.0.1:" + memberB))
                        .put("busHost", "127.0.0.1").put("keyFile", keyFile.toString()));
    }

    private static TimemeshNode start(MonotonicTimescale local, JsonObject config) throws Exception {
        return TimemeshNode.start(new NodeConfig(config), local, HostResolver.IP_LITERALS_ONLY)
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static boolean synced(MonotonicTimescale local, TimemeshNode node) throws Exception {
        return "SYNCHRONIZED".equals(NodeHttp.time(local, "127.0.0.1", node.httpPort()).status());
    }

    /** One datagram exchange with {@code host:port}. */
    private static byte[] exchange(String host, int port, byte[] request) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(host))) {
            socket.setSoTimeout(2_000);
            socket.send(new DatagramPacket(request, request.length, InetAddress.getByName(host), port));
            byte[] buffer = new byte[2048];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            socket.receive(reply);
            return java.util.Arrays.copyOf(buffer, reply.getLength());
        }
    }

    /** A UDP port free on both loopback addresses. */
    private static int portFreeOnBoth() throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (DatagramSocket first = new DatagramSocket(0, InetAddress.getByName(A))) {
                int port = first.getLocalPort();
                try (DatagramSocket second = new DatagramSocket(new InetSocketAddress(B, port))) {
                    return port;
                } catch (java.net.BindException taken) {
                    // try another
                }
            }
        }
        throw new IllegalStateException("no UDP port free on both " + A + " and " + B);
    }
}
