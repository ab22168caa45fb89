package io.timemesh.core.nts;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A client's NTS state for one source after NTS-KE (RFC 8915 §5.7): the C2S and S2C keys, the cookie jar,
 * the NTP server to ask, and the unique identifier of the request in flight. Free of I/O and clocks.
 *
 * <p>Each request spends one cookie, which is never sent again, and asks for as many more as bring the
 * jar back to {@link #MAX_COOKIES} through placeholders. A reply counts only when it authenticates under
 * the S2C key and echoes the identifier of the request in flight, so a replayed or forged reply, or one
 * to an earlier request, is refused. An NTS NAK (kiss code NTSN) with our identifier empties the jar, so
 * the next poll runs NTS-KE again; so does running out of cookies.
 */
public final class NtsClientSession {
    /** How many cookies a client keeps (RFC 8915 §5.7 suggests 8). */
    public static final int MAX_COOKIES = 8;
    public static final int UNIQUE_ID_LENGTH = 32;
    public static final int NONCE_LENGTH = 16;
    /** The kiss code of an NTS NAK, as an NTP reference id ("NTSN"). */
    public static final int NTS_NAK = 0x4E54534E;

    private final byte[] c2sKey;
    private final byte[] s2cKey;
    private final Deque<byte[]> cookies = new ArrayDeque<>();
    private final String ntpHost;
    private final int ntpPort;
    private final long keNanos;
    private byte[] uniqueId;

    /** What a reply to the request in flight turned out to be. */
    public enum Reply {
        /** Authenticated, and its new cookies are in the jar: the header may now be checked as usual. */
        AUTHENTICATED,
        /** An NTS NAK echoing our identifier: the server no longer takes our cookies; the jar is emptied. */
        NAK
    }

    /**
     * @param keys     the C2S and S2C keys from the TLS exporter, 32 bytes each
     * @param response the checked NTS-KE response
     * @param ntpHost  the NTP server to ask: the response's server, or else the KE server's host
     * @param ntpPort  its port: the response's, or else the configured one
     * @param keNanos  when NTS-KE completed, on the caller's clock (for reporting)
     */
    public NtsClientSession(NtsKeys keys, NtsKeResponse response, String ntpHost, int ntpPort, long keNanos) {
        this.c2sKey = keys.c2s();
        this.s2cKey = keys.s2c();
        response.cookies().stream().limit(MAX_COOKIES).forEach(cookies::add);
        this.ntpHost = ntpHost;
        this.ntpPort = ntpPort;
        this.keNanos = keNanos;
    }

    /**
     * Seals an NTP request: the 48-byte {@code header}, a fresh unique identifier, one cookie (taken out of
     * the jar for good), placeholders for the cookies missing, and the authenticator over all of them.
     *
     * @throws IllegalStateException when the jar is empty (run NTS-KE first)
     */
    public byte[] seal(byte[] header, RandomGenerator random) {
        byte[] cookie = cookies.pollFirst();
        if (cookie == null) {
            throw new IllegalStateException("no NTS cookie left: NTS-KE must run first");
        }
        uniqueId = new byte[UNIQUE_ID_LENGTH];
        random.nextBytes(uniqueId);
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.writeBytes(header);
        packet.writeBytes(NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, uniqueId));
        packet.writeBytes(NtsExtensionFields.field(NtsExtensionFields.COOKIE, cookie));
        byte[] placeholder = NtsExtensionFields.field(NtsExtensionFields.COOKIE_PLACEHOLDER, new byte[cookie.length]);
        for (int i = cookies.size() + 1; i < MAX_COOKIES; i++) {
            packet.writeBytes(placeholder);
        }
        return NtsExtensionFields.seal(packet.toByteArray(), c2sKey, nonce, new byte[0]);
    }

    /**
     * Checks a reply to the request in flight and takes its new cookies.
     *
     * @throws NtsException with the reason it gives no sample: nothing in flight, a missing or other unique
     *         identifier (replayed, or answering another request), unreadable fields, no authenticator, a
     *         failed authentication
     */
    public Reply open(byte[] data, int length) throws NtsException {
        if (uniqueId == null) {
            throw new NtsException("NTS: no request in flight");
        }
        List<NtsExtensionFields.Span> spans = NtsExtensionFields.spans(data, NtsExtensionFields.HEADER_LENGTH, length);
        boolean hasAuthenticator = spans.stream().anyMatch(s -> s.type() == NtsExtensionFields.AUTHENTICATOR);
        if (!hasAuthenticator && isNak(data) && echoesUniqueId(data, spans)) {
            uniqueId = null;
            cookies.clear();
            return Reply.NAK;
        }
        NtsExtensionFields.Opened opened = NtsExtensionFields.open(data, length, s2cKey);
        List<NtsExtensionFields.Field> ids = opened.authenticated().stream()
                .filter(f -> f.type() == NtsExtensionFields.UNIQUE_IDENTIFIER).toList();
        if (ids.size() != 1 || !Arrays.equals(ids.get(0).body(), uniqueId)) {
            throw new NtsException(ids.isEmpty() ? "NTS: reply has no unique identifier"
                    : "NTS: reply's unique identifier is not our request's (replayed or stale)");
        }
        uniqueId = null;
        opened.encrypted().stream().filter(f -> f.type() == NtsExtensionFields.COOKIE)
                .forEach(f -> {
                    if (cookies.size() < MAX_COOKIES) {
                        cookies.addLast(f.body());
                    }
                });
        return Reply.AUTHENTICATED;
    }

    private static boolean isNak(byte[] data) {
        int referenceId = ((data[12] & 0xFF) << 24) | ((data[13] & 0xFF) << 16) | ((data[14] & 0xFF) << 8) | (data[15] & 0xFF);
        return data[1] == 0 && referenceId == NTS_NAK;
    }

    private boolean echoesUniqueId(byte[] data, List<NtsExtensionFields.Span> spans) {
        return spans.stream().anyMatch(s -> s.type() == NtsExtensionFields.UNIQUE_IDENTIFIER && s.bodyEquals(data, uniqueId));
    }

    /** True when no cookie is left: the next request needs NTS-KE first. */
    public boolean needsKeyExchange() {
        return cookies.isEmpty();
    }

    /** Cookies in the jar. */
    public int cookies() {
        return cookies.size();
    }

    public String ntpHost() {
        return ntpHost;
    }

    public int ntpPort() {
        return ntpPort;
    }

    /** When NTS-KE completed, in nanoseconds on the clock the caller gave. */
    public long keNanos() {
        return keNanos;
    }
}
