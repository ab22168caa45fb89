package io.timemesh.core.clock;

import io.timemesh.core.ntp.LeapIndicator;

/**
 * One answer to "what time is it": the node's best estimate and the interval that holds true time.
 * All times are nanoseconds since the Unix epoch; without a bound (never synchronised) earliest and
 * latest are null. While a leap second is smeared ({@code discipline.leapMode} smear), true time is
 * smeared UTC and {@code smearNanos} says how far it is from UTC (served − UTC, ns); otherwise it is null.
 */
public record TimeReading(long nowNanos, Long earliestNanos, Long latestNanos, Long errorBoundNanos,
                          ClockStatus status, int stratum, LeapIndicator leap, Long smearNanos) {

    /** A reading of time that is not smeared. */
    public TimeReading(long nowNanos, Long earliestNanos, Long latestNanos, Long errorBoundNanos,
                       ClockStatus status, int stratum, LeapIndicator leap) {
        this(nowNanos, earliestNanos, latestNanos, errorBoundNanos, status, stratum, leap, null);
    }

    public boolean bounded() {
        return errorBoundNanos != null;
    }
}
