package io.timemesh.selector;

import static io.timemesh.core.ntp.LeapIndicator.ALARM;
import static io.timemesh.core.ntp.LeapIndicator.LAST_MINUTE_59;
import static io.timemesh.core.ntp.LeapIndicator.LAST_MINUTE_61;
import static io.timemesh.core.ntp.LeapIndicator.NO_WARNING;
import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.clock.LeapDays;
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
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, NO_WARNING, NO_WARNING), DEC_31_NOON, LeapDays.JUNE_DECEMBER)).isEqualTo(NO_WARNING);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, NO_WARNING), DEC_31_NOON, LeapDays.JUNE_DECEMBER)).as("half is no majority")
                .isEqualTo(NO_WARNING);
    }

    @Test
    void aMajorityAnnouncesInsertOrDeleteOnTheLastDayOfJuneOrDecember() {
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_61, NO_WARNING), DEC_31_NOON, LeapDays.JUNE_DECEMBER)).isEqualTo(LAST_MINUTE_61);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_59, LAST_MINUTE_59, LAST_MINUTE_61), JUN_30_LAST_SECOND, LeapDays.JUNE_DECEMBER))
                .isEqualTo(LAST_MINUTE_59);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_59, ALARM), DEC_31_NOON, LeapDays.JUNE_DECEMBER)).as("split").isEqualTo(NO_WARNING);
    }

    @Test
    void anAnnouncementOnAnyOtherDayIsIgnored() {
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_61, LAST_MINUTE_61), NOV_29, LeapDays.JUNE_DECEMBER)).isEqualTo(NO_WARNING);
        assertThat(LeapVote.of(List.of(LAST_MINUTE_61, LAST_MINUTE_61, LAST_MINUTE_61), JAN_1, LeapDays.JUNE_DECEMBER)).isEqualTo(NO_WARNING);
    }

    /** Configured otherwise: a majority announcing on 31 January is believed only with any_month_end. */
    @Test
    void configuredForAnyMonthEndTheLastDayOfAnyMonthCounts() {
        double jan31 = Instant.parse("2027-01-31T12:00:00Z").getEpochSecond();
        List<io.timemesh.core.ntp.LeapIndicator> majority = List.of(LAST_MINUTE_61, LAST_MINUTE_61, NO_WARNING);
        assertThat(LeapVote.of(majority, jan31, LeapDays.JUNE_DECEMBER)).isEqualTo(NO_WARNING);
        assertThat(LeapVote.of(majority, jan31, LeapDays.ANY_MONTH_END)).isEqualTo(LAST_MINUTE_61);
        assertThat(LeapVote.of(majority, NOV_29, LeapDays.ANY_MONTH_END)).isEqualTo(NO_WARNING);
        assertThat(Settings.bind(SelectorSettings.class, "{\"leapDays\": \"any_month_end\"}")
                .leapDays()).isEqualTo(LeapDays.ANY_MONTH_END);
    }
}
