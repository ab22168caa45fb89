package io.timemesh.core.exchange;

import io.timemesh.core.ntp.NtpConstants;

/**
 * The arithmetic of one client/server exchange (RFC 5905 §8, seed 001). Timestamps are nanoseconds;
 * T1 and T4 on the client's clock, T2 and T3 on the server's. Differences are taken in integers
 * before converting to seconds, so no precision is lost to the size of the epoch.
 */
public final class ExchangeMath {
    private ExchangeMath() {}

    /** θ = ((T2 − T1) + (T3 − T4)) / 2: how far the server's clock is ahead of ours. */
    public static double offsetSeconds(long t1, long t2, long t3, long t4) {
        return ((double) (t2 - t1) + (double) (t3 - t4)) / 2e9;
    }

    /** δ = (T4 − T1) − (T3 − T2): the round trip less the server's processing time. */
    public static double delaySeconds(long t1, long t2, long t3, long t4) {
        return ((t4 - t1) - (t3 - t2)) / 1e9;
    }

    /** ε at sample time = server precision + local precision + PHI × (T4 − T1). */
    public static double dispersionSeconds(double serverPrecision, double localPrecision, long t1, long t4) {
        return serverPrecision + localPrecision + NtpConstants.PHI * ((t4 - t1) / 1e9);
    }

    /**
     * Root distance λ = (rootDelay + δ)/2 + rootDispersion + ε + ψ: the most the measured offset can be
     * wrong by if the server's own claims hold. Half the round trip covers any split of the path
     * delay, however asymmetric (|d1 − d2|/2 ≤ (d1 + d2)/2); the server's root delay and dispersion
     * carry its own error to its reference; ε and jitter ψ cover reading and filter noise.
     */
    public static double rootDistanceSeconds(double delay, double rootDelay, double rootDispersion,
                                             double dispersion, double jitter) {
        return (rootDelay + delay) / 2 + rootDispersion + dispersion + jitter;
    }
}
