package io.timemesh.core.nts;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The server's side of NTS-protected NTP (RFC 8915 §5.7), free of I/O: what a request is, and the reply to
 * it. A request without NTS fields is plain NTP; one whose cookie no longer opens gets an NTS NAK; one that
 * does not authenticate under the C2S key its cookie holds gets nothing. An authenticated request gets a
 * reply sealed under S2C with a fresh cookie for its own and one per placeholder, never larger than the
 * request (no amplification).
 */
public final class NtsServerExchange {
    private NtsServerExchange() {}

    /** What a request turned out to be. */
    public sealed interface Request {
        /** No NTS: answer as plain NTP. */
        record Plain() implements Request {}

        /** Malformed or unauthenticated NTS: drop it, for this reason. */
        record Refused(String reason) implements Request {}

        /** A well-formed request whose cookie we cannot open: answer with an NTS NAK echoing its identifier. */
        record Nak(byte[] uniqueId) implements Request {}

        /**
         * Authenticated.
         *
         * @param cookies how many fresh cookies it asked for (its cookie and placeholders, at most 8)
         */
        record Authenticated(NtsKeys keys, byte[] uniqueId, int cookies) implements Request {}
    }

    /** Reads the request in {@code data[0, length)}, whose NTP header the caller has already accepted. */
    public static Request read(byte[] data, int length, NtsServerKeys serverKeys) {
        List<NtsExtensionFields.Span> spans;
        try {
            spans = NtsExtensionFields.spans(data, NtsExtensionFields.HEADER_LENGTH, length);
        } catch (NtsException e) {
            return new Request.Plain(); // not extension fields (a MAC, say): not NTS
        }
        List<NtsExtensionFields.Span> ids = ofType(spans, NtsExtensionFields.UNIQUE_IDENTIFIER);
        List<NtsExtensionFields.Span> cookies = ofType(spans, NtsExtensionFields.COOKIE);
        if (ids.isEmpty() && cookies.isEmpty()) {
            return new Request.Plain();
        }
        if (ids.size() != 1 || ids.get(0).length() - 4 < NtsClientSession.UNIQUE_ID_LENGTH) {
            return new Request.Refused("NTS request needs one unique identifier of at least 32 bytes");
        }
        if (cookies.size() != 1) {
            return new Request.Refused("NTS request must carry one cookie, carried " + cookies.size());
        }
        byte[] uniqueId = body(data, ids.get(0));
        var keys = serverKeys.open(body(data, cookies.get(0)));
        if (keys.isEmpty()) {
            return new Request.Nak(uniqueId);
        }
        try {
            NtsExtensionFields.open(data, length, keys.get().c2s());
        } catch (NtsException e) {
            return new Request.Refused(e.getMessage());
        }
        long placeholders = ofType(spans, NtsExtensionFields.COOKIE_PLACEHOLDER).stream()
                .filter(s -> s.length() - 4 >= NtsServerKeys.COOKIE_LENGTH).count();
        return new Request.Authenticated(keys.get(), uniqueId,
                (int) Math.min(NtsClientSession.MAX_COOKIES, 1 + placeholders));
    }

    /**
     * The sealed reply: {@code header} (48 bytes, T3 already in it), the unique identifier, and the authenticator
     * holding as many fresh cookies as were asked for and fit in {@code maxLength}.
     *
     * @param maxLength the request's length: the reply is never longer
     */
    public static byte[] reply(byte[] header, Request.Authenticated request, NtsServerKeys serverKeys,
                               RandomGenerator random, int maxLength) {
        byte[] identified = concat(header, NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, request.uniqueId()));
        byte[] nonce = new byte[NtsClientSession.NONCE_LENGTH];
        random.nextBytes(nonce);
        for (int cookies = request.cookies(); ; cookies--) {
            ByteArrayOutputStream fields = new ByteArrayOutputStream();
            for (int i = 0; i < cookies; i++) {
                fields.writeBytes(NtsExtensionFields.field(NtsExtensionFields.COOKIE, serverKeys.cookie(request.keys())));
            }
            byte[] reply = NtsExtensionFields.seal(identified, request.keys().s2c(), nonce, fields.toByteArray());
            if (reply.length <= maxLength || cookies == 0) {
                return reply;
            }
        }
    }

    /** An NTS NAK (kiss code NTSN, stratum 0) built on {@code header}, echoing the request's unique identifier. */
    public static byte[] nak(byte[] header, byte[] uniqueId) {
        byte[] kiss = header.clone();
        kiss[1] = 0; // stratum 0: a kiss-o'-death
        kiss[12] = 'N';
        kiss[13] = 'T';
        kiss[14] = 'S';
        kiss[15] = 'N';
        return concat(kiss, NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, uniqueId));
    }

    private static List<NtsExtensionFields.Span> ofType(List<NtsExtensionFields.Span> spans, int type) {
        return spans.stream().filter(s -> s.type() == type).toList();
    }

    private static byte[] body(byte[] data, NtsExtensionFields.Span span) {
        return java.util.Arrays.copyOfRange(data, span.start() + 4, span.start() + span.length());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
