package io.timemesh.core.message;

import io.timemesh.core.exchange.FilteredEstimate;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.exchange.SourceEstimate;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;

/**
 * A sampler's current estimate for one source, published after every accepted exchange. Times are
 * on the sampler node's local timescale; offsets are server minus that timescale.
 *
 * @param source          the source as configured ("host:port")
 * @param address         the address it resolved to ("ip:port")
 * @param sampleTimeNanos when the filter's chosen sample was received
 * @param publishedNanos  when this estimate was made (dispersion is aged to here)
 * @param offsetSeconds   the centre of the source's exact interval (see {@link #interval()})
 * @param delaySeconds    δ of the clock filter's least-delay stage; dispersion and jitter are that stage's too
 * @param rootDistanceSeconds half the width of the source's exact interval, as of {@link #publishedNanos}
 * @param reach           the 8-bit reach register
 * @param filterStages    how many of the eight filter stages hold samples
 * @param estimateSeconds the source's best estimate of its offset (regression over its window), inside
 *                        {@link #interval()}
 * @param estimateErrorSeconds the standard error of {@code estimateSeconds}, seconds (0 when unknown)
 * @param frequency       how fast the source's offset changes against the sampler's local timescale, dimensionless
 *                        (1e-6 = 1 ppm; 0 when unknown): carries {@code estimateSeconds} forward in time
 */
public record SourceSample(
        String source,
        String address,
        String samplerNode,
        long sampleTimeNanos,
        long publishedNanos,
        double offsetSeconds,
        double delaySeconds,
        double dispersionSeconds,
        double jitterSeconds,
        double rootDelaySeconds,
        double rootDispersionSeconds,
        double rootDistanceSeconds,
        int stratum,
        String referenceId,
        LeapIndicator leap,
        int reach,
        int pollSeconds,
        int filterStages,
        double estimateSeconds,
        double estimateErrorSeconds,
        double frequency) {

    /**
     * A sample whose estimate is its interval's centre, with no standard error or frequency of its own
     * (a single exchange's view, as the clock filter gives it).
     */
    public SourceSample(String source, String address, String samplerNode, long sampleTimeNanos, long publishedNanos,
                        double offsetSeconds, double delaySeconds, double dispersionSeconds, double jitterSeconds,
                        double rootDelaySeconds, double rootDispersionSeconds, double rootDistanceSeconds,
                        int stratum, String referenceId, LeapIndicator leap, int reach, int pollSeconds,
                        int filterStages) {
        this(source, address, samplerNode, sampleTimeNanos, publishedNanos, offsetSeconds, delaySeconds,
                dispersionSeconds, jitterSeconds, rootDelaySeconds, rootDispersionSeconds, rootDistanceSeconds,
                stratum, referenceId, leap, reach, pollSeconds, filterStages, offsetSeconds, 0, 0);
    }

    /**
     * The source's exact interval (as centre and half-width) and its regression estimate; the
     * sample time is the newest exchange's, since every exchange now moves the estimate.
     */
    public static SourceSample of(String source, String address, String samplerNode, SourceEstimate estimate,
                                  int reach, int pollSeconds) {
        FilteredEstimate filtered = estimate.filtered();
        NtpSample best = filtered.best();
        return new SourceSample(source, address, samplerNode, estimate.atNanos(), estimate.atNanos(),
                estimate.bound().midpoint(), best.delaySeconds(), filtered.dispersionSeconds(),
                filtered.jitterSeconds(), best.rootDelaySeconds(), best.rootDispersionSeconds(),
                estimate.bound().width() / 2, best.stratum(), best.referenceId(), best.leap(), reach, pollSeconds,
                filtered.stages(), estimate.offsetSeconds(), estimate.offsetErrorSeconds(),
                estimate.significantFrequency());
    }

    /** [θ − λ, θ + λ] as of {@link #publishedNanos}. */
    public OffsetInterval interval() {
        return OffsetInterval.around(offsetSeconds, rootDistanceSeconds);
    }

    /** The estimate carried to {@code nowNanos} (same timescale as {@link #publishedNanos}) at {@link #frequency}. */
    public double estimateAt(long nowNanos) {
        return estimateSeconds + frequency * (nowNanos - publishedNanos) / 1e9;
    }
}
