package io.timemesh.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.exchange.ExchangeMath;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.time.MonotonicTimescale;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceFarmTest {
    private final MonotonicTimescale truth = new MonotonicTimescale();

    @Test
    void addressesRunThroughTheLoopbackBlockSkippingZeroAndBroadcastHostBytes() {
        assertThat(SourceFarm.address(9, 0)).isEqualTo("127.9.0.1");
        assertThat(SourceFarm.address(9, 253)).isEqualTo("127.9.0.254");
        assertThat(SourceFarm.address(9, 254)).isEqualTo("127.9.1.1");
        assertThat(SourceFarm.address(9, 254 * 256)).isEqualTo("127.10.0.1");
    }

    @Test
    void everyServerAnswersOnItsOwnAddressWithTheOffsetItWasGiven() throws Exception {
        try (SourceFarm farm = new SourceFarm(3, 9, ChronydServer.freeUdpPort("127.9.0.1"), truth,
                ServerBehaviour.truthful().withOffset(0.25));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(2_000);
            List<String> servers = farm.hostPorts();
            assertThat(servers).hasSize(3).allMatch(s -> s.startsWith("127.9.0."));
            for (String server : servers) {
                String[] hostPort = server.split(":");
                long t1 = truth.nowNanos();
                long transmit = NtpTimestamp.fromUnixNanos(t1);
                byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(transmit, 0, -20));
                client.send(new DatagramPacket(request, request.length,
                        new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]))));
                DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                client.receive(reply);
                long t4 = truth.nowNanos();
                assertThat(reply.getAddress().getHostAddress()).isEqualTo(hostPort[0]);
                NtpPacket answer = ((DecodeResult.Decoded) NtpPacketCodec.decode(reply.getData(), 0, reply.getLength()))
                        .packet();
                assertThat(answer.mode()).isEqualTo(NtpMode.SERVER);
                assertThat(answer.originTimestamp()).isEqualTo(transmit);
                double offset = ExchangeMath.offsetSeconds(t1, NtpTimestamp.toUnixNanos(answer.receiveTimestamp(), t1),
                        NtpTimestamp.toUnixNanos(answer.transmitTimestamp(), t1), t4);
                double delay = (t4 - t1) / 1e9;
                assertThat(offset).isBetween(0.25 - delay, 0.25 + delay); // the exchange's own interval holds it
            }
            assertThat(farm.requests()).isEqualTo(3);
            assertThat(farm.replies()).isEqualTo(3);
        }
    }
}
