package io.timemesh.core.time;

/** Conversions between nanosecond counts and seconds. */
public final class Durations {
    private Durations() {}

    public static final long NANOS_PER_SECOND = 1_000_000_000L;

    public static double toSeconds(long nanos) {
        return nanos / 1e9;
    }

    /** Nanoseconds for seconds, rounded to nearest. */
    public static long toNanos(double seconds) {
        return Math.round(seconds * 1e9);
    }
}
