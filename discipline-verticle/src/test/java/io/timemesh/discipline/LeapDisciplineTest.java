package io.timemesh.discipline;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.clock.LeapMode;
import io.timemesh.core.clock.LeapSecond;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.message.Reference;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 13 §2: the virtual clock driven through a leap second by references on a fake local timescale, as a
 * selector would send them: its sources announce the leap on 31 December, step their clocks at midnight as a
 * kernel does (the inserted second repeats 23:59:59), and for a while after it some references are still built
 * of samples from before it.
 */
class LeapDisciplineTest {
    private static final long S = 1_000_000_000L;
    /** 2026-12-31T24:00:00Z. */
    private static final long M = Instant.parse("2027-01-01T00:00:00Z").getEpochSecond() * S;
    /** True continuous time less local time: the local timescale is perfect here, only its origin is off. */
    private static final long THETA = M - 1_000_000 * S;
    private static final double DISTANCE = 0.002;

    private long sequence;

    private static DisciplineSettings settings(LeapMode mode) {
        return Settings.bind(DisciplineSettings.class,
                "{\"leapMode\": \"" + mode.name().toLowerCase(java.util.Locale.ROOT) + "\"}");
    }

    /** What an upstream server's clock reads at true continuous time v: POSIX UTC, stepped at the leap. */
    private static long serverUtc(long v, boolean insert) {
        if (insert) {
            return v < M ? v : v - S;
        }
        return v < M - S ? v : v + S;
    }

    private Reference reference(double offset, LeapIndicator leap) {
        return new Reference(new Reference.Identity("sel", ++sequence, 0, sequence), Reference.Status.MAJORITY,
                offset, new OffsetInterval(offset - DISTANCE, offset + DISTANCE), new OffsetInterval(offset, offset),
                new Reference.Vote(3, 3, List.of("a", "b", "c"), List.of(), List.of()),
                new Reference.Peer(1, leap, "a", null, 0));
    }

    /** The announcement the selector passes on: the sources' own, on the leap day by their clocks. */
    private static LeapIndicator announced(long utc, boolean insert) {
        return LeapDays.JUNE_DECEMBER.contains(Math.floorDiv(utc, S))
                ? insert ? LeapIndicator.LAST_MINUTE_61 : LeapIndicator.LAST_MINUTE_59 : LeapIndicator.NO_WARNING;
    }

    @ParameterizedTest(name = "insert={0}, {1}")
    @CsvSource({"true, STEP", "false, STEP", "true, SMEAR", "false, SMEAR"})
    void servedTimeIncreasesAndItsIntervalHoldsTrueTimeThroughTheLeap(boolean insert, LeapMode mode) {
        VirtualClock clock = new VirtualClock(settings(mode));
        LeapSecond truth = new LeapSecond(M, insert, mode);
        MonotonicReader reader = new MonotonicReader();
        long previous = Long.MIN_VALUE;
        int holdovers = 0;
        long start = M - 60 * S - THETA;
        for (long local = start; local < M + 60 * S - THETA; local += 10_000_000L) { // a reading every 10 ms
            long v = local + THETA;
            if ((local - start) % (2 * S) == 0) { // a reference every 2 s
                long utc = serverUtc(v, insert);
                boolean stale = v >= M && (local - start) % (6 * S) == 0; // a filter still choosing an older sample
                double offset = ((stale ? v : utc) - local) / 1e9;
                clock.update(reference(offset, announced(utc, insert)), local, local);
            }
            TimeReading reading = reader.read(clock.model(), local);
            assertThat(reading.nowNanos()).isGreaterThan(previous);
            assertThat(truth.servedNanos(v)).as("at %d ns past midnight", v - M)
                    .isBetween(reading.earliestNanos(), reading.latestNanos());
            if (insert || mode == LeapMode.SMEAR) {
                // The inserted second costs neither the status nor the bound; no hold is needed.
                assertThat(reading.status()).isEqualTo(ClockStatus.SYNCHRONIZED);
                assertThat(reading.errorBoundNanos()).isLessThan(10_000_000L);
            } else if (reading.status() != ClockStatus.SYNCHRONIZED) {
                holdovers++;
            }
            assertThat(reading.leap()).isIn(reading.status() == ClockStatus.UNSYNCHRONIZED ? LeapIndicator.ALARM
                    : truth.indicator(v));
            if (mode == LeapMode.SMEAR) {
                assertThat(reading.smearNanos()).isEqualTo(truth.smearNanos(v));
            }
            previous = reading.nowNanos();
        }
        // A deleted second steps forward: only the readings whose interval spans it are honestly unsynchronised.
        assertThat(holdovers).isLessThanOrEqualTo(2);
    }

    @Test
    void aDayLaterTheLeapIsFoldedIntoTheCorrectionWithoutAJump() {
        VirtualClock clock = new VirtualClock(settings(LeapMode.SMEAR));
        long local = M - 3_600 * S - THETA;
        clock.update(reference(THETA / 1e9, LeapIndicator.LAST_MINUTE_61), local, local);
        assertThat(clock.model().leapSecond()).isEqualTo(new LeapSecond(M, true, LeapMode.SMEAR));

        local = M + 86_399 * S - THETA; // nearly a day on: still under way, its sources count UTC
        clock.update(reference((THETA - S) / 1e9, LeapIndicator.NO_WARNING), local, local);
        assertThat(clock.model().leapSecond()).isNotNull();
        long later = local + 2 * S;
        TimeReading before = clock.model().read(later);
        ClockModel folded = clock.update(reference((THETA - S) / 1e9, LeapIndicator.NO_WARNING), later, later);
        assertThat(folded.leapSecond()).isNull();
        assertThat(folded.read(later).nowNanos()).isEqualTo(before.nowNanos()).isEqualTo(later + THETA - S);
        assertThat(folded.tracking().lastStep()).isFalse();
    }

    /** V a little ahead of the sources: a reference of samples after their leap comes while V says "before". */
    @Test
    void nearTheLeapAReferenceIsReadAsBeforeOrAfterItWhicheverIsNearer() {
        VirtualClock clock = new VirtualClock(settings(LeapMode.STEP));
        long local = M - 60 * S - THETA;
        clock.update(reference(THETA / 1e9, LeapIndicator.LAST_MINUTE_61), local, local);
        local = M - S / 2 - THETA; // 23:59:59.5 by V, but the sources have already stepped
        ClockModel after = clock.update(reference((THETA - S) / 1e9 + 0.0005, LeapIndicator.NO_WARNING), local, local);
        assertThat(after.tracking().lastOffsetSeconds()).isCloseTo(0.0005, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(after.read(local).nowNanos()).isGreaterThan(M - S);
    }

    /** The model travels to the API verticles as JSON: the leap and its mode with it. */
    @Test
    void theScheduledLeapTravelsWithTheModel() {
        VirtualClock clock = new VirtualClock(settings(LeapMode.SMEAR));
        long local = M - 600 * S - THETA;
        ClockModel model = clock.update(reference(THETA / 1e9, LeapIndicator.LAST_MINUTE_59), local, local);
        ClockModel carried = io.vertx.core.json.JsonObject.mapFrom(model).mapTo(ClockModel.class);
        assertThat(carried).isEqualTo(model);
        assertThat(carried.leapSecond()).isEqualTo(new LeapSecond(M, false, LeapMode.SMEAR));
    }

    @Test
    void anAnnouncementWithdrawnBeforeMidnightIsForgotten() {
        VirtualClock clock = new VirtualClock(settings(LeapMode.STEP));
        long local = M - 600 * S - THETA;
        clock.update(reference(THETA / 1e9, LeapIndicator.LAST_MINUTE_61), local, local);
        assertThat(clock.model().read(local).leap()).isEqualTo(LeapIndicator.LAST_MINUTE_61);
        clock.update(reference(THETA / 1e9, LeapIndicator.NO_WARNING), local + S, local + S);
        assertThat(clock.model().leapSecond()).isNull();
        assertThat(clock.model().read(local + S).leap()).isEqualTo(LeapIndicator.NO_WARNING);
    }

    @Test
    void withoutAnAnnouncementTheSourcesStepIsTakenAsAnyOther() {
        VirtualClock clock = new VirtualClock(settings(LeapMode.STEP));
        long local = M - 10 * S - THETA;
        clock.update(reference(THETA / 1e9, LeapIndicator.NO_WARNING), local, local);
        local += 20 * S;
        ClockModel after = clock.update(reference((THETA - S) / 1e9, LeapIndicator.NO_WARNING), local, local);
        assertThat(after.tracking().lastStep()).isTrue();
        assertThat(after.tracking().lastOffsetSeconds()).isCloseTo(-1.0, org.assertj.core.api.Assertions.within(1e-6));
    }
}
