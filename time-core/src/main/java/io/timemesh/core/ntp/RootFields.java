package io.timemesh.core.ntp;

/**
 * NTP's root delay and root dispersion for a bound: the two header fields whose λ = delay/2 + dispersion a
 * client adds to its own (RFC 5905 §7.3, §11.2). They are derived from an interval where a packet or a
 * tracking report is written, never carried: the interval is the bound.
 *
 * @param delaySeconds      root delay, s: the system peer's root delay plus our delay to it, capped at 2λ
 * @param dispersionSeconds root dispersion, s: the rest of λ, so the two carry the whole bound
 */
public record RootFields(double delaySeconds, double dispersionSeconds) {

    /**
     * The fields carrying the bound {@code distanceSeconds} (λ, s, ≥ 0) along a path of root delay
     * {@code pathDelaySeconds}: the root delay is capped at 2λ, since a majority hull can be narrower
     * than the system peer's own delay.
     */
    public static RootFields carrying(double distanceSeconds, double pathDelaySeconds) {
        double delay = Math.min(pathDelaySeconds, 2 * distanceSeconds);
        return new RootFields(delay, Math.max(0, distanceSeconds - delay / 2));
    }
}
