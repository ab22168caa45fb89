package io.timemesh.core.clock;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import org.junit.jupiter.api.Test;

class MonotonicReaderTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    /** Synchronised at L = T0 with V = L + correction, ±1 ms, a 1 s limit on the bound. */
    private static ClockModel synced(long correctionNanos) {
        return new ClockModel(new ClockModel.Correction(T0, correctionNanos, 0, 0, 0),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0, 0.001)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("sel", 1, true, 2, LeapIndicator.NO_WARNING, "127.0.0.2:123", null, 0),
                new ClockModel.Tracking(1, 0, false, 0, null), null);
    }

    @Test
    void readingsStrictlyIncreaseEvenAtTheSameLocalInstant() {
        MonotonicReader reader = new MonotonicReader();
        ClockModel model = synced(0);
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < 1_000; i++) {
            TimeReading reading = reader.read(model, T0); // a clock read twice within its resolution
            assertThat(reading.nowNanos()).isGreaterThan(previous);
            assertThat(reading.nowNanos()).isBetween(reading.earliestNanos(), reading.latestNanos());
            previous = reading.nowNanos();
        }
    }

    @Test
    void aCarriedTransmitTimeMovesOnAtTheSlowestRateTrueTimeCanRunAndIsServedLikeAReading() {
        MonotonicReader reader = new MonotonicReader();
        ClockModel model = synced(250_000L);
        TimeReading received = reader.read(model, T0);
        // 40 µs later on the local timescale: 40 µs less maxDrift's 15 ppm of it (0.6 ns, rounded up), so never later
        // than the model's own time then, which runs with the local timescale here.
        long t3 = reader.carriedNow(model, received, T0, T0 + 40_000);
        assertThat(t3).isEqualTo(received.nowNanos() + 40_000 - 1)
                .isLessThanOrEqualTo(model.read(T0 + 40_000).nowNanos());
        // 10 ms on, 150 ns of it held back.
        assertThat(reader.carriedNow(model, received, T0, T0 + 10_000_000)).isEqualTo(received.nowNanos() + 10_000_000 - 150);
        // Counted as served: a reading at the same instant comes after it, and a carried time is never one served before.
        long later = reader.read(model, T0 + 10_000_000).nowNanos();
        assertThat(later).isGreaterThan(received.nowNanos() + 10_000_000 - 150);
        assertThat(reader.carriedNow(model, received, T0, T0 + 20_000)).isEqualTo(later + 1);
    }

    @Test
    void aHoldWithinTheLimitKeepsTheStatusAndWidensTheBound() {
        MonotonicReader reader = new MonotonicReader();
        reader.read(synced(500_000_000L), T0);
        TimeReading held = reader.read(synced(0), T0); // stepped back 0.5 s
        assertThat(held.nowNanos()).isEqualTo(T0 + 500_000_001L);
        assertThat(held.earliestNanos()).isLessThanOrEqualTo(T0 - 1_000_000L);
        assertThat(held.errorBoundNanos()).isGreaterThan(500_000_000L);
        assertThat(held.status()).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(held.stratum()).isEqualTo(2);
        assertThat(held.leap()).isEqualTo(LeapIndicator.NO_WARNING);
    }

    @Test
    void aHoldBeyondTheLimitIsUnsynchronisedWithAlarmAndStratum16UntilItEnds() {
        MonotonicReader reader = new MonotonicReader();
        reader.read(synced(3 * S), T0);
        ClockModel back = synced(0); // stepped back 3 s: the served bound is over 3 s, past the 1 s limit
        TimeReading held = reader.read(back, T0 + S);
        assertThat(back.read(T0 + S).status()).isEqualTo(ClockStatus.SYNCHRONIZED); // the model alone would say so
        assertThat(held.status()).isEqualTo(ClockStatus.UNSYNCHRONIZED);
        assertThat(held.leap()).isEqualTo(LeapIndicator.ALARM);
        assertThat(held.stratum()).isEqualTo(16);
        assertThat(held.errorBoundNanos()).isGreaterThan(2 * S);
        // Once V has caught up with what was served, the hold is over and so is the alarm.
        TimeReading caughtUp = reader.read(back, T0 + 4 * S);
        assertThat(caughtUp.nowNanos()).isEqualTo(T0 + 4 * S);
        assertThat(caughtUp.status()).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(caughtUp.leap()).isEqualTo(LeapIndicator.NO_WARNING);
    }
}
