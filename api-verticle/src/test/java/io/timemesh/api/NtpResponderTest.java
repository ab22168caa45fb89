package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.LeapMode;
import io.timemesh.core.clock.LeapSecond;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import io.timemesh.core.time.OffsetInterval;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Scale;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class NtpResponderTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    /** Synchronised at T0, 0.3 s ahead of local time, ±2.5 ms, the system peer's root delay 3 ms, stratum 2. */
    private static final ClockModel SYNCED = following(T0, 2, "127.0.5.1:123", "127.0.5.1:123", LeapIndicator.NO_WARNING,
            null);

    /**
     * A clock synchronised at {@code localNanos}, 0.3 s ahead of it, ±2.5 ms, to a system peer {@code systemPeer}
     * reached at {@code address}, served at {@code stratum}.
     */
    private static ClockModel following(long localNanos, int stratum, String systemPeer, String address,
                                        LeapIndicator leap, LeapSecond leapSecond) {
        return new ClockModel(new ClockModel.Correction(localNanos, 300_000_000L, 0, 0, 0),
                new ClockModel.Bound(localNanos, OffsetInterval.around(0.0, 0.0025)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("node-s", 7, true, stratum, leap, systemPeer, address, 0.003),
                new ClockModel.Tracking(3, 0, false, 0, null), leapSecond);
    }

    private static byte[] clientRequest(long transmit) {
        return NtpPacketCodec.encode(NtpPacket.clientRequest(transmit, 6, -20));
    }

    private static NtpPacket decode(byte[] bytes) {
        return ((DecodeResult.Decoded) NtpPacketCodec.decode(bytes)).packet();
    }

    /** The reply, if the request is one we answer. */
    private static Optional<byte[]> answer(byte[] request, TimeReading received, ClockModel model, TimeReading transmit,
                                           int precisionLog2) {
        return NtpResponder.request(request, request.length)
                .map(ask -> NtpResponder.respond(ask, received, model, transmit, precisionLog2));
    }

    @Test
    void clientRequestGetsAServerReplyCarryingTheBound() {
        byte[] request = clientRequest(0x1122_3344_5566_7788L);
        TimeReading at = SYNCED.read(T0 + S);
        TimeReading later = SYNCED.read(T0 + S + 50_000);
        NtpPacket reply = decode(answer(request, at, SYNCED, later, -23).orElseThrow());
        assertThat(reply.mode()).isEqualTo(NtpMode.SERVER);
        assertThat(reply.stratum()).isEqualTo(2);
        assertThat(reply.leap()).isEqualTo(LeapIndicator.NO_WARNING);
        assertThat(reply.originTimestamp()).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(NtpTimestamp.toUnixNanos(reply.receiveTimestamp(), T0)).isEqualTo(at.nowNanos());
        assertThat(NtpTimestamp.toUnixNanos(reply.transmitTimestamp(), T0)).isEqualTo(later.nowNanos());
        assertThat(reply.poll()).isEqualTo(6);
        assertThat(reply.precision()).isEqualTo(-23);
        // rootDelay/2 + rootDispersion is at least our whole error bound at transmit.
        assertThat(reply.rootDelaySeconds() / 2 + reply.rootDispersionSeconds())
                .isGreaterThanOrEqualTo(later.errorBoundNanos() / 1e9).isCloseTo(later.errorBoundNanos() / 1e9, within(1e-4));
        assertThat(reply.referenceId()).isEqualTo(0x7F000501); // 127.0.5.1
        assertThat(NtpTimestamp.toUnixNanos(reply.referenceTimestamp(), T0)).isEqualTo(T0 + 300_000_000L);
    }

    @Test
    void theRootDelayIsTheReferencesAndTheBoundsGrowthIsDispersion() {
        // The reference's λ is 2.5 ms and its system peer's path 3 ms: root delay 3 ms, dispersion 1 ms. A hundred
        // seconds on, the bound has grown by 15 ppm × 100 s = 1.5 ms, all of it dispersion.
        for (long age : new long[] {0, 100 * S}) {
            TimeReading at = SYNCED.read(T0 + age);
            NtpPacket reply = decode(answer(clientRequest(1), at, SYNCED, at, -20).orElseThrow());
            double bound = at.errorBoundNanos() / 1e9;
            assertThat(reply.rootDelaySeconds()).as("age %d", age).isCloseTo(0.003, within(1 / 65536.0));
            assertThat(reply.rootDispersionSeconds()).isCloseTo(bound - 0.0015, within(1 / 65536.0));
        }
        // A hull narrower than the path caps the root delay at its width, so the two never carry more than λ.
        ClockModel narrow = new ClockModel(SYNCED.correction(), new ClockModel.Bound(T0, OffsetInterval.around(0, 0.001)),
                SYNCED.limits(), SYNCED.upstream(), SYNCED.tracking(), null);
        TimeReading at = narrow.read(T0 + 100 * S);
        NtpPacket reply = decode(answer(clientRequest(1), at, narrow, at, -20).orElseThrow());
        assertThat(reply.rootDelaySeconds()).isCloseTo(0.002, within(1 / 65536.0));
        assertThat(reply.rootDelaySeconds() / 2 + reply.rootDispersionSeconds())
                .isCloseTo(at.errorBoundNanos() / 1e9, within(2 / 65536.0));
    }

    @Test
    void unsynchronisedServerSaysSo() {
        ClockModel never = ClockModel.unsynchronized(15e-6, 10 * S, 1.0);
        byte[] request = clientRequest(42);
        NtpPacket reply = decode(answer(request, never.read(T0), never, never.read(T0), -20)
                .orElseThrow());
        assertThat(reply.leap()).isEqualTo(LeapIndicator.ALARM);
        assertThat(reply.stratum()).isEqualTo(16);
        assertThat(reply.originTimestamp()).isEqualTo(42);
    }

    @Test
    void onlyClientRequestsAreAnsweredAndNeverWithMoreBytes() {
        TimeReading at = SYNCED.read(T0);
        byte[] server = NtpPacketCodec.encode(new NtpPacket(LeapIndicator.NO_WARNING, 4, NtpMode.SERVER, 1, 0, 0, 0, 0, 0,
                0, 0, 0, 1));
        assertThat(answer(server, at, SYNCED, at, -20)).isEmpty();
        byte[] control = clientRequest(1);
        control[0] = (byte) 0b00_010_110; // mode 6
        assertThat(answer(control, at, SYNCED, at, -20)).isEmpty();
        byte[] priv = clientRequest(1);
        priv[0] = (byte) 0b00_010_111; // mode 7
        assertThat(answer(priv, at, SYNCED, at, -20)).isEmpty();
        assertThat(answer(new byte[12], at, SYNCED, at, -20)).isEmpty();
        byte[] withFields = Arrays.copyOf(clientRequest(1), 48 + 16);
        withFields[51] = 16; // one 16-byte extension field
        assertThat(answer(withFields, at, SYNCED, at, -20).orElseThrow())
                .hasSizeLessThanOrEqualTo(withFields.length).hasSize(48);
    }

    @Test
    void symmetricActiveIsAnsweredInSymmetricPassiveAndNtpV1InVersion1() {
        TimeReading at = SYNCED.read(T0);
        byte[] active = clientRequest(7);
        active[0] = (byte) 0b00_011_001; // w32time: NTPv3, mode 1
        NtpPacket passive = decode(answer(active, at, SYNCED, at, -20).orElseThrow());
        assertThat(passive.mode()).isEqualTo(NtpMode.SYMMETRIC_PASSIVE);
        assertThat(passive.version()).isEqualTo(3);
        assertThat(passive.originTimestamp()).isEqualTo(7);
        assertThat(passive.stratum()).isEqualTo(2);
        byte[] v1 = clientRequest(8);
        v1[0] = (byte) 0b00_001_000; // NTPv1: no mode field
        NtpPacket server = decode(answer(v1, at, SYNCED, at, -20).orElseThrow());
        assertThat(server.mode()).isEqualTo(NtpMode.SERVER);
        assertThat(server.version()).isEqualTo(1);
        assertThat(server.originTimestamp()).isEqualTo(8);
        byte[] v4ModeZero = clientRequest(9);
        v4ModeZero[0] = (byte) 0b00_100_000;
        assertThat(answer(v4ModeZero, at, SYNCED, at, -20)).isEmpty();
        byte[] broadcast = clientRequest(10);
        broadcast[0] = (byte) 0b00_100_101;
        assertThat(answer(broadcast, at, SYNCED, at, -20)).isEmpty();
    }

    /** The reference ID is kept between batches while the system peer stays, and follows it when it changes. */
    @Test
    void theReferenceIdFollowsTheSystemPeerAsItChanges() {
        TimeReading at = SYNCED.read(T0);
        ClockModel first = following(T0, 2, "a.test:123", "127.0.9.1:123", LeapIndicator.NO_WARNING, null);
        ClockModel second = following(T0, 2, "b.test:123", "127.0.9.2:123", LeapIndicator.NO_WARNING, null);
        for (int round = 0; round < 2; round++) {
            assertThat(NtpResponder.referenceId(first)).isEqualTo(0x7F000901);
            assertThat(NtpResponder.referenceId(first)).isEqualTo(0x7F000901);
            assertThat(decode(answer(clientRequest(1), at, second, at, -20).orElseThrow()).referenceId())
                    .isEqualTo(0x7F000902);
            assertThat(NtpResponder.referenceId(ClockModel.unsynchronized(15e-6, 10 * S, 1.0)))
                    .isEqualTo(ReferenceId.ofAscii("INIT"));
        }
    }

    @Test
    void theReferenceIdIsTheSystemPeersAddressHashedForIpv6() {
        TimeReading at = SYNCED.read(T0);
        ClockModel v6 = following(T0, 2, "time6.test:123", "0:0:0:0:0:0:0:1:123", LeapIndicator.NO_WARNING, null);
        assertThat(decode(answer(clientRequest(1), at, v6, at, -20).orElseThrow()).referenceId()).isEqualTo(0xcf404dc8);
        ClockModel byName = following(T0, 2, "time.test:123", "127.0.9.7:123", LeapIndicator.NO_WARNING, null);
        assertThat(decode(answer(clientRequest(1), at, byName, at, -20).orElseThrow()).referenceId())
                .isEqualTo(0x7F000907); // the address it was reached at, not a hash of its name
    }

    @Test
    void aSystemPeerOfStratum15MakesUsStratum16AndUnsynchronised() {
        ClockModel sixteen = following(T0, 16, "127.0.5.1:123", "127.0.5.1:123", LeapIndicator.NO_WARNING,
                null);
        TimeReading at = sixteen.read(T0);
        assertThat(at.status()).isEqualTo(ClockStatus.UNSYNCHRONIZED);
        NtpPacket reply = decode(answer(clientRequest(1), at, sixteen, at, -20).orElseThrow());
        assertThat(reply.leap()).isEqualTo(LeapIndicator.ALARM);
        assertThat(reply.stratum()).isEqualTo(16);
    }

    @Test
    void t2IsTheReadingLessTheRequestsWaitAtTheSlowestRateTrueTimeRuns() {
        MonotonicReader reader = new MonotonicReader();
        long read = T0 + S;
        TimeReading reading = reader.read(SYNCED, read);
        // Arrived 100 µs before the read: 100 µs back, less 15 ppm of it (1.5 ns, rounded up), so never early.
        NtpServerVerticle.Received received = NtpServerVerticle.Received.of(SYNCED, SYNCED.read(read), reading, read, read - 100_000);
        assertThat(received.t2Nanos()).isEqualTo(reading.nowNanos() - 100_000 + 2);
        assertThat(received.plain()).as("the model's own reading: T3 carried from it").isTrue();
        assertThat(NtpServerVerticle.Received.of(SYNCED, SYNCED.read(read), reading, read, read).t2Nanos()).as("arrival unknown")
                .isEqualTo(reading.nowNanos());
        // A reading held (time would have gone back) is not carried along for T3.
        TimeReading held = reader.read(SYNCED, read - 1_000);
        assertThat(NtpServerVerticle.Received.of(SYNCED, SYNCED.read(read - 1_000), held, read - 1_000,
                read - 101_000).plain()).isFalse();
        // With a leap second scheduled the served scale may stand still: T2 is the reading, T3 a whole reading.
        long midnight = java.time.Instant.parse("2027-01-01T00:00:00Z").getEpochSecond() * S;
        ClockModel leaping = following(T0, 2, "127.0.5.1:123", "127.0.5.1:123", LeapIndicator.LAST_MINUTE_61,
                new LeapSecond(midnight, true, LeapMode.STEP));
        TimeReading beforeLeap = leaping.read(read);
        NtpServerVerticle.Received leap = NtpServerVerticle.Received.of(leaping, beforeLeap, beforeLeap, read, read - 100_000);
        assertThat(leap.t2Nanos()).isEqualTo(beforeLeap.nowNanos());
        assertThat(leap.plain()).isFalse();
    }

    /**
     * The rule behind T2 and T3, for any model: true time at the request's arrival is never after T2 plus the
     * reading's bound above it, and at the reply's send never before T3 less the bound below it, so the client's
     * interval [T3 − T4, T2 − T1] widened by the root distance the reply carries holds the truth. True time at the
     * read anywhere in the reading's bound, running at any rate within maxDrift of the local timescale (the
     * design's premise, {@code ClockModel.Limits}); the model's frequency, slew and bound random. Differences are
     * taken from the reading's time, so that doubles hold them to well under a nanosecond.
     */
    @Property(tries = 2000)
    void t2AndT3KeepTrueTimeInsideTheReadingsBound(
            @ForAll @Scale(12) @DoubleRange(min = -100e-6, max = 100e-6) double frequency,
            @ForAll @Scale(12) @DoubleRange(min = -1e-3, max = 1e-3) double residual,
            @ForAll @Scale(12) @DoubleRange(min = 1e-6, max = 0.1) double halfWidth,
            @ForAll @LongRange(min = 0, max = 5 * S) long sinceAnchor,
            @ForAll @LongRange(min = 0, max = S) long age,
            // T3 within a nanosecond of the reading would be served 1 ns after it (as every reading after another is),
            // past a bound that could sit right there; the server reads T3 microseconds later.
            @ForAll @LongRange(min = 2, max = S) long gap,
            @ForAll @DoubleRange(min = 0, max = 1) double where,
            @ForAll @DoubleRange(min = -1, max = 1) double rateIn,
            @ForAll @DoubleRange(min = -1, max = 1) double rateOut) {
        ClockModel model = new ClockModel(new ClockModel.Correction(T0, 300_000_000L, frequency, residual,
                Math.min(500e-6, Math.abs(residual))), new ClockModel.Bound(T0, OffsetInterval.around(0.0, halfWidth)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0), SYNCED.upstream(), SYNCED.tracking(), null);
        MonotonicReader reader = new MonotonicReader();
        long read = T0 + sinceAnchor;
        TimeReading reading = reader.read(model, read);
        NtpServerVerticle.Received received = NtpServerVerticle.Received.of(model, model.read(read), reading, read, read - age);
        assertThat(received.plain()).isTrue();
        long t3 = reader.carriedNow(model, reading, read, read + gap);
        double drift = model.limits().maxDrift();
        double below = reading.earliestNanos() - reading.nowNanos(); // ≤ 0
        double above = reading.latestNanos() - reading.nowNanos(); // ≥ 0
        double trueAtRead = below + where * (above - below);
        double trueAtArrival = trueAtRead - age * (1 + rateIn * drift);
        double trueAtSend = trueAtRead + gap * (1 + rateOut * drift);
        assertThat(received.t2Nanos() - reading.nowNanos() + above).as("T2 plus the bound above")
                .isGreaterThanOrEqualTo(trueAtArrival);
        assertThat(t3 - reading.nowNanos() + below).as("T3 less the bound below").isLessThanOrEqualTo(trueAtSend);
    }

    /**
     * Issue 13 §2: a leap second served in step mode is announced (LI 1) until midnight; in smear mode it is not
     * (the smear carries it, chrony's smoothtime leaponly) and the transmit timestamp is the smeared time.
     */
    @Test
    void aLeapIsAnnouncedInStepModeAndHiddenInTheSmear() {
        long midnight = java.time.Instant.parse("2027-01-01T00:00:00Z").getEpochSecond() * S;
        long local = midnight - 10 * S - 300_000_000L; // V = 23:59:50
        for (LeapMode mode : LeapMode.values()) {
            LeapSecond leap = new LeapSecond(midnight, true, mode);
            ClockModel model = following(local, 2, "127.0.5.1:123", "127.0.5.1:123", LeapIndicator.LAST_MINUTE_61, leap);
            TimeReading at = model.read(local);
            NtpPacket reply = decode(answer(clientRequest(1), at, model, at, -20).orElseThrow());
            assertThat(reply.leap()).isEqualTo(mode == LeapMode.STEP ? LeapIndicator.LAST_MINUTE_61
                    : LeapIndicator.NO_WARNING);
            assertThat(NtpTimestamp.toUnixNanos(reply.transmitTimestamp(), midnight))
                    .isEqualTo(leap.servedNanos(midnight - 10 * S));
        }
    }

    /** Fuzz: tries from jqwik.tries.default (test resources junit-platform.properties; bench/fuzz.sh raises it). */
    @Property
    void randomDatagramsGetNoAnswerOrNoLargerOne(@ForAll @Size(max = 100) byte[] datagram) {
        TimeReading at = SYNCED.read(T0);
        answer(datagram, at, SYNCED, at, -20)
                .ifPresent(reply -> assertThat(reply.length).isLessThanOrEqualTo(datagram.length));
    }

    @Test
    void kissOfDeathRateEchoesTheOrigin() {
        byte[] request = clientRequest(99);
        NtpPacket kiss = decode(NtpResponder.kissRate(NtpResponder.request(request, request.length).orElseThrow(),
                SYNCED.read(T0)));
        assertThat(kiss.stratum()).isZero();
        assertThat(kiss.referenceId()).isEqualTo(ReferenceId.ofAscii("RATE"));
        assertThat(kiss.originTimestamp()).isEqualTo(99);
    }

    @Test
    void rateLimiterGivesABurstThenOneCreditPerInterval() {
        ClientRateLimiter limiter = new ClientRateLimiter(3, 8, 0, 100, new Random(1));
        for (int i = 0; i < 8; i++) {
            assertThat(limiter.check("a", T0)).isEqualTo(ClientRateLimiter.Verdict.ANSWER);
        }
        assertThat(limiter.check("a", T0)).isEqualTo(ClientRateLimiter.Verdict.LIMIT);
        assertThat(limiter.check("b", T0)).isEqualTo(ClientRateLimiter.Verdict.ANSWER); // per client
        assertThat(limiter.check("a", T0 + 8 * S)).isEqualTo(ClientRateLimiter.Verdict.ANSWER);
        assertThat(limiter.check("a", T0 + 8 * S)).isEqualTo(ClientRateLimiter.Verdict.LIMIT);
    }

    @Test
    void leakAnswersAboutOneInFourLimitedRequests() {
        ClientRateLimiter limiter = new ClientRateLimiter(3, 1, 2, 100, new Random(5));
        limiter.check("a", T0);
        int answered = 0;
        for (int i = 0; i < 4_000; i++) {
            if (limiter.check("a", T0) == ClientRateLimiter.Verdict.ANSWER) {
                answered++;
            }
        }
        assertThat(answered).isBetween(850, 1150);
    }
}
