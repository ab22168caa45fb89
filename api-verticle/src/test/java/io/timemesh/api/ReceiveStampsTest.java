package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.time.OffsetInterval;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The NTP server's T2 from the kernel, over a real JDK channel (java.base/sun.nio.ch opened by this module's
 * surefire, as the launcher's manifest opens it): a request read long after it arrived gets its arrival, never
 * before it was sent; and T2 and T3 built on it.
 */
class ReceiveStampsTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    /** Synchronised at L = T0, V = L + correction, ±1 ms, maxDrift 15 ppm. */
    private static ClockModel synced(long correctionNanos) {
        return new ClockModel(new ClockModel.Correction(T0, correctionNanos, 0, 0, 0),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0, 0.001)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("sel", 1, true, 2, LeapIndicator.NO_WARNING, "127.0.0.2:123", null, 0),
                new ClockModel.Tracking(1, 0, false, 0, null), null);
    }

    @Test
    void t2IsTheReadingLessTheRequestsWaitAtTheSlowestRateTrueTimeRuns() {
        MonotonicReader reader = new MonotonicReader();
        ClockModel model = synced(0);
        long read = T0 + S;
        TimeReading reading = reader.read(model, read);
        // Arrived 100 µs before the read: 100 µs back, less 15 ppm of it (1.5 ns, rounded up), so never early.
        NtpServerVerticle.Received received = NtpServerVerticle.Received.of(model, reading, read, read - 100_000);
        assertThat(received.t2Nanos()).isEqualTo(reading.nowNanos() - 100_000 + 2);
        assertThat(received.plain()).as("the model's own reading").isTrue();
        // Unknown arrival: the reading itself.
        assertThat(NtpServerVerticle.Received.of(model, reading, read, read).t2Nanos()).isEqualTo(reading.nowNanos());
        // A reading held after a step back is not carried along for T3.
        TimeReading held = reader.read(synced(-500_000_000L), read + 1_000);
        assertThat(NtpServerVerticle.Received.of(synced(-500_000_000L), held, read + 1_000, read).plain()).isFalse();
    }

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
