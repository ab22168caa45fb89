package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.message.SourceSample;
import io.timemesh.core.ntp.LeapIndicator;
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
        return new SourceSample(c.source(), c.source(), "n", 0, 0, c.offsetSeconds(), 0, 0, 0, 0, 0,
                c.rootDistanceSeconds(), c.stratum(), "X", LeapIndicator.NO_WARNING, 255, 1, 8, estimate, error);
    }

    @Test
    void weighsByInverseSquaredError() {
        // e² = w²/3: 1e-4/3 and 9e-4/3, weights in the ratio 9 : 1, so (9·0.10 + 0.14) / 10 = 0.104.
        Candidate a = new Candidate("a", 0.10, 0.01, 1, false);
        Candidate b = new Candidate("b", 0.14, 0.03, 1, false);
        assertThat(Combiner.combine(List.of(a, b), samples(List.of(a, b)))).isCloseTo(0.104, within(1e-12));
    }

    @Test
    void usesTheEstimatesNotTheIntervalCentresAndCountsTheirStandardError() {
        Candidate a = new Candidate("a", 0.0, 0.003, 1, false);
        Candidate b = new Candidate("b", 0.0, 0.003, 1, false);
        Map<String, SourceSample> samples = Map.of("a", sample(a, 0.001, 0), "b", sample(b, -0.001, 0.003));
        // e² of a = 3e-6, of b = 9e-6 + 3e-6: weights 4 : 1, so (4·0.001 − 0.001) / 5 = 0.0006.
        assertThat(Combiner.combine(List.of(a, b), samples)).isCloseTo(0.0006, within(1e-12));
    }

    @Test
    void aZeroWidthSurvivorDoesNotDivideByZero() {
        Candidate z = new Candidate("z", 0.3, 0, 1, false);
        Candidate w = new Candidate("w", 0.5, 0.1, 1, false);
        assertThat(Combiner.combine(List.of(z, w), samples(List.of(z, w)))).isCloseTo(0.3, within(1e-6));
    }

    @Test
    void clusterStepDropsAFarOffSurvivor() {
        // Five survivors with 0.3 ms errors; one 5 ms off the others. Its selection jitter (~5 ms) exceeds
        // the least error, so it goes; the rest agree within their errors and stay.
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
                new Combiner.Estimate("b", 0.0005, 1e-3), new Combiner.Estimate("c", -0.0005, 1e-3),
                new Combiner.Estimate("d", 0.0008, 1e-3));
        assertThat(Combiner.cluster(agreeing)).hasSize(4);
    }
}
