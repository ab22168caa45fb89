package io.timemesh.core.message;

import io.timemesh.core.exchange.FilteredEstimate;
import io.timemesh.core.exchange.NtpSample;
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
 * @param reach           the 8-bit reach register
 * @param filterStages    how many of the eight filter stages hold samples
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
        int filterStages) {

    public static SourceSample of(String source, String address, String samplerNode, FilteredEstimate estimate,
                                  int reach, int pollSeconds) {
        NtpSample best = estimate.best();
        return new SourceSample(source, address, samplerNode, best.t4Nanos(), estimate.atNanos(),
                best.offsetSeconds(), best.delaySeconds(), estimate.dispersionSeconds(), estimate.jitterSeconds(),
                best.rootDelaySeconds(), best.rootDispersionSeconds(), estimate.rootDistanceSeconds(),
                best.stratum(), best.referenceId(), best.leap(), reach, pollSeconds, estimate.stages());
    }

    /** [θ − λ, θ + λ] as of {@link #publishedNanos}. */
    public OffsetInterval interval() {
        return OffsetInterval.around(offsetSeconds, rootDistanceSeconds);
    }
}
