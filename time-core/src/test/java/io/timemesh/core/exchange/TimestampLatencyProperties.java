package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.time.ManualTimeSource;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * User-space timestamps (the sampler's {@code NtpClientSocket}): T1 is read some time before the request leaves,
 * T4 some time after the reply arrives. On a fake clock, with those latencies, the paths and the server's
 * offset drawn at random: the exchange's interval [T3 − T4, T2 − T1] (widened by ε) holds the true offset
 * whenever T1 is no later than the departure and T4 no earlier than the arrival, and its centre θ is off by
 * half of (send latency + outbound path) − (return path + receive latency). A T1 read after the departure
 * can lose the truth: why T1 is read before the send syscall and never at the send's completion.
 */
class TimestampLatencyProperties {

    private static final long START = 1_795_000_000_000_000_000L;
    private static final long SENT = 0x1234_5678_9ABC_DEF0L;
    /** 2^-20 s, as the server's precision field says, and our own. */
    private static final double PRECISION = Math.scalb(1.0, -20);
    /** Rounding of 64-bit NTP timestamps and of their differences, s. */
    private static final double NTP_ROUNDING = 3e-9;

    /** One exchange on the fake local clock; the server's clock is the local one plus {@code offset}. */
    private record Timeline(long offset, long sendLatency, long outbound, long processing, long inbound,
                            long receiveLatency) {

        /** Runs the exchange: the sample, as the validator makes it from T1 read on the clock and T4 at the end. */
        NtpSample sample() {
            ManualTimeSource local = new ManualTimeSource(START);
            long t1 = local.nowNanos();
            local.advanceNanos(sendLatency); // T1 read, then the request leaves
            local.advanceNanos(outbound);
            long t2 = local.nowNanos() + offset;
            local.advanceNanos(processing);
            long t3 = local.nowNanos() + offset;
            local.advanceNanos(inbound); // arrives, then T4 is read
            local.advanceNanos(receiveLatency);
            long t4 = local.nowNanos();
            NtpPacket reply = new NtpPacket(LeapIndicator.NO_WARNING, 4, NtpMode.SERVER, 1, 4, -20, 0, 0, 0, 0, SENT,
                    NtpTimestamp.fromUnixNanos(t2), NtpTimestamp.fromUnixNanos(t3));
            ReplyVerdict verdict = ReplyValidator.check(reply, SENT, 0, t1, t4, PRECISION);
            assertThat(verdict).isInstanceOf(ReplyVerdict.Accepted.class);
            return ((ReplyVerdict.Accepted) verdict).sample();
        }
    }

    @Property
    void anEarlyT1AndALateT4KeepTheTruthInsideAndMoveTheCentreByHalfTheLatencies(
            @ForAll @LongRange(min = -1_000_000_000L, max = 1_000_000_000L) long offset,
            @ForAll @LongRange(max = 2_000_000L) long sendLatency,
            @ForAll @LongRange(max = 20_000_000L) long outbound,
            @ForAll @LongRange(max = 1_000_000L) long processing,
            @ForAll @LongRange(max = 20_000_000L) long inbound,
            @ForAll @LongRange(max = 2_000_000L) long receiveLatency) {
        NtpSample sample = new Timeline(offset, sendLatency, outbound, processing, inbound, receiveLatency).sample();
        double truth = offset / 1e9;
        double halfWidth = sample.delaySeconds() / 2 + sample.dispersionSeconds();
        assertThat(truth).isBetween(sample.offsetSeconds() - halfWidth, sample.offsetSeconds() + halfWidth);
        double expectedError = ((sendLatency + outbound) - (inbound + receiveLatency)) / 2e9;
        assertThat(sample.offsetSeconds() - truth).isCloseTo(expectedError, within(NTP_ROUNDING));
        // The latencies lengthen δ (and so the interval) by exactly their sum.
        assertThat(sample.delaySeconds()).isCloseTo((sendLatency + outbound + inbound + receiveLatency) / 1e9,
                within(NTP_ROUNDING));
    }

    @Property
    void aT1ReadAfterTheDepartureLosesTheTruthOnceItIsLateByMoreThanTheOutboundPath(
            @ForAll @LongRange(min = -1_000_000_000L, max = 1_000_000_000L) long offset,
            @ForAll @LongRange(min = 10_000L, max = 2_000_000L) long lateBeyondPath,
            @ForAll @LongRange(max = 20_000_000L) long outbound,
            @ForAll @LongRange(max = 1_000_000L) long processing,
            @ForAll @LongRange(max = 20_000_000L) long extraInbound) {
        // T1 read after the request left, later than the server's T2: what a stamp at the send's completion gives
        // when the syscall wakes the server first (measured on loopback with two cores). The return path is long
        // enough that δ stays positive and the validator takes the exchange.
        long late = outbound + lateBeyondPath;
        NtpSample sample = new Timeline(offset, -late, outbound, processing, lateBeyondPath + extraInbound, 0).sample();
        double high = sample.offsetSeconds() + sample.delaySeconds() / 2 + sample.dispersionSeconds();
        // T2 − T1 = offset − lateBeyondPath, and ε (both precisions, PHI × the round trip) stays below 10 µs here.
        assertThat(sample.dispersionSeconds()).isLessThan(lateBeyondPath / 1e9);
        assertThat(high).isLessThan(offset / 1e9);
    }
}
