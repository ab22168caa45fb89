package io.timemesh.discipline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.message.Reference;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.core.time.TimebaseLink;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The virtual clock driven by hand on a fake local timescale: no real time passes. */
class VirtualClockTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    /** Defaults, but no convergence steps, so slewing can be seen from the second update on. */
    private final VirtualClock clock = new VirtualClock(withConvergence(0));

    private static DisciplineSettings withConvergence(int updates) {
        return Settings.bind(DisciplineSettings.class, "{\"convergenceUpdates\": " + updates + "}");
    }
    private long sequence;

    /** A reference based on a new sample each time. */
    private Reference majority(double offset, double rootDelay, double rootDispersion) {
        double distance = rootDelay / 2 + rootDispersion;
        return new Reference(new Reference.Identity("sel", ++sequence, 0, sequence), Reference.Status.MAJORITY,
                offset, new OffsetInterval(offset - distance, offset + distance), new OffsetInterval(offset, offset),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", null, rootDelay));
    }

    private Reference noMajority() {
        return new Reference(new Reference.Identity("sel", ++sequence, 0, 0), Reference.Status.NO_MAJORITY, 0, null,
                new OffsetInterval(0, 0), new Reference.Vote(2, 4, List.of(), List.of(), List.of()),
                new Reference.Peer(16, LeapIndicator.ALARM, null, null, 0));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    @Test
    void beforeAnyReferenceTimeIsUnsynchronisedAndUnbounded() {
        TimeReading reading = clock.model().read(T0);
        assertThat(reading.status()).isEqualTo(ClockStatus.UNSYNCHRONIZED);
        assertThat(reading.nowNanos()).isEqualTo(T0);
        assertThat(reading.bounded()).isFalse();
        assertThat(reading.leap()).isEqualTo(LeapIndicator.ALARM);
    }

    @Test
    void theServedIntervalIsTheReferencesOwnNotOneWidenedToBeSymmetric() {
        // The majority's interval is [0.297, 0.307] about a combined offset of 0.300.
        Reference lopsided = new Reference(new Reference.Identity("sel", ++sequence, 0, sequence),
                Reference.Status.MAJORITY, 0.300, new OffsetInterval(0.297, 0.307), new OffsetInterval(0.299, 0.301),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", null, 0.004));
        TimeReading reading = clock.update(lopsided, T0, T0).read(T0);
        assertThat(reading.nowNanos()).isEqualTo(T0 + 300_000_000L);
        // Rounded outwards, a nanosecond more each side for now's own rounding.
        assertThat(reading.earliestNanos()).isBetween(T0 + 297_000_000L - 2, T0 + 297_000_000L - 1);
        assertThat(reading.latestNanos()).isBetween(T0 + 307_000_000L + 1, T0 + 307_000_000L + 2);
        assertThat(reading.errorBoundNanos()).isBetween(7_000_001L, 7_000_002L);

        // Half a millisecond more to slew in: the interval is where the reference puts true time, about
        // the estimate V + r rather than about V widened by |r|.
        ClockModel slewing = clock.update(new Reference(new Reference.Identity("sel", ++sequence, 0, sequence),
                Reference.Status.MAJORITY, 0.3005, new OffsetInterval(0.2975, 0.3075),
                new OffsetInterval(0.299, 0.301),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", null, 0.004)), T0, T0);
        assertThat(slewing.tracking().lastStep()).isFalse();
        TimeReading during = slewing.read(T0);
        assertThat(during.nowNanos()).isEqualTo(T0 + 300_000_000L);
        assertThat(during.earliestNanos()).isBetween(T0 + 297_500_000L - 2, T0 + 297_500_000L - 1);
        assertThat(during.latestNanos()).isBetween(T0 + 307_500_000L + 1, T0 + 307_500_000L + 2);
    }

    @Test
    void firstReferenceStepsAndTheBoundIsTheReferenceDistance() {
        ClockModel model = clock.update(majority(0.3, 0.004, 0.001), T0, T0);
        assertThat(model.tracking().lastStep()).isTrue();
        TimeReading reading = model.read(T0);
        assertThat(reading.nowNanos()).isEqualTo(T0 + 300_000_000L);
        assertThat(reading.errorBoundNanos()).isBetween(3_000_001L, 3_000_002L); // rounded outwards
        assertThat(reading.status()).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(reading.stratum()).isEqualTo(2);
    }

    @Test
    void smallCorrectionSlewsAtTheRateLimitAndFinishesOnTime() {
        clock.update(majority(0.0, 0, 0.001), T0, T0);
        ClockModel model = clock.update(majority(0.1, 0, 0.001), T0 + S, T0 + S);
        assertThat(model.tracking().lastStep()).isFalse();
        assertThat(model.correction().slewRate()).isEqualTo(500e-6); // 0.1 s / τ 1 s would be faster than 500 ppm
        // 0.1 s at 500 ppm takes 200 s: half done at 100 s, done at 200 s, and the residual is in the bound.
        assertThat(model.remainingResidualSeconds(T0 + 101 * S)).isCloseTo(0.05, within(1e-12));
        assertThat(model.remainingResidualSeconds(T0 + 201 * S)).isCloseTo(0.0, within(1e-12));
        assertThat(seconds(model.correctionNanos(T0 + 201 * S))).isCloseTo(0.1, within(1e-9));
        assertThat(model.errorBoundSeconds(T0 + S)).isGreaterThanOrEqualTo(0.1);
        // The slewed clock never runs backwards or faster than 1 + 500 ppm.
        long previous = model.read(T0 + S).nowNanos();
        for (long t = T0 + 2 * S; t <= T0 + 250 * S; t += S) {
            long now = model.read(t).nowNanos();
            assertThat(now - previous).isBetween(S, S + 500_000L + 1);
            previous = now;
        }
    }

    @Test
    void smallOffsetsSlewOverTheTimeConstant() {
        clock.update(majority(0.0, 0, 0.001), T0, T0);
        ClockModel model = clock.update(majority(0.0002, 0, 0.001), T0 + S, T0 + S);
        assertThat(model.correction().slewRate()).isCloseTo(200e-6, within(1e-15)); // 0.2 ms over τ = 1 s
        assertThat(model.remainingResidualSeconds(T0 + 2 * S)).isCloseTo(0.0, within(1e-15));
    }

    @Test
    void whileConvergingCorrectionsAboveAMillisecondStep() {
        VirtualClock converging = new VirtualClock(DisciplineSettings.DEFAULTS); // 8 updates, 1 ms
        converging.update(majority(0.0, 0, 0.001), T0, T0);
        assertThat(converging.update(majority(0.1, 0, 0.001), T0 + S, T0 + S).tracking().lastStep()).isTrue();
        assertThat(converging.update(majority(0.1005, 0, 0.001), T0 + 2 * S, T0 + 2 * S).tracking().lastStep()).isFalse();
        for (int i = 3; i <= 9; i++) {
            converging.update(majority(0.1, 0, 0.001), T0 + i * S, T0 + i * S);
        }
        // Converged: a 0.1 s correction now slews, as the step threshold says.
        assertThat(converging.update(majority(0.2, 0, 0.001), T0 + 10 * S, T0 + 10 * S).tracking().lastStep()).isFalse();
    }

    @Test
    void correctionAboveTheThresholdSteps() {
        clock.update(majority(0.0, 0, 0.001), T0, T0);
        ClockModel model = clock.update(majority(0.5, 0, 0.001), T0 + S, T0 + S);
        assertThat(model.tracking().lastStep()).isTrue();
        assertThat(model.tracking().lastOffsetSeconds()).isCloseTo(0.5, within(1e-9));
        assertThat(model.read(T0 + S).nowNanos()).isEqualTo(T0 + S + 500_000_000L);
    }

    @Test
    void frequencyConvergesOnADriftingReference() {
        // True time runs 50 ppm fast against the local timescale.
        double drift = 50e-6;
        ClockModel model = null;
        for (int i = 0; i <= 60; i++) {
            long t = T0 + i * S;
            model = clock.update(majority(0.2 + drift * i, 0, 0.0005), t, t);
        }
        assertThat(model.correction().frequency()).isCloseTo(drift, within(0.1e-6));
        assertThat(model.tracking().frequencySkew()).isLessThan(1e-9);
        // Free-running for 100 s, the clock keeps up with true time to within a microsecond.
        long later = T0 + 160 * S;
        double truth = 0.2 + drift * 160;
        assertThat(seconds(model.correctionNanos(later))).isCloseTo(truth, within(1e-6));
    }

    @Test
    void noFrequencyCorrectionUntilTheBaselineIsLongEnough() {
        for (int i = 0; i < 8; i++) {
            clock.update(majority(100e-6 * i, 0, 0.0005), T0 + i * S, T0 + i * S);
        }
        assertThat(clock.model().correction().frequency()).isZero(); // 7 s of references < 8 s baseline
    }

    @Test
    void repeatedReferencesOnTheSameSamplesDoNotFeedTheRegression() {
        for (int i = 0; i <= 20; i++) {
            long t = T0 + i * S;
            clock.update(majority(0.2 + 50e-6 * i, 0, 0.0005), t, t);
        }
        double before = clock.model().correction().frequency();
        // The selector republishing the same basis every second while no sample arrives.
        Reference stale = majority(0.2 + 50e-6 * 20, 0, 0.0005);
        Reference repeat = new Reference(new Reference.Identity(stale.id().selectorNode(), stale.id().sequence(),
                stale.id().timeNanos(), 20), stale.status(), stale.offsetSeconds(), stale.interval(), stale.region(),
                stale.vote(), stale.peer());
        for (int i = 21; i <= 40; i++) {
            clock.update(repeat, T0 + i * S, T0 + i * S);
        }
        assertThat(clock.model().correction().frequency()).isEqualTo(before);
    }

    @Test
    void holdoverBoundGrowsAtTheStatedRate() {
        ClockModel model = clock.update(majority(0.3, 0.002, 0.001), T0, T0);
        assertThat(model.status(T0 + 9 * S)).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(model.status(T0 + 11 * S)).isEqualTo(ClockStatus.HOLDOVER);
        double rate = model.boundGrowthRate();
        assertThat(rate).isEqualTo(15e-6);
        double grown = model.errorBoundSeconds(T0 + 1_000 * S) - model.errorBoundSeconds(T0 + 500 * S);
        assertThat(grown).isCloseTo(rate * 500, within(1e-12));
        // With 1 s as the limit, 15 ppm take (1 − 0.002) / 15e-6 s to run out.
        long limit = T0 + (long) ((1 - 0.002) / 15e-6) * S;
        assertThat(model.status(limit - 10 * S)).isEqualTo(ClockStatus.HOLDOVER);
        assertThat(model.status(limit + 10 * S)).isEqualTo(ClockStatus.UNSYNCHRONIZED);
    }

    @Test
    void noMajorityKeepsTheClockAndReportsHoldover() {
        clock.update(majority(0.3, 0, 0.001), T0, T0);
        ClockModel model = clock.update(noMajority(), T0 + S, T0 + S);
        assertThat(model.status(T0 + S)).isEqualTo(ClockStatus.HOLDOVER);
        assertThat(model.read(T0 + S).nowNanos()).isEqualTo(T0 + S + 300_000_000L);
        ClockModel back = clock.update(majority(0.3, 0, 0.001), T0 + 2 * S, T0 + 2 * S);
        assertThat(back.status(T0 + 2 * S)).isEqualTo(ClockStatus.SYNCHRONIZED);
    }

    @Test
    void backwardStepNeverRunsServedTimeBackwardsAndWidensTheBound() {
        MonotonicReader reader = new MonotonicReader();
        clock.update(majority(0.5, 0, 0.001), T0, T0);
        TimeReading before = reader.read(clock.model(), T0 + S);
        clock.update(majority(-0.5, 0, 0.001), T0 + S, T0 + S); // the truth was a second behind
        long previous = before.nowNanos();
        for (long t = T0 + S; t < T0 + 3 * S; t += 100_000_000L) {
            TimeReading reading = reader.read(clock.model(), t);
            assertThat(reading.nowNanos()).isGreaterThanOrEqualTo(previous);
            long truth = t - 500_000_000L;
            assertThat(truth).isBetween(reading.earliestNanos(), reading.latestNanos());
            assertThat(reading.nowNanos()).isBetween(reading.earliestNanos(), reading.latestNanos());
            previous = reading.nowNanos();
        }
    }

    @Test
    void truthStaysInsideTheBoundThroughNoisyDriftingReferencesAndHoldover() {
        Random random = new Random(42);
        double drift = 12e-6; // within the 15 ppm the bound assumes
        double truthAt0 = 0.25;
        MonotonicReader reader = new MonotonicReader();
        for (int i = 0; i < 400; i++) {
            long u = T0 + i * S;
            double trueOffset = truthAt0 + drift * i;
            if (i < 300) { // then holdover for 100 s
                double distance = 0.002 + random.nextDouble() * 0.003;
                double measured = trueOffset + (random.nextDouble() * 2 - 1) * distance; // any error within λ
                clock.update(majority(measured, 0, distance), u, u);
            }
            for (int k = 0; k < 10; k++) {
                long t = u + k * 100_000_000L;
                TimeReading reading = reader.read(clock.model(), t);
                long truth = t + Math.round((truthAt0 + drift * (t - T0) / 1e9) * 1e9);
                assertThat(truth).as("at step %d.%d", i, k).isBetween(reading.earliestNanos(), reading.latestNanos());
            }
        }
    }

    private static final double FORTY_YEARS_SECONDS = 40 * 365.25 * 86_400;

    private static DisciplineSettings withPanicThreshold(double seconds) {
        return Settings.bind(DisciplineSettings.class, "{\"panicThresholdSeconds\": " + seconds + "}");
    }

    /** Synchronised at offset 0 for 15 s, one reference a second; returns the next second. */
    private long synchronisedFor15Seconds(VirtualClock clock) {
        for (int i = 0; i <= 15; i++) {
            clock.update(majority(0, 0, 0.001), T0 + i * S, T0 + i * S);
        }
        return T0 + 16 * S;
    }

    @Test
    void fortyYearsBackAfterSynchronisationIsRefusedByThePanicThresholdAndTheClockHolds() {
        VirtualClock guarded = new VirtualClock(DisciplineSettings.DEFAULTS); // 1000 s
        MonotonicReader reader = new MonotonicReader();
        long t = synchronisedFor15Seconds(guarded);
        for (int i = 0; i < 30; i++, t += S) {
            ClockModel model = guarded.update(majority(-FORTY_YEARS_SECONDS, 0, 0.001), t, t);
            assertThat(model.tracking().panic().count()).isEqualTo(i + 1);
            assertThat(model.tracking().panic().lastOffsetSeconds()).isCloseTo(-FORTY_YEARS_SECONDS, within(1.0));
            assertThat(model.tracking().panic().lastLocalNanos()).isEqualTo(t);
            assertThat(model.tracking().panic().thresholdSeconds()).isEqualTo(1000.0);
            TimeReading reading = reader.read(model, t);
            assertThat(reading.nowNanos()).isEqualTo(t); // not moved: the truth by the honest past stays inside
            assertThat(reading.status()).isEqualTo(ClockStatus.HOLDOVER);
            assertThat(t).isBetween(reading.earliestNanos(), reading.latestNanos());
        }
        // Held, the bound grows at maxDrift (15 ppm) until it passes the 1 s limit: UNSYNCHRONIZED.
        ClockModel held = guarded.model();
        long beyond = T0 + 15 * S + Math.round(1.0 / 15e-6 * 1e9) + S;
        TimeReading late = reader.read(held, beyond);
        assertThat(late.status()).isEqualTo(ClockStatus.UNSYNCHRONIZED);
        assertThat(late.leap()).isEqualTo(LeapIndicator.ALARM);
        assertThat(late.stratum()).isEqualTo(16);
        // Sources that come back to the clock's time are followed again.
        ClockModel back = guarded.update(majority(0, 0, 0.001), t, t);
        assertThat(back.status(t)).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(back.tracking().panic().count()).isEqualTo(30);
    }

    @Test
    void theFirstReferenceIsNeverRefusedAndAJumpBelowTheThresholdIsTaken() {
        VirtualClock guarded = new VirtualClock(withPanicThreshold(10));
        ClockModel first = guarded.update(majority(-FORTY_YEARS_SECONDS, 0, 0.001), T0, T0);
        assertThat(first.status(T0)).isEqualTo(ClockStatus.SYNCHRONIZED);
        assertThat(first.tracking().panic()).isNull();
        ClockModel stepped = guarded.update(majority(-FORTY_YEARS_SECONDS + 9, 0, 0.001), T0 + S, T0 + S);
        assertThat(stepped.tracking().lastStep()).isTrue();
        assertThat(stepped.tracking().lastOffsetSeconds()).isCloseTo(9, within(1e-3));
        assertThat(stepped.tracking().panic()).isNull();
        ClockModel refused = guarded.update(majority(-FORTY_YEARS_SECONDS + 20, 0, 0.001), T0 + 2 * S, T0 + 2 * S);
        assertThat(refused.tracking().panic().count()).isEqualTo(1);
        assertThat(refused.tracking().panic().lastOffsetSeconds()).isCloseTo(11, within(1e-3));
    }

    @Test
    void fortyYearsBackWithThePanicThresholdOffIsTakenButHeldAndUnsynchronised() {
        VirtualClock unguarded = new VirtualClock(withPanicThreshold(0));
        MonotonicReader reader = new MonotonicReader();
        long t = synchronisedFor15Seconds(unguarded);
        TimeReading last = reader.read(unguarded.model(), t);
        assertThat(last.status()).isEqualTo(ClockStatus.SYNCHRONIZED);
        ClockModel stepped = unguarded.update(majority(-FORTY_YEARS_SECONDS, 0, 0.001), t, t);
        assertThat(stepped.tracking().lastStep()).isTrue();
        assertThat(stepped.status(t)).isEqualTo(ClockStatus.SYNCHRONIZED); // the model alone: a fresh majority
        for (int i = 0; i < 200; i++) {
            long local = t + (i / 10) * 100_000_000L; // ten readings per local instant
            TimeReading reading = reader.read(unguarded.model(), local);
            assertThat(reading.nowNanos()).as("reading %d", i).isGreaterThan(last.nowNanos());
            assertThat(reading.status()).isEqualTo(ClockStatus.UNSYNCHRONIZED);
            assertThat(reading.leap()).isEqualTo(LeapIndicator.ALARM);
            assertThat(reading.stratum()).isEqualTo(16);
            long truthBySources = local - Math.round(FORTY_YEARS_SECONDS * 1e9);
            assertThat(truthBySources).isBetween(reading.earliestNanos(), reading.latestNanos());
            assertThat(reading.errorBoundNanos() / 1e9).isGreaterThan(FORTY_YEARS_SECONDS - 10); // less what V has caught up
            last = reading;
        }
    }

    @Test
    void aBackwardStepOfSecondsIsUnsynchronisedForExactlyAsLongAsTheHoldExceedsTheLimit() {
        MonotonicReader reader = new MonotonicReader();
        long t = synchronisedFor15Seconds(clock);
        reader.read(clock.model(), t);
        clock.update(majority(-3.0, 0, 0.001), t, t); // below the panic threshold: stepped, then held
        for (long local = t; local < t + 5 * S; local += 100_000_000L) {
            TimeReading reading = reader.read(clock.model(), local);
            double held = (t - (local - 3 * S)) / 1e9; // served "now" less V
            ClockStatus expected = held + 0.001 > 1.0 ? ClockStatus.UNSYNCHRONIZED : ClockStatus.SYNCHRONIZED;
            if (Math.abs(held + 0.001 - 1.0) > 0.01) { // away from the edge, where rounding decides
                assertThat(reading.status()).as("held %.1f s", held).isEqualTo(expected);
                assertThat(reading.leap()).isEqualTo(expected == ClockStatus.SYNCHRONIZED ? LeapIndicator.NO_WARNING
                        : LeapIndicator.ALARM);
            }
            assertThat(local - 3 * S).isBetween(reading.earliestNanos(), reading.latestNanos());
        }
    }

    @Test
    void theServedStratumIsTheSystemPeersPlusOneAnd16IsUnsynchronised() {
        Reference fifteen = new Reference(new Reference.Identity("sel", ++sequence, 0, sequence),
                Reference.Status.MAJORITY, 0.3, new OffsetInterval(0.299, 0.301), new OffsetInterval(0.3, 0.3),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(15, LeapIndicator.NO_WARNING, "a", "127.0.0.1:123", 0));
        ClockModel model = clock.update(fifteen, T0, T0);
        assertThat(model.upstream().stratum()).isEqualTo(16);
        assertThat(model.upstream().systemPeerAddress()).isEqualTo("127.0.0.1:123");
        TimeReading reading = model.read(T0);
        assertThat(reading.status()).isEqualTo(ClockStatus.UNSYNCHRONIZED);
        assertThat(reading.leap()).isEqualTo(LeapIndicator.ALARM);
        Reference five = new Reference(new Reference.Identity("sel", ++sequence, 0, sequence),
                Reference.Status.MAJORITY, 0.3, new OffsetInterval(0.299, 0.301), new OffsetInterval(0.3, 0.3),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(5, LeapIndicator.NO_WARNING, "a", "127.0.0.1:123", 0));
        assertThat(clock.update(five, T0 + S, T0 + S).read(T0 + S).stratum()).isEqualTo(6);
    }

    @Test
    void servedHalfWidthLessDriftAndHopsIsTheSelectorsHalfWidth() {
        // A lopsided hull [−1, +3] ms about an estimate of +0.5 ms; the system peer's path (10 ms of root delay) is
        // wider than the hull and must not widen anything.
        Reference local = new Reference(new Reference.Identity("sel", ++sequence, 0, sequence),
                Reference.Status.MAJORITY, 0.0005, new OffsetInterval(-0.001, 0.003), new OffsetInterval(0, 0.001),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", null, 0.010));
        double selectorHalfWidth = local.interval().halfWidth();
        // The selector is on another node: the hop widens each side by the link's distance.
        TimebaseLink link = new TimebaseLink("sel", 0.02, 0.0001, T0);
        Reference hopped = link.rebase(local, T0);
        ClockModel model = clock.update(hopped, T0, T0);
        for (long age : new long[] {0, S / 2, 3 * S, 9 * S, 600 * S}) {
            TimeReading reading = model.read(T0 + age);
            double servedNanos = (reading.latestNanos() - reading.earliestNanos()) / 2.0;
            double termsNanos = (model.boundGrowthRate() * age / 1e9 + link.distanceAt(T0)) * 1e9;
            // The interval is rounded outwards to whole nanoseconds with one more each side for now's own rounding:
            // the served half-width is the selector's plus the terms plus 1 ns, and up to one ns of rounding.
            assertThat(servedNanos - termsNanos - 1 - selectorHalfWidth * 1e9).as("age %d ns", age)
                    .isBetween(-1e-6, 1.0 + 1e-6);
        }
        // A slew in progress moves the interval with the estimate but does not widen it.
        ClockModel slewing = clock.update(link.rebase(new Reference(new Reference.Identity("sel", ++sequence, 0, sequence),
                Reference.Status.MAJORITY, 0.0008, new OffsetInterval(-0.0007, 0.0033), new OffsetInterval(0, 0.001),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", null, 0.010)), T0 + S), T0 + S, T0 + S);
        assertThat(slewing.tracking().lastStep()).isFalse();
        assertThat(slewing.correction().residualSeconds()).isNotZero();
        TimeReading reading = slewing.read(T0 + 2 * S);
        double servedNanos = (reading.latestNanos() - reading.earliestNanos()) / 2.0;
        double termsNanos = (slewing.boundGrowthRate() * 1 + link.distanceAt(T0 + S)) * 1e9;
        assertThat(servedNanos - termsNanos - 1 - selectorHalfWidth * 1e9).isBetween(-1e-6, 1.0 + 1e-6);
    }
}
