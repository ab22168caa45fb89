package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §5 over real sockets: the stratum we serve is the system peer's + 1, 16 meaning unsynchronised,
 * and the reference id names the system peer.
 */
@Tag("slow")
class ServedStratumMeshTest {

    private final MeshFixture mesh = new MeshFixture();

    @AfterEach
    void stop() {
        mesh.close();
    }

    private void startNode() {
        mesh.startNode("stratum", new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0));
    }

    private NtpPacket askNtp() throws Exception {
        try (DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(2_000);
            byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(0x4242L << 32, 6, -20));
            client.send(new DatagramPacket(request, request.length, InetAddress.getLoopbackAddress(), mesh.node.ntpPort()));
            byte[] buffer = new byte[128];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            client.receive(reply);
            return ((DecodeResult.Decoded) NtpPacketCodec.decode(buffer, 0, reply.getLength())).packet();
        }
    }

    @Test
    void threeStratum15SourcesMakeUsStratum16AndUnsynchronised() throws Exception {
        for (int i = 1; i <= 3; i++) {
            mesh.server("127.0.18." + i, MeshFixture.truthful(2, 2).withRoot(15, 0.001, 0.001));
        }
        startNode();
        // A majority forms (the selection is not the problem), but a stratum-15 peer leaves us nothing to serve.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (mesh.status().getInteger("updates", 0) < 3 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
        }
        assertThat(mesh.status().getInteger("updates")).isGreaterThanOrEqualTo(3);
        MeshFixture.Answer answer = mesh.time();
        assertThat(answer.status()).isEqualTo("UNSYNCHRONIZED");
        assertThat(answer.json().getInteger("stratum")).isEqualTo(16);
        NtpPacket reply = askNtp();
        assertThat(reply.leap()).isEqualTo(LeapIndicator.ALARM);
        assertThat(reply.stratum()).isEqualTo(16);
    }

    @Test
    void theSystemPeersStratumAndAddressAreServed() throws Exception {
        // The stratum-5 server has the least root distance, so it is the system peer, not the stratum-1 ones.
        SimulatedNtpServer peer = mesh.server("127.0.19.5", MeshFixture.truthful(1, 1).withRoot(5, 0, 0));
        mesh.server("127.0.19.1", MeshFixture.truthful(2, 2).withRoot(1, 0, 0.02));
        mesh.server("127.0.19.2", MeshFixture.truthful(2, 2).withRoot(1, 0, 0.02));
        startNode();
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
        // The first majority can come before the peer's first sample (2 of 3 are one); the next selection has it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!peer.hostPort().equals(mesh.status().getString("systemPeer")) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(mesh.status().getString("systemPeer")).isEqualTo(peer.hostPort());
        NtpPacket reply = askNtp();
        assertThat(reply.stratum()).isEqualTo(6);
        assertThat(reply.leap()).isEqualTo(LeapIndicator.NO_WARNING);
        assertThat(reply.referenceId()).isEqualTo(0x7F001305); // 127.0.19.5
        assertThat(mesh.time().json().getInteger("stratum")).isEqualTo(6);
    }
}
