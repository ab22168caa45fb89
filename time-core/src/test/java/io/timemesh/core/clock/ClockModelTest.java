package io.timemesh.core.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.RootFields;
import io.timemesh.core.time.OffsetInterval;
import org.junit.jupiter.api.Test;

/** ClockModel's bound formula on hand-computed numbers. */
class ClockModelTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    /**
     * Anchored and referenced at T0: c(a) = 300 ms, f = 10 ppm, R = 2 ms slewed at 500 ppm, true time within
     * [−2, +3] ms of the estimate (centre c = +0.5 ms, half-width h = 2.5 ms), the system peer's path 4 ms of root
     * delay, maxDrift 15 ppm, holdover after 10 s, unsynchronised past 0.1 s.
     */
    private static ClockModel model(boolean majority) {
        return model(10e-6, majority);
    }

    /** As {@link #model(boolean)} with the frequency correction {@code frequency}. */
    private static ClockModel model(double frequency, boolean majority) {
        return new ClockModel(new ClockModel.Correction(T0, 300_000_000L, frequency, 0.002, 500e-6),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0005, 0.0025)),
                new ClockModel.Limits(15e-6, 10 * S, 0.1),
                new ClockModel.Upstream("sel", 7, majority, 1, LeapIndicator.NO_WARNING, "a", null, 0.004),
                new ClockModel.Tracking(3, 0.002, false, 1e-7, null), null);
    }

    @Test
    void boundIsCentreOffsetPlusHalfWidthPlusDriftTimesAge() {
        ClockModel model = model(true);
        long at = T0 + 2 * S;
        // Slewed 1 ms of R's 2 ms by now, so r = 1 ms; c(L) = 300 ms + 10 ppm × 2 s + 1 ms = 301.020 ms.
        assertThat(model.remainingResidualSeconds(at)).isCloseTo(0.001, within(1e-15));
        assertThat(model.correctionNanos(at)).isEqualTo(301_020_000L);
        // h = 2.5 ms; g = (15 + 10) ppm × 2 s = 50 µs.
        assertThat(model.boundGrowthRate()).isCloseTo(25e-6, within(1e-18));
        assertThat(model.halfWidthSeconds(at)).isCloseTo(0.00255, within(1e-15));
        // The interval's middle is r + c = 1.5 ms from V: error bound 1.5 + 2.55 = 4.05 ms.
        assertThat(model.errorBoundSeconds(at)).isCloseTo(0.00405, within(1e-15));

        TimeReading reading = model.read(at);
        long now = at + 301_020_000L;
        assertThat(reading.nowNanos()).isEqualTo(now);
        // [V + 1.5 − 2.55, V + 1.5 + 2.55] ms, rounded outwards with a nanosecond more each side.
        assertThat(reading.earliestNanos()).isBetween(now - 1_050_002L, now - 1_050_001L);
        assertThat(reading.latestNanos()).isBetween(now + 4_050_001L, now + 4_050_002L);
        assertThat(reading.errorBoundNanos()).isEqualTo(reading.latestNanos() - now);
        assertThat(reading.status()).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(reading.stratum()).isEqualTo(1);
    }

    @Test
    void ntpRootFieldsAreDerivedFromTheIntervalAndThePath() {
        // λ about the estimate is max(2, 3) = 3 ms: the 4 ms path delay fits in 2λ, the rest is dispersion.
        RootFields fields = model(true).referenceRootFields();
        assertThat(fields.delaySeconds()).isCloseTo(0.004, within(1e-15));
        assertThat(fields.dispersionSeconds()).isCloseTo(0.001, within(1e-15));
        assertThat(ClockModel.unsynchronized(15e-6, 10 * S, 1.0).referenceRootFields()).isNull();
    }

    @Test
    void onceSlewedInOnlyTheCentreAndDriftRemain() {
        ClockModel model = model(true);
        long at = T0 + 5 * S; // 500 ppm × 5 s = 2.5 ms ≥ R: all slewed in
        assertThat(model.remainingResidualSeconds(at)).isZero();
        assertThat(model.correctionNanos(at)).isEqualTo(300_000_000L + 50_000L + 2_000_000L);
        assertThat(model.halfWidthSeconds(at)).isCloseTo(0.0025 + 25e-6 * 5, within(1e-15));
        assertThat(model.errorBoundSeconds(at)).isCloseTo(0.0005 + 0.0025 + 25e-6 * 5, within(1e-15));
    }

    @Test
    void statusFollowsAgeMajorityAndTheMaximumBound() {
        assertThat(model(true).status(T0 + 10 * S)).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(model(true).status(T0 + 10 * S + 1)).isEqualTo(ClockStatus.HOLDOVER);
        assertThat(model(false).status(T0)).isEqualTo(ClockStatus.HOLDOVER);
        // The bound passes 0.1 s when 3 ms + 25 ppm × age > 0.1 s: after 3,880 s.
        assertThat(model(true).status(T0 + 3_879 * S)).isEqualTo(ClockStatus.HOLDOVER);
        assertThat(model(true).status(T0 + 3_881 * S)).isEqualTo(ClockStatus.UNSYNCHRONIZED);
        TimeReading unsynchronised = model(true).read(T0 + 3_881 * S);
        assertThat(unsynchronised.stratum()).isEqualTo(16);
        assertThat(unsynchronised.leap()).isEqualTo(LeapIndicator.ALARM);
    }

    @Test
    void neverReferencedMeansNoBound() {
        ClockModel model = ClockModel.unsynchronized(15e-6, 10 * S, 1.0);
        assertThat(model.errorBoundSeconds(T0)).isInfinite();
        assertThat(model.correctionNanos(T0)).isZero();
        assertThat(model.read(T0).bounded()).isFalse();
    }

    @Test
    void theIntervalGrowsWithAgeAtMaxDriftPlusTheMagnitudeOfTheFrequency() {
        // f = −10 ppm: the bound grows at 15 + |−10| = 25 ppm, not at 15 − 10.
        ClockModel model = model(-10e-6, true);
        assertThat(model.boundGrowthRate()).isCloseTo(25e-6, within(1e-18));
        for (long age : new long[] {0, 1, 10, 100, 1_000}) {
            assertThat(model.halfWidthSeconds(T0 + age * S)).isCloseTo(0.0025 + 25e-6 * age, within(1e-15));
        }
        // At 100 s: c(L) = 300 ms − 10 ppm × 100 s + R (2 ms, all slewed in) = 301 ms; the interval is the
        // centre +0.5 ms ± (2.5 ms + 25 ppm × 100 s = 5 ms): [V − 4.5 ms, V + 5.5 ms].
        long at = T0 + 100 * S;
        TimeReading reading = model.read(at);
        long now = at + 301_000_000L;
        assertThat(reading.nowNanos()).isEqualTo(now);
        assertThat(reading.earliestNanos()).isBetween(now - 4_500_002L, now - 4_500_001L);
        assertThat(reading.latestNanos()).isBetween(now + 5_500_001L, now + 5_500_002L);
        assertThat(model.errorBoundSeconds(at)).isCloseTo(0.0055, within(1e-15));
        assertThat(reading.status()).isEqualTo(ClockStatus.HOLDOVER);
    }

    @Test
    void holdoverSwitchesTheStatusButNotTheBound() {
        // Without a majority the clock is in holdover at once; with one only after holdoverAfter (10 s).
        for (long at : new long[] {T0, T0 + 10 * S, T0 + 10 * S + 1, T0 + 60 * S}) {
            TimeReading held = model(false).read(at);
            TimeReading followed = model(true).read(at);
            assertThat(held.status()).isEqualTo(ClockStatus.HOLDOVER);
            assertThat(followed.status()).isEqualTo(at <= T0 + 10 * S ? ClockStatus.SYNCHRONIZED : ClockStatus.HOLDOVER);
            assertThat(held.earliestNanos()).isEqualTo(followed.earliestNanos());
            assertThat(held.latestNanos()).isEqualTo(followed.latestNanos());
            assertThat(held.stratum()).isEqualTo(1);
        }
    }
}
