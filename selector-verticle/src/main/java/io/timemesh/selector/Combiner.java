package io.timemesh.selector;

import java.util.List;

/**
 * Combines the survivors' offsets weighted by 1/λ (RFC 5905 §11.2.3, the seeds' weighted average).
 *
 * <p>Why not the midpoint of the intersection: the midpoint is set by just the two sources whose
 * edges bound the region, so it jumps whenever either one's delay changes, and a wide source can
 * move it as much as a tight one. The weighted average uses every survivor and trusts each in
 * proportion to how tightly it is bounded.
 */
public final class Combiner {
    private Combiner() {}

    /** Smallest λ used as a weight, so a zero-width interval cannot take all the weight by division by zero. */
    private static final double MIN_DISTANCE = 1e-9;

    public static double weightedOffset(List<Candidate> survivors) {
        if (survivors.isEmpty()) {
            throw new IllegalArgumentException("nothing to combine");
        }
        double weighted = 0;
        double weights = 0;
        for (Candidate c : survivors) {
            double weight = 1 / Math.max(c.rootDistanceSeconds(), MIN_DISTANCE);
            weighted += weight * c.offsetSeconds();
            weights += weight;
        }
        return weighted / weights;
    }
}
