package io.timemesh.sampler.nts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.core.nts.NtsException;
import io.timemesh.core.nts.NtsExtensionFields;
import io.timemesh.core.nts.NtsKeResponse;
import io.timemesh.core.nts.NtsKeys;
import io.timemesh.testkit.NtsResponder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client's NTS exchange (RFC 8915 §5.7) against a server played by the test, and the attacks it must refuse. */
class NtsClientSessionTest {
    static final NtsKeys KEYS = new NtsKeys(filled(1), filled(2));
    private final Random random = new Random(7);
    private final NtsResponder server = new NtsResponder(KEYS, 11);

    static byte[] filled(int value) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) value);
        return key;
    }

    private NtsClientSession session(int cookies) {
        List<byte[]> jar = new ArrayList<>();
        for (int i = 0; i < cookies; i++) {
            jar.add(server.cookie());
        }
        return new NtsClientSession(KEYS, new NtsKeResponse(jar, Optional.empty(), OptionalInt.empty(), List.of()),
                "127.0.0.1", 123, 5);
    }

    static byte[] header(int stratum, int referenceId) {
        byte[] header = new byte[48];
        header[0] = 0x24; // version 4, mode 4
        header[1] = (byte) stratum;
        header[12] = (byte) (referenceId >>> 24);
        header[13] = (byte) (referenceId >>> 16);
        header[14] = (byte) (referenceId >>> 8);
        header[15] = (byte) referenceId;
        return header;
    }

    @Test
    void anAuthenticatedReplyRefillsTheJarAndNoCookieIsSentTwice() throws NtsException {
        NtsClientSession session = session(3);
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            byte[] request = session.seal(header(0, 0), random);
            byte[] cookie = server.field(request, NtsExtensionFields.COOKIE);
            assertThat(sent.add(Arrays.toString(cookie))).as("cookie reused").isTrue();
            byte[] reply = server.answer(request, header(2, 0x7F000001));
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
        byte[] reply = server.answer(session.seal(header(0, 0), random), header(2, 0x7F000001));
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
        byte[] old = server.answer(session.seal(header(0, 0), random), header(2, 0x7F000001));
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
        byte[] wrongKey = NtsExtensionFields.seal(header(2, 1), KEYS.c2s(), new byte[16], new byte[0]);
        assertThatThrownBy(() -> session.open(wrongKey, wrongKey.length)).hasMessageContaining("authentication failed");
        assertThatThrownBy(() -> session.open(new byte[50], 50)).hasMessageContaining("2 stray bytes");
    }

    @Test
    void aNakWithOurIdentifierEmptiesTheJarAndAForgedOneIsRefused() throws NtsException {
        NtsClientSession session = session(8);
        byte[] request = session.seal(header(0, 0), random);
        byte[] uniqueId = server.field(request, NtsExtensionFields.UNIQUE_IDENTIFIER);
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

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
