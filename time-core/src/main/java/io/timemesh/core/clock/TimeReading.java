package io.timemesh.core.clock;

import io.timemesh.core.ntp.LeapIndicator;

/**
 * One answer to "what time is it": the node's best estimate and the interval that holds true time.
 * All times are nanoseconds since the Unix epoch; without a bound (never synchronised) earliest and
 * latest are null.
 */
public record TimeReading(long nowNanos, Long earliestNanos, Long latestNanos, Long errorBoundNanos,
                          ClockStatus status, int stratum, LeapIndicator leap) {

    public boolean bounded() {
        return errorBoundNanos != null;
    }
}
