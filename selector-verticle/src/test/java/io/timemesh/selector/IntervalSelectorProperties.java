package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.time.OffsetInterval;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of the intersection on random interval sets, checked against a brute-force count. */
class IntervalSelectorProperties {

    /** How many candidates cover the point x. */
    private static int depthAt(List<Candidate> candidates, double x) {
        return (int) candidates.stream().filter(c -> c.low() <= x && x <= c.high()).count();
    }

    /** Every endpoint, and the midpoint between neighbouring endpoints: depth only changes there. */
    private static List<Double> probes(List<Candidate> candidates) {
        List<Double> points = new ArrayList<>();
        for (Candidate c : candidates) {
            points.add(c.low());
            points.add(c.high());
        }
        points.sort(Double::compare);
        List<Double> probes = new ArrayList<>(points);
        for (int i = 0; i + 1 < points.size(); i++) {
            probes.add((points.get(i) + points.get(i + 1)) / 2);
        }
        return probes;
    }

    @Property(tries = 2_000)
    void chosenRegionIsCoveredByExactlyTheReportedNumberAndNoPointByMore(@ForAll("intervalSets") List<Candidate> set) {
        Intersection result = IntervalSelector.select(set);
        double mid = (result.regionLow() + result.regionHigh()) / 2;
        assertThat(depthAt(set, result.regionLow())).isEqualTo(result.depth());
        assertThat(depthAt(set, result.regionHigh())).isEqualTo(result.depth());
        assertThat(depthAt(set, mid)).isEqualTo(result.depth());
        for (double x : probes(set)) {
            assertThat(depthAt(set, x)).isLessThanOrEqualTo(result.depth());
        }
        assertThat(result.truechimers()).hasSize(result.depth());
        assertThat(result.truechimers().size() + result.falsetickers().size()).isEqualTo(set.size());
        result.truechimers().forEach(c -> assertThat(c.covers(result.regionLow(), result.regionHigh())).isTrue());
        result.falsetickers().forEach(c -> assertThat(c.covers(result.regionLow(), result.regionHigh())).isFalse());
    }

    @Property(tries = 2_000)
    void majorityHullHoldsEveryPointAStrictMajorityCovers(@ForAll("intervalSets") List<Candidate> set) {
        Intersection result = IntervalSelector.select(set);
        int majority = set.size() / 2 + 1;
        for (double x : probes(set)) {
            if (depthAt(set, x) >= majority) {
                assertThat(x).isBetween(result.majorityLow(), result.majorityHigh());
            }
        }
        if (result.majority()) {
            assertThat(result.regionLow()).isGreaterThanOrEqualTo(result.majorityLow());
            assertThat(result.regionHigh()).isLessThanOrEqualTo(result.majorityHigh());
            assertThat(depthAt(set, result.majorityLow())).isGreaterThanOrEqualTo(majority);
            assertThat(depthAt(set, result.majorityHigh())).isGreaterThanOrEqualTo(majority);
        }
    }

    @Property(tries = 1_000)
    void truthIsInsideTheHullWheneverFewerThanHalfLie(@ForAll("honestAndLiars") List<Candidate> set) {
        // The generator makes every honest interval cover 0 and fewer than half the set liars.
        Intersection result = IntervalSelector.select(set);
        assertThat(result.majority()).isTrue();
        assertThat(0.0).isBetween(result.majorityLow(), result.majorityHigh());
        double combined = Math.min(result.majorityHigh(),
                Math.max(result.majorityLow(), Combiner.combine(result.truechimers(), CombinerTest.samples(set), 0)));
        assertThat(Math.abs(combined)).isLessThanOrEqualTo(
                Math.max(combined - result.majorityLow(), result.majorityHigh() - combined));
    }

    @Property(tries = 500)
    void orderOfCandidatesDoesNotChangeTheAnswer(@ForAll("intervalSets") List<Candidate> set) {
        List<Candidate> reversed = new ArrayList<>(set);
        java.util.Collections.reverse(reversed);
        Intersection a = IntervalSelector.select(set);
        Intersection b = IntervalSelector.select(reversed);
        assertThat(b.regionLow()).isEqualTo(a.regionLow());
        assertThat(b.regionHigh()).isEqualTo(a.regionHigh());
        assertThat(b.depth()).isEqualTo(a.depth());
    }

    @Provide
    Arbitrary<List<Candidate>> intervalSets() {
        Arbitrary<Candidate> candidate = Combinators.combine(
                Arbitraries.integers().between(-1000, 1000),
                Arbitraries.integers().between(0, 300),
                Arbitraries.integers().between(1, 15),
                Arbitraries.strings().alpha().ofLength(6))
                .as((offset, distance, stratum, name) -> new Candidate(name, OffsetInterval.around(offset / 1000.0, distance / 1000.0), stratum, false));
        return candidate.list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Candidate>> honestAndLiars() {
        Arbitrary<Candidate> honest = Combinators.combine(
                Arbitraries.doubles().between(-0.05, 0.05), Arbitraries.doubles().between(0, 0.05))
                .as((offset, extra) -> new Candidate("h", OffsetInterval.around(offset, Math.abs(offset) + extra), 2, false));
        Arbitrary<Candidate> liar = Combinators.combine(
                Arbitraries.doubles().between(-2, 2), Arbitraries.doubles().between(0, 0.2))
                .as((offset, distance) -> new Candidate("l", OffsetInterval.around(offset, distance), 2, false));
        return Arbitraries.integers().between(1, 7).flatMap(honestCount ->
                Combinators.combine(honest.list().ofSize(honestCount),
                                liar.list().ofMaxSize((honestCount - 1)))
                        .as((h, l) -> {
                            List<Candidate> all = new ArrayList<>(h);
                            all.addAll(l);
                            return all;
                        }));
    }
}
