package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.time.OffsetInterval;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every worked example of seed 001, plus the edge cases around them. */
class IntervalSelectorTest {

    private static final double EPS = 1e-12;

    /** Candidates named s1, s2, … from [low, high] pairs. */
    static List<Candidate> intervals(double... bounds) {
        List<Candidate> list = new ArrayList<>();
        for (int i = 0; i < bounds.length; i += 2) {
            double low = bounds[i];
            double high = bounds[i + 1];
            list.add(new Candidate("s" + (i / 2 + 1), OffsetInterval.around((low + high) / 2, (high - low) / 2), 2, false));
        }
        return list;
    }

    private static List<String> names(List<Candidate> candidates) {
        return candidates.stream().map(Candidate::source).toList();
    }

    @Test
    void seedFiveAgreeingServersGive0_500To0_650() {
        Intersection result = IntervalSelector.select(intervals(0.350, 0.750, 0.400, 0.800, 0.450, 0.700,
                0.500, 0.850, 0.300, 0.650));
        assertThat(result.regionLow()).isCloseTo(0.500, within(EPS));
        assertThat(result.regionHigh()).isCloseTo(0.650, within(EPS));
        assertThat(result.depth()).isEqualTo(5);
        assertThat(result.falsetickers()).isEmpty();
        assertThat(result.majority()).isTrue();
        // The seed's midpoint offset 0.575 s.
        assertThat((result.regionLow() + result.regionHigh()) / 2).isCloseTo(0.575, within(EPS));
        // Offsets covered by at least 3 of the 5 run from 0.400 to 0.750: what holds even if 2 lie.
        assertThat(result.majorityLow()).isCloseTo(0.400, within(EPS));
        assertThat(result.majorityHigh()).isCloseTo(0.750, within(EPS));
    }

    @Test
    void seedOutlierIsExcludedAndFourAgreeOn0_115To0_200() {
        Intersection result = IntervalSelector.select(intervals(0.100, 0.200, 0.110, 0.210, 0.105, 0.205,
                0.500, 0.600, 0.115, 0.215));
        assertThat(result.regionLow()).isCloseTo(0.115, within(EPS));
        assertThat(result.regionHigh()).isCloseTo(0.200, within(EPS));
        assertThat(result.depth()).isEqualTo(4);
        assertThat(names(result.falsetickers())).containsExactly("s4");
    }

    @Test
    void seedTieExampleIsNoTieFourAgreeOn0_380To0_400() {
        // The seed says two 3-deep regions, [0.250, 0.300] and [0.380, 0.400]. Checking coverage:
        // [0.380, 0.400] lies inside s2 [0.2, 0.4], s3 [0.25, 0.45], s4 [0.35, 0.55] and s5 [0.38, 0.58],
        // so it is 4 deep, and only s1 [0.1, 0.3] disagrees. [0.250, 0.300] is just 3 deep (s1, s2, s3).
        Intersection result = IntervalSelector.select(intervals(0.100, 0.300, 0.200, 0.400, 0.250, 0.450,
                0.350, 0.550, 0.380, 0.580));
        assertThat(result.depth()).isEqualTo(4);
        assertThat(result.regionLow()).isCloseTo(0.380, within(EPS));
        assertThat(result.regionHigh()).isCloseTo(0.400, within(EPS));
        assertThat(names(result.falsetickers())).containsExactly("s1");
        assertThat(result.tiedRegions()).isEqualTo(1);
    }

    @Test
    void seedWideIntervalsGive0_2To0_5() {
        Intersection result = IntervalSelector.select(intervals(0.1, 0.5, 0.15, 0.55, 0.2, 0.6));
        assertThat(result.regionLow()).isCloseTo(0.2, within(EPS));
        assertThat(result.regionHigh()).isCloseTo(0.5, within(EPS));
        assertThat(result.depth()).isEqualTo(3);
    }

    @Test
    void seedNarrowIntervalsGive0_305To0_310WithTwoOfThree() {
        Intersection result = IntervalSelector.select(intervals(0.300, 0.310, 0.305, 0.315, 0.500, 0.600));
        assertThat(result.regionLow()).isCloseTo(0.305, within(EPS));
        assertThat(result.regionHigh()).isCloseTo(0.310, within(EPS));
        assertThat(result.depth()).isEqualTo(2);
        assertThat(result.majority()).isTrue();
        assertThat(names(result.falsetickers())).containsExactly("s3");
    }

    @Test
    void realTieGoesToTheNarrowerRegion() {
        // Two disjoint pairs: s1∩s2 = [0.10, 0.20] (width 0.10), s3∩s4 = [0.50, 0.52] (width 0.02).
        Intersection result = IntervalSelector.select(intervals(0.0, 0.20, 0.10, 0.30, 0.40, 0.52, 0.50, 0.60));
        assertThat(result.tiedRegions()).isEqualTo(2);
        assertThat(result.regionLow()).isCloseTo(0.50, within(EPS));
        assertThat(result.regionHigh()).isCloseTo(0.52, within(EPS));
        assertThat(result.majority()).isFalse(); // 2 of 4 is no strict majority
    }

    @Test
    void equalWidthTieGoesToTheTrustedThenLowerStratumSide() {
        // Binary-exact values, so both overlaps are exactly 0.125 wide: [0.25, 0.375] and [1.25, 1.375].
        List<Candidate> trustedRight = List.of(
                new Candidate("a", OffsetInterval.around(0.25, 0.125), 1, false), new Candidate("b", OffsetInterval.around(0.375, 0.125), 1, false),
                new Candidate("c", OffsetInterval.around(1.25, 0.125), 3, true), new Candidate("d", OffsetInterval.around(1.375, 0.125), 3, false));
        Intersection trusted = IntervalSelector.select(trustedRight);
        assertThat(trusted.tiedRegions()).isEqualTo(2);
        assertThat(names(trusted.truechimers())).containsExactly("c", "d");
        List<Candidate> noTrust = List.of(
                new Candidate("a", OffsetInterval.around(0.25, 0.125), 3, false), new Candidate("b", OffsetInterval.around(0.375, 0.125), 3, false),
                new Candidate("c", OffsetInterval.around(1.25, 0.125), 1, false), new Candidate("d", OffsetInterval.around(1.375, 0.125), 2, false));
        assertThat(names(IntervalSelector.select(noTrust).truechimers())).containsExactly("c", "d");
    }

    @Test
    void touchingIntervalsAgreeOnTheirCommonPoint() {
        Intersection result = IntervalSelector.select(intervals(0.0, 1.0, 1.0, 2.0, 0.5, 1.5));
        assertThat(result.depth()).isEqualTo(3);
        assertThat(result.regionLow()).isEqualTo(1.0);
        assertThat(result.regionHigh()).isEqualTo(1.0);
    }

    @Test
    void twoLiarsAgreeingAgainstTwoHonestSourcesAreNoMajority() {
        Intersection result = IntervalSelector.select(intervals(0.29, 0.31, 0.295, 0.315, 1.19, 1.21, 1.195, 1.215));
        assertThat(result.depth()).isEqualTo(2);
        assertThat(result.majority()).isFalse();
    }

    @Test
    void colludingLiarsCanWinTheDeepestRegionButNotTheMajorityHull() {
        // Truth 0. Honest h1..h3 all cover 0; liars l1, l2 overlap h1 and h2 far from 0 to make a 4-deep region.
        List<Candidate> candidates = List.of(
                new Candidate("h1", OffsetInterval.around(0.05, 0.06), 1, false),   // [-0.01, 0.11]
                new Candidate("h2", OffsetInterval.around(0.04, 0.05), 1, false),   // [-0.01, 0.09]
                new Candidate("h3", OffsetInterval.around(-0.01, 0.02), 1, false),  // [-0.03, 0.01]
                new Candidate("l1", OffsetInterval.around(0.09, 0.01), 1, false),   // [0.08, 0.10]
                new Candidate("l2", OffsetInterval.around(0.09, 0.015), 1, false)); // [0.075, 0.105]
        Intersection result = IntervalSelector.select(candidates);
        assertThat(result.depth()).isEqualTo(4);
        assertThat(result.regionLow()).isGreaterThan(0.0); // the deepest region misses the truth...
        assertThat(result.majorityLow()).isLessThanOrEqualTo(0.0); // ...the majority hull does not
        assertThat(result.majorityHigh()).isGreaterThanOrEqualTo(0.0);
    }

    @Test
    void singleCandidateIsItsOwnMajority() {
        Intersection result = IntervalSelector.select(intervals(0.1, 0.2));
        assertThat(result.majority()).isTrue();
        assertThat(result.majorityLow()).isCloseTo(0.1, within(EPS));
        assertThat(result.majorityHigh()).isCloseTo(0.2, within(EPS));
    }

    @Test
    void noCandidatesIsNoAnswer() {
        Intersection result = IntervalSelector.select(List.of());
        assertThat(result.depth()).isZero();
        assertThat(result.truechimers()).isEmpty();
    }

    /** Found by IntervalSelectorProperties: two deepest regions whose covering distances sum equal, but not bit for bit in every order. */
    @Test
    void equalRootDistanceSumsBreakTheTieTheSameWayInEveryOrder() {
        List<Candidate> set = new java.util.ArrayList<>(List.of(new Candidate("a", OffsetInterval.around(0.0, 0.0), 1, false),
                new Candidate("b", OffsetInterval.around(0.0, 0.001), 1, false), new Candidate("c", OffsetInterval.around(0.0, 0.001), 1, false),
                new Candidate("d", OffsetInterval.around(0.001, 0.001), 1, false), new Candidate("e", OffsetInterval.around(0.0, 0.008), 1, false),
                new Candidate("f", OffsetInterval.around(-0.001, 0.0), 1, false), new Candidate("g", OffsetInterval.around(-0.002, 0.001), 1, false)));
        Intersection forward = IntervalSelector.select(set);
        java.util.Collections.reverse(set);
        Intersection reversed = IntervalSelector.select(set);
        assertThat(reversed.regionLow()).isEqualTo(forward.regionLow());
        assertThat(forward.regionLow()).isEqualTo(-0.001); // equal sums: the lower region
    }
}
