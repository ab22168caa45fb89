package io.timemesh.selector;

import static io.timemesh.core.ntp.LeapIndicator.ALARM;
import static io.timemesh.core.ntp.LeapIndicator.LAST_MINUTE_59;
import static io.timemesh.core.ntp.LeapIndicator.LAST_MINUTE_61;
import static io.timemesh.core.ntp.LeapIndicator.NO_WARNING;
import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.clock.LeapSecond;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 13 §2: a leap is announced by a majority of the survivors, and only on a day a leap can be. */
class LeapVoteTest {
    private static final double DEC_31_NOON = Instant.parse("2026-12-31T12:00:00Z").getEpochSecond();
    private static final double JUN_30_LAST_SECOND = Instant.parse("2027-06-30T23:59:59Z").getEpochSecond() + 0.5;
    private static final double NOV_29 = Instant.parse("2026-11-29T12:00:00Z").getEpochSecond();
    private static final double JAN_1 = Instant.parse("2027-01-01T00:00:00Z").getEpochSecond();

    @Test
    void oneSourceAnnouncingIsNotEnoughEvenOnTheRightDay() {
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, NO_WARNING, NO_WARNING), DEC_31_NOON)).isEqualTo(NO_WARNING);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, NO_WARNING), DEC_31_NOON)).as("half is no majority")
                .isEqualTo(NO_WARNING);
    }

    @Test
    void aMajorityAnnouncesInsertOrDeleteOnTheLastDayOfJuneOrDecember() {
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_61, NO_WARNING), DEC_31_NOON)).isEqualTo(LAST_MINUTE_61);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_59, LAST_MINUTE_59, LAST_MINUTE_61), JUN_30_LAST_SECOND))
                .isEqualTo(LAST_MINUTE_59);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_59, ALARM), DEC_31_NOON)).as("split").isEqualTo(NO_WARNING);
    }

    @Test
    void anAnnouncementOnAnyOtherDayIsIgnored() {
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_61, LAST_MINUTE_61), NOV_29)).isEqualTo(NO_WARNING);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_61, LAST_MINUTE_61), JAN_1)).isEqualTo(NO_WARNING);
        assertThat(LeapSecond.leapDay(Instant.parse("2028-06-30T00:00:00Z").getEpochSecond())).isTrue();
        assertThat(LeapSecond.leapDay(Instant.parse("2028-06-29T23:59:59Z").getEpochSecond())).isFalse();
    }
}
