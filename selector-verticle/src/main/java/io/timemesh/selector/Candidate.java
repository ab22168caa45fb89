package io.timemesh.selector;

import io.timemesh.core.time.OffsetInterval;

/**
 * One source's offset interval as the intersection sees it.
 *
 * @param interval the source's exact interval, aged to the selection time, s
 * @param stratum  the source's stratum
 * @param trusted  configured as trusted: wins ties
 */
public record Candidate(String source, OffsetInterval interval, int stratum, boolean trusted) {

    public Candidate {
        if (!Double.isFinite(interval.low()) || !Double.isFinite(interval.high())) {
            throw new IllegalArgumentException(source + ": interval must be finite, was " + interval);
        }
    }

    /** θ: the interval's centre, s. */
    public double offsetSeconds() {
        return interval.midpoint();
    }

    /** λ: the interval's half-width, s. */
    public double rootDistanceSeconds() {
        return interval.halfWidth();
    }

    public double low() {
        return interval.low();
    }

    public double high() {
        return interval.high();
    }

    public boolean covers(double low, double high) {
        return low() <= low && high <= high();
    }
}
