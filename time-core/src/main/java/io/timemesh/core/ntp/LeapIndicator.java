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

    /** How the CLI and the API name it: none, insert, delete or unsync. */
    public String label() {
        return switch (this) {
            case NO_WARNING -> "none";
            case LAST_MINUTE_61 -> "insert";
            case LAST_MINUTE_59 -> "delete";
            case ALARM -> "unsync";
        };
    }

    /** values() clones its array at every call, and the NTP server decodes every request through here. */
    private static final LeapIndicator[] BY_CODE = values();

    public static LeapIndicator of(int code) {
        return BY_CODE[code & 0b11];
    }
}
