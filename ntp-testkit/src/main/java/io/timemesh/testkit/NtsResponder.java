package io.timemesh.testkit;

import io.timemesh.core.nts.NtsException;
import io.timemesh.core.nts.NtsExtensionFields;
import io.timemesh.core.nts.NtsKeys;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;

/**
 * The server's side of NTS-protected NTP (RFC 8915 §5.7) for tests, with keys the test chose: opens a
 * client's request with the C2S key and answers it under the S2C key, echoing the unique identifier and
 * sending one fresh cookie per cookie and placeholder in the request, each {@code cookieLength} bytes.
 */
public final class NtsResponder {
    private final NtsKeys keys;
    private final Random random;
    private final int cookieLength;
    private int issued;

    public NtsResponder(NtsKeys keys, long seed, int cookieLength) {
        this.keys = keys;
        this.random = new Random(seed);
        this.cookieLength = cookieLength;
    }

    /** Cookies as this responder makes them: {@code cookieLength} bytes each, the n-th filled with n. */
    public byte[] cookie() {
        byte[] cookie = new byte[cookieLength];
        java.util.Arrays.fill(cookie, (byte) issued++);
        return cookie;
    }

    /** The request's fields once opened with the C2S key. */
    public NtsExtensionFields.Opened open(byte[] request) throws NtsException {
        return NtsExtensionFields.open(request, request.length, keys.c2s());
    }

    /** The body of the request's first field of {@code type}. */
    public byte[] field(byte[] request, int type) throws NtsException {
        return open(request).authenticated().stream().filter(f -> f.type() == type).findFirst()
                .orElseThrow(() -> new NtsException("no field of type " + type)).body();
    }

    /**
     * A sealed reply to {@code request} with {@code header} (48 bytes, the NTP reply's header).
     *
     * @throws NtsException when the request does not open under the C2S key
     */
    public byte[] answer(byte[] request, byte[] header) throws NtsException {
        List<NtsExtensionFields.Field> fields = open(request).authenticated();
        ByteArrayOutputStream cookies = new ByteArrayOutputStream();
        fields.stream().filter(f -> f.type() == NtsExtensionFields.COOKIE || f.type() == NtsExtensionFields.COOKIE_PLACEHOLDER)
                .forEach(f -> cookies.writeBytes(NtsExtensionFields.field(NtsExtensionFields.COOKIE, cookie())));
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes(header);
        reply.writeBytes(NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER,
                field(request, NtsExtensionFields.UNIQUE_IDENTIFIER)));
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        return NtsExtensionFields.seal(reply.toByteArray(), keys.s2c(), nonce, cookies.toByteArray());
    }
}
