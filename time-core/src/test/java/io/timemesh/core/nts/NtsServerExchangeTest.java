package io.timemesh.core.nts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The server's cookies and its side of an NTS exchange with our own client session (RFC 8915 §5.7, §6). */
class NtsServerExchangeTest {
    private static final long HOUR = 3_600_000_000_000L;
    private static final NtsKeys CLIENT = new NtsKeys(filled(5), filled(6));
    private final Random random = new Random(3);
    private final NtsServerKeys server = new NtsServerKeys(random, HOUR, 0);

    private static byte[] filled(int value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private NtsClientSession session(int cookies) {
        return new NtsClientSession(CLIENT, new NtsKeResponse(java.util.stream.Stream.generate(() -> server.cookie(CLIENT))
                .limit(cookies).toList(), Optional.empty(), OptionalInt.empty(), List.of()), "127.0.0.1", 123, 0);
    }

    @Test
    void cookiesOpenUnderTheirKeyForOneRotationThenNoMore() {
        byte[] cookie = server.cookie(CLIENT);
        assertThat(cookie).hasSize(NtsServerKeys.COOKIE_LENGTH);
        assertThat(server.open(cookie)).hasValueSatisfying(k -> assertThat(k.s2c()).isEqualTo(CLIENT.s2c()));
        byte[] tampered = cookie.clone();
        tampered[30] ^= 1;
        assertThat(server.open(tampered)).isEmpty();
        server.rotateIfDue(HOUR - 1);
        server.rotateIfDue(HOUR);
        assertThat(server.open(cookie)).as("previous key kept").isPresent();
        server.rotateIfDue(2 * HOUR);
        assertThat(server.open(cookie)).as("older keys dropped").isEmpty();
        assertThat(server.open(Arrays.copyOf(cookie, 99))).isEmpty();
    }

    @Test
    void anotherNodesCookiesOpenOnceItsKeysAreSharedWrappedUnderTheClusterKey() {
        NtsServerKeys other = new NtsServerKeys(new Random(9), HOUR, 0);
        byte[] cookie = other.cookie(CLIENT);
        assertThat(server.open(cookie)).isEmpty();
        byte[] wrapKey = filled(42);
        List<NtsServerKeys.SharedKey> received = other.own().stream()
                .map(k -> NtsServerKeys.unwrap(wrapKey, k.id(), NtsServerKeys.wrap(wrapKey, k)).orElseThrow()).toList();
        server.acceptShared(received);
        assertThat(server.open(cookie)).hasValueSatisfying(k -> assertThat(k.c2s()).isEqualTo(CLIENT.c2s()));
        NtsServerKeys.SharedKey first = other.own().get(0);
        assertThat(NtsServerKeys.unwrap(filled(43), first.id(), NtsServerKeys.wrap(wrapKey, first))).isEmpty();
        assertThat(NtsServerKeys.unwrap(wrapKey, first.id() + 1, NtsServerKeys.wrap(wrapKey, first))).isEmpty();
        server.acceptShared(List.of());
        assertThat(server.open(cookie)).as("keys no longer shared no longer open").isEmpty();
    }

    @Test
    void anAuthenticatedRequestGetsASealedReplyNoLargerWithItsCookiesBack() throws NtsException {
        NtsClientSession client = session(3);
        byte[] request = client.seal(new byte[48], random);
        var read = NtsServerExchange.read(request, request.length, server);
        assertThat(read).isInstanceOf(NtsServerExchange.Request.Authenticated.class);
        assertThat(((NtsServerExchange.Request.Authenticated) read).cookies()).isEqualTo(6); // its own and 5 placeholders
        byte[] header = new byte[48];
        header[1] = 2;
        byte[] reply = NtsServerExchange.reply(header, (NtsServerExchange.Request.Authenticated) read, server, random,
                request.length);
        assertThat(reply.length).isEqualTo(request.length);
        assertThat(client.open(reply, reply.length)).isEqualTo(NtsClientSession.Reply.AUTHENTICATED);
        assertThat(client.cookies()).isEqualTo(NtsClientSession.MAX_COOKIES);
    }

    @Test
    void aStaleCookieGetsANakAndATamperedRequestNothing() throws NtsException {
        NtsClientSession client = session(8);
        byte[] tampered = client.seal(new byte[48], random);
        tampered[45] ^= 1;
        assertThat(NtsServerExchange.read(tampered, tampered.length, server))
                .isEqualTo(new NtsServerExchange.Request.Refused("NTS: authentication failed (tampered, or sealed with another key)"));

        server.rotateIfDue(HOUR);
        server.rotateIfDue(2 * HOUR);
        byte[] stale = client.seal(new byte[48], random);
        var read = NtsServerExchange.read(stale, stale.length, server);
        assertThat(read).isInstanceOf(NtsServerExchange.Request.Nak.class);
        byte[] nak = NtsServerExchange.nak(new byte[48], ((NtsServerExchange.Request.Nak) read).uniqueId());
        assertThat(client.open(nak, nak.length)).isEqualTo(NtsClientSession.Reply.NAK);
    }

    @Test
    void plainAndMalformedRequestsAreTold() {
        assertThat(NtsServerExchange.read(new byte[48], 48, server)).isInstanceOf(NtsServerExchange.Request.Plain.class);
        byte[] onlyId = Arrays.copyOf(new byte[48], 48 + 36);
        System.arraycopy(NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, new byte[32]), 0, onlyId, 48, 36);
        assertThat(NtsServerExchange.read(onlyId, onlyId.length, server))
                .isEqualTo(new NtsServerExchange.Request.Refused("NTS request must carry one cookie, carried 0"));
    }
}
