package io.timemesh.core.exchange;

import io.timemesh.core.time.OffsetInterval;

/**
 * The clock filter's answer: the minimum-delay sample of the last eight, its dispersion aged to
 * {@code atNanos}, and the jitter of the stages around it.
 */
public record FilteredEstimate(NtpSample best, long atNanos, double dispersionSeconds, double jitterSeconds,
                               int stages) {

    public double rootDistanceSeconds() {
        return ExchangeMath.rootDistanceSeconds(best.delaySeconds(), best.rootDelaySeconds(),
                best.rootDispersionSeconds(), dispersionSeconds, jitterSeconds);
    }

    /** [θ − λ, θ + λ]: where the true offset lies if the server told the truth. */
    public OffsetInterval interval() {
        return OffsetInterval.around(best.offsetSeconds(), rootDistanceSeconds());
    }
}
