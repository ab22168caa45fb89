package io.timemesh.core.exchange;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;

/**
 * One accepted exchange with a server, reduced to what the clock filter and the selector need.
 *
 * @param t1Nanos             our transmit time (local timescale)
 * @param t4Nanos             our receive time (local timescale): the sample's epoch for ageing
 * @param offsetSeconds       θ, server minus local
 * @param delaySeconds        δ, never negative
 * @param dispersionSeconds   ε at sample time
 * @param referenceId         as people read it at the server's stratum
 * @param precisionLog2       the server's precision field
 */
public record NtpSample(
        long t1Nanos,
        long t4Nanos,
        double offsetSeconds,
        double delaySeconds,
        double dispersionSeconds,
        double rootDelaySeconds,
        double rootDispersionSeconds,
        int stratum,
        String referenceId,
        LeapIndicator leap,
        int precisionLog2) {

    /** λ of this sample alone (no filter jitter), ε aged to {@code nowNanos}. */
    public double rootDistanceSeconds(long nowNanos, double jitterSeconds) {
        return ExchangeMath.rootDistanceSeconds(delaySeconds, rootDelaySeconds, rootDispersionSeconds,
                agedDispersionSeconds(nowNanos), jitterSeconds);
    }

    /** ε grown by PHI for every second since the sample was taken. */
    public double agedDispersionSeconds(long nowNanos) {
        double age = Math.max(0, nowNanos - t4Nanos) / 1e9;
        return dispersionSeconds + NtpConstants.PHI * age;
    }
}
