package io.timemesh.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OffsetIntervalTest {

    @Test
    void aroundIsSymmetric() {
        OffsetInterval interval = OffsetInterval.around(0.5, 0.25);
        assertThat(interval.low()).isEqualTo(0.25);
        assertThat(interval.high()).isEqualTo(0.75);
        assertThat(interval.width()).isEqualTo(0.5);
        assertThat(interval.midpoint()).isEqualTo(0.5);
        assertThat(interval.contains(0.25)).isTrue();
        assertThat(interval.contains(0.76)).isFalse();
    }

    @Test
    void invertedOrNanIntervalsAreRefused() {
        assertThatThrownBy(() -> new OffsetInterval(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OffsetInterval(Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OffsetInterval.around(0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void monotonicTimescaleStartsAtTheWallClockAndNeverGoesBack() {
        MonotonicTimescale timescale = new MonotonicTimescale();
        long wall = System.currentTimeMillis() * 1_000_000L;
        long first = timescale.nowNanos();
        assertThat(Math.abs(first - wall)).isLessThan(1_000_000_000L);
        long previous = first;
        for (int i = 0; i < 10_000; i++) {
            long now = timescale.nowNanos();
            assertThat(now).isGreaterThanOrEqualTo(previous);
            previous = now;
        }
        assertThat(MonotonicTimescale.measurePrecisionLog2()).isBetween(-30, -10);
    }
}
