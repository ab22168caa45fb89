package io.timemesh.testkit;

import io.timemesh.core.nts.NtsException;
import io.timemesh.core.nts.NtsExtensionFields;
import io.timemesh.core.nts.NtsKeys;
import io.timemesh.core.nts.NtsServerExchange;
import io.timemesh.core.nts.NtsServerKeys;
import java.util.Random;

/**
 * The server's side of NTS-protected NTP (RFC 8915 §5.7) for tests, with the client keys the test chose, as
 * if NTS-KE had agreed them: cookies for them, and {@link NtsServerExchange}'s answers to requests.
 */
public final class NtsResponder {
    private final NtsKeys keys;
    private final Random random;
    private final NtsServerKeys serverKeys;

    public NtsResponder(NtsKeys keys, long seed) {
        this.keys = keys;
        this.random = new Random(seed);
        this.serverKeys = new NtsServerKeys(random, Long.MAX_VALUE, 0);
    }

    /** A cookie holding the test's client keys, as NTS-KE would hand out. */
    public byte[] cookie() {
        return serverKeys.cookie(keys);
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
     * The server's sealed reply to {@code request} with {@code header} (48 bytes, the NTP reply's header).
     *
     * @throws NtsException when the server would not answer it with a sealed reply (its reason)
     */
    public byte[] answer(byte[] request, byte[] header) throws NtsException {
        NtsServerExchange.Request read = NtsServerExchange.read(request, request.length, serverKeys);
        if (!(read instanceof NtsServerExchange.Request.Authenticated authenticated)) {
            throw new NtsException("the server would not answer: " + read);
        }
        return NtsServerExchange.reply(header, authenticated, serverKeys, random, request.length);
    }
}
