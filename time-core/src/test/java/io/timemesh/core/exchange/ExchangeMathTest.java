package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.time.OffsetInterval;
import org.junit.jupiter.api.Test;

/** Seed 001's worked exchange: client clock rate 0.95, server 1.01, delays 0.1 s out and 0.2 s back, 0.05 s processing. */
class ExchangeMathTest {

    private static final long T1 = 9_500_000_000L;
    private static final long T2 = 10_201_000_000L;
    private static final long T3 = 10_251_500_000L;
    private static final long T4 = 9_832_500_000L;

    @Test
    void seedDelayIs0_282() {
        assertThat(ExchangeMath.delaySeconds(T1, T2, T3, T4)).isCloseTo(0.282, within(1e-12));
    }

    @Test
    void seedOffsetIs0_56() {
        assertThat(ExchangeMath.offsetSeconds(T1, T2, T3, T4)).isCloseTo(0.56, within(1e-12));
    }

    @Test
    void seedSyncDistanceIs0_221AndTheIntervalIs0_339To0_781() {
        // σ = δ/2 + ε + Φ with ε = 0.02 s (server) + 0.05 s (client) root dispersion and Φ = 0.01 s jitter.
        double delay = ExchangeMath.delaySeconds(T1, T2, T3, T4);
        double sigma = ExchangeMath.rootDistanceSeconds(delay, 0.0, 0.02, 0.05, 0.01);
        assertThat(sigma).isCloseTo(0.221, within(1e-12));
        OffsetInterval interval = OffsetInterval.around(ExchangeMath.offsetSeconds(T1, T2, T3, T4), sigma);
        assertThat(interval.low()).isCloseTo(0.339, within(1e-12));
        assertThat(interval.high()).isCloseTo(0.781, within(1e-12));
    }

    @Test
    void asymmetryErrorStaysInsideHalfTheDelay() {
        // Server exactly 0.25 s ahead, 10 ms out, 2 ms back, 1 ms processing.
        long t1 = 1_000_000_000_000L;
        long t2 = t1 + 10_000_000L + 250_000_000L;
        long t3 = t2 + 1_000_000L;
        long t4 = t3 - 250_000_000L + 2_000_000L;
        double theta = ExchangeMath.offsetSeconds(t1, t2, t3, t4);
        double delay = ExchangeMath.delaySeconds(t1, t2, t3, t4);
        assertThat(theta).isCloseTo(0.254, within(1e-12)); // 0.25 + (d1 − d2)/2
        assertThat(delay).isCloseTo(0.012, within(1e-12));
        assertThat(OffsetInterval.around(theta, ExchangeMath.rootDistanceSeconds(delay, 0, 0, 0, 0)).contains(0.25)).isTrue();
    }

    @Test
    void differencesKeepNanosecondsAtTodaysEpoch() {
        long t1 = 1_795_000_000_123_456_789L;
        assertThat(ExchangeMath.offsetSeconds(t1, t1 + 3, t1 + 5, t1 + 2)).isCloseTo(3e-9, within(1e-18));
        assertThat(ExchangeMath.delaySeconds(t1, t1 + 3, t1 + 5, t1 + 2)).isCloseTo(0, within(1e-18));
    }

    @Test
    void dispersionGrowsWithPhiOverTheRoundTrip() {
        double eps = ExchangeMath.dispersionSeconds(1e-6, 2e-6, 0, 2_000_000_000L);
        assertThat(eps).isCloseTo(3e-6 + 15e-6 * 2, within(1e-15));
    }
}
