package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.time.MonotonicTimescale;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The NTP server's T2 from the kernel, over a real JDK channel (java.base/sun.nio.ch opened by this module's
 * surefire, as the launcher's manifest opens it): a request read long after it arrived gets its arrival, never
 * before it was sent (T2 built on it: {@code NtpResponderTest}).
 */
class ReceiveStampsTest {
    @Test
    void aRequestReadLateGetsItsArrivalNotItsRead() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        try (DatagramChannel server = DatagramChannel.open();
             DatagramChannel client = DatagramChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            ReceiveStamps stamps = ReceiveStamps.of(server, local);
            assertThat(stamps).as("kernel timestamps on this Linux machine").isNotNull();
            // A stamp is refused (the read kept) when this thread is preempted between the clocks' readings: try again.
            long arrival = 0;
            long sent = 0;
            long read = 0;
            for (int attempt = 0; attempt < 3 && arrival == read; attempt++) {
                sent = local.nowNanos();
                client.send(ByteBuffer.wrap(new byte[48]), server.getLocalAddress());
                TimeUnit.MILLISECONDS.sleep(200); // the serving thread busy with others: the request waits, queued
                ByteBuffer in = ByteBuffer.allocate(64);
                server.receive(in);
                read = local.nowNanos();
                arrival = stamps.arrival(read);
            }
            assertThat(arrival).as("the arrival, not the read 200 ms later").isLessThan(read - 150_000_000L)
                    .as("never before the request was sent").isGreaterThanOrEqualTo(sent);
        }
    }
}
