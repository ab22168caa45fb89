package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpShort;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import org.junit.jupiter.api.Test;

class ReplyValidatorTest {

    private static final long T1 = 1_795_000_000_000_000_000L;
    private static final long SENT = 0x1234_5678_9ABC_DEF0L;
    private static final double LOCAL_PRECISION = 1e-6;

    /** A reply from a server 0.5 s ahead, 4 ms after T1, 1 ms processing, arriving 10 ms after T1. */
    private static NtpPacket reply(LeapIndicator leap, int stratum, int refId, long origin) {
        long t2 = T1 + 500_000_000L + 4_000_000L;
        long t3 = t2 + 1_000_000L;
        return new NtpPacket(leap, 4, NtpMode.SERVER, stratum, 6, -20, NtpShort.fromSeconds(0.002),
                NtpShort.fromSeconds(0.001), refId, 0, origin, NtpTimestamp.fromUnixNanos(t2),
                NtpTimestamp.fromUnixNanos(t3));
    }

    private static NtpPacket goodReply() {
        return reply(LeapIndicator.NO_WARNING, 2, 0x7F000001, SENT);
    }

    private static ReplyVerdict check(NtpPacket packet) {
        return ReplyValidator.check(packet, SENT, 0, T1, T1 + 10_000_000L, LOCAL_PRECISION);
    }

    private static ExchangeFailure rejected(NtpPacket packet) {
        ReplyVerdict verdict = check(packet);
        assertThat(verdict).isInstanceOf(ReplyVerdict.Rejected.class);
        return ((ReplyVerdict.Rejected) verdict).failure();
    }

    @Test
    void goodReplyBecomesASample() {
        ReplyVerdict verdict = check(goodReply());
        assertThat(verdict).isInstanceOf(ReplyVerdict.Accepted.class);
        NtpSample sample = ((ReplyVerdict.Accepted) verdict).sample();
        // θ = (504 ms + (505 − 510) ms... ) : T2−T1 = 504 ms, T3−T4 = 495 ms → θ = 0.4995 s
        assertThat(sample.offsetSeconds()).isCloseTo(0.4995, within(1e-9));
        assertThat(sample.delaySeconds()).isCloseTo(0.009, within(1e-9));
        assertThat(sample.stratum()).isEqualTo(2);
        assertThat(sample.referenceId()).isEqualTo("127.0.0.1");
        assertThat(sample.rootDelaySeconds()).isCloseTo(0.002, within(1e-4));
        assertThat(sample.dispersionSeconds()).isCloseTo(Math.scalb(1.0, -20) + LOCAL_PRECISION + 15e-6 * 0.01, within(1e-12));
    }

    @Test
    void spoofedOriginIsBogusAndOnlyDropsThePacket() {
        ExchangeFailure failure = rejected(reply(LeapIndicator.NO_WARNING, 2, 0, SENT + 1));
        assertThat(failure.error()).isEqualTo(ExchangeError.BOGUS_ORIGIN);
        assertThat(failure.error().dropOnly()).isTrue();
    }

    @Test
    void kissIsHonouredOnlyWhenItAnswersOurRequest() {
        int rate = ReferenceId.ofAscii("RATE");
        ExchangeFailure forged = rejected(reply(LeapIndicator.ALARM, 0, rate, SENT ^ 0xFF));
        assertThat(forged.error()).isEqualTo(ExchangeError.BOGUS_ORIGIN);
        ExchangeFailure genuine = rejected(reply(LeapIndicator.ALARM, 0, rate, SENT));
        assertThat(genuine.error()).isEqualTo(ExchangeError.KISS);
        assertThat(genuine.detail()).isEqualTo("RATE");
        assertThat(KissCode.of(genuine.detail())).isEqualTo(KissCode.SLOW_DOWN);
    }

    @Test
    void duplicateTransmitIsDropped() {
        NtpPacket packet = goodReply();
        ReplyVerdict verdict = ReplyValidator.check(packet, SENT, packet.transmitTimestamp(), T1, T1 + 10_000_000L,
                LOCAL_PRECISION);
        assertThat(((ReplyVerdict.Rejected) verdict).failure().error()).isEqualTo(ExchangeError.DUPLICATE);
    }

    @Test
    void unsynchronisedServersGiveNoSample() {
        assertThat(rejected(reply(LeapIndicator.ALARM, 2, 0, SENT)).error()).isEqualTo(ExchangeError.UNSYNCHRONIZED);
        assertThat(rejected(reply(LeapIndicator.NO_WARNING, 16, 0, SENT)).error()).isEqualTo(ExchangeError.UNSYNCHRONIZED);
    }

    @Test
    void wrongModeIsDropped() {
        NtpPacket good = goodReply();
        NtpPacket symmetric = new NtpPacket(good.leap(), 4, NtpMode.SYMMETRIC_PASSIVE, good.stratum(), good.poll(),
                good.precision(), good.rootDelay(), good.rootDispersion(), good.referenceId(), 0,
                good.originTimestamp(), good.receiveTimestamp(), good.transmitTimestamp());
        assertThat(rejected(symmetric).error()).isEqualTo(ExchangeError.WRONG_MODE);
    }

    @Test
    void zeroOrReversedServerTimestampsAreRefused() {
        NtpPacket good = goodReply();
        NtpPacket zero = new NtpPacket(good.leap(), 4, NtpMode.SERVER, 2, 6, -20, 0, 0, 0, 0, SENT, 0,
                good.transmitTimestamp());
        assertThat(rejected(zero).error()).isEqualTo(ExchangeError.BAD_TIMESTAMPS);
        NtpPacket reversed = new NtpPacket(good.leap(), 4, NtpMode.SERVER, 2, 6, -20, 0, 0, 0, 0, SENT,
                good.transmitTimestamp(), good.receiveTimestamp());
        assertThat(rejected(reversed).error()).isEqualTo(ExchangeError.BAD_TIMESTAMPS);
    }

    @Test
    void negativeDelayBeyondPrecisionIsRefused() {
        // The server claims 50 ms of processing inside a 10 ms round trip.
        long t2 = T1 + 1_000_000L;
        NtpPacket packet = new NtpPacket(LeapIndicator.NO_WARNING, 4, NtpMode.SERVER, 2, 6, -20, 0, 0, 0, 0, SENT,
                NtpTimestamp.fromUnixNanos(t2), NtpTimestamp.fromUnixNanos(t2 + 50_000_000L));
        assertThat(rejected(packet).error()).isEqualTo(ExchangeError.BAD_DELAY);
    }

    @Test
    void rootDistanceAtTheLimitIsTooDistant() {
        NtpPacket good = goodReply();
        NtpPacket far = new NtpPacket(good.leap(), 4, NtpMode.SERVER, 2, 6, -20, NtpShort.fromSeconds(1.0),
                NtpShort.fromSeconds(1.2), 0, 0, SENT, good.receiveTimestamp(), good.transmitTimestamp());
        assertThat(rejected(far).error()).isEqualTo(ExchangeError.TOO_DISTANT);
    }
}
