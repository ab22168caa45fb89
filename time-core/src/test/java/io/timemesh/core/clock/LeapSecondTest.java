package io.timemesh.core.clock;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §2: the served time across a leap second, in both {@code discipline.leapMode}s, for an inserted and a
 * deleted second, on a fake local timescale. Served readings strictly increase, the served interval holds true
 * (UTC or smeared UTC) time, and the smear's rate stays within 1/86 399.
 */
class LeapSecondTest {
    private static final long S = 1_000_000_000L;
    private static final long HOUR = 3_600 * S;
    /** 2026-12-31T24:00:00Z. */
    private static final long M = Instant.parse("2027-01-01T00:00:00Z").getEpochSecond() * S;

    private static LeapSecond leap(boolean insert, LeapMode mode) {
        return new LeapSecond(M, insert, mode);
    }

    @Test
    void anInsertedSecondReadsAsMidnightHeldInStepMode() {
        LeapSecond insert = leap(true, LeapMode.STEP);
        assertThat(insert.utcNanos(M - S / 2)).isEqualTo(M - S / 2); // 23:59:59.5
        assertThat(insert.utcNanos(M + S / 2)).isEqualTo(M); // 23:59:60.5
        assertThat(insert.utcNanos(M + 3 * S / 2)).isEqualTo(M + S / 2); // 00:00:00.5
        assertThat(insert.indicator(M - 1)).isEqualTo(LeapIndicator.LAST_MINUTE_61);
        assertThat(insert.indicator(M)).isEqualTo(LeapIndicator.NO_WARNING);
        assertThat(insert.smearNanos(M - 1)).isNull();
    }

    @Test
    void aDeletedSecondIsSkippedForwardInStepMode() {
        LeapSecond delete = leap(false, LeapMode.STEP);
        assertThat(delete.utcNanos(M - 3 * S / 2)).isEqualTo(M - 3 * S / 2); // 23:59:58.5
        assertThat(delete.utcNanos(M - S / 2)).isEqualTo(M + S / 2); // 23:59:59 never reads
        assertThat(delete.indicator(M - S - 1)).isEqualTo(LeapIndicator.LAST_MINUTE_59);
        assertThat(delete.indicator(M - S)).isEqualTo(LeapIndicator.NO_WARNING);
    }

    @Test
    void theSmearRunsNoonToNoonAndIsHalfASecondAtMidnight() {
        LeapSecond insert = leap(true, LeapMode.SMEAR);
        assertThat(insert.servedNanos(M - 12 * HOUR)).isEqualTo(M - 12 * HOUR);
        // 43 200 of the window's 86 401 SI seconds have passed at midnight.
        assertThat(insert.servedNanos(M)).isEqualTo(M - 43_200L * S / 86_401);
        assertThat(insert.smearNanos(M - 1)).isBetween(-S / 2, -S / 2 + S / 86_401 * 2);
        // Noon after the leap, on the continuous scale one second later: UTC again, and no smear left.
        assertThat(insert.servedNanos(M + 12 * HOUR + S)).isEqualTo(M + 12 * HOUR);
        assertThat(insert.smearNanos(M + 12 * HOUR + S)).isNull();
        assertThat(insert.indicator(M - 1)).as("the smear is invisible to NTP clients").isEqualTo(LeapIndicator.NO_WARNING);

        LeapSecond delete = leap(false, LeapMode.SMEAR);
        assertThat(delete.servedNanos(M - 12 * HOUR)).isEqualTo(M - 12 * HOUR);
        assertThat(delete.servedNanos(M + 12 * HOUR - S)).isEqualTo(M + 12 * HOUR);
        assertThat(delete.smearNanos(M - 2 * S)).isPositive();
    }

    @Test
    void aLeapIsForTheMidnightEndingTheLastDayOfJuneOrDecemberOnly() {
        long dec31Noon = M - 12 * HOUR;
        assertThat(LeapSecond.announced(LeapIndicator.LAST_MINUTE_61, dec31Noon, LeapMode.STEP, LeapDays.JUNE_DECEMBER))
                .isEqualTo(new LeapSecond(M, true, LeapMode.STEP));
        assertThat(LeapSecond.announced(LeapIndicator.LAST_MINUTE_59, M - 1, LeapMode.SMEAR, LeapDays.JUNE_DECEMBER))
                .isEqualTo(new LeapSecond(M, false, LeapMode.SMEAR));
        assertThat(LeapSecond.announced(LeapIndicator.LAST_MINUTE_61, M, LeapMode.STEP, LeapDays.JUNE_DECEMBER)).as("1 January").isNull();
        assertThat(LeapSecond.announced(LeapIndicator.NO_WARNING, dec31Noon, LeapMode.STEP, LeapDays.JUNE_DECEMBER)).isNull();
        assertThat(LeapSecond.announced(LeapIndicator.ALARM, dec31Noon, LeapMode.STEP, LeapDays.JUNE_DECEMBER)).isNull();
        long june30 = Instant.parse("2027-06-30T08:00:00Z").getEpochSecond() * S;
        assertThat(LeapSecond.announced(LeapIndicator.LAST_MINUTE_61, june30, LeapMode.STEP, LeapDays.JUNE_DECEMBER).midnightNanos())
                .isEqualTo(Instant.parse("2027-07-01T00:00:00Z").getEpochSecond() * S);
    }

    /** Configured otherwise (discipline.leapDays any_month_end), any month's last day, as ITU-R TF.460-6 allows. */
    @Test
    void configuredForAnyMonthEndALeapOnTheLastDayOfJanuaryIsBelieved() {
        long jan31 = Instant.parse("2027-01-31T08:00:00Z").getEpochSecond() * S;
        assertThat(LeapSecond.announced(LeapIndicator.LAST_MINUTE_61, jan31, LeapMode.STEP, LeapDays.JUNE_DECEMBER))
                .isNull();
        assertThat(LeapSecond.announced(LeapIndicator.LAST_MINUTE_61, jan31, LeapMode.STEP, LeapDays.ANY_MONTH_END)
                .midnightNanos()).isEqualTo(Instant.parse("2027-02-01T00:00:00Z").getEpochSecond() * S);
        long jan30 = Instant.parse("2027-01-30T08:00:00Z").getEpochSecond() * S;
        assertThat(LeapSecond.announced(LeapIndicator.LAST_MINUTE_61, jan30, LeapMode.STEP, LeapDays.ANY_MONTH_END))
                .as("not a month's end").isNull();
        assertThat(LeapDays.ANY_MONTH_END.contains(Instant.parse("2028-02-29T12:00:00Z").getEpochSecond())).isTrue();
        assertThat(LeapDays.JUNE_DECEMBER.contains(Instant.parse("2028-06-30T00:00:00Z").getEpochSecond())).isTrue();
        assertThat(LeapDays.JUNE_DECEMBER.contains(Instant.parse("2028-06-29T23:59:59Z").getEpochSecond())).isFalse();
    }

    /**
     * Both maps are monotone; the step map is never faster than the continuous scale but for a deleted second's
     * step forward, and the smear is off its rate by 1/86 399 at most.
     */
    @Property
    void servedTimeNeverRunsBackAndTheSmearRateIsBounded(@ForAll boolean insert, @ForAll boolean smear,
            @ForAll @LongRange(min = -36 * 3_600_000L, max = 36 * 3_600_000L) long fromMillis,
            @ForAll @LongRange(min = 0, max = 4 * 3_600_000_000_000L) long stepNanos) {
        LeapSecond leap = leap(insert, smear ? LeapMode.SMEAR : LeapMode.STEP);
        long v1 = M + fromMillis * 1_000_000L + stepNanos % S;
        long v2 = v1 + stepNanos;
        long served = leap.servedNanos(v2) - leap.servedNanos(v1);
        assertThat(served).isGreaterThanOrEqualTo(0);
        if (smear) {
            // |rate − 1| ≤ 1/86 399 (11.6 ppm), with a nanosecond for the integer division.
            assertThat((double) Math.abs(served - stepNanos)).isLessThanOrEqualTo(stepNanos / 86_399.0 + 1);
        } else if (insert || v2 < leap.startNanos() || v1 >= leap.startNanos()) {
            assertThat(served).isLessThanOrEqualTo(stepNanos);
        }
    }

    /**
     * Through the model and the node's reader: a clock whose estimate is {@code errorMillis} off true continuous
     * time, within its ±{@code halfWidthMillis} bound, read at random instants across the leap. Every reading is
     * later than the last, its interval holds true served time (UTC, or smeared UTC), and, but for a deleted
     * second in step mode, its bound stays what it was before the leap: no hold, no second-wide interval.
     */
    @Property(tries = 300)
    void readingsIncreaseAndHoldTrueTimeThroughTheLeap(@ForAll boolean insert, @ForAll boolean smear,
            @ForAll @IntRange(min = 1, max = 200) int halfWidthMillis, @ForAll @IntRange(min = -1000, max = 1000) int error,
            @ForAll @IntRange(min = 1, max = 400) int readings, @ForAll long seed) {
        LeapSecond leap = leap(insert, smear ? LeapMode.SMEAR : LeapMode.STEP);
        long errorNanos = (long) halfWidthMillis * error * 1_000L; // within ±halfWidth
        long correction = 5 * S; // V = L + 5 s
        ClockModel model = new ClockModel(new ClockModel.Correction(0, correction, 0, 0, 0),
                new ClockModel.Bound(Long.MAX_VALUE / 2, OffsetInterval.around(0, halfWidthMillis / 1e3)),
                new ClockModel.Limits(0, Long.MAX_VALUE, 1.0),
                new ClockModel.Upstream("sel", 1, true, 2, LeapIndicator.NO_WARNING, "a", null, 0),
                new ClockModel.Tracking(1, 0, false, 0, null), leap);
        MonotonicReader reader = new MonotonicReader();
        java.util.Random random = new java.util.Random(seed);
        long local = M - 3 * S - correction; // three seconds before midnight
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < readings; i++) {
            local += random.nextInt(5) == 0 ? 0 : random.nextInt(30_000_000); // up to 30 ms, sometimes the same instant
            TimeReading reading = reader.read(model, local);
            long truth = leap.servedNanos(local + correction - errorNanos);
            assertThat(reading.nowNanos()).isGreaterThan(previous);
            assertThat(truth).isBetween(reading.earliestNanos(), reading.latestNanos());
            if (insert || smear) {
                // A deleted second's smear runs 1/86 399 fast, and stretches the interval by as much (rounded up),
                // plus a nanosecond of rounding at each end (jqwik found 134 ms → 134 001 553 ns).
                long halfWidth = halfWidthMillis * 1_000_000L;
                assertThat(reading.errorBoundNanos()).isLessThanOrEqualTo(halfWidth + (halfWidth + 86_398) / 86_399 + 2 + i);
                assertThat(reading.status()).isEqualTo(ClockStatus.SYNCHRONIZED);
            }
            // A deleted second's step forward can make the interval across it a second wide: honestly unsynchronised.
            assertThat(reading.leap()).isEqualTo(reading.status() == ClockStatus.UNSYNCHRONIZED ? LeapIndicator.ALARM
                    : leap.indicator(local + correction));
            previous = reading.nowNanos();
        }
    }
}
