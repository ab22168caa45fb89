package io.timemesh.selector;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Marzullo's intersection (RFC 5905 §11.2.1, seed 001): sort the 2n endpoints, sweep while counting
 * how many intervals cover each stretch, and take the stretch covered by the most. O(n log n).
 *
 * <p>Ties between equally deep regions are broken, in order, by: (1) the narrower region; (2) a
 * region covered by a trusted source; (3) the lower best stratum among its covering sources; (4) the
 * smaller total root distance of its covering sources; (5) the lower region, so the answer is always
 * deterministic.
 *
 * <p>Besides the deepest region it reports the hull of every offset covered by a strict majority.
 * That hull, not the deepest region, is what may be promised: if fewer than half the candidates lie,
 * the honest ones (a majority) all cover the true offset, so it has majority depth; but colluding
 * liars can make a deeper region elsewhere, so only the hull is sure to hold it.
 */
public final class IntervalSelector {
    private IntervalSelector() {}

    private record Region(double low, double high, int depth) {}

    public static Intersection select(List<Candidate> candidates) {
        return select(candidates, candidates.size());
    }

    /**
     * @param voters how many servers the majority is counted over: every configured one, answering or not,
     *               so neither a few early answers nor the survivors of a silence can make a majority alone
     * @throws IllegalArgumentException when there are fewer voters than candidates
     */
    public static Intersection select(List<Candidate> candidates, int voters) {
        int n = candidates.size();
        if (voters < n) {
            throw new IllegalArgumentException("voters " + voters + " < candidates " + n);
        }
        if (n == 0) {
            return new Intersection(Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, List.of(), List.of(), 0, voters);
        }
        // The lows and the highs sorted apart as primitives, then merged in the sweep: no boxing, no
        // comparator, and a radix sort when there are many. Closed intervals: at equal values starts come first, so touching ones overlap.
        double[] lows = new double[n];
        double[] highs = new double[n];
        for (int i = 0; i < n; i++) {
            lows[i] = candidates.get(i).low();
            highs[i] = candidates.get(i).high();
        }
        EndpointSort.sort(lows);
        EndpointSort.sort(highs);

        int majority = voters / 2 + 1;
        double majorityLow = Double.NaN;
        double majorityHigh = Double.NaN;
        int maxDepth = 0;
        List<Region> deepest = new ArrayList<>();
        int depth = 0;
        int nextLow = 0;
        int nextHigh = 0;
        for (int event = 0; event < 2 * n - 1; event++) {
            double low;
            if (nextLow < n && lows[nextLow] <= highs[nextHigh]) {
                low = lows[nextLow++];
                depth++;
            } else {
                low = highs[nextHigh++];
                depth--;
            }
            double high = nextLow < n && lows[nextLow] <= highs[nextHigh] ? lows[nextLow] : highs[nextHigh];
            if (depth >= majority) {
                if (Double.isNaN(majorityLow)) {
                    majorityLow = low;
                }
                majorityHigh = high;
            }
            if (depth > maxDepth) {
                maxDepth = depth;
                deepest.clear();
            }
            if (depth == maxDepth && depth > 0) {
                Region last = deepest.isEmpty() ? null : deepest.get(deepest.size() - 1);
                if (last != null && last.high() == low) {
                    deepest.set(deepest.size() - 1, new Region(last.low(), high, depth)); // one stretch, split by a zero-width event
                } else {
                    deepest.add(new Region(low, high, depth));
                }
            }
        }
        Region chosen = breakTie(deepest, candidates);
        List<Candidate> truechimers = new ArrayList<>();
        List<Candidate> falsetickers = new ArrayList<>();
        for (Candidate candidate : candidates) {
            (candidate.covers(chosen.low(), chosen.high()) ? truechimers : falsetickers).add(candidate);
        }
        return new Intersection(chosen.low(), chosen.high(), maxDepth, majorityLow, majorityHigh,
                List.copyOf(truechimers), List.copyOf(falsetickers), deepest.size(), voters);
    }

    /**
     * The narrowest deepest region; only regions exactly as narrow go on to the costlier rules, which
     * look at the sources covering each, so the usual case stays O(n log n).
     */
    private static Region breakTie(List<Region> deepest, List<Candidate> candidates) {
        double narrowest = deepest.stream().mapToDouble(r -> r.high() - r.low()).min().orElseThrow();
        List<Region> tied = deepest.stream().filter(r -> r.high() - r.low() == narrowest).toList();
        if (tied.size() == 1) {
            return tied.get(0);
        }
        return tied.stream().min(Comparator
                .<Region, Boolean>comparing(r -> covering(candidates, r).stream().noneMatch(Candidate::trusted))
                .thenComparingInt(r -> covering(candidates, r).stream().mapToInt(Candidate::stratum).min().orElse(16))
                // Summed in sorted order: a floating-point sum depends on its order, and the answer must not
                // depend on the order the candidates came in (found by IntervalSelectorProperties).
                .thenComparingDouble(r -> covering(candidates, r).stream()
                        .mapToDouble(Candidate::rootDistanceSeconds).sorted().sum())
                .thenComparingDouble(Region::low)).orElseThrow();
    }

    private static List<Candidate> covering(List<Candidate> candidates, Region region) {
        return candidates.stream().filter(c -> c.covers(region.low(), region.high())).toList();
    }
}
