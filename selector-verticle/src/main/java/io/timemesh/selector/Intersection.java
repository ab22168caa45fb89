package io.timemesh.selector;

import java.util.List;

/**
 * The result of intersecting candidate intervals.
 *
 * @param regionLow    the chosen deepest region (Marzullo's answer)
 * @param depth        how many candidates cover it
 * @param majorityLow  lowest offset covered by a strict majority of candidates (NaN if none)
 * @param majorityHigh highest offset covered by a strict majority (NaN if none)
 * @param truechimers  candidates covering the chosen region
 * @param falsetickers candidates not covering it
 * @param tiedRegions  how many deepest regions there were before the tie-break
 * @param voters       the count a majority is taken of: every configured server once, answering or not
 */
public record Intersection(double regionLow, double regionHigh, int depth, double majorityLow,
                           double majorityHigh, List<Candidate> truechimers, List<Candidate> falsetickers,
                           int tiedRegions, int voters) {

    /** A strict majority of the voters agree on the region. */
    public boolean majority() {
        return depth > voters / 2.0;
    }
}
