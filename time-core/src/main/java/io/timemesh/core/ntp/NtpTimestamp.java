package io.timemesh.core.ntp;

/**
 * The 64-bit NTP timestamp (32 bits of seconds since 1900, 32 bits of fraction) converted to and
 * from nanoseconds since the Unix epoch.
 *
 * <p>A fraction unit is 2^-32 s ≈ 0.23 ns, finer than a nanosecond, so nanos → NTP → nanos is
 * lossless when both directions round to nearest. The seconds field wraps every 2^32 s (next in
 * February 2036); decoding picks the era that puts the result closest to a pivot, normally the
 * local clock, which is right as long as the clocks are within 68 years of each other.
 */
public final class NtpTimestamp {
    private NtpTimestamp() {}

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long ERA_SECONDS = 1L << 32;
    private static final long FRACTION_MASK = 0xFFFF_FFFFL;

    /** Raw timestamp for a Unix-epoch nanosecond count (the era number is dropped, as on the wire). */
    public static long fromUnixNanos(long unixNanos) {
        long seconds = Math.floorDiv(unixNanos, NANOS_PER_SECOND);
        long nanos = Math.floorMod(unixNanos, NANOS_PER_SECOND);
        long ntpSeconds = seconds + NtpConstants.UNIX_EPOCH_NTP_SECONDS;
        // nanos < 1e9, so nanos << 32 < 4.3e18 fits; the largest result is 2^32 - 5, so no carry.
        long fraction = ((nanos << 32) + NANOS_PER_SECOND / 2) / NANOS_PER_SECOND;
        return ((ntpSeconds & FRACTION_MASK) << 32) | fraction;
    }

    /** Unix-epoch nanoseconds for a raw timestamp, in the era that lies closest to {@code pivotUnixNanos}. */
    public static long toUnixNanos(long raw, long pivotUnixNanos) {
        long wireSeconds = raw >>> 32;
        long fraction = raw & FRACTION_MASK;
        long pivotNtpSeconds = Math.floorDiv(pivotUnixNanos, NANOS_PER_SECOND) + NtpConstants.UNIX_EPOCH_NTP_SECONDS;
        long candidate = Math.floorDiv(pivotNtpSeconds, ERA_SECONDS) * ERA_SECONDS + wireSeconds;
        long distance = candidate - pivotNtpSeconds;
        if (distance > ERA_SECONDS / 2) {
            candidate -= ERA_SECONDS;
        } else if (distance <= -ERA_SECONDS / 2) {
            candidate += ERA_SECONDS;
        }
        // fraction < 2^32, so fraction * 1e9 < 4.3e18 fits; rounds to nearest, never reaches 1e9.
        long nanos = (fraction * NANOS_PER_SECOND + (1L << 31)) >>> 32;
        return (candidate - NtpConstants.UNIX_EPOCH_NTP_SECONDS) * NANOS_PER_SECOND + nanos;
    }

    /** The era number (0 until 2036-02-07T06:28:16Z, then 1) of a Unix-epoch nanosecond count. */
    public static long era(long unixNanos) {
        return Math.floorDiv(Math.floorDiv(unixNanos, NANOS_PER_SECOND) + NtpConstants.UNIX_EPOCH_NTP_SECONDS, ERA_SECONDS);
    }

    /** Raw seconds field. */
    public static long seconds(long raw) {
        return raw >>> 32;
    }

    /** Raw fraction field. */
    public static long fraction(long raw) {
        return raw & FRACTION_MASK;
    }
}
