package io.timemesh.core.nts;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One NTS-KE record (RFC 8915 §4): a critical bit, a 15-bit record type and a body of up to 65535 bytes,
 * on the wire as {@code C|type (2 bytes), body length (2 bytes), body}.
 */
public record NtsKeRecord(boolean critical, int type, byte[] body) {
    /** The TLS ALPN protocol name both NTS-KE ends must agree on (RFC 8915 §4). */
    public static final String ALPN = "ntske/1";
    public static final int END_OF_MESSAGE = 0;
    public static final int NEXT_PROTOCOL = 1;
    public static final int ERROR = 2;
    public static final int WARNING = 3;
    public static final int AEAD_ALGORITHM = 4;
    public static final int NEW_COOKIE = 5;
    public static final int NTPV4_SERVER = 6;
    public static final int NTPV4_PORT = 7;
    /** The Protocol ID of NTPv4 in Next Protocol records and the exporter context (RFC 8915 §7.7). */
    public static final int PROTOCOL_NTPV4 = 0;
    public static final int HEADER_LENGTH = 4;
    public static final int MAX_BODY_LENGTH = 0xFFFF;

    public NtsKeRecord {
        if (type < 0 || type > 0x7FFF) {
            throw new IllegalArgumentException("record type must be 0..32767, was " + type);
        }
        if (body.length > MAX_BODY_LENGTH) {
            throw new IllegalArgumentException("record body must be at most 65535 bytes, was " + body.length);
        }
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** A record whose body is a list of 16-bit numbers (Next Protocol, AEAD, Error, Warning, Port). */
    public static NtsKeRecord ofShorts(boolean critical, int type, int... values) {
        byte[] body = new byte[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            body[2 * i] = (byte) (values[i] >>> 8);
            body[2 * i + 1] = (byte) values[i];
        }
        return new NtsKeRecord(critical, type, body);
    }

    /**
     * The body read as 16-bit numbers.
     *
     * @throws NtsException when its length is odd
     */
    public int[] shorts() throws NtsException {
        if (body.length % 2 != 0) {
            throw new NtsException("NTS-KE " + name(type) + " record has an odd body length " + body.length);
        }
        int[] values = new int[body.length / 2];
        for (int i = 0; i < values.length; i++) {
            values[i] = ((body[2 * i] & 0xFF) << 8) | (body[2 * i + 1] & 0xFF);
        }
        return values;
    }

    /** The request a client sends (RFC 8915 §4.1): NTPv4, AEAD_AES_SIV_CMAC_256, End of Message, all critical. */
    public static List<NtsKeRecord> clientRequest() {
        return List.of(ofShorts(true, NEXT_PROTOCOL, PROTOCOL_NTPV4),
                ofShorts(true, AEAD_ALGORITHM, AesSivCmac256.IANA_ID),
                new NtsKeRecord(true, END_OF_MESSAGE, new byte[0]));
    }

    public static byte[] encode(List<NtsKeRecord> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (NtsKeRecord record : records) {
            int word = (record.critical ? 0x8000 : 0) | record.type;
            out.write(word >>> 8);
            out.write(word);
            out.write(record.body.length >>> 8);
            out.write(record.body.length);
            out.writeBytes(record.body);
        }
        return out.toByteArray();
    }

    /** A record's 4-byte header as read: the critical bit, the type and the body's length in bytes. */
    public record Header(boolean critical, int type, int bodyLength) {
        /** Reads the header at {@code at} of {@code data}, which must hold its 4 bytes. */
        public static Header read(byte[] data, int at) {
            int word = ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
            return new Header((word & 0x8000) != 0, word & 0x7FFF, ((data[at + 2] & 0xFF) << 8) | (data[at + 3] & 0xFF));
        }
    }

    /**
     * Splits a whole message into records; it must end exactly with an End of Message record.
     *
     * @throws NtsException naming what is wrong: a record cut short, bytes after End of Message, none at all
     */
    public static List<NtsKeRecord> decodeMessage(byte[] data) throws NtsException {
        List<NtsKeRecord> records = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            if (data.length - at < HEADER_LENGTH) {
                throw new NtsException("NTS-KE record header cut short at byte " + at);
            }
            Header header = Header.read(data, at);
            if (data.length - at - HEADER_LENGTH < header.bodyLength()) {
                throw new NtsException("NTS-KE " + name(header.type()) + " record of " + header.bodyLength()
                        + " bytes cut short at byte " + at);
            }
            records.add(new NtsKeRecord(header.critical(), header.type(),
                    Arrays.copyOfRange(data, at + HEADER_LENGTH, at + HEADER_LENGTH + header.bodyLength())));
            at += HEADER_LENGTH + header.bodyLength();
            if (header.type() == END_OF_MESSAGE && at < data.length) {
                throw new NtsException("NTS-KE message has " + (data.length - at) + " bytes after End of Message");
            }
        }
        if (records.isEmpty() || records.get(records.size() - 1).type != END_OF_MESSAGE) {
            throw new NtsException("NTS-KE message does not end with End of Message");
        }
        return records;
    }

    /** The record type's name in RFC 8915, or "type N". */
    public static String name(int type) {
        return switch (type) {
            case END_OF_MESSAGE -> "End of Message";
            case NEXT_PROTOCOL -> "Next Protocol Negotiation";
            case ERROR -> "Error";
            case WARNING -> "Warning";
            case AEAD_ALGORITHM -> "AEAD Algorithm Negotiation";
            case NEW_COOKIE -> "New Cookie";
            case NTPV4_SERVER -> "NTPv4 Server Negotiation";
            case NTPV4_PORT -> "NTPv4 Port Negotiation";
            default -> "type " + type;
        };
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NtsKeRecord that && critical == that.critical && type == that.type
                && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Boolean.hashCode(critical) + type) + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return (critical ? "critical " : "") + name(type) + " (" + body.length + " bytes)";
    }
}
