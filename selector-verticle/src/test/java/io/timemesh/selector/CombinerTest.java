package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.message.SourceSample;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CombinerTest {

    /** Samples whose estimate is their candidate's centre, with no standard error. */
    static Map<String, SourceSample> samples(List<Candidate> candidates) {
        Map<String, SourceSample> samples = new LinkedHashMap<>();
        candidates.forEach(c -> samples.put(c.source(), sample(c, c.offsetSeconds(), 0)));
        return samples;
    }

    private static SourceSample sample(Candidate c, double estimate, double error) {
        return new SourceSample(c.source(), c.source(), "n", 0, 0,
                OffsetInterval.around(c.offsetSeconds(), c.rootDistanceSeconds()),
                new SourceSample.Filter(0, 0, 0, 8),
                new SourceSample.ServerFields(c.stratum(), "X", LeapIndicator.NO_WARNING, 0),
                new SourceSample.Estimate(estimate, error, 0), 255, 1);
    }

    @Test
    void weighsByInverseSquaredError() {
        // e² = w²/3: 1e-4/3 and 4e-4/3, weights in the ratio 4 : 1, so (4·0.10 + 0.14) / 5 = 0.108.
        Candidate a = new Candidate("a", OffsetInterval.around(0.10, 0.01), 1, false);
        Candidate b = new Candidate("b", OffsetInterval.around(0.14, 0.02), 1, false);
        assertThat(Combiner.combine(List.of(a, b), samples(List.of(a, b)), 0)).isCloseTo(0.108, within(1e-12));
    }

    @Test
    void usesEachSourcesPointEstimateNotItsIntervalsCentreAndCountsItsStandardError() {
        // The points sit 1 ms from the centres (the exact intervals' ageing moved those); the points are what count.
        Candidate a = new Candidate("a", OffsetInterval.around(0.001, 0.003), 1, false);
        Candidate b = new Candidate("b", OffsetInterval.around(-0.001, 0.003), 1, false);
        Map<String, SourceSample> samples = Map.of("a", sample(a, 0.002, 0), "b", sample(b, -0.002, 0.003));
        // e² of a = 3e-6, of b = 9e-6 + 3e-6: weights 4 : 1, so (4·0.002 − 0.002) / 5 = 0.0012.
        assertThat(Combiner.combine(List.of(a, b), samples, 0)).isCloseTo(0.0012, within(1e-12));
    }

    @Test
    void aZeroWidthSurvivorDoesNotDivideByZero() {
        Candidate z = new Candidate("z", OffsetInterval.around(0.3, 0), 1, false);
        Candidate w = new Candidate("w", OffsetInterval.around(0.5, 0.1), 1, false);
        assertThat(Combiner.combine(List.of(z, w), samples(List.of(z, w)), 0)).isCloseTo(0.3, within(1e-6));
    }

    @Test
    void aFarWorseSurvivorBarelyMovesTheEstimate() {
        // The wide one's error is 10 times the tight one's: it counts 1/100 as much, so 1.9 ms away it moves the
        // estimate by 1.9/101 ms.
        Candidate tight = new Candidate("tight", OffsetInterval.around(0.0001, 0.0003), 1, false);
        Candidate wide = new Candidate("wide", OffsetInterval.around(0.002, 0.003), 1, false);
        assertThat(Combiner.combine(List.of(tight, wide), samples(List.of(tight, wide)), 0))
                .isCloseTo(0.0001 + 0.0019 / 101, within(1e-12));
    }

    @Test
    void honestSourcesOnOppositeAsymmetricPathsAreAllKept() {
        // Paths 2/2, 3/1, 1/3, 2/2 ms: estimates 0, +1, −1, 0 ms, each ±2 ms wide (e = 2/√3 ms). Dropping the
        // +1 ms one alone would move the mean by −0.25 ms.
        double e = 0.002 / Math.sqrt(3);
        List<Combiner.Estimate> survivors = List.of(new Combiner.Estimate("a", 0, e),
                new Combiner.Estimate("b", 0.001, e), new Combiner.Estimate("c", -0.001, e),
                new Combiner.Estimate("d", 0, e));
        assertThat(Combiner.cluster(survivors)).hasSize(4);
        assertThat(Combiner.weightedOffset(survivors)).isCloseTo(0, within(1e-15));
        // Paths 1/1, 3/3, 2/4, 4/2 ms: the 1/1 one three times tighter; the 2/4 and 4/2 ones still both count.
        List<Combiner.Estimate> mixed = List.of(new Combiner.Estimate("a", 0, e / 2),
                new Combiner.Estimate("b", 0, 1.5 * e), new Combiner.Estimate("c", -0.001, 1.5 * e),
                new Combiner.Estimate("d", 0.001, 1.5 * e));
        assertThat(Combiner.weightedOffset(Combiner.cluster(mixed))).isCloseTo(0, within(1e-15));
    }

    @Test
    void clusterStepDropsAFarOffSurvivor() {
        // Five survivors with 0.3 ms errors; one 5 ms off the others. Its selection jitter (~5 ms) exceeds
        // three times the least error, so it goes; the rest agree within their errors and stay.
        List<Combiner.Estimate> survivors = List.of(new Combiner.Estimate("a", 0.0000, 3e-4),
                new Combiner.Estimate("b", 0.0001, 3e-4), new Combiner.Estimate("c", -0.0001, 3e-4),
                new Combiner.Estimate("d", 0.00005, 3e-4), new Combiner.Estimate("far", 0.005, 3e-4));
        List<Combiner.Estimate> kept = Combiner.cluster(survivors);
        assertThat(kept).extracting(Combiner.Estimate::source).containsExactly("a", "b", "c", "d");
        assertThat(Combiner.weightedOffset(kept)).isCloseTo(0.0000125, within(1e-12));
        // Without the step the far one would pull the mean by a fifth of its distance.
        assertThat(Combiner.weightedOffset(survivors)).isCloseTo(0.00101, within(1e-12));
    }

    @Test
    void clusterStepKeepsNminAndSurvivorsThatAgreeWithinTheirErrors() {
        List<Combiner.Estimate> three = List.of(new Combiner.Estimate("a", 0, 1e-4),
                new Combiner.Estimate("b", 0.001, 1e-4), new Combiner.Estimate("far", 0.05, 1e-4));
        assertThat(Combiner.cluster(three)).hasSize(Combiner.NMIN);
        List<Combiner.Estimate> agreeing = List.of(new Combiner.Estimate("a", 0, 1e-3),
                new Combiner.Estimate("b", 0.0015, 1e-3), new Combiner.Estimate("c", -0.0015, 1e-3),
                new Combiner.Estimate("d", 0.0024, 1e-3));
        assertThat(Combiner.cluster(agreeing)).hasSize(4);
    }

    @Test
    void eachEstimateIsCarriedToTheSelectionTimeAtItsFrequency() {
        Candidate a = new Candidate("a", OffsetInterval.around(0.0001, 0.001), 1, false);
        SourceSample drifting = new SourceSample("a", "a", "n", 0, 0, OffsetInterval.around(0.0001, 0.001),
                new SourceSample.Filter(0, 0, 0, 8),
                new SourceSample.ServerFields(1, "X", LeapIndicator.NO_WARNING, 0),
                new SourceSample.Estimate(0.0003, 0, 50e-6), 255, 1);
        // 50 ppm for 2 s since the estimate was published: 100 µs further on.
        assertThat(Combiner.combine(List.of(a), Map.of("a", drifting), 2_000_000_000L)).isCloseTo(0.0004, within(1e-12));
    }
}
