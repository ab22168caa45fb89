package io.timemesh.client;

import java.time.Instant;

/** True time lies in [earliest, latest]: nanoseconds since the Unix epoch. */
public record TimeInterval(long earliestNanos, long latestNanos) {

    public TimeInterval {
        if (earliestNanos > latestNanos) {
            throw new IllegalArgumentException("earliest after latest");
        }
    }

    public Instant earliest() {
        return toInstant(earliestNanos);
    }

    public Instant latest() {
        return toInstant(latestNanos);
    }

    /** Half the width: how far the midpoint can be from true time. */
    public long errorBoundNanos() {
        return (latestNanos - earliestNanos + 1) / 2;
    }

    private static Instant toInstant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
