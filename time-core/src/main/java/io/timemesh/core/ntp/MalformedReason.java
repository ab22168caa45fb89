package io.timemesh.core.ntp;

/** Why a datagram is not an NTP packet we can read. */
public enum MalformedReason {
    TOO_SHORT("shorter than the 48-byte NTP header"),
    UNSUPPORTED_VERSION("NTP version outside 1..4"),
    UNSUPPORTED_MODE("mode 0 (after NTPv1), 6 or 7 has no NTP header layout"),
    BAD_EXTENSION("bytes after the header are neither extension fields nor a MAC");

    private final String description;

    MalformedReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
