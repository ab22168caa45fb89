package io.timemesh.core.clock;

import io.timemesh.core.ntp.LeapIndicator;

/**
 * An immutable snapshot of a node's disciplined clock: the virtual clock V(L) = L + c(L) over the
 * local monotonic timescale L, and what bounds its error. Whoever holds a snapshot can read time at
 * any L without asking the discipline, so serving time costs no event-bus hop.
 *
 * <p>Since the anchor a, the correction is c(L) = c(a) + f·(L − a) + s(L), where f is the
 * frequency correction and s(L) slews the residual phase R in at a bounded rate. The error bound at L
 * is |R − s(L)| + rootDelay/2 + rootDispersion + (maxDrift + |f|)·(L − u), where u is when the last
 * majority reference was valid: the true frequency error of L is at most maxDrift, so the error of
 * our estimate f is at most maxDrift + |f|, and nothing else changes between references.
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
        double frequencySkew) {

    /** A clock that has never been synchronised: V = L and no bound. */
    public static ClockModel unsynchronized(double maxDrift, long holdoverAfterNanos, double maxErrorBoundSeconds) {
        return new ClockModel(false, 0, 0, 0, 0, 0, 0, 0, 0, maxDrift, false, holdoverAfterNanos,
                maxErrorBoundSeconds, 16, LeapIndicator.ALARM, null, null, -1, 0, 0, false, 0);
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

    /** The error bound at L, in seconds; infinite before the first reference. */
    public double errorBoundSeconds(long localNanos) {
        if (!referenced) {
            return Double.POSITIVE_INFINITY;
        }
        double age = Math.max(0, localNanos - referenceLocalNanos) / 1e9;
        return Math.abs(remainingResidualSeconds(localNanos)) + rootDelaySeconds / 2 + rootDispersionSeconds
                + boundGrowthRate() * age;
    }

    public ClockStatus status(long localNanos) {
        if (!referenced || errorBoundSeconds(localNanos) > maxErrorBoundSeconds) {
            return ClockStatus.UNSYNCHRONIZED;
        }
        if (!majority || localNanos - referenceLocalNanos > holdoverAfterNanos) {
            return ClockStatus.HOLDOVER;
        }
        return ClockStatus.SYNCHRONIZED;
    }

    /** Reads the virtual clock at L. The bound is rounded outwards to whole nanoseconds. */
    public TimeReading read(long localNanos) {
        long now = localNanos + correctionNanos(localNanos);
        ClockStatus status = status(localNanos);
        if (!referenced) {
            return new TimeReading(now, null, null, null, status, stratum, LeapIndicator.ALARM);
        }
        long bound = (long) Math.ceil(errorBoundSeconds(localNanos) * 1e9);
        return new TimeReading(now, now - bound, now + bound, bound, status,
                status == ClockStatus.UNSYNCHRONIZED ? 16 : stratum,
                status == ClockStatus.UNSYNCHRONIZED ? LeapIndicator.ALARM : leap);
    }
}
