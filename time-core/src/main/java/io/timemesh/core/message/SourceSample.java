package io.timemesh.core.message;

import io.timemesh.core.exchange.FilteredEstimate;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.exchange.SourceEstimate;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;

/**
 * A sampler's current estimate for one source, published after every accepted exchange. Times are
 * on the sampler node's local timescale; offsets are server minus that timescale. A wire type (sealed on
 * the event bus, kept in the selector's state map).
 *
 * @param source          the source as configured ("host:port")
 * @param address         the address it resolved to ("ip:port")
 * @param samplerNode     the node whose sampler asked it
 * @param sampleTimeNanos when the newest exchange was received, ns
 * @param publishedNanos  when this estimate was made (the interval is aged to here), ns
 * @param interval        the source's exact interval as of {@code publishedNanos}, s: where its offset lies if it
 *                        is honest (its exchanges' causal intervals intersected, widened by its root distance)
 * @param filter          the clock filter's least-delay stage
 * @param server          the NTP header fields the server sent with that stage
 * @param estimate        the source's own point estimate
 * @param reach           the 8-bit reach register
 * @param pollSeconds     the current poll interval, s
 */
public record SourceSample(
        String source,
        String address,
        String samplerNode,
        long sampleTimeNanos,
        long publishedNanos,
        OffsetInterval interval,
        Filter filter,
        ServerFields server,
        Estimate estimate,
        int reach,
        int pollSeconds) {

    /** @throws IllegalArgumentException when a part is missing (what a reader of another version would make of it) */
    public SourceSample {
        if (interval == null || filter == null || server == null || estimate == null) {
            throw new IllegalArgumentException("a sample of " + source + " needs its interval, filter, server and estimate");
        }
    }

    /**
     * The clock filter's view of a source.
     *
     * @param delaySeconds      δ of the least-delay stage, s
     * @param dispersionSeconds that stage's dispersion aged to the publication, s
     * @param jitterSeconds     the stages' jitter about it, s
     * @param stages            how many of the eight filter stages hold samples
     */
    public record Filter(double delaySeconds, double dispersionSeconds, double jitterSeconds, int stages) {}

    /**
     * What the server said of itself in its reply (RFC 5905 §7.3). Its root dispersion is not kept: with its root
     * delay it is in {@link #interval()} already, where the sample was read from the wire.
     *
     * @param stratum          its stratum
     * @param referenceId      its reference id, as text
     * @param leap             its leap indicator
     * @param rootDelaySeconds its root delay, s: the start of the path NTP's root delay describes if it becomes
     *                         the system peer
     */
    public record ServerFields(int stratum, String referenceId, LeapIndicator leap, double rootDelaySeconds) {}

    /**
     * The source's best estimate of its offset (the centre of its window's intervals carried at its
     * frequency ± two standard errors, see {@code SourceStats}), inside {@link #interval()}; the frequency and error from the regression.
     *
     * @param offsetSeconds the estimate at {@code publishedNanos}, s
     * @param errorSeconds  the regression's standard error of the offset, s (0 when unknown)
     * @param frequency     how fast the source's offset changes against the sampler's local timescale,
     *                      dimensionless (1e-6 = 1 ppm; 0 when unknown): carries the estimate forward in time
     */
    public record Estimate(double offsetSeconds, double errorSeconds, double frequency) {}

    /**
     * The source's exact interval and its point estimate; the sample time is the newest exchange's,
     * since every exchange now moves the estimate.
     */
    public static SourceSample of(String source, String address, String samplerNode, SourceEstimate estimate,
                                  int reach, int pollSeconds) {
        FilteredEstimate filtered = estimate.filtered();
        NtpSample best = filtered.best();
        return new SourceSample(source, address, samplerNode, estimate.atNanos(), estimate.atNanos(),
                estimate.bound(),
                new Filter(best.delaySeconds(), filtered.dispersionSeconds(), filtered.jitterSeconds(),
                        filtered.stages()),
                new ServerFields(best.stratum(), best.referenceId(), best.leap(), best.rootDelaySeconds()),
                new Estimate(estimate.offsetSeconds(), estimate.offsetErrorSeconds(), estimate.significantFrequency()),
                reach, pollSeconds);
    }

    /** θ: the centre of {@link #interval()}, s. */
    public double offsetSeconds() {
        return interval.midpoint();
    }

    /** λ: the half-width of {@link #interval()}, s. */
    public double rootDistanceSeconds() {
        return interval.halfWidth();
    }

    /** The estimate carried to {@code nowNanos} (same timescale as {@link #publishedNanos}) at its frequency, s. */
    public double estimateAt(long nowNanos) {
        return estimate.offsetSeconds() + estimate.frequency() * (nowNanos - publishedNanos) / 1e9;
    }
}
