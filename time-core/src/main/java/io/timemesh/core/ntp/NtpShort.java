package io.timemesh.core.ntp;

/** The unsigned 16.16 fixed-point format of root delay and root dispersion. */
public final class NtpShort {
    private NtpShort() {}

    private static final double UNIT = 65536.0;
    private static final long MAX_RAW = 0xFFFF_FFFFL;

    /** Seconds for a raw (unsigned 32-bit) value. */
    public static double toSeconds(long raw) {
        return (raw & MAX_RAW) / UNIT;
    }

    /**
     * Raw value for seconds, rounded up so that a bound written on the wire never shrinks, and
     * saturated to the format's range (0 .. 65535.99998 s).
     */
    public static long fromSeconds(double seconds) {
        if (!(seconds > 0)) {
            return 0;
        }
        double scaled = Math.ceil(seconds * UNIT);
        return scaled >= MAX_RAW ? MAX_RAW : (long) scaled;
    }
}
