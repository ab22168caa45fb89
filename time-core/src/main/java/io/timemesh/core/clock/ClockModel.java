package io.timemesh.core.clock;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;

/**
 * An immutable snapshot of a node's disciplined clock: the virtual clock V(L) = L + c(L) over the
 * local monotonic timescale L, and what bounds its error. Whoever holds a snapshot can read time at
 * any L without asking the discipline, so serving time costs no event-bus hop.
 *
 * <p>Since the anchor a, the correction is c(L) = c(a) + f·(L − a) + s(L), where f is the
 * frequency correction and s(L) slews the residual phase R in at a bounded rate. The reference said
 * true time lies in an interval about its offset whose middle is c from the offset and whose
 * half-width is h = rootDelay/2 + rootDispersion − |c|; so at L true time lies in
 * [V + r + c − h − g, V + r + c + h + g], where r = R − s(L) is the phase not yet slewed in and
 * g = (maxDrift + |f|)·(L − u) with u when the last majority reference was valid: the true frequency
 * error of L is at most maxDrift, so the error of our estimate f is at most maxDrift + |f|, and
 * nothing else changes between references. The interval is served as it is, not widened to be
 * symmetric about V: V is the best estimate, the interval the guarantee.
 *
 * @param referenced             false until the first majority reference
 * @param anchorLocalNanos       a
 * @param correctionAtAnchorNanos c(a)
 * @param frequency              f, dimensionless (1e-6 = 1 ppm)
 * @param residualSeconds        R: phase still to be slewed in, as of a
 * @param slewRate               how fast R is slewed in, dimensionless (≤ the configured maximum)
 * @param referenceLocalNanos    u
 * @param maxDrift               bound on the local timescale's own frequency error, dimensionless
 * @param majority               whether the selector's latest reference had a majority
 * @param holdoverAfterNanos     how old u may get before SYNCHRONIZED becomes HOLDOVER
 * @param maxErrorBoundSeconds   beyond this bound the clock is UNSYNCHRONIZED
 * @param lastOffsetSeconds      true time minus V at the last update (what that update corrected)
 * @param lastStep               whether the last update stepped rather than slewed
 * @param frequencySkew          estimated standard error of f, dimensionless
 * @param centerSeconds          c: the middle of the reference's interval less its offset
 * @param panic                  references refused by the panic threshold, or null while none was
 * @param systemPeerAddress      the system peer's "ip:port", for the reference id served over NTP; or null
 * @param leapSecond             the leap second announced or under way, or null: V is then the continuous scale it
 *                               maps to served time (UTC or smeared UTC), see {@link LeapSecond}
 */
public record ClockModel(
        boolean referenced,
        long anchorLocalNanos,
        long correctionAtAnchorNanos,
        double frequency,
        double residualSeconds,
        double slewRate,
        long referenceLocalNanos,
        double rootDelaySeconds,
        double rootDispersionSeconds,
        double maxDrift,
        boolean majority,
        long holdoverAfterNanos,
        double maxErrorBoundSeconds,
        int stratum,
        LeapIndicator leap,
        String selectorNode,
        String systemPeer,
        long referenceSequence,
        long updates,
        double lastOffsetSeconds,
        boolean lastStep,
        double frequencySkew,
        double centerSeconds,
        PanicRefusals panic,
        String systemPeerAddress,
        LeapSecond leapSecond) {

    /** A clock with no leap second announced or under way. */
    public ClockModel(boolean referenced, long anchorLocalNanos, long correctionAtAnchorNanos, double frequency,
                      double residualSeconds, double slewRate, long referenceLocalNanos, double rootDelaySeconds,
                      double rootDispersionSeconds, double maxDrift, boolean majority, long holdoverAfterNanos,
                      double maxErrorBoundSeconds, int stratum, LeapIndicator leap, String selectorNode,
                      String systemPeer, long referenceSequence, long updates, double lastOffsetSeconds,
                      boolean lastStep, double frequencySkew, double centerSeconds, PanicRefusals panic,
                      String systemPeerAddress) {
        this(referenced, anchorLocalNanos, correctionAtAnchorNanos, frequency, residualSeconds, slewRate,
                referenceLocalNanos, rootDelaySeconds, rootDispersionSeconds, maxDrift, majority, holdoverAfterNanos,
                maxErrorBoundSeconds, stratum, leap, selectorNode, systemPeer, referenceSequence, updates,
                lastOffsetSeconds, lastStep, frequencySkew, centerSeconds, panic, systemPeerAddress, null);
    }

    /** A clock that has never been synchronised: V = L and no bound. */
    public static ClockModel unsynchronized(double maxDrift, long holdoverAfterNanos, double maxErrorBoundSeconds) {
        return new ClockModel(false, 0, 0, 0, 0, 0, 0, 0, 0, maxDrift, false, holdoverAfterNanos,
                maxErrorBoundSeconds, 16, LeapIndicator.ALARM, null, null, -1, 0, 0, false, 0, 0, null, null);
    }

    /** c(L) in nanoseconds. */
    public long correctionNanos(long localNanos) {
        if (!referenced) {
            return 0;
        }
        double elapsed = Math.max(0, localNanos - anchorLocalNanos) / 1e9;
        return correctionAtAnchorNanos + Math.round((frequency * elapsed + slewed(elapsed)) * 1e9);
    }

    /** Phase not yet slewed in at L, in seconds. */
    public double remainingResidualSeconds(long localNanos) {
        double elapsed = Math.max(0, localNanos - anchorLocalNanos) / 1e9;
        return residualSeconds - slewed(elapsed);
    }

    private double slewed(double elapsedSeconds) {
        double magnitude = Math.min(Math.abs(residualSeconds), slewRate * elapsedSeconds);
        return Math.copySign(magnitude, residualSeconds);
    }

    /** How fast the bound grows without new references: maxDrift + |f|. */
    public double boundGrowthRate() {
        return maxDrift + Math.abs(frequency);
    }

    /** The error bound at L, in seconds: how far true time may be from V(L) either way; infinite before the first reference. */
    public double errorBoundSeconds(long localNanos) {
        if (!referenced) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs(centerOffsetSeconds(localNanos)) + halfWidthSeconds(localNanos);
    }

    /** The middle of the interval holding true time, less V(L): r + c. */
    private double centerOffsetSeconds(long localNanos) {
        return remainingResidualSeconds(localNanos) + centerSeconds;
    }

    /** Half the width of the interval holding true time at L: h + g (it grows at {@link #boundGrowthRate()}). */
    public double halfWidthSeconds(long localNanos) {
        double age = Math.max(0, localNanos - referenceLocalNanos) / 1e9;
        return Math.max(0, rootDelaySeconds / 2 + rootDispersionSeconds - Math.abs(centerSeconds))
                + boundGrowthRate() * age;
    }

    /**
     * UNSYNCHRONIZED before the first reference, once the bound passes the limit, or at stratum 16 (a system
     * peer of stratum 15 or more: RFC 5905 §7.3 makes 16 mean unsynchronised); HOLDOVER without a current
     * majority reference; else SYNCHRONIZED.
     */
    public ClockStatus status(long localNanos) {
        if (!referenced || errorBoundSeconds(localNanos) > maxErrorBoundSeconds || stratum >= NtpConstants.MAXSTRAT) {
            return ClockStatus.UNSYNCHRONIZED;
        }
        if (!majority || localNanos - referenceLocalNanos > holdoverAfterNanos) {
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
        if (!referenced) {
            return new TimeReading(now, null, null, null, status, stratum, LeapIndicator.ALARM);
        }
        // Relative to now (a double cannot hold epoch nanoseconds exactly), rounded outwards, and a
        // nanosecond more each side for now itself having been rounded to the nearest.
        double center = centerOffsetSeconds(localNanos);
        double half = halfWidthSeconds(localNanos);
        long earliest = now + (long) Math.floor((center - half) * 1e9) - 1;
        long latest = now + (long) Math.ceil((center + half) * 1e9) + 1;
        LeapIndicator announced = leap;
        Long smear = null;
        if (leapSecond != null) {
            announced = leapSecond.indicator(now);
            smear = leapSecond.smearNanos(now);
            earliest = leapSecond.servedNanos(earliest);
            latest = leapSecond.servedNanos(latest);
            now = leapSecond.servedNanos(now);
            if (Math.max(now - earliest, latest - now) / 1e9 > maxErrorBoundSeconds) {
                status = ClockStatus.UNSYNCHRONIZED;
            }
        }
        long bound = Math.max(now - earliest, latest - now);
        return new TimeReading(now, earliest, latest, bound, status,
                status == ClockStatus.UNSYNCHRONIZED ? 16 : stratum,
                status == ClockStatus.UNSYNCHRONIZED ? LeapIndicator.ALARM : announced, smear);
    }
}
