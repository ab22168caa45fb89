package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import org.junit.jupiter.api.Test;

/** The exchange protocol with one source, driven by hand: no sockets, no clock. */
class SourcePollerTest {

    private static final long T1 = 1_795_000_000_000_000_000L;
    private static final long MS = 1_000_000L;

    private final SourcePoller poller = new SourcePoller("sim:123", new PollSchedule(16, false), -20);

    private static NtpPacket request(byte[] bytes) {
        return ((DecodeResult.Decoded) NtpPacketCodec.decode(bytes)).packet();
    }

    /** A server 0.1 s ahead stamping T2 = T1 + 3 ms, T3 = T2 + 1 ms, echoing {@code origin}. */
    private static byte[] reply(long origin, int stratum, String refId, long serverShift) {
        long t2 = T1 + 100 * MS + 3 * MS + serverShift;
        return NtpPacketCodec.encode(new NtpPacket(stratum == 0 ? LeapIndicator.ALARM : LeapIndicator.NO_WARNING, 4,
                NtpMode.SERVER, stratum, 4, -20, 0, 0, ReferenceId.ofAscii(refId), 0, origin,
                NtpTimestamp.fromUnixNanos(t2), NtpTimestamp.fromUnixNanos(t2 + MS)));
    }

    @Test
    void requestCarriesARandomFractionAndOurSeconds() {
        NtpPacket request = request(poller.startExchange(T1, 0xCAFEBABE));
        assertThat(request.mode()).isEqualTo(NtpMode.CLIENT);
        assertThat(request.version()).isEqualTo(4);
        assertThat(request.poll()).isEqualTo(4);
        assertThat(NtpTimestamp.fraction(request.transmitTimestamp())).isEqualTo(0xCAFEBABEL);
        assertThat(NtpTimestamp.seconds(request.transmitTimestamp()))
                .isEqualTo(NtpTimestamp.seconds(NtpTimestamp.fromUnixNanos(T1)));
        assertThat(request.originTimestamp()).isZero();
        assertThat(request.receiveTimestamp()).isZero();
    }

    @Test
    void genuineReplyGivesASampleAndSetsReach() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        byte[] reply = reply(sent, 1, "GPS", 0);
        ExchangeStep step = poller.onDatagram(reply, reply.length, T1 + 6 * MS);
        assertThat(step).isInstanceOf(ExchangeStep.Sampled.class);
        var estimate = ((ExchangeStep.Sampled) step).estimate();
        // T2 − T1 = 103 ms and T3 − T4 = 104 − 6 = 98 ms, so θ = 100.5 ms; δ = 6 − 1 = 5 ms
        assertThat(estimate.filtered().best().offsetSeconds()).isCloseTo(0.1005, within(1e-9));
        assertThat(estimate.filtered().best().delaySeconds()).isCloseTo(0.005, within(1e-9));
        // The exact interval [T3 − T4, T2 − T1] = [98, 103] ms, widened only by ε (precision, PHI × 6 ms).
        assertThat(estimate.bound().low()).isCloseTo(0.098, within(1e-5));
        assertThat(estimate.bound().high()).isCloseTo(0.103, within(1e-5));
        assertThat(estimate.bound().low()).isLessThan(0.098);
        assertThat(estimate.bound().high()).isGreaterThan(0.103);
        assertThat(poller.reach()).isEqualTo(1);
        assertThat(poller.inFlight()).isFalse();
        assertThat(poller.lastFailure()).isNull();
    }

    @Test
    void forgedAndGarbagePacketsAreDroppedAndTheGenuineReplyStillCounts() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        byte[] forged = reply(sent + 1, 1, "GPS", 0);
        assertThat(poller.onDatagram(forged, forged.length, T1 + 2 * MS)).isInstanceOf(ExchangeStep.Dropped.class);
        byte[] garbage = {1, 2, 3};
        ExchangeStep dropped = poller.onDatagram(garbage, garbage.length, T1 + 3 * MS);
        assertThat(((ExchangeStep.Dropped) dropped).failure().error()).isEqualTo(ExchangeError.MALFORMED);
        byte[] genuine = reply(sent, 1, "GPS", 0);
        assertThat(poller.onDatagram(genuine, genuine.length, T1 + 6 * MS)).isInstanceOf(ExchangeStep.Sampled.class);
    }

    @Test
    void timeoutAfterOnlyForgedRepliesNamesTheForgery() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        byte[] forged = reply(sent ^ 0xFFFF, 1, "GPS", 0);
        poller.onDatagram(forged, forged.length, T1 + 2 * MS);
        assertThat(poller.onTimeout("no reply").error()).isEqualTo(ExchangeError.BOGUS_ORIGIN);
        assertThat(poller.reach()).isZero();
    }

    @Test
    void silenceIsATimeout() {
        poller.startExchange(T1, 7);
        assertThat(poller.onTimeout("no valid reply within 500 ms").message())
                .isEqualTo("timeout: no valid reply within 500 ms");
    }

    @Test
    void lateReplyAfterTheExchangeEndedIsUnsolicited() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        poller.onTimeout("no reply");
        byte[] late = reply(sent, 1, "GPS", 0);
        assertThat(poller.onDatagram(late, late.length, T1 + 900 * MS)).isInstanceOf(ExchangeStep.Unsolicited.class);
    }

    @Test
    void replayedServerTransmitIsADuplicate() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        byte[] first = reply(sent, 1, "GPS", 0);
        poller.onDatagram(first, first.length, T1 + 6 * MS);
        // The next request is answered with the very same server timestamps (a replay) but a correct origin.
        long sentAgain = request(poller.startExchange(T1 + 16_000 * MS, 8)).transmitTimestamp();
        byte[] replay = reply(sentAgain, 1, "GPS", 0);
        ExchangeStep step = poller.onDatagram(replay, replay.length, T1 + 16_006 * MS);
        assertThat(((ExchangeStep.Dropped) step).failure().error()).isEqualTo(ExchangeError.DUPLICATE);
    }

    @Test
    void rateKissSlowsPolling() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        byte[] kiss = reply(sent, 0, "RATE", 0);
        ExchangeStep step = poller.onDatagram(kiss, kiss.length, T1 + 6 * MS);
        assertThat(((ExchangeStep.Failed) step).failure().message()).isEqualTo("kiss code: RATE");
        assertThat(poller.pollSeconds()).isEqualTo(32);
        assertThat(poller.stopped()).isFalse();
    }

    @Test
    void denyKissStopsPollingForGood() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        byte[] kiss = reply(sent, 0, "DENY", 0);
        poller.onDatagram(kiss, kiss.length, T1 + 6 * MS);
        assertThat(poller.stopped()).isTrue();
        assertThatThrownBy(() -> poller.startExchange(T1 + 16_000 * MS, 1)).hasMessageContaining("DENY");
    }

    @Test
    void unknownHostCountsAsAnUnansweredPoll() {
        long sent = request(poller.startExchange(T1, 7)).transmitTimestamp();
        byte[] genuine = reply(sent, 1, "GPS", 0);
        poller.onDatagram(genuine, genuine.length, T1 + 6 * MS);
        poller.onLocalFailure(new ExchangeFailure(ExchangeError.UNKNOWN_HOST, "sim"));
        assertThat(poller.reach()).isEqualTo(0b10);
        assertThat(poller.lastFailure().error()).isEqualTo(ExchangeError.UNKNOWN_HOST);
    }
}
