package io.timemesh.core.ntp;

/** Protocol constants from RFC 5905 §7.2 and the chrony/ntpd defaults we follow (see shared notes/ntp.md). */
public final class NtpConstants {
    private NtpConstants() {}

    /** Size of the fixed NTP header in bytes. */
    public static final int HEADER_LENGTH = 48;
    /** The version we speak. */
    public static final int VERSION = 4;
    /** Default NTP service port. */
    public static final int DEFAULT_PORT = 123;

    /** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
    public static final long UNIX_EPOCH_NTP_SECONDS = 2_208_988_800L;

    /** Frequency tolerance: dispersion grows this many seconds per second of age. */
    public static final double PHI = 15e-6;
    /** Minimum dispersion increment (s). */
    public static final double MINDISP = 0.005;
    /** Maximum dispersion (s): an empty filter stage counts as this. */
    public static final double MAXDISP = 16.0;
    /** Root distance at or above which a sample is refused (s). */
    public static final double MAXDIST = 1.5;
    /** Stratum at or above which a server is unsynchronised. */
    public static final int MAXSTRAT = 16;
    /** Stages of the clock filter. */
    public static final int FILTER_STAGES = 8;

    /** Shortest poll interval we allow (s): local test servers only. */
    public static final int MIN_POLL_SECONDS = 1;
    /** Default poll interval (s), polite to public servers. */
    public static final int DEFAULT_POLL_SECONDS = 64;
    /** Longest poll interval (2^17 s, MAXPOLL). */
    public static final int MAX_POLL_SECONDS = 1 << 17;
    /** Exchanges sent quickly at start when iburst is on. */
    public static final int IBURST_EXCHANGES = 4;
    /** Spacing of iburst exchanges (s), as chrony. */
    public static final int IBURST_SPACING_SECONDS = 2;
}
