package io.timemesh.core.clock;

import io.timemesh.core.ntp.LeapIndicator;

/**
 * A leap second at the end of a UTC day, and the time a node serves across it: a pure, monotone
 * (non-decreasing) map from the disciplined clock's continuous scale to the served scale.
 *
 * <p>The continuous scale is the one the clock runs on: it counts SI seconds and does not leap, so it
 * reads UTC until the leap and UTC + 1 s after an inserted second (UTC − 1 s after a deleted one). The
 * served scale is:
 * <ul>
 *   <li>{@link LeapMode#STEP}: UTC as POSIX counts it, except that the inserted second 23:59:60 reads as
 *       midnight (held for that second, not repeated as a kernel step would), and a deleted 23:59:59 is
 *       skipped forward;</li>
 *   <li>{@link LeapMode#SMEAR}: smeared UTC, linear over the 24 h from noon before the leap to noon
 *       after it (Google's public smear): it differs from continuous time by d·k/W within that window,
 *       where k is the time since it began, W its length in SI seconds (86 401 s for an insert, 86 399 s
 *       for a delete) and d the leap (1 s), so its rate is off by at most 1/86 399 (11.6 ppm).</li>
 * </ul>
 * Both maps are non-decreasing, so an interval [lo, hi] that holds true continuous time maps to
 * [map(lo), map(hi)], which holds true served time (UTC or smeared UTC). It is no wider, but for a deleted
 * second: its step forward widens an interval across it by up to 1 s, and its smear by 1/86 399.
 *
 * @param midnightNanos M: the UTC midnight that ends the leap day, in Unix-epoch nanoseconds (POSIX
 *                      counting, 86 400 s a day)
 * @param insert        true for an inserted second (LI 1), false for a deleted one (LI 2)
 * @param mode          how it is served
 */
public record LeapSecond(long midnightNanos, boolean insert, LeapMode mode) {
    private static final long SECOND = 1_000_000_000L;
    private static final long HALF_DAY = 43_200 * SECOND;
    /** After this long past the leap, no filter still holds a sample from before it (8 samples at the longest poll). */
    private static final long SETTLE = 86_400 * SECOND;

    /**
     * The leap an announcement made at {@code utcNanos} is for: the midnight ending that day, if {@code days}
     * allows a leap on it (by default the last day of June or December, the only days the IERS has ever
     * scheduled one on: chrony's rule too).
     *
     * @param announced LI 1 (insert) or 2 (delete); anything else announces nothing
     * @return the leap, or null when {@code announced} is no leap or the day is no leap day
     */
    public static LeapSecond announced(LeapIndicator announced, long utcNanos, LeapMode mode, LeapDays days) {
        if (announced != LeapIndicator.LAST_MINUTE_61 && announced != LeapIndicator.LAST_MINUTE_59
                || !days.contains(Math.floorDiv(utcNanos, SECOND))) {
            return null;
        }
        long day = 86_400 * SECOND;
        return new LeapSecond(Math.floorDiv(utcNanos, day) * day + day, announced == LeapIndicator.LAST_MINUTE_61, mode);
    }

    /** How far UTC falls behind the continuous scale at the leap, ns: +1 s for an insert, −1 s for a delete. */
    public long stepNanos() {
        return insert ? SECOND : -SECOND;
    }

    /** On the continuous scale, when UTC leaps: midnight for an insert, 23:59:59 for a delete (which never reads). */
    public long startNanos() {
        return insert ? midnightNanos : midnightNanos - SECOND;
    }

    /** On the continuous scale, when the smear begins: noon before the leap. */
    public long smearStartNanos() {
        return midnightNanos - HALF_DAY;
    }

    /** On the continuous scale, when the smear ends: noon after the leap, UTC (continuous − d). */
    public long smearEndNanos() {
        return midnightNanos + HALF_DAY + stepNanos();
    }

    /**
     * On the continuous scale, when the leap is settled: the clock then folds it into its correction and
     * forgets it. Until then a reference made after the leap is read as UTC, and one made of samples from
     * before it is recognised as such.
     */
    public long settledNanos() {
        return midnightNanos + SETTLE;
    }

    /** UTC (POSIX counting) at continuous time {@code v}, ns: the inserted second reads as midnight. */
    public long utcNanos(long v) {
        if (v < startNanos()) {
            return v;
        }
        if (insert && v < midnightNanos + SECOND) {
            return midnightNanos;
        }
        return v - stepNanos();
    }

    /** Smeared UTC at continuous time {@code v}, ns. */
    public long smearedNanos(long v) {
        long start = smearStartNanos();
        long end = smearEndNanos();
        if (v <= start) {
            return v;
        }
        if (v >= end) {
            return v - stepNanos();
        }
        // d·k/W with d = ±1 s and W = (86 400 ± 1) s is k / (86 400 ± 1) exactly, in integers: monotone, no rounding drift.
        long windowSeconds = (end - start) / SECOND;
        long shift = Math.floorDiv(v - start, windowSeconds);
        return insert ? v - shift : v + shift;
    }

    /** What is served at continuous time {@code v}, ns: UTC ({@link LeapMode#STEP}) or smeared UTC. */
    public long servedNanos(long v) {
        return mode == LeapMode.SMEAR ? smearedNanos(v) : utcNanos(v);
    }

    /** Served time less UTC at continuous time {@code v}, ns, while the smear runs; null outside it or in step mode. */
    public Long smearNanos(long v) {
        if (mode != LeapMode.SMEAR || v <= smearStartNanos() || v >= smearEndNanos()) {
            return null;
        }
        return smearedNanos(v) - utcNanos(v);
    }

    /**
     * The leap indicator served at continuous time {@code v}: the leap until it happens in step mode; never in
     * smear mode, where the served time already carries it (chrony's {@code smoothtime ... leaponly}).
     */
    public LeapIndicator indicator(long v) {
        if (mode == LeapMode.SMEAR || v >= startNanos()) {
            return LeapIndicator.NO_WARNING;
        }
        return insert ? LeapIndicator.LAST_MINUTE_61 : LeapIndicator.LAST_MINUTE_59;
    }
}
