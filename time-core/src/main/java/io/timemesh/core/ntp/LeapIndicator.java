package io.timemesh.core.ntp;

/** The two leap bits of the NTP header. */
public enum LeapIndicator {
    NO_WARNING,
    LAST_MINUTE_61,
    LAST_MINUTE_59,
    /** Clock not synchronised. */
    ALARM;

    public int code() {
        return ordinal();
    }

    public static LeapIndicator of(int code) {
        return values()[code & 0b11];
    }
}
