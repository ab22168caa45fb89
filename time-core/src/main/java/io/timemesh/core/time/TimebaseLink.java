package io.timemesh.core.time;

import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.ntp.NtpConstants;

/**
 * How another node's local timescale relates to ours, measured over the event bus with the NTP
 * four-timestamp exchange: their clock minus ours is within {@code offsetSeconds ± rootDistanceSeconds}
 * at {@code measuredLocalNanos}. Anything measured against their clock is rebased to ours by adding
 * the offset and widening its bound by the link's distance, aged at 2 × PHI because both clocks drift.
 */
public record TimebaseLink(String node, double offsetSeconds, double rootDistanceSeconds, long measuredLocalNanos) {

    /** The link to our own node: the same clock, exactly. */
    public static TimebaseLink self(String node) {
        return new TimebaseLink(node, 0, 0, Long.MIN_VALUE);
    }

    public boolean identity() {
        return offsetSeconds == 0 && rootDistanceSeconds == 0 && measuredLocalNanos == Long.MIN_VALUE;
    }

    /** The link's uncertainty at {@code nowNanos}. */
    public double distanceAt(long nowNanos) {
        if (identity()) {
            return 0;
        }
        return rootDistanceSeconds + 2 * NtpConstants.PHI * Math.max(0, nowNanos - measuredLocalNanos) / 1e9;
    }

    /** A time on their timescale, on ours. */
    public long toLocalNanos(long theirNanos) {
        return theirNanos - Math.round(offsetSeconds * 1e9);
    }

    /** A sampler's estimate (true time minus their clock) as true time minus our clock. */
    public SourceSample rebase(SourceSample s, long nowNanos) {
        if (identity()) {
            return s;
        }
        SourceSample.Estimate e = s.estimate();
        return new SourceSample(s.source(), s.address(), s.samplerNode(), toLocalNanos(s.sampleTimeNanos()),
                toLocalNanos(s.publishedNanos()), s.interval().shifted(offsetSeconds).widened(distanceAt(nowNanos)),
                s.filter(), s.server(), new SourceSample.Estimate(e.offsetSeconds() + offsetSeconds, e.errorSeconds(),
                e.frequency()), s.reach(), s.pollSeconds());
    }

    /** One exchange measured against their clock, as if measured against ours (for handing a source over). */
    public NtpSample rebase(NtpSample s, long nowNanos) {
        if (identity()) {
            return s;
        }
        return new NtpSample(toLocalNanos(s.t1Nanos()), toLocalNanos(s.t4Nanos()), s.offsetSeconds() + offsetSeconds,
                s.delaySeconds(), s.dispersionSeconds() + distanceAt(nowNanos), s.rootDelaySeconds(),
                s.rootDispersionSeconds(), s.stratum(), s.referenceId(), s.leap(), s.precisionLog2());
    }

    /** A selector's reference (true time minus their clock) as true time minus our clock. */
    public Reference rebase(Reference r, long nowNanos) {
        if (identity()) {
            return r;
        }
        Reference.Identity id = r.id();
        // basisNanos stays as the selector wrote it: it only identifies the newest sample, and a rebased copy
        // would change with every refinement of the link and look like new data.
        return new Reference(new Reference.Identity(id.selectorNode(), id.sequence(), toLocalNanos(id.timeNanos()),
                id.basisNanos()), r.status(), r.offsetSeconds() + offsetSeconds,
                r.interval() == null ? null : r.interval().shifted(offsetSeconds).widened(distanceAt(nowNanos)),
                r.region().shifted(offsetSeconds), r.vote(), r.peer());
    }
}
