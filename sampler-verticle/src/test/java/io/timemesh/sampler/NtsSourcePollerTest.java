package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.core.nts.NtsExtensionFields;
import io.timemesh.core.nts.NtsKeResponse;
import io.timemesh.core.nts.NtsKeys;
import io.timemesh.testkit.NtsResponder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * An NTS source's exchanges (RFC 8915 §5.7) driven by hand, and the attacks on them: a tampered, replayed
 * or unauthenticated reply never yields a sample, and each is dropped with its reason.
 */
class NtsSourcePollerTest {
    private static final long T1 = 1_795_000_000_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final NtsKeys KEYS = new NtsKeys(filled(3), filled(4));

    private final NtsResponder server = new NtsResponder(KEYS, 5);
    private final SourcePoller poller = new SourcePoller("nts.test:123", new PollSchedule(16, false), -20,
            NtpConstants.PHI, true);

    private static byte[] filled(int value) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) value);
        return key;
    }

    private void keyExchange() {
        List<byte[]> cookies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            cookies.add(server.cookie());
        }
        poller.onKeyExchange(new NtsClientSession(KEYS, new NtsKeResponse(cookies, Optional.empty(), OptionalInt.empty(),
                List.of()), "127.0.0.1", 123, T1));
    }

    /** A server 0.1 s ahead, stamping T2 = T1 + 3 ms and T3 = T2 + 1 ms, echoing the request's transmit timestamp. */
    private static byte[] header(byte[] request, int stratum, int referenceId) {
        long origin = ((DecodeResult.Decoded) NtpPacketCodec.decode(request)).packet().transmitTimestamp();
        long t2 = T1 + 103 * MS;
        return NtpPacketCodec.encode(new NtpPacket(LeapIndicator.NO_WARNING, 4, NtpMode.SERVER, stratum, 4, -20, 0, 0,
                referenceId, 0, origin, NtpTimestamp.fromUnixNanos(t2), NtpTimestamp.fromUnixNanos(t2 + MS)));
    }

    private ExchangeStep deliver(byte[] reply) {
        return poller.onDatagram(reply, reply.length, T1 + 6 * MS);
    }

    @Test
    void noRequestBeforeKeyExchange() {
        assertThat(poller.needsKeyExchange()).isTrue();
        assertThatThrownBy(() -> poller.startExchange(T1, 1)).hasMessageContaining("needs NTS-KE");
    }

    @Test
    void anAuthenticatedReplyGivesASample() throws Exception {
        keyExchange();
        byte[] request = poller.startExchange(T1, 7);
        assertThat(server.open(request).authenticated().stream().map(NtsExtensionFields.Field::type))
                .containsExactly(NtsExtensionFields.UNIQUE_IDENTIFIER, NtsExtensionFields.COOKIE);
        ExchangeStep step = deliver(server.answer(request, header(request, 1, ReferenceId.ofAscii("GPS"))));
        assertThat(step).isInstanceOf(ExchangeStep.Sampled.class);
        assertThat(poller.nts().cookies()).isEqualTo(8);
    }

    @Test
    void sealingTheRequestIsNotCountedInTheDelay() throws Exception {
        keyExchange();
        byte[] request = poller.startExchange(T1 - 2 * MS, 7); // read before building and sealing the request
        poller.onSending(T1); // read again just before the send: T1
        ExchangeStep step = deliver(server.answer(request, header(request, 1, ReferenceId.ofAscii("GPS"))));
        // T4 − T1 = 6 ms less the server's 1 ms between T2 and T3
        assertThat(((ExchangeStep.Sampled) step).sample().delaySeconds()).isCloseTo(0.005, within(1e-9));
    }

    @Test
    void aTamperedReplyIsDroppedAndTheGenuineOneStillCounts() throws Exception {
        keyExchange();
        byte[] request = poller.startExchange(T1, 7);
        byte[] genuine = server.answer(request, header(request, 1, ReferenceId.ofAscii("GPS")));
        for (int at : new int[] {47, genuine.length - 1}) { // T3's last byte, the authenticator's ciphertext
            byte[] tampered = genuine.clone();
            tampered[at] ^= 1;
            ExchangeStep step = deliver(tampered);
            assertThat(step).isInstanceOf(ExchangeStep.Dropped.class);
            assertThat(((ExchangeStep.Dropped) step).failure().error()).isEqualTo(ExchangeError.NTS_UNAUTHENTICATED);
            assertThat(((ExchangeStep.Dropped) step).failure().detail()).contains("authentication failed");
        }
        assertThat(deliver(genuine)).isInstanceOf(ExchangeStep.Sampled.class);
    }

    @Test
    void anUnauthenticatedReplyNeverYieldsASampleAndIsTheReasonReported() {
        keyExchange();
        byte[] request = poller.startExchange(T1, 7);
        byte[] plain = header(request, 1, ReferenceId.ofAscii("GPS")); // right origin, no NTS fields
        assertThat(deliver(plain)).isInstanceOf(ExchangeStep.Dropped.class);
        var failure = poller.onTimeout("no valid reply within 1000 ms");
        assertThat(failure.error()).isEqualTo(ExchangeError.NTS_UNAUTHENTICATED);
        assertThat(failure.message()).isEqualTo("not authenticated: NTS: no authenticator field (unauthenticated packet)");
        assertThat(poller.reach()).isZero();
    }

    @Test
    void aReplayedReplyIsRefused() throws Exception {
        keyExchange();
        byte[] first = poller.startExchange(T1, 7);
        byte[] old = server.answer(first, header(first, 1, ReferenceId.ofAscii("GPS")));
        assertThat(deliver(old)).isInstanceOf(ExchangeStep.Sampled.class);
        poller.startExchange(T1 + 16_000 * MS, 8);
        ExchangeStep replayed = deliver(old);
        assertThat(replayed).isInstanceOf(ExchangeStep.Dropped.class);
        assertThat(((ExchangeStep.Dropped) replayed).failure().detail()).contains("replayed");
    }

    @Test
    void anNtsNakEndsTheExchangeAndAsksForKeyExchange() throws Exception {
        keyExchange();
        byte[] request = poller.startExchange(T1, 7);
        byte[] nak = new byte[48 + 36];
        System.arraycopy(header(request, 0, NtsClientSession.NTS_NAK), 0, nak, 0, 48);
        System.arraycopy(NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER,
                server.field(request, NtsExtensionFields.UNIQUE_IDENTIFIER)), 0, nak, 48, 36);
        ExchangeStep step = deliver(nak);
        assertThat(step).isInstanceOf(ExchangeStep.Failed.class);
        assertThat(((ExchangeStep.Failed) step).failure().error()).isEqualTo(ExchangeError.NTS_NAK);
        assertThat(poller.needsKeyExchange()).isTrue();
    }
}
