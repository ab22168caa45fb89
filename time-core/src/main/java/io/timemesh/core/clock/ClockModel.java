package io.timemesh.core.clock;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.RootFields;
import io.timemesh.core.time.OffsetInterval;

/**
 * An immutable snapshot of a node's disciplined clock: the virtual clock V(L) = L + c(L) over the
 * local monotonic timescale L, and what bounds its error. Whoever holds a snapshot can read time at
 * any L without asking the discipline, so serving time costs no event-bus hop.
 *
 * <p>Since the anchor a, the correction is c(L) = c(a) + f·(L − a) + s(L), where f is the
 * frequency correction and s(L) slews the residual phase R in at a bounded rate. The reference said
 * true time lies in an interval [lo, hi] about its estimate (the selector's hull less its offset, as it was
 * when the reference was valid); so at L true time lies in [V + r + lo − g, V + r + hi + g], where
 * r = R − s(L) is the phase not yet slewed in and g = (maxDrift + |f|)·(L − u) with u when the last
 * majority reference was valid: the true frequency error of L is at most maxDrift, so the error of our
 * estimate f is at most maxDrift + |f|, and nothing else changes between references. The interval is served
 * as it is, not widened to be symmetric about V: V is the best estimate, the interval the guarantee.
 *
 * @param correction  c(L): how V is made from L
 * @param bound       the reference's interval about the estimate, and when it was valid; null until the first
 *                    majority reference (then there is no bound)
 * @param limits      the discipline's settings that decide the status
 * @param upstream    what the clock follows: the selector's reference and its system peer
 * @param tracking    what the last updates did, for /status and the logs
 * @param leapSecond  the leap second announced or under way, or null: V is then the continuous scale it
 *                    maps to served time (UTC or smeared UTC), see {@link LeapSecond}
 */
public record ClockModel(
        Correction correction,
        Bound bound,
        Limits limits,
        Upstream upstream,
        Tracking tracking,
        LeapSecond leapSecond) {

    /**
     * c(L) = c(a) + f·(L − a) + s(L).
     *
     * @param anchorLocalNanos a, ns
     * @param atAnchorNanos    c(a), ns
     * @param frequency        f, dimensionless (1e-6 = 1 ppm)
     * @param residualSeconds  R: phase still to be slewed in as of a, s
     * @param slewRate         how fast R is slewed in, dimensionless (≤ the configured maximum)
     */
    public record Correction(long anchorLocalNanos, long atAnchorNanos, double frequency, double residualSeconds,
                             double slewRate) {
        /** No correction: V = L. */
        public static final Correction NONE = new Correction(0, 0, 0, 0, 0);
    }

    /**
     * Where true time lay about the estimate when the last majority reference was valid.
     *
     * @param referenceLocalNanos u, ns
     * @param interval            true time less the estimate (V + r) at u, s: the selector's interval less its
     *                            offset, widened by the timebase hop to the selector
     */
    public record Bound(long referenceLocalNanos, OffsetInterval interval) {}

    /**
     * The discipline's settings the status follows.
     *
     * @param maxDrift             bound on the local timescale's own frequency error, dimensionless
     * @param holdoverAfterNanos   how old u may get before SYNCHRONIZED becomes HOLDOVER, ns
     * @param maxErrorBoundSeconds beyond this bound the clock is UNSYNCHRONIZED, s
     */
    public record Limits(double maxDrift, long holdoverAfterNanos, double maxErrorBoundSeconds) {}

    /**
     * What the clock follows.
     *
     * @param selectorNode      the selector whose reference was applied last, or null
     * @param referenceSequence that reference's sequence number, or −1
     * @param majority          whether the selector's latest reference had a majority
     * @param stratum           the stratum served: the system peer's + 1, 16 = unsynchronised
     * @param leap              the leap warning served
     * @param systemPeer        the system peer, or null
     * @param systemPeerAddress the system peer's "ip:port", for the reference id served over NTP; or null
     * @param rootDelaySeconds  the system peer's root delay plus its delay to the selector, s: what NTP's root
     *                          delay is made of where it is written ({@link RootFields})
     */
    public record Upstream(String selectorNode, long referenceSequence, boolean majority, int stratum,
                           LeapIndicator leap, String systemPeer, String systemPeerAddress, double rootDelaySeconds) {}

    /**
     * What the updates did.
     *
     * @param updates           how many references were applied
     * @param lastOffsetSeconds true time minus V at the last update (what that update corrected), s
     * @param lastStep          whether the last update stepped rather than slewed
     * @param frequencySkew     estimated standard error of f, dimensionless
     * @param panic             references refused by the panic threshold, or null while none was
     */
    public record Tracking(long updates, double lastOffsetSeconds, boolean lastStep, double frequencySkew,
                           PanicRefusals panic) {}

    /** A clock that has never been synchronised: V = L and no bound. */
    public static ClockModel unsynchronized(double maxDrift, long holdoverAfterNanos, double maxErrorBoundSeconds) {
        return new ClockModel(Correction.NONE, null, new Limits(maxDrift, holdoverAfterNanos, maxErrorBoundSeconds),
                new Upstream(null, -1, false, NtpConstants.MAXSTRAT, LeapIndicator.ALARM, null, null, 0),
                new Tracking(0, 0, false, 0, null), null);
    }

    /** Whether a majority reference was ever applied: only then is there a bound. */
    public boolean referenced() {
        return bound != null;
    }

    /**
     * NTP's root delay and dispersion as the reference gave them (λ about its estimate, unaged); null before
     * the first reference.
     */
    public RootFields referenceRootFields() {
        return bound == null ? null : RootFields.carrying(bound.interval().reachFrom(0), upstream.rootDelaySeconds());
    }

    /** c(L) in nanoseconds. */
    public long correctionNanos(long localNanos) {
        if (!referenced()) {
            return 0;
        }
        double elapsed = Math.max(0, localNanos - correction.anchorLocalNanos()) / 1e9;
        return correction.atAnchorNanos() + Math.round((correction.frequency() * elapsed + slewed(elapsed)) * 1e9);
    }

    /** Phase not yet slewed in at L, in seconds. */
    public double remainingResidualSeconds(long localNanos) {
        double elapsed = Math.max(0, localNanos - correction.anchorLocalNanos()) / 1e9;
        return correction.residualSeconds() - slewed(elapsed);
    }

    private double slewed(double elapsedSeconds) {
        double magnitude = Math.min(Math.abs(correction.residualSeconds()), correction.slewRate() * elapsedSeconds);
        return Math.copySign(magnitude, correction.residualSeconds());
    }

    /** How fast the bound grows without new references: maxDrift + |f|. */
    public double boundGrowthRate() {
        return limits.maxDrift() + Math.abs(correction.frequency());
    }

    /** The error bound at L, in seconds: how far true time may be from V(L) either way; infinite before the first reference. */
    public double errorBoundSeconds(long localNanos) {
        if (!referenced()) {
            return Double.POSITIVE_INFINITY;
        }
        double r = remainingResidualSeconds(localNanos);
        double g = growthSeconds(localNanos);
        return Math.max(g - r - bound.interval().low(), r + bound.interval().high() + g);
    }

    /**
     * Half the width of the interval holding true time at L, s: (hi − lo)/2 + g (see {@link #boundGrowthRate()});
     * infinite before the first reference.
     */
    public double halfWidthSeconds(long localNanos) {
        if (!referenced()) {
            return Double.POSITIVE_INFINITY;
        }
        return bound.interval().halfWidth() + growthSeconds(localNanos);
    }

    /** g: how much each side has grown since u, s. */
    private double growthSeconds(long localNanos) {
        return boundGrowthRate() * Math.max(0, localNanos - bound.referenceLocalNanos()) / 1e9;
    }

    /**
     * UNSYNCHRONIZED before the first reference, once the bound passes the limit, or at stratum 16 (a system
     * peer of stratum 15 or more: RFC 5905 §7.3 makes 16 mean unsynchronised); HOLDOVER without a current
     * majority reference; else SYNCHRONIZED.
     */
    public ClockStatus status(long localNanos) {
        if (!referenced() || errorBoundSeconds(localNanos) > limits.maxErrorBoundSeconds()
                || upstream.stratum() >= NtpConstants.MAXSTRAT) {
            return ClockStatus.UNSYNCHRONIZED;
        }
        if (!upstream.majority() || localNanos - bound.referenceLocalNanos() > limits.holdoverAfterNanos()) {
            return ClockStatus.HOLDOVER;
        }
        return ClockStatus.SYNCHRONIZED;
    }

    /**
     * Reads the virtual clock at L. With a leap second announced or under way, V and its interval are mapped
     * to served time by {@link LeapSecond#servedNanos}: the map is monotone, so the interval still holds true
     * (UTC or smeared) time; the status then follows the mapped bound (a deleted second's step forward widens
     * the interval across it).
     */
    public TimeReading read(long localNanos) {
        long now = localNanos + correctionNanos(localNanos);
        ClockStatus status = status(localNanos);
        if (!referenced()) {
            return new TimeReading(now, null, null, null, status, upstream.stratum(), LeapIndicator.ALARM);
        }
        // Relative to now (a double cannot hold epoch nanoseconds exactly), rounded outwards, and a
        // nanosecond more each side for now itself having been rounded to the nearest.
        double r = remainingResidualSeconds(localNanos);
        double g = growthSeconds(localNanos);
        long earliest = now + (long) Math.floor((r + bound.interval().low() - g) * 1e9) - 1;
        long latest = now + (long) Math.ceil((r + bound.interval().high() + g) * 1e9) + 1;
        LeapIndicator announced = upstream.leap();
        Long smear = null;
        if (leapSecond != null) {
            announced = leapSecond.indicator(now);
            smear = leapSecond.smearNanos(now);
            earliest = leapSecond.servedNanos(earliest);
            latest = leapSecond.servedNanos(latest);
            now = leapSecond.servedNanos(now);
            if (Math.max(now - earliest, latest - now) / 1e9 > limits.maxErrorBoundSeconds()) {
                status = ClockStatus.UNSYNCHRONIZED;
            }
        }
        long bound = Math.max(now - earliest, latest - now);
        return new TimeReading(now, earliest, latest, bound, status,
                status == ClockStatus.UNSYNCHRONIZED ? NtpConstants.MAXSTRAT : upstream.stratum(),
                status == ClockStatus.UNSYNCHRONIZED ? LeapIndicator.ALARM : announced, smear);
    }
}
