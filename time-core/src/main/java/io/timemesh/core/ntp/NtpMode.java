package io.timemesh.core.ntp;

/** The three mode bits of the NTP header. */
public enum NtpMode {
    RESERVED,
    SYMMETRIC_ACTIVE,
    SYMMETRIC_PASSIVE,
    CLIENT,
    SERVER,
    BROADCAST,
    /** Mode 6: ntpq control messages; a different layout, never answered. */
    CONTROL,
    /** Mode 7: ntpdc private messages; a different layout, never answered. */
    PRIVATE;

    public int code() {
        return ordinal();
    }

    /** values() clones its array at every call, and the NTP server decodes every request through here. */
    private static final NtpMode[] BY_CODE = values();

    public static NtpMode of(int code) {
        return BY_CODE[code & 0b111];
    }
}
