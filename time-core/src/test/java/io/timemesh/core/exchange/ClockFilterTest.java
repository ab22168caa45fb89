package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.ntp.LeapIndicator;
import org.junit.jupiter.api.Test;

class ClockFilterTest {

    private static final long SECOND = 1_000_000_000L;

    private static NtpSample sample(long atSeconds, double offset, double delay) {
        long t4 = atSeconds * SECOND;
        return new NtpSample(t4 - (long) (delay * 1e9), t4, offset, delay, 1e-6, 0, 0, 1, "GPS",
                LeapIndicator.NO_WARNING, -20);
    }

    @Test
    void emptyFilterHasNoEstimate() {
        assertThat(new ClockFilter().estimate(0)).isNull();
    }

    @Test
    void singleSampleHasNoJitter() {
        FilteredEstimate estimate = new ClockFilter().add(sample(1, 0.1, 0.01));
        assertThat(estimate.best().offsetSeconds()).isEqualTo(0.1);
        assertThat(estimate.jitterSeconds()).isZero();
        assertThat(estimate.stages()).isEqualTo(1);
        assertThat(estimate.rootDistanceSeconds()).isCloseTo(0.005 + 1e-6, within(1e-12));
    }

    @Test
    void picksTheMinimumDelaySample() {
        ClockFilter filter = new ClockFilter();
        filter.add(sample(1, 0.110, 0.030));
        filter.add(sample(2, 0.101, 0.020));
        FilteredEstimate estimate = filter.add(sample(3, 0.120, 0.050));
        assertThat(estimate.best().offsetSeconds()).isEqualTo(0.101);
        // RMS about the chosen offset over stages within 2× its delay (0.030 counts, 0.050 does not): sqrt(0.009² / 1)
        assertThat(estimate.jitterSeconds()).isCloseTo(0.009, within(1e-12));
    }

    @Test
    void queuedStagesDoNotInflateTheJitter() {
        ClockFilter filter = new ClockFilter();
        filter.add(sample(1, 0.150, 0.200)); // a cold start: 200 ms of queueing, offset 50 ms off
        filter.add(sample(2, 0.1001, 0.010));
        FilteredEstimate estimate = filter.add(sample(3, 0.0999, 0.0105));
        assertThat(estimate.jitterSeconds()).isCloseTo(Math.sqrt(0.0002 * 0.0002), within(1e-12));
    }

    @Test
    void keepsOnlyTheLastEightStages() {
        ClockFilter filter = new ClockFilter();
        filter.add(sample(1, 0.5, 0.001)); // best of all, but pushed out by eight later samples
        FilteredEstimate estimate = null;
        for (int i = 2; i <= 9; i++) {
            estimate = filter.add(sample(i, 0.1 + i * 0.001, 0.010 + i * 0.001));
        }
        assertThat(estimate.stages()).isEqualTo(8);
        assertThat(estimate.best().offsetSeconds()).isCloseTo(0.102, within(1e-12));
    }

    @Test
    void dispersionAgesWithPhi() {
        ClockFilter filter = new ClockFilter();
        filter.add(sample(10, 0.1, 0.01));
        FilteredEstimate later = filter.estimate(110 * SECOND);
        assertThat(later.dispersionSeconds()).isCloseTo(1e-6 + 15e-6 * 100, within(1e-12));
        assertThat(later.interval().contains(0.1)).isTrue();
    }

    @Test
    void equalDelaysPreferTheNewerSample() {
        ClockFilter filter = new ClockFilter();
        filter.add(sample(1, 0.1, 0.01));
        assertThat(filter.add(sample(2, 0.2, 0.01)).best().offsetSeconds()).isEqualTo(0.2);
    }

    @Test
    void samplesComeOutOldestFirstAndRebuildTheSameFilter() {
        ClockFilter filter = new ClockFilter();
        for (int i = 1; i <= 11; i++) {
            filter.add(sample(i, 0.1 + i * 0.001, 0.01 + (i % 3) * 0.001));
        }
        assertThat(filter.samples()).hasSize(8);
        assertThat(filter.samples().get(0).t4Nanos()).isEqualTo(4 * SECOND);
        ClockFilter copy = new ClockFilter();
        filter.samples().forEach(copy::add);
        assertThat(copy.estimate(12 * SECOND)).isEqualTo(filter.estimate(12 * SECOND));
    }

    @Test
    void clearForgetsEverything() {
        ClockFilter filter = new ClockFilter();
        filter.add(sample(1, 0.1, 0.01));
        filter.clear();
        assertThat(filter.size()).isZero();
        assertThat(filter.estimate(2 * SECOND)).isNull();
    }
}
