package io.timemesh.core.nts;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NTS's NTP extension fields (RFC 8915 §5.7) and the sealing of a packet under the NTS Authenticator
 * and Encrypted Extension Fields field (§5.6): everything before that field is associated data, the
 * fields inside it are encrypted, nothing may follow it. Usable by both ends: the client seals requests
 * with its C2S key and opens replies with S2C; a server does the opposite.
 */
public final class NtsExtensionFields {
    public static final int UNIQUE_IDENTIFIER = 0x0104;
    public static final int COOKIE = 0x0204;
    public static final int COOKIE_PLACEHOLDER = 0x0304;
    public static final int AUTHENTICATOR = 0x0404;
    /** NTP header length: the fields follow it (RFC 7822). */
    public static final int HEADER_LENGTH = 48;
    /** RFC 7822 §3: an extension field is at least 16 bytes. */
    private static final int MIN_FIELD_LENGTH = 16;
    private static final int FIELD_HEADER_LENGTH = 4;

    private NtsExtensionFields() {}

    /** One extension field as read: its type and its body (padding included). */
    public record Field(int type, byte[] body) {
        public Field {
            body = body.clone();
        }

        @Override
        public byte[] body() {
            return body.clone();
        }
    }

    /** Where a field lies in a packet: its type, its first byte and its length (header and padding included). */
    public record Span(int type, int start, int length) {
        /** True when the field's body equals {@code body} (padding included). */
        public boolean bodyEquals(byte[] data, byte[] body) {
            return Arrays.equals(data, start + FIELD_HEADER_LENGTH, start + length, body, 0, body.length);
        }
    }

    /**
     * A packet's fields once opened.
     *
     * @param authenticated the fields before the authenticator (associated data)
     * @param encrypted     the fields that were inside it
     */
    public record Opened(List<Field> authenticated, List<Field> encrypted) {}

    /** An extension field with {@code body}, zero-padded to a multiple of 4 bytes and at least 16 bytes. */
    public static byte[] field(int type, byte[] body) {
        int length = Math.max(MIN_FIELD_LENGTH, FIELD_HEADER_LENGTH + padded(body.length));
        byte[] field = new byte[length];
        field[0] = (byte) (type >>> 8);
        field[1] = (byte) type;
        field[2] = (byte) (length >>> 8);
        field[3] = (byte) length;
        System.arraycopy(body, 0, field, FIELD_HEADER_LENGTH, body.length);
        return field;
    }

    /**
     * Appends the NTS Authenticator and Encrypted Extension Fields field to {@code packet}.
     *
     * @param packet          header and the fields to authenticate
     * @param key             the sealing direction's 32-byte key
     * @param nonce           fresh random bytes, 16 for AES-SIV (RFC 8915 §5.6)
     * @param encryptedFields the fields to encrypt, already encoded, or none
     * @return the packet followed by the authenticator field
     */
    public static byte[] seal(byte[] packet, byte[] key, byte[] nonce, byte[] encryptedFields) {
        byte[] ciphertext = AesSivCmac256.seal(key, encryptedFields, packet, nonce);
        byte[] body = new byte[4 + padded(nonce.length) + padded(ciphertext.length)];
        body[0] = (byte) (nonce.length >>> 8);
        body[1] = (byte) nonce.length;
        body[2] = (byte) (ciphertext.length >>> 8);
        body[3] = (byte) ciphertext.length;
        System.arraycopy(nonce, 0, body, 4, nonce.length);
        System.arraycopy(ciphertext, 0, body, 4 + padded(nonce.length), ciphertext.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(packet);
        out.writeBytes(field(AUTHENTICATOR, body));
        return out.toByteArray();
    }

    /**
     * Checks a sealed packet and opens its encrypted fields.
     *
     * @param length the packet's length in {@code data}
     * @throws NtsException naming the fault: unreadable fields, no authenticator, fields after it, a
     *         nonce or ciphertext that does not fit, a packet that does not authenticate under {@code key}
     */
    public static Opened open(byte[] data, int length, byte[] key) throws NtsException {
        List<Span> spans = spans(data, HEADER_LENGTH, length);
        List<Field> authenticated = new ArrayList<>();
        for (int i = 0; i < spans.size(); i++) {
            Span span = spans.get(i);
            if (span.type() != AUTHENTICATOR) {
                authenticated.add(fieldAt(data, span));
                continue;
            }
            if (i != spans.size() - 1) {
                throw new NtsException("NTS: " + (spans.size() - 1 - i) + " extension field(s) after the authenticator");
            }
            byte[] body = fieldAt(data, span).body();
            if (body.length < 4) {
                throw new NtsException("NTS: authenticator field too short");
            }
            int nonceLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            int ciphertextLength = ((body[2] & 0xFF) << 8) | (body[3] & 0xFF);
            if (4 + padded(nonceLength) + padded(ciphertextLength) > body.length) {
                throw new NtsException("NTS: authenticator's nonce (" + nonceLength + " bytes) and ciphertext ("
                        + ciphertextLength + " bytes) overrun its " + body.length + "-byte body");
            }
            byte[] nonce = Arrays.copyOfRange(body, 4, 4 + nonceLength);
            byte[] ciphertext = Arrays.copyOfRange(body, 4 + padded(nonceLength), 4 + padded(nonceLength) + ciphertextLength);
            byte[] associated = Arrays.copyOfRange(data, 0, span.start());
            byte[] plaintext = AesSivCmac256.open(key, ciphertext, associated, nonce)
                    .orElseThrow(() -> new NtsException("NTS: authentication failed (tampered, or sealed with another key)"));
            List<Field> encrypted = new ArrayList<>();
            for (Span inner : spans(plaintext, 0, plaintext.length)) {
                encrypted.add(fieldAt(plaintext, inner));
            }
            return new Opened(authenticated, encrypted);
        }
        throw new NtsException("NTS: no authenticator field (unauthenticated packet)");
    }

    /**
     * The fields from byte {@code from} to {@code to}.
     *
     * @throws NtsException for a field shorter than its header, not a multiple of 4 bytes, or overrunning the packet
     */
    public static List<Span> spans(byte[] data, int from, int to) throws NtsException {
        if (to < from || to > data.length) {
            throw new NtsException("NTS: packet of " + to + " bytes is shorter than its NTP header");
        }
        List<Span> spans = new ArrayList<>();
        int at = from;
        while (at < to) {
            if (to - at < FIELD_HEADER_LENGTH) {
                throw new NtsException("NTS: " + (to - at) + " stray bytes after the extension fields");
            }
            int type = ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
            int fieldLength = ((data[at + 2] & 0xFF) << 8) | (data[at + 3] & 0xFF);
            if (fieldLength < FIELD_HEADER_LENGTH || fieldLength % 4 != 0 || fieldLength > to - at) {
                throw new NtsException("NTS: extension field 0x" + Integer.toHexString(type) + " has a bad length "
                        + fieldLength + " at byte " + at);
            }
            spans.add(new Span(type, at, fieldLength));
            at += fieldLength;
        }
        return spans;
    }

    private static Field fieldAt(byte[] data, Span span) {
        return new Field(span.type(), Arrays.copyOfRange(data, span.start() + FIELD_HEADER_LENGTH,
                span.start() + span.length()));
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }
}
