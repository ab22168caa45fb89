package io.timemesh.core.ntp;

/**
 * Encodes and decodes the NTP header (RFC 5905 §7.3), tolerating RFC 7822 extension fields and a
 * trailing MAC. Decoding never throws: anything it cannot read comes back as {@link DecodeResult.Malformed}.
 */
public final class NtpPacketCodec {
    private NtpPacketCodec() {}

    /** Extension fields are at least a 4-byte type/length word and a multiple of 4 long (RFC 7822 §3). */
    private static final int EXTENSION_MIN_LENGTH = 4;
    /** A MAC is a 4-byte key id plus a digest of up to 64 bytes (chrony: NTP_MAX_V4_MAC_LENGTH). */
    private static final int MAC_MAX_LENGTH = 4 + 64;

    public static byte[] encode(NtpPacket packet) {
        byte[] out = new byte[NtpConstants.HEADER_LENGTH];
        out[0] = (byte) ((packet.leap().code() << 6) | (packet.version() << 3) | packet.mode().code());
        out[1] = (byte) packet.stratum();
        out[2] = (byte) packet.poll();
        out[3] = (byte) packet.precision();
        putInt(out, 4, packet.rootDelay());
        putInt(out, 8, packet.rootDispersion());
        putInt(out, 12, packet.referenceId());
        putLong(out, 16, packet.referenceTimestamp());
        putLong(out, 24, packet.originTimestamp());
        putLong(out, 32, packet.receiveTimestamp());
        putLong(out, 40, packet.transmitTimestamp());
        return out;
    }

    public static DecodeResult decode(byte[] data) {
        return data == null ? new DecodeResult.Malformed(MalformedReason.TOO_SHORT, "no data")
                : decode(data, 0, data.length);
    }

    public static DecodeResult decode(byte[] data, int offset, int length) {
        if (data == null || offset < 0 || length < 0 || offset > data.length - length) {
            return new DecodeResult.Malformed(MalformedReason.TOO_SHORT, "no data in the given range");
        }
        if (length < NtpConstants.HEADER_LENGTH) {
            return new DecodeResult.Malformed(MalformedReason.TOO_SHORT, length + " bytes");
        }
        int first = data[offset] & 0xFF;
        int version = (first >>> 3) & 0b111;
        if (version < 1 || version > 4) {
            return new DecodeResult.Malformed(MalformedReason.UNSUPPORTED_VERSION, "version " + version);
        }
        NtpMode mode = NtpMode.of(first);
        // NTPv1 (RFC 1059) had no mode field: its packets carry 0 there and share the header's layout.
        if ((mode == NtpMode.RESERVED && version != 1) || mode == NtpMode.CONTROL || mode == NtpMode.PRIVATE) {
            return new DecodeResult.Malformed(MalformedReason.UNSUPPORTED_MODE, "mode " + mode.code());
        }
        int tail = length - NtpConstants.HEADER_LENGTH;
        if (tail % 4 != 0) {
            return new DecodeResult.Malformed(MalformedReason.BAD_EXTENSION,
                    tail + " trailing bytes, not a multiple of 4");
        }
        boolean[] readable = readableTails(data, offset + NtpConstants.HEADER_LENGTH, tail);
        if (!readable[0]) {
            return new DecodeResult.Malformed(MalformedReason.BAD_EXTENSION,
                    tail + " trailing bytes do not parse as extension fields followed by an optional MAC");
        }
        int extensionFields = 0;
        int position = 0;
        while (position < tail) {
            int fieldLength = fieldLengthAt(data, offset + NtpConstants.HEADER_LENGTH + position, tail - position);
            if (fieldLength == 0 || !readable[(position + fieldLength) / 4]) {
                break; // the rest is the MAC
            }
            extensionFields++;
            position += fieldLength;
        }
        boolean hasMac = position < tail;
        NtpPacket packet = new NtpPacket(
                LeapIndicator.of(first >>> 6),
                version,
                mode,
                data[offset + 1] & 0xFF,
                data[offset + 2],
                data[offset + 3],
                getInt(data, offset + 4) & 0xFFFF_FFFFL,
                getInt(data, offset + 8) & 0xFFFF_FFFFL,
                getInt(data, offset + 12),
                getLong(data, offset + 16),
                getLong(data, offset + 24),
                getLong(data, offset + 32),
                getLong(data, offset + 40));
        return new DecodeResult.Decoded(packet, extensionFields, hasMac);
    }

    /**
     * For every 4-byte boundary i of the tail, whether tail[4i..] reads as a chain of extension
     * fields ending, optionally, in a MAC. Worked from the end so each position is decided once:
     * linear time and no recursion, whatever a hostile datagram holds.
     */
    private static boolean[] readableTails(byte[] data, int start, int tail) {
        boolean[] readable = new boolean[tail / 4 + 1];
        for (int position = tail; position >= 0; position -= 4) {
            int remaining = tail - position;
            int fieldLength = fieldLengthAt(data, start + position, remaining);
            readable[position / 4] = remaining == 0 || isMacLength(remaining)
                    || (fieldLength != 0 && readable[(position + fieldLength) / 4]);
        }
        return readable;
    }

    /** A MAC is a 4-byte key id and a 16..64-byte digest, or a lone 4-byte crypto-NAK. */
    private static boolean isMacLength(int remaining) {
        return remaining == 4 || (remaining >= 4 + 16 && remaining <= MAC_MAX_LENGTH);
    }

    /** The length of an extension field starting here, or 0 when none fits in what remains. */
    private static int fieldLengthAt(byte[] data, int at, int remaining) {
        if (remaining < EXTENSION_MIN_LENGTH) {
            return 0;
        }
        int fieldLength = ((data[at + 2] & 0xFF) << 8) | (data[at + 3] & 0xFF);
        return fieldLength >= EXTENSION_MIN_LENGTH && fieldLength % 4 == 0 && fieldLength <= remaining ? fieldLength : 0;
    }

    private static void putInt(byte[] out, int at, long value) {
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
    }

    private static void putLong(byte[] out, int at, long value) {
        putInt(out, at, value >>> 32);
        putInt(out, at + 4, value);
    }

    private static int getInt(byte[] in, int at) {
        return ((in[at] & 0xFF) << 24) | ((in[at + 1] & 0xFF) << 16) | ((in[at + 2] & 0xFF) << 8) | (in[at + 3] & 0xFF);
    }

    private static long getLong(byte[] in, int at) {
        return ((long) getInt(in, at) << 32) | (getInt(in, at + 4) & 0xFFFF_FFFFL);
    }
}
