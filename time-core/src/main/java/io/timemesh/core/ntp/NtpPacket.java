package io.timemesh.core.ntp;

import java.util.Objects;

/**
 * The 48-byte NTP header (RFC 5905 §7.3). Timestamps and the 16.16 fields are kept raw, exactly as
 * on the wire, so encoding what was decoded gives the same bytes.
 *
 * @param rootDelay      raw unsigned 16.16 seconds
 * @param rootDispersion raw unsigned 16.16 seconds
 * @param poll           log2 seconds, signed
 * @param precision      log2 seconds, signed
 */
public record NtpPacket(
        LeapIndicator leap,
        int version,
        NtpMode mode,
        int stratum,
        int poll,
        int precision,
        long rootDelay,
        long rootDispersion,
        int referenceId,
        long referenceTimestamp,
        long originTimestamp,
        long receiveTimestamp,
        long transmitTimestamp) {

    public NtpPacket {
        Objects.requireNonNull(leap, "leap");
        Objects.requireNonNull(mode, "mode");
        requireRange("version", version, 0, 7);
        requireRange("stratum", stratum, 0, 255);
        requireRange("poll", poll, Byte.MIN_VALUE, Byte.MAX_VALUE);
        requireRange("precision", precision, Byte.MIN_VALUE, Byte.MAX_VALUE);
        requireRange("rootDelay", rootDelay, 0, 0xFFFF_FFFFL);
        requireRange("rootDispersion", rootDispersion, 0, 0xFFFF_FFFFL);
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + value);
        }
    }

    /** A client (mode 3) request whose transmit timestamp is {@code transmit}; everything else zero. */
    public static NtpPacket clientRequest(long transmit, int poll, int precision) {
        return new NtpPacket(LeapIndicator.NO_WARNING, NtpConstants.VERSION, NtpMode.CLIENT, 0, poll, precision,
                0, 0, 0, 0, 0, 0, transmit);
    }

    public double rootDelaySeconds() {
        return NtpShort.toSeconds(rootDelay);
    }

    public double rootDispersionSeconds() {
        return NtpShort.toSeconds(rootDispersion);
    }

    /** The server's clock precision in seconds. */
    public double precisionSeconds() {
        return Math.scalb(1.0, precision);
    }

    /** Stratum 0 in a reply is a kiss-o'-death; the reference id then carries the kiss code. */
    public boolean isKissOfDeath() {
        return stratum == 0;
    }

    public String kissCode() {
        return ReferenceId.asAscii(referenceId);
    }

    /** The reference id as people read it at this stratum. */
    public String referenceIdText() {
        return ReferenceId.format(stratum, referenceId);
    }
}
