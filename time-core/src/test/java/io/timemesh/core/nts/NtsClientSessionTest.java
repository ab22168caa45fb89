package io.timemesh.core.nts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client's NTS exchange against a server played by the test, and the attacks it must refuse. */
class NtsClientSessionTest {
    private static final byte[] C2S = filled(1);
    private static final byte[] S2C = filled(2);
    private final Random random = new Random(7);
    private int nextCookie = 100;

    private static byte[] filled(int value) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) value);
        return key;
    }

    private byte[] cookie() {
        byte[] cookie = new byte[40];
        Arrays.fill(cookie, (byte) nextCookie++);
        return cookie;
    }

    private NtsClientSession session(int cookies) {
        List<byte[]> jar = new ArrayList<>();
        for (int i = 0; i < cookies; i++) {
            jar.add(cookie());
        }
        return new NtsClientSession(new NtsKeys(C2S, S2C), new NtsKeResponse(jar, Optional.empty(), OptionalInt.empty(),
                List.of()), "127.0.0.1", 123, 5);
    }

    private static byte[] header(int stratum, int referenceId) {
        byte[] header = new byte[48];
        header[0] = 0x24; // version 4, mode 4
        header[1] = (byte) stratum;
        header[12] = (byte) (referenceId >>> 24);
        header[13] = (byte) (referenceId >>> 16);
        header[14] = (byte) (referenceId >>> 8);
        header[15] = (byte) referenceId;
        return header;
    }

    /** The server's side: opens the request with C2S and answers with one cookie per cookie field asked for. */
    private byte[] serve(byte[] request) throws NtsException {
        NtsExtensionFields.Opened opened = NtsExtensionFields.open(request, request.length, C2S);
        byte[] uniqueId = opened.authenticated().stream().filter(f -> f.type() == NtsExtensionFields.UNIQUE_IDENTIFIER)
                .findFirst().orElseThrow().body();
        long asked = opened.authenticated().stream().filter(f -> f.type() == NtsExtensionFields.COOKIE
                || f.type() == NtsExtensionFields.COOKIE_PLACEHOLDER).count();
        ByteArrayOutputStream cookies = new ByteArrayOutputStream();
        for (int i = 0; i < asked; i++) {
            cookies.writeBytes(NtsExtensionFields.field(NtsExtensionFields.COOKIE, cookie()));
        }
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes(header(2, 0x7F000001));
        reply.writeBytes(NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, uniqueId));
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        return NtsExtensionFields.seal(reply.toByteArray(), S2C, nonce, cookies.toByteArray());
    }

    @Test
    void anAuthenticatedReplyRefillsTheJarAndNoCookieIsSentTwice() throws NtsException {
        NtsClientSession session = session(3);
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            byte[] request = session.seal(header(0, 0), random);
            NtsExtensionFields.Opened opened = NtsExtensionFields.open(request, request.length, C2S);
            byte[] cookie = opened.authenticated().stream().filter(f -> f.type() == NtsExtensionFields.COOKIE)
                    .findFirst().orElseThrow().body();
            assertThat(sent.add(Arrays.toString(cookie))).as("cookie reused").isTrue();
            byte[] reply = serve(request);
            assertThat(reply.length).as("a reply is never larger than its request").isLessThanOrEqualTo(request.length);
            assertThat(session.open(reply, reply.length)).isEqualTo(NtsClientSession.Reply.AUTHENTICATED);
            assertThat(session.cookies()).isEqualTo(NtsClientSession.MAX_COOKIES);
        }
    }

    @Test
    void lostRepliesRunTheJarDownToKeyExchange() {
        NtsClientSession session = session(2);
        session.seal(header(0, 0), random);
        session.seal(header(0, 0), random);
        assertThat(session.needsKeyExchange()).isTrue();
        assertThatThrownBy(() -> session.seal(header(0, 0), random)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTamperedReplyIsRefusedWhereverTheByteIs() throws NtsException {
        NtsClientSession session = session(8);
        byte[] reply = serve(session.seal(header(0, 0), random));
        for (int at : new int[] {41, 50, reply.length - 1, reply.length - 20}) { // T3, unique id, ciphertext, nonce
            byte[] tampered = reply.clone();
            tampered[at] ^= 1;
            assertThatThrownBy(() -> session.open(tampered, tampered.length)).isInstanceOf(NtsException.class)
                    .hasMessageContaining("NTS:");
        }
        assertThat(session.open(reply, reply.length)).isEqualTo(NtsClientSession.Reply.AUTHENTICATED);
    }

    @Test
    void aReplayedReplyIsRefused() throws NtsException {
        NtsClientSession session = session(8);
        byte[] old = serve(session.seal(header(0, 0), random));
        session.open(old, old.length);
        session.seal(header(0, 0), random);
        assertThatThrownBy(() -> session.open(old, old.length))
                .hasMessage("NTS: reply's unique identifier is not our request's (replayed or stale)");
    }

    @Test
    void anUnauthenticatedReplyIsRefused() {
        NtsClientSession session = session(8);
        session.seal(header(0, 0), random);
        assertThatThrownBy(() -> session.open(header(2, 0x7F000001), 48))
                .hasMessage("NTS: no authenticator field (unauthenticated packet)");
        byte[] wrongKey = NtsExtensionFields.seal(header(2, 1), C2S, new byte[16], new byte[0]);
        assertThatThrownBy(() -> session.open(wrongKey, wrongKey.length)).hasMessageContaining("authentication failed");
        assertThatThrownBy(() -> session.open(new byte[50], 50)).hasMessageContaining("2 stray bytes");
    }

    @Test
    void aNakWithOurIdentifierEmptiesTheJarAndAForgedOneIsRefused() throws NtsException {
        NtsClientSession session = session(8);
        byte[] request = session.seal(header(0, 0), random);
        byte[] uniqueId = NtsExtensionFields.open(request, request.length, C2S).authenticated().get(0).body();
        byte[] forged = concat(header(0, NtsClientSession.NTS_NAK),
                NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, new byte[32]));
        assertThatThrownBy(() -> session.open(forged, forged.length)).isInstanceOf(NtsException.class);
        assertThat(session.cookies()).isEqualTo(7);
        byte[] nak = concat(header(0, NtsClientSession.NTS_NAK),
                NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, uniqueId));
        assertThat(session.open(nak, nak.length)).isEqualTo(NtsClientSession.Reply.NAK);
        assertThat(session.needsKeyExchange()).isTrue();
    }

    @Test
    void exporterContextsFollowRfc8915() {
        assertThat(NtsKeys.exporterContext(false)).containsExactly(0, 0, 0, 15, 0);
        assertThat(NtsKeys.exporterContext(true)).containsExactly(0, 0, 0, 15, 1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
