package io.timemesh.selector;

/**
 * One source's offset interval as the intersection sees it.
 *
 * @param offsetSeconds       θ, the interval's centre
 * @param rootDistanceSeconds λ, its half-width (aged to the selection time)
 * @param trusted             configured as trusted: wins ties
 */
public record Candidate(String source, double offsetSeconds, double rootDistanceSeconds, int stratum,
                        boolean trusted) {

    public Candidate {
        if (!(rootDistanceSeconds >= 0) || !Double.isFinite(offsetSeconds)) {
            throw new IllegalArgumentException(source + ": offset must be finite and root distance >= 0");
        }
    }

    public double low() {
        return offsetSeconds - rootDistanceSeconds;
    }

    public double high() {
        return offsetSeconds + rootDistanceSeconds;
    }

    public boolean covers(double low, double high) {
        return low() <= low && high <= high();
    }
}
