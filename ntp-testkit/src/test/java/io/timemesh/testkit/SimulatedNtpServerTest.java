package io.timemesh.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.time.KernelStamps;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The simulated server's T2 from the kernel's receive stamp: there on this platform, and causally placed. */
class SimulatedNtpServerTest {

    /** CI runs on 64-bit Linux with the parent pom's --add-opens: a fallback to user space there would be silent. */
    @Test
    void t2ComesFromTheKernelWhereThePlatformHasStamps() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.1", KernelStamps::systemNanos,
                ServerBehaviour.truthful())) {
            assertThat(server.kernelStamped()).isEqualTo(KernelStamps.platformSupported());
        }
    }

    /**
     * On the system clock, with no offset and no simulated delay, each exchange's stamps keep causal order:
     * T1 (read before the send) ≤ T2 (the arrival) ≤ T3 ≤ T4 (read after the receive); and the server's log
     * holds the same arrival.
     */
    @Test
    void theArrivalLiesBetweenTheClientsSendAndTheReply() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.1", KernelStamps::systemNanos,
                ServerBehaviour.truthful());
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(2_000);
            InetSocketAddress to = new InetSocketAddress(server.host(), server.port());
            for (int i = 0; i < 30; i++) {
                long t1 = KernelStamps.systemNanos();
                byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(NtpTimestamp.fromUnixNanos(t1), 0, -20));
                client.send(new DatagramPacket(request, request.length, to));
                DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                client.receive(reply);
                long t4 = KernelStamps.systemNanos();
                NtpPacket answer = ((DecodeResult.Decoded) NtpPacketCodec.decode(reply.getData(), 0,
                        reply.getLength())).packet();
                long t2 = NtpTimestamp.toUnixNanos(answer.receiveTimestamp(), t1);
                long t3 = NtpTimestamp.toUnixNanos(answer.transmitTimestamp(), t1);
                assertThat(t2).isBetween(t1 - 1, t3); // 1 ns: the NTP fraction's rounding
                assertThat(t3).isLessThanOrEqualTo(t4 + 1);
                assertThat(server.requests().get(i).trueNanos()).isBetween(t1, t2 + 1);
                Thread.sleep(10); // a blocking receive woken from idle, as a polled server's is
            }
        }
    }

    /** The wait counted never exceeds the receive's block, and a missing stamp, one after the reading or a step count none. */
    @Test
    void theWaitCountedIsNeverMoreThanTheReceiveBlockedNorAcrossAStep() {
        long system = 1_700_000_000_000_000_000L;
        long mono = 5_000_000_000L;
        long blocked = 300_000_000; // the receive blocked 0.3 s
        assertThat(SimulatedNtpServer.waited(system + blocked - 60_000, system, mono, system + blocked, mono + blocked))
                .isEqualTo(60_000);
        assertThat(SimulatedNtpServer.waited(system - 5_000_000, system, mono, system + 1_000, mono + 1_000))
                .as("queued before the receive: late, never early").isEqualTo(1_000);
        assertThat(SimulatedNtpServer.waited(Long.MIN_VALUE, system, mono, system + blocked, mono + blocked)).isZero();
        assertThat(SimulatedNtpServer.waited(system + blocked + 1, system, mono, system + blocked, mono + blocked))
                .isZero();
        long step = KernelStamps.MAX_STEP_NANOS + 1; // the system clock stepped forward while it blocked
        assertThat(SimulatedNtpServer.waited(system + blocked - 60_000, system, mono, system + blocked + step,
                mono + blocked)).isZero();
        assertThat(SimulatedNtpServer.waited(system + blocked - 60_000, system, mono, system + blocked + 2_000,
                mono + blocked)).as("2 µs between the clocks' readings is no step").isEqualTo(62_000);
    }
}
